#include "presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "hats.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "ratelimit.h"
#include "mucd.h"
#include "stanza.h"
#include "subject.h"
#include "utf8.h"
#include "vcard.h"

#define TEXT_NOT_IN_ROOM	"You are not currently connected to this chat"

/*
 * A presence is copied to every occupant with the room's additions; one
 * whose copies would exceed max_stanza_out is refused, not stored.
 */
static bool
too_large(struct mucd *m, const struct xnode *st, const char *by)
{
	if (st_fits_out(m, st, ST_RELAY_ROOM))
		return false;
	st_send_error(m, st, ERR_MODIFY, "policy-violation",
	    "Presence too large to relay", by);
	return true;
}

static unsigned
role_bit(enum role r)
{
	return 1u << r;
}

bool
room_is_anonymous_for(const struct room *r, const char *full,
    const char *bare)
{
	const struct occupant *o;

	if (r->cfg.whois == WHOIS_ANYONE)
		return false;
	if (aff_rank(room_affiliation(r, bare)) >= aff_rank(AFF_ADMIN))
		return false;
	o = full ? room_occupant_by_jid(r, full) : NULL;
	return !(o != NULL && room_role_sees_jids(r, o->role));
}

/* The presence others see for o: its primary session's, or a generated
 * unavailable one when it is leaving without having said so. */
static struct xnode *
base_presence(const struct room *r, const struct occupant *o, bool force)
{
	const struct session *p = o->primary;
	struct xnode *pr = x_new("presence", NS_COMPONENT), *oid;

	if (pr == NULL)
		return NULL;
	x_set_attr(pr, "from", o->occjid);
	if (p != NULL && (o->role != ROLE_NONE || p->unavailable) && !force) {
		if (p->unavailable)
			x_set_attr(pr, "type", "unavailable");
		if (p->pres_id != NULL)
			x_set_attr(pr, "id", p->pres_id);
		if (p->payload[0] != '\0')
			x_add_raw(pr, p->payload, strlen(p->payload));
	} else
		x_set_attr(pr, "type", "unavailable");
	hats_add_element(r, o->bare, pr);
	oid = x_add(pr, "occupant-id", NS_OCCUPANT_ID);
	x_set_attr(oid, "id", o->occupant_id);
	return pr;
}

/* A session's own presence (for the occupant's self-presence). */
static struct xnode *
session_presence(const struct occupant *o, const struct session *s)
{
	struct xnode *pr = x_new("presence", NS_COMPONENT), *oid;

	if (pr == NULL)
		return NULL;
	x_set_attr(pr, "from", o->occjid);
	if (s->unavailable)
		x_set_attr(pr, "type", "unavailable");
	if (s->pres_id != NULL)
		x_set_attr(pr, "id", s->pres_id);
	if (s->payload[0] != '\0')
		x_add_raw(pr, s->payload, strlen(s->payload));
	hats_add_element(o->room, o->bare, pr);
	oid = x_add(pr, "occupant-id", NS_OCCUPANT_ID);
	x_set_attr(oid, "id", o->occupant_id);
	return pr;
}

static void
add_item(struct xnode *x, enum store_aff aff, enum role role, const char *jid,
    const char *nick, const char *actor_nick, const char *actor_jid,
    const char *reason)
{
	struct xnode *item = x_add(x, "item", NULL), *a;

	x_set_attr(item, "affiliation", aff_name(aff));
	x_set_attr(item, "role", role_name(role));
	if (jid != NULL)
		x_set_attr(item, "jid", jid);
	if (nick != NULL)
		x_set_attr(item, "nick", nick);
	if (actor_nick != NULL || actor_jid != NULL) {
		a = x_add(item, "actor", NULL);
		if (actor_nick != NULL)
			x_set_attr(a, "nick", actor_nick);
		if (actor_jid != NULL)
			x_set_attr(a, "jid", actor_jid);
	}
	if (reason != NULL)
		x_add_child_text(item, "reason", reason);
}

/* Items for o: one without a JID when anonymous, else one per session. */
static void
add_items(struct xnode *x, const struct room *r, const struct occupant *o,
    bool anonymous, const char *nick, const char *actor_nick,
    const char *actor_jid, const char *reason)
{
	enum store_aff aff = room_affiliation(r, o->bare);
	const struct session *s;

	if (anonymous) {
		add_item(x, aff, o->role, NULL, nick, actor_nick, actor_jid,
		    reason);
		return;
	}
	for (s = o->sessions; s != NULL; s = s->next)
		if (!s->unavailable || s == o->primary)
			add_item(x, aff, o->role, s->jid, nick, actor_nick,
			    actor_jid, reason);
}

