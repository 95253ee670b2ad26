/*
 * ctlcmd: what each control command does — the one implementation, for
 * the service and for maintenance mode (mucctl's offline mode runs this
 * same code in `mucd -m`). Changes go through the same functions as XMPP
 * requests (admin.c, owner.c, …) with the service as actor: no permission
 * checks beyond the connection's class, all the validation.
 */
#include "ctlcmd.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "ctl.h"
#include "ctlargs.h"
#include "ctlproto.h"
#include "ctlreq.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "mucd.h"
#include "multicast.h"
#include "owner.h"
#include "reload.h"
#include "room.h"
#include "roomcfg.h"
#include "roomwalk.h"
#include "store.h"
#include "utf8.h"
#include "xml.h"

#define ROOMS_LIMIT	10000	/* default page for `rooms` */

static json_t *command_names(void);

static void
cmd_hello(struct req *q)
{
	req_ok(q, json_pack("{s:i,s:s,s:s?,s:s,s:b,s:o}", "protocol",
	    CTL_PROTOCOL_VERSION, "version", MUCD_VERSION, "domain",
	    q->m->conf.domain, "mode", q->m->maintenance ? "maintenance" :
	    "service", "read_only", !ctl_client_may_write(q->c), "commands",
	    command_names()));
}

/* The multicast service (multicast.h): what mucd.conf asks for, what
 * discovery found, and what went through it. */
static json_t *
status_multicast(const struct mucd *m)
{
	const struct multicast *mc = &m->mcast;
	bool active = mc->state == MC_ACTIVE;

	return json_pack("{s:s,s:s,s:s?,s:I,s:I,s:s,s:I,s:I,s:I,s:I}",
	    "setting", m->conf.multicast,
	    "state", multicast_state_name(mc->state),
	    "service", active ? mc->service : NULL,
	    "max_message", (json_int_t)(active ? mc->max_message : 0),
	    "max_presence", (json_int_t)(active ? mc->max_presence : 0),
	    "detail", mc->why,
	    "discoveries", (json_int_t)mc->stats.rounds,
	    "stanzas", (json_int_t)mc->stats.stanzas,
	    "addresses", (json_int_t)mc->stats.addresses,
	    "refusals", (json_int_t)mc->stats.refusals);
}

static void
cmd_status(struct req *q)
{
	struct mucd *m = q->m;
	json_t *st;

	st = json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}",
	    "version", MUCD_VERSION, "domain", m->conf.domain,
	    "uptime", (json_int_t)(time(NULL) - m->started),
	    "link", "state", link_state_name(m->link.state), "server",
	    m->conf.server);
	if (st == NULL || metrics_status(m, st) == -1 ||
	    json_object_set_new(st, "multicast", status_multicast(m)) == -1) {
		json_decref(st);
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	req_ok(q, st);
}

static void
cmd_metrics(struct req *q)
{
	const char *fs = req_str(q, "format");
	enum mt_format f = MT_PROMETHEUS;
	struct buf b;

	if (fs != NULL && mt_format_parse(fs, &f) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "format: '%s' is not prometheus "
		    "or openmetrics", fs);
		return;
	}
	buf_init(&b, METRICS_TEXT_MAX);
	if (metrics_render(q->m, f, &b) == -1 || buf_cstr(&b) == -1)
		req_fail(q, CTL_E_INTERNAL, "the metrics do not fit in %u "
		    "bytes, or memory ran out", METRICS_TEXT_MAX);
	else
		req_ok(q, json_pack("{s:s%,s:s}", "text", b.data, b.len,
		    "content_type", mt_content_type(f)));
	buf_free(&b);
}

/* rooms: stored and in-memory rooms, filtered, in JID order. */

struct rooms_q {
	json_t		*list;
	regex_t		 re;
	bool		 has_re, empty, public_only;
	long long	 unused_before;
	size_t		 limit;
	bool		 more;
};

static bool
rooms_match(struct rooms_q *rq, const struct room_view *v, unsigned occupants)
{
	if (rq->has_re && regexec(&rq->re, v->jid, 0, NULL, 0) != 0)
		return false;
	if (rq->empty && occupants > 0)
		return false;
	if (rq->public_only && !v->cfg->public)
		return false;
	if (rq->unused_before && (occupants > 0 ||
	    v->last_used >= rq->unused_before))
		return false;
	return true;
}

