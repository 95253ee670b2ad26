#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "mucd.h"
#include "room.h"

#define JID_TABLE_MAX	65536	/* per-JID buckets kept at most */
#define JID_IDLE_MS	60000	/* a bucket unused this long is full again */

struct jid_bucket {
	char		*bare;
	struct bucket	 b[3];
	uint64_t	 last_ms;
};

static unsigned
rate_of(const struct mucd *m, enum rate_kind k)
{
	switch (k) {
	case RATE_MESSAGE:	return m->conf.rate_messages;
	case RATE_PRESENCE:	return m->conf.rate_presence;
	case RATE_IQ:		return m->conf.rate_iq;
	}
	return 0;
}

bool
ratelimit_spend(struct mucd *m, struct bucket *b, double rate, double burst,
    double cost)
{
	uint64_t now = loop_now_ms();

	if (rate <= 0)
		return true;
	if (b->last_ms == 0)
		b->tokens = burst;
	else
		b->tokens += (double)(now - b->last_ms) * rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->last_ms = now;
	if (b->tokens < cost && b->tokens < burst) {
		m->stats.rate_limited++;
		return false;
	}
	b->tokens -= cost;
	return true;
}

bool
ratelimit_take(struct mucd *m, struct bucket *b, unsigned rate)
{
	return ratelimit_spend(m, b, rate, m->conf.rate_burst, 1.0);
}

static struct jid_bucket *
lookup(struct mucd *m, const char *bare)
{
	struct jid_bucket *jb = hmap_get(&m->jid_buckets, bare);

	if (jb != NULL)
		return jb;
	if (hmap_count(&m->jid_buckets) >= JID_TABLE_MAX) {
		ratelimit_prune(m);
		if (hmap_count(&m->jid_buckets) >= JID_TABLE_MAX)
			return NULL;
	}
	if ((jb = calloc(1, sizeof(*jb))) == NULL ||
	    (jb->bare = strdup(bare)) == NULL ||
	    hmap_put(&m->jid_buckets, jb->bare, jb) == -1) {
		if (jb != NULL)
			free(jb->bare);
		free(jb);
		return NULL;
	}
	return jb;
}

bool
ratelimit_jid(struct mucd *m, const char *bare, enum rate_kind k)
{
	unsigned rate = rate_of(m, k);
	struct jid_bucket *jb;

	if (rate == 0 || mucd_is_admin(m, bare))
		return true;
	/* The table is full of active senders: let this one through rather
	 * than refuse everybody new; the per-occupant limits still apply. */
	if ((jb = lookup(m, bare)) == NULL)
		return true;
	jb->last_ms = loop_now_ms();
	return ratelimit_take(m, &jb->b[k], rate);
}

void
ratelimit_prune(struct mucd *m)
{
	uint64_t now = loop_now_ms();
	struct jid_bucket *jb, **old;
	const char *k;
	size_t i, n = 0;

	if (hmap_count(&m->jid_buckets) == 0 ||
	    (old = calloc(hmap_count(&m->jid_buckets), sizeof(*old))) == NULL)
		return;
	for (i = 0; hmap_next(&m->jid_buckets, &i, &k, (void **)&jb); )
		if (now - jb->last_ms > JID_IDLE_MS)
			old[n++] = jb;
	for (i = 0; i < n; i++) {
		hmap_del(&m->jid_buckets, old[i]->bare);
		free(old[i]->bare);
		free(old[i]);
	}
	free(old);
}

void
ratelimit_free(struct mucd *m)
{
	struct jid_bucket *jb;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&m->jid_buckets, &i, &k, (void **)&jb); ) {
		free(jb->bare);
		free(jb);
	}
	hmap_free(&m->jid_buckets);
}