static struct xnode *
add_x(struct xnode *parent, const int *codes, int n, const struct xnode *extra)
{
	struct xnode *x = x_add(parent, "x", NS_MUC_USER), *s;
	int i;

	for (i = 0; i < n; i++) {
		s = x_add(x, "status", NULL);
		x_set_attrf(s, "code", "%d", codes[i]);
	}
	if (extra != NULL)
		x_copy(x, extra);
	return x;
}

enum vkind { V_FULL, V_ANON, V_SELF, V_KINDS };

/* One presence as some occupants see it; they get it in one fan-out, so
 * only those who may see it ever do (multicast never mixes variants). */
struct variant {
	struct buf	 b;
	size_t		 split;
	bool		 ready;
	struct fanout	 fo;		/* when b holds the presence */
};

struct pubctx {
	struct room		*r;
	struct occupant		*o;
	const struct pub	*p;
	const char		*actor_nick;
	struct variant		 v[V_KINDS][2];	/* [kind][forced unavailable] */
};

static struct variant *
get_variant(struct pubctx *c, enum vkind k, bool unavail)
{
	struct variant *v = &c->v[k][unavail];
	struct xnode *pr, *x;

	if (v->ready)
		return v;
	buf_init(&v->b, 0);
	v->ready = true;
	if ((pr = base_presence(c->r, c->o, c->p->force_unavailable)) == NULL)
		return v;
	if (unavail)
		x_set_attr(pr, "type", "unavailable");
	x = add_x(pr, c->p->codes, c->p->ncodes, c->p->extra);
	add_items(x, c->r, c->o, k == V_ANON, c->p->nick, c->actor_nick,
	    k == V_FULL ? c->p->actor : NULL, c->p->reason);
	v->split = 1 + strlen(pr->name);
	if (x_serialize(pr, &v->b, NS_COMPONENT) == -1)
		buf_reset(&v->b);
	else
		fanout_begin(&v->fo, c->r->mucd, v->b.data, v->b.len,
		    v->split);
	x_free(pr);
	return v;
}

static void
send_variant(struct pubctx *c, const struct occupant *to, enum vkind k,
    bool unavail)
{
	struct variant *v = get_variant(c, k, unavail);

	if (v->b.len > 0)
		room_fanout_occupant(&v->fo, to);
}

/* Send what the variants' fan-outs hold; free them. */
static void
variants_end(struct pubctx *c)
{
	struct variant *v;
	int i, j;

	for (i = 0; i < V_KINDS; i++)
		for (j = 0; j < 2; j++) {
			v = &c->v[i][j];
			if (!v->ready)
				continue;
			if (v->b.len > 0)
				fanout_end(&v->fo);
			buf_free(&v->b);
			v->ready = false;
		}
}

static enum vkind
kind_for(const struct pubctx *c, const struct occupant *rec)
{
	if (room_role_sees_jids(c->r, rec->role))
		return V_FULL;
	if (strcmp(rec->bare, c->o->bare) == 0)
		return V_SELF;
	return V_ANON;
}

/* The occupant's own view: its codes, full JIDs, no actor JID, 110. */
static struct xnode *
self_x(struct pubctx *c, struct xnode *parent)
{
	struct xnode *x, *st;
	int i;

	x = add_x(parent, c->p->codes, c->p->ncodes, c->p->extra);
	for (i = 0; i < c->p->nself_codes; i++) {
		st = x_add(x, "status", NULL);
		x_set_attrf(st, "code", "%d", c->p->self_codes[i]);
	}
	add_items(x, c->r, c->o, false, c->p->nick, c->actor_nick, NULL,
	    c->p->reason);
	st = x_add(x, "status", NULL);
	x_set_attr(st, "code", "110");
	return x;
}

static void
publicise_self(struct pubctx *c)
{
	struct occupant *o = c->o;
	struct session *s;
	struct xnode *pr;

	for (s = o->sessions; s != NULL; s = s->next) {
		/* Leaving occupants get the room's view of their departure;
		 * present ones see each session's own presence. */
		if (o->role == ROLE_NONE)
			pr = base_presence(c->r, o, c->p->force_unavailable);
		else
			pr = session_presence(o, s);
		if (pr == NULL)
			continue;
		self_x(c, pr);
		x_set_attr(pr, "to", s->jid);
		mucd_send_free(c->r->mucd, pr);
	}
}

