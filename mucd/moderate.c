#include "moderate.h"

#include <string.h>
#include <time.h>

#include "archive.h"
#include "history.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"

struct modreq {
	const char	*sid;		/* the room's stanza-id of the message */
	const char	*reason;	/* or NULL */
};

bool
moderate_is_request(const struct xnode *q)
{
	return q != NULL && (x_is(q, "moderate", NS_MODERATE1) ||
	    x_is(q, "apply-to", NS_FASTEN));
}

/* <moderate id><retract/><reason/></moderate> (:1), or the same inside
 * <apply-to id> (:0); anything else is malformed. */
static int
parse_request(const struct xnode *q, struct modreq *rq)
{
	const struct xnode *mod;

	rq->sid = x_attr(q, "id");
	if (x_is(q, "moderate", NS_MODERATE1)) {
		if (x_child(q, "retract", NS_RETRACT1) == NULL)
			return -1;
		rq->reason = x_child_text(q, "reason", NS_MODERATE1);
	} else {
		mod = x_child(q, "moderate", NS_MODERATE0);
		if (mod == NULL || x_child(mod, "retract", NS_RETRACT0) == NULL)
			return -1;
		rq->reason = x_child_text(mod, "reason", NS_MODERATE0);
	}
	return rq->sid != NULL && *rq->sid != '\0' ? 0 : -1;
}

static void
now_stamp(char *out, size_t outlen)
{
	st_stamp((long long)time(NULL), out, outlen);
}

/* <moderated by='room/nick' xmlns=NS><occupant-id id/></moderated> */
static struct xnode *
moderated(struct xnode *parent, const char *ns, const struct occupant *mod)
{
	struct xnode *m = x_add(parent, "moderated", ns);

	x_set_attr(m, "by", mod->occjid);
	x_set_attr(x_add(m, "occupant-id", NS_OCCUPANT_ID), "id",
	    mod->occupant_id);
	return m;
}

/* The tombstone's payload for a moderated message. */
static struct xnode *
moderated_tombstone(const struct occupant *mod, const char *reason)
{
	struct xnode *t = x_new("retracted", NS_RETRACT1);
	char stamp[32];

	now_stamp(stamp, sizeof(stamp));
	x_set_attr(t, "stamp", stamp);
	moderated(t, NS_MODERATE1, mod);
	if (reason != NULL)
		x_add_child_text(t, "reason", reason);
	return t;
}

/*
 * What every occupant is told, from the room itself: both forms in one
 * message — the :1 <retract/> of current clients and the :0 fastening
 * older ones understand (as Prosody's and ejabberd's moderation do).
 */
static int
announce(struct room *r, const struct occupant *mod, const char *sid,
    const char *reason, struct muc_err *e)
{
	struct xnode *msg = x_new("message", NS_COMPONENT), *rt, *ap, *md;

	x_set_attr(msg, "type", "groupchat");
	x_set_attr(msg, "from", r->jid);
	rt = x_add(msg, "retract", NS_RETRACT1);
	x_set_attr(rt, "id", sid);
	moderated(rt, NS_MODERATE1, mod);
	if (reason != NULL)
		x_add_child_text(rt, "reason", reason);
	ap = x_add(msg, "apply-to", NS_FASTEN);
	x_set_attr(ap, "id", sid);
	md = x_add(ap, "moderated", NS_MODERATE0);
	x_set_attr(md, "by", mod->occjid);
	x_add(md, "retract", NS_RETRACT0);
	if (reason != NULL)
		x_add_child_text(md, "reason", reason);
	/* Not archived: the tombstone already stands in the archive. */
	if (archive_message(r, msg, NULL, false, e) == -1) {
		x_free(msg);
		return -1;
	}
	room_broadcast(r, msg, NULL, NULL);
	x_free(msg);
	return 0;
}

/* Find the message, archived or in memory: 1 archived (in *it), 0 only
 * in join history, -1 nowhere or on a failure (e says which). */
static int
find(struct room *r, const char *sid, struct store_arch_item *it,
    struct muc_err *e)
{
	struct store_arch_room *ar;
	bool failed;
	int rc;

