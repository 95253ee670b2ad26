/*
 * mucd: the daemon's one context, and the services every handler uses:
 * the one way out to the link, the group commit's dirty flag, the
 * service-admin check, counting error replies, and asking the daemon to
 * stop. Everything the daemon knows hangs off struct mucd; there is no
 * other mutable global state (logging aside).
 *
 * This is the bottom layer: it calls nothing above the link. The wiring
 * that calls up into handlers (loop callbacks, signals, timers, start
 * and finish) is lifecycle.c.
 */
#ifndef MUCD_MUCD_H
#define MUCD_MUCD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "conf.h"
#include "ha.h"
#include "hmap.h"
#include "link.h"
#include "loop.h"
#include "metrictext.h"
#include "multicast.h"
#include "occrepl.h"

struct store;
struct ctl;
struct room;
struct httpd;

/* Namespaces used across the daemon. */
#define NS_MUC		"http://jabber.org/protocol/muc"
#define NS_MUC_USER	"http://jabber.org/protocol/muc#user"
#define NS_MUC_ADMIN	"http://jabber.org/protocol/muc#admin"
#define NS_MUC_OWNER	"http://jabber.org/protocol/muc#owner"
#define NS_MUC_UNIQUE	"http://jabber.org/protocol/muc#unique"
#define NS_MUC_REQUEST	"http://jabber.org/protocol/muc#request"
#define NS_MUC_ROOMCFG	"http://jabber.org/protocol/muc#roomconfig"
#define NS_MUC_ROOMINFO	"http://jabber.org/protocol/muc#roominfo"
#define NS_MUC_REGISTER	"http://jabber.org/protocol/muc#register"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"
#define NS_DISCO_ITEMS	"http://jabber.org/protocol/disco#items"
#define NS_COMMANDS	"http://jabber.org/protocol/commands"
#define NS_XDATA	"jabber:x:data"
#define NS_REGISTER	"jabber:iq:register"
#define NS_VERSION	"jabber:iq:version"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_PING		"urn:xmpp:ping"
#define NS_DELAY	"urn:xmpp:delay"
#define NS_RSM		"http://jabber.org/protocol/rsm"
#define NS_OCCUPANT_ID	"urn:xmpp:occupant-id:0"
#define NS_CONFERENCE	"jabber:x:conference"
#define NS_HINTS	"urn:xmpp:hints"
#define NS_VCARD_UPDATE	"vcard-temp:x:update"

/*
 * The stanza error conditions of RFC 6120 (8.3.3), the only ones mucd
 * sends, so errors are counted by condition in a fixed array.
 * X(ID, condition)
 */
#define MUCD_CONDITIONS(X)						\
	X(BAD_REQUEST,		"bad-request")				\
	X(CONFLICT,		"conflict")				\
	X(FEATURE_NOT_IMPLEMENTED, "feature-not-implemented")		\
	X(FORBIDDEN,		"forbidden")				\
	X(GONE,			"gone")					\
	X(INTERNAL_SERVER_ERROR, "internal-server-error")		\
	X(ITEM_NOT_FOUND,	"item-not-found")			\
	X(JID_MALFORMED,	"jid-malformed")			\
	X(NOT_ACCEPTABLE,	"not-acceptable")			\
	X(NOT_ALLOWED,		"not-allowed")				\
	X(NOT_AUTHORIZED,	"not-authorized")			\
	X(POLICY_VIOLATION,	"policy-violation")			\
	X(RECIPIENT_UNAVAILABLE, "recipient-unavailable")		\
	X(REDIRECT,		"redirect")				\
	X(REGISTRATION_REQUIRED, "registration-required")		\
	X(REMOTE_SERVER_NOT_FOUND, "remote-server-not-found")		\
	X(REMOTE_SERVER_TIMEOUT, "remote-server-timeout")		\
	X(RESOURCE_CONSTRAINT,	"resource-constraint")			\
	X(SERVICE_UNAVAILABLE,	"service-unavailable")			\
	X(SUBSCRIPTION_REQUIRED, "subscription-required")		\
	X(UNDEFINED_CONDITION,	"undefined-condition")			\
	X(UNEXPECTED_REQUEST,	"unexpected-request")