static int
rooms_add(void *arg, const struct room_view *v)
{
	struct rooms_q *rq = arg;
	const struct room_config *c = v->cfg;
	unsigned occupants = v->loaded ? room_count_occupants(v->loaded) : 0;

	if (!rooms_match(rq, v, occupants))
		return 0;
	if (json_array_size(rq->list) >= rq->limit) {
		rq->more = true;
		return 1;
	}
	json_array_append_new(rq->list, json_pack("{s:s,s:s?,s:i,s:b,s:b,s:b,"
	    "s:I,s:b}", "jid", v->jid, "name", c->name, "occupants", occupants,
	    "persistent", c->persistent, "public", c->public,
	    "members_only", c->members_only, "last_used",
	    (json_int_t)v->last_used, "loaded", v->loaded != NULL));
	return 0;
}

/* "unused_days": rooms last used before that many days ago; 0 (no
 * filter) stays reserved, so a cut-off before the epoch is 1. */
static long long
unused_cutoff(json_int_t days)
{
	long long now = (long long)time(NULL);

	if (days < 0)
		days = 0;
	return days > now / 86400 ? 1 : now - days * 86400;
}

static void
cmd_rooms(struct req *q)
{
	struct rooms_q rq = { .limit = ROOMS_LIMIT };
	char after[JID_BARE_MAX + 1];
	json_t *v;
	const char *s;

	if ((s = req_str(q, "match")) != NULL) {
		char why[128];
		int rc;

		if ((rc = regcomp(&rq.re, s, REG_EXTENDED | REG_NOSUB |
		    REG_ICASE)) != 0) {
			regerror(rc, &rq.re, why, sizeof(why));
			req_fail(q, CTL_E_BAD_REQUEST, "invalid regular expression "
			    "'%s': %s", s, why);
			return;
		}
		rq.has_re = true;
	}
	rq.empty = json_is_true(json_object_get(q->args, "empty"));
	rq.public_only = json_is_true(json_object_get(q->args, "public"));
	if (json_is_integer(v = json_object_get(q->args, "unused_days")))
		rq.unused_before = unused_cutoff(json_integer_value(v));
	if (json_is_integer(v = json_object_get(q->args, "limit")) &&
	    json_integer_value(v) > 0)
		rq.limit = (size_t)json_integer_value(v);
	if ((s = req_str(q, "after")) != NULL &&
	    req_room_jid(q, s, after, sizeof(after)) == -1)
		goto out;
	if (json_is_true(json_object_get(q->args, "tombstones"))) {
		ctl_tombstones(q, s != NULL ? after : NULL, rq.limit,
		    rq.has_re ? &rq.re : NULL);
		goto out;
	}
	if ((rq.list = json_array()) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	if (room_walk(q->m, s != NULL ? after : NULL, rq.public_only, rooms_add,
	    &rq) == -1) {
		req_fail(q, CTL_E_INTERNAL, "%s", q->m->store != NULL ?
		    store_errmsg(q->m->store) : "out of memory");
		json_decref(rq.list);
	} else
		req_ok(q, json_pack("{s:o,s:b}", "rooms", rq.list, "truncated",
		    rq.more));
out:
	if (rq.has_re)
		regfree(&rq.re);
}

/*
 * rooms.prune: destroy the empty rooms unused for unused_days days, as
 * their owners would (occupants none, the archive goes unless kept).
 * The list is made first, so destroying never races the walk.
 */
static void
cmd_rooms_prune(struct req *q)
{
	struct rooms_q rq = { .limit = ROOMS_LIMIT };
	json_t *v = json_object_get(q->args, "unused_days"), *jid;
	bool dry = json_is_true(json_object_get(q->args, "dry_run"));
	struct muc_err e;
	struct room *r;
	size_t i;

	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		req_fail(q, CTL_E_BAD_REQUEST, "unused_days: a number of days "
		    "(1 or more) is required");
		return;
	}
	rq.unused_before = unused_cutoff(json_integer_value(v));
	if (json_is_integer(v = json_object_get(q->args, "limit")) &&
	    json_integer_value(v) > 0)
		rq.limit = (size_t)json_integer_value(v);
	if ((rq.list = json_array()) == NULL ||
	    room_walk(q->m, NULL, false, rooms_add, &rq) == -1) {
		req_fail(q, CTL_E_INTERNAL, "%s", q->m->store != NULL ?
		    store_errmsg(q->m->store) : "out of memory");
		json_decref(rq.list);
		return;
	}
	json_array_foreach(rq.list, i, v) {
		jid = json_object_get(v, "jid");
		if (dry || (r = room_find(q->m, json_string_value(jid),
		    &(bool){ false })) == NULL)
			continue;
		if (owner_destroy(r, NULL, req_str(q, "reason"), NULL, false,
		    &e) == -1) {
			req_fail(q, CTL_E_INTERNAL, "%s: %s (%zu destroyed "
			    "before it)", json_string_value(jid), e.text ? e.text :
			    e.cond, i);
			json_decref(rq.list);
			return;
		}
	}
	req_ok(q, json_pack("{s:o,s:b,s:b}", "rooms", rq.list, "truncated",
	    rq.more, "dry_run", dry));
}

