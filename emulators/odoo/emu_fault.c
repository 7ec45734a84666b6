/* emu_fault: fault rules, cost model, capacity and statistics. */
#include "emu_fault.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

struct emu_fault {
	pthread_mutex_t mu;
	pthread_cond_t free_worker;
	unsigned capacity;
	unsigned running;
	unsigned max_running;
	double scale;
	json_t *costs;   /* owned */
	json_t *rules;   /* owned; each rule keeps its "__seen" count */
	json_t *calls;   /* owned: key -> counters */
	json_t *clients; /* owned: User-Agent -> counters */
	double busy_ms;  /* every client's busy_ms */
};

enum err_code emu_fault_new(unsigned capacity, double scale,
			    struct emu_fault **out, struct err *e)
{
	struct emu_fault *f = calloc(1, sizeof(*f));

	if (!f)
		return err_set(e, ERR_NOMEM, "out of memory");
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->free_worker, NULL);
	f->capacity = capacity;
	f->scale = scale;
	f->costs = json_object();
	f->rules = json_array();
	f->calls = json_object();
	f->clients = json_object();
	*out = f;
	return ERR_OK;
}

void emu_fault_free(struct emu_fault *f)
{
	if (!f)
		return;
	json_decref(f->costs);
	json_decref(f->rules);
	json_decref(f->calls);
	json_decref(f->clients);
	pthread_cond_destroy(&f->free_worker);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

enum err_code emu_fault_load(const char *path, json_t **out, struct err *e)
{
	json_error_t je;

	*out = json_load_file(path, 0, &je);
	if (!*out)
		return err_set(e, ERR_CONFIG, "%s:%d: %s", path, je.line, je.text);
	return ERR_OK;
}

enum err_code emu_fault_set_costs(struct emu_fault *f, json_t *costs,
				  struct err *e)
{
	if (!json_is_object(costs))
		return err_set(e, ERR_CONFIG, "costs: an object {\"default\", \"methods\"} is expected");
	pthread_mutex_lock(&f->mu);
	json_decref(f->costs);
	f->costs = json_deep_copy(costs);
	pthread_mutex_unlock(&f->mu);
	return ERR_OK;
}

static const char *const kinds[] = { "latency", "slow", "http", "drop",
				     "serialization", "reply_lost" };

enum err_code emu_fault_set_rules(struct emu_fault *f, json_t *rules,
				  struct err *e)
{
	json_t *r, *copy;
	size_t i, k;

	if (json_is_object(rules))
		rules = json_pack("[O]", rules);
	else
		json_incref(rules);
	if (!json_is_array(rules)) {
		json_decref(rules);
		return err_set(e, ERR_CONFIG, "faults: a rule object or an array of rules is expected");
	}
	json_array_foreach(rules, i, r) {
		const char *kind = json_string_value(json_object_get(r, "kind"));

		for (k = 0; kind && k < ARRAY_LEN(kinds); k++)
			if (strcmp(kind, kinds[k]) == 0)
				break;
		if (!kind || k == ARRAY_LEN(kinds)) {
			json_decref(rules);
			return err_set(e, ERR_CONFIG, "fault %zu: kind must be latency, slow, http, "
				       "drop, serialization or reply_lost", i);
		}
	}
	copy = json_deep_copy(rules);
	json_decref(rules);
	pthread_mutex_lock(&f->mu);
	json_decref(f->rules);
	f->rules = copy;
	pthread_mutex_unlock(&f->mu);
	return ERR_OK;
}

static bool name_matches(json_t *rule, const char *field, const char *name)
{
	const char *want = json_string_value(json_object_get(rule, field));

	return !want || strcmp(want, "*") == 0 || strcmp(want, name) == 0;
}

/* The call's model, method and how many records it touches: a create's
 * vals list, a record method's ids, else 1. */
static void describe(const char *body, size_t len, struct emu_fault_plan *p,
		     char *model, size_t mlen, char *method, size_t nlen)
{
	json_t *req = json_loadb(body, len, 0, NULL);
	json_t *params = json_object_get(req, "params");
	json_t *args = json_object_get(params, "args");
	const char *svc = json_string_value(json_object_get(params, "service"));
	const char *m = json_string_value(json_object_get(params, "method"));
	json_t *first;

	snprintf(model, mlen, "%s", svc ? svc : "?");
	snprintf(method, nlen, "%s", m ? m : "?");
	p->records = 1;
	if (svc && strcmp(svc, "object") == 0 && json_string_value(json_array_get(args, 3))) {
		snprintf(model, mlen, "%s", json_string_value(json_array_get(args, 3)));
		snprintf(method, nlen, "%s", json_string_value(json_array_get(args, 4)) ?
			 json_string_value(json_array_get(args, 4)) : "?");
		first = json_array_get(json_array_get(args, 5), 0);
		if (json_is_array(first) && json_array_size(first) &&
		    (strcmp(method, "create") == 0 || json_is_integer(json_array_get(first, 0))))
			p->records = (long)json_array_size(first);
	}
	snprintf(p->key, sizeof(p->key), "%s/%s", model, method);
	json_decref(req);
}

static double cost_field(json_t *c, const char *k, double dflt)
{
	json_t *v = json_object_get(c, k);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* fixed + record_ms for a record alone, fixed + n * batch_record_ms for a
 * batch of n (odoo-batch-costs.md: the per-record cost falls in a batch). */
static double call_cost(struct emu_fault *f, const char *key, long n)
{
	json_t *dflt = json_object_get(f->costs, "default");
	json_t *c = json_object_get(json_object_get(f->costs, "methods"), key);
	double fixed = cost_field(c, "fixed_ms", cost_field(dflt, "fixed_ms", 0.0));
	double alone = cost_field(c, "record_ms", cost_field(dflt, "record_ms", 0.0));
	double batch = cost_field(c, "batch_record_ms", alone);

	return (fixed + (n <= 1 ? alone : (double)n * batch)) * f->scale;
}

static bool rule_fires(json_t *r)
{
	json_int_t seen = json_integer_value(json_object_get(r, "__seen")) + 1;
	json_int_t after = json_integer_value(json_object_get(r, "after"));
	json_t *tv = json_object_get(r, "times");
	const char *kind = json_string_value(json_object_get(r, "kind"));
	/* slow-then-succeed is slow once unless told otherwise */
	json_int_t times = tv ? json_integer_value(tv) : strcmp(kind, "slow") == 0 ? 1 : 0;

	json_object_set_new(r, "__seen", json_integer(seen));
	return seen > after && (times == 0 || seen <= after + times);
}

static void apply_rules(struct emu_fault *f, const char *model,
			const char *method, struct emu_fault_plan *p)
{
	json_t *r;
	size_t i;

	json_array_foreach(f->rules, i, r) {
		const char *kind = json_string_value(json_object_get(r, "kind"));

		if (!name_matches(r, "model", model) || !name_matches(r, "method", method) ||
		    !rule_fires(r))
			continue;
		if (strcmp(kind, "latency") == 0 || strcmp(kind, "slow") == 0) {
			p->delay_ms += json_integer_value(json_object_get(r, "ms"));
		} else if (p->kind == EMU_FAULT_NONE) {
			p->kind = strcmp(kind, "http") == 0 ? EMU_FAULT_HTTP :
				  strcmp(kind, "drop") == 0 ? EMU_FAULT_DROP :
				  strcmp(kind, "serialization") == 0 ? EMU_FAULT_SERIALIZATION :
				  EMU_FAULT_REPLY_LOST;
			p->status = json_integer_value(json_object_get(r, "status")) ?
				(unsigned)json_integer_value(json_object_get(r, "status")) : 503;
		}
	}
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

void emu_fault_plan(struct emu_fault *f, const char *body, size_t len,
		    struct emu_fault_plan *p)
{
	char model[128], method[128];

	memset(p, 0, sizeof(*p));
	p->t0 = clock_mono_ms();
	describe(body, len, p, model, sizeof(model), method, sizeof(method));
	pthread_mutex_lock(&f->mu);
	apply_rules(f, model, method, p);
	p->modelled_ms = (int64_t)llround(call_cost(f, p->key, p->records));
	p->delay_ms += p->modelled_ms;
	pthread_mutex_unlock(&f->mu);
}

void emu_fault_plan_client(struct emu_fault_plan *p, const char *user_agent)
{
	snprintf(p->client, sizeof(p->client), "%s", user_agent ? user_agent : "");
}

/* The client's counters (under f->mu). Borrowed. */
static json_t *client_stats(struct emu_fault *f, const struct emu_fault_plan *p)
{
	json_t *c = json_object_get(f->clients, p->client);

	if (!c) {
		c = json_pack("{s:i,s:i,s:i,s:f,s:f,s:f}", "calls", 0, "in_flight", 0,
			      "max_in_flight", 0, "busy_ms", 0.0, "modelled_ms", 0.0,
			      "queued_ms", 0.0);
		json_object_set_new(f->clients, p->client, c);
	}
	return c;
}

bool emu_fault_may_wait(const struct emu_fault *f,
			const struct emu_fault_plan *p)
{
	return p->delay_ms > 0 || f->capacity > 0;
}

void emu_fault_enter(struct emu_fault *f, struct emu_fault_plan *p)
{
	int64_t t;
	json_int_t n;
	json_t *c;

	pthread_mutex_lock(&f->mu);
	/* in flight for its client from arrival: a queued call is one the
	 * client is waiting on */
	c = client_stats(f, p);
	n = json_integer_value(json_object_get(c, "in_flight")) + 1;
	json_object_set_new(c, "in_flight", json_integer(n));
	if (n > json_integer_value(json_object_get(c, "max_in_flight")))
		json_object_set_new(c, "max_in_flight", json_integer(n));
	/* Odoo's worker pool: beyond capacity, a call waits for a free worker */
	while (f->capacity && f->running >= f->capacity)
		pthread_cond_wait(&f->free_worker, &f->mu);
	f->running++;
	if (f->running > f->max_running)
		f->max_running = f->running;
	pthread_mutex_unlock(&f->mu);
	t = clock_mono_ms();
	p->queued_ms = t - p->t0;
	sleep_ms(p->delay_ms);
}

static void count(json_t *o, const char *k, double v)
{
	json_t *cur = json_object_get(o, k);

	json_object_set_new(o, k, json_real((cur ? json_number_value(cur) : 0.0) + v));
}

static void count_int(json_t *o, const char *k, json_int_t v)
{
	json_object_set_new(o, k, json_integer(json_integer_value(json_object_get(o, k)) + v));
}

void emu_fault_end(struct emu_fault *f, const struct emu_fault_plan *p)
{
	double ms = (double)(clock_mono_ms() - p->t0);
	json_t *c;

	pthread_mutex_lock(&f->mu);
	f->running--;
	pthread_cond_signal(&f->free_worker);
	c = json_object_get(f->calls, p->key);
	if (!c) {
		c = json_object();
		json_object_set_new(f->calls, p->key, c);
	}
	count_int(c, "count", 1);
	count_int(c, "records", p->records);
	count(c, "total_ms", ms);
	count(c, "queued_ms", (double)p->queued_ms);
	count_int(c, "faults", p->kind != EMU_FAULT_NONE ? 1 : 0);
	if (ms > json_number_value(json_object_get(c, "max_ms")))
		json_object_set_new(c, "max_ms", json_real(ms));
	c = client_stats(f, p);
	count_int(c, "calls", 1);
	count_int(c, "in_flight", -1);
	count(c, "busy_ms", ms - (double)p->queued_ms);
	count(c, "modelled_ms", (double)p->modelled_ms);
	count(c, "queued_ms", (double)p->queued_ms);
	f->busy_ms += ms - (double)p->queued_ms;
	pthread_mutex_unlock(&f->mu);
}

json_t *emu_fault_stats(struct emu_fault *f)
{
	json_t *out;

	pthread_mutex_lock(&f->mu);
	out = json_pack("{s:O,s:i,s:i,s:i,s:f}", "calls", f->calls,
			"in_flight", (int)f->running, "max_in_flight", (int)f->max_running,
			"capacity", (int)f->capacity, "cost_scale", f->scale);
	json_object_set_new(out, "calls", json_deep_copy(f->calls));
	json_object_set_new(out, "busy_ms", json_real(f->busy_ms));
	json_object_set_new(out, "clients", json_deep_copy(f->clients));
	pthread_mutex_unlock(&f->mu);
	return out;
}
