/*
 * multicast: the XMPP server's XEP-0033 multicast service, through which
 * a broadcast leaves as one stanza per batch of recipients instead of one
 * per recipient (fanout.c does the sending). This file finds the service
 * and decides whether it may be used.
 *
 * The `multicast` key says where to look: `auto` asks each of
 * local_domains (disco#info) whether it offers the feature
 * http://jabber.org/protocol/address, and the services each one lists
 * (disco#items, then disco#info on each item); a JID names the service;
 * `no` never uses one. This happens every time the link comes up and
 * when the configuration is reloaded.
 *
 * A service found is not trusted on its word. Before one broadcast goes
 * through it, mucd sends it one message and one presence, each addressed
 * (bcc) to as many of mucd's own addresses as a broadcast may carry —
 * multicast_max_addresses, or the service's own limit when it advertises
 * a lower one (XEP-0128 fields "message" and "presence") — and uses it
 * only when every copy comes back, without the addresses. So a service
 * that refuses this component (an access rule, the Prosody module's list
 * of senders), that accepts fewer addresses than mucd would send, or
 * that would show each recipient the others' addresses, is never used.
 * Until a service passes, and whenever none does, broadcasts go out one
 * copy per recipient, exactly as without one.
 *
 * A service that also lists the feature NS_MUCD_BCC (mucd's Prosody
 * module does) takes the recipients in a more compact form than
 * XEP-0033's <address/> elements: their JIDs, each followed by a line
 * feed, as the text of one <bcc xmlns=NS_MUCD_BCC/> element (a JID has
 * no control characters, so a line feed cannot be part of one). Every
 * recipient is a bcc one, as mucd's always are. The server then builds
 * no element per recipient: through Prosody, the XEP-0033 form costs
 * about 440 bytes of garbage per address, which its garbage collector
 * pays for on every copy. mucd checks such a service with that form and
 * then uses it; any other service gets XEP-0033.
 *
 * If the service in use refuses a stanza later on (its configuration
 * changed under mucd), mucd stops using it until the link is established
 * again or the configuration reloaded, and logs it as an error: the
 * recipients of that stanza did not get it.
 */
#ifndef MUCD_MULTICAST_H
#define MUCD_MULTICAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "xml.h"

struct mucd;

#define NS_ADDRESS	"http://jabber.org/protocol/address"
#define NS_MUCD_BCC	"urn:x-mucd:bcc:0"

/* Disco requests of one discovery: the domains, their items. */
#define MC_MAX_QUERIES	32
/* How long the server has to answer the requests, then the check. */
#define MC_TIMEOUT_MS	10000
/* Most bytes of addresses in one stanza, whatever the service's limit:
 * with the stanza they go with, well within what servers accept from a
 * component (Prosody: 512 KiB; a client's stanza: 256 KiB). The check
 * sends no more, and a service is used for no more addresses than it
 * was checked with. */
#define MC_ADDRESS_BYTES	(64 * 1024)

enum mc_state {
	MC_OFF,		/* multicast = no, or the link is down */
	MC_DISCOVERING,	/* asking the server */
	MC_CHECKING,	/* sending the service its check */
	MC_ACTIVE,	/* broadcasts go through the service */
	MC_NONE		/* no usable service: one copy per recipient */
};

struct mc_query {
	char		*jid;		/* whom it asks */
	bool		 items;		/* disco#items, else disco#info */
	bool		 answered;
	bool		 offers;	/* info: the service has the feature */
	bool		 compact;	/* ... and NS_MUCD_BCC */
	bool		 tried;		/* checked already in this round */
	unsigned	 lim_message;	/* advertised limits, 0: none */
	unsigned	 lim_presence;
};

struct mc_stats {
	uint64_t	 rounds;	/* discoveries started */
	uint64_t	 stanzas;	/* multicast stanzas sent */
	uint64_t	 addresses;	/* the copies the server made of them */
	uint64_t	 refusals;	/* stanzas the service in use refused */
};

struct multicast {
	enum mc_state	 state;
	char		 why[512];	/* the outcome, for logs and status */
	char		 tag[17];	/* this round's, in ids and addresses */
	struct mc_query	 q[MC_MAX_QUERIES];
	unsigned	 nq;
	char		*service;	/* the service checked or in use */
	char		*to_attr;	/* " to='service'", escaped */
	size_t		 to_len;
	bool		 compact;	/* addresses as NS_MUCD_BCC */
	unsigned	 max_message;	/* addresses per stanza, when active */
	unsigned	 max_presence;
	unsigned char	*seen;		/* the check's copies, a bit each */
	unsigned	 got;		/* how many came back */
	struct loop_timer timer;
	struct mc_stats	 stats;
};

void		 multicast_init(struct mucd *);
/* Find a service and check it (link up, configuration reloaded). */
void		 multicast_start(struct mucd *);
/* Stop using one (link down, shutdown); frees what discovery holds. */
void		 multicast_stop(struct mucd *);
/*
 * A stanza from the server that belongs to discovery: answers to its
 * requests, the check's copies (addressed to mucd's own domain, so
 * before the router drops them as such), refusals from the service.
 * True when it was one (the caller frees it, nothing else sees it).
 */
bool		 multicast_stanza(struct mucd *, struct xnode *);
/* Addresses a multicast stanza of this kind may carry; 0: send per copy. */
unsigned	 multicast_limit(const struct mucd *, bool presence);
/* A multicast stanza with n addresses went out. */
void		 multicast_sent(struct mucd *, unsigned n);
const char	*multicast_state_name(enum mc_state);

#endif
