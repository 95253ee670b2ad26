#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mucd.h"
#include "presence.h"
#include "stanza.h"

#define MAX_ITEMS	256	/* items in one muc#admin set */

/* The affiliation as stored, ignoring service admins and domain bans. */
static enum store_aff
raw_aff(const struct room *r, const char *bare)
{
	const struct affil *a = room_affil(r, bare);

	return a ? a->aff : AFF_NONE;
}

static const char *
bare_of(const char *full, char *out, size_t outlen)
{
	const char *slash = strchr(full, '/');
	size_t n = slash ? (size_t)(slash - full) : strlen(full);

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, full, n);
	out[n] = '\0';
	return out;
}

/* Permission rules of XEP-0045 §9/§10 as Prosody applies them. */
static int
may_change(const struct room *r, const char *actor, const struct aff_change *c,
    struct muc_err *e)
{
	char abare[JID_BARE_MAX + 1];
	enum store_aff actor_aff, target = raw_aff(r, c->bare);

	/* A rule, not a bad value: the same request can never succeed. */
	if (mucd_is_admin(r->mucd, c->bare) && c->aff != AFF_OWNER)
		return st_refuse(e, ERR_CANCEL, "not-allowed",
		    "Service administrators are owners of every room");
	if (actor == NULL)
		return 0;
	actor_aff = room_affiliation(r, bare_of(actor, abare, sizeof(abare)));
	if (actor_aff == AFF_OWNER)
		return 0;
	if (c->aff == AFF_OWNER || c->aff == AFF_ADMIN ||
	    actor_aff != AFF_ADMIN || target == AFF_OWNER ||
	    target == AFF_ADMIN)
		return st_refuse(e, ERR_CANCEL, "not-allowed", NULL);
	return 0;
}

static const struct aff_change *
in_batch(const struct aff_change *c, size_t n, const char *bare)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].bare, bare) == 0)
			return &c[i];
	return NULL;
}

/* The nick c will hold after the change. */
static const char *
final_nick(const struct room *r, const struct aff_change *c)
{
	if (c->aff == AFF_NONE || c->drop_nick)
		return NULL;
	if (c->nick != NULL)
		return c->nick;
	return room_reserved_nick(r, c->bare);
}

/*
 * max_affiliations: every affiliation is state a user can grow (12,000
 * members in 50 requests) and a list someone can ask for, so a room has
 * a cap. Refused with not-allowed, not resource-constraint: nothing is
 * short of resources, and waiting does not help; removing entries does.
 */
static int
check_count(const struct room *r, const struct aff_change *c, size_t n,
    struct muc_err *e)
{
	unsigned max = r->mucd->conf.max_affiliations;
	size_t i, count = hmap_count(&r->affs), after = count;

	for (i = 0; i < n; i++) {
		if (c[i].aff != AFF_NONE && room_affil(r, c[i].bare) == NULL)
			after++;
		else if (c[i].aff == AFF_NONE && room_affil(r, c[i].bare))
			after--;
	}
	if (max == 0 || after <= count || after <= max)
		return 0;
	return st_refuse(e, ERR_CANCEL, "not-allowed", "The room has reached "
	    "its limit of affiliations; remove some first");
}

