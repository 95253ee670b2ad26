/*
 * room: the model — rooms, occupants (with their sessions), affiliations,
 * roles — and the operations every protocol area shares: lookup and lazy
 * loading from the store, persistence, broadcasting.
 *
 * An occupant is one nick in one room. It may have several sessions (full
 * JIDs of the same bare JID), as Prosody allows; each keeps the presence
 * it last sent, and the primary session's presence is what others see.
 */
#ifndef MUCD_ROOM_H
#define MUCD_ROOM_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "hmap.h"
#include "ratelimit.h"
#include "roomcfg.h"
#include "store.h"
#include "xml.h"

struct fanout;
struct mucd;
struct muc_err;
struct room;
struct room_avatar;

enum role { ROLE_NONE = 0, ROLE_VISITOR, ROLE_PARTICIPANT, ROLE_MODERATOR };

struct session {
	char		*jid;		/* real full JID */
	char		*to_attr;	/* " to='jid'" escaped, for splicing
					   (the form fanout_add takes) */
	size_t		 to_len;
	char		*pres_id;	/* id of its last presence, or NULL */
	char		*payload;	/* presence children (MUC x removed),
					   serialized for the component ns */
	bool		 unavailable;
	struct session	*next;
};

struct occupant {
	struct room	*room;
	char		*nick;		/* prepared nick; key in occupants */
	char		*occjid;	/* room@service/nick */
	char		*bare;		/* real bare JID */
	char		*skel;		/* nick skeleton (key in skels) */
	enum role	 role;
	bool		 leaving;	/* removed with others in one change */
	struct session	*sessions;
	struct session	*primary;	/* whose presence the room sees */
	char		 occupant_id[48];	/* XEP-0421 */
	struct bucket	 rate_msg, rate_pres, rate_iq;
};

struct affil {
	char		*bare;		/* key in affs */
	enum store_aff	 aff;
	char		*nick;		/* reserved nick (key in nicks), or NULL */
	char		*skel;		/* its skeleton (key in nick_skels) */
	char		*reason;
};

struct hist_entry {
	char		*xml;		/* serialized, no 'to', with <delay/> */
	size_t		 len;
	size_t		 split;		/* where ' to=...' goes */
	long long	 stamp;
	uint64_t	 seq;
	char		 sid[17];	/* the room's stanza-id, or "" */
	char		*bare;		/* the sender's real JID, or NULL */
};

/* Whether the room's archive entry was looked up (archive.c). */
enum arch_state { ARCH_UNKNOWN, ARCH_ABSENT, ARCH_LOADED };

struct room {
	struct mucd	*mucd;
	char		*jid;		/* bare room JID */
	char		*node;		/* its local part */
	struct room_config cfg;
	struct room_subject subject;
	long long	 created, last_used;
	bool		 stored;	/* a record exists in the store */
	bool		 locked;	/* new room awaiting configuration */
	uint64_t	 lock_until;	/* monotonic ms */
	bool		 destroying;
	struct hmap	 occupants;	/* nick -> occupant */
	struct hmap	 by_jid;	/* real full JID -> occupant */
	struct hmap	 bare_count;	/* real bare JID -> live sessions */
	struct hmap	 affs;		/* bare JID -> affil */
	struct hmap	 nicks;		/* reserved nick -> affil */
	struct hmap	 skels;		/* nick skeleton -> occupant */
	struct hmap	 nick_skels;	/* reserved nick skeleton -> affil */
	struct hmap	 slow;		/* bare JID -> its last message, in
					   slow mode (slowmode.c) */
	struct hmap	 hats;		/* bare JID -> hat_wearer (hats.c) */
	struct room_avatar *avatar;	/* XEP-0486 (avatar.c), or NULL */
	struct hist_entry *hist;	/* ring of cfg.history_length */
	unsigned	 hist_cap, hist_len, hist_head;
	size_t		 hist_bytes;
	uint64_t	 hist_seq;
	unsigned char	 salt[32];	/* occupant ids, IQ proxy ids */
	uint64_t	 idle_since;	/* monotonic ms when it became empty */
	char		*creator;	/* bare JID that created it */
	unsigned	 hold;		/* >0: an operation is running on it */
	struct bucket	 fanout;	/* bytes relayed (room_fanout_rate) */
	bool		 fresh;		/* created in this run, not loaded */
	enum arch_state	 arch_state;
	struct store_arch_room arch;	/* when ARCH_LOADED */
};

