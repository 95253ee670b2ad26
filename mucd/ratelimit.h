/*
 * ratelimit: token buckets for per-occupant message, presence and IQ
 * rates (mucd.conf rate_*). Excess gets an error reply, never silence.
 */
#ifndef MUCD_RATELIMIT_H
#define MUCD_RATELIMIT_H

#include <stdbool.h>

struct mucd;
struct bucket;

/* Take one token at `rate` per second (burst from the config); 0 means
 * unlimited. False when the bucket is empty. */
bool	 ratelimit_take(struct mucd *, struct bucket *, unsigned rate);

#endif
