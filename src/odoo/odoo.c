/* odoo/odoo: client lifecycle, connect and version detection, execute_kw. */
#define LOG_COMPONENT "odoo"
#include "odoo/odoo.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define CURRENCY_CACHE 16

struct odoo {
	struct rpc *rpc;
	char *database;
	char *user;
	char *api_key;
	struct odoo_server server;
	size_t ncur;
	struct { int64_t id; int decimals; } cur[CURRENCY_CACHE];
};

enum err_code odoo_new(const struct odoo_opts *o, struct odoo **out,
		       struct err *e)
{
	struct rpc_opts ro = {
		.url = o->url, .timeout_ms = o->timeout_ms,
		.connect_timeout_ms = o->connect_timeout_ms,
		.read_attempts = o->read_attempts, .backoff_ms = o->backoff_ms,
		.max_reply_bytes = 64u * 1024 * 1024,
	};
	struct odoo *c;
	enum err_code rc;

	*out = NULL;
	if (!o->database || !*o->database || !o->user || !*o->user || !o->api_key)
		return err_set(e, ERR_CONFIG, "odoo.database, odoo.user and odoo.api_key must be set");
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = rpc_new(&ro, &c->rpc, e);
	if (rc != ERR_OK) {
		free(c);
		return rc;
	}
	c->database = strdup(o->database);
	c->user = strdup(o->user);
	c->api_key = strdup(o->api_key);
	if (!c->database || !c->user || !c->api_key) {
		odoo_free(c);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	*out = c;
	return ERR_OK;
}

enum err_code odoo_new_from_cfg(const struct cfg *cf, struct odoo **out,
				struct err *e)
{
	struct odoo_opts o = {
		.url = cf->odoo_url, .database = cf->odoo_database,
		.user = cf->odoo_user, .api_key = cf->odoo_api_key,
		.timeout_ms = cf->odoo_timeout_ms,
		.connect_timeout_ms = cf->odoo_connect_timeout_ms,
		.read_attempts = (int)cf->odoo_read_attempts,
		.backoff_ms = cf->odoo_retry_backoff_ms,
	};

	if (!*cf->odoo_url)
		return err_set(e, ERR_CONFIG, "odoo.url is not set in %s",
			       *cf->source ? cf->source : "the configuration");
	return odoo_new(&o, out, e);
}

void odoo_free(struct odoo *c)
{
	if (!c)
		return;
	rpc_free(c->rpc);
	if (c->api_key)
		explicit_bzero(c->api_key, strlen(c->api_key));
	free(c->api_key);
	free(c->user);
	free(c->database);
	free(c);
}

struct rpc *odoo_rpc(struct odoo *c)
{
	return c->rpc;
}

const struct odoo_server *odoo_server(const struct odoo *c)
{
	return &c->server;
}

const struct profile *odoo_profile(const struct odoo *c)
{
	return c->server.profile;
}

enum err_code odoo_execute(struct odoo *c, const char *model,
			   const char *method, json_t *args_own,
			   json_t *kwargs_own, json_t **result,
			   struct rpc_fault *f, struct err *e)
{
	json_t *args;

	*result = NULL;
	if (!kwargs_own)
		kwargs_own = json_object();
	if (c->server.uid == 0) {
		json_decref(args_own);
		json_decref(kwargs_own);
		return err_set(e, ERR_INTERNAL, "odoo: execute before connect");
	}
	args = json_pack("[s, I, s, s, s, o, o]", c->database,
			 (json_int_t)c->server.uid, c->api_key, model, method,
			 args_own, kwargs_own);
	return rpc_call(c->rpc, "object", "execute_kw", args,
			rpc_method_effect(method), model, method, result, f, e);
}

/* fields_get(attributes=[type]) of model; NULL result when it fails (a
 * user without access to a wizard model still connects). */
static enum err_code fields_of(struct odoo *c, const char *model, json_t **out,
			       struct err *e)
{
	return odoo_execute(c, model, "fields_get", json_array(),
			    json_pack("{s:[s, s]}", "attributes", "type", "relation"),
			    out, NULL, e);
}

enum err_code odoo_connect(struct odoo *c, struct err *e)
{
	struct profile_facts facts;
	json_t *version = NULL, *uid = NULL, *wiz = NULL, *move = NULL;
	enum err_code rc;

