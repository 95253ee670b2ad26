/*
 * store: the Berkeley DB 5.3 environment behind store.h.
 *
 * Locking model. mucd is one thread, so any lock conflict between two
 * lockers of this process could never resolve: BDB would block forever on
 * its own mutex (a lock timeout does not help, nothing wakes the thread).
 * Three rules keep that from happening:
 *   - at most one write transaction is open at a time (store_begin);
 *   - reads run inside that transaction when it is open, otherwise inside
 *     a short read-committed transaction of their own;
 *   - iterators hold no cursor while the callback runs: each record is
 *     found afresh after the previous key, so callbacks may write.
 * Every transaction is DB_TXN_NOWAIT, so a conflict nobody foresaw (an
 * operator's db_dump joined to the live environment, say) is an error
 * message instead of a hung daemon.
 *
 * Atomicity. Each write call runs in a child transaction of the caller's,
 * so a call that fails changes nothing even if the caller goes on and
 * commits: a half-applied put (primary written, one index not) is never
 * visible.
 */
#include "storeint.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define DEFAULT_CACHE	(32UL << 20)
#define LOG_BUFFER	(256U << 10)
#define LOG_FILE_SIZE	(2U << 20)	/* at least 4 * LOG_BUFFER */
#define FILE_MODE	0640
#define DIR_MODE	0750
#define LOCK_FILE	"mucd.lock"
#define BACKUP_PARTIAL	".partial"	/* DIR.partial: a backup in the making */
#define SCHEMA_KEY	"schema"
#define PANIC_HINT	"; restart to run recovery, and if this comes " \
			"back a file is damaged: restore a backup"
/*
 * Space kept for recovery after a full disk. Recovery zeroes the rest of
 * the newest log file, which BDB creates sparse (up to LOG_FILE_SIZE of
 * fresh blocks), and writes the pages the log changed since the last
 * checkpoint; with the disk full, commits fail at once, so those are few.
 * When recovery finds no room, the reserve is given up and recovery tried
 * again; it comes back once space does.
 */
#define RESERVE_FILE	"mucd.reserve"
#define RESERVE_SIZE	(LOG_FILE_SIZE + (1U << 20))
#define LOG_PREFIX	"log."
/* Internal "nick held by another JID": a BDB code, so it cannot be
 * mistaken for an errno value (STORE_CONFLICT == ENOENT == 2). */
#define NICK_TAKEN	DB_KEYEXIST

typedef int (*keycb)(DB *, const DBT *, const DBT *, DBT *);

static int	public_key(DB *, const DBT *, const DBT *, DBT *);
static int	nick_key(DB *, const DBT *, const DBT *, DBT *);
static int	user_key(DB *, const DBT *, const DBT *, DBT *);
static int	arch_id_key(DB *, const DBT *, const DBT *, DBT *);
static int	arch_nick_key(DB *, const DBT *, const DBT *, DBT *);
static int	audit_room_key(DB *, const DBT *, const DBT *, DBT *);

/*
 * DB_RECNUM on rooms and public: without it DB_FAST_STAT reports the key
 * count saved by the last full stat (0 on a fresh database), with it the
 * count lives in the root page and is exact in O(1).
 * DB_CHKSUM: a damaged page is reported as such instead of being parsed.
 * users.db keys come from the primary key alone, hence DB_IMMUTABLE_KEY:
 * BDB need not recompute them when an affiliation record is replaced.
 * The archive's files, and those of room avatars, hats, tombstones,
 * the service's ban list and the audit trail, came later than the first
 * schema: they are created in an existing database when absent ("late").
 */
static const struct dbdef {
	const char	*file;
	u_int32_t	 flags;
	int		 primary;	/* -1: not a secondary */
	keycb		 cb;
	u_int32_t	 assoc;
	bool		 late;
} dbdefs[D_COUNT] = {
	[D_META] =	{ "meta.db", 0, -1, NULL, 0, false },
	[D_ROOMS] =	{ "rooms.db", DB_RECNUM, -1, NULL, 0, false },
	[D_PUBLIC] =	{ "public.db", DB_RECNUM, D_ROOMS, public_key, 0,
			    false },
	[D_AFFS] =	{ "affs.db", 0, -1, NULL, 0, false },
	[D_NICKS] =	{ "nicks.db", 0, D_AFFS, nick_key, 0, false },
	[D_USERS] =	{ "users.db", DB_DUP | DB_DUPSORT, D_AFFS, user_key,
			    DB_IMMUTABLE_KEY, false },
	[D_HISTORY] =	{ "history.db", 0, -1, NULL, 0, false },
	[D_ARCH] =	{ "archive.db", 0, -1, NULL, 0, true },
	[D_ARCH_IDS] =	{ "arch_ids.db", 0, D_ARCH, arch_id_key,
			    DB_IMMUTABLE_KEY, true },
	[D_ARCH_NICKS] = { "arch_nicks.db", DB_DUP | DB_DUPSORT, D_ARCH,
			    arch_nick_key, DB_IMMUTABLE_KEY, true },
	[D_ARCH_ROOMS] = { "arch_rooms.db", 0, -1, NULL, 0, true },
	[D_AVATARS] =	{ "avatars.db", 0, -1, NULL, 0, true },
	[D_HATS] =	{ "hats.db", 0, -1, NULL, 0, true },
	[D_TOMBS] =	{ "tombstones.db", 0, -1, NULL, 0, true },
	[D_BLOCKS] =	{ "blocklist.db", 0, -1, NULL, 0, true },
	[D_AUDIT] =	{ "audit.db", 0, -1, NULL, 0, true },
	[D_AUDIT_ROOMS] = { "audit_rooms.db", 0, D_AUDIT, audit_room_key,
			    DB_IMMUTABLE_KEY, true },
	[D_LIVE] =	{ "live.db", 0, -1, NULL, 0, true },
};

static const char *const aff_names[] = {
	[AFF_NONE] = "none", [AFF_OUTCAST] = "outcast",
	[AFF_MEMBER] = "member", [AFF_ADMIN] = "admin", [AFF_OWNER] = "owner",
};

/* ---- errors ---- */

/* A full disk often comes back as another error: ENOMEM when the cache
 * is all dirty pages that cannot be written, DB_RUNRECOVERY when a page
 * write fails; only BDB's messages then name the cause. */
static int
rc_map(const struct store *st, int rc)
{
	if (rc == ENOSPC || rc == EDQUOT || st->saw_full)
		return STORE_FULL;
	return STORE_ERR;
}

void
store_set_msg(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* BDB's words, but for what a replica answers while it has no copy. */
static const char *
bdb_reason(int rc)
{
	switch (rc) {
	case DB_REP_LOCKOUT:
		return "replication holds this site's database for a moment "
		    "(it is joining the group, synchronising with the master, "
		    "or was just elected): try again";
	case DB_REP_HANDLE_DEAD:
		return "this replica's copy changed under the request: try "
		    "again";
	default:
		return db_strerror(rc);
	}
}

/* Record "<what>: <db_strerror(rc)> (<BDB's detail>)"; return the store rc. */
int
store_fail(struct store *st, int rc, const char *fmt, ...)
{
	char what[512], hint[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc == DB_RUNRECOVERY)
		st->panicked = true;
	/* A full disk damages nothing: say so rather than the panic's
	 * advice, which BDB gives for any failed write. */
	if (rc_map(st, rc) == STORE_FULL)
		snprintf(hint, sizeof(hint), "; the file system holding %s is "
		    "full: free space there (nothing is damaged)",
		    st->dir != NULL ? st->dir : "the database");
	else
		snprintf(hint, sizeof(hint), "%s",
		    st->panicked ? PANIC_HINT : "");
	if (st->bdbmsg[0] != '\0')
		store_set_msg(st, "%s: %s (%s)%s", what, bdb_reason(rc),
		    st->bdbmsg, hint);
	else
		store_set_msg(st, "%s: %s%s", what, bdb_reason(rc), hint);
	repl_note_error(st, rc);
	rc = rc_map(st, rc);
	st->bdbmsg[0] = '\0';
	st->saw_full = false;
	return rc;
}

/* BDB explains most failures only through this callback, often in
 * several lines of which the first is the cause (a checksum error, say)
 * and the last a consequence (the panic): keep them all for the message
 * of the call that fails. The Replication Manager's threads call it too,
 * about their connections: what they report reaches mucd as events, and
 * this state is the opening thread's alone. */
static void
bdb_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct store *st = env->app_private;
	size_t len;

	(void)pfx;
	if (st == NULL || !pthread_equal(pthread_self(), st->owner))
		return;
	/* BDB words system errors with strerror(), so this text matches. */
	if (strstr(msg, strerror(ENOSPC)) != NULL ||
	    strstr(msg, strerror(EDQUOT)) != NULL)
		st->saw_full = true;
	if (strstr(st->bdbmsg, msg) != NULL)
		return;		/* BDB repeats itself */
	len = strlen(st->bdbmsg);
	snprintf(st->bdbmsg + len, sizeof(st->bdbmsg) - len, "%s%s",
	    len > 0 ? "; " : "", msg);
}

/* ---- small helpers ---- */

static char *
dupz(const void *p, size_t n)
{
	char *s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
dbt_in(DBT *d, const void *p, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->data = (void *)p;
	d->size = (u_int32_t)n;
}

static bool
dbt_eq(const DBT *d, const void *p, size_t n)
{
	return d->size == n && (n == 0 || memcmp(d->data, p, n) == 0);
}

static bool
dbt_prefixed(const DBT *d, const void *p, size_t n)
{
	return d->size >= n && (n == 0 || memcmp(d->data, p, n) == 0);
}

/* Load a DB_DBT_REALLOC DBT with bytes, so a cursor call can both read
 * it as the search key and overwrite it with the key found. */
static int
dbt_load(DBT *d, const void *p, size_t n)
{
	void *q;

	if (n > 0) {
		if ((q = realloc(d->data, n)) == NULL)
			return ENOMEM;
		d->data = q;
		memcpy(d->data, p, n);
	}
	d->size = (u_int32_t)n;
	return 0;
}

struct key {
	char	*p;
	size_t	 len;
};

/* a "\0" b: the affiliation, nick and history key layout. */
static int
key_join(struct key *k, const char *a, const void *b, size_t blen)
{
	size_t alen = strlen(a);

	k->len = alen + 1 + blen;
	if ((k->p = malloc(k->len)) == NULL)
		return ENOMEM;
	memcpy(k->p, a, alen);
	k->p[alen] = '\0';
	if (blen > 0)
		memcpy(k->p + alen + 1, b, blen);
	return 0;
}

/* BDB's default btree order: bytewise, a prefix sorts first. */
static int
dbt_cmp(const DBT *d, const struct key *k)
{
	size_t n = d->size < k->len ? d->size : k->len;
	int c = n > 0 ? memcmp(d->data, k->p, n) : 0;

	if (c != 0)
		return c;
	return d->size < k->len ? -1 : d->size > k->len;
}

static int
key_hist(struct key *k, const char *room, uint64_t seq)
{
	unsigned char be[8];
	int i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		be[i] = (unsigned char)(seq & 0xff);
	return key_join(k, room, be, sizeof(be));
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool
bad_str(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
json_errno(const json_error_t *e)
{
	return json_error_code(e) == json_error_out_of_memory ? ENOMEM : EINVAL;
}

/* ---- secondary key extractors (called by BDB on every primary write) ---- */

static int
public_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	json_error_t e;
	json_t *rec;
	bool pub;

	(void)sdb;
	if ((rec = json_loadb(pd->data, pd->size, 0, &e)) == NULL)
		return json_errno(&e);
	pub = json_is_true(json_object_get(json_object_get(rec, "config"),
	    "public"));
	json_decref(rec);
	if (!pub)
		return DB_DONOTINDEX;
	sk->data = pk->data;
	sk->size = pk->size;
	sk->flags = 0;
	return 0;
}

static size_t
room_len(const DBT *pk)
{
	const char *nul = memchr(pk->data, '\0', pk->size);

	return nul == NULL ? pk->size : (size_t)(nul - (const char *)pk->data);
}

/* room "\0" nick: two parts, so the key needs memory of its own, which
 * BDB frees after use because of DB_DBT_APPMALLOC. */
static int
nick_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	json_error_t e;
	json_t *rec, *nick;
	size_t rlen = room_len(pk), nlen;
	char *p;

	(void)sdb;
	if (rlen == pk->size)
		return EINVAL;
	if ((rec = json_loadb(pd->data, pd->size, 0, &e)) == NULL)
		return json_errno(&e);
	nick = json_object_get(rec, "nick");
	if (!json_is_string(nick) || (nlen = json_string_length(nick)) == 0) {
		json_decref(rec);
		return DB_DONOTINDEX;
	}
	if ((p = malloc(rlen + 1 + nlen)) == NULL) {
		json_decref(rec);
		return ENOMEM;
	}
	memcpy(p, pk->data, rlen + 1);
	memcpy(p + rlen + 1, json_string_value(nick), nlen);
	json_decref(rec);
	sk->data = p;
	sk->size = (u_int32_t)(rlen + 1 + nlen);
	sk->flags = DB_DBT_APPMALLOC;
	return 0;
}

static int
user_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	size_t rlen = room_len(pk);

	(void)sdb;
	(void)pd;
	if (rlen + 1 >= pk->size)
		return EINVAL;
	sk->data = (char *)pk->data + rlen + 1;
	sk->size = (u_int32_t)(pk->size - rlen - 1);
	sk->flags = 0;
	return 0;
}

/*
 * Archive records (version 1), binary so the bytes on disk stay close to
 * the stanza's own: u8 version, u8 flags, u8 stanza-id length, u16 nick
 * length, u16 JID length (big-endian), the three strings, the stanza.
 */
#define AREC_VERSION	1
#define AREC_HDR	7
#define ARCH_KEY	12	/* aid (4) + seq (8), both big-endian */

struct arec_view {
	unsigned	 flags;
	const char	*sid, *nick, *jid, *xml;
	size_t		 sidlen, nicklen, jidlen, xmllen;
};

static int
arec_parse(const void *p, size_t n, struct arec_view *v)
{
	const unsigned char *b = p;

	if (n < AREC_HDR || b[0] != AREC_VERSION)
		return EINVAL;
	v->flags = b[1];
	v->sidlen = b[2];
	v->nicklen = (size_t)b[3] << 8 | b[4];
	v->jidlen = (size_t)b[5] << 8 | b[6];
	if (AREC_HDR + v->sidlen + v->nicklen + v->jidlen > n)
		return EINVAL;
	v->sid = (const char *)b + AREC_HDR;
	v->nick = v->sid + v->sidlen;
	v->jid = v->nick + v->nicklen;
	v->xml = v->jid + v->jidlen;
	v->xmllen = n - AREC_HDR - v->sidlen - v->nicklen - v->jidlen;
	return 0;
}

