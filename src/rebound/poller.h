/* rebound/poller: picks up what notifications missed. Each round:
 *   - legacy API: returns/search over the last rebound.poll_lookback_days
 *     finds returns never seen, and each is pulled;
 *   - a tracking sweep re-checks every open return (one returns/get, plus
 *     tracking/get with fetch_tracking) — or, with the platform API, every
 *     open order by client order id — oldest first, then most valuable,
 *     paced by the shared rate limit;
 *   - due status pushes are sent (rebound/statuspush).
 * Everything is fed through the intake like a notification. In the daemon
 * it runs on its own thread; `returnbridge poll` runs one round. */
#ifndef REBOUND_POLLER_H
#define REBOUND_POLLER_H

#include <stdint.h>

#include "rebound/feed.h"
#include "rebound/pull.h"
#include "rebound/rbclient.h"
#include "store/store.h"
#include "util/cfg.h"
#include "util/err.h"

struct poll_report {
	struct pull_counts counts;
	int64_t discovered;        /* returns found by search, never seen before */
	int64_t open;              /* open returns (or orders) the sweep covered */
	int64_t swept;             /* of which re-checked this round */
	int64_t sweep_ms;          /* how long the sweep took */
	double full_sweep_s;       /* what a sweep of `open` needs at the rate limit */
	int pushes_done, pushes_failed;
};

/* One round (see above). Errors from Rebound on single returns are counted
 * and logged, not returned; ERR_CONFIG (credentials), ERR_BUSY (stopped)
 * and store errors end the round and are returned. */
MUST_CHECK enum err_code poller_run_once(struct rbclient *cl, struct store *st,
					 const struct feed *f,
					 struct poll_report *r, struct err *e);

struct poller;

/* Start the poller thread when rebound.api is set and poll_interval_s > 0,
 * or status push is on; otherwise *out = NULL and ERR_OK. The thread opens
 * its own store handle (docs/internals/threads.md) and keeps a copy of the
 * options it needs, so reload does not touch it. Main thread. */
MUST_CHECK enum err_code poller_start(const struct cfg *c, struct poller **out,
				      struct err *e);

/* Ask the thread to stop (it abandons any wait at once), join it, free.
 * NULL does nothing. Main thread. */
void poller_stop(struct poller *p);

#endif
