#include "disco.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "archive.h"
#include "avatar.h"
#include "form.h"
#include "hats.h"
#include "jid.h"
#include "log.h"
#include "mam.h"
#include "moderate.h"
#include "mucd.h"
#include "room.h"
#include "roomwalk.h"
#include "stanza.h"
#include "store.h"
#include "vcard.h"

#define NODE_ROOMUSER	"x-roomuser-item"
#define ITEMS_MAX	1000	/* rooms per disco#items page */

static void
feature(struct xnode *q, const char *var)
{
	x_set_attr(x_add(q, "feature", NULL), "var", var);
}

static void
identity(struct xnode *q, const char *cat, const char *type, const char *name)
{
	struct xnode *i = x_add(q, "identity", NULL);

	x_set_attr(i, "category", cat);
	x_set_attr(i, "type", type);
	if (name != NULL)
		x_set_attr(i, "name", name);
}

static void
room_features(struct xnode *q, const struct room *r)
{
	const struct room_config *c = &r->cfg;

	feature(q, NS_DISCO_INFO);
	feature(q, NS_MUC);
	feature(q, "http://jabber.org/protocol/muc#stable_id");
	feature(q, "http://jabber.org/protocol/muc#self-ping-optimization");
	feature(q, NS_MUC_REQUEST);
	feature(q, NS_REGISTER);
	feature(q, NS_OCCUPANT_ID);
	feature(q, NS_SID);
	feature(q, NS_MODERATE0);
	feature(q, NS_MODERATE1);
	feature(q, NS_COMMANDS);
	feature(q, NS_HATS);
	feature(q, NS_VCARD);
	if (archive_on(r)) {
		feature(q, NS_MAM);
		feature(q, NS_MAM_EXT);
	}
	feature(q, c->public ? "muc_public" : "muc_hidden");
	feature(q, c->persistent ? "muc_persistent" : "muc_temporary");
	feature(q, c->members_only ? "muc_membersonly" : "muc_open");
	feature(q, c->moderated ? "muc_moderated" : "muc_unmoderated");
	feature(q, c->whois == WHOIS_ANYONE ? "muc_nonanonymous" :
	    "muc_semianonymous");
	feature(q, c->password ? "muc_passwordprotected" : "muc_unsecured");
}

static void
room_info_form(struct xnode *q, struct room *r)
{
	const struct room_config *c = &r->cfg;
	struct xnode *x;
	char n[16];

	x = form_new(q, "result", NS_MUC_ROOMINFO, NULL, NULL);
	form_add_field(x, "muc#roominfo_description", NULL, "Description",
	    c->desc ? c->desc : "");
	snprintf(n, sizeof(n), "%u", room_count_occupants(r));
	form_add_field(x, "muc#roominfo_occupants", NULL,
	    "Number of occupants", n);
	form_add_field(x, "muc#roominfo_subject", NULL, "Subject",
	    r->subject.text ? r->subject.text : "");
	form_add_field(x, "muc#roominfo_lang", NULL, "Language",
	    c->lang ? c->lang : "");
	form_add_field(x, "muc#roomconfig_roomname", NULL, "Title", c->name);
	form_add_field(x, "muc#roomconfig_changesubject", "boolean",
	    "Occupants may change the subject", c->changesubject ? "1" : "0");
	form_add_field(x, "muc#roomconfig_allowinvites", "boolean",
	    "Occupants may invite others",
	    !c->members_only || c->allow_member_invites ? "1" : "0");
	snprintf(n, sizeof(n), "%u", c->history_length);
	form_add_field(x, "muc#maxhistoryfetch", NULL,
	    "Maximum number of history messages", n);
	snprintf(n, sizeof(n), "%u", c->slow_mode);
	form_add_field(x, "muc#roominfo_slow_mode_duration", NULL,
	    "Seconds between two messages of a participant (0: any time)", n);
	/* XEP-0486: clients fetch the vCard when the hash is new to them. */
	if (r->avatar != NULL)
		form_add_field(x, "muc#roominfo_avatarhash", "text-multi",
		    "Avatar hash", r->avatar->hash);
}

void
disco_room_info(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const char *node = x_attr(st_payload(st), "node"), *nick;
	struct xnode *q = x_new("query", NS_DISCO_INFO);

	if (node != NULL && *node != '\0') {
		if (strcmp(node, NODE_ROOMUSER) != 0) {
			x_free(q);
			adhoc_room_disco_info(m, r, st, from, node);
			return;
		}
		/* XEP-0045 7.12: the user's reserved nick, if any. */
		x_set_attr(q, "node", node);
		if ((nick = room_reserved_nick(r, from->bare)) != NULL)
			identity(q, "conference", "text", nick);
		st_send_result(m, st, q);
		return;
	}
	identity(q, "conference", "text", r->cfg.name ? r->cfg.name : r->node);
	room_features(q, r);
	room_info_form(q, r);
	st_send_result(m, st, q);
}

