#include "room.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "avatar.h"
#include "blocklist.h"
#include "fanout.h"
#include "hats.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "nickskel.h"
#include "ratelimit.h"
#include "slowmode.h"
#include "stanza.h"

/* Live sessions per bare JID in a room (see index_add). */
struct bare_count {
	char		*bare;
	unsigned	 n;
};

/* Names and ranks. */

int
aff_rank(enum store_aff a)
{
	switch (a) {
	case AFF_OUTCAST:	return -1;
	case AFF_NONE:		return 0;
	case AFF_MEMBER:	return 1;
	case AFF_ADMIN:		return 2;
	case AFF_OWNER:		return 3;
	}
	return 0;
}

const char *
aff_name(enum store_aff a)
{
	return store_aff_name(a);
}

int
aff_parse(const char *s, enum store_aff *out)
{
	return store_aff_parse(s, out);
}

const char *
role_name(enum role r)
{
	static const char *names[] = { "none", "visitor", "participant",
		"moderator" };

	return names[r];
}

int
role_parse(const char *s, enum role *out)
{
	int r;

	for (r = ROLE_NONE; r <= ROLE_MODERATOR; r++)
		if (strcmp(s, role_name((enum role)r)) == 0) {
			*out = (enum role)r;
			return 0;
		}
	return -1;
}

bool
room_role_sees_jids(const struct room *r, enum role role)
{
	return r->cfg.whois == WHOIS_ANYONE || role == ROLE_MODERATOR;
}

/* Allocation. */

static void
affil_free(struct affil *a)
{
	free(a->bare);
	free(a->nick);
	free(a->skel);
	free(a->reason);
	free(a);
}

static char *
skeleton_of(const char *nick)
{
	char skel[4 * 1024];

	if (nick_skeleton(nick, skel, sizeof(skel)) == -1)
		return strdup(nick);
	return strdup(skel);
}

static void
session_free(struct session *s)
{
	free(s->jid);
	free(s->to_attr);
	free(s->pres_id);
	free(s->payload);
	free(s);
}

static void
occupant_free(struct occupant *o)
{
	struct session *s, *n;

	for (s = o->sessions; s != NULL; s = n) {
		n = s->next;
		session_free(s);
	}
	free(o->nick);
	free(o->occjid);
	free(o->bare);
	free(o->skel);
	free(o);
}

static struct room *
room_alloc(struct mucd *m, const char *jid)
{
	struct room *r;
	const char *at;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->mucd = m;
	at = strchr(jid, '@');
	if ((r->jid = strdup(jid)) == NULL ||
	    (r->node = strndup(jid, at ? (size_t)(at - jid) : 0)) == NULL ||
	    hmap_init(&r->occupants) || hmap_init(&r->by_jid) ||
	    hmap_init(&r->bare_count) ||
	    hmap_init(&r->affs) || hmap_init(&r->nicks) ||
	    hmap_init(&r->skels) || hmap_init(&r->nick_skels) ||
	    hmap_init(&r->slow) || hmap_init(&r->hats)) {
		free(r->jid);
		free(r->node);
		free(r);
		return NULL;
	}
	roomcfg_defaults(&r->cfg, &m->conf);
	randombytes_buf(r->salt, sizeof(r->salt));
	r->idle_since = loop_now_ms();
	return r;
}

static void
room_free(struct room *r)
{
	const char *k;
	void *v;
	size_t i;

	for (i = 0; hmap_next(&r->occupants, &i, &k, &v); )
		occupant_free(v);
	for (i = 0; hmap_next(&r->affs, &i, &k, &v); )
		affil_free(v);
	hmap_free(&r->occupants);
	hmap_free(&r->by_jid);
	for (i = 0; hmap_next(&r->bare_count, &i, &k, &v); ) {
		free(((struct bare_count *)v)->bare);
		free(v);
	}
	hmap_free(&r->bare_count);
	hmap_free(&r->affs);
	hmap_free(&r->nicks);
	hmap_free(&r->skels);
	hmap_free(&r->nick_skels);
	slowmode_free(r);
	hats_free(r);
	avatar_free(r->avatar);
	history_free(r);
	roomcfg_free(&r->cfg);
	free(r->subject.text);
	free(r->subject.from);
	free(r->creator);
	free(r->jid);
	free(r->node);
	free(r);
}

