"""The engine's part 2 end to end (real binaries, odoo-emu 17 and 18):
what people ask of a return (approve, reject, release, cancel), what
Rebound asks (a cancelled milestone), the refund policy per reason,
credit notes made by hand in Odoo before ours (premature refunds), paid
invoices (refund owed, paid out by the engine), the notes left in Odoo,
draft credit notes, products invoiced on ordered quantities, returns over
two deliveries, a backorder kept on the return picking and Odoo's picking
notification. Assertions are on the emulator's records (JSON-RPC) and on
`returnbridge status --json` / `explain`."""
import json
import time

import pytest

from test_engine import (CREDITED, TRACK, engine_config, notification, ours,  # noqa: E402,F401
                         shop, state, status, wait_for, warehouse_validates)
from odoo_scenario import confirmed_order, find, invoice_order, ok  # noqa: E402
from test_accounting import pay  # noqa: E402

APPROVAL = "Damaged by customer"
TOKEN = "odoo-hook-6f1c2d"


def configure(shop, refund="", engine="", odoo="", swap=()):
    """Start the daemon on the engine's test config with more [refund]
    (or [refund.reason], see reasons()), [engine] and [odoo] lines, and
    the swaps (old, new) of its own lines."""
    text = engine_config(shop["emu"].port)
    for old, new in swap:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace("ordered_qty = note\n", "ordered_qty = note\n" + refund)
    text = text.replace("lease_s = 5\n", "lease_s = 5\n" + engine)
    text = text.replace("retry_backoff_ms = 50\n", "retry_backoff_ms = 50\n" + odoo)
    shop["daemon"].write_config(text)
    shop["daemon"].start()
    return shop["daemon"]


def reasons(**policy):
    """[refund.reason] with the reasons' policies (spaces as _), for
    configure(refund=...): the last section of the [refund] lines."""
    return "\n[refund.reason]\n" + "".join("%s = %s\n" % (k.replace("_", " "), v)
                                            for k, v in policy.items())


APPROVE_DAMAGED = reasons(Damaged_by_customer="approval")


def send(d, rid, so, items, milestone=None):
    body = notification(rid, so["name"], items)
    if milestone:
        b = json.loads(body)
        b["milestone"], b["timestamp"] = milestone, "2026-12-02T10:00:00Z"
        body = json.dumps(b)
    assert d.post(TRACK, body)[0] == 200


def picking(emu, rid):
    return wait_for(lambda: ours(emu, rid)[0], what="the return picking")[0]["id"]


def open_exceptions(d, rid):
    return sorted(x["type"] for x in status(d, rid)["exceptions"] if not x["resolved"])


def cli_ok(d, *args):
    out = d.cli(*args)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out.stdout


def wait_state(d, rid, states, timeout=20.0):
    states = (states,) if isinstance(states, str) else states
    wait_for(lambda: state(d, rid) in states, timeout=timeout,
             what="%s in %s (is %s)" % (rid, states, state(d, rid)))


def posted_credit(emu, rid):
    notes = ours(emu, rid)[1]
    assert len(notes) == 1 and notes[0]["state"] == "posted", notes
    return notes[0]


def returned(shop, k, rid, items, until, validate=True, **config):
    """Start the daemon (configure()'s keywords), send a return of order
    k, let the warehouse receive all of it (if validate) and wait for the
    state until."""
    emu, so = shop["emu"], shop["orders"][k]
    d = configure(shop, **config)
    send(d, rid, so, items)
    pick = picking(emu, rid)
    if validate:
        warehouse_validates(emu, pick)
    wait_state(d, rid, until)
    return d, so, pick


def requests(d, rid):
    return [(r["kind"], r["by"], r["result"], r["done_ms"] is not None)
            for r in status(d, rid)["requests"]]


# --- 1. approval -------------------------------------------------------------

def test_approve_credits_what_a_person_approved(shop):
    emu, rid = shop["emu"], "(00)POL-APPROVE"
    d = returned(shop, 0, rid, [("RB-TSHIRT-M", 1, APPROVAL)], "AWAITING_APPROVAL",
                 refund=APPROVE_DAMAGED)[0]
    assert open_exceptions(d, rid) == ["approval_needed"]
    time.sleep(1.5)                        # a few rounds: still nothing credited
    assert state(d, rid) == "AWAITING_APPROVAL" and ours(emu, rid)[1] == []
    cli_ok(d, "approve", rid, "--comment", "photos checked", "--by", "alice")
    wait_state(d, rid, CREDITED)
    assert posted_credit(emu, rid)["amount_total"] == 27.0     # 25 x 90 % + 20 %
    assert requests(d, rid) == [("approve", "alice", "applied", True)]
    assert [l["outcome"] for l in status(d, rid)["lines"]] == ["credited"]
    assert "alice" in d.cli("explain", rid).stdout