void
occupant_publicise(struct room *r, struct occupant *o, const struct pub *p)
{
	struct pubctx c = { .r = r, .o = o, .p = p };
	unsigned bcast = r->cfg.presence_broadcast;
	struct occupant *n, *actor_occ;
	const char *k;
	size_t i;
	int others = 0;

	if (p->actor != NULL &&
	    (actor_occ = room_occupant_by_jid(r, p->actor)) != NULL)
		c.actor_nick = actor_occ->nick;
	if (p->recipient != NULL) {
		send_variant(&c, p->recipient, kind_for(&c, p->recipient), false);
		goto done;
	}
	/* Whether others see o at all does not depend on who they are:
	 * decide once, so a role the room does not broadcast costs O(1). */
	if ((bcast & role_bit(o->role)) || p->force_unavailable)
		others = 1;
	else if (p->has_prev_role && (bcast & role_bit(p->prev_role)))
		others = 2;
	for (i = 0; others && !p->self_only &&
	    hmap_next(&r->occupants, &i, &k, (void **)&n); ) {
		/* Those removed together are not told about each other:
		 * they are already out of the room (as in Prosody). */
		if (n == o || strcmp(n->nick, o->nick) == 0 || n->leaving)
			continue;
		send_variant(&c, n, kind_for(&c, n), others == 2);
	}
	/* Everyone else first, as before there were batches. */
	variants_end(&c);
	publicise_self(&c);
done:
	variants_end(&c);
}

void
presence_send_occupant_list(struct room *r, const char *to_full,
    const char *to_bare, const struct occupant *except)
{
	bool anon = room_is_anonymous_for(r, to_full, to_bare);
	unsigned bcast = r->cfg.presence_broadcast;
	struct occupant *n;
	struct affil *a;
	struct xnode *pr, *x;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&n); ) {
		bool shown = bcast & role_bit(n->role), same;

		/* Cheapest test first: in a room that broadcasts only some
		 * roles most occupants fail it. A session of to_full can
		 * only belong to an occupant with the same bare JID. */
		if (n == except || (!shown && n->bare[0] != to_bare[0]))
			continue;
		same = strcmp(n->bare, to_bare) == 0;
		if ((!same && !shown) ||
		    (same && occupant_session(n, to_full) != NULL))
			continue;
		if ((pr = base_presence(r, n, false)) == NULL)
			continue;
		x = x_add(pr, "x", NS_MUC_USER);
		add_items(x, r, n, anon && !same, NULL, NULL, NULL, NULL);
		x_set_attr(pr, "to", to_full);
		mucd_send_free(r->mucd, pr);
	}
	if (!(bcast & ROLEBIT_NONE))
		return;
	/* Affiliated users who are not here, when the room shows role
	 * "none": as unavailable presences (Prosody does the same). */
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); ) {
		char from[JID_MAX + 1];

		/* Present users were listed above; bare_count keeps this
		 * O(affiliations), not affiliations times occupants. */
		if ((a->nick == NULL && anon) ||
		    room_sessions_of(r, a->bare) > 0)
			continue;
		if (jid_compose(from, sizeof(from), r->node,
		    r->mucd->conf.domain, a->nick) == -1)
			continue;
		pr = x_new("presence", NS_COMPONENT);
		x_set_attr(pr, "from", from);
		x_set_attr(pr, "to", to_full);
		x_set_attr(pr, "type", "unavailable");
		add_item(x_add(pr, "x", NS_MUC_USER), a->aff, ROLE_NONE,
		    anon ? NULL : a->bare, a->nick, NULL, NULL, NULL);
		mucd_send_free(r->mucd, pr);
	}
}

void
presence_evacuate(struct room *r, int code)
{
	struct occupant *o;
	struct pub p = { 0 };
	const char *k;
	size_t i;

	p.codes = &code;
	p.ncodes = 1;
	p.self_only = true;
	p.has_prev_role = true;
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); ) {
		p.prev_role = o->role;
		o->role = ROLE_NONE;
		occupant_publicise(r, o, &p);
	}
}

void
presence_drop_occupant(struct room *r, struct occupant *o)
{
	room_remove_occupant(r, o);
	room_check_empty(r);
}

/* Checks before entering or changing nick. */

struct deny {
	const char	*type, *cond, *text, *by;
};

static bool
deny(struct deny *d, const char *type, const char *cond, const char *text,
    const char *by)
{
	d->type = type;
	d->cond = cond;
	d->text = text;
	d->by = by;
	return false;
}

