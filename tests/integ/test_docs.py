"""Docs match the code: every configuration key the binary knows is in
docs/configuration.md with its default, and in the sample config."""
import json
import os
import subprocess

from conftest import RB_BIN

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def keys():
    out = subprocess.run([RB_BIN, "check-config", "--keys", "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_every_key_is_documented_with_its_default():
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    for k in keys():
        default = "`%s`" % k["default"] if k["default"] else "(empty)"
        row = "| `%s` | %s | %s |" % (k["key"], k["type"], default)
        assert row in doc, "docs/configuration.md lacks or misstates %s" % k["key"]


def test_every_key_is_in_the_sample_config():
    sample = open(os.path.join(ROOT, "dist", "returnbridge.ini")).read()
    # a map section ("section.*") takes any key: its entries count as it
    maps = {k["key"][:-2] for k in keys() if k["type"] == "map"}
    section = None
    seen = set()
    for line in sample.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith(";"):
            if section in maps:
                seen.add(section + ".*")
            else:
                seen.add("%s.%s" % (section, line.split("=")[0].strip()))
    assert {k["key"] for k in keys()} == seen
