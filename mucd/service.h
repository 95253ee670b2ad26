/*
 * service: stanzas to the service domain itself — discovery, ping,
 * software version, unique room names (XEP-0307), ad-hoc commands.
 */
#ifndef MUCD_SERVICE_H
#define MUCD_SERVICE_H

struct mucd;
struct jid;
struct xnode;

void	 service_stanza(struct mucd *, struct xnode *, const struct jid *from);

#endif
