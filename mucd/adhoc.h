/*
 * adhoc: XEP-0050 commands on the service for its administrators, with
 * Prosody's node names so existing admin clients work unchanged:
 *   http://prosody.im/protocol/muc#destroy          destroy rooms
 *   http://prosody.im/protocol/muc#set-affiliation  set an affiliation
 * Each command accepts its form in the first request or returns the form
 * to fill in; no state is kept between steps.
 */
#ifndef MUCD_ADHOC_H
#define MUCD_ADHOC_H

struct mucd;
struct jid;
struct xnode;

void	 adhoc_iq(struct mucd *, struct xnode *, const struct jid *from);
void	 adhoc_disco_info(struct mucd *, struct xnode *, const struct jid *,
	    const char *node);
void	 adhoc_disco_items(struct mucd *, struct xnode *, const struct jid *,
	    const char *node);

#endif
