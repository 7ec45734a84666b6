/* buf: the one growable byte buffer. Always NUL-terminated, with a hard size
 * cap set at init; an append that would pass the cap (or fails to allocate)
 * sets a sticky error that the caller checks once with buf_failed(). */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define BUF_MAGIC 0x62756621u

struct buf {
	char *data;     /* NUL-terminated once anything was added; may be NULL */
	size_t len;     /* bytes used, not counting the NUL */
	size_t alloc;   /* bytes allocated */
	size_t cap;     /* most bytes len may reach */
	enum err_code failed; /* sticky: ERR_TOO_BIG or ERR_NOMEM */
	unsigned magic;
};

#define BUF_INIT(capacity) { NULL, 0, 0, (capacity), ERR_OK, BUF_MAGIC }

/* Initialise b empty with the given cap. */
void buf_init(struct buf *b, size_t cap);

/* Free what b holds and leave it empty (cap and magic stay). */
void buf_release(struct buf *b);

/* Forget the contents but keep memory; clears the sticky error. */
void buf_reset(struct buf *b);

/* Appends. On overflow or OOM they set the sticky error and append
 * nothing more; they never fail loudly. */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

/* The sticky error: ERR_OK when every append so far succeeded. */
enum err_code buf_failed(const struct buf *b);

/* Contents as a C string; "" when empty. Borrowed: valid until the next
 * append or release. */
const char *buf_str(const struct buf *b);

/* Hand the memory to the caller (free() it); b is left empty. Returns a
 * valid empty string when b was empty; NULL only on OOM. */
char *buf_detach(struct buf *b, size_t *len);

#endif
