/* rebound-emu: scenario loading, the timeline, faults, bodies, statistics. */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

static const char *jstr(json_t *o, const char *k, const char *def)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : def;
}

static int64_t jint(json_t *o, const char *k, int64_t def)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return def;
}

static int64_t jms(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_number(v))
		return (int64_t)(json_number_value(v) * 1000.0);
	return 0;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

int64_t emu_real_ms(struct emu *m)
{
	return clock_mono_ms() - m->start_mono_ms;
}

int64_t emu_now(struct emu *m)
{
	return emu_real_ms(m) + m->offset_ms;
}

/* Keys of a scenario return that are the emulator's, not Rebound's. */
static const char *const emu_only[] = { "at", "rebound_order_id", "location", "days_ago", NULL };
static const char *const emu_only_item[] = { "ean", "rebound_item_id", "client_item_id", NULL };

static void strip(json_t *o, const char *const *keys)
{
	size_t i;

	for (i = 0; keys[i]; i++)
		json_object_del(o, keys[i]);
}

json_t *emu_legacy_view(const struct emu_return *r)
{
	json_t *o = json_deep_copy(r->obj), *it;
	size_t i;

	strip(o, emu_only);
	json_array_foreach(json_object_get(o, "item"), i, it)
		strip(it, emu_only_item);
	return o;
}

static enum err_code add_return(struct emu *m, json_t *src, struct err *e)
{
	struct emu_return *r;
	char buf[64];

	r = &m->returns[m->nreturns];
	memset(r, 0, sizeof(*r));
	if (!json_is_object(src) || !jstr(src, "id", NULL) || !json_is_array(json_object_get(src, "item")))
		return err_set(e, ERR_CONFIG, "returns[%zu]: needs \"id\" (string) and \"item\" (array)", m->nreturns);
	COPY(r->id, jstr(src, "id", ""));
	snprintf(buf, sizeof(buf), "(00)3404341800%08lu", (unsigned long)(m->nreturns + 1));
	COPY(r->rebound_order_id, jstr(src, "rebound_order_id", buf));
	COPY(r->order_ref, jstr(src, "order_reference", ""));
	COPY(r->tracking, jstr(src, "tracking", ""));
	COPY(r->location, jstr(src, "location", "DE_ASC_01"));
	r->visible_at_ms = jms(src, "at");
	r->obj = json_deep_copy(src);
	r->track = json_array();
	if (json_is_integer(json_object_get(src, "days_ago"))) {
		/* dates relative to today keep poll windows meaningful */
		time_t t = time(NULL) - (time_t)json_integer_value(json_object_get(src, "days_ago")) * 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d 10:00:00", &tm);
		json_object_set_new(r->obj, "date_added", json_string(buf));
	}
	if (!json_object_get(r->obj, "current_tracking_status"))
		json_object_set_new(r->obj, "current_tracking_status", json_string(""));
	m->nreturns++;
	return ERR_OK;
}

static int find_return(const struct emu *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nreturns; i++)
		if (strcmp(m->returns[i].id, id) == 0)
			return (int)i;
	return -1;
}

static unsigned parse_notify(json_t *ev)
{
	json_t *v = json_object_get(ev, "notify");
	const char *s;

	if (!v)
		return EMU_NOTIFY_TRACKING;
	if (json_is_false(v))
		return EMU_NOTIFY_NONE;
	if (json_is_true(v))
		return EMU_NOTIFY_TRACKING;
	s = json_is_string(v) ? json_string_value(v) : "tracking";
	if (strcmp(s, "none") == 0)
		return EMU_NOTIFY_NONE;
	if (strcmp(s, "refund_trigger") == 0)
		return EMU_NOTIFY_REFUND;
	if (strcmp(s, "both") == 0)
		return EMU_NOTIFY_TRACKING | EMU_NOTIFY_REFUND;
	return EMU_NOTIFY_TRACKING;
}

static enum err_code add_event(struct emu *m, json_t *src, size_t idx, struct err *e)
{
	struct emu_event *ev = &m->events[m->nevents];
	int ri = find_return(m, jstr(src, "return", ""));

