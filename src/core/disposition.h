/* disposition: where a returned line is proposed to go in Odoo, from the
 * [disposition] configuration: the hub's grade if the map lists it (the hub
 * looked at the item), else the customer's reason code, else the default.
 * Pure: no I/O. The warehouse has the last word in Odoo; this is only the
 * proposal written on the return picking. */
#ifndef CORE_DISPOSITION_H
#define CORE_DISPOSITION_H

#include "util/cfg.h"

enum disposition_kind {
	DISPOSITION_STOCK = 0,    /* sellable stock */
	DISPOSITION_QUARANTINE,
	DISPOSITION_SCRAP,
	DISPOSITION_LOCATION,     /* another location, named in the map */
};

struct disposition {
	enum disposition_kind kind;
	const char *location;     /* the location's full Odoo name (borrowed
	                           * from the cfg, valid while it is) */
	const char *source;       /* "grade", "reason" or "default" */
};

/* Resolve reason and grade (either may be NULL or "") against c. Keys
 * match without case. Never fails: the default always applies. */
void disposition_for(const struct cfg *c, const char *reason, const char *grade,
		     struct disposition *out);

/* "stock", "quarantine", "scrap", "location" */
const char *disposition_kind_name(enum disposition_kind k);

#endif
