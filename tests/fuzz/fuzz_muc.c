/*
 * fuzz_muc: structure-aware fuzzing of the room engine.
 *
 * The input is a little program. Bytes 0 and 1 pick the service
 * configuration (room creation policy, locking, reserved nicks, history,
 * defaults, limits); every following operation is one byte of opcode and
 * a few bytes of operands that index small dictionaries of users, rooms,
 * nicks, affiliations, roles, form fields and texts (with an escape to a
 * string taken from the input). Operations build real stanzas as a server
 * would deliver them (from= a user's full JID, to= a room or occupant),
 * which go through xml_parse and router_stanza; others are what the daemon
 * does between stanzas (a loop turn with its group commit, housekeeping,
 * a link bounce with re-verification, time passing for room locks) or
 * control-socket commands over the real control socket.
 *
 * After every operation the output is checked (harness.h); after the
 * program the room model and the store are checked, then all is reset.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jid.h"
#include "link.h"
#include "mucd.h"
#include "presence.h"
#include "ratelimit.h"
#include "reverify.h"
#include "room.h"
#include "router.h"
#include "store.h"

#define MAX_OPS		96

static const char *users[] = {
	"romeo@localhost/balcony", "romeo@localhost/orchard",
	"juliet@localhost/chamber", "nurse@capulet.example/home",
	"admin@localhost/console", "mallory@evil.example/x",
	"tybalt@localhost", "Juliet@LOCALHOST/chamber",
};
#define NUSERS (sizeof(users) / sizeof(users[0]))
static const char *bares[] = {
	"romeo@localhost", "juliet@localhost", "nurse@capulet.example",
	"admin@localhost", "mallory@evil.example", "tybalt@localhost",
	"evil.example", "capulet.example",
};
#define NBARES (sizeof(bares) / sizeof(bares[0]))
static const char *rooms[] = {
	"room@" FZ_DOMAIN, "hall@" FZ_DOMAIN, "Room@Conference.Localhost",
	"x@" FZ_DOMAIN,
};
#define NROOMS (sizeof(rooms) / sizeof(rooms[0]))
static const char *nicks[] = {
	"Romeo", "Juliet", "romeo", "Nurse", "\xef\xbc\xb2omeo", "R0meo",
	" ", "Tybalt",
};
#define NNICKS (sizeof(nicks) / sizeof(nicks[0]))
static const char *affs[] = { "owner", "admin", "member", "none", "outcast",
	"bogus" };
static const char *roles[] = { "moderator", "participant", "visitor", "none",
	"bogus" };
static const char *errconds[] = { "gone", "item-not-found",
	"feature-not-implemented", "forbidden", "service-unavailable",
	"remote-server-timeout", "bad-request", "not-allowed" };
#define NCONDS (sizeof(errconds) / sizeof(errconds[0]))

static char longtext[4200];

static const char *texts[] = {
	"", "hello", "secret", "x", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
	"a\tb\nc\rd", "<&'\">", longtext, "\xe2\x80\xae" "evil", " ",
	"1", "0", "true", "none", "anyone",
};
#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

struct rd {
	const uint8_t	*p, *end;
	char		 sbuf[4][512];	/* strings from the input */
	unsigned	 si;
};

static unsigned
u8(struct rd *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static unsigned
pick(struct rd *r, unsigned n)
{
	return u8(r) % n;
}

/* A string from the input: length byte, then bytes (made valid UTF-8 by
 * replacing what is not with '?', so stanzas stay parseable). */
static const char *
instr(struct rd *r)
{
	char *s = r->sbuf[r->si++ % 4];
	size_t n = u8(r), i = 0, k;

	while (i < n && r->p < r->end && i < 500)
		s[i++] = (char)*r->p++;
	s[i] = '\0';
	for (k = 0; k < i; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == 0 || (c < 0x20 && c != '\t' && c != '\n') ||
		    c >= 0x80)
			s[k] = '?';
	}
	return s;
}

static const char *
text(struct rd *r)
{
	unsigned k = u8(r);

	return k >= 0xf0 ? instr(r) : texts[k % NTEXTS];
}