struct room *
room_find_loaded(struct mucd *m, const char *jid)
{
	return hmap_get(&m->rooms, jid);
}

static int
load_aff_cb(void *arg, const char *bare, const struct store_aff_rec *rec)
{
	struct room *r = arg;

	return room_affil_put(r, bare, rec->aff, rec->nick, rec->reason) == 0 ?
	    0 : -1;
}

static void
hex_decode(const char *hex, unsigned char *out, size_t n)
{
	size_t bin_len;

	if (sodium_hex2bin(out, n, hex, strlen(hex), NULL, &bin_len, NULL) ||
	    bin_len != n)
		randombytes_buf(out, n);
}

/* A room from its record (rooms.db's, or a live one), not registered. */
static struct room *
room_decode(struct mucd *m, const char *jid, const char *json, char *err,
    size_t errlen)
{
	struct room_record rec;
	struct room *r;

	if (roomrec_decode(&rec, &m->conf, json, err, errlen) == -1)
		return NULL;
	if ((r = room_alloc(m, jid)) == NULL) {
		roomrec_free(&rec);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	roomcfg_free(&r->cfg);
	r->cfg = rec.cfg;
	r->subject = rec.subject;
	r->created = rec.created;
	r->last_used = rec.last_used;
	if (rec.salt[0] != '\0')
		hex_decode(rec.salt, r->salt, sizeof(r->salt));
	return r;
}

static struct room *
room_load(struct mucd *m, const char *jid, bool *failed)
{
	struct room *r;
	char *json = NULL, err[256];
	int rc;

	rc = store_room_get(m->store, jid, &json);
	if (rc == STORE_NOTFOUND)
		return NULL;
	if (rc < 0) {
		log_error("loading room %s: %s", jid, store_errmsg(m->store));
		goto fail;
	}
	r = room_decode(m, jid, json, err, sizeof(err));
	free(json);
	if (r == NULL) {
		log_error("loading room %s: %s", jid, err);
		goto fail;
	}
	r->stored = true;
	if (store_aff_iter(m->store, jid, load_aff_cb, r) < 0 ||
	    hats_load(r) == -1 || avatar_load(r) == -1 ||
	    history_load(r) == -1 ||
	    hmap_put(&m->rooms, r->jid, r) == -1) {
		log_error("loading room %s: %s", jid, store_errmsg(m->store));
		room_free(r);
		goto fail;
	}
	m->stats.rooms_loaded++;
	log_debug("room %s loaded from the store", jid);
	return r;
fail:
	if (failed != NULL)
		*failed = true;
	return NULL;
}

struct room *
room_revive(struct mucd *m, const char *jid, const char *record, char *err,
    size_t errlen)
{
	struct room *r = room_decode(m, jid, record, err, errlen);

	if (r == NULL)
		return NULL;
	if (hmap_put(&m->rooms, r->jid, r) == -1) {
		snprintf(err, errlen, "out of memory");
		room_free(r);
		return NULL;
	}
	return r;
}

struct room *
room_find(struct mucd *m, const char *jid, bool *failed)
{
	struct room *r = hmap_get(&m->rooms, jid);

	if (failed != NULL)
		*failed = false;
	if (r != NULL || m->store == NULL)
		return r;
	return room_load(m, jid, failed);
}

struct room *
room_new(struct mucd *m, const char *jid)
{
	struct room *r = room_alloc(m, jid);

	if (r == NULL)
		return NULL;
	r->created = r->last_used = (long long)time(NULL);
	r->fresh = true;
	return r;
}

int
room_register(struct room *r)
{
	if (hmap_put(&r->mucd->rooms, r->jid, r) == -1)
		return -1;
	r->mucd->stats.rooms_created++;
	return 0;
}

void
room_discard(struct room *r)
{
	room_free(r);
}

struct room *
room_create(struct mucd *m, const char *jid, const char *creator)
{
	struct room *r = room_new(m, jid);

	if (r == NULL)
		return NULL;
	if ((creator != NULL && (r->creator = strdup(creator)) == NULL) ||
	    room_register(r) == -1) {
		room_free(r);
		return NULL;
	}
	return r;
}

void
room_forget(struct room *r)
{
	room_touched(r);
	hmap_del(&r->mucd->rooms, r->jid);
	room_free(r);
}

unsigned
room_count_occupants(const struct room *r)
{
	return (unsigned)hmap_count(&r->occupants);
}

/* Who is in the room, for the group (occrepl.c writes it). */

static void
live_touch(struct mucd *m, const char *key)
{
	char *k;

	if (!m->occ.on || hmap_get(&m->occ.dirty, key) != NULL)
		return;
	if ((k = strdup(key)) == NULL || hmap_put(&m->occ.dirty, k, k) == -1) {
		free(k);
		log_warn("room: out of memory noting an occupant change for "
		    "the replication group");
	}
}

void
room_touched(struct room *r)
{
	live_touch(r->mucd, r->jid);
}

void
room_occupant_touched(const struct occupant *o)
{
	live_touch(o->room->mucd, o->occjid);
	if (!o->room->cfg.persistent)
		room_touched(o->room);
}

/* Persistence. */

char *
room_record_json(const struct room *r)
{
	struct room_record rec;
	char *s;

	memset(&rec, 0, sizeof(rec));
	rec.cfg = r->cfg;
	rec.subject = r->subject;
	rec.created = r->created;
	rec.last_used = r->last_used;
	sodium_bin2hex(rec.salt, sizeof(rec.salt), r->salt, sizeof(r->salt));
	s = roomrec_encode(&rec);	/* borrows; nothing to free */
	return s;
}

int
room_store_aff(struct room *r, struct store_txn *txn, const char *bare,
    enum store_aff aff, const char *nick, const char *reason)
{
	struct store_aff_rec rec = { aff, nick, reason };

	return store_aff_put(txn, r->jid, bare, &rec);
}

static int
store_all_affs(struct room *r, struct store_txn *txn)
{
	struct affil *a;
	const char *k;
	size_t i;
	int rc;

	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); )
		if ((rc = room_store_aff(r, txn, a->bare, a->aff, a->nick,
		    a->reason)) != STORE_OK)
			return rc;
	return STORE_OK;
}

