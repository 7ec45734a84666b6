/* odoo/doctor: readiness checks of an Odoo database, for people. */
#define LOG_COMPONENT "odoo"
#include "odoo/doctor.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "odoo/field.h"
#include "util/buf.h"

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "FAIL";
	}
	return "?";
}

static void add(struct doctor_report *rep, enum doctor_status st,
		const char *title, const char *fmt, ...) PRINTF_LIKE(4, 5);

static void add(struct doctor_report *rep, enum doctor_status st,
		const char *title, const char *fmt, ...)
{
	struct doctor_check *ck;
	va_list ap;

	if (st == DOCTOR_WARN)
		rep->warnings++;
	if (st == DOCTOR_FAIL)
		rep->failures++;
	if (rep->n == DOCTOR_MAX_CHECKS)
		return;
	ck = &rep->items[rep->n++];
	ck->status = st;
	snprintf(ck->title, sizeof(ck->title), "%s", title);
	va_start(ap, fmt);
	vsnprintf(ck->detail, sizeof(ck->detail), fmt, ap);
	va_end(ap);
}

/* --- connection ----------------------------------------------------------- */

static bool check_connect(struct odoo *c, const struct cfg *cf,
			  struct doctor_report *rep)
{
	const struct odoo_server *s;
	struct err e = ERR_INIT;
	enum err_code rc;

	rc = odoo_connect(c, &e);
	if (rc != ERR_OK) {
		const char *hint = "";

		if (rc == ERR_IO)
			hint = " Is odoo.url right, and does Odoo answer from this machine (firewall, proxy)?";
		else if (rc == ERR_CONFIG)
			hint = " odoo.url must be the address of Odoo itself (the one you open in a browser), without /web or /jsonrpc.";
		else if (rc == ERR_DENIED)
			hint = " Create an API key for that user (Preferences > Account Security > New API Key) and set odoo.api_key to it.";
		add(rep, DOCTOR_FAIL, "connect", "cannot use Odoo at %s: %s.%s", cf->odoo_url,
		    e.msg, hint);
		return false;
	}
	s = odoo_server(c);
	add(rep, DOCTOR_OK, "connect", "Odoo %s on database \"%s\", logged in as \"%s\" (uid %" PRId64 ")",
	    s->server_version, cf->odoo_database, cf->odoo_user, s->uid);
	if (s->profile->verified)
		add(rep, DOCTOR_OK, "version profile", "profile %d: %s", s->profile->major, s->reason);
	else
		add(rep, DOCTOR_WARN, "version profile",
		    "profile %d is detected but NOT verified: returnbridge is tested against recorded replies of Odoo 17 and 18 only, and the differences of %d are not implemented yet (%s). Do not go live on it before it is.",
		    s->profile->major, s->profile->major, s->reason);
	return true;
}

/* --- access rights -------------------------------------------------------- */

static const struct {
	const char *model;
	const char *ops;           /* r c w, the rights the flow uses */
	const char *group;         /* the group that usually grants them */
} rights[] = {
	{ "sale.order", "rw", "Sales / User: All Documents" },
	{ "sale.order.line", "r", "Sales / User: All Documents" },
	{ "product.product", "r", "Sales / User: All Documents" },
	{ "res.currency", "r", "Internal User" },
	{ "stock.picking", "rcw", "Inventory / User" },
	{ "stock.move", "rcw", "Inventory / User" },
	{ "stock.move.line", "rw", "Inventory / User" },
	{ "stock.return.picking", "rcw", "Inventory / User" },
	{ "stock.location", "r", "Inventory / User" },
	{ "stock.quant", "r", "Inventory / User" },
	{ "stock.scrap", "rc", "Inventory / User" },
	{ "account.move", "rcw", "Invoicing / Billing" },
	{ "account.move.line", "r", "Invoicing / Billing" },
	{ "account.journal", "r", "Invoicing / Billing" },
	{ "mail.message", "c", "Internal User" },
};

static const char *op_name(char op)
{
	return op == 'r' ? "read" : op == 'c' ? "create" : "write";
}

