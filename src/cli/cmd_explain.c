/* cmd_explain: what the engine did with one return, read back from the
 * store — the Odoo documents and credit lines `status` shows, and the
 * story `explain` tells from the audit log (DESIGN.md I6): events
 * received, decisions, Odoo writes, and each credit line with where its
 * numbers came from. */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "util/clock.h"

struct engine_view {
	json_t *w;         /* the working record */
	char state[32];
};

static void on_engine(const struct store_engine_row *r, void *arg)
{
	struct engine_view *v = arg;

	v->w = r->engine ? json_loads(r->engine, 0, NULL) : NULL;
	snprintf(v->state, sizeof(v->state), "%s", r->state);
}

static void on_doc(const struct store_odoo_doc *d, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:I,s:s?,s:s?}", "kind", d->kind,
					     "odoo_id", (json_int_t)d->odoo_id, "name", d->name,
					     "ref", d->ref));
}

/* Credit lines from the working record: our computation and its sources. */
static json_t *credit_lines(const json_t *w)
{
	int decimals = (int)json_integer_value(json_object_get(json_object_get(w, "order"), "decimals"));
	json_t *out = json_array(), *l, *c;
	char a[32], b[32], q[32], t[32];
	size_t i;

	json_array_foreach(json_object_get(w, "lines"), i, l) {
		c = json_object_get(l, "credit");
		if (!c)
			continue;
		json_array_append_new(out, json_pack(
			"{s:I,s:s?,s:s,s:s,s:s,s:s,s:I,s:I,s:O}",
			"line_no", json_integer_value(json_object_get(l, "line_no")),
			"label", json_string_value(json_object_get(l, "label")),
			"price_unit", money_format(json_integer_value(json_object_get(l, "price_unit")),
						   MONEY_PRICE_DECIMALS, a, sizeof(a)),
			"discount_pct", money_format(json_integer_value(json_object_get(l, "discount")),
						     MONEY_DISCOUNT_DECIMALS, b, sizeof(b)),
			"qty", money_format(json_integer_value(json_object_get(l, "received")),
					    MONEY_QTY_DECIMALS, q, sizeof(q)),
			"untaxed", money_format(json_integer_value(json_object_get(c, "untaxed")),
						decimals, t, sizeof(t)),
			"sale_line_id", json_integer_value(json_object_get(l, "sale_line_id")),
			"invoice_line_id", json_integer_value(json_object_get(l, "invoice_line_id")),
			"tax_ids", json_object_get(l, "tax_ids")));
	}
	return out;
}

/* What support needs to answer "where is my refund?": the refund status,
 * each credit note with its payment state, and each line's refund policy
 * and the decision a person took. */
static json_t *refund_view(const json_t *w)
{
	json_t *notes = json_array(), *lines = json_array(), *c, *l;
	size_t i;

	json_array_foreach(json_object_get(w, "credits"), i, c)
		if (json_object_get(c, "id"))
			json_array_append_new(notes, json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}",
				"name", json_object_get(c, "name"),
				"amount_total_minor", json_object_get(c, "amount_total"),
				"payment_state", json_object_get(c, "payment_state"),
				"payment", json_object_get(json_object_get(c, "payment"), "name"),
				"payment_error", json_object_get(c, "payment_error")));
	json_array_foreach(json_object_get(w, "lines"), i, l)
		if (json_object_get(l, "policy"))
			json_array_append_new(lines, json_pack("{s:O,s:O,s:O?,s:O?,s:O?}",
				"line_no", json_object_get(l, "line_no"),
				"policy", json_object_get(l, "policy"),
				"policy_source", json_object_get(l, "policy_source"),
				"decision", json_object_get(json_object_get(l, "decision"), "kind"),
				"decided_by", json_object_get(json_object_get(l, "decision"), "by")));
	return json_pack("{s:O?,s:o,s:o}", "status", json_object_get(w, "refund"),
			 "credit_notes", notes, "lines", lines);
}