	memset(ev, 0, sizeof(*ev));
	if (ri < 0 || !jstr(src, "status", NULL))
		return err_set(e, ERR_CONFIG, "timeline[%zu]: needs \"return\" (an id from returns) and \"status\"", idx);
	ev->ret = ri;
	ev->at_ms = jms(src, "at");
	COPY(ev->status, jstr(src, "status", ""));
	ev->grade = json_incref(json_object_get(src, "grade"));
	ev->where = json_incref(json_object_get(src, "location"));
	ev->notify = parse_notify(src);
	ev->duplicate = json_is_true(json_object_get(src, "duplicate"));
	ev->malformed = json_is_true(json_object_get(src, "malformed"));
	ev->delay_ms = jint(src, "delay_ms", 0);
	m->nevents++;
	return ERR_OK;
}

static enum err_code add_fault(struct emu *m, json_t *src, size_t idx, struct err *e)
{
	struct emu_fault *f = &m->faults[m->nfaults];
	const char *t = jstr(src, "type", "status");

	memset(f, 0, sizeof(*f));
	COPY(f->call, jstr(src, "call", "*"));
	f->nth = jint(src, "nth", 1);
	f->count = jint(src, "count", 1);
	f->status = (int)jint(src, "status", 503);
	f->retry_after_s = (int)jint(src, "retry_after", -1);
	f->delay_ms = jint(src, "delay_ms", 5000);
	COPY(f->body, jstr(src, "body", ""));
	if (strcmp(t, "status") == 0)
		f->type = FAULT_STATUS;
	else if (strcmp(t, "timeout") == 0)
		f->type = FAULT_TIMEOUT;
	else if (strcmp(t, "malformed") == 0)
		f->type = FAULT_MALFORMED;
	else if (strcmp(t, "expire_token") == 0)
		f->type = FAULT_EXPIRE_TOKEN;
	else
		return err_set(e, ERR_CONFIG, "faults[%zu]: type is status, timeout, malformed or expire_token", idx);
	m->nfaults++;
	return ERR_OK;
}

/* "generate": many synthetic returns for benchmarks, one a day-slot. */
static json_t *generated(json_t *g, size_t k)
{
	int64_t days = jint(g, "days", 30), per = jint(g, "count", 100);
	time_t t0 = (time_t)(jint(g, "from_unix", 1788220800)); /* 2026-09-01 */
	time_t t = t0 + (time_t)((int64_t)k * days * 86400 / (per ? per : 1));
	struct tm tm;
	char date[32], id[32], ref[32], trk[32];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(id, sizeof(id), "%zu", 500000 + k);
	snprintf(ref, sizeof(ref), "SO%06zu", k);
	snprintf(trk, sizeof(trk), "TRK%08zu", k);
	return json_pack("{ss ss ss ss ss s[{ss ss ss ss s[{ss ss}]}]}", "id", id,
			 "order_reference", ref, "date_added", date, "tracking", trk,
			 "current_tracking_status", jstr(g, "status", "Delivered"),
			 "item", "sku_code", "SKU-1", "quantity", "1", "price", "19.99",
			 "final_disposition", "Resell", "reason", "action", "Refund",
			 "reason", "Too large");
}

static enum err_code load_creds(struct emu *m, json_t *root)
{
	json_t *c = json_object_get(root, "credentials"), *n = json_object_get(root, "notify");

	COPY(m->login, jstr(c, "login", "acme"));
	COPY(m->api_key, jstr(c, "api_key", "secret-key"));
	COPY(m->client_id, jstr(c, "client_id", "acme-client"));
	COPY(m->client_secret, jstr(c, "client_secret", "client-secret"));
	m->token_ttl_s = jint(c, "token_ttl_s", 3600);
	COPY(m->cancelled_status, jstr(root, "cancelled_status", "Cancelled"));
	COPY(m->notify.url, jstr(n, "url", ""));
	COPY(m->notify.auth, jstr(n, "auth", "none"));
	COPY(m->notify.token_header, jstr(n, "token_header", "X-Rebound-Token"));
	COPY(m->notify.token, jstr(n, "token", ""));
	COPY(m->notify.basic_user, jstr(n, "basic_user", ""));
	COPY(m->notify.basic_password, jstr(n, "basic_password", ""));
	COPY(m->notify.hmac_header, jstr(n, "hmac_header", "X-Rebound-Signature"));
	COPY(m->notify.hmac_encoding, jstr(n, "hmac_encoding", "hex"));
	COPY(m->notify.hmac_prefix, jstr(n, "hmac_prefix", ""));
	COPY(m->notify.timestamp_header, jstr(n, "timestamp_header", ""));
	COPY(m->notify.secret, jstr(n, "secret", ""));
	m->notify.timestamp_skew_s = jint(n, "timestamp_skew_s", 0);
	m->notify.max_attempts = (int)jint(n, "max_attempts", 5);
	m->notify.retry_delay_ms = jint(n, "retry_delay_ms", 200);
	return ERR_OK;
}

