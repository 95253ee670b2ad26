#include "router.h"

#include <stdio.h>
#include <string.h>

#include "adhoc.h"
#include "admin.h"
#include "disco.h"
#include "iqproxy.h"
#include "jid.h"
#include "link.h"
#include "log.h"
#include "mam.h"
#include "message.h"
#include "moderate.h"
#include "mucd.h"
#include "multicast.h"
#include "owner.h"
#include "presence.h"
#include "ratelimit.h"
#include "register.h"
#include "room.h"
#include "service.h"
#include "stanza.h"
#include "tombstone.h"
#include "vcard.h"

static void
room_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct xnode *q = st_payload(st);
	bool get = strcmp(st_type(st), "get") == 0;

	if (x_is(q, "query", NS_DISCO_INFO) && get)
		disco_room_info(m, r, st, from);
	else if (x_is(q, "query", NS_DISCO_ITEMS) && get)
		disco_room_items(m, r, st, from);
	else if (x_is(q, "query", NS_MUC_ADMIN))
		admin_iq(m, r, st, from);
	else if (x_is(q, "query", NS_MUC_OWNER))
		owner_iq(m, r, st, from);
	else if (x_is(q, "query", NS_REGISTER))
		register_iq(m, r, st, from);
	else if (mam_is_request(q))
		mam_iq(m, r, st, from);
	else if (moderate_is_request(q))
		moderate_iq(m, r, st, from);
	else if (x_is(q, "ping", NS_PING) && get)
		st_send_result(m, st, NULL);
	else if (x_is(q, "command", NS_COMMANDS))
		adhoc_room_iq(m, r, st, from);
	else if (x_is(q, "vCard", NS_VCARD))
		vcard_iq(m, r, st, from);
	else
		st_send_error(m, st, ERR_CANCEL, "service-unavailable", NULL,
		    r->jid);
}

static void
to_room(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	if (x_is(st, "presence", NULL))
		presence_to_room(m, r, st, from);
	else if (x_is(st, "message", NULL))
		message_to_room(m, r, st, from);
	else
		room_iq(m, r, st, from);
}

static void
to_occupant(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const char *nick)
{
	if (x_is(st, "presence", NULL))
		presence_to_occupant(m, r, st, from, nick);
	else if (x_is(st, "message", NULL))
		message_to_occupant(m, r, st, from, nick);
	else
		iq_to_occupant(m, r, st, from, nick);
}

static void
no_room(struct mucd *m, struct xnode *st, const struct jid *from,
    const struct jid *to)
{
	if (x_is(st, "presence", NULL) && jid_has_resource(to)) {
		presence_create_room(m, to->bare, st, from, to->resource);
		return;
	}
	/* Entering (and so creating) needs a nick (XEP-0045 7.2.1). */
	if (x_is(st, "presence", NULL) && *st_type(st) == '\0' &&
	    x_child(st, "x", NS_MUC) != NULL) {
		st_send_error(m, st, ERR_MODIFY, "jid-malformed",
		    "A nickname is required to enter the room", to->bare);
		return;
	}
	st_send_error(m, st, ERR_CANCEL, "item-not-found", NULL,
	    m->conf.domain);
}

/* RFC 6120 8.2.3: get/set carry exactly one payload. */
static bool
iq_well_formed(struct mucd *m, struct xnode *st)
{
	const char *type = st_type(st);

	if (!strcmp(type, "result") || !strcmp(type, "error"))
		return true;
	if ((strcmp(type, "get") && strcmp(type, "set")) ||
	    x_count_children(st) != 1) {
		st_send_error(m, st, ERR_MODIFY, "bad-request", NULL, NULL);
		return false;
	}
	return true;
}

static void
drop(struct mucd *m, struct xnode *st, const char *why)
{
	m->stats.dropped++;
	log_debug("dropped a <%s/>: %s", st->name, why);
}

static void
dispatch(struct mucd *m, struct xnode *st, const struct jid *from,
    const struct jid *to)
{
	struct room *r;
	bool failed;

	if (!jid_has_node(to)) {
		if (!jid_has_resource(to))
			service_stanza(m, st, from);
		else
			st_send_error(m, st, ERR_CANCEL, "service-unavailable",
			    NULL, NULL);
		return;
	}
	r = room_find(m, to->bare, &failed);
	if (failed) {
		st_send_error(m, st, ERR_WAIT, "internal-server-error",
		    "The room could not be loaded", m->conf.domain);
		return;
	}
	if (r == NULL) {
		if (!tombstone_answer(m, st, from, to))
			no_room(m, st, from, to);
		return;
	}
	if (jid_has_resource(to))
		to_occupant(m, r, st, from, to->resource);
	else
		to_room(m, r, st, from);
}