/*
 * aid (from the primary key) + one string of the record. An empty string
 * (the room's own messages have no nick) is indexed too, under the aid
 * alone. Berkeley DB 5.3 hands every secondary's callback the same key
 * DBT when it deletes a record, and after a DB_DONOTINDEX leaves
 * DB_DBT_MULTIPLE set in it: a callback that or-ed its flags in made BDB
 * read the next key as an array and crash (test_archive_reap_roomless_
 * nick). Every key callback here assigns its flags; and indexing "" keeps
 * the archive's two secondaries out of that path altogether. Nobody asks
 * for nick "".
 */
static int
arch_sec_key(const DBT *pk, const char *str, size_t len, DBT *sk)
{
	char *p;

	if (pk->size != ARCH_KEY)
		return EINVAL;
	if ((p = malloc(4 + (len ? len : 1))) == NULL)
		return ENOMEM;
	memcpy(p, pk->data, 4);
	if (len > 0)
		memcpy(p + 4, str, len);
	sk->data = p;
	sk->size = (u_int32_t)(4 + len);
	sk->flags = DB_DBT_APPMALLOC;
	return 0;
}

static int
arch_id_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	struct arec_view v;
	int rc;

	(void)sdb;
	if ((rc = arec_parse(pd->data, pd->size, &v)) != 0)
		return rc;
	return arch_sec_key(pk, v.sid, v.sidlen, sk);
}

static int
arch_nick_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	struct arec_view v;
	int rc;

	(void)sdb;
	if ((rc = arec_parse(pd->data, pd->size, &v)) != 0)
		return rc;
	return arch_sec_key(pk, v.nick, v.nicklen, sk);
}

/* ---- affiliation records ---- */

const char *
store_aff_name(enum store_aff a)
{
	if ((unsigned)a >= sizeof(aff_names) / sizeof(aff_names[0]))
		return NULL;
	return aff_names[a];
}

int
store_aff_parse(const char *s, enum store_aff *a)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(aff_names) / sizeof(aff_names[0]);
	    i++) {
		if (strcmp(s, aff_names[i]) == 0) {
			*a = (enum store_aff)i;
			return STORE_OK;
		}
	}
	return STORE_ERR;
}

/* On success rec's strings point into *rootp until it is released. */
static int
aff_decode(const DBT *d, json_t **rootp, struct store_aff_rec *rec)
{
	json_error_t e;
	json_t *root, *a, *nick, *reason;

	if ((root = json_loadb(d->data, d->size, 0, &e)) == NULL)
		return json_errno(&e);
	a = json_object_get(root, "affiliation");
	if (!json_is_string(a) ||
	    store_aff_parse(json_string_value(a), &rec->aff) != STORE_OK ||
	    rec->aff == AFF_NONE) {
		json_decref(root);
		return EINVAL;
	}
	nick = json_object_get(root, "nick");
	reason = json_object_get(root, "reason");
	rec->nick = json_is_string(nick) ? json_string_value(nick) : NULL;
	rec->reason = json_is_string(reason) ? json_string_value(reason) : NULL;
	*rootp = root;
	return 0;
}

static int
aff_set_opt(json_t *o, const char *name, const char *v)
{
	if (bad_str(v))
		return 0;
	return json_object_set_new(o, name, json_string(v));
}

static char *
aff_encode(const struct store_aff_rec *rec)
{
	json_t *o;
	char *s = NULL;

	o = json_pack("{s:i, s:s}", "v", 1, "affiliation",
	    store_aff_name(rec->aff));
	if (o != NULL && aff_set_opt(o, "nick", rec->nick) == 0 &&
	    aff_set_opt(o, "reason", rec->reason) == 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* ---- transactions ---- */

/* See the locking model at the top: reuse the open write txn (or the
 * turn's, replicated), else a private read-committed one that takes no
 * lock past the current page. Not open yet (a replica before it has a
 * copy): DB_REP_LOCKOUT, which store_fail words. */
int
rtxn_begin(struct store *st, DB_TXN **txn)
{
	if (st->active != NULL) {
		*txn = st->active->txn;
		return 0;
	}
	if (st->turn != NULL) {
		*txn = st->turn;
		return 0;
	}
	if (!store_dbs_are_open(st))
		return DB_REP_LOCKOUT;
	return repl_txn_begin(st, NULL, txn, DB_READ_COMMITTED |
	    (repl_reads_wait(st) ? 0 : DB_TXN_NOWAIT));
}

void
rtxn_end(struct store *st, DB_TXN *txn)
{
	if ((st->active == NULL || st->active->txn != txn) && txn != st->turn)
		(void)txn->abort(txn);	/* read-only: nothing to undo */
}

static int
sub_begin(struct store_txn *t, DB_TXN **child)
{
	return t->st->env->txn_begin(t->st->env, t->txn, child,
	    DB_TXN_NOWAIT);
}

/* Keep the child's changes only when the whole call succeeded. */
static int
sub_end(DB_TXN *child, int rc)
{
	int crc;

	if (rc != 0) {
		(void)child->abort(child);
		return rc;
	}
	crc = child->commit(child, 0);
	return crc;
}

/*
 * Replicated, a change is a child of the turn's transaction, opened by
 * its first change: only the turn's commit (store_sync) sends a commit
 * record, which the master then waits for the group to acknowledge.
 */
static int
txn_open(struct store *st, DB_TXN **txn)
{
	int rc;

	if (st->repl == NULL)
		return st->env->txn_begin(st->env, NULL, txn, DB_TXN_NOWAIT);
	if (st->turn == NULL && (rc = repl_txn_begin(st, NULL, &st->turn,
	    DB_TXN_NOWAIT)) != 0) {
		st->turn = NULL;
		return rc;
	}
	return st->env->txn_begin(st->env, st->turn, txn, DB_TXN_NOWAIT);
}

int
store_begin(struct store *st, struct store_txn **tp)
{
	struct store_txn *t;
	int rc;

	*tp = NULL;
	if (st->active != NULL)
		return store_fail(st, EINVAL,
		    "begin: a transaction is already open "
		    "(one at a time)");
	if (st->repl != NULL && !repl_writable(st)) {
		store_set_msg(st, "this site is not the replication master: "
		    "it changes nothing");
		return STORE_ERR;
	}
	if ((t = malloc(sizeof(*t))) == NULL)
		return store_fail(st, ENOMEM, "begin");
	if ((rc = txn_open(st, &t->txn)) != 0) {
		free(t);
		return store_fail(st, rc, "begin");
	}
	t->st = st;
	st->active = t;
	*tp = t;
	return STORE_OK;
}

/*
 * Bound a turn's transaction: its locks stay held until it commits, and
 * a turn of many changes (a large `apply`) would exhaust the lock table.
 * An early commit of the turn is acknowledged like the last one.
 */
#define TURN_MAX_CHANGES	512

/*
 * WRITE_NOSYNC: the commit's log records reach the OS now, so a full disk
 * fails the commit itself (the caller then refuses the request and keeps
 * its state); the fsync that makes them durable is store_sync(), once per
 * loop turn for all of them (group commit). Replicated, the change joins
 * the turn's transaction.
 */
int
store_commit(struct store_txn *t)
{
	struct store *st;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	st = t->st;
	rc = t->txn->commit(t->txn, st->repl != NULL ? 0 :
	    DB_TXN_WRITE_NOSYNC);
	st->active = NULL;
	free(t);
	if (rc != 0)
		return store_fail(st, rc, "commit");
	st->commits++;
	/* The turn's earlier changes went with it: store_sync says so. */
	if (st->repl != NULL && ++st->turn_changes >= TURN_MAX_CHANGES &&
	    (rc = repl_commit_turn(st)) != STORE_OK && rc != STORE_UNACKED) {
		st->turn_lost = true;
		return rc;
	}
	return STORE_OK;
}

void
store_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	(void)t->txn->abort(t->txn);
	t->st->active = NULL;
	free(t);
}

/* ---- open / close ---- */

static bool
file_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat sb;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return false;
	return stat(path, &sb) == 0;
}

/* Without opts->create an absent store is an error, and nothing (not even
 * the lock file or BDB's region files) is left behind in the directory. */
static int
prepare_dir(struct store *st, const char *dir, bool create)
{
	if (create) {
		if (mkdir(dir, DIR_MODE) != 0 && errno != EEXIST)
			return store_fail(st, errno, "create datadir %s", dir);
		return STORE_OK;
	}
	if (!file_exists(dir, dbdefs[D_META].file)) {
		store_set_msg(st, "%s: no database here (not created yet?)",
		    dir);
		return STORE_ERR;
	}
	return STORE_OK;
}

struct store_lock {
	int	 fd;
};

/* Open and flock DIR/mucd.lock: 0, STORE_LOCKED or an errno value. */
static int
lock_take(const char *dir, int *fdp)
{
	char path[PATH_MAX];
	int fd, rc;

	*fdp = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, LOCK_FILE) >=
	    sizeof(path))
		return ENAMETOOLONG;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    FILE_MODE)) < 0)
		return errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*fdp = fd;
		return 0;
	}
	rc = errno == EWOULDBLOCK ? STORE_LOCKED : errno;
	(void)close(fd);
	return rc;
}

static void
lock_msg(char *buf, size_t len, const char *dir, int rc)
{
	if (rc == STORE_LOCKED)
		snprintf(buf, len, "%s: database in use by another process (is "
		    "mucd running? use the control socket)", dir);
	else
		snprintf(buf, len, "lock %s/%s: %s", dir, LOCK_FILE,
		    strerror(rc));
}

static int
take_lock(struct store *st, const char *dir)
{
	int rc = lock_take(dir, &st->lockfd);

	if (rc == 0)
		return STORE_OK;
	lock_msg(st->err, sizeof(st->err), dir, rc);
	return rc == STORE_LOCKED ? STORE_LOCKED : rc_map(st, rc);
}

int
store_lock(const char *dir, int uid, int gid, struct store_lock **lp,
    char *err, size_t errlen)
{
	struct store_lock *l;
	struct stat sb;
	int fd, rc;

	*lp = NULL;
	if ((rc = lock_take(dir, &fd)) != 0) {
		lock_msg(err, errlen, dir, rc);
		return rc == STORE_LOCKED ? STORE_LOCKED : STORE_ERR;
	}
	/* Made by root for a service user, who must be able to open it. */
	if ((uid != -1 || gid != -1) && fstat(fd, &sb) == 0 &&
	    (sb.st_uid != (uid_t)uid || sb.st_gid != (gid_t)gid) &&
	    fchown(fd, (uid_t)uid, (gid_t)gid) != 0) {
		snprintf(err, errlen, "%s/%s: %s", dir, LOCK_FILE,
		    strerror(errno));
		(void)close(fd);
		return STORE_ERR;
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		snprintf(err, errlen, "store: out of memory");
		(void)close(fd);
		return STORE_ERR;
	}
	l->fd = fd;
	*lp = l;
	return STORE_OK;
}

void
store_unlock(struct store_lock *l)
{
	if (l == NULL)
		return;
	(void)close(l->fd);
	free(l);
}

static int
env_config(struct store *st, size_t cache)
{
	DB_ENV *env = st->env;
	int rc;

	env->app_private = st;
	env->set_errcall(env, bdb_errcall);
	if (cache == 0)
		cache = DEFAULT_CACHE;
	if ((rc = env->set_cachesize(env, (u_int32_t)(cache >> 30),
	    (u_int32_t)(cache & ((1UL << 30) - 1)), 1)) != 0)
		return store_fail(st, rc, "set cache size %zu", cache);
	if ((rc = env->set_lg_bsize(env, LOG_BUFFER)) != 0)
		return store_fail(st, rc, "set log buffer size");
	/* Opening the environment reads the newest log file from its start
	 * to find the end of the log: small files keep start-up fast. */
	if ((rc = env->set_lg_max(env, LOG_FILE_SIZE)) != 0)
		return store_fail(st, rc, "set log file size");
	/* Logs not needed for normal recovery go away at each checkpoint;
	 * store_backup() is how an operator keeps history. */
	if ((rc = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1)) != 0)
		return store_fail(st, rc, "set log auto-remove");
	return STORE_OK;
}

/*
 * Every open runs recovery (DB_RECOVER), so a crashed or killed process,
 * or one whose close could not flush (disk full, a panic), never leaves
 * stale state behind: the next start replays the log, which after a
 * checkpointed close is next to nothing. The flock on mucd.lock makes us
 * the environment's only user, so its regions live in our own memory
 * (DB_PRIVATE) rather than in memory-mapped files in the datadir — which
 * on a full disk would kill the process with SIGBUS instead of failing
 * the write. (DB_REGISTER, the other way to detect a crashed user, cannot
 * be combined with DB_PRIVATE and is not needed with it.)
 */
static int
env_open(struct store *st, const char *dir, const struct store_opts *o)
{
	u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOG |
	    DB_INIT_LOCK | DB_INIT_MPOOL | DB_RECOVER | DB_PRIVATE;
	int rc;

	if ((rc = db_env_create(&st->env, 0)) != 0)
		return store_fail(st, rc, "%s: create environment", dir);
	if ((rc = env_config(st, o->cache_size)) != STORE_OK)
		return rc;
	/* The Replication Manager's threads share the environment. */
	if (o->repl != NULL) {
		if ((rc = repl_configure(st, o->repl)) != STORE_OK)
			return rc;
		flags |= DB_INIT_REP | DB_THREAD;
	}
	if ((rc = st->env->open(st->env, dir, flags, FILE_MODE)) != 0)
		return store_fail(st, rc, "%s: open environment (recovery)",
		    dir);
	return o->repl != NULL ? repl_start(st) : STORE_OK;
}

/* A replica writes nothing: it neither creates a late database nor the
 * schema version, which it receives from the master. */
static int
db_open_one(struct store *st, DB_TXN *txn, enum dbi i, bool fresh,
    bool writable)
{
	const struct dbdef *d = &dbdefs[i];
	DB *db;
	int rc;

	if ((rc = db_create(&st->db[i], st->env, 0)) != 0)
		return store_fail(st, rc, "create handle for %s", d->file);
	db = st->db[i];
	if ((rc = db->set_flags(db, DB_CHKSUM | d->flags)) != 0)
		return store_fail(st, rc, "set flags on %s", d->file);
	if ((rc = db->open(db, txn, d->file, NULL, DB_BTREE,
	    fresh || (d->late && writable) ? DB_CREATE : 0, FILE_MODE)) != 0)
		return store_fail(st, rc, "open %s/%s", st->dir, d->file);
	return STORE_OK;
}

/* No DB_CREATE here: on an empty secondary it would rebuild the index
 * by scanning the whole primary, and public.db is legitimately empty
 * when no room is public, so every start would read every room. */
