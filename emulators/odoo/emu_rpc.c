/* emu_rpc: JSON-RPC dispatch, method tables and the error envelope. */
#define LOG_COMPONENT "odoo-emu"
#include "emu_rpc.h"

#include <stdio.h>
#include <string.h>

#include "emu_account.h"
#include "emu_hooks.h"
#include "emu_json.h"
#include "emu_orm.h"
#include "emu_sale.h"
#include "emu_stock.h"
#include "util/log.h"

json_t *emu_rpc_action(struct emu *db, const char *key)
{
	json_t *t = json_object_get(emu_profile_get(db, "actions"), key);

	return t ? json_deep_copy(t) : json_object();
}

json_int_t emu_rpc_view_id(struct emu *db, const char *model)
{
	return json_integer_value(json_object_get(emu_profile_get(db, "views"), model));
}

/* ---- generic ORM methods ---- */

static long kw_long(struct emu_call *c, const char *k, size_t pos, long dflt)
{
	json_t *v = json_object_get(c->kw, k);

	if (!v)
		v = json_array_get(c->args, pos);
	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static json_t *kw_get(struct emu_call *c, const char *k, size_t pos)
{
	json_t *v = json_object_get(c->kw, k);

	return v ? v : json_array_get(c->args, pos);
}

/* The domain, positional or domain= (search, search_count, search_read). */
static json_t *domain_arg(struct emu_call *c)
{
	return kw_get(c, "domain", 0);
}

static enum err_code m_search(struct emu_call *c, json_t **res)
{
	return emu_orm_search(c->db, c->m, domain_arg(c),
			      json_string_value(kw_get(c, "order", 3)),
			      kw_long(c, "offset", 1, 0), kw_long(c, "limit", 2, -1),
			      res, c->x);
}

static enum err_code m_search_count(struct emu_call *c, json_t **res)
{
	json_t *ids = NULL;
	enum err_code rc = emu_orm_search(c->db, c->m, domain_arg(c),
					  NULL, 0, kw_long(c, "limit", 1, -1), &ids, c->x);

	if (rc == ERR_OK)
		*res = json_integer((json_int_t)json_array_size(ids));
	json_decref(ids);
	return rc;
}

static enum err_code m_search_read(struct emu_call *c, json_t **res)
{
	json_t *ids = NULL;
	json_t *fields = kw_get(c, "fields", 1);
	enum err_code rc;

	/* Odoo checks the field names before it searches */
	ids = json_array();
	rc = emu_orm_read(c->db, c->m, ids, fields, res, c->x);
	json_decref(ids);
	ids = NULL;
	json_decref(*res);
	*res = NULL;
	if (rc != ERR_OK)
		return rc;
	rc = emu_orm_search(c->db, c->m, domain_arg(c),
			    json_string_value(kw_get(c, "order", 4)),
			    kw_long(c, "offset", 2, 0), kw_long(c, "limit", 3, -1),
			    &ids, c->x);
	if (rc == ERR_OK)
		rc = emu_orm_read(c->db, c->m, ids, fields, res, c->x);
	json_decref(ids);
	return rc;
}

static enum err_code m_read(struct emu_call *c, json_t **res)
{
	return emu_orm_read(c->db, c->m, c->ids, kw_get(c, "fields", 1), res, c->x);
}

static enum err_code m_create(struct emu_call *c, json_t **res)
{
	json_t *vals = json_array_get(c->args, 0), *list, *v;
	enum err_code rc = ERR_OK;
	size_t i;

	if (json_is_array(vals))
		list = json_incref(vals);
	else if (vals)
		list = json_pack("[O]", vals);
	else
		list = json_pack("[{}]");
	*res = json_array();
	json_array_foreach(list, i, v) {
		int64_t id = 0;

		rc = emu_orm_create(c->db, c->m, v, c->ctx, &id, c->x);
		if (rc != ERR_OK)
			break;
		json_array_append_new(*res, json_integer(id));
	}
	json_decref(list);
	if (rc == ERR_OK && !json_is_array(vals)) {
		json_t *one = json_incref(json_array_get(*res, 0));

		json_decref(*res);
		*res = one;
	}
	return rc;
}

static enum err_code m_write(struct emu_call *c, json_t **res)
{
	enum err_code rc = emu_orm_write(c->db, c->m, c->ids,
					 json_array_get(c->args, 1), c->x);

	if (rc == ERR_OK)
		*res = json_true();
	return rc;
}

static enum err_code m_unlink(struct emu_call *c, json_t **res)
{
	enum err_code rc = emu_orm_unlink(c->db, c->m, c->ids, c->x);

	if (rc == ERR_OK)
		*res = json_true();
	return rc;
}

static enum err_code m_fields_get(struct emu_call *c, json_t **res)
{
	*res = emu_orm_fields_get(c->m, kw_get(c, "attributes", 1));
	return ERR_OK;
}

/* mail.thread message_post: a plain-text body is escaped and put in a
 * paragraph, as Odoo does (l.message_post / l.message_read). */
static enum err_code m_message_post(struct emu_call *c, json_t **res)
{
	struct emu_model *mm = emu_model(c->db, "mail.message");
	const char *body = json_string_value(json_object_get(c->kw, "body"));
	const char *xmlid = json_string_value(json_object_get(c->kw, "subtype_xmlid"));
	const char *mtype = json_string_value(json_object_get(c->kw, "message_type"));
	struct buf html = BUF_INIT(1 << 20);
	json_t *rec;
	enum err_code rc;

	rc = emu_orm_check_exist(c->m, c->ids, c->x);
	if (rc == ERR_OK)   /* x.user_message_post_no_email */
		rc = emu_account_check_sender(c);
	if (rc != ERR_OK || !mm)
		return rc;
	emu_account_html(body, &html);
	rec = emu_rec_new(mm);
	emu_set_str(rec, "body", buf_str(&html));
	emu_set_str(rec, "message_type", mtype ? mtype : "notification");
	emu_set_m2o(rec, "subtype_id", xmlid && strcmp(xmlid, "mail.mt_note") == 0 ? 2 : 1);
	emu_set_str(rec, "model", c->m->name);
	emu_set_int(rec, "res_id", json_integer_value(json_array_get(c->ids, 0)));
	emu_set_m2o(rec, "author_id", emu_account_user_partner(c->db, c->uid));
	buf_release(&html);
	*res = json_incref(json_object_get(rec, "id"));
	return ERR_OK;
}

struct generic {
	const char *name;
	bool on_records;
	bool writes;
	emu_method_fn *fn;
};

static const struct generic generic_methods[] = {
	{ "search", false, false, m_search },
	{ "search_count", false, false, m_search_count },
	{ "search_read", false, false, m_search_read },
	{ "read", true, false, m_read },
	{ "create", false, true, m_create },
	{ "write", true, true, m_write },
	{ "unlink", true, true, m_unlink },
	{ "fields_get", false, false, m_fields_get },
	{ "message_post", true, true, m_message_post },
};

static const struct emu_method *find_method(struct emu *db, const char *model,
					    const char *name)
{
	const struct emu_method *tables[] = { emu_stock_methods, emu_sale_methods,
					       emu_account_methods };
	size_t t;

	for (t = 0; t < ARRAY_LEN(tables); t++) {
		const struct emu_method *mt;

		for (mt = tables[t]; mt->model; mt++)
			if (strcmp(mt->model, model) == 0 && strcmp(mt->name, name) == 0 &&
			    (mt->profile == 0 || mt->profile == db->profile))
				return mt;
	}
	return NULL;
}

static const struct generic *find_generic(struct emu_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(generic_methods); i++) {
		if (strcmp(generic_methods[i].name, name) != 0)
			continue;
		if (strcmp(name, "message_post") == 0 &&
		    !json_is_true(json_object_get(m->spec, "mail_thread")))
			return NULL;
		return &generic_methods[i];
	}
	return NULL;
}

