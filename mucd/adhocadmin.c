#include "adhocadmin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "ban.h"
#include "blocklist.h"
#include "form.h"
#include "jid.h"
#include "mucd.h"
#include "owner.h"
#include "room.h"
#include "roomcfg.h"
#include "roomwalk.h"
#include "stanza.h"
#include "store.h"

#define LIST_MAX	1000	/* rooms in one listing */
#define SETTING_MAX	2048	/* one key=value line */

const char *const adhocadmin_no_vars[] = { NULL };
const char *const adhocadmin_room_vars[] = { "room", NULL };
const char *const adhocadmin_config_vars[] = { "room", "settings", NULL };
const char *const adhocadmin_block_vars[] = { "jid", "reason", NULL };

static void
fail(struct adhoc_req *q, const char *fmt, const char *what)
{
	q->note_type = "error";
	buf_printf(&q->note, fmt, what);
}

static void
add_bool(struct xnode *parent, const char *var, bool v)
{
	form_add_field(parent, var, NULL, NULL, v ? "1" : "0");
}

/* ---- list rooms ---- */

struct listing {
	struct xnode	*x;
	size_t		 n;
	bool		 more;
};

static int
list_one(void *arg, const struct room_view *v)
{
	struct listing *l = arg;
	struct xnode *item;
	char n[16];

	if (l->n == LIST_MAX) {
		l->more = true;
		return 1;
	}
	item = x_add(l->x, "item", NULL);
	form_add_field(item, "jid", NULL, NULL, v->jid);
	form_add_field(item, "name", NULL, NULL, v->cfg->name ? v->cfg->name :
	    "");
	snprintf(n, sizeof(n), "%u", v->loaded ?
	    (unsigned)hmap_count(&v->loaded->occupants) : 0);
	form_add_field(item, "occupants", NULL, NULL, n);
	add_bool(item, "persistent", v->cfg->persistent);
	add_bool(item, "public", v->cfg->public);
	l->n++;
	return 0;
}

void
adhocadmin_list_rooms_run(struct adhoc_req *q, const struct form *f)
{
	struct listing l = { NULL, 0, false };
	struct xnode *rep;

	(void)f;
	l.x = form_new(q->cmd, "result", NULL, "Rooms", NULL);
	rep = x_add(l.x, "reported", NULL);
	form_add_field(rep, "jid", NULL, "Room", NULL);
	form_add_field(rep, "name", NULL, "Name", NULL);
	form_add_field(rep, "occupants", NULL, "Occupants", NULL);
	form_add_field(rep, "persistent", NULL, "Persistent", NULL);
	form_add_field(rep, "public", NULL, "Public", NULL);
	if (room_walk(q->m, NULL, false, list_one, &l) == -1)
		fail(q, "%s", "The rooms could not be listed");
	else if (l.more) {
		q->note_type = "warn";
		buf_printf(&q->note, "Only the first %d rooms are listed",
		    LIST_MAX);
	}
}

/* ---- one room: information and configuration ---- */

void
adhocadmin_room_form(struct adhoc_req *q)
{
	const char *node = x_attr(q->cmd, "node");

	form_set_required(form_add_field(form_new(q->cmd, "form", node,
	    "Choose a room", NULL), "room", "jid-single", "Room", NULL));
}

/* The room named in the form; NULL after a note. */
static struct room *
form_room(struct adhoc_req *q, const struct form *f)
{
	const char *s = form_value(f, "room"), *why;
	char jid[JID_BARE_MAX + 1];
	struct room *r;
	bool failed;

	if (s == NULL || *s == '\0') {
		fail(q, "%s", "room is required");
		return NULL;
	}
	if (jid_prep_bare(s, jid, sizeof(jid), &why) == -1) {
		fail(q, "Invalid room: %s", why);
		return NULL;
	}
	if ((r = room_find(q->m, jid, &failed)) == NULL)
		fail(q, "%s", failed ? "The room could not be loaded" :
		    "No such room");
	return r;
}

void
adhocadmin_room_info_run(struct adhoc_req *q, const struct form *f)
{
	struct room *r = form_room(q, f);
	struct xnode *x;
	char v[4096], t[32];
	int i;

	if (r == NULL)
		return;
	x = form_new(q->cmd, "result", NULL, r->jid, NULL);
	form_add_field(x, "jid", "jid-single", "Room", r->jid);
	snprintf(v, sizeof(v), "%u", room_count_occupants(r));
	form_add_field(x, "occupants", "text-single", "Occupants", v);
	form_add_field(x, "subject", "text-single", "Subject",
	    r->subject.text ? r->subject.text : "");
	st_stamp(r->created, t, sizeof(t));
	form_add_field(x, "created", "text-single", "Created", t);
	st_stamp(r->last_used, t, sizeof(t));
	form_add_field(x, "last_used", "text-single", "Last used", t);
	form_add_field(x, "password_protected", "boolean", "Password",
	    r->cfg.password != NULL ? "1" : "0");
	/* The settings under mucctl's names; the password only as above. */
	for (i = 0; roomcfg_keys[i] != NULL; i++)
		if (strcmp(roomcfg_keys[i], "password") != 0 &&
		    roomcfg_get(&r->cfg, roomcfg_keys[i], v, sizeof(v)) == 0)
			form_add_field(x, roomcfg_keys[i], "text-single", NULL,
			    v);
}

