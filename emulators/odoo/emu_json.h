/* emu_json: JSON text the way Odoo (Python's json module) writes it —
 * object keys in insertion order and floats as their shortest round-trip
 * repr (2.27, not jansson's 2.2700000000000002; 3.0, never 3). */
#ifndef ODOO_EMU_JSON_H
#define ODOO_EMU_JSON_H

#include <jansson.h>

#include "util/buf.h"

/* Append v to b as JSON. Errors are the buffer's sticky error. */
void emu_json_dump(struct buf *b, const json_t *v);

/* Python's repr() of a float into out (at least 32 bytes). */
void emu_json_float_repr(double d, char *out, size_t len);

#endif
