/*
 * adhoc: XEP-0050 commands. On the service, for its administrators:
 * Prosody's nodes, so existing admin clients work unchanged,
 *   http://prosody.im/protocol/muc#destroy          destroy rooms
 *   http://prosody.im/protocol/muc#set-affiliation  set an affiliation
 * and mucd's own (adhocadmin.c), the room administration Prosody and
 * ejabberd expose elsewhere and the service-wide ban list:
 *   mucd#list-rooms, mucd#room-info, mucd#room-config,
 *   mucd#block, mucd#unblock, mucd#blocklist.
 * On a room, for its owners and admins, ejabberd's XEP-0317 hat commands
 * (hatcmd.c): urn:xmpp:hats:commands:don, :doff and :dlist.
 *
 * A command accepts its form in the first request or returns the form
 * to fill in; no state is kept between steps (a step that needs one
 * carries it in the form it returns).
 */
#ifndef MUCD_ADHOC_H
#define MUCD_ADHOC_H

#include "buf.h"

struct mucd;
struct room;
struct jid;
struct xnode;
struct form;

/* One execution of a command. */
struct adhoc_req {
	struct mucd		*m;
	struct room		*r;		/* a room's command; else NULL */
	const struct jid	*from;
	struct xnode		*cmd;		/* the <command/> replied */
	struct buf		 note;		/* the <note/>, if any */
	const char		*note_type;	/* info, warn or error */
	const char		*status;	/* completed, or executing when
						   run added a next form */
};

struct adhoc_cmd {
	const char	*node;
	const char	*name;
	/* The form to fill in, into q->cmd; NULL: run at once. */
	void		(*form)(struct adhoc_req *);
	/* Do it: a note, a result form in q->cmd, or a next form (and
	 * status "executing"). */
	void		(*run)(struct adhoc_req *, const struct form *);
	const char *const *vars;	/* the fields run reads */
};

void	 adhoc_iq(struct mucd *, struct xnode *, const struct jid *from);
void	 adhoc_room_iq(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
/* disco#info and disco#items of the commands' nodes. */
void	 adhoc_disco_info(struct mucd *, struct xnode *, const struct jid *,
	    const char *node);
void	 adhoc_disco_items(struct mucd *, struct xnode *, const struct jid *,
	    const char *node);
void	 adhoc_room_disco_info(struct mucd *, struct room *, struct xnode *,
	    const struct jid *, const char *node);
void	 adhoc_room_disco_items(struct mucd *, struct room *, struct xnode *,
	    const struct jid *, const char *node);

#endif
