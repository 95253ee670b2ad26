/*
 * offaff: the offline affiliation, nick and user commands. The checks are
 * those of affiliation_apply() in mucd/admin.c for a one-item batch with
 * the service as actor: service admins stay owners, a reserved nick
 * belongs to one JID per room (and the store's unique index enforces it
 * again: STORE_CONFLICT), and a room that has an owner keeps one.
 */
#include "mucctl.h"

#include <stdlib.h>
#include <string.h>

#include "jid.h"
#include "store.h"

struct change {
	char		 bare[JID_BARE_MAX + 1];
	enum store_aff	 aff;
	const char	*nick;		/* prepared nick to reserve or NULL */
	bool		 drop_nick;
	const char	*reason;
};

/* The stored affiliation (no admins, no domain bans) and its nick. */
static int
raw_aff(struct mucctl *m, const char *room, const char *bare,
    enum store_aff *aff, char **nick, struct mc_err *e)
{
	int rc = store_aff_get(m->store, room, bare, aff, nick, NULL);

	if (rc == STORE_NOTFOUND || rc == STORE_OK)
		return 0;
	return off_store_fail(m, e);
}

/* As room_affiliation(): admins own every room; a banned domain bans
 * everyone on it. */
static int
effective_aff(struct mucctl *m, const char *room, const char *bare,
    enum store_aff *aff, struct mc_err *e)
{
	const char *dom = strchr(bare, '@');
	enum store_aff d;

	if (conf_is_admin(&m->conf, bare)) {
		*aff = AFF_OWNER;
		return 0;
	}
	if (raw_aff(m, room, bare, aff, NULL, e) == -1)
		return -1;
	if (*aff != AFF_NONE || dom == NULL)
		return 0;
	if (raw_aff(m, room, dom + 1, &d, NULL, e) == -1)
		return -1;
	if (d == AFF_OUTCAST)
		*aff = AFF_OUTCAST;
	return 0;
}

static int
count_owner(void *arg, const char *bare, const struct store_aff_rec *rec)
{
	if (rec->aff == AFF_OWNER)
		(*(size_t *)arg)++;
	return 0;
}

static int
check_owners(struct mucctl *m, const char *room, const struct change *c,
    enum store_aff prev, struct mc_err *e)
{
	size_t before = 0, after;

	if (store_aff_iter(m->store, room, count_owner, &before) < 0)
		return off_store_fail(m, e);
	after = before;
	if (prev == AFF_OWNER && c->aff != AFF_OWNER)
		after--;
	else if (prev != AFF_OWNER && c->aff == AFF_OWNER)
		after++;
	if (before > 0 && after == 0)
		return mc_fail(e, EXIT_REFUSED, "conflict", "conflict: The "
		    "room must keep at least one owner");
	return 0;
}

static int
check_nick(struct mucctl *m, const char *room, const struct change *c,
    struct mc_err *e)
{
	char *owner = NULL;
	int rc;

	if (c->nick == NULL || c->aff == AFF_NONE)
		return 0;
	rc = store_nick_owner(m->store, room, c->nick, &owner);
	if (rc == STORE_OK && strcmp(owner, c->bare) != 0)
		rc = mc_fail(e, EXIT_REFUSED, "conflict", "conflict: That "
		    "nickname is reserved by someone else");
	else if (rc < 0)
		rc = off_store_fail(m, e);
	else
		rc = 0;
	free(owner);
	return rc;
}

static int
store_change(struct mucctl *m, const char *room, const struct change *c,
    const char *nick, struct mc_err *e)
{
	struct store_aff_rec rec = { c->aff, nick, c->reason };
	struct store_txn *txn;
	int rc;

	if ((rc = store_begin(m->store, &txn)) != STORE_OK)
		return off_store_fail(m, e);
	if ((rc = store_aff_put(txn, room, c->bare, &rec)) != STORE_OK) {
		store_abort(txn);
		if (rc == STORE_CONFLICT)
			return mc_fail(e, EXIT_REFUSED, "conflict", "conflict: "
			    "That nickname is reserved by someone else");
		return off_store_fail(m, e);
	}
	if (store_commit(txn) != STORE_OK)
		return off_store_fail(m, e);
	return 0;
}