static int
db_associate(struct store *st, DB_TXN *txn, enum dbi i)
{
	const struct dbdef *d = &dbdefs[i];
	DB *pri = st->db[d->primary];
	int rc;

	if ((rc = pri->associate(pri, txn, st->db[i], d->cb, d->assoc)) != 0)
		return store_fail(st, rc, "associate %s with %s", d->file,
		    dbdefs[d->primary].file);
	return STORE_OK;
}

static int
schema_parse(struct store *st, const DBT *d)
{
	char buf[16];
	char *end;
	long v;

	if (d->size == 0 || d->size >= sizeof(buf))
		goto bad;
	memcpy(buf, d->data, d->size);
	buf[d->size] = '\0';
	v = strtol(buf, &end, 10);
	if (*end != '\0' || v < 1)
		goto bad;
	if (v > STORE_SCHEMA_VERSION) {
		store_set_msg(st,
		    "meta.db: database schema version %ld is newer "
		    "than this program supports (%d); use a newer mucd",
		    v, STORE_SCHEMA_VERSION);
		return STORE_VERSION;
	}
	return STORE_OK;
bad:
	store_set_msg(st, "meta.db: unreadable schema version");
	return STORE_ERR;
}

static int
schema_check(struct store *st, DB_TXN *txn, bool writable)
{
	DB *meta = st->db[D_META];
	char ver[16];
	DBT k, d;
	int rc;

	dbt_in(&k, SCHEMA_KEY, strlen(SCHEMA_KEY));
	memset(&d, 0, sizeof(d));
	d.data = ver;
	d.ulen = sizeof(ver);
	d.flags = DB_DBT_USERMEM;
	rc = meta->get(meta, txn, &k, &d, 0);
	if (rc == 0)
		return schema_parse(st, &d);
	if (rc == DB_BUFFER_SMALL) {
		store_set_msg(st, "meta.db: unreadable schema version");
		return STORE_ERR;
	}
	if (rc != DB_NOTFOUND)
		return store_fail(st, rc, "read schema version from meta.db");
	if (!writable)
		return store_fail(st, DB_REP_LOCKOUT, "meta.db: no schema "
		    "version yet");
	snprintf(ver, sizeof(ver), "%d", STORE_SCHEMA_VERSION);
	dbt_in(&d, ver, strlen(ver));
	if ((rc = meta->put(meta, txn, &k, &d, 0)) != 0)
		return store_fail(st, rc, "write schema version to meta.db");
	return STORE_OK;
}

static int
dbs_open_txn(struct store *st, DB_TXN *txn, bool fresh, bool writable)
{
	enum dbi i;
	int rc;

	for (i = 0; i < D_COUNT; i++)
		if ((rc = db_open_one(st, txn, i, fresh, writable)) !=
		    STORE_OK)
			return rc;
	for (i = 0; i < D_COUNT; i++)
		if (st->db[i] != NULL && dbdefs[i].primary >= 0 &&
		    (rc = db_associate(st, txn, i)) != STORE_OK)
			return rc;
	return schema_check(st, txn, writable);
}

/* All handles are opened in one transaction, so creating a new store is
 * all-or-nothing even if the process dies half way. A replica (not
 * writable) opens what the master made. */
static int
dbs_open(struct store *st, bool create, bool writable)
{
	DB_TXN *txn;
	bool fresh = !file_exists(st->dir, dbdefs[D_META].file);
	int rc;

	if (fresh && !create) {
		store_set_msg(st, "%s: no database here (%s)", st->dir,
		    writable ? "not created yet?" : "the master has not "
		    "sent it yet");
		return STORE_ERR;
	}
	if ((rc = st->env->txn_begin(st->env, NULL, &txn, 0)) != 0)
		return store_fail(st, rc, "%s: begin", st->dir);
	if ((rc = dbs_open_txn(st, txn, fresh, writable)) != STORE_OK) {
		(void)txn->abort(txn);
		store_dbs_close(st);
		return rc;
	}
	if ((rc = txn->commit(txn, 0)) != 0) {
		store_dbs_close(st);
		return store_fail(st, rc, "%s: commit database creation",
		    st->dir);
	}
	return STORE_OK;
}

int
store_dbs_open(struct store *st, bool master)
{
	return dbs_open(st, master, master);
}

bool
store_dbs_are_open(const struct store *st)
{
	return st->db[D_META] != NULL;
}

/*
 * A change still open is dropped, and so, replicated, is a turn not
 * committed yet: this is how a demoted master lets go of what the group
 * never confirmed. Secondaries come after their primaries in dbdefs:
 * they are closed first.
 */
void
store_dbs_close(struct store *st)
{
	int i;

	if (st->active != NULL)
		store_abort(st->active);
	if (st->turn != NULL) {
		(void)st->turn->abort(st->turn);
		st->turn = NULL;
		st->turn_changes = 0;
	}
	for (i = D_COUNT - 1; i >= 0; i--)
		if (st->db[i] != NULL) {
			(void)st->db[i]->close(st->db[i],
			    st->panicked ? DB_NOSYNC : 0);
			st->db[i] = NULL;
		}
}

/* A panicked environment refuses every call, close included, and would
 * leak its handles: DB_NOPANIC lets them be freed, without a checkpoint
 * (recovery at the next open repairs what this close cannot). */
static void
env_shut(struct store *st, bool clean)
{
	if (st->env != NULL && st->panicked) {
		(void)st->env->set_flags(st->env, DB_NOPANIC, 1);
		clean = false;
	}
	if (st->active != NULL)
		store_abort(st->active);
	/* Changes made after the last turn (the rooms saved at exit). */
	if (clean && st->turn != NULL)
		(void)repl_commit_turn(st);
	if (clean && st->env != NULL)
		(void)st->env->txn_checkpoint(st->env, 0, 0, 0);
	store_dbs_close(st);
	if (clean && st->env != NULL)
		(void)st->env->log_archive(st->env, NULL, DB_ARCH_REMOVE);
	if (st->env != NULL)
		(void)st->env->close(st->env, 0);
	st->env = NULL;
	repl_free(st);
	st->panicked = st->saw_full = false;
	st->bdbmsg[0] = '\0';
}

static void
release(struct store *st, bool clean)
{
	env_shut(st, clean);
	if (st->lockfd >= 0)
		(void)close(st->lockfd);	/* drops the flock */
	free(st->dir);
	free(st);
}

/* ---- the space reserve (see RESERVE_SIZE) ---- */

/* Best effort: without it, a full disk may stop recovery until space is
 * freed, which the error then says. Tried at every open and checkpoint. */
static void
reserve_keep(struct store *st)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", st->dir,
	    RESERVE_FILE) >= sizeof(path))
		return;
	if (stat(path, &sb) == 0 && sb.st_size >= (off_t)RESERVE_SIZE)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    FILE_MODE);
	if (fd == -1)
		return;
	rc = posix_fallocate(fd, 0, RESERVE_SIZE);
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	(void)close(fd);
	/* A part of a reserve would only be mistaken for all of it. */
	if (rc != 0)
		(void)unlink(path);
}

static bool
reserve_release(const char *dir)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    RESERVE_FILE) >= sizeof(path))
		return false;
	return unlink(path) == 0;
}

/* What recovery must write to complete the newest (sparse) log file. */
static unsigned long long
log_tail_need(const char *dir)
{
	char newest[64] = "", path[PATH_MAX];
	unsigned long long need = 0, have;
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, LOG_PREFIX, strlen(LOG_PREFIX)) == 0 &&
		    strlen(de->d_name) < sizeof(newest) &&
		    strcmp(de->d_name, newest) > 0)
			snprintf(newest, sizeof(newest), "%s", de->d_name);
	closedir(d);
	if (newest[0] != '\0' && (size_t)snprintf(path, sizeof(path),
	    "%s/%s", dir, newest) < sizeof(path) && stat(path, &sb) == 0) {
		have = (unsigned long long)sb.st_blocks * 512;
		if ((unsigned long long)sb.st_size > have)
			need = (unsigned long long)sb.st_size - have;
	}
	return need;
}

/* Recovery ran out of space even with the reserve: say how much it
 * needs at least, and that nothing is lost. */
static void
full_advice(struct store *st, const char *dir)
{
	size_t len = strlen(st->err);

	snprintf(st->err + len, sizeof(st->err) - len, "; recovery needs at "
	    "least %llu KiB free to complete the log, and room for the "
	    "database pages it writes", (log_tail_need(dir) + 1023) / 1024);
}

/* Less free than the reserve holds: recovery may need it. */
static bool
space_low(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) == 0 &&
	    (unsigned long long)sv.f_bavail * sv.f_frsize < RESERVE_SIZE;
}

/*
 * Recovery and the databases. On a disk (nearly) full, the reserve is
 * given up before recovery rather than after a failed attempt: BDB leaks
 * a little memory when recovery fails, and the process goes on.
 */
static int
open_all(struct store *st, const char *dir, const struct store_opts *o)
{
	int rc;

	/* Written outside the group, a member's copy would part from the
	 * others' for good. */
	if (o->repl == NULL && repl_dir_is_replicated(dir)) {
		store_set_msg(st, "%s belongs to a replication group: start "
		    "mucd with its repl_* settings and use the control socket "
		    "of the master", dir);
		return STORE_ERR;
	}
	if (space_low(dir) && reserve_release(dir))
		st->used_reserve = true;
	/* Replicated, the databases open once the site knows its role
	 * (store_repl_update). */
	if ((rc = env_open(st, dir, o)) == STORE_OK && o->repl == NULL)
		rc = dbs_open(st, o->create, true);
	if (rc == STORE_FULL && reserve_release(dir)) {
		st->used_reserve = true;
		env_shut(st, false);
		if ((rc = env_open(st, dir, o)) == STORE_OK && o->repl == NULL)
			rc = dbs_open(st, o->create, true);
	}
	if (rc == STORE_FULL)
		full_advice(st, dir);
	return rc;
}

int
store_open(struct store **stp, const char *dir, const struct store_opts *o,
    char *err, size_t errlen)
{
	struct store_opts none = { 0, false, NULL, NULL };
	struct store *st;
	int rc;

	*stp = NULL;
	if (o == NULL)
		o = &none;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "store: out of memory");
		store_unlock(o->lock);
		return STORE_ERR;
	}
	st->lockfd = -1;
	st->owner = pthread_self();
	if (o->lock != NULL) {
		st->lockfd = o->lock->fd;
		free(o->lock);
	}
	if (bad_str(dir)) {
		store_set_msg(st, "store: no datadir given");
		rc = STORE_ERR;
	} else if ((st->dir = strdup(dir)) == NULL) {
		rc = store_fail(st, ENOMEM, "%s", dir);
	} else if (st->lockfd != -1) {
		rc = open_all(st, dir, o);
	} else if ((rc = prepare_dir(st, dir, o->create)) == STORE_OK &&
	    (rc = take_lock(st, dir)) == STORE_OK)
		rc = open_all(st, dir, o);
	if (rc != STORE_OK) {
		snprintf(err, errlen, "%s", st->err);
		release(st, false);
		return rc;
	}
	reserve_keep(st);
	*stp = st;
	return STORE_OK;
}

void
store_close(struct store *st)
{
	if (st != NULL)
		release(st, true);
}

bool
store_used_reserve(const struct store *st)
{
	return st->used_reserve;
}

const char *
store_errmsg(const struct store *st)
{
	return st == NULL ? "store: not open" : st->err;
}

/* ---- durability, checkpoints, backup ---- */

/* Replicated, the turn's commit also waits for the group's
 * acknowledgements (repl_commit_turn): STORE_UNACKED until a commit the
 * group confirmed, which confirms every one before it. */
int
store_sync(struct store *st)
{
	int rc = STORE_OK, frc;

	if (st->repl != NULL && (rc = repl_commit_turn(st)) != STORE_OK &&
	    rc != STORE_UNACKED)
		return rc;
	if ((frc = st->env->log_flush(st->env, NULL)) != 0)
		return store_fail(st, frc, "sync: flush log");
	return rc;
}

uint64_t
store_commit_count(const struct store *st)
{
	return st->commits;
}

/*
 * What the environment takes on disk: its databases and logs, as
 * allocated (st_blocks). The lock and the space reserve are the store's
 * own, not the database's.
 */
int
store_disk_usage(struct store *st, uint64_t *bytes)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	*bytes = 0;
	if ((d = opendir(st->dir)) == NULL)
		return store_fail(st, errno, "open %s", st->dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, LOCK_FILE) == 0 ||
		    strcmp(de->d_name, RESERVE_FILE) == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", st->dir,
		    de->d_name) >= sizeof(path) || lstat(path, &sb) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		*bytes += (uint64_t)sb.st_blocks * 512;
	}
	closedir(d);
	return STORE_OK;
}

int
store_checkpoint(struct store *st)
{
	int rc;

	if ((rc = st->env->txn_checkpoint(st->env, 0, 0, 0)) != 0)
		return store_fail(st, rc, "checkpoint");
	if ((rc = st->env->log_archive(st->env, NULL, DB_ARCH_REMOVE)) != 0)
		return store_fail(st, rc, "checkpoint: remove old logs");
	reserve_keep(st);
	return STORE_OK;
}

/* Refuse a directory with anything in it: a mistyped target must never
 * lose an operator's files (which DB_BACKUP_CLEAN would delete). An
 * absent target is fine: the finished copy is renamed to it. */
static int
backup_target(struct store *st, const char *dir)
{
	struct dirent *de;
	DIR *d;
	bool empty = true;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			return store_fail(st, errno, "open %s", dir);
		return STORE_OK;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0;
	closedir(d);
	if (!empty) {
		store_set_msg(st, "%s is not empty", dir);
		return STORE_ERR;
	}
	return STORE_OK;
}

/*
 * The leftover of an interrupted backup (killed, crashed, disk full):
 * only files a backup writes, so anything else in it (a subdirectory,
 * a symbolic link) means the name is someone else's and stays.
 */
static int
clear_partial(struct store *st, const char *tmp)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = 0;

	if ((d = opendir(tmp)) == NULL) {
		if (errno == ENOENT)
			return STORE_OK;
		return store_fail(st, errno, "open %s", tmp);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) != 0)
			rc = errno;
		else if (!S_ISREG(sb.st_mode))
			rc = EEXIST;
		else if (unlinkat(dirfd(d), de->d_name, 0) != 0)
			rc = errno;
	}
	closedir(d);
	if (rc == 0 && rmdir(tmp) != 0)
		rc = errno;
	if (rc == EEXIST) {
		store_set_msg(st, "%s holds more than an interrupted backup; "
		    "remove it", tmp);
		return STORE_ERR;
	}
	return rc == 0 ? STORE_OK : store_fail(st, rc, "remove the "
	    "interrupted backup %s", tmp);
}

/* Make a directory's entries durable (the files in it are already). */
static int
sync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno;
	rc = fsync(fd) == 0 ? 0 : errno;
	(void)close(fd);
	return rc;
}

