/*
 * roomwalk: every room of the service in JID order — the stored ones and
 * the temporary ones that exist only in memory — for listings that page
 * (disco#items with RSM, the control channel's "rooms").
 */
#ifndef MUCD_ROOMWALK_H
#define MUCD_ROOMWALK_H

#include <stdbool.h>

#include "roomcfg.h"

struct mucd;
struct room;

/* One room as a listing sees it; valid during the visit only. */
struct room_view {
	const char			*jid;
	const struct room_config	*cfg;
	const struct room		*loaded;	/* NULL: only stored */
	long long			 last_used;
};

/*
 * Visit the rooms after `after` (NULL: from the first) in JID order;
 * public_only keeps to public rooms. visit returns nonzero to stop. A
 * stored record that no longer decodes is skipped. -1 on a store error
 * or out of memory, else 0.
 */
int	 room_walk(struct mucd *, const char *after, bool public_only,
	    int (*visit)(void *, const struct room_view *), void *);

#endif
