/*
 * router: where every stanza from the server goes — validated addresses,
 * then the service itself, a room, or an occupant.
 */
#ifndef MUCD_ROUTER_H
#define MUCD_ROUTER_H

struct mucd;
struct xnode;

/* Handle one stanza from the link; takes ownership. */
void	 router_stanza(struct mucd *, struct xnode *);
/* A stanza the parser refused (see xml_stream_cb), over the size limit
 * or another shape limit: its top element only. Answered with
 * <policy-violation/>; takes ownership. */
void	 router_rejected(struct mucd *, struct xnode *, const char *why);

#endif