static enum err_code load_lists(struct emu *m, json_t *root, struct err *e)
{
	json_t *rets = json_object_get(root, "returns"), *tl = json_object_get(root, "timeline");
	json_t *faults = json_object_get(root, "faults"), *gen = json_object_get(root, "generate"), *v;
	size_t i, ngen = gen ? (size_t)jint(gen, "count", 0) : 0;
	enum err_code rc = ERR_OK;

	m->returns = calloc(json_array_size(rets) + ngen + 1, sizeof(*m->returns));
	m->events = calloc(json_array_size(tl) + 1, sizeof(*m->events));
	m->faults = calloc(json_array_size(faults) + 1, sizeof(*m->faults));
	if (!m->returns || !m->events || !m->faults)
		return err_set(e, ERR_NOMEM, "out of memory");
	json_array_foreach(rets, i, v)
		if (rc == ERR_OK)
			rc = add_return(m, v, e);
	for (i = 0; i < ngen && rc == ERR_OK; i++) {
		v = generated(gen, i);
		rc = v ? add_return(m, v, e) : err_set(e, ERR_NOMEM, "out of memory");
		json_decref(v);
	}
	json_array_foreach(tl, i, v)
		if (rc == ERR_OK)
			rc = add_event(m, v, i, e);
	json_array_foreach(faults, i, v)
		if (rc == ERR_OK)
			rc = add_fault(m, v, i, e);
	return rc;
}

enum err_code emu_load(const char *path, struct emu **out, struct err *e)
{
	json_error_t je;
	json_t *root;
	struct emu *m;
	enum err_code rc;

	root = json_load_file(path, 0, &je);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(e, ERR_CONFIG, "%s:%d: %s", path, je.line, root ? "not a JSON object" : je.text);
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		json_decref(root);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&m->lock, NULL);
	m->start_mono_ms = clock_mono_ms();
	m->tokens = json_object();
	m->pushes = json_array();
	m->call_counts = json_object();
	rc = load_creds(m, root);
	if (rc == ERR_OK)
		rc = load_lists(m, root, e);
	json_decref(root);
	if (rc != ERR_OK) {
		emu_free(m);
		return err_prefix(e, "%s", path);
	}
	*out = m;
	return ERR_OK;
}

void emu_free(struct emu *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nreturns; i++) {
		json_decref(m->returns[i].obj);
		json_decref(m->returns[i].track);
	}
	for (i = 0; i < m->nevents; i++) {
		json_decref(m->events[i].grade);
		json_decref(m->events[i].where);
	}
	for (i = 0; i < m->ndeliveries; i++)
		free(m->deliveries[i].body);
	free(m->deliveries);
	free(m->returns);
	free(m->events);
	free(m->faults);
	free(m->calls);
	json_decref(m->tokens);
	json_decref(m->pushes);
	json_decref(m->call_counts);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* --- bodies -------------------------------------------------------------- */

static const char *na(const char *s)
{
	return s && *s ? s : "Not available";
}

