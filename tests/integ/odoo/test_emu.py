"""The emulator beyond the recordings: command line, dump, the generic ORM
(domains, commands, ordering, rollback), and the stock behaviour taken from
Odoo's source (backorder wizard process, action_cancel)."""
import json
import os
import subprocess

import pytest

from odoo_emu import DATA, EMU_BIN, Emulator
from odoo_scenario import setup_scenario


def err(resp):
    assert "error" in resp, resp
    return resp["error"]["data"]["name"], resp["error"]["data"]["message"]


def test_help_lists_every_option():
    out = subprocess.run([EMU_BIN, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for opt in ("--profile", "--seed", "--port", "--dump", "--host", "--profile-dir"):
        assert opt in out.stdout


@pytest.mark.parametrize("args", [[], ["--profile", "16", "--seed", "x"],
                                  ["--profile", "17"], ["--port", "70000"]])
def test_bad_command_lines_are_refused(args):
    out = subprocess.run([EMU_BIN] + args, capture_output=True, text=True)
    assert out.returncode == 2
    assert "odoo-emu:" in out.stderr


def test_a_broken_seed_is_refused(tmp_path):
    bad = tmp_path / "seed.json"
    bad.write_text('{"records": {"no.such.model": [{"id": 1}]}}')
    out = subprocess.run([EMU_BIN, "--profile", "17", "--seed", str(bad), "--port", "0"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 1
    assert "no.such.model" in out.stderr


def test_dump_on_exit_and_on_request(tmp_path):
    e = Emulator("17", str(tmp_path)).start()
    pid = e.execute("res.partner", "create", {"name": "Dumped"})["result"]
    live = e.dump()
    names = [r["name"] for r in live["models"]["res.partner"]["records"]]
    assert "Dumped" in names
    e.stop()
    with open(e.dump_path) as f:
        final = json.load(f)
    ids = [r["id"] for r in final["models"]["res.partner"]["records"]]
    assert pid in ids


def test_version_per_profile(emu):
    v = emu.call("common", "version", )["result"]
    assert v["server_serie"] == "%s.0" % emu.profile


def test_a_failed_call_keeps_nothing(emu):
    """Odoo rolls the transaction back: a create that fails on its second
    record keeps neither."""
    before = emu.execute("res.partner", "search_count", [])["result"]
    resp = emu.execute("res.partner", "create", [{"name": "ok"}, {"name": "x", "nope": 1}])
    assert err(resp) == ("builtins.ValueError", "Invalid field 'nope' on model 'res.partner'")
    assert emu.execute("res.partner", "search_count", [])["result"] == before


def test_domains_operators_and_paging(emu):
    ids = emu.execute("res.partner", "create",
                      [{"name": "Alpha one", "city": "Oslo"},
                       {"name": "alpha two", "city": "Bergen"},
                       {"name": "Beta", "city": "Oslo"}])["result"]
    ex = emu.execute
    assert ex("res.partner", "search", [["name", "ilike", "ALPHA"]])["result"] == ids[:2]
    assert ex("res.partner", "search", [["name", "like", "Alpha"]])["result"] == ids[:1]
    assert ex("res.partner", "search", [["name", "=like", "alpha%"]])["result"] == ids[1:2]
    assert ex("res.partner", "search", ["|", ["city", "=", "Bergen"], ["name", "=", "Beta"]],
              order="id")["result"] == ids[1:]
    assert ex("res.partner", "search", ["!", ["city", "=", "Oslo"], ["id", "in", ids]])["result"] == ids[1:2]
    assert ex("res.partner", "search", [["id", "in", ids]], order="id desc", limit=2,
              offset=1)["result"] == [ids[1], ids[0]]
    assert ex("res.partner", "search", [["id", ">=", ids[1]], ["id", "<", ids[2]]])["result"] == ids[1:2]
    assert ex("res.partner", "search", [["id", "not in", ids], ["city", "!=", False]])["result"] == []
    assert ex("res.partner", "search_count", [["id", "in", ids]])["result"] == 3


def test_unknown_field_in_a_domain_is_refused(emu):
    name, msg = err(emu.execute("res.partner", "search", [["x_nope", "=", 1]]))
    assert name == "builtins.ValueError" and "x_nope" in msg


def test_x2many_commands_and_dotted_paths(emu):
    setup_scenario(emu)
    ex = emu.execute
    so = ex("sale.order", "search", [["client_order_ref", "=", "RB-SHOP-ORDER-1001"]])["result"][0]
    lines = ex("sale.order.line", "search", [["order_id.client_order_ref", "=", "RB-SHOP-ORDER-1001"]],
               order="id")["result"]
    assert len(lines) == 3
    # [1, id, vals] writes a line through its order
    assert ex("sale.order", "write", [so], {"order_line": [[1, lines[0], {"discount": 20.0}]]})["result"]
    line = ex("sale.order.line", "read", [lines[0]], fields=["discount", "price_subtotal"])["result"][0]
    assert line["discount"] == 20.0 and line["price_subtotal"] == 60.0
    # many2many: [6, 0, ids], [4, id], [3, id], [5]
    p = ex("product.product", "search", [["default_code", "=", "RB-MUG"]])["result"]
    t = ex("account.tax", "search", [["type_tax_use", "=", "sale"]], order="id")["result"]
    ex("product.product", "write", p, {"taxes_id": [[6, 0, t[:1]]]})
    ex("product.product", "write", p, {"taxes_id": [[4, t[1]]]})
    assert ex("product.product", "read", p, fields=["taxes_id"])["result"][0]["taxes_id"] == t[:2]
    ex("product.product", "write", p, {"taxes_id": [[3, t[0]]]})
    assert ex("product.product", "read", p, fields=["taxes_id"])["result"][0]["taxes_id"] == t[1:2]
    ex("product.product", "write", p, {"taxes_id": [[5]]})
    assert ex("product.product", "read", p, fields=["taxes_id"])["result"][0]["taxes_id"] == []


def test_none_result_and_unknown_method(emu):
    ex = emu.execute
    name, _ = err(ex("res.partner", "no_such_method", [1]))
    assert name == "builtins.AttributeError"


def picking_flow(emu, qty):
    """A return of the delivered mugs with qty received, validated."""
    ex = emu.execute
    out = ex("stock.picking", "search", [["picking_type_code", "=", "outgoing"], ["state", "=", "done"]])["result"][0]
    ctx = {"active_model": "stock.picking", "active_id": out, "active_ids": [out]}
    wiz = ex("stock.return.picking", "create", {}, context=ctx)["result"]
    lines = ex("stock.return.picking.line", "search_read", [["wizard_id", "=", wiz]],
               fields=["product_id", "move_id"])["result"]
    for l in lines:
        q = 2.0 if l["product_id"][1].endswith("RB Mug") else 0.0
        ex("stock.return.picking.line", "write", [l["id"]], {"quantity": q})
    method = "create_returns" if emu.profile == "17" else "action_create_returns"
    ret = ex("stock.return.picking", method, [wiz])["result"]["res_id"]
    mv = ex("stock.move", "search", [["picking_id", "=", ret]])["result"]
    ex("stock.move", "write", mv, {"quantity": qty, "picked": True})
    return ret, mv


def test_backorder_wizard_process_keeps_a_backorder(emu):
    """From Odoo 17.0/18.0 source (not recorded): process() validates what
    was received and moves the rest to a new picking whose backorder_id is
    the original."""
    setup_scenario(emu)
    ex = emu.execute
    ret, mv = picking_flow(emu, 1.0)
    action = ex("stock.picking", "button_validate", [ret])["result"]
    assert action["res_model"] == "stock.backorder.confirmation"
    wiz = ex("stock.backorder.confirmation", "create", {}, context=action["context"])["result"]
    assert ex("stock.backorder.confirmation", "process", [wiz], context=action["context"])["result"] is True
    bo = ex("stock.picking", "search_read", [["backorder_id", "=", ret]],
            fields=["state", "move_ids", "origin"])["result"]
    assert len(bo) == 1 and bo[0]["state"] == "assigned"
    done = ex("stock.move", "read", mv, fields=["product_uom_qty", "quantity", "state"])["result"][0]
    assert (done["product_uom_qty"], done["quantity"], done["state"]) == (1.0, 1.0, "done")
    left = ex("stock.move", "read", bo[0]["move_ids"], fields=["product_uom_qty", "state"])["result"][0]
    assert (left["product_uom_qty"], left["state"]) == (1.0, "assigned")


def test_backorder_wizard_cancel_keeps_none(emu):
    setup_scenario(emu)
    ex = emu.execute
    ret, mv = picking_flow(emu, 1.0)
    action = ex("stock.picking", "button_validate", [ret])["result"]
    wiz = ex("stock.backorder.confirmation", "create", {}, context=action["context"])["result"]
    ex("stock.backorder.confirmation", "process_cancel_backorder", [wiz], context=action["context"])
    assert ex("stock.picking", "search_count", [["backorder_id", "=", ret]])["result"] == 0
    assert ex("stock.picking", "read", [ret], fields=["state"])["result"][0]["state"] == "done"


def test_action_cancel_releases_the_picking(emu):
    """From Odoo 17.0/18.0 source (not recorded)."""
    setup_scenario(emu)
    ex = emu.execute
    ret, mv = picking_flow(emu, 2.0)
    assert ex("stock.picking", "action_cancel", [ret])["result"] is True
    p = ex("stock.picking", "read", [ret], fields=["state"])["result"][0]
    assert p["state"] == "cancel"
    m = ex("stock.move", "read", mv, fields=["state", "quantity"])["result"][0]
    assert (m["state"], m["quantity"]) == ("cancel", 0.0)
    assert ex("stock.move.line", "search_count", [["move_id", "in", mv]])["result"] == 0
    name, _ = err(ex("stock.picking", "button_validate", [ret]))
    assert name == "odoo.exceptions.UserError"


def test_quants_follow_validation(emu):
    setup_scenario(emu)
    ex = emu.execute
    ret, mv = picking_flow(emu, 2.0)
    dest = ex("stock.picking", "read", [ret], fields=["location_dest_id"])["result"][0]["location_dest_id"][0]
    mug = ex("product.product", "search", [["default_code", "=", "RB-MUG"]])["result"]
    before = ex("stock.quant", "search_read", [["product_id", "in", mug], ["location_id", "=", dest]],
                fields=["quantity"])["result"][0]["quantity"]
    assert ex("stock.picking", "button_validate", [ret])["result"] is True
    after = ex("stock.quant", "search_read", [["product_id", "in", mug], ["location_id", "=", dest]],
               fields=["quantity"])["result"][0]["quantity"]
    assert after == before + 2.0


def test_18_ignores_a_written_price_include(tmp_path):
    e = Emulator("18", str(tmp_path)).start()
    try:
        t = e.execute("account.tax", "create", {"name": "p", "amount": 5.0, "price_include": True})["result"]
        r = e.execute("account.tax", "read", [t], fields=["price_include", "price_include_override"])["result"][0]
        assert (r["price_include"], r["price_include_override"]) == (False, False)
    finally:
        e.stop()


def test_a_call_failing_half_way_keeps_nothing(emu):
    """The first command of the write lands, the second fails: Odoo's
    transaction keeps neither (the snapshot is restored)."""
    setup_scenario(emu)
    ex = emu.execute
    so = ex("sale.order", "search", [["client_order_ref", "=", "RB-SHOP-ORDER-1001"]])["result"]
    lines = ex("sale.order.line", "search", [["order_id", "in", so]], order="id")["result"]
    before = ex("sale.order", "read", so, fields=["amount_total"])["result"][0]["amount_total"]
    resp = ex("sale.order", "write", so, {"order_line": [
        [1, lines[0], {"discount": 50.0}], [0, 0, {"product_id": 999999999, "x_bad": 1}]]})
    assert err(resp)[0] == "builtins.ValueError"
    line = ex("sale.order.line", "read", [lines[0]], fields=["discount"])["result"][0]
    assert line["discount"] == 10.0
    assert ex("sale.order.line", "search_count", [["order_id", "in", so]])["result"] == 3
    assert ex("sale.order", "read", so, fields=["amount_total"])["result"][0]["amount_total"] == before


def test_domain_and_fields_as_keywords(emu):
    """Clients may pass search_read's domain and fields by keyword."""
    ex = emu.execute
    pid = ex("res.partner", "create", {"name": "Kw", "city": "Lund"})["result"]
    rows = ex("res.partner", "search_read", domain=[["city", "=", "Lund"]], fields=["name"])["result"]
    assert rows == [{"id": pid, "name": "Kw"}]
    assert ex("res.partner", "search_count", domain=[["city", "=", "Lund"]])["result"] == 1
    assert ex("res.partner", "search", domain=[["city", "=", "Lund"]])["result"] == [pid]
