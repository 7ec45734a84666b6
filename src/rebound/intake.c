/* rebound/intake: classify → normalise → dedupe → store (group commit), and
 * later apply stored events to returns with the identity rule. */
#define LOG_COMPONENT "intake"
#include "rebound/intake.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rebound/notice.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/parse.h"

#define BATCH_MAX 256

static const char *const kind_names[] = { "tracking", "refund_trigger" };
_Static_assert(ARRAY_LEN(kind_names) == INTAKE__KIND_COUNT, "kind names");

const char *intake_kind_name(enum intake_kind kind)
{
	return (unsigned)kind < INTAKE__KIND_COUNT ? kind_names[kind] : "unknown";
}

/* One notification made ready for the store: everything computed outside
 * any lock. */
struct prepared {
	struct store_event ev;
	char key[96];
	char *normalized;
	char *rid;
	char *order;
	char *park;
};

static void prepared_release(struct prepared *p)
{
	free(p->normalized);
	free(p->rid);
	free(p->order);
	free(p->park);
}

static int sha256_hex(const char *s, char *out, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char d[32];
	unsigned int n = 0, i;

	if (len < 65 || !EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL))
		return -1;
	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[d[i] >> 4];
		out[2 * i + 1] = hexd[d[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

/* Fill *p, or say in *res why the body is refused (MALFORMED, NOT_REBOUND).
 * Returns 1 when there is something to store. */
static int prepare(enum intake_kind kind, const char *source, const char *body,
		   size_t len, struct prepared *p, struct intake_result *res)
{
	struct rb_notice n;
	json_error_t je;
	json_t *root, *norm;
	enum rb_class cls;
	char *canon = NULL;
	char hex[65];
	int ok = 0;

	memset(p, 0, sizeof(*p));
	memset(res, 0, sizeof(*res));
	/* jansson refuses nesting deeper than 2048 levels, so a hostile body
	 * cannot exhaust the stack */
	root = json_loadb(body, len, 0, &je);
	if (!root) {
		res->outcome = INTAKE_MALFORMED;
		snprintf(res->reason, sizeof(res->reason), "malformed JSON at line %d column %d: %s",
			 je.line, je.column, je.text);
		return 0;
	}
	cls = rb_notice_parse(root, kind == INTAKE_REFUND_TRIGGER, &n, res->reason,
			      sizeof(res->reason));
	if (cls == RB_NOT_REBOUND) {
		res->outcome = INTAKE_NOT_REBOUND;
		json_decref(root);
		return 0;
	}
	canon = rb_canonical(root);
	norm = rb_notice_to_json(&n);
	p->normalized = norm ? json_dumps(norm, JSON_COMPACT) : NULL;
	json_decref(norm);
	if (!canon || !p->normalized || sha256_hex(canon, hex, sizeof(hex)) != 0) {
		res->outcome = INTAKE_MALFORMED;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		goto out;
	}
	snprintf(p->key, sizeof(p->key), "%s:%s", intake_kind_name(kind), hex);
	p->rid = n.rebound_return_id ? strdup(n.rebound_return_id) : NULL;
	p->order = n.client_order_id ? strdup(n.client_order_id) : NULL;
	if (cls == RB_UNUSABLE)
		p->park = strdup(res->reason);
	p->ev.source = source;
	p->ev.kind = intake_kind_name(kind);
	p->ev.dedup_key = p->key;
	p->ev.rebound_return_id = p->rid;
	p->ev.order_ref = p->order;
	p->ev.raw_body = body;
	p->ev.raw_len = (int64_t)len;
	p->ev.normalized = p->normalized;
	p->ev.park_reason = p->park;
	ok = 1;
out:
	free(canon);
	rb_notice_release(&n);
	json_decref(root);
	return ok;
}

static void settle(const struct prepared *p, int64_t id, bool dup,
		   struct intake_result *res)
{
	res->event_id = id;
	if (dup)
		res->outcome = INTAKE_DUPLICATE;
	else if (p->park)
		res->outcome = INTAKE_PARKED;
	else
		res->outcome = INTAKE_ACCEPTED;
}

enum err_code intake_submit(struct store *st, enum intake_kind kind,
			    const char *source, const char *body, size_t len,
			    struct intake_result *res, struct err *e)
{
	struct prepared p;
	enum err_code rc;
	int64_t id = 0;
	bool dup = false;

	if (!prepare(kind, source, body, len, &p, res))
		return ERR_OK;
	rc = store_events_add(st, &p.ev, 1, &id, &dup, e);
	if (rc == ERR_OK)
		settle(&p, id, dup, res);
	prepared_release(&p);
	return rc;
}

/* --- group commit --------------------------------------------------------- */

/* A prepared notification in the committer's queue. Submitted either
 * synchronously (the submitter waits on `done`; the waiter lives on its
 * stack) or with a callback (heap, freed by the committer after the call). */
struct waiter {
	struct prepared p;
	struct intake_result *res;
	struct intake_result own;  /* res points here for callback waiters */
	enum err_code rc;
	struct err err;
	bool done;
	intake_done_fn *cb;
	void *cb_arg;
	struct waiter *next;
};

struct intake_committer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;       /* the committer waits for submissions */
	pthread_cond_t done;       /* submitters wait for their commit */
	struct waiter *head, **tail;
	bool stop;
	int64_t stall_ms;          /* test hook */
	bool fail;                 /* test hook */
	int64_t batches, events;   /* for the log at stop */
};

static void read_hook(struct intake_committer *c)
{
	const char *h = getenv("RETURNBRIDGE_TEST_COMMIT_HOOK");
	struct err e = ERR_INIT;

	if (!h || !*h)
		return;
	if (strcmp(h, "fail") == 0)
		c->fail = true;
	else if (strncmp(h, "stall:", 6) != 0 ||
		 parse_int64(h + 6, 0, 600000, &c->stall_ms, &e) != ERR_OK) {
		log_warn("ignoring RETURNBRIDGE_TEST_COMMIT_HOOK=%s (use stall:MS or fail)", h);
		return;
	}
	log_warn("test hook active: commits %s", c->fail ? "fail" : "are delayed");
}

static void commit_batch(struct intake_committer *c, struct waiter *batch)
{
	struct store_event evs[BATCH_MAX];
	int64_t ids[BATCH_MAX];
	bool dup[BATCH_MAX];
	struct err e = ERR_INIT;
	struct waiter *w, *next, *callbacks = NULL;
	enum err_code rc;
	size_t n = 0, i;
	struct timespec ts;

	for (w = batch; w; w = w->next)
		evs[n++] = w->p.ev;
	if (c->stall_ms > 0) {
		ts.tv_sec = c->stall_ms / 1000;
		ts.tv_nsec = (c->stall_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	if (c->fail)
		rc = err_set(&e, ERR_STORE, "commit failed (test hook)");
	else
		rc = store_events_add(c->st, evs, n, ids, dup, &e);
	if (rc != ERR_OK)
		log_err("storing %zu notification(s) failed, answering 503 so Rebound retries: %s", n, e.msg);
	pthread_mutex_lock(&c->lock);
	for (w = batch, i = 0; w; w = next, i++) {
		next = w->next;
		w->rc = rc;
		w->err = e;
		if (rc == ERR_OK)
			settle(&w->p, ids[i], dup[i], w->res);
		if (w->cb) {
			/* ours: answered after the lock is released */
			w->next = callbacks;
			callbacks = w;
			continue;
		}
		w->done = true; /* the submitter may free it once we unlock */
	}
	c->batches++;
	c->events += (int64_t)n;
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
	for (w = callbacks; w; w = next) {
		next = w->next;
		w->cb(w->cb_arg, w->rc, w->res, &w->err);
		prepared_release(&w->p);
		free(w);
	}
}

static void *committer_main(void *arg)
{
	struct intake_committer *c = arg;
	struct waiter *batch, *last;
	size_t n;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->head && !c->stop)
			pthread_cond_wait(&c->work, &c->lock);
		if (!c->head)
			break; /* stopping, and nothing left to write */
		batch = c->head;
		last = batch;
		for (n = 1; last->next && n < BATCH_MAX; n++)
			last = last->next;
		c->head = last->next;
		if (!c->head)
			c->tail = &c->head;
		last->next = NULL;
		pthread_mutex_unlock(&c->lock);
		commit_batch(c, batch);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

enum err_code intake_committer_new(struct store *st, struct intake_committer **out,
				   struct err *e)
{
	struct intake_committer *c = calloc(1, sizeof(*c));

	if (!c)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->st = st;
	c->tail = &c->head;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	read_hook(c);
	if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		free(c);
		return err_set(e, ERR_INTERNAL, "cannot start the intake committer thread");
	}
	*out = c;
	return ERR_OK;
}

void intake_committer_free(struct intake_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	if (c->events > 0)
		log_info("intake committed %lld notification(s) in %lld commit(s)",
			 (long long)c->events, (long long)c->batches);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void enqueue(struct intake_committer *c, struct waiter *w)
{
	pthread_mutex_lock(&c->lock);
	*c->tail = w;
	c->tail = &w->next;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
}

enum err_code intake_committer_submit(struct intake_committer *c,
				      enum intake_kind kind, const char *source,
				      const char *body, size_t len,
				      struct intake_result *res, struct err *e)
{
	struct waiter w;
	enum err_code rc;

	memset(&w, 0, sizeof(w));
	if (!prepare(kind, source, body, len, &w.p, res))
		return ERR_OK;
	w.res = res;
	enqueue(c, &w);
	pthread_mutex_lock(&c->lock);
	while (!w.done)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
	rc = w.rc;
	if (rc != ERR_OK && e)
		*e = w.err;
	prepared_release(&w.p);
	return rc;
}

int intake_prepare(enum intake_kind kind, const char *source, const char *body,
		   size_t len, struct intake_prepared **out, struct intake_result *res)
{
	struct waiter *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w) {
		memset(res, 0, sizeof(*res));
		res->outcome = INTAKE_MALFORMED;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return 0;
	}
	if (!prepare(kind, source, body, len, &w->p, res)) {
		free(w);
		return 0;
	}
	w->own = *res; /* the park reason, if any, travels with it */
	*out = (struct intake_prepared *)w;
	return 1;
}

void intake_prepared_free(struct intake_prepared *p)
{
	struct waiter *w = (struct waiter *)p;

	if (!w)
		return;
	prepared_release(&w->p);
	free(w);
}

void intake_committer_enqueue(struct intake_committer *c, struct intake_prepared *p,
			      intake_done_fn *cb, void *arg)
{
	struct waiter *w = (struct waiter *)p;

	w->res = &w->own;
	w->cb = cb;
	w->cb_arg = arg;
	enqueue(c, w);
}

/* --- applying stored events to returns ------------------------------------ */

struct pending {
	int64_t id;
	int64_t received_at_ms;
	char *normalized;
	struct pending *next;
};

/* Appends to the list whose last next-pointer arg points at. */
static void collect(const struct store_event *ev, void *arg)
{
	struct pending ***tail = arg, *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return; /* taken again on the next pass */
	p->id = ev->id;
	p->received_at_ms = ev->received_at_ms;
	p->normalized = ev->normalized ? strdup(ev->normalized) : NULL;
	**tail = p;
	*tail = &p->next;
}

static enum err_code find_one(struct store *st, const struct store_find *q,
			      int64_t *id, int *count, struct err *e)
{
	int64_t ids[2];
	enum err_code rc;

	*id = 0;
	rc = store_return_find(st, q, ids, 2, count, e);
	if (rc == ERR_OK && *count >= 1)
		*id = ids[0];
	return rc;
}

/* The identity rule of docs/rebound-notifications.md. *rid = the return
 * (0: create one). Returns ERR_OK, or ERR_EXISTS with why filled when a
 * person must decide (ambiguous identity). */
static enum err_code identify(struct store *st, const struct rb_notice *n,
			      int64_t *rid, char *why, size_t len, struct err *e)
{
	struct store_find q = { 0 };
	enum err_code rc;
	int count = 0;
	size_t i;

	*rid = 0;
	if (n->rebound_return_id) {
		q.rebound_return_id = n->rebound_return_id;
		rc = find_one(st, &q, rid, &count, e);
		if (rc != ERR_OK || *rid)
			return rc;
	}
	for (i = 0; i < n->nitems; i++) {
		if (!n->items[i].rebound_item_id)
			continue;
		memset(&q, 0, sizeof(q));
		q.rebound_item_id = n->items[i].rebound_item_id;
		rc = find_one(st, &q, rid, &count, e);
		if (rc != ERR_OK || *rid)
			return rc;
	}
	if (n->rebound_return_id)
		return ERR_OK; /* a return we have not seen: new */
	if (!n->client_order_id) {
		snprintf(why, len, "no Rebound return id, item id or order id to tell which return this is");
		return ERR_EXISTS;
	}
	memset(&q, 0, sizeof(q));
	q.order_ref_open = n->client_order_id;
	rc = find_one(st, &q, rid, &count, e);
	if (rc != ERR_OK || count == 1)
		return rc;
	*rid = 0;
	if (count == 0)
		snprintf(why, len, "no Rebound return id, and no open return for order %s to attach it to",
			 n->client_order_id);
	else
		snprintf(why, len, "no Rebound return id, and order %s has %d open returns: which one?",
			 n->client_order_id, count);
	return ERR_EXISTS;
}

/* Usable items as store lines (borrowing the notice's strings). */
static int usable_lines(const struct rb_notice *n, struct store_line *out)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n->nitems; i++) {
		const struct rb_item *it = &n->items[i];

		if (it->problem)
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		out[k].rebound_item_id = it->rebound_item_id;
		out[k].client_item_id = it->client_item_id;
		out[k].sku = it->sku;
		out[k].ean = it->ean;
		out[k].quantity = it->quantity;
		out[k].reason_code = it->reason;
		out[k].disposition = it->condition;
		k++;
	}
	return k;
}

