#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : SIZE_MAX;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->off = b->size = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = b->off = 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, nsize, pending = b->len - b->off;
	char *p;

	if (n > b->cap || pending > b->cap - n)
		return -1;
	/* Reclaim consumed space before growing. */
	if (b->off > 0 && b->len + n > b->size) {
		memmove(b->data, b->data + b->off, pending);
		b->len = pending;
		b->off = 0;
	}
	need = b->len + n;
	if (need <= b->size)
		return 0;
	nsize = b->size ? b->size : 256;
	while (nsize < need)
		nsize = nsize > SIZE_MAX / 4 ? need : nsize * 2;
	/* +1 keeps room for buf_cstr's terminator. */
	if ((p = realloc(b->data, nsize + 1)) == NULL)
		return -1;
	b->data = p;
	b->size = nsize;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	/* The cap limits len; vsnprintf's NUL lands in the spare byte
	 * that every allocation keeps past size (see buf_reserve). */
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len - b->off) {
		b->len = b->off = 0;
		return;
	}
	b->off += n;
}

void
buf_trim(struct buf *b, size_t keep)
{
	char *p;

	if (b->len != b->off || b->size <= keep)
		return;
	b->len = b->off = 0;
	if (keep == 0) {
		free(b->data);
		b->data = NULL;
		b->size = 0;
		return;
	}
	if ((p = realloc(b->data, keep + 1)) != NULL) {
		b->data = p;
		b->size = keep;
	}
}

int
buf_cstr(struct buf *b)
{
	if (b->data == NULL && buf_reserve(b, 1) == -1)
		return -1;
	/* The allocation always has one spare byte past size. */
	b->data[b->len] = '\0';
	return 0;
}

char *
buf_steal(struct buf *b)
{
	char *s;

	if (buf_cstr(b) == -1)
		return NULL;
	if (b->off > 0)
		memmove(b->data, b->data + b->off, b->len - b->off + 1);
	s = b->data;
	/* What is stolen usually lives long (a session's 'to', an
	 * occupant's presence): give back the growth room. */
	if (b->size - (b->len - b->off) > 32 &&
	    (s = realloc(b->data, b->len - b->off + 1)) == NULL)
		s = b->data;
	b->data = NULL;
	b->len = b->off = b->size = 0;
	return s;
}
