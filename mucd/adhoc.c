#include "adhoc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "form.h"
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

struct command;
typedef void (*cmd_run)(struct mucd *, const struct form *, struct buf *note,
	    const char **note_type);
typedef void (*cmd_form)(struct mucd *, struct xnode *cmd);

struct command {
	const char	*node;
	const char	*name;
	cmd_form	 form;
	cmd_run		 run;
	const char *const *vars;	/* the fields run reads */
};

static void destroy_form(struct mucd *, struct xnode *);
static void destroy_run(struct mucd *, const struct form *, struct buf *,
    const char **);
static void setaff_form(struct mucd *, struct xnode *);
static void setaff_run(struct mucd *, const struct form *, struct buf *,
    const char **);

static const char *const destroy_vars[] = { "rooms", NULL };
static const char *const setaff_vars[] = { "room", "jid", "affiliation",
	"reason", NULL };

static const struct command commands[] = {
	{ NODE_DESTROY, "Destroy Rooms", destroy_form, destroy_run,
	    destroy_vars },
	{ NODE_SETAFF, "Set affiliation in room", setaff_form, setaff_run,
	    setaff_vars },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *
find(const char *node)
{
	size_t i;

	for (i = 0; node != NULL && i < NCOMMANDS; i++)
		if (strcmp(commands[i].node, node) == 0)
			return &commands[i];
	return NULL;
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
destroy_form(struct mucd *m, struct xnode *cmd)
{
	struct xnode *x, *f;
	struct room *r;
	const char *k;
	size_t i;

	x = form_new(cmd, "form", NODE_DESTROY, "Destroy rooms",
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
destroy_run(struct mucd *m, const struct form *f, struct buf *note,
    const char **type)
{
	const struct form_field *rooms = form_get(f, "rooms");
	char jid[JID_BARE_MAX + 1];
	struct muc_err e;
	struct room *r;
	const char *why;
	bool failed;
	size_t i;

	if (rooms == NULL || rooms->nvalues == 0) {
		*type = "error";
		buf_puts(note, "rooms: Required value missing");
		return;
	}
	buf_puts(note, "The following rooms were destroyed:");
	for (i = 0; i < rooms->nvalues; i++) {
		if (jid_prep_bare(rooms->values[i], jid, sizeof(jid), &why) == -1)
			continue;
		if ((r = room_find(m, jid, &failed)) == NULL)
			continue;
		if (owner_destroy(r, NULL, NULL, NULL, false, &e) == 0)
			buf_printf(note, "\n%s", jid);
	}
}

static void
setaff_form(struct mucd *m, struct xnode *cmd)
{
	struct xnode *x, *f;

	(void)m;
	x = form_new(cmd, "form", NODE_SETAFF, "Set affiliation", NULL);
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
setaff_run(struct mucd *m, const struct form *f, struct buf *note,
    const char **type)
{
	const char *room = form_value(f, "room"), *jid = form_value(f, "jid");
	const char *aff = form_value(f, "affiliation"), *why;
	char rj[JID_BARE_MAX + 1];
	struct aff_change c = { 0 };
	struct muc_err e;
	struct room *r;
	bool failed;

	*type = "error";
	if (room == NULL || jid == NULL || aff == NULL) {
		buf_puts(note, "room, jid and affiliation are required");
		return;
	}
	if (jid_prep_bare(room, rj, sizeof(rj), &why) == -1 ||
	    jid_prep_bare(jid, c.bare, sizeof(c.bare), &why) == -1 ||
	    aff_parse(aff, &c.aff) == -1) {
		buf_puts(note, "Invalid room, JID or affiliation");
		return;
	}
	if ((r = room_find(m, rj, &failed)) == NULL) {
		buf_puts(note, "No such room");
		return;
	}
	c.reason = form_value(f, "reason");
	if (c.reason != NULL && *c.reason == '\0')
		c.reason = NULL;
	if (affiliation_apply(r, NULL, &c, 1, &e) == -1) {
		buf_printf(note, "Affiliation change failed: %s", e.cond);
		return;
	}
	*type = "info";
	buf_puts(note, "Affiliation updated");
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

void
adhoc_iq(struct mucd *m, struct xnode *st, const struct jid *from)
{
	const struct xnode *cmd = st_payload(st), *x;
	const char *action = x_attr(cmd, "action"), *sid = x_attr(cmd, "sessionid");
	const char *note_type = "info", *xt;
	const struct command *c = find(x_attr(cmd, "node"));
	char sidbuf[33], err[128];
	struct xnode *out;
	struct form f;
	struct buf note;

	if (strcmp(st_type(st), "set") != 0 || c == NULL) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return;
	}
	if (!mucd_is_admin(m, from->bare)) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return;
	}
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
	if (x == NULL || (xt != NULL && strcmp(xt, "submit") != 0)) {
		struct xnode *a;

		out = reply_command(c->node, sid, "executing");
		a = x_add(out, "actions", NULL);
		x_set_attr(a, "execute", "complete");
		x_add(a, "complete", NULL);
		c->form(m, out);
		st_send_result(m, st, out);
		return;
	}
	if (form_parse(&f, x, c->vars, 100000, err, sizeof(err)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", err, NULL);
		return;
	}
	buf_init(&note, 65536);
	log_info("ad-hoc command %s by %s", c->node, from->full);
	c->run(m, &f, &note, &note_type);
	form_free(&f);
	out = reply_command(c->node, sid, "completed");
	buf_cstr(&note);
	x_set_attr(x_add_child_text(out, "note", note.data ? note.data : ""),
	    "type", note_type);
	buf_free(&note);
	st_send_result(m, st, out);
}

void
adhoc_disco_info(struct mucd *m, struct xnode *st, const struct jid *from,
    const char *node)
{
	const struct command *c = find(node);
	struct xnode *q, *i;

	if (strcmp(node, NS_COMMANDS) == 0) {
		q = x_new("query", NS_DISCO_INFO);
		x_set_attr(q, "node", node);
		i = x_add(q, "identity", NULL);
		x_set_attr(i, "category", "automation");
		x_set_attr(i, "type", "command-list");
		st_send_result(m, st, q);
		return;
	}
	if (c == NULL || !mucd_is_admin(m, from->bare)) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return;
	}
	q = x_new("query", NS_DISCO_INFO);
	x_set_attr(q, "node", node);
	i = x_add(q, "identity", NULL);
	x_set_attr(i, "category", "automation");
	x_set_attr(i, "type", "command-node");
	x_set_attr(i, "name", c->name);
	x_set_attr(x_add(q, "feature", NULL), "var", NS_COMMANDS);
	x_set_attr(x_add(q, "feature", NULL), "var", NS_XDATA);
	st_send_result(m, st, q);
}

void
adhoc_disco_items(struct mucd *m, struct xnode *st, const struct jid *from,
    const char *node)
{
	struct xnode *q, *it;
	size_t i;

	if (strcmp(node, NS_COMMANDS) != 0) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL, NULL);
		return;
	}
	q = x_new("query", NS_DISCO_ITEMS);
	x_set_attr(q, "node", node);
	/* Only administrators see (and may run) the commands. */
	for (i = 0; mucd_is_admin(m, from->bare) && i < NCOMMANDS; i++) {
		it = x_add(q, "item", NULL);
		x_set_attr(it, "jid", m->conf.domain);
		x_set_attr(it, "node", commands[i].node);
		x_set_attr(it, "name", commands[i].name);
	}
	st_send_result(m, st, q);
}
