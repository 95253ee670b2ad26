#include "tombstone.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

#define TOMB_OWNERS_MAX	64	/* owners remembered, at most */
#define SWEEP_SCAN	256	/* tombstones looked at per sweep */

/*
 * Record (version 1): {"v":1,"destroyed":t,"expires":t,"reason":"...",
 * "alternate":"...","owners":["bare",...]}; reason and alternate only
 * when given.
 */
static char *
encode(const struct room *r, const char *alt, const char *reason,
    long long now, long long expires)
{
	json_t *o, *owners;
	const struct affil *a;
	const char *k;
	size_t i;
	char *s;

	o = json_pack("{s:i,s:I,s:I,s:[]}", "v", 1, "destroyed",
	    (json_int_t)now, "expires", (json_int_t)expires, "owners");
	if (o == NULL)
		return NULL;
	owners = json_object_get(o, "owners");
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a) &&
	    json_array_size(owners) < TOMB_OWNERS_MAX; )
		if (a->aff == AFF_OWNER)
			json_array_append_new(owners, json_string(a->bare));
	if (reason != NULL && *reason != '\0')
		json_object_set_new(o, "reason", json_string(reason));
	if (alt != NULL)
		json_object_set_new(o, "alternate", json_string(alt));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int
tombstone_put(struct room *r, struct store_txn *txn, const char *alt,
    const char *reason)
{
	unsigned ttl = r->mucd->conf.tombstone_expiry;
	long long now = (long long)time(NULL);
	char *json;
	int rc;

	if (txn == NULL || ttl == 0 || !r->cfg.persistent)
		return STORE_OK;
	if ((json = encode(r, alt, reason, now, now + ttl)) == NULL)
		return STORE_ERR;
	rc = store_tomb_put(txn, r->jid, json);
	free(json);
	return rc;
}

/* The view of a record; *o holds its strings. -1 if it does not decode
 * (a damaged record is treated as absent, and swept). */
static int
decode(const char *room, const char *json, const char *asker,
    struct tomb_view *v, json_t **o)
{
	json_t *owner;
	size_t i;

	memset(v, 0, sizeof(*v));
	if ((*o = json_loads(json, 0, NULL)) == NULL)
		return -1;
	if (!json_is_integer(json_object_get(*o, "expires"))) {
		json_decref(*o);
		return -1;
	}
	v->room = room;
	v->reason = json_string_value(json_object_get(*o, "reason"));
	v->alternate = json_string_value(json_object_get(*o, "alternate"));
	v->destroyed = json_integer_value(json_object_get(*o, "destroyed"));
	v->expires = json_integer_value(json_object_get(*o, "expires"));
	json_array_foreach(json_object_get(*o, "owners"), i, owner)
		if (asker != NULL && json_is_string(owner) &&
		    strcmp(json_string_value(owner), asker) == 0)
			v->owner = true;
	return 0;
}

/* Entering, which for a former owner or an administrator re-creates. */
static bool
recreates(struct mucd *m, const struct xnode *st, const struct jid *from,
    const struct jid *to, const struct tomb_view *v)
{
	return x_is(st, "presence", NULL) && *st_type(st) == '\0' &&
	    jid_has_resource(to) && x_child(st, "x", NS_MUC) != NULL &&
	    (v->owner || mucd_is_admin(m, from->bare));
}

/* Prosody's answer: cancel/gone, the reason as text, by the service. */
static void
send_gone(struct mucd *m, const struct xnode *st, const struct tomb_view *v)
{
	struct xnode *e, *gone;
	char uri[JID_MAX + 16];

	if ((e = st_error(st, ERR_CANCEL, "gone", v->reason,
	    m->conf.domain)) == NULL)
		return;
	if (v->alternate != NULL && (gone = x_child(x_child(e, "error", NULL),
	    "gone", NS_STANZAS)) != NULL) {
		snprintf(uri, sizeof(uri), "xmpp:%s?join", v->alternate);
		x_add_text(gone, uri);
	}
	mucd_error_sent(m, "gone");
	mucd_send_free(m, e);
}

