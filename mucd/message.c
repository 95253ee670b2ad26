#include "message.h"
#include "moderate.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "archive.h"
#include "form.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "presence.h"
#include "ratelimit.h"
#include "room.h"
#include "slowmode.h"
#include "stanza.h"
#include "subject.h"
#include "utf8.h"

#define TEXT_NOT_IN_ROOM	"You are not currently connected to this chat"
#define TEXT_TOO_FAST		"You are sending messages too fast"

int
message_is_kickable_error(const struct xnode *st)
{
	static const char *conds[] = {
		"gone", "internal-server-error", "item-not-found",
		"jid-malformed", "recipient-unavailable", "redirect",
		"remote-server-not-found", "remote-server-timeout",
		"service-unavailable", NULL
	};
	const char *c = st_error_condition(st);
	int i;

	if (c == NULL)
		return 1;	/* a malformed error */
	for (i = 0; conds[i] != NULL; i++)
		if (strcmp(c, conds[i]) == 0)
			return 1;
	return 0;
}

/* Drop children the sender must not control in what the room relays. */
static void
strip(struct xnode *st, const char *roomjid, bool muc_x)
{
	struct xnode *c, *next;

	for (c = st->first; c != NULL; c = next) {
		next = c->next;
		if (c->name == NULL)
			continue;
		if ((muc_x && (!strcmp(c->ns, NS_MUC) ||
		    !strcmp(c->ns, NS_MUC_USER))) ||
		    !strcmp(c->ns, NS_OCCUPANT_ID) ||
		    (x_is(c, "delay", NS_DELAY) &&
		    x_attr(c, "from") && !strcmp(x_attr(c, "from"), roomjid)) ||
		    (x_is(c, "x", "jabber:x:delay") &&
		    x_attr(c, "from") && !strcmp(x_attr(c, "from"), roomjid)))
			x_unlink(c);
	}
}

static void
add_occupant_id(struct xnode *st, const struct occupant *o)
{
	x_set_attr(x_add(st, "occupant-id", NS_OCCUPANT_ID), "id",
	    o->occupant_id);
}

static void
groupchat(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	struct occupant *o = room_occupant_by_jid(r, from->full);
	const char *body;
	struct archive_admission ac;
	struct muc_err e;
	unsigned wait;
	bool keep;
	char id[33], why[128];

	if (o == NULL || o->role == ROLE_NONE) {
		st_send_error(m, st, ERR_CANCEL, "not-acceptable",
		    TEXT_NOT_IN_ROOM, NULL);
		return;
	}
	if (o->role == ROLE_VISITOR) {
		st_send_error(m, st, ERR_AUTH, "forbidden", "You do not "
		    "currently have permission to speak in this chat", NULL);
		return;
	}
	if (!ratelimit_take(m, &o->rate_msg, m->conf.rate_messages)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    TEXT_TOO_FAST, NULL);
		return;
	}
	body = x_child_text(st, "body", NS_COMPONENT);
	if (body != NULL && strlen(body) > m->conf.max_body_length) {
		st_send_error(m, st, ERR_MODIFY, "policy-violation",
		    "Message too long", NULL);
		return;
	}
	if (subject_handle(r, o, st))
		return;
	if (body != NULL && (wait = slowmode_wait(r, o)) > 0) {
		snprintf(why, sizeof(why), "This room is in slow mode: one "
		    "message every %u s; wait %u s before the next",
		    r->cfg.slow_mode, wait);
		m->stats.slow_mode_refused++;
		st_send_error(m, st, ERR_WAIT, "policy-violation", why, NULL);
		return;
	}
	strip(st, r->jid, false);
	add_occupant_id(st, o);
	x_set_attr(st, "to", NULL);
	x_set_attr(st, "from", o->occjid);
	if (x_attr(st, "id") == NULL) {
		unsigned char raw[12];

		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(id, sizeof(id), raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		x_set_attr(st, "id", id);
	}
	/* The room's stanza-id, then admission: the budget and size
	 * checks, then the archive; into history only what was relayed. */
	keep = history_is_historic(st);
	archive_stamp_id(r, st);
	ac.r = r;
	ac.msg = st;
	ac.o = o;
	ac.keep = keep;
	if (room_relay(r, st, archive_admit, &ac, &e) == -1) {
		x_set_attr(st, "from", from->full);
		x_set_attr(st, "to", r->jid);
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		return;
	}
	if (keep)
		history_add(r, st, o->bare);
	moderate_sender_retraction(r, st, o);
}

