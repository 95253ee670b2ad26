/*
 * store: every Berkeley DB call in the project lives behind this API
 * (nothing else includes <db.h>). Used by mucd and by mucctl's offline
 * mode, so both read and write exactly the same format.
 *
 * Environment: DB_INIT_TXN | DB_INIT_LOG | DB_INIT_LOCK | DB_INIT_MPOOL,
 * opened with DB_RECOVER every time, so whatever a crashed, killed or
 * failed process left behind is recovered automatically. An flock on
 * DATADIR/mucd.lock makes the daemon and offline mucctl mutually
 * exclusive, which lets the regions be private memory (DB_PRIVATE): no
 * memory-mapped region files that a full disk could turn into SIGBUS.
 * DATADIR/mucd.reserve holds space for recovery on a full disk (see
 * RESERVE_SIZE in store.c).
 *
 * Durability (group commit): write transactions commit with
 * DB_TXN_WRITE_NOSYNC (written to the OS, so a full disk fails the commit);
 * store_sync() flushes the log to disk once for everything
 * committed since the last call. The daemon calls it once per event-loop
 * turn, before it writes any reply that acknowledges a change, so an
 * acknowledged change is always on disk and N changes in one turn cost one
 * fsync. Offline users (mucctl) call store_sync() before they exit 0.
 *
 * Databases (all btree, in DATADIR):
 *   meta.db      "schema" -> "1"  (STORE_SCHEMA_VERSION)
 *   rooms.db     room JID -> room record (JSON text, see below)
 *   public.db    secondary of rooms.db: room JID for rooms whose record
 *                has config.public = true (for paged disco#items)
 *   affs.db      room JID "\0" bare JID -> affiliation record (JSON)
 *   nicks.db     secondary of affs.db, UNIQUE: room JID "\0" nick -> ...
 *                (records without a nick are not indexed); a nick can
 *                never be reserved twice in one room, even under races
 *   users.db     secondary of affs.db, DB_DUP: bare JID -> ... (for
 *                "which rooms does this user have an affiliation in")
 *   history.db   room JID "\0" 8-byte big-endian sequence -> JSON
 *
 * Keys are the prepared JID strings without a terminating NUL except
 * where "\0" is shown as a separator.
 *
 * Room record (version 1), produced and consumed by common/roomcfg.c:
 *   {"v":1,"created":<unix>,"last_used":<unix>,"config":{...},
 *    "subject":{"text":"...","from":"<occupant JID>","time":<unix>},
 *    "salt":"<64 hex digits>"}
 *   (subject present once one was set, even if cleared since: joiners
 *   are shown who cleared it; salt keys the room's occupant ids and IQ
 *   proxy ids, so they survive restarts)
 * Affiliation record (version 1):
 *   {"v":1,"affiliation":"owner|admin|member|outcast","nick":"...",
 *    "reason":"..."}  (nick and reason optional; "none" is never stored)
 * History record (version 1):
 *   {"v":1,"stamp":<unix>,"nick":"...","jid":"...","stanza":"<message..>"}
 *
 * The room archive (XEP-0313). A room's archive lives under a 4-byte
 * archive id (aid), allocated on first use and never reused, so message
 * keys stay short whatever the room's JID:
 *   archive.db     aid, seq -> record (big-endian; seq is milliseconds
 *                  since the epoch << 16 | a counter, so key order is
 *                  time order and a time filter is a cursor position)
 *   arch_ids.db    secondary, unique: aid, stanza-id -> the record
 *   arch_nicks.db  secondary, DB_DUPSORT: aid, nick -> the records, in
 *                  seq order
 *   arch_rooms.db  room JID -> aid, flags, count, bytes, floor, last
 *   meta.db        "arch_next_aid" -> the next aid; "arch_doomed:" aid
 *                  -> "" while a dropped archive's records are deleted
 * Records are binary (see store.c): flags, stanza-id, nick, real JID and
 * the stanza as it was broadcast.
 *
 * Later additions, created in an existing database when absent:
 *   avatars.db     room JID -> the room's avatar (XEP-0486), binary:
 *                  version 1, the MIME type's length, the type, the image
 *   hats.db        room JID "\0" bare JID "\0" hat URI -> {"v":1,
 *                  "title":"..."} (XEP-0317 hats worn in the room)
 *   tombstones.db  room JID -> what is left of a destroyed persistent room
 *                  (JSON, written and read by mucd/tombstone.c)
 *   blocklist.db   bare JID or domain -> a service-wide ban (JSON, written
 *                  and read by mucd/blocklist.c)
 *   live.db        replicated only: who is in the rooms now, so that a new
 *                  master knows (JSON, written and read by mucd/occrepl.c):
 *                  occupant JID (room@service/nick) -> an occupant, room
 *                  JID -> a temporary room that has occupants
 * A room's avatar and hats go with the room (store_room_del); its
 * tombstone and the archive (see above) follow rules of their own.
 *
 * Replicated (see storerepl.c), more records:
 *   meta.db        "repl_barrier" -> a counter the master writes to ask
 *                  the group for acknowledgements
 *   meta.db        "repl_group" -> what makes the group's sites one
 *                  service, as the last master to serve saw it (JSON,
 *                  written and read by mucd/hagroup.c; storegroup.c)
 */
