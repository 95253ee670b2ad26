/*
 * iqproxy: IQs addressed to occupants (room@service/nick), relayed
 * between occupants without revealing real JIDs (XEP-0045 §7.6 / 6.7),
 * and MUC self-pings (XEP-0410).
 *
 * A relayed request carries an id that encodes who asked and a MAC of the
 * session it went to, so the reply finds its way back and nobody can
 * forge one for another session.
 */
#ifndef MUCD_IQPROXY_H
#define MUCD_IQPROXY_H

struct mucd;
struct room;
struct jid;
struct xnode;

void	 iq_to_occupant(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from, const char *nick);

#endif