int
message_from_room(struct room *r, const char *body, struct muc_err *e)
{
	struct xnode *msg = x_new("message", NS_COMPONENT);

	x_set_attr(msg, "type", "groupchat");
	x_set_attr(msg, "from", r->jid);
	x_add_child_text(msg, "body", body);
	if (archive_message(r, msg, NULL, true, e) == -1) {
		x_free(msg);
		return -1;
	}
	history_add(r, msg, NULL);
	room_broadcast(r, msg, NULL, NULL);
	x_free(msg);
	return 0;
}

/* Mediated invitations (XEP-0045 7.8.2). */

static bool
may_invite(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct occupant *o = room_occupant_by_jid(r, from->full);
	enum store_aff aff = room_affiliation(r, from->bare);
	enum role role = o ? o->role : room_default_role(r, aff);
	enum store_aff need;

	if (role <= ROLE_VISITOR) {
		st_send_error(m, st, ERR_AUTH, "forbidden", NULL, NULL);
		return false;
	}
	/* Members-only rooms: admins invite, members when allowed. */
	if (r->cfg.members_only) {
		need = r->cfg.allow_member_invites ? AFF_MEMBER : AFF_ADMIN;
		if (aff_rank(aff) < aff_rank(need)) {
			st_send_error(m, st, ERR_AUTH, "forbidden", NULL, r->jid);
			return false;
		}
	}
	return true;
}

/*
 * A mediated invitation or decline: the sender's message, now from the
 * room, with <x xmlns=muc#user><kind from=who><reason/></kind></x>. *x
 * is that <x>.
 */
static struct xnode *
mediated(const struct room *r, const struct xnode *st, const char *to,
    const char *kind, const char *who, const char *reason, struct xnode **x)
{
	struct xnode *msg, *k;

	if ((msg = x_clone(st)) == NULL)
		return NULL;
	strip(msg, r->jid, true);
	x_set_attr(msg, "from", r->jid);
	x_set_attr(msg, "to", to);
	*x = x_add(msg, "x", NS_MUC_USER);
	k = x_add(*x, kind, NULL);
	x_set_attr(k, "from", who);
	x_add_child_text(k, "reason", reason ? reason : "");
	return msg;
}

/* For clients that do not show invitations, unless the sender wrote one:
 * "<who> <what> <room>[ (<reason>)]". */
static void
default_body(struct xnode *msg, const char *who, const char *what,
    const char *room, const char *reason)
{
	char body[4096];
	bool why = reason != NULL && *reason != '\0';

	if (x_child(msg, "body", NS_COMPONENT) != NULL)
		return;
	snprintf(body, sizeof(body), "%s %s %s%s%s%s", who, what, room,
	    why ? " (" : "", why ? reason : "", why ? ")" : "");
	/* A long reason is cut, maybe inside a character: one invalid
	 * byte would have the server close our stream. */
	utf8_chop(body);
	x_add_child_text(msg, "body", body);
}