static const char *
nick(struct rd *r)
{
	unsigned k = u8(r);

	return k >= 0xf0 ? instr(r) : nicks[k % NNICKS];
}

/* --- stanza text --------------------------------------------------------- */

struct sb {
	char	*b;
	size_t	 n, cap;
};

static void
sb_raw(struct sb *s, const char *t)
{
	size_t n = strlen(t);

	if (s->n + n + 1 > s->cap) {
		s->cap = (s->n + n + 1) * 2;
		if ((s->b = realloc(s->b, s->cap)) == NULL)
			fz_die("out of memory");
	}
	memcpy(s->b + s->n, t, n + 1);
	s->n += n;
}

static void
sb_esc(struct sb *s, const char *t)
{
	char one[2] = { 0, 0 };

	for (; *t != '\0'; t++)
		switch (*t) {
		case '<': sb_raw(s, "&lt;"); break;
		case '>': sb_raw(s, "&gt;"); break;
		case '&': sb_raw(s, "&amp;"); break;
		case '\'': sb_raw(s, "&apos;"); break;
		case '"': sb_raw(s, "&quot;"); break;
		case '\r': sb_raw(s, "&#13;"); break;
		default: one[0] = *t; sb_raw(s, one);
		}
}

static void
sb_attr(struct sb *s, const char *name, const char *v)
{
	if (v == NULL)
		return;
	sb_raw(s, " ");
	sb_raw(s, name);
	sb_raw(s, "='");
	sb_esc(s, v);
	sb_raw(s, "'");
}

static void
sb_el(struct sb *s, const char *name, const char *text)
{
	sb_raw(s, "<");
	sb_raw(s, name);
	sb_raw(s, ">");
	sb_esc(s, text);
	sb_raw(s, "</");
	sb_raw(s, strchr(name, ' ') ? "" : name);
	if (strchr(name, ' ') != NULL) {
		char tag[64];

		snprintf(tag, sizeof(tag), "%.*s", (int)strcspn(name, " "), name);
		sb_raw(s, tag);
	}
	sb_raw(s, ">");
}

/* Start a stanza: <kind from to [type] [id]. */
static void
sb_start(struct sb *s, const char *kind, const char *from, const char *to,
    const char *type, const char *id)
{
	s->n = 0;
	sb_raw(s, "<");
	sb_raw(s, kind);
	sb_raw(s, " xmlns='jabber:component:accept'");
	sb_attr(s, "from", from);
	sb_attr(s, "to", to);
	sb_attr(s, "type", type);
	sb_attr(s, "id", id);
	sb_raw(s, ">");
}

/* --- running ----------------------------------------------------------- */

static struct fz_seen seen;
static struct fz_outck *outck;
static size_t out_done;
static int ctl_fd = -1;
static unsigned idn;

static void
check_new_output(void)
{
	struct buf *o = &fz_m.link.out;

	if (o->len > out_done) {
		fz_out_feed(outck, o->data + out_done, o->len - out_done);
		out_done = o->len;
	}
}

static void
deliver(struct sb *s, const char *kind)
{
	char err[256];
	struct xnode *st;

	sb_raw(s, "</");
	sb_raw(s, kind);
	sb_raw(s, ">");
	st = xml_parse(s->b, s->n, &fz_m.link.limits, err, sizeof(err));
	if (st != NULL)
		router_stanza(&fz_m, st);
	fz_turn();
	check_new_output();
}

static const char *
next_id(char *buf, size_t len)
{
	snprintf(buf, len, "id%u", idn++);
	return buf;
}

static const char *
occ(const char *room, const char *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", room, n);
	return buf;
}