/* Step two: the current settings, one key=value per line, to edit. */
static void
config_form(struct adhoc_req *q, const struct room *r)
{
	struct xnode *x, *fld;
	char v[SETTING_MAX], line[SETTING_MAX + 64];
	int i;

	x = form_new(q->cmd, "form", NODE_ROOM_CONFIG, r->jid, "Change the "
	    "key=value lines (the room options of mucctl(8)); remove a "
	    "line to leave it as it is.");
	form_set_required(form_add_field(x, "room", "jid-single", "Room",
	    r->jid));
	fld = form_add_field(x, "settings", "text-multi", "Settings", NULL);
	for (i = 0; roomcfg_keys[i] != NULL; i++) {
		if (roomcfg_get(&r->cfg, roomcfg_keys[i], v, sizeof(v)) != 0)
			continue;
		snprintf(line, sizeof(line), "%s=%s", roomcfg_keys[i], v);
		form_add_value(fld, line);
	}
	q->status = "executing";
}

/* Every line onto cfg; -1 after a note naming the bad one. */
static int
apply_lines(struct adhoc_req *q, const struct form_field *ff,
    struct room_config *cfg)
{
	char key[64], err[256];
	const char *line, *eq;
	size_t i, n;

	for (i = 0; i < ff->nvalues; i++) {
		line = ff->values[i];
		if (*line == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL ||
		    (n = (size_t)(eq - line)) == 0 || n >= sizeof(key)) {
			fail(q, "'%s' is not key=value", line);
			return -1;
		}
		memcpy(key, line, n);
		key[n] = '\0';
		if (roomcfg_set(cfg, &q->m->conf, key, eq + 1, err,
		    sizeof(err)) == -1) {
			fail(q, "%s", err);
			return -1;
		}
	}
	return 0;
}

void
adhocadmin_room_config_run(struct adhoc_req *q, const struct form *f)
{
	const struct form_field *ff = form_get(f, "settings");
	struct room *r = form_room(q, f);
	struct room_config cfg;
	struct muc_err e;
	int codes[3], n;

	if (r == NULL)
		return;
	if (ff == NULL || ff->nvalues == 0) {
		config_form(q, r);
		return;
	}
	if (roomcfg_copy(&cfg, &r->cfg) == -1) {
		fail(q, "%s", "Out of memory");
		return;
	}
	if (apply_lines(q, ff, &cfg) == -1) {
		roomcfg_free(&cfg);
		return;
	}
	n = owner_change_codes(&r->cfg, &cfg, codes);
	room_hold(r);
	if (owner_reconfigure(r, &cfg, codes, n, &e) == -1)
		fail(q, "The change failed: %s", e.text ? e.text : e.cond);
	else
		buf_printf(&q->note, "%s is configured", r->jid);
	room_release(r);
}

/* ---- the service-wide ban list ---- */

static void
block_form(struct adhoc_req *q, const char *node, const char *title,
    bool reason)
{
	struct xnode *x = form_new(q->cmd, "form", node, title, NULL);

	form_set_required(form_add_field(x, "jid", "jid-single", "JID or "
	    "domain", NULL));
	if (reason)
		form_add_field(x, "reason", "text-single", "Reason", NULL);
}

void
adhocadmin_block_form(struct adhoc_req *q)
{
	block_form(q, NODE_BLOCK, "Ban from every room", true);
}

void
adhocadmin_unblock_form(struct adhoc_req *q)
{
	block_form(q, NODE_UNBLOCK, "Lift a service-wide ban", false);
}

/* The form's JID, prepared: a bare JID or a domain; -1 after a note. */
static int
form_jid(struct adhoc_req *q, const struct form *f, char *out, size_t len)
{
	const char *s = form_value(f, "jid"), *why;

	if (s == NULL || *s == '\0') {
		fail(q, "%s", "jid is required");
		return -1;
	}
	if (strchr(s, '/') != NULL) {
		fail(q, "'%s': a bare JID or a domain is expected", s);
		return -1;
	}
	if (jid_prep_bare(s, out, len, &why) == -1) {
		fail(q, "Invalid JID: %s", why);
		return -1;
	}
	return 0;
}

static void
block_change(struct adhoc_req *q, const struct form *f, bool ban)
{
	char jid[JID_BARE_MAX + 1];
	struct muc_err e;
	int rc;

	if (form_jid(q, f, jid, sizeof(jid)) == -1)
		return;
	rc = ban ? ban_service(q->m, jid, form_value(f, "reason"),
	    q->from->full, &e) : unban_service(q->m, jid, q->from->full, &e);
	if (rc == -1)
		fail(q, "%s", e.text ? e.text : e.cond);
	else
		buf_printf(&q->note, ban ? "%s is banned from every room" :
		    "%s is no longer banned from the service", jid);
}

void
adhocadmin_block_run(struct adhoc_req *q, const struct form *f)
{
	block_change(q, f, true);
}

void
adhocadmin_unblock_run(struct adhoc_req *q, const struct form *f)
{
	block_change(q, f, false);
}

void
adhocadmin_blocklist_run(struct adhoc_req *q, const struct form *f)
{
	const struct block *b;
	struct xnode *x, *rep, *item;
	const char *k;
	char t[32];
	size_t i;

	(void)f;
	x = form_new(q->cmd, "result", NULL, "Banned from every room", NULL);
	rep = x_add(x, "reported", NULL);
	form_add_field(rep, "jid", NULL, "JID or domain", NULL);
	form_add_field(rep, "reason", NULL, "Reason", NULL);
	form_add_field(rep, "actor", NULL, "Banned by", NULL);
	form_add_field(rep, "when", NULL, "Since", NULL);
	for (i = 0; hmap_next(&q->m->blocked, &i, &k, (void **)&b); ) {
		item = x_add(x, "item", NULL);
		form_add_field(item, "jid", NULL, NULL, b->jid);
		form_add_field(item, "reason", NULL, NULL, b->reason ?
		    b->reason : "");
		form_add_field(item, "actor", NULL, NULL, b->actor);
		st_stamp(b->when, t, sizeof(t));
		form_add_field(item, "when", NULL, NULL, t);
	}
}
