/* parse: strict number and flag parsing for values from outside. */
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum err_code parse_int64(const char *s, int64_t min, int64_t max,
			  int64_t *out, struct err *e)
{
	const char *p = s;
	char *end = NULL;
	long long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return err_set(e, ERR_INVALID, "empty value, expected a whole number from %" PRId64 " to %" PRId64, min, max);
	if (*p == '-' && min >= 0)
		return err_set(e, ERR_INVALID, "\"%s\" is negative, expected %" PRId64 "..%" PRId64, s, min, max);
	if (!isdigit((unsigned char)*p) && *p != '-' && *p != '+')
		return err_set(e, ERR_INVALID, "\"%s\" is not a whole number (expected %" PRId64 "..%" PRId64 ")", s, min, max);
	errno = 0;
	v = strtoll(p, &end, 10);
	while (end && (*end == ' ' || *end == '\t'))
		end++;
	if (end == p || !end || *end != '\0')
		return err_set(e, ERR_INVALID, "\"%s\" is not a whole number (expected %" PRId64 "..%" PRId64 ")", s, min, max);
	if (errno == ERANGE || v < min || v > max)
		return err_set(e, ERR_INVALID, "%s is out of range (%" PRId64 "..%" PRId64 ")", s, min, max);
	*out = v;
	return ERR_OK;
}

enum err_code parse_bool(const char *s, bool *out, struct err *e)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return ERR_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return ERR_OK;
		}
	}
	return err_set(e, ERR_INVALID, "\"%s\" is not a boolean (use true or false)", s);
}

char *parse_trim(char *s)
{
	size_t n;

	while (*s && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}
