/* rebound/rbhttp: the one HTTP path to Rebound (libcurl). Every attempt
 * first takes a call from the shared rate limit; 429 (honouring
 * Retry-After), 5xx, timeouts and connection failures are retried with
 * exponential backoff up to max_attempts. One struct rbhttp per thread
 * (it owns a curl handle); the rate limit may be shared. */
#ifndef REBOUND_RBHTTP_H
#define REBOUND_RBHTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "rebound/ratelimit.h"
#include "util/buf.h"
#include "util/err.h"

struct rbhttp_opts {
	int64_t timeout_ms;        /* per attempt */
	int max_attempts;          /* >= 1 */
	int64_t backoff_base_ms;   /* first retry waits this, then doubles */
	int64_t backoff_max_ms;    /* and never more than this (nor Retry-After) */
	struct ratelimit *rl;      /* borrowed; NULL = no limit */
	_Atomic int *stop;         /* borrowed; nonzero aborts waits; may be NULL */
};

struct rbhttp_resp {
	long status;               /* HTTP status of the last attempt */
	struct buf body;           /* its body (capped at 16 MiB) */
	int attempts;
};

struct rbhttp_stats {
	int64_t calls;             /* attempts made */
	int64_t retries;
	int64_t throttled;         /* 429s seen */
	int64_t waited_ms;         /* time spent backing off */
};

struct rbhttp;

MUST_CHECK enum err_code rbhttp_new(const struct rbhttp_opts *o,
				    struct rbhttp **out, struct err *e);
void rbhttp_free(struct rbhttp *h);

/* Initialise / release a response. */
void rbhttp_resp_init(struct rbhttp_resp *r);
void rbhttp_resp_release(struct rbhttp_resp *r);

/* One logical call: method "GET" or "POST"; headers a NULL-terminated list
 * of "Name: value" (may be NULL); body for POST (may be NULL). On ERR_OK
 * *r holds the final answer, which may be any status the caller must judge
 * (2xx, 4xx other than 429). ERR_IO when every attempt failed (the message
 * says how the last one failed); ERR_BUSY when stopped. */
MUST_CHECK enum err_code rbhttp_call(struct rbhttp *h, const char *method,
				     const char *url,
				     const char *const *headers,
				     const char *body, size_t len,
				     struct rbhttp_resp *r, struct err *e);

/* Sleep ms, waking early when stop is set. Returns nonzero if stopped. */
int rbhttp_sleep(struct rbhttp *h, int64_t ms);

const struct rbhttp_stats *rbhttp_stats_get(const struct rbhttp *h);

/* URL-encode s onto b (form encoding: space as %20). */
void rbhttp_urlencode(struct buf *b, const char *s);

/* Global libcurl init; call once from main before threads. */
void rbhttp_global_init(void);

#endif