/* Invitees of members-only rooms become members. */
static void
admit_invitee(struct room *r, const struct jid *to, const char *from)
{
	struct aff_change c = { .aff = AFF_MEMBER };
	char rs[JID_MAX + 16];
	struct muc_err e;

	if (!r->cfg.members_only ||
	    aff_rank(room_affiliation(r, to->bare)) > aff_rank(AFF_NONE))
		return;
	snprintf(c.bare, sizeof(c.bare), "%s", to->bare);
	snprintf(rs, sizeof(rs), "Invited by %s", from);
	c.reason = rs;
	if (affiliation_apply(r, NULL, &c, 1, &e) == -1)
		log_warn("room %s: invitee %s not made a member: %s",
		    r->jid, to->bare, e.cond);
}

/*
 * The rest of an invitation, whoever invites: the password, the direct
 * invitation clients without MUC show, a body, membership in a
 * members-only room, and the size check. msg (taken over) is from the
 * room, x its <x xmlns=muc#user> with the <invite/>.
 */
static int
send_invite(struct room *r, struct xnode *msg, struct xnode *x,
    const struct jid *to, const char *shown, const char *reason,
    const char *inviter, struct muc_err *e)
{
	if (r->cfg.password != NULL)
		x_add_child_text(x, "password", r->cfg.password);
	x = x_add(msg, "x", NS_CONFERENCE);
	x_set_attr(x, "jid", r->jid);
	if (reason != NULL && *reason != '\0')
		x_add_text(x, reason);
	default_body(msg, shown, "invited you to the room", r->jid, reason);
	if (!st_fits_out(r->mucd, msg, 0)) {
		x_free(msg);
		return st_refuse(e, ERR_MODIFY, "policy-violation",
		    "Invitation too large to relay");
	}
	admit_invitee(r, to, inviter);
	mucd_send_free(r->mucd, msg);
	return 0;
}

static void
invite(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *payload)
{
	const char *reason = x_child_text(payload, "reason", NS_MUC_USER);
	const struct occupant *o = room_occupant_by_jid(r, from->full);
	const char *shown = from->full, *why;
	struct xnode *msg, *x;
	struct muc_err e;
	struct jid to;

	if (jid_parse(&to, x_attr(payload, "to"), &why) == -1) {
		st_send_error(m, st, ERR_CANCEL, "jid-malformed", NULL, NULL);
		return;
	}
	if (!may_invite(m, r, st, from))
		return;
	/* Semi-anonymous rooms show the inviter's nick, not real JID, to
	 * invitees who will not be moderators. */
	if (r->cfg.whois == WHOIS_MODERATORS && o != NULL &&
	    room_default_role(r, room_affiliation(r, to.bare)) != ROLE_MODERATOR)
		shown = o->occjid;
	if ((msg = mediated(r, st, to.full, "invite", shown, reason,
	    &x)) == NULL)
		return;
	if (send_invite(r, msg, x, &to, shown, reason, from->full, &e) == -1)
		st_send_error(m, st, e.type, e.cond, e.text, r->jid);
}

int
message_invite(struct room *r, const struct jid *to, const char *reason,
    struct muc_err *e)
{
	struct xnode *msg = x_new("message", NS_COMPONENT), *x, *i;

	if (msg == NULL)
		return st_refuse(e, ERR_WAIT, "resource-constraint",
		    "out of memory");
	x_set_attr(msg, "from", r->jid);
	x_set_attr(msg, "to", to->full);
	x = x_add(msg, "x", NS_MUC_USER);
	i = x_add(x, "invite", NULL);
	x_set_attr(i, "from", r->jid);
	if (reason != NULL && *reason != '\0')
		x_add_child_text(i, "reason", reason);
	return send_invite(r, msg, x, to, r->jid, reason, r->jid, e);
}

