/*
 * buf: capped growable buffer. The cap is a hard limit on the unconsumed
 * bytes; a failing append must leave the contents exactly as they were.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

static int
same(const struct buf *b, const char *want)
{
	size_t n = strlen(want);

	return buf_pending(b) == n && (n == 0 || memcmp(buf_head(b), want, n) == 0);
}

static void
init_and_append(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(b.cap, SIZE_MAX);		/* 0 means unlimited */
	CHECK_INT(buf_pending(&b), 0);
	CHECK_INT(buf_append(&b, "hello", 5), 0);
	CHECK_INT(buf_putc(&b, ' '), 0);
	CHECK_INT(buf_puts(&b, "world"), 0);
	CHECK(same(&b, "hello world"));
	CHECK_INT(buf_append(&b, "ignored", 0), 0);
	CHECK(same(&b, "hello world"));
	buf_reset(&b);
	CHECK_INT(buf_pending(&b), 0);
	CHECK_INT(buf_puts(&b, "again"), 0);
	CHECK(same(&b, "again"));
	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_INT(buf_pending(&b), 0);
	/* Usable after free. */
	CHECK_INT(buf_puts(&b, "x"), 0);
	CHECK(same(&b, "x"));
	buf_free(&b);
}

static void
cap_enforced(void)
{
	struct buf b;

	buf_init(&b, 10);
	CHECK_INT(buf_append(&b, "0123456", 7), 0);
	/* Crossing the cap fails and changes nothing. */
	CHECK_INT(buf_append(&b, "abcd", 4), -1);
	CHECK(same(&b, "0123456"));
	CHECK_INT(buf_puts(&b, "abcdefgh"), -1);
	CHECK(same(&b, "0123456"));
	/* Exactly up to the cap is fine. */
	CHECK_INT(buf_append(&b, "789", 3), 0);
	CHECK(same(&b, "0123456789"));
	CHECK_INT(buf_putc(&b, 'x'), -1);
	CHECK_INT(buf_printf(&b, "%d", 1), -1);
	CHECK(same(&b, "0123456789"));
	/* A single append bigger than the cap. */
	buf_reset(&b);
	CHECK_INT(buf_append(&b, "0123456789A", 11), -1);
	CHECK_INT(buf_pending(&b), 0);
	/* Reserve obeys the cap too, including absurd sizes. */
	CHECK_INT(buf_reserve(&b, 10), 0);
	CHECK_INT(buf_reserve(&b, 11), -1);
	CHECK_INT(buf_reserve(&b, SIZE_MAX), -1);
	buf_free(&b);
}

/* Cap 1: the smallest useful buffer. */
static void
cap_one(void)
{
	struct buf b;

	buf_init(&b, 1);
	CHECK_INT(buf_putc(&b, 'a'), 0);
	CHECK_INT(buf_putc(&b, 'b'), -1);
	CHECK(same(&b, "a"));
	buf_consume(&b, 1);
	CHECK_INT(buf_putc(&b, 'c'), 0);
	CHECK(same(&b, "c"));
	buf_free(&b);
}

static void
consume_and_compact(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, 8);
	CHECK_INT(buf_puts(&b, "abcdefgh"), 0);
	buf_consume(&b, 3);
	CHECK(same(&b, "defgh"));
	/* The cap counts unconsumed bytes: three more fit now. */
	CHECK_INT(buf_puts(&b, "XYZ"), 0);
	CHECK(same(&b, "defghXYZ"));
	CHECK_INT(buf_putc(&b, '!'), -1);
	CHECK(same(&b, "defghXYZ"));
	/* Consuming everything empties the buffer. */
	buf_consume(&b, 8);
	CHECK_INT(buf_pending(&b), 0);
	CHECK_INT(b.off, 0);
	/* Consuming more than is pending is safe. */
	CHECK_INT(buf_puts(&b, "ab"), 0);
	buf_consume(&b, 100);
	CHECK_INT(buf_pending(&b), 0);
	buf_consume(&b, 0);
	CHECK_INT(buf_pending(&b), 0);
	buf_free(&b);

	/* A FIFO workload: storage stays bounded, order is preserved. */
	buf_init(&b, 1000);
	{
		unsigned long long in = 0, out = 0;
		char tmp[97];
		size_t n, bad = 0, maxsize = 0;

		for (i = 0; i < 20000; i++) {
			n = (i * 37) % sizeof(tmp) + 1;
			for (size_t k = 0; k < n; k++)
				tmp[k] = (char)('A' + (in + k) % 26);
			if (buf_pending(&b) + n <= 1000) {
				CHECK_INT(buf_append(&b, tmp, n), 0);
				in += n;
			} else
				CHECK_INT(buf_append(&b, tmp, n), -1);
			n = (i * 53) % 80;
			if (n > buf_pending(&b))
				n = buf_pending(&b);
			for (size_t k = 0; k < n; k++)
				if (buf_head(&b)[k] != (char)('A' + (out + k) % 26))
					bad++;
			buf_consume(&b, n);
			out += n;
			if (b.size > maxsize)
				maxsize = b.size;
		}
		CHECK_INT(bad, 0);
		CHECK_INT(buf_pending(&b), in - out);
		/* Compaction reuses space instead of growing forever. */
		CHECK(maxsize <= 2048);
	}
	buf_free(&b);
}

