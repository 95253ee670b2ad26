/*
 * ctlapply: rooms as code. room.apply makes one room what a document
 * says (mucctl(8), "ROOMS AS CODE"): its settings, subject, affiliations
 * with reserved nicks and reasons. It plans first — every field checked,
 * the changes listed — and, unless it is a dry run, makes them in one
 * transaction, through the code an owner's request takes (the same rules,
 * audit notes, presence and notices once stored). room.export writes the
 * same document from the rooms as they are.
 */
#include "ctlreq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "audit.h"
#include "ctlargs.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "owner.h"
#include "room.h"
#include "roomcfg.h"
#include "roomwalk.h"
#include "stanza.h"
#include "store.h"
#include "subject.h"

#define ROOMS_FORMAT		"mucd-rooms/1"
#define EXPORT_DEFAULT		100
#define EXPORT_MAX		1000
/* Without max_rooms, what one file may name. */
#define APPLY_MAX_ROOMS		50000

struct plan {
	struct req		*q;
	const char		*jid;
	struct room		*r;		/* the room, or a new one */
	bool			 create;
	bool			 prune;
	struct room_config	 cfg;		/* what it will be */
	bool			 cfg_changed;
	bool			 subj_changed;
	char			*subject;	/* NULL: none */
	struct aff_change	*affs;
	size_t			 naffs;
	char			(*nicks)[JID_PART_MAX + 1];
	json_t			*changes;
};

static bool
same(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL || *b == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

static void
change(struct plan *p, const char *what, const char *target, const char *old,
    const char *new)
{
	json_array_append_new(p->changes, json_pack("{s:s,s:s?,s:s?,s:s?}",
	    "what", what, "target", target, "old", old && *old ? old : NULL,
	    "new", new && *new ? new : NULL));
}

/* A refusal naming the room and the field. */
static int
bad(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
bad(struct plan *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	req_fail(p->q, CTL_E_BAD_REQUEST, "%s: %s", p->jid, msg);
	return -1;
}

static int
known_keys(struct plan *p, json_t *o, const char *const *keys,
    const char *where)
{
	const char *k;
	json_t *v;
	int i;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return bad(p, "%sunknown field '%s'", where, k);
	}
	return 0;
}

/* ---- settings ---- */

static int
plan_config(struct plan *p, json_t *spec)
{
	json_t *wrap, *cfg = json_object_get(spec, "config");
	char a[4096], b[4096], err[512];
	int i, rc;

	if (roomcfg_copy(&p->cfg, &p->r->cfg) == -1) {
		req_fail(p->q, CTL_E_INTERNAL, "out of memory");
		return -1;
	}
	if (p->create)
		p->cfg.persistent = true;
	if (cfg != NULL) {
		if ((wrap = json_pack("{s:O}", "config", cfg)) == NULL) {
			req_fail(p->q, CTL_E_INTERNAL, "out of memory");
			return -1;
		}
		rc = ctlargs_config(wrap, &p->cfg, &p->q->m->conf, err,
		    sizeof(err));
		json_decref(wrap);
		if (rc != 0)
			return bad(p, "config: %s", err);
	}
	if (!p->cfg.persistent)
		return bad(p, "config: persistent: rooms as code are "
		    "persistent");
	/* A new room starts from the service's defaults: what differs. */
	for (i = 0; roomcfg_keys[i] != NULL; i++) {
		roomcfg_get(&p->r->cfg, roomcfg_keys[i], a, sizeof(a));
		roomcfg_get(&p->cfg, roomcfg_keys[i], b, sizeof(b));
		if (strcmp(a, b) == 0)
			continue;
		p->cfg_changed = true;
		if (strcmp(roomcfg_keys[i], "password") == 0) {
			snprintf(a, sizeof(a), "%s", p->r->cfg.password ?
			    "(set)" : "");
			snprintf(b, sizeof(b), "%s", p->cfg.password ? "(set)" :
			    "");
		}
		change(p, "config", roomcfg_keys[i], a, b);
	}
	return 0;
}

static int
plan_subject(struct plan *p, json_t *spec)
{
	json_t *v = json_object_get(spec, "subject");
	const char *s = json_string_value(v);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) && !json_is_null(v))
		return bad(p, "subject: a string or null");
	if (s != NULL && strlen(s) > p->q->m->conf.max_subject_length)
		return bad(p, "subject: longer than max_subject_length (%zu)",
		    p->q->m->conf.max_subject_length);
	if (same(p->r->subject.text, s))
		return 0;
	if (s != NULL && *s != '\0' && (p->subject = strdup(s)) == NULL) {
		req_fail(p->q, CTL_E_INTERNAL, "out of memory");
		return -1;
	}
	p->subj_changed = true;
	change(p, "subject", NULL, p->r->subject.text, s);
	return 0;
}