static bool
nick_acceptable(const struct mucd *m, const char *by, const char *nick,
    struct deny *d)
{
	size_t len = strlen(nick);

	if (strspn(nick, " \t\r\n") == len)
		return deny(d, ERR_MODIFY, "not-allowed",
		    "Invisible Nicknames are forbidden", by);
	if (utf8_len(nick, len) > m->conf.max_nick_length)
		return deny(d, ERR_MODIFY, "not-acceptable",
		    "Nickname too long", by);
	return true;
}

/*
 * Reserved nicknames: nobody may take another user's reserved nick; with
 * reserved_nicks = enforce or assign, a user with a reservation must use
 * it (enforce refuses, assign renames on entry and refuses changes).
 */
static bool
nick_policy(const struct room *r, const char *bare, const char *nick,
    bool joining, const char **assigned, struct deny *d)
{
	const char *owner = room_nick_owner(r, nick), *mine;
	enum nick_policy pol = r->mucd->conf.reserved_nicks;

	if (owner != NULL && strcmp(owner, bare) != 0)
		return deny(d, ERR_CANCEL, "conflict", NULL, r->jid);
	/* Nor one that merely looks like someone else's (Cyrillic 'о' for
	 * 'o' and the like): an impersonation, not a different name. */
	if (room_lookalike_owner(r, nick, bare) != NULL &&
	    room_occupant(r, nick) == NULL)
		return deny(d, ERR_CANCEL, "conflict",
		    "That nickname looks like one already in use", r->jid);
	if (pol == NICKS_OPEN || (mine = room_reserved_nick(r, bare)) == NULL ||
	    strcmp(mine, nick) == 0)
		return true;
	if (joining && pol == NICKS_ASSIGN) {
		*assigned = mine;
		return true;
	}
	return deny(d, ERR_CANCEL, "not-acceptable",
	    "You must use your reserved nickname", r->jid);
}

static bool
password_ok(const struct room *r, const struct xnode *muc_x)
{
	const char *pw;

	if (r->cfg.password == NULL || muc_x == NULL)
		return true;
	pw = x_child_text(muc_x, "password", NS_MUC);
	return pw != NULL && strcmp(pw, r->cfg.password) == 0;
}

static bool
may_enter(struct room *r, const struct jid *from, const struct xnode *muc_x,
    const char *nick, const char **assigned, bool creating, struct deny *d)
{
	enum store_aff aff = room_affiliation(r, from->bare);

	if (!nick_acceptable(r->mucd, r->jid, nick, d) ||
	    !nick_policy(r, from->bare, nick, true, assigned, d))
		return false;
	if (r->cfg.members_only && aff_rank(aff) <= aff_rank(AFF_NONE))
		return deny(d, ERR_AUTH, "registration-required", NULL, r->jid);
	if (aff == AFF_OUTCAST)
		return deny(d, ERR_AUTH, "forbidden", NULL, r->jid);
	if (!password_ok(r, muc_x))
		return deny(d, ERR_AUTH, "not-authorized", NULL, r->jid);
	if (!creating && room_is_locked(r))
		return deny(d, ERR_CANCEL, "item-not-found", NULL,
		    r->mucd->conf.domain);
	return true;
}

static bool
room_full(const struct room *r, const char *bare)
{
	unsigned limit = r->cfg.max_occupants, hard = r->mucd->conf.max_occupants;

	if (limit == 0 || limit > hard)
		limit = hard;
	if (room_count_occupants(r) < limit)
		return false;
	/* Owners and admins may always enter (XEP-0045 7.2.10). */
	return aff_rank(room_affiliation(r, bare)) < aff_rank(AFF_ADMIN) ||
	    room_count_occupants(r) >= hard;
}

/* Joining: occupants' presence, own presence, history, subject. */

static void
welcome(struct room *r, struct occupant *o, const char *full,
    const char *bare, const struct xnode *st, const int *self_codes, int n,
    bool send_list, bool has_prev, enum role prev)
{
	struct pub p = { 0 };

	if (send_list)
		presence_send_occupant_list(r, full, bare, o);
	p.self_codes = self_codes;
	p.nself_codes = n;
	p.has_prev_role = has_prev;
	p.prev_role = prev;
	occupant_publicise(r, o, &p);
	if (send_list) {
		history_send(r, full, st);
		subject_send(r, full);
		vcard_announce(r, full);
	}
}

