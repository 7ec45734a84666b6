"""The contract harness: every recorded request of setup.jsonl then
flow.jsonl, in order, against a fresh emulator per profile; each answer
must match the recording (see contract.py for what is compared and how ids
and names are mapped). No step is pending: every step of both profiles is replayed."""
import os

import pytest

from odoo_emu import DATA, Emulator
from contract import Replay, load_steps

SHARED_NAMES = {"17": "odoo-contract", "18": "odoo-contract-18"}
# shared/ sits beside the work tree (CI: beside the clone)
SHARED_DIRS = [os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared"),
               "/work/shared"]
_replays = {}


def replay(profile, tmp_path_factory):
    if profile not in _replays:
        emu = Emulator(profile, str(tmp_path_factory.mktemp("emu%s" % profile))).start()
        _replays[profile] = Replay(profile, emu)
    return _replays[profile]


def teardown_module(module):
    for r in _replays.values():
        r.emu.stop()


def cases():
    for p in ("17", "18"):
        for s in load_steps(p):
            yield pytest.param(p, s, id="%s:%s" % (p, s["step"]))


@pytest.mark.parametrize("profile,step", list(cases()))
def test_step(profile, step, tmp_path_factory):
    replay(profile, tmp_path_factory).run(step)


@pytest.mark.parametrize("profile", ["17", "18"])
def test_every_recorded_step_is_replayed(profile):
    """Credit notes (i.*) and the reversal wizard (j.*) are in, as every
    other step: nothing is skipped."""
    names = [s["step"] for s in load_steps(profile)]
    assert any(n.startswith("i.") for n in names) and any(n.startswith("j.") for n in names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("profile", ["17", "18"])
def test_recordings_copy_matches_shared(profile):
    """The repository's copy of the recordings is the one in /work/shared
    (when that exists on this machine)."""
    found = [os.path.join(d, SHARED_NAMES[profile]) for d in SHARED_DIRS
             if os.path.isdir(os.path.join(d, SHARED_NAMES[profile]))]
    if not found:
        pytest.skip("no shared/%s beside the work tree" % SHARED_NAMES[profile])
    shared = found[0]
    for name in ("README.md", "setup.jsonl", "flow.jsonl", "batch.jsonl"):
        with open(os.path.join(shared, name), "rb") as a, \
                open(os.path.join(DATA, "odoo-contract", profile, name), "rb") as b:
            assert a.read() == b.read(), name


def _step(profile, name):
    return next(s for s in load_steps(profile) if s["step"] == name)


def _tamper(step, fn):
    import copy
    body = copy.deepcopy(step["response"])
    fn(body)
    return body


@pytest.mark.parametrize("name,tamper", [
    # 18's unrounded float is not 17's 2.27, nor the other way round
    ("s.sol_read", lambda b: b["result"][2].__setitem__("price_tax", 2.2699999999999996)),
    # an int where Odoo sends a float
    ("s.sol_read", lambda b: b["result"][0].__setitem__("product_uom_qty", 3)),
    ("s.sol_read", lambda b: b["result"][0].__setitem__("extra", 1)),
    ("s.delivery_moves", lambda b: b["result"][0].__setitem__("state", "done")),
    ("s.quant_apply", lambda b: b.__setitem__("result", None)),
    ("s.delivery_validate", lambda b: b["result"].__setitem__("target", "current")),
    ("s.delivery_validate", lambda b: b["result"]["context"].__setitem__("x", 1)),
    ("a.execute_kw_bad_password",
     lambda b: b["error"]["data"].__setitem__("message", "Access denied")),
    ("a.execute_kw_bad_password",
     lambda b: b["error"]["data"].__setitem__("debug", "no traceback")),
    ("m.missing_record_write",
     lambda b: b["error"]["data"].__setitem__("name", "odoo.exceptions.UserError")),
    ("s.products_read", lambda b: b["result"][0].__setitem__("uom_id", False)),
])
def test_harness_rejects_differences(name, tamper):
    """The comparison is strict: each tampered copy of a recorded answer
    must be refused (and the untampered one accepted)."""
    from contract import Mismatch
    step = _step("17", name)
    Replay("17", None).compare(step, 200, step["response"])
    with pytest.raises(Mismatch):
        Replay("17", None).compare(step, 200, _tamper(step, tamper))


def test_harness_rejects_inconsistent_ids():
    """A recorded id maps to one emulator id for good."""
    from contract import Mismatch
    r = Replay("17", None)
    step = _step("17", "s.delivery_moves")
    r.compare(step, 200, step["response"])
    other = _step("17", "s.delivery_read")
    with pytest.raises(Mismatch):
        r.compare(other, 200, _tamper(other, lambda b: b["result"][0].__setitem__(
            "move_ids", [51, 50, 52])))


@pytest.mark.parametrize("profile", ["17", "18"])
def test_contract_holds_with_other_ids_and_names(profile, tmp_path):
    """Ids and names are mapped, never assumed: the same replay passes on a
    database whose new records get other ids (+1000) and whose documents get
    other numbers (+100: S00125, WH/OUT/00112, INV/2026/00105, ...)."""
    import json
    with open(os.path.join(DATA, "odoo", "seed-%s.json" % profile)) as f:
        seed = json.load(f)
    for model in list(seed["next_ids"]):
        seed["next_ids"][model] += 1000
    for model in ("stock.return.picking", "stock.return.picking.line", "stock.scrap",
                  "sale.advance.payment.inv", "confirm.stock.sms", "stock.quant"):
        seed["next_ids"][model] = seed["next_ids"].get(model, 1) + 500
    for seq in seed["sequences"].values():
        seq["next"] += 100
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    emu = Emulator(profile, str(tmp_path), seed=str(path)).start()
    try:
        r = Replay(profile, emu)
        for s in load_steps(profile):
            r.run(s)
        moved = [k for k, v in r.ids.items() if k[1] != v]
        renamed = [k for k, v in r.names.items() if k != v]
        assert len(moved) > 40 and len(renamed) >= 6, (moved, renamed)
    finally:
        emu.stop()