static enum err_code line_problems(struct store *st, const struct rb_notice *n,
				   int64_t rid, int64_t event_id, struct err *e)
{
	struct store_exception_new x = { 0 };
	char msg[400];
	enum err_code rc = ERR_OK;
	size_t i;

	for (i = 0; rc == ERR_OK && i < n->nitems; i++) {
		const struct rb_item *it = &n->items[i];

		if (!it->problem)
			continue;
		snprintf(msg, sizeof(msg), "line %zu (%s) was not taken: %s", i + 1,
			 it->sku ? it->sku : it->ean ? it->ean : "no sku", it->problem);
		x.return_id = rid;
		x.event_id = event_id;
		x.type = "unusable_line";
		x.owner = "integration";
		x.priority = 2;
		x.message = msg;
		rc = store_exception_add(st, &x, NULL, e);
	}
	return rc;
}

static enum err_code apply(struct store *st, const struct pending *p,
			   const struct rb_notice *n, struct err *e)
{
	struct store_line *lines = NULL;
	struct store_milestone m = { 0 };
	struct store_return r = { 0 };
	struct store_exception_new x = { 0 };
	char why[300] = "", detail[300];
	int64_t rid = 0;
	int nlines, added = 0;
	enum err_code rc;

	lines = calloc(n->nitems ? n->nitems : 1, sizeof(*lines));
	if (!lines)
		return err_set(e, ERR_NOMEM, "out of memory");
	nlines = usable_lines(n, lines);
	rc = identify(st, n, &rid, why, sizeof(why), e);
	if (rc == ERR_EXISTS) {
		x.event_id = p->id;
		x.type = "ambiguous_identity";
		x.owner = "integration";
		x.priority = 2;
		x.message = why;
		rc = store_exception_add(st, &x, NULL, e);
		if (rc == ERR_OK)
			rc = store_event_finish(st, p->id, "parked", 0, why, e);
		if (rc == ERR_OK)
			log_warn("event %lld parked: %s", (long long)p->id, why);
		goto out;
	}
	if (rc != ERR_OK)
		goto out;
	if (!rid) {
		r.rebound_return_id = n->rebound_return_id;
		r.order_ref = n->client_order_id;
		r.location = n->location;
		r.nlines = nlines;
		r.lines = lines;
		rc = store_return_create(st, &r, &rid, e);
		if (rc != ERR_OK)
			goto out;
		snprintf(detail, sizeof(detail), "{\"event_id\":%lld,\"lines\":%d}", (long long)p->id, nlines);
		rc = store_audit_add(st, "intake", rid, "return_created", detail, e);
		log_info("return %s (order %s) registered from event %lld with %d line(s)",
			 n->rebound_return_id, n->client_order_id ? n->client_order_id : "?",
			 (long long)p->id, nlines);
	} else if (nlines > 0) {
		rc = store_return_merge_lines(st, rid, lines, nlines, &added, e);
	}
	if (rc == ERR_OK)
		rc = line_problems(st, n, rid, p->id, e);
	if (rc == ERR_OK) {
		m.milestone = n->refund_trigger ? "refund_trigger" : rb_milestone_name(n->milestone);
		m.text = n->refund_trigger ? (n->refund_type ? n->refund_type : "Refund Trigger")
					   : n->milestone_text;
		m.event_time = n->event_time;
		m.at_ms = p->received_at_ms;
		m.event_id = p->id;
		if (n->refund_trigger || n->milestone != RB_MS_NONE)
			rc = store_milestone_add(st, rid, &m, n->location, e);
	}
	if (rc == ERR_OK)
		rc = store_event_finish(st, p->id, "processed", rid, NULL, e);
out:
	free(lines);
	return rc;
}

