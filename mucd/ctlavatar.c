/*
 * ctlavatar: the control commands of a room's avatar (XEP-0486) — set it
 * from an image (base64 in the request: the request line must hold it,
 * see control_max_line), clear it, show it. vcard.c does the changes, as
 * for an owner's vCard.
 */
#include "ctlreq.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "avatar.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "vcard.h"

static void
change(struct req *q, struct room *r, const unsigned char *data, size_t len)
{
	struct muc_err e;

	room_hold(r);
	if (vcard_set_avatar(r, req_str(q, "type"), data, len, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s,s:s?}", "room", r->jid, "hash",
		    r->avatar ? r->avatar->hash : NULL));
	room_release(r);
}

void
cmd_room_avatar_set(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *b64 = r ? req_need_str(q, "data") : NULL;
	unsigned char *data;
	size_t blen, len;

	if (b64 == NULL)
		return;
	blen = strlen(b64);
	if ((data = malloc(blen / 4 * 3 + 3)) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (sodium_base642bin(data, blen / 4 * 3 + 3, b64, blen, NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || len == 0)
		req_fail(q, CTL_E_BAD_REQUEST, "\"data\" is not an image in "
		    "base64");
	else
		change(q, r, data, len);
	free(data);
}

void
cmd_room_avatar_clear(struct req *q)
{
	struct room *r = req_need_room(q);

	if (r != NULL)
		change(q, r, NULL, 0);
}

void
cmd_room_avatar_show(struct req *q)
{
	struct room *r = req_need_room(q);
	const struct room_avatar *a;
	size_t blen;
	char *b64;

	if (r == NULL)
		return;
	if ((a = r->avatar) == NULL) {
		req_ok(q, json_pack("{s:s,s:n}", "room", r->jid, "avatar"));
		return;
	}
	blen = sodium_base64_ENCODED_LEN(a->len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(blen)) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	sodium_bin2base64(b64, blen, a->data, a->len,
	    sodium_base64_VARIANT_ORIGINAL);
	req_ok(q, json_pack("{s:s,s:{s:s,s:I,s:s,s:s}}", "room", r->jid,
	    "avatar", "type", a->type, "size", (json_int_t)a->len, "hash",
	    a->hash, "data", b64));
	free(b64);
}
