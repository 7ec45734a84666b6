"""Replay of a recorded Odoo contract (setup.jsonl then flow.jsonl) against
the emulator, and the comparison of each answer with the recorded one.

Ids and document names are never assumed: the first time a recorded id (per
model) or a recorded document name meets the emulator's, the pair is
remembered; later requests are rewritten with the emulator's values, and
later answers must agree with the pairs already made. Everything else is
compared strictly: key sets, JSON types, states and selection values,
quantities and amounts as parsed numbers (exactly: 18's 2.2699999999999996
is not 2.27), error names, messages, arguments and context, and the
res_model / type / target / context keys of actions."""
import json
import os
import re

from odoo_emu import DATA, PROFILES

DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
MISSING = re.compile(r"\(Record: ([\w.]+)\([\d, ]+\), User: (\d+)\)")
# a draft move's display name carries its id: "Draft Credit Note (* 26)"
DRAFT_ID = re.compile(r"\(\* (\d+)\)")
# act_window values specific to a database (README: view and action ids)
ACTION_IDS = {"id", "view_id", "views", "search_view_id"}
# action context keys whose value is a record id, and of which model
CTX_MODELS = {
    "default_partner_id": "res.partner",
    "default_partner_shipping_id": "res.partner",
    "search_default_picking_type_id": "stock.picking.type",
    "button_validate_picking_ids": "stock.picking",
    "default_pick_ids": "stock.picking",
    "picking_ids_not_to_backorder": "stock.picking",
    "default_product_id": "product.product",
    "default_location_id": "stock.location",
    "default_scrap_id": "stock.scrap",
}


def load_steps(profile):
    steps = []
    for name in ("setup.jsonl", "flow.jsonl"):
        with open(os.path.join(DATA, "odoo-contract", str(profile), name)) as f:
            steps.extend(json.loads(line) for line in f if line.strip())
    return steps


class Mismatch(AssertionError):
    pass


