/* rebound/doctor: the Rebound half of `returnbridge doctor`. Checks the
 * configured credentials and endpoints with harmless calls (a legacy
 * returns/search for yesterday, where an "empty" answer counts as valid;
 * a platform token and one return-order lookup) and prints what is wrong
 * in words. The Odoo side adds its own doctor_odoo() beside it. */
#ifndef REBOUND_DOCTOR_H
#define REBOUND_DOCTOR_H

#include "util/cfg.h"

/* One finished check: status is "ok", "skip" or "FAIL"; title says what
 * was checked, detail what was found and what to do. */
typedef void doctor_rebound_fn(const char *status, const char *title,
			       const char *detail, void *arg);

/* Run the Rebound checks for c, reporting each through fn. Returns the
 * number of failed checks. Makes at most a few calls, each tried once. */
int doctor_rebound(const struct cfg *c, doctor_rebound_fn *fn, void *arg);

#endif