#ifndef MUCD_STORE_H
#define MUCD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"

#define STORE_SCHEMA_VERSION	1

/* Return codes. Negative values are failures. */
enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND = 1,
	STORE_CONFLICT = 2,	/* unique nick already reserved by another */
	STORE_ERR = -1,		/* I/O, corruption, OOM: see store_errmsg */
	STORE_FULL = -2,	/* ENOSPC / EDQUOT: disk or quota full */
	STORE_LOCKED = -3,	/* another process holds the datadir */
	STORE_VERSION = -4,	/* schema newer than this program */
	STORE_UNACKED = -5	/* replicated: committed here, but the group
				   did not acknowledge it in time */
};

enum store_aff { AFF_NONE = 0, AFF_OUTCAST, AFF_MEMBER, AFF_ADMIN, AFF_OWNER };

struct store;
struct store_txn;
struct store_lock;

/* A replicated store: this site and the group (see storerepl.c). */
struct store_repl_opts {
	const char	*local;		/* HOST:PORT this site listens on */
	char *const	*peers;		/* the other sites, HOST:PORT */
	size_t		 npeers;
	unsigned	 priority;	/* in elections; 0: never the master */
	enum repl_acks	 acks;		/* who must have a change */
	bool		 strict;	/* two sites: never elect with one */
};

struct store_opts {
	size_t	 cache_size;	/* mpool bytes; 0: a default */
	bool	 create;	/* create the datadir/environment if absent */
	/* From store_lock(); store_open takes it over, whatever it returns.
	 * NULL: store_open takes the lock itself. */
	struct store_lock *lock;
	const struct store_repl_opts *repl;	/* NULL: not replicated */
};

struct store_aff_rec {
	enum store_aff	 aff;
	const char	*nick;		/* NULL or "" when none */
	const char	*reason;	/* NULL or "" when none */
};

/*
 * Take DATADIR's lock (DATADIR/mucd.lock, which must exist as a
 * directory) ahead of store_open, before anything else that belongs to
 * the service is touched: mucd takes it before its control socket, as
 * root, so a second mucd on the same data directory stops there. The
 * lock file is given to uid/gid (when not -1) for the store's later users.
 * STORE_LOCKED when another process holds it; *err explains.
 */
int	 store_lock(const char *datadir, int uid, int gid, struct store_lock **,
	    char *err, size_t errlen);
/* Release a lock that was not handed to store_open; NULL is fine. */
void	 store_unlock(struct store_lock *);
/* Open (and recover) the environment. On failure *err explains. */
int	 store_open(struct store **, const char *datadir,
	    const struct store_opts *, char *err, size_t errlen);
/* Checkpoint and close; NULL is fine. */
void	 store_close(struct store *);
/* Human-readable message for the last failure on this handle. */
const char *store_errmsg(const struct store *);
/*
 * The open found the disk (nearly) full and gave up the space reserve
 * (DATADIR/mucd.reserve, kept so that recovery never waits for an
 * operator to free space) to recover; it returns with free space.
 */
bool	 store_used_reserve(const struct store *);

/* Group commit point: make everything committed so far durable and,
 * replicated, acknowledged by the group (STORE_UNACKED when it was not:
 * the changes stay, but must not be reported as done yet). */
int	 store_sync(struct store *);
/* Write transactions committed since the store was opened. */
uint64_t store_commit_count(const struct store *);
/* Bytes the databases and logs take on disk (allocated blocks). */
int	 store_disk_usage(struct store *, uint64_t *bytes);
/* Checkpoint and remove log files no longer needed. */
int	 store_checkpoint(struct store *);
/* Consistent copy of the environment into an empty/new directory, made
 * in DIR.partial and renamed to DIR when complete (see store_backup). */
int	 store_backup(struct store *, const char *targetdir);

/*
 * Transactions: one per logical change; all-or-nothing. At most one is
 * open at a time; while it is open, reads and iterators see its changes;
 * iterator callbacks may call any store function, including writes; a
 * write call that fails changes nothing.
 */