/* DB_ENV->backup copies pages and logs but, unlike db_hotbackup, does not
 * make the copy consistent. Catastrophic recovery in a private
 * environment does, and a checkpoint then leaves a copy that opens at
 * once and holds no region files or stale logs. */
static int
backup_recover(struct store *st, const char *dir)
{
	DB_ENV *env;
	int rc;

	if ((rc = db_env_create(&env, 0)) != 0)
		return store_fail(st, rc, "create the environment of the copy");
	env->app_private = st;
	env->set_errcall(env, bdb_errcall);
	rc = env->open(env, dir, DB_CREATE | DB_INIT_TXN | DB_INIT_LOG |
	    DB_INIT_LOCK | DB_INIT_MPOOL | DB_PRIVATE | DB_RECOVER_FATAL,
	    FILE_MODE);
	if (rc == 0)
		rc = env->txn_checkpoint(env, 0, 0, DB_FORCE);
	if (rc == 0)
		rc = env->log_archive(env, NULL, DB_ARCH_REMOVE);
	if (rc != 0) {
		(void)env->close(env, 0);
		return store_fail(st, rc, "recover the copy in %s", dir);
	}
	if ((rc = env->close(env, 0)) != 0)
		return store_fail(st, rc, "close the copy in %s", dir);
	return STORE_OK;
}

/* DIR (no trailing slash) and DIR.partial, where the copy is made. */
static int
backup_paths(struct store *st, const char *dir, char *target, char *tmp,
    size_t len)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= len || (size_t)snprintf(tmp, len, "%.*s%s", (int)n, dir,
	    BACKUP_PARTIAL) >= len)
		return store_fail(st, ENAMETOOLONG, "backup to %s", dir);
	memcpy(target, dir, n);
	target[n] = '\0';
	return STORE_OK;
}

/* The copy in tmp is complete: put it in place, durably. */
static int
backup_publish(struct store *st, const char *tmp, const char *target)
{
	char *parent, *slash;
	int rc;

	if ((rc = sync_dir(tmp)) != 0)
		return store_fail(st, rc, "sync %s", tmp);
	if (rename(tmp, target) != 0)
		return store_fail(st, errno, "rename %s to %s", tmp, target);
	if ((parent = strdup(target)) == NULL)
		return store_fail(st, ENOMEM, "backup to %s", target);
	if ((slash = strrchr(parent, '/')) != NULL)
		slash[slash == parent] = '\0';
	rc = sync_dir(slash != NULL ? parent : ".");
	free(parent);
	return rc == 0 ? STORE_OK : store_fail(st, rc, "sync the directory "
	    "of %s", target);
}

/*
 * The copy is made in DIR.partial and renamed to DIR once it is complete
 * and on disk, so an interrupted backup never leaves a DIR that looks
 * whole; the next backup to DIR clears the leftover. DB_EXCL refuses to
 * overwrite any file: with backup_target() nothing is ever clobbered.
 */
int
store_backup(struct store *st, const char *dir)
{
	char target[PATH_MAX], tmp[PATH_MAX];
	int rc;

	if (bad_str(dir)) {
		store_set_msg(st, "no target directory given");
		return STORE_ERR;
	}
	if ((rc = backup_paths(st, dir, target, tmp, sizeof(tmp))) !=
	    STORE_OK || (rc = backup_target(st, target)) != STORE_OK ||
	    (rc = clear_partial(st, tmp)) != STORE_OK)
		return rc;
	if (mkdir(tmp, DIR_MODE) != 0)
		return store_fail(st, errno, "create %s", tmp);
	if ((rc = st->env->txn_checkpoint(st->env, 0, 0, 0)) != 0)
		rc = store_fail(st, rc, "checkpoint before the backup");
	else if ((rc = st->env->backup(st->env, tmp, DB_EXCL)) != 0)
		rc = store_fail(st, rc, "backup to %s", tmp);
	else if ((rc = backup_recover(st, tmp)) == STORE_OK)
		rc = backup_publish(st, tmp, target);
	if (rc != STORE_OK) {
		char why[sizeof(st->err)];

		/* Tidy up, but report what went wrong in the first place. */
		memcpy(why, st->err, sizeof(why));
		(void)clear_partial(st, tmp);
		memcpy(st->err, why, sizeof(why));
	}
	return rc;
}

/* ---- point reads ---- */

/* get (or pget on a secondary) of one key in the current read txn. */
static int
read_one(struct store *st, enum dbi i, const void *kp, size_t klen,
    DBT *pk, DBT *d)
{
	DB *db = st->db[i];
	DB_TXN *txn;
	DBT k;
	int rc;

	dbt_in(&k, kp, klen);
	memset(d, 0, sizeof(*d));
	d->flags = DB_DBT_MALLOC;
	if (pk != NULL) {
		memset(pk, 0, sizeof(*pk));
		pk->flags = DB_DBT_MALLOC;
	}
	if ((rc = rtxn_begin(st, &txn)) != 0)
		return rc;
	rc = pk != NULL ? db->pget(db, txn, &k, pk, d, 0) :
	    db->get(db, txn, &k, d, 0);
	rtxn_end(st, txn);
	return rc;
}

int
store_room_get(struct store *st, const char *room, char **json)
{
	DBT d;
	int rc;

	*json = NULL;
	if (bad_str(room))
		return store_fail(st, EINVAL, "room get: empty room JID");
	rc = read_one(st, D_ROOMS, room, strlen(room), NULL, &d);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(st, rc, "room get %s: rooms.db", room);
	*json = dupz(d.data, d.size);
	free(d.data);
	if (*json == NULL)
		return store_fail(st, ENOMEM, "room get %s", room);
	return STORE_OK;
}

static int
out_str(char **out, const char *s)
{
	if (out == NULL)
		return 0;
	*out = NULL;
	if (bad_str(s))
		return 0;
	return (*out = strdup(s)) == NULL ? ENOMEM : 0;
}

static int
aff_out(const DBT *d, enum store_aff *aff, char **nick, char **reason)
{
	struct store_aff_rec rec;
	json_t *root;
	int rc;

	if ((rc = aff_decode(d, &root, &rec)) != 0)
		return rc;
	*aff = rec.aff;
	if ((rc = out_str(nick, rec.nick)) == 0 &&
	    (rc = out_str(reason, rec.reason)) != 0 && nick != NULL) {
		free(*nick);
		*nick = NULL;
	}
	json_decref(root);
	return rc;
}

int
store_aff_get(struct store *st, const char *room, const char *bare,
    enum store_aff *aff, char **nick, char **reason)
{
	struct key k;
	DBT d;
	int rc;

	*aff = AFF_NONE;
	if (nick != NULL)
		*nick = NULL;
	if (reason != NULL)
		*reason = NULL;
	if (bad_str(room) || bad_str(bare))
		return store_fail(st, EINVAL, "aff get: empty room or JID");
	if (key_join(&k, room, bare, strlen(bare)) != 0)
		return store_fail(st, ENOMEM, "aff get %s %s", room, bare);
	rc = read_one(st, D_AFFS, k.p, k.len, NULL, &d);
	free(k.p);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(st, rc, "aff get %s %s: affs.db", room, bare);
	rc = aff_out(&d, aff, nick, reason);
	free(d.data);
	if (rc != 0)
		return store_fail(st, rc, "aff get %s %s: affiliation record",
		    room, bare);
	return STORE_OK;
}

/* 0 with *bare malloc'd, DB_NOTFOUND, or an error number. */
static int
nick_lookup(struct store *st, const char *room, const char *nick,
    char **bare)
{
	struct key k;
	DBT pk, d;
	size_t rlen;
	int rc;

	*bare = NULL;
	if (key_join(&k, room, nick, strlen(nick)) != 0)
		return ENOMEM;
	rc = read_one(st, D_NICKS, k.p, k.len, &pk, &d);
	free(k.p);
	if (rc != 0)
		return rc;
	free(d.data);
	rlen = room_len(&pk);
	if (rlen < pk.size)
		*bare = dupz((char *)pk.data + rlen + 1, pk.size - rlen - 1);
	else
		rc = EINVAL;
	free(pk.data);
	return rc == 0 && *bare == NULL ? ENOMEM : rc;
}

int
store_nick_owner(struct store *st, const char *room, const char *nick,
    char **bare)
{
	int rc;

	*bare = NULL;
	if (bad_str(room) || bad_str(nick))
		return store_fail(st, EINVAL, "nick owner: empty room or nick");
	rc = nick_lookup(st, room, nick, bare);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(st, rc, "nick owner %s/%s: nicks.db", room,
		    nick);
	return STORE_OK;
}

int
store_room_count(struct store *st, size_t *rooms, size_t *pub)
{
	size_t *out[2] = { rooms, pub };
	enum dbi which[2] = { D_ROOMS, D_PUBLIC };
	DB_BTREE_STAT *sp;
	DB_TXN *txn;
	int i, rc = 0;

	if ((rc = rtxn_begin(st, &txn)) != 0)
		return store_fail(st, rc, "room count");
	for (i = 0; i < 2 && rc == 0; i++) {
		if (out[i] == NULL)
			continue;
		rc = st->db[which[i]]->stat(st->db[which[i]], txn, &sp,
		    DB_FAST_STAT);
		if (rc == 0) {
			*out[i] = sp->bt_nkeys;
			free(sp);
		}
	}
	rtxn_end(st, txn);
	if (rc != 0)
		return store_fail(st, rc, "room count: stat %s",
		    dbdefs[which[i - 1]].file);
	return STORE_OK;
}

/* ---- scans: one record at a time, no cursor kept across callbacks ---- */

struct scan {
	DB		*db;
	bool		 sec;	/* secondary: pget, pk is the primary key */
	bool		 dup;	/* walk the duplicates of the key in k */
	const void	*pfx;	/* keys must start with this */
	size_t		 pfxlen;
	DBT		 k, pk, d;	/* the record found (DB_DBT_REALLOC) */
	void		*last;	/* key (pk when dup) of the previous record */
	size_t		 lastlen;
	bool		 have_last;
	bool		 incl;	/* last itself may be returned */
};

static void
scan_init(struct scan *s, struct store *st, enum dbi i)
{
	memset(s, 0, sizeof(*s));
	s->db = st->db[i];
	s->sec = dbdefs[i].primary >= 0;
	s->k.flags = s->pk.flags = s->d.flags = DB_DBT_REALLOC;
}

static void
scan_free(struct scan *s)
{
	free(s->k.data);
	free(s->pk.data);
	free(s->d.data);
	free(s->last);
}

/* Start at (or, incl = false, after) this key; NULL: the first key. */
static int
scan_from(struct scan *s, const void *p, size_t n, bool incl)
{
	s->incl = incl;
	s->have_last = p != NULL;
	if (p == NULL)
		return 0;
	free(s->last);
	if ((s->last = dupz(p, n)) == NULL)
		return ENOMEM;
	s->lastlen = n;
	return 0;
}

static int
cget(struct scan *s, DBC *c, u_int32_t op)
{
	return s->sec ? c->pget(c, &s->k, &s->pk, &s->d, op) :
	    c->get(c, &s->k, &s->d, op);
}

static int
scan_seek_key(struct scan *s, DBC *c)
{
	int rc;

	if (!s->have_last)
		return cget(s, c, DB_FIRST);
	if ((rc = dbt_load(&s->k, s->last, s->lastlen)) != 0 ||
	    (rc = cget(s, c, DB_SET_RANGE)) != 0)
		return rc;
	if (!s->incl && dbt_eq(&s->k, s->last, s->lastlen))
		rc = cget(s, c, DB_NEXT);
	return rc;
}

/* users.db: the key stays put, the position is the primary key. */
static int
scan_seek_dup(struct scan *s, DBC *c)
{
	int rc;

	if ((rc = dbt_load(&s->k, s->pfx, s->pfxlen)) != 0)
		return rc;
	if (!s->have_last)
		return cget(s, c, DB_SET);
	if ((rc = dbt_load(&s->pk, s->last, s->lastlen)) != 0 ||
	    (rc = cget(s, c, DB_GET_BOTH_RANGE)) != 0)
		return rc;
	if (!s->incl && dbt_eq(&s->pk, s->last, s->lastlen))
		rc = cget(s, c, DB_NEXT_DUP);
	return rc;
}

static int
scan_remember(struct scan *s)
{
	const DBT *pos = s->dup ? &s->pk : &s->k;

	if (scan_from(s, pos->data, pos->size, false) != 0)
		return ENOMEM;
	return 0;
}

/* The next record into s->k/pk/d: 0, DB_NOTFOUND or an error number. */
static int
scan_next(struct store *st, struct scan *s)
{
	DB_TXN *txn;
	DBC *c;
	int rc, crc;

	if ((rc = rtxn_begin(st, &txn)) != 0)
		return rc;
	if ((rc = s->db->cursor(s->db, txn, &c, 0)) == 0) {
		rc = s->dup ? scan_seek_dup(s, c) : scan_seek_key(s, c);
		if ((crc = c->close(c)) != 0 && rc == 0)
			rc = crc;
	}
	rtxn_end(st, txn);
	if (rc == 0 && !s->dup && !dbt_prefixed(&s->k, s->pfx, s->pfxlen))
		rc = DB_NOTFOUND;
	if (rc == 0)
		rc = scan_remember(s);
	return rc;
}

typedef int (*room_cb)(void *, const char *, const char *);

/* rooms.db and public.db alike: the room JID is the key, the record is
 * the data (for public.db, the primary's data that pget returns). */
static int
room_scan(struct store *st, enum dbi i, const char *after, room_cb cb,
    void *arg)
{
	struct scan s;
	char *room = NULL, *json = NULL;
	int rc, stop = 0;

	scan_init(&s, st, i);
	rc = scan_from(&s, after, after != NULL ? strlen(after) : 0, false);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0) {
		room = dupz(s.k.data, s.k.size);
		json = dupz(s.d.data, s.d.size);
		if (room == NULL || json == NULL)
			rc = ENOMEM;
		else
			stop = cb(arg, room, json);
		free(room);
		free(json);
	}
	scan_free(&s);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "iterate %s after \"%s\"",
		    dbdefs[i].file, after != NULL ? after : "");
	return STORE_OK;
}

int
store_room_iter(struct store *st, const char *after, room_cb cb, void *arg)
{
	return room_scan(st, D_ROOMS, after, cb, arg);
}

int
store_public_iter(struct store *st, const char *after, room_cb cb, void *arg)
{
	return room_scan(st, D_PUBLIC, after, cb, arg);
}

typedef int (*aff_cb)(void *, const char *, const struct store_aff_rec *);