/* ---- affiliations ---- */

static const char *const aff_keys[] = { "jid", "affiliation", "nick",
	"reason", NULL };

/* One entry of the list into c (nick into nick); -1 after replying. */
static int
read_entry(struct plan *p, size_t i, json_t *e, struct aff_change *c,
    char nick[JID_PART_MAX + 1])
{
	const char *jid, *aff, *n, *why;
	char where[64];

	snprintf(where, sizeof(where), "affiliations[%zu]: ", i);
	if (!json_is_object(e))
		return bad(p, "%san object with jid and affiliation", where);
	if (known_keys(p, e, aff_keys, where) == -1)
		return -1;
	jid = json_string_value(json_object_get(e, "jid"));
	aff = json_string_value(json_object_get(e, "affiliation"));
	n = json_string_value(json_object_get(e, "nick"));
	c->reason = json_string_value(json_object_get(e, "reason"));
	if (jid == NULL || jid_prep_bare(jid, c->bare, sizeof(c->bare),
	    &why) == -1)
		return bad(p, "%sjid: '%s' is not a JID", where, jid ? jid :
		    "(none)");
	if (aff == NULL || aff_parse(aff, &c->aff) == -1 || c->aff == AFF_NONE)
		return bad(p, "%saffiliation: '%s' is not owner, admin, member "
		    "or outcast", where, aff ? aff : "(none)");
	if ((json_object_get(e, "nick") && n == NULL &&
	    !json_is_null(json_object_get(e, "nick"))) ||
	    (json_object_get(e, "reason") && c->reason == NULL &&
	    !json_is_null(json_object_get(e, "reason"))))
		return bad(p, "%snick and reason are strings (or null)", where);
	if (n != NULL) {
		if (c->aff == AFF_OUTCAST)
			return bad(p, "%s%s: an outcast has no reserved nick",
			    where, c->bare);
		if (jid_resourceprep(n, nick, JID_PART_MAX + 1, &why) == -1 ||
		    strlen(nick) > p->q->m->conf.max_nick_length)
			return bad(p, "%snick: '%s' is not a valid nick", where,
			    n);
		c->nick = nick;
	}
	return 0;
}

static int
duplicates(struct plan *p, const struct aff_change *c, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			if (strcmp(c[i].bare, c[j].bare) == 0)
				return bad(p, "affiliations: %s is listed "
				    "twice", c[i].bare);
			if (c[i].nick && c[j].nick &&
			    strcmp(c[i].nick, c[j].nick) == 0)
				return bad(p, "affiliations: the nick '%s' is "
				    "given to %s and %s", c[i].nick, c[j].bare,
				    c[i].bare);
		}
	return 0;
}

/* Keep the entry as a change if it changes something, listed. */
static void
diff_entry(struct plan *p, struct aff_change *c)
{
	const struct affil *a = room_affil(p->r, c->bare);
	const char *was = aff_name(a ? a->aff : AFF_NONE);

	if (a != NULL && a->aff == c->aff && same(a->nick, c->nick) &&
	    same(a->reason, c->reason))
		return;
	c->drop_nick = c->nick == NULL && a != NULL && a->nick != NULL;
	if (a == NULL || a->aff != c->aff)
		change(p, "affiliation", c->bare, was, aff_name(c->aff));
	if (!same(a ? a->nick : NULL, c->nick))
		change(p, "nick", c->bare, a ? a->nick : NULL, c->nick);
	if (!same(a ? a->reason : NULL, c->reason))
		change(p, "reason", c->bare, a ? a->reason : NULL, c->reason);
	p->affs[p->naffs++] = *c;
}

static int
cmp_bare(const void *a, const void *b)
{
	return strcmp(((const struct aff_change *)a)->bare,
	    ((const struct aff_change *)b)->bare);
}