static void check_rights(struct odoo *c, struct doctor_report *rep)
{
	struct buf missing = BUF_INIT(2048);
	struct err e = ERR_INIT;
	json_t *res;
	const char *op;
	size_t i;
	int ok = 0, unknown = 0;

	for (i = 0; i < ARRAY_LEN(rights); i++) {
		for (op = rights[i].ops; *op; op++) {
			res = NULL;
			/* check_access_rights is deprecated in 18 but still
			 * there, with the same answer; has_access is 18+ only */
			if (odoo_execute(c, rights[i].model, "check_access_rights",
					 json_pack("[s]", op_name(*op)),
					 json_pack("{s:b}", "raise_exception", 0),
					 &res, NULL, &e) != ERR_OK) {
				unknown++;
				buf_addf(&missing, "%s%s %s (could not check: %s)",
					 missing.len ? "; " : "", op_name(*op),
					 rights[i].model, e.msg);
			} else if (json_is_true(res)) {
				ok++;
			} else {
				buf_addf(&missing, "%s%s on %s (group %s)",
					 missing.len ? "; " : "", op_name(*op),
					 rights[i].model, rights[i].group);
			}
			json_decref(res);
		}
	}
	if (missing.len == 0)
		add(rep, DOCTOR_OK, "access rights", "the user may do all %d operations the flow uses", ok);
	else
		add(rep, DOCTOR_FAIL, "access rights",
		    "the user lacks: %s. %s",
		    buf_str(&missing), unknown ? "Check odoo.user's groups in Settings > Users"
					       : "Add those groups to the user in Settings > Users");
	buf_release(&missing);
}

/* --- locations ------------------------------------------------------------ */

struct target {
	const char *name;          /* location full name */
	const char *used_by;       /* the config key that names it */
	int64_t id;
	char usage[24];
};

static const char *resolve(const struct cfg *cf, const char *target)
{
	if (strcasecmp(target, "stock") == 0)
		return cf->disposition_stock;
	if (strcasecmp(target, "quarantine") == 0)
		return cf->disposition_quarantine;
	if (strcasecmp(target, "scrap") == 0)
		return cf->disposition_scrap;
	return target;
}

#define MAX_TARGETS 64

static size_t add_target(struct target *t, size_t n, const char *name,
			 const char *used_by)
{
	size_t i;

	if (!name || !*name || n == MAX_TARGETS)
		return n;
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return n;
	t[n].name = name;
	t[n].used_by = used_by;
	return n + 1;
}

static size_t collect_targets(const struct cfg *cf, struct target *t)
{
	const struct cfg_map *maps[] = { &cf->disposition_reason, &cf->disposition_grade };
	const char *names[] = { "disposition.reason", "disposition.grade" };
	size_t n = 0, i, j;

	memset(t, 0, MAX_TARGETS * sizeof(*t));
	n = add_target(t, n, cf->disposition_stock, "disposition.stock");
	n = add_target(t, n, cf->disposition_quarantine, "disposition.quarantine");
	n = add_target(t, n, cf->disposition_scrap, "disposition.scrap");
	n = add_target(t, n, resolve(cf, cf->disposition_default), "disposition.default");
	for (i = 0; i < 2; i++)
		for (j = 0; j < maps[i]->n; j++)
			n = add_target(t, n, resolve(cf, maps[i]->items[j].value), names[i]);
	return n;
}

/* ids of every location inside sellable stock (child_of, itself included) */
static json_t *sellable_ids(struct odoo *c, int64_t stock_id, struct err *e)
{
	json_t *res = NULL;

	if (odoo_execute(c, "stock.location", "search",
			 json_pack("[[[s, s, I]]]", "id", "child_of", (json_int_t)stock_id),
			 NULL, &res, NULL, e) != ERR_OK)
		return NULL;
	return res;
}

static bool in_ids(const json_t *ids, int64_t id)
{
	size_t i;

	for (i = 0; i < json_array_size(ids); i++)
		if ((int64_t)json_integer_value(json_array_get(ids, i)) == id)
			return true;
	return false;
}

static int64_t target_id(const struct target *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].id;
	return 0;
}