/* Occupants filter: a role, and a regular expression over nick and
 * real JID (either matching); NULL/unset: everyone. */
struct occ_filter {
	bool		 by_role;
	enum role	 role;
	regex_t		 re;
	bool		 has_re;
};

static bool
occ_wanted(const struct occ_filter *f, const struct occupant *o)
{
	if (f == NULL)
		return true;
	if (f->by_role && o->role != f->role)
		return false;
	return !f->has_re || regexec(&f->re, o->nick, 0, NULL, 0) == 0 ||
	    regexec(&f->re, o->bare, 0, NULL, 0) == 0;
}

static json_t *
occupants_json(const struct room *r, const struct occ_filter *f)
{
	const struct occupant *o;
	const struct session *s;
	json_t *list = json_array(), *jids;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o); ) {
		if (!occ_wanted(f, o))
			continue;
		jids = json_array();
		for (s = o->sessions; s != NULL; s = s->next)
			if (!s->unavailable)
				json_array_append_new(jids, json_string(s->jid));
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:o,"
		    "s:s}", "nick", o->nick, "jid", o->bare, "role",
		    role_name(o->role), "affiliation",
		    aff_name(room_affiliation(r, o->bare)), "sessions", jids,
		    "occupant_id", o->occupant_id));
	}
	return req_sorted(list, "nick");
}

static void
cmd_room_show(struct req *q)
{
	struct room *r = req_need_room(q);

	if (r == NULL)
		return;
	req_ok(q, json_pack("{s:s,s:o,s:{s:s?,s:s?,s:I},s:I,s:I,s:b,s:b,s:i,s:i,"
	    "s:i,s:o}", "jid", r->jid, "config", roomcfg_json(&r->cfg),
	    "subject", "text", r->subject.text, "from", r->subject.from,
	    "time", (json_int_t)r->subject.time,
	    "created", (json_int_t)r->created,
	    "last_used", (json_int_t)r->last_used, "locked", room_is_locked(r),
	    "stored", r->stored, "occupants", room_count_occupants(r),
	    "affiliations", (int)hmap_count(&r->affs),
	    "history", r->hist_len, "occupant_list", occupants_json(r, NULL)));
}

/* args.config onto c; on a refusal the reply is sent. */
static int
apply_settings(struct req *q, struct room_config *c)
{
	char err[256];

	if (ctlargs_config(q->args, c, &q->m->conf, err, sizeof(err)) == 0)
		return 0;
	req_fail(q, CTL_E_BAD_REQUEST, "%s", err);
	return -1;
}

static int
owners_arg(struct req *q, char (**out)[JID_BARE_MAX + 1], size_t *n)
{
	char err[JID_MAX + 64];
	int rc;

	if ((rc = ctlargs_owners(q->args, out, n, err, sizeof(err))) == 0)
		return 0;
	req_fail(q, rc == CTLARG_NOMEM ? CTL_E_INTERNAL : CTL_E_BAD_REQUEST, "%s", err);
	return -1;
}