static void
decline(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *payload)
{
	const char *reason = x_child_text(payload, "reason", NS_MUC_USER), *why;
	struct occupant *o = NULL;
	struct xnode *msg, *x;
	struct jid to;

	if (jid_parse(&to, x_attr(payload, "to"), &why) == -1) {
		st_send_error(m, st, ERR_CANCEL, "jid-malformed", NULL, NULL);
		return;
	}
	if ((msg = mediated(r, st, to.full, "decline", from->full, reason,
	    &x)) == NULL)
		return;
	default_body(msg, from->full, "declined your invite to the room",
	    r->jid, reason);
	if (!st_fits_out(m, msg, 0)) {
		x_free(msg);
		st_send_error(m, st, ERR_MODIFY, "policy-violation",
		    "Decline too large to relay", r->jid);
		return;
	}
	/* Declining to an occupant JID reaches that occupant. */
	if (strcmp(to.bare, r->jid) == 0 && jid_has_resource(&to))
		o = room_occupant(r, to.resource);
	if (o != NULL) {
		x_set_attr(msg, "to", NULL);
		room_send_to_occupant(r, o, msg);
		x_free(msg);
	} else
		mucd_send_free(m, msg);
}

/* Voice requests (XEP-0045 7.13 / 8.6). */

/* What a moderator's answer is read for; the other fields are echoes. */
static const char *const request_vars[] = { "muc#jid", "muc#request_allow",
	NULL };
/* None: only FORM_TYPE, to tell what a form in a message is. */
static const char *const no_vars[] = { NULL };

static void
voice_request(struct room *r, struct occupant *o, const struct jid *from)
{
	enum role min = ROLE_MODERATOR;
	struct xnode *msg, *x, *f;

	if (o->role != ROLE_VISITOR)
		return;
	msg = x_new("message", NS_COMPONENT);
	x_set_attr(msg, "type", "normal");
	x_set_attr(msg, "from", r->jid);
	x = form_new(msg, "form", NS_MUC_REQUEST, "Voice Request", NULL);
	form_add_field(x, "muc#jid", "jid-single", "User ID", from->full);
	form_add_field(x, "muc#roomnick", "text-single", "Room nickname",
	    o->nick);
	f = form_add_field(x, "muc#role", "list-single", "Requested role",
	    "participant");
	form_add_option(f, NULL, "none");
	form_add_option(f, NULL, "visitor");
	form_add_option(f, NULL, "participant");
	form_add_option(f, NULL, "moderator");
	form_add_field(x, "muc#request_allow", "boolean",
	    "Grant voice to this person?", "false");
	room_broadcast(r, msg, room_role_at_least, &min);
	x_free(msg);
}

static void
voice_response(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct form *f)
{
	struct occupant *target;
	struct muc_err e;
	const char *who = form_value(f, "muc#jid"), *why;
	char full[JID_MAX + 1];

	if (form_bool(f, "muc#request_allow") != 1 || who == NULL)
		return;
	if (jid_prep_full(who, full, sizeof(full), &why) == -1 ||
	    (target = room_occupant_by_jid(r, full)) == NULL ||
	    target->role != ROLE_VISITOR)
		return;
	if (role_apply(r, from->full, target, ROLE_PARTICIPANT,
	    "Voice granted", &e) == -1)
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
}

static void
request(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *xform)
{
	struct occupant *o = room_occupant_by_jid(r, from->full);
	struct form f;
	char err[128];

	if (o == NULL) {
		st_send_error(m, st, ERR_CANCEL, "not-acceptable",
		    TEXT_NOT_IN_ROOM, r->jid);
		return;
	}
	if (form_parse(&f, xform, request_vars, m->conf.max_form_fields, err,
	    sizeof(err)) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", err, NULL);
		return;
	}
	if (o->role == ROLE_MODERATOR)
		voice_response(m, r, st, from, &f);
	else
		voice_request(r, o, from);
	form_free(&f);
}

