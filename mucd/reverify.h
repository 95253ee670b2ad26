/*
 * reverify: after the link to the server comes back, occupants whose
 * clients went away meanwhile would linger as ghosts (their unavailable
 * presence was bounced while we were gone). Every session is asked a
 * disco#info — which every client answers — from its occupant JID; an
 * error reply says the client is gone and removes it (kick on error).
 */
#ifndef MUCD_REVERIFY_H
#define MUCD_REVERIFY_H

#include <stdbool.h>

struct mucd;
struct room;
struct jid;
struct xnode;

void	 reverify_all(struct mucd *);
/* A reply to one of our probes? Handles it and returns true. */
bool	 reverify_reply(struct room *, struct xnode *, const struct jid *from,
	    const char *nick);

#endif
