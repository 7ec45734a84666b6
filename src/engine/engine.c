/* engine: the worker thread, its job loop, retries with backoff and
 * jitter, holds, and the store transaction every step records with. */
#define LOG_COMPONENT "engine"
#include "engine/engine.h"
#include "engine/engine_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

#define CACHE_MS (10 * 60 * 1000)   /* locations, taxes: read again after */

struct engine {
	struct cfg cfg;
	struct worker *wk;            /* engine.workers of them, one thread each */
	pthread_t *threads;
	int nworkers, started;
	struct rpc_gate gate;         /* engine.odoo_max_calls, all workers */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	uint64_t wake_gen;            /* bumped by engine_wake */
};

/* --- the working record and the store ------------------------------------ */

int64_t wr_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void wr_set_int(json_t *o, const char *key, int64_t v)
{
	json_object_set_new(o, key, json_integer(v));
}

enum err_code engine_outcomes(struct worker *wk, struct work *wo, json_t *outs, struct err *e)
{
	enum err_code rc = ERR_OK;
	json_t *o;
	size_t i;

	json_array_foreach(outs, i, o) {
		rc = store_line_outcome(wk->st, wo->return_id,
					(int)json_integer_value(json_array_get(o, 0)),
					json_string_value(json_array_get(o, 1)), e);
		if (rc != ERR_OK)
			break;
	}
	return rc;
}

bool engine_acknowledged(const json_t *w, int64_t id)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(w, "foreign_ok"), i, v)
		if (json_integer_value(v) == id)
			return true;
	return false;
}

enum err_code engine_read_pickings(struct worker *wk, struct work **wos, size_t n,
				   struct ops_picking **out, size_t *nout, struct err *e)
{
	int64_t *ids;
	size_t k = 0, max = 0, i, j;
	enum err_code rc;
	json_t *pk;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++)
		max += json_array_size(json_object_get(wos[i]->w, "pickings"));
	ids = calloc(max + 1, sizeof(*ids));
	if (!ids)
		return err_set(e, ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		json_array_foreach(json_object_get(wos[i]->w, "pickings"), j, pk)
			if (wr_int(pk, "id"))
				ids[k++] = wr_int(pk, "id");
	rc = ops_pickings_read(wk->odoo, ids, k, out, nout, e);
	free(ids);
	return rc;
}

void engine_test_crash(const char *point)
{
	const char *h = getenv("RETURNBRIDGE_TEST_ENGINE_CRASH");

	if (h && strcmp(h, point) == 0) {
		log_warn("test hook: dying at %s", point);
		_exit(137);
	}
}

void engine_ref(const struct work *wo, size_t k, size_t n, char *out, size_t len)
{
	if (n <= 1)
		snprintf(out, len, "RB %s", wo->rid);
	else
		snprintf(out, len, "RB %s/%zu", wo->rid, k + 1);
}

