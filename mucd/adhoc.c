#include "adhoc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhocadmin.h"
#include "admin.h"
#include "form.h"
#include "hatcmd.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "owner.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

#define NODE_DESTROY	"http://prosody.im/protocol/muc#destroy"
#define NODE_SETAFF	"http://prosody.im/protocol/muc#set-affiliation"
#define LIST_MAX	1000	/* rooms offered in the destroy form */
#define NOTE_MAX	65536

static void destroy_form(struct adhoc_req *);
static void destroy_run(struct adhoc_req *, const struct form *);
static void setaff_form(struct adhoc_req *);
static void setaff_run(struct adhoc_req *, const struct form *);

static const char *const destroy_vars[] = { "rooms", NULL };
static const char *const setaff_vars[] = { "room", "jid", "affiliation",
	"reason", NULL };

/* The service's, for its administrators. */
static const struct adhoc_cmd service_cmds[] = {
	{ NODE_DESTROY, "Destroy Rooms", destroy_form, destroy_run,
	    destroy_vars },
	{ NODE_SETAFF, "Set affiliation in room", setaff_form, setaff_run,
	    setaff_vars },
	{ NODE_LIST_ROOMS, "List rooms", NULL, adhocadmin_list_rooms_run,
	    adhocadmin_no_vars },
	{ NODE_ROOM_INFO, "Room information", adhocadmin_room_form,
	    adhocadmin_room_info_run, adhocadmin_room_vars },
	{ NODE_ROOM_CONFIG, "Configure a room", adhocadmin_room_form,
	    adhocadmin_room_config_run, adhocadmin_config_vars },
	{ NODE_BLOCK, "Ban from every room", adhocadmin_block_form,
	    adhocadmin_block_run, adhocadmin_block_vars },
	{ NODE_UNBLOCK, "Lift a service-wide ban", adhocadmin_unblock_form,
	    adhocadmin_unblock_run, adhocadmin_block_vars },
	{ NODE_BLOCKLIST, "List service-wide bans", NULL,
	    adhocadmin_blocklist_run, adhocadmin_no_vars },
};

