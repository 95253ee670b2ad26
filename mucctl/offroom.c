/*
 * offroom: the offline room commands — rooms, room show/create/config/
 * destroy — and backup. Each mirrors cmd_* in mucd/ctlcmd.c for a daemon
 * that has no room in memory (so: no occupants, nothing loaded).
 */
#include "mucctl.h"

#include <regex.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlargs.h"
#include "jid.h"
#include "roomcfg.h"
#include "store.h"

#define ROOMS_LIMIT	10000	/* the daemon's default page */

/* ---- rooms ---- */

struct rooms_q {
	struct mucctl	*m;
	json_t		*list;
	regex_t		 re;
	bool		 has_re, public_only, more, oom;
	long long	 unused_before;
	size_t		 limit;
};

static bool
rooms_match(struct rooms_q *rq, const char *jid, const struct room_record *r)
{
	if (rq->has_re && regexec(&rq->re, jid, 0, NULL, 0) != 0)
		return false;
	if (rq->public_only && !r->cfg.public)
		return false;
	if (rq->unused_before && r->last_used >= rq->unused_before)
		return false;
	return true;
}

static int
rooms_cb(void *arg, const char *jid, const char *json)
{
	struct rooms_q *rq = arg;
	struct room_record rec;
	char err[128];

	if (roomrec_decode(&rec, &rq->m->conf, json, err, sizeof(err)) == -1)
		return 0;	/* the daemon skips undecodable records too */
	if (rooms_match(rq, jid, &rec)) {
		if (json_array_size(rq->list) >= rq->limit)
			rq->more = true;
		else if (json_array_append_new(rq->list, json_pack("{s:s,"
		    "s:s?,s:i,s:b,s:b,s:b,s:I,s:b}", "jid", jid, "name",
		    rec.cfg.name, "occupants", 0, "persistent",
		    rec.cfg.persistent, "public", rec.cfg.public,
		    "members_only", rec.cfg.members_only, "last_used",
		    (json_int_t)rec.last_used, "loaded", 0)) == -1)
			rq->oom = true;
	}
	roomrec_free(&rec);
	return rq->more || rq->oom;
}

static int
rooms_filters(struct rooms_q *rq, json_t *args, struct mc_err *e)
{
	const char *s = json_string_value(json_object_get(args, "match"));
	json_t *v;

	if (s != NULL) {
		if (regcomp(&rq->re, s, REG_EXTENDED | REG_NOSUB | REG_ICASE))
			return mc_fail(e, EXIT_REFUSED, "bad-request",
			    "invalid regular expression");
		rq->has_re = true;
	}
	/* Offline every room is empty, so "empty" excludes none. */
	rq->public_only = json_is_true(json_object_get(args, "public"));
	if (json_is_integer(v = json_object_get(args, "unused_days")))
		rq->unused_before = (long long)time(NULL) -
		    json_integer_value(v) * 86400;
	rq->limit = ROOMS_LIMIT;
	if (json_is_integer(v = json_object_get(args, "limit")) &&
	    json_integer_value(v) > 0)
		rq->limit = (size_t)json_integer_value(v);
	return 0;
}

int
off_rooms(struct mucctl *m, json_t *args, json_t **result, struct mc_err *e)
{
	struct rooms_q rq = { .m = m };
	const char *after = json_string_value(json_object_get(args, "after"));
	int rc = 0;

	if (rooms_filters(&rq, args, e) == -1)
		return -1;
	if ((rq.list = json_array()) == NULL)
		rc = mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	else if (store_room_iter(m->store, after, rooms_cb, &rq) < 0 ||
	    rq.oom) {
		rc = rq.oom ? mc_fail(e, EXIT_REFUSED, "internal", "out of "
		    "memory") : off_store_fail(m, e);
		json_decref(rq.list);
	} else
		*result = json_pack("{s:o,s:b}", "rooms", rq.list, "truncated",
		    rq.more);
	if (rq.has_re)
		regfree(&rq.re);
	return rc;
}

/* ---- room show ---- */

static int
count_aff(void *arg, const char *bare, const struct store_aff_rec *rec)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
count_hist(void *arg, uint64_t seq, const char *json)
{
	(*(size_t *)arg)++;
	return 0;
}

