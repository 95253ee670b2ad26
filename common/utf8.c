#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Decode one code point at s; returns its byte length or 0 if invalid. */
static size_t
decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	return n == 0 ? 0 : decode((const unsigned char *)s, n, cp);
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n > 0) {
		if ((k = decode(p, n, &cp)) == 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

size_t
utf8_len(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

bool
utf8_has_controls(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n > 0) {
		if ((k = decode(p, n, &cp)) == 0)
			return true;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp < 0xa0))
			return true;
		p += k;
		n -= k;
	}
	return false;
}

/*
 * Bidirectional and invisible format controls: they reorder or hide
 * what a terminal shows (U+202E makes "gpj.exe" read "exe.jpg"). ZWJ and
 * ZWNJ are left alone: emoji sequences and several scripts need them.
 */
static bool
is_format_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x180e || cp == 0x200b ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb);
}

size_t
utf8_format_control(const char *s, size_t n)
{
	uint32_t cp;
	size_t k;

	if (n == 0 || (k = decode((const unsigned char *)s, n, &cp)) == 0)
		return 0;
	return is_format_control(cp) ? k : 0;
}

void
utf8_chop(char *s)
{
	size_t n = strlen(s), lead = n, want;
	unsigned char c;

	/* Back over continuation bytes (at most three) to the lead byte. */
	while (lead > 0 && n - lead < 3 &&
	    ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || ((c = (unsigned char)s[lead - 1]) & 0xc0) != 0xc0)
		return;
	want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (n - (lead - 1) < want)
		s[lead - 1] = '\0';
}