/* A room's, for its owners and admins. */
static const struct adhoc_cmd room_cmds[] = {
	{ NODE_HAT_DON, "Add a hat to a user", hatcmd_don_form,
	    hatcmd_don_run, hatcmd_vars },
	{ NODE_HAT_DOFF, "Remove a hat from a user", hatcmd_doff_form,
	    hatcmd_doff_run, hatcmd_vars },
	{ NODE_HAT_DLIST, "List users with hats", NULL, hatcmd_dlist_run,
	    hatcmd_no_vars },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct adhoc_cmd *
find(const struct adhoc_cmd *cmds, size_t n, const char *node)
{
	size_t i;

	for (i = 0; node != NULL && i < n; i++)
		if (strcmp(cmds[i].node, node) == 0)
			return &cmds[i];
	return NULL;
}

/* Who may run a room's commands: its owners and admins. */
static bool
room_may(const struct room *r, const char *bare)
{
	return aff_rank(room_affiliation(r, bare)) >= aff_rank(AFF_ADMIN);
}

static int
add_stored(void *arg, const char *room, const char *json)
{
	struct xnode *f = arg;

	(void)json;
	form_add_option(f, NULL, room);
	return x_count_children(f) >= LIST_MAX ? 1 : 0;
}

static void
destroy_form(struct adhoc_req *q)
{
	struct mucd *m = q->m;
	struct xnode *x, *f;
	struct room *r;
	const char *k;
	size_t i;

	x = form_new(q->cmd, "form", NODE_DESTROY, "Destroy rooms",
	    "Select the rooms to destroy");
	f = form_add_field(x, "rooms", "list-multi", "Rooms to destroy:", NULL);
	form_set_required(f);
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (!r->stored)
			form_add_option(f, NULL, r->jid);
	if (m->store != NULL)
		store_room_iter(m->store, NULL, add_stored, f);
}

static void
destroy_run(struct adhoc_req *q, const struct form *f)
{
	const struct form_field *rooms = form_get(f, "rooms");
	char jid[JID_BARE_MAX + 1];
	struct muc_err e;
	struct room *r;
	const char *why;
	bool failed;
	size_t i;

	if (rooms == NULL || rooms->nvalues == 0) {
		q->note_type = "error";
		buf_puts(&q->note, "rooms: Required value missing");
		return;
	}
	buf_puts(&q->note, "The following rooms were destroyed:");
	for (i = 0; i < rooms->nvalues; i++) {
		if (jid_prep_bare(rooms->values[i], jid, sizeof(jid), &why) == -1)
			continue;
		if ((r = room_find(q->m, jid, &failed)) == NULL)
			continue;
		if (owner_destroy(r, NULL, NULL, NULL, false, &e) == 0)
			buf_printf(&q->note, "\n%s", jid);
	}
}

static void
setaff_form(struct adhoc_req *q)
{
	struct xnode *x, *f;

	x = form_new(q->cmd, "form", NODE_SETAFF, "Set affiliation", NULL);
	form_set_required(form_add_field(x, "room", "jid-single", "Room", NULL));
	form_set_required(form_add_field(x, "jid", "jid-single", "JID", NULL));
	f = form_add_field(x, "affiliation", "list-single", "Affiliation", NULL);
	form_set_required(f);
	form_add_option(f, NULL, "owner");
	form_add_option(f, NULL, "admin");
	form_add_option(f, NULL, "member");
	form_add_option(f, NULL, "none");
	form_add_option(f, NULL, "outcast");
	form_add_field(x, "reason", "text-single", "Reason", NULL);
}

static void
setaff_run(struct adhoc_req *q, const struct form *f)
{
	const char *room = form_value(f, "room"), *jid = form_value(f, "jid");
	const char *aff = form_value(f, "affiliation"), *why;
	char rj[JID_BARE_MAX + 1];
	struct aff_change c = { 0 };
	struct muc_err e;
	struct room *r;
	bool failed;

	q->note_type = "error";
	if (room == NULL || jid == NULL || aff == NULL) {
		buf_puts(&q->note, "room, jid and affiliation are required");
		return;
	}
	if (jid_prep_bare(room, rj, sizeof(rj), &why) == -1 ||
	    jid_prep_bare(jid, c.bare, sizeof(c.bare), &why) == -1 ||
	    aff_parse(aff, &c.aff) == -1) {
		buf_puts(&q->note, "Invalid room, JID or affiliation");
		return;
	}
	if ((r = room_find(q->m, rj, &failed)) == NULL) {
		buf_puts(&q->note, "No such room");
		return;
	}
	c.reason = form_value(f, "reason");
	if (c.reason != NULL && *c.reason == '\0')
		c.reason = NULL;
	if (affiliation_apply(r, NULL, &c, 1, &e) == -1) {
		buf_printf(&q->note, "Affiliation change failed: %s", e.cond);
		return;
	}
	q->note_type = "info";
	buf_puts(&q->note, "Affiliation updated");
}

static struct xnode *
reply_command(const char *node, const char *sid, const char *status)
{
	struct xnode *c = x_new("command", NS_COMMANDS);

	x_set_attr(c, "node", node);
	x_set_attr(c, "sessionid", sid);
	x_set_attr(c, "status", status);
	return c;
}

/* The form to fill in, with the one action there is: complete. */
static void
offer_form(struct adhoc_req *q, const struct adhoc_cmd *c)
{
	struct xnode *a = x_add(q->cmd, "actions", NULL);

	x_set_attr(a, "execute", "complete");
	x_add(a, "complete", NULL);
	c->form(q);
}

static void
execute(struct adhoc_req *q, const struct adhoc_cmd *c, const struct form *f)
{
	log_info("ad-hoc command %s%s%s by %s", c->node, q->r ? " on " : "",
	    q->r ? q->r->jid : "", q->from->full);
	c->run(q, f);
	if (strcmp(q->status, "executing") == 0)
		return;
	if (q->note.len > 0 && buf_cstr(&q->note) == 0)
		x_set_attr(x_add_child_text(q->cmd, "note", q->note.data),
		    "type", q->note_type);
}

static void
run_command(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct adhoc_cmd *c)
{
	const struct xnode *cmd = st_payload(st), *x;
	const char *action = x_attr(cmd, "action"), *sid = x_attr(cmd, "sessionid");
	const char *xt;
	struct adhoc_req q = { m, r, from, NULL, { 0 }, "info", "completed" };
	char sidbuf[33], err[128];
	struct form f;

	if (sid == NULL) {
		unsigned char raw[12];

		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(sidbuf, sizeof(sidbuf), raw, sizeof(raw));
		sid = sidbuf;
	}
	if (action != NULL && strcmp(action, "cancel") == 0) {
		st_send_result(m, st, reply_command(c->node, sid, "canceled"));
		return;
	}
	x = x_child(cmd, "x", NS_XDATA);
	xt = x_attr(x, "type");
	if (c->form != NULL && (x == NULL || (xt != NULL &&
	    strcmp(xt, "submit") != 0))) {
		q.cmd = reply_command(c->node, sid, "executing");
		offer_form(&q, c);
		st_send_result(m, st, q.cmd);
		return;
	}
	memset(&f, 0, sizeof(f));
	if (x != NULL && form_parse(&f, x, c->vars, m->conf.max_form_fields,
	    err, sizeof(err)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", err, NULL);
		return;
	}
	buf_init(&q.note, NOTE_MAX);
	q.cmd = reply_command(c->node, sid, "completed");
	audit_set_path(m, AUDIT_ADHOC);
	execute(&q, c, &f);
	x_set_attr(q.cmd, "status", q.status);
	form_free(&f);
	buf_free(&q.note);
	st_send_result(m, st, q.cmd);
}

/* A set IQ naming a command of the table, by someone who may. */
static const struct adhoc_cmd *
admissible(struct mucd *m, struct xnode *st, const struct adhoc_cmd *cmds,
    size_t n, bool may)
{
	const struct adhoc_cmd *c = find(cmds, n, x_attr(st_payload(st),
	    "node"));

	if (strcmp(st_type(st), "set") != 0 || c == NULL) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return NULL;
	}
	if (!may) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return NULL;
	}
	return c;
}