int
room_store_record(struct room *r, struct store_txn *txn)
{
	char *json;
	int rc;

	if ((json = room_record_json(r)) == NULL)
		return STORE_ERR;
	rc = store_room_put(txn, r->jid, json);
	free(json);
	return rc;
}

/* What a room that was never stored needs on disk before any change;
 * it replaces the tombstone of a room of the same JID, if any. */
static int
store_whole(struct room *r, struct store_txn *txn)
{
	int rc = room_store_record(r, txn);

	if (rc == STORE_OK && (rc = store_tomb_del(txn, r->jid)) ==
	    STORE_NOTFOUND)
		rc = STORE_OK;
	if (rc == STORE_OK)
		rc = store_all_affs(r, txn);
	if (rc == STORE_OK)
		rc = hats_store_all(r, txn);
	if (rc == STORE_OK)
		rc = avatar_store(r, txn);
	if (rc == STORE_OK)
		rc = history_store_all(r, txn);
	return rc;
}

int
room_txn_begin(struct room *r, struct store_txn **txn)
{
	struct mucd *m = r->mucd;
	int rc;

	*txn = NULL;
	/* A temporary room lives on in the group's copy only (live.db). */
	if (!r->cfg.persistent || !r->stored)
		room_touched(r);
	if (m->store == NULL || (!r->cfg.persistent && !r->stored))
		return STORE_OK;
	if ((rc = store_begin(m->store, txn)) != STORE_OK)
		return rc;
	/* A persistent room whose first save failed (a full disk when it
	 * was created) is stored with this change or not at all. */
	if (r->cfg.persistent && !r->stored &&
	    (rc = store_whole(r, *txn)) != STORE_OK) {
		store_abort(*txn);
		*txn = NULL;
		return rc;
	}
	return STORE_OK;
}

int
room_txn_commit(struct room *r, struct store_txn *txn)
{
	int rc;

	if (txn == NULL)
		return STORE_OK;
	/* The change's audit notes, durable with it or not at all. */
	if ((rc = audit_commit(r->mucd, txn)) != STORE_OK)
		return rc;
	r->stored = r->cfg.persistent;
	mucd_store_dirty(r->mucd);
	return STORE_OK;
}