enum err_code engine_audit(struct worker *wk, struct work *wo, const char *action,
			   json_t *detail_own, struct err *e)
{
	char *text = detail_own ? json_dumps(detail_own, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	enum err_code rc = store_audit_add(wk->st, "engine", wo->return_id, action, text, e);

	free(text);
	json_decref(detail_own);
	return rc;
}

enum err_code engine_doc(struct worker *wk, struct work *wo, const char *kind,
			 int64_t odoo_id, const char *name, const char *ref,
			 struct err *e)
{
	struct store_odoo_doc d = { wo->return_id, kind, odoo_id,
				    name && *name ? name : NULL, ref, NULL, 0 };

	return store_odoo_doc_add(wk->st, &d, e);
}

/* How urgent an exception is for its owner: 3 money may go out wrongly
 * (a second refund, a wrong amount, a refund owed that could not be paid),
 * 2 a return is stuck until someone acts, 1 a fact to check. */
static int priority(const char *type)
{
	static const char *const money[] = { "premature_refund", "foreign_document",
		"valuation_mismatch", "refund_payment_failed", "cancel_after_credit", NULL };
	static const char *const stuck[] = { "approval_needed", "ordered_qty_invoicing",
		"reinvoice_risk", "sync_failure", "unknown_order", "nothing_to_return",
		"nothing_received", "picking_cancelled", "cancel_after_receipt", NULL };
	size_t i;

	for (i = 0; money[i]; i++)
		if (strcmp(type, money[i]) == 0)
			return 3;
	for (i = 0; stuck[i]; i++)
		if (strcmp(type, stuck[i]) == 0)
			return 2;
	return 1;
}

static enum err_code add_exception(struct worker *wk, struct work *wo,
				   const struct step_exc *x, struct err *e)
{
	struct store_exception_new n = { wo->return_id, 0, x->type, x->owner, priority(x->type),
					 x->message };
	int64_t id = 0;
	enum err_code rc = store_exception_add(wk->st, &n, &id, e);

	if (rc == ERR_OK)
		log_warn("return %s: %s exception for %s: %s", wo->rid, x->type, x->owner,
			 x->message);
	return rc;
}

enum err_code engine_commit(struct worker *wk, struct work *wo, enum retflow_state to,
			    const char *action, json_t *detail_own,
			    const struct step_exc *exc, int nexc, struct err *e)
{
	enum retflow_state next = wo->state;
	const char *from = retflow_state_name(wo->state);
	char *text = NULL;
	enum err_code rc;
	int i;

	if (to != wo->state) {
		rc = retflow_transition(&next, to, e);
		if (rc != ERR_OK)
			BUG("return %s: %s", wo->rid, e->msg);
	}
	text = json_dumps(wo->w, JSON_COMPACT);
	if (!text) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = store_tx_begin(wk->st, e);
	if (rc != ERR_OK)
		goto out;
	rc = store_engine_put(wk->st, wo->return_id, from,
			      to != wo->state ? retflow_state_name(to) : NULL, text, e);
	if (rc == ERR_OK && to != wo->state) {
		json_t *t = json_pack("{s:s,s:s}", "from", from, "to", retflow_state_name(to));

		rc = engine_audit(wk, wo, "transition", t, e);
	}
	if (rc == ERR_OK && action) {
		rc = engine_audit(wk, wo, action, detail_own, e);
		detail_own = NULL;
	}
	if (rc == ERR_OK && wo->resolve_by[0])
		rc = store_exceptions_resolve(wk->st, wo->return_id, wo->resolve_by, NULL, e);
	for (i = 0; rc == ERR_OK && i < nexc; i++)
		rc = add_exception(wk, wo, &exc[i], e);
	if (rc == ERR_OK && wo->req_id)
		rc = store_request_done(wk->st, wo->req_id, wo->req_result, e);
	if (rc == ERR_OK)
		rc = store_tx_commit(wk->st, e);
	if (rc != ERR_OK) {
		store_tx_rollback(wk->st);
		goto out;
	}
	if (to != wo->state)
		log_info("return %s: %s -> %s", wo->rid, from, retflow_state_name(to));
	wo->state = to;
	wo->req_id = 0;
	wo->resolve_by[0] = '\0';
out:
	json_decref(detail_own);
	free(text);
	return rc;
}

/* --- loading a return ------------------------------------------------------ */

static void on_row(const struct store_engine_row *r, void *arg)
{
	struct work *wo = arg;
	int st = retflow_state_parse(r->state);

	snprintf(wo->rid, sizeof(wo->rid), "%s", r->rebound_return_id);
	snprintf(wo->order_ref, sizeof(wo->order_ref), "%s", r->order_ref ? r->order_ref : "");
	wo->state = st < 0 ? RETFLOW__COUNT : (enum retflow_state)st;
	wo->w = r->engine ? json_loads(r->engine, 0, NULL) : NULL;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static void on_lines(const struct store_return *r, const struct store_exception_row *x,
		     int nx, void *arg)
{
	struct work *wo = arg;
	int i;

	(void)x;
	(void)nx;
	wo->lines = json_array();
	for (i = 0; i < r->nlines; i++) {
		const struct store_line *l = &r->lines[i];

		json_array_append_new(wo->lines, json_pack(
			"{s:i,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "line_no", l->line_no,
			"sku", str_or_null(l->sku), "ean", str_or_null(l->ean),
			"item", str_or_null(l->rebound_item_id), "quantity", (json_int_t)l->quantity,
			"reason", str_or_null(l->reason_code), "grade", str_or_null(l->disposition),
			"outcome", str_or_null(l->outcome), "client_item", str_or_null(l->client_item_id)));
	}
}

static enum err_code work_load(struct worker *wk, int64_t return_id, struct work *wo,
			       struct err *e)
{
	enum err_code rc;

	memset(wo, 0, sizeof(*wo));
	wo->return_id = return_id;
	rc = store_engine_get(wk->st, return_id, on_row, wo, e);
	if (rc != ERR_OK)
		return rc;
	if (wo->state == RETFLOW__COUNT)
		return err_set(e, ERR_INTERNAL, "return %s has an unknown state", wo->rid);
	if (!wo->w)
		wo->w = json_object();
	rc = store_return_get(wk->st, wo->rid, on_lines, wo, e);
	if (rc == ERR_OK && !wo->lines)
		rc = err_set(e, ERR_NOMEM, "out of memory");
	return rc;
}

static void work_release(struct work *wo)
{
	json_decref(wo->w);
	json_decref(wo->lines);
	wo->w = wo->lines = NULL;
}

/* --- retries and holds ----------------------------------------------------- */

static bool retryable(enum err_code rc)
{
	return rc == ERR_IO || rc == ERR_BUSY || rc == ERR_UNKNOWN_OUTCOME ||
	       rc == ERR_STORE || rc == ERR_NOMEM;
}

/* base x 2^attempts, capped, then "full jitter" in its upper half so that
 * many returns failing together do not come back together */
static int64_t backoff_ms(const struct cfg *c, int attempts, unsigned *seed)
{
	int64_t d = c->engine_backoff_base_ms;
	int i;

	for (i = 1; i < attempts && d < c->engine_backoff_max_ms; i++)
		d *= 2;
	if (d > c->engine_backoff_max_ms)
		d = c->engine_backoff_max_ms;
	return d / 2 + (int64_t)(rand_r(seed) % (unsigned)(d / 2 + 1));
}

static const char *advice(enum err_code rc)
{
	switch (rc) {
	case ERR_DENIED:
		return "Odoo refused the integration user: check odoo.user, its API key and its access rights (returnbridge doctor), then release the return";
	case ERR_REJECTED:
		return "Odoo refused the change on a business rule (its words above): fix the record in Odoo, then release the return";
	case ERR_INVALID:
		return "returnbridge sent Odoo something it does not accept: report it to the integration team with this return id";
	case ERR_CONFIG:
		return "odoo.url does not answer as Odoo: fix the configuration (returnbridge doctor)";
	default:
		return "Odoo or the store kept failing: check that Odoo answers (returnbridge doctor), then release the return";
	}
}

/* Put the return on hold with an exception saying what failed and what a
 * person should do. The state it was in is kept in the working record. */
static enum err_code hold(struct worker *wk, struct work *wo, const char *type,
			  const char *owner, const char *what, struct err *e)
{
	struct step_exc x = { type, owner, "" };

	snprintf(x.message, sizeof(x.message), "%s", what);
	json_object_set_new(wo->w, "held_from", json_string(retflow_state_name(wo->state)));
	return engine_commit(wk, wo, RETFLOW_ON_HOLD, "hold",
			     json_pack("{s:s,s:s}", "type", type, "message", x.message),
			     &x, 1, e);
}

/* --- a round ---------------------------------------------------------------- */

void work_fail(struct work *wo, enum err_code rc, const struct err *why)
{
	if (wo->rc != ERR_OK || rc == ERR_OK)
		return;            /* the first failure stands */
	wo->rc = rc;
	wo->err = *why;
	wo->err.code = rc;
}

void works_fail(struct work **wos, size_t n, enum err_code rc, const struct err *why)
{
	size_t i;

	for (i = 0; i < n; i++)
		work_fail(wos[i], rc, why);
}

/* Odoo refused the records (a business rule, a bad value, a record gone):
 * worth splitting the batch to find which. */
static bool refusal(enum err_code rc)
{
	return rc == ERR_REJECTED || rc == ERR_INVALID || rc == ERR_NOT_FOUND;
}

static size_t split_run(struct worker *wk, size_t from, size_t n, batch_fn *fn, void *arg,
			enum err_code *rcs, struct err *errs)
{
	struct err e = ERR_INIT;
	enum err_code rc = fn(wk, from, n, arg, &e);
	size_t i, calls = 1;

	if (rc != ERR_OK && n > 1 && refusal(rc)) {
		log_info("Odoo refused a batch of %zu (%s): splitting it to find the record", n,
			 e.msg);
		calls += split_run(wk, from, n / 2, fn, arg, rcs, errs);
		return calls + split_run(wk, from + n / 2, n - n / 2, fn, arg, rcs, errs);
	}
	for (i = from; i < from + n; i++) {
		rcs[i] = rc;
		errs[i] = e;
	}
	return calls;
}

size_t batch_split(struct worker *wk, size_t n, batch_fn *fn, void *arg,
		   enum err_code *rcs, struct err *errs)
{
	return n ? split_run(wk, 0, n, fn, arg, rcs, errs) : 0;
}

static void cache_reset(struct worker *wk)
{
	json_decref(wk->locs);
	json_decref(wk->taxes);
	json_decref(wk->rtypes);
	wk->locs = json_object();
	wk->taxes = json_object();
	wk->rtypes = json_object();
	wk->note_subtype = 0;
	wk->cache_since_ms = clock_now_ms();
}

static enum err_code connect_odoo(struct worker *wk, struct err *e)
{
	enum err_code rc;

	if (wk->odoo) {
		if (clock_now_ms() - wk->cache_since_ms > CACHE_MS)
			cache_reset(wk);
		return ERR_OK;
	}
	rc = odoo_new_from_cfg(wk->cfg, &wk->odoo, e);
	if (rc != ERR_OK)
		return rc;
	rpc_set_gate(odoo_rpc(wk->odoo), wk->gate);
	rc = odoo_connect(wk->odoo, e);
	if (rc != ERR_OK) {
		odoo_free(wk->odoo);
		wk->odoo = NULL;
		return rc;
	}
	cache_reset(wk);
	log_info("worker %d connected to Odoo %s as uid %" PRId64, wk->index,
		 odoo_server(wk->odoo)->server_version, odoo_server(wk->odoo)->uid);
	return ERR_OK;
}

static void finish_job(struct worker *wk, const struct store_job *j)
{
	struct err e = ERR_INIT;

	if (store_job_finish(wk->st, j->id, &e) != ERR_OK)
		log_warn("finishing job %" PRId64 " failed (its lease will run out): %s", j->id, e.msg);
}

static void defer_job(struct worker *wk, const struct store_job *j, int64_t due,
		      int attempts, const char *why)
{
	struct err e = ERR_INIT;

	if (store_job_defer(wk->st, j->id, due, attempts, why, &e) != ERR_OK)
		log_warn("deferring job %" PRId64 " failed (its lease will run out): %s", j->id, e.msg);
}

static void failed(struct worker *wk, const struct store_job *j, struct work *wo,
		   enum err_code rc, const struct err *why)
{
	struct err e = ERR_INIT;
	char msg[700];
	int attempts = j->attempts + 1;

	if (retryable(rc) && attempts < wk->cfg->engine_max_attempts) {
		int64_t d = backoff_ms(wk->cfg, attempts, &wk->seed);

		log_warn("return %s: %s step failed (try %d of %" PRId64 ", again in %" PRId64 " ms): %s",
			 wo->rid, retflow_state_name(wo->state), attempts,
			 wk->cfg->engine_max_attempts, d, why->msg);
		defer_job(wk, j, clock_now_ms() + d, attempts, why->msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%s step failed%s: %.300s. %s", retflow_state_name(wo->state),
		 retryable(rc) ? " on every try" : "", why->msg, advice(rc));
	if (wo->state == RETFLOW__COUNT || !retflow_allowed(wo->state, RETFLOW_ON_HOLD) ||
	    hold(wk, wo, "sync_failure", "integration", msg, &e) != ERR_OK) {
		log_err("return %s: %s (and could not hold it: %s)", wo->rid, msg, e.msg);
		defer_job(wk, j, clock_now_ms() + wk->cfg->engine_backoff_max_ms, attempts, msg);
		return;
	}
	finish_job(wk, j);
}

/* Waiting returns are due on a grid of poll_interval_s, so those made at
 * different times fall due together and are read in one call. A refund
 * owed to a customer is followed ten times less often: finance pays it
 * in its own time. */
static int64_t next_poll(const struct cfg *c, enum retflow_state s)
{
	int64_t iv = c->engine_poll_interval_s * 1000 * (s == RETFLOW_NOTIFIED ? 10 : 1);

	return (clock_now_ms() / iv + 1) * iv;
}

static bool stopping(struct engine *en)
{
	bool s;

	pthread_mutex_lock(&en->lock);
	s = en->stop;
	pthread_mutex_unlock(&en->lock);
	return s;
}

typedef void step_fn(struct worker *wk, struct work **wos, size_t n);

/* The steps in the order a return goes through them: a return that moves
 * on is taken by the next step in the same round. */
static const struct {
	enum retflow_state state, also;
	step_fn *fn;
} steps[] = {
	{ RETFLOW_INTENT, RETFLOW_INTENT, step_match },
	{ RETFLOW_MATCHED, RETFLOW_MATCHED, step_picking },
	{ RETFLOW_AWAITING_RECEIPT, RETFLOW_AWAITING_RECEIPT, step_receipt },
	{ RETFLOW_RECEIVED, RETFLOW_CREDIT_DRAFT, step_credit },
	{ RETFLOW_CREDITED, RETFLOW_NOTIFIED, step_notify },
};

/* Run every step on the returns of the batch in its state. */
static void run_steps(struct engine *en, struct worker *wk, struct work *wo, size_t n)
{
	struct work **in = calloc(n + 1, sizeof(*in));
	size_t s, k, i;

	if (!in) {
		struct err e = ERR_INIT;

		err_set(&e, ERR_NOMEM, "out of memory");
		for (i = 0; i < n; i++)
			work_fail(&wo[i], ERR_NOMEM, &e);
		return;
	}
	for (k = 0, i = 0; i < n; i++)
		in[k++] = &wo[i];
	apply_requests(wk, in, k);
	for (s = 0; s < ARRAY_LEN(steps) && !stopping(en); s++) {
		for (k = 0, i = 0; i < n; i++)
			if (wo[i].rc == ERR_OK && wo[i].res == STEP_NEXT &&
			    (wo[i].state == steps[s].state || wo[i].state == steps[s].also))
				in[k++] = &wo[i];
		if (k)
			steps[s].fn(wk, in, k);
	}
	free(in);
}

/* Rebound's cancellations become cancel requests. They arrive as applied
 * notifications, after which the main loop wakes the engine: look when
 * woken, and once a poll interval in case a wake was missed — not every
 * 250 ms, as the scan reads every return not yet closed. Worker 0 only. */
static void rebound_cancellations(struct worker *wk, bool woken, int64_t now)
{
	struct err e = ERR_INIT;
	int added = 0;

	if (wk->index != 0 || !*wk->cfg->rebound_cancelled_status ||
	    (!woken && now - wk->cancels_checked_ms < wk->cfg->engine_poll_interval_s * 1000))
		return;
	if (store_requests_from_milestone(wk->st, wk->cfg->rebound_cancelled_status, now, &added,
					  &e) != ERR_OK)
		log_warn("reading Rebound's cancellations failed (will retry): %s", e.msg);
	else
		wk->cancels_checked_ms = now;
}

/* One round: make sure every working return has a job, claim a batch of
 * due ones, run the steps on them, then finish, defer or retry each job.
 * Returns how many jobs it claimed. */
static int round_once(struct engine *en, struct worker *wk, bool woken)
{
	int max = (int)wk->cfg->engine_batch_size;
	struct store_job *jobs = calloc((size_t)max, sizeof(*jobs));
	struct work *wo = calloc((size_t)max, sizeof(*wo));
	struct err e = ERR_INIT;
	int64_t now = clock_now_ms();
	enum err_code rc;
	int added = 0, n = 0, i;

	if (!jobs || !wo)
		goto out;
	rebound_cancellations(wk, woken, now);
	if (store_jobs_ensure(wk->st, now, &added, &e) != ERR_OK ||
	    store_jobs_claim(wk->st, wk->owner, now, wk->cfg->engine_lease_s * 1000,
			     jobs, max, &n, &e) != ERR_OK) {
		log_warn("reading the job queue failed (will retry): %s", e.msg);
		n = 0;
		goto out;
	}
	if (n == 0)
		goto out;
	rc = connect_odoo(wk, &e);
	for (i = 0; i < n; i++) {
		struct err e1 = ERR_INIT;
		enum err_code rc1 = work_load(wk, jobs[i].return_id, &wo[i], &e1);

		wo[i].res = STEP_NEXT;
		if (rc1 != ERR_OK)
			work_fail(&wo[i], rc1, &e1);
		else if (rc != ERR_OK)
			work_fail(&wo[i], rc, &e);
	}
	run_steps(en, wk, wo, (size_t)n);
	for (i = 0; i < n; i++) {
		if (wo[i].rc != ERR_OK)
			failed(wk, &jobs[i], &wo[i], wo[i].rc, &wo[i].err);
		else if (wo[i].res == STEP_WAIT)
			defer_job(wk, &jobs[i], next_poll(wk->cfg, wo[i].state), jobs[i].attempts, NULL);
		else if (wo[i].res == STEP_NEXT && retflow_is_active(wo[i].state))
			/* stopped between steps: the next start takes it at once */
			defer_job(wk, &jobs[i], jobs[i].due_at_ms, jobs[i].attempts, NULL);
		else
			finish_job(wk, &jobs[i]);
		work_release(&wo[i]);
	}
out:
	free(jobs);
	free(wo);
	return n;
}

static void *run(void *arg)
{
	struct worker *wk = arg;
	struct engine *en = wk->en;
	uint64_t seen = 0;
	bool woken = true;
	struct timespec until;
	int n;

	for (;;) {
		n = round_once(en, wk, woken);
		pthread_mutex_lock(&en->lock);
		if (!en->stop && en->wake_gen == seen && n < wk->cfg->engine_batch_size) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 250 * 1000 * 1000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&en->cond, &en->lock, &until);
		}
		woken = en->wake_gen != seen;
		seen = en->wake_gen;
		if (en->stop) {
			pthread_mutex_unlock(&en->lock);
			break;
		}
		pthread_mutex_unlock(&en->lock);
	}
	return NULL;
}

enum err_code engine_start(const struct cfg *c, struct engine **out, struct err *e)
{
	struct engine *en = NULL;
	char host[64] = "host";
	enum err_code rc;
	int i;

	*out = NULL;
	if (!c->odoo_url || !*c->odoo_url) {
		log_info("engine off: odoo.url is not set");
		return ERR_OK;
	}
	en = calloc(1, sizeof(*en));
	if (!en)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&en->lock, NULL);
	pthread_cond_init(&en->cond, NULL);
	/* a private copy, read from the same file: the engine's keys need a
	 * restart anyway, and a reload never swaps a struct from under it */
	rc = cfg_load(c->source, &en->cfg, NULL, e);
	if (rc != ERR_OK)
		goto out;
	rpc_gate_init(&en->gate, (int)en->cfg.engine_odoo_max_calls, en->cfg.engine_backoff_max_ms);
	en->nworkers = (int)en->cfg.engine_workers;
	en->wk = calloc((size_t)en->nworkers, sizeof(*en->wk));
	en->threads = calloc((size_t)en->nworkers, sizeof(*en->threads));
	if (!en->wk || !en->threads) {
		rc = err_set(e, ERR_NOMEM, "out of memory");
		goto out;
	}
	gethostname(host, sizeof(host) - 1);
	for (i = 0; i < en->nworkers; i++) {
		struct worker *wk = &en->wk[i];

		wk->en = en;
		wk->cfg = &en->cfg;
		wk->index = i;
		wk->gate = &en->gate;
		snprintf(wk->owner, sizeof(wk->owner), "%.40s:%d:%d", host, (int)getpid(), i);
		wk->seed = (unsigned)clock_now_ms() ^ (unsigned)getpid() ^ (unsigned)(i * 7919);
		rc = store_open(&en->cfg, &wk->st, e);
		if (rc != ERR_OK)
			goto out;
	}
	for (i = 0; i < en->nworkers; i++) {
		if (pthread_create(&en->threads[i], NULL, run, &en->wk[i]) != 0) {
			rc = err_set(e, ERR_INTERNAL, "cannot start an engine thread");
			goto out;
		}
		en->started++;
	}
	log_info("engine started: Odoo %s, %d workers, batches of %" PRId64 ", at most %" PRId64
		 " Odoo calls at once, receipts read every %" PRId64 " s", c->odoo_url, en->nworkers,
		 en->cfg.engine_batch_size, en->cfg.engine_odoo_max_calls, c->engine_poll_interval_s);
	*out = en;
	en = NULL;
out:
	engine_stop(en);
	return rc;
}

void engine_wake(struct engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->wake_gen++;
	pthread_cond_broadcast(&en->cond);
	pthread_mutex_unlock(&en->lock);
}

void engine_stop(struct engine *en)
{
	int i;

	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->stop = true;
	pthread_cond_broadcast(&en->cond);
	pthread_mutex_unlock(&en->lock);
	for (i = 0; i < en->started; i++)
		pthread_join(en->threads[i], NULL);
	for (i = 0; en->wk && i < en->nworkers; i++) {
		odoo_free(en->wk[i].odoo);
		store_close(en->wk[i].st);
		json_decref(en->wk[i].locs);
		json_decref(en->wk[i].taxes);
		json_decref(en->wk[i].rtypes);
	}
	if (en->wk) {
		rpc_gate_destroy(&en->gate);
		cfg_release(&en->cfg);
	}
	free(en->wk);
	free(en->threads);
	pthread_cond_destroy(&en->cond);
	pthread_mutex_destroy(&en->lock);
	free(en);
}
