/* http/routes: endpoint handlers. Handlers run on the HTTP thread. */
#define LOG_COMPONENT "http"
#include "http/routes.h"

#include "util/log.h"

/* GET /healthz: the process is alive and serving HTTP. Never touches the
 * store, so a slow disk does not get a healthy process restarted. */
static void healthz(const struct http_request *req, struct http_response *resp,
		    void *arg)
{
	const struct http_ctx *ctx = arg;

	(void)req;
	buf_addf(&resp->body, "{\"status\":\"ok\",\"version\":\"%s\"}\n", ctx->version);
}

/* GET /readyz: the store answers; 503 with the reason otherwise. */
static void readyz(const struct http_request *req, struct http_response *resp,
		   void *arg)
{
	const struct http_ctx *ctx = arg;
	struct err e = ERR_INIT;
	int cur = 0, latest = 0;

	(void)req;
	if (store_ping(ctx->st, &e) != ERR_OK ||
	    store_schema_version(ctx->st, &cur, &latest, &e) != ERR_OK) {
		log_warn("readiness: store not reachable: %s", e.msg);
		http_response_error(resp, 503, "store_unavailable", e.msg);
		return;
	}
	buf_addf(&resp->body, "{\"status\":\"ready\",\"store\":{\"schema_version\":%d}}\n", cur);
}

static const struct http_route routes[] = {
	{ "GET", "/healthz", healthz },
	{ "GET", "/readyz", readyz },
	{ "POST", "/rebound/tracking", http_webhook_tracking },
	{ "POST", "/rebound/refund-trigger", http_webhook_refund_trigger },
	/* GET too, so that it answers 404, not 405: the route stays hidden */
	{ "POST", "/odoo/notifications/*", http_odoo_notification },
	{ "GET", "/odoo/notifications/*", http_odoo_notification },
};

const struct http_route *http_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
