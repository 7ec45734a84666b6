/* http/webhook: Rebound's notification endpoints. Order matters: content
 * type, then authentication (nothing stored on failure, but counted), then
 * the intake, whose group commit returns only once the event is on disk —
 * and only then is the 2xx written. */
#define LOG_COMPONENT "webhook"
#include "http/routes.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rebound/webhook_auth.h"
#include "util/clock.h"
#include "util/log.h"

static const char *header_of(void *arg, const char *name)
{
	return http_request_header(arg, name);
}

static int is_json(const char *ctype)
{
	size_t n = strlen("application/json");

	if (!ctype || strncasecmp(ctype, "application/json", n) != 0)
		return 0;
	return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

static void refuse(const struct http_ctx *ctx, const char *endpoint,
		   enum wh_verdict v, const char *detail,
		   struct http_response *resp)
{
	struct err e = ERR_INIT;

	log_warn("refused a notification at %s: %s (%s)", endpoint, wh_verdict_name(v), detail);
	if (store_rejection_add(ctx->st, endpoint, wh_verdict_name(v), detail, &e) != ERR_OK)
		log_err("could not count the refusal: %s", e.msg);
	http_response_error(resp, 401, "unauthorized", detail);
}

static void answer(const struct intake_result *r, struct http_response *resp)
{
	switch (r->outcome) {
	case INTAKE_ACCEPTED:
		buf_addf(&resp->body, "{\"status\":\"accepted\",\"event_id\":%lld}\n", (long long)r->event_id);
		return;
	case INTAKE_DUPLICATE:
		buf_addf(&resp->body, "{\"status\":\"duplicate\",\"event_id\":%lld}\n", (long long)r->event_id);
		return;
	case INTAKE_PARKED:
		/* a 200: Rebound must not retry what retrying cannot fix */
		buf_addf(&resp->body, "{\"status\":\"parked\",\"event_id\":%lld,\"reason\":",
			 (long long)r->event_id);
		http_json_string(&resp->body, r->reason);
		buf_adds(&resp->body, "}\n");
		return;
	case INTAKE_MALFORMED:
		http_response_error(resp, 400, "malformed_json", r->reason);
		return;
	case INTAKE_NOT_REBOUND:
		http_response_error(resp, 400, "not_a_rebound_notification", r->reason);
		return;
	}
	BUG("intake outcome %d", (int)r->outcome);
}

struct pending_answer {
	struct http_request *req;
	const char *endpoint;
};

static void report(const struct intake_result *r, const char *endpoint)
{
	if (r->outcome == INTAKE_PARKED)
		log_warn("notification at %s stored as event %lld but parked: %s", endpoint,
			 (long long)r->event_id, r->reason);
	else if (r->outcome == INTAKE_MALFORMED || r->outcome == INTAKE_NOT_REBOUND)
		log_warn("refused a body at %s: %s", endpoint, r->reason);
}

/* Committer thread, after the commit: only now may the 2xx go out. */
static void committed(void *arg, enum err_code rc, const struct intake_result *r,
		      const struct err *e)
{
	struct pending_answer *pa = arg;
	struct http_response *resp = http_deferred_response(pa->req);

	(void)e;
	if (rc != ERR_OK) {
		http_response_error(resp, 503, "store_unavailable",
				    "the notification could not be stored; retry later");
	} else {
		report(r, pa->endpoint);
		answer(r, resp);
	}
	http_complete(pa->req);
	free(pa);
}

static void receive(const struct http_request *req, struct http_response *resp,
		    struct http_ctx *ctx, enum intake_kind kind,
		    enum cfg_webhook_endpoint ep, const char *endpoint)
{
	struct intake_prepared *prepared = NULL;
	struct pending_answer *pa;
	struct intake_result r;
	char detail[256];
	enum wh_verdict v;
	const char *body;
	size_t len = 0;

	if (!is_json(http_request_header(req, "Content-Type"))) {
		http_response_error(resp, 415, "unsupported_media_type",
				    "send the notification as Content-Type: application/json");
		return;
	}
	body = http_request_body(req, &len);
	pthread_rwlock_rdlock(ctx->cfg_lock);
	v = wh_check(&(*ctx->cfg)->webhook[ep], header_of, (void *)req, body, len,
		     clock_now_ms() / 1000, detail, sizeof(detail));
	pthread_rwlock_unlock(ctx->cfg_lock);
	if (v != WH_OK) {
		refuse(ctx, endpoint, v, detail, resp);
		return;
	}
	if (!intake_prepare(kind, "webhook", body, len, &prepared, &r)) {
		report(&r, endpoint);
		answer(&r, resp);
		return;
	}
	pa = calloc(1, sizeof(*pa));
	if (!pa) {
		intake_prepared_free(prepared);
		http_response_error(resp, 503, "out_of_memory", "retry later");
		return;
	}
	/* this HTTP thread goes back to other connections; the committer
	 * answers this one after the commit */
	pa->req = http_defer(req);
	pa->endpoint = endpoint;
	intake_committer_enqueue(ctx->intake, prepared, committed, pa);
}

void http_webhook_tracking(const struct http_request *req,
			   struct http_response *resp, void *arg)
{
	receive(req, resp, arg, INTAKE_TRACKING, CFG_WEBHOOK_TRACKING, "/rebound/tracking");
}

void http_webhook_refund_trigger(const struct http_request *req,
				 struct http_response *resp, void *arg)
{
	receive(req, resp, arg, INTAKE_REFUND_TRIGGER, CFG_WEBHOOK_REFUND_TRIGGER,
		"/rebound/refund-trigger");
}