/* Lookup: in memory, else loaded from the store. NULL if it does not
 * exist, or could not be loaded: then *load_failed is set and
 * store_errmsg() says why. */
struct room	*room_find(struct mucd *, const char *jid, bool *load_failed);
/* Only what is in memory. */
struct room	*room_find_loaded(struct mucd *, const char *jid);
/* A new room in memory with the service defaults. */
struct room	*room_create(struct mucd *, const char *jid, const char *creator);
/* room_create in two steps, for a caller that checks a new room before
 * it exists (mucctl apply): a room nobody can find yet, then made known;
 * or, never made known, freed with room_discard. */
struct room	*room_new(struct mucd *, const char *jid);
/* A temporary room again, from its record (room_record_json), as a new
 * master takes it over from the group (occrepl.c); registered, not
 * stored. NULL with *err explaining. */
struct room	*room_revive(struct mucd *, const char *jid, const char *record,
		    char *err, size_t errlen);
/* The room's record (see store.h), malloc'd; NULL on OOM. */
char		*room_record_json(const struct room *);
int		 room_register(struct room *);
void		 room_discard(struct room *);
/* Forget a room from memory (not the store). */
void		 room_forget(struct room *);
/* Persist the record (persistent rooms) or drop it (temporary). Returns
 * 0, or a negative store code. */
int		 room_save(struct room *);
/*
 * Every change to what the store holds for a room goes through one
 * transaction from room_txn_begin. A persistent room that was never
 * stored (its creation met a full disk) gets its record, affiliations
 * and history in that same transaction first, so no change is ever
 * acknowledged for a room that is not on disk. *txn is NULL (and
 * STORE_OK returned) when the room has nothing in the store: a
 * temporary room. Returns a store code.
 */
int		 room_txn_begin(struct room *, struct store_txn **);
/* Commit (a NULL txn is fine); the room is then stored if persistent. */
int		 room_txn_commit(struct room *, struct store_txn *);
/*
 * One change in one such transaction: write(room, txn, arg) (not called
 * for a temporary room), then commit; aborted if write fails. A store
 * code.
 */
int		 room_txn_run(struct room *,
		    int (*write)(struct room *, struct store_txn *, void *),
		    void *arg);
/*
 * The same for a request: -1 with *e after logging what failed (what:
 * "its avatar", say): wait/resource-constraint on a full disk, else
 * internal-server-error; nothing is changed.
 */
int		 room_store_change(struct room *, const char *what,
		    int (*write)(struct room *, struct store_txn *, void *),
		    void *arg, struct muc_err *);
/* Locked rooms (new, unconfigured) refuse entry; the lock expires. */
bool		 room_is_locked(struct room *);
/* After someone left: destroy empty temporary rooms, mark idle others.
 * Deferred while the room is held, so an operation that empties a room
 * never has it freed underneath. */
void		 room_check_empty(struct room *);
void		 room_hold(struct room *);
void		 room_release(struct room *);
/* Evict idle, empty, unlocked persistent rooms older than idle_ms. */
unsigned	 rooms_evict_idle(struct mucd *, uint64_t idle_ms);
void		 rooms_free_all(struct mucd *);
unsigned	 room_count_occupants(const struct room *);

/* Affiliations. Service admins are owners everywhere. */
enum store_aff	 room_affiliation(const struct room *, const char *bare);
struct affil	*room_affil(const struct room *, const char *bare);
/* The bare JID that reserved nick, or NULL. */
const char	*room_nick_owner(const struct room *, const char *nick);
/* Someone other than bare using, or holding a reservation for, a nick that
 * looks like nick (see common/nickskel.h)? Returns that JID or NULL. */
const char	*room_lookalike_owner(const struct room *, const char *nick,
		    const char *bare);
