/* disposition: grade, then reason, then default. */
#include "core/disposition.h"

#include <strings.h>

const char *disposition_kind_name(enum disposition_kind k)
{
	switch (k) {
	case DISPOSITION_STOCK: return "stock";
	case DISPOSITION_QUARANTINE: return "quarantine";
	case DISPOSITION_SCRAP: return "scrap";
	case DISPOSITION_LOCATION: return "location";
	}
	return "?";
}

static void resolve(const struct cfg *c, const char *target, const char *source,
		    struct disposition *out)
{
	out->source = source;
	if (strcasecmp(target, "stock") == 0) {
		out->kind = DISPOSITION_STOCK;
		out->location = c->disposition_stock;
	} else if (strcasecmp(target, "quarantine") == 0) {
		out->kind = DISPOSITION_QUARANTINE;
		out->location = c->disposition_quarantine;
	} else if (strcasecmp(target, "scrap") == 0) {
		out->kind = DISPOSITION_SCRAP;
		out->location = c->disposition_scrap;
	} else {
		out->kind = DISPOSITION_LOCATION;
		out->location = target;
	}
}

void disposition_for(const struct cfg *c, const char *reason, const char *grade,
		     struct disposition *out)
{
	const char *t = NULL;

	if (grade && *grade)
		t = cfg_map_get(&c->disposition_grade, grade);
	if (t) {
		resolve(c, t, "grade", out);
		return;
	}
	if (reason && *reason)
		t = cfg_map_get(&c->disposition_reason, reason);
	if (t) {
		resolve(c, t, "reason", out);
		return;
	}
	resolve(c, c->disposition_default, "default", out);
}
