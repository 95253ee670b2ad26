/*
 * retention: the archive's limits enforced a bounded batch at a time
 * (RETENTION_BATCH deletions per run, every RETENTION_MS), round-robin
 * over the rooms with an archive, never as one long sweep: records below
 * a room's purge floor or past its age, then its excess over its count;
 * then what remains of dropped archives.
 */
#include "retention.h"

#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "roomcfg.h"
#include "store.h"


struct prune {
	struct mucd	*m;
	struct store_txn *txn;
	size_t		 budget;	/* deletions left in this batch */
	char		*next;		/* the room to start from next time */
	bool		 failed;
};

/* The retention that applies to a room: its own settings if it is in
 * memory or stored, the service's otherwise. */
static void
room_limits(struct mucd *m, const char *room, struct room_config *cfg)
{
	struct room *r = room_find_loaded(m, room);
	struct room_record rec;
	char *json, err[64];

	roomcfg_defaults(cfg, &m->conf);
	if (r != NULL) {
		cfg->archive_days = r->cfg.archive_days;
		cfg->archive_messages = r->cfg.archive_messages;
		return;
	}
	if (store_room_get(m->store, room, &json) != STORE_OK)
		return;
	if (roomrec_decode(&rec, &m->conf, json, err, sizeof(err)) == 0) {
		cfg->archive_days = rec.cfg.archive_days;
		cfg->archive_messages = rec.cfg.archive_messages;
		roomrec_free(&rec);
	}
	free(json);
}

/*
 * What goes from one room, oldest first: records below its floor or past
 * its age limit, then as many as it holds over its count limit.
 */
static int
prune_room(void *arg, const char *room, const struct store_arch_room *entry)
{
	struct prune *p = arg;
	struct store_arch_room ar = *entry;
	struct room_config cfg;
	uint64_t age, keep, cut = ar.floor;
	struct room *r;
	size_t n = 0, m = 0;

	room_limits(p->m, room, &cfg);
	if ((age = archive_age_cut(p->m, &cfg)) > cut)
		cut = age;
	keep = archive_keep(p->m, &cfg);
	roomcfg_free(&cfg);
	if (cut > 0 && store_arch_trim(p->txn, room, &ar, cut, p->budget,
	    &n) != STORE_OK)
		goto fail;
	p->budget -= n;
	if (keep > 0 && ar.count > keep && p->budget > 0 &&
	    store_arch_trim(p->txn, room, &ar, UINT64_MAX,
	    ar.count - keep < p->budget ? ar.count - keep : p->budget,
	    &m) != STORE_OK)
		goto fail;
	p->budget -= m;
	/* A room in memory writes its entry back with its next message. */
	if ((r = room_find_loaded(p->m, room)) != NULL &&
	    r->arch_state == ARCH_LOADED)
		r->arch = ar;
	if (p->budget == 0) {
		free(p->next);
		p->next = strdup(room);
		return 1;
	}
	return 0;
fail:
	p->failed = true;
	return 1;
}

/* The batch failed after rooms in memory took its counts: they read
 * their entries again. */
static void
forget_entries(struct mucd *m)
{
	struct room *r;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		r->arch_state = ARCH_UNKNOWN;
}

void
retention_run(struct mucd *m)
{
	struct prune p = { m, NULL, RETENTION_BATCH, NULL, false };
	size_t reaped;
	char *after = m->arch_prune_after;

	if (m->store == NULL || store_begin(m->store, &p.txn) != STORE_OK)
		return;
	m->arch_prune_after = NULL;
	if (store_arch_room_iter(m->store, after, prune_room, &p) != STORE_OK)
		p.failed = true;
	/* A full round done: start over next time. */
	m->arch_prune_after = p.next;
	free(after);
	if (!p.failed && p.budget > 0 &&
	    store_arch_reap(p.txn, p.budget, &reaped) != STORE_OK)
		p.failed = true;
	if (p.failed) {
		store_abort(p.txn);
		log_error("archive retention: %s", store_errmsg(m->store));
		forget_entries(m);
		return;
	}
	if (store_commit(p.txn) != STORE_OK) {
		log_error("archive retention: %s", store_errmsg(m->store));
		forget_entries(m);
		return;
	}
	mucd_store_dirty(m);
}
