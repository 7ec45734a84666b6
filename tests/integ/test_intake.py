"""Rebound intake through the real binary: authentication per scheme,
dedupe, bad input, parking, durability before acknowledgement, and
processing into returns."""
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import BASE_CONFIG, Daemon, fixture_text, sign, wait_for

TRACK = "/rebound/tracking"
REFUND = "/rebound/refund-trigger"


def config(tracking="auth = none", refund="auth = none", extra=""):
    return (BASE_CONFIG + "\n[webhook.tracking]\n" + tracking +
            "\n[webhook.refund_trigger]\n" + refund + "\n" + extra)


def events(d):
    return d.cli_json("events")


def test_accepted_then_duplicate_then_processed(daemon):
    daemon.start()
    body = fixture_text("refund-trigger-example.json")
    status, r = daemon.post(REFUND, body)
    assert status == 200 and r["status"] == "accepted"
    # the same notification re-sent, re-indented with keys reordered: a duplicate
    again = json.dumps(json.loads(body), sort_keys=True, indent=1)
    status, r2 = daemon.post(REFUND, again)
    assert status == 200 and r2 == {"status": "duplicate", "event_id": r["event_id"]}
    # the same body at the other endpoint is another event
    status, r3 = daemon.post(TRACK, fixture_text("tracking-return-order-created.json"))
    assert status == 200 and r3["status"] == "accepted"
    assert len(events(daemon)) == 2

    def processed():
        out = daemon.cli("status", "(00)340434181234567890", "--json")
        return json.loads(out.stdout) if out.returncode == 0 else None
    ret = wait_for(processed)
    assert ret["order_ref"] == "SO0042"
    assert ret["location"] == "DE_ASC_01"
    assert [(l["sku"], l["quantity"]) for l in ret["lines"]] == [("TSHIRT-RED-M", 1), ("JEANS-BLUE-32", 2)]
    assert ret["lines"][1]["ean"] is None  # "Not available" is absent
    ms = [m["milestone"] for m in ret["milestones"]]
    assert ms == ["refund_trigger", "created"]


def test_tracking_updates_grow_one_return(daemon):
    daemon.start()
    for name in ("tracking-return-order-created.json", "tracking-arrived-at-hub.json",
                 "tracking-delivered-graded.json"):
        status, r = daemon.post(TRACK, fixture_text(name))
        assert status == 200 and r["status"] == "accepted", r

    def delivered():
        out = daemon.cli("status", "(00)340434181234567890", "--json")
        if out.returncode != 0:
            return None
        ret = json.loads(out.stdout)
        return ret if ret["last_milestone"] == "delivered" else None
    ret = wait_for(delivered)
    assert [m["milestone"] for m in ret["milestones"]] == ["created", "at_hub", "delivered"]
    # the hub's grading updated the lines already known, adding none
    assert len(ret["lines"]) == 2
    assert [l["disposition"] for l in ret["lines"]] == ["A", "Damaged"]


def test_unusable_notification_is_stored_and_parked(daemon):
    daemon.start()
    status, r = daemon.post(REFUND, fixture_text("refund-trigger-bad-quantity.json"))
    assert status == 200
    assert r["status"] == "parked" and "1.5" in r["reason"]
    status, r = daemon.post(TRACK, fixture_text("tracking-unknown-milestone.json"))
    assert status == 200 and "Teleported" in r["reason"]
    evs = events(daemon)
    assert [e["status"] for e in evs] == ["parked", "parked"]
    out = daemon.cli("status", "(00)340434181234567999")
    assert out.returncode == 1
    assert "parked" in out.stdout and "1.5" in out.stdout


def test_one_bad_line_does_not_stop_the_others(daemon):
    daemon.start()
    body = {"order": {"reboundOrderId": "(00)555", "clientOrderId": "SO9", "items": [
        {"reboundItemId": "(00)5551", "sku": "A", "quantity": "1"},
        {"reboundItemId": "(00)5552", "sku": "B", "quantity": "-3"}]}}
    status, r = daemon.post(REFUND, json.dumps(body))
    assert status == 200 and r["status"] == "accepted"
    ret = wait_for(lambda: daemon.cli("status", "(00)555", "--json").returncode == 0
                   and json.loads(daemon.cli("status", "(00)555", "--json").stdout))
    assert [l["sku"] for l in ret["lines"]] == ["A"]
    assert [x["type"] for x in ret["exceptions"]] == ["unusable_line"]
    assert "-3" in ret["exceptions"][0]["message"]


