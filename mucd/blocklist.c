#include "blocklist.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mucd.h"
#include "store.h"

static void
block_free(struct block *b)
{
	free(b->jid);
	free(b->reason);
	free(b->actor);
	free(b);
}

const struct block *
blocklist_get(const struct mucd *m, const char *jid)
{
	return hmap_get(&m->blocked, jid);
}

bool
blocklist_bans(const struct mucd *m, const char *bare)
{
	const char *at;

	if (hmap_count(&m->blocked) == 0)
		return false;
	if (hmap_get(&m->blocked, bare) != NULL)
		return true;
	return (at = strchr(bare, '@')) != NULL &&
	    hmap_get(&m->blocked, at + 1) != NULL;
}

int
blocklist_put(struct mucd *m, const char *jid, const char *reason,
    const char *actor, long long when)
{
	struct block *b;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->jid = strdup(jid)) == NULL ||
	    (reason != NULL && *reason != '\0' &&
	    (b->reason = strdup(reason)) == NULL) ||
	    (b->actor = strdup(actor != NULL ? actor : "")) == NULL) {
		if (b != NULL)
			block_free(b);
		return -1;
	}
	b->when = when;
	blocklist_del(m, jid);
	if (hmap_put(&m->blocked, b->jid, b) == -1) {
		block_free(b);
		return -1;
	}
	return 0;
}

void
blocklist_del(struct mucd *m, const char *jid)
{
	struct block *b = hmap_del(&m->blocked, jid);

	if (b != NULL)
		block_free(b);
}

char *
blocklist_encode(const struct block *b)
{
	json_t *o = json_pack("{s:i,s:s,s:I}", "v", 1, "actor", b->actor,
	    "when", (json_int_t)b->when);
	char *s;

	if (o == NULL)
		return NULL;
	if (b->reason != NULL)
		json_object_set_new(o, "reason", json_string(b->reason));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

struct loading {
	struct mucd	*m;
	bool		 failed;
};

static int
load_one(void *arg, const char *jid, const char *json)
{
	struct loading *l = arg;
	json_t *o = json_loads(json, 0, NULL);

	/* A record that does not decode still bans: losing a ban to a
	 * damaged byte would let someone in. */
	if (blocklist_put(l->m, jid, json_string_value(json_object_get(o,
	    "reason")), json_string_value(json_object_get(o, "actor")),
	    json_integer_value(json_object_get(o, "when"))) == -1)
		l->failed = true;
	json_decref(o);
	return l->failed;
}

int
blocklist_load(struct mucd *m, char *err, size_t errlen)
{
	struct loading l = { m, false };

	if (m->store == NULL)
		return 0;
	if (store_block_iter(m->store, NULL, load_one, &l) != STORE_OK) {
		snprintf(err, errlen, "loading the service's ban list: %s",
		    store_errmsg(m->store));
		return -1;
	}
	if (l.failed) {
		snprintf(err, errlen, "loading the service's ban list: out "
		    "of memory");
		return -1;
	}
	return 0;
}

void
blocklist_free(struct mucd *m)
{
	struct block *b;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&m->blocked, &i, &k, (void **)&b); )
		block_free(b);
	hmap_free(&m->blocked);
}
