/* odoo/profile: what differs between Odoo versions for the returns flow,
 * one table row per major version, and the detection that picks a row from
 * common.version and fields_get (fields win when the two disagree). 17 and
 * 18 are proven by recorded replies of real servers; 16 and 19 are known
 * from Odoo's source but not verified here. */
#ifndef ODOO_PROFILE_H
#define ODOO_PROFILE_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

struct profile {
	int major;                     /* 16, 17, 18, 19 */
	bool verified;                 /* recorded replies prove it */
	const char *return_method;     /* create_returns | action_create_returns */
	bool wizard_location;          /* the return wizard has location_id */
	bool wizard_full_defaults;     /* wizard lines default to the full qty */
	const char *move_qty_field;    /* quantity_done (16) | quantity */
	bool move_picked;              /* stock.move.picked exists (17+) */
	bool picking_move_type_required; /* direct create needs move_type (18) */
	bool storable_is_flag;         /* type consu + is_storable (18+) */
	const char *reversal_field;    /* account.move: reversal_move_id(s) */
	const char *sale_line_tax_field; /* sale.order.line: tax_id | tax_ids */
	bool location_return_flag;     /* stock.location.return_location */
	bool location_scrap_flag;      /* stock.location.scrap_location */
	bool immediate_transfer;       /* button_validate may ask (16) */
};

/* The row for a major version; NULL when there is none (< 16). Versions
 * above 19 get 19's row. */
const struct profile *profile_for_major(int major);

/* The inputs of detection, as read at connect. */
struct profile_facts {
	int major;                     /* from server_version_info / serie */
	char server_version[64];       /* "17.0-20240709" */
	bool wizard_has_location;      /* stock.return.picking.location_id */
	bool move_has_quantity_done;   /* stock.move.quantity_done */
	bool move_has_is_storable;     /* stock.move.is_storable */
	bool have_fields;              /* fields_get answered */
};

/* Fill f from a common.version result. ERR_INVALID when it names no
 * version. */
MUST_CHECK enum err_code profile_read_version(const json_t *version,
					      struct profile_facts *f,
					      struct err *e);

/* Record what two fields_get results (stock.return.picking, stock.move)
 * say; either may be NULL when the call was not possible. */
void profile_read_fields(const json_t *wizard_fields, const json_t *move_fields,
			 struct profile_facts *f);

/* Choose the profile and explain why in reason (for the log and doctor).
 * ERR_UNSUPPORTED for Odoo before 16. */
MUST_CHECK enum err_code profile_choose(const struct profile_facts *f,
					const struct profile **out,
					char *reason, size_t len,
					struct err *e);

#endif