static void
op_join(struct rd *r, struct sb *s)
{
	char to[1200];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r), h = u8(r);
	static const char *hist[] = { "maxchars='0'", "maxstanzas='1'",
		"maxchars='200'", "seconds='60'", "seconds='-9223372036854775808'",
		"since='2020-01-01T00:00:00Z'", "since='2020-01-01T00:00:00+1:2'",
		"since='1970-01-01T00:00:00.123-12:00'", "maxstanzas='-1'",
		"seconds='99999999999999999999'" };

	sb_start(s, "presence", u, occ(room, nick(r), to, sizeof(to)), NULL,
	    (f & 1) ? "pres1" : NULL);
	if (!(f & 2)) {
		sb_raw(s, "<x xmlns='http://jabber.org/protocol/muc'>");
		if (f & 4)
			sb_el(s, "password", text(r));
		if (f & 8) {
			sb_raw(s, "<history ");
			sb_raw(s, hist[h % (sizeof(hist) / sizeof(hist[0]))]);
			sb_raw(s, "/>");
		}
		sb_raw(s, "</x>");
	}
	if (f & 16)
		sb_el(s, "status", text(r));
	if (f & 32)
		sb_raw(s, "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1'"
		    " node='n' ver='v'/><occupant-id xmlns='urn:xmpp:occupant-id:0'"
		    " id='forged'/><x xmlns='http://jabber.org/protocol/muc#user'>"
		    "<item affiliation='owner'/></x>");
	deliver(s, "presence");
}

static void
op_presence(struct rd *r, struct sb *s)
{
	static const char *types[] = { NULL, "unavailable", "probe",
		"subscribe", "invisible", "error", NULL, "unavailable" };
	char to[1200];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);
	const char *type = types[f % 8];

	sb_start(s, "presence", u, (f & 8) ? room :
	    occ(room, nick(r), to, sizeof(to)), type, NULL);
	if (f & 16)
		sb_el(s, "show", "away");
	if (f & 32)
		sb_el(s, "status", text(r));
	if (type != NULL && strcmp(type, "error") == 0) {
		sb_raw(s, "<error type='cancel'><");
		sb_raw(s, errconds[pick(r, NCONDS)]);
		sb_raw(s, " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
		if (f & 64)
			sb_el(s, "text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'",
			    text(r));
		sb_raw(s, "</error>");
	}
	if (f & 128)
		sb_raw(s, "<x xmlns='http://jabber.org/protocol/muc'/>");
	deliver(s, "presence");
}

static void
op_message(struct rd *r, struct sb *s, bool pm)
{
	static const char *types[] = { "groupchat", "chat", "normal", NULL,
		"error", "headline" };
	char to[1200], id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);
	const char *type = pm ? types[(f >> 5) % 6] : types[0];

	sb_start(s, "message", u, pm ? occ(room, nick(r), to, sizeof(to)) :
	    room, type, (f & 1) ? next_id(id, sizeof(id)) : NULL);
	if (f & 2)
		sb_el(s, "body", text(r));
	if (f & 4)
		sb_el(s, "subject", text(r));
	if (f & 8)
		sb_raw(s, "<thread>t</thread>");
	if (f & 16) {
		static const char *extra[] = {
			"<store xmlns='urn:xmpp:hints'/>",
			"<no-store xmlns='urn:xmpp:hints'/>",
			"<delay xmlns='urn:xmpp:delay' from='room@" FZ_DOMAIN
			    "' stamp='2002-09-10T23:08:25Z'/>",
			"<occupant-id xmlns='urn:xmpp:occupant-id:0' id='x'/>",
			"<markable xmlns='urn:xmpp:chat-markers:0'/>",
			"<x xmlns='http://jabber.org/protocol/muc#user'/>",
			"<encryption xmlns='urn:xmpp:eme:0' namespace='x'/>",
			("<error type='cancel'><gone xmlns='urn:ietf:params:xml:"
			    "ns:xmpp-stanzas'/></error>"),
		};

		sb_raw(s, extra[pick(r, 8)]);
	}
	deliver(s, "message");
}

static void
form_field(struct sb *s, const char *var, const char *v1, const char *v2)
{
	sb_raw(s, "<field");
	sb_attr(s, "var", var);
	sb_raw(s, ">");
	if (v1 != NULL)
		sb_el(s, "value", v1);
	if (v2 != NULL)
		sb_el(s, "value", v2);
	sb_raw(s, "</field>");
}

