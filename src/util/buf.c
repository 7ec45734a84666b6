/* buf: growable, capped, NUL-terminated buffer with a sticky error. */
#include "util/buf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t cap)
{
	struct buf fresh = BUF_INIT(cap);

	*b = fresh;
}

void buf_release(struct buf *b)
{
	assert(b->magic == BUF_MAGIC);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->failed = ERR_OK;
}

void buf_reset(struct buf *b)
{
	assert(b->magic == BUF_MAGIC);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	b->failed = ERR_OK;
}

static int grow(struct buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (b->failed)
		return -1;
	if (extra > b->cap || b->len > b->cap - extra) {
		b->failed = ERR_TOO_BIG;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > ((size_t)-1) / 2 ? need : n * 2;
	p = realloc(b->data, n);
	if (!p) {
		b->failed = ERR_NOMEM;
		return -1;
	}
	b->data = p;
	b->alloc = n;
	return 0;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	assert(b->magic == BUF_MAGIC);
	if (grow(b, n) != 0)
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	assert(b->magic == BUF_MAGIC);
	if (b->failed)
		return;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->failed = ERR_INVALID;
		return;
	}
	if (grow(b, (size_t)n) != 0)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

enum err_code buf_failed(const struct buf *b)
{
	return b->failed;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data;

	assert(b->magic == BUF_MAGIC);
	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->failed = ERR_OK;
	return p;
}
