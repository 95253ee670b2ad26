#include "ratelimit.h"

#include "loop.h"
#include "mucd.h"
#include "room.h"

bool
ratelimit_take(struct mucd *m, struct bucket *b, unsigned rate)
{
	uint64_t now = loop_now_ms();
	double burst = m->conf.rate_burst;

	if (rate == 0)
		return true;
	if (b->last_ms == 0)
		b->tokens = burst;
	else
		b->tokens += (double)(now - b->last_ms) * rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last_ms = now;
	if (b->tokens < 1.0) {
		m->stats.rate_limited++;
		return false;
	}
	b->tokens -= 1.0;
	return true;
}