static int
entry_codes(const struct room *r, int *codes, bool created,
    bool renamed)
{
	int n = 0;

	if (created)
		codes[n++] = 201;
	if (r->cfg.whois == WHOIS_ANYONE)
		codes[n++] = 100;
	if (r->cfg.logging)
		codes[n++] = 170;
	if (renamed)
		codes[n++] = 210;
	return n;
}

static void
enter(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick, bool creating)
{
	const struct xnode *muc_x = x_child(st, "x", NS_MUC);
	const char *assigned = NULL;
	struct occupant *dest;
	struct deny d;
	int codes[4], n;
	bool first;

	if (!may_enter(r, from, muc_x, nick, &assigned, creating, &d)) {
		st_send_error(m, st, d.type, d.cond, d.text, d.by);
		return;
	}
	if (assigned != NULL)
		nick = assigned;
	dest = room_occupant(r, nick);
	if (dest != NULL && strcmp(dest->bare, from->bare) != 0) {
		st_send_error(m, st, ERR_CANCEL, "conflict", NULL, r->jid);
		return;
	}
	first = dest == NULL;
	if (first && room_full(r, from->bare)) {
		st_send_error(m, st, ERR_CANCEL, "service-unavailable",
		    "The room is full", r->jid);
		return;
	}
	if (room_sessions_of(r, from->bare) >= m->conf.max_sessions_per_jid) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    "Too many sessions for this address", r->jid);
		return;
	}
	if (first) {
		dest = occupant_new(r, nick, from->bare);
		if (dest == NULL) {
			st_send_error(m, st, ERR_WAIT, "resource-constraint",
			    NULL, r->jid);
			return;
		}
		dest->role = room_default_role(r,
		    room_affiliation(r, from->bare));
	}
	if (occupant_set_session(dest, from->full, st) == -1 ||
	    (first && room_add_occupant(r, dest) == -1)) {
		if (first)
			room_remove_occupant(r, dest);
		st_send_error(m, st, ERR_WAIT, "resource-constraint", NULL,
		    r->jid);
		return;
	}
	n = entry_codes(r, codes, creating, assigned != NULL);
	welcome(r, dest, from->full, from->bare, st, codes, n, true, false,
	    ROLE_NONE);
}

static void
leave(struct room *r, struct occupant *o, const struct xnode *st,
    const char *full)
{
	bool last = occupant_session_count(o) == 1;
	struct pub p = { 0 };

	p.has_prev_role = true;
	p.prev_role = o->role;
	if (last)
		o->role = ROLE_NONE;
	occupant_set_session(o, full, st);
	occupant_publicise(r, o, &p);
	if (last)
		presence_drop_occupant(r, o);
	else
		occupant_remove_session(o, full);
}

static void
update(struct room *r, struct occupant *o, struct xnode *st,
    const struct jid *from)
{
	bool rejoin = x_child(st, "x", NS_MUC) != NULL;
	int codes[4], n = 0;

	if (occupant_set_session(o, from->full, st) == -1)
		return;
	/* A join presence for a session already inside: the client lost
	 * track (e.g. reconnected with the same resource); resync it. */
	if (rejoin)
		n = entry_codes(r, codes, false, false);
	welcome(r, o, from->full, from->bare, st, codes, n, rejoin, true,
	    o->role);
}

static const struct xnode *
generated_unavailable(struct xnode **keep)
{
	*keep = x_new("presence", NS_COMPONENT);
	x_set_attr(*keep, "type", "unavailable");
	return *keep;
}

/* One session with its own nick moves to a new nick: 303. */
static void
simple_nick_change(struct room *r, struct occupant *o, struct xnode *st,
    const struct jid *from, const char *nick)
{
	static const int c303[] = { 303 };
	struct xnode *gen;
	struct pub p = { 0 };

	p.codes = c303;
	p.ncodes = 1;
	p.nick = nick;
	p.has_prev_role = true;
	p.prev_role = o->role;
	occupant_set_session(o, from->full, generated_unavailable(&gen));
	x_free(gen);
	occupant_publicise(r, o, &p);
	if (room_rename_occupant(r, o, nick) == -1 ||
	    occupant_set_session(o, from->full, st) == -1) {
		log_error("room %s: nick change failed (out of memory)", r->jid);
		o->role = ROLE_NONE;
		presence_drop_occupant(r, o);
		return;
	}
	welcome(r, o, from->full, from->bare, st, NULL, 0,
	    x_child(st, "x", NS_MUC) != NULL, true, p.prev_role);
}

