"""Helpers for the Odoo emulator's tests: a fresh odoo-emu per profile,
started on 127.0.0.1:0 from the seed that matches the recordings."""
import json
import os
import re
import subprocess
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EMU_BIN = os.environ.get("ODOO_EMU_BIN") or os.path.join(
    ROOT, "build", "emulators", "odoo-emu")
DATA = os.path.join(ROOT, "tests", "data")
PROFILES = os.path.join(ROOT, "emulators", "odoo", "profiles")


class Emulator:
    """A running odoo-emu and a JSON-RPC client for it."""

    def __init__(self, profile, tmpdir, seed=None, args=(), user_agent=None):
        self.profile = profile
        self.seed = seed or os.path.join(DATA, "odoo", "seed-%s.json" % profile)
        self.dump_path = os.path.join(tmpdir, "dump-%s.json" % profile)
        self.log_path = os.path.join(tmpdir, "emu-%s.log" % profile)
        self.proc = None
        self.port = None
        self.next_id = 1000
        self.args = list(args)   # extra command-line options (faults, costs)
        # ODOO_EMU_CHECK_RECOMPUTE=1 (the odoo-emu-recompute suite): every
        # partial recompute is checked against a full one; stop() fails on
        # a difference
        if os.environ.get("ODOO_EMU_CHECK_RECOMPUTE") == "1":
            self.args.append("--check-recompute")
        self.user_agent = user_agent   # None: urllib's own "Python-urllib/3.x"

    def start(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [EMU_BIN, "--profile", str(self.profile), "--seed", self.seed,
             "--port", "0", "--dump", self.dump_path] + self.args,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"odoo-emu listening on http://127\.0\.0\.1:(\d+)", line)
        assert m, "no listening line, got %r" % line
        self.port = int(m.group(1))
        return self

    def stop(self):
        """Stop with SIGTERM; the emulator must exit 0 (under ASan a leak or
        a sanitizer report makes it fail) and write its --dump."""
        rc = None
        if self.proc:
            if self.proc.poll() is None:
                self.proc.terminate()
            rc = self.proc.wait(30)
            self.proc.stdout.close()
            self.proc = None
        self.log.close()
        with open(self.log_path) as f:
            log = f.read()
        assert rc == 0, "odoo-emu exited %s; its log:\n%s" % (rc, log)
        assert "recompute mismatch" not in log, log

    def post(self, body, user_agent=None):
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if user_agent or self.user_agent:
            headers["User-Agent"] = user_agent or self.user_agent
        req = urllib.request.Request(
            "http://127.0.0.1:%d/jsonrpc" % self.port, data=data, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())

    def call(self, service, method, *args):
        self.next_id += 1
        return self.post({"jsonrpc": "2.0", "method": "call", "id": self.next_id,
                          "params": {"service": service, "method": method,
                                     "args": list(args)}})[1]

    def execute(self, model, method, *args, **kw):
        return self.call("object", "execute_kw", "rbtest", 2, "admin",
                         model, method, list(args), kw)

    def stats(self):
        with urllib.request.urlopen(
                "http://127.0.0.1:%d/emu/stats" % self.port, timeout=10) as r:
            return json.loads(r.read())

    def dump(self):
        with urllib.request.urlopen(
                "http://127.0.0.1:%d/emu/dump" % self.port, timeout=10) as r:
            return json.loads(r.read())