static void
cmd_room_create(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	const char *s = req_need_str(q, "room");
	char (*owners)[JID_BARE_MAX + 1];
	struct room_config cfg;
	struct muc_err e;
	struct room *r;
	size_t nowners, i;
	bool failed;

	if (s == NULL || req_room_jid(q, s, jid, sizeof(jid)) == -1)
		return;
	if ((r = room_find(q->m, jid, &failed)) != NULL || failed) {
		req_fail(q, failed ? CTL_E_INTERNAL : CTL_E_CONFLICT, "room %s %s", jid,
		    failed ? "could not be checked" : "already exists");
		return;
	}
	roomcfg_defaults(&cfg, &q->m->conf);
	cfg.persistent = true;
	if (apply_settings(q, &cfg) == -1) {
		roomcfg_free(&cfg);
		return;
	}
	if (!cfg.persistent) {
		roomcfg_free(&cfg);
		req_fail(q, CTL_E_BAD_REQUEST, "a room created without occupants must "
		    "be persistent");
		return;
	}
	if (owners_arg(q, &owners, &nowners) == -1) {
		roomcfg_free(&cfg);
		return;
	}
	if ((r = room_create(q->m, jid, NULL)) == NULL) {
		roomcfg_free(&cfg);
		free(owners);
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	r->idle_since = loop_now_ms();
	audit_note(q->m, jid, "create", NULL, NULL, NULL, NULL);
	/* Owners first (in memory), so the record is stored with them. */
	for (i = 0; i < nowners; i++) {
		room_affil_put(r, owners[i], AFF_OWNER, NULL, NULL);
		audit_note(q->m, jid, "affiliation", owners[i], "none",
		    "owner", NULL);
	}
	free(owners);
	if (owner_reconfigure(r, &cfg, NULL, 0, &e) == -1) {
		room_forget(r);
		req_fail_muc(q, &e);
		return;
	}
	log_info("room %s created through the control socket", jid);
	req_ok(q, json_pack("{s:s}", "jid", jid));
}

static void
cmd_room_config(struct req *q)
{
	struct room *r = req_need_room(q);
	struct room_config cfg;
	struct muc_err e;
	int codes[3], n;

	if (r == NULL || roomcfg_copy(&cfg, &r->cfg) == -1)
		return;
	if (apply_settings(q, &cfg) == -1) {
		roomcfg_free(&cfg);
		return;
	}
	n = owner_change_codes(&r->cfg, &cfg, codes);
	/* Held: a room made temporary while empty goes when released. */
	room_hold(r);
	if (owner_reconfigure(r, &cfg, codes, n, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:o}", "config", roomcfg_json(&r->cfg)));
	room_release(r);
}

static void
cmd_room_destroy(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *alt = req_str(q, "alternate"), *why;
	char altp[JID_MAX + 1];
	struct muc_err e;

	if (r == NULL)
		return;
	if (alt != NULL) {
		if (jid_prep_full(alt, altp, sizeof(altp), &why) == -1) {
			req_fail(q, CTL_E_BAD_REQUEST, "alternate: %s", why);
			return;
		}
		alt = altp;
	}
	if (owner_destroy(r, alt, req_str(q, "reason"), NULL,
	    json_is_true(json_object_get(q->args, "keep_archive")), &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, NULL);
}

static void
cmd_occupants(struct req *q)
{
	struct room *r = req_need_room(q);
	struct occ_filter f = { 0 };
	const char *role = req_str(q, "role"), *match = req_str(q, "match");
	char why[128];
	int rc;

	if (r == NULL)
		return;
	if (role != NULL) {
		if (role_parse(role, &f.role) == -1 || f.role == ROLE_NONE) {
			req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not visitor, "
			    "participant or moderator", role);
			return;
		}
		f.by_role = true;
	}
	if (match != NULL) {
		if ((rc = regcomp(&f.re, match, REG_EXTENDED | REG_NOSUB |
		    REG_ICASE)) != 0) {
			regerror(rc, &f.re, why, sizeof(why));
			req_fail(q, CTL_E_BAD_REQUEST, "invalid regular "
			    "expression '%s': %s", match, why);
			return;
		}
		f.has_re = true;
	}
	req_ok(q, json_pack("{s:o}", "occupants", occupants_json(r, &f)));
	if (f.has_re)
		regfree(&f.re);
}

static void
cmd_kick(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *nick = r ? req_need_str(q, "nick") : NULL, *why;
	char pn[JID_PART_MAX + 1];
	struct occupant *o;
	struct muc_err e;

	if (nick == NULL)
		return;
	if (jid_resourceprep(nick, pn, sizeof(pn), &why) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "invalid nick: %s", why);
		return;
	}
	if ((o = room_occupant(r, pn)) == NULL) {
		req_fail(q, CTL_E_NOT_FOUND, "no occupant with the nick '%s' in %s",
		    pn, r->jid);
		return;
	}
	if (role_apply(r, NULL, o, ROLE_NONE, req_str(q, "reason"), &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, NULL);
}

static void
cmd_say(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *text = r ? req_need_str(q, "text") : NULL;
	struct muc_err e;

	if (text == NULL)
		return;
	if (strlen(text) > q->m->conf.max_body_length) {
		req_fail(q, CTL_E_BAD_REQUEST, "text longer than max_body_length");
		return;
	}
	if (message_from_room(r, text, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, NULL);
}

/* Each entry: when, from whom (the occupant JID, or the room), the body
 * if any, and the stanza as sent. */
static void
history_item(void *arg, long long stamp, const char *xml, size_t len)
{
	/* Our own serialization of a stanza that passed the link's limits;
	 * the tree of a stanza may cost more than its bytes. */
	struct xml_limits lim = { 1u << 26, 64 };
	struct xnode *msg;
	char err[64];

	msg = xml_parse(xml, len, &lim, err, sizeof(err));
	json_array_append_new(arg, json_pack("{s:I,s:s?,s:s?,s:s%}", "stamp",
	    (json_int_t)stamp, "from", x_attr(msg, "from"), "body",
	    x_child_text(msg, "body", NULL), "xml", xml, len));
	x_free(msg);
}

static void
cmd_history(struct req *q)
{
	struct room *r = req_need_room(q);
	json_t *list, *v;
	unsigned limit = 20;

	if (r == NULL)
		return;
	if (json_is_integer(v = json_object_get(q->args, "limit")) &&
	    json_integer_value(v) >= 0)
		limit = (unsigned)json_integer_value(v);
	list = json_array();
	history_each(r, limit, history_item, list);
	req_ok(q, json_pack("{s:o}", "history", list));
}

static void
cmd_affiliations(struct req *q)
{
	struct room *r = req_need_room(q);
	const char *want = r ? req_str(q, "affiliation") : NULL, *k;
	enum store_aff aff = AFF_NONE;
	struct affil *a;
	json_t *list;
	size_t i;

	if (r == NULL)
		return;
	if (want != NULL && (aff_parse(want, &aff) == -1 || aff == AFF_NONE)) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not owner, admin, member or "
		    "outcast", want);
		return;
	}
	list = json_array();
	for (i = 0; hmap_next(&r->affs, &i, &k, (void **)&a); )
		if (want == NULL || a->aff == aff)
			json_array_append_new(list, json_pack("{s:s,s:s,s:s?,"
			    "s:s?}", "jid", a->bare, "affiliation",
			    aff_name(a->aff), "nick", a->nick, "reason",
			    a->reason));
	req_ok(q, json_pack("{s:o}", "affiliations", req_sorted(list, "jid")));
}

static void
change(struct req *q, struct room *r, struct aff_change *c)
{
	struct muc_err e;

	room_hold(r);
	if (affiliation_apply(r, NULL, c, 1, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s,s:s,s:s?}", "jid", c->bare,
		    "affiliation", aff_name(c->aff), "nick",
		    room_reserved_nick(r, c->bare)));
	room_release(r);
}