static int
check_batch(const struct room *r, const char *actor,
    const struct aff_change *c, size_t n, struct muc_err *e)
{
	const struct aff_change *other;
	const struct affil *a;
	const char *k, *owner;
	size_t i, j, owners_before = 0, owners_after = 0;

	for (i = 0; i < n; i++) {
		if (in_batch(c, i, c[i].bare) != NULL)
			return st_refuse(e, ERR_MODIFY, "bad-request",
			    "The same JID appears twice");
		if (may_change(r, actor, &c[i], e) == -1)
			return -1;
		if (c[i].nick == NULL || c[i].aff == AFF_NONE)
			continue;
		/* Unique nick: not held by someone who keeps it. */
		owner = room_nick_owner(r, c[i].nick);
		if (owner != NULL && strcmp(owner, c[i].bare) != 0 &&
		    ((other = in_batch(c, n, owner)) == NULL ||
		    final_nick(r, other) != NULL))
			return st_refuse(e, ERR_CANCEL, "conflict",
			    "That nickname is reserved by someone else");
		for (j = 0; j < i; j++)
			if (final_nick(r, &c[j]) != NULL &&
			    strcmp(final_nick(r, &c[j]), c[i].nick) == 0)
				return st_refuse(e, ERR_CANCEL, "conflict",
				    "The same nickname twice");
	}
	/* A room keeps at least one owner. */
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); ) {
		if (a->aff != AFF_OWNER)
			continue;
		owners_before++;
		if ((other = in_batch(c, n, a->bare)) == NULL ||
		    other->aff == AFF_OWNER)
			owners_after++;
	}
	for (i = 0; i < n; i++)
		if (c[i].aff == AFF_OWNER && raw_aff(r, c[i].bare) != AFF_OWNER)
			owners_after++;
	if (owners_before > 0 && owners_after == 0)
		return st_refuse(e, ERR_CANCEL, "conflict",
		    "The room must keep at least one owner");
	return check_count(r, c, n, e);
}

struct batch {
	const struct aff_change	*c;
	size_t			 n;
};

static int
write_batch(struct room *r, struct store_txn *txn, void *arg)
{
	const struct batch *b = arg;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++)
		if ((rc = room_store_aff(r, txn, b->c[i].bare, b->c[i].aff,
		    final_nick(r, &b->c[i]), b->c[i].reason)) != STORE_OK)
			return rc;
	return STORE_OK;
}