/* Decode the record and hand it with `name` (a slice of a key) to cb. */
static int
aff_deliver(const DBT *d, const void *name, size_t len, aff_cb cb, void *arg,
    int *stop)
{
	struct store_aff_rec rec;
	json_t *root;
	char *s;
	int rc;

	if ((rc = aff_decode(d, &root, &rec)) != 0)
		return rc;
	if ((s = dupz(name, len)) == NULL) {
		json_decref(root);
		return ENOMEM;
	}
	*stop = cb(arg, s, &rec);
	free(s);
	json_decref(root);
	return 0;
}

int
store_aff_iter(struct store *st, const char *room, aff_cb cb, void *arg)
{
	struct key pfx;
	struct scan s;
	int rc, stop = 0;

	if (bad_str(room))
		return store_fail(st, EINVAL, "aff iterate: empty room JID");
	if (key_join(&pfx, room, NULL, 0) != 0)
		return store_fail(st, ENOMEM, "aff iterate %s", room);
	scan_init(&s, st, D_AFFS);
	s.pfx = pfx.p;
	s.pfxlen = pfx.len;
	rc = scan_from(&s, pfx.p, pfx.len, false);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0)
		rc = aff_deliver(&s.d, (char *)s.k.data + pfx.len,
		    s.k.size - pfx.len, cb, arg, &stop);
	scan_free(&s);
	free(pfx.p);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "aff iterate %s: affs.db", room);
	return STORE_OK;
}

int
store_user_iter(struct store *st, const char *bare, aff_cb cb, void *arg)
{
	struct scan s;
	int rc = 0, stop = 0;

	if (bad_str(bare))
		return store_fail(st, EINVAL, "user iterate: empty JID");
	scan_init(&s, st, D_USERS);
	s.dup = true;
	s.pfx = bare;
	s.pfxlen = strlen(bare);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0)
		rc = aff_deliver(&s.d, s.pk.data, room_len(&s.pk), cb, arg,
		    &stop);
	scan_free(&s);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "user iterate %s: users.db", bare);
	return STORE_OK;
}

int
store_nick_iter(struct store *st, const char *after_room,
    const char *after_nick,
    int (*cb)(void *, const char *room, const char *nick, const char *bare),
    void *arg)
{
	struct scan s;
	struct key from = { NULL, 0 };
	char *room = NULL, *nick = NULL, *bare = NULL;
	size_t rl, pl;
	int rc, stop = 0;

	if (after_room != NULL && key_join(&from, after_room, after_nick ?
	    after_nick : "", after_nick ? strlen(after_nick) : 0) != 0)
		return store_fail(st, ENOMEM, "iterate nicks.db");
	scan_init(&s, st, D_NICKS);
	rc = scan_from(&s, from.p, from.len, false);
	free(from.p);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0) {
		rl = room_len(&s.k);
		pl = room_len(&s.pk);
		if (rl >= s.k.size || pl >= s.pk.size) {
			rc = EINVAL;
			break;
		}
		room = dupz(s.k.data, rl);
		nick = dupz((char *)s.k.data + rl + 1, s.k.size - rl - 1);
		bare = dupz((char *)s.pk.data + pl + 1, s.pk.size - pl - 1);
		if (room == NULL || nick == NULL || bare == NULL)
			rc = ENOMEM;
		else
			stop = cb(arg, room, nick, bare);
		free(room);
		free(nick);
		free(bare);
	}
	scan_free(&s);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "iterate nicks.db");
	return STORE_OK;
}

/* ---- history ---- */

/* Walk back from the room's newest entry over at most max entries and
 * leave the oldest of them in s->k (a copy: the cursor goes on). */
static int
hist_back(DBC *c, struct scan *s, size_t max, size_t *n)
{
	DBT k = { 0 }, d = { 0 };
	int rc;

	*n = 0;
	k.flags = DB_DBT_REALLOC;
	/* Keys are all we need; an empty buffer of our own takes the
	 * partial's zero bytes, as a DB_THREAD (replicated) handle wants. */
	d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	if ((rc = dbt_load(&k, s->pfx, s->pfxlen)) != 0)
		return rc;
	((char *)k.data)[s->pfxlen - 1] = '\1';	/* just past "room\0..." */
	rc = c->get(c, &k, &d, DB_SET_RANGE);
	if (rc == 0 || rc == DB_NOTFOUND)
		rc = c->get(c, &k, &d, rc == 0 ? DB_PREV : DB_LAST);
	while (rc == 0 && *n < max && dbt_prefixed(&k, s->pfx, s->pfxlen)) {
		if ((rc = dbt_load(&s->k, k.data, k.size)) == 0) {
			(*n)++;
			rc = c->get(c, &k, &d, DB_PREV);
		}
	}
	free(k.data);
	return rc == DB_NOTFOUND ? 0 : rc;
}

static int
hist_start(struct store *st, struct scan *s, size_t max, size_t *n)
{
	DB_TXN *txn;
	DBC *c;
	int rc, crc;

	if ((rc = rtxn_begin(st, &txn)) != 0)
		return rc;
	if ((rc = s->db->cursor(s->db, txn, &c, 0)) == 0) {
		rc = hist_back(c, s, max, n);
		if ((crc = c->close(c)) != 0 && rc == 0)
			rc = crc;
	}
	rtxn_end(st, txn);
	if (rc == 0 && *n > 0)
		rc = scan_from(s, s->k.data, s->k.size, true);
	return rc;
}

static int
hist_deliver(const struct scan *s, int (*cb)(void *, uint64_t,
    const char *), void *arg, int *stop)
{
	char *json;

	if (s->k.size != s->pfxlen + 8)
		return EINVAL;
	if ((json = dupz(s->d.data, s->d.size)) == NULL)
		return ENOMEM;
	*stop = cb(arg, be64((unsigned char *)s->k.data + s->pfxlen), json);
	free(json);
	return 0;
}

int
store_history_iter(struct store *st, const char *room, size_t max,
    int (*cb)(void *, uint64_t, const char *), void *arg)
{
	struct key pfx;
	struct scan s;
	size_t n = 0;
	int rc, stop = 0;

	if (bad_str(room))
		return store_fail(st, EINVAL,
		    "history iterate: empty room JID");
	if (key_join(&pfx, room, NULL, 0) != 0)
		return store_fail(st, ENOMEM, "history iterate %s", room);
	scan_init(&s, st, D_HISTORY);
	s.pfx = pfx.p;
	s.pfxlen = pfx.len;
	rc = hist_start(st, &s, max, &n);
	for (; rc == 0 && n > 0 && stop == 0; n--)
		if ((rc = scan_next(st, &s)) == 0)
			rc = hist_deliver(&s, cb, arg, &stop);
	scan_free(&s);
	free(pfx.p);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "history iterate %s: history.db",
		    room);
	return STORE_OK;
}

/* ---- writes ---- */

/* Delete every key that starts with lo[0..pfxlen) and lies in [lo, hi)
 * (hi NULL: no upper bound). Deleting through a cursor on a primary also
 * removes its secondary entries. */
static int
del_range(DB *db, DB_TXN *txn, const struct key *lo, size_t pfxlen,
    const struct key *hi)
{
	DBT k = { 0 }, d = { 0 };
	DBC *c;
	int rc, crc;

	k.flags = DB_DBT_REALLOC;
	d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	if ((rc = dbt_load(&k, lo->p, lo->len)) != 0)
		return rc;
	if ((rc = db->cursor(db, txn, &c, 0)) != 0) {
		free(k.data);
		return rc;
	}
	rc = c->get(c, &k, &d, DB_SET_RANGE);
	while (rc == 0 && dbt_prefixed(&k, lo->p, pfxlen) &&
	    (hi == NULL || dbt_cmp(&k, hi) < 0))
		if ((rc = c->del(c, 0)) == 0)
			rc = c->get(c, &k, &d, DB_NEXT);
	if ((crc = c->close(c)) != 0 && (rc == 0 || rc == DB_NOTFOUND))
		rc = crc;
	free(k.data);
	return rc == DB_NOTFOUND ? 0 : rc;
}

static int
put_one(struct store_txn *t, enum dbi i, const void *kp, size_t klen,
    const void *dp, size_t dlen)
{
	DB *db = t->st->db[i];
	DB_TXN *child;
	DBT k, d;
	int rc;

	dbt_in(&k, kp, klen);
	dbt_in(&d, dp, dlen);
	if ((rc = sub_begin(t, &child)) != 0)
		return rc;
	return sub_end(child, db->put(db, child, &k, &d, 0));
}

int
meta_put(struct store *st, const char *key, const void *val, size_t len,
    const char *what)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = put_one(t, D_META, key, strlen(key), val, len)) != 0) {
		store_abort(t);
		return store_fail(st, rc, "%s", what);
	}
	return store_commit(t);
}

/* A JSON record must be an object: the public index parses room records
 * on every write, and their readers must be able to read back whatever
 * was stored. */
static int
json_check(struct store *st, enum dbi i, const char *key, const char *json)
{
	json_error_t e;
	json_t *o;
	bool ok;

	if ((o = json_loads(json, 0, &e)) == NULL) {
		if (json_errno(&e) == ENOMEM)
			return store_fail(st, ENOMEM, "put %s: %s", key,
			    dbdefs[i].file);
		store_set_msg(st, "put %s: %s: record is not valid JSON: %s "
		    "(line %d, column %d)", key, dbdefs[i].file, e.text, e.line,
		    e.column);
		return STORE_ERR;
	}
	ok = json_is_object(o);
	json_decref(o);
	if (!ok) {
		store_set_msg(st, "put %s: %s: record is not a JSON object",
		    key, dbdefs[i].file);
		return STORE_ERR;
	}
	return STORE_OK;
}

int
store_room_put(struct store_txn *t, const char *room, const char *json)
{
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room) || bad_str(json))
		return store_fail(t->st, EINVAL,
		    "room put: empty room JID or record");
	if ((rc = json_check(t->st, D_ROOMS, room, json)) != STORE_OK)
		return rc;
	if ((rc = put_one(t, D_ROOMS, room, strlen(room), json,
	    strlen(json))) != 0)
		return store_fail(t->st, rc, "room put %s: rooms.db", room);
	return STORE_OK;
}

static int
room_del_txn(struct store_txn *t, DB_TXN *txn, const char *room)
{
	struct store *st = t->st;
	struct key pfx;
	DBT k;
	int rc;

	if (key_join(&pfx, room, NULL, 0) != 0)
		return ENOMEM;
	rc = del_range(st->db[D_AFFS], txn, &pfx, pfx.len, NULL);
	if (rc == 0)
		rc = del_range(st->db[D_HISTORY], txn, &pfx, pfx.len, NULL);
	if (rc == 0)
		rc = del_range(st->db[D_HATS], txn, &pfx, pfx.len, NULL);
	free(pfx.p);
	dbt_in(&k, room, strlen(room));
	if (rc == 0 && (rc = st->db[D_AVATARS]->del(st->db[D_AVATARS], txn,
	    &k, 0)) == DB_NOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = st->db[D_ROOMS]->del(st->db[D_ROOMS], txn, &k, 0);
	return rc;
}

int
store_room_del(struct store_txn *t, const char *room)
{
	DB_TXN *child;
	bool absent;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room))
		return store_fail(t->st, EINVAL, "room delete: empty room JID");
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "room delete %s", room);
	rc = room_del_txn(t, child, room);
	absent = rc == DB_NOTFOUND;
	/* An absent room record still lets stray affiliations, history,
	 * hats and avatar under its name go. */
	if ((rc = sub_end(child, absent ? 0 : rc)) != 0)
		return store_fail(t->st, rc, "room delete %s", room);
	return absent ? STORE_NOTFOUND : STORE_OK;
}

static int
aff_del(struct store_txn *t, const struct key *k)
{
	DB *db = t->st->db[D_AFFS];
	DB_TXN *child;
	DBT key;
	int rc;

	dbt_in(&key, k->p, k->len);
	if ((rc = sub_begin(t, &child)) != 0)
		return rc;
	rc = db->del(db, child, &key, 0);
	return sub_end(child, rc == DB_NOTFOUND ? 0 : rc);
}

/* NICK_TAKEN when another JID holds the nick in this room, 0 when
 * free or ours, an error number otherwise. Runs in the caller's txn, so
 * the answer holds until it commits. */
static int
nick_taken(struct store *st, const char *room, const char *bare,
    const char *nick)
{
	char *owner;
	int rc;

	if (bad_str(nick))
		return 0;
	if ((rc = nick_lookup(st, room, nick, &owner)) == DB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	rc = strcmp(owner, bare) != 0 ? NICK_TAKEN : 0;
	free(owner);
	return rc;
}

static int
aff_write(struct store_txn *t, const struct key *k, const char *room,
    const char *bare, const struct store_aff_rec *rec)
{
	char *json;
	int rc;

	if ((rc = nick_taken(t->st, room, bare, rec->nick)) != 0)
		return rc;
	if ((json = aff_encode(rec)) == NULL)
		return ENOMEM;
	rc = put_one(t, D_AFFS, k->p, k->len, json, strlen(json));
	free(json);
	/* BDB refuses a duplicate in the unique nicks.db with EINVAL (not
	 * DB_KEYEXIST); nick_taken() has normally caught it already. */
	if (rc == EINVAL && nick_taken(t->st, room, bare, rec->nick) ==
	    NICK_TAKEN) {
		t->st->bdbmsg[0] = '\0';
		rc = NICK_TAKEN;
	}
	return rc;
}

int
store_aff_put(struct store_txn *t, const char *room, const char *bare,
    const struct store_aff_rec *rec)
{
	struct key k;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room) || bad_str(bare) || rec == NULL ||
	    store_aff_name(rec->aff) == NULL)
		return store_fail(t->st, EINVAL, "aff put: bad room, JID or "
		    "affiliation");
	if (key_join(&k, room, bare, strlen(bare)) != 0)
		return store_fail(t->st, ENOMEM, "aff put %s %s", room, bare);
	rc = rec->aff == AFF_NONE ? aff_del(t, &k) :
	    aff_write(t, &k, room, bare, rec);
	free(k.p);
	if (rc == NICK_TAKEN) {
		store_set_msg(t->st,
		    "aff put %s %s: nick \"%s\" is reserved by "
		    "another JID", room, bare, rec->nick);
		return STORE_CONFLICT;
	}
	if (rc != 0)
		return store_fail(t->st, rc, "aff put %s %s (%s)", room, bare,
		    store_aff_name(rec->aff));
	return STORE_OK;
}

int
store_history_add(struct store_txn *t, const char *room, uint64_t seq,
    const char *json)
{
	struct key k;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room) || json == NULL)
		return store_fail(t->st, EINVAL,
		    "history add: empty room JID or "
		    "record");
	if (key_hist(&k, room, seq) != 0)
		return store_fail(t->st, ENOMEM, "history add %s", room);
	rc = put_one(t, D_HISTORY, k.p, k.len, json, strlen(json));
	free(k.p);
	if (rc != 0)
		return store_fail(t->st, rc, "history add %s #%llu: history.db",
		    room, (unsigned long long)seq);
	return STORE_OK;
}