/* o's presence, with full JIDs, to one session (its own user's). */
static void
show_occupant_to(struct room *r, struct occupant *o, const char *full)
{
	struct xnode *pr = base_presence(r, o, false);

	if (pr == NULL)
		return;
	add_items(x_add(pr, "x", NS_MUC_USER), r, o, false, NULL, NULL, NULL,
	    NULL);
	x_set_attr(pr, "to", full);
	mucd_send_free(r->mucd, pr);
}

/*
 * A session leaves a multi-session nick, or joins another user session's
 * nick: the session sees itself leave with 303, others see orig's
 * presence change (or it leave), then the session joins dest.
 */
static void
session_moves(struct mucd *m, struct room *r, struct occupant *orig,
    struct xnode *st, const struct jid *from, const char *nick)
{
	static const int c303[] = { 303, 110 };
	struct occupant *dest = room_occupant(r, nick);
	bool first = dest == NULL, last = occupant_session_count(orig) == 1;
	enum role prev = orig->role;
	struct xnode *pr, *x;
	struct pub p = { 0 };
	int i;

	if (first && (dest = occupant_new(r, nick, from->bare)) == NULL)
		return;
	if (first)
		dest->role = orig->role;
	/* The session's private view of leaving its old nick. */
	pr = x_new("presence", NS_COMPONENT);
	x_set_attr(pr, "from", orig->occjid);
	x_set_attr(pr, "to", from->full);
	x_set_attr(pr, "type", "unavailable");
	x = x_add(pr, "x", NS_MUC_USER);
	add_item(x, room_affiliation(r, from->bare), orig->role, from->full,
	    nick, NULL, NULL, NULL);
	for (i = 0; i < 2; i++)
		x_set_attrf(x_add(x, "status", NULL), "code", "%d", c303[i]);
	mucd_send_free(m, pr);
	occupant_remove_session(orig, from->full);
	p.has_prev_role = true;
	p.prev_role = prev;
	if (last)
		orig->role = ROLE_NONE;
	occupant_publicise(r, orig, &p);
	if (last)
		room_remove_occupant(r, orig);
	if (occupant_set_session(dest, from->full, st) == -1 ||
	    (first && room_add_occupant(r, dest) == -1)) {
		if (first)
			room_remove_occupant(r, dest);
		room_check_empty(r);
		return;
	}
	welcome(r, dest, from->full, from->bare, st, NULL, 0,
	    x_child(st, "x", NS_MUC) != NULL, true, prev);
	/* The old nick lives on in the other sessions: show the moving
	 * session that it is still there. */
	if (!last)
		show_occupant_to(r, orig, from->full);
}

static void
change_nick(struct mucd *m, struct room *r, struct occupant *orig,
    struct xnode *st, const struct jid *from, const char *nick)
{
	struct occupant *dest = room_occupant(r, nick);
	const char *assigned = NULL;
	struct deny d;

	if (!nick_acceptable(m, r->jid, nick, &d) ||
	    !nick_policy(r, from->bare, nick, false, &assigned, &d)) {
		st_send_error(m, st, d.type, d.cond, d.text, d.by);
		return;
	}
	if (dest != NULL && strcmp(dest->bare, from->bare) != 0) {
		st_send_error(m, st, ERR_CANCEL, "conflict", NULL, r->jid);
		return;
	}
	if (dest == NULL && occupant_session_count(orig) == 1)
		simple_nick_change(r, orig, st, from, nick);
	else
		session_moves(m, r, orig, st, from, nick);
}

/* Probes: answer with the occupant's current presence. */
static void
probe(struct mucd *m, struct room *r, struct xnode *st, const struct jid *from,
    const char *nick)
{
	struct occupant *prober = room_occupant_by_jid(r, from->full);
	struct occupant *probed;
	const char *owner;
	struct xnode *pr, *x;
	struct pub p = { 0 };
	bool anon;

	if (prober == NULL) {
		st_send_error(m, st, ERR_CANCEL, "not-acceptable",
		    TEXT_NOT_IN_ROOM, r->jid);
		return;
	}
	if ((probed = room_occupant(r, nick)) != NULL) {
		p.recipient = prober;
		occupant_publicise(r, probed, &p);
		return;
	}
	/* Absent but registered: unavailable, role none. */
	if ((owner = room_nick_owner(r, nick)) == NULL)
		return;
	anon = room_is_anonymous_for(r, from->full, from->bare);
	pr = x_new("presence", NS_COMPONENT);
	x_set_attrf(pr, "from", "%s/%s", r->jid, nick);
	x_set_attr(pr, "to", from->full);
	x_set_attr(pr, "type", "unavailable");
	x = x_add(pr, "x", NS_MUC_USER);
	add_item(x, room_affiliation(r, owner), ROLE_NONE, anon ? NULL : owner,
	    nick, NULL, NULL, NULL);
	mucd_send_free(m, pr);
}