static bool
same_nick(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* For the audit trail: each change, from what it was. A change that
 * changes nothing (a ban repeated with a new reason) is still noted. */
static void
note_changes(struct room *r, const struct aff_change *c, size_t n)
{
	const char *was;
	enum store_aff prev;
	size_t i;

	for (i = 0; i < n; i++) {
		prev = raw_aff(r, c[i].bare);
		was = room_reserved_nick(r, c[i].bare);
		if (prev != c[i].aff || same_nick(was, final_nick(r, &c[i])))
			audit_note(r->mucd, r->jid, "affiliation", c[i].bare,
			    aff_name(prev), aff_name(c[i].aff), c[i].reason);
		if (!same_nick(was, final_nick(r, &c[i])))
			audit_note(r->mucd, r->jid, "nick", c[i].bare, was,
			    final_nick(r, &c[i]), c[i].reason);
	}
}

int
affiliation_store(struct room *r, struct store_txn *txn,
    const struct aff_change *c, size_t n)
{
	struct batch b = { c, n };
	int rc;

	note_changes(r, c, n);
	if (txn == NULL)
		return STORE_OK;
	if ((rc = write_batch(r, txn, &b)) != STORE_OK)
		audit_discard(r->mucd);
	return rc;
}

static int
store_batch(struct room *r, const struct aff_change *c, size_t n,
    struct muc_err *e)
{
	struct batch b = { c, n };
	struct mucd *m = r->mucd;
	int rc;

	note_changes(r, c, n);
	if ((rc = room_txn_run(r, write_batch, &b)) == STORE_OK)
		return 0;
	if (rc == STORE_CONFLICT)
		return st_refuse(e, ERR_CANCEL, "conflict",
		    "That nickname is reserved by someone else");
	m->stats.store_errors++;
	log_error("room %s: storing affiliations: %s", r->jid,
	    store_errmsg(m->store));
	if (rc == STORE_FULL)
		return st_refuse(e, ERR_WAIT, "resource-constraint",
		    "Storage is full");
	return st_refuse(e, ERR_WAIT, "internal-server-error",
	    "Could not store the change");
}

static bool
matches(const struct occupant *o, const struct aff_change *c)
{
	const char *at;

	if (strcmp(o->bare, c->bare) == 0)
		return true;
	/* Outcasting a whole domain removes everyone from it. */
	at = strchr(o->bare, '@');
	return c->aff == AFF_OUTCAST && strchr(c->bare, '@') == NULL &&
	    at != NULL && strcmp(at + 1, c->bare) == 0;
}

static void
announce_out_of_room(struct room *r, const struct aff_change *c,
    const int *codes, int ncodes)
{
	struct xnode *msg, *x, *item;
	enum role min = r->cfg.whois == WHOIS_MODERATORS ? ROLE_MODERATOR :
	    ROLE_NONE;
	int j;

	msg = x_new("message", NS_COMPONENT);
	x_set_attr(msg, "from", r->jid);
	x = x_add(msg, "x", NS_MUC_USER);
	for (j = 0; j < ncodes; j++)
		x_set_attrf(x_add(x, "status", NULL), "code", "%d", codes[j]);
	item = x_add(x, "item", NULL);
	x_set_attr(item, "jid", c->bare);
	x_set_attr(item, "affiliation", aff_name(c->aff));
	if (c->reason != NULL)
		x_add_child_text(item, "reason", c->reason);
	/* Only those who may see real JIDs learn about them (XEP-0045
	 * example 195). */
	room_broadcast(r, msg, room_role_at_least, &min);
	x_free(msg);
}

void
affiliation_effects(struct room *r, const char *actor,
    const struct aff_change *c, enum store_aff prev, bool announce)
{
	enum role role = room_default_role(r, room_affiliation(r, c->bare));
	bool downgrade = aff_rank(prev) > aff_rank(c->aff);
	struct occupant *o, **hit;
	enum role *old;
	struct pub p = { 0 };
	int codes[1], ncodes = 0;
	const char *k;
	size_t i, n = 0, cap = 0;

	if (role == ROLE_NONE)
		codes[ncodes++] = c->aff == AFF_OUTCAST ? 301 : 321;
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); )
		cap += matches(o, c);
	if (cap == 0) {
		if (announce)
			announce_out_of_room(r, c, codes, ncodes);
		return;
	}
	hit = calloc(cap, sizeof(*hit));
	old = calloc(cap, sizeof(*old));
	if (hit == NULL || old == NULL) {
		free(hit);
		free(old);
		log_error("room %s: out of memory announcing a change", r->jid);
		return;
	}
	/* Collect first: publicising may remove occupants from the map. */
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); ) {
		if (!matches(o, c))
			continue;
		hit[n] = o;
		old[n++] = o->role;
		if (o->role != role && (downgrade || o->role < role)) {
			o->role = role;
			room_occupant_touched(o);
		}
		o->leaving = o->role == ROLE_NONE;
	}
	p.codes = codes;
	p.ncodes = ncodes;
	p.actor = actor;
	p.reason = c->reason;
	p.has_prev_role = true;
	for (i = 0; i < n; i++) {
		o = hit[i];
		p.prev_role = old[i];
		occupant_publicise(r, o, &p);
		if (o->role == ROLE_NONE)
			room_remove_occupant(r, o);
		else if (r->cfg.whois == WHOIS_MODERATORS &&
		    (old[i] == ROLE_MODERATOR) != (o->role == ROLE_MODERATOR)) {
			/* JID visibility changed: show the room again. */
			struct session *s;

			for (s = o->sessions; s != NULL; s = s->next)
				presence_send_occupant_list(r, s->jid, o->bare,
				    o);
		}
	}
	free(hit);
	free(old);
}

int
affiliation_check(const struct room *r, const char *actor,
    const struct aff_change *c, size_t n, struct muc_err *e)
{
	return check_batch(r, actor, c, n, e);
}

int
affiliation_apply(struct room *r, const char *actor,
    const struct aff_change *c, size_t n, struct muc_err *e)
{
	if (check_batch(r, actor, c, n, e) == -1 ||
	    store_batch(r, c, n, e) == -1)
		return -1;
	affiliation_publish(r, actor, c, n);
	return 0;
}

