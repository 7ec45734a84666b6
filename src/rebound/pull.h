/* rebound/pull: fetch one return from Rebound and hand it to the feed,
 * and remember what was seen (the sync record) so the poller knows which
 * returns are still open and how valuable they are. Used by the poller
 * and backfill alike, so a return pulled either way is fed identically.
 * Caller's thread; the client is that thread's. */
#ifndef REBOUND_PULL_H
#define REBOUND_PULL_H

#include <stdint.h>

#include "rebound/feed.h"
#include "rebound/rbclient.h"
#include "store/store.h"
#include "util/err.h"

struct pull_counts {
	int64_t returns;           /* returns fetched */
	int64_t accepted;          /* bodies the intake stored */
	int64_t duplicate;         /* bodies it had already */
	int64_t parked;            /* stored but parked as exceptions */
	int64_t refused;           /* not stored: malformed or not Rebound */
	int64_t failed;            /* returns that could not be fetched */
};

/* What the poller remembers per Rebound return, under the state key
 * "rebound.sync:<id>". */
struct pull_sync {
	char id[128];              /* legacy return id or platform order id */
	char order_ref[128];
	char tracking[128];
	char status[128];          /* current tracking status */
	int64_t first_seen_ms;
	int64_t last_checked_ms;
	int64_t value_minor;       /* sum of price x quantity, cents */
	int closed;                /* cancelled or past the final status */
};

#define PULL_SYNC_PREFIX "rebound.sync:"

/* ERR_NOT_FOUND when id was never pulled. */
MUST_CHECK enum err_code pull_sync_get(struct store *st, const char *id,
				       struct pull_sync *out, struct err *e);
MUST_CHECK enum err_code pull_sync_put(struct store *st,
				       const struct pull_sync *s, struct err *e);
/* Parse a stored sync value (for listings). false when it is not one. */
bool pull_sync_parse(const char *key, const char *value, struct pull_sync *out);

/* Legacy API: returns/get id (and, with fetch_tracking, tracking/get for
 * its tracking code), then feed the return object (one body per tracking
 * event, the object as it stood then, and one for now). source is "poll"
 * or "backfill". Counts are added to *n. ERR_INVALID on a malformed answer
 * (nothing fed for that return); transport errors as rbhttp_call. */
MUST_CHECK enum err_code pull_legacy_return(struct rbclient *cl,
					    struct store *st,
					    const struct feed *f,
					    const char *id, const char *source,
					    struct pull_counts *n,
					    struct err *e);

/* Platform API: every return order of a client order id, each fed as a
 * Tracking Update ({"order": {...}, "milestone": status}). */
MUST_CHECK enum err_code pull_platform_order(struct rbclient *cl,
					     struct store *st,
					     const struct feed *f,
					     const char *client_order_id,
					     const char *source,
					     struct pull_counts *n,
					     struct err *e);

/* Price string ("19.99", "20", "-") times quantity string, in cents; 0
 * when either is not a plain decimal. */
int64_t pull_value_minor(const char *price, const char *quantity);

#endif
