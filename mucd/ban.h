/*
 * ban: service-wide bans and their lifting, for the control channel and
 * the administrators' ad-hoc commands — stored durably first, then in
 * force at once: everyone banned (the JID, or everyone on the domain) is
 * removed from every room with status 301, as an outcast is. Each change
 * is logged at info with its actor and reason.
 */
#ifndef MUCD_BAN_H
#define MUCD_BAN_H

struct mucd;
struct muc_err;

/*
 * Ban jid (a prepared bare JID or domain) from every room; a ban that
 * exists is replaced (its reason and actor). actor: a full JID, or NULL
 * for the control socket. -1 with *e: a service administrator
 * (not-allowed), storage.
 */
int	 ban_service(struct mucd *, const char *jid, const char *reason,
	    const char *actor, struct muc_err *);
/* Lift it; -1 with *e: not banned (item-not-found), storage. */
int	 unban_service(struct mucd *, const char *jid, const char *actor,
	    struct muc_err *);

#endif