void
affiliation_publish(struct room *r, const char *actor,
    const struct aff_change *c, size_t n)
{
	enum store_aff prev;
	struct occupant *squatter;
	struct muc_err ignored;
	char *nick;
	size_t i;

	room_hold(r);
	for (i = 0; i < n; i++) {
		/* Someone else sitting on a nick being reserved leaves. */
		if (c[i].nick != NULL && c[i].aff != AFF_NONE &&
		    (squatter = room_occupant(r, c[i].nick)) != NULL &&
		    strcmp(squatter->bare, c[i].bare) != 0)
			role_apply(r, NULL, squatter, ROLE_NONE,
			    "This nickname is reserved", &ignored);
		prev = raw_aff(r, c[i].bare);
		nick = final_nick(r, &c[i]) ? strdup(final_nick(r, &c[i])) :
		    NULL;
		if (room_affil_put(r, c[i].bare, c[i].aff, nick,
		    c[i].reason) == -1)
			log_error("room %s: out of memory applying an "
			    "affiliation", r->jid);
		free(nick);
		log_info("room %s: %s is now %s%s%s", r->jid, c[i].bare,
		    aff_name(c[i].aff), actor ? " by " : "",
		    actor ? actor : "");
		affiliation_effects(r, actor, &c[i], prev, true);
	}
	room_release(r);
}

/* Roles are not stored: the note is written when the request ends. */
static void
note_role(struct room *r, const struct occupant *o, enum role to,
    const char *reason)
{
	char who[JID_BARE_MAX + JID_PART_MAX + 4];

	snprintf(who, sizeof(who), "%s (%s)", o->nick, o->bare);
	audit_note(r->mucd, r->jid, to == ROLE_NONE ? "kick" : "role", who,
	    role_name(o->role), role_name(to), reason);
}

int
role_apply(struct room *r, const char *actor, struct occupant *o,
    enum role role, const char *reason, struct muc_err *e)
{
	static const int c307[] = { 307 };
	char abare[JID_BARE_MAX + 1];
	enum store_aff actor_aff, occ_aff;
	struct occupant *actor_occ;
	struct pub p = { 0 };

	if (actor != NULL) {
		actor_aff = room_affiliation(r, bare_of(actor, abare,
		    sizeof(abare)));
		occ_aff = room_affiliation(r, o->bare);
		if (aff_rank(actor_aff) < aff_rank(occ_aff))
			return st_refuse(e, ERR_CANCEL, "not-allowed", NULL);
		if ((o->role == ROLE_MODERATOR || role == ROLE_MODERATOR) &&
		    actor_aff != AFF_OWNER && actor_aff != AFF_ADMIN)
			return st_refuse(e, ERR_CANCEL, "not-allowed", NULL);
		actor_occ = room_occupant_by_jid(r, actor);
		if (actor_occ == NULL || actor_occ->role != ROLE_MODERATOR)
			return st_refuse(e, ERR_CANCEL, "not-allowed", NULL);
	}
	if (role == ROLE_NONE) {
		p.codes = c307;
		p.ncodes = 1;
	}
	p.actor = actor;
	p.reason = reason;
	p.has_prev_role = true;
	p.prev_role = o->role;
	note_role(r, o, role, reason);
	o->role = role;
	room_occupant_touched(o);
	log_info("room %s: %s is now %s%s%s", r->jid, o->nick, role_name(role),
	    actor ? " by " : "", actor ? actor : "");
	occupant_publicise(r, o, &p);
	if (role == ROLE_NONE)
		presence_drop_occupant(r, o);
	return 0;
}

int
role_kick(struct room *r, const char *nick, const char *reason,
    struct muc_err *e)
{
	struct occupant *o = room_occupant(r, nick);

	if (o == NULL)
		return st_refuse(e, ERR_CANCEL, "item-not-found",
		    "No such occupant");
	return role_apply(r, NULL, o, ROLE_NONE, reason, e);
}

/* muc#admin get: lists by affiliation or by role. */

static bool
may_list_affiliation(const struct room *r, const char *full,
    const char *bare, enum store_aff want)
{
	enum store_aff aff = room_affiliation(r, bare);
	const struct occupant *o = room_occupant_by_jid(r, full);
	enum role role = o ? o->role : room_default_role(r, aff);

	if (aff_rank(aff) >= aff_rank(AFF_ADMIN) &&
	    aff_rank(aff) >= aff_rank(want))
		return true;
	/* Prosody: members read lists of non-anonymous members-only rooms. */
	if (r->cfg.members_only && r->cfg.whois == WHOIS_ANYONE &&
	    aff_rank(aff) >= aff_rank(AFF_MEMBER))
		return true;
	/* muc#roomconfig_getmemberlist: roles allowed the member list. */
	return want == AFF_MEMBER && role != ROLE_NONE &&
	    (r->cfg.getmemberlist & (1u << role)) != 0;
}

