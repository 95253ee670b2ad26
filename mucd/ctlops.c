/*
 * ctlops: the everyday operations an operator runs from the shell — an
 * occupant's role, a room's subject, an invitation from the room, and
 * the service-wide list of reserved nicks. Each goes through the code
 * the XMPP request would (presence, notices, storage).
 */
#include "ctlreq.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "jid.h"
#include "message.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"
#include "subject.h"

#define NICKS_LIMIT	10000

static struct occupant *
need_occupant(struct req *q, struct room *r)
{
	const char *nick = req_need_str(q, "nick"), *why;
	char pn[JID_PART_MAX + 1];
	struct occupant *o;

	if (nick == NULL)
		return NULL;
	if (jid_resourceprep(nick, pn, sizeof(pn), &why) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "invalid nick: %s", why);
		return NULL;
	}
	if ((o = room_occupant(r, pn)) == NULL)
		req_fail(q, CTL_E_NOT_FOUND, "no occupant with the nick '%s' in "
		    "%s", pn, r->jid);
	return o;
}

void
cmd_role_set(struct req *q)
{
	struct room *r = req_need_room(q);
	struct occupant *o = r ? need_occupant(q, r) : NULL;
	const char *role = o ? req_need_str(q, "role") : NULL;
	struct muc_err e;
	enum role to;

	if (role == NULL)
		return;
	if (role_parse(role, &to) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not none, visitor, "
		    "participant or moderator", role);
		return;
	}
	room_hold(r);
	if (role_apply(r, NULL, o, to, req_str(q, "reason"), &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s,s:s,s:s}", "room", r->jid, "nick",
		    o->nick, "role", role_name(to)));
	room_release(r);
}

void
cmd_subject_set(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *text = r ? req_str(q, "text") : NULL;

	if (r == NULL)
		return;
	if (text != NULL && strlen(text) > q->m->conf.max_subject_length) {
		req_fail(q, CTL_E_BAD_REQUEST, "text longer than "
		    "max_subject_length");
		return;
	}
	/* An empty or absent text clears the subject. */
	if (subject_set(r, NULL, text != NULL && *text != '\0' ? text :
	    NULL) != 0)
		req_fail(q, CTL_E_INTERNAL, "the subject of %s could not be "
		    "stored: %s", r->jid, store_errmsg(q->m->store));
	else
		req_ok(q, json_pack("{s:s,s:s?}", "room", r->jid, "subject",
		    r->subject.text));
}

void
cmd_invite(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *s = r ? req_need_str(q, "jid") : NULL, *why;
	struct muc_err e;
	struct jid to;

	if (s == NULL)
		return;
	if (jid_parse(&to, s, &why) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not a JID: %s", s, why);
		return;
	}
	if (message_invite(r, &to, req_str(q, "reason"), &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s,s:s}", "room", r->jid, "jid",
		    to.full));
}

struct nicks {
	struct req	*q;
	json_t		*list;
	regex_t		 re;
	bool		 has_re, more;
	size_t		 limit;
};

static int
nick_add(void *arg, const char *room, const char *nick, const char *bare)
{
	struct nicks *n = arg;

	if (n->has_re && regexec(&n->re, nick, 0, NULL, 0) != 0 &&
	    regexec(&n->re, bare, 0, NULL, 0) != 0 &&
	    regexec(&n->re, room, 0, NULL, 0) != 0)
		return 0;
	if (json_array_size(n->list) >= n->limit) {
		n->more = true;
		return 1;
	}
	json_array_append_new(n->list, json_pack("{s:s,s:s,s:s}", "room",
	    room, "nick", nick, "jid", bare));
	return 0;
}

/* Temporary rooms keep their reservations in memory only. */
static void
unstored_nicks(struct nicks *n)
{
	struct room *r;
	struct affil *a;
	const char *k, *b;
	size_t i, j;

	for (i = 0; hmap_next(&n->q->m->rooms, &i, &k, (void **)&r); ) {
		if (r->stored)
			continue;
		for (j = 0; hmap_next(&r->affs, &j, &b, (void **)&a); )
			if (a->nick != NULL && nick_add(n, r->jid, a->nick,
			    a->bare) == 1)
				return;
	}
}

void
cmd_nicks(struct req *q)
{
	struct nicks n = { q, json_array(), { 0 }, false, false, NICKS_LIMIT };
	const char *match = req_str(q, "match");
	json_t *v = json_object_get(q->args, "limit");
	char why[128];
	int rc;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		n.limit = (size_t)json_integer_value(v);
	if (match != NULL) {
		if ((rc = regcomp(&n.re, match, REG_EXTENDED | REG_NOSUB |
		    REG_ICASE)) != 0) {
			regerror(rc, &n.re, why, sizeof(why));
			json_decref(n.list);
			req_fail(q, CTL_E_BAD_REQUEST, "invalid regular "
			    "expression '%s': %s", match, why);
			return;
		}
		n.has_re = true;
	}
	if (q->m->store != NULL &&
	    store_nick_iter(q->m->store, NULL, NULL, nick_add, &n) < 0) {
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		json_decref(n.list);
	} else {
		if (!n.more)
			unstored_nicks(&n);
		req_ok(q, json_pack("{s:o,s:b}", "nicks", n.list, "truncated",
		    n.more));
	}
	if (n.has_re)
		regfree(&n.re);
}
