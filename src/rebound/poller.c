/* rebound/poller: discovery, the tracking sweep and its schedule. */
#define LOG_COMPONENT "poller"
#include "rebound/poller.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rebound/backfill.h"
#include "rebound/statuspush.h"
#include "util/clock.h"
#include "util/log.h"

struct cand {
	char id[128];
	char order_ref[128];
	int64_t since_ms;          /* first seen: older first */
	int64_t value_minor;       /* then more valuable first */
	int64_t checked_ms;
};

struct cands {
	struct cand *v;
	size_t n, alloc;
	int oom;
	int by_order;              /* platform: one entry per order */
};

static struct cand *cand_add(struct cands *c)
{
	struct cand *p;
	size_t n;

	if (c->n == c->alloc) {
		n = c->alloc ? c->alloc * 2 : 64;
		p = realloc(c->v, n * sizeof(*p));
		if (!p) {
			c->oom = 1;
			return NULL;
		}
		c->v = p;
		c->alloc = n;
	}
	p = &c->v[c->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void from_sync(const char *key, const char *value, void *arg)
{
	struct cands *c = arg;
	struct pull_sync s;
	struct cand *p;

	if (!pull_sync_parse(key, value, &s) || s.closed)
		return;
	p = cand_add(c);
	if (!p)
		return;
	snprintf(p->id, sizeof(p->id), "%s", s.id);
	snprintf(p->order_ref, sizeof(p->order_ref), "%s", s.order_ref);
	p->since_ms = s.first_seen_ms;
	p->value_minor = s.value_minor;
	p->checked_ms = s.last_checked_ms;
}

static void from_returns(const struct store_return *r,
			 const struct store_exception_row *x, int nx, void *arg)
{
	struct cands *c = arg;
	struct cand *p;

	(void)x;
	(void)nx;
	p = cand_add(c);
	if (!p)
		return;
	snprintf(p->id, sizeof(p->id), "%s", r->rebound_return_id);
	snprintf(p->order_ref, sizeof(p->order_ref), "%s", r->order_ref ? r->order_ref : "");
	p->since_ms = r->created_at_ms;
	p->checked_ms = -1; /* known from notifications only */
}

static const char *cand_key(const struct cands *c, const struct cand *p)
{
	return c->by_order ? p->order_ref : p->id;
}

/* Equal keys: a sync record (checked_ms >= 0) before a bare return, as it
 * knows more. */
static int tie(const struct cand *x, const struct cand *y)
{
	return (x->checked_ms < y->checked_ms) - (x->checked_ms > y->checked_ms);
}

static int by_id(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int d = strcmp(x->id, y->id);

	return d ? d : tie(x, y);
}

static int by_order(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int d = strcmp(x->order_ref, y->order_ref);

	return d ? d : tie(x, y);
}

static int by_priority(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->since_ms != y->since_ms)
		return x->since_ms < y->since_ms ? -1 : 1;
	if (x->value_minor != y->value_minor)
		return x->value_minor > y->value_minor ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Every open return once (once per order with the platform API), in
 * sweep order: oldest first, then most valuable. */
static enum err_code collect(struct store *st, struct cands *c, struct err *e)
{
	enum err_code rc;
	size_t i, k = 0;

	rc = store_kv_list(st, PULL_SYNC_PREFIX, from_sync, c, e);
	/* The platform API looks orders up, so every open return's order
	 * counts, however we learnt of it. The legacy API fetches by its own
	 * return id, which notifications (platform ids, "(00)…") do not
	 * carry: it re-checks what it pulled itself, and its search finds
	 * the rest. */
	if (rc == ERR_OK && c->by_order)
		rc = store_returns_open(st, 1000000, from_returns, c, e);
	if (rc == ERR_OK && c->oom)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	if (rc != ERR_OK || c->n == 0)
		return rc; /* (qsort must not see the NULL of an empty list) */
	qsort(c->v, c->n, sizeof(*c->v), c->by_order ? by_order : by_id);
	for (i = 0; i < c->n; i++) {
		if (!*cand_key(c, &c->v[i]))
			continue;
		if (k > 0 && strcmp(cand_key(c, &c->v[k - 1]), cand_key(c, &c->v[i])) == 0) {
			/* the same return (order) from both sources: keep the
			 * oldest date and the highest value */
			if (c->v[i].since_ms && c->v[i].since_ms < c->v[k - 1].since_ms)
				c->v[k - 1].since_ms = c->v[i].since_ms;
			if (c->v[i].value_minor > c->v[k - 1].value_minor)
				c->v[k - 1].value_minor = c->v[i].value_minor;
			continue;
		}
		c->v[k++] = c->v[i];
	}
	c->n = k;
	qsort(c->v, c->n, sizeof(*c->v), by_priority);
	return ERR_OK;
}

/* Legacy: search the recent days for returns never seen. */
static enum err_code discover(struct rbclient *cl, struct store *st,
			      const struct feed *f, struct poll_report *r,
			      int64_t round_ms, struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	int64_t today = clock_now_ms() / 86400000, from, to;
	char fs[11], ts[11];
	struct pull_sync s;
	struct err pe = ERR_INIT;
	json_t *ids = NULL, *v;
	enum err_code rc = ERR_OK;
	size_t i;

	for (from = today - o->poll_lookback_days + 1; from <= today && rc == ERR_OK; from = to + 1) {
		to = from + o->search_window_days - 1;
		if (to > today)
			to = today;
		backfill_format_date(from, true, fs);
		backfill_format_date(to, true, ts);
		rc = legacy_search(rbclient_legacy(cl), fs, ts, &ids, e);
		if (rc != ERR_OK)
			return rc;
		json_array_foreach(ids, i, v) {
			if (pull_sync_get(st, json_string_value(v), &s, NULL) == ERR_OK)
				continue;
			err_clear(&pe);
			rc = pull_legacy_return(cl, st, f, json_string_value(v), "poll", &r->counts, &pe);
			if (rc == ERR_OK) {
				r->discovered++;
			} else if (rc == ERR_INVALID || rc == ERR_IO) {
				log_warn("return %s: %s", json_string_value(v), pe.msg);
				rc = ERR_OK;
			} else {
				err_set(e, rc, "%s", pe.msg);
				break;
			}
		}
		json_decref(ids);
		ids = NULL;
	}
	(void)round_ms;
	return rc;
}

static enum err_code sweep(struct rbclient *cl, struct store *st,
			   const struct feed *f, struct poll_report *r,
			   int64_t round_ms, struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	struct cands c;
	struct err pe = ERR_INIT;
	enum err_code rc;
	int64_t t0 = clock_mono_ms();
	double calls_each;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.by_order = o->api == CFG_REBOUND_PLATFORM;
	rc = collect(st, &c, e);
	if (rc != ERR_OK)
		goto out;
	r->open = (int64_t)c.n;
	for (i = 0; i < c.n; i++) {
		/* pulled by discovery a moment ago */
		if (c.v[i].checked_ms >= round_ms)
			continue;
		err_clear(&pe);
		if (c.by_order)
			rc = pull_platform_order(cl, st, f, c.v[i].order_ref, "poll", &r->counts, &pe);
		else
			rc = pull_legacy_return(cl, st, f, c.v[i].id, "poll", &r->counts, &pe);
		if (rc == ERR_INVALID || rc == ERR_IO || rc == ERR_NOT_FOUND) {
			log_warn("re-check of %s: %s", c.by_order ? c.v[i].order_ref : c.v[i].id, pe.msg);
			rc = ERR_OK;
		} else if (rc != ERR_OK) {
			err_set(e, rc, "%s", pe.msg);
			goto out;
		}
		r->swept++;
	}
out:
	r->sweep_ms = clock_mono_ms() - t0;
	calls_each = c.by_order ? 1.0 : (o->fetch_tracking ? 2.0 : 1.0);
	r->full_sweep_s = o->per_minute > 0 ? (double)r->open * calls_each * 60.0 / o->per_minute : 0;
	free(c.v);
	return rc;
}

enum err_code poller_run_once(struct rbclient *cl, struct store *st,
			      const struct feed *f, struct poll_report *r,
			      struct err *e)
{
	const struct rbopts *o = rbclient_opts(cl);
	int64_t round_ms = clock_now_ms();
	enum err_code rc = ERR_OK;

	memset(r, 0, sizeof(*r));
	if (o->api == CFG_REBOUND_LEGACY) {
		if (!rbclient_legacy(cl))
			return err_set(e, ERR_CONFIG, "rebound.api = legacy but the legacy credentials are not set");
		rc = discover(cl, st, f, r, round_ms, e);
	} else if (o->api == CFG_REBOUND_PLATFORM && !rbclient_platform(cl)) {
		return err_set(e, ERR_CONFIG, "rebound.api = platform but the client credentials are not set");
	}
	if (rc == ERR_OK && o->api != CFG_REBOUND_NONE)
		rc = sweep(cl, st, f, r, round_ms, e);
	if (rc == ERR_OK && o->status_push != CFG_PUSH_OFF)
		rc = statuspush_run_due(cl, st, clock_now_ms(), &r->pushes_done, &r->pushes_failed, e);
	return rc;
}

/* --- the thread --------------------------------------------------------- */

struct poller {
	pthread_t thread;
	_Atomic int stop;
	struct rbclient *cl;
	struct store *st;
	struct feed feed;
};

static void log_round(const struct poll_report *r, const struct rbopts *o)
{
	log_info("poll: %lld new return(s) found, %lld of %lld open re-checked in %.1f s; %lld body(ies) stored, %lld already known, %lld failed; a full sweep needs %.0f s at %.0f calls/min",
		 (long long)r->discovered, (long long)r->swept, (long long)r->open,
		 (double)r->sweep_ms / 1000.0, (long long)(r->counts.accepted + r->counts.parked),
		 (long long)r->counts.duplicate, (long long)r->counts.failed,
		 r->full_sweep_s, o->per_minute);
}

static void *run(void *arg)
{
	struct poller *p = arg;
	const struct rbopts *o = rbclient_opts(p->cl);
	struct poll_report r;
	struct err e = ERR_INIT;
	int64_t next_poll = 0, next_push = 0, now;
	int done = 0, failed = 0;

	while (!p->stop) {
		now = clock_mono_ms();
		if (o->api != CFG_REBOUND_NONE && o->poll_interval_s > 0 && now >= next_poll) {
			err_clear(&e);
			if (poller_run_once(p->cl, p->st, &p->feed, &r, &e) == ERR_OK)
				log_round(&r, o);
			else if (!p->stop)
				log_err("poll failed (next try in %lld s): %s", (long long)o->poll_interval_s, e.msg);
			next_poll = clock_mono_ms() + o->poll_interval_s * 1000;
			next_push = clock_mono_ms() + 5000;
		} else if (o->status_push != CFG_PUSH_OFF && now >= next_push) {
			/* pushes recorded by others in between polls */
			err_clear(&e);
			if (statuspush_run_due(p->cl, p->st, clock_now_ms(), &done, &failed, &e) != ERR_OK && !p->stop)
				log_err("status push: %s", e.msg);
			next_push = clock_mono_ms() + 5000;
		}
		rbhttp_sleep(rbclient_http(p->cl), 200);
	}
	return NULL;
}

enum err_code poller_start(const struct cfg *c, struct poller **out,
			   struct err *e)
{
	struct poller *p;
	enum err_code rc;

	*out = NULL;
	if ((c->rebound_api == CFG_REBOUND_NONE || c->rebound_poll_interval_s == 0) &&
	    c->rebound_status_push == CFG_PUSH_OFF)
		return ERR_OK;
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, ERR_NOMEM, "out of memory");
	rc = rbclient_new(c, NULL, &p->stop, &p->cl, e);
	if (rc == ERR_OK)
		rc = store_open(c, &p->st, e);
	if (rc == ERR_OK)
		p->feed = feed_intake(p->st);
	if (rc == ERR_OK && pthread_create(&p->thread, NULL, run, p) != 0)
		rc = err_set(e, ERR_INTERNAL, "cannot start the poller thread");
	if (rc != ERR_OK) {
		store_close(p->st);
		rbclient_free(p->cl);
		free(p);
		return rc;
	}
	log_info("rebound poller started (%s API, every %lld s, limit %.0f calls/min)",
		 c->rebound_api == CFG_REBOUND_LEGACY ? "legacy" :
		 c->rebound_api == CFG_REBOUND_PLATFORM ? "platform" : "no",
		 (long long)c->rebound_poll_interval_s, rbclient_opts(p->cl)->per_minute);
	*out = p;
	return ERR_OK;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	p->stop = 1;
	pthread_join(p->thread, NULL);
	rbclient_free(p->cl);
	store_close(p->st);
	free(p);
}
