/* emu_fault: how the emulator behaves like a loaded, failing Odoo — fault
 * rules per model/method (added latency, HTTP 502/503, dropped connections,
 * serialization errors, slow-then-succeed, committed-but-reply-lost
 * writes), a cost model (a fixed cost per call plus a cost per record,
 * alone or in a batch; defaults from research/odoo-batch-costs.md in
 * emulators/odoo/costs/), a capacity limit (calls beyond it queue, as on
 * Odoo's worker pool) and per-call statistics. Thread-safe: every function
 * may be called from any HTTP thread. */
#ifndef ODOO_EMU_FAULT_H
#define ODOO_EMU_FAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct emu_fault;

/* What a call must do, decided before it runs. */
enum emu_fault_kind {
	EMU_FAULT_NONE,
	EMU_FAULT_HTTP,          /* answer `status` (502/503), run nothing */
	EMU_FAULT_DROP,          /* close the connection, run nothing */
	EMU_FAULT_SERIALIZATION, /* Odoo's serialization error, run nothing */
	EMU_FAULT_REPLY_LOST,    /* run and commit, then close the connection */
};

struct emu_fault_plan {
	enum emu_fault_kind kind;
	unsigned status;
	int64_t delay_ms;        /* cost + latency + slow, before running */
	int64_t t0;              /* when the call arrived (monotonic ms) */
	int64_t queued_ms;       /* time waiting for a worker */
	char key[264];           /* "model/method" or "common/method" */
	long records;
	int64_t modelled_ms;     /* of delay_ms, the cost model's share */
	char client[128];        /* the caller's User-Agent ("" = none) */
};

/* capacity: calls running at once (0 = unlimited); scale multiplies the
 * cost model (1.0 = the measured ms). On ERR_OK the caller owns *out. */
MUST_CHECK enum err_code emu_fault_new(unsigned capacity, double scale,
				       struct emu_fault **out, struct err *e);
void emu_fault_free(struct emu_fault *f);

/* Replace the cost model: {"default": {fixed_ms, record_ms,
 * batch_record_ms}, "methods": {"model/method": {...}}}. */
MUST_CHECK enum err_code emu_fault_set_costs(struct emu_fault *f,
					     json_t *costs, struct err *e);
/* Replace the fault rules (an array; see README); steals nothing. */
MUST_CHECK enum err_code emu_fault_set_rules(struct emu_fault *f,
					     json_t *rules, struct err *e);
/* Load a JSON file (costs object or rules array). New reference. */
MUST_CHECK enum err_code emu_fault_load(const char *path, json_t **out,
					struct err *e);

/* Before a call: match the rules (counting) and compute the delay. Cheap;
 * never blocks. */
void emu_fault_plan(struct emu_fault *f, const char *body, size_t len,
		    struct emu_fault_plan *p);
/* Whether the call may wait (a delay, or a capacity to queue for): then it
 * must not run on an HTTP thread. */
bool emu_fault_may_wait(const struct emu_fault *f,
			const struct emu_fault_plan *p);
/* Wait for a worker, then sleep the delay. Must be followed by
 * emu_fault_end. */
void emu_fault_enter(struct emu_fault *f, struct emu_fault_plan *p);
/* After the call: free the worker, count the call. */
void emu_fault_end(struct emu_fault *f, const struct emu_fault_plan *p);

/* Name the caller (its User-Agent, or NULL) in the plan, for the
 * per-client statistics. Call after emu_fault_plan, before enter. */
void emu_fault_plan_client(struct emu_fault_plan *p, const char *user_agent);

/* {"calls": {"model/method": {count, records, total_ms, max_ms,
 * queued_ms, faults}}, "in_flight", "max_in_flight", "capacity",
 * "cost_scale", "busy_ms", "clients": {"<User-Agent>": {calls, in_flight,
 * max_in_flight, busy_ms, modelled_ms, queued_ms}}}. busy_ms is the Odoo
 * time the calls took: the cost model's sleep, latency faults and the real
 * handling, queueing for a worker left out. New reference. */
json_t *emu_fault_stats(struct emu_fault *f);

#endif