static int
opt_nick(struct req *q, char *out, size_t outlen, const char **nick)
{
	const char *s = req_str(q, "nick"), *why;

	*nick = NULL;
	if (s == NULL)
		return 0;
	if (jid_resourceprep(s, out, outlen, &why) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "invalid nick '%s': %s", s, why);
		return -1;
	}
	*nick = out;
	return 0;
}

static void
cmd_affiliation_set(struct req *q)
{
	struct room *r = req_need_room(q);
	struct aff_change c = { 0 };
	char nick[JID_PART_MAX + 1];
	const char *a;

	if (r == NULL || req_need_bare(q, "jid", c.bare, sizeof(c.bare)) == -1 ||
	    (a = req_need_str(q, "affiliation")) == NULL)
		return;
	if (aff_parse(a, &c.aff) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not owner, admin, member, "
		    "outcast or none", a);
		return;
	}
	if (opt_nick(q, nick, sizeof(nick), &c.nick) == -1)
		return;
	c.reason = req_str(q, "reason");
	change(q, r, &c);
}

static void
cmd_ban(struct req *q)
{
	struct room *r = req_need_room(q);
	struct aff_change c = { .aff = AFF_OUTCAST };

	if (r == NULL || req_need_bare(q, "jid", c.bare, sizeof(c.bare)) == -1)
		return;
	c.reason = req_str(q, "reason");
	change(q, r, &c);
}

