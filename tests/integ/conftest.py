"""Shared fixtures for integration tests: the real returnbridge binary,
started on 127.0.0.1 with a generated config and a temporary SQLite DB."""
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

RB_BIN = os.environ.get("RB_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "returnbridge")


class Daemon:
    """A running `returnbridge serve`, its log, and helpers to talk to it."""

    def __init__(self, workdir, config_text):
        self.dir = workdir
        self.config = os.path.join(workdir, "returnbridge.ini")
        self.log_path = os.path.join(workdir, "stderr.log")
        self.write_config(config_text)
        self.proc = None
        self.port = None

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self, expect_ready=True):
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen([RB_BIN, "serve", "-c", self.config],
                                     stdout=self.log_file, stderr=self.log_file,
                                     cwd=self.dir)
        if expect_ready:
            m = self.wait_log(r"listening on http://127\.0\.0\.1:(\d+)")
            self.port = int(m.group(1))
        return self

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=10.0, after=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log()[after:])
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no log line matching %r; log:\n%s" % (pattern, self.log()))

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as r:
                return r.status, r.headers.get("Content-Type"), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read().decode()

    def post(self, path, body, headers=None, content_type="application/json", timeout=10):
        """POST raw bytes; returns (status, parsed JSON body or text)."""
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.url(path), data=body, method="POST")
        if content_type:
            req.add_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def cli(self, *args):
        """Run a returnbridge subcommand against this daemon's config."""
        out = subprocess.run([RB_BIN, args[0], "-c", self.config] + list(args[1:]),
                             capture_output=True, text=True, cwd=self.dir)
        return out

    def cli_json(self, *args):
        out = self.cli(*args, "--json")
        assert out.returncode == 0, out.stderr
        return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()
        return self.proc.returncode if self.proc else None


BASE_CONFIG = """\
[server]
listen = 127.0.0.1
port = 0
shutdown_grace_ms = 5000

[log]
level = info

[store]
path = rb.db
"""


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(str(tmp_path), BASE_CONFIG)
    yield d
    rc = d.stop()
    # a sanitizer report or a crash must fail the test that caused it
    log = d.log()
    assert "ERROR: AddressSanitizer" not in log, log
    assert "runtime error:" not in log, log
    assert "LeakSanitizer" not in log, log
    assert rc in (0, None), "exit code %r; log:\n%s" % (rc, log)


def wait_for(pred, timeout=10.0):
    """pred()'s first true value, polled for up to timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("condition not met in %.1f s" % timeout)


DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def fixture_text(name):
    with open(os.path.join(DATA, "rebound", name)) as f:
        return f.read()


def sign(secret, body, timestamp=None, encoding="hex"):
    """The sender's side of docs/rebound-notifications.md."""
    import base64
    import hashlib
    import hmac
    if isinstance(body, str):
        body = body.encode()
    msg = (str(timestamp).encode() + b"." + body) if timestamp is not None else body
    mac = hmac.new(secret.encode(), msg, hashlib.sha256).digest()
    return base64.b64encode(mac).decode() if encoding == "base64" else mac.hex()
