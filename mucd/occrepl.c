#include "occrepl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "store.h"

/*
 * Records (version 1), in live.db:
 *   occupant JID -> {"v":1,"bare":"...","role":"participant",
 *                    "sessions":[{"jid":"...","payload":"...","id":"..."}]}
 *                   (live sessions only, the one the room sees first)
 *   room JID     -> {"v":1,"room":"<its rooms.db record>",
 *                    "affs":[["bare","member","nick","reason"],...]}
 *                   (a temporary room with occupants, unlocked)
 */
#define LIVE_VERSION	1

static void	on_flush(struct loop_timer *);

int
occrepl_init(struct mucd *m)
{
	m->occ.flush.cb = on_flush;
	m->occ.flush.arg = m;
	return hmap_init(&m->occ.dirty);
}

static void
dirty_clear(struct mucd *m)
{
	const char *k;
	void *v;
	size_t i;

	for (i = 0; hmap_next(&m->occ.dirty, &i, &k, &v); )
		free(v);
	hmap_free(&m->occ.dirty);
	if (hmap_init(&m->occ.dirty) == -1)
		mucd_stop(m, 1);
}

void
occrepl_free(struct mucd *m)
{
	dirty_clear(m);
	hmap_free(&m->occ.dirty);
}

/* ---- writing ---- */

static json_t *
session_json(const struct session *s)
{
	json_t *j = json_pack("{s:s,s:s}", "jid", s->jid, "payload",
	    s->payload != NULL ? s->payload : "");

	if (j != NULL && s->pres_id != NULL &&
	    json_object_set_new(j, "id", json_string(s->pres_id)) == -1) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* NULL when there is nothing to keep (no live session), or on OOM. */
static char *
occupant_json(const struct occupant *o, bool *oom)
{
	const struct session *s;
	json_t *j, *ss;
	char *out;

	*oom = true;
	if ((j = json_pack("{s:i,s:s,s:s,s:[]}", "v", LIVE_VERSION, "bare",
	    o->bare, "role", role_name(o->role), "sessions")) == NULL)
		return NULL;
	ss = json_object_get(j, "sessions");
	/* The primary first: it is the first one revived, and primary. */
	if (o->primary != NULL && !o->primary->unavailable &&
	    json_array_append_new(ss, session_json(o->primary)) == -1)
		goto fail;
	for (s = o->sessions; s != NULL; s = s->next)
		if (s != o->primary && !s->unavailable &&
		    json_array_append_new(ss, session_json(s)) == -1)
			goto fail;
	if (json_array_size(ss) == 0) {
		*oom = false;
		goto fail;
	}
	out = json_dumps(j, JSON_COMPACT);
	*oom = out == NULL;
	json_decref(j);
	return out;
fail:
	json_decref(j);
	return NULL;
}

static char *
room_live_json(const struct room *r)
{
	const struct affil *a;
	const char *k;
	char *rec, *out = NULL;
	json_t *j, *affs;
	size_t i;

	if ((rec = room_record_json(r)) == NULL)
		return NULL;
	j = json_pack("{s:i,s:s,s:[]}", "v", LIVE_VERSION, "room", rec, "affs");
	free(rec);
	if (j == NULL)
		return NULL;
	affs = json_object_get(j, "affs");
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); )
		if (json_array_append_new(affs, json_pack("[s,s,s,s]", a->bare,
		    aff_name(a->aff), a->nick ? a->nick : "",
		    a->reason ? a->reason : "")) == -1)
			goto done;
	out = json_dumps(j, JSON_COMPACT);
done:
	json_decref(j);
	return out;
}