static void
cmd_nick_reserve(struct req *q)
{
	struct room *r = req_need_room(q);
	struct aff_change c = { 0 };
	char nick[JID_PART_MAX + 1];

	if (r == NULL || req_need_bare(q, "jid", c.bare, sizeof(c.bare)) == -1 ||
	    req_need_str(q, "nick") == NULL ||
	    opt_nick(q, nick, sizeof(nick), &c.nick) == -1)
		return;
	/* A reservation makes a member of someone without affiliation. */
	c.aff = room_affiliation(r, c.bare);
	if (c.aff == AFF_NONE)
		c.aff = AFF_MEMBER;
	if (c.aff == AFF_OUTCAST) {
		req_fail(q, CTL_E_NOT_ALLOWED, "%s is banned from %s", c.bare, r->jid);
		return;
	}
	change(q, r, &c);
}

static void
cmd_nick_release(struct req *q)
{
	struct room *r = req_need_room(q);
	struct aff_change c = { .drop_nick = true };
	const struct affil *a;

	if (r == NULL || req_need_bare(q, "jid", c.bare, sizeof(c.bare)) == -1)
		return;
	if ((a = room_affil(r, c.bare)) == NULL || a->nick == NULL) {
		req_fail(q, CTL_E_NOT_FOUND, "%s has no reserved nick in %s", c.bare,
		    r->jid);
		return;
	}
	c.aff = a->aff;
	change(q, r, &c);
}

static void
cmd_nick_show(struct req *q)
{
	struct room *r = req_need_room(q);
	char bare[JID_BARE_MAX + 1];

	if (r == NULL || req_need_bare(q, "jid", bare, sizeof(bare)) == -1)
		return;
	req_ok(q, json_pack("{s:s,s:s?}", "jid", bare, "nick",
	    room_reserved_nick(r, bare)));
}

struct user_q {
	struct mucd	*m;
	json_t		*list;
	const char	*bare;
};

static json_t *
presence_of(struct room *r, const char *bare)
{
	const struct occupant *o;
	json_t *nicks = json_array();
	const char *k;
	size_t i;

	for (i = 0; r != NULL && hmap_next(&r->occupants, &i, &k, (void **)&o); )
		if (strcmp(o->bare, bare) == 0)
			json_array_append_new(nicks, json_string(o->nick));
	return nicks;
}

static int
user_cb(void *arg, const char *room, const struct store_aff_rec *rec)
{
	struct user_q *u = arg;
	struct room *r = room_find_loaded(u->m, room);

	json_array_append_new(u->list, json_pack("{s:s,s:s,s:s?,s:o}", "room",
	    room, "affiliation", aff_name(rec->aff), "nick", rec->nick,
	    "present_as", presence_of(r, u->bare)));
	return 0;
}