/* ---- services ---- */

static int64_t check_login(struct emu *db, const char *login, const char *pw)
{
	struct emu_model *users = emu_model(db, "res.users");
	json_t *r;
	size_t i;

	if (!users || !login || !pw)
		return 0;
	json_array_foreach(emu_recs(users), i, r)
		if (strcmp(emu_str(r, "login"), login) == 0 &&
		    strcmp(emu_str(r, "__password"), pw) == 0)
			return json_integer_value(json_object_get(r, "id"));
	return 0;
}

static bool check_uid(struct emu *db, json_int_t uid, const char *pw)
{
	struct emu_model *users = emu_model(db, "res.users");
	json_t *r = users ? emu_rec(users, uid) : NULL;

	return r && pw && strcmp(emu_str(r, "__password"), pw) == 0;
}

static enum err_code svc_common(struct emu *db, const char *method,
				json_t *args, json_t **res, struct emu_exc *x)
{
	if (strcmp(method, "version") == 0) {
		*res = json_deep_copy(emu_profile_get(db, "version"));
		return ERR_OK;
	}
	if (strcmp(method, "login") == 0 || strcmp(method, "authenticate") == 0) {
		int64_t uid = check_login(db, json_string_value(json_array_get(args, 1)),
					  json_string_value(json_array_get(args, 2)));

		/* a bad password is a false result here, not an error */
		*res = uid ? json_integer(uid) : json_false();
		return ERR_OK;
	}
	return emu_raise(x, EXC_ATTR, "'common' service has no method '%s'", method);
}