static void
list_affiliation(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, enum store_aff want)
{
	struct xnode *q, *item;
	struct affil *a;
	const char *k;
	size_t i;

	if (!may_list_affiliation(r, from->full, from->bare, want)) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return;
	}
	q = x_new("query", NS_MUC_ADMIN);
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); ) {
		if (a->aff != want)
			continue;
		item = x_add(q, "item", NULL);
		x_set_attr(item, "affiliation", aff_name(a->aff));
		x_set_attr(item, "jid", a->bare);
		if (a->nick != NULL)
			x_set_attr(item, "nick", a->nick);
		/* The ban list shows why (XEP-0045 9.5, as Prosody 13). */
		if (a->aff == AFF_OUTCAST && a->reason != NULL)
			x_add_child_text(item, "reason", a->reason);
	}
	st_send_result(m, st, q);
}

static void
list_role(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, enum role want)
{
	const struct occupant *me = room_occupant_by_jid(r, from->full), *o;
	enum role role = me ? me->role :
	    room_default_role(r, room_affiliation(r, from->bare));
	const struct session *s;
	struct xnode *q, *item;
	const char *k;
	size_t i;

	if (role != ROLE_MODERATOR) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return;
	}
	q = x_new("query", NS_MUC_ADMIN);
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); ) {
		if (o->role != want)
			continue;
		for (s = o->sessions; s != NULL; s = s->next) {
			if (s->unavailable && s != o->primary)
				continue;
			item = x_add(q, "item", NULL);
			x_set_attr(item, "affiliation",
			    aff_name(room_affiliation(r, o->bare)));
			x_set_attr(item, "role", role_name(o->role));
			x_set_attr(item, "jid", s->jid);
			x_set_attr(item, "nick", o->nick);
		}
	}
	st_send_result(m, st, q);
}

static void
admin_get(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *query)
{
	const struct xnode *item = x_child(query, "item", NS_MUC_ADMIN);
	const char *a = x_attr(item, "affiliation"), *ro = x_attr(item, "role");
	enum store_aff aff;
	enum role role;

	if (a != NULL && ro == NULL && aff_parse(a, &aff) == 0)
		list_affiliation(m, r, st, from, aff);
	else if (ro != NULL && a == NULL && role_parse(ro, &role) == 0)
		list_role(m, r, st, from, role);
	else
		st_send_error(m, st, ERR_CANCEL, "bad-request", NULL, NULL);
}

/* muc#admin set. */

struct admin_item {
	struct aff_change	 aff;		/* when is_aff */
	bool			 is_aff;
	struct occupant		*occ;		/* role changes */
	enum role		 role;
	const char		*reason;
	char			 nick[JID_PART_MAX + 1];
};

static int
parse_item(struct room *r, const struct xnode *item, struct admin_item *it,
    struct muc_err *e)
{
	const char *jid = x_attr(item, "jid"), *nick = x_attr(item, "nick");
	const char *a = x_attr(item, "affiliation"), *ro = x_attr(item, "role");
	const char *why;
	struct occupant *o;
	struct jid j;

