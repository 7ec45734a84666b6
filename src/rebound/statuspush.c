/* rebound/statuspush: record, render, push, retry, give up visibly. */
#define LOG_COMPONENT "statuspush"
#include "rebound/statuspush.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

/* s as the inside of a JSON string (jansson escapes it, we drop the
 * quotes), so a value can never break out of its placeholder's string. */
static void add_escaped(struct buf *b, const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	size_t n = text ? strlen(text) : 0;

	/* not UTF-8 (json_string refuses it): the value is left out */
	if (n >= 2)
		buf_add(b, text + 1, n - 2);
	free(text);
	json_decref(v);
}

enum err_code statuspush_render(const char *tmpl, const char *status,
				const struct statuspush_refund *r, char **out,
				struct err *e)
{
	char date[CLOCK_ISO_LEN];
	const char *names[] = { "return_id", "order_ref", "status", "amount",
				"currency", "credit_note", "date" };
	const char *vals[7];
	struct buf b = BUF_INIT(64 * 1024);
	json_t *check;
	size_t i, n;
	const char *p;

	clock_iso(clock_now_ms(), date, sizeof(date));
	vals[0] = r->return_id;
	vals[1] = r->order_ref;
	vals[2] = status;
	vals[3] = r->amount;
	vals[4] = r->currency;
	vals[5] = r->credit_note;
	vals[6] = date;
	for (p = tmpl; *p; p++) {
		if (*p == '{') {
			for (i = 0; i < ARRAY_LEN(names); i++) {
				n = strlen(names[i]);
				if (strncmp(p + 1, names[i], n) == 0 && p[n + 1] == '}')
					break;
			}
			if (i < ARRAY_LEN(names)) {
				add_escaped(&b, vals[i]);
				p += n + 1;
				continue;
			}
		}
		buf_addc(&b, *p);
	}
	if (buf_failed(&b)) {
		buf_release(&b);
		return err_set(e, ERR_TOO_BIG, "rebound.status_push_request renders too large");
	}
	check = json_loads(buf_str(&b), 0, NULL);
	if (!json_is_object(check)) {
		json_decref(check);
		buf_release(&b);
		return err_set(e, ERR_INVALID, "rebound.status_push_request does not render to a JSON object (placeholders go inside quotes: \"{return_id}\")");
	}
	json_decref(check);
	*out = buf_detach(&b, NULL);
	return *out ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
}

enum err_code statuspush_record(struct store *st, const struct cfg *c,
				const struct statuspush_refund *r,
				const char **state, struct err *e)
{
	struct buf key = BUF_INIT(512);
	char *req = NULL, *old = NULL, *v = NULL;
	json_t *j = NULL;
	enum err_code rc;

	*state = c->rebound_status_push == CFG_PUSH_OFF ? "recorded" : "pending";
	buf_addf(&key, STATUSPUSH_PREFIX "%s", r->return_id);
	rc = store_kv_get(st, buf_str(&key), &old, e);
	if (rc == ERR_OK) {
		/* recorded before: a retry of the engine's step changes nothing */
		j = json_loads(old, 0, NULL);
		if (json_is_string(json_object_get(j, "state")))
			*state = "already recorded";
		goto out;
	}
	if (rc != ERR_NOT_FOUND)
		goto out;
	err_clear(e);
	rc = statuspush_render(c->rebound_status_push_request, c->rebound_status_push_text, r, &req, e);
	if (rc != ERR_OK)
		goto out;
	j = json_pack("{ss ss ss ss* ss* ss* ss* sI sI si}", "status", c->rebound_status_push_text,
		      "request", req, "state", *state, "order_ref", r->order_ref,
		      "amount", r->amount, "currency", r->currency, "credit_note", r->credit_note,
		      "recorded_at_ms", (json_int_t)clock_now_ms(), "next_at_ms", (json_int_t)0,
		      "attempts", 0);
	v = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rc = v ? store_kv_set(st, buf_str(&key), v, e) : err_set(e, ERR_NOMEM, "out of memory");
	if (rc == ERR_OK)
		log_info("refund status of %s recorded (%s)", r->return_id, *state);
out:
	json_decref(j);
	free(v);
	free(old);
	free(req);
	buf_release(&key);
	return rc;
}

struct due {
	char **keys;
	size_t n, alloc;
	int64_t now;
	int oom;
};

static void collect_due(const char *key, const char *value, void *arg)
{
	struct due *d = arg;
	json_t *j = json_loads(value, 0, NULL);
	const char *state = json_string_value(json_object_get(j, "state"));
	char **p;

	if (state && strcmp(state, "pending") == 0 &&
	    json_integer_value(json_object_get(j, "next_at_ms")) <= d->now) {
		if (d->n == d->alloc) {
			p = realloc(d->keys, (d->alloc ? d->alloc * 2 : 16) * sizeof(*p));
			if (!p) {
				d->oom = 1;
				json_decref(j);
				return;
			}
			d->keys = p;
			d->alloc = d->alloc ? d->alloc * 2 : 16;
		}
		d->keys[d->n] = strdup(key);
		if (d->keys[d->n])
			d->n++;
		else
			d->oom = 1;
	}
	json_decref(j);
}

