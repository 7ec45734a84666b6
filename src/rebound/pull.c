/* rebound/pull: fetch, feed, remember. */
#define LOG_COMPONENT "rebound"
#include "rebound/pull.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/parse.h"

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool pull_sync_parse(const char *key, const char *value, struct pull_sync *out)
{
	json_t *j = json_loads(value, 0, NULL);

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j)) {
		json_decref(j);
		return false;
	}
	if (strncmp(key, PULL_SYNC_PREFIX, strlen(PULL_SYNC_PREFIX)) == 0)
		key += strlen(PULL_SYNC_PREFIX);
	copy_str(out->id, sizeof(out->id), key);
	copy_str(out->order_ref, sizeof(out->order_ref), jstr(j, "order_ref"));
	copy_str(out->tracking, sizeof(out->tracking), jstr(j, "tracking"));
	copy_str(out->status, sizeof(out->status), jstr(j, "status"));
	out->first_seen_ms = json_integer_value(json_object_get(j, "first_seen_ms"));
	out->last_checked_ms = json_integer_value(json_object_get(j, "last_checked_ms"));
	out->value_minor = json_integer_value(json_object_get(j, "value_minor"));
	out->closed = json_is_true(json_object_get(j, "closed"));
	json_decref(j);
	return true;
}

enum err_code pull_sync_get(struct store *st, const char *id,
			    struct pull_sync *out, struct err *e)
{
	struct buf key = BUF_INIT(512);
	char *v = NULL;
	enum err_code rc;

	buf_addf(&key, PULL_SYNC_PREFIX "%s", id);
	rc = store_kv_get(st, buf_str(&key), &v, e);
	if (rc == ERR_OK && !pull_sync_parse(buf_str(&key), v, out))
		rc = err_set(e, ERR_STORE, "state %s is not a sync record", buf_str(&key));
	free(v);
	buf_release(&key);
	return rc;
}

enum err_code pull_sync_put(struct store *st, const struct pull_sync *s,
			    struct err *e)
{
	struct buf key = BUF_INIT(512);
	json_t *j;
	char *v = NULL;
	enum err_code rc;

	j = json_pack("{ss ss ss sI sI sI sb}", "order_ref", s->order_ref,
		      "tracking", s->tracking, "status", s->status,
		      "first_seen_ms", (json_int_t)s->first_seen_ms,
		      "last_checked_ms", (json_int_t)s->last_checked_ms,
		      "value_minor", (json_int_t)s->value_minor, "closed", s->closed);
	v = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	buf_addf(&key, PULL_SYNC_PREFIX "%s", s->id);
	rc = v ? store_kv_set(st, buf_str(&key), v, e) : err_set(e, ERR_NOMEM, "out of memory");
	free(v);
	json_decref(j);
	buf_release(&key);
	return rc;
}

/* "19.99" → 1999; anything but digits with at most one '.' → -1. */
static int64_t decimal_minor(const char *s)
{
	int64_t v = 0;
	int frac = -1;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s) || v > INT64_MAX / 100)
			return -1;
		if (frac >= 2)
			continue; /* sub-cent digits: truncated, this is a priority */
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	if (frac < 0)
		frac = 0;
	for (; frac < 2; frac++)
		v *= 10;
	return v;
}

int64_t pull_value_minor(const char *price, const char *quantity)
{
	int64_t p = decimal_minor(price), q = 0;

	if (p < 0 || !quantity || parse_int64(quantity, 0, 100000, &q, NULL) != ERR_OK)
		return 0;
	return p * q;
}

static void count(struct pull_counts *n, const struct intake_result *r)
{
	switch (r->outcome) {
	case INTAKE_ACCEPTED:
		n->accepted++;
		break;
	case INTAKE_DUPLICATE:
		n->duplicate++;
		break;
	case INTAKE_PARKED:
		n->parked++;
		break;
	case INTAKE_MALFORMED:
	case INTAKE_NOT_REBOUND:
		n->refused++;
		break;
	}
}

