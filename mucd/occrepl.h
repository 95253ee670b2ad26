/*
 * occrepl: who is in the rooms, kept in the replicated store (live.db)
 * so that a master elected after a failover knows it. Clients whose
 * master died are still in their rooms as far as they know; the new
 * master takes the occupants over and checks each session is still
 * there, as after a link loss (reverify.c): those that are stay without
 * rejoining, the others are removed and the room is told.
 *
 * Not durable, on purpose: a presence must not wait for the group. The
 * changes (room.c notes which occupant or temporary room changed) are
 * written with the next commit that happens anyway, or within
 * OCCREPL_FLUSH_MS; a failover loses at most that much, and a client
 * the new master does not know rejoins as it would after any error.
 * Only the master, and only when replicated, writes them.
 */
#ifndef MUCD_OCCREPL_H
#define MUCD_OCCREPL_H

#include <stdbool.h>

#include "hmap.h"
#include "loop.h"

#define OCCREPL_FLUSH_MS	1000

struct mucd;

struct occrepl {
	struct hmap		 dirty;		/* JID -> the same string
						   (malloc'd): records to
						   write or delete */
	struct loop_timer	 flush;
	bool			 on;		/* the replicated master */
};

int	 occrepl_init(struct mucd *);
void	 occrepl_free(struct mucd *);
/* This site became the master: take over the rooms' occupants from the
 * store, then keep it up to date. Before the link opens. */
void	 occrepl_start(struct mucd *);
/* No longer the master: nothing more to write. */
void	 occrepl_stop(struct mucd *);
/* Write what changed, inside the turn's group commit (before its sync). */
void	 occrepl_write(struct mucd *);
/* Every occupant was told the service stops (status 332): the group
 * forgets them, so the next master does not take them over. */
void	 occrepl_evacuated(struct mucd *);

#endif