def test_reject_closes_without_credit(shop):
    emu, rid = shop["emu"], "(00)POL-REJECT"
    d = returned(shop, 1, rid, [("RB-JEANS-32", 1, APPROVAL)], "AWAITING_APPROVAL",
                 refund=APPROVE_DAMAGED)[0]
    cli_ok(d, "reject", rid, "--comment", "worn, not damaged in transit", "--by", "bob")
    wait_state(d, rid, "CLOSED")
    assert ours(emu, rid)[1] == []
    assert "refund_refused" in open_exceptions(d, rid)
    assert requests(d, rid) == [("reject", "bob", "applied", True)]
    assert [l["outcome"] for l in status(d, rid)["lines"]] == ["refused"]


def test_approve_one_line_reject_the_other(shop):
    emu, rid = shop["emu"], "(00)POL-PARTIAL"
    d = returned(shop, 0, rid, [("RB-TSHIRT-M", 1, APPROVAL), ("RB-JEANS-32", 1, APPROVAL)],
                 "AWAITING_APPROVAL", refund=APPROVE_DAMAGED)[0]
    lines = [l["line_no"] for l in status(d, rid)["lines"]]
    cli_ok(d, "approve", rid, "--lines", str(lines[0]), "--comment", "ok", "--by", "alice")
    wait_for(lambda: all(r[3] for r in requests(d, rid)), what="the approval applied")
    time.sleep(1.0)
    assert state(d, rid) == "AWAITING_APPROVAL"   # line 2 still waits
    assert ours(emu, rid)[1] == []
    cli_ok(d, "reject", rid, "--lines", str(lines[1]), "--comment", "no", "--by", "alice")
    wait_state(d, rid, CREDITED)
    assert posted_credit(emu, rid)["amount_total"] == 27.0     # the T-shirt only
    assert [l["outcome"] for l in status(d, rid)["lines"]] == ["credited", "refused"]
    assert requests(d, rid) == [("approve", "alice", "applied", True),
                                ("reject", "alice", "applied", True)]


# --- 2. policy none ----------------------------------------------------------

def test_policy_none_refuses_that_line_only(shop):
    emu, rid = shop["emu"], "(00)POL-NONE"
    d = returned(shop, 0, rid, [("RB-TSHIRT-M", 1, "Changed my mind"),
                                ("RB-JEANS-32", 1, "Too large")],
                 CREDITED, refund=reasons(Changed_my_mind="none"))[0]
    assert posted_credit(emu, rid)["amount_total"] == 95.99    # the jeans only
    assert [l["outcome"] for l in status(d, rid)["lines"]] == ["refused", "credited"]


# --- 3. cancel -----------------------------------------------------------------

def test_cancel_before_receipt_cancels_the_picking(shop):
    emu, rid = shop["emu"], "(00)POL-CANCEL"
    d, _, pick = returned(shop, 0, rid, [("RB-TSHIRT-M", 1, "Too large")], "AWAITING_RECEIPT",
                          validate=False)
    cli_ok(d, "cancel", rid, "--comment", "customer kept it", "--by", "carol")
    wait_state(d, rid, "CANCELLED")
    assert find(emu, "stock.picking", [["id", "=", pick]], fields=["state"])[0]["state"] == "cancel"
    assert ours(emu, rid)[1] == []
    assert requests(d, rid) == [("cancel", "carol", "applied", True)]


def test_cancel_after_receipt_is_an_exception(shop):
    emu, rid = shop["emu"], "(00)POL-LATE"
    d, _, pick = returned(shop, 1, rid, [("RB-TSHIRT-M", 1, APPROVAL)], "AWAITING_APPROVAL",
                          refund=APPROVE_DAMAGED)
    cli_ok(d, "cancel", rid, "--comment", "too late?", "--by", "carol")
    wait_for(lambda: all(r[3] for r in requests(d, rid)), what="the cancel answered")
    assert state(d, rid) == "AWAITING_APPROVAL"
    assert "cancel_after_receipt" in open_exceptions(d, rid)
    assert requests(d, rid)[0][2].startswith("refused")
    assert find(emu, "stock.picking", [["id", "=", pick]], fields=["state"])[0]["state"] == "done"


