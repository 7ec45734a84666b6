/* rebound/doctor: harmless calls, answers in words. */
#include "rebound/doctor.h"

#include <stdlib.h>
#include <string.h>

#include "rebound/backfill.h"
#include "rebound/rbclient.h"
#include "rebound/statuspush.h"
#include "util/clock.h"

struct out {
	doctor_rebound_fn *fn;
	void *arg;
};

static void line(const struct out *out, const char *verdict, const char *what,
		 const char *why)
{
	out->fn(verdict, what, why ? why : "", out->arg);
}

/* why, then a hint on what to do */
static void line2(const struct out *out, const char *verdict, const char *what,
		  const char *why, const char *hint)
{
	char text[ERR_MSG_MAX + 200];

	snprintf(text, sizeof(text), "%s; %s", why, hint);
	line(out, verdict, what, text);
}

static int check_legacy(struct rbclient *cl, const struct cfg *c, const struct out *out)
{
	int64_t today = clock_now_ms() / 86400000;
	char from[11], to[11], what[600];
	struct err e = ERR_INIT;
	json_t *ids = NULL;
	enum err_code rc;

	snprintf(what, sizeof(what), "rebound legacy API %s (login %s)", c->rebound_legacy_url,
		 c->rebound_legacy_login);
	backfill_format_date(today - 1, true, from);
	backfill_format_date(today, true, to);
	rc = legacy_search(rbclient_legacy(cl), from, to, &ids, &e);
	json_decref(ids);
	switch (rc) {
	case ERR_OK:
		line(out, "ok", what, "credentials accepted (returns/search answered)");
		return 0;
	case ERR_CONFIG:
		line(out, "FAIL", what, e.msg);
		return 1;
	case ERR_INVALID:
		line2(out, "FAIL", what, e.msg, "this does not look like Rebound's legacy API: check rebound.legacy_url (it ends in /api)");
		return 1;
	default:
		line2(out, "FAIL", what, e.msg, "cannot reach it: check the URL, DNS, the firewall and the proxy");
		return 1;
	}
}

static int check_platform(struct rbclient *cl, const struct cfg *c, const struct out *out)
{
	struct err e = ERR_INIT;
	const char *tok = NULL;
	json_t *orders = NULL;
	char what[600];
	enum err_code rc;

	snprintf(what, sizeof(what), "rebound platform token %s%s (client %s)",
		 strncmp(c->rebound_platform_token_url, "http", 4) == 0 ? "" : c->rebound_platform_url,
		 c->rebound_platform_token_url, c->rebound_platform_client_id);
	rc = platform_token(rbclient_platform(cl), &tok, &e);
	if (rc != ERR_OK) {
		line(out, "FAIL", what, e.msg);
		return 1;
	}
	line(out, "ok", what, "client credentials accepted, token issued");
	snprintf(what, sizeof(what), "rebound platform return orders %s%s",
		 c->rebound_platform_url, c->rebound_platform_orders_path);
	rc = platform_return_orders(rbclient_platform(cl), "returnbridge-doctor", &orders, &e);
	json_decref(orders);
	if (rc != ERR_OK) {
		line2(out, "FAIL", what, e.msg, "the token works but this path does not: check rebound.platform_orders_path with Rebound");
		return 1;
	}
	line(out, "ok", what, "answered a lookup by client order id");
	return 0;
}

static int check_push(const struct cfg *c, const struct out *out)
{
	struct statuspush_refund r = { "R-1", "SO-1", "1.00", "EUR", "RINV/1" };
	struct err e = ERR_INIT;
	char *req = NULL;

	if (c->rebound_status_push == CFG_PUSH_OFF) {
		line(out, "skip", "rebound status push", "off (rebound.status_push = off): refund status is recorded, not sent");
		return 0;
	}
	if (statuspush_render(c->rebound_status_push_request, c->rebound_status_push_text, &r, &req, &e) != ERR_OK) {
		line(out, "FAIL", "rebound status push request", e.msg);
		return 1;
	}
	free(req);
	line(out, "ok", "rebound status push", "request renders to JSON (the call itself is not tried: it would write to Rebound)");
	return 0;
}

int doctor_rebound(const struct cfg *c, doctor_rebound_fn *fn, void *arg)
{
	struct out o = { fn, arg }, *out = &o;
	struct cfg quick = *c;   /* shallow: only integers change, nothing freed */
	struct rbclient *cl = NULL;
	struct err e = ERR_INIT;
	int bad = 0;

	quick.rebound_max_attempts = 1;
	if (quick.rebound_timeout_ms > 10000)
		quick.rebound_timeout_ms = 10000;
	if (c->rebound_api == CFG_REBOUND_NONE)
		line(out, "skip", "rebound API", "rebound.api = none: returnbridge only receives notifications and does not poll");
	if (rbclient_new(&quick, NULL, NULL, &cl, &e) != ERR_OK) {
		line(out, "FAIL", "rebound client", e.msg);
		return 1;
	}
	if (rbclient_legacy(cl))
		bad += check_legacy(cl, c, out);
	else if (c->rebound_api == CFG_REBOUND_LEGACY || c->rebound_status_push != CFG_PUSH_OFF)
		bad += (line(out, "FAIL", "rebound legacy API", "rebound.legacy_login and rebound.legacy_api_key are not both set"), 1);
	if (rbclient_platform(cl))
		bad += check_platform(cl, c, out);
	else if (c->rebound_api == CFG_REBOUND_PLATFORM)
		bad += (line(out, "FAIL", "rebound platform API", "rebound.platform_client_id and rebound.platform_client_secret are not both set"), 1);
	bad += check_push(c, out);
	rbclient_free(cl);
	return bad;
}