static void
printf_formats(void)
{
	struct buf b;
	char big[1000];

	buf_init(&b, 0);
	CHECK_INT(buf_printf(&b, "%s=%d;", "port", 5347), 0);
	CHECK_INT(buf_printf(&b, "%05u|%x", 42u, 255u), 0);
	CHECK(same(&b, "port=5347;00042|ff"));
	/* The terminator vsnprintf writes is not counted. */
	CHECK_INT(buf_pending(&b), strlen("port=5347;00042|ff"));
	/* Longer than the initial allocation. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_reset(&b);
	CHECK_INT(buf_printf(&b, "<%s>", big), 0);
	CHECK_INT(buf_pending(&b), 1001);
	CHECK(buf_head(&b)[0] == '<' && buf_head(&b)[1000] == '>');
	CHECK(memcmp(buf_head(&b) + 1, big, 999) == 0);
	/* printf after consume appends at the end of the pending bytes. */
	buf_reset(&b);
	CHECK_INT(buf_puts(&b, "xxhead"), 0);
	buf_consume(&b, 2);
	CHECK_INT(buf_printf(&b, "-%d", 7), 0);
	CHECK(same(&b, "head-7"));
	buf_free(&b);
}

static void
printf_cap(void)
{
	struct buf b;

	buf_init(&b, 10);
	CHECK_INT(buf_puts(&b, "abc"), 0);
	/* Over the cap: fails, contents intact. */
	CHECK_INT(buf_printf(&b, "%s", "12345678"), -1);
	CHECK(same(&b, "abc"));
	/* One byte under the cap. */
	CHECK_INT(buf_printf(&b, "%s", "123456"), 0);
	CHECK(same(&b, "abc123456"));
	buf_free(&b);

	/*
	 * Exactly up to the cap: the cap limits len, and the NUL vsnprintf
	 * writes lives in the spare byte every allocation has, so this must
	 * succeed just like buf_append of the same bytes does.
	 */
	buf_init(&b, 10);
	CHECK_INT(buf_append(&b, "0123456789", 10), 0);
	buf_reset(&b);
	CHECK_INT(buf_printf(&b, "%s", "0123456789"), 0);
	CHECK(same(&b, "0123456789"));
	buf_free(&b);

	/* An empty result on a fresh buffer appends nothing and succeeds. */
	buf_init(&b, 10);
	CHECK_INT(buf_printf(&b, "%s", ""), 0);
	CHECK_INT(buf_pending(&b), 0);
	buf_free(&b);
}

static void
cstr(void)
{
	struct buf b;

	buf_init(&b, 0);
	/* On a buffer that never allocated. */
	CHECK_INT(buf_cstr(&b), 0);
	CHECK(b.data != NULL && b.data[0] == '\0');
	CHECK_INT(buf_pending(&b), 0);
	CHECK_INT(buf_puts(&b, "text"), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "text");
	CHECK_INT(buf_pending(&b), 4);		/* NUL not counted */
	CHECK_INT(buf_puts(&b, "more"), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "textmore");
	buf_consume(&b, 4);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "more");
	buf_free(&b);

	/* A full buffer still has room for the terminator. */
	buf_init(&b, 4);
	CHECK_INT(buf_puts(&b, "abcd"), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "abcd");
	buf_free(&b);

	/* Exactly at an allocation boundary (initial size is a power of two). */
	{
		char blk[256];

		memset(blk, 'z', sizeof(blk));
		buf_init(&b, 0);
		CHECK_INT(buf_append(&b, blk, sizeof(blk)), 0);
		CHECK_INT(buf_cstr(&b), 0);
		CHECK_INT(strlen(buf_head(&b)), 256);
		buf_free(&b);
	}
}

