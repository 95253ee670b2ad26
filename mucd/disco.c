#include "disco.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "form.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

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
			st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL,
			    NULL);
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
disco_room_items(struct mucd *m, struct room *r, struct xnode *st)
{
	/* Occupants are not listed: that would reveal who is there to
	 * non-occupants of semi-anonymous rooms. */
	(void)r;
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

/* Public rooms: those in memory that are not stored (temporary ones), and
 * the stored public rooms, merged in JID order for stable paging. */

struct listing {
	struct mucd	*m;
	struct xnode	*q;
	const char	*after;
	char	       **mem;		/* sorted in-memory public room JIDs */
	size_t		 nmem, mi, memtotal;
	size_t		 count, max;
	char		 first[JID_BARE_MAX + 1], last[JID_BARE_MAX + 1];
	bool		 more;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_room_item(struct listing *l, const char *jid, const char *name)
{
	struct xnode *it;

	if (l->count == l->max) {
		l->more = true;
		return;
	}
	it = x_add(l->q, "item", NULL);
	x_set_attr(it, "jid", jid);
	if (name != NULL)
		x_set_attr(it, "name", name);
	if (l->count == 0)
		snprintf(l->first, sizeof(l->first), "%s", jid);
	snprintf(l->last, sizeof(l->last), "%s", jid);
	l->count++;
}

static void
emit_mem_before(struct listing *l, const char *bound)
{
	struct room *r;

	while (l->mi < l->nmem && l->count < l->max &&
	    (bound == NULL || strcmp(l->mem[l->mi], bound) < 0)) {
		r = room_find_loaded(l->m, l->mem[l->mi++]);
		add_room_item(l, r->jid, r->cfg.name);
	}
	if (l->mi < l->nmem && l->count == l->max &&
	    (bound == NULL || strcmp(l->mem[l->mi], bound) < 0))
		l->more = true;
}

static int
stored_cb(void *arg, const char *jid, const char *json)
{
	struct listing *l = arg;
	struct room_record rec;
	struct room *r;
	char err[64];

	emit_mem_before(l, jid);
	if (l->count == l->max) {
		l->more = true;
		return 1;
	}
	/* A loaded room's memory is newer than nothing, but the store is
	 * written on every change, so either is current. */
	if ((r = room_find_loaded(l->m, jid)) != NULL) {
		if (!r->locked)
			add_room_item(l, jid, r->cfg.name);
		return 0;
	}
	if (roomrec_decode(&rec, &l->m->conf, json, err, sizeof(err)) == 0) {
		add_room_item(l, jid, rec.cfg.name);
		roomrec_free(&rec);
	}
	return 0;
}

static int
collect_memory(struct listing *l)
{
	struct room *r;
	const char *k;
	size_t i, n = 0;

	l->mem = calloc(hmap_count(&l->m->rooms) + 1, sizeof(*l->mem));
	if (l->mem == NULL)
		return -1;
	for (i = 0; hmap_next(&l->m->rooms, &i, &k, (void **)&r); ) {
		if (!r->cfg.public || r->stored || r->locked)
			continue;
		l->memtotal++;
		if (l->after == NULL || strcmp(r->jid, l->after) > 0)
			l->mem[n++] = r->jid;
	}
	qsort(l->mem, n, sizeof(*l->mem), cmp_str);
	l->nmem = n;
	return 0;
}

void
disco_service_items(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const struct xnode *q = st_payload(st), *set;
	const char *node = x_attr(q, "node"), *v;
	struct listing l = { .m = m, .max = ITEMS_MAX };
	size_t stored = 0, pub = 0;
	struct xnode *rs;
	char n[24];

	if (node != NULL && *node != '\0') {
		adhoc_disco_items(m, st, from, node);
		return;
	}
	if ((set = x_child(q, "set", NS_RSM)) != NULL) {
		if ((v = x_child_text(set, "max", NS_RSM)) != NULL &&
		    atol(v) >= 0 && (size_t)atol(v) < ITEMS_MAX)
			l.max = (size_t)atol(v);
		l.after = x_child_text(set, "after", NS_RSM);
		if (x_child(set, "before", NS_RSM) != NULL) {
			st_send_error(m, st, ERR_CANCEL,
			    "feature-not-implemented",
			    "Paging backwards is not supported", NULL);
			return;
		}
	}
	l.q = x_new("query", NS_DISCO_ITEMS);
	if (collect_memory(&l) == -1 || (m->store != NULL &&
	    store_public_iter(m->store, l.after, stored_cb, &l) < 0)) {
		free(l.mem);
		x_free(l.q);
		st_send_error(m, st, ERR_WAIT, "internal-server-error", NULL,
		    NULL);
		return;
	}
	emit_mem_before(&l, NULL);
	if (set != NULL || l.more) {
		rs = x_add(l.q, "set", NS_RSM);
		if (l.count > 0) {
			x_add_child_text(rs, "first", l.first);
			x_add_child_text(rs, "last", l.last);
		}
		if (m->store != NULL)
			store_room_count(m->store, &stored, &pub);
		snprintf(n, sizeof(n), "%zu", pub + l.memtotal);
		x_add_child_text(rs, "count", n);
	}
	free(l.mem);
	st_send_result(m, st, l.q);
}