void
presence_kick_on_error(struct room *r, struct occupant *o, const char *full,
    const struct xnode *err)
{
	static const int c333[] = { 333 };
	const char *cond = st_error_condition(err), *text;
	struct xnode *pr;
	struct pub p = { 0 };
	char msg[256], *c;
	bool last;

	snprintf(msg, sizeof(msg), "Kicked: %s", cond ? cond : "presence error");
	for (c = msg + 8; *c != '\0'; c++)
		if (*c == '-')
			*c = ' ';
	text = x_child_text(x_child(err, "error", NULL), "text", NS_STANZAS);
	if (text != NULL && r->cfg.whois == WHOIS_ANYONE)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ": %s",
		    text);
	utf8_chop(msg);		/* the text may be cut inside a character */
	pr = x_new("presence", NS_COMPONENT);
	x_set_attr(pr, "type", "unavailable");
	x_add_child_text(pr, "status", msg);
	occupant_set_session(o, full, pr);
	x_free(pr);
	last = o->primary == occupant_session(o, full);
	p.has_prev_role = true;
	p.prev_role = o->role;
	if (last) {
		o->role = ROLE_NONE;
		p.codes = c333;
		p.ncodes = 1;
	}
	log_info("room %s: %s removed after its client bounced an error (%s)",
	    r->jid, full, cond ? cond : "no condition");
	occupant_publicise(r, o, &p);
	if (last)
		presence_drop_occupant(r, o);
	else
		occupant_remove_session(o, full);
}

void
presence_to_occupant(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick)
{
	const char *type = st_type(st);
	struct occupant *orig = room_occupant_by_jid(r, from->full);

	if (strcmp(type, "error") == 0) {
		if (orig != NULL)
			presence_kick_on_error(r, orig, from->full, st);
		return;
	}
	if (strcmp(type, "probe") == 0) {
		probe(m, r, st, from, nick);
		return;
	}
	if (strcmp(type, "unavailable") == 0) {
		/* Leaving cannot be refused: too large, it leaves bare. */
		if (!st_fits_out(m, st, ST_RELAY_ROOM))
			while (st->first != NULL)
				x_unlink(st->first);
		if (orig != NULL)
			leave(r, orig, st, from->full);
		return;
	}
	if (*type != '\0') {
		/* subscribe & co. make no sense here; ejabberd's XEP-0018
		 * visible/invisible are ignored as Prosody does. */
		if (strcmp(type, "visible") && strcmp(type, "invisible") &&
		    strcmp(type, "result"))
			st_send_error(m, st, ERR_MODIFY, "bad-request", NULL,
			    r->jid);
		return;
	}
	if (too_large(m, st, r->jid))
		return;
	if (orig == NULL) {
		if (x_child(st, "x", NS_MUC) == NULL) {
			st_send_error(m, st, ERR_CANCEL, "item-not-found",
			    TEXT_NOT_IN_ROOM, r->jid);
			return;
		}
		if (!ratelimit_jid(m, from->bare, RATE_PRESENCE)) {
			st_send_error(m, st, ERR_WAIT, "resource-constraint",
			    "Too many attempts to enter; slow down", r->jid);
			return;
		}
		enter(m, r, st, from, nick, false);
		return;
	}
	/* Updates and nick changes from occupants are limited per occupant
	 * (admins exempt): a flood of presence is a flood to everyone. */
	if (!mucd_is_admin(m, from->bare) &&
	    !ratelimit_take(m, &orig->rate_pres, m->conf.rate_presence)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    "You are changing your presence too fast", r->jid);
		return;
	}
	if (strcmp(orig->nick, nick) == 0)
		update(r, orig, st, from);
	else
		change_nick(m, r, orig, st, from, nick);
}

void
presence_to_room(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	struct occupant *o = room_occupant_by_jid(r, from->full);
	const char *type = st_type(st);

	/* Some clients address updates (and leaving) to the bare room. */
	if (o != NULL) {
		char nick[JID_PART_MAX + 1];

		snprintf(nick, sizeof(nick), "%s", o->nick);
		presence_to_occupant(m, r, st, from, nick);
		return;
	}
	/* Entering needs a nick (XEP-0045 7.2.1). */
	if (*type == '\0' && x_child(st, "x", NS_MUC) != NULL)
		st_send_error(m, st, ERR_MODIFY, "jid-malformed",
		    "A nickname is required to enter the room", r->jid);
}