/* A push that will not happen: an exception for a person (customer
 * support owns what Rebound shows the customer) and an audit line. Failing
 * to write either is logged; the refund itself is never touched. */
static void give_up(struct store *st, const char *rid, const char *why,
		    int64_t attempts)
{
	struct store_exception_new x = { 0 };
	struct store_find q = { 0 };
	struct err e = ERR_INIT;
	char msg[700], *dtext;
	json_t *detail;
	int64_t id = 0;
	int n = 0;

	q.rebound_return_id = rid;
	if (store_return_find(st, &q, &id, 1, &n, &e) != ERR_OK || n != 1)
		id = 0;
	snprintf(msg, sizeof(msg), "refund status not pushed to Rebound after %lld rounds: %s",
		 (long long)attempts, why);
	x.return_id = id;
	x.type = "status_push_failed";
	x.owner = "support";
	x.priority = 1;
	x.message = msg;
	if (store_exception_add(st, &x, NULL, &e) != ERR_OK)
		log_err("exception for the failed push of %s not written: %s", rid, e.msg);
	detail = json_pack("{ss ss sI}", "rebound_return_id", rid, "error", why,
			   "attempts", (json_int_t)attempts);
	dtext = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	if (store_audit_add(st, "statuspush", id, "rebound_status_push_failed",
			    dtext ? dtext : "{}", &e) != ERR_OK)
		log_err("audit of the failed push of %s not written: %s", rid, e.msg);
	free(dtext);
	json_decref(detail);
}

/* One push of one record; updates the record whatever happens. */
static enum err_code push_one(struct rbclient *cl, struct store *st,
			      const char *key, int64_t now, int *done,
			      int *failed, struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	const char *rid = key + strlen(STATUSPUSH_PREFIX);
	struct err pe = ERR_INIT;
	char *v = NULL, *out = NULL;
	json_t *j = NULL;
	json_int_t attempts;
	enum err_code rc, prc;

	rc = store_kv_get(st, key, &v, e);
	if (rc != ERR_OK)
		return rc;
	j = json_loads(v, 0, NULL);
	if (!json_is_object(j)) {
		rc = err_set(e, ERR_STORE, "push record %s is damaged", key);
		goto out;
	}
	attempts = json_integer_value(json_object_get(j, "attempts")) + 1;
	json_object_set_new(j, "attempts", json_integer(attempts));
	if (!rbclient_legacy(cl))
		prc = err_set(&pe, ERR_CONFIG, "legacy API credentials not set");
	else
		prc = legacy_call_text(rbclient_legacy(cl), o->push_call,
				       json_string_value(json_object_get(j, "request")), &pe);
	if (prc == ERR_OK) {
		json_object_set_new(j, "state", json_string("done"));
		json_object_set_new(j, "done_at_ms", json_integer(now));
		(*done)++;
		log_info("refund status of %s pushed to Rebound (%s)", rid, o->push_call);
	} else if (prc == ERR_BUSY) {
		rc = err_set(e, ERR_BUSY, "%s", pe.msg);
		goto out;
	} else {
		json_object_set_new(j, "last_error", json_string(pe.msg));
		if (attempts >= o->push_max_attempts) {
			json_object_set_new(j, "state", json_string("failed"));
			(*failed)++;
			log_err("refund status of %s could not be pushed to Rebound after %lld rounds, giving up (the refund itself is not affected): %s",
				rid, (long long)attempts, pe.msg);
			give_up(st, rid, pe.msg, (int64_t)attempts);
		} else {
			json_object_set_new(j, "next_at_ms", json_integer(now + o->push_retry_s * 1000));
			log_warn("refund status of %s not pushed (round %lld of %lld, next in %lld s): %s",
				 rid, (long long)attempts, (long long)o->push_max_attempts,
				 (long long)o->push_retry_s, pe.msg);
		}
	}
	out = json_dumps(j, JSON_COMPACT);
	rc = out ? store_kv_set(st, key, out, e) : err_set(e, ERR_NOMEM, "out of memory");
out:
	free(out);
	json_decref(j);
	free(v);
	return rc;
}

enum err_code statuspush_run_due(struct rbclient *cl, struct store *st,
				 int64_t now_ms, int *done, int *failed,
				 struct err *e)
{
	struct due d;
	enum err_code rc;
	size_t i;

	*done = 0;
	*failed = 0;
	memset(&d, 0, sizeof(d));
	d.now = now_ms;
	rc = store_kv_list(st, STATUSPUSH_PREFIX, collect_due, &d, e);
	if (rc == ERR_OK && d.oom)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < d.n && rc == ERR_OK; i++)
		rc = push_one(cl, st, d.keys[i], now_ms, done, failed, e);
	for (i = 0; i < d.n; i++)
		free(d.keys[i]);
	free(d.keys);
	return rc;
}
