/* engine: the return-to-refund engine (DESIGN.md sections 1-2, issue 8).
 * A worker thread with its own store handle and its own Odoo client takes
 * due jobs from the store's queue and runs a return's next step: match the
 * sale order, create the return picking, wait for the warehouse's
 * validation, credit what was received and check Odoo's totals. Retryable
 * failures back off with jitter; permanent ones, or too many tries, put
 * the return ON_HOLD with an exception that says what a person should do.
 * docs/internals/engine.md has the steps; docs/internals/threads.md the
 * threads. */
#ifndef ENGINE_ENGINE_H
#define ENGINE_ENGINE_H

#include "util/cfg.h"
#include "util/err.h"

struct engine;

/* Start the engine thread when odoo.url is set; otherwise *out = NULL and
 * ERR_OK. It keeps a copy of the options it needs (reload does not touch
 * it), opens its own store handle and connects to Odoo on its thread
 * (Odoo being down is retried, not fatal). Main thread. */
MUST_CHECK enum err_code engine_start(const struct cfg *c, struct engine **out,
				      struct err *e);

/* Wake the engine now (a notification arrived; Odoo says a picking was
 * validated). Any thread; NULL does nothing. */
void engine_wake(struct engine *en);

/* Stop the thread after the step in hand (a step is never cut in two),
 * and free. NULL does nothing. Main thread. */
void engine_stop(struct engine *en);

#endif