static bool
creation_allowed(struct mucd *m, const struct jid *from)
{
	size_t i;

	if (mucd_is_admin(m, from->bare))
		return true;
	switch (m->conf.room_creation) {
	case CREATE_ANYONE:
		return true;
	case CREATE_ADMINS:
		return false;
	case CREATE_LOCAL:
		for (i = 0; i < m->conf.nlocal_domains; i++)
			if (strcmp(from->domain, m->conf.local_domains[i]) == 0)
				return true;
		return false;
	}
	return false;
}

/*
 * max_rooms counts the rooms in memory: what the issue measured growing
 * (20,000 rooms, +65 MB), and what a count can cover without a scan of
 * the database, which start-up never does. Stored rooms that are not in
 * use cost disk only; idle ones are evicted first to make room, since
 * they are read back when next used.
 */
static bool
service_full(struct mucd *m)
{
	if (m->conf.max_rooms == 0 ||
	    hmap_count(&m->rooms) < m->conf.max_rooms)
		return false;
	rooms_evict_idle(m, 0);
	return hmap_count(&m->rooms) >= m->conf.max_rooms;
}

static unsigned
rooms_created_by(struct mucd *m, const char *bare)
{
	struct room *r;
	const char *k;
	unsigned n = 0;
	size_t i;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (r->creator != NULL && strcmp(r->creator, bare) == 0)
			n++;
	return n;
}

void
presence_create_room(struct mucd *m, const char *roomjid, struct xnode *st,
    const struct jid *from, const char *nick)
{
	const struct xnode *muc_x = x_child(st, "x", NS_MUC);
	const char *type = st_type(st), *pw, *lang;
	struct room *r;
	struct deny d;

	if (strcmp(type, "error") == 0)
		return;
	if (*type != '\0' || muc_x == NULL) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL,
		    m->conf.domain);
		return;
	}
	if (too_large(m, st, m->conf.domain))
		return;
	if (!ratelimit_jid(m, from->bare, RATE_PRESENCE)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    "Too many attempts to enter; slow down", m->conf.domain);
		return;
	}
	if (utf8_len(roomjid, strcspn(roomjid, "@")) >
	    m->conf.max_roomname_length) {
		st_send_error(m, st, ERR_MODIFY, "not-acceptable",
		    "Room name too long", m->conf.domain);
		return;
	}
	if (!creation_allowed(m, from)) {
		st_send_error(m, st, ERR_CANCEL, "not-allowed",
		    "Room creation is restricted", m->conf.domain);
		return;
	}
	if (m->conf.max_rooms_per_user > 0 && !mucd_is_admin(m, from->bare) &&
	    rooms_created_by(m, from->bare) >= m->conf.max_rooms_per_user) {
		st_send_error(m, st, ERR_WAIT, "policy-violation",
		    "Too many rooms created by this address", m->conf.domain);
		return;
	}
	if (!mucd_is_admin(m, from->bare) && service_full(m)) {
		st_send_error(m, st, ERR_WAIT, "policy-violation",
		    "The service has too many rooms", m->conf.domain);
		return;
	}
	if (!nick_acceptable(m, roomjid, nick, &d)) {
		st_send_error(m, st, d.type, d.cond, d.text, d.by);
		return;
	}
	if ((r = room_create(m, roomjid, from->bare)) == NULL) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint", NULL,
		    m->conf.domain);
		return;
	}
	log_info("room %s created by %s", roomjid, from->full);
	if (room_affil_put(r, from->bare, AFF_OWNER, NULL, NULL) == -1) {
		room_forget(r);
		st_send_error(m, st, ERR_WAIT, "resource-constraint", NULL,
		    m->conf.domain);
		return;
	}
	if ((lang = x_attr_ns(st, XML_NS_XML, "lang")) != NULL) {
		free(r->cfg.lang);
		r->cfg.lang = strdup(lang);
	}
	if ((pw = x_child_text(muc_x, "password", NS_MUC)) != NULL && *pw)
		r->cfg.password = strdup(pw);
	if (m->conf.room_locking) {
		r->locked = true;
		r->lock_until = loop_now_ms() +
		    (uint64_t)m->conf.room_lock_timeout * 1000;
	}
	enter(m, r, st, from, nick, true);
	if (room_count_occupants(r) == 0)
		room_forget(r);
	else if (r->cfg.persistent)
		room_save(r);
}