int
store_history_trim(struct store_txn *t, const char *room, uint64_t keep_from)
{
	struct key lo, hi;
	DB_TXN *child;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room))
		return store_fail(t->st, EINVAL,
		    "history trim: empty room JID");
	if (key_join(&lo, room, NULL, 0) != 0)
		return store_fail(t->st, ENOMEM, "history trim %s", room);
	if (key_hist(&hi, room, keep_from) != 0) {
		free(lo.p);
		return store_fail(t->st, ENOMEM, "history trim %s", room);
	}
	if ((rc = sub_begin(t, &child)) == 0)
		rc = sub_end(child, del_range(t->st->db[D_HISTORY], child, &lo,
		    lo.len, &hi));
	free(lo.p);
	free(hi.p);
	if (rc != 0)
		return store_fail(t->st, rc, "history trim %s before #%llu",
		    room, (unsigned long long)keep_from);
	return STORE_OK;
}

/* ---- the archive ---- */

#define ARCH_NEXT_AID	"arch_next_aid"
#define ARCH_DOOMED	"arch_doomed:"		/* + aid, in meta.db */
#define AROOM_SIZE	40

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static void
arch_key(unsigned char k[ARCH_KEY], uint32_t aid, uint64_t seq)
{
	put_be32(k, aid);
	put_be64(k + 4, seq);
}

/* The room's entry: aid, flags, count, bytes, floor, last (40 bytes). */
static void
aroom_encode(unsigned char b[AROOM_SIZE], const struct store_arch_room *ar)
{
	put_be32(b, ar->aid);
	put_be32(b + 4, ar->kept ? 1 : 0);
	put_be64(b + 8, ar->count);
	put_be64(b + 16, ar->bytes);
	put_be64(b + 24, ar->floor);
	put_be64(b + 32, ar->last);
}

static int
aroom_decode(const DBT *d, struct store_arch_room *ar)
{
	const unsigned char *b = d->data;

	if (d->size != AROOM_SIZE)
		return EINVAL;
	ar->aid = get_be32(b);
	ar->kept = (get_be32(b + 4) & 1) != 0;
	ar->count = be64(b + 8);
	ar->bytes = be64(b + 16);
	ar->floor = be64(b + 24);
	ar->last = be64(b + 32);
	return 0;
}

int
store_arch_room_get(struct store *st, const char *room,
    struct store_arch_room *ar)
{
	DBT d;
	int rc;

	memset(ar, 0, sizeof(*ar));
	if (bad_str(room))
		return store_fail(st, EINVAL, "archive: empty room JID");
	rc = read_one(st, D_ARCH_ROOMS, room, strlen(room), NULL, &d);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == 0) {
		rc = aroom_decode(&d, ar);
		free(d.data);
	}
	if (rc != 0)
		return store_fail(st, rc, "archive %s: arch_rooms.db", room);
	return STORE_OK;
}

static int
aroom_put(struct store_txn *t, DB_TXN *txn, const char *room,
    const struct store_arch_room *ar)
{
	DB *db = t->st->db[D_ARCH_ROOMS];
	unsigned char b[AROOM_SIZE];
	DBT k, d;

	aroom_encode(b, ar);
	dbt_in(&k, room, strlen(room));
	dbt_in(&d, b, sizeof(b));
	return db->put(db, txn, &k, &d, 0);
}

int
store_arch_room_put(struct store_txn *t, const char *room,
    const struct store_arch_room *ar)
{
	DB_TXN *child;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room))
		return store_fail(t->st, EINVAL, "archive: empty room JID");
	if ((rc = sub_begin(t, &child)) == 0)
		rc = sub_end(child, aroom_put(t, child, room, ar));
	if (rc != 0)
		return store_fail(t->st, rc, "archive %s: arch_rooms.db", room);
	return STORE_OK;
}

/* The next archive id, counted in meta.db (ids are never reused). */
static int
next_aid(struct store_txn *t, DB_TXN *txn, uint32_t *aid)
{
	DB *meta = t->st->db[D_META];
	unsigned char b[4];
	DBT k, d;
	int rc;

	dbt_in(&k, ARCH_NEXT_AID, strlen(ARCH_NEXT_AID));
	memset(&d, 0, sizeof(d));
	d.data = b;
	d.ulen = sizeof(b);
	d.flags = DB_DBT_USERMEM;
	rc = meta->get(meta, txn, &k, &d, DB_RMW);
	if (rc == DB_NOTFOUND)
		*aid = 1;
	else if (rc != 0)
		return rc;
	else if (d.size != 4)
		return EINVAL;
	else
		*aid = get_be32(b);
	if (*aid == UINT32_MAX)
		return ENOSPC;
	put_be32(b, *aid + 1);
	dbt_in(&d, b, sizeof(b));
	return meta->put(meta, txn, &k, &d, 0);
}

int
store_arch_room_open(struct store_txn *t, const char *room,
    struct store_arch_room *ar)
{
	DB_TXN *child;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if ((rc = store_arch_room_get(t->st, room, ar)) != STORE_NOTFOUND)
		return rc;
	if ((rc = sub_begin(t, &child)) == 0) {
		rc = next_aid(t, child, &ar->aid);
		if (rc == 0)
			rc = aroom_put(t, child, room, ar);
		rc = sub_end(child, rc);
	}
	if (rc != 0)
		return store_fail(t->st, rc, "archive %s: allocate an archive",
		    room);
	return STORE_OK;
}

static size_t
arec_size(const struct store_arch_rec *r)
{
	return AREC_HDR + strlen(r->sid) + strlen(r->nick) + strlen(r->jid) +
	    r->xmllen;
}

/* NULL on OOM or on a string too long for its length field. */
static unsigned char *
arec_encode(const struct store_arch_rec *r, size_t *len)
{
	size_t sl = strlen(r->sid), nl = strlen(r->nick), jl = strlen(r->jid);
	unsigned char *b, *p;

	if (sl > 0xff || nl > 0xffff || jl > 0xffff)
		return NULL;
	*len = arec_size(r);
	if ((b = malloc(*len)) == NULL)
		return NULL;
	b[0] = AREC_VERSION;
	b[1] = (unsigned char)r->flags;
	b[2] = (unsigned char)sl;
	b[3] = (unsigned char)(nl >> 8);
	b[4] = (unsigned char)nl;
	b[5] = (unsigned char)(jl >> 8);
	b[6] = (unsigned char)jl;
	p = b + AREC_HDR;
	memcpy(p, r->sid, sl);
	memcpy(p + sl, r->nick, nl);
	memcpy(p + sl + nl, r->jid, jl);
	memcpy(p + sl + nl + jl, r->xml, r->xmllen);
	return b;
}

static int
arch_put(struct store_txn *t, DB_TXN *txn, uint32_t aid,
    const struct store_arch_rec *r, u_int32_t flags)
{
	DB *db = t->st->db[D_ARCH];
	unsigned char key[ARCH_KEY], *rec;
	size_t len;
	DBT k, d;
	int rc;

	if ((rec = arec_encode(r, &len)) == NULL)
		return ENOMEM;
	arch_key(key, aid, r->seq);
	dbt_in(&k, key, sizeof(key));
	dbt_in(&d, rec, len);
	rc = db->put(db, txn, &k, &d, flags);
	free(rec);
	return rc;
}

/* DB_KEYEXIST if the room holds a record with this stanza-id: BDB would
 * refuse the put into the unique index only with a generic EINVAL. */
static int
sid_taken(struct store *st, DB_TXN *txn, uint32_t aid, const char *sid)
{
	DB *db = st->db[D_ARCH_IDS];
	size_t sl = strlen(sid);
	unsigned char key[4 + 256];
	DBT k, d;
	int rc;

	if (sl > 255)
		return EINVAL;
	put_be32(key, aid);
	memcpy(key + 4, sid, sl);
	dbt_in(&k, key, 4 + sl);
	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	rc = db->get(db, txn, &k, &d, 0);
	if (rc == 0)
		return DB_KEYEXIST;
	return rc == DB_NOTFOUND ? 0 : rc;
}

int
store_arch_add(struct store_txn *t, const char *room,
    struct store_arch_room *ar, const struct store_arch_rec *r)
{
	struct store_arch_room next = *ar;
	DB_TXN *child;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(r->sid) || r->seq <= ar->last)
		return store_fail(t->st, EINVAL, "archive %s: a record needs a "
		    "stanza-id and a sequence after the last", room);
	next.count++;
	next.bytes += arec_size(r);
	next.last = r->seq;
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "archive %s: add", room);
	rc = arch_put(t, child, ar->aid, r, DB_NOOVERWRITE);
	if (rc == 0)
		rc = aroom_put(t, child, room, &next);
	/* A stanza-id taken already is the caller's to retry with another
	 * id, not a failure of the store. The unique index refuses it with a
	 * generic error, so the cause is looked up only then: a lookup before
	 * every put would cost each message a search of the index. */
	if ((rc = sub_end(child, rc)) != 0 &&
	    sid_taken(t->st, t->txn, ar->aid, r->sid) == DB_KEYEXIST)
		return STORE_CONFLICT;
	if (rc != 0)
		return store_fail(t->st, rc, "archive %s: add", room);
	*ar = next;
	return STORE_OK;
}

/* A record found: one allocation holding every string, NUL-terminated. */
static int
item_fill(struct store_arch_item *it, const DBT *k, const DBT *d)
{
	struct arec_view v;
	char *p;
	int rc;

	if (k->size != ARCH_KEY)
		return EINVAL;
	if ((rc = arec_parse(d->data, d->size, &v)) != 0)
		return rc;
	if ((p = malloc(v.sidlen + v.nicklen + v.jidlen + v.xmllen + 4)) ==
	    NULL)
		return ENOMEM;
	it->mem = p;
	it->rec.seq = be64((const unsigned char *)k->data + 4);
	it->rec.flags = v.flags;
	it->rec.sid = memcpy(p, v.sid, v.sidlen);
	p += v.sidlen;
	*p++ = '\0';
	it->rec.nick = memcpy(p, v.nick, v.nicklen);
	p += v.nicklen;
	*p++ = '\0';
	it->rec.jid = memcpy(p, v.jid, v.jidlen);
	p += v.jidlen;
	*p++ = '\0';
	it->rec.xml = memcpy(p, v.xml, v.xmllen);
	p[v.xmllen] = '\0';
	it->rec.xmllen = v.xmllen;
	return 0;
}

void
store_arch_item_free(struct store_arch_item *it)
{
	free(it->mem);
	it->mem = NULL;
}

int
store_arch_get(struct store *st, uint32_t aid, const char *sid,
    struct store_arch_item *it)
{
	size_t sl = sid != NULL ? strlen(sid) : 0;
	unsigned char key[4 + 256];
	DBT pk, d;
	int rc;

	memset(it, 0, sizeof(*it));
	if (sl == 0 || sl > 255)
		return STORE_NOTFOUND;
	put_be32(key, aid);
	memcpy(key + 4, sid, sl);
	rc = read_one(st, D_ARCH_IDS, key, 4 + sl, &pk, &d);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == 0) {
		rc = item_fill(it, &pk, &d);
		free(pk.data);
		free(d.data);
	}
	if (rc != 0)
		return store_fail(st, rc, "archive: look up stanza-id %s", sid);
	return STORE_OK;
}

int
store_arch_replace(struct store_txn *t, const char *room,
    struct store_arch_room *ar, const struct store_arch_rec *r,
    size_t oldsize)
{
	struct store_arch_room next = *ar;
	DB_TXN *child;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	next.bytes = next.bytes + arec_size(r) - oldsize;
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "archive %s: replace", room);
	rc = arch_put(t, child, ar->aid, r, 0);
	if (rc == 0)
		rc = aroom_put(t, child, room, &next);
	if ((rc = sub_end(child, rc)) != 0)
		return store_fail(t->st, rc, "archive %s: replace %s", room,
		    r->sid);
	*ar = next;
	return STORE_OK;
}

size_t
store_arch_rec_size(const struct store_arch_rec *r)
{
	return arec_size(r);
}

/* Is the record at k/ (secondary: pk) inside aid and [lo, hi]? */
static bool
page_in(const DBT *pk, uint32_t aid, uint64_t lo, uint64_t hi)
{
	uint64_t seq;

	if (pk->size != ARCH_KEY ||
	    get_be32((const unsigned char *)pk->data) != aid)
		return false;
	seq = be64((const unsigned char *)pk->data + 4);
	return seq >= lo && seq <= hi;
}

/* Position the cursor on the first record of the walk, or DB_NOTFOUND. */
static int
page_seek(DBC *c, bool sec, DBT *k, DBT *pk, DBT *d, uint32_t aid,
    uint64_t lo, uint64_t hi, bool backward, const struct key *nick)
{
	unsigned char at[ARCH_KEY];
	int rc;

	/* Backward starts at the first key past hi, then steps back. */
	if (!backward)
		arch_key(at, aid, lo);
	else if (hi == UINT64_MAX)
		arch_key(at, aid + 1, 0);
	else
		arch_key(at, aid, hi + 1);
	if (!sec) {
		if ((rc = dbt_load(k, at, sizeof(at))) != 0)
			return rc;
		rc = c->get(c, k, d, DB_SET_RANGE);
		if (!backward)
			return rc;
		if (rc == DB_NOTFOUND)
			return c->get(c, k, d, DB_LAST);
		return rc == 0 ? c->get(c, k, d, DB_PREV) : rc;
	}
	if ((rc = dbt_load(k, nick->p, nick->len)) != 0 ||
	    (rc = dbt_load(pk, at, sizeof(at))) != 0)
		return rc;
	rc = c->pget(c, k, pk, d, DB_GET_BOTH_RANGE);
	if (!backward)
		return rc;
	if (rc == 0)
		return c->pget(c, k, pk, d, DB_PREV_DUP);
	if (rc != DB_NOTFOUND)
		return rc;
	/* Nothing at or past hi under this nick: from its last record, the
	 * one before the next key (or the last of all). */
	if ((rc = dbt_load(k, nick->p, nick->len)) != 0 ||
	    (rc = c->pget(c, k, pk, d, DB_SET)) != 0)
		return rc;
	rc = c->pget(c, k, pk, d, DB_NEXT_NODUP);
	if (rc == DB_NOTFOUND)
		return c->pget(c, k, pk, d, DB_LAST);
	return rc == 0 ? c->pget(c, k, pk, d, DB_PREV) : rc;
}

static int
page_step(DBC *c, bool sec, DBT *k, DBT *pk, DBT *d, bool backward)
{
	if (sec)
		return c->pget(c, k, pk, d, backward ? DB_PREV_DUP :
		    DB_NEXT_DUP);
	return c->get(c, k, d, backward ? DB_PREV : DB_NEXT);
}

