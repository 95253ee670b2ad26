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
 */
#ifndef MUCD_STORE_H
#define MUCD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_SCHEMA_VERSION	1

/* Return codes. Negative values are failures. */
enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND = 1,
	STORE_CONFLICT = 2,	/* unique nick already reserved by another */
	STORE_ERR = -1,		/* I/O, corruption, OOM: see store_errmsg */
	STORE_FULL = -2,	/* ENOSPC / EDQUOT: disk or quota full */
	STORE_LOCKED = -3,	/* another process holds the datadir */
	STORE_VERSION = -4	/* schema newer than this program */
};

enum store_aff { AFF_NONE = 0, AFF_OUTCAST, AFF_MEMBER, AFF_ADMIN, AFF_OWNER };

struct store;
struct store_txn;
struct store_lock;

struct store_opts {
	size_t	 cache_size;	/* mpool bytes; 0: a default */
	bool	 create;	/* create the datadir/environment if absent */
	/* From store_lock(); store_open takes it over, whatever it returns.
	 * NULL: store_open takes the lock itself. */
	struct store_lock *lock;
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

/* Group commit point: make everything committed so far durable. */
int	 store_sync(struct store *);
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
/* Delete the room with all its affiliations and history. */
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

const char *store_aff_name(enum store_aff);
int	 store_aff_parse(const char *, enum store_aff *);

#endif
