/* odoo/gate: a cap on the Odoo calls in flight, shared by every connection
 * of the process that is given it, and a common pause when Odoo says it is
 * overloaded (HTTP 503/429, a lock or serialization error). Odoo serves its
 * human users from the same few workers: returnbridge takes at most `limit`
 * of them, and backs off together rather than each connection on its own.
 * Any thread. */
#ifndef ODOO_GATE_H
#define ODOO_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct rpc_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int limit;                 /* calls in flight at most (>= 1) */
	int in_flight, max_in_flight;
	int64_t pause_until_ms;    /* monotonic; nobody starts a call before */
	int64_t pause_ms;          /* the current pause; doubles, reset on success */
	int64_t pause_max_ms;
	uint64_t calls, waits, pauses;
};

void rpc_gate_init(struct rpc_gate *g, int limit, int64_t pause_max_ms);
void rpc_gate_destroy(struct rpc_gate *g);
/* Wait for a free slot and for the end of any pause, then take the slot. */
void rpc_gate_enter(struct rpc_gate *g);
/* Give the slot back. overloaded: Odoo answered 503/429 or a lock error,
 * so every caller pauses (1 s, doubling up to pause_max_ms); a call that
 * went through ends the doubling. */
void rpc_gate_leave(struct rpc_gate *g, bool overloaded);

#endif