static void
op_owner(struct rd *r, struct sb *s)
{
	static const char *fields[] = {
		"muc#roomconfig_roomname", "muc#roomconfig_roomdesc",
		"muc#roomconfig_lang", "muc#roomconfig_persistentroom",
		"muc#roomconfig_publicroom", "muc#roomconfig_passwordprotectedroom",
		"muc#roomconfig_roomsecret", "muc#roomconfig_membersonly",
		"muc#roomconfig_allowinvites", "muc#roomconfig_maxusers",
		"muc#roomconfig_changesubject", "muc#roomconfig_moderatedroom",
		"muc#roomconfig_whois", "muc#roomconfig_allowpm",
		"muc#roomconfig_getmemberlist", "muc#roomconfig_presencebroadcast",
		"muc#roomconfig_historylength",
		"muc#roomconfig_defaulthistorymessages",
		"muc#roomconfig_enablelogging",
		"{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
	};
	static const char *vals[] = { "0", "1", "true", "false", "moderators",
		"anyone", "participants", "none", "moderator", "visitor",
		"participant", "2", "10", "100000", "", "secret" };
	char id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r), n, i;

	sb_start(s, "iq", u, room, (f & 3) == 0 ? "get" : "set",
	    next_id(id, sizeof(id)));
	sb_raw(s, "<query xmlns='http://jabber.org/protocol/muc#owner'>");
	switch ((f >> 2) & 3) {
	case 0:
	case 1:
		sb_raw(s, (f & 16) ? "<x xmlns='jabber:x:data' type='cancel'>" :
		    "<x xmlns='jabber:x:data' type='submit'>");
		n = (f >> 5) & 7;
		if (n > 0)
			form_field(s, "FORM_TYPE",
			    "http://jabber.org/protocol/muc#roomconfig", NULL);
		for (i = 0; i < n; i++) {
			unsigned k = u8(r), v = u8(r);

			form_field(s, fields[k % 20], v >= 0xf0 ? text(r) :
			    vals[v % 16], (v & 0x80) && (v & 0x40) ?
			    vals[(v >> 2) % 16] : NULL);
		}
		sb_raw(s, "</x>");
		break;
	case 2:
		sb_raw(s, "<destroy");
		if (f & 16)
			sb_attr(s, "jid", (f & 32) ? "hall@" FZ_DOMAIN : "bad@@");
		sb_raw(s, ">");
		if (f & 64)
			sb_el(s, "reason", text(r));
		if (f & 128)
			sb_el(s, "password", text(r));
		sb_raw(s, "</destroy>");
		break;
	case 3:
		sb_raw(s, "<bogus/>");
		break;
	}
	sb_raw(s, "</query>");
	deliver(s, "iq");
}

static void
op_admin(struct rd *r, struct sb *s, bool get)
{
	char id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned n = 1 + pick(r, 3), i;

	sb_start(s, "iq", u, room, get ? "get" : "set", next_id(id, sizeof(id)));
	sb_raw(s, "<query xmlns='http://jabber.org/protocol/muc#admin'>");
	for (i = 0; i < n; i++) {
		unsigned f = u8(r);

		sb_raw(s, "<item");
		if (f & 1)
			sb_attr(s, "jid", bares[pick(r, NBARES)]);
		if (f & 2)
			sb_attr(s, "nick", nick(r));
		if (f & 4)
			sb_attr(s, "affiliation", affs[pick(r, 6)]);
		if (f & 8)
			sb_attr(s, "role", roles[pick(r, 5)]);
		sb_raw(s, ">");
		if (f & 16)
			sb_el(s, "reason", text(r));
		sb_raw(s, "</item>");
	}
	sb_raw(s, "</query>");
	deliver(s, "iq");
}

