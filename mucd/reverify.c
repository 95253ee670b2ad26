#include "reverify.h"

#include <string.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "presence.h"
#include "room.h"
#include "stanza.h"

#define ID_PREFIX	"mucd-rv-"

void
reverify_all(struct mucd *m)
{
	struct room *r;
	struct occupant *o;
	struct session *s;
	const char *k, *k2;
	size_t i, j;
	unsigned n = 0;
	struct xnode *iq;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		for (j = 0; hmap_next(&r->occupants, &j, &k2, (void **)&o); )
			for (s = o->sessions; s != NULL; s = s->next) {
				if (s->unavailable)
					continue;
				iq = x_new("iq", NS_COMPONENT);
				x_set_attr(iq, "type", "get");
				x_set_attrf(iq, "id", ID_PREFIX "%u", n++);
				x_set_attr(iq, "from", o->occjid);
				x_set_attr(iq, "to", s->jid);
				x_add(iq, "query", NS_DISCO_INFO);
				mucd_send_free(m, iq);
			}
	if (n > 0)
		log_info("link up again: checking %u session(s) are still there",
		    n);
}

bool
reverify_reply(struct room *r, struct xnode *st, const struct jid *from,
    const char *nick)
{
	const char *id = x_attr(st, "id"), *cond;
	struct occupant *o;

	if (id == NULL || strncmp(id, ID_PREFIX, strlen(ID_PREFIX)) != 0)
		return false;
	if (strcmp(st_type(st), "error") != 0)
		return true;
	o = room_occupant(r, nick);
	if (o == NULL || occupant_session(o, from->full) == NULL)
		return true;
	/* A client that merely dislikes the query is still there. */
	cond = st_error_condition(st);
	if (cond != NULL && (!strcmp(cond, "feature-not-implemented") ||
	    !strcmp(cond, "forbidden") || !strcmp(cond, "not-allowed") ||
	    !strcmp(cond, "bad-request")))
		return true;
	presence_kick_on_error(r, o, from->full, st);
	return true;
}