/* Parse a stored event's normalised form; an unreadable one is parked. */
static int load_notice(struct store *st, const struct pending *p,
		       struct rb_notice *n, enum err_code *rc, struct err *e)
{
	json_error_t je;
	json_t *j = p->normalized ? json_loads(p->normalized, 0, &je) : NULL;

	*rc = ERR_OK;
	if (j && rb_notice_from_json(j, n, e) == ERR_OK) {
		json_decref(j);
		return 1;
	}
	json_decref(j);
	log_err("event %lld has no usable normalised form; parking it", (long long)p->id);
	*rc = store_event_finish(st, p->id, "parked", 0, "stored normalised form unreadable", e);
	return 0;
}

static enum err_code apply_stored(struct store *st, const struct pending *p,
				  struct err *e)
{
	struct rb_notice n;
	enum err_code rc;

	if (!load_notice(st, p, &n, &rc, e))
		return rc;
	rc = apply(st, p, &n, e);
	rb_notice_release(&n);
	return rc;
}

/* Apply events [from, to) in one transaction: one disk commit for many
 * events (each commit is an fsync; one per event capped intake at a few
 * thousand a second). ERR_OK only if all applied. */
static enum err_code apply_batch(struct store *st, struct pending *from,
				 struct pending *to, int *done, struct err *e)
{
	struct pending *p;
	enum err_code rc;
	int n = 0;