class Replay:
    def __init__(self, profile, emu):
        self.profile = profile
        self.emu = emu
        with open(os.path.join(PROFILES, "odoo-%s.json" % profile)) as f:
            self.models = json.load(f)["models"]
        self.ids = {}     # (model, recorded id) -> emulator id
        self.rids = {}    # (model, emulator id) -> recorded id
        self.names = {}   # recorded document name -> emulator name

    # ---- schema ----
    def relation(self, model, field):
        f = self.models.get(model, {}).get("fields", {}).get(field)
        return f.get("relation") if f else None

    def ftype(self, model, field):
        f = self.models.get(model, {}).get("fields", {}).get(field)
        return f.get("type") if f else None

    # ---- mapping ----
    def map_id(self, model, rec, act, where):
        if not isinstance(act, int) or isinstance(act, bool):
            raise Mismatch("%s: expected an id (int), got %r" % (where, act))
        key = (model, rec)
        if key in self.ids:
            if self.ids[key] != act:
                raise Mismatch("%s: recorded %s id %s was mapped to %s, now %s"
                               % (where, model, rec, self.ids[key], act))
            return
        if (model, act) in self.rids:
            raise Mismatch("%s: emulator %s id %s already stands for recorded %s"
                           % (where, model, act, self.rids[(model, act)]))
        self.ids[key] = act
        self.rids[(model, act)] = rec

    def out_id(self, model, rec):
        return self.ids.get((model, rec), rec)

    def out_str(self, s):
        return self.names.get(s, s)

    def sub_names(self, s):
        for rec in sorted(self.names, key=len, reverse=True):
            if rec != self.names[rec]:
                s = s.replace(rec, self.names[rec])
        return s

    # ---- request rewriting ----
    def rw_ids(self, model, v):
        if isinstance(v, bool) or model is None:
            return v
        if isinstance(v, int):
            return self.out_id(model, v)
        if isinstance(v, list):
            return [self.rw_ids(model, x) for x in v]
        return v

    def rw_domain(self, model, dom):
        out = []
        for leaf in dom:
            if not isinstance(leaf, list):
                out.append(leaf)
                continue
            path, op, val = leaf
            m = model
            parts = path.split(".")
            for p in parts[:-1]:
                m = self.relation(m, p)
            last = parts[-1]
            target = m if last == "id" else self.relation(m, last)
            if target:
                val = self.rw_ids(target, val)
            elif isinstance(val, str):
                val = self.out_str(val)
            elif isinstance(val, list):
                val = [self.out_str(x) if isinstance(x, str) else x for x in val]
            out.append([path, op, val])
        return out

    def rw_vals(self, model, vals):
        out = {}
        for k, v in vals.items():
            rel, t = self.relation(model, k), self.ftype(model, k)
            if t == "many2one":
                v = self.rw_ids(rel, v)
            elif t in ("one2many", "many2many") and isinstance(v, list):
                v = [self.rw_cmd(rel, c) for c in v]
            elif isinstance(v, str):
                v = self.out_str(v)
            out[k] = v
        return out

    def rw_cmd(self, rel, c):
        if not isinstance(c, list):
            return self.rw_ids(rel, c)
        c = list(c)
        if c[0] in (1, 2, 3, 4) and len(c) > 1:
            c[1] = self.rw_ids(rel, c[1])
        if c[0] in (0, 1) and len(c) > 2 and isinstance(c[2], dict):
            c[2] = self.rw_vals(rel, c[2])
        if c[0] == 6:
            c[2] = self.rw_ids(rel, c[2])
        return c

    def rw_context(self, ctx):
        ctx = dict(ctx)
        am = ctx.get("active_model")
        for k in ("active_id", "active_ids"):
            if k in ctx and am:
                ctx[k] = self.rw_ids(am, ctx[k])
        for k, m in CTX_MODELS.items():
            if k in ctx:
                ctx[k] = self.rw_ids(m, ctx[k])
        return ctx

    def request(self, step):
        req = json.loads(json.dumps(step["request"]))
        p = req["params"]
        if p["service"] != "object":
            return req
        args = p["args"]
        model, method, margs = args[3], args[4], args[5]
        kw = args[6] if len(args) > 6 else {}
        if method in ("search", "search_read", "search_count"):
            if margs:
                margs[0] = self.rw_domain(model, margs[0])
        elif method == "create":
            if margs and isinstance(margs[0], dict):
                margs[0] = self.rw_vals(model, margs[0])
            elif margs and isinstance(margs[0], list):
                margs[0] = [self.rw_vals(model, v) for v in margs[0]]
        elif method not in ("fields_get",) and margs:
            margs[0] = self.rw_ids(model, margs[0])
            if method == "write" and len(margs) > 1:
                margs[1] = self.rw_vals(model, margs[1])
        if "context" in kw:
            kw["context"] = self.rw_context(kw["context"])
        return req

    # ---- comparison ----
    def cmp_scalar(self, rec, act, where):
        if type(rec) is not type(act):
            raise Mismatch("%s: type %s recorded, %s emulated (%r vs %r)"
                           % (where, type(rec).__name__, type(act).__name__, rec, act))
        if isinstance(rec, str):
            if DATETIME.match(rec):
                if not DATETIME.match(act):
                    raise Mismatch("%s: a datetime was recorded, got %r" % (where, act))
                return
            if DATE.match(rec):
                if not DATE.match(act):
                    raise Mismatch("%s: a date was recorded, got %r" % (where, act))
                return
            rec = self.sub_names(rec)
        if rec != act:
            raise Mismatch("%s: recorded %r, emulated %r" % (where, rec, act))

    def cmp_keys(self, rec, act, where):
        if not isinstance(act, dict):
            raise Mismatch("%s: object recorded, got %r" % (where, act))
        if set(rec) != set(act):
            raise Mismatch("%s: keys differ: missing %s, extra %s" % (
                where, sorted(set(rec) - set(act)), sorted(set(act) - set(rec))))

    def cmp_list(self, rec, act, where):
        if not isinstance(act, list) or len(act) != len(rec):
            raise Mismatch("%s: recorded %r, emulated %r" % (where, rec, act))

    def cmp_record(self, model, rec, act, where):
        self.cmp_keys(rec, act, where)
        if isinstance(rec.get("name"), str) and isinstance(act.get("name"), str) \
                and rec["name"] not in self.names and model in DOC_MODELS:
            self.names[rec["name"]] = act["name"]
        for k, rv in rec.items():
            av, w = act[k], "%s.%s" % (where, k)
            if k == "id":
                self.map_id(model, rv, av, w)
                continue
            rel, t = self.relation(model, k), self.ftype(model, k)
            if t == "many2one" and isinstance(rv, list):
                self.cmp_list(rv, av, w)
                self.map_id(rel, rv[0], av[0], w)
                # a document met first as a many2one (h.return2_moves:
                # picking_id) is named by its display name
                if rel in NAME_IS_DISPLAY and isinstance(av[1], str) \
                        and rv[1] not in self.names:
                    self.names[rv[1]] = av[1]
                rname = rv[1]
                if rel == "account.move" and isinstance(rname, str):
                    rname = DRAFT_ID.sub(lambda m: "(* %s)" % self.out_id(
                        rel, int(m.group(1))), rname)
                self.cmp_scalar(rname, av[1], w)
            elif t in ("one2many", "many2many") and rel:
                self.cmp_list(rv, av, w)
                for i, (x, y) in enumerate(zip(rv, av)):
                    self.map_id(rel, x, y, "%s[%d]" % (w, i))
            elif k == "res_id" and model == "mail.message":
                self.map_id(act.get("model") or rec.get("model"), rv, av, w)
            else:
                self.cmp_value(rv, av, w)

    def cmp_value(self, rec, act, where):
        if isinstance(rec, dict):
            self.cmp_keys(rec, act, where)
            for k in rec:
                self.cmp_value(rec[k], act[k], "%s.%s" % (where, k))
        elif isinstance(rec, list):
            self.cmp_list(rec, act, where)
            for i, (x, y) in enumerate(zip(rec, act)):
                self.cmp_value(x, y, "%s[%d]" % (where, i))
        else:
            self.cmp_scalar(rec, act, where)

    def cmp_action(self, rec, act, where):
        self.cmp_keys(rec, act, where)
        for k, rv in rec.items():
            av, w = act[k], "%s.%s" % (where, k)
            if k in ACTION_IDS:
                if type(rv) is not type(av):
                    raise Mismatch("%s: type differs (%r vs %r)" % (w, rv, av))
            elif k == "res_id":
                self.map_id(rec["res_model"], rv, av, w)
            elif k == "context":
                self.cmp_keys(rv, av, w)
                for ck, cv in rv.items():
                    m = CTX_MODELS.get(ck)
                    cw = "%s.%s" % (w, ck)
                    if m and isinstance(cv, int) and not isinstance(cv, bool):
                        self.map_id(m, cv, av[ck], cw)
                    elif m and isinstance(cv, list):
                        self.cmp_list(cv, av[ck], cw)
                        for x, y in zip(cv, av[ck]):
                            if isinstance(x, list):   # [4, id] commands
                                self.cmp_scalar(x[0], y[0], cw)
                                self.map_id(m, x[1], y[1], cw)
                            else:
                                self.map_id(m, x, y, cw)
                    else:
                        self.cmp_value(cv, av[ck], cw)
            else:
                self.cmp_value(rv, av, w)

    def cmp_error(self, rec, act, where):
        self.cmp_keys(rec, act, where)
        self.cmp_scalar(rec["code"], act["code"], where + ".code")
        self.cmp_scalar(rec["message"], act["message"], where + ".message")
        rd, ad = rec["data"], act["data"]
        self.cmp_keys(rd, ad, where + ".data")
        if not (isinstance(ad["debug"], str) and
                ad["debug"].startswith("Traceback (most recent call last):")):
            raise Mismatch("%s.data.debug: not a traceback: %r" % (where, ad["debug"]))
        norm = lambda s: MISSING.sub(r"(Record: \1(<ids>), User: \2)", s)
        for k in ("name", "message"):
            self.cmp_scalar(norm(rd[k]), norm(ad[k]), "%s.data.%s" % (where, k))
        self.cmp_list(rd["arguments"], ad["arguments"], where + ".data.arguments")
        for x, y in zip(rd["arguments"], ad["arguments"]):
            self.cmp_scalar(norm(x), norm(y), where + ".data.arguments")
        self.cmp_value(rd["context"], ad["context"], where + ".data.context")

    def compare(self, step, status, body):
        rec = step["response"]
        w = step["step"]
        if status != step["http_status"]:
            raise Mismatch("%s: HTTP %s, recorded %s" % (w, status, step["http_status"]))
        self.cmp_keys(rec, body, w)
        if "error" in rec:
            self.cmp_error(rec["error"], body["error"], w + ".error")
            return
        if "result" not in rec:
            return
        p = step["request"]["params"]
        r, a = rec["result"], body["result"]
        if p["service"] != "object":
            self.cmp_value(r, a, w)
            return
        model, method = p["args"][3], p["args"][4]
        where = w + ".result"
        if isinstance(r, dict) and str(r.get("type", "")).startswith("ir.actions"):
            self.cmp_action(r, a, where)
        elif method in ("read", "search_read"):
            self.cmp_list(r, a, where)
            for i, (x, y) in enumerate(zip(r, a)):
                self.cmp_record(model, x, y, "%s[%d]" % (where, i))
        elif method == "search":
            self.cmp_list(r, a, where)
            for x, y in zip(r, a):
                self.map_id(model, x, y, where)
        elif method == "create" and isinstance(r, int) and not isinstance(r, bool):
            self.map_id(model, r, a, where)
        elif method == "create" and isinstance(r, list):
            self.cmp_list(r, a, where)
            for x, y in zip(r, a):
                self.map_id(model, x, y, where)
        elif method == "message_post":
            self.map_id("mail.message", r, a, where)
        else:
            self.cmp_value(r, a, where)

    def run(self, step):
        req = self.request(step)
        status, body = self.emu.post(req)
        self.compare(step, status, body)


# Models whose records carry a database-specific document name (README:
# "document names"); their recorded names map to the emulator's.
DOC_MODELS = {"sale.order", "stock.picking", "account.move", "stock.scrap"}
# ... and those whose display_name is that name
NAME_IS_DISPLAY = {"sale.order", "stock.picking", "stock.scrap"}
