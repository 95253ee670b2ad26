/*
 * link: the XEP-0114 component connection to the XMPP server.
 *
 * Non-blocking connect, the jabber:component:accept stream, the SHA-1
 * handshake, reading stanzas through the bounded XML parser, and a bounded
 * write buffer flushed once per loop turn. A lost link is retried with
 * capped exponential backoff; a refused secret or an unknown host is a
 * configuration error and stops the daemon.
 *
 * Backpressure: when the server stops reading and the write buffer passes
 * its high-water mark, the link stops reading new input until the buffer
 * drains, so memory stays bounded instead of queueing without limit.
 *
 * No stanza larger than max_out is ever written: the server would close
 * the stream over it (Prosody's component limit is 512 KiB). Handlers
 * check their own output first and answer with an error (see
 * st_send_result, room_relay); this is the last line, which drops and
 * counts what slipped through.
 */
#ifndef MUCD_LINK_H
#define MUCD_LINK_H

#include <sys/uio.h>

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "loop.h"
#include "xml.h"

#define NS_COMPONENT	"jabber:component:accept"

/* X(ID, the name status and metrics give it) */
#define LINK_STATES(X)							\
	X(IDLE,		"disconnected")	/* waiting to (re)connect */	\
	X(CONNECTING,	"connecting")	/* TCP connect in progress */	\
	X(OPENING,	"opening stream") /* header sent, awaiting theirs */ \
	X(HANDSHAKE,	"handshake")	/* awaiting <handshake/> */	\
	X(UP,		"up")

enum link_state {
#define LINK_X_ENUM(id, name)	LINK_##id,
	LINK_STATES(LINK_X_ENUM)
#undef LINK_X_ENUM
	LINK_NSTATES
};

/* What crosses the link, by kind: the router counts what comes in (an
 * element that is no stanza is "other"), the link what goes out. */
enum link_kind { KIND_MESSAGE, KIND_PRESENCE, KIND_IQ, KIND_OTHER, KIND_N };

struct link;

struct link_cb {
	void	(*up)(void *);			/* handshake accepted */
	void	(*down)(void *);		/* link lost (was up) */
	void	(*stanza)(void *, struct xnode *);	/* owns the stanza */
	/* A stanza refused for its shape (see xml_stream_cb); owns it. */
	void	(*rejected)(void *, struct xnode *shell, const char *why);
	void	(*fatal)(void *, const char *why);	/* config error */
};

struct link_stats {
	uint64_t	 sent[KIND_N];	/* stanzas written, by kind */
	uint64_t	 bytes_in, bytes_out;
	uint64_t	 connects, drops;
	uint64_t	 backpressure;	/* times reading was paused */
	uint64_t	 queue_peak;	/* most bytes ever queued at once */
	uint64_t	 dropped_out;	/* stanzas dropped while down */
	uint64_t	 oversized_out;	/* stanzas over max_out, not sent */
};

struct link {
	struct loop		*loop;
	struct loop_io		 io;
	struct loop_timer	 retry;
	enum link_state		 state;
	const char		*host, *domain, *secret;
	unsigned		 port;
	unsigned		 backoff_ms, backoff_max_ms;
	struct xml_limits	 limits;
	struct xml_stream	*parser;
	struct buf		 out;
	size_t			 max_out;	/* largest stanza written */
	size_t			 high_water, low_water;
	bool			 paused;	/* reading stopped by backpressure */
	bool			 closing;	/* teardown requested from a callback */
	bool			 fatal;		/* ... and it is a configuration error */
	bool			 parsing;	/* inside xml_stream_feed */
	char			 why[512];	/* reason for a deferred teardown */
	struct link_cb		 cb;
	void			*cbarg;
	struct link_stats	 stats;
	uint64_t		 up_since;	/* monotonic ms */
	time_t			 state_since;	/* wall clock, for status */
	char			 last_error[256];	/* why it last went down */
	time_t			 last_error_at;
};

void	 link_init(struct link *, struct loop *, const struct link_cb *, void *);
/* (Re)configure from the daemon's settings; takes effect on next connect. */
void	 link_configure(struct link *, const char *host, unsigned port,
	    const char *domain, const char *secret, size_t max_stanza,
	    unsigned max_depth, size_t max_out, size_t buffer_max,
	    unsigned backoff_max_s);
void	 link_start(struct link *);
/* Close the stream politely (flushing what is queued) and stop. */
void	 link_shutdown(struct link *);
/* Drop the connection at once, queued output included, and stay down
 * until link_start. */
void	 link_stop(struct link *);
void	 link_free(struct link *);
static inline bool link_is_up(const struct link *l) { return l->state == LINK_UP; }
/* Queue a stanza (serialized now). Dropped, and counted, while down. */
void	 link_send(struct link *, const struct xnode *);
/* Queue pre-serialized stanza bytes. */
void	 link_send_raw(struct link *, const char *, size_t);
/*
 * Queue a pre-serialized stanza with a 'to' attribute spliced in at
 * split (just after the element name): how one broadcast serialization
 * serves every recipient.
 */
void	 link_send_to(struct link *, const char *ser, size_t len, size_t split,
	    const char *to);
/* Same, with the attribute text (" to='...'") already escaped. */
void	 link_send_spliced(struct link *, const char *ser, size_t len,
	    size_t split, const char *attr, size_t alen);
/* Queue one stanza given in parts (see fanout.c), in one reservation. */
void	 link_send_iov(struct link *, const struct iovec *, int n);
/* Write queued bytes now (called once per loop turn). */
void	 link_flush(struct link *);
size_t	 link_pending(const struct link *);
const char *link_state_name(enum link_state);

#endif
