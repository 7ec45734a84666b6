/* rebound/backfill: pull a date range of returns from the legacy API
 * (returns/search in windows of rebound.search_window_days, then
 * returns/get and tracking/get per return) into the intake. Progress is
 * saved after every return under "rebound.backfill:<since>:<until>", so an
 * interrupted run resumes where it stopped, and everything goes through the
 * intake's dedupe, so running it twice stores nothing twice. */
#ifndef REBOUND_BACKFILL_H
#define REBOUND_BACKFILL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "rebound/feed.h"
#include "rebound/pull.h"
#include "rebound/rbclient.h"
#include "store/store.h"
#include "util/err.h"

struct backfill_progress {
	char since[11], until[11];   /* YYYY-MM-DD, inclusive */
	char from[11], to[11];       /* the current window */
	int window_no, windows;      /* 1-based */
	int64_t in_window;           /* ids the window's search found */
	int64_t done_in_window;
	int64_t returns_done;        /* over the whole run, resumed part included */
	int64_t skipped;             /* already done by an earlier, interrupted run */
	struct pull_counts counts;   /* this invocation */
	int64_t started_ms;          /* monotonic, this invocation */
	bool resumed;
	bool window_finished;        /* set for the call at the end of a window */
};

typedef void backfill_progress_fn(const struct backfill_progress *p, void *arg);

struct backfill_opts {
	const char *since;           /* YYYY-MM-DD */
	const char *until;           /* YYYY-MM-DD, or NULL for today (UTC) */
	bool restart;                /* forget saved progress, pull again */
	backfill_progress_fn *progress;
	void *arg;
};

/* Run (or resume) a backfill. *p holds the final progress. Errors:
 * ERR_INVALID bad dates (message says which); ERR_UNSUPPORTED when only
 * the platform API is configured (it cannot search by date); ERR_EXISTS
 * when this range was completed before (nothing done; restart to pull
 * again); ERR_BUSY when stopped (progress saved); ERR_IO/ERR_CONFIG from
 * Rebound (progress saved). Returns that answered malformed are counted in
 * p->counts.failed and left for the next run. */
MUST_CHECK enum err_code backfill_run(struct rbclient *cl, struct store *st,
				      const struct feed *f,
				      const struct backfill_opts *o,
				      struct backfill_progress *p,
				      struct err *e);

/* Parse YYYY-MM-DD into days since 1970-01-01. */
MUST_CHECK enum err_code backfill_parse_date(const char *s, int64_t *days,
					     struct err *e);
/* Days since epoch → "YYYY-MM-DD" or, with slashes, "YYYY/MM/DD". */
void backfill_format_date(int64_t days, bool slashes, char out[11]);

#endif
