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

#endif