int	 store_begin(struct store *, struct store_txn **);
int	 store_commit(struct store_txn *);	/* frees the txn */
void	 store_abort(struct store_txn *);	/* frees the txn */

/* Rooms. json is the room record text. */
int	 store_room_get(struct store *, const char *room, char **json);
int	 store_room_put(struct store_txn *, const char *room, const char *json);
/* Delete the room with all its affiliations, history, hats and avatar. */
int	 store_room_del(struct store_txn *, const char *room);
/* Iterate rooms in key order starting after `after` (NULL: from the
 * start); the callback returns 0 to continue, 1 to stop. */
int	 store_room_iter(struct store *, const char *after,
	    int (*cb)(void *, const char *room, const char *json), void *);
/* Same, over public rooms only (public.db). */
int	 store_public_iter(struct store *, const char *after,
	    int (*cb)(void *, const char *room, const char *json), void *);
/* Counts (fast, possibly approximate for large databases). */
int	 store_room_count(struct store *, size_t *rooms, size_t *public_rooms);

/* Affiliations. */
int	 store_aff_get(struct store *, const char *room, const char *bare,
	    enum store_aff *, char **nick, char **reason);
/* Insert or replace; AFF_NONE deletes. STORE_CONFLICT if rec->nick is
 * reserved in this room by a different JID. */
int	 store_aff_put(struct store_txn *, const char *room, const char *bare,
	    const struct store_aff_rec *);
int	 store_aff_iter(struct store *, const char *room,
	    int (*cb)(void *, const char *bare, const struct store_aff_rec *),
	    void *);
/* Who reserved nick in room: STORE_OK with *bare set (malloc'd), or
 * STORE_NOTFOUND. */
int	 store_nick_owner(struct store *, const char *room, const char *nick,
	    char **bare);
/* Every stored nick reservation of the service, in (room, nick) order,
 * after that pair (after_room NULL: from the start); cb returns 0 to go
 * on, 1 to stop. */
int	 store_nick_iter(struct store *, const char *after_room,
	    const char *after_nick, int (*cb)(void *, const char *room,
	    const char *nick, const char *bare), void *);
/* Rooms where bare has an affiliation. */
int	 store_user_iter(struct store *, const char *bare,
	    int (*cb)(void *, const char *room, const struct store_aff_rec *),
	    void *);

/* History (only for rooms with persisted history). seq increases. */
int	 store_history_add(struct store_txn *, const char *room, uint64_t seq,
	    const char *json);
/* The newest `max` entries, oldest first. */
int	 store_history_iter(struct store *, const char *room, size_t max,
	    int (*cb)(void *, uint64_t seq, const char *json), void *);
/* Remove entries with seq < keep_from. */
int	 store_history_trim(struct store_txn *, const char *room,
	    uint64_t keep_from);

/* ---- the room archive ---- */

#define STORE_ARCH_SEQ(ms)	((uint64_t)(ms) << 16)
#define STORE_ARCH_MS(seq)	((seq) >> 16)
#define STORE_ARCH_TOMBSTONE	0x1	/* retracted: the body is gone */

struct store_arch_room {
	uint32_t	 aid;
	bool		 kept;		/* the room was destroyed, its archive
					   kept for a room of the same JID */
	uint64_t	 count, bytes;	/* records, and their bytes */
	uint64_t	 floor;		/* records below it are purged */
	uint64_t	 last;		/* the highest seq stored, 0: none */
};

struct store_arch_rec {
	uint64_t	 seq;
	unsigned	 flags;
	const char	*sid;		/* the stanza-id, unique in the room */
	const char	*nick;		/* the sender's nick, "" for the room */
	const char	*jid;		/* the sender's real bare JID, or "" */
	const char	*xml;		/* the stanza as broadcast */
	size_t		 xmllen;
};

/* A record read back; its strings live in mem. */
struct store_arch_item {
	struct store_arch_rec	 rec;
	char			*mem;
};

/* A walk over seq in [lo, hi], forwards from lo or backwards from hi,
 * of one nick's records or all, at most max. */
struct store_arch_query {
	uint32_t	 aid;
	uint64_t	 lo, hi;
	const char	*nick;		/* NULL: every sender */
	bool		 backward;
	size_t		 max;
};

/* The room's archive entry, or STORE_NOTFOUND. */
int	 store_arch_room_get(struct store *, const char *room,
	    struct store_arch_room *);
/* The same, allocating an archive id for a room that has none. */
int	 store_arch_room_open(struct store_txn *, const char *room,
	    struct store_arch_room *);
int	 store_arch_room_put(struct store_txn *, const char *room,
	    const struct store_arch_room *);
