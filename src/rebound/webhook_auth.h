/* rebound/webhook_auth: is this notification really from Rebound? Checks a
 * request against one endpoint's configured scheme (none, token, basic,
 * HMAC-SHA256 with optional signed timestamp and a second secret during
 * rotation), exactly as docs/rebound-notifications.md describes. All
 * comparisons are constant-time. Pure apart from reading headers. */
#ifndef REBOUND_WEBHOOK_AUTH_H
#define REBOUND_WEBHOOK_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "util/cfg.h"

enum wh_verdict {
	WH_OK = 0,
	WH_MISSING_CREDENTIALS,  /* no token / authorization / signature header */
	WH_BAD_TOKEN,
	WH_BAD_BASIC,
	WH_BAD_SIGNATURE,
	WH_BAD_TIMESTAMP,        /* timestamp header missing or not a number */
	WH_STALE_TIMESTAMP,      /* outside the tolerance window */
	WH__COUNT
};

/* Stable reason name for counters and logs ("bad_signature"). */
const char *wh_verdict_name(enum wh_verdict v);

/* Look a request header up by name (case-insensitive); NULL if absent. */
typedef const char *wh_header_fn(void *arg, const char *name);

/* Check one request. now_s is the current Unix time. On failure, detail
 * gets a short explanation safe to log (never a secret or a signature). */
enum wh_verdict wh_check(const struct cfg_webhook *w, wh_header_fn *header,
			 void *arg, const char *body, size_t len, int64_t now_s,
			 char *detail, size_t dlen);

/* The signature a sender computes (for the emulator, tests and the demo):
 * HMAC-SHA256 of "<timestamp>.<body>" (timestamp may be NULL: body alone),
 * hex (lowercase) or base64, NUL-terminated into out (at least 89 bytes).
 * Returns 0, or -1 on failure. */
int wh_sign(const char *secret, const char *timestamp, const char *body,
	    size_t len, int base64, char *out, size_t outlen);

/* 1 when a (alen bytes) equals b (blen bytes), in time that reveals
 * neither where they differ nor how long either is; 0 otherwise. Also for
 * other endpoints' secrets (Odoo's notification token). */
int wh_same_secret(const char *a, size_t alen, const char *b, size_t blen);

#endif
