/* err: the one project-wide result code and an optional human-readable
 * error text. Functions return enum err_code (ERR_OK == 0) to drive control
 * flow; a struct err *, which may be NULL, carries the message for people. */
#ifndef UTIL_ERR_H
#define UTIL_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define MUST_CHECK __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define MUST_CHECK
#define PRINTF_LIKE(f, a)
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum err_code {
	ERR_OK = 0,
	ERR_NOMEM,      /* allocation failed */
	ERR_INVALID,    /* bad argument or bad input from outside */
	ERR_CONFIG,     /* configuration problem */
	ERR_IO,         /* file or socket I/O failed */
	ERR_TOO_BIG,    /* a size cap was hit */
	ERR_NOT_FOUND,  /* the thing asked for does not exist */
	ERR_EXISTS,     /* already there (a duplicate) */
	ERR_STORE,      /* the durable store failed */
	ERR_BUSY,       /* locked or in use; retry later */
	ERR_UNSUPPORTED,/* not built or not available here */
	ERR_INTERNAL,   /* a broken invariant */
	ERR_DENIED,     /* the remote refused our credentials or access rights */
	ERR_REJECTED,   /* the remote refused the request on a business rule */
	ERR_UNKNOWN_OUTCOME, /* a write was sent but no answer came back (timeout,
	                      * lost connection): it may or may not have been
	                      * applied; find out before writing again */
	ERR__COUNT
};

#define ERR_MSG_MAX 512

struct err {
	enum err_code code;
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT { ERR_OK, { 0 } }

/* Stable lowercase name of a code ("not_found"); never NULL. */
const char *err_name(enum err_code code);

/* Record code and a formatted message in *e (when e is not NULL) and return
 * code, so callers can write `return err_set(e, ERR_IO, "...")`. A message
 * longer than ERR_MSG_MAX is truncated. */
enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Prefix the message already in *e with "prefix: " (context added on the way
 * up). Returns e->code, or ERR_OK when e is NULL. */
enum err_code err_prefix(struct err *e, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Clear *e (may be NULL). */
void err_clear(struct err *e);

/* Thread-safe strerror: writes into buf and returns it. */
const char *err_errno_str(int errnum, char *buf, size_t len);

/* Broken invariant: print and abort. Never for input from outside. */
_Noreturn void err_bug(const char *file, int line, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
#define BUG(...) err_bug(__FILE__, __LINE__, __VA_ARGS__)

#endif
