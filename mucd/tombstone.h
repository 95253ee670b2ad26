/*
 * tombstone: what is left of a destroyed persistent room, for
 * tombstone_expiry (mucd.conf(5); Prosody keeps 31 days): why it went,
 * the alternate venue, when, and who owned it. Any stanza to the room's
 * JID is answered with <gone/> — its text xmpp:ALTERNATE?join when there
 * is an alternate venue, as in Prosody — instead of a client re-creating
 * an empty room from a bookmark. A service administrator or an owner of
 * the old room re-creates it by entering it; the operator with `mucctl
 * room create` (the new room's record replaces the tombstone in the
 * same transaction) or drops it with `mucctl room forget`.
 *
 * A tombstone is about the room's JID only: the archive keeps its own
 * rule (keep_archive on destroy).
 */
#ifndef MUCD_TOMBSTONE_H
#define MUCD_TOMBSTONE_H

#include <stdbool.h>

struct mucd;
struct room;
struct jid;
struct store_txn;
struct xnode;

/* A tombstone as read back; strings live as long as the view's record. */
struct tomb_view {
	const char	*room;
	const char	*reason;	/* NULL: none given */
	const char	*alternate;	/* NULL: none */
	long long	 destroyed, expires;
	bool		 owner;		/* the asker owned the room */
};

/* In txn, as r is destroyed: a tombstone for a persistent room when the
 * service keeps them. A store code. */
int	 tombstone_put(struct room *, struct store_txn *, const char *alt,
	    const char *reason);
/*
 * A stanza to room JID to->bare, which does not exist: true when a live
 * tombstone answered it (or swallowed an error); false to go on as for
 * any absent room — no tombstone, an expired one, or one dropped because
 * a former owner or an administrator enters to re-create the room.
 */
bool	 tombstone_answer(struct mucd *, const struct xnode *,
	    const struct jid *from, const struct jid *to);
/* Visit live and expired tombstones in JID order after `after`; cb
 * returns nonzero to stop. A store code. */
int	 tombstone_each(struct mucd *, const char *after,
	    int (*cb)(void *, const struct tomb_view *), void *);
/* Drop one: STORE_OK, STORE_NOTFOUND, or a failure. */
int	 tombstone_forget(struct mucd *, const char *room);
/* Delete expired tombstones, a bounded batch per call (housekeeping). */
void	 tombstone_sweep(struct mucd *);

#endif