def test_bad_input_is_refused_and_nothing_is_stored(daemon):
    daemon.write_config(config(extra="").replace("shutdown_grace_ms = 5000",
                                                 "shutdown_grace_ms = 5000\nmax_body_bytes = 16384"))
    daemon.start()
    assert daemon.post(REFUND, "{not json")[0] == 400
    status, r = daemon.post(REFUND, fixture_text("not-rebound.json"))
    assert status == 400 and r["error"] == "not_a_rebound_notification"
    assert daemon.post(REFUND, "{}", content_type="text/plain")[0] == 415
    assert daemon.post(REFUND, "{}", content_type=None)[0] == 415
    big = json.dumps({"order": {"reboundOrderId": "(00)1", "pad": "x" * 20000}})
    assert daemon.post(REFUND, big)[0] == 413
    deep = "[" * 100000 + "]" * 100000
    assert daemon.post(REFUND, deep)[0] in (400, 413)
    # within the cap, nesting deeper than the JSON parser allows (2048)
    deep = "[" * 3000 + "]" * 3000
    status, r = daemon.post(TRACK, deep)
    assert status == 400 and r["error"] == "malformed_json"
    deep = "{\"a\":" * 2100 + "1" + "}" * 2100
    assert daemon.post(TRACK, deep)[1]["error"] == "malformed_json"
    assert daemon.get("/healthz")[0] == 200
    assert events(daemon) == []


SCHEMES = {
    "token": "auth = token\ntoken = s3cret-token",
    "basic": "auth = basic\nbasic_user = rebound\nbasic_password = pa55",
    "hmac": "auth = hmac\nhmac_secret = hmac-secret",
}


def good_headers(scheme, body):
    if scheme == "token":
        return {"X-Rebound-Token": "s3cret-token"}
    if scheme == "basic":
        import base64
        return {"Authorization": "Basic " + base64.b64encode(b"rebound:pa55").decode()}
    return {"X-Rebound-Signature": sign("hmac-secret", body)}


def bad_headers(scheme, body):
    if scheme == "token":
        return {"X-Rebound-Token": "guess"}
    if scheme == "basic":
        import base64
        return {"Authorization": "Basic " + base64.b64encode(b"rebound:guess").decode()}
    return {"X-Rebound-Signature": sign("wrong-secret", body)}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_each_scheme_good_bad_and_missing(tmp_path, scheme):
    d = Daemon(str(tmp_path), config(tracking=SCHEMES[scheme], refund=SCHEMES[scheme]))
    d.start()
    try:
        body = fixture_text("refund-trigger-example.json")
        status, r = d.post(REFUND, body, bad_headers(scheme, body))
        assert status == 401 and r["error"] == "unauthorized"
        assert d.post(REFUND, body)[0] == 401
        assert events(d) == []
        status, r = d.post(REFUND, body, good_headers(scheme, body))
        assert status == 200 and r["status"] == "accepted"
        rejected = d.cli_json("events", "--rejected")
        reasons = {x["reason"]: x["count"] for x in rejected}
        assert reasons["missing_credentials"] == 1
        assert sum(reasons.values()) == 2
        assert all(x["endpoint"] == REFUND for x in rejected)
        human = d.cli("events", "--rejected").stdout
        assert "missing_credentials" in human and "[webhook.*]" in human
    finally:
        assert d.stop() == 0


def test_hmac_timestamp_replay_and_rotation(tmp_path):
    hmac_cfg = ("auth = hmac\nhmac_secret = new-one\nhmac_encoding = base64\n"
                "timestamp_header = X-Rebound-Timestamp\ntimestamp_tolerance_s = 60")
    d = Daemon(str(tmp_path), config(tracking=hmac_cfg))
    d.start()
    try:
        body = fixture_text("tracking-return-order-created.json")
        now = int(time.time())

        def h(secret, ts, b=body):
            return {"X-Rebound-Timestamp": str(ts),
                    "X-Rebound-Signature": sign(secret, b, ts, "base64")}
        assert d.post(TRACK, body, h("new-one", now))[0] == 200
        # a captured request replayed later: signed correctly, but stale
        status, r = d.post(TRACK, body, h("new-one", now - 3600))
        assert status == 401 and "tolerance" in r["message"]
        # signed with the body alone, not timestamp.body
        bad = {"X-Rebound-Timestamp": str(now), "X-Rebound-Signature": sign("new-one", body, None, "base64")}
        assert d.post(TRACK, body, bad)[0] == 401
        # rotation: the old secret fails until it is configured as the previous one
        other = fixture_text("tracking-arrived-at-hub.json")
        assert d.post(TRACK, other, h("old-one", now, other))[0] == 401
        d.write_config(config(tracking=hmac_cfg + "\nhmac_secret_previous = old-one"))
        mark = len(d.log())
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded", after=mark)
        assert d.post(TRACK, other, h("old-one", int(time.time()), other))[0] == 200
        assert d.post(TRACK, body, h("new-one", int(time.time())))[1]["status"] == "duplicate"
        reasons = {x["reason"] for x in d.cli_json("events", "--rejected")}
        assert reasons == {"stale_timestamp", "bad_signature"}
    finally:
        assert d.stop() == 0


