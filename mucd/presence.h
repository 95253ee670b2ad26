/*
 * presence: entering, presence updates, nick changes, leaving, probes,
 * kick-on-error — and the one function that tells the room about an
 * occupant's state, which admin, owner and register changes reuse.
 */
#ifndef MUCD_PRESENCE_H
#define MUCD_PRESENCE_H

#include <stdbool.h>

#include "room.h"
#include "xml.h"

struct jid;

/* How to publicise an occupant's state (Prosody's
 * publicise_occupant_status, field for field). */
struct pub {
	const int	*codes;		/* status codes for everyone */
	int		 ncodes;
	const int	*self_codes;	/* extra codes for the occupant itself */
	int		 nself_codes;
	const struct xnode *extra;	/* e.g. <destroy/>, copied into every x */
	const char	*nick;		/* item nick (303: the new nick) */
	const char	*actor;		/* actor's real full JID, or NULL */
	const char	*reason;
	enum role	 prev_role;
	bool		 has_prev_role;
	bool		 force_unavailable;
	bool		 self_only;	/* others are not told (destroy) */
	struct occupant	*recipient;	/* only to this occupant (probes) */
};

void	 occupant_publicise(struct room *, struct occupant *, const struct pub *);

/* Presence addressed to room/nick (nick prepared) or the bare room. */
void	 presence_to_occupant(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from, const char *nick);
void	 presence_to_room(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
/* First presence to a room that does not exist: create it. */
void	 presence_create_room(struct mucd *, const char *roomjid,
	    struct xnode *, const struct jid *from, const char *nick);
/* Remove an occupant whose client bounced an error (Prosody's
 * kick-on-error); full is the session that bounced it. */
void	 presence_kick_on_error(struct room *, struct occupant *,
	    const char *full, const struct xnode *err);
/* Remove an occupant from the room after its role became none:
 * publicise first, then call this. */
void	 presence_drop_occupant(struct room *, struct occupant *);
/* Send the occupant list to a (new) session; skip_bare's own nicks are
 * included with full JIDs, as in Prosody. */
void	 presence_send_occupant_list(struct room *, const char *to_full,
	    const char *to_bare, const struct occupant *except);
/* Everyone leaves at once, each told only of its own departure with
 * status code `code` (332: service shutdown). */
void	 presence_evacuate(struct room *, int code);
/* Is the room anonymous for this real JID (Prosody's is_anonymous_for)? */
bool	 room_is_anonymous_for(const struct room *, const char *full,
	    const char *bare);

#endif
