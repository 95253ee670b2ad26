/*
 * daemon: being a well-behaved Unix daemon — detaching with a readiness
 * pipe (the parent exits only once the child's start has an outcome, with
 * its exit status), the pid file, dropping root, and systemd's notify
 * protocol.
 *
 * The outcome is the first connection to the server: accepted (ready,
 * status 0), refused for good (status 3, as the daemon itself exits), or
 * not there within DAEMON_START_WAIT_MS (status 0: the daemon is running
 * and keeps trying, and the parent says so). systemd's READY=1 comes at
 * the same moment, so a script and a unit see the same thing.
 */
#ifndef MUCD_DAEMON_H
#define MUCD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

struct conf;

#define DAEMON_START_WAIT_MS	10000

/* Fork into the background. Returns in the child; the parent waits for
 * the first of daemon_ready(), daemon_waiting() and daemon_fail(), and
 * exits accordingly. Later calls do nothing. */
int	 daemon_detach(char *err, size_t errlen);
/* Connected: the parent exits 0. */
void	 daemon_ready(void);
/* Running, not connected yet: the parent prints msg and exits 0. */
void	 daemon_waiting(const char *msg);
/* Failed: the parent prints msg and exits with status. */
void	 daemon_fail(int status, const char *msg);

int	 daemon_pidfile_write(const char *path, char *err, size_t errlen);
void	 daemon_pidfile_remove(const char *path);

/* Resolve conf->user/group; fills uid/gid. -1 with a message. */
int	 daemon_lookup_user(const struct conf *, unsigned *uid, unsigned *gid,
	    char *err, size_t errlen);
/* Give up root for uid/gid (and supplementary groups). */
int	 daemon_drop_privileges(unsigned uid, unsigned gid, char *err,
	    size_t errlen);

/* sd_notify(3) without libsystemd: a datagram to $NOTIFY_SOCKET. */
void	 daemon_notify(const char *state);

#endif
