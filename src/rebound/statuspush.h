/* rebound/statuspush: tell Rebound what happened to the refund. After the
 * credit note is posted, the engine records the refund status here; that
 * record is the refund status customer support sees, and it never waits
 * for Rebound. When rebound.status_push = legacy, the poller thread sends
 * it with the legacy call rebound.status_push_call (tracking/add_status),
 * whose request is rebound.status_push_request with placeholders filled in
 * — Rebound has published no refund-status API, so the call and its payload
 * are configuration, kept in this one place (docs/rebound.md). A failed
 * push is retried every status_push_retry_s, and after
 * status_push_max_attempts rounds it is marked failed and audited as
 * "rebound_status_push_failed" for a person. State key:
 * "rebound.push:<return id>". */
#ifndef REBOUND_STATUSPUSH_H
#define REBOUND_STATUSPUSH_H

#include <stdint.h>

#include "rebound/rbclient.h"
#include "store/store.h"
#include "util/cfg.h"
#include "util/err.h"

struct statuspush_refund {
	const char *return_id;     /* Rebound return id (required) */
	const char *order_ref;     /* may be NULL */
	const char *amount;        /* "12.50", may be NULL */
	const char *currency;      /* may be NULL */
	const char *credit_note;   /* Odoo credit note name, may be NULL */
};

#define STATUSPUSH_PREFIX "rebound.push:"

/* Record the refund status (idempotent: recording the same return again
 * changes nothing). *state is "pending" (will be pushed) or "recorded"
 * (push off). ERR_INVALID when the configured request does not render to
 * JSON. Any thread. */
MUST_CHECK enum err_code statuspush_record(struct store *st, const struct cfg *c,
					   const struct statuspush_refund *r,
					   const char **state, struct err *e);

/* Push every pending record that is due. *done / *failed count pushes that
 * succeeded / gave up this time. Rebound's failures are not returned:
 * they are retried later. Poller thread (or a CLI command). */
MUST_CHECK enum err_code statuspush_run_due(struct rbclient *cl, struct store *st,
					    int64_t now_ms, int *done, int *failed,
					    struct err *e);

/* Fill the request template: {return_id} {order_ref} {status} {amount}
 * {currency} {credit_note} {date} become JSON-escaped values; other text
 * is copied. *out is malloc'd. ERR_INVALID when the result is not JSON. */
MUST_CHECK enum err_code statuspush_render(const char *tmpl, const char *status,
					   const struct statuspush_refund *r,
					   char **out, struct err *e);

#endif
