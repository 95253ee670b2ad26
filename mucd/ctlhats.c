/*
 * ctlhats: the control commands of XEP-0317 hats — give one, take one
 * away (hatcmd.c does both, as the room's ad-hoc commands do), and list
 * who wears which.
 */
#include "ctlreq.h"

#include <stdlib.h>
#include <string.h>

#include "hatcmd.h"
#include "hats.h"
#include "jid.h"
#include "room.h"
#include "stanza.h"

static void
change(struct req *q, bool add)
{
	struct room *r = req_need_room(q);
	char bare[JID_BARE_MAX + 1];
	const char *uri;
	struct muc_err e;

	if (r == NULL || req_need_bare(q, "jid", bare, sizeof(bare)) == -1 ||
	    (uri = req_need_str(q, "uri")) == NULL)
		return;
	room_hold(r);
	if (hat_change(r, NULL, bare, uri, req_str(q, "title"), add, &e) == -1)
		req_fail_muc(q, &e);
	else
		req_ok(q, json_pack("{s:s,s:s,s:s}", "room", r->jid, "jid",
		    bare, "uri", uri));
	room_release(r);
}

void
cmd_hats_add(struct req *q)
{
	change(q, true);
}

void
cmd_hats_remove(struct req *q)
{
	change(q, false);
}

/* Stable output: by JID, then URI. */
static int
cmp_hat(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "jid")),
	    json_string_value(json_object_get(y, "jid")));

	return c != 0 ? c : strcmp(json_string_value(json_object_get(x,
	    "uri")), json_string_value(json_object_get(y, "uri")));
}

static json_t *
sorted(json_t **items, size_t n)
{
	json_t *list = json_array();
	size_t i;

	qsort(items, n, sizeof(*items), cmp_hat);
	for (i = 0; i < n; i++)
		json_array_append_new(list, items[i]);
	return list;
}

void
cmd_hats_list(struct req *q)
{
	struct room *r = req_need_room(q);
	const struct hat_wearer *w;
	const struct hat *h;
	char bare[JID_BARE_MAX + 1];
	json_t **items;
	const char *k;
	size_t i, n = 0, cap = 0;

	if (r == NULL || (req_str(q, "jid") != NULL &&
	    req_need_bare(q, "jid", bare, sizeof(bare)) == -1))
		return;
	for (i = 0; hmap_next(&r->hats, &i, &k, (void **)&w); )
		cap += w->n;
	if ((items = calloc(cap ? cap : 1, sizeof(*items))) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	for (i = 0; hmap_next(&r->hats, &i, &k, (void **)&w); ) {
		if (req_str(q, "jid") != NULL && strcmp(w->bare, bare) != 0)
			continue;
		for (h = w->hats; h != NULL && n < cap; h = h->next)
			items[n++] = json_pack("{s:s,s:s,s:s}", "jid", w->bare,
			    "uri", h->uri, "title", h->title);
	}
	req_ok(q, json_pack("{s:s,s:o}", "room", r->jid, "hats",
	    sorted(items, n)));
	free(items);
}
