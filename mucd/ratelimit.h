/*
 * ratelimit: token buckets for rates set in mucd.conf (rate_messages,
 * rate_presence, rate_iq, with rate_burst). Messages and presence changes
 * are limited per occupant; IQs, room entries and the other messages to
 * a room (invitations, declines, voice requests) per bare JID, in a
 * bounded table pruned by housekeeping. Service admins are exempt from
 * the per-JID limits. Excess gets an error reply, never silence.
 */
#ifndef MUCD_RATELIMIT_H
#define MUCD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct mucd;

/* A token bucket; zeroed is full (refilled on first use). */
struct bucket {
	double		 tokens;
	uint64_t	 last_ms;
};

enum rate_kind { RATE_MESSAGE, RATE_PRESENCE, RATE_IQ };

/* Take one token from b at `rate` per second; 0 means unlimited. */
bool	 ratelimit_take(struct mucd *, struct bucket *, unsigned rate);
/*
 * Take cost tokens from b, which refills at rate per second up to burst;
 * rate 0 means unlimited. A cost over the burst passes on a full bucket
 * and leaves it in debt, so it is slowed to the rate instead of refused
 * for ever.
 */
bool	 ratelimit_spend(struct mucd *, struct bucket *, double rate,
	    double burst, double cost);
/* Take one token of `kind` from bare's per-JID bucket. */
bool	 ratelimit_jid(struct mucd *, const char *bare, enum rate_kind);
/* Forget idle per-JID buckets (full again, not used for a while). */
void	 ratelimit_prune(struct mucd *);
void	 ratelimit_free(struct mucd *);

#endif