static void
op_register(struct rd *r, struct sb *s)
{
	char id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);

	sb_start(s, "iq", u, room, (f & 3) == 0 ? "get" : "set",
	    next_id(id, sizeof(id)));
	sb_raw(s, "<query xmlns='jabber:iq:register'>");
	if (f & 4)
		sb_raw(s, "<remove/>");
	else if (f & 8) {
		sb_raw(s, "<x xmlns='jabber:x:data' type='submit'>");
		if (!(f & 16))
			form_field(s, "FORM_TYPE",
			    "http://jabber.org/protocol/muc#register", NULL);
		form_field(s, "muc#register_roomnick", nick(r), NULL);
		sb_raw(s, "</x>");
	}
	sb_raw(s, "</query>");
	deliver(s, "iq");
}

static void
op_disco(struct rd *r, struct sb *s)
{
	static const char *payloads[] = {
		"<query xmlns='http://jabber.org/protocol/disco#info'/>",
		"<query xmlns='http://jabber.org/protocol/disco#items'/>",
		"<query xmlns='http://jabber.org/protocol/disco#info' node="
		    "'x-roomuser-item'/>",
		"<query xmlns='http://jabber.org/protocol/disco#items'><set "
		    "xmlns='http://jabber.org/protocol/rsm'><max>1</max></set>"
		    "</query>",
		"<query xmlns='http://jabber.org/protocol/disco#items'><set "
		    "xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>"
		    "hall@" FZ_DOMAIN "</after></set></query>",
		"<query xmlns='http://jabber.org/protocol/disco#items' node="
		    "'http://jabber.org/protocol/commands'/>",
		"<query xmlns='http://jabber.org/protocol/disco#info' node="
		    "'http://prosody.im/protocol/muc#destroy'/>",
		"<query xmlns='jabber:iq:version'/>",
		"<unique xmlns='http://jabber.org/protocol/muc#unique'/>",
		"<ping xmlns='urn:xmpp:ping'/>",
		"<query xmlns='http://jabber.org/protocol/disco#items'><set "
		    "xmlns='http://jabber.org/protocol/rsm'><before/></set>"
		    "</query>",
		"<vCard xmlns='vcard-temp'/>",
	};
	char id[32];
	const char *u = users[pick(r, NUSERS)];
	unsigned f = u8(r);
	const char *to = (f & 1) ? FZ_DOMAIN : rooms[(f >> 1) % NROOMS];

	sb_start(s, "iq", u, to, (f & 0x80) ? "set" : "get",
	    next_id(id, sizeof(id)));
	sb_raw(s, payloads[pick(r, 12)]);
	deliver(s, "iq");
}

static void
op_invite(struct rd *r, struct sb *s)
{
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);
	char occj[1200];
	const char *to = (f & 2) ? occ(room, nick(r), occj, sizeof(occj)) :
	    users[pick(r, NUSERS)];

	sb_start(s, "message", u, room, (f & 4) ? "normal" : NULL, NULL);
	if (f & 8)
		sb_el(s, "body", text(r));
	sb_raw(s, "<x xmlns='http://jabber.org/protocol/muc#user'><");
	sb_raw(s, (f & 1) ? "decline" : "invite");
	sb_attr(s, "to", (f & 16) ? "not a jid@" : to);
	sb_raw(s, ">");
	if (f & 32)
		sb_el(s, "reason", text(r));
	sb_raw(s, (f & 1) ? "</decline></x>" : "</invite></x>");
	deliver(s, "message");
}

static void
op_voice(struct rd *r, struct sb *s)
{
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);

	sb_start(s, "message", u, room, NULL, NULL);
	sb_raw(s, "<x xmlns='jabber:x:data' type='submit'>");
	form_field(s, "FORM_TYPE", "http://jabber.org/protocol/muc#request",
	    NULL);
	if (f & 1)
		form_field(s, "muc#role", "participant", NULL);
	if (f & 2)
		form_field(s, "muc#jid", users[pick(r, NUSERS)], NULL);
	if (f & 4)
		form_field(s, "muc#request_allow", (f & 8) ? "true" : "0", NULL);
	if (f & 16)
		form_field(s, "muc#roomnick", nick(r), NULL);
	sb_raw(s, "</x>");
	deliver(s, "message");
}

