/*
 * avatar: a room's avatar (XEP-0486) — the image, its type and its SHA-1
 * hash, the model below vcard.c (which serves it as the room's vCard and
 * lets owners change it): loaded and stored with the room (room.c), the
 * check that bytes are an image of a kind clients show, and the presence
 * from the room's JID that tells clients the hash (vcard-temp:x:update,
 * as Prosody's mod_vcard_muc sends it).
 */
#ifndef MUCD_AVATAR_H
#define MUCD_AVATAR_H

#include <stddef.h>

#include "sha1.h"

struct room;
struct store_txn;
struct xnode;

struct room_avatar {
	char		*type;		/* the MIME type of what data is */
	unsigned char	*data;
	size_t		 len;
	char		 hash[2 * SHA1_DIGEST_LEN + 1];	/* lower-case hex */
};

/* The MIME type of an image mucd accepts as an avatar (PNG, JPEG, GIF,
 * WebP), from its first bytes; NULL for anything else. */
const char	*avatar_image_type(const unsigned char *, size_t);
/* A new avatar of type holding a copy of data, hashed; NULL on OOM. */
struct room_avatar *avatar_new(const char *type, const unsigned char *data,
		    size_t len);
void		 avatar_free(struct room_avatar *);
/* The room's avatar from the store (a stored room being loaded); -1 on
 * a store error or out of memory. */
int		 avatar_load(struct room *);
/* Into txn (a room stored for the first time). A store code. */
int		 avatar_store(struct room *, struct store_txn *);
/* <presence from=room><x xmlns='vcard-temp:x:update'><photo>hash…; the
 * hash empty when the room has no avatar. */
struct xnode	*avatar_update(const struct room *);

#endif
