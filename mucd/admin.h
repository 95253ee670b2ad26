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