/* What the daemon would hold in memory after loading the room. */
static int
room_counts(struct mucctl *m, const char *jid, const struct room_record *r,
    size_t *naff, size_t *nhist)
{
	unsigned cap = r->cfg.history_length < m->conf.history_max ?
	    r->cfg.history_length : m->conf.history_max;

	*naff = *nhist = 0;
	if (store_aff_iter(m->store, jid, count_aff, naff) < 0)
		return -1;
	if (m->conf.history_persist && cap > 0 &&
	    store_history_iter(m->store, jid, cap, count_hist, nhist) < 0)
		return -1;
	return 0;
}

static json_t *
show_json(const char *jid, const struct room_record *r, size_t naff,
    size_t nhist)
{
	return json_pack("{s:s,s:o,s:{s:s?,s:s?,s:I},s:I,s:I,s:b,s:b,s:i,s:i,"
	    "s:i,s:[]}", "jid", jid, "config", off_config_json(&r->cfg),
	    "subject", "text", r->subject.text, "from", r->subject.from,
	    "time", (json_int_t)r->subject.time,
	    "created", (json_int_t)r->created,
	    "last_used", (json_int_t)r->last_used, "locked", 0, "stored", 1,
	    "occupants", 0, "affiliations", (int)naff, "history", (int)nhist,
	    "occupant_list");
}

/* The stored record of args' room, decoded; a record that does not
 * decode is one the daemon could not load either. */
static int
load_room(struct mucctl *m, json_t *args, char *jid, size_t len,
    struct room_record *rec, struct mc_err *e)
{
	char err[256], *json;
	int rc;

	if (off_need_room(m, args, jid, len, &json, e) == -1)
		return -1;
	rc = roomrec_decode(rec, &m->conf, json, err, sizeof(err));
	free(json);
	if (rc == -1)
		return mc_fail(e, EXIT_REFUSED, "internal", "room %s could not "
		    "be loaded: %s", jid, err);
	return 0;
}

int
off_room_show(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char jid[JID_BARE_MAX + 1];
	struct room_record rec;
	size_t naff, nhist;
	int rc = 0;

	if (load_room(m, args, jid, sizeof(jid), &rec, e) == -1)
		return -1;
	if (room_counts(m, jid, &rec, &naff, &nhist) == -1)
		rc = off_store_fail(m, e);
	else
		*result = show_json(jid, &rec, naff, nhist);
	roomrec_free(&rec);
	return rc;
}

/* ---- room create / config ---- */

/* args.config onto c, as the daemon applies it. */
static int
apply_settings(struct mucctl *m, json_t *args, struct room_config *c,
    struct mc_err *e)
{
	char err[256];

	if (ctlargs_config(args, c, &m->conf, err, sizeof(err)) == 0)
		return 0;
	return mc_fail(e, EXIT_REFUSED, "bad-request", "%s", err);
}

/* Write the record in its own transaction. */
/* The record, and owners for a new room, in one transaction. */
static int
put_record_owners(struct mucctl *m, const char *jid,
    const struct room_record *r, char owners[][JID_BARE_MAX + 1],
    size_t nowners, struct mc_err *e)
{
	struct store_aff_rec owner = { AFF_OWNER, NULL, NULL };
	struct store_txn *txn;
	char *json;
	size_t i;
	int rc;

	if ((json = roomrec_encode(r)) == NULL)
		return mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	if ((rc = store_begin(m->store, &txn)) == STORE_OK) {
		rc = store_room_put(txn, jid, json);
		for (i = 0; rc == STORE_OK && i < nowners; i++)
			rc = store_aff_put(txn, jid, owners[i], &owner);
		if (rc == STORE_OK)
			rc = store_commit(txn);
		else
			store_abort(txn);
	}
	free(json);
	return rc == STORE_OK ? 0 : off_store_fail(m, e);
}

static int
put_record(struct mucctl *m, const char *jid, const struct room_record *r,
    struct mc_err *e)
{
	return put_record_owners(m, jid, r, NULL, 0, e);
}

static int
owners_arg(json_t *args, char (**out)[JID_BARE_MAX + 1], size_t *n,
    struct mc_err *e)
{
	char err[JID_MAX + 64];
	int rc;

	if ((rc = ctlargs_owners(args, out, n, err, sizeof(err))) == 0)
		return 0;
	return mc_fail(e, EXIT_REFUSED, rc == CTLARG_NOMEM ? "internal" :
	    "bad-request", "%s", err);
}