int
tombstone_forget(struct mucd *m, const char *room)
{
	struct store_txn *txn;
	int rc;

	if (m->store == NULL)
		return STORE_NOTFOUND;
	if ((rc = store_begin(m->store, &txn)) != STORE_OK)
		return rc;
	audit_note(m, room, "tombstone.forget", NULL, NULL, NULL, NULL);
	if ((rc = store_tomb_del(txn, room)) != STORE_OK) {
		store_abort(txn);
		audit_discard(m);
		return rc;
	}
	if ((rc = audit_commit(m, txn)) != STORE_OK)
		return rc;
	mucd_store_dirty(m);
	return STORE_OK;
}

bool
tombstone_answer(struct mucd *m, const struct xnode *st,
    const struct jid *from, const struct jid *to)
{
	struct tomb_view v;
	char *json;
	json_t *o;
	bool answered = true;
	int rc;

	if (m->store == NULL)
		return false;
	if ((rc = store_tomb_get(m->store, to->bare, &json)) != STORE_OK) {
		if (rc < 0)
			log_error("tombstone of %s: %s", to->bare,
			    store_errmsg(m->store));
		return false;
	}
	if (decode(to->bare, json, from->bare, &v, &o) == -1) {
		free(json);
		return false;
	}
	free(json);
	if (v.expires <= (long long)time(NULL))
		answered = false;
	else if (recreates(m, st, from, to, &v)) {
		if ((rc = tombstone_forget(m, to->bare)) < 0) {
			log_error("tombstone of %s: %s", to->bare,
			    store_errmsg(m->store));
			st_send_error(m, st, ERR_WAIT, "internal-server-error",
			    NULL, m->conf.domain);
		} else {
			log_info("room %s: re-created by %s over its "
			    "tombstone", to->bare, from->full);
			answered = false;
		}
	} else if (strcmp(st_type(st), "error") != 0 &&
	    !(strcmp(st->name, "presence") == 0 &&
	    strcmp(st_type(st), "unavailable") == 0))
		/* Leaving a room that is gone needs no answer: a client
		 * that was told at its join would be told twice. */
		send_gone(m, st, &v);
	json_decref(o);
	return answered;
}

struct each {
	int		(*cb)(void *, const struct tomb_view *);
	void		*arg;
};

static int
each_one(void *arg, const char *room, const char *json)
{
	struct each *e = arg;
	struct tomb_view v;
	json_t *o;
	int stop;

	if (decode(room, json, NULL, &v, &o) == -1)
		return 0;
	stop = e->cb(e->arg, &v);
	json_decref(o);
	return stop;
}

int
tombstone_each(struct mucd *m, const char *after,
    int (*cb)(void *, const struct tomb_view *), void *arg)
{
	struct each e = { cb, arg };

	if (m->store == NULL)
		return STORE_OK;
	return store_tomb_iter(m->store, after, each_one, &e);
}

struct sweep {
	struct store_txn *txn;
	long long	 now;
	unsigned	 seen, deleted;
	char		*last;		/* where the next sweep starts */
	bool		 failed;
};

static int
sweep_one(void *arg, const char *room, const char *json)
{
	struct sweep *s = arg;
	struct tomb_view v;
	json_t *o = NULL;

	if (decode(room, json, NULL, &v, &o) == -1 || v.expires <= s->now) {
		if (store_tomb_del(s->txn, room) < 0) {
			s->failed = true;
			json_decref(o);
			return 1;
		}
		s->deleted++;
	}
	json_decref(o);
	if (++s->seen < SWEEP_SCAN)
		return 0;
	free(s->last);
	s->last = strdup(room);
	return 1;
}

void
tombstone_sweep(struct mucd *m)
{
	struct sweep s = { NULL, (long long)time(NULL), 0, 0, NULL, false };
	char *after = m->tomb_sweep_after;

	if (m->store == NULL || store_begin(m->store, &s.txn) != STORE_OK)
		return;
	m->tomb_sweep_after = NULL;
	if (store_tomb_iter(m->store, after, sweep_one, &s) != STORE_OK)
		s.failed = true;
	free(after);
	/* Past the last one: the next sweep starts over. */
	m->tomb_sweep_after = s.last;
	if (s.failed || s.deleted == 0) {
		store_abort(s.txn);
		if (s.failed)
			log_error("tombstones: %s", store_errmsg(m->store));
		return;
	}
	if (store_commit(s.txn) != STORE_OK) {
		log_error("tombstones: %s", store_errmsg(m->store));
		return;
	}
	mucd_store_dirty(m);
	log_debug("tombstones: %u expired ones deleted", s.deleted);
}
