/* rebound/feed: where pulled returns go. The poller and backfill hand every
 * body to a feed; in the product that is intake_submit (the same door,
 * dedupe and identity rule as notifications, docs/rebound-notifications.md),
 * in unit tests a double that records what it was given. */
#ifndef REBOUND_FEED_H
#define REBOUND_FEED_H

#include <stddef.h>

#include "rebound/intake.h"
#include "store/store.h"
#include "util/err.h"

typedef enum err_code feed_submit_fn(void *arg, enum intake_kind kind,
				     const char *source, const char *body,
				     size_t len, struct intake_result *res,
				     struct err *e);

struct feed {
	feed_submit_fn *submit;
	void *arg;
};

/* The production feed: intake_submit on st (borrowed). */
struct feed feed_intake(struct store *st);

/* Submit through f; same contract as intake_submit. */
MUST_CHECK enum err_code feed_submit(const struct feed *f, enum intake_kind kind,
				     const char *source, const char *body,
				     size_t len, struct intake_result *res,
				     struct err *e);

#endif
