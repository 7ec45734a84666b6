/* rebound/ratelimit: the client-side limit on calls to Rebound. A token
 * bucket sized so that no window of window_ms ever holds more than `calls`
 * calls: burst B tokens, refilled at (calls - B) per window, because a
 * bucket admits at most B + rate * W calls in any interval W. A 429 from
 * Rebound pauses every caller until its Retry-After has passed.
 * Thread-safe; with ratelimit_share, also shared between processes. */
#ifndef REBOUND_RATELIMIT_H
#define REBOUND_RATELIMIT_H

#include <stdint.h>

#include "util/err.h"

struct ratelimit;

/* Milliseconds from any fixed start; clock_mono_ms in production, a fake
 * clock in tests. */
typedef int64_t ratelimit_clock_fn(void *arg);
/* Wait ms; returns nonzero when the wait was interrupted (stop asked). */
typedef int ratelimit_sleep_fn(int64_t ms, void *arg);

/* calls == 0 turns the limit off (every acquire succeeds at once).
 * burst is clamped to 1..calls. clock/sleep may be NULL for the real ones.
 * ERR_NOMEM only. Free with ratelimit_free. */
MUST_CHECK enum err_code ratelimit_new(int64_t calls, int64_t window_ms,
				       int64_t burst, ratelimit_clock_fn *clock,
				       ratelimit_sleep_fn *sleep, void *arg,
				       struct ratelimit **out, struct err *e);

void ratelimit_free(struct ratelimit *rl);

/* Share the bucket with every process that shares path (created 0600 if
 * absent): the daemon's poller and a `returnbridge backfill` running beside
 * it then stay under one limit together, not one each. All sharers must use
 * the same clock (clock_mono_ms is system-wide) and the same limit.
 * ERR_IO when the file cannot be opened (the limit stays per process). */
MUST_CHECK enum err_code ratelimit_share(struct ratelimit *rl, const char *path,
					 struct err *e);

/* How long a caller would have to wait now for one call (0 = at once);
 * takes nothing. */
int64_t ratelimit_wait_ms(struct ratelimit *rl);

/* Take one call, sleeping as long as needed. ERR_BUSY when the sleep was
 * interrupted (the caller should give up: shutdown). */
MUST_CHECK enum err_code ratelimit_acquire(struct ratelimit *rl,
					   struct err *e);

/* Rebound said 429: nobody calls before now + ms. */
void ratelimit_pause(struct ratelimit *rl, int64_t ms);

/* Steady-state calls per minute the limit allows (0 = unlimited). */
double ratelimit_per_minute(const struct ratelimit *rl);

#endif