int
room_txn_run(struct room *r, int (*write)(struct room *, struct store_txn *,
    void *), void *arg)
{
	struct store_txn *txn;
	int rc;

	if ((rc = room_txn_begin(r, &txn)) != STORE_OK) {
		/* The change does not happen: nor do its audit notes. */
		audit_discard(r->mucd);
		return rc;
	}
	if (txn == NULL)
		return STORE_OK;
	if ((rc = write(r, txn, arg)) != STORE_OK) {
		store_abort(txn);
		audit_discard(r->mucd);
		return rc;
	}
	return room_txn_commit(r, txn);
}

int
room_store_change(struct room *r, const char *what,
    int (*write)(struct room *, struct store_txn *, void *), void *arg,
    struct muc_err *e)
{
	struct mucd *m = r->mucd;
	int rc;

	if ((rc = room_txn_run(r, write, arg)) == STORE_OK)
		return 0;
	m->stats.store_errors++;
	log_error("room %s: storing %s: %s", r->jid, what,
	    store_errmsg(m->store));
	return st_refuse(e, ERR_WAIT, rc == STORE_FULL ? "resource-constraint" :
	    "internal-server-error", "Could not store the change");
}

/* What room_save writes: the record, or its deletion once temporary. */
static int
write_record(struct room *r, struct store_txn *txn, void *was_stored)
{
	int rc = STORE_OK;

	if (!r->cfg.persistent)
		rc = store_room_del(txn, r->jid);
	else if (*(bool *)was_stored)
		rc = room_store_record(r, txn);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
room_save(struct room *r)
{
	struct mucd *m = r->mucd;
	bool was_stored = r->stored;
	int rc;

	if ((rc = room_txn_run(r, write_record, &was_stored)) == STORE_OK)
		return 0;
	m->stats.store_errors++;
	log_error("saving room %s: %s", r->jid, store_errmsg(m->store));
	return rc < 0 ? rc : STORE_ERR;
}

bool
room_is_locked(struct room *r)
{
	if (r->locked && loop_now_ms() >= r->lock_until) {
		log_debug("room %s: lock expired", r->jid);
		r->locked = false;
	}
	return r->locked;
}

void
room_hold(struct room *r)
{
	r->hold++;
}

void
room_release(struct room *r)
{
	if (--r->hold == 0)
		room_check_empty(r);
}

void
room_check_empty(struct room *r)
{
	if (hmap_count(&r->occupants) > 0 || r->destroying || r->hold > 0)
		return;
	r->idle_since = loop_now_ms();
	r->last_used = (long long)time(NULL);
	if (!r->cfg.persistent) {
		log_debug("room %s is empty and temporary: destroying", r->jid);
		if (r->stored)
			room_save(r);
		archive_forget(r, NULL, false);
		r->mucd->stats.rooms_destroyed++;
		room_forget(r);
		return;
	}
	/* Record when it was last used, for `mucctl rooms --unused`. */
	room_save(r);
}

unsigned
rooms_evict_idle(struct mucd *m, uint64_t idle_ms)
{
	uint64_t now = loop_now_ms();
	struct room **victims = NULL, *r;
	size_t i, n = 0, cap = 0;
	const char *k;
	unsigned evicted = 0;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); ) {
		if (hmap_count(&r->occupants) > 0 || !r->stored ||
		    r->locked || now - r->idle_since < idle_ms)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct room **nv = realloc(victims, nc * sizeof(*nv));

			if (nv == NULL)
				break;
			victims = nv;
			cap = nc;
		}
		victims[n++] = r;
	}
	for (i = 0; i < n; i++) {
		log_debug("room %s idle: evicted from memory", victims[i]->jid);
		room_forget(victims[i]);
		evicted++;
	}
	free(victims);
	m->stats.rooms_evicted += evicted;
	return evicted;
}

void
rooms_free_all(struct mucd *m)
{
	const char *k;
	void *v;
	size_t i;

	for (i = 0; hmap_next(&m->rooms, &i, &k, &v); )
		room_free(v);
	hmap_free(&m->rooms);
}

/* Affiliations. */

struct affil *
room_affil(const struct room *r, const char *bare)
{
	return hmap_get(&r->affs, bare);
}