/* Check, store, and answer as the daemon's change() does. */
static int
apply_change(struct mucctl *m, const char *room, const struct change *c,
    json_t **result, struct mc_err *e)
{
	enum store_aff prev;
	char *old_nick = NULL;
	const char *nick;
	int rc = -1;

	if (conf_is_admin(&m->conf, c->bare) && c->aff != AFF_OWNER)
		return mc_fail(e, EXIT_REFUSED, "bad-request",
		    "not-acceptable: Service administrators are owners of "
		    "every room");
	if (raw_aff(m, room, c->bare, &prev, &old_nick, e) == -1)
		return -1;
	/* The nick the JID holds afterwards (final_nick() in admin.c). */
	nick = c->aff == AFF_NONE || c->drop_nick ? NULL :
	    c->nick ? c->nick : old_nick;
	if (check_nick(m, room, c, e) == 0 &&
	    check_owners(m, room, c, prev, e) == 0 &&
	    (rc = store_change(m, room, c, nick, e)) == 0)
		*result = json_pack("{s:s,s:s,s:s?}", "jid", c->bare,
		    "affiliation", store_aff_name(c->aff), "nick", nick);
	free(old_nick);
	return rc;
}

/* args.nick, resourceprep'd, when present. */
static int
opt_nick(json_t *args, char *out, size_t len, const char **nick,
    struct mc_err *e)
{
	const char *s = json_string_value(json_object_get(args, "nick"));
	const char *why;

	*nick = NULL;
	if (s == NULL)
		return 0;
	if (jid_resourceprep(s, out, len, &why) == -1)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "invalid nick "
		    "'%s': %s", s, why);
	*nick = out;
	return 0;
}

/* The room must exist; its JID goes to room. */
static int
need_room(struct mucctl *m, json_t *args, char *room, size_t len,
    struct mc_err *e)
{
	char *json;

	if (off_need_room(m, args, room, len, &json, e) == -1)
		return -1;
	free(json);
	return 0;
}

int
off_affiliation_set(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char room[JID_BARE_MAX + 1], nick[JID_PART_MAX + 1];
	struct change c = { .aff = AFF_NONE };
	const char *a;

	if (need_room(m, args, room, sizeof(room), e) == -1 ||
	    off_need_bare(args, "jid", c.bare, sizeof(c.bare), e) == -1 ||
	    (a = off_need_str(args, "affiliation", e)) == NULL)
		return -1;
	if (store_aff_parse(a, &c.aff) != STORE_OK)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s' is not "
		    "owner, admin, member, outcast or none", a);
	if (opt_nick(args, nick, sizeof(nick), &c.nick, e) == -1)
		return -1;
	c.reason = json_string_value(json_object_get(args, "reason"));
	return apply_change(m, room, &c, result, e);
}

int
off_ban(struct mucctl *m, json_t *args, json_t **result, struct mc_err *e)
{
	char room[JID_BARE_MAX + 1];
	struct change c = { .aff = AFF_OUTCAST };

	if (need_room(m, args, room, sizeof(room), e) == -1 ||
	    off_need_bare(args, "jid", c.bare, sizeof(c.bare), e) == -1)
		return -1;
	c.reason = json_string_value(json_object_get(args, "reason"));
	return apply_change(m, room, &c, result, e);
}

int
off_nick_reserve(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char room[JID_BARE_MAX + 1], nick[JID_PART_MAX + 1];
	struct change c = { .aff = AFF_NONE };

	if (need_room(m, args, room, sizeof(room), e) == -1 ||
	    off_need_bare(args, "jid", c.bare, sizeof(c.bare), e) == -1 ||
	    off_need_str(args, "nick", e) == NULL ||
	    opt_nick(args, nick, sizeof(nick), &c.nick, e) == -1 ||
	    effective_aff(m, room, c.bare, &c.aff, e) == -1)
		return -1;
	/* A reservation makes a member of someone without affiliation. */
	if (c.aff == AFF_NONE)
		c.aff = AFF_MEMBER;
	if (c.aff == AFF_OUTCAST)
		return mc_fail(e, EXIT_REFUSED, "not-allowed", "%s is banned "
		    "from %s", c.bare, room);
	return apply_change(m, room, &c, result, e);
}

