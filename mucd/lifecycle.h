/*
 * lifecycle: the daemon's wiring — the loop's per-turn hook (group commit,
 * then flushing the link and the control replies), the link's callbacks
 * into the router, signals, the housekeeping and checkpoint timers, the
 * metrics HTTP listener, and the orderly end. The top layer: it calls
 * down into every part, and nothing below calls it.
 */
#ifndef MUCD_LIFECYCLE_H
#define MUCD_LIFECYCLE_H

#include <stddef.h>

struct mucd;

#define MUCD_HOUSEKEEPING_MS	5000

/* The loop, signals, link and timers (nothing privileged, nothing
 * started). */
int	 lifecycle_init(struct mucd *);
/* Open metrics_listen's HTTP listener, connect the link (neither in
 * maintenance mode) and arm the timers; -1 with the reason in err when
 * the listener cannot be opened (nothing else is started then). */
int	 lifecycle_start(struct mucd *, char *err, size_t errlen);
/* After the loop ended: tell occupants (332), flush, close the link and
 * the control channel, save and close the store. */
void	 lifecycle_finish(struct mucd *);

#endif