static enum err_code feed_json(const struct feed *f, json_t *body,
			       const char *source, const char *what,
			       struct pull_counts *n, struct err *e)
{
	struct intake_result r;
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	enum err_code rc;

	if (!text)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = feed_submit(f, INTAKE_TRACKING, source, text, strlen(text), &r, e);
	free(text);
	if (rc != ERR_OK)
		return rc;
	count(n, &r);
	if (r.outcome == INTAKE_MALFORMED || r.outcome == INTAKE_NOT_REBOUND)
		log_warn("rebound %s: intake refused what Rebound answered: %s", what, r.reason);
	return ERR_OK;
}

static int same_status(const char *a, const char *b)
{
	return a && b && *b && strcasecmp(a, b) == 0;
}

/* Oldest first by dt text ("yyyy-mm-dd hh:mm:ss" sorts as text). */
static int by_dt(const void *a, const void *b)
{
	const char *x = jstr(*(json_t *const *)a, "dt"), *y = jstr(*(json_t *const *)b, "dt");

	return strcmp(x ? x : "", y ? y : "");
}

static enum err_code feed_tracking_history(struct rbclient *cl, const struct feed *f,
					   json_t *ret, const char *code,
					   const char *source, struct pull_counts *n,
					   struct err *e)
{
	json_t *trk = NULL, *list, *ev, *copy;
	json_t **sorted = NULL;
	enum err_code rc;
	size_t i, k = 0;

	rc = legacy_get_tracking(rbclient_legacy(cl), code, &trk, e);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* no events yet */
	if (rc != ERR_OK)
		return rc;
	list = json_object_get(trk, "track");
	sorted = calloc(json_array_size(list) + 1, sizeof(*sorted));
	if (!sorted) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, ev)
		if (json_is_object(ev) && jstr(ev, "status"))
			sorted[k++] = ev;
	qsort(sorted, k, sizeof(*sorted), by_dt);
	for (i = 0; i < k && rc == ERR_OK; i++) {
		copy = json_deep_copy(ret);
		if (!copy) {
			rc = err_set(e, ERR_NOMEM, "out of memory");
			break;
		}
		json_object_set(copy, "current_tracking_status", json_object_get(sorted[i], "status"));
		if (jstr(sorted[i], "dt"))
			json_object_set(copy, "tracking_last_update", json_object_get(sorted[i], "dt"));
		rc = feed_json(f, copy, source, "tracking/get", n, e);
		json_decref(copy);
	}
out:
	free(sorted);
	json_decref(trk);
	return rc;
}

static void remember_legacy(struct pull_sync *s, json_t *ret, const struct rbopts *o)
{
	json_t *items = json_object_get(ret, "item"), *it;
	size_t i;

	copy_str(s->order_ref, sizeof(s->order_ref), jstr(ret, "order_reference"));
	copy_str(s->tracking, sizeof(s->tracking), jstr(ret, "tracking"));
	copy_str(s->status, sizeof(s->status), jstr(ret, "current_tracking_status"));
	s->value_minor = 0;
	json_array_foreach(items, i, it)
		s->value_minor += pull_value_minor(jstr(it, "price"), jstr(it, "quantity"));
	s->closed = same_status(s->status, o->cancelled_status) ||
		    same_status(s->status, o->final_status);
}

static enum err_code touch_sync(struct store *st, struct pull_sync *s,
				struct err *e)
{
	struct pull_sync old;
	int64_t now = clock_now_ms();

	if (pull_sync_get(st, s->id, &old, NULL) == ERR_OK && old.first_seen_ms)
		s->first_seen_ms = old.first_seen_ms;
	else
		s->first_seen_ms = now;
	s->last_checked_ms = now;
	return pull_sync_put(st, s, e);
}

