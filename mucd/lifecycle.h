/*
 * lifecycle: the daemon's wiring — the loop's per-turn hook (group commit,
 * then flushing the link and the control replies), the link's callbacks
 * into the router, signals, the housekeeping and checkpoint timers, and
 * the orderly end. The top layer: it calls down into every part, and
 * nothing below calls it.
 */
#ifndef MUCD_LIFECYCLE_H
#define MUCD_LIFECYCLE_H

struct mucd;

#define MUCD_HOUSEKEEPING_MS	5000

/* The loop, signals, link and timers (nothing privileged, nothing
 * started). */
int	 lifecycle_init(struct mucd *);
/* Connect the link (unless in maintenance mode) and arm the timers. */
void	 lifecycle_start(struct mucd *);
/* After the loop ended: tell occupants (332), flush, close the link and
 * the control channel, save and close the store. */
void	 lifecycle_finish(struct mucd *);

#endif