static void
items_free(struct store_arch_item *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_arch_item_free(&out[i]);
}

/* The walk under one cursor, copying each record out: no callback runs
 * while the cursor is open (see the locking model). */
static int
page_walk(struct store *st, DB_TXN *txn, const struct store_arch_query *q,
    struct store_arch_item *out, size_t *n, bool *more)
{
	bool sec = q->nick != NULL;
	DB *db = st->db[sec ? D_ARCH_NICKS : D_ARCH];
	DBT k = { 0 }, pk = { 0 }, d = { 0 };
	struct key nick = { NULL, 0 };
	DBC *c;
	int rc, crc;

	k.flags = pk.flags = d.flags = DB_DBT_REALLOC;
	if (sec) {
		nick.len = 4 + strlen(q->nick);
		if ((nick.p = malloc(nick.len)) == NULL)
			return ENOMEM;
		put_be32((unsigned char *)nick.p, q->aid);
		memcpy(nick.p + 4, q->nick, nick.len - 4);
	}
	if ((rc = db->cursor(db, txn, &c, 0)) != 0) {
		free(nick.p);
		return rc;
	}
	rc = page_seek(c, sec, &k, &pk, &d, q->aid, q->lo, q->hi,
	    q->backward, &nick);
	while (rc == 0 && page_in(sec ? &pk : &k, q->aid, q->lo, q->hi)) {
		if (*n == q->max) {
			*more = true;
			break;
		}
		if ((rc = item_fill(&out[*n], sec ? &pk : &k, &d)) != 0)
			break;
		(*n)++;
		rc = page_step(c, sec, &k, &pk, &d, q->backward);
	}
	if ((crc = c->close(c)) != 0 && (rc == 0 || rc == DB_NOTFOUND))
		rc = crc;
	free(k.data);
	free(pk.data);
	free(d.data);
	free(nick.p);
	return rc == DB_NOTFOUND ? 0 : rc;
}

int
store_arch_page(struct store *st, const struct store_arch_query *q,
    struct store_arch_item *out, size_t *n, bool *more)
{
	DB_TXN *txn;
	int rc;

	*n = 0;
	*more = false;
	if (q->lo > q->hi || q->max == 0)
		return STORE_OK;
	if ((rc = rtxn_begin(st, &txn)) != 0)
		return store_fail(st, rc, "archive: read");
	rc = page_walk(st, txn, q, out, n, more);
	rtxn_end(st, txn);
	if (rc != 0) {
		items_free(out, *n);
		*n = 0;
		return store_fail(st, rc, "archive: read %s",
		    q->nick ? "by nick" :
		    "a page");
	}
	return STORE_OK;
}

/* Delete up to max records of aid below `before` through a cursor (so
 * the indexes follow); *n deleted and *bytes their size. */
static int
arch_del_below(struct store *st, DB_TXN *txn, uint32_t aid, uint64_t before,
    size_t max, size_t *n, uint64_t *bytes)
{
	DB *db = st->db[D_ARCH];
	DBT k = { 0 }, d = { 0 };
	unsigned char at[ARCH_KEY];
	DBC *c;
	int rc, crc;

	*n = 0;
	*bytes = 0;
	k.flags = d.flags = DB_DBT_REALLOC;
	arch_key(at, aid, 0);
	if ((rc = dbt_load(&k, at, sizeof(at))) != 0)
		return rc;
	if ((rc = db->cursor(db, txn, &c, 0)) != 0) {
		free(k.data);
		return rc;
	}
	rc = c->get(c, &k, &d, DB_SET_RANGE);
	while (rc == 0 && *n < max && before > 0 &&
	    page_in(&k, aid, 0, before - 1)) {
		if ((rc = c->del(c, 0)) != 0)
			break;
		(*n)++;
		*bytes += d.size;
		rc = c->get(c, &k, &d, DB_NEXT);
	}
	if ((crc = c->close(c)) != 0 && (rc == 0 || rc == DB_NOTFOUND))
		rc = crc;
	free(k.data);
	free(d.data);
	return rc == DB_NOTFOUND ? 0 : rc;
}

int
store_arch_trim(struct store_txn *t, const char *room,
    struct store_arch_room *ar, uint64_t before, size_t max, size_t *n)
{
	struct store_arch_room next = *ar;
	uint64_t bytes;
	DB_TXN *child;
	int rc;

	*n = 0;
	if (t == NULL)
		return STORE_ERR;
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "archive %s: trim", room);
	rc = arch_del_below(t->st, child, ar->aid, before, max, n, &bytes);
	if (rc == 0 && *n > 0) {
		next.count = next.count > *n ? next.count - *n : 0;
		next.bytes = next.bytes > bytes ? next.bytes - bytes : 0;
		rc = aroom_put(t, child, room, &next);
	}
	if ((rc = sub_end(child, rc)) != 0) {
		*n = 0;
		return store_fail(t->st, rc, "archive %s: trim", room);
	}
	*ar = next;
	return STORE_OK;
}

static void
doomed_key(unsigned char k[sizeof(ARCH_DOOMED) - 1 + 4], uint32_t aid)
{
	memcpy(k, ARCH_DOOMED, sizeof(ARCH_DOOMED) - 1);
	put_be32(k + sizeof(ARCH_DOOMED) - 1, aid);
}

int
store_arch_drop(struct store_txn *t, const char *room)
{
	unsigned char dk[sizeof(ARCH_DOOMED) - 1 + 4];
	struct store_arch_room ar;
	DB_TXN *child;
	DBT k, d;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if ((rc = store_arch_room_get(t->st, room, &ar)) != STORE_OK)
		return rc;
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "archive %s: drop", room);
	dbt_in(&k, room, strlen(room));
	rc = t->st->db[D_ARCH_ROOMS]->del(t->st->db[D_ARCH_ROOMS], child, &k,
	    0);
	/* Its records go a batch at a time (store_arch_reap), never in one
	 * long transaction. */
	doomed_key(dk, ar.aid);
	dbt_in(&k, dk, sizeof(dk));
	dbt_in(&d, "", 0);
	if (rc == 0)
		rc = t->st->db[D_META]->put(t->st->db[D_META], child, &k, &d,
		    0);
	if ((rc = sub_end(child, rc)) != 0)
		return store_fail(t->st, rc, "archive %s: drop", room);
	return STORE_OK;
}

/* The first doomed archive's id, or DB_NOTFOUND. */
static int
first_doomed(DB *meta, DB_TXN *txn, uint32_t *aid)
{
	DBT k = { 0 }, d = { 0 };
	size_t plen = sizeof(ARCH_DOOMED) - 1;
	DBC *c;
	int rc, crc;

	k.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = dbt_load(&k, ARCH_DOOMED, plen)) != 0)
		return rc;
	if ((rc = meta->cursor(meta, txn, &c, 0)) != 0) {
		free(k.data);
		return rc;
	}
	rc = c->get(c, &k, &d, DB_SET_RANGE);
	if (rc == 0 && (k.size != plen + 4 || !dbt_prefixed(&k, ARCH_DOOMED,
	    plen)))
		rc = DB_NOTFOUND;
	if (rc == 0)
		*aid = get_be32((unsigned char *)k.data + plen);
	if ((crc = c->close(c)) != 0 && rc == 0)
		rc = crc;
	free(k.data);
	free(d.data);
	return rc;
}

int
store_arch_reap(struct store_txn *t, size_t max, size_t *n)
{
	unsigned char dk[sizeof(ARCH_DOOMED) - 1 + 4];
	DB_TXN *child;
	uint64_t bytes;
	uint32_t aid;
	DBT k;
	int rc;

	*n = 0;
	if (t == NULL)
		return STORE_ERR;
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "archive: reap");
	rc = first_doomed(t->st->db[D_META], child, &aid);
	if (rc == 0)
		rc = arch_del_below(t->st, child, aid, UINT64_MAX, max, n,
		    &bytes);
	if (rc == 0 && *n < max) {
		/* All gone: forget it. */
		doomed_key(dk, aid);
		dbt_in(&k, dk, sizeof(dk));
		rc = t->st->db[D_META]->del(t->st->db[D_META], child, &k, 0);
	}
	if ((rc = sub_end(child, rc == DB_NOTFOUND ? 0 : rc)) != 0) {
		*n = 0;
		return store_fail(t->st, rc, "archive: reap");
	}
	return STORE_OK;
}

int
store_arch_room_iter(struct store *st, const char *after,
    int (*cb)(void *, const char *, const struct store_arch_room *),
    void *arg)
{
	struct store_arch_room ar;
	struct scan s;
	char *room;
	int rc, stop = 0;

	scan_init(&s, st, D_ARCH_ROOMS);
	rc = scan_from(&s, after, after != NULL ? strlen(after) : 0, false);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0) {
		if ((rc = aroom_decode(&s.d, &ar)) != 0)
			break;
		if ((room = dupz(s.k.data, s.k.size)) == NULL) {
			rc = ENOMEM;
			break;
		}
		stop = cb(arg, room, &ar);
		free(room);
	}
	scan_free(&s);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "archive: iterate arch_rooms.db");
	return STORE_OK;
}

/* ---- records under one key: avatars, tombstones, the ban list ---- */

static int
rec_get(struct store *st, enum dbi i, const char *key, void **val,
    size_t *len)
{
	DBT d;
	int rc;

	*val = NULL;
	*len = 0;
	if (bad_str(key))
		return store_fail(st, EINVAL, "%s: empty key", dbdefs[i].file);
	rc = read_one(st, i, key, strlen(key), NULL, &d);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(st, rc, "get %s: %s", key, dbdefs[i].file);
	*val = dupz(d.data, d.size);
	*len = d.size;
	free(d.data);
	if (*val == NULL)
		return store_fail(st, ENOMEM, "get %s: %s", key,
		    dbdefs[i].file);
	return STORE_OK;
}

static int
rec_put(struct store_txn *t, enum dbi i, const char *key, const void *val,
    size_t len)
{
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(key) || val == NULL || len == 0)
		return store_fail(t->st, EINVAL, "%s: empty key or record",
		    dbdefs[i].file);
	if ((rc = put_one(t, i, key, strlen(key), val, len)) != 0)
		return store_fail(t->st, rc, "put %s: %s", key, dbdefs[i].file);
	return STORE_OK;
}

/* STORE_NOTFOUND when there was nothing to delete. */
static int
rec_del(struct store_txn *t, enum dbi i, const char *key)
{
	DB *db;
	DB_TXN *child;
	DBT k;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(key))
		return store_fail(t->st, EINVAL, "%s: empty key",
		    dbdefs[i].file);
	db = t->st->db[i];
	dbt_in(&k, key, strlen(key));
	if ((rc = sub_begin(t, &child)) != 0)
		return store_fail(t->st, rc, "delete %s: %s", key,
		    dbdefs[i].file);
	rc = db->del(db, child, &k, 0);
	if ((rc = sub_end(child, rc)) == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(t->st, rc, "delete %s: %s", key,
		    dbdefs[i].file);
	return STORE_OK;
}

static int
json_rec_put(struct store_txn *t, enum dbi i, const char *key,
    const char *json)
{
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (json != NULL && !bad_str(key) &&
	    (rc = json_check(t->st, i, key, json)) != STORE_OK)
		return rc;
	return rec_put(t, i, key, json, json != NULL ? strlen(json) : 0);
}

static int
json_rec_get(struct store *st, enum dbi i, const char *key, char **json)
{
	size_t len;

	return rec_get(st, i, key, (void **)json, &len);
}

/* Every record in key order after `after` (NULL: from the start). */
static int
json_rec_iter(struct store *st, enum dbi i, const char *after, room_cb cb,
    void *arg)
{
	return room_scan(st, i, after, cb, arg);
}

/*
 * Avatar record (version 1), binary: u8 version, u8 length of the MIME
 * type, the type, the image.
 */
#define AVATAR_VERSION	1

int
store_avatar_get(struct store *st, const char *room, struct store_avatar *a)
{
	unsigned char *v;
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = rec_get(st, D_AVATARS, room, (void **)&v, &len)) != STORE_OK)
		return rc;
	if (len < 2 || v[0] != AVATAR_VERSION || (size_t)v[1] + 2 >= len) {
		free(v);
		store_set_msg(st, "avatar of %s: unreadable record", room);
		return STORE_ERR;
	}
	a->len = len - 2 - v[1];
	if ((a->type = dupz(v + 2, v[1])) == NULL ||
	    (a->data = malloc(a->len)) == NULL) {
		free(v);
		store_avatar_free(a);
		return store_fail(st, ENOMEM, "avatar of %s", room);
	}
	memcpy(a->data, v + 2 + v[1], a->len);
	free(v);
	return STORE_OK;
}

int
store_avatar_put(struct store_txn *t, const char *room,
    const struct store_avatar *a)
{
	size_t tl = a->type != NULL ? strlen(a->type) : 0;
	unsigned char *v;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (tl == 0 || tl > 0xff || a->len == 0)
		return store_fail(t->st, EINVAL,
		    "avatar of %s: a type of 1 to 255 "
		    "bytes and an image are needed", room);
	if ((v = malloc(2 + tl + a->len)) == NULL)
		return store_fail(t->st, ENOMEM, "avatar of %s", room);
	v[0] = AVATAR_VERSION;
	v[1] = (unsigned char)tl;
	memcpy(v + 2, a->type, tl);
	memcpy(v + 2 + tl, a->data, a->len);
	rc = rec_put(t, D_AVATARS, room, v, 2 + tl + a->len);
	free(v);
	return rc;
}

int
store_avatar_del(struct store_txn *t, const char *room)
{
	return rec_del(t, D_AVATARS, room);
}

void
store_avatar_free(struct store_avatar *a)
{
	free(a->type);
	free(a->data);
	memset(a, 0, sizeof(*a));
}

int
store_tomb_get(struct store *st, const char *room, char **json)
{
	return json_rec_get(st, D_TOMBS, room, json);
}

int
store_tomb_put(struct store_txn *t, const char *room, const char *json)
{
	return json_rec_put(t, D_TOMBS, room, json);
}

int
store_tomb_del(struct store_txn *t, const char *room)
{
	return rec_del(t, D_TOMBS, room);
}

int
store_tomb_iter(struct store *st, const char *after, room_cb cb, void *arg)
{
	return json_rec_iter(st, D_TOMBS, after, cb, arg);
}

int
store_live_put(struct store_txn *t, const char *key, const char *json)
{
	return json_rec_put(t, D_LIVE, key, json);
}

int
store_live_del(struct store_txn *t, const char *key)
{
	return rec_del(t, D_LIVE, key);
}

int
store_live_iter(struct store *st, room_cb cb, void *arg)
{
	return json_rec_iter(st, D_LIVE, NULL, cb, arg);
}