int
off_nick_release(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char room[JID_BARE_MAX + 1], *nick = NULL;
	struct change c = { .drop_nick = true };
	int rc;

	if (need_room(m, args, room, sizeof(room), e) == -1 ||
	    off_need_bare(args, "jid", c.bare, sizeof(c.bare), e) == -1 ||
	    raw_aff(m, room, c.bare, &c.aff, &nick, e) == -1)
		return -1;
	if (c.aff == AFF_NONE || nick == NULL)
		rc = mc_fail(e, EXIT_REFUSED, "not-found", "%s has no reserved "
		    "nick in %s", c.bare, room);
	else
		rc = apply_change(m, room, &c, result, e);
	free(nick);
	return rc;
}

int
off_nick_show(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char room[JID_BARE_MAX + 1], bare[JID_BARE_MAX + 1], *nick = NULL;
	enum store_aff aff;

	if (need_room(m, args, room, sizeof(room), e) == -1 ||
	    off_need_bare(args, "jid", bare, sizeof(bare), e) == -1 ||
	    raw_aff(m, room, bare, &aff, &nick, e) == -1)
		return -1;
	*result = json_pack("{s:s,s:s?}", "jid", bare, "nick", nick);
	free(nick);
	return 0;
}

/* ---- listings ---- */

struct list_q {
	json_t		*list;
	bool		 filter, oom;
	enum store_aff	 want;
};

/* After a store walk (rc) that filled q->list: false, or true with the
 * list freed and e saying what failed. */
static bool
walk_failed(struct mucctl *m, int rc, struct list_q *q, struct mc_err *e)
{
	if (rc >= 0 && !q->oom)
		return false;
	json_decref(q->list);
	if (q->oom)
		mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	else
		off_store_fail(m, e);
	return true;
}

static int
aff_item(void *arg, const char *bare, const struct store_aff_rec *rec)
{
	struct list_q *q = arg;

	if ((!q->filter || rec->aff == q->want) &&
	    json_array_append_new(q->list, json_pack("{s:s,s:s,s:s?,s:s?}",
	    "jid", bare, "affiliation", store_aff_name(rec->aff),
	    "nick", rec->nick && *rec->nick ? rec->nick : NULL,
	    "reason", rec->reason && *rec->reason ? rec->reason : NULL)) == -1)
		q->oom = true;
	return q->oom;
}

int
off_affiliations(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	const char *want = json_string_value(json_object_get(args,
	    "affiliation"));
	char room[JID_BARE_MAX + 1];
	struct list_q q = { 0 };

	if (need_room(m, args, room, sizeof(room), e) == -1)
		return -1;
	if (want != NULL && (store_aff_parse(want, &q.want) != STORE_OK ||
	    q.want == AFF_NONE))
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s' is not "
		    "owner, admin, member or outcast", want);
	q.filter = want != NULL;
	if ((q.list = json_array()) == NULL)
		return mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	if (walk_failed(m, store_aff_iter(m->store, room, aff_item, &q), &q,
	    e))
		return -1;
	*result = json_pack("{s:o}", "affiliations", q.list);
	return 0;
}

/* Offline nobody is present anywhere: present_as is always empty. */
static int
user_item(void *arg, const char *room, const struct store_aff_rec *rec)
{
	struct list_q *q = arg;

	if (json_array_append_new(q->list, json_pack("{s:s,s:s,s:s?,s:[]}",
	    "room", room, "affiliation", store_aff_name(rec->aff), "nick",
	    rec->nick && *rec->nick ? rec->nick : NULL, "present_as")) == -1)
		q->oom = true;
	return q->oom;
}

int
off_user_rooms(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char bare[JID_BARE_MAX + 1];
	struct list_q q = { 0 };

	if (off_need_bare(args, "jid", bare, sizeof(bare), e) == -1)
		return -1;
	if ((q.list = json_array()) == NULL)
		return mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	if (walk_failed(m, store_user_iter(m->store, bare, user_item, &q), &q,
	    e))
		return -1;
	*result = json_pack("{s:s,s:o}", "jid", bare, "rooms", q.list);
	return 0;
}