static void check_inside_stock(struct odoo *c, const struct cfg *cf,
			       struct target *t, size_t n,
			       struct doctor_report *rep)
{
	const char *keys[] = { "quarantine", "scrap" };
	const char *names[] = { cf->disposition_quarantine, cf->disposition_scrap };
	int64_t stock = target_id(t, n, cf->disposition_stock), id;
	struct err e = ERR_INIT;
	json_t *ids;
	size_t i;

	if (stock == 0)
		return;
	ids = sellable_ids(c, stock, &e);
	if (!ids) {
		add(rep, DOCTOR_FAIL, "quarantine and scrap outside stock",
		    "could not list the locations inside %s: %s", cf->disposition_stock, e.msg);
		return;
	}
	for (i = 0; i < 2; i++) {
		id = target_id(t, n, names[i]);
		if (id == 0)
			continue;
		if (in_ids(ids, id))
			add(rep, DOCTOR_FAIL, "quarantine and scrap outside stock",
			    "%s (disposition.%s) is inside %s, so goods put there count as sellable stock. Move it out: in Inventory > Configuration > Locations, give it the warehouse's view location (e.g. WH) as parent, beside %s, not under it",
			    names[i], keys[i], cf->disposition_stock, cf->disposition_stock);
		else
			add(rep, DOCTOR_OK, "quarantine and scrap outside stock",
			    "%s (disposition.%s) is not inside %s", names[i], keys[i],
			    cf->disposition_stock);
	}
	json_decref(ids);
}

static void check_locations(struct odoo *c, const struct cfg *cf,
			    struct doctor_report *rep)
{
	static const char *const fields[] = { "complete_name", "usage", NULL };
	struct target t[MAX_TARGETS];
	const char *names[MAX_TARGETS];
	struct err e = ERR_INIT;
	json_t *res = NULL, *rec, *flist;
	char cname[256];
	size_t n, i, j;
	int missing = 0;

	n = collect_targets(cf, t);
	for (i = 0; i < n; i++)
		names[i] = t[i].name;
	flist = json_array();
	for (i = 0; fields[i]; i++)
		json_array_append_new(flist, json_string(fields[i]));
	if (odoo_execute(c, "stock.location", "search_read",
			 json_pack("[[[s, s, o]]]", "complete_name", "in",
				   field_str_array(names, n)),
			 json_pack("{s:o}", "fields", flist), &res, NULL, &e) != ERR_OK) {
		add(rep, DOCTOR_FAIL, "disposition locations", "could not read locations: %s", e.msg);
		return;
	}
	for (j = 0; j < json_array_size(res); j++) {
		rec = json_array_get(res, j);
		field_str(rec, "complete_name", cname, sizeof(cname));
		for (i = 0; i < n; i++) {
			if (strcmp(t[i].name, cname) == 0) {
				t[i].id = field_id(rec, "id");
				field_str(rec, "usage", t[i].usage, sizeof(t[i].usage));
			}
		}
	}
	json_decref(res);
	for (i = 0; i < n; i++) {
		if (t[i].id != 0)
			continue;
		missing++;
		add(rep, DOCTOR_FAIL, "disposition locations",
		    "location \"%s\" (named by %s) does not exist in Odoo. Write its full name as Inventory > Configuration > Locations shows it, or create it there",
		    t[i].name, t[i].used_by);
	}
	if (missing == 0)
		add(rep, DOCTOR_OK, "disposition locations",
		    "all %zu locations of the disposition map exist", n);
	if (target_id(t, n, cf->disposition_stock) != 0) {
		for (i = 0; i < n; i++)
			if (strcmp(t[i].name, cf->disposition_stock) == 0 &&
			    strcmp(t[i].usage, "internal") != 0)
				add(rep, DOCTOR_FAIL, "disposition locations",
				    "%s (disposition.stock) has usage \"%s\"; sellable stock must be an internal location such as WH/Stock",
				    t[i].name, t[i].usage);
	}
	check_inside_stock(c, cf, t, n, rep);
}

/* --- journal, email, invoice policy -------------------------------------- */

