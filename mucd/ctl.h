/*
 * ctl: the control channel's transport — a Unix stream socket speaking
 * the newline-delimited JSON of common/ctlproto.h, served in the daemon's
 * one event loop. What a request does is the dispatcher's business
 * (ctlcmd.c); ctl only frames, bounds, authorises and orders.
 *
 * Every client is bounded: a line longer than control_max_line is refused
 * (and skipped up to its newline); requests are read only while the
 * client's unread replies stay under a limit, so a pipelining client is
 * paused by back-pressure, never dropped; idle clients are closed, and at
 * most control_max_clients are served at once (root and mucd's own user
 * keep a few reserved slots, and an idle client gives way to a new one).
 *
 * Peers are checked with SO_PEERCRED: root, mucd's own uid and members of
 * control_group may run every command; members of control_readonly_group
 * only the read-only ones (CTL_READ in ctlproto.h).
 *
 * Replies are queued and written once per loop turn, after the store's
 * group commit (ctl_flush), so no reply acknowledges a change that is not
 * on disk.
 */
#ifndef MUCD_CTL_H
#define MUCD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctlproto.h"

struct mucd;
struct ctl_client;

/* Serve one request; reply through ctl_reply_ok / ctl_reply_error. */
typedef void (*ctl_dispatch_fn)(void *arg, struct ctl_client *,
    json_t *id, const char *cmd, json_t *args);

struct ctl_setup {
	ctl_dispatch_fn	 dispatch;
	void		*arg;
	int		 owner_uid;	/* chown the socket; -1: leave it */
	int		 group;		/* control_group's gid, or -1 */
	int		 ro_group;	/* control_readonly_group's, or -1 */
};

/* Listen on conf.control (the store's lock must be held already: only
 * the one mucd that owns the data directory may touch the socket). */
int	 ctl_open(struct mucd *, const struct ctl_setup *, char *err,
	    size_t errlen);
/*
 * Maintenance mode: serve the one connection on fd (mucctl's end of a
 * socketpair) with full rights; when it closes, the daemon stops.
 */
int	 ctl_attach(struct mucd *, const struct ctl_setup *, int fd,
	    char *err, size_t errlen);
void	 ctl_close(struct mucd *);
/* Answer a connection that will not be served with one error line (id
 * null), then close it. */
void	 ctl_refuse(int fd, enum ctl_err, const char *msg);
/*
 * Once per loop turn, before the group commit: serve requests held back
 * while replies piled up. True if any were served.
 */
bool	 ctl_resume(struct mucd *);
/*
 * After the group commit: write queued replies. True if a client still
 * has complete requests waiting that it now has room for (another round
 * of resume, commit, flush can serve them without sleeping). hold: the
 * group has not acknowledged the changes yet, and the clients that asked
 * for one since their replies last went out get nothing yet (ha.h).
 */
bool	 ctl_flush(struct mucd *, bool hold);
/* The client asked for a change: its replies wait with the change's
 * acknowledgement. */
void	 ctl_client_changed(struct ctl_client *);
/* Close those clients, unanswered: their changes will never be
 * acknowledged here (a demoted master). */
void	 ctl_drop_held(struct mucd *);
/* Close idle or stuck clients. */
void	 ctl_housekeeping(struct mucd *);

/* Connections: served now, and accepted and refused (forbidden, busy)
 * since the start. */
struct ctl_stats {
	uint64_t	 clients, accepted, refused;
};
void	 ctl_stats(const struct mucd *, struct ctl_stats *);

void	 ctl_reply_ok(struct ctl_client *, json_t *id, json_t *result);
void	 ctl_reply_error(struct ctl_client *, json_t *id, enum ctl_err,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same, with the XMPP condition behind the refusal. */
void	 ctl_reply_refusal(struct ctl_client *, json_t *id, enum ctl_err,
	    const char *condition, const char *msg);
/* A change asked of a replica: not-master, naming the master (HOST:PORT,
 * or "" / NULL while there is none) in the "master" field. */
void	 ctl_reply_not_master(struct ctl_client *, json_t *id,
	    const char *master);
unsigned ctl_client_uid(const struct ctl_client *);
/* "unix:" and the client's user name (or "unix:uid N"). */
const char *ctl_client_user(struct ctl_client *);
/* May this client run commands flagged CTL_WRITE? */
bool	 ctl_client_may_write(const struct ctl_client *);

#endif
