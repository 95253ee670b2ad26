/*
 * hatcmd: changing XEP-0317 hats, durably and with the wearer's presence
 * shown again to the room, for the control channel and for the room's
 * ad-hoc commands, which are ejabberd's (XEP-0317 0.2 as ejabberd 25.03
 * has it):
 *   urn:xmpp:hats:commands:don    add a hat to a user (jid, hat_uri,
 *                                 hat_title)
 *   urn:xmpp:hats:commands:doff   remove one (jid, hat_uri)
 *   urn:xmpp:hats:commands:dlist  list who wears which
 * The room's owners and admins may run them (adhoc.c checks).
 */
#ifndef MUCD_HATCMD_H
#define MUCD_HATCMD_H

#include <stdbool.h>

#define NODE_HAT_DON	"urn:xmpp:hats:commands:don"
#define NODE_HAT_DOFF	"urn:xmpp:hats:commands:doff"
#define NODE_HAT_DLIST	"urn:xmpp:hats:commands:dlist"

struct adhoc_req;
struct form;
struct room;
struct muc_err;

/*
 * Give bare (prepared) the hat uri with title (add), or take it away;
 * stored first, then every occupant bare is sees its presence again, with
 * the hats. actor (a full JID, or NULL for the service) is for the log.
 * -1 with *e: a bad URI or title (not-acceptable), too many hats
 * (policy-violation), no such hat to take (item-not-found), storage.
 */
int	 hat_change(struct room *, const char *actor, const char *bare,
	    const char *uri, const char *title, bool add, struct muc_err *);

extern const char *const hatcmd_vars[];
extern const char *const hatcmd_no_vars[];
void	 hatcmd_don_form(struct adhoc_req *);
void	 hatcmd_don_run(struct adhoc_req *, const struct form *);
void	 hatcmd_doff_form(struct adhoc_req *);
void	 hatcmd_doff_run(struct adhoc_req *, const struct form *);
void	 hatcmd_dlist_run(struct adhoc_req *, const struct form *);

#endif