static void
op_iq_occupant(struct rd *r, struct sb *s)
{
	static const char *payloads[] = {
		"<ping xmlns='urn:xmpp:ping'/>", "<vCard xmlns='vcard-temp'/>",
		"<query xmlns='http://jabber.org/protocol/disco#info'/>",
		"<query xmlns='jabber:iq:version'/>",
		"<pubsub xmlns='http://jabber.org/protocol/pubsub'/>",
	};
	char to[1200], id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r);

	sb_start(s, "iq", u, occ(room, nick(r), to, sizeof(to)),
	    (f & 1) ? "set" : "get", (f & 2) ? NULL :
	    (f & 4) ? next_id(id, sizeof(id)) : text(r));
	sb_raw(s, payloads[pick(r, 5)]);
	deliver(s, "iq");
}

/* Answer one of the requests mucd sent (proxied iqs, re-verification). */
static void
op_reply(struct rd *r, struct sb *s)
{
	unsigned f = u8(r), k;
	const struct fz_iq *q;
	char from[3200];

	if (seen.niq == 0)
		return;
	k = seen.niq - 1 - (f & 3) % (seen.niq < FZ_IQS ? seen.niq : FZ_IQS);
	q = &seen.iq[k % FZ_IQS];
	/* Usually the addressee answers; sometimes somebody else does. */
	snprintf(from, sizeof(from), "%s", (f & 4) ? users[pick(r, NUSERS)] :
	    q->to);
	sb_start(s, "iq", from, q->from, (f & 8) ? "error" : "result", q->id);
	if (f & 8) {
		sb_raw(s, "<error type='cancel'><");
		sb_raw(s, errconds[pick(r, NCONDS)]);
		sb_raw(s, " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
	} else if (f & 16)
		sb_raw(s, "<vCard xmlns='vcard-temp'><FN>x</FN></vCard>");
	deliver(s, "iq");
}

static void
op_adhoc(struct rd *r, struct sb *s)
{
	char id[32];
	const char *u = users[(u8(r) & 1) ? 4 : pick(r, NUSERS)];
	unsigned f = u8(r);
	bool destroy = f & 1;

	sb_start(s, "iq", u, FZ_DOMAIN, (f & 2) ? "get" : "set",
	    next_id(id, sizeof(id)));
	sb_raw(s, "<command xmlns='http://jabber.org/protocol/commands'");
	sb_attr(s, "node", destroy ? "http://prosody.im/protocol/muc#destroy" :
	    "http://prosody.im/protocol/muc#set-affiliation");
	if (f & 4)
		sb_attr(s, "action", "cancel");
	if (f & 8)
		sb_attr(s, "sessionid", "s1");
	sb_raw(s, ">");
	if (f & 16) {
		sb_raw(s, (f & 32) ? "<x xmlns='jabber:x:data' type='form'>" :
		    "<x xmlns='jabber:x:data' type='submit'>");
		if (destroy)
			form_field(s, "rooms", rooms[pick(r, NROOMS)],
			    (f & 64) ? rooms[pick(r, NROOMS)] : NULL);
		else {
			form_field(s, "room", rooms[pick(r, NROOMS)], NULL);
			form_field(s, "jid", bares[pick(r, NBARES)], NULL);
			form_field(s, "affiliation", affs[pick(r, 6)], NULL);
			if (f & 64)
				form_field(s, "reason", text(r), NULL);
		}
		sb_raw(s, "</x>");
	}
	sb_raw(s, "</command>");
	deliver(s, "iq");
}

/* A stanza with a child taken from the input as it is. */
static void
op_raw(struct rd *r, struct sb *s)
{
	static const char *kinds[] = { "message", "presence", "iq" };
	static const char *types[] = { NULL, "get", "set", "result", "error",
		"groupchat", "unavailable" };
	char to[1200], id[32];
	const char *u = users[pick(r, NUSERS)], *room = rooms[pick(r, NROOMS)];
	unsigned f = u8(r), n = u8(r), i;
	const char *kind = kinds[f % 3];

	sb_start(s, kind, u, (f & 4) ? room : occ(room, nick(r), to,
	    sizeof(to)), types[(f >> 3) % 7], (f & 0x80) ? NULL :
	    next_id(id, sizeof(id)));
	for (i = 0; i < n && r->p < r->end; i++) {
		char one[2] = { (char)*r->p++, 0 };

		if (one[0] != '\0')
			sb_raw(s, one);
	}
	deliver(s, kind);
}

/* --- control commands -------------------------------------------------- */

static void
op_ctl(struct rd *r)
{
	static const char *cmds[] = { "room.create", "room.config",
		"room.destroy", "kick", "say", "ban", "affiliation.set",
		"nick.reserve", "nick.release", "history", "rooms", "status",
		"occupants", "room.show", "user.rooms", "affiliations",
		"nick.show", "hello", "reload" };
	static const char *keys[] = { "persistent", "members_only", "moderated",
		"public", "whois", "password", "history_length", "max_occupants",
		"presence_broadcast", "name", "allow_pm", "default_history" };
	unsigned c = pick(r, sizeof(cmds) / sizeof(cmds[0])), f = u8(r);
	json_t *args = json_object(), *cfg, *req;
	char *line;

	if (f & 1)
		json_object_set_new(args, "room", json_string(
		    rooms[pick(r, NROOMS)]));
	else
		json_object_set_new(args, "room", json_string(
		    (f & 2) ? "room" : "hall"));
	if (f & 4)
		json_object_set_new(args, "jid", json_string(
		    bares[pick(r, NBARES)]));
	if (f & 8)
		json_object_set_new(args, "nick", json_string(nick(r)));
	if (f & 16)
		json_object_set_new(args, "affiliation", json_string(
		    affs[pick(r, 6)]));
	if (f & 32)
		json_object_set_new(args, "text", json_string(text(r)));
	if (f & 64) {
		unsigned i, n = 1 + pick(r, 3);

		cfg = json_object();
		for (i = 0; i < n; i++) {
			unsigned k = u8(r), v = u8(r);

			json_object_set_new(cfg, keys[k % 12], (v & 3) == 0 ?
			    json_false() : (v & 3) == 1 ? json_true() :
			    (v & 3) == 2 ? json_integer(v >> 2) :
			    json_string(texts[(v >> 2) % NTEXTS]));
		}
		json_object_set_new(args, "config", cfg);
	}
	if (f & 128)
		json_object_set_new(args, "limit", json_integer(pick(r, 4)));
	req = json_pack("{s:i,s:s,s:o}", "id", idn++, "cmd", cmds[c], "args",
	    args);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line != NULL) {
		size_t n = strlen(line);

		line = realloc(line, n + 2);
		line[n] = '\n';
		fz_ctl_send(ctl_fd, line, n + 1);
		free(line);
	}
	check_new_output();
}

