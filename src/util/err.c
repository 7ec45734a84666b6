/* err: result codes, their names, and the message carrier. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>

static const char *const names[] = {
	[ERR_OK] = "ok",
	[ERR_NOMEM] = "out_of_memory",
	[ERR_INVALID] = "invalid",
	[ERR_CONFIG] = "config",
	[ERR_IO] = "io",
	[ERR_TOO_BIG] = "too_big",
	[ERR_NOT_FOUND] = "not_found",
	[ERR_EXISTS] = "exists",
	[ERR_STORE] = "store",
	[ERR_BUSY] = "busy",
	[ERR_UNSUPPORTED] = "unsupported",
	[ERR_INTERNAL] = "internal",
	[ERR_DENIED] = "denied",
	[ERR_REJECTED] = "rejected",
	[ERR_UNKNOWN_OUTCOME] = "unknown_outcome",
};
static_assert(ARRAY_LEN(names) == ERR__COUNT, "err name table");

const char *err_name(enum err_code code)
{
	if ((unsigned)code >= ERR__COUNT)
		return "unknown";
	return names[code];
}

enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

enum err_code err_prefix(struct err *e, const char *fmt, ...)
{
	char pre[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return ERR_OK;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* truncation is fine: the message is for people, and stays bounded */
	if (snprintf(e->msg, sizeof(e->msg), "%s: %s", pre, old) < 0)
		e->msg[0] = '\0';
	return e->code;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

const char *err_errno_str(int errnum, char *buf, size_t len)
{
	/* the XSI strerror_r: _GNU_SOURCE is not defined in this file */
	if (strerror_r(errnum, buf, len) != 0)
		snprintf(buf, len, "error %d", errnum);
	return buf;
}

void err_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