/* --prune: everyone the document does not name loses the affiliation. */
static int
plan_prune(struct plan *p, const struct aff_change *named, size_t n)
{
	const struct affil *a;
	const char *k;
	size_t i, j, first = p->naffs;

	for (i = 0; hmap_next(&p->r->affs, &i, &k, (void **)&a); ) {
		for (j = 0; j < n && strcmp(named[j].bare, a->bare) != 0; j++)
			;
		if (j < n)
			continue;
		p->affs[p->naffs] = (struct aff_change){ .aff = AFF_NONE,
		    .drop_nick = true };
		snprintf(p->affs[p->naffs].bare,
		    sizeof(p->affs[p->naffs].bare), "%s", a->bare);
		p->naffs++;
	}
	qsort(p->affs + first, p->naffs - first, sizeof(*p->affs), cmp_bare);
	for (i = first; i < p->naffs; i++)
		change(p, "affiliation", p->affs[i].bare,
		    aff_name(room_affil(p->r, p->affs[i].bare)->aff), "none");
	return 0;
}

static int
plan_affs(struct plan *p, json_t *spec)
{
	json_t *list = json_object_get(spec, "affiliations"), *e;
	struct aff_change *named;
	size_t i, n = json_array_size(list), cap;
	struct muc_err err;

	if (list != NULL && !json_is_array(list))
		return bad(p, "affiliations: a list");
	cap = n + (p->prune ? hmap_count(&p->r->affs) : 0);
	named = calloc(n ? n : 1, sizeof(*named));
	p->affs = calloc(cap ? cap : 1, sizeof(*p->affs));
	p->nicks = calloc(n ? n : 1, sizeof(*p->nicks));
	if (named == NULL || p->affs == NULL || p->nicks == NULL) {
		free(named);
		req_fail(p->q, CTL_E_INTERNAL, "out of memory");
		return -1;
	}
	json_array_foreach(list, i, e)
		if (read_entry(p, i, e, &named[i], p->nicks[i]) == -1) {
			free(named);
			return -1;
		}
	if (duplicates(p, named, n) == -1) {
		free(named);
		return -1;
	}
	for (i = 0; i < n; i++)
		diff_entry(p, &named[i]);
	if (p->prune)
		plan_prune(p, named, n);
	free(named);
	/* The rules an owner's request meets: last owner, nicks held by
	 * others, max_affiliations, service administrators. */
	if (affiliation_check(p->r, NULL, p->affs, p->naffs, &err) == -1)
		return bad(p, "affiliations: %s", err.text ? err.text :
		    err.cond);
	return 0;
}

/* ---- doing it ---- */

/* The new state into the room and the store in one transaction; on a
 * refusal the room is as it was. */
static int
commit(struct plan *p)
{
	struct room *r = p->r;
	struct room_config old = r->cfg;
	struct room_subject osub = r->subject;
	bool became_mo = p->cfg.members_only && !old.members_only;
	unsigned old_bcast = old.presence_broadcast;
	struct store_txn *txn = NULL;
	int codes[3], ncodes = owner_change_codes(&old, &p->cfg, codes), rc;

	if (p->create) {
		if (room_register(r) == -1)
			return STORE_ERR;	/* still ours: plan_free */
		audit_note(p->q->m, r->jid, "create", NULL, NULL, NULL, NULL);
	}
	room_hold(r);
	if (p->cfg_changed)
		owner_note_config(r, &old, &p->cfg);
	if (p->subj_changed)
		audit_note(p->q->m, r->jid, "subject", NULL, osub.text,
		    p->subject, NULL);
	r->cfg = p->cfg;
	if (p->subj_changed) {
		r->subject.text = p->subject;
		r->subject.from = NULL;
		r->subject.time = (long long)time(NULL);
	}
	if ((rc = room_txn_begin(r, &txn)) == STORE_OK && txn != NULL &&
	    !p->create && (p->cfg_changed || p->subj_changed))
		rc = room_store_record(r, txn);
	if (rc == STORE_OK)
		rc = affiliation_store(r, txn, p->affs, p->naffs);
	if (rc != STORE_OK) {
		store_abort(txn);
		audit_discard(p->q->m);
	} else
		rc = room_txn_commit(r, txn);
	if (rc != STORE_OK) {
		/* p keeps what it owned; a new room goes before its release
		 * could take it for an empty temporary one. */
		r->cfg = old;
		r->subject = osub;
		if (p->create) {
			room_forget(r);
			p->r = NULL;
		} else
			room_release(r);
		return rc;
	}
	/* Taken over by the room. */
	memset(&p->cfg, 0, sizeof(p->cfg));
	p->subject = NULL;
	roomcfg_free(&old);
	if (p->subj_changed) {
		free(osub.text);
		free(osub.from);
	}
	if (p->create || p->cfg_changed)
		owner_publish_config(r, old_bcast, became_mo, codes,
		    p->create ? 0 : ncodes);
	if (p->subj_changed && !p->create)
		subject_publish(r);
	affiliation_publish(r, NULL, p->affs, p->naffs);
	room_release(r);
	return STORE_OK;
}

