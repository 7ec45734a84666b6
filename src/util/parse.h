/* parse: range-checked parsers for numbers and flags that come from outside
 * (config, HTTP, CLI). Nothing in the project calls atoi or a raw strtol. */
#ifndef UTIL_PARSE_H
#define UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* Parse a whole decimal integer in [min, max]. Leading/trailing blanks,
 * signs where min < 0, nothing else. ERR_INVALID with a message that names
 * the allowed range. */
MUST_CHECK enum err_code parse_int64(const char *s, int64_t min, int64_t max,
				     int64_t *out, struct err *e);

/* Parse true/false, yes/no, on/off, 1/0 (any case). */
MUST_CHECK enum err_code parse_bool(const char *s, bool *out, struct err *e);

/* Trim blanks in place at both ends; returns the new start. */
char *parse_trim(char *s);

#endif
