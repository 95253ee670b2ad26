/*
 * hats: XEP-0317 hats — named roles (a URI and a title) that owners and
 * admins give users of a room, shown to everyone in the wearer's presence
 * as <hats xmlns='urn:xmpp:hats:0'>. This file is the model: the room's
 * table of who wears what, loaded from and stored to the store with the
 * room (room.c); changing hats, with the effects on occupants, is
 * hatcmd.c's.
 */
#ifndef MUCD_HATS_H
#define MUCD_HATS_H

#include <stdbool.h>

#define NS_HATS		"urn:xmpp:hats:0"
#define HAT_URI_MAX	1024	/* bytes */
#define HAT_TITLE_MAX	1024

struct room;
struct store_txn;
struct xnode;

struct hat {
	char		*uri;
	char		*title;		/* "" when none */
	struct hat	*next;
};

/* Who wears which hats in a room: room->hats maps bare JID -> this. */
struct hat_wearer {
	char		*bare;
	struct hat	*hats;		/* in the order they were given */
	unsigned	 n;
};

/* The room's hats from the store (a stored room being loaded); -1 on a
 * store error or out of memory. */
int	 hats_load(struct room *);
/* Every hat into txn (a room stored for the first time). A store code. */
int	 hats_store_all(struct room *, struct store_txn *);
void	 hats_free(struct room *);
/* bare's hats in the room, or NULL. */
const struct hat_wearer *hats_of(const struct room *, const char *bare);
/* In memory only, after the store has the change; -1 on OOM. Putting a
 * hat bare wears already changes its title. */
int	 hats_put(struct room *, const char *bare, const char *uri,
	    const char *title);
/* false if bare did not wear it. */
bool	 hats_remove(struct room *, const char *bare, const char *uri);
/* <hats/> with bare's hats into a presence, when bare wears any. */
void	 hats_add_element(const struct room *, const char *bare,
	    struct xnode *presence);

#endif
