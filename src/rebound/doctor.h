/* rebound/doctor: the Rebound half of `returnbridge doctor`. Checks the
 * configured credentials and endpoints with harmless calls (a legacy
 * returns/search for yesterday, where an "empty" answer counts as valid;
 * a platform token and one return-order lookup) and prints what is wrong
 * in words. The Odoo side adds its own doctor_odoo() beside it. */
#ifndef REBOUND_DOCTOR_H
#define REBOUND_DOCTOR_H

#include <stdio.h>

#include "util/cfg.h"

/* Print one line per check to out ("ok", "FAIL" or "skip", what, why).
 * Returns the number of failed checks. Makes at most a few calls, each
 * tried once. */
int doctor_rebound(const struct cfg *c, FILE *out);

#endif