void
adhoc_iq(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const struct adhoc_cmd *c = admissible(m, st, service_cmds,
	    NELEM(service_cmds), mucd_is_admin(m, from->bare));

	if (c != NULL)
		run_command(m, NULL, st, from, c);
}

void
adhoc_room_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct adhoc_cmd *c = admissible(m, st, room_cmds,
	    NELEM(room_cmds), room_may(r, from->bare));

	if (c != NULL) {
		/* A command may empty a temporary room; it must outlive the
		 * reply. */
		room_hold(r);
		run_command(m, r, st, from, c);
		room_release(r);
	}
}

static void
node_info(struct mucd *m, struct xnode *st, const char *node,
    const struct adhoc_cmd *c, bool may)
{
	struct xnode *q, *i;

	q = x_new("query", NS_DISCO_INFO);
	x_set_attr(q, "node", node);
	i = x_add(q, "identity", NULL);
	x_set_attr(i, "category", "automation");
	if (strcmp(node, NS_COMMANDS) == 0) {
		x_set_attr(i, "type", "command-list");
		st_send_result(m, st, q);
		return;
	}
	if (c == NULL || !may) {
		x_free(q);
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return;
	}
	x_set_attr(i, "type", "command-node");
	x_set_attr(i, "name", c->name);
	x_set_attr(x_add(q, "feature", NULL), "var", NS_COMMANDS);
	x_set_attr(x_add(q, "feature", NULL), "var", NS_XDATA);
	st_send_result(m, st, q);
}

static void
node_items(struct mucd *m, struct xnode *st, const char *jid,
    const char *node, const struct adhoc_cmd *cmds, size_t n, bool may)
{
	struct xnode *q, *it;
	size_t i;

	if (strcmp(node, NS_COMMANDS) != 0) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return;
	}
	q = x_new("query", NS_DISCO_ITEMS);
	x_set_attr(q, "node", node);
	/* Only those who may run the commands see them. */
	for (i = 0; may && i < n; i++) {
		it = x_add(q, "item", NULL);
		x_set_attr(it, "jid", jid);
		x_set_attr(it, "node", cmds[i].node);
		x_set_attr(it, "name", cmds[i].name);
	}
	st_send_result(m, st, q);
}

void
adhoc_disco_info(struct mucd *m, struct xnode *st, const struct jid *from,
    const char *node)
{
	node_info(m, st, node, find(service_cmds, NELEM(service_cmds), node),
	    mucd_is_admin(m, from->bare));
}

void
adhoc_disco_items(struct mucd *m, struct xnode *st, const struct jid *from,
    const char *node)
{
	node_items(m, st, m->conf.domain, node, service_cmds,
	    NELEM(service_cmds), mucd_is_admin(m, from->bare));
}

void
adhoc_room_disco_info(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *node)
{
	node_info(m, st, node, find(room_cmds, NELEM(room_cmds), node),
	    room_may(r, from->bare));
}

void
adhoc_room_disco_items(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *node)
{
	node_items(m, st, r->jid, node, room_cmds, NELEM(room_cmds),
	    room_may(r, from->bare));
}
