/* rebound-emu: the HTTP side — legacy API, platform API, control routes. */
#include "emu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/parse.h"

/* --- helpers ------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of name in an x-www-form-urlencoded body, decoded into out. */
static int form_get(const char *body, const char *name, struct buf *out)
{
	size_t n = strlen(name);
	const char *p = body, *end;
	int h, l;

	buf_reset(out);
	while (p && *p) {
		end = strchr(p, '&');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			for (p += n + 1; p < end; p++) {
				if (*p == '+') {
					buf_addc(out, ' ');
				} else if (*p == '%' && end - p >= 3 && (h = hexval(p[1])) >= 0 &&
					   (l = hexval(p[2])) >= 0) {
					buf_addc(out, (char)(h * 16 + l));
					p += 2;
				} else {
					buf_addc(out, *p);
				}
			}
			return 1;
		}
		p = *end ? end + 1 : NULL;
	}
	return 0;
}

static void send_json(struct http_response *resp, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	resp->status = status;
	resp->content_type = "application/json";
	buf_reset(&resp->body);
	buf_adds(&resp->body, s ? s : "{}");
	buf_addc(&resp->body, '\n');
	free(s);
	json_decref(j);
}

static void legacy_error(struct http_response *resp, const char *code, const char *msg)
{
	send_json(resp, 200, json_pack("{s{ss s[s]}}", "error", "code", code, "message", msg));
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Apply a fault that answers instead of the API; 1 when it did. Lock
 * held; a timeout sleeps with the lock released. */
static int apply_fault(struct emu *m, const struct emu_fault *f,
		       struct http_response *resp)
{
	struct timespec ts;
	char ra[16];

	if (!f)
		return 0;
	switch (f->type) {
	case FAULT_STATUS:
		resp->status = (unsigned)f->status;
		buf_reset(&resp->body);
		buf_adds(&resp->body, f->body[0] ? f->body : "<html><body>Service Unavailable</body></html>");
		resp->content_type = "text/html";
		if (f->retry_after_s >= 0) {
			snprintf(ra, sizeof(ra), "%d", f->retry_after_s);
			http_response_header(resp, "Retry-After", ra);
		}
		emu_last_status_locked(m, f->status);
		return 1;
	case FAULT_TIMEOUT:
		/* answer late: the client's timeout fires first */
		pthread_mutex_unlock(&m->lock);
		ts.tv_sec = (time_t)(f->delay_ms / 1000);
		ts.tv_nsec = (long)(f->delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&m->lock);
		return 0;
	case FAULT_MALFORMED:
		resp->status = 200;
		buf_reset(&resp->body);
		buf_adds(&resp->body, f->body[0] ? f->body : "{\"success\": {\"id\": \"1182");
		return 1;
	case FAULT_EXPIRE_TOKEN:
		return 0; /* handled by the bearer check */
	}
	return 0;
}

/* --- legacy API ----------------------------------------------------------- */

/* "2026/11/01", "11/01/2026" or a Unix timestamp → "2026-11-01". */
static int norm_date(json_t *v, char out[11])
{
	const char *s;
	int64_t ts;
	time_t t;
	struct tm tm;

	if (json_is_integer(v)) {
		t = (time_t)json_integer_value(v);
		gmtime_r(&t, &tm);
		strftime(out, 11, "%Y-%m-%d", &tm);
		return 1;
	}
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strlen(s) == 10 && s[4] == '/' && s[7] == '/') {
		snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 5, s + 8);
		return 1;
	}
	if (strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
		snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s, s + 3);
		return 1;
	}
	if (parse_int64(s, 0, INT64_MAX, &ts, NULL) == ERR_OK) {
		t = (time_t)ts;
		gmtime_r(&t, &tm);
		strftime(out, 11, "%Y-%m-%d", &tm);
		return 1;
	}
	return 0;
}

static int find(struct emu *m, const char *id, int by_tracking)
{
	size_t i;

	for (i = 0; id && i < m->nreturns; i++) {
		if (m->returns[i].visible_at_ms > emu_now(m))
			continue;
		if (strcmp(by_tracking ? m->returns[i].tracking : m->returns[i].id, id) == 0)
			return (int)i;
	}
	return -1;
}

