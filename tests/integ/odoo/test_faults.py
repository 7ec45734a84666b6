"""Faults and the cost model, each observable by a client: added latency,
HTTP 502/503, dropped connections, serialization errors, slow-then-succeed,
committed-but-reply-lost writes, the per-call cost model (alone vs batch),
the capacity limit (calls beyond it queue) and GET /emu/stats."""
import http.client
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from odoo_emu import DATA, EMU_BIN, Emulator


def rule(**kw):
    return ["--fault", json.dumps(kw)]


@pytest.fixture
def start(tmp_path):
    started = []

    def _start(*args, profile="17"):
        e = Emulator(profile, str(tmp_path / str(len(started))), args=args)
        (tmp_path / str(len(started))).mkdir()
        started.append(e.start())
        return e
    yield _start
    for e in started:
        e.stop()


def stats(emu):
    with urllib.request.urlopen("http://127.0.0.1:%d/emu/stats" % emu.port, timeout=10) as r:
        return json.loads(r.read())


def partners(emu, name):
    return emu.execute("res.partner", "search_count", [["name", "=", name]])["result"]


def timed(fn):
    t = time.monotonic()
    out = fn()
    return out, time.monotonic() - t


def test_added_latency(start):
    emu = start(*rule(model="res.partner", method="search_count", kind="latency", ms=300))
    _, fast = timed(lambda: emu.call("common", "version"))
    _, slow = timed(lambda: partners(emu, "x"))
    assert slow >= 0.3 and fast < 0.2


@pytest.mark.parametrize("status", [502, 503])
def test_http_errors_run_nothing(start, status):
    emu = start(*rule(model="res.partner", method="create", kind="http", status=status,
                      times=1))
    with pytest.raises(urllib.error.HTTPError) as e:
        emu.execute("res.partner", "create", {"name": "Gateway"})
    assert e.value.code == status
    assert partners(emu, "Gateway") == 0
    assert isinstance(emu.execute("res.partner", "create", {"name": "Gateway"})["result"], int)


def test_dropped_connection_runs_nothing(start):
    emu = start(*rule(model="res.partner", method="create", kind="drop", times=1))
    with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
        emu.execute("res.partner", "create", {"name": "Dropped"})
    assert partners(emu, "Dropped") == 0


def test_serialization_error_keeps_nothing(start):
    emu = start(*rule(model="res.partner", method="create", kind="serialization", times=1))
    resp = emu.execute("res.partner", "create", {"name": "Serial"})
    assert resp["error"]["code"] == 200 and resp["error"]["message"] == "Odoo Server Error"
    assert resp["error"]["data"]["name"] == "psycopg2.errors.SerializationFailure"
    assert partners(emu, "Serial") == 0
    assert isinstance(emu.execute("res.partner", "create", {"name": "Serial"})["result"], int)


def test_slow_then_succeed(start):
    emu = start(*rule(model="res.partner", method="search_count", kind="slow", ms=400,
                      times=2))
    times = [timed(lambda: partners(emu, "x"))[1] for _ in range(3)]
    assert times[0] >= 0.4 and times[1] >= 0.4 and times[2] < 0.3


def test_committed_but_reply_lost(start):
    """The write is committed; the client never hears: exactly-once must be
    the client's (look up by ref before retrying)."""
    emu = start(*rule(model="res.partner", method="create", kind="reply_lost", times=1))
    with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
        emu.execute("res.partner", "create", {"name": "Lost reply"})
    assert partners(emu, "Lost reply") == 1
    assert stats(emu)["calls"]["res.partner/create"]["faults"] == 1


def test_cost_model_alone_vs_batch(start, tmp_path):
    costs = tmp_path / "costs.json"
    costs.write_text(json.dumps({"default": {"fixed_ms": 0}, "methods": {
        "res.partner/create": {"fixed_ms": 20, "record_ms": 180, "batch_record_ms": 30}}}))
    emu = start("--cost", str(costs))
    _, alone = timed(lambda: emu.execute("res.partner", "create", {"name": "a"}))
    _, batch = timed(lambda: emu.execute("res.partner", "create",
                                         [{"name": "b%d" % i} for i in range(4)]))
    assert 0.2 <= alone < 0.35          # 20 + 180 ms
    assert 0.14 <= batch < 0.28         # 20 + 4 x 30 ms, not 4 x 200
    s = stats(emu)["calls"]["res.partner/create"]
    assert s["count"] == 2 and s["records"] == 5 and s["total_ms"] >= 340