def test_cancel_a_return_held_before_matching(shop):
    d = configure(shop)
    rid = "(00)POL-CANCEL-INTENT"
    send(d, rid, {"name": "S99999"}, [("RB-MUG", 1, "Too large")])
    wait_state(d, rid, "ON_HOLD")
    cli_ok(d, "cancel", rid, "--comment", "wrong order", "--by", "carol")
    wait_state(d, rid, "CANCELLED")
    assert ours(shop["emu"], rid) == ([], [])


# --- 4. Rebound cancels ------------------------------------------------------

def rebound_cancels(shop, rid, cancel):
    """A return waiting for the warehouse; cancel(d) sends Rebound's
    cancellation; the return is cancelled and so is its picking."""
    emu = shop["emu"]
    d, so, pick = returned(shop, 0, rid, [("RB-JEANS-32", 1, "Too large")], "AWAITING_RECEIPT",
                           validate=False)
    cancel(d, so)
    wait_state(d, rid, "CANCELLED")
    assert find(emu, "stock.picking", [["id", "=", pick]], fields=["state"])[0]["state"] == "cancel"
    assert [r[:3] for r in requests(d, rid)] == [("cancel", "rebound", "applied")]


def test_rebound_cancelled_tracking_update_cancels_the_return(shop):
    """A Tracking Update whose milestone is Cancelled."""
    rid = "(00)POL-RB-CANCEL"
    rebound_cancels(shop, rid, lambda d, so: send(
        d, rid, so, [("RB-JEANS-32", 1, "Too large")], milestone="Cancelled"))


def test_rebound_cancelled_status_cancels_the_return(shop):
    """The legacy return object (as the poller reads it) with its tracking
    status rebound.cancelled_status."""
    rid = "(00)POL-RB-CANCEL-LEGACY"
    rebound_cancels(shop, rid, lambda d, so: d.post(TRACK, json.dumps(
        {"id": rid, "order_reference": so["name"], "current_tracking_status": "CANCELLED",
         "item": []})))


# --- 5. premature refund -----------------------------------------------------

def test_credit_note_made_by_hand_holds_the_return(shop):
    emu, prods, rid = shop["emu"], shop["prods"], "(00)POL-PREMATURE"
    d, so, pick = returned(shop, 0, rid, [("RB-TSHIRT-M", 1, "Too large")], "AWAITING_RECEIPT",
                           validate=False)
    partner = find(emu, "sale.order", [["id", "=", so["id"]]],
                   fields=["partner_id"])[0]["partner_id"][0]
    manual = ok(emu.execute("account.move", "create", {
        "move_type": "out_refund", "partner_id": partner, "invoice_origin": so["name"],
        "ref": "manual", "invoice_line_ids": [[0, 0, {
            "product_id": prods["RB-TSHIRT-M"], "quantity": 1.0, "price_unit": 22.5}]]}))
    ok(emu.execute("account.move", "action_post", [manual]))
    warehouse_validates(emu, pick)
    wait_state(d, rid, "ON_HOLD")
    assert open_exceptions(d, rid) == ["premature_refund"]
    assert ours(emu, rid)[1] == []
    cli_ok(d, "release", rid, "--comment", "that one was for a late delivery", "--by", "dave")
    wait_state(d, rid, CREDITED)
    assert posted_credit(emu, rid)["amount_total"] == 27.0
    assert open_exceptions(d, rid) == []


# --- 6. paid invoice -----------------------------------------------------------

def refund_status(d, rid):
    """The refund status the engine recorded: the last "refund" of the
    audit log as explain prints it (status --json does not show it)."""
    out = cli_ok(d, "explain", rid)
    found = [w for w in ("owed", "refunded", "reconciled")
             for line in out.splitlines() if '"refund":"%s"' % w in line.replace(" ", "")]
    return found[-1] if found else None


def test_paid_invoice_leaves_the_refund_owed(shop):
    emu, rid = shop["emu"], "(00)POL-OWED"
    pay(emu, [shop["orders"][0]["invoice"]])
    d = returned(shop, 0, rid, [("RB-JEANS-32", 1, "Too large")], "NOTIFIED")[0]
    time.sleep(1.0)
    assert state(d, rid) == "NOTIFIED"
    assert refund_status(d, rid) == "owed"
    cn = find(emu, "account.move", [["id", "=", posted_credit(emu, rid)["id"]]],
              fields=["payment_state"])[0]
    assert cn["payment_state"] == "not_paid"