	memset(&c->server, 0, sizeof(c->server));
	rc = rpc_call(c->rpc, "common", "version", json_array(), RPC_READ,
		      "common", "version", &version, NULL, e);
	if (rc != ERR_OK)
		goto out;
	rc = profile_read_version(version, &facts, e);
	if (rc != ERR_OK)
		goto out;
	snprintf(c->server.server_version, sizeof(c->server.server_version),
		 "%s", facts.server_version);
	c->server.major = facts.major;
	rc = rpc_call(c->rpc, "common", "authenticate",
		      json_pack("[s, s, s, {}]", c->database, c->user, c->api_key),
		      RPC_READ, "common", "authenticate", &uid, NULL, e);
	if (rc != ERR_OK)
		goto out;
	if (!json_is_integer(uid) || json_integer_value(uid) <= 0) {
		/* Odoo answers a wrong login or key with false, not an error */
		rc = err_set(e, ERR_DENIED, "Odoo refused the login \"%s\" on database \"%s\": check odoo.user and odoo.api_key (an API key from the user's Preferences > Account Security)",
			     c->user, c->database);
		goto out;
	}
	c->server.uid = (int64_t)json_integer_value(uid);
	if (fields_of(c, "stock.return.picking", &wiz, e) != ERR_OK ||
	    fields_of(c, "stock.move", &move, e) != ERR_OK)
		log_warn("fields_get failed (%s); choosing the profile by version only",
			 e ? e->msg : "");
	profile_read_fields(wiz, move, &facts);
	rc = profile_choose(&facts, &c->server.profile, c->server.reason,
			    sizeof(c->server.reason), e);
	if (rc != ERR_OK)
		goto out;
	log_info("connected to odoo %s as uid %" PRId64 ": %s",
		 c->server.server_version, c->server.uid, c->server.reason);
	if (!c->server.profile->verified)
		log_warn("odoo profile %d is not verified against a real server yet; run `returnbridge doctor`",
			 c->server.profile->major);
out:
	json_decref(version);
	json_decref(uid);
	json_decref(wiz);
	json_decref(move);
	if (rc != ERR_OK)
		c->server.uid = 0;
	return rc;
}

void odoo_currency_set(struct odoo *c, int64_t currency_id, int decimals)
{
	size_t i;

	for (i = 0; i < c->ncur; i++) {
		if (c->cur[i].id == currency_id) {
			c->cur[i].decimals = decimals;
			return;
		}
	}
	if (c->ncur == CURRENCY_CACHE)
		c->ncur--; /* forget the newest: a shop has few currencies */
	c->cur[c->ncur].id = currency_id;
	c->cur[c->ncur].decimals = decimals;
	c->ncur++;
}

enum err_code odoo_currency_decimals(struct odoo *c, int64_t currency_id,
				     int *out, struct err *e)
{
	json_t *res = NULL;
	json_t *dp;
	size_t i;
	enum err_code rc;

	for (i = 0; i < c->ncur; i++) {
		if (c->cur[i].id == currency_id) {
			*out = c->cur[i].decimals;
			return ERR_OK;
		}
	}
	rc = odoo_execute(c, "res.currency", "read",
			  json_pack("[[I]]", (json_int_t)currency_id),
			  json_pack("{s:[s]}", "fields", "decimal_places"), &res,
			  NULL, e);
	if (rc != ERR_OK)
		return rc;
	dp = json_object_get(json_array_get(res, 0), "decimal_places");
	if (!json_is_integer(dp) || json_integer_value(dp) < 0 ||
	    json_integer_value(dp) > 6) {
		json_decref(res);
		return err_set(e, ERR_NOT_FOUND, "currency %" PRId64 " has no usable decimal_places",
			       currency_id);
	}
	*out = (int)json_integer_value(dp);
	json_decref(res);
	odoo_currency_set(c, currency_id, *out);
	return ERR_OK;
}