/*
 * An error for a 'to' that does not prepare. When only the nick is at
 * fault, one that servers route but that fails strict resourceprep (an
 * emoji, say), the room refuses it from that occupant address, as
 * Prosody's MUC does: a client matches the error to the address it
 * wrote to. Anything else is the service's to refuse.
 */
static void
bad_to(struct mucd *m, struct xnode *st, struct jid *to, const char *why)
{
	const char *laxwhy;
	struct xnode *e;

	if (strcmp(st_type(st), "error") == 0 ||
	    strcmp(st_type(st), "result") == 0)
		return;
	if (jid_parse_lax(to, x_attr(st, "to"), &laxwhy) == 0 &&
	    jid_has_node(to) && jid_has_resource(to) &&
	    strcmp(to->domain, m->conf.domain) == 0) {
		e = st_error(st, ERR_MODIFY, "jid-malformed",
		    "Nickname must pass strict validation", to->bare);
		x_set_attr(e, "from", to->full);
	} else {
		e = st_error(st, ERR_MODIFY, "jid-malformed", why, NULL);
		x_set_attr(e, "from", m->conf.domain);
	}
	mucd_error_sent(m, "jid-malformed");
	mucd_send_free(m, e);
}

/*
 * Checks every stanza passes before anything else looks at it: a stanza,
 * from a valid sender elsewhere, to a valid JID of ours. False when it was
 * dropped or answered here.
 */
static bool
admit(struct mucd *m, struct xnode *st, struct jid *from, struct jid *to)
{
	const char *why;

	if (strcmp(st->ns, NS_COMPONENT) != 0 || (!x_is(st, "message", NULL) &&
	    !x_is(st, "presence", NULL) && !x_is(st, "iq", NULL))) {
		m->stats.received[KIND_OTHER]++;
		drop(m, st, "not a stanza");
		return false;
	}
	m->stats.received[x_is(st, "message", NULL) ? KIND_MESSAGE :
	    x_is(st, "presence", NULL) ? KIND_PRESENCE : KIND_IQ]++;
	/* Without a valid sender there is nobody to answer. */
	if (jid_parse(from, x_attr(st, "from"), &why) == -1) {
		drop(m, st, "invalid 'from'");
		return false;
	}
	if (strcmp(from->domain, m->conf.domain) == 0) {
		drop(m, st, "'from' claims our own domain");
		return false;
	}
	/* An IQ without an id cannot even be answered with an error. */
	if (x_is(st, "iq", NULL) && x_attr(st, "id") == NULL) {
		drop(m, st, "iq without an id");
		return false;
	}
	if (jid_parse(to, x_attr(st, "to"), &why) == -1) {
		bad_to(m, st, to, why);
		return false;
	}
	/* Answering would put a foreign 'from' on our stream, which the
	 * server closes over. */
	if (strcmp(to->domain, m->conf.domain) != 0) {
		drop(m, st, "addressed to another domain");
		return false;
	}
	x_set_attr(st, "from", from->full);
	return true;
}

void
router_stanza(struct mucd *m, struct xnode *st)
{
	struct jid from, to;

	/* Multicast discovery's traffic first: its check comes back
	 * addressed from and to mucd's own domain, which admit refuses. */
	if (multicast_stanza(m, st) || !admit(m, st, &from, &to))
		goto out;
	audit_begin(m, AUDIT_XMPP, from.full);
	if (x_is(st, "iq", NULL) && !iq_well_formed(m, st))
		goto out;
	if (x_is(st, "iq", NULL) && (!strcmp(st_type(st), "get") ||
	    !strcmp(st_type(st), "set")) &&
	    !ratelimit_jid(m, from.bare, RATE_IQ)) {
		st_send_error(m, st, ERR_WAIT, "resource-constraint",
		    "Too many requests; slow down", NULL);
		goto out;
	}
	m->sender = from.full;
	dispatch(m, st, &from, &to);
	m->sender = NULL;
out:
	audit_end(m);
	x_free(st);
}

/*
 * Prosody answers its own stanza size limit with <policy-violation/>
 * ("XML stanza is too big", a stream error there): the same condition
 * here, for every shape limit, on the stanza alone.
 */
void
router_rejected(struct mucd *m, struct xnode *st, const char *why)
{
	char text[128];
	struct jid from, to;

	if (admit(m, st, &from, &to)) {
		drop(m, st, why);
		snprintf(text, sizeof(text), "The stanza exceeds the service's "
		    "limits (%s)", why);
		st_send_error(m, st, ERR_MODIFY, "policy-violation", text,
		    NULL);
	}
	x_free(st);
}
