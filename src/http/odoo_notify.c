/* http/odoo_notify: POST /odoo/notifications/<token>, Odoo's "Send Webhook
 * Notification" automation (Odoo 17+, ir.actions.server state webhook).
 * Odoo sends no credentials, so the path's last part is the secret; a
 * wrong one is a 404 like any unknown path, and counted. The body is what
 * _run_action_webhook posts: {"_action": "Name(#id)", "_id": N, "_model":
 * "stock.picking", plus the fields the rule selects, e.g. "state"}. Odoo
 * waits one second for the answer, so the handler only makes the jobs of
 * returns waiting for the warehouse due now and flags the main loop to
 * wake the engine, which reads all waiting pickings in one call. */
#define LOG_COMPONENT "odoo-webhook"
#include "http/routes.h"

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "rebound/webhook_auth.h"
#include "util/clock.h"
#include "util/log.h"

#define PREFIX "/odoo/notifications/"
#define ENDPOINT "/odoo/notifications"

/* The same 404 the router gives an unknown path: the route is not shown
 * to whoever guesses. */
static void not_found(struct http_ctx *ctx, const char *reason,
		      struct http_response *resp)
{
	struct err e = ERR_INIT;

	log_warn("refused a request at %s: %s", ENDPOINT, reason);
	if (store_rejection_add(ctx->st, ENDPOINT, reason, NULL, &e) != ERR_OK)
		log_err("could not count the refusal: %s", e.msg);
	http_response_error(resp, 404, "not_found", "no such endpoint");
}

/* NULL when the token is right, else the reason counted */
static const char *check_token(struct http_ctx *ctx, const char *path)
{
	const char *sent = path + strlen(PREFIX), *want;
	const char *why = NULL;

	pthread_rwlock_rdlock(ctx->cfg_lock);
	want = (*ctx->cfg)->odoo_webhook_token;
	if (!want || !*want)
		why = "not_configured";
	else if (!*sent)
		why = "missing_token";
	else if (!wh_same_secret(sent, strlen(sent), want, strlen(want)))
		why = "bad_token";
	pthread_rwlock_unlock(ctx->cfg_lock);
	return why;
}

void http_odoo_notification(const struct http_request *req,
			    struct http_response *resp, void *arg)
{
	struct http_ctx *ctx = arg;
	struct err e = ERR_INIT;
	json_error_t jerr;
	json_t *body = NULL;
	const char *raw, *why, *model;
	size_t len = 0;
	int changed = 0;

	if (strcmp(http_request_method(req), "POST") != 0) {
		http_response_error(resp, 404, "not_found", "no such endpoint");
		return;
	}
	why = check_token(ctx, http_request_path(req));
	if (why) {
		not_found(ctx, why, resp);
		return;
	}
	raw = http_request_body(req, &len);
	body = json_loadb(raw ? raw : "", len, 0, &jerr);
	if (!json_is_object(body)) {
		log_warn("refused a body at %s: %s", ENDPOINT, body ? "not a JSON object" : jerr.text);
		http_response_error(resp, 400, "malformed_json",
				    body ? "the body must be a JSON object" : jerr.text);
		goto out;
	}
	model = json_string_value(json_object_get(body, "_model"));
	if (model && strcmp(model, "stock.picking") != 0) {
		log_info("odoo notification for %s ignored: only stock.picking matters", model);
		buf_adds(&resp->body, "{\"status\":\"ignored\",\"reason\":\"only stock.picking notifications are used\"}\n");
		goto out;
	}
	if (store_jobs_due_now_state(ctx->st, "AWAITING_RECEIPT", clock_now_ms(),
				     &changed, &e) != ERR_OK) {
		/* Odoo does not retry; the next regular poll still finds it */
		log_warn("odoo notification: could not make waiting returns due: %s", e.msg);
		http_response_error(resp, 503, "store_unavailable", "retry later");
		goto out;
	}
	atomic_store(&ctx->odoo_wake, true);
	log_info("odoo notification (%s #%" JSON_INTEGER_FORMAT "): %d waiting return(s) to check now",
		 json_string_value(json_object_get(body, "_action")) ?
		 json_string_value(json_object_get(body, "_action")) : "picking",
		 json_integer_value(json_object_get(body, "_id")), changed);
	buf_adds(&resp->body, "{\"status\":\"accepted\"}\n");
out:
	json_decref(body);
}