static void
steal(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 100);
	CHECK_INT(buf_puts(&b, "prefix:payload"), 0);
	buf_consume(&b, 7);
	s = buf_steal(&b);
	CHECK_STR(s, "payload");
	free(s);
	/* The buffer is empty, keeps its cap, and is reusable. */
	CHECK(b.data == NULL);
	CHECK_INT(buf_pending(&b), 0);
	CHECK_INT(b.cap, 100);
	CHECK_INT(buf_puts(&b, "next"), 0);
	s = buf_steal(&b);
	CHECK_STR(s, "next");
	free(s);
	/* Stealing an empty buffer gives "" rather than NULL. */
	s = buf_steal(&b);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	free(s);
	buf_free(&b);
	/* A short string keeps no growth room (it usually lives long):
	 * the first reservation is 256 bytes. */
	buf_init(&b, 0);
	CHECK_INT(buf_puts(&b, " to='u1@example.org/r'"), 0);
	s = buf_steal(&b);
	CHECK_STR(s, " to='u1@example.org/r'");
	CHECK(malloc_usable_size(s) < 64);
	free(s);
}

/* Random appends of random sizes checked against a plain array. */
static void
random_against_reference(void)
{
	struct buf b;
	char *ref, chunk[5000];
	size_t reflen = 0, cap = 300000, n, i, k;
	unsigned seed = 12345;

	ref = malloc(cap);
	if (ref == NULL) {
		CHECK(!"malloc");
		return;
	}
	buf_init(&b, cap);
	for (i = 0; i < 2000; i++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % sizeof(chunk);
		for (k = 0; k < n; k++)
			chunk[k] = (char)(seed >> (k % 24));
		if (reflen + n <= cap) {
			CHECK_INT(buf_append(&b, chunk, n), 0);
			memcpy(ref + reflen, chunk, n);
			reflen += n;
		} else
			CHECK_INT(buf_append(&b, chunk, n), -1);
		if (i % 3 == 0) {
			n = (seed >> 4) % 6000;
			if (n > reflen)
				n = reflen;
			buf_consume(&b, n);
			memmove(ref, ref + n, reflen - n);
			reflen -= n;
		}
		if (buf_pending(&b) != reflen ||
		    (reflen && memcmp(buf_head(&b), ref, reflen) != 0)) {
			CHECK(!"contents diverged from reference");
			break;
		}
	}
	buf_free(&b);
	free(ref);
}

/* buf_trim gives memory back only when empty, keeps the contents
 * otherwise, and the buffer stays usable. */
static void
trim(void)
{
	struct buf b;
	char big[100000];

	memset(big, 'x', sizeof(big));
	buf_init(&b, 0);
	CHECK_INT(buf_append(&b, big, sizeof(big)), 0);
	buf_trim(&b, 1024);
	CHECK_INT(buf_pending(&b), sizeof(big));	/* not empty: kept */
	CHECK(b.size >= sizeof(big));
	buf_consume(&b, sizeof(big));
	buf_trim(&b, 1024);
	CHECK_INT(b.size, 1024);
	CHECK_INT(buf_append(&b, "abc", 3), 0);
	CHECK_INT(buf_pending(&b), 3);
	CHECK(memcmp(buf_head(&b), "abc", 3) == 0);
	buf_consume(&b, 3);
	buf_trim(&b, 0);
	CHECK(b.data == NULL && b.size == 0);
	CHECK_INT(buf_append(&b, "z", 1), 0);
	CHECK_INT(buf_pending(&b), 1);
	buf_free(&b);
}

const struct unit_test unit_tests[] = {
	TEST(trim),
	TEST(init_and_append),
	TEST(cap_enforced),
	TEST(cap_one),
	TEST(consume_and_compact),
	TEST(printf_formats),
	TEST(printf_cap),
	TEST(cstr),
	TEST(steal),
	TEST(random_against_reference),
	{ NULL, NULL }
};