static enum err_code method_lookup(struct emu *db, struct emu_model *m,
				   const char *method,
				   const struct emu_method **special,
				   const struct generic **gen,
				   struct emu_exc *x)
{
	*special = find_method(db, m->name, method);
	*gen = *special ? NULL : find_generic(m, method);
	if (db->profile >= 18) {
		/* 18 looks the method up first, then refuses private names
		 * (m.unknown_method, m.private_method) */
		bool known = *special || *gen ||
			json_is_true(json_object_get(json_object_get(m->spec, "private_methods"), method));

		if (!known)
			return emu_raise(x, EXC_ATTR, "The method '%s.%s' does not exist",
					 m->name, method);
		if (method[0] == '_')
			return emu_raise(x, EXC_ACCESS,
					 "Private methods (such as '%s.%s') cannot be called remotely.",
					 m->name, method);
		return ERR_OK;
	}
	if (method[0] == '_')
		return emu_raise(x, EXC_ACCESS,
				 "Private methods (such as %s) cannot be called remotely.", method);
	if (!*special && !*gen)   /* not recorded: Python's getattr message */
		return emu_raise(x, EXC_ATTR, "type object '%s' has no attribute '%s'",
				 m->name, method);
	return ERR_OK;
}

static bool method_writes(const struct generic *gen)
{
	return !gen || gen->writes;
}

static enum err_code svc_object(struct emu *db, json_t *args, json_t **res,
				struct emu_exc *x)
{
	const char *model = json_string_value(json_array_get(args, 3));
	const char *method = json_string_value(json_array_get(args, 4));
	json_t *margs = json_array_get(args, 5), *kw = json_array_get(args, 6);
	const struct emu_method *special = NULL;
	const struct generic *gen = NULL;
	struct emu_call c = { 0 };
	json_t *ids = NULL;
	bool writes;
	json_t *own_args, *own_kw, *own_ctx;
	enum err_code rc;

