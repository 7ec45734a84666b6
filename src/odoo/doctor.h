/* odoo/doctor: checks that an Odoo database is ready for returnbridge, each
 * reported in words a person can act on: the connection and version
 * profile, the API user's access rights on every model the flow uses, the
 * locations of the disposition map (they exist; quarantine and scrap are
 * outside sellable stock), a journal for credit notes, the user's email
 * address, and products invoiced on ordered quantities. Read-only: doctor
 * never writes to Odoo. */
#ifndef ODOO_DOCTOR_H
#define ODOO_DOCTOR_H

#include <stddef.h>

#include "odoo/odoo.h"
#include "util/cfg.h"

enum doctor_status { DOCTOR_OK = 0, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor_check {
	enum doctor_status status;
	char title[96];            /* what was checked */
	char detail[640];          /* what was found and, if wrong, what to do */
};

#define DOCTOR_MAX_CHECKS 48

struct doctor_report {
	size_t n;
	int warnings, failures;
	struct doctor_check items[DOCTOR_MAX_CHECKS];
};

/* Connect c (not yet connected) and run every check against the settings
 * in cf. Problems in Odoo are checks that failed, not errors: the return
 * is ERR_OK unless doctor itself could not run (ERR_NOMEM). When the
 * connection fails the report says why and the other checks are skipped. */
MUST_CHECK enum err_code doctor_run(struct odoo *c, const struct cfg *cf,
				    struct doctor_report *rep, struct err *e);

/* "ok", "warn", "FAIL" */
const char *doctor_status_name(enum doctor_status s);

#endif