static void
plan_free(struct plan *p)
{
	if (p->create && p->r != NULL)
		room_discard(p->r);
	roomcfg_free(&p->cfg);
	free(p->subject);
	free(p->affs);
	free(p->nicks);
	json_decref(p->changes);
}

/* The file may name at most max_rooms rooms: the service's own bound. */
static int
check_size(struct req *q)
{
	json_t *v = json_object_get(q->args, "of");
	unsigned max = q->m->conf.max_rooms ? q->m->conf.max_rooms :
	    APPLY_MAX_ROOMS;

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		req_fail(q, CTL_E_BAD_REQUEST, "of: a number of rooms");
		return -1;
	}
	if (json_integer_value(v) > max) {
		req_fail(q, CTL_E_TOO_LARGE, "the file names %lld rooms; one "
		    "file may name at most %u (max_rooms)",
		    (long long)json_integer_value(v), max);
		return -1;
	}
	return 0;
}

static const char *const room_keys[] = { "jid", "config", "subject",
	"affiliations", NULL };

/* Find or make the room the spec names; -1 after replying. */
static int
plan_room(struct plan *p, json_t *spec, char *jid, size_t jidlen)
{
	const char *s = json_string_value(json_object_get(spec, "jid"));
	bool failed;

	p->jid = "rooms";
	if (!json_is_object(spec)) {
		req_fail(p->q, CTL_E_BAD_REQUEST, "room: an object");
		return -1;
	}
	if (s == NULL) {
		req_fail(p->q, CTL_E_BAD_REQUEST, "a room without \"jid\"");
		return -1;
	}
	if (req_room_jid(p->q, s, jid, jidlen) == -1)
		return -1;
	p->jid = jid;
	if (known_keys(p, spec, room_keys, "") == -1)
		return -1;
	if ((p->r = room_find(p->q->m, jid, &failed)) == NULL && failed) {
		req_fail(p->q, CTL_E_INTERNAL, "room %s could not be loaded: %s",
		    jid, store_errmsg(p->q->m->store));
		return -1;
	}
	if (p->r == NULL) {
		if ((p->r = room_new(p->q->m, jid)) == NULL) {
			req_fail(p->q, CTL_E_INTERNAL, "out of memory");
			return -1;
		}
		p->create = true;
		change(p, "create", NULL, NULL, NULL);
	}
	return 0;
}

void
cmd_room_apply(struct req *q)
{
	struct plan p = { .q = q };
	char jid[JID_BARE_MAX + 1];
	json_t *spec = json_object_get(q->args, "room");
	bool dry = json_is_true(json_object_get(q->args, "dry_run")), created;
	int rc;

	p.prune = json_is_true(json_object_get(q->args, "prune"));
	if (check_size(q) == -1)
		return;
	if ((p.changes = json_array()) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (plan_room(&p, spec, jid, sizeof(jid)) == -1 ||
	    plan_config(&p, spec) == -1 || plan_subject(&p, spec) == -1 ||
	    plan_affs(&p, spec) == -1)
		goto out;
	created = p.create;
	if (!dry && json_array_size(p.changes) > 0) {
		audit_set_path(q->m, AUDIT_APPLY);
		if ((rc = commit(&p)) != STORE_OK) {
			req_fail(q, CTL_E_INTERNAL, "%s: nothing changed: %s",
			    jid, rc == STORE_ERR && q->m->store == NULL ?
			    "out of memory" : store_errmsg(q->m->store));
			goto out;
		}
		/* The room is the service's now; empty, it need not stay in
		 * memory (10,000 rooms applied, 10,000 rooms idle). */
		if (p.create && room_count_occupants(p.r) == 0)
			room_forget(p.r);
		p.create = false;
	}
	req_ok(q, json_pack("{s:s,s:b,s:O,s:b}", "room", jid, "created",
	    created, "changes", p.changes, "dry_run", dry));
out:
	plan_free(&p);
}

/* ---- export ---- */

static json_t *
affs_json(const struct room *r)
{
	json_t *list = json_array(), *o;
	const struct affil *a;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); ) {
		o = json_pack("{s:s,s:s}", "jid", a->bare, "affiliation",
		    aff_name(a->aff));
		/* Absent, not null: what a person writes by hand. */
		if (a->nick != NULL)
			json_object_set_new(o, "nick", json_string(a->nick));
		if (a->reason != NULL)
			json_object_set_new(o, "reason", json_string(a->reason));
		json_array_append_new(list, o);
	}
	return req_sorted(list, "jid");
}

