"""The real daemon: health, readiness, reload with good and bad configs,
graceful shutdown, and start-up failures that say what to do."""
import json
import os
import signal
import socket
import subprocess
import time

from conftest import BASE_CONFIG, RB_BIN, Daemon


def test_health_and_readiness(daemon):
    daemon.start()
    status, ctype, body = daemon.get("/healthz")
    assert status == 200
    assert ctype == "application/json"
    assert json.loads(body)["status"] == "ok"

    status, _, body = daemon.get("/readyz")
    assert status == 200
    ready = json.loads(body)
    assert ready["status"] == "ready"
    assert ready["store"]["schema_version"] >= 2

    status, _, body = daemon.get("/no-such-thing")
    assert status == 404
    assert json.loads(body)["error"] == "not_found"
    # the database was created beside the config, in WAL mode
    assert os.path.exists(os.path.join(daemon.dir, "rb.db"))


def test_sighup_applies_a_good_config(daemon):
    daemon.start()
    daemon.get("/healthz")
    assert "GET /healthz" not in daemon.log()  # debug lines are off at info

    daemon.write_config(BASE_CONFIG.replace("level = info", "level = debug"))
    mark = len(daemon.log())
    daemon.signal(signal.SIGHUP)
    daemon.wait_log(r"configuration reloaded from .* \(log level debug\)", after=mark)
    daemon.get("/healthz")
    daemon.wait_log(r"GET /healthz -> 200", after=mark)


def test_sighup_with_a_bad_config_keeps_the_old_one(daemon):
    daemon.start()
    daemon.write_config(BASE_CONFIG.replace("level = info", "level = shouty") + "bogus_line\n")
    mark = len(daemon.log())
    daemon.signal(signal.SIGHUP)
    m = daemon.wait_log(r"reload failed, keeping the previous configuration", after=mark)
    log = daemon.log()[mark:]
    assert "returnbridge.ini:7: log.level" in log  # says which key, which line
    assert "returnbridge.ini:11" in log           # and every problem
    status, _, _ = daemon.get("/healthz")
    assert status == 200
    assert daemon.proc.poll() is None
    assert m


def test_sighup_does_not_move_restart_only_keys(daemon):
    daemon.start()
    daemon.write_config(BASE_CONFIG.replace("port = 0", "port = 1"))
    mark = len(daemon.log())
    daemon.signal(signal.SIGHUP)
    daemon.wait_log(r"server\.port changed but takes effect only after a restart", after=mark)
    daemon.wait_log(r"configuration reloaded", after=mark)
    assert daemon.get("/healthz")[0] == 200  # still on the old port


def test_sigterm_finishes_a_request_in_flight(daemon):
    daemon.start()
    s = socket.create_connection(("127.0.0.1", daemon.port), timeout=10)
    body = b'{"half": "of it"}'
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
    time.sleep(0.2)
    daemon.signal(signal.SIGTERM)
    daemon.wait_log(r"received SIGTERM, shutting down")
    # new connections are refused while the old one may still finish
    time.sleep(0.2)
    try:
        socket.create_connection(("127.0.0.1", daemon.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    assert refused
    s.sendall(body[5:])
    reply = s.recv(4096).decode()
    s.close()
    assert reply.startswith("HTTP/1.1 405")
    assert daemon.proc.wait(timeout=10) == 0
    assert "stopped cleanly" in daemon.log()


def test_sigint_stops_cleanly(daemon):
    daemon.start()
    daemon.signal(signal.SIGINT)
    assert daemon.proc.wait(timeout=10) == 0
    assert "received SIGINT" in daemon.log()


def test_bad_config_at_start_exits_3_with_the_line(tmp_path):
    d = Daemon(str(tmp_path), "[server]\nport = 99999\n")
    d.start(expect_ready=False)
    assert d.proc.wait(timeout=10) == 3
    d.stop()
    assert "returnbridge.ini:2: server.port: 99999 is out of range" in d.log()


def test_port_in_use_exits_1_and_says_so(tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    d = Daemon(str(tmp_path), BASE_CONFIG.replace("port = 0", "port = %d" % port))
    d.start(expect_ready=False)
    try:
        assert d.proc.wait(timeout=10) == 1
    finally:
        holder.close()
    d.stop()
    assert "cannot listen on 127.0.0.1:%d" % port in d.log()


def test_log_file_and_json_format(tmp_path):
    cfg = BASE_CONFIG.replace("level = info", "level = info\nformat = json\nfile = rb.log")
    d = Daemon(str(tmp_path), cfg)
    d.start(expect_ready=False)
    logpath = os.path.join(str(tmp_path), "rb.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(logpath) and "listening on" in open(logpath).read():
            break
        time.sleep(0.05)
    d.signal(signal.SIGTERM)
    assert d.proc.wait(timeout=10) == 0
    d.stop()
    lines = [json.loads(l) for l in open(logpath).read().splitlines()]
    assert any("listening on" in l["msg"] for l in lines)
    assert all({"ts", "level", "component", "msg"} <= set(l) for l in lines)


def test_secret_never_reaches_the_log(tmp_path):
    cfg = BASE_CONFIG + ("\n[odoo]\nurl = https://erp.example.com\ndatabase = prod\n"
                         "user = rb\napi_key = env:RB_IT_SECRET\n")
    d = Daemon(str(tmp_path), cfg.replace("level = info", "level = debug"))
    os.environ["RB_IT_SECRET"] = "zebra-correct-horse-42"
    try:
        d.start()
        d.get("/readyz")
        d.signal(signal.SIGHUP)
        d.wait_log(r"configuration reloaded")
    finally:
        del os.environ["RB_IT_SECRET"]
    assert d.stop() == 0
    out = subprocess.run([RB_BIN, "check-config", "-c", d.config, "--print"],
                         capture_output=True, text=True,
                         env=dict(os.environ, RB_IT_SECRET="zebra-correct-horse-42"))
    assert out.returncode == 0
    assert "api_key = (set)" in out.stdout
    assert "zebra" not in out.stdout + out.stderr + d.log()