	rc = store_tx_begin(st, e);
	if (rc != ERR_OK)
		return rc;
	for (p = from; rc == ERR_OK && p != to; p = p->next, n++)
		rc = apply_stored(st, p, e);
	if (rc != ERR_OK) {
		err_prefix(e, "processing event %lld", (long long)(p ? p->id : 0));
		store_tx_rollback(st);
		return rc;
	}
	rc = store_tx_commit(st, e);
	if (rc == ERR_OK)
		*done += n;
	return rc;
}

enum err_code intake_process_pending(struct store *st, int max, int *done,
				     struct err *e)
{
	struct pending *list = NULL, *p, *next;
	enum err_code rc;

	struct pending **tail = &list;

	*done = 0;
	rc = store_events_pending(st, max, collect, &tail, e);
	if (rc == ERR_OK && list) {
		rc = apply_batch(st, list, NULL, done, e);
		/* one bad event must not hold the others back: retry one by one,
		 * each in its own transaction, and report the first failure */
		for (p = list; rc != ERR_OK && p; p = p->next) {
			struct err e1 = ERR_INIT;

			if (apply_batch(st, p, p->next, done, &e1) != ERR_OK)
				log_warn("%s (will retry)", e1.msg);
		}
		if (*done > 0)
			rc = ERR_OK;
	}
	for (p = list; p; p = next) {
		next = p->next;
		free(p->normalized);
		free(p);
	}
	return rc;
}

enum err_code intake_process_all(struct store *st, int batch, int limit,
				 int *total, struct err *e)
{
	enum err_code rc;
	int done = 0;

	*total = 0;
	do {
		rc = intake_process_pending(st, batch, &done, e);
		*total += done;
	} while (rc == ERR_OK && done == batch && *total < limit);
	return rc;
}