enum err_code pull_legacy_return(struct rbclient *cl, struct store *st,
				 const struct feed *f, const char *id,
				 const char *source, struct pull_counts *n,
				 struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	struct pull_sync s;
	json_t *ret = NULL;
	const char *code;
	enum err_code rc;

	if (!rbclient_legacy(cl))
		return err_set(e, ERR_CONFIG, "the legacy API is not configured (rebound.legacy_login, rebound.legacy_api_key)");
	rc = legacy_get_return(rbclient_legacy(cl), id, &ret, e);
	if (rc != ERR_OK) {
		n->failed++;
		return rc;
	}
	n->returns++;
	code = jstr(ret, "tracking");
	if (o->fetch_tracking && code && *code) {
		rc = feed_tracking_history(cl, f, ret, code, source, n, e);
		if (rc != ERR_OK)
			goto out;
	}
	rc = feed_json(f, ret, source, "returns/get", n, e);
	if (rc != ERR_OK)
		goto out;
	memset(&s, 0, sizeof(s));
	copy_str(s.id, sizeof(s.id), id);
	remember_legacy(&s, ret, o);
	rc = touch_sync(st, &s, e);
out:
	json_decref(ret);
	return rc;
}

/* A platform return order as a Tracking Update body. The return-order
 * schema is not public: the emulator's (docs/rebound.md) is assumed. */
static json_t *order_as_tracking(json_t *ro, const char *cid)
{
	json_t *order, *items, *src, *it, *copy, *q, *body;
	const char *rid = jstr(ro, "reboundOrderId") ? jstr(ro, "reboundOrderId") : jstr(ro, "id");
	const char *st = jstr(ro, "status") ? jstr(ro, "status") : jstr(ro, "milestone");
	char num[32];
	size_t i;

	if (!rid)
		return NULL;
	order = json_pack("{ss ss}", "reboundOrderId", rid, "clientOrderId",
			  jstr(ro, "clientOrderId") ? jstr(ro, "clientOrderId") : cid);
	if (!order)
		return NULL;
	if (jstr(ro, "location"))
		json_object_set(order, "location", json_object_get(ro, "location"));
	src = json_object_get(ro, "items");
	if (json_is_array(src)) {
		items = json_array();
		json_array_foreach(src, i, it) {
			copy = json_deep_copy(it);
			q = json_object_get(copy, "quantity");
			if (json_is_integer(q)) {
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(q));
				json_object_set_new(copy, "quantity", json_string(num));
			}
			json_array_append_new(items, copy);
		}
		json_object_set_new(order, "items", items);
	}
	body = json_pack("{so}", "order", order);
	if (body && st)
		json_object_set_new(body, "milestone", json_string(st));
	return body;
}

enum err_code pull_platform_order(struct rbclient *cl, struct store *st,
				  const struct feed *f, const char *cid,
				  const char *source, struct pull_counts *n,
				  struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	json_t *orders = NULL, *ro, *body;
	struct pull_sync s;
	enum err_code rc;
	size_t i;

	if (!rbclient_platform(cl))
		return err_set(e, ERR_CONFIG, "the platform API is not configured (rebound.platform_client_id, rebound.platform_client_secret)");
	rc = platform_return_orders(rbclient_platform(cl), cid, &orders, e);
	if (rc != ERR_OK) {
		n->failed++;
		return rc;
	}
	json_array_foreach(orders, i, ro) {
		body = order_as_tracking(ro, cid);
		if (!body) {
			log_warn("rebound return orders for %s: entry %zu has no id; skipped", cid, i);
			n->refused++;
			continue;
		}
		n->returns++;
		rc = feed_json(f, body, source, "return orders", n, e);
		if (rc == ERR_OK) {
			memset(&s, 0, sizeof(s));
			copy_str(s.id, sizeof(s.id), jstr(json_object_get(body, "order"), "reboundOrderId"));
			copy_str(s.order_ref, sizeof(s.order_ref), cid);
			copy_str(s.status, sizeof(s.status), jstr(body, "milestone"));
			s.closed = same_status(s.status, o->cancelled_status) ||
				   same_status(s.status, o->final_status);
			rc = touch_sync(st, &s, e);
		}
		json_decref(body);
		if (rc != ERR_OK)
			break;
	}
	json_decref(orders);
	return rc;
}
