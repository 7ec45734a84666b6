"""POST /odoo/notifications/<token> (Odoo 17+'s "Send Webhook Notification"
automation) through the real binary: the token decides (404 otherwise, and
counted), the body is checked, and the jobs of returns waiting for the
warehouse fall due now. Without [odoo] url no engine runs, so the jobs
table shows what the engine would take."""
import json
import time

from conftest import Daemon
from test_operator import config, rows, waiting_job, with_return

TOKEN = "s3cret-0dd0-token-7f1c2b"


def odoo_body(pid=7):
    # what Odoo 17's _run_action_webhook posts (json.dumps, sort_keys)
    return json.dumps({"_action": "Send Webhook Notification(#12)", "_id": pid,
                       "_model": "stock.picking", "id": pid, "state": "done"}, sort_keys=True)


def test_odoo_notification_makes_waiting_returns_due(tmp_path):
    d = Daemon(str(tmp_path), config("\n[odoo]\nwebhook_token = %s\n" % TOKEN))
    try:
        with_return(d, "AWAITING_RECEIPT")
        far = waiting_job(d)
        path = "/odoo/notifications/" + TOKEN
        # wrong or missing token: the same 404 as an unknown path; nothing due
        for bad in ("/odoo/notifications/" + TOKEN[:-1], "/odoo/notifications/",
                    "/odoo/notifications/" + TOKEN + "x"):
            status, r = d.post(bad, odoo_body())
            assert status == 404 and r["error"] == "not_found", bad
        assert d.get("/odoo/notifications/" + TOKEN)[0] == 404
        assert rows(d, "SELECT due_at_ms FROM jobs")[0][0] == far
        rej = rows(d, "SELECT reason, count FROM rejections WHERE endpoint = '/odoo/notifications'")
        assert dict(rej) == {"bad_token": 2, "missing_token": 1}
        # bad bodies
        assert d.post(path, "{not json")[0] == 400
        assert d.post(path, "[1]")[0] == 400
        assert d.post(path, json.dumps({"pad": "x" * 20000}))[0] == 413
        assert rows(d, "SELECT due_at_ms FROM jobs")[0][0] == far
        # right token: 200, the waiting return's job is due now
        before = int(time.time() * 1000)
        status, r = d.post(path, odoo_body())
        assert status == 200 and r == {"status": "accepted"}
        due = rows(d, "SELECT due_at_ms FROM jobs")[0][0]
        assert before <= due <= int(time.time() * 1000)
        d.wait_log(r"odoo notification \(Send Webhook Notification\(#12\) #7\): 1 waiting return")
        # another model changes nothing
        status, r = d.post(path, json.dumps({"_model": "res.partner", "_id": 1}))
        assert status == 200 and r["status"] == "ignored"
    finally:
        d.stop()


def test_odoo_notification_is_off_without_a_token(daemon):
    daemon.start()
    status, r = daemon.post("/odoo/notifications/anything", odoo_body())
    assert status == 404
    rej = rows(daemon, "SELECT reason FROM rejections WHERE endpoint = '/odoo/notifications'")
    assert rej == [("not_configured",)]
