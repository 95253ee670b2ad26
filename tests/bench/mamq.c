/*
 * mamq: XEP-0313 archive queries and the reading of their answers, on
 * the component link or a c2s stream. Answers are read with the stanza
 * scanner: a <message> holding <result xmlns='urn:xmpp:mam:2'> per
 * archived message, then the IQ result holding <fin>.
 */
#include "mucbench.h"

#include <string.h>

#define NS_MAM		"urn:xmpp:mam:2"
#define NS_RSM		"http://jabber.org/protocol/rsm"

/* A form with one filter field; its value is a stanza-id or a stamp,
 * neither of which needs escaping. */
static void
put_form(struct conn *c, const char *var, const char *value)
{
	conn_sendf(c, "<x xmlns='" NS_XDATA "' type='submit'><field "
	    "var='FORM_TYPE' type='hidden'><value>" NS_MAM "</value></field>"
	    "<field var='%s'><value>%s</value></field></x>", var, value);
}

void
mamq_send(struct conn *c, const char *from, const char *room,
    const char *qid, enum mamq_kind kind, const char *ref, unsigned max)
{
	char fromattr[128] = "";

	if (from != NULL)
		fmt(fromattr, sizeof(fromattr), " from='%s'", from);
	conn_sendf(c, "<iq%s to='%s' type='set' id='%s'><query xmlns='"
	    NS_MAM "' queryid='%s'>", fromattr, room, qid, qid);
	if (kind == MAMQ_AFTER_ID)
		put_form(c, "after-id", ref);
	else if (kind == MAMQ_START)
		put_form(c, "start", ref);
	conn_sendf(c, "<set xmlns='" NS_RSM "'><max>%u</max>", max);
	if (kind == MAMQ_BEFORE)
		conn_sendf(c, "<before>%s</before>", ref != NULL ? ref : "");
	conn_sendf(c, "</set></query></iq>");
}

bool
mamq_result(const struct stz *z, struct sv *id, struct sv *inner_id)
{
	struct sv ns;

	if (!stz_is(z, "message") ||
	    !stz_child_attr(z, "result", "xmlns", &ns) || !sv_is(&ns, NS_MAM))
		return false;
	if (!stz_child_attr(z, "result", "id", id))
		id->p = NULL;
	/* The forwarded message: the first <message> inside the wrapper. */
	if (!stz_child_attr(z, "message", "id", inner_id))
		inner_id->p = NULL;
	return true;
}

bool
mamq_fin(const struct stz *z, struct sv *first, struct sv *last,
    bool *complete)
{
	struct sv c;

	if (!stz_child_attr(z, "fin", "xmlns", &c) || !sv_is(&c, NS_MAM))
		return false;
	*complete = stz_child_attr(z, "fin", "complete", &c) &&
	    sv_is(&c, "true");
	if (!stz_child_text(z, "first", first))
		first->p = NULL;
	if (!stz_child_text(z, "last", last))
		last->p = NULL;
	return true;
}