static void
cmd_user_rooms(struct req *q)
{
	char bare[JID_BARE_MAX + 1];
	struct user_q u = { .m = q->m };
	struct room *r;
	struct affil *a;
	const char *k;
	json_t *nicks;
	size_t i;

	if (req_need_bare(q, "jid", bare, sizeof(bare)) == -1)
		return;
	u.bare = bare;
	u.list = json_array();
	if (q->m->store != NULL &&
	    store_user_iter(q->m->store, bare, user_cb, &u) < 0) {
		json_decref(u.list);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	/* Rooms in memory only (temporary), and presence without affiliation. */
	for (i = 0; hmap_next(&q->m->rooms, &i, &k, (void **)&r); ) {
		if (r->stored)
			a = NULL;
		else
			a = room_affil(r, bare);
		nicks = presence_of(r, bare);
		if (a != NULL || (json_array_size(nicks) > 0 &&
		    (r->stored ? room_affil(r, bare) == NULL : true)))
			json_array_append_new(u.list, json_pack("{s:s,s:s,s:s?,"
			    "s:o}", "room", r->jid, "affiliation",
			    aff_name(a ? a->aff : AFF_NONE), "nick",
			    a ? a->nick : NULL, "present_as", nicks));
		else
			json_decref(nicks);
	}
	req_ok(q, json_pack("{s:s,s:o}", "jid", bare, "rooms", u.list));
}

static void
cmd_reload(struct req *q)
{
	char err[512];

	if (mucd_reload(q->m, err, sizeof(err)) == -1)
		req_fail(q, CTL_E_BAD_REQUEST, "%s", err);
	else
		req_ok(q, json_pack("{s:s}", "message", err));
}

static void
cmd_shutdown(struct req *q)
{
	req_ok(q, NULL);
	mucd_stop(q->m, 0);
}

/*
 * Where a backup may go: under backup_dir, and nowhere else the daemon
 * can write (its data directory, /etc…), whoever asks. A relative name
 * is taken under backup_dir. The parent must exist; the directory itself
 * is created by the backup.
 */
static int
backup_path(struct req *q, const char *dir, char *out, size_t outlen)
{
	const char *base = q->m->conf.backup_dir;
	char want[PATH_MAX], parent[PATH_MAX], real[PATH_MAX], rbase[PATH_MAX];
	char *slash;

	if (snprintf(want, sizeof(want), "%s%s%s", dir[0] == '/' ? "" : base,
	    dir[0] == '/' ? "" : "/", dir) >= (int)sizeof(want)) {
		req_fail(q, CTL_E_BAD_REQUEST, "backup directory name too long");
		return -1;
	}
	snprintf(parent, sizeof(parent), "%s", want);
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0' &&
	    slash != parent)
		*slash = '\0';
	if ((slash = strrchr(parent, '/')) == NULL || strcmp(slash, "/..") == 0 ||
	    strcmp(slash, "/.") == 0) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not a directory name", dir);
		return -1;
	}
	*slash = '\0';
	if (realpath(base, rbase) == NULL) {
		req_fail(q, CTL_E_NOT_ALLOWED, "backup_dir %s: %s (create it, or "
		    "set backup_dir in mucd.conf)", base, strerror(errno));
		return -1;
	}
	if (realpath(parent[0] ? parent : "/", real) == NULL) {
		req_fail(q, CTL_E_BAD_REQUEST, "%s: %s", parent, strerror(errno));
		return -1;
	}
	if (strcmp(real, rbase) != 0 && (strncmp(real, rbase,
	    strlen(rbase)) != 0 || real[strlen(rbase)] != '/')) {
		req_fail(q, CTL_E_NOT_ALLOWED, "backups are written only under "
		    "%s (backup_dir); '%s' is not", rbase, dir);
		return -1;
	}
	if (snprintf(out, outlen, "%s/%s", real, slash + 1) >= (int)outlen) {
		req_fail(q, CTL_E_BAD_REQUEST, "backup directory name too long");
		return -1;
	}
	return 0;
}

static void
cmd_backup(struct req *q)
{
	const char *dir = req_need_str(q, "dir");
	char path[PATH_MAX];

	if (dir == NULL || backup_path(q, dir, path, sizeof(path)) == -1)
		return;
	if (store_backup(q->m->store, path) != STORE_OK)
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
	else
		req_ok(q, json_pack("{s:s}", "dir", path));
}

/* One handler per command of the protocol: a command in ctlproto.h
 * without its handler here does not compile. */
#define cmd_HELLO		cmd_hello
#define cmd_STATUS		cmd_status
#define cmd_ROOMS		cmd_rooms
#define cmd_ROOM_SHOW		cmd_room_show
#define cmd_ROOM_CREATE		cmd_room_create
#define cmd_ROOM_CONFIG		cmd_room_config
#define cmd_ROOM_DESTROY	cmd_room_destroy
#define cmd_ROOM_FORGET		cmd_room_forget
#define cmd_ROOM_AVATAR_SET	cmd_room_avatar_set
#define cmd_ROOM_AVATAR_CLEAR	cmd_room_avatar_clear
#define cmd_ROOM_AVATAR_SHOW	cmd_room_avatar_show
#define cmd_OCCUPANTS		cmd_occupants
#define cmd_KICK		cmd_kick
#define cmd_SAY			cmd_say
#define cmd_HISTORY		cmd_history
#define cmd_AFFILIATIONS	cmd_affiliations
#define cmd_AFFILIATION_SET	cmd_affiliation_set
#define cmd_BAN			cmd_ban
#define cmd_NICK_RESERVE	cmd_nick_reserve
#define cmd_NICK_RELEASE	cmd_nick_release
#define cmd_NICK_SHOW		cmd_nick_show
#define cmd_USER_ROOMS		cmd_user_rooms
#define cmd_HATS_ADD		cmd_hats_add
#define cmd_HATS_REMOVE		cmd_hats_remove
#define cmd_HATS_LIST		cmd_hats_list
#define cmd_BLOCKLIST_ADD	cmd_blocklist_add
#define cmd_BLOCKLIST_REMOVE	cmd_blocklist_remove
#define cmd_BLOCKLIST_LIST	cmd_blocklist_list
#define cmd_RELOAD		cmd_reload
#define cmd_SHUTDOWN		cmd_shutdown
#define cmd_BACKUP		cmd_backup
#define cmd_ARCHIVE_SHOW	cmd_archive_show
#define cmd_ARCHIVE_EXPORT	cmd_archive_export
#define cmd_ARCHIVE_PURGE	cmd_archive_purge
#define cmd_ARCHIVE_IMPORT	cmd_archive_import
#define cmd_ARCHIVE_STATS	cmd_archive_stats
#define cmd_ROLE_SET		cmd_role_set
#define cmd_SUBJECT_SET		cmd_subject_set
#define cmd_INVITE		cmd_invite
#define cmd_NICKS		cmd_nicks
#define cmd_ROOMS_PRUNE		cmd_rooms_prune
#define cmd_AUDIT		cmd_audit
#define cmd_ROOM_APPLY		cmd_room_apply
#define cmd_ROOM_EXPORT		cmd_room_export
#define cmd_METRICS		cmd_metrics
#define cmd_REPLICATION_STATUS	cmd_replication_status

