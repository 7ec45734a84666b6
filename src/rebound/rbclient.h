/* rebound/rbclient: everything needed to talk to Rebound, built from the
 * configuration: options copied out of struct cfg (so a thread keeps them
 * across reloads), the rate limit, the HTTP path and the client of the
 * configured API generation. One per thread; the rate limit can be shared
 * between threads of one process. */
#ifndef REBOUND_RBCLIENT_H
#define REBOUND_RBCLIENT_H

#include <stdatomic.h>
#include <stdint.h>

#include "rebound/legacy.h"
#include "rebound/platform.h"
#include "rebound/ratelimit.h"
#include "rebound/rbhttp.h"
#include "util/cfg.h"
#include "util/err.h"

/* What the poller, backfill and status push need, copied out of cfg. */
struct rbopts {
	int api;                   /* enum cfg_rebound_api */
	int64_t poll_interval_s;
	int64_t poll_lookback_days;
	int64_t search_window_days;
	int fetch_tracking;
	char *cancelled_status;
	char *final_status;
	int status_push;           /* enum cfg_status_push */
	char *push_call;
	char *push_text;
	char *push_request;
	int64_t push_max_attempts;
	int64_t push_retry_s;
	double per_minute;         /* the rate limit; 0 = none */
};

struct rbclient;

/* Build from c. rl: a shared rate limit (borrowed), or NULL to create one
 * from the rebound.rate_limit_* keys. stop (borrowed, may be NULL) aborts
 * waits. Both clients are built when their credentials are set, whatever
 * rebound.api says (doctor checks both; status push uses the legacy one). */
MUST_CHECK enum err_code rbclient_new(const struct cfg *c, struct ratelimit *rl,
				      _Atomic int *stop, struct rbclient **out,
				      struct err *e);
void rbclient_free(struct rbclient *cl);

const struct rbopts *rbclient_opts(const struct rbclient *cl);
/* NULL when not configured. Borrowed. */
struct legacy *rbclient_legacy(struct rbclient *cl);
struct platform *rbclient_platform(struct rbclient *cl);
struct rbhttp *rbclient_http(struct rbclient *cl);
struct ratelimit *rbclient_ratelimit(struct rbclient *cl);

#endif