enum store_aff
room_affiliation(const struct room *r, const char *bare)
{
	const struct affil *a;
	const char *dom;

	if (mucd_is_admin(r->mucd, bare))
		return AFF_OWNER;
	if (blocklist_bans(r->mucd, bare))
		return AFF_OUTCAST;
	if ((a = hmap_get(&r->affs, bare)) != NULL)
		return a->aff;
	/* A banned domain bans everyone on it. */
	if ((dom = strchr(bare, '@')) != NULL &&
	    (a = hmap_get(&r->affs, dom + 1)) != NULL && a->aff == AFF_OUTCAST)
		return AFF_OUTCAST;
	return AFF_NONE;
}

const char *
room_nick_owner(const struct room *r, const char *nick)
{
	const struct affil *a = hmap_get(&r->nicks, nick);

	return a ? a->bare : NULL;
}

const char *
room_lookalike_owner(const struct room *r, const char *nick, const char *bare)
{
	const struct occupant *o;
	const struct affil *a;
	char *skel = skeleton_of(nick);
	const char *who = NULL;

	if (skel == NULL)
		return NULL;
	if ((o = hmap_get(&r->skels, skel)) != NULL && strcmp(o->bare, bare))
		who = o->bare;
	else if ((a = hmap_get(&r->nick_skels, skel)) != NULL &&
	    strcmp(a->bare, bare))
		who = a->bare;
	free(skel);
	return who;
}

const char *
room_reserved_nick(const struct room *r, const char *bare)
{
	const struct affil *a = hmap_get(&r->affs, bare);

	return a ? a->nick : NULL;
}

int
room_affil_put(struct room *r, const char *bare, enum store_aff aff,
    const char *nick, const char *reason)
{
	struct affil *a = hmap_get(&r->affs, bare), *na;

	if (nick != NULL && *nick == '\0')
		nick = NULL;
	if (reason != NULL && *reason == '\0')
		reason = NULL;
	if (a != NULL) {
		if (a->nick != NULL)
			hmap_del(&r->nicks, a->nick);
		if (a->skel != NULL && hmap_get(&r->nick_skels, a->skel) == a)
			hmap_del(&r->nick_skels, a->skel);
		hmap_del(&r->affs, a->bare);
		affil_free(a);
	}
	if (aff == AFF_NONE)
		return 0;
	if ((na = calloc(1, sizeof(*na))) == NULL ||
	    (na->bare = strdup(bare)) == NULL ||
	    (nick && (na->nick = strdup(nick)) == NULL) ||
	    (reason && (na->reason = strdup(reason)) == NULL))
		goto oom;
	na->aff = aff;
	if (hmap_put(&r->affs, na->bare, na) == -1)
		goto oom;
	if (na->nick != NULL && (hmap_put(&r->nicks, na->nick, na) == -1 ||
	    (na->skel = skeleton_of(na->nick)) == NULL ||
	    hmap_put(&r->nick_skels, na->skel, na) == -1)) {
		hmap_del(&r->nicks, na->nick);
		hmap_del(&r->affs, na->bare);
		goto oom;
	}
	return 0;
oom:
	if (na != NULL)
		affil_free(na);
	return -1;
}

/* Roles. */

enum role
room_default_role(const struct room *r, enum store_aff aff)
{
	if (aff_rank(aff) >= aff_rank(AFF_ADMIN))
		return ROLE_MODERATOR;
	if (aff == AFF_OUTCAST)
		return ROLE_NONE;
	if (aff == AFF_NONE && r->cfg.members_only)
		return ROLE_NONE;
	if (aff == AFF_NONE && r->cfg.moderated)
		return ROLE_VISITOR;
	return ROLE_PARTICIPANT;
}

/* Occupants. */

struct occupant *
room_occupant(const struct room *r, const char *nick)
{
	return hmap_get(&r->occupants, nick);
}

struct occupant *
room_occupant_by_jid(const struct room *r, const char *full)
{
	return hmap_get(&r->by_jid, full);
}

_Static_assert(crypto_auth_hmacsha256_BYTES == 32, "room_mac writes 32 bytes");

void
room_mac(const struct room *r, const char *s, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, r->salt, sizeof(r->salt));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)s,
	    strlen(s));
	crypto_auth_hmacsha256_final(&st, out);
}

