/*
 * message: groupchat messages, private messages, mediated invitations and
 * declines, voice requests — everything of type message addressed to a
 * room or an occupant.
 */
#ifndef MUCD_MESSAGE_H
#define MUCD_MESSAGE_H

#include "xml.h"

struct mucd;
struct room;
struct muc_err;
struct jid;

void	 message_to_room(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
void	 message_to_occupant(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from, const char *nick);
/* A groupchat message from the room itself (mucctl say); -1 with e set
 * if the archive refused it (nothing was sent). */
int	 message_from_room(struct room *, const char *body, struct muc_err *);
/* A mediated invitation from the room itself (mucctl invite); -1 with e
 * set if it could not be sent. */
int	 message_invite(struct room *, const struct jid *to, const char *reason,
	    struct muc_err *);
/* Prosody's "kickable" bounce conditions: the client is gone. */
int	 message_is_kickable_error(const struct xnode *);

#endif
