/* odoo/profile: per-version differences and their detection. */
#include "odoo/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static const struct profile profiles[] = {
	{ .major = 16, .verified = false, .return_method = "create_returns",
	  .wizard_location = true, .wizard_full_defaults = true,
	  .move_qty_field = "quantity_done", .move_picked = false,
	  .picking_move_type_required = false, .storable_is_flag = false,
	  .reversal_field = "reversal_move_id", .sale_line_tax_field = "tax_id",
	  .location_return_flag = true, .location_scrap_flag = true,
	  .immediate_transfer = true },
	{ .major = 17, .verified = true, .return_method = "create_returns",
	  .wizard_location = true, .wizard_full_defaults = true,
	  .move_qty_field = "quantity", .move_picked = true,
	  .picking_move_type_required = false, .storable_is_flag = false,
	  .reversal_field = "reversal_move_id", .sale_line_tax_field = "tax_id",
	  .location_return_flag = true, .location_scrap_flag = true,
	  .immediate_transfer = false },
	{ .major = 18, .verified = true, .return_method = "action_create_returns",
	  .wizard_location = false, .wizard_full_defaults = false,
	  .move_qty_field = "quantity", .move_picked = true,
	  .picking_move_type_required = true, .storable_is_flag = true,
	  .reversal_field = "reversal_move_ids", .sale_line_tax_field = "tax_id",
	  .location_return_flag = false, .location_scrap_flag = true,
	  .immediate_transfer = false },
	{ .major = 19, .verified = false, .return_method = "action_create_returns",
	  .wizard_location = false, .wizard_full_defaults = false,
	  .move_qty_field = "quantity", .move_picked = true,
	  .picking_move_type_required = true, .storable_is_flag = true,
	  .reversal_field = "reversal_move_ids", .sale_line_tax_field = "tax_ids",
	  .location_return_flag = false, .location_scrap_flag = false,
	  .immediate_transfer = false },
};

const struct profile *profile_for_major(int major)
{
	size_t i;

	if (major > 19)
		major = 19;
	for (i = 0; i < ARRAY_LEN(profiles); i++)
		if (profiles[i].major == major)
			return &profiles[i];
	return NULL;
}

/* "17.0", "saas~17.4", "17.0+e" -> 17 */
static int major_of_text(const char *s)
{
	const char *p = s;
	long v;

	while (*p && (*p < '0' || *p > '9'))
		p++;
	v = strtol(p, NULL, 10);
	return v > 0 && v < 1000 ? (int)v : 0;
}

enum err_code profile_read_version(const json_t *version,
				   struct profile_facts *f, struct err *e)
{
	const json_t *info = json_object_get(version, "server_version_info");
	const json_t *first = json_array_get(info, 0);
	const char *sv = json_string_value(json_object_get(version, "server_version"));
	const char *serie = json_string_value(json_object_get(version, "server_serie"));

	memset(f, 0, sizeof(*f));
	snprintf(f->server_version, sizeof(f->server_version), "%s", sv ? sv : "?");
	if (json_is_integer(first))
		f->major = (int)json_integer_value(first);
	else if (json_is_string(first))
		f->major = major_of_text(json_string_value(first));
	if (f->major == 0 && serie)
		f->major = major_of_text(serie);
	if (f->major == 0 && sv)
		f->major = major_of_text(sv);
	if (f->major == 0)
		return err_set(e, ERR_INVALID, "common.version names no Odoo version");
	return ERR_OK;
}

void profile_read_fields(const json_t *wizard_fields, const json_t *move_fields,
			 struct profile_facts *f)
{
	f->have_fields = json_is_object(wizard_fields) && json_is_object(move_fields);
	if (!f->have_fields)
		return;
	f->wizard_has_location = json_object_get(wizard_fields, "location_id") != NULL;
	f->move_has_quantity_done = json_object_get(move_fields, "quantity_done") != NULL;
	f->move_has_is_storable = json_object_get(move_fields, "is_storable") != NULL;
}

enum err_code profile_choose(const struct profile_facts *f,
			     const struct profile **out, char *reason,
			     size_t len, struct err *e)
{
	struct buf b = BUF_INIT(1024);
	int by_fields = 0;

	*out = NULL;
	if (f->major < 16) {
		snprintf(reason, len, "Odoo %s is older than 16", f->server_version);
		return err_set(e, ERR_UNSUPPORTED, "Odoo %s is not supported (16 or newer is needed)",
			       f->server_version);
	}
	buf_addf(&b, "server %s says %d", f->server_version, f->major);
	if (f->have_fields) {
		if (f->move_has_quantity_done)
			by_fields = 16;
		else if (f->wizard_has_location)
			by_fields = 17;
		else
			by_fields = f->major >= 19 ? 19 : 18;
		buf_addf(&b, "; stock.move has %s%s, stock.return.picking %s location_id",
			 f->move_has_quantity_done ? "quantity_done" : "quantity",
			 f->move_has_is_storable ? " and is_storable" : "",
			 f->wizard_has_location ? "has" : "has no");
		if (by_fields != (f->major > 19 ? 19 : f->major))
			buf_addf(&b, "; the fields win: they look like %d", by_fields);
	} else {
		buf_adds(&b, "; fields_get not available, going by the version");
	}
	*out = profile_for_major(by_fields ? by_fields : f->major);
	buf_addf(&b, " -> profile %d%s", (*out)->major,
		 (*out)->verified ? "" : " (not verified by recorded replies)");
	snprintf(reason, len, "%s", buf_str(&b));
	buf_release(&b);
	return ERR_OK;
}