void
message_to_room(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const char *type = st_type(st);
	const struct xnode *x, *payload, *xf;
	struct occupant *o;

	if (strcmp(type, "groupchat") == 0) {
		groupchat(m, r, st, from);
		return;
	}
	if (strcmp(type, "error") == 0) {
		if (message_is_kickable_error(st) &&
		    (o = room_occupant_by_jid(r, from->full)) != NULL)
			presence_kick_on_error(r, o, from->full, st);
		return;
	}
	/* Invitations, declines and voice requests reach others; anything
	 * else is answered with an error: each takes a token. */
	if (!ratelimit_jid(m, from->bare, RATE_MESSAGE)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    TEXT_TOO_FAST, r->jid);
		return;
	}
	if (*type != '\0' && strcmp(type, "normal") != 0) {
		st_send_error(m, st, ERR_MODIFY, "bad-request",
		    "Messages to the room must be groupchat or normal", r->jid);
		return;
	}
	if ((x = x_child(st, "x", NS_MUC_USER)) != NULL) {
		payload = st_payload(x);
		if (x_is(payload, "invite", NS_MUC_USER) && x_attr(payload, "to"))
			invite(m, r, st, from, payload);
		else if (x_is(payload, "decline", NS_MUC_USER) &&
		    x_attr(payload, "to"))
			decline(m, r, st, from, payload);
		else
			st_send_error(m, st, ERR_CANCEL, "bad-request", NULL,
			    NULL);
		return;
	}
	xf = x_child(st, "x", NS_XDATA);
	if (xf != NULL) {
		struct form f;
		char err[64];
		const char *ft = NULL;

		if (form_parse(&f, xf, no_vars, m->conf.max_form_fields, err,
		    sizeof(err)) == 0) {
			ft = f.form_type;
			if (ft != NULL && strcmp(ft, NS_MUC_REQUEST) == 0) {
				form_free(&f);
				request(m, r, st, from, xf);
				return;
			}
			form_free(&f);
		}
	}
	st_send_error(m, st, ERR_CANCEL, "service-unavailable", NULL, r->jid);
}

static bool
pm_allowed(const struct room *r, const struct occupant *o)
{
	switch (r->cfg.allowpm) {
	case PM_ANYONE:		return true;
	case PM_PARTICIPANTS:	return o->role >= ROLE_PARTICIPANT;
	case PM_MODERATORS:	return o->role >= ROLE_MODERATOR;
	case PM_NONE:		return false;
	}
	return false;
}

void
message_to_occupant(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick)
{
	struct occupant *o = room_occupant_by_jid(r, from->full), *to;
	const char *type = st_type(st);

	if (o == NULL) {
		if (strcmp(type, "error") != 0)
			st_send_error(m, st, ERR_CANCEL, "not-acceptable",
			    TEXT_NOT_IN_ROOM, r->jid);
		return;
	}
	if (strcmp(type, "groupchat") == 0) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", NULL, r->jid);
		return;
	}
	if (strcmp(type, "error") == 0 && message_is_kickable_error(st)) {
		presence_kick_on_error(r, o, from->full, st);
		return;
	}
	if ((to = room_occupant(r, nick)) == NULL) {
		st_send_error(m, st, ERR_CANCEL, "item-not-found",
		    "Recipient not in room", r->jid);
		return;
	}
	if (strcmp(type, "error") != 0 && !pm_allowed(r, o)) {
		st_send_error(m, st, ERR_CANCEL, "not-allowed",
		    "Private messages are not allowed in this room", r->jid);
		return;
	}
	if (!ratelimit_take(m, &o->rate_msg, m->conf.rate_messages)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    TEXT_TOO_FAST, r->jid);
		return;
	}
	strip(st, r->jid, true);
	x_add(st, "x", NS_MUC_USER);
	add_occupant_id(st, o);
	x_set_attr(st, "from", o->occjid);
	x_set_attr(st, "to", NULL);
	if (room_send_to_occupant(r, to, st) == -1) {
		x_set_attr(st, "from", from->full);
		x_set_attr(st, "to", to->occjid);
		st_send_error(m, st, ERR_MODIFY, "policy-violation",
		    "Message too large to relay", r->jid);
	}
}
