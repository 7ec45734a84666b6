/* odoo/gate: the process-wide cap on Odoo calls in flight. */
#define LOG_COMPONENT "odoo"
#include "odoo/gate.h"

#include <time.h>

#include "util/clock.h"
#include "util/log.h"

#define PAUSE_FIRST_MS 1000

void rpc_gate_init(struct rpc_gate *g, int limit, int64_t pause_max_ms)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	g->limit = limit < 1 ? 1 : limit;
	g->in_flight = g->max_in_flight = 0;
	g->pause_until_ms = 0;
	g->pause_ms = 0;
	g->pause_max_ms = pause_max_ms < PAUSE_FIRST_MS ? PAUSE_FIRST_MS : pause_max_ms;
	g->calls = g->waits = g->pauses = 0;
}

void rpc_gate_destroy(struct rpc_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

static void wait_until(struct rpc_gate *g, int64_t mono_ms)
{
	struct timespec ts = { (time_t)(mono_ms / 1000), (long)(mono_ms % 1000) * 1000000L };

	pthread_cond_timedwait(&g->cond, &g->lock, &ts);
}

void rpc_gate_enter(struct rpc_gate *g)
{
	bool waited = false;
	int64_t now;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		now = clock_mono_ms();
		if (now < g->pause_until_ms)
			wait_until(g, g->pause_until_ms);
		else if (g->in_flight >= g->limit)
			pthread_cond_wait(&g->cond, &g->lock);
		else
			break;
		waited = true;
	}
	g->in_flight++;
	if (g->in_flight > g->max_in_flight)
		g->max_in_flight = g->in_flight;
	g->calls++;
	if (waited)
		g->waits++;
	pthread_mutex_unlock(&g->lock);
}

void rpc_gate_leave(struct rpc_gate *g, bool overloaded)
{
	pthread_mutex_lock(&g->lock);
	g->in_flight--;
	if (overloaded) {
		int64_t now = clock_mono_ms();

		/* one pause for a burst of refusals, not one per caller */
		if (now >= g->pause_until_ms) {
			g->pause_ms = g->pause_ms ? g->pause_ms * 2 : PAUSE_FIRST_MS;
			if (g->pause_ms > g->pause_max_ms)
				g->pause_ms = g->pause_max_ms;
			g->pause_until_ms = now + g->pause_ms;
			g->pauses++;
			log_warn("Odoo is overloaded: every call waits %lld ms",
				 (long long)g->pause_ms);
		}
	} else if (g->pause_ms && clock_mono_ms() >= g->pause_until_ms) {
		g->pause_ms = 0;
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}
