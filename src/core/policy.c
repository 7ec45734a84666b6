/* policy: the refund policy of a received line. */
#include "core/policy.h"

#include <string.h>

static int parse(const char *v)
{
	if (!v)
		return -1;
	if (strcmp(v, "full") == 0)
		return CFG_POLICY_FULL;
	if (strcmp(v, "none") == 0)
		return CFG_POLICY_NONE;
	if (strcmp(v, "approval") == 0)
		return CFG_POLICY_APPROVAL;
	return -1;    /* check-config refuses it; treated as not listed */
}

/* none > approval > full */
static int strictness(int p)
{
	return p == CFG_POLICY_NONE ? 2 : p == CFG_POLICY_APPROVAL ? 1 : 0;
}

void policy_for(const struct cfg *c, const char *reason, const char *where,
		struct policy_decision *out)
{
	int by_reason = reason && *reason ? parse(cfg_map_get(&c->refund_reason, reason)) : -1;
	int by_place = where && *where ? parse(cfg_map_get(&c->refund_disposition, where)) : -1;

	if (by_reason < 0 && by_place < 0) {
		out->policy = (enum cfg_policy)c->refund_default;
		out->source = "default";
	} else if (by_place < 0 || (by_reason >= 0 && strictness(by_reason) >= strictness(by_place))) {
		out->policy = (enum cfg_policy)by_reason;
		out->source = "reason";
	} else {
		out->policy = (enum cfg_policy)by_place;
		out->source = "disposition";
	}
}

const char *policy_name(enum cfg_policy p)
{
	switch (p) {
	case CFG_POLICY_NONE:
		return "none";
	case CFG_POLICY_APPROVAL:
		return "approval";
	default:
		return "full";
	}
}
