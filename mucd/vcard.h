/*
 * vcard: a room's vCard (vcard-temp, XEP-0054) as XEP-0486 uses it for
 * room avatars. Anyone may get it; owners set it, with a vCard holding a
 * PHOTO (TYPE, BINVAL) or nothing (no avatar). Only the photo is kept: a
 * vCard with anything else, an image of a kind clients do not show, or
 * one over avatar_max_size is refused with a clear error, and nothing
 * changes. After a change the room tells its occupants the new hash
 * (vcard-temp:x:update in a presence from the room's JID), and tells each
 * session that enters.
 */
#ifndef MUCD_VCARD_H
#define MUCD_VCARD_H

#include <stddef.h>

#define NS_VCARD	"vcard-temp"

struct mucd;
struct room;
struct jid;
struct xnode;
struct muc_err;

void	 vcard_iq(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
/*
 * Set the room's avatar to the image in data (clear it when len is 0),
 * durably, and tell the occupants. type is what the sender says the
 * image is, or NULL. Shared with the control channel. -1 with *e: not an
 * image (not-acceptable), too large (policy-violation), storage.
 */
int	 vcard_set_avatar(struct room *, const char *type,
	    const unsigned char *data, size_t len, struct muc_err *);
/* The hash of the room's avatar to a session that enters, if it has one. */
void	 vcard_announce(struct room *, const char *to);

#endif
