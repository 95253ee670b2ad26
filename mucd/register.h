/*
 * register: room registration (XEP-0045 §7.10) and reserved nicknames —
 * jabber:iq:register against a room, and the x-roomuser-item disco node
 * (§7.12).
 */
#ifndef MUCD_REGISTER_H
#define MUCD_REGISTER_H

struct mucd;
struct room;
struct jid;
struct xnode;

void	 register_iq(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);

#endif