static json_t *platform_items(const struct emu_return *r, int with_condition)
{
	json_t *items = json_array(), *it, *reason, *o;
	size_t i;
	char rid[64], cid[160];

	json_array_foreach(json_object_get(r->obj, "item"), i, it) {
		reason = json_array_get(json_object_get(it, "reason"), 0);
		snprintf(rid, sizeof(rid), "%.40s%02zu", r->rebound_order_id, i + 1);
		snprintf(cid, sizeof(cid), "%s-%zu", r->order_ref, i + 1);
		o = json_pack("{ss ss ss ss ss ss}",
			      "reboundItemId", jstr(it, "rebound_item_id", rid),
			      "clientItemId", jstr(it, "client_item_id", cid),
			      "ean", na(jstr(it, "ean", NULL)), "sku", na(jstr(it, "sku_code", NULL)),
			      "reasonCode", na(jstr(reason, "reason", NULL)),
			      "quantity", jstr(it, "quantity", "1"));
		if (with_condition && jstr(it, "final_disposition", NULL) && *jstr(it, "final_disposition", ""))
			json_object_set_new(o, "condition", json_string(jstr(it, "final_disposition", "")));
		json_array_append_new(items, o);
	}
	return items;
}

static json_t *order_object(const struct emu_return *r, int with_condition)
{
	return json_pack("{ss ss ss so}", "reboundOrderId", r->rebound_order_id,
			 "clientOrderId", na(r->order_ref), "location", r->location,
			 "items", platform_items(r, with_condition));
}

char *emu_tracking_body(const struct emu_return *r, const char *status)
{
	char ts[CLOCK_ISO_LEN];
	json_t *b = json_pack("{so ss ss}", "order", order_object(r, 1), "milestone", status,
			      "eventTime", clock_iso(clock_now_ms(), ts, sizeof(ts)));
	char *s = b ? json_dumps(b, JSON_COMPACT) : NULL;

	json_decref(b);
	return s;
}

char *emu_refund_body(const struct emu_return *r)
{
	json_t *b = json_pack("{so}", "order", order_object(r, 0));
	char *s = b ? json_dumps(b, JSON_COMPACT) : NULL;

	json_decref(b);
	return s;
}

json_t *emu_return_order(const struct emu_return *r)
{
	json_t *o = order_object(r, 1);

	json_object_set_new(o, "id", json_string(r->rebound_order_id));
	json_object_set_new(o, "status", json_string(jstr(r->obj, "current_tracking_status", "")));
	json_object_set_new(o, "createdDate", json_string(jstr(r->obj, "date_added", "")));
	json_object_set_new(o, "parcels", json_pack("[{ss}]", "trackingNumber", r->tracking));
	return o;
}

/* --- timeline ------------------------------------------------------------ */

static void apply(struct emu *m, struct emu_event *ev)
{
	struct emu_return *r = &m->returns[ev->ret];
	char dt[32];
	const char *sku, *disp;
	json_t *it;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	char *body;

	gmtime_r(&now, &tm);
	strftime(dt, sizeof(dt), "%Y-%m-%d %H:%M:%S", &tm);
	json_array_append_new(r->track, json_pack("{ss ss so}", "dt", dt, "status", ev->status,
						  "location", ev->where ? json_incref(ev->where) :
						  json_pack("{ss ss ss}", "country", "DE", "state", "", "city", "")));
	json_object_set_new(r->obj, "current_tracking_status", json_string(ev->status));
	json_object_set_new(r->obj, "tracking_last_update", json_string(dt));
	json_array_foreach(json_object_get(r->obj, "item"), i, it) {
		sku = jstr(it, "sku_code", "");
		disp = jstr(ev->grade, sku, NULL);
		if (disp)
			json_object_set_new(it, "final_disposition", json_string(disp));
	}
	if (ev->notify & EMU_NOTIFY_TRACKING) {
		body = emu_tracking_body(r, ev->status);
		if (body && ev->malformed)
			body[strlen(body) / 2] = '\0'; /* cut in the middle */
		if (body && ev->duplicate)
			emu_queue_locked(m, "tracking", strdup(body), ev->delay_ms + 50, r->id, ev->status);
		emu_queue_locked(m, "tracking", body, ev->delay_ms, r->id, ev->status);
	}
	if (ev->notify & EMU_NOTIFY_REFUND) {
		body = emu_refund_body(r);
		if (body && ev->duplicate)
			emu_queue_locked(m, "refund_trigger", strdup(body), ev->delay_ms + 50, r->id, ev->status);
		emu_queue_locked(m, "refund_trigger", body, ev->delay_ms, r->id, ev->status);
	}
	ev->applied = 1;
}