static void returns_search(struct emu *m, json_t *req, struct http_response *resp)
{
	json_t *filter = json_object_get(req, "filter"), *ids;
	char from[11], to[11], day[11];
	const char *added;
	size_t i;

	if (!norm_date(json_object_get(filter, "date_from"), from) ||
	    !norm_date(json_object_get(filter, "date_to"), to)) {
		legacy_error(resp, "request_wrong", "filter.date_from and filter.date_to are required");
		return;
	}
	ids = json_array();
	for (i = 0; i < m->nreturns; i++) {
		if (m->returns[i].visible_at_ms > emu_now(m))
			continue;
		added = jstr(m->returns[i].obj, "date_added");
		snprintf(day, sizeof(day), "%.10s", added ? added : "");
		if (strcmp(day, from) >= 0 && strcmp(day, to) <= 0)
			json_array_append_new(ids, json_string(m->returns[i].id));
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		legacy_error(resp, "empty", "No results found");
		return;
	}
	send_json(resp, 200, json_pack("{s{so}}", "success", "id", ids));
}

static void returns_get(struct emu *m, json_t *req, struct http_response *resp)
{
	int i = find(m, jstr(json_object_get(req, "return"), "id"), 0);

	if (i < 0) {
		legacy_error(resp, "request_wrong", "Return not found");
		return;
	}
	send_json(resp, 200, json_pack("{so}", "success", emu_legacy_view(&m->returns[i])));
}

static void tracking_get(struct emu *m, json_t *req, struct http_response *resp)
{
	int i = find(m, jstr(json_object_get(req, "tracking"), "code"), 1);
	struct emu_return *r;

	if (i < 0) {
		legacy_error(resp, "empty", "No tracking found");
		return;
	}
	r = &m->returns[i];
	send_json(resp, 200, json_pack("{s{ss ss ss ss ss sO}}", "success", "pallet_number", "",
				       "source_country", "DE", "carrier_name",
				       jstr(r->obj, "carrier") ? jstr(r->obj, "carrier") : "DHL",
				       "external_id", "", "order_reference", r->order_ref,
				       "track", r->track));
}

/* The payload is not public: accept {return:{id}} or {tracking:{code}} with
 * a status anywhere sensible, record it, and show it as a tracking event. */
static void tracking_add_status(struct emu *m, json_t *req, struct http_response *resp)
{
	const char *rid = jstr(json_object_get(req, "return"), "id");
	const char *code = jstr(json_object_get(req, "tracking"), "code");
	const char *status = jstr(req, "status") ? jstr(req, "status") :
			     jstr(json_object_get(req, "tracking"), "status");
	int i = rid ? find(m, rid, 0) : find(m, code, 1);
	char dt[32];
	time_t now = time(NULL);
	struct tm tm;

	if (i < 0 || !status) {
		legacy_error(resp, "request_wrong", i < 0 ? "Return not found" : "status is required");
		return;
	}
	json_array_append(m->pushes, req);
	gmtime_r(&now, &tm);
	strftime(dt, sizeof(dt), "%Y-%m-%d %H:%M:%S", &tm);
	json_array_append_new(m->returns[i].track, json_pack("{ss ss s{ss ss ss}}", "dt", dt,
							     "status", status, "location", "country", "",
							     "state", "", "city", ""));
	send_json(resp, 200, json_pack("{s{ss}}", "success", "message", "Status added"));
}

static void returns_cancel(struct emu *m, json_t *req, struct http_response *resp)
{
	int i = find(m, jstr(json_object_get(req, "return"), "id"), 0);

	if (i < 0) {
		legacy_error(resp, "request_wrong", "Return not found");
		return;
	}
	json_object_set_new(m->returns[i].obj, "current_tracking_status", json_string(m->cancelled_status));
	send_json(resp, 200, json_pack("{s{ss}}", "success", "message", "Return cancelled"));
}

static void legacy_dispatch(struct emu *m, const char *call, json_t *req,
			    struct http_response *resp)
{
	if (strcmp(call, "returns/search") == 0)
		returns_search(m, req, resp);
	else if (strcmp(call, "returns/get") == 0)
		returns_get(m, req, resp);
	else if (strcmp(call, "tracking/get") == 0)
		tracking_get(m, req, resp);
	else if (strcmp(call, "tracking/add_status") == 0)
		tracking_add_status(m, req, resp);
	else if (strcmp(call, "returns/cancel") == 0)
		returns_cancel(m, req, resp);
	else
		legacy_error(resp, "unknown_call", "Unknown API call");
}

