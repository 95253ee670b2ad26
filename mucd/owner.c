#include "owner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "form.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "presence.h"
#include "room.h"
#include "roomform.h"
#include "stanza.h"
#include "tombstone.h"

/* Members-only now: everyone without an affiliation leaves with 322. */
static void
remove_non_members(struct room *r)
{
	static const int c322[] = { 322 };
	struct occupant *o, **out;
	struct pub p = { 0 };
	const char *k;
	size_t i, n = 0, cap = room_count_occupants(r);
	enum role prev;

	if (cap == 0 || (out = calloc(cap, sizeof(*out))) == NULL)
		return;
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); )
		if (aff_rank(room_affiliation(r, o->bare)) <= aff_rank(AFF_NONE)) {
			out[n++] = o;
			o->leaving = true;
		}
	p.codes = c322;
	p.ncodes = 1;
	p.has_prev_role = true;
	for (i = 0; i < n; i++) {
		prev = out[i]->role;
		out[i]->role = ROLE_NONE;
		p.prev_role = prev;
		occupant_publicise(r, out[i], &p);
		room_remove_occupant(r, out[i]);
	}
	free(out);
}

/* Presence broadcast by role changed: show or hide occupants. */
static void
rebroadcast(struct room *r, unsigned before)
{
	unsigned after = r->cfg.presence_broadcast, bit;
	struct occupant *o;
	struct pub p = { 0 };
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); ) {
		bit = 1u << o->role;
		memset(&p, 0, sizeof(p));
		if ((after & bit) && !(before & bit))
			occupant_publicise(r, o, &p);
		else if ((before & bit) && !(after & bit)) {
			p.force_unavailable = true;
			occupant_publicise(r, o, &p);
		}
	}
}

/* For the audit trail: each setting that changes. Passwords are secrets
 * the trail must not spread: only whether there is one. */
void
owner_note_config(struct room *r, const struct room_config *from,
    const struct room_config *to)
{
	char a[4096], b[4096];
	int i;

	for (i = 0; roomcfg_keys[i] != NULL; i++) {
		if (roomcfg_get(from, roomcfg_keys[i], a, sizeof(a)) == -1 ||
		    roomcfg_get(to, roomcfg_keys[i], b, sizeof(b)) == -1 ||
		    strcmp(a, b) == 0)
			continue;
		if (strcmp(roomcfg_keys[i], "password") == 0) {
			snprintf(a, sizeof(a), "%s", from->password ? "(set)" :
			    "(none)");
			snprintf(b, sizeof(b), "%s", to->password ? "(set)" :
			    "(none)");
		}
		audit_note(r->mucd, r->jid, "config", roomcfg_keys[i], a, b,
		    NULL);
	}
}

int
owner_reconfigure(struct room *r, struct room_config *cfg, const int *codes,
    int ncodes, struct muc_err *e)
{
	struct room_config old = r->cfg;
	unsigned old_bcast = old.presence_broadcast;
	bool became_mo = cfg->members_only && !old.members_only;

	owner_note_config(r, &old, cfg);
	r->cfg = *cfg;
	if (room_save(r) != 0) {
		r->cfg = old;
		roomcfg_free(cfg);
		return st_refuse(e, ERR_WAIT, "internal-server-error",
		    "Could not store the configuration");
	}
	roomcfg_free(&old);
	owner_publish_config(r, old_bcast, became_mo, codes, ncodes);
	return 0;
}

void
owner_publish_config(struct room *r, unsigned old_bcast, bool became_mo,
    const int *codes, int ncodes)
{
	r->locked = false;
	room_hold(r);
	history_resize(r);
	if (became_mo)
		remove_non_members(r);
	if (old_bcast != r->cfg.presence_broadcast)
		rebroadcast(r, old_bcast);
	room_send_status_codes(r, codes, ncodes);
	room_release(r);
}

int
owner_change_codes(const struct room_config *old,
    const struct room_config *new, int codes[3])
{
	int n = 0;

	if (new->whois != old->whois)
		codes[n++] = new->whois == WHOIS_ANYONE ? 172 : 173;
	if (new->logging != old->logging)
		codes[n++] = new->logging ? 170 : 171;
	if (!roomcfg_equal(new, old))
		codes[n++] = 104;
	return n;
}

static void
config_get(struct mucd *m, struct room *r, struct xnode *st)
{
	struct xnode *q = x_new("query", NS_MUC_OWNER);

	roomform_build(r, q);
	st_send_result(m, st, q);
}

