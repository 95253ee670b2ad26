#include "slowmode.h"

#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "room.h"

#define PRUNE_SLACK	16	/* entries past twice the occupants */

struct last_msg {
	char		*bare;
	uint64_t	 at;	/* monotonic ms */
};

static void
entry_free(struct last_msg *e)
{
	free(e->bare);
	free(e);
}

/* Drop the entries whose wait is over: they would let nobody less. */
static void
prune(struct room *r, uint64_t now, uint64_t interval)
{
	struct last_msg *e, **old;
	const char *k;
	size_t i, n = 0;

	if ((old = calloc(hmap_count(&r->slow), sizeof(*old))) == NULL)
		return;
	for (i = 0; hmap_next(&r->slow, &i, &k, (void **)&e); )
		if (now - e->at >= interval)
			old[n++] = e;
	for (i = 0; i < n; i++) {
		hmap_del(&r->slow, old[i]->bare);
		entry_free(old[i]);
	}
	free(old);
}

/* A new entry; NULL on OOM (the message then goes through: a failure
 * to count is not the sender's fault). */
static struct last_msg *
add(struct room *r, const char *bare, uint64_t now, uint64_t interval)
{
	struct last_msg *e;

	if (hmap_count(&r->slow) >= 2 * hmap_count(&r->occupants) + PRUNE_SLACK)
		prune(r, now, interval);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->bare = strdup(bare)) == NULL ||
	    hmap_put(&r->slow, e->bare, e) == -1) {
		if (e != NULL)
			free(e->bare);
		free(e);
		return NULL;
	}
	return e;
}

unsigned
slowmode_wait(struct room *r, const struct occupant *o)
{
	uint64_t now = loop_now_ms(), interval = r->cfg.slow_mode * 1000ULL;
	struct last_msg *e;

	if (r->cfg.slow_mode == 0 || o->role >= ROLE_MODERATOR)
		return 0;
	e = hmap_get(&r->slow, o->bare);
	if (e != NULL && now - e->at < interval)
		return (unsigned)((interval - (now - e->at) + 999) / 1000);
	if (e == NULL)
		e = add(r, o->bare, now, interval);
	if (e != NULL)
		e->at = now;
	return 0;
}

void
slowmode_free(struct room *r)
{
	struct last_msg *e;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->slow, &i, &k, (void **)&e); )
		entry_free(e);
	hmap_free(&r->slow);
}