@pytest.mark.parametrize("profile", ["17", "18"])
def test_default_cost_profiles_load(start, profile):
    emu = start("--cost", profile, "--cost-scale", "0.1", profile=profile)
    _, t = timed(lambda: emu.call("common", "version"))
    assert t >= 0.0015
    assert stats(emu)["cost_scale"] == 0.1


def test_capacity_queues_calls(start):
    emu = start("--capacity", "1", *rule(model="common", method="version", kind="latency",
                                         ms=200))
    threads = [threading.Thread(target=lambda: emu.call("common", "version"))
               for _ in range(3)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert time.monotonic() - t >= 0.6
    s = stats(emu)
    assert s["max_in_flight"] == 1 and s["capacity"] == 1
    assert s["calls"]["common/version"]["count"] == 3
    assert s["calls"]["common/version"]["queued_ms"] >= 200 + 400 - 50


def test_without_capacity_calls_overlap(start):
    emu = start(*rule(model="common", method="version", kind="latency", ms=300))
    threads = [threading.Thread(target=lambda: emu.call("common", "version"))
               for _ in range(3)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert time.monotonic() - t < 0.6 and stats(emu)["max_in_flight"] == 3


def test_stats_per_client_by_user_agent(start):
    """Each User-Agent gets its calls, in-flight counts and busy time (the
    cost model's sleep plus handling, queueing left out); urllib's default
    agent is a client like any other."""
    emu = start(*rule(model="res.partner", method="search_count", kind="latency", ms=200),
                "--cost", "17", "--cost-scale", "0.1", "--capacity", "1")
    version = {"jsonrpc": "2.0", "method": "call", "id": 1,
               "params": {"service": "common", "method": "version", "args": []}}
    threads = [threading.Thread(target=lambda: partners(emu, "x")) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    emu.post(version, user_agent="warehouse-sim")
    emu.post(version, user_agent="warehouse-sim")
    st = stats(emu)
    ua = [k for k in st["clients"] if k.startswith("Python-urllib/3.")]
    assert sorted(st["clients"]) == sorted(ua + ["warehouse-sim"]) and len(ua) == 1
    py, wh = st["clients"][ua[0]], st["clients"]["warehouse-sim"]
    assert (py["calls"], py["in_flight"], py["max_in_flight"]) == (2, 0, 2)
    assert (wh["calls"], wh["in_flight"], wh["max_in_flight"]) == (2, 0, 1)
    # 15 ms (cost 17's default) x 0.1 rounds to 2 ms a call; + 200 ms latency
    assert py["modelled_ms"] == 4 and wh["modelled_ms"] == 4
    assert 400 <= py["busy_ms"] < 600 and py["queued_ms"] >= 150
    assert 4 <= wh["busy_ms"] < 100
    assert st["busy_ms"] == pytest.approx(py["busy_ms"] + wh["busy_ms"])


def test_faults_replaced_at_run_time_and_refused_when_bad(start):
    emu = start()
    body = json.dumps({"model": "res.partner", "method": "create", "kind": "http",
                       "status": 502}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/emu/faults" % emu.port, data=body)
    urllib.request.urlopen(req, timeout=10).read()
    with pytest.raises(urllib.error.HTTPError):
        emu.execute("res.partner", "create", {"name": "z"})
    bad = urllib.request.Request("http://127.0.0.1:%d/emu/faults" % emu.port,
                                 data=b'{"kind": "nope"}')
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=10)
    assert e.value.code == 400


def test_rules_from_a_file_with_after_and_wildcards(start, tmp_path):
    """The second matching call of any model fails with 502, the others
    pass: "after" skips, "times" bounds, "*" matches every model."""
    f = tmp_path / "faults.json"
    f.write_text(json.dumps([{"model": "*", "method": "search_count", "kind": "http",
                              "status": 502, "after": 1, "times": 1}]))
    emu = start("--faults", str(f))
    assert partners(emu, "x") == 0
    with pytest.raises(urllib.error.HTTPError) as e:
        emu.execute("res.users", "search_count", [])
    assert e.value.code == 502
    assert partners(emu, "x") == 0


@pytest.mark.parametrize("args", [["--fault", "not json"], ["--fault", '{"kind": "nope"}'],
                                  ["--cost", "/nonexistent.json"], ["--capacity", "-1"],
                                  ["--cost-scale", "x"]])
def test_bad_fault_options_are_refused(args):
    out = subprocess.run([EMU_BIN, "--profile", "17", "--seed",
                          os.path.join(DATA, "odoo", "seed-17.json"), "--port", "0"] + args,
                         capture_output=True, text=True, timeout=10)
    assert out.returncode in (1, 2) and "odoo-emu:" in out.stderr