/* POST /api/<call>/json */
static void legacy(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	struct buf login = BUF_INIT(4096), key = BUF_INIT(4096), request = BUF_INIT(8 * 1024 * 1024);
	const char *path = http_request_path(req) + strlen("/api/");
	const char *body = http_request_body(req, NULL);
	char call[64];
	size_t n = strlen(path);
	json_t *rq = NULL;
	const struct emu_fault *f;

	if (n > 5 && strcmp(path + n - 5, "/json") == 0)
		n -= 5;
	snprintf(call, sizeof(call), "%.*s", (int)n, path);
	pthread_mutex_lock(&m->lock);
	emu_tick_locked(m);
	f = emu_count_call_locked(m, call);
	if (apply_fault(m, f, resp))
		goto out;
	if (!form_get(body, "login", &login) || login.len == 0)
		legacy_error(resp, "login_empty", "Login is empty");
	else if (!form_get(body, "api_key", &key) || key.len == 0)
		legacy_error(resp, "api_key_empty", "API key is empty");
	else if (strcmp(buf_str(&login), m->login) != 0 || strcmp(buf_str(&key), m->api_key) != 0)
		legacy_error(resp, "access_denied", "Access denied");
	else if (!form_get(body, "request", &request) || request.len == 0)
		legacy_error(resp, "request_empty", "Request is empty");
	else if (!(rq = json_loads(buf_str(&request), 0, NULL)) || !json_is_object(rq))
		legacy_error(resp, "json_invalid", "Request is not valid JSON");
	else
		legacy_dispatch(m, call, rq, resp);
out:
	json_decref(rq);
	pthread_mutex_unlock(&m->lock);
	buf_release(&login);
	buf_release(&key);
	buf_release(&request);
}

/* --- platform API -------------------------------------------------------- */

static void token(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	struct buf id = BUF_INIT(4096), secret = BUF_INIT(4096), grant = BUF_INIT(256);
	const char *body = http_request_body(req, NULL);
	unsigned char rnd[16];
	char tok[64];
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (apply_fault(m, emu_count_call_locked(m, "token"), resp))
		goto out;
	form_get(body, "grant_type", &grant);
	form_get(body, "client_id", &id);
	form_get(body, "client_secret", &secret);
	if (strcmp(buf_str(&grant), "client_credentials") != 0) {
		send_json(resp, 400, json_pack("{ss}", "error", "unsupported_grant_type"));
	} else if (strcmp(buf_str(&id), m->client_id) != 0 || strcmp(buf_str(&secret), m->client_secret) != 0) {
		send_json(resp, 401, json_pack("{ss}", "error", "invalid_client"));
	} else {
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(rand() & 0xff);
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(tok + 2 * i, 3, "%02x", rnd[i]);
		m->seq++;
		json_object_set_new(m->tokens, tok, json_integer(emu_real_ms(m) + m->token_ttl_s * 1000));
		send_json(resp, 200, json_pack("{ss ss sI}", "access_token", tok, "token_type", "Bearer",
					       "expires_in", (json_int_t)m->token_ttl_s));
	}
	emu_last_status_locked(m, (int)resp->status);
out:
	pthread_mutex_unlock(&m->lock);
	buf_release(&id);
	buf_release(&secret);
	buf_release(&grant);
}

static int bearer_ok(struct emu *m, const struct http_request *req,
		     const struct emu_fault *f)
{
	const char *h = http_request_header(req, "Authorization");
	json_t *exp;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	exp = json_object_get(m->tokens, h + 7);
	if (!exp || json_integer_value(exp) <= emu_real_ms(m))
		return 0;
	if (f && f->type == FAULT_EXPIRE_TOKEN) {
		json_object_del(m->tokens, h + 7); /* it dies now */
		return 0;
	}
	return 1;
}

static int64_t qint(const struct http_request *req, const char *name, int64_t def,
		    int64_t lo, int64_t hi)
{
	const char *v = http_request_query(req, name);
	int64_t n;

	if (!v || parse_int64(v, lo, hi, &n, NULL) != ERR_OK)
		return def;
	return n;
}

/* GET /return-orders?clientOrderId=…&page=…&size=… (the path is an
 * assumption, as in returnbridge's configuration) */
