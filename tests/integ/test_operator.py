"""Operator requests (release, cancel, approve, reject) through the real
binary. The daemon runs without [odoo], so no engine applies anything: what
is checked is what the CLI records in the database, which is what the
engine reads."""
import json
import os
import sqlite3
import time

from conftest import BASE_CONFIG, Daemon, fixture_text, wait_for

RID = "(00)340434181234567890"   # refund-trigger-example.json: 2 lines


def config(extra=""):
    server = BASE_CONFIG.replace("shutdown_grace_ms = 5000",
                                 "shutdown_grace_ms = 5000\nmax_body_bytes = 16384")
    return (server + "\n[webhook.tracking]\nauth = none\n"
            "[webhook.refund_trigger]\nauth = none\n" + extra)


def db(d):
    return sqlite3.connect(os.path.join(d.dir, "rb.db"), timeout=10)


def with_return(d, state=None):
    """A daemon with the example return stored (and put in state)."""
    d.start()
    status, _ = d.post("/rebound/refund-trigger", fixture_text("refund-trigger-example.json"))
    assert status == 200
    wait_for(lambda: d.cli("status", RID).returncode == 0)
    if state:
        c = db(d)
        with c:
            c.execute("UPDATE returns SET state = ? WHERE rebound_return_id = ?", (state, RID))
        c.close()


def waiting_job(d):
    """The return's open job, due in an hour (a deferred poll); its due time."""
    far = int(time.time() * 1000) + 3600 * 1000
    c = db(d)
    with c:
        rid = c.execute("SELECT id FROM returns").fetchone()[0]
        c.execute("INSERT INTO jobs(return_id, kind, due_at_ms, created_at_ms)"
                  " VALUES (?, 'advance', ?, 0)", (rid, far))
    c.close()
    return far


def rows(d, sql, args=()):
    c = db(d)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def test_release_is_recorded_with_its_audit_row(tmp_path):
    d = Daemon(str(tmp_path), config())
    try:
        with_return(d, "ON_HOLD")
        r = d.cli("release", RID, "--comment", "customer called: \"keep it\"", "--by", "alice")
        assert r.returncode == 0, r.stderr
        assert "recorded request #1: release return %s" % RID in r.stdout
        assert "within a few seconds" in r.stdout and "status %s" % RID in r.stdout
        req = rows(d, "SELECT kind, lines, actor, comment, done_ms, result FROM requests")
        assert req == [("release", None, "alice", 'customer called: "keep it"', None, None)]
        audit = rows(d, "SELECT actor, action, detail FROM audit WHERE action = 'operator_request'")
        assert len(audit) == 1 and audit[0][0] == "alice"
        assert json.loads(audit[0][2]) == {"request_id": 1, "kind": "release", "lines": None,
                                           "comment": 'customer called: "keep it"'}
        # the same request again while the first waits: refused, nothing written
        r = d.cli("release", RID, "--comment", "again", "--by", "bob")
        assert r.returncode == 1 and "still waiting for the engine" in r.stderr
        assert len(rows(d, "SELECT id FROM requests")) == 1
        # status shows it, open
        st = json.loads(d.cli("status", RID, "--json").stdout)
        assert [(q["kind"], q["by"], q["result"]) for q in st["requests"]] == [("release", "alice", None)]
        assert "open: waiting for the engine" in d.cli("status", RID).stdout
        assert "operator_request     by alice: " in d.cli("explain", RID).stdout
    finally:
        d.stop()


def test_requests_are_checked_before_they_are_recorded(tmp_path):
    d = Daemon(str(tmp_path), config())
    try:
        with_return(d)   # INTENT
        r = d.cli("release", RID, "--comment", "x")
        assert r.returncode == 1 and "it is INTENT, not ON_HOLD" in r.stderr
        r = d.cli("approve", RID, "--comment", "x")
        assert r.returncode == 1 and "not AWAITING_APPROVAL" in r.stderr
        r = d.cli("release", RID)
        assert r.returncode == 2 and "--comment TEXT is required" in r.stderr
        r = d.cli("cancel", "(00)nope", "--comment", "x")
        assert r.returncode == 1 and "no return (00)nope" in r.stderr
        r = d.cli("cancel", RID, "--lines", "1", "--comment", "x")
        assert r.returncode == 2 and "applies to the whole return" in r.stderr
        assert rows(d, "SELECT count(*) FROM requests") == [(0,)]
        # cancel before receipt: accepted; the default actor is $USER
        env_user = os.environ.get("SUDO_USER") or os.environ.get("USER")
        r = d.cli("cancel", RID, "--comment", "customer withdrew")
        assert r.returncode == 0, r.stderr
        actor = rows(d, "SELECT actor FROM requests")[0][0]
        assert actor and (env_user is None or actor == env_user)
        # a credited return cannot be cancelled
        c = db(d)
        with c:
            c.execute("UPDATE returns SET state = 'CREDITED'")
        c.close()
        r = d.cli("cancel", RID, "--comment", "too late")
        assert r.returncode == 1 and "it is CREDITED" in r.stderr
    finally:
        d.stop()


def test_approve_and_reject_take_lines(tmp_path):
    d = Daemon(str(tmp_path), config())
    try:
        with_return(d, "AWAITING_APPROVAL")
        r = d.cli("approve", RID, "--lines", "2,1,2", "--comment", "photos ok", "--by", "fin")
        assert r.returncode == 0, r.stderr
        r = d.cli("reject", RID, "--lines", "3", "--comment", "no")
        assert r.returncode == 2 and "no line 3" in r.stderr
        r = d.cli("reject", RID, "--lines", "1,x", "--comment", "no")
        assert r.returncode == 2
        r = d.cli("reject", RID, "--comment", "all of it", "--by", "fin")
        assert r.returncode == 0, r.stderr
        assert rows(d, "SELECT kind, lines FROM requests ORDER BY id") == [
            ("approve", "[2,1]"), ("reject", None)]
        # RECEIVED: cancel is accepted, with a word on what the engine does
        c = db(d)
        with c:
            c.execute("UPDATE returns SET state = 'RECEIVED'")
        c.close()
        r = d.cli("cancel", RID, "--comment", "changed mind")
        assert r.returncode == 0 and "opens an exception" in r.stdout
    finally:
        d.stop()


def test_cancel_makes_a_waiting_return_due(tmp_path):
    d = Daemon(str(tmp_path), config())
    try:
        with_return(d, "AWAITING_RECEIPT")
        far = waiting_job(d)
        before = int(time.time() * 1000)
        assert d.cli("cancel", RID, "--comment", "withdrawn").returncode == 0
        due = rows(d, "SELECT due_at_ms FROM jobs")[0][0]
        assert before <= due < far
    finally:
        d.stop()
