/* emu_json: Python-compatible JSON serialisation for the Odoo emulator. */
#include "emu_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emu_json_float_repr(double d, char *out, size_t len)
{
	int prec;

	if (!isfinite(d)) {
		/* Python writes NaN/Infinity; Odoo never sends them */
		snprintf(out, len, "%s", isnan(d) ? "NaN" : "Infinity");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	if (!strpbrk(out, ".e")) {
		size_t n = strlen(out);

		if (n + 3 <= len)
			memcpy(out + n, ".0", 3);
	}
}

static void dump_string(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (c < 0x20)
				buf_addf(b, "\\u%04x", c);
			else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

void emu_json_dump(struct buf *b, const json_t *v)
{
	char tmp[40];
	const char *key;
	json_t *val;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_addc(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, key, val) {
			if (i++)
				buf_adds(b, ", ");
			dump_string(b, key, strlen(key));
			buf_adds(b, ": ");
			emu_json_dump(b, val);
		}
		buf_addc(b, '}');
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_adds(b, ", ");
			emu_json_dump(b, json_array_get(v, i));
		}
		buf_addc(b, ']');
		break;
	case JSON_STRING:
		dump_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		emu_json_float_repr(json_real_value(v), tmp, sizeof(tmp));
		buf_adds(b, tmp);
		break;
	case JSON_TRUE: buf_adds(b, "true"); break;
	case JSON_FALSE: buf_adds(b, "false"); break;
	case JSON_NULL: buf_adds(b, "null"); break;
	}
}