enum mucd_cond {
#define MUCD_X_ENUM(id, name)	COND_##id,
	MUCD_CONDITIONS(MUCD_X_ENUM)
#undef MUCD_X_ENUM
	MUCD_NCONDS
};

extern const char *const mucd_conditions[MUCD_NCONDS];

/* Fsync latency buckets, seconds: from a write cache's half millisecond
 * to a stalled disk's second. */
#define MUCD_SYNC_BUCKETS	11
extern const double mucd_sync_bounds[MUCD_SYNC_BUCKETS];

/* What the handlers count; the link counts its own traffic. Metrics
 * (metrics.c) reads them all. */
struct mucd_stats {
	uint64_t	 received[KIND_N];	/* elements routed, by kind */
	uint64_t	 errors[MUCD_NCONDS];	/* error replies, by condition */
	uint64_t	 dropped;
	uint64_t	 rooms_created, rooms_destroyed;
	uint64_t	 rooms_loaded, rooms_evicted;
	uint64_t	 rate_limited;
	uint64_t	 slow_mode_refused;
	uint64_t	 store_errors;
	uint64_t	 fanout_bytes;		/* broadcast copies written */
	uint64_t	 archived;		/* messages stored in archives */
	uint64_t	 audit_events;		/* audit records committed */
	struct mt_hist	 sync_seconds;		/* group commits' fsync */
};

struct mucd {
	struct conf		 conf;
	char			*conf_path;
	bool			 foreground;
	bool			 maintenance;	/* -m: no link, one ctl client */
	struct loop		 loop;
	struct link		 link;
	struct multicast	 mcast;		/* the server's XEP-0033 service */
	struct loop_io		 sigio;
	struct loop_timer	 housekeeping;	/* eviction, lock expiry */
	struct loop_timer	 checkpoint;
	struct loop_timer	 arch_prune;	/* archive retention */
	char			*arch_prune_after;	/* its place */
	char			*tomb_sweep_after;	/* tombstone expiry's */
	struct store		*store;
	struct ctl		*ctl;
	struct httpd		*httpd;		/* metrics_listen, or NULL */
	struct hmap		 rooms;		/* room JID -> struct room */
	struct hmap		 jid_buckets;	/* bare JID -> rate limits */
	struct hmap		 blocked;	/* service-wide bans
						   (blocklist.c) */
	struct mucd_stats	 stats;
	struct audit		 audit;		/* the request's changes */
	struct ha		 ha;		/* replication (ha.c) */
	struct occrepl		 occ;		/* occupants replicated */
	time_t			 started;
	int			 exit_code;
	bool			 store_dirty;	/* commits since the last sync */
	bool			 shutting_down;
	/* The full JID whose stanza is being handled, else NULL: its copies
	 * of broadcasts skip the multicast service (fanout.c). */
	const char		*sender;
	unsigned char		 secret_salt[32];	/* IQ proxy ids */
};

/*
 * The one way out. A stanza built by the daemon, to its own 'to':
 */
void	 mucd_send(struct mucd *, const struct xnode *);
/* Same, then free it. */
void	 mucd_send_free(struct mucd *, struct xnode *);
/* A serialized stanza with ' to=...' spliced in at split: to a JID, or
 * with the attribute already escaped (how one serialization serves every
 * recipient of a broadcast; see room_broadcast). */
void	 mucd_send_to(struct mucd *, const char *ser, size_t len,
	    size_t split, const char *to);
void	 mucd_send_spliced(struct mucd *, const char *ser, size_t len,
	    size_t split, const char *attr, size_t alen);
/* Count an error reply with this condition (see MUCD_CONDITIONS; any
 * other counts as undefined-condition). */
void	 mucd_error_sent(struct mucd *, const char *cond);
/* One stanza in parts (a multicast stanza assembled by fanout.c). */
void	 mucd_send_iov(struct mucd *, const struct iovec *, int n);
/* Note that the store has uncommitted-to-disk changes (group commit). */
void	 mucd_store_dirty(struct mucd *);
/* Is bare a service admin (owner of every room)? */
bool	 mucd_is_admin(const struct mucd *, const char *bare);
/* Stop after this loop turn with exit status code; occupants are told
 * (status 332) as the daemon finishes. */
void	 mucd_stop(struct mucd *, int code);

#endif