static void
config_set(struct mucd *m, struct room *r, struct xnode *st,
    const struct xnode *x)
{
	struct room_config cfg;
	struct muc_err e = { 0 };
	struct form f;
	const char *type = x_attr(x, "type");
	int codes[4], ncodes = 0;
	char err[128];

	if (type != NULL && strcmp(type, "cancel") == 0) {
		st_send_result(m, st, NULL);
		return;
	}
	if (type == NULL || strcmp(type, "submit") != 0) {
		st_send_error(m, st, ERR_CANCEL, "bad-request",
		    "Not a submitted form", NULL);
		return;
	}
	if (form_parse(&f, x, roomform_vars, m->conf.max_form_fields, err,
	    sizeof(err)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", err, NULL);
		return;
	}
	/* An empty submission accepts the defaults (instant room). */
	if (x_count_children(x) > 0 && (f.form_type == NULL ||
	    strcmp(f.form_type, NS_MUC_ROOMCFG) != 0)) {
		form_free(&f);
		st_send_error(m, st, ERR_CANCEL, "bad-request",
		    "Form is not of type room configuration", NULL);
		return;
	}
	if (roomform_apply(r, &f, &cfg, codes, &ncodes, &e) == -1) {
		form_free(&f);
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		return;
	}
	form_free(&f);
	room_hold(r);
	if (owner_reconfigure(r, &cfg, NULL, 0, &e) == -1)
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
	else {
		/* The result first, then the notice (as Prosody orders it). */
		st_send_result(m, st, NULL);
		room_send_status_codes(r, codes, ncodes);
	}
	room_release(r);
}

/* The room and its archive leave the store together, and its tombstone
 * takes its place. */
static int
unstore(struct room *r, const char *alt, const char *reason,
    bool keep_archive)
{
	struct mucd *m = r->mucd;
	struct store_txn *txn;

	if (m->store == NULL)
		return 0;
	if (store_begin(m->store, &txn) != STORE_OK)
		return -1;
	if ((r->stored && store_room_del(txn, r->jid) != STORE_OK) ||
	    archive_forget(r, txn, keep_archive) == -1 ||
	    tombstone_put(r, txn, alt, reason) != STORE_OK) {
		store_abort(txn);
		return -1;
	}
	if (audit_commit(m, txn) != STORE_OK)
		return -1;
	mucd_store_dirty(m);
	r->stored = false;
	return 0;
}

int
owner_destroy(struct room *r, const char *alt, const char *reason,
    const char *password, bool keep_archive, struct muc_err *e)
{
	struct mucd *m = r->mucd;
	struct xnode *d;
	struct occupant *o, **all;
	struct pub p = { 0 };
	const char *k;
	size_t i, n = 0, cap;

	audit_note(m, r->jid, "destroy", NULL, NULL, alt, reason);
	if (unstore(r, alt, reason, keep_archive) == -1) {
		audit_discard(m);
		m->stats.store_errors++;
		log_error("destroying room %s: %s", r->jid,
		    store_errmsg(m->store));
		return st_refuse(e, ERR_WAIT, "internal-server-error",
		    "Could not delete the room from storage");
	}
	r->destroying = true;
	d = x_new("destroy", NS_MUC_USER);
	if (alt != NULL)
		x_set_attr(d, "jid", alt);
	if (reason != NULL)
		x_add_child_text(d, "reason", reason);
	if (password != NULL)
		x_add_child_text(d, "password", password);
	cap = room_count_occupants(r);
	all = cap ? calloc(cap, sizeof(*all)) : NULL;
	for (i = 0; all != NULL && hmap_next(&r->occupants, &i, &k,
	    (void **)&o); )
		all[n++] = o;
	/* Everyone leaves at once: each sees only its own departure. */
	p.extra = d;
	p.self_only = true;
	p.has_prev_role = true;
	for (i = 0; i < n; i++) {
		p.prev_role = all[i]->role;
		all[i]->role = ROLE_NONE;
	}
	for (i = 0; i < n; i++) {
		occupant_publicise(r, all[i], &p);
		room_remove_occupant(r, all[i]);
	}
	free(all);
	x_free(d);
	log_info("room %s destroyed%s%s", r->jid, reason ? ": " : "",
	    reason ? reason : "");
	m->stats.rooms_destroyed++;
	room_forget(r);
	return 0;
}

static void
destroy_set(struct mucd *m, struct room *r, struct xnode *st,
    const struct xnode *d)
{
	const char *alt = x_attr(d, "jid"), *why;
	struct muc_err e;
	char altp[JID_MAX + 1];

	if (alt != NULL) {
		if (jid_prep_full(alt, altp, sizeof(altp), &why) == -1) {
			st_send_error(m, st, ERR_MODIFY, "jid-malformed",
			    "Invalid alternate venue", NULL);
			return;
		}
		alt = altp;
	}
	st_send_outcome(m, st, owner_destroy(r, alt,
	    x_child_text(d, "reason", NS_MUC_OWNER),
	    x_child_text(d, "password", NS_MUC_OWNER), false, &e), &e);
}

void
owner_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct xnode *q = st_payload(st), *c;

	if (room_affiliation(r, from->bare) != AFF_OWNER) {
		st_send_error(m, st, ERR_AUTH, "forbidden",
		    "Only owners can configure rooms", NULL);
		return;
	}
	if (strcmp(st_type(st), "get") == 0) {
		config_get(m, r, st);
		return;
	}
	if ((c = st_payload(q)) == NULL) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", NULL, NULL);
		return;
	}
	if (x_is(c, "destroy", NS_MUC_OWNER))
		destroy_set(m, r, st, c);
	else if (x_is(c, "x", NS_XDATA))
		config_set(m, r, st, c);
	else
		st_send_error(m, st, ERR_CANCEL, "service-unavailable", NULL,
		    NULL);
}
