/*
 * mam: XEP-0313 Message Archive Management on a room's JID — queries
 * (urn:xmpp:mam:2 with its #extended filters), RSM paging both ways,
 * the query form, and the archive's metadata. Who may query is checked
 * on every query: whoever may enter the room now. Results never show a
 * real JID to someone who could not see it live.
 */
#ifndef MUCD_MAM_H
#define MUCD_MAM_H

#include <stdbool.h>

#include "xml.h"

struct mucd;
struct room;
struct jid;

#define NS_MAM		"urn:xmpp:mam:2"
#define NS_MAM_EXT	"urn:xmpp:mam:2#extended"
#define NS_FORWARD	"urn:xmpp:forward:0"

/* Is payload a MAM request (query or metadata)? */
bool	 mam_is_request(const struct xnode *payload);
void	 mam_iq(struct mucd *, struct room *, struct xnode *st,
	    const struct jid *from);

#endif
