/*
 * disco: service discovery (XEP-0030) for rooms — identity, features
 * that reflect the configuration, the muc#roominfo form (XEP-0128) and
 * the reserved-nick node — and for the service itself, including the
 * paged (XEP-0059) list of public rooms.
 */
#ifndef MUCD_DISCO_H
#define MUCD_DISCO_H

struct mucd;
struct room;
struct jid;
struct xnode;

void	 disco_room_info(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
void	 disco_room_items(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
void	 disco_service_info(struct mucd *, struct xnode *,
	    const struct jid *from);
void	 disco_service_items(struct mucd *, struct xnode *,
	    const struct jid *from);

#endif