def test_no_2xx_before_the_commit(tmp_path):
    d = Daemon(str(tmp_path), config())
    os.environ["RETURNBRIDGE_TEST_COMMIT_HOOK"] = "stall:2000"
    try:
        d.start()
    finally:
        del os.environ["RETURNBRIDGE_TEST_COMMIT_HOOK"]
    try:
        body = fixture_text("refund-trigger-example.json").encode()
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.sendall(b"POST /rebound/refund-trigger HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        t0 = time.monotonic()
        s.settimeout(1.0)
        with pytest.raises(socket.timeout):
            s.recv(1)  # the commit is stalled: nothing may come back yet
        s.settimeout(10)
        reply = s.recv(4096).decode()
        s.close()
        assert reply.startswith("HTTP/1.1 200")
        assert time.monotonic() - t0 >= 1.5
    finally:
        assert d.stop() == 0


def test_failed_commit_answers_503_and_stores_nothing(tmp_path):
    d = Daemon(str(tmp_path), config())
    os.environ["RETURNBRIDGE_TEST_COMMIT_HOOK"] = "fail"
    try:
        d.start()
    finally:
        del os.environ["RETURNBRIDGE_TEST_COMMIT_HOOK"]
    try:
        status, r = d.post(REFUND, fixture_text("refund-trigger-example.json"))
        assert status == 503 and r["error"] == "store_unavailable"
        assert events(d) == []
    finally:
        assert d.stop() == 0


def test_kill_9_after_2xx_keeps_the_event(tmp_path):
    d = Daemon(str(tmp_path), config())
    d.start()
    status, r = d.post(REFUND, fixture_text("refund-trigger-example.json"))
    assert status == 200
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    d.log_file.close()
    d2 = Daemon(str(tmp_path), config())
    d2.start()
    try:
        assert [e["id"] for e in events(d2)] == [r["event_id"]]
        # and it is processed after the restart if it was not before
        wait_for(lambda: d2.cli("status", "(00)340434181234567890").returncode == 0)
    finally:
        assert d2.stop() == 0


def test_ambiguous_identity_is_parked_for_a_person(daemon):
    daemon.start()
    orphan = {"milestone": "Delivered", "order": {"clientOrderId": "SO-NOBODY"}}
    status, r = daemon.post(TRACK, json.dumps(orphan))
    assert status == 200 and r["status"] == "accepted"

    def parked():
        evs = events(daemon)
        return evs if evs and evs[0]["status"] == "parked" else None
    evs = wait_for(parked)
    assert "SO-NOBODY" in evs[0]["park_reason"]
    # with exactly one open return for the order, the same notice attaches to it
    daemon.post(REFUND, fixture_text("refund-trigger-example.json"))
    wait_for(lambda: daemon.cli("status", "(00)340434181234567890").returncode == 0)
    by_order = {"milestone": "Arrived at Our Hub", "order": {"clientOrderId": "SO0042"}}
    daemon.post(TRACK, json.dumps(by_order))

    def at_hub():
        ret = json.loads(daemon.cli("status", "(00)340434181234567890", "--json").stdout)
        return ret["last_milestone"] == "at_hub"
    wait_for(at_hub)


def test_concurrent_notifications_share_commits(daemon):
    import concurrent.futures
    daemon.start()

    def one(i):
        body = json.dumps({"order": {"reboundOrderId": "(00)%06d" % i, "clientOrderId": "SO%d" % i,
                                     "items": [{"sku": "A", "quantity": "1"}]}})
        return daemon.post(REFUND, body)[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        codes = list(ex.map(one, range(200)))
    assert codes == [200] * 200
    assert len(daemon.cli_json("events", "--limit", "1000")) == 200
    daemon.signal(signal.SIGTERM)
    daemon.proc.wait(timeout=10)
    m = daemon.wait_log(r"intake committed 200 notification\(s\) in (\d+) commit")
    assert int(m.group(1)) <= 200