/* Append (rec->seq after ar->last); *ar follows. STORE_CONFLICT: the
 * stanza-id is taken in this room. */
int	 store_arch_add(struct store_txn *, const char *room,
	    struct store_arch_room *, const struct store_arch_rec *);
/* The record with this stanza-id; free it with store_arch_item_free. */
int	 store_arch_get(struct store *, uint32_t aid, const char *sid,
	    struct store_arch_item *);
void	 store_arch_item_free(struct store_arch_item *);
/* Overwrite a record (same seq, stanza-id and nick: a tombstone);
 * oldsize is store_arch_rec_size() of what it replaces. */
int	 store_arch_replace(struct store_txn *, const char *room,
	    struct store_arch_room *, const struct store_arch_rec *,
	    size_t oldsize);
size_t	 store_arch_rec_size(const struct store_arch_rec *);
/* Up to q->max records into out (which has room for q->max), in walk
 * order; *more if the walk would go on. */
int	 store_arch_page(struct store *, const struct store_arch_query *,
	    struct store_arch_item *out, size_t *n, bool *more);
/* Delete up to max of the oldest records with seq < before; *n deleted. */
int	 store_arch_trim(struct store_txn *, const char *room,
	    struct store_arch_room *, uint64_t before, size_t max, size_t *n);
/* Forget the room's archive; its records are deleted by reaping. */
int	 store_arch_drop(struct store_txn *, const char *room);
/* Delete up to max records of dropped archives; *n deleted. */
int	 store_arch_reap(struct store_txn *, size_t max, size_t *n);
/* Rooms with an archive, in JID order after `after`; cb returns 0 to go
 * on, 1 to stop. */
int	 store_arch_room_iter(struct store *, const char *after,
	    int (*cb)(void *, const char *room,
	    const struct store_arch_room *), void *);

/* ---- room avatars, hats, tombstones, the service's ban list ---- */

struct store_avatar {
	char		*type;		/* MIME type */
	unsigned char	*data;		/* the image */
	size_t		 len;
};

/* STORE_NOTFOUND when the room has none; free with store_avatar_free. */
int	 store_avatar_get(struct store *, const char *room,
	    struct store_avatar *);
int	 store_avatar_put(struct store_txn *, const char *room,
	    const struct store_avatar *);
/* STORE_NOTFOUND when there was none. */
int	 store_avatar_del(struct store_txn *, const char *room);
void	 store_avatar_free(struct store_avatar *);

/* One hat (uri) worn by bare in room; put replaces its title. */
int	 store_hat_put(struct store_txn *, const char *room, const char *bare,
	    const char *uri, const char *title);
/* STORE_NOTFOUND when bare does not wear it. */
int	 store_hat_del(struct store_txn *, const char *room, const char *bare,
	    const char *uri);
/* The room's hats in (bare JID, URI) order; cb returns 0 to go on. */
int	 store_hat_iter(struct store *, const char *room,
	    int (*cb)(void *, const char *bare, const char *uri,
	    const char *title), void *);

/* Tombstones: JSON records (an object) under the room JID; del returns
 * STORE_NOTFOUND when there was none; iter goes in JID order after
 * `after` (NULL: from the start), cb returning 0 to go on. */
int	 store_tomb_get(struct store *, const char *room, char **json);
int	 store_tomb_put(struct store_txn *, const char *room,
	    const char *json);
int	 store_tomb_del(struct store_txn *, const char *room);
int	 store_tomb_iter(struct store *, const char *after,
	    int (*cb)(void *, const char *room, const char *json), void *);

/* Service-wide bans, the same way, under a bare JID or a domain. */
int	 store_block_put(struct store_txn *, const char *jid,
	    const char *json);
int	 store_block_del(struct store_txn *, const char *jid);
int	 store_block_iter(struct store *, const char *after,
	    int (*cb)(void *, const char *jid, const char *json), void *);

/* Who is in the rooms (mucd/occrepl.c): JSON records (an object) under
 * an occupant's or a room's JID; del returns STORE_NOTFOUND when there
 * was none; iter goes over all of them in key order. */
int	 store_live_put(struct store_txn *, const char *key, const char *json);
int	 store_live_del(struct store_txn *, const char *key);
int	 store_live_iter(struct store *,
	    int (*cb)(void *, const char *key, const char *json), void *);

/* ---- the audit trail ---- */

/* One administrative change; strings never NULL once read back ("" for
 * none). seq orders them: milliseconds << 16 | a counter, like the
 * archive's. */
struct store_audit_rec {
	uint64_t	 seq;
	char		*room, *actor, *path, *action, *target;
	char		*old, *new, *reason;
};

