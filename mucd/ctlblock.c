/*
 * ctlblock: the control commands of the service-wide ban list — ban a
 * JID or a domain from every room, lift a ban, list them (ban.c does the
 * first two, as the administrators' ad-hoc commands do).
 */
#include "ctlreq.h"

#include <stdlib.h>
#include <string.h>

#include "ban.h"
#include "blocklist.h"
#include "jid.h"
#include "mucd.h"
#include "stanza.h"

static json_t *
block_json(const struct block *b)
{
	return json_pack("{s:s,s:s?,s:s,s:I}", "jid", b->jid, "reason",
	    b->reason, "actor", b->actor, "when", (json_int_t)b->when);
}

void
cmd_blocklist_add(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	struct muc_err e;

	if (req_need_bare(q, "jid", jid, sizeof(jid)) == -1)
		return;
	if (ban_service(q->m, jid, req_str(q, "reason"), NULL, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, block_json(blocklist_get(q->m, jid)));
}

void
cmd_blocklist_remove(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	struct muc_err e;

	if (req_need_bare(q, "jid", jid, sizeof(jid)) == -1)
		return;
	if (unban_service(q->m, jid, NULL, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s}", "jid", jid));
}

static int
cmp_block(const void *a, const void *b)
{
	return strcmp((*(struct block *const *)a)->jid,
	    (*(struct block *const *)b)->jid);
}

void
cmd_blocklist_list(struct req *q)
{
	size_t i, n = hmap_count(&q->m->blocked);
	struct block **all, *b;
	const char *k;
	json_t *list;

	if ((all = calloc(n ? n : 1, sizeof(*all))) == NULL ||
	    (list = json_array()) == NULL) {
		free(all);
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	n = 0;
	for (i = 0; hmap_next(&q->m->blocked, &i, &k, (void **)&b); )
		all[n++] = b;
	qsort(all, n, sizeof(*all), cmp_block);
	for (i = 0; i < n; i++)
		json_array_append_new(list, block_json(all[i]));
	free(all);
	req_ok(q, json_pack("{s:o}", "blocklist", list));
}