static const cmd_fn handlers[CTL_NCMDS] = {
#define CTL_X_HANDLER(id, name, flags)	[CTL_##id] = cmd_##id,
	CTL_COMMANDS(CTL_X_HANDLER)
#undef CTL_X_HANDLER
};

static json_t *
command_names(void)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < CTL_NCMDS; i++)
		json_array_append_new(a, json_string(ctl_cmds[i].name));
	return a;
}

/* Text from here ends up in stanzas, and XML cannot carry control
 * characters: one sent to the server would close the component link. */
static bool
has_controls(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		return utf8_has_controls(json_string_value(v),
		    json_string_length(v));
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (has_controls(x))
				return true;
		return false;
	}
	json_object_foreach(v, k, x)
		if (utf8_has_controls(k, strlen(k)) || has_controls(x))
			return true;
	return false;
}

/* The connection's class and the daemon's mode, against the command's
 * flags; true if it may run. */
static bool
admissible(struct req *q, enum ctl_cmd cmd)
{
	unsigned flags = ctl_cmds[cmd].flags;

	if ((flags & CTL_WRITE) && !ctl_client_may_write(q->c)) {
		req_fail(q, CTL_E_READ_ONLY, "'%s' changes the service; this "
		    "connection (uid %u) may only read", ctl_cmds[cmd].name,
		    ctl_client_uid(q->c));
		return false;
	}
	/* A replica's copy is the master's to change. */
	if ((flags & (CTL_WRITE | CTL_LOCAL)) == CTL_WRITE &&
	    !ha_may_change(q->m)) {
		ctl_reply_not_master(q->c, q->id, q->m->ha.master);
		return false;
	}
	if ((flags & CTL_ONLINE) && q->m->maintenance) {
		req_fail(q, CTL_E_NEEDS_DAEMON, "'%s' needs the running daemon; "
		    "offline mode works on the database only",
		    ctl_cmds[cmd].name);
		return false;
	}
	return true;
}

void
ctlcmd_dispatch(void *arg, struct ctl_client *c, json_t *id, const char *name,
    json_t *args)
{
	struct req q = { arg, c, id, args };
	enum ctl_cmd cmd;

	if (has_controls(args)) {
		req_fail(&q, CTL_E_BAD_REQUEST, "arguments must not contain "
		    "control characters");
		return;
	}
	if ((cmd = ctl_cmd_lookup(name)) == CTL_NCMDS) {
		req_fail(&q, CTL_E_UNKNOWN_COMMAND, "unknown command '%s'", name);
		return;
	}
	if (!admissible(&q, cmd))
		return;
	if (ctl_cmds[cmd].flags & CTL_WRITE)
		ctl_client_changed(c);
	log_debug("control: %s (uid %u)", name, ctl_client_uid(c));
	audit_begin(q.m, q.m->maintenance ? AUDIT_OFFLINE : AUDIT_CONTROL,
	    ctl_client_user(c));
	handlers[cmd](&q);
	audit_end(q.m);
}