static void check_journal(struct odoo *c, struct doctor_report *rep)
{
	struct err e = ERR_INIT;
	json_t *res = NULL;
	char name[128];

	if (odoo_execute(c, "account.journal", "search_read",
			 json_pack("[[[s, s, s]]]", "type", "=", "sale"),
			 json_pack("{s:[s, s], s:i}", "fields", "name", "code", "limit", 5),
			 &res, NULL, &e) != ERR_OK) {
		add(rep, DOCTOR_FAIL, "credit note journal", "could not read journals: %s", e.msg);
		return;
	}
	if (json_array_size(res) == 0) {
		add(rep, DOCTOR_FAIL, "credit note journal",
		    "no sales journal: credit notes cannot be created. Set up the chart of accounts (Invoicing > Configuration > Journals)");
	} else {
		field_str(json_array_get(res, 0), "name", name, sizeof(name));
		add(rep, DOCTOR_OK, "credit note journal",
		    "credit notes go to the sales journal \"%s\"%s (Odoo's default for customer credit notes)",
		    name, json_array_size(res) > 1 ? " or the original invoice's" : "");
	}
	json_decref(res);
}

static void check_email(struct odoo *c, const struct cfg *cf,
			struct doctor_report *rep)
{
	struct err e = ERR_INIT;
	json_t *res = NULL;
	char email[256];

	if (odoo_execute(c, "res.users", "read",
			 json_pack("[[I]]", (json_int_t)odoo_server(c)->uid),
			 json_pack("{s:[s, s]}", "fields", "name", "email"), &res, NULL,
			 &e) != ERR_OK) {
		add(rep, DOCTOR_FAIL, "user email", "could not read the user: %s", e.msg);
		return;
	}
	field_str(json_array_get(res, 0), "email", email, sizeof(email));
	if (email[0])
		add(rep, DOCTOR_OK, "user email", "the user has the email address %s", email);
	else
		add(rep, DOCTOR_FAIL, "user email",
		    "user \"%s\" has no email address, and Odoo refuses to post a credit note or a note for a user without one (\"Unable to send message, please configure the sender's email address.\"). Set one in Settings > Users",
		    cf->odoo_user);
	json_decref(res);
}

static void check_invoice_policy(struct odoo *c, struct doctor_report *rep)
{
	struct err e = ERR_INIT;
	json_t *res = NULL;
	struct buf names = BUF_INIT(400);
	char code[96];
	size_t i, n;

	if (odoo_execute(c, "product.product", "search_read",
			 json_pack("[[[s, s, s], [s, s, b]]]", "invoice_policy", "=", "order",
				   "sale_ok", "=", 1),
			 json_pack("{s:[s, s], s:i}", "fields", "default_code", "name",
				   "limit", 6),
			 &res, NULL, &e) != ERR_OK) {
		add(rep, DOCTOR_FAIL, "invoice policy", "could not read products: %s", e.msg);
		return;
	}
	n = json_array_size(res);
	for (i = 0; i < n && i < 5; i++) {
		field_str(json_array_get(res, i), "default_code", code, sizeof(code));
		if (!code[0])
			field_str(json_array_get(res, i), "name", code, sizeof(code));
		buf_addf(&names, "%s%s", i ? ", " : "", code);
	}
	if (n == 0)
		add(rep, DOCTOR_OK, "invoice policy", "no saleable product is invoiced on ordered quantities");
	else
		add(rep, DOCTOR_WARN, "invoice policy",
		    "%s%s %s invoiced on ordered quantities. A credit note linked to such a sale line puts the order back to \"to invoice\" for the returned quantity, so someone pressing Create Invoice would bill the returned goods again. Switch them to \"Delivered quantities\" (Sales tab of the product) or make sure nobody invoices those orders again",
		    buf_str(&names), n > 5 ? " and more" : "", n == 1 ? "is" : "are");
	buf_release(&names);
	json_decref(res);
}

enum err_code doctor_run(struct odoo *c, const struct cfg *cf,
			 struct doctor_report *rep, struct err *e)
{
	(void)e;
	memset(rep, 0, sizeof(*rep));
	if (!check_connect(c, cf, rep))
		return ERR_OK;
	check_rights(c, rep);
	check_locations(c, cf, rep);
	check_journal(c, rep);
	check_email(c, cf, rep);
	check_invoice_policy(c, rep);
	return ERR_OK;
}
