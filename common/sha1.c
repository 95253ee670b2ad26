#include "sha1.h"

#include <string.h>

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
compress(struct sha1_ctx *c, const unsigned char *p)
{
	uint32_t w[80], a, b, d, e, f, k, t, cc;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3]; e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d; d = cc; cc = rol(b, 30); b = a; a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d; c->h[4] += e;
}

void
sha1_init(struct sha1_ctx *c)
{
	static const uint32_t iv[5] = {
		0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
	};

	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->used = 0;
}

void
sha1_update(struct sha1_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	c->bytes += n;
	while (n > 0) {
		take = 64 - c->used < n ? 64 - c->used : n;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used == 64) {
			compress(c, c->block);
			c->used = 0;
		}
	}
}

void
sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_DIGEST_LEN])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad = 0x80, len[8];
	int i;

	sha1_update(c, &pad, 1);
	pad = 0;
	while (c->used != 56)
		sha1_update(c, &pad, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(c, len, 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
sha1_hex(const void *data, size_t n, char out[2 * SHA1_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[SHA1_DIGEST_LEN];
	struct sha1_ctx c;
	int i;

	sha1_init(&c);
	sha1_update(&c, data, n);
	sha1_final(&c, d);
	for (i = 0; i < SHA1_DIGEST_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * SHA1_DIGEST_LEN] = '\0';
}