/* --- what the daemon does between stanzas ------------------------------ */

static void
op_daemon(struct rd *r)
{
	struct room *room;
	const char *k;
	size_t i;

	switch (pick(r, 6)) {
	case 0:		/* housekeeping timer */
		rooms_evict_idle(&fz_m, 0);
		ratelimit_prune(&fz_m);
		break;
	case 1:		/* checkpoint timer */
		store_checkpoint(fz_m.store);
		break;
	case 2:		/* link lost and back: re-verify every session */
		reverify_all(&fz_m);
		break;
	case 3:		/* time passes: room locks expire */
		for (i = 0; hmap_next(&fz_m.rooms, &i, &k, (void **)&room); )
			room->lock_until = 0;
		break;
	default:	/* a quiet loop turn */
		break;
	}
	fz_turn();
	check_new_output();
}

static void
configure(unsigned a, unsigned b)
{
	struct conf *c = &fz_m.conf;

	c->room_locking = a & 1;
	c->history_persist = (a >> 1) & 1;
	c->reserved_nicks = (enum nick_policy)(((a >> 2) & 3) % 3);
	c->default_persistent = (a >> 4) & 1;
	c->open_registration = (a >> 5) & 1;
	c->room_creation = (enum room_creation)(((a >> 6) & 3) % 3);
	c->default_members_only = b & 1;
	c->default_moderated = (b >> 1) & 1;
	c->default_whois_anyone = (b >> 2) & 1;
	c->default_public = (b >> 3) & 1;
	c->history_max = (b & 16) ? 3 : 100;
	c->history_default = (b & 16) ? 2 : 20;
	c->history_max_bytes = (b & 16) ? 1024 : 256 * 1024;
	c->max_occupants = (b & 32) ? 3 : 50000;
	c->rate_messages = (b & 64) ? 0 : 10;
	c->rate_presence = (b & 64) ? 0 : 10;
	c->rate_iq = (b & 64) ? 0 : 30;
	c->max_rooms_per_user = (b & 128) ? 2 : 1000;
	/* The service-wide caps, tight enough for an input to reach. */
	c->max_rooms = (b & 128) ? 3 : 50000;
	c->max_affiliations = (b & 16) ? 4 : 2000;
	c->room_fanout_rate = (b & 64) ? 0 : 4096;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct sb s;
	struct rd r = { .p = data, .end = data + size };
	unsigned ops = 0, a, b;
	bool shut = false;

	if (!ready) {
		struct fz_opts o = { .conf_extra =
		    "max_stanza_size = 64K\nmax_nick_length = 16\n"
		    "max_subject_length = 1K\nmax_body_length = 2K\n"
		    "max_form_fields = 24\nmax_sessions_per_jid = 3\n"
		    "rate_burst = 12\n", .control = true };
		size_t i;

		fz_init(&o);
		for (i = 0; i + 2 < sizeof(longtext); i += 2)
			memcpy(longtext + i, "\xc3\xa9", 2);
		fz_m.link.state = LINK_UP;	/* output goes to link.out */
		ready = true;
	}
	a = u8(&r);
	b = u8(&r);
	configure(a, b);
	memset(&seen, 0, sizeof(seen));
	idn = 0;
	out_done = 0;
	outck = fz_out_begin(false, &seen);
	ctl_fd = fz_ctl_connect();
	while (r.p < r.end && ops++ < MAX_OPS && !shut) {
		switch (u8(&r) % 24) {
		case 0: case 1: case 2: op_join(&r, &s); break;
		case 3: case 4: op_presence(&r, &s); break;
		case 5: case 6: op_message(&r, &s, false); break;
		case 7: op_message(&r, &s, true); break;
		case 8: case 9: op_owner(&r, &s); break;
		case 10: case 11: op_admin(&r, &s, false); break;
		case 12: op_admin(&r, &s, true); break;
		case 13: op_register(&r, &s); break;
		case 14: op_disco(&r, &s); break;
		case 15: op_invite(&r, &s); break;
		case 16: op_voice(&r, &s); break;
		case 17: op_iq_occupant(&r, &s); break;
		case 18: op_reply(&r, &s); break;
		case 19: op_adhoc(&r, &s); break;
		case 20: op_raw(&r, &s); break;
		case 21: op_ctl(&r); break;
		case 22: op_daemon(&r); break;
		case 23:
			if (u8(&r) == 0x53) {	/* rarely: shutdown */
				struct room *room;
				const char *k;
				size_t i;

				/* lifecycle_finish's part. */
				mucd_stop(&fz_m, 0);
				for (i = 0; hmap_next(&fz_m.rooms, &i, &k,
				    (void **)&room); )
					presence_evacuate(room, 332);
				for (i = 0; hmap_next(&fz_m.rooms, &i, &k,
				    (void **)&room); )
					if (room->stored)
						room_save(room);
				fz_turn();
				check_new_output();
				shut = true;
			}
			break;
		}
	}
	fz_ctl_close(ctl_fd);
	check_new_output();
	fz_out_end(outck);
	fz_check_rooms(shut || fz_m.shutting_down);
	fz_check_store();
	fz_reset();
	return 0;
}
