/*
 * mucd: the daemon's one context, and the services every handler uses:
 * the one way out to the link, the group commit's dirty flag, the
 * service-admin check, and asking the daemon to stop. Everything the
 * daemon knows hangs off struct mucd; there is no other mutable global
 * state (logging aside).
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

struct store;
struct ctl;
struct room;

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

/* What the handlers count; the link counts its own traffic. */
struct mucd_stats {
	uint64_t	 stanzas_in;
	uint64_t	 messages, presences, iqs;
	uint64_t	 errors_sent, dropped;
	uint64_t	 rooms_created, rooms_destroyed;
	uint64_t	 rooms_loaded, rooms_evicted;
	uint64_t	 rate_limited;
	uint64_t	 store_errors;
};

struct mucd {
	struct conf		 conf;
	char			*conf_path;
	bool			 foreground;
	bool			 maintenance;	/* -m: no link, one ctl client */
	struct loop		 loop;
	struct link		 link;
	struct loop_io		 sigio;
	struct loop_timer	 housekeeping;	/* eviction, lock expiry */
	struct loop_timer	 checkpoint;
	struct loop_timer	 arch_prune;	/* archive retention */
	char			*arch_prune_after;	/* its place */
	char			*tomb_sweep_after;	/* tombstone expiry's */
	struct store		*store;
	struct ctl		*ctl;
	struct hmap		 rooms;		/* room JID -> struct room */
	struct hmap		 jid_buckets;	/* bare JID -> rate limits */
	struct hmap		 blocked;	/* service-wide bans
						   (blocklist.c) */
	struct mucd_stats	 stats;
	struct audit		 audit;		/* the request's changes */
	struct ha		 ha;		/* replication (ha.c) */
	time_t			 started;
	int			 exit_code;
	bool			 store_dirty;	/* commits since the last sync */
	bool			 shutting_down;
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
/* Note that the store has uncommitted-to-disk changes (group commit). */
void	 mucd_store_dirty(struct mucd *);
/* Is bare a service admin (owner of every room)? */
bool	 mucd_is_admin(const struct mucd *, const char *bare);
/* Stop after this loop turn with exit status code; occupants are told
 * (status 332) as the daemon finishes. */
void	 mucd_stop(struct mucd *, int code);

#endif