static void return_orders(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	const char *cid = http_request_query(req, "clientOrderId");
	int64_t page = qint(req, "page", 0, 0, 1000000), size = qint(req, "size", 20, 1, 1000);
	json_t *all, *content;
	const struct emu_fault *f;
	size_t i, total;
	int64_t k;

	pthread_mutex_lock(&m->lock);
	emu_tick_locked(m);
	f = emu_count_call_locked(m, "return-orders");
	if (!bearer_ok(m, req, f)) {
		send_json(resp, 401, json_pack("{ss ss}", "error", "invalid_token", "message", "token missing, unknown or expired"));
		emu_last_status_locked(m, 401);
		goto out;
	}
	if (apply_fault(m, f, resp))
		goto out;
	if (!cid) {
		send_json(resp, 400, json_pack("{ss}", "error", "clientOrderId is required"));
		emu_last_status_locked(m, 400);
		goto out;
	}
	all = json_array();
	/* newest first: later in the scenario = newer */
	for (i = m->nreturns; i-- > 0;)
		if (m->returns[i].visible_at_ms <= emu_now(m) && strcmp(m->returns[i].order_ref, cid) == 0)
			json_array_append_new(all, emu_return_order(&m->returns[i]));
	total = json_array_size(all);
	content = json_array();
	for (k = page * size; k < (page + 1) * size && (size_t)k < total; k++)
		json_array_append(content, json_array_get(all, (size_t)k));
	send_json(resp, 200, json_pack("{so sI sI sI sI sb}", "content", content,
				       "number", (json_int_t)page, "size", (json_int_t)size,
				       "totalElements", (json_int_t)total,
				       "totalPages", (json_int_t)((total + (size_t)size - 1) / (size_t)size),
				       "last", (size_t)((page + 1) * size) >= total));
	json_decref(all);
out:
	pthread_mutex_unlock(&m->lock);
}

/* --- control ------------------------------------------------------------- */

static void advance(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	json_t *j = json_loads(http_request_body(req, NULL), 0, NULL);
	json_t *s = json_object_get(j, "seconds");

	pthread_mutex_lock(&m->lock);
	if (json_is_number(s))
		m->offset_ms += (int64_t)(json_number_value(s) * 1000.0);
	emu_tick_locked(m);
	send_json(resp, 200, json_pack("{sI}", "now_ms", (json_int_t)emu_now(m)));
	pthread_mutex_unlock(&m->lock);
	json_decref(j);
}

static void state(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	json_t *rets = json_array(), *dels = json_array();
	size_t i;

	(void)req;
	pthread_mutex_lock(&m->lock);
	emu_tick_locked(m);
	for (i = 0; i < m->nreturns; i++)
		json_array_append_new(rets, json_pack("{ss ss ss ss sb}", "id", m->returns[i].id,
						      "rebound_order_id", m->returns[i].rebound_order_id,
						      "order_reference", m->returns[i].order_ref,
						      "status", jstr(m->returns[i].obj, "current_tracking_status"),
						      "visible", m->returns[i].visible_at_ms <= emu_now(m)));
	for (i = 0; i < m->ndeliveries; i++) {
		const struct emu_delivery *d = &m->deliveries[i];

		json_array_append_new(dels, json_pack("{ss ss ss si si sb sb}", "kind", d->kind,
						      "return", d->ret_id, "status", d->status,
						      "attempts", d->attempts, "last_status", d->last_status,
						      "delivered", d->done, "gave_up", d->gave_up));
	}
	send_json(resp, 200, json_pack("{so sO so}", "returns", rets, "pushes", m->pushes,
				       "deliveries", dels));
	pthread_mutex_unlock(&m->lock);
}

static void stats(const struct http_request *req, struct http_response *resp, void *arg)
{
	struct emu *m = arg;
	int64_t w = qint(req, "window_s", 60, 1, 86400);

	pthread_mutex_lock(&m->lock);
	send_json(resp, 200, emu_stats_locked(m, w));
	pthread_mutex_unlock(&m->lock);
}

static const struct http_route routes[] = {
	{ "POST", "/api/*", legacy },
	{ "POST", "/oauth2/token", token },
	{ "GET", "/return-orders", return_orders },
	{ "POST", "/_emu/advance", advance },
	{ "GET", "/_emu/state", state },
	{ "GET", "/_emu/stats", stats },
};

const struct http_route *emu_routes(size_t *n)
{
	*n = ARRAY_LEN(routes);
	return routes;
}