void
disco_room_items(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const char *node = x_attr(st_payload(st), "node");

	if (node != NULL && *node != '\0') {
		adhoc_room_disco_items(m, r, st, from, node);
		return;
	}
	/* Occupants are not listed: that would reveal who is there to
	 * non-occupants of semi-anonymous rooms. */
	st_send_result(m, st, x_new("query", NS_DISCO_ITEMS));
}

void
disco_service_info(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const char *node = x_attr(st_payload(st), "node");
	struct xnode *q;

	if (node != NULL && *node != '\0') {
		adhoc_disco_info(m, st, from, node);
		return;
	}
	q = x_new("query", NS_DISCO_INFO);
	identity(q, "conference", "text", m->conf.service_name);
	feature(q, NS_DISCO_INFO);
	feature(q, NS_DISCO_ITEMS);
	feature(q, NS_MUC);
	feature(q, NS_MUC_UNIQUE);
	feature(q, NS_OCCUPANT_ID);
	feature(q, NS_COMMANDS);
	feature(q, NS_PING);
	feature(q, NS_VERSION);
	feature(q, NS_RSM);
	st_send_result(m, st, q);
}

/* Public rooms, stored or temporary, in JID order for stable paging. */

struct listing {
	struct xnode	*q;
	size_t		 count, max;
	char		 first[JID_BARE_MAX + 1], last[JID_BARE_MAX + 1];
	bool		 more;
};

static int
add_room_item(void *arg, const struct room_view *v)
{
	struct listing *l = arg;
	struct xnode *it;

	/* A room being created is not there yet for anyone else. */
	if (v->loaded != NULL && v->loaded->locked)
		return 0;
	if (l->count == l->max) {
		l->more = true;
		return 1;
	}
	it = x_add(l->q, "item", NULL);
	x_set_attr(it, "jid", v->jid);
	if (v->cfg->name != NULL)
		x_set_attr(it, "name", v->cfg->name);
	if (l->count == 0)
		snprintf(l->first, sizeof(l->first), "%s", v->jid);
	snprintf(l->last, sizeof(l->last), "%s", v->jid);
	l->count++;
	return 0;
}

/* Public temporary rooms, for the RSM count (the store counts its own). */
static size_t
count_public_temporary(struct mucd *m)
{
	struct room *r;
	const char *k;
	size_t i, n = 0;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (r->cfg.public && !r->stored && !r->locked)
			n++;
	return n;
}

void
disco_service_items(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const struct xnode *q = st_payload(st), *set;
	const char *node = x_attr(q, "node"), *v;
	struct listing l = { .max = ITEMS_MAX };
	const char *after = NULL;
	long max;
	size_t stored = 0, pub = 0;
	struct xnode *rs;
	char n[24];

	if (node != NULL && *node != '\0') {
		adhoc_disco_items(m, st, from, node);
		return;
	}
	if ((set = x_child(q, "set", NS_RSM)) != NULL) {
		if ((v = x_child_text(set, "max", NS_RSM)) != NULL &&
		    (max = strtol(v, NULL, 10)) >= 0 && max < ITEMS_MAX)
			l.max = (size_t)max;
		after = x_child_text(set, "after", NS_RSM);
		if (x_child(set, "before", NS_RSM) != NULL) {
			st_send_error(m, st, ERR_CANCEL,
			    "feature-not-implemented",
			    "Paging backwards is not supported", NULL);
			return;
		}
	}
	l.q = x_new("query", NS_DISCO_ITEMS);
	if (room_walk(m, after, true, add_room_item, &l) == -1) {
		x_free(l.q);
		st_send_error(m, st, ERR_WAIT, "internal-server-error", NULL,
		    NULL);
		return;
	}
	if (set != NULL || l.more) {
		rs = x_add(l.q, "set", NS_RSM);
		if (l.count > 0) {
			x_add_child_text(rs, "first", l.first);
			x_add_child_text(rs, "last", l.last);
		}
		if (m->store != NULL)
			store_room_count(m->store, &stored, &pub);
		snprintf(n, sizeof(n), "%zu", pub + count_public_temporary(m));
		x_add_child_text(rs, "count", n);
	}
	st_send_result(m, st, l.q);
}
