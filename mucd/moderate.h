/*
 * moderate: taking messages back. XEP-0425, a moderator retracts any
 * message by the room's stanza-id (urn:xmpp:message-moderate:1, and the
 * :0 form with XEP-0422 fastening that older clients send); XEP-0424, a
 * sender's own retraction (urn:xmpp:message-retract:1), relayed as any
 * message. Either way the archived message becomes a tombstone — its
 * body gone from the database, not hidden — and leaves join history.
 */
#ifndef MUCD_MODERATE_H
#define MUCD_MODERATE_H

#include <stdbool.h>

#include "xml.h"

struct mucd;
struct room;
struct occupant;
struct jid;

#define NS_MODERATE0	"urn:xmpp:message-moderate:0"
#define NS_MODERATE1	"urn:xmpp:message-moderate:1"
#define NS_RETRACT0	"urn:xmpp:message-retract:0"
#define NS_RETRACT1	"urn:xmpp:message-retract:1"
#define NS_FASTEN	"urn:xmpp:fasten:0"

bool	 moderate_is_request(const struct xnode *payload);
void	 moderate_iq(struct mucd *, struct room *, struct xnode *st,
	    const struct jid *from);
/* After o's groupchat message msg was relayed: if it retracts one of
 * o's own messages, that one becomes a tombstone. */
void	 moderate_sender_retraction(struct room *, const struct xnode *msg,
	    const struct occupant *o);

#endif
