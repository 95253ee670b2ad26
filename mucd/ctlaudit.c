/*
 * ctlaudit: the audit trail through the control channel — who changed
 * what, newest first, by room, actor and time.
 */
#include "ctlreq.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "jid.h"
#include "mucd.h"
#include "store.h"

#define AUDIT_LIST_DEFAULT	50
#define AUDIT_LIST_MAX		1000
/* Records examined per request when an actor filters: a reply stays
 * quick however long the trail; "more" says where to go on. */
#define AUDIT_SCAN_MAX		100000

static json_t *
event_json(const struct store_audit_rec *r)
{
	char id[24];

	snprintf(id, sizeof(id), "%" PRIu64, r->seq);
	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?}",
	    "id", id, "time", (json_int_t)audit_time(r->seq), "room", r->room,
	    "actor", r->actor, "path", r->path, "action", r->action,
	    "target", *r->target ? r->target : NULL,
	    "old", *r->old ? r->old : NULL,
	    "new", *r->new ? r->new : NULL,
	    "reason", *r->reason ? r->reason : NULL);
}

/* "before": the id of the oldest event already seen (paging). */
static int
before_arg(struct req *q, uint64_t *hi)
{
	const char *s = req_str(q, "before");
	char *end;

	*hi = UINT64_MAX;
	if (s == NULL)
		return 0;
	*hi = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || *hi == 0) {
		req_fail(q, CTL_E_BAD_REQUEST, "before: not an event id");
		return -1;
	}
	(*hi)--;
	return 0;
}

void
cmd_audit(struct req *q)
{
	struct store_audit_query aq = { 0 };
	struct store_audit_rec *recs;
	char room[JID_BARE_MAX + 1];
	const char *s;
	json_t *list;
	long long since;
	char next[24];
	uint64_t seen;
	long limit;
	size_t n, i;
	bool more;

	if ((limit = req_count(q, "limit", AUDIT_LIST_DEFAULT,
	    AUDIT_LIST_MAX)) == -1 || req_time(q, "since", &since) == -1 ||
	    before_arg(q, &aq.hi) == -1)
		return;
	if ((s = req_str(q, "room")) != NULL) {
		if (req_room_jid(q, s, room, sizeof(room)) == -1)
			return;
		aq.room = room;
	}
	aq.actor = req_str(q, "actor");
	aq.lo = STORE_ARCH_SEQ((uint64_t)since * 1000);
	aq.max = (size_t)limit;
	aq.scan_max = AUDIT_SCAN_MAX;
	if ((recs = calloc(aq.max, sizeof(*recs))) == NULL ||
	    (list = json_array()) == NULL) {
		free(recs);
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (store_audit_page(q->m->store, &aq, recs, &n, &more, &seen) !=
	    STORE_OK) {
		free(recs);
		json_decref(list);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	/* Oldest first, as a log reads; the page is the newest ones. */
	for (i = n; i > 0; i--)
		json_array_append_new(list, event_json(&recs[i - 1]));
	for (i = 0; i < n; i++)
		store_audit_rec_free(&recs[i]);
	free(recs);
	snprintf(next, sizeof(next), "%" PRIu64, seen);
	req_ok(q, json_pack("{s:o,s:b,s:s?}", "events", list, "more", more,
	    "before", more ? next : NULL));
}