static json_t *
room_doc(const struct room *r)
{
	json_t *o = json_pack("{s:s,s:o}", "jid", r->jid, "config",
	    roomcfg_json_full(&r->cfg));

	if (o != NULL && r->subject.text != NULL)
		json_object_set_new(o, "subject", json_string(r->subject.text));
	if (o != NULL)
		json_object_set_new(o, "affiliations", affs_json(r));
	return o;
}

struct export {
	struct req	*q;
	json_t		*rooms;
	size_t		 limit;
	bool		 more, failed;
};

/* A room loaded only to be written out leaves memory again. 0, 1 when
 * there is no such room, -1 (x->failed) when it could not be read. */
static int
export_one(struct export *x, const char *jid)
{
	struct room *r = room_find_loaded(x->q->m, jid);
	bool was_loaded = r != NULL, failed;

	if (r == NULL && (r = room_find(x->q->m, jid, &failed)) == NULL) {
		x->failed = failed;
		return failed ? -1 : 1;
	}
	json_array_append_new(x->rooms, room_doc(r));
	if (!was_loaded && room_count_occupants(r) == 0)
		room_forget(r);
	return 0;
}

static int
export_visit(void *arg, const struct room_view *v)
{
	struct export *x = arg;

	if (!v->cfg->persistent)
		return 0;
	if (json_array_size(x->rooms) >= x->limit) {
		x->more = true;
		return 1;
	}
	return export_one(x, v->jid) == -1;
}

/* Named rooms, each of which must exist. */
static int
export_named(struct export *x, json_t *names)
{
	char jid[JID_BARE_MAX + 1];
	json_t *v;
	size_t i;
	int rc;

	json_array_foreach(names, i, v) {
		if (!json_is_string(v)) {
			req_fail(x->q, CTL_E_BAD_REQUEST, "rooms: a list of "
			    "room JIDs");
			return -1;
		}
		if (req_room_jid(x->q, json_string_value(v), jid,
		    sizeof(jid)) == -1)
			return -1;
		if ((rc = export_one(x, jid)) == 1) {
			req_fail(x->q, CTL_E_NOT_FOUND, "no room %s", jid);
			return -1;
		}
		if (rc == -1)
			break;
	}
	return 0;
}

void
cmd_room_export(struct req *q)
{
	struct export x = { .q = q };
	json_t *names = json_object_get(q->args, "rooms");
	char after[JID_BARE_MAX + 1];
	const char *s = req_str(q, "after");
	long limit;

	if ((limit = req_count(q, "limit", EXPORT_DEFAULT, EXPORT_MAX)) == -1)
		return;
	x.limit = (size_t)limit;
	if (s != NULL && req_room_jid(q, s, after, sizeof(after)) == -1)
		return;
	if ((x.rooms = json_array()) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (names != NULL && !json_is_array(names)) {
		req_fail(q, CTL_E_BAD_REQUEST, "rooms: a list of room JIDs");
		json_decref(x.rooms);
		return;
	}
	if (names != NULL) {
		if (export_named(&x, names) == -1) {
			json_decref(x.rooms);
			return;
		}
	} else if (room_walk(q->m, s ? after : NULL, false, export_visit,
	    &x) == -1)
		x.failed = true;
	if (x.failed) {
		json_decref(x.rooms);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	req_ok(q, json_pack("{s:s,s:o,s:s?}", "format", ROOMS_FORMAT, "rooms",
	    x.rooms, "next", x.more ? json_string_value(json_object_get(
	    json_array_get(x.rooms, json_array_size(x.rooms) - 1), "jid")) :
	    NULL));
}