	if (!check_uid(db, json_integer_value(json_array_get(args, 1)),
		       json_string_value(json_array_get(args, 2))))
		return emu_raise(x, EXC_DENIED, "Access Denied");
	if (!model || !method)
		return emu_raise(x, EXC_TYPE, "execute_kw() missing required positional arguments");
	c.m = emu_model(db, model);
	if (!c.m)
		return emu_raise(x, EXC_USER, "Object %s doesn't exist", model);
	rc = method_lookup(db, c.m, method, &special, &gen, x);
	if (rc != ERR_OK)
		return rc;
	c.db = db;
	c.x = x;
	c.uid = json_integer_value(json_array_get(args, 1));
	own_args = json_is_array(margs) ? json_incref(margs) : json_array();
	own_kw = json_is_object(kw) ? json_incref(kw) : json_object();
	own_ctx = json_object_get(own_kw, "context");
	own_ctx = json_is_object(own_ctx) ? json_incref(own_ctx) : json_object();
	c.args = own_args;
	c.kw = own_kw;
	c.ctx = own_ctx;
	ids = json_array_get(c.args, 0);
	c.ids = json_is_array(ids) ? json_incref(ids) :
		json_is_integer(ids) ? json_pack("[O]", ids) : json_array();
	writes = method_writes(gen);
	if (writes)
		emu_txn_begin(db);
	rc = special ? special->fn(&c, res) : gen->fn(&c, res);
	/* the transaction rolls back on an error; computed fields are derived
	 * again either way (a recompute inside the call may have set them) */
	if (writes && rc != ERR_OK)
		emu_txn_rollback(db);
	else if (writes)
		emu_txn_commit(db);
	if (writes)
		emu_hook_recompute(db);
	json_decref(c.ids);
	json_decref(own_args);
	json_decref(own_kw);
	json_decref(own_ctx);
	if (rc != ERR_OK) {
		json_decref(*res);
		*res = NULL;
	}
	return rc;
}

/* The exception's last traceback line, as Python prints it. */
static void debug_text(const struct emu_exc *x, struct buf *b)
{
	const char *cls = x->name;

	if (strncmp(cls, "builtins.", 9) == 0)
		cls += 9;
	buf_adds(b, "Traceback (most recent call last):\n"
		 "  File \"odoo-emu\", line 1, in execute_kw\n");
	buf_addf(b, "%s: %s", cls, x->msg);
}

static json_t *error_body(json_t *id, const struct emu_exc *x)
{
	struct buf dbg = BUF_INIT(8192);
	json_t *o;

	debug_text(x, &dbg);
	o = json_pack("{s:s,s:O,s:{s:i,s:s,s:{s:s,s:s,s:s,s:[s],s:{}}}}",
		      "jsonrpc", "2.0", "id", id ? id : json_null(),
		      "error", "code", 200, "message", "Odoo Server Error",
		      "data", "name", x->name, "debug", buf_str(&dbg),
		      "message", x->msg, "arguments", x->msg, "context");
	buf_release(&dbg);
	return o;
}

void emu_rpc_error_reply(const char *body, size_t len, const char *name,
			 const char *msg, struct buf *out)
{
	struct emu_exc x = { NULL, "" };
	json_t *req = json_loadb(body, len, 0, NULL), *reply;

	(void)emu_raise(&x, name, "%s", msg);
	reply = error_body(json_object_get(req, "id"), &x);
	emu_json_dump(out, reply);
	json_decref(reply);
	json_decref(req);
}

void emu_rpc_handle(struct emu *db, const char *body, size_t len,
		    struct buf *out)
{
	struct emu_exc x = { NULL, "" };
	json_t *req, *params, *id, *res = NULL, *reply;
	const char *service, *method;
	json_error_t je;
	enum err_code rc;

	req = json_loadb(body, len, 0, &je);
	params = json_object_get(req, "params");
	id = json_object_get(req, "id");
	service = json_string_value(json_object_get(params, "service"));
	method = json_string_value(json_object_get(params, "method"));
	if (!req || !service || !method) {
		rc = emu_raise(&x, EXC_VALUE, "bad JSON-RPC request: %s",
			       req ? "params.service and params.method are required" : je.text);
	} else if (strcmp(service, "common") == 0) {
		rc = svc_common(db, method, json_object_get(params, "args"), &res, &x);
	} else if (strcmp(service, "object") == 0 && strcmp(method, "execute_kw") == 0) {
		rc = svc_object(db, json_object_get(params, "args"), &res, &x);
	} else {
		rc = emu_raise(&x, EXC_ATTR, "service %s has no method %s", service, method);
	}
	if (rc != ERR_OK) {
		reply = error_body(id, &x);
		log_debug("%s: %s", x.name, x.msg);
	} else {
		reply = json_pack("{s:s,s:O}", "jsonrpc", "2.0", "id", id ? id : json_null());
		if (res)   /* a Python None is a reply without "result" */
			json_object_set(reply, "result", res);
	}
	emu_json_dump(out, reply);
	json_decref(reply);
	json_decref(res);
	json_decref(req);
}
