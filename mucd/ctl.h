/*
 * ctl: the control channel — a Unix stream socket speaking newline-
 * delimited JSON (protocol version 1, documented in mucctl(8)), served in
 * the daemon's one event loop.
 *
 * Every client is bounded: a line longer than control_max_line is refused
 * (and skipped up to its newline), a client whose replies pile up unread
 * is not read from until it drains, idle clients are closed, and at most
 * control_max_clients are served at once. Peers are checked with
 * SO_PEERCRED: root, mucd's own uid, or members of control_group.
 */
#ifndef MUCD_CTL_H
#define MUCD_CTL_H

#include <stddef.h>

struct mucd;

#define CTL_PROTOCOL_VERSION	1

/* Create the socket (mode 0660, owned by uid/gid when not -1). */
int	 ctl_open(struct mucd *, int uid, int gid, char *err, size_t errlen);
void	 ctl_close(struct mucd *);
/* Serve requests that were held back by unread replies. */
void	 ctl_resume(struct mucd *);
/* Write queued replies (once per loop turn, after the group commit). */
void	 ctl_flush(struct mucd *);
/* Close idle or stuck clients. */
void	 ctl_housekeeping(struct mucd *);

#endif