static void print_refund(FILE *out, const json_t *r)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	json_t *c, *l;
	size_t i;

	fprintf(out, "\nrefund: %s\n", !st ? "not credited yet"
		: strcmp(st, "reconciled") == 0 ? "reconciled (offset against the unpaid invoice; nothing to pay out)"
		: strcmp(st, "owed") == 0 ? "owed to the customer (the invoice was paid): finance pays it"
		: strcmp(st, "refunded") == 0 ? "refunded (paid out to the customer)"
		: strcmp(st, "refused") == 0 ? "refused (the refund policy or a person refused every line)" : st);
	json_array_foreach(json_object_get(r, "credit_notes"), i, c)
		fprintf(out, "  %-20s payment state %-12s %s\n",
			json_string_value(json_object_get(c, "name")) ? json_string_value(json_object_get(c, "name")) : "(draft)",
			json_string_value(json_object_get(c, "payment_state")) ? json_string_value(json_object_get(c, "payment_state")) : "?",
			json_string_value(json_object_get(c, "payment")) ? json_string_value(json_object_get(c, "payment")) : "");
	json_array_foreach(json_object_get(r, "lines"), i, l)
		fprintf(out, "  line %-3" JSON_INTEGER_FORMAT " policy %-8s (%s)%s%s%s\n",
			json_integer_value(json_object_get(l, "line_no")),
			json_string_value(json_object_get(l, "policy")),
			json_string_value(json_object_get(l, "policy_source")) ? json_string_value(json_object_get(l, "policy_source")) : "",
			json_string_value(json_object_get(l, "decision")) ? " - " : "",
			json_string_value(json_object_get(l, "decision")) ? json_string_value(json_object_get(l, "decision")) : "",
			json_string_value(json_object_get(l, "decided_by")) ? " by a person" : "");
}

enum err_code cli_engine_status(FILE *out, struct store *st, int64_t id, json_t *root,
				struct err *e)
{
	struct engine_view v = { NULL, "" };
	json_t *docs = json_array(), *cl = NULL, *refund = NULL, *d, *l;
	enum err_code rc;
	char *s;
	size_t i;

	rc = store_engine_get(st, id, on_engine, &v, e);
	if (rc == ERR_OK)
		rc = store_odoo_docs_list(st, id, on_doc, docs, e);
	if (rc != ERR_OK)
		goto out;
	cl = credit_lines(v.w);
	refund = refund_view(v.w);
	if (root) {
		json_object_set(root, "odoo_documents", docs);
		json_object_set(root, "credit_lines", cl);
		json_object_set(root, "refund", refund);
		s = json_dumps(root, JSON_COMPACT);
		if (s)
			fprintf(out, "%s\n", s);
		free(s);
		goto out;
	}
	fprintf(out, "\nOdoo documents\n");
	if (json_array_size(docs) == 0)
		fprintf(out, "  none yet\n");
	json_array_foreach(docs, i, d)
		fprintf(out, "  %-15s %-20s id %-6" JSON_INTEGER_FORMAT " ref \"%s\"\n",
			json_string_value(json_object_get(d, "kind")),
			json_is_string(json_object_get(d, "name")) ?
			json_string_value(json_object_get(d, "name")) : "(not read yet)",
			json_integer_value(json_object_get(d, "odoo_id")),
			json_string_value(json_object_get(d, "ref")) ?
			json_string_value(json_object_get(d, "ref")) : "");
	fprintf(out, "\ncredit lines (price x (1 - discount) x received, rounded once per line)\n");
	if (json_array_size(cl) == 0)
		fprintf(out, "  none yet\n");
	json_array_foreach(cl, i, l)
		fprintf(out, "  %-4" JSON_INTEGER_FORMAT " %-16s %s x (1 - %s %%) x %s = %s  (sale line %" JSON_INTEGER_FORMAT ", invoice line %" JSON_INTEGER_FORMAT ")\n",
			json_integer_value(json_object_get(l, "line_no")),
			json_string_value(json_object_get(l, "label")),
			json_string_value(json_object_get(l, "price_unit")),
			json_string_value(json_object_get(l, "discount_pct")),
			json_string_value(json_object_get(l, "qty")),
			json_string_value(json_object_get(l, "untaxed")),
			json_integer_value(json_object_get(l, "sale_line_id")),
			json_integer_value(json_object_get(l, "invoice_line_id")));
	print_refund(out, refund);
out:
	json_decref(refund);
	json_decref(cl);
	json_decref(docs);
	json_decref(v.w);
	return rc;
}

/* --- explain ----------------------------------------------------------------- */