const char	*room_reserved_nick(const struct room *, const char *bare);
/* Set in memory only (after the store has the change). */
int		 room_affil_put(struct room *, const char *bare, enum store_aff,
		    const char *nick, const char *reason);
int		 aff_rank(enum store_aff);
const char	*aff_name(enum store_aff);
int		 aff_parse(const char *, enum store_aff *);

/* Roles. */
enum role	 room_default_role(const struct room *, enum store_aff);
const char	*role_name(enum role);
int		 role_parse(const char *, enum role *);
/* Can occupants with role r see real JIDs? */
bool		 room_role_sees_jids(const struct room *, enum role);

/* Occupants. */
struct occupant	*room_occupant(const struct room *, const char *nick);
struct occupant	*room_occupant_by_jid(const struct room *, const char *full);
/* Live sessions of a bare JID in the room. */
unsigned	 room_sessions_of(const struct room *, const char *bare);
struct occupant	*occupant_new(struct room *, const char *nick, const char *bare);
/* Add or update the session's stored presence. */
/* A session as the previous master knew it: its presence children as
 * serialized, and its presence's id (NULL: none). */
int		 occupant_revive_session(struct occupant *, const char *full,
		    const char *payload, const char *id);
/* Note for the replication group (occrepl.c) that the occupant, or the
 * room, changed; nothing unless this site is the replicated master. */
void		 room_occupant_touched(const struct occupant *);
void		 room_touched(struct room *);
int		 occupant_set_session(struct occupant *, const char *full,
		    const struct xnode *presence);
void		 occupant_remove_session(struct occupant *, const char *full);
struct session	*occupant_session(const struct occupant *, const char *full);
unsigned	 occupant_session_count(const struct occupant *);
/* Register the occupant (new nick) in the room's tables. */
int		 room_add_occupant(struct room *, struct occupant *);
/* Remove from tables and free. */
void		 room_remove_occupant(struct room *, struct occupant *);
/* Move an occupant to a new nick (single-session nick change). */
int		 room_rename_occupant(struct room *, struct occupant *,
		    const char *nick);

/*
 * Broadcasting. Serialize once, then fan out to the recipients' live
 * sessions (fanout.c: a copy each, or multicast through the server). A
 * stanza whose copies would exceed max_stanza_out is not sent (-1).
 */
typedef bool	(*occ_filter)(const struct occupant *, void *);
/* A filter: occupants whose role is at least *(enum role *)arg. */
bool		 room_role_at_least(const struct occupant *, void *arg);
int		 room_broadcast(struct room *, const struct xnode *st,
		    occ_filter, void *);
int		 room_send_to_occupant(struct room *, const struct occupant *,
		    const struct xnode *st);
/* o's live sessions as recipients of a fan-out: for senders that keep
 * variants of one publication, each its own fan-out (presence.c). */
void		 room_fanout_occupant(struct fanout *, const struct occupant *);
/*
 * An occupant's groupchat message to everyone, unless a copy would exceed
 * max_stanza_out (policy-violation), the copies together the room's
 * fan-out budget, room_fanout_rate (resource-constraint), or admit (run
 * last, when it is not NULL: the archive storing the message, from ser,
 * the serialization the copies are made of) refuses: then -1, e says
 * why, and nothing is sent.
 */
struct muc_err;
typedef int	(*relay_admit)(void *arg, const struct buf *ser,
		    struct muc_err *);
int		 room_relay(struct room *, const struct xnode *st,
		    relay_admit admit, void *arg, struct muc_err *e);
/* The room's 104-style notice: <message type=groupchat from=room><x>…codes */
void		 room_send_status_codes(struct room *, const int *codes, int n);

/* Store helpers. The room's record (configuration, subject, times). */
int		 room_store_record(struct room *, struct store_txn *);
int		 room_store_aff(struct room *, struct store_txn *,
		    const char *bare, enum store_aff, const char *nick,
		    const char *reason);

/* Identifiers. */
/* HMAC-SHA-256 of s keyed with the room's secret salt (32 bytes out). */
void		 room_mac(const struct room *, const char *s,
		    unsigned char out[32]);
void		 room_occupant_id(const struct room *, const char *bare,
		    char out[48]);

#endif
