/*
 * sha1: FIPS 180-4 SHA-1, needed for the XEP-0114 handshake digest and
 * for the hashes that name avatars (XEP-0153, XEP-0486). libsodium has no
 * SHA-1 and pulling in libcrypto for legacy digests is not worth a
 * dependency; this is small and tested against the FIPS and RFC 3174
 * vectors in tests/unit/test_sha1.c.
 */
#ifndef MUCD_SHA1_H
#define MUCD_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN	20

struct sha1_ctx {
	uint32_t	h[5];
	uint64_t	bytes;
	unsigned char	block[64];
	size_t		used;
};

void	 sha1_init(struct sha1_ctx *);
void	 sha1_update(struct sha1_ctx *, const void *, size_t);
void	 sha1_final(struct sha1_ctx *, unsigned char out[SHA1_DIGEST_LEN]);
/* Lower-case hex digest of data; out must hold 41 bytes. */
void	 sha1_hex(const void *, size_t, char out[2 * SHA1_DIGEST_LEN + 1]);

#endif