def test_payment_journal_pays_the_refund_out(shop):
    emu, rid = shop["emu"], "(00)POL-PAID"
    pay(emu, [shop["orders"][1]["invoice"]])
    bank = find(emu, "account.journal", [["type", "=", "bank"]], fields=["code"])[0]["code"]
    d = returned(shop, 1, rid, [("RB-JEANS-32", 1, "Too large")], "CLOSED",
                 refund="payment_journal = %s\n" % bank)[0]
    assert refund_status(d, rid) == "refunded"
    cn = posted_credit(emu, rid)
    assert find(emu, "account.move", [["id", "=", cn["id"]]],
                fields=["payment_state"])[0]["payment_state"] == "paid"
    pays = find(emu, "account.payment", [["partner_type", "=", "customer"],
                                         ["payment_type", "=", "outbound"]],
                fields=["amount", "state"])
    assert [p["amount"] for p in pays] == [cn["amount_total"]]


def test_refund_payment_odoo_refuses_is_an_exception_for_finance(shop):
    """A payment journal Odoo does not have: the refund stays owed and
    finance is told, with what to do; the customer is then paid by hand and
    the return closes at the next look."""
    emu, rid = shop["emu"], "(00)POL-NOJOURNAL"
    pay(emu, [shop["orders"][0]["invoice"]])
    d = returned(shop, 0, rid, [("RB-JEANS-32", 1, "Too large")], "NOTIFIED",
                 refund="payment_journal = NOPE\n")[0]
    st = status(d, rid)
    x = [e for e in st["exceptions"] if e["type"] == "refund_payment_failed"]
    assert x and x[0]["owner"] == "finance" and "NOPE" in x[0]["message"], st["exceptions"]
    assert st["refund"]["status"] == "owed", st["refund"]
    pay(emu, [posted_credit(emu, rid)["id"]])
    wait_for(lambda: state(d, rid) == "CLOSED", timeout=30, what="closed once paid by hand")
    assert status(d, rid)["refund"]["status"] == "refunded"


# --- 7. notes in Odoo ----------------------------------------------------------

def test_notes_on_the_order_and_the_picking(shop):
    emu, rid = shop["emu"], "(00)POL-NOTES"
    d, so, pick = returned(shop, 1, rid, [("RB-TSHIRT-M", 2, "Too large")], CREDITED)
    for model, res_id in (("sale.order", so["id"]), ("stock.picking", pick)):
        msgs = wait_for(lambda: find(emu, "mail.message", [["model", "=", model],
                                                           ["res_id", "=", res_id]],
                                     fields=["body"]), what="a note on " + model)
        assert any("returnbridge" in m["body"] for m in msgs), (model, msgs)


# --- 8. drafts -----------------------------------------------------------------

def test_drafts_wait_for_finance_to_post(shop):
    emu, rid = shop["emu"], "(00)POL-DRAFT"
    d = returned(shop, 0, rid, [("RB-JEANS-32", 1, "Too large")], "CREDIT_DRAFT",
                 engine="post_credit_notes = off\n")[0]
    time.sleep(1.5)
    notes = ours(emu, rid)[1]
    assert state(d, rid) == "CREDIT_DRAFT"
    assert len(notes) == 1 and notes[0]["state"] == "draft"
    ok(emu.execute("account.move", "action_post", [notes[0]["id"]]))   # finance posts it
    wait_state(d, rid, CREDITED)
    assert posted_credit(emu, rid)["amount_total"] == 95.99


# --- 9. ordered quantities -----------------------------------------------------

def test_ordered_qty_warn_raises_reinvoice_risk(shop):
    emu, rid = shop["emu"], "(00)POL-WARN"
    d = returned(shop, 0, rid, [("RB-JEANS-32", 1, "Too large")], CREDITED,
                 swap=[("ordered_qty = note", "ordered_qty = warn")])[0]
    posted_credit(emu, rid)
    wait_for(lambda: "reinvoice_risk" in open_exceptions(d, rid), what="reinvoice_risk")


def test_ordered_qty_hold_waits_for_release(shop):
    emu, rid = shop["emu"], "(00)POL-HOLD"
    d = returned(shop, 1, rid, [("RB-JEANS-32", 1, "Too large")], "ON_HOLD",
                 swap=[("ordered_qty = note", "ordered_qty = hold")])[0]
    assert open_exceptions(d, rid) == ["ordered_qty_invoicing"]
    assert ours(emu, rid)[1] == []
    cli_ok(d, "release", rid, "--comment", "finance knows", "--by", "erin")
    wait_state(d, rid, CREDITED)
    posted_credit(emu, rid)


# --- 10. two deliveries --------------------------------------------------------

