/*
 * audit: the trail of administrative changes — who changed what in which
 * room, by which path, from what to what, and why. Changes note
 * themselves (audit_note); a note is stored in the transaction of the
 * change it describes (room_txn_commit and the other commit points call
 * audit_write), so the change and its record are durable together or not
 * at all. Changes with nothing stored (roles) are written when the
 * request that made them ends (audit_end). Each stored event also goes
 * to the log at info.
 *
 * Who and how come from the request being handled: the dispatchers
 * (router for XMPP, adhoc, the control channel) call audit_begin.
 */
#ifndef MUCD_AUDIT_H
#define MUCD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct mucd;
struct store_txn;
struct audit_note;

#define AUDIT_ACTOR_MAX		3080	/* a full JID, or "unix:" + a user */
#define AUDIT_FIELD_MAX		1024	/* longer texts are cut (UTF-8 kept) */
#define AUDIT_PENDING_MAX	100000	/* notes of one request (a prune) */
#define AUDIT_PRUNE_BATCH	2000	/* deletions per retention turn */

/* The paths a change can come by. */
#define AUDIT_XMPP	"xmpp"
#define AUDIT_ADHOC	"adhoc"
#define AUDIT_CONTROL	"control"
#define AUDIT_OFFLINE	"offline"
#define AUDIT_APPLY	"apply"

struct audit {
	const char		*path;		/* NULL: the service itself */
	char			 actor[AUDIT_ACTOR_MAX];
	struct audit_note	*head, **tail;
	size_t			 n;
	uint64_t		 last_seq;	/* 0: not read from the store yet */
};

void	 audit_init(struct audit *);
/* A request starts: its path and actor ("" when none). */
void	 audit_begin(struct mucd *, const char *path, const char *actor);
/* The request turned out to be an ad-hoc command (or an apply). */
void	 audit_set_path(struct mucd *, const char *path);
/* One change. Any string may be NULL. */
void	 audit_note(struct mucd *, const char *room, const char *action,
	    const char *target, const char *old, const char *new,
	    const char *reason);
/* Store the pending notes in txn (before its commit); a store code. */
int	 audit_write(struct mucd *, struct store_txn *);
/* After the commit of what audit_write stored: log them, forget them. */
void	 audit_committed(struct mucd *);
/* All three: write the notes into txn, commit it (aborted if the notes
 * cannot be written), then log them; a store code. On failure the notes
 * are forgotten with the change. */
int	 audit_commit(struct mucd *, struct store_txn *);
/* The change failed: forget its notes. */
void	 audit_discard(struct mucd *);
/* The request ends: notes not yet stored get a transaction of their own. */
void	 audit_end(struct mucd *);
/* Retention (audit_max_age): delete a batch of expired events. */
void	 audit_prune(struct mucd *);
/* The event's time, seconds since the epoch, from its seq. */
long long audit_time(uint64_t seq);

#endif
