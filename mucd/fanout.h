/*
 * fanout: one serialized stanza to many recipients, the way every
 * broadcast leaves mucd. Without a multicast service (multicast.c) each
 * recipient gets a copy, the stanza with its ' to=' spliced in. With one,
 * recipients are gathered into stanzas addressed to the service, each
 * carrying as XEP-0033 bcc addresses (or in the compact form of
 * multicast.h, where the service has it) up to the service's limit of them
 * (multicast_limit; and no more than MC_ADDRESS_BYTES of addresses, or
 * than max_stanza_out leaves room for), and the server makes the copies:
 * the link carries one stanza per batch instead of one per recipient. A
 * batch of one is sent as a plain copy.
 *
 * fanout_add sends a batch as soon as it is full, fanout_end the rest. A
 * broadcast is added in one go, so a recipient's stanzas keep their order.
 * The serialized stanza and every recipient's attribute must outlive the
 * fan-out; nothing is copied but the addresses.
 */
#ifndef MUCD_FANOUT_H
#define MUCD_FANOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct mucd;

struct fanout {
	struct mucd	*m;
	const char	*ser;		/* the stanza, for the component ns */
	size_t		 len;
	size_t		 split;		/* just after its element name */
	unsigned	 max;		/* addresses a stanza; 0: per copy */
	bool		 compact;	/* addresses as NS_MUCD_BCC */
	size_t		 room;		/* bytes of addresses a stanza */
	unsigned	 n;		/* addresses in addrs */
	const char	*first;		/* the first of them: alone, it gets
					   a plain copy */
	size_t		 first_len;
	struct buf	 addrs;		/* <address/> elements */
};

void	 fanout_begin(struct fanout *, struct mucd *, const char *ser,
	    size_t len, size_t split);
/*
 * One recipient: its full JID and the attribute spliced into its copy,
 * exactly " to='JID'" with the JID escaped (struct session's to_attr); a
 * multicast address reuses the quoted value. The sender of the stanza
 * mucd is handling (struct mucd's sender) always gets a plain copy, in
 * order with the answer that follows.
 */
void	 fanout_add(struct fanout *, const char *jid, const char *to_attr,
	    size_t len);
/* Send what is pending; the fan-out may then be dropped. */
void	 fanout_end(struct fanout *);

#endif
