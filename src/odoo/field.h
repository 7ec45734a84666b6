/* odoo/field: read typed values out of one record of a read/search_read
 * reply. Odoo writes an empty field as false (never null), a many2one as
 * [id, "name"] or false, an x2many as a list of ids, and numbers as JSON
 * floats; these helpers accept exactly those shapes. */
#ifndef ODOO_FIELD_H
#define ODOO_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Record id ("id"), or a many2one's id; 0 when the field is false or
 * absent. */
int64_t field_id(const json_t *rec, const char *name);

/* A char/selection field copied into dst (truncated to fit; "" when false
 * or absent). A many2one gives its display name. */
void field_str(const json_t *rec, const char *name, char *dst, size_t len);

bool field_bool(const json_t *rec, const char *name);

/* An x2many's ids into ids[0..max); returns how many the field holds (may
 * exceed max; only max are copied). */
size_t field_ids(const json_t *rec, const char *name, int64_t *ids, size_t max);

/* A number (int or float; false reads as 0) as fixed point with decimals
 * places, rounded as money_from_double does. ERR_INVALID names the field
 * when it is not a number. */
MUST_CHECK enum err_code field_fixed(const json_t *rec, const char *name,
				     int decimals, int64_t *out, struct err *e);

/* A JSON array of ids; NULL on OOM. */
json_t *field_id_array(const int64_t *ids, size_t n);

/* A JSON array of strings; NULL on OOM. */
json_t *field_str_array(const char *const *s, size_t n);

#endif
