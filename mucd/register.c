#include "register.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "form.h"
#include "jid.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"

#define FIELD_NICK	"muc#register_roomnick"

static const char *const nick_vars[] = { FIELD_NICK, NULL };

static void
send_form(struct mucd *m, struct room *r, struct xnode *st, const char *bare)
{
	struct xnode *q = x_new("query", NS_REGISTER), *x, *f;
	const char *nick = room_reserved_nick(r, bare);

	if (nick != NULL) {
		x_add(q, "registered", NULL);
		x_add_child_text(q, "username", nick);
	} else {
		x = form_new(q, "form", NS_MUC_REGISTER, NULL, NULL);
		f = form_add_field(x, FIELD_NICK, "text-single", "Nickname",
		    NULL);
		form_set_required(f);
	}
	st_send_result(m, st, q);
}

static void
unregister(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, enum store_aff aff)
{
	struct aff_change c = { .drop_nick = true };
	struct muc_err e;

	/* Membership goes; a higher affiliation stays, minus the nick. */
	snprintf(c.bare, sizeof(c.bare), "%s", from->bare);
	c.aff = aff == AFF_MEMBER ? AFF_NONE : aff;
	st_send_outcome(m, st, affiliation_apply(r, NULL, &c, 1, &e), &e);
}

static void
submit(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, enum store_aff aff, const struct xnode *x)
{
	char nick[JID_PART_MAX + 1], err[128];
	const char *want, *why, *owner, *current;
	struct aff_change c = { 0 };
	struct occupant *o;
	struct muc_err e;
	struct form f;

	if (x == NULL) {
		st_send_error(m, st, ERR_MODIFY, "bad-request",
		    "Missing dataform", NULL);
		return;
	}
	if (form_parse(&f, x, nick_vars, m->conf.max_form_fields, err,
	    sizeof(err)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", err, NULL);
		return;
	}
	if (f.form_type == NULL || strcmp(f.form_type, NS_MUC_REGISTER) != 0 ||
	    (want = form_value(&f, FIELD_NICK)) == NULL) {
		form_free(&f);
		st_send_error(m, st, ERR_MODIFY, "bad-request", "Error in form",
		    NULL);
		return;
	}
	if (jid_resourceprep(want, nick, sizeof(nick), &why) == -1 ||
	    strspn(nick, " \t") == strlen(nick)) {
		form_free(&f);
		st_send_error(m, st, ERR_MODIFY, "bad-request",
		    "Invalid Nickname", NULL);
		return;
	}
	form_free(&f);
	/* In use by, or reserved by, somebody else. */
	if (((o = room_occupant(r, nick)) != NULL &&
	    strcmp(o->bare, from->bare) != 0) ||
	    ((owner = room_nick_owner(r, nick)) != NULL &&
	    strcmp(owner, from->bare) != 0)) {
		st_send_error(m, st, ERR_CANCEL, "conflict", NULL, NULL);
		return;
	}
	current = room_reserved_nick(r, from->bare);
	if (current != NULL && strcmp(current, nick) == 0) {
		st_send_result(m, st, NULL);
		return;
	}
	snprintf(c.bare, sizeof(c.bare), "%s", from->bare);
	c.aff = aff == AFF_NONE ? AFF_MEMBER : aff;
	c.nick = nick;
	st_send_outcome(m, st, affiliation_apply(r, NULL, &c, 1, &e), &e);
}

void
register_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	enum store_aff aff = room_affiliation(r, from->bare);
	const struct xnode *q = st_payload(st);

	if (aff == AFF_OUTCAST) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return;
	}
	if (aff == AFF_NONE && !m->conf.open_registration &&
	    !mucd_is_admin(m, from->bare)) {
		st_send_error(m, st, ERR_AUTH, "registration-required", NULL,
		    NULL);
		return;
	}
	if (strcmp(st_type(st), "get") == 0)
		send_form(m, r, st, from->bare);
	else if (x_child(q, "remove", NS_REGISTER) != NULL)
		unregister(m, r, st, from, aff);
	else
		submit(m, r, st, from, aff, x_child(q, "x", NS_XDATA));
}
