/*
 * ctltombstone: the control commands of tombstones — listing them
 * (`rooms` with "tombstones") and forgetting one (`room.forget`), which
 * lets anyone create a room of that JID again.
 */
#include "ctlreq.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "store.h"
#include "tombstone.h"

struct listing {
	json_t		*list;
	size_t		 limit;
	const regex_t	*match;
	long long	 now;
	bool		 more;
};

static int
add(void *arg, const struct tomb_view *v)
{
	struct listing *l = arg;

	if (l->match != NULL && regexec(l->match, v->room, 0, NULL, 0) != 0)
		return 0;
	if (json_array_size(l->list) >= l->limit) {
		l->more = true;
		return 1;
	}
	json_array_append_new(l->list, json_pack("{s:s,s:s?,s:s?,s:I,s:I,"
	    "s:b}", "jid", v->room, "reason", v->reason, "alternate",
	    v->alternate, "destroyed", (json_int_t)v->destroyed, "expires",
	    (json_int_t)v->expires, "expired", v->expires <= l->now));
	return 0;
}

void
ctl_tombstones(struct req *q, const char *after, size_t limit,
    const regex_t *match)
{
	struct listing l = { json_array(), limit, match, (long long)time(NULL),
		false };

	if (l.list == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (tombstone_each(q->m, after, add, &l) != STORE_OK) {
		json_decref(l.list);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	req_ok(q, json_pack("{s:o,s:b}", "tombstones", l.list, "truncated",
	    l.more));
}

void
cmd_room_forget(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	const char *s = req_need_str(q, "room");
	int rc;

	if (s == NULL || req_room_jid(q, s, jid, sizeof(jid)) == -1)
		return;
	if ((rc = tombstone_forget(q->m, jid)) == STORE_NOTFOUND) {
		req_fail(q, CTL_E_NOT_FOUND, "%s has no tombstone", jid);
		return;
	}
	if (rc != STORE_OK) {
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	log_info("room %s: tombstone forgotten through the control socket",
	    jid);
	req_ok(q, json_pack("{s:s}", "jid", jid));
}