int
store_block_put(struct store_txn *t, const char *jid, const char *json)
{
	return json_rec_put(t, D_BLOCKS, jid, json);
}

int
store_block_del(struct store_txn *t, const char *jid)
{
	return rec_del(t, D_BLOCKS, jid);
}

int
store_block_iter(struct store *st, const char *after, room_cb cb, void *arg)
{
	return json_rec_iter(st, D_BLOCKS, after, cb, arg);
}

/* ---- hats: room "\0" bare JID "\0" URI -> {"v":1,"title":...} ---- */

static int
key_hat(struct key *k, const char *room, const char *bare, const char *uri)
{
	size_t bl = strlen(bare), ul = strlen(uri);
	char *b;
	int rc;

	if ((b = malloc(bl + 1 + ul)) == NULL)
		return ENOMEM;
	memcpy(b, bare, bl + 1);
	memcpy(b + bl + 1, uri, ul);
	rc = key_join(k, room, b, bl + 1 + ul);
	free(b);
	return rc;
}

int
store_hat_put(struct store_txn *t, const char *room, const char *bare,
    const char *uri, const char *title)
{
	struct key k;
	json_t *o;
	char *json;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room) || bad_str(bare) || bad_str(uri))
		return store_fail(t->st, EINVAL,
		    "hat put: empty room, JID or URI");
	o = json_pack("{s:i,s:s}", "v", 1, "title", title != NULL ? title :
	    "");
	json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (json == NULL || key_hat(&k, room, bare, uri) != 0) {
		free(json);
		return store_fail(t->st, ENOMEM, "hat put %s %s", room, bare);
	}
	rc = put_one(t, D_HATS, k.p, k.len, json, strlen(json));
	free(k.p);
	free(json);
	if (rc != 0)
		return store_fail(t->st, rc, "hat put %s %s: hats.db", room,
		    bare);
	return STORE_OK;
}

int
store_hat_del(struct store_txn *t, const char *room, const char *bare,
    const char *uri)
{
	struct key k;
	DB_TXN *child;
	DBT key;
	int rc;

	if (t == NULL)
		return STORE_ERR;
	if (bad_str(room) || bad_str(bare) || bad_str(uri))
		return store_fail(t->st, EINVAL,
		    "hat delete: empty room, JID or "
		    "URI");
	if (key_hat(&k, room, bare, uri) != 0)
		return store_fail(t->st, ENOMEM, "hat delete %s %s", room,
		    bare);
	dbt_in(&key, k.p, k.len);
	if ((rc = sub_begin(t, &child)) == 0)
		rc = sub_end(child, t->st->db[D_HATS]->del(t->st->db[D_HATS],
		    child, &key, 0));
	free(k.p);
	if (rc == DB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc != 0)
		return store_fail(t->st, rc, "hat delete %s %s: hats.db", room,
		    bare);
	return STORE_OK;
}

/* Split "bare\0uri" and decode the title for cb. */
static int
hat_deliver(const DBT *k, size_t pfxlen, const DBT *d,
    int (*cb)(void *, const char *, const char *, const char *), void *arg,
    int *stop)
{
	const char *p = (const char *)k->data + pfxlen;
	size_t n = k->size - pfxlen, bl;
	char *bare, *uri;
	json_error_t e;
	json_t *o, *title;
	int rc = 0;

	if ((bl = strnlen(p, n)) == n || bl == 0 || bl + 1 == n)
		return EINVAL;
	if ((o = json_loadb(d->data, d->size, 0, &e)) == NULL)
		return json_errno(&e);
	title = json_object_get(o, "title");
	bare = dupz(p, bl);
	uri = dupz(p + bl + 1, n - bl - 1);
	if (bare == NULL || uri == NULL)
		rc = ENOMEM;
	else
		*stop = cb(arg, bare, uri, json_is_string(title) ?
		    json_string_value(title) : "");
	free(bare);
	free(uri);
	json_decref(o);
	return rc;
}

int
store_hat_iter(struct store *st, const char *room,
    int (*cb)(void *, const char *bare, const char *uri, const char *title),
    void *arg)
{
	struct key pfx;
	struct scan s;
	int rc, stop = 0;

	if (bad_str(room))
		return store_fail(st, EINVAL, "hat iterate: empty room JID");
	if (key_join(&pfx, room, NULL, 0) != 0)
		return store_fail(st, ENOMEM, "hat iterate %s", room);
	scan_init(&s, st, D_HATS);
	s.pfx = pfx.p;
	s.pfxlen = pfx.len;
	rc = scan_from(&s, pfx.p, pfx.len, false);
	while (rc == 0 && stop == 0 && (rc = scan_next(st, &s)) == 0)
		rc = hat_deliver(&s.k, pfx.len, &s.d, cb, arg, &stop);
	scan_free(&s);
	free(pfx.p);
	if (rc != 0 && rc != DB_NOTFOUND)
		return store_fail(st, rc, "hat iterate %s: hats.db", room);
	return STORE_OK;
}


/* ---- the audit trail ---- */

/*
 * audit.db: seq (8 bytes, big-endian: time and order) -> the record's
 * strings, each a 2-byte length and its bytes, in the order of
 * struct store_audit_rec. audit_rooms.db: room JID + seq -> the record,
 * unique, so one room's events are a key range in time order.
 */
#define AUDIT_KEY	8
#define AUDIT_FIELDS	8

/* The record's string fields, in their stored order. */
static void
audit_fields(struct store_audit_rec *r, char **f[AUDIT_FIELDS])
{
	f[0] = &r->room;
	f[1] = &r->actor;
	f[2] = &r->path;
	f[3] = &r->action;
	f[4] = &r->target;
	f[5] = &r->old;
	f[6] = &r->new;
	f[7] = &r->reason;
}

static const char *
audit_field(const struct store_audit_rec *r, int i)
{
	const char *const v[AUDIT_FIELDS] = { r->room, r->actor, r->path,
	    r->action, r->target, r->old, r->new, r->reason };

	return v[i] != NULL ? v[i] : "";
}

/* The room field of an encoded record, for the index. */
static int
audit_room_key(DB *sdb, const DBT *pk, const DBT *pd, DBT *sk)
{
	const unsigned char *b = pd->data;
	size_t len;
	char *p;

	(void)sdb;
	if (pk->size != AUDIT_KEY || pd->size < 2)
		return EINVAL;
	len = (size_t)b[0] << 8 | b[1];
	if (2 + len > pd->size)
		return EINVAL;
	/* Never DB_DONOTINDEX: see arch_sec_key. */
	if ((p = malloc(len + AUDIT_KEY)) == NULL)
		return ENOMEM;
	if (len > 0)
		memcpy(p, b + 2, len);
	memcpy(p + len, pk->data, AUDIT_KEY);
	sk->data = p;
	sk->size = (u_int32_t)(len + AUDIT_KEY);
	sk->flags = DB_DBT_APPMALLOC;
	return 0;
}

int
store_audit_put(struct store_txn *t, const struct store_audit_rec *r)
{
	unsigned char k[AUDIT_KEY], *b, *p;
	size_t len[AUDIT_FIELDS], total = 0;
	DBT dk, dd;
	int i, rc;

	if (t == NULL)
		return STORE_ERR;
	for (i = 0; i < AUDIT_FIELDS; i++) {
		len[i] = strlen(audit_field(r, i));
		if (len[i] > 0xffff)
			return store_fail(t->st, EINVAL,
			    "audit: a field of %zu bytes", len[i]);
		total += 2 + len[i];
	}
	if ((b = malloc(total)) == NULL)
		return store_fail(t->st, ENOMEM, "audit");
	for (p = b, i = 0; i < AUDIT_FIELDS; i++) {
		*p++ = (unsigned char)(len[i] >> 8);
		*p++ = (unsigned char)(len[i] & 0xff);
		memcpy(p, audit_field(r, i), len[i]);
		p += len[i];
	}
	put_be64(k, r->seq);
	dbt_in(&dk, k, sizeof(k));
	dbt_in(&dd, b, total);
	rc = t->st->db[D_AUDIT]->put(t->st->db[D_AUDIT], t->txn, &dk, &dd,
	    DB_NOOVERWRITE);
	free(b);
	if (rc != 0)
		return store_fail(t->st, rc, "audit: record %s on %s",
		    audit_field(r, 3), audit_field(r, 0));
	return STORE_OK;
}

void
store_audit_rec_free(struct store_audit_rec *r)
{
	char **f[AUDIT_FIELDS];
	int i;

	audit_fields(r, f);
	for (i = 0; i < AUDIT_FIELDS; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

static int
audit_decode(const DBT *k, const DBT *d, struct store_audit_rec *r)
{
	const unsigned char *b = d->data, *end = b + d->size;
	char **f[AUDIT_FIELDS];
	size_t len;
	int i;

	memset(r, 0, sizeof(*r));
	if (k->size != AUDIT_KEY)
		return EINVAL;
	r->seq = be64(k->data);
	audit_fields(r, f);
	for (i = 0; i < AUDIT_FIELDS; i++) {
		if (end - b < 2 || (len = (size_t)b[0] << 8 | b[1]) >
		    (size_t)(end - b - 2)) {
			store_audit_rec_free(r);
			return EINVAL;
		}
		if ((*f[i] = dupz(b + 2, len)) == NULL) {
			store_audit_rec_free(r);
			return ENOMEM;
		}
		b += 2 + len;
	}
	return 0;
}

/* An actor filter names a JID, which matches its every resource. */
static bool
audit_actor_is(const char *actor, const char *want)
{
	size_t n = strlen(want);

	return strncmp(actor, want, n) == 0 &&
	    (actor[n] == '\0' || actor[n] == '/');
}

/* The newest record with seq <= hi, under the room's keys if sec. */
static int
audit_seek(DBC *c, bool sec, DBT *k, DBT *pk, DBT *d, const char *room,
    uint64_t hi)
{
	size_t rlen = sec ? strlen(room) : 0;
	unsigned char at[AUDIT_KEY];
	char *key;
	int rc;

	/* Start past hi, then step back (no seq reaches UINT64_MAX). */
	put_be64(at, hi == UINT64_MAX ? hi : hi + 1);
	if ((key = malloc(rlen + AUDIT_KEY)) == NULL)
		return ENOMEM;
	if (rlen > 0)
		memcpy(key, room, rlen);
	memcpy(key + rlen, at, AUDIT_KEY);
	rc = dbt_load(k, key, rlen + AUDIT_KEY);
	free(key);
	if (rc != 0)
		return rc;
	rc = sec ? c->pget(c, k, pk, d, DB_SET_RANGE) :
	    c->get(c, k, d, DB_SET_RANGE);
	if (rc == DB_NOTFOUND)
		return sec ? c->pget(c, k, pk, d, DB_LAST) :
		    c->get(c, k, d, DB_LAST);
	if (rc != 0)
		return rc;
	return sec ? c->pget(c, k, pk, d, DB_PREV) : c->get(c, k, d, DB_PREV);
}

static bool
audit_in(const DBT *k, const DBT *pk, bool sec, const char *room,
    uint64_t lo)
{
	size_t rlen = sec ? strlen(room) : 0;
	const DBT *p = sec ? pk : k;

	if (sec && (k->size != rlen + AUDIT_KEY ||
	    memcmp(k->data, room, rlen) != 0))
		return false;
	return p->size == AUDIT_KEY && be64(p->data) >= lo;
}

static int
audit_walk(struct store *st, DB_TXN *txn, const struct store_audit_query *q,
    struct store_audit_rec *out, size_t *n, bool *more, uint64_t *seen)
{
	bool sec = q->room != NULL;
	DB *db = st->db[sec ? D_AUDIT_ROOMS : D_AUDIT];
	DBT k = { 0 }, pk = { 0 }, d = { 0 };
	struct store_audit_rec r;
	size_t scanned = 0;
	DBC *c;
	int rc, crc;

	k.flags = pk.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = db->cursor(db, txn, &c, 0)) != 0)
		return rc;
	rc = audit_seek(c, sec, &k, &pk, &d, q->room, q->hi);
	while (rc == 0 && audit_in(&k, &pk, sec, q->room, q->lo)) {
		if (*n == q->max || (q->scan_max && scanned == q->scan_max)) {
			*more = true;
			break;
		}
		scanned++;
		if ((rc = audit_decode(sec ? &pk : &k, &d, &r)) != 0)
			break;
		*seen = r.seq;
		if (q->actor != NULL && !audit_actor_is(r.actor, q->actor))
			store_audit_rec_free(&r);
		else
			out[(*n)++] = r;
		rc = sec ? c->pget(c, &k, &pk, &d, DB_PREV) :
		    c->get(c, &k, &d, DB_PREV);
	}
	if ((crc = c->close(c)) != 0 && (rc == 0 || rc == DB_NOTFOUND))
		rc = crc;
	free(k.data);
	free(pk.data);
	free(d.data);
	return rc == DB_NOTFOUND ? 0 : rc;
}

int
store_audit_page(struct store *st, const struct store_audit_query *q,
    struct store_audit_rec *out, size_t *n, bool *more, uint64_t *seen)
{
	DB_TXN *txn;
	size_t i;
	int rc;

	*n = 0;
	*more = false;
	*seen = 0;
	if (q->lo > q->hi || q->max == 0)
		return STORE_OK;
	if ((rc = rtxn_begin(st, &txn)) != 0)
		return store_fail(st, rc, "audit: read");
	rc = audit_walk(st, txn, q, out, n, more, seen);
	rtxn_end(st, txn);
	if (rc != 0) {
		for (i = 0; i < *n; i++)
			store_audit_rec_free(&out[i]);
		*n = 0;
		return store_fail(st, rc, "audit: read");
	}
	return STORE_OK;
}

int
store_audit_trim(struct store_txn *t, uint64_t before, size_t max, size_t *n)
{
	DB *db;
	DBT k = { 0 }, d = { 0 };
	DBC *c;
	int rc, crc;

	*n = 0;
	if (t == NULL)
		return STORE_ERR;
	db = t->st->db[D_AUDIT];
	k.flags = d.flags = DB_DBT_REALLOC;
	if ((rc = db->cursor(db, t->txn, &c, 0)) != 0)
		return store_fail(t->st, rc, "audit: trim");
	rc = c->get(c, &k, &d, DB_FIRST);
	while (rc == 0 && *n < max && k.size == AUDIT_KEY &&
	    be64(k.data) < before) {
		if ((rc = c->del(c, 0)) != 0)
			break;
		(*n)++;
		rc = c->get(c, &k, &d, DB_NEXT);
	}
	if ((crc = c->close(c)) != 0 && (rc == 0 || rc == DB_NOTFOUND))
		rc = crc;
	free(k.data);
	free(d.data);
	if (rc != 0 && rc != DB_NOTFOUND) {
		*n = 0;
		return store_fail(t->st, rc, "audit: trim");
	}
	return STORE_OK;
}