def all_ours(emu, rid):
    """Our return pickings by origin "RB <rid>" or "RB <rid>/<k>"."""
    return sorted((p["origin"], p["id"], p["state"]) for p in find(
        emu, "stock.picking", [["origin", "like", "RB " + rid]], fields=["origin", "state"])
        if p["origin"] == "RB " + rid or p["origin"].startswith("RB %s/" % rid))


def test_return_over_two_deliveries(shop):
    emu, prods, d = shop["emu"], shop["prods"], configure(shop)
    partner = find(emu, "res.partner", [["name", "=", "Rebound Test Customer"]],
                   fields=["id"])[0]["id"]
    vat = find(emu, "account.tax", [["name", "=", "RB VAT 20%"]], fields=["id"])[0]["id"]
    so, first = confirmed_order(emu, partner, [
        (prods["RB-TSHIRT-M"], 2.0, 25.0, 10.0, [vat]),
        (prods["RB-JEANS-32"], 1.0, 79.99, 0.0, [vat])])
    # the T-shirts now, the jeans later
    warehouse_validates(emu, first, qty={prods["RB-TSHIRT-M"]: 2.0}, backorder=True)
    second = find(emu, "stock.picking", [["backorder_id", "=", first]], fields=["id"])[0]["id"]
    warehouse_validates(emu, second)
    invoice_order(emu, so)
    name = find(emu, "sale.order", [["id", "=", so]], fields=["name"])[0]["name"]
    rid = "(00)POL-TWO"
    send(d, rid, {"name": name}, [("RB-TSHIRT-M", 1, "Too large"), ("RB-JEANS-32", 1, "Too large")])
    picks = wait_for(lambda: len(all_ours(emu, rid)) == 2 and all_ours(emu, rid),
                     what="two return pickings")
    assert [p[0] for p in picks] == ["RB %s/1" % rid, "RB %s/2" % rid]
    wait_state(d, rid, "AWAITING_RECEIPT")
    warehouse_validates(emu, picks[0][1])
    time.sleep(1.5)
    assert state(d, rid) == "AWAITING_RECEIPT"     # the other is not back yet
    assert find(emu, "account.move", [["ref", "like", "RB " + rid],
                                      ["move_type", "=", "out_refund"]], fields=["id"]) == []
    warehouse_validates(emu, picks[1][1])
    wait_state(d, rid, CREDITED)
    notes = find(emu, "account.move", [["ref", "like", "RB " + rid],
                                       ["move_type", "=", "out_refund"]],
                 fields=["state", "amount_total"])
    assert [(n["state"], n["amount_total"]) for n in notes] == [("posted", 122.99)]


# --- 11. backorder on the return -------------------------------------------------

def test_backorder_on_the_return_picking_is_followed(shop):
    emu, prods, rid = shop["emu"], shop["prods"], "(00)POL-BACKORDER"
    d, so, pick = returned(shop, 0, rid, [("RB-TSHIRT-M", 2, "Too large")], "AWAITING_RECEIPT",
                           validate=False)
    warehouse_validates(emu, pick, qty={prods["RB-TSHIRT-M"]: 1.0}, backorder=True)
    bo = wait_for(lambda: find(emu, "stock.picking", [["backorder_id", "=", pick]],
                               fields=["id"]), what="the backorder")[0]["id"]
    time.sleep(1.5)
    assert state(d, rid) == "AWAITING_RECEIPT"
    assert ours(emu, rid)[1] == []
    warehouse_validates(emu, bo)
    wait_state(d, rid, CREDITED)
    assert posted_credit(emu, rid)["amount_total"] == 54.0     # 2 x 22.50 + 20 %
    assert [l["outcome"] for l in status(d, rid)["lines"]] == ["credited"]
    assert open_exceptions(d, rid) == []                         # all 2 received


# --- 12. Odoo's picking notification -------------------------------------------

def test_odoo_notification_wakes_the_receipt_poll(shop):
    emu, rid = shop["emu"], "(00)POL-HOOK"
    d, so, pick = returned(shop, 1, rid, [("RB-JEANS-32", 1, "Too large")], "AWAITING_RECEIPT",
                           validate=False, odoo="webhook_token = %s\n" % TOKEN,
                           swap=[("poll_interval_s = 1", "poll_interval_s = 3600")])
    warehouse_validates(emu, pick)
    time.sleep(1.5)
    assert state(d, rid) == "AWAITING_RECEIPT"       # nobody polls for an hour
    assert d.post("/odoo/notifications/" + TOKEN,
                  json.dumps({"_model": "stock.picking", "_id": pick, "id": pick}))[0] == 200
    wait_state(d, rid, CREDITED, timeout=5.0)
    posted_credit(emu, rid)