static int
delete_room(struct mucctl *m, const char *jid, struct mc_err *e)
{
	struct store_txn *txn;
	int rc;

	if ((rc = store_begin(m->store, &txn)) == STORE_OK) {
		if ((rc = store_room_del(txn, jid)) >= 0)
			rc = store_commit(txn);
		else
			store_abort(txn);
	}
	return rc == STORE_OK ? 0 : off_store_fail(m, e);
}

/* A new room's occupant-id key, as room_alloc() makes one. */
static void
new_salt(struct room_record *r)
{
	unsigned char salt[32];

	randombytes_buf(salt, sizeof(salt));
	sodium_bin2hex(r->salt, sizeof(r->salt), salt, sizeof(salt));
}

static int
check_absent(struct mucctl *m, const char *jid, struct mc_err *e)
{
	char *json = NULL;
	int rc = store_room_get(m->store, jid, &json);

	free(json);
	if (rc == STORE_OK)
		return mc_fail(e, EXIT_REFUSED, "conflict", "room %s already "
		    "exists", jid);
	if (rc != STORE_NOTFOUND)
		return mc_fail(e, EXIT_REFUSED, "internal", "room %s could not "
		    "be checked", jid);
	return 0;
}

int
off_room_create(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	const char *s = off_need_str(args, "room", e);
	char jid[JID_BARE_MAX + 1], (*owners)[JID_BARE_MAX + 1];
	struct room_record rec;
	size_t nowners;
	int rc = -1;

	if (s == NULL || off_room_jid(m, s, jid, sizeof(jid), e) == -1 ||
	    check_absent(m, jid, e) == -1 ||
	    owners_arg(args, &owners, &nowners, e) == -1)
		return -1;
	roomrec_init(&rec, &m->conf);
	rec.cfg.persistent = true;
	rec.created = rec.last_used = (long long)time(NULL);
	new_salt(&rec);
	if (apply_settings(m, args, &rec.cfg, e) == 0) {
		if (!rec.cfg.persistent)
			mc_fail(e, EXIT_REFUSED, "bad-request", "a room "
			    "created without occupants must be persistent");
		else if ((rc = put_record_owners(m, jid, &rec, owners, nowners,
		    e)) == 0)
			*result = json_pack("{s:s}", "jid", jid);
	}
	free(owners);
	roomrec_free(&rec);
	return rc;
}

/*
 * As in the daemon, a room made temporary while nobody is in it is gone:
 * mucd would destroy it as soon as the change left it empty.
 */
int
off_room_config(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	char jid[JID_BARE_MAX + 1];
	struct room_record rec;
	int rc;

	if (load_room(m, args, jid, sizeof(jid), &rec, e) == -1)
		return -1;
	if ((rc = apply_settings(m, args, &rec.cfg, e)) == 0) {
		rc = rec.cfg.persistent ? put_record(m, jid, &rec, e) :
		    delete_room(m, jid, e);
		if (rc == 0)
			*result = json_pack("{s:o}", "config",
			    off_config_json(&rec.cfg));
	}
	roomrec_free(&rec);
	return rc;
}

/* ---- room destroy ---- */

int
off_room_destroy(struct mucctl *m, json_t *args, json_t **result,
    struct mc_err *e)
{
	const char *alt = json_string_value(json_object_get(args,
	    "alternate")), *why;
	char jid[JID_BARE_MAX + 1], altp[JID_MAX + 1], *json;

	if (off_need_room(m, args, jid, sizeof(jid), &json, e) == -1)
		return -1;
	free(json);
	/* Nobody is there to be told of the alternate, but check it. */
	if (alt != NULL && jid_prep_full(alt, altp, sizeof(altp), &why) == -1)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "alternate: %s",
		    why);
	if (delete_room(m, jid, e) == -1)
		return -1;
	*result = json_null();
	return 0;
}

/* ---- backup ---- */

int
off_backup(struct mucctl *m, json_t *args, json_t **result, struct mc_err *e)
{
	const char *dir = off_need_str(args, "dir", e);

	if (dir == NULL)
		return -1;
	if (dir[0] != '/')
		return mc_fail(e, EXIT_REFUSED, "bad-request", "the backup "
		    "directory must be an absolute path");
	if (store_backup(m->store, dir) != STORE_OK)
		return off_store_fail(m, e);
	*result = json_pack("{s:s}", "dir", dir);
	return 0;
}