void
room_occupant_id(const struct room *r, const char *bare, char out[48])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	/* Stable per (room, bare JID), unlinkable across rooms (XEP-0421). */
	room_mac(r, bare, mac);
	sodium_bin2base64(out, 48, mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
}

struct occupant *
occupant_new(struct room *r, const char *nick, const char *bare)
{
	char occjid[JID_MAX + 1];
	struct occupant *o;

	if (jid_compose(occjid, sizeof(occjid), r->node, r->mucd->conf.domain,
	    nick) == -1)
		return NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->room = r;
	if ((o->nick = strdup(nick)) == NULL ||
	    (o->occjid = strdup(occjid)) == NULL ||
	    (o->bare = strdup(bare)) == NULL ||
	    (o->skel = skeleton_of(nick)) == NULL) {
		occupant_free(o);
		return NULL;
	}
	room_occupant_id(r, bare, o->occupant_id);
	return o;
}

struct session *
occupant_session(const struct occupant *o, const char *full)
{
	struct session *s;

	for (s = o->sessions; s != NULL; s = s->next)
		if (strcmp(s->jid, full) == 0)
			return s;
	return NULL;
}

unsigned
occupant_session_count(const struct occupant *o)
{
	const struct session *s;
	unsigned n = 0;

	for (s = o->sessions; s != NULL; s = s->next)
		n++;
	return n;
}

static struct session *
first_available(const struct occupant *o)
{
	struct session *s;

	for (s = o->sessions; s != NULL; s = s->next)
		if (!s->unavailable)
			return s;
	return NULL;
}

/* Children the room controls are never taken from the client's presence:
 * MUC payloads, and anything claiming to be an occupant id or hats. */
static bool
filtered_child(const struct xnode *c)
{
	return strcmp(c->ns, NS_MUC) == 0 || strcmp(c->ns, NS_MUC_USER) == 0 ||
	    strcmp(c->ns, NS_OCCUPANT_ID) == 0 || strcmp(c->ns, NS_HATS) == 0;
}

static char *
presence_payload(const struct xnode *pres)
{
	const struct xnode *c;
	struct buf b;

	buf_init(&b, 0);
	for (c = pres->first; c != NULL; c = c->next) {
		if (c->name != NULL && filtered_child(c))
			continue;
		/* Whitespace between children carries nothing. */
		if (c->name == NULL && strspn(c->text, " \t\r\n") == c->len)
			continue;
		if (x_serialize(c, &b, NS_COMPONENT) == -1) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_steal(&b);
}

/*
 * room->by_jid maps live sessions to occupants; room->bare_count counts
 * them per bare JID, so limits per user are O(1) however big the room.
 * Every change to by_jid goes through these two.
 */
static int
index_add(struct room *r, const char *full, struct occupant *o)
{
	struct bare_count *bc;

	if (hmap_get(&r->by_jid, full) == o)
		return 0;
	if (hmap_put(&r->by_jid, full, o) == -1)
		return -1;
	if ((bc = hmap_get(&r->bare_count, o->bare)) == NULL) {
		if ((bc = calloc(1, sizeof(*bc))) == NULL ||
		    (bc->bare = strdup(o->bare)) == NULL ||
		    hmap_put(&r->bare_count, bc->bare, bc) == -1) {
			if (bc != NULL)
				free(bc->bare);
			free(bc);
			hmap_del(&r->by_jid, full);
			return -1;
		}
	}
	bc->n++;
	return 0;
}

static void
index_del(struct room *r, const char *full, struct occupant *o)
{
	struct bare_count *bc;

	if (hmap_get(&r->by_jid, full) != o)
		return;
	hmap_del(&r->by_jid, full);
	if ((bc = hmap_get(&r->bare_count, o->bare)) != NULL && --bc->n == 0) {
		hmap_del(&r->bare_count, bc->bare);
		free(bc->bare);
		free(bc);
	}
}

unsigned
room_sessions_of(const struct room *r, const char *bare)
{
	const struct bare_count *bc = hmap_get(&r->bare_count, bare);

	return bc ? bc->n : 0;
}

/* Keep room->by_jid in step for occupants already in the room: only
 * live sessions map to their occupant. */
static void
index_session(struct occupant *o, struct session *s)
{
	struct room *r = o->room;

	if (hmap_get(&r->occupants, o->nick) != o)
		return;
	if (s->unavailable)
		index_del(r, s->jid, o);
	else
		index_add(r, s->jid, o);
}

/* Takes payload and nid (either may be NULL for none). */
static int
session_update(struct occupant *o, const char *full, char *payload, char *nid,
    bool unavailable)
{
	struct session *s = occupant_session(o, full);

	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL ||
		    (s->jid = strdup(full)) == NULL ||
		    st_to_attr(s->jid, &s->to_attr, &s->to_len) == -1) {
			if (s != NULL)
				free(s->jid);
			free(s);
			free(payload);
			free(nid);
			return -1;
		}
		s->next = o->sessions;
		o->sessions = s;
	} else {
		free(s->payload);
		free(s->pres_id);
	}
	s->payload = payload;
	s->pres_id = nid;
	s->unavailable = unavailable;
	index_session(o, s);
	/* An unavailable presence stays primary only without options. */
	if (o->primary == NULL || (s->unavailable && o->primary == s)) {
		struct session *p = first_available(o);

		o->primary = p ? p : s;
	}
	room_occupant_touched(o);
	return 0;
}

