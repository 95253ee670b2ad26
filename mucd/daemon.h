/*
 * daemon: being a well-behaved Unix daemon — detaching with a readiness
 * pipe (the parent exits only once the child is serving, with its exit
 * status), the pid file, dropping root, and systemd's notify protocol.
 */
#ifndef MUCD_DAEMON_H
#define MUCD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

struct conf;

/* Fork into the background. Returns in the child; the parent waits for
 * daemon_ready() or daemon_fail() and exits accordingly. */
int	 daemon_detach(char *err, size_t errlen);
void	 daemon_ready(void);
void	 daemon_fail(const char *msg);

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
