/* policy: the refund policy of a received line, from the [refund]
 * configuration: by the Rebound reason code ([refund.reason]) and by where
 * the warehouse put the item in Odoo ([refund.disposition]: stock,
 * quarantine, scrap or other) — the stricter of the two when both name
 * it (none > approval > full), else refund.default. Pure: no I/O.
 * docs/refund-policy.md says it for finance. */
#ifndef CORE_POLICY_H
#define CORE_POLICY_H

#include "util/cfg.h"

struct policy_decision {
	enum cfg_policy policy;
	const char *source;       /* "reason", "disposition", "default" */
};

/* reason may be NULL or ""; where is "stock", "quarantine", "scrap" or
 * "other". Keys match without case. */
void policy_for(const struct cfg *c, const char *reason, const char *where,
		struct policy_decision *out);

/* "full", "none", "approval" */
const char *policy_name(enum cfg_policy p);

#endif
