#include "iqproxy.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "reverify.h"
#include "room.h"
#include "stanza.h"

#define TEXT_NOT_IN_ROOM	"You are not currently connected to this chat"
#define MAC_LEN			8
#define ID_MAX			(JID_MAX + 1 + 1024 + 1 + MAC_LEN)

static void
session_mac(const struct room *r, const char *session,
    unsigned char out[MAC_LEN])
{
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	room_mac(r, session, full);
	memcpy(out, full, MAC_LEN);
}
/*
 * id = base64(target session "\0" original id "\0" mac(asker session)).
 * The target sees this id, so the asker appears only as a MAC: the reply
 * (addressed to the asker's nick) is matched against that nick's sessions.
 */
static int
encode_id(const struct room *r, const char *target, const char *orig,
    const char *asker, char *out, size_t outlen)
{
	unsigned char raw[ID_MAX];
	size_t a = strlen(target), o = strlen(orig);

	if (a + o + 2 + MAC_LEN > sizeof(raw) ||
	    sodium_base64_ENCODED_LEN(a + o + 2 + MAC_LEN,
	    sodium_base64_VARIANT_ORIGINAL) > outlen)
		return -1;
	memcpy(raw, target, a + 1);
	memcpy(raw + a + 1, orig, o + 1);
	session_mac(r, asker, raw + a + o + 2);
	sodium_bin2base64(out, outlen, raw, a + o + 2 + MAC_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

static int
decode_id(const char *id, char *target, char *orig, unsigned char *mac)
{
	unsigned char raw[ID_MAX];
	size_t n, a, o;

	if (sodium_base642bin(raw, sizeof(raw), id, strlen(id), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n < 2 + MAC_LEN)
		return -1;
	a = strnlen((char *)raw, n);
	if (a >= n || a > JID_MAX)
		return -1;
	o = strnlen((char *)raw + a + 1, n - a - 1);
	if (a + 1 + o >= n || o > 1023 || n - (a + o + 2) != MAC_LEN)
		return -1;
	memcpy(target, raw, a + 1);
	memcpy(orig, raw + a + 1, o + 1);
	memcpy(mac, raw + a + o + 2, MAC_LEN);
	return 0;
}

/* A reply from an occupant's client to a relayed request. */
static void
relay_reply(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick)
{
	struct occupant *asker = room_occupant(r, nick), *responder;
	char target[JID_MAX + 1], orig[1025], tbare[JID_BARE_MAX + 1];
	unsigned char mac[MAC_LEN], want[MAC_LEN];
	const char *id = x_attr(st, "id"), *why;
	const struct session *s;

	if (asker == NULL || id == NULL ||
	    decode_id(id, target, orig, mac) == -1 ||
	    jid_prep_bare(target, tbare, sizeof(tbare), &why) == -1)
		return;
	/* Only the session asked (or its account, for vCards) answers. */
	if (strcmp(from->full, target) != 0 && strcmp(from->full, tbare) != 0)
		return;
	if ((responder = room_occupant_by_jid(r, target)) == NULL)
		return;
	for (s = asker->sessions; s != NULL; s = s->next) {
		session_mac(r, s->jid, want);
		if (sodium_memcmp(mac, want, MAC_LEN) == 0)
			break;
	}
	if (s == NULL)
		return;
	x_set_attr(st, "from", responder->occjid);
	x_set_attr(st, "to", s->jid);
	x_set_attr(st, "id", orig);
	if (!st_fits_out(m, st, 0)) {
		/* The asker gets an error instead: answer its request as it
		 * reached the room. */
		x_set_attr(st, "from", s->jid);
		x_set_attr(st, "to", responder->occjid);
		x_set_attr(st, "type", "get");
		st_send_error(m, st, ERR_CANCEL, "resource-constraint",
		    "The answer is too large to relay", NULL);
		return;
	}
	mucd_send(m, st);
}

static bool
bare_only_ns(const char *ns)
{
	/* Profile data belongs to the account, not the session. */
	return strcmp(ns, "vcard-temp") == 0 ||
	    strcmp(ns, "http://jabber.org/protocol/pubsub") == 0 ||
	    strcmp(ns, "urn:ietf:params:xml:ns:vcard-4.0") == 0;
}

void
iq_to_occupant(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick)
{
	const char *type = st_type(st), *orig = x_attr(st, "id");
	struct occupant *me, *to;
	const struct xnode *q = st_payload(st);
	char id[2 * ID_MAX];

	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
		if (!reverify_reply(r, st, from, nick))
			relay_reply(m, r, st, from, nick);
		return;
	}
	me = room_occupant_by_jid(r, from->full);
	if (me == NULL) {
		/* XEP-0045 6.7: non-occupants get bad-request for disco. */
		if (q != NULL && (!strcmp(q->ns, NS_DISCO_INFO) ||
		    !strcmp(q->ns, NS_DISCO_ITEMS)))
			st_send_error(m, st, ERR_MODIFY, "bad-request", NULL,
			    r->jid);
		else
			st_send_error(m, st, ERR_CANCEL, "not-acceptable",
			    TEXT_NOT_IN_ROOM, r->jid);
		return;
	}
	if ((to = room_occupant(r, nick)) == NULL || to->primary == NULL) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found",
		    "Recipient not in room", r->jid);
		return;
	}
	/* XEP-0410: a ping to one's own nick is answered by the room. */
	if (to == me && strcmp(type, "get") == 0 && x_is(q, "ping", NS_PING)) {
		st_send_result(m, st, NULL);
		return;
	}
	if (orig == NULL || encode_id(r, to->primary->jid, orig, from->full, id,
	    sizeof(id)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", NULL, r->jid);
		return;
	}
	x_set_attr(st, "id", id);
	x_set_attr(st, "from", me->occjid);
	if (q != NULL && bare_only_ns(q->ns))
		x_set_attr(st, "to", to->bare);
	else
		x_set_attr(st, "to", to->primary->jid);
	if (!st_fits_out(m, st, 0)) {
		x_set_attr(st, "id", orig);
		x_set_attr(st, "from", from->full);
		x_set_attr(st, "to", to->occjid);
		st_send_error(m, st, ERR_MODIFY, "policy-violation",
		    "Request too large to relay", r->jid);
		return;
	}
	mucd_send(m, st);
}
