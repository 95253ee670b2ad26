#include "vcard.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avatar.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

/* The room's vCard: its photo, or nothing. */
static struct xnode *
vcard_of(const struct room *r)
{
	struct xnode *v = x_new("vCard", NS_VCARD), *photo, *bin;
	const struct room_avatar *a = r->avatar;
	size_t blen;
	char *b64;

	if (a == NULL)
		return v;
	blen = sodium_base64_ENCODED_LEN(a->len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(blen)) == NULL) {
		x_free(v);
		return NULL;
	}
	sodium_bin2base64(b64, blen, a->data, a->len,
	    sodium_base64_VARIANT_ORIGINAL);
	photo = x_add(v, "PHOTO", NULL);
	x_add_child_text(photo, "TYPE", a->type);
	bin = x_add(photo, "BINVAL", NULL);
	x_add_text(bin, b64);
	free(b64);
	return v;
}

static void
get(struct mucd *m, struct room *r, struct xnode *st)
{
	struct xnode *v = vcard_of(r);

	if (v == NULL)
		st_send_error(m, st, ERR_WAIT, "resource-constraint", NULL,
		    NULL);
	else
		st_send_result(m, st, v);
}

/* Occupants learn the new hash from the room's presence. */
static void
broadcast(struct room *r)
{
	struct xnode *pr = avatar_update(r);

	room_broadcast(r, pr, NULL, NULL);
	x_free(pr);
}

static int
write_avatar(struct room *r, struct store_txn *txn, void *arg)
{
	const struct room_avatar *a = arg;
	struct store_avatar sa;
	int rc;

	if (a == NULL)
		return (rc = store_avatar_del(txn, r->jid)) == STORE_NOTFOUND ?
		    STORE_OK : rc;
	sa.type = a->type;
	sa.data = a->data;
	sa.len = a->len;
	return store_avatar_put(txn, r->jid, &sa);
}

/* The new avatar, stored and in memory; the occupants not told yet. */
static int
change(struct room *r, const char *type, const unsigned char *data,
    size_t len, struct muc_err *e)
{
	size_t max = r->mucd->conf.avatar_max_size;
	struct room_avatar *a = NULL;
	const char *is;

	if (len > max)
		return st_refuse(e, ERR_MODIFY, "policy-violation", "The image "
		    "is larger than the service allows (avatar_max_size)");
	/* A vCard nobody could fetch is refused now, not at every get. */
	if ((len + 2) / 3 * 4 + ST_RELAY_ROOM > r->mucd->conf.max_stanza_out)
		return st_refuse(e, ERR_MODIFY, "policy-violation", "The image "
		    "is larger than the service can send (max_stanza_out)");
	if (len > 0) {
		if ((is = avatar_image_type(data, len)) == NULL)
			return st_refuse(e, ERR_MODIFY, "not-acceptable", "Not "
			    "a PNG, JPEG, GIF or WebP image");
		/* What the bytes are wins over what the sender says, but a
		 * type that is no image at all is a mistake worth saying. */
		if (type != NULL && *type != '\0' &&
		    strncmp(type, "image/", 6) != 0)
			return st_refuse(e, ERR_MODIFY, "not-acceptable", "The "
			    "TYPE of an avatar is an image type");
		if ((a = avatar_new(is, data, len)) == NULL)
			return st_refuse(e, ERR_WAIT, "resource-constraint",
			    NULL);
	}
	audit_note(r->mucd, r->jid, "avatar", NULL, r->avatar ?
	    r->avatar->hash : NULL, a ? a->hash : NULL, NULL);
	if (room_store_change(r, "its avatar", write_avatar, a, e) == -1) {
		avatar_free(a);
		return -1;
	}
	avatar_free(r->avatar);
	r->avatar = a;
	log_info("room %s: avatar %s%s", r->jid, a ? "set to " : "cleared",
	    a ? a->hash : "");
	return 0;
}

int
vcard_set_avatar(struct room *r, const char *type, const unsigned char *data,
    size_t len, struct muc_err *e)
{
	if (change(r, type, data, len, e) == -1)
		return -1;
	broadcast(r);
	return 0;
}

void
vcard_announce(struct room *r, const char *to)
{
	struct xnode *pr;

	if (r->avatar == NULL)
		return;
	pr = avatar_update(r);
	x_set_attr(pr, "to", to);
	mucd_send_free(r->mucd, pr);
}

/*
 * The image of a submitted vCard into *data (malloc'd; NULL and 0 for
 * none). -1 with *e on anything but a PHOTO with a base64 BINVAL.
 */
static int
photo_of(struct mucd *m, const struct xnode *v, const char **type,
    unsigned char **data, size_t *len, struct muc_err *e)
{
	const struct xnode *c, *photo = NULL;
	size_t blen, cap;
	const char *b64;

	*data = NULL;
	*len = 0;
	*type = NULL;
	X_FOREACH(v, c) {
		if (!x_is(c, "PHOTO", NS_VCARD) || photo != NULL)
			return st_refuse(e, ERR_MODIFY, "not-acceptable", "A "
			    "room's vCard holds one PHOTO and nothing else");
		photo = c;
	}
	if (photo == NULL)
		return 0;
	*type = x_child_text(photo, "TYPE", NS_VCARD);
	if ((b64 = x_child_text(photo, "BINVAL", NS_VCARD)) == NULL)
		return st_refuse(e, ERR_MODIFY, "not-acceptable", "The PHOTO "
		    "must carry the image in BINVAL");
	/* Four characters for three bytes: past twice that (white space
	 * allowed for) it is over the limit whatever it decodes to, and is
	 * not decoded; the exact check comes after. */
	blen = strlen(b64);
	if (blen / 8 > m->conf.avatar_max_size / 3 + 1)
		return st_refuse(e, ERR_MODIFY, "policy-violation", "The image "
		    "is larger than the service allows (avatar_max_size)");
	cap = blen / 4 * 3 + 3;
	if ((*data = malloc(cap ? cap : 1)) == NULL)
		return st_refuse(e, ERR_WAIT, "resource-constraint", NULL);
	if (sodium_base642bin(*data, cap, b64, blen, " \t\r\n", len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *len == 0) {
		free(*data);
		*data = NULL;
		return st_refuse(e, ERR_MODIFY, "not-acceptable", "BINVAL is "
		    "not base64");
	}
	return 0;
}

static void
set(struct mucd *m, struct room *r, struct xnode *st, const struct jid *from)
{
	unsigned char *data;
	const char *type;
	struct muc_err e;
	size_t len;

	if (room_affiliation(r, from->bare) != AFF_OWNER) {
		st_send_error(m, st, ERR_AUTH, "forbidden", "Only owners can "
		    "change the room's avatar", NULL);
		return;
	}
	if (photo_of(m, st_payload(st), &type, &data, &len, &e) == -1) {
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		return;
	}
	room_hold(r);
	if (change(r, type, data, len, &e) == -1)
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
	else {
		/* The result first, then the news (as Prosody orders it). */
		st_send_result(m, st, NULL);
		broadcast(r);
	}
	room_release(r);
	free(data);
}

void
vcard_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	if (strcmp(st_type(st), "get") == 0)
		get(m, r, st);
	else
		set(m, r, st, from);
}