int
occupant_set_session(struct occupant *o, const char *full,
    const struct xnode *pres)
{
	const char *id = x_attr(pres, "id");
	char *payload, *nid = NULL;

	if ((payload = presence_payload(pres)) == NULL ||
	    (id != NULL && (nid = strdup(id)) == NULL)) {
		free(payload);
		return -1;
	}
	return session_update(o, full, payload, nid,
	    strcmp(st_type(pres), "unavailable") == 0);
}

int
occupant_revive_session(struct occupant *o, const char *full,
    const char *payload, const char *id)
{
	char *p, *nid = NULL;

	if ((p = strdup(payload)) == NULL ||
	    (id != NULL && (nid = strdup(id)) == NULL)) {
		free(p);
		return -1;
	}
	return session_update(o, full, p, nid, false);
}

void
occupant_remove_session(struct occupant *o, const char *full)
{
	struct session **pp, *s;

	for (pp = &o->sessions; (s = *pp) != NULL; pp = &s->next)
		if (strcmp(s->jid, full) == 0) {
			*pp = s->next;
			if (o->primary == s)
				o->primary = first_available(o);
			index_del(o->room, s->jid, o);
			session_free(s);
			room_occupant_touched(o);
			return;
		}
}

int
room_add_occupant(struct room *r, struct occupant *o)
{
	struct session *s;

	if (hmap_put(&r->occupants, o->nick, o) == -1 ||
	    hmap_put(&r->skels, o->skel, o) == -1)
		return -1;
	for (s = o->sessions; s != NULL; s = s->next)
		if (!s->unavailable && index_add(r, s->jid, o) == -1)
			return -1;
	r->idle_since = 0;
	room_occupant_touched(o);
	return 0;
}

void
room_remove_occupant(struct room *r, struct occupant *o)
{
	struct session *s;

	room_occupant_touched(o);
	for (s = o->sessions; s != NULL; s = s->next)
		index_del(r, s->jid, o);
	if (hmap_get(&r->occupants, o->nick) == o)
		hmap_del(&r->occupants, o->nick);
	if (hmap_get(&r->skels, o->skel) == o)
		hmap_del(&r->skels, o->skel);
	occupant_free(o);
}

int
room_rename_occupant(struct room *r, struct occupant *o, const char *nick)
{
	char occjid[JID_MAX + 1], *nn, *nj, *ns;

	if (jid_compose(occjid, sizeof(occjid), r->node, r->mucd->conf.domain,
	    nick) == -1 || (nn = strdup(nick)) == NULL)
		return -1;
	if ((nj = strdup(occjid)) == NULL || (ns = skeleton_of(nick)) == NULL) {
		free(nn);
		free(nj);
		return -1;
	}
	room_occupant_touched(o);
	hmap_del(&r->occupants, o->nick);
	if (hmap_get(&r->skels, o->skel) == o)
		hmap_del(&r->skels, o->skel);
	free(o->nick);
	free(o->occjid);
	free(o->skel);
	o->nick = nn;
	o->occjid = nj;
	o->skel = ns;
	room_occupant_touched(o);
	if (hmap_put(&r->skels, o->skel, o) == -1)
		return -1;
	return hmap_put(&r->occupants, o->nick, o);
}

