#include "subject.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"

static struct xnode *
subject_message(const struct room *r)
{
	struct xnode *msg = x_new("message", NS_COMPONENT);

	if (msg == NULL)
		return NULL;
	x_set_attr(msg, "type", "groupchat");
	x_set_attr(msg, "from", r->subject.from ? r->subject.from : r->jid);
	x_add_child_text(msg, "subject", r->subject.text);
	return msg;
}

void
subject_send(struct room *r, const char *to)
{
	struct xnode *msg = subject_message(r), *d;
	char stamp[32];

	if (msg == NULL)
		return;
	if (r->subject.time != 0) {
		st_stamp(r->subject.time, stamp, sizeof(stamp));
		d = x_add(msg, "delay", NS_DELAY);
		x_set_attr(d, "from", r->jid);
		x_set_attr(d, "stamp", stamp);
	}
	x_set_attr(msg, "to", to);
	mucd_send_free(r->mucd, msg);
}

int
subject_set(struct room *r, const char *from, const char *text)
{
	char *nt = NULL, *nf = NULL, *ot = r->subject.text, *of = r->subject.from;
	long long otime = r->subject.time;

	if (text != NULL && *text == '\0')
		text = NULL;
	if ((text && (nt = strdup(text)) == NULL) ||
	    (from && (nf = strdup(from)) == NULL)) {
		free(nt);
		return -1;
	}
	audit_note(r->mucd, r->jid, "subject", NULL, ot, nt, NULL);
	r->subject.text = nt;
	r->subject.from = nf;
	r->subject.time = (long long)time(NULL);
	if (room_save(r) != 0) {
		/* Keep memory as the store has it. */
		r->subject.text = ot;
		r->subject.from = of;
		r->subject.time = otime;
		free(nt);
		free(nf);
		return -1;
	}
	free(ot);
	free(of);
	subject_publish(r);
	return 0;
}

void
subject_publish(struct room *r)
{
	struct xnode *msg;

	if ((msg = subject_message(r)) != NULL) {
		room_broadcast(r, msg, NULL, NULL);
		x_free(msg);
	}
}

bool
subject_handle(struct room *r, struct occupant *o, struct xnode *msg)
{
	struct mucd *m = r->mucd;
	const char *text;

	if (x_child(msg, "subject", NS_COMPONENT) == NULL ||
	    x_child(msg, "body", NS_COMPONENT) != NULL ||
	    x_child(msg, "thread", NS_COMPONENT) != NULL)
		return false;
	/* Moderators always; participants when the room allows it. */
	if (!(o->role == ROLE_MODERATOR ||
	    (o->role == ROLE_PARTICIPANT && r->cfg.changesubject))) {
		st_send_error(m, msg, ERR_AUTH, "forbidden",
		    "You are not allowed to change the subject", NULL);
		return true;
	}
	text = x_child_text(msg, "subject", NS_COMPONENT);
	if (strlen(text) > m->conf.max_subject_length) {
		st_send_error(m, msg, ERR_MODIFY, "not-acceptable",
		    "Subject too long", NULL);
		return true;
	}
	if (subject_set(r, o->occjid, text) == -1)
		st_send_error(m, msg, ERR_WAIT, "internal-server-error",
		    "Could not store the subject", NULL);
	return true;
}
