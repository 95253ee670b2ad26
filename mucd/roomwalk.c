/*
 * roomwalk: the store keeps its rooms in key order, so paging over them is
 * a cursor; temporary rooms live only in the room table, in hash order.
 * A walk sorts the temporary ones once and merges them into the store's
 * order, so a page boundary ("after") means the same in both.
 */
#include "roomwalk.h"

#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "store.h"

struct walk {
	struct mucd	 *m;
	struct room	**mem;		/* temporary rooms, by JID */
	size_t		  nmem, mi;
	int		(*visit)(void *, const struct room_view *);
	void		 *arg;
	int		  stop;
};

static int
cmp_room(const void *a, const void *b)
{
	return strcmp((*(struct room *const *)a)->jid,
	    (*(struct room *const *)b)->jid);
}

static int
visit_loaded(struct walk *w, const struct room *r)
{
	struct room_view v = { r->jid, &r->cfg, r, r->last_used };

	return w->stop = w->visit(w->arg, &v);
}

/* The temporary rooms that sort before bound (NULL: all that remain). */
static int
visit_mem_before(struct walk *w, const char *bound)
{
	while (!w->stop && w->mi < w->nmem && (bound == NULL ||
	    strcmp(w->mem[w->mi]->jid, bound) < 0))
		visit_loaded(w, w->mem[w->mi++]);
	return w->stop;
}

static int
visit_stored(void *arg, const char *jid, const char *json)
{
	struct walk *w = arg;
	struct room_record rec;
	struct room_view v;
	struct room *r;
	char err[128];

	if (visit_mem_before(w, jid))
		return 1;
	/* A loaded room's memory and its record agree (every change is
	 * stored), but memory also knows the occupants. */
	if ((r = room_find_loaded(w->m, jid)) != NULL)
		return visit_loaded(w, r);
	if (roomrec_decode(&rec, &w->m->conf, json, err, sizeof(err)) == -1) {
		log_warn("room %s: stored record unreadable: %s", jid, err);
		return 0;
	}
	v = (struct room_view){ jid, &rec.cfg, NULL, rec.last_used };
	w->stop = w->visit(w->arg, &v);
	roomrec_free(&rec);
	return w->stop;
}

static int
collect_temporary(struct walk *w, const char *after, bool public_only)
{
	struct room *r;
	const char *k;
	size_t i;

	w->mem = calloc(hmap_count(&w->m->rooms) + 1, sizeof(*w->mem));
	if (w->mem == NULL)
		return -1;
	for (i = 0; hmap_next(&w->m->rooms, &i, &k, (void **)&r); ) {
		if (r->stored || (public_only && !r->cfg.public))
			continue;
		if (after == NULL || strcmp(r->jid, after) > 0)
			w->mem[w->nmem++] = r;
	}
	qsort(w->mem, w->nmem, sizeof(*w->mem), cmp_room);
	return 0;
}

int
room_walk(struct mucd *m, const char *after, bool public_only,
    int (*visit)(void *, const struct room_view *), void *arg)
{
	struct walk w = { .m = m, .visit = visit, .arg = arg };
	int rc = 0;

	if (collect_temporary(&w, after, public_only) == -1)
		return -1;
	if (m->store != NULL && (public_only ? store_public_iter :
	    store_room_iter)(m->store, after, visit_stored, &w) < 0)
		rc = -1;
	else
		visit_mem_before(&w, NULL);
	free(w.mem);
	return rc;
}