/* Broadcasting. */

/* Room left in each copy for the ' to' attribute spliced in per session. */
#define TO_ROOM		(JID_MAX + 8)

void
room_fanout_occupant(struct fanout *f, const struct occupant *o)
{
	const struct session *s;

	for (s = o->sessions; s != NULL; s = s->next)
		if (!s->unavailable)
			fanout_add(f, s->jid, s->to_attr, s->to_len);
}

/* -1: out of memory, or a copy would exceed max_stanza_out. */
static int
serialize_once(const struct room *r, const struct xnode *st, struct buf *b,
    size_t *split)
{
	size_t max = r->mucd->conf.max_stanza_out;

	buf_init(b, max > TO_ROOM ? max - TO_ROOM : 1);
	*split = 1 + strlen(st->name);
	if (x_serialize(st, b, NS_COMPONENT) == 0)
		return 0;
	buf_free(b);
	log_warn("room %s: a <%s/> too large for max_stanza_out (%zu) was "
	    "not sent", r->jid, st->name, max);
	return -1;
}

bool
room_role_at_least(const struct occupant *o, void *min)
{
	return o->role >= *(const enum role *)min;
}

static void
send_all(struct room *r, const struct buf *b, size_t split, occ_filter filter,
    void *arg)
{
	struct occupant *o;
	struct fanout f;
	const char *k;
	size_t i;

	fanout_begin(&f, r->mucd, b->data, b->len, split);
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); )
		if (filter == NULL || filter(o, arg))
			room_fanout_occupant(&f, o);
	fanout_end(&f);
}

int
room_broadcast(struct room *r, const struct xnode *st, occ_filter filter,
    void *arg)
{
	size_t split;
	struct buf b;

	if (serialize_once(r, st, &b, &split) == -1)
		return -1;
	send_all(r, &b, split, filter, arg);
	buf_free(&b);
	return 0;
}

int
room_relay(struct room *r, const struct xnode *st, relay_admit admit,
    void *arg, struct muc_err *e)
{
	struct mucd *m = r->mucd;
	double rate = (double)m->conf.room_fanout_rate;
	size_t split;
	struct buf b;

	if (serialize_once(r, st, &b, &split) == -1)
		return st_refuse(e, ERR_MODIFY, "policy-violation",
		    "Message too large to relay");
	/* Every live session gets a copy; one second's worth is the burst. */
	if (!ratelimit_spend(m, &r->fanout, rate, rate,
	    (double)b.len * (double)hmap_count(&r->by_jid))) {
		buf_free(&b);
		return st_refuse(e, ERR_WAIT, "resource-constraint",
		    "The room is relaying more than the service allows; "
		    "wait a moment and send again");
	}
	if (admit != NULL && admit(arg, &b, e) == -1) {
		buf_free(&b);
		return -1;
	}
	send_all(r, &b, split, NULL, NULL);
	buf_free(&b);
	return 0;
}

int
room_send_to_occupant(struct room *r, const struct occupant *o,
    const struct xnode *st)
{
	struct fanout f;
	size_t split;
	struct buf b;

	if (serialize_once(r, st, &b, &split) == -1)
		return -1;
	fanout_begin(&f, r->mucd, b.data, b.len, split);
	room_fanout_occupant(&f, o);
	fanout_end(&f);
	buf_free(&b);
	return 0;
}

void
room_send_status_codes(struct room *r, const int *codes, int n)
{
	struct xnode *msg, *x, *s;
	int i;

	if (n == 0)
		return;
	msg = x_new("message", NS_COMPONENT);
	x_set_attr(msg, "type", "groupchat");
	x_set_attr(msg, "from", r->jid);
	x = x_add(msg, "x", NS_MUC_USER);
	for (i = 0; i < n; i++) {
		s = x_add(x, "status", NULL);
		x_set_attrf(s, "code", "%d", codes[i]);
	}
	room_broadcast(r, msg, NULL, NULL);
	x_free(msg);
}