	if (archive_on(r) && (ar = archive_room(r, false, &failed)) != NULL) {
		rc = store_arch_get(r->mucd->store, ar->aid, sid, it);
		if (rc == STORE_OK)
			return 1;
		if (rc != STORE_NOTFOUND)
			return st_refuse(e, ERR_WAIT, "internal-server-error",
			    "The archive could not be read");
	} else if (archive_on(r) && failed)
		return st_refuse(e, ERR_WAIT, "internal-server-error",
		    "The archive could not be read");
	if (history_forget(r, sid, NULL))
		return 0;
	return st_refuse(e, ERR_CANCEL, "item-not-found",
	    "No message with that id in this room");
}

static int
retract(struct room *r, const struct occupant *mod, const struct modreq *rq,
    struct muc_err *e)
{
	struct store_arch_item it;
	int where;

	if (mod == NULL || mod->role != ROLE_MODERATOR)
		return st_refuse(e, ERR_AUTH, "forbidden", "Only moderators "
		    "may retract other participants' messages");
	if ((where = find(r, rq->sid, &it, e)) == -1)
		return -1;
	audit_note(r->mucd, r->jid, "moderate", rq->sid, NULL, NULL,
	    rq->reason);
	if (where == 1) {
		history_forget(r, rq->sid, NULL);
		if (archive_tombstone(r, &it,
		    moderated_tombstone(mod, rq->reason)) == -1) {
			store_arch_item_free(&it);
			return st_refuse(e, ERR_WAIT, "internal-server-error",
			    "The message could not be removed from the "
			    "archive");
		}
		log_info("room %s: %s (%s) retracted message %s from %s%s%s",
		    r->jid, mod->nick, mod->bare, rq->sid,
		    it.rec.jid[0] ? it.rec.jid : it.rec.nick,
		    rq->reason ? ": " : "", rq->reason ? rq->reason : "");
		store_arch_item_free(&it);
	} else
		log_info("room %s: %s (%s) retracted message %s%s%s", r->jid,
		    mod->nick, mod->bare, rq->sid, rq->reason ? ": " : "",
		    rq->reason ? rq->reason : "");
	return announce(r, mod, rq->sid, rq->reason, e);
}

void
moderate_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	struct modreq rq = { NULL, NULL };
	struct muc_err e;

	if (strcmp(st_type(st), "set") != 0 ||
	    parse_request(st_payload(st), &rq) == -1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request",
		    "A moderation names a message by its id and retracts it",
		    NULL);
		return;
	}
	room_hold(r);
	st_send_outcome(m, st, retract(r, room_occupant_by_jid(r, from->full),
	    &rq, &e), &e);
	room_release(r);
}

/* The id a sender's retraction names: :1, or :0 inside a fastening. */
static const char *
retracted_id(const struct xnode *msg)
{
	const struct xnode *c;

	if ((c = x_child(msg, "retract", NS_RETRACT1)) != NULL)
		return x_attr(c, "id");
	if ((c = x_child(msg, "apply-to", NS_FASTEN)) != NULL &&
	    x_child(c, "retract", NS_RETRACT0) != NULL)
		return x_attr(c, "id");
	return NULL;
}

void
moderate_sender_retraction(struct room *r, const struct xnode *msg,
    const struct occupant *o)
{
	const char *sid = retracted_id(msg);
	struct store_arch_room *ar;
	struct store_arch_item it;
	struct xnode *t;
	char stamp[32];
	bool failed;

	if (sid == NULL || *sid == '\0')
		return;
	/* Only one's own: the same real JID sent it. */
	history_forget(r, sid, o->bare);
	if (!archive_on(r) || (ar = archive_room(r, false, &failed)) == NULL ||
	    store_arch_get(r->mucd->store, ar->aid, sid, &it) != STORE_OK)
		return;
	if (strcmp(it.rec.jid, o->bare) == 0 &&
	    !(it.rec.flags & STORE_ARCH_TOMBSTONE)) {
		t = x_new("retracted", NS_RETRACT1);
		now_stamp(stamp, sizeof(stamp));
		x_set_attr(t, "stamp", stamp);
		if (archive_tombstone(r, &it, t) == 0)
			log_debug("room %s: %s retracted message %s", r->jid,
			    o->bare, sid);
	}
	store_arch_item_free(&it);
}
