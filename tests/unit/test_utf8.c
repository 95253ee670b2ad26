/*
 * utf8: strict validation against RFC 3629 (section 4 ABNF) and Markus
 * Kuhn's UTF-8 decoder stress test cases, code point counting and control
 * character detection.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "utf8.h"

#define V(s)	utf8_valid((s), sizeof(s) - 1)

/*
 * Independent reference: RFC 3629 section 4.
 *   UTF8-1 = %x00-7F
 *   UTF8-2 = %xC2-DF UTF8-tail
 *   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *            %xF4 %x80-8F 2( UTF8-tail )
 */
static bool
tail(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

static bool
ref_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t left = n - i;

		if (c <= 0x7f) {
			i += 1;
		} else if (c >= 0xc2 && c <= 0xdf) {
			if (left < 2 || !tail(s[i + 1]))
				return false;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
			if (left < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    !tail(s[i + 2]))
				return false;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
			if (left < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    !tail(s[i + 2]) || !tail(s[i + 3]))
				return false;
			i += 4;
		} else
			return false;
	}
	return true;
}

/* Encode cp (no validity checks) the way a naive encoder would. */
static size_t
encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
valid_boundaries(void)
{
	CHECK(utf8_valid("", 0));
	CHECK(V("plain ASCII text"));
	CHECK(V("\x7f"));
	/* First and last code points of each sequence length (Kuhn 2.1, 2.2). */
	CHECK(V("\xc2\x80"));			/* U+0080 */
	CHECK(V("\xdf\xbf"));			/* U+07FF */
	CHECK(V("\xe0\xa0\x80"));		/* U+0800 */
	CHECK(V("\xef\xbf\xbf"));		/* U+FFFF */
	CHECK(V("\xf0\x90\x80\x80"));		/* U+10000 */
	CHECK(V("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	/* Around the surrogate block (Kuhn 2.3). */
	CHECK(V("\xed\x9f\xbf"));		/* U+D7FF */
	CHECK(V("\xee\x80\x80"));		/* U+E000 */
	CHECK(V("\xef\xbf\xbd"));		/* U+FFFD */
	/* Kuhn 1: Greek "kosme". */
	CHECK(V("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));
	/* NUL is a valid code point when the length says so. */
	CHECK(utf8_valid("a\0b", 3));
}

static void
invalid_sequences(void)
{
	/* Overlong forms (Kuhn 4.1, 4.2). */
	CHECK(!V("\xc0\xaf"));
	CHECK(!V("\xc0\x80"));
	CHECK(!V("\xc1\xbf"));
	CHECK(!V("\xe0\x80\xaf"));
	CHECK(!V("\xe0\x9f\xbf"));
	CHECK(!V("\xf0\x80\x80\xaf"));
	CHECK(!V("\xf0\x8f\xbf\xbf"));
	CHECK(!V("\xf8\x80\x80\x80\xaf"));
	CHECK(!V("\xfc\x80\x80\x80\x80\xaf"));
	/* UTF-16 surrogates (Kuhn 5.1, 5.2). */
	CHECK(!V("\xed\xa0\x80"));		/* U+D800 */
	CHECK(!V("\xed\xad\xbf"));		/* U+DB7F */
	CHECK(!V("\xed\xb0\x80"));		/* U+DC00 */
	CHECK(!V("\xed\xbf\xbf"));		/* U+DFFF */
	CHECK(!V("\xed\xa0\x80\xed\xb0\x80"));	/* paired surrogates */
	/* Beyond U+10FFFF. */
	CHECK(!V("\xf4\x90\x80\x80"));		/* U+110000 */
	CHECK(!V("\xf5\x80\x80\x80"));
	CHECK(!V("\xf7\xbf\xbf\xbf"));
	CHECK(!V("\xf8\x88\x80\x80\x80"));
	/* Impossible bytes (Kuhn 3.5). */
	CHECK(!V("\xfe"));
	CHECK(!V("\xff"));
	CHECK(!V("\xfe\xfe\xff\xff"));
	/* Lone continuation bytes (Kuhn 3.1). */
	CHECK(!V("\x80"));
	CHECK(!V("\xbf"));
	CHECK(!V("a\x80" "b"));
	/* Truncated sequences (Kuhn 3.3) at the end and in the middle. */
	CHECK(!V("\xc2"));
	CHECK(!V("\xe0\xa0"));
	CHECK(!V("\xf0\x90\x80"));
	CHECK(!V("\xc2 "));
	CHECK(!V("\xe2\x82" "a"));
	CHECK(!V("\xf0\x9f\x98" "x"));
	/* Bad continuation. */
	CHECK(!V("\xc2\x41"));
	CHECK(!V("\xe0\xa0\xc0"));
	CHECK(!V("\xf0\x90\x80\x7f"));
	/* The length bounds validation: a sequence cut by n is invalid. */
	CHECK(!utf8_valid("\xe2\x82\xac", 2));
	CHECK(utf8_valid("\xe2\x82\xac", 3));
	CHECK(utf8_valid("a\xe2\x82\xac", 1));
}

/* All 1-, 2- and 3-byte strings against the RFC 3629 grammar. */
static void
exhaustive_short(void)
{
	unsigned char s[3];
	unsigned a, b, c, bad = 0;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		if (utf8_valid((char *)s, 1) != ref_valid(s, 1))
			bad++;
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			if (utf8_valid((char *)s, 2) != ref_valid(s, 2))
				bad++;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				if (utf8_valid((char *)s, 3) != ref_valid(s, 3))
					bad++;
			}
		}
	}
	CHECK_INT(bad, 0);
}

/* 4-byte strings: every lead and second byte, tails from a varied set. */
static void
exhaustive_four(void)
{
	static const unsigned char tails[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0xa0, 0xbf, 0xc0, 0xf4, 0xff
	};
	unsigned char s[4];
	unsigned a, b, c, d, bad = 0;

	for (a = 0xc0; a < 256; a++)
		for (b = 0; b < 256; b++)
			for (c = 0; c < sizeof(tails); c++)
				for (d = 0; d < sizeof(tails); d++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = tails[c];
					s[3] = tails[d];
					if (utf8_valid((char *)s, 4) !=
					    ref_valid(s, 4))
						bad++;
				}
	CHECK_INT(bad, 0);
}

/* Every code point, encoded naively: valid exactly when not a surrogate. */
static void
all_code_points(void)
{
	unsigned char s[4];
	uint32_t cp;
	unsigned bad = 0, badlen = 0;
	size_t n;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		n = encode(cp, s);
		if (utf8_valid((char *)s, n) != !(cp >= 0xd800 && cp <= 0xdfff))
			bad++;
		if (!(cp >= 0xd800 && cp <= 0xdfff) &&
		    utf8_len((char *)s, n) != 1)
			badlen++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(badlen, 0);
	/* Just past the top, with the 4-byte pattern still applicable. */
	n = encode(0x110000, s);
	CHECK(!utf8_valid((char *)s, n));
	n = encode(0x1fffff, s);
	CHECK(!utf8_valid((char *)s, n));
}

static void
length(void)
{
	CHECK_INT(utf8_len("", 0), 0);
	CHECK_INT(utf8_len("abc", 3), 3);
	CHECK_INT(utf8_len("\xc3\xa9", 2), 1);				/* é */
	CHECK_INT(utf8_len("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 4);
	/* Counts only within n. */
	CHECK_INT(utf8_len("abcdef", 2), 2);
	CHECK_INT(utf8_len("a\0b", 3), 3);
}

static void
controls(void)
{
	CHECK(!utf8_has_controls("", 0));
	CHECK(!utf8_has_controls("hello, world", 12));
	CHECK(!utf8_has_controls("tab\there\nnew\rline", 17));
	CHECK(!utf8_has_controls("\xc2\xa0\xc3\xa9\xe2\x82\xac", 7));	/* NBSP é € */
	CHECK(utf8_has_controls("\x01", 1));
	CHECK(utf8_has_controls("ab\x1f", 3));
	CHECK(utf8_has_controls("a\0b", 3));
	CHECK(utf8_has_controls("\x1b[31m", 5));		/* ESC */
	CHECK(utf8_has_controls("\x7f", 1));			/* DEL (Cc) */
	CHECK(utf8_has_controls("x\xc2\x80", 3));		/* U+0080, C1 */
	CHECK(utf8_has_controls("\xc2\x9f", 2));		/* U+009F, C1 */
	CHECK(utf8_has_controls("\xc2\x85", 2));		/* NEL */
	/* Every C0 except TAB, LF, CR. */
	{
		char c[1];
		unsigned i, bad = 0;

		for (i = 0; i < 0x20; i++) {
			c[0] = (char)i;
			if (utf8_has_controls(c, 1) !=
			    !(i == '\t' || i == '\n' || i == '\r'))
				bad++;
		}
		CHECK_INT(bad, 0);
	}
	/* Control detection respects n. */
	CHECK(!utf8_has_controls("ab\x01", 2));
}

static void
format_controls(void)
{
	static const uint32_t bad[] = { 0x061c, 0x200e, 0x200f, 0x202a,
	    0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
	    0x200b, 0x2060, 0xfeff };
	static const uint32_t fine[] = { 'a', 0xe9, 0x200c, 0x200d, 0x2010,
	    0x2029, 0x2070, 0x1f916, 0xfe0f, 0x05d0 };
	unsigned char b[8];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = encode(bad[i], b);
		CHECK_INT(utf8_format_control((char *)b, n), n);
		/* Cut short, it is not one (and nothing is read past n). */
		CHECK_INT(utf8_format_control((char *)b, n - 1), 0);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		n = encode(fine[i], b);
		CHECK_INT(utf8_format_control((char *)b, n), 0);
	}
	CHECK_INT(utf8_format_control("", 0), 0);
	CHECK_INT(utf8_format_control("\xe2\x80", 2), 0);
}

/*
 * Every code point after an ASCII prefix, cut at every byte: the chopped
 * text is valid, a prefix of the original, and loses only the partial
 * character (nothing when the cut falls between characters).
 */
static void
chop(void)
{
	char whole[8], cut[8];
	uint32_t cp;
	unsigned bad = 0;
	size_t n, k, kept;

	for (cp = 0x20; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		whole[0] = 'a';
		n = 1 + encode(cp, (unsigned char *)whole + 1);
		for (k = 0; k <= n; k++) {
			memcpy(cut, whole, k);
			cut[k] = '\0';
			utf8_chop(cut);
			kept = strlen(cut);
			if (!utf8_valid(cut, kept) || memcmp(cut, whole, kept) ||
			    kept != (k == n ? n : k == 0 ? 0 : 1))
				bad++;
		}
	}
	CHECK_INT(bad, 0);
	/* Text that is not UTF-8 to begin with is not made worse. */
	strcpy(cut, "a\x80\x80");
	utf8_chop(cut);
	CHECK_STR(cut, "a\x80\x80");
	cut[0] = '\0';
	utf8_chop(cut);
	CHECK_STR(cut, "");
}

const struct unit_test unit_tests[] = {
	TEST(valid_boundaries),
	TEST(invalid_sequences),
	TEST(exhaustive_short),
	TEST(exhaustive_four),
	TEST(all_code_points),
	TEST(length),
	TEST(controls),
	TEST(format_controls),
	TEST(chop),
	{ NULL, NULL }
};