	memset(it, 0, sizeof(*it));
	it->reason = x_child_text(item, "reason", NS_MUC_ADMIN);
	if (jid != NULL) {
		if (jid_parse(&j, jid, &why) == -1)
			return st_refuse(e, ERR_MODIFY, "jid-malformed", NULL);
		if (jid_has_resource(&j))
			return st_refuse(e, ERR_MODIFY, "jid-malformed",
			    "Bare JID expected, got full JID");
		snprintf(it->aff.bare, sizeof(it->aff.bare), "%s", j.bare);
	}
	if (nick != NULL && jid_resourceprep(nick, it->nick, sizeof(it->nick),
	    &why) == -1)
		return st_refuse(e, ERR_MODIFY, "jid-malformed", "invalid nickname");
	if (jid == NULL && nick != NULL && (o = room_occupant(r, it->nick)))
		snprintf(it->aff.bare, sizeof(it->aff.bare), "%s", o->bare);
	if (a != NULL && it->aff.bare[0] != '\0' && ro == NULL) {
		if (aff_parse(a, &it->aff.aff) == -1)
			return st_refuse(e, ERR_MODIFY, "not-acceptable", NULL);
		it->is_aff = true;
		it->aff.nick = nick ? it->nick : NULL;
		it->aff.reason = it->reason;
		return 0;
	}
	if (ro != NULL && a == NULL) {
		if (nick == NULL && jid != NULL) {
			/* Role changes name a nick; find it from the JID. */
			for (size_t i = 0; hmap_next(&r->occupants, &i, NULL,
			    (void **)&o); )
				if (strcmp(o->bare, it->aff.bare) == 0) {
					snprintf(it->nick, sizeof(it->nick),
					    "%s", o->nick);
					nick = it->nick;
					break;
				}
		}
		if (nick == NULL)
			return st_refuse(e, ERR_CANCEL, "bad-request", NULL);
		if (role_parse(ro, &it->role) == -1)
			return st_refuse(e, ERR_MODIFY, "not-acceptable", NULL);
		if ((it->occ = room_occupant(r, it->nick)) == NULL)
			return st_refuse(e, ERR_MODIFY, "item-not-found", NULL);
		return 0;
	}
	return st_refuse(e, ERR_CANCEL, "bad-request", NULL);
}

/* Role permission check without applying (for all-or-nothing). */
static int
role_check(struct room *r, const char *actor, const struct occupant *o,
    enum role role, struct muc_err *e)
{
	char abare[JID_BARE_MAX + 1];
	enum store_aff aa = room_affiliation(r, bare_of(actor, abare,
	    sizeof(abare)));
	const struct occupant *ao = room_occupant_by_jid(r, actor);

	if (aff_rank(aa) < aff_rank(room_affiliation(r, o->bare)) ||
	    ((o->role == ROLE_MODERATOR || role == ROLE_MODERATOR) &&
	    aa != AFF_OWNER && aa != AFF_ADMIN) ||
	    ao == NULL || ao->role != ROLE_MODERATOR)
		return st_refuse(e, ERR_CANCEL, "not-allowed", NULL);
	return 0;
}

static void
admin_set(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *query)
{
	struct admin_item *items = NULL;
	struct aff_change *affs = NULL;
	const struct xnode *item;
	struct muc_err e = { 0 };
	size_t n = 0, na = 0, i;

	X_FOREACH(query, item)
		if (x_is(item, "item", NS_MUC_ADMIN))
			n++;
	if (n == 0 || n > MAX_ITEMS) {
		st_send_error(m, st, ERR_CANCEL, "bad-request", NULL, NULL);
		return;
	}
	if ((items = calloc(n, sizeof(*items))) == NULL ||
	    (affs = calloc(n, sizeof(*affs))) == NULL) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint", NULL,
		    NULL);
		goto out;
	}
	i = 0;
	X_FOREACH(query, item) {
		if (!x_is(item, "item", NS_MUC_ADMIN))
			continue;
		if (parse_item(r, item, &items[i], &e) == -1)
			goto refused;
		if (items[i].is_aff)
			affs[na++] = items[i].aff;
		else if (role_check(r, from->full, items[i].occ, items[i].role,
		    &e) == -1)
			goto refused;
		i++;
	}
	/* Affiliations first (validated and stored as one), then roles.
	 * Held throughout: a change may empty a temporary room, which must
	 * not vanish before the reply and the role changes. */
	room_hold(r);
	if (na > 0 && affiliation_apply(r, from->full, affs, na, &e) == -1) {
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		room_release(r);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (items[i].is_aff)
			continue;
		/* The occupant may have left through an earlier item. */
		if ((items[i].occ = room_occupant(r, items[i].nick)) != NULL)
			role_apply(r, from->full, items[i].occ, items[i].role,
			    items[i].reason, &e);
	}
	st_send_result(m, st, NULL);
	room_release(r);
	goto out;
refused:
	st_send_error(m, st, e.type, e.cond, e.text, NULL);
out:
	free(items);
	free(affs);
}

void
admin_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct xnode *q = st_payload(st);

	if (strcmp(st_type(st), "get") == 0)
		admin_get(m, r, st, from, q);
	else
		admin_set(m, r, st, from, q);
}
