/* rebound/rbclient: assembly of the Rebound clients from configuration. */
#define LOG_COMPONENT "rebound"
#include "rebound/rbclient.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"

struct rbclient {
	struct rbopts o;
	struct ratelimit *rl;
	int own_rl;
	_Atomic int *stop;
	struct rbhttp *http;
	struct legacy *legacy;
	struct platform *platform;
};

static int stoppable_sleep(int64_t ms, void *arg)
{
	_Atomic int *stop = arg;
	struct timespec ts;
	int64_t step;

	while (ms > 0) {
		if (stop && *stop)
			return 1;
		step = ms > 100 ? 100 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return stop && *stop;
}

/* Processes using the same database share one limit (the daemon's poller
 * and a backfill beside it): the bucket lives in a file next to it. */
static void share_limit(struct ratelimit *rl, const struct cfg *c)
{
	struct buf path = BUF_INIT(4096);
	struct err e = ERR_INIT;

	if (c->rebound_rate_limit_calls == 0 || c->store_backend != CFG_STORE_SQLITE)
		return;
	buf_addf(&path, "%s-ratelimit", c->store_path);
	if (buf_failed(&path) || ratelimit_share(rl, buf_str(&path), &e) != ERR_OK)
		log_warn("rate limit not shared with other returnbridge processes: %s", e.msg);
	buf_release(&path);
}

static enum err_code copy_opts(const struct cfg *c, struct rbopts *o,
			       struct err *e)
{
	o->api = c->rebound_api;
	o->poll_interval_s = c->rebound_poll_interval_s;
	o->poll_lookback_days = c->rebound_poll_lookback_days;
	o->search_window_days = c->rebound_search_window_days;
	o->fetch_tracking = c->rebound_fetch_tracking;
	o->status_push = c->rebound_status_push;
	o->push_max_attempts = c->rebound_status_push_max_attempts;
	o->push_retry_s = c->rebound_status_push_retry_s;
	o->cancelled_status = strdup(c->rebound_cancelled_status);
	o->final_status = strdup(c->rebound_final_status);
	o->push_call = strdup(c->rebound_status_push_call);
	o->push_text = strdup(c->rebound_status_push_text);
	o->push_request = strdup(c->rebound_status_push_request);
	if (!o->cancelled_status || !o->final_status || !o->push_call ||
	    !o->push_text || !o->push_request)
		return err_set(e, ERR_NOMEM, "out of memory");
	return ERR_OK;
}

enum err_code rbclient_new(const struct cfg *c, struct ratelimit *rl,
			   _Atomic int *stop, struct rbclient **out,
			   struct err *e)
{
	struct rbclient *cl = calloc(1, sizeof(*cl));
	struct rbhttp_opts ho;
	struct platform_opts po;
	enum err_code rc;

	if (!cl)
		return err_set(e, ERR_NOMEM, "out of memory");
	cl->stop = stop;
	rc = copy_opts(c, &cl->o, e);
	if (rc != ERR_OK)
		goto fail;
	cl->rl = rl;
	if (!rl) {
		rc = ratelimit_new(c->rebound_rate_limit_calls, c->rebound_rate_limit_window_s * 1000,
				   c->rebound_rate_limit_burst, NULL, stoppable_sleep, stop, &cl->rl, e);
		if (rc != ERR_OK)
			goto fail;
		cl->own_rl = 1;
		share_limit(cl->rl, c);
	}
	cl->o.per_minute = ratelimit_per_minute(cl->rl);
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = c->rebound_timeout_ms;
	ho.max_attempts = (int)c->rebound_max_attempts;
	ho.backoff_base_ms = c->rebound_backoff_base_ms;
	ho.backoff_max_ms = c->rebound_backoff_max_ms;
	ho.rl = cl->rl;
	ho.stop = stop;
	rc = rbhttp_new(&ho, &cl->http, e);
	if (rc != ERR_OK)
		goto fail;
	if (*c->rebound_legacy_login && *c->rebound_legacy_api_key) {
		rc = legacy_new(c->rebound_legacy_url, c->rebound_legacy_login,
				c->rebound_legacy_api_key, cl->http, &cl->legacy, e);
		if (rc != ERR_OK)
			goto fail;
	}
	if (*c->rebound_platform_client_id && *c->rebound_platform_client_secret) {
		po.base_url = c->rebound_platform_url;
		po.token_url = c->rebound_platform_token_url;
		po.orders_path = c->rebound_platform_orders_path;
		po.client_id = c->rebound_platform_client_id;
		po.client_secret = c->rebound_platform_client_secret;
		po.flow_key = c->rebound_platform_flow_key;
		po.page_size = (int)c->rebound_platform_page_size;
		rc = platform_new(&po, cl->http, &cl->platform, e);
		if (rc != ERR_OK)
			goto fail;
	}
	*out = cl;
	return ERR_OK;
fail:
	rbclient_free(cl);
	return rc;
}

void rbclient_free(struct rbclient *cl)
{
	if (!cl)
		return;
	platform_free(cl->platform);
	legacy_free(cl->legacy);
	rbhttp_free(cl->http);
	if (cl->own_rl)
		ratelimit_free(cl->rl);
	free(cl->o.cancelled_status);
	free(cl->o.final_status);
	free(cl->o.push_call);
	free(cl->o.push_text);
	free(cl->o.push_request);
	free(cl);
}

const struct rbopts *rbclient_opts(const struct rbclient *cl)
{
	return &cl->o;
}

struct legacy *rbclient_legacy(struct rbclient *cl)
{
	return cl->legacy;
}

struct platform *rbclient_platform(struct rbclient *cl)
{
	return cl->platform;
}

struct rbhttp *rbclient_http(struct rbclient *cl)
{
	return cl->http;
}

struct ratelimit *rbclient_ratelimit(struct rbclient *cl)
{
	return cl->rl;
}