void emu_tick_locked(struct emu *m)
{
	int64_t now = emu_now(m);
	size_t i;

	for (i = 0; i < m->nevents; i++)
		if (!m->events[i].applied && m->events[i].at_ms <= now &&
		    m->returns[m->events[i].ret].visible_at_ms <= now)
			apply(m, &m->events[i]);
}

void emu_queue_locked(struct emu *m, const char *kind, char *body_own,
		      int64_t delay_ms, const char *ret_id, const char *status)
{
	struct emu_delivery *d;
	size_t n;

	if (!body_own)
		return;
	if (!m->notify.url[0]) {
		free(body_own); /* nobody to tell */
		return;
	}
	if (m->ndeliveries == m->deliveries_alloc) {
		n = m->deliveries_alloc ? m->deliveries_alloc * 2 : 32;
		d = realloc(m->deliveries, n * sizeof(*d));
		if (!d) {
			free(body_own);
			return;
		}
		m->deliveries = d;
		m->deliveries_alloc = n;
	}
	d = &m->deliveries[m->ndeliveries++];
	memset(d, 0, sizeof(*d));
	COPY(d->kind, kind);
	d->body = body_own;
	d->due_ms = clock_mono_ms() + delay_ms;
	COPY(d->ret_id, ret_id);
	COPY(d->status, status);
}

/* --- calls, faults, stats ------------------------------------------------ */

const struct emu_fault *emu_count_call_locked(struct emu *m, const char *call)
{
	json_int_t n = json_integer_value(json_object_get(m->call_counts, call)) + 1;
	struct emu_call *c;
	size_t i, alloc;

	json_object_set_new(m->call_counts, call, json_integer(n));
	if (m->ncalls == m->calls_alloc) {
		alloc = m->calls_alloc ? m->calls_alloc * 2 : 1024;
		c = realloc(m->calls, alloc * sizeof(*c));
		if (c) {
			m->calls = c;
			m->calls_alloc = alloc;
		}
	}
	if (m->ncalls < m->calls_alloc) {
		c = &m->calls[m->ncalls++];
		c->t_ms = emu_real_ms(m);
		COPY(c->call, call);
		c->status = 200;
	}
	for (i = 0; i < m->nfaults; i++) {
		const struct emu_fault *f = &m->faults[i];

		if ((strcmp(f->call, call) == 0 || strcmp(f->call, "*") == 0) &&
		    n >= f->nth && n < f->nth + f->count)
			return f;
	}
	return NULL;
}

void emu_last_status_locked(struct emu *m, int status)
{
	if (m->ncalls)
		m->calls[m->ncalls - 1].status = status;
}

json_t *emu_stats_locked(struct emu *m, int64_t window_s)
{
	json_t *per_min = json_array(), *calls = json_array();
	int64_t w = window_s * 1000, max = 0, minute, last_minute = -1, count = 0;
	size_t i, j = 0;

	for (i = 0; i < m->ncalls; i++) {
		while (m->calls[j].t_ms <= m->calls[i].t_ms - w)
			j++;
		if ((int64_t)(i - j + 1) > max)
			max = (int64_t)(i - j + 1);
		minute = m->calls[i].t_ms / 60000;
		while (last_minute < minute) {
			if (last_minute >= 0)
				json_array_append_new(per_min, json_integer(count));
			count = 0;
			last_minute++;
		}
		count++;
		json_array_append_new(calls, json_pack("{sI ss si}", "t_ms", (json_int_t)m->calls[i].t_ms,
						       "call", m->calls[i].call, "status", m->calls[i].status));
	}
	if (last_minute >= 0)
		json_array_append_new(per_min, json_integer(count));
	return json_pack("{sI so so sI sI so}", "calls_total", (json_int_t)m->ncalls,
			 "by_call", json_deep_copy(m->call_counts), "per_minute", per_min,
			 "window_s", (json_int_t)window_s, "max_in_any_window", (json_int_t)max,
			 "calls", calls);
}
