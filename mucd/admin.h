/*
 * admin: affiliations and roles (XEP-0045 §8, §9, §10) — the muc#admin
 * protocol, and the two operations behind it that the control channel,
 * registration and invitations share: changing affiliations (batched,
 * all-or-nothing, durable before acknowledged) and changing roles.
 */
#ifndef MUCD_ADMIN_H
#define MUCD_ADMIN_H

#include <stdbool.h>

#include "jid.h"
#include "room.h"
#include "stanza.h"

struct mucd;
struct jid;

struct aff_change {
	char		 bare[JID_BARE_MAX + 1];	/* prepared */
	enum store_aff	 aff;
	const char	*nick;		/* prepared nick to reserve, or NULL */
	bool		 drop_nick;	/* remove a reservation (unregister) */
	const char	*reason;
};

/*
 * Apply changes; actor is the real full JID of who asks, or NULL for the
 * service itself (control channel, registration, invitations), which
 * skips permission rules but not validation (last owner, nick
 * uniqueness). Changes are stored in one transaction first: on any
 * refusal or storage error nothing changes and *err says why.
 */
int	 affiliation_apply(struct room *, const char *actor,
	    const struct aff_change *, size_t n, struct muc_err *);
/*
 * The effects of c on the room once its affiliation holds (in memory):
 * roles follow the affiliation the room now reports for c->bare (or, for
 * an outcast domain, everyone on it), and those affected are told, with
 * actor, reason and the codes of the change (301 banned, 321 removed for
 * lack of affiliation). announce: tell the room's JID-seers with an
 * out-of-room notice when nobody present is affected.
 */
void	 affiliation_effects(struct room *, const char *actor,
	    const struct aff_change *c, enum store_aff prev, bool announce);
/*
 * affiliation_apply in its three steps, for a caller that changes more
 * of a room in one transaction (mucctl apply): the rules (-1 with *err),
 * the store into txn (NULL for a temporary room) with the audit notes, a
 * store code; then, after the commit, memory and what occupants are told.
 */
int	 affiliation_check(const struct room *, const char *actor,
	    const struct aff_change *, size_t n, struct muc_err *);
int	 affiliation_store(struct room *, struct store_txn *,
	    const struct aff_change *, size_t n);
void	 affiliation_publish(struct room *, const char *actor,
	    const struct aff_change *, size_t n);
/* Change an occupant's role; actor as above. */
int	 role_apply(struct room *, const char *actor, struct occupant *,
	    enum role, const char *reason, struct muc_err *);
/* Kick by nick, for the control channel. */
int	 role_kick(struct room *, const char *nick, const char *reason,
	    struct muc_err *);

/* IQ handlers. */
void	 admin_iq(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);

#endif
