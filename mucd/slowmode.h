/*
 * slowmode: XEP-0500 slow mode — a room's minimum interval between two
 * messages of one user who is not a moderator. The time of each user's
 * last accepted message is kept per room by bare JID, so leaving and
 * entering again does not reset it; entries older than the interval
 * mean nothing and are pruned as the table grows.
 */
#ifndef MUCD_SLOWMODE_H
#define MUCD_SLOWMODE_H

struct room;
struct occupant;

/* 0 if o may send a message with a body now (and it is counted as
 * sent), else the seconds left to wait. */
unsigned	 slowmode_wait(struct room *, const struct occupant *);
/* Forget the room's table (the room is going). */
void		 slowmode_free(struct room *);

#endif
