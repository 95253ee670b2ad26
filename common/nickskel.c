#include "nickskel.h"

#include <stdint.h>
#include <string.h>

/* Lookalikes and the Latin letter they pass for. */
static const struct { uint32_t cp; char to; } confusables[] = {
	/* Cyrillic */
	{ 0x0405, 'S' }, { 0x0406, 'l' }, { 0x0408, 'J' }, { 0x0410, 'A' },
	{ 0x0412, 'B' }, { 0x0415, 'E' }, { 0x041A, 'K' }, { 0x041C, 'M' },
	{ 0x041D, 'H' }, { 0x041E, 'O' }, { 0x0420, 'P' }, { 0x0421, 'C' },
	{ 0x0422, 'T' }, { 0x0423, 'Y' }, { 0x0425, 'X' }, { 0x0430, 'a' },
	{ 0x0435, 'e' }, { 0x043E, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' },
	{ 0x0458, 'j' }, { 0x04AE, 'Y' }, { 0x04AF, 'y' }, { 0x04BB, 'h' },
	{ 0x04C0, 'l' }, { 0x04CF, 'l' }, { 0x0501, 'd' }, { 0x051B, 'q' },
	{ 0x051D, 'w' },
	/* Greek */
	{ 0x0391, 'A' }, { 0x0392, 'B' }, { 0x0395, 'E' }, { 0x0396, 'Z' },
	{ 0x0397, 'H' }, { 0x0399, 'l' }, { 0x039A, 'K' }, { 0x039C, 'M' },
	{ 0x039D, 'N' }, { 0x039F, 'O' }, { 0x03A1, 'P' }, { 0x03A4, 'T' },
	{ 0x03A5, 'Y' }, { 0x03A7, 'X' }, { 0x03B9, 'i' }, { 0x03BA, 'k' },
	{ 0x03BD, 'v' }, { 0x03BF, 'o' }, { 0x03C1, 'p' }, { 0x03C5, 'u' },
	/* Latin and symbols */
	{ 0x0131, 'i' }, { 0x01C0, 'l' }, { 0x2160, 'l' }, { 0x217C, 'l' },
	{ 0x2223, 'l' },
};

/* ASCII lookalikes: I, 1 and | pass for l; 0 for O. */
static char
fold_ascii(char c)
{
	switch (c) {
	case 'I': case '1': case '|':
		return 'l';
	case '0':
		return 'O';
	}
	return c;
}

static size_t
decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && s[1]) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && s[1] && s[2] && s[3]) {
		*cp = (uint32_t)(s[0] & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3f) << 12 |
		    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

static char
lookalike(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof(confusables) / sizeof(confusables[0]); i++)
		if (confusables[i].cp == cp)
			return confusables[i].to;
	return 0;
}

int
nick_skeleton(const char *nick, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)nick;
	size_t o = 0, n;
	uint32_t cp;
	char c;

	while (*p != '\0') {
		n = decode(p, &cp);
		/* Combining marks over a lookalike do not make it distinct
		 * enough to trust; they are dropped. */
		if (cp >= 0x0300 && cp <= 0x036F) {
			p += n;
			continue;
		}
		if ((c = cp < 0x80 ? (char)cp : lookalike(cp)) != 0) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = fold_ascii(c);
		} else {
			if (o + n >= outlen)
				return -1;
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return 0;
}