static int
put_or_del(struct store_txn *t, const char *key, char *json, bool oom)
{
	int rc;

	if (oom)
		return STORE_ERR;
	rc = json != NULL ? store_live_put(t, key, json) :
	    store_live_del(t, key);
	free(json);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/*
 * A key's room JID, into roomjid, and its nick: NULL for a room's own
 * record. -1 when the room part is longer than a JID can be.
 */
static int
key_split(const char *key, char roomjid[JID_MAX + 1], const char **nick)
{
	const char *slash = strchr(key, '/');
	size_t n = slash != NULL ? (size_t)(slash - key) : strlen(key);

	if (n > JID_MAX)
		return -1;
	memcpy(roomjid, key, n);
	roomjid[n] = '\0';
	*nick = slash != NULL ? slash + 1 : NULL;
	return 0;
}

/* The record under key as things are now: written, or deleted. */
static int
write_one(struct mucd *m, struct store_txn *t, const char *key)
{
	char roomjid[JID_MAX + 1];
	struct occupant *o = NULL;
	const char *nick;
	struct room *r;
	bool oom = false;
	char *json;

	if (key_split(key, roomjid, &nick) == -1)
		return put_or_del(t, key, NULL, false);
	r = room_find_loaded(m, roomjid);
	if (nick == NULL) {
		if (r == NULL || r->cfg.persistent || r->locked ||
		    room_count_occupants(r) == 0)
			return put_or_del(t, key, NULL, false);
		json = room_live_json(r);	/* NULL: out of memory */
		return put_or_del(t, key, json, json == NULL);
	}
	if (r != NULL && (o = room_occupant(r, nick)) != NULL &&
	    o->role == ROLE_NONE)
		o = NULL;		/* told it is out (evacuated) */
	return put_or_del(t, key, o != NULL ? occupant_json(o, &oom) : NULL,
	    oom);
}

void
occrepl_write(struct mucd *m)
{
	struct store_txn *t;
	const char *k;
	void *v;
	size_t i;
	int rc;

	if (!m->occ.on || hmap_count(&m->occ.dirty) == 0)
		return;
	if ((rc = store_begin(m->store, &t)) == STORE_OK) {
		for (i = 0; rc == STORE_OK &&
		    hmap_next(&m->occ.dirty, &i, &k, &v); )
			rc = write_one(m, t, k);
		if (rc == STORE_OK)
			rc = store_commit(t);
		else
			store_abort(t);
	}
	/* Not durable by design: the group misses these changes, and a new
	 * master would check whoever it knows anyway. */
	if (rc != STORE_OK)
		log_warn("replication: the group was not told who is in the "
		    "rooms: %s", store_errmsg(m->store));
	else
		mucd_store_dirty(m);
	dirty_clear(m);
}

void
occrepl_evacuated(struct mucd *m)
{
	struct occupant *o;
	struct room *r;
	const char *k, *k2;
	size_t i, j;

	if (!m->occ.on)
		return;
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		for (j = 0; hmap_next(&r->occupants, &j, &k2, (void **)&o); )
			room_occupant_touched(o);
	occrepl_write(m);
}

static void
on_flush(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	occrepl_write(m);
	if (m->occ.on)
		loop_timer_set(&m->loop, t, OCCREPL_FLUSH_MS);
}

/* ---- taking over ---- */

struct takeover {
	struct mucd	*m;
	json_t		*stale;		/* keys to delete: no such room now */
	unsigned	 rooms, occupants;
};

static int
revive_affs(struct room *r, json_t *affs)
{
	const char *bare, *aff, *nick, *reason;
	enum store_aff a;
	json_t *e;
	size_t i;

	json_array_foreach(affs, i, e) {
		if (json_unpack(e, "[s,s,s,s]", &bare, &aff, &nick,
		    &reason) == -1 || aff_parse(aff, &a) == -1)
			return -1;
		if (room_affil_put(r, bare, a, *nick ? nick : NULL,
		    *reason ? reason : NULL) == -1)
			return -1;
	}
	return 0;
}

/* A temporary room the previous master had; a stored room of the same
 * JID (made persistent since) wins. */
static int
take_room(struct takeover *to, const char *jid, json_t *j)
{
	const char *rec;
	json_t *affs;
	struct room *r;
	bool failed;
	char err[256];

	if (room_find(to->m, jid, &failed) != NULL || failed)
		return -1;
	if (json_unpack(j, "{s:s,s:o}", "room", &rec, "affs", &affs) == -1 ||
	    !json_is_array(affs)) {
		log_warn("replication: room %s: unreadable live record", jid);
		return -1;
	}
	if ((r = room_revive(to->m, jid, rec, err, sizeof(err))) == NULL) {
		log_warn("replication: room %s: %s", jid, err);
		return -1;
	}
	if (revive_affs(r, affs) == -1) {
		log_warn("replication: room %s: unreadable affiliations", jid);
		room_forget(r);
		return -1;
	}
	to->rooms++;
	return 0;
}

static int
revive_sessions(struct occupant *o, json_t *ss)
{
	const char *full, *payload, *id;
	json_t *e;
	size_t i;

	json_array_foreach(ss, i, e) {
		id = NULL;
		if (json_unpack(e, "{s:s,s:s,s?s}", "jid", &full, "payload",
		    &payload, "id", &id) == -1 ||
		    occupant_revive_session(o, full, payload, id) == -1)
			return -1;
	}
	return json_array_size(ss) > 0 ? 0 : -1;
}

static int
take_occupant(struct takeover *to, const char *key, const char *roomjid,
    const char *nick, json_t *j)
{
	const char *bare, *role;
	struct occupant *o;
	struct room *r;
	enum role ro;
	json_t *ss;
	bool failed;

	if ((r = room_find(to->m, roomjid, &failed)) == NULL ||
	    room_occupant(r, nick) != NULL)
		return -1;
	if (json_unpack(j, "{s:s,s:s,s:o}", "bare", &bare, "role", &role,
	    "sessions", &ss) == -1 || role_parse(role, &ro) == -1 ||
	    !json_is_array(ss) || ro == ROLE_NONE) {
		log_warn("replication: occupant %s: unreadable live record",
		    key);
		return -1;
	}
	if ((o = occupant_new(r, nick, bare)) == NULL)
		return -1;
	o->role = ro;
	if (revive_sessions(o, ss) == -1 || room_add_occupant(r, o) == -1) {
		room_remove_occupant(r, o);
		room_check_empty(r);
		return -1;
	}
	to->occupants++;
	return 0;
}

static int
take_cb(void *arg, const char *key, const char *json)
{
	struct takeover *to = arg;
	json_t *j = json_loads(json, 0, NULL);
	char roomjid[JID_MAX + 1];
	const char *nick;
	int v = 0, rc;

	if (j != NULL)
		json_unpack(j, "{s:i}", "v", &v);
	if (v != LIVE_VERSION || key_split(key, roomjid, &nick) == -1)
		rc = -1;
	else if (nick == NULL)
		rc = take_room(to, key, j);
	else
		rc = take_occupant(to, key, roomjid, nick, j);
	json_decref(j);
	if (rc == -1 && json_array_append_new(to->stale,
	    json_string(key)) == -1)
		return 1;
	return 0;
}

/* What the previous master knew that no longer fits is forgotten. */
static void
forget_stale(struct mucd *m, json_t *stale)
{
	struct store_txn *t;
	json_t *e;
	size_t i;
	int rc;

	if (json_array_size(stale) == 0 ||
	    store_begin(m->store, &t) != STORE_OK)
		return;
	rc = STORE_OK;
	json_array_foreach(stale, i, e)
		if (rc == STORE_OK && (rc = store_live_del(t,
		    json_string_value(e))) == STORE_NOTFOUND)
			rc = STORE_OK;
	if (rc == STORE_OK && store_commit(t) == STORE_OK)
		mucd_store_dirty(m);
	else if (rc != STORE_OK)
		store_abort(t);
}

/* A temporary room none of whose occupants could be taken over goes, as
 * it would have when they left. */
static void
drop_empty(struct mucd *m)
{
	struct room *r, **empty;
	const char *k;
	size_t i, n = 0;

	if ((empty = calloc(hmap_count(&m->rooms) + 1, sizeof(*empty))) ==
	    NULL)
		return;
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (!r->cfg.persistent && room_count_occupants(r) == 0)
			empty[n++] = r;
	for (i = 0; i < n; i++)
		room_check_empty(empty[i]);
	free(empty);
}

void
occrepl_start(struct mucd *m)
{
	struct takeover to = { m, json_array(), 0, 0 };

	if (m->occ.on || to.stale == NULL) {
		json_decref(to.stale);
		return;
	}
	if (store_live_iter(m->store, take_cb, &to) < 0)
		log_warn("replication: reading who was in the rooms: %s",
		    store_errmsg(m->store));
	forget_stale(m, to.stale);
	json_decref(to.stale);
	drop_empty(m);
	if (to.occupants > 0)
		log_info("replication: took over %u occupant(s) (%u "
		    "temporary room(s)) from the previous master",
		    to.occupants, to.rooms);
	m->occ.on = true;
	loop_timer_set(&m->loop, &m->occ.flush, OCCREPL_FLUSH_MS);
}

void
occrepl_stop(struct mucd *m)
{
	if (!m->occ.on)
		return;
	m->occ.on = false;
	loop_timer_cancel(&m->loop, &m->occ.flush);
	dirty_clear(m);
}
