/*
 * harness: an in-process mucd for the daemon-level fuzz targets.
 *
 * fz_init builds the daemon the way main.c does (a mucd.conf written to a
 * temporary directory and loaded with mucd_load_conf, lifecycle_init, the store
 * opened in that directory, optionally the control socket), minus what
 * needs root or the network. The directory is on /dev/shm when there is
 * one, so the store's group commit (an fsync per loop turn) stays cheap.
 *
 * Between inputs fz_reset puts everything back: rooms freed, the store
 * emptied, the link's buffers cleared. Every input thus starts from the
 * same state, and a crash found after a thousand runs replays from its
 * input alone.
 *
 * Checks (each failure prints what is wrong and aborts):
 *   fz_check_output   every byte mucd wrote to the server is a well-formed
 *                     stream of stanzas a server would accept: UTF-8 XML,
 *                     'from' on our domain, a valid 'to', iq with id/type,
 *                     errors with a condition;
 *   fz_check_rooms    the room model's indexes agree with each other;
 *   fz_check_store    persistent rooms in memory are what the store holds.
 */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mucd.h"

#define FZ_DOMAIN	"conference.localhost"

struct fz_opts {
	const char	*conf_extra;	/* appended to mucd.conf */
	bool		 control;	/* open the control socket */
};

/* Recent requests mucd sent to users, so a structured target can reply. */
#define FZ_IQS	8
struct fz_iq {
	char	 id[4200];
	char	 from[3100];	/* mucd's side (room or occupant JID) */
	char	 to[3100];	/* the user's */
};

struct fz_seen {
	struct fz_iq	 iq[FZ_IQS];
	unsigned	 niq;		/* total seen; iq[niq % FZ_IQS] is next */
	unsigned	 stanzas;
};

extern struct mucd fz_m;
extern const char *fz_dir;

void	 fz_init(const struct fz_opts *);
/* One loop turn without sleeping: before_sleep (group commit, flushes),
 * then whatever I/O is ready. Timers are never run. */
void	 fz_turn(void);
/* Check stream bytes mucd wrote (after its header and handshake when
 * `has_header`); records outgoing iq requests in *seen when not NULL. */
void	 fz_check_output(const char *data, size_t len, bool has_header,
	    struct fz_seen *seen);
/* The same, incrementally: feed output as it is produced. */
struct fz_outck;
struct fz_outck *fz_out_begin(bool has_header, struct fz_seen *seen);
void	 fz_out_feed(struct fz_outck *, const char *data, size_t len);
void	 fz_out_end(struct fz_outck *);
void	 fz_check_rooms(bool after_shutdown);
void	 fz_check_store(void);
void	 fz_reset(void);
/* Control channel: a connected client; send a request chunk and turn the
 * loop until mucd has read it and answered; replies are checked. */
int	 fz_ctl_connect(void);
void	 fz_ctl_send(int fd, const char *data, size_t len);
void	 fz_ctl_close(int fd);

void	 fz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

#endif