/* Newest first: records with seq in [lo, hi], of one room or all, of one
 * actor (a JID: its resources too) or all; at most max into out, and at
 * most scan_max examined (0: no bound), *more if the walk would go on,
 * and then below *seen (the seq of the last record examined). */
struct store_audit_query {
	const char	*room;
	const char	*actor;
	uint64_t	 lo, hi;
	size_t		 max, scan_max;
};

int	 store_audit_put(struct store_txn *, const struct store_audit_rec *);
/* Strings of the records read back are malloc'd: free each record. */
int	 store_audit_page(struct store *, const struct store_audit_query *,
	    struct store_audit_rec *out, size_t *n, bool *more,
	    uint64_t *seen);
void	 store_audit_rec_free(struct store_audit_rec *);
/* Delete up to max of the oldest records with seq < before. */
int	 store_audit_trim(struct store_txn *, uint64_t before, size_t max,
	    size_t *n);

/* ---- replication (storerepl.c) ---- */

/*
 * Replicated, store_open starts the site and returns at once; the
 * databases open when the site knows its role, as store_repl_update
 * finds. Until then (and on a replica that has no copy yet) reads fail
 * with a message saying so, and only the master writes.
 */
enum store_role { STORE_ROLE_NONE, STORE_ROLE_MASTER, STORE_ROLE_REPLICA };

#define STORE_ADDR_MAX		(CONF_HOST_MAX + 9)	/* "[host]:port" */

/* What the Replication Manager reported (bits). */
#define STORE_EV_ELECTED		0x0001	/* this site won */
#define STORE_EV_NEWMASTER		0x0002	/* another site is master */
#define STORE_EV_MASTER			0x0004	/* this site is master */
#define STORE_EV_CLIENT			0x0008	/* this site is a replica */
#define STORE_EV_PERM_FAILED		0x0010
#define STORE_EV_CONNECT		0x0020
#define STORE_EV_DISCONNECT		0x0040
#define STORE_EV_DUPMASTER		0x0080	/* two masters met */
#define STORE_EV_INIT_DONE		0x0100	/* copy reinitialised */
#define STORE_EV_STARTUPDONE		0x0200	/* replica caught up */
#define STORE_EV_ELECTION_FAILED	0x0400
#define STORE_EV_JOIN_FAILED		0x0800
#define STORE_EV_MASTER_FAILURE		0x1000
#define STORE_EV_PANIC			0x2000

struct store_repl_view {
	unsigned	 events;	/* STORE_EV_* since the last update */
	enum store_role	 role;
	bool		 ready;		/* the databases are open */
	bool		 writable;	/* ... as the master's */
	char		 master[STORE_ADDR_MAX];	/* "" when unknown */
};

bool	 store_replicated(const struct store *);
/* Readable when the Replication Manager has news; -1 if not
 * replicated. */
int	 store_repl_fd(const struct store *);
/* Take the news: role, master, databases opened or closed to match. */
int	 store_repl_update(struct store *, struct store_repl_view *);
/* A small change of the master's own, so that the next store_sync asks
 * the group to acknowledge everything committed so far. */
int	 store_repl_barrier(struct store *);

/* The group's record (storegroup.c): the master writes it in its own
 * transaction; every site reads it, NUL-terminated, into buf. */
#define STORE_GROUP_MAX		16384
int	 store_repl_group_put(struct store *, const char *rec);
int	 store_repl_group_get(struct store *, char *buf, size_t len);

struct store_repl_site {
	char		 addr[STORE_ADDR_MAX];
	bool		 local;		/* this site */
	bool		 connected;
	bool		 master;
};

struct store_repl_stats {
	enum store_role	 role;
	char		 master[STORE_ADDR_MAX];
	bool		 ready, startup_done;
	unsigned	 gen;			/* the master's generation */
	unsigned long long elections, elections_won;
	unsigned long long election_ms;		/* how long the last took */
	unsigned long long txns_applied;	/* by this replica */
	unsigned long long unacknowledged;	/* commits not confirmed */
	char		 lsn[32];		/* FILE/OFFSET: the log's end */
	/* The master: log bytes the group has not acknowledged yet; a
	 * replica: the gap in its log it is waiting to fill. */
	unsigned long long lag_bytes;
	unsigned	 nsites;
	struct store_repl_site sites[CONF_REPL_MAX_SITES];
};

/* STORE_NOTFOUND when not replicated. */
int	 store_repl_stats(struct store *, struct store_repl_stats *);

const char *store_aff_name(enum store_aff);
int	 store_aff_parse(const char *, enum store_aff *);

#endif
