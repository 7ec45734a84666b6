/* odoo/field: typed access to Odoo record values. */
#include "odoo/field.h"

#include <stdio.h>

#include "core/money.h"

int64_t field_id(const json_t *rec, const char *name)
{
	const json_t *v = json_object_get(rec, name);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_array(v) && json_is_integer(json_array_get(v, 0)))
		return (int64_t)json_integer_value(json_array_get(v, 0));
	return 0;
}

void field_str(const json_t *rec, const char *name, char *dst, size_t len)
{
	const json_t *v = json_object_get(rec, name);

	if (json_is_array(v))
		v = json_array_get(v, 1);
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

bool field_bool(const json_t *rec, const char *name)
{
	return json_is_true(json_object_get(rec, name));
}

size_t field_ids(const json_t *rec, const char *name, int64_t *ids, size_t max)
{
	const json_t *v = json_object_get(rec, name);
	size_t i, n = json_is_array(v) ? json_array_size(v) : 0;

	for (i = 0; i < n && i < max; i++)
		ids[i] = (int64_t)json_integer_value(json_array_get(v, i));
	return n;
}

enum err_code field_fixed(const json_t *rec, const char *name, int decimals,
			  int64_t *out, struct err *e)
{
	const json_t *v = json_object_get(rec, name);

	*out = 0;
	if (!v || json_is_false(v))
		return ERR_OK;
	if (!json_is_number(v))
		return err_set(e, ERR_INVALID, "field %s is not a number", name);
	if (money_from_double(json_number_value(v), decimals, out, e) != ERR_OK)
		return err_prefix(e, "field %s", name);
	return ERR_OK;
}

json_t *field_id_array(const int64_t *ids, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_integer((json_int_t)ids[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *field_str_array(const char *const *s, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(s[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