struct story {
	FILE *out;
	int decimals;
};

static void on_event(const struct store_event *ev, void *arg)
{
	struct story *s = arg;
	char ts[CLOCK_ISO_LEN];

	fprintf(s->out, "  %s  event %" PRId64 " %s via %s (%s)\n",
		clock_iso(ev->received_at_ms, ts, sizeof(ts)), ev->id, ev->kind, ev->source,
		ev->status);
}

static void credit_lines_story(FILE *out, const json_t *lines)
{
	json_t *l;
	size_t i;

	json_array_foreach(lines, i, l)
		fprintf(out, "      line %" JSON_INTEGER_FORMAT " %s: %s x (1 - %s %%) x %s = %s untaxed;"
			" price and discount from sale line %" JSON_INTEGER_FORMAT
			", quantity as received in Odoo, taxes from invoice line %" JSON_INTEGER_FORMAT
			"; %s\n",
			json_integer_value(json_object_get(l, "line_no")),
			json_string_value(json_object_get(l, "label")),
			json_string_value(json_object_get(l, "price_unit")),
			json_string_value(json_object_get(l, "discount_pct")),
			json_string_value(json_object_get(l, "qty_received")),
			json_string_value(json_object_get(l, "untaxed")),
			json_integer_value(json_object_get(l, "sale_line_id")),
			json_integer_value(json_object_get(l, "invoice_line_id")),
			json_string_value(json_object_get(l, "rule")));
}

/* The computation of each credit note (one per invoice), line by line;
 * rows written before credit notes were per invoice have the lines only. */
static void credit_story(FILE *out, const json_t *d)
{
	int decimals = (int)json_integer_value(json_object_get(d, "decimals"));
	char a[32], b[32], c[32];
	json_t *cn;
	size_t i;

	if (!json_object_get(d, "credit_notes")) {
		credit_lines_story(out, json_object_get(d, "lines"));
		return;
	}
	json_array_foreach(json_object_get(d, "credit_notes"), i, cn) {
		fprintf(out, "      credit note %s (reverses invoice id %" JSON_INTEGER_FORMAT
			"): untaxed %s, tax %s, total %s\n",
			json_string_value(json_object_get(cn, "ref")),
			json_integer_value(json_object_get(cn, "invoice_id")),
			money_format(json_integer_value(json_object_get(cn, "untaxed_minor")), decimals, a, sizeof(a)),
			money_format(json_integer_value(json_object_get(cn, "tax_minor")), decimals, b, sizeof(b)),
			money_format(json_integer_value(json_object_get(cn, "total_minor")), decimals, c, sizeof(c)));
		credit_lines_story(out, json_object_get(cn, "lines"));
	}
}

static void on_audit(const struct store_audit_row *a, void *arg)
{
	struct story *s = arg;
	char ts[CLOCK_ISO_LEN];
	json_t *d = a->detail ? json_loads(a->detail, 0, NULL) : NULL;

	fprintf(s->out, "  %s  %-20s", clock_iso(a->at_ms, ts, sizeof(ts)), a->action);
	if (strcmp(a->action, "transition") == 0)
		fprintf(s->out, " %s -> %s\n", json_string_value(json_object_get(d, "from")),
			json_string_value(json_object_get(d, "to")));
	else if (strcmp(a->action, "operator_request") == 0)   /* a person: say who */
		fprintf(s->out, " by %s: %s\n", a->actor, a->detail ? a->detail : "");
	else
		fprintf(s->out, " %s\n", a->detail ? a->detail : "");
	if (strcmp(a->action, "credit_computed") == 0)
		credit_story(s->out, d);
	json_decref(d);
}

enum err_code cli_explain(FILE *out, struct store *st, const char *rid, int64_t id,
			  struct err *e)
{
	struct story s = { out, 2 };
	enum err_code rc;

	fprintf(out, "return %s\n\nevents received from Rebound\n", rid);
	rc = store_events_list(st, rid, 1000, on_event, &s, e);
	if (rc != ERR_OK)
		return rc;
	fprintf(out, "\nwhat returnbridge decided and did (audit log, oldest first)\n");
	rc = store_audit_list(st, id, on_audit, &s, e);
	if (rc == ERR_OK)
		rc = cli_engine_status(out, st, id, NULL, e);
	return rc;
}
