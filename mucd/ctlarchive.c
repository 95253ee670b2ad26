/*
 * ctlarchive: the control commands of the room archive — show a room's
 * recent messages, export it page by page, purge it (hidden at once,
 * deleted by retention in the background), and count what it holds.
 */
#include "ctlreq.h"

#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "jid.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"
#include "xml.h"

#define SHOW_DEFAULT	20
#define SHOW_MAX	1000
#define EXPORT_PAGE	500	/* records per export reply, at most */
#define STATS_LIMIT	10000
#define IMPORT_MAX	1000	/* messages per import request, at most */

/* The room's archive; NULL after replying (or, absent, an empty one in
 * *none). */
static struct store_arch_room *
room_archive(struct req *q, struct room *r, struct store_arch_room *none)
{
	struct store_arch_room *ar;
	bool failed;

	if ((ar = archive_room(r, false, &failed)) != NULL)
		return ar;
	if (failed) {
		req_fail(q, CTL_E_INTERNAL, "the archive of %s could not be "
		    "read: %s", r->jid, store_errmsg(r->mucd->store));
		return NULL;
	}
	memset(none, 0, sizeof(*none));
	return none;
}

/* A record as the archive would forward it (stanza-id included). */
static json_t *
item_json(const struct store_arch_item *it, const char *roomjid)
{
	struct xml_limits lim = { 1u << 26, 64 };
	struct xnode *msg;
	struct buf b;
	char err[64];
	json_t *o;

	buf_init(&b, 0);
	if (archive_render(it, roomjid, true, NULL, 0, &b) == -1)
		buf_reset(&b);
	msg = xml_parse(b.data ? b.data : "", b.len, &lim, err, sizeof(err));
	o = json_pack("{s:s,s:I,s:s,s:s*,s:b,s:s?,s:s%}", "id", it->rec.sid,
	    "stamp", (json_int_t)(STORE_ARCH_MS(it->rec.seq) / 1000), "nick",
	    it->rec.nick, "jid", it->rec.jid[0] ? it->rec.jid : NULL,
	    "retracted", (it->rec.flags & STORE_ARCH_TOMBSTONE) != 0, "body",
	    x_child_text(msg, "body", NULL), "xml", b.data ? b.data : "",
	    b.len);
	x_free(msg);
	buf_free(&b);
	return o;
}

/* A walk's records as a JSON array (in walk order, reversed if asked). */
static json_t *
page_json(struct store_arch_item *items, size_t n, bool reverse,
    const char *roomjid)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, item_json(&items[reverse ?
		    n - 1 - i : i], roomjid));
	for (i = 0; i < n; i++)
		store_arch_item_free(&items[i]);
	return list;
}

static int
walk(struct req *q, const struct store_arch_query *aq,
    struct store_arch_item *items, size_t *n, bool *more)
{
	if (aq->aid != 0 && store_arch_page(q->m->store, aq, items, n,
	    more) == STORE_OK)
		return 0;
	if (aq->aid == 0) {
		*n = 0;
		*more = false;
		return 0;
	}
	req_fail(q, CTL_E_INTERNAL, "the archive could not be read: %s",
	    store_errmsg(q->m->store));
	return -1;
}

/* The newest messages (before `before`, since `since`, from nick
 * `with`), oldest first. */
void
cmd_archive_show(struct req *q)
{
	struct room *r = req_need_room(q);
	struct store_arch_room *ar, none;
	struct store_arch_query aq = { 0 };
	struct store_arch_item *items;
	long long since, before;
	size_t n;
	long limit;
	bool more;

	if (r == NULL || req_time(q, "since", &since) == -1 ||
	    req_time(q, "before", &before) == -1 ||
	    (limit = req_count(q, "limit", SHOW_DEFAULT, SHOW_MAX)) == -1 ||
	    (ar = room_archive(q, r, &none)) == NULL)
		return;
	aq.aid = ar->aid;
	aq.lo = archive_floor(r, ar);
	if (since > 0 && STORE_ARCH_SEQ((uint64_t)since * 1000) > aq.lo)
		aq.lo = STORE_ARCH_SEQ((uint64_t)since * 1000);
	aq.hi = before > 0 ? STORE_ARCH_SEQ((uint64_t)before * 1000) - 1 :
	    UINT64_MAX;
	aq.nick = req_str(q, "with");
	aq.backward = true;
	aq.max = (size_t)limit;
	if ((items = calloc(aq.max, sizeof(*items))) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (walk(q, &aq, items, &n, &more) == 0)
		req_ok(q, json_pack("{s:s,s:o,s:b}", "room", r->jid, "messages",
		    page_json(items, n, true, r->jid), "truncated", more));
	free(items);
}

/* Everything, oldest first, a page at a time: "next" is where the next
 * page starts (the last id), null at the end. */
void
cmd_archive_export(struct req *q)
{
	struct room *r = req_need_room(q);
	struct store_arch_room *ar, none;
	struct store_arch_query aq = { 0 };
	struct store_arch_item *items, it;
	const char *after;
	char next[64] = "";
	size_t n;
	long limit;
	bool more;
	int rc;

	if (r == NULL ||
	    (limit = req_count(q, "limit", EXPORT_PAGE, EXPORT_PAGE)) == -1 ||
	    (ar = room_archive(q, r, &none)) == NULL)
		return;
	aq.aid = ar->aid;
	aq.lo = archive_floor(r, ar);
	aq.hi = UINT64_MAX;
	aq.max = (size_t)limit;
	if ((after = req_str(q, "after")) != NULL) {
		rc = ar->aid ? store_arch_get(q->m->store, ar->aid, after, &it) :
		    STORE_NOTFOUND;
		if (rc != STORE_OK) {
			req_fail(q, rc == STORE_NOTFOUND ? CTL_E_NOT_FOUND :
			    CTL_E_INTERNAL, "no message %s in the archive of "
			    "%s", after, r->jid);
			return;
		}
		if (it.rec.seq + 1 > aq.lo)
			aq.lo = it.rec.seq + 1;
		store_arch_item_free(&it);
	}
	if ((items = calloc(aq.max, sizeof(*items))) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	if (walk(q, &aq, items, &n, &more) == 0) {
		if (more && n > 0)
			snprintf(next, sizeof(next), "%s", items[n - 1].rec.sid);
		req_ok(q, json_pack("{s:s,s:o,s:s?}", "room", r->jid,
		    "messages", page_json(items, n, false, r->jid), "next",
		    next[0] ? next : NULL));
	}
	free(items);
}

/*
 * Purge: everything before a time, or all. The floor moves at once (no
 * query or history shows those records again); retention deletes them
 * in its bounded batches.
 */
void
cmd_archive_purge(struct req *q)
{
	struct room *r = req_need_room(q);
	struct store_arch_room *ar, next;
	struct store_txn *txn;
	long long before;
	bool all = json_is_true(json_object_get(q->args, "all")), failed;
	char stamp[32];
	uint64_t floor;

	if (r == NULL || req_time(q, "before", &before) == -1)
		return;
	if ((before > 0) == all) {
		req_fail(q, CTL_E_BAD_REQUEST, "give either \"before\" or "
		    "\"all\"");
		return;
	}
	if ((ar = archive_room(r, false, &failed)) == NULL) {
		if (failed)
			req_fail(q, CTL_E_INTERNAL, "%s",
			    store_errmsg(q->m->store));
		else
			req_ok(q, json_pack("{s:s,s:b}", "room", r->jid,
			    "purged", 0));
		return;
	}
	next = *ar;
	floor = all ? ar->last + 1 : STORE_ARCH_SEQ((uint64_t)before * 1000);
	/* A time still to come purges what there is, not what will be. */
	if (floor > ar->last + 1)
		floor = ar->last + 1;
	if (floor > next.floor)
		next.floor = floor;
	if (store_begin(q->m->store, &txn) != STORE_OK) {
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	if (store_arch_room_put(txn, r->jid, &next) != STORE_OK) {
		store_abort(txn);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	st_stamp((long long)(STORE_ARCH_MS(next.floor) / 1000), stamp,
	    sizeof(stamp));
	audit_note(q->m, r->jid, "archive.purge", NULL, NULL, all ? "all" :
	    stamp, NULL);
	if (audit_commit(q->m, txn) != STORE_OK) {
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	mucd_store_dirty(q->m);
	*ar = next;
	req_ok(q, json_pack("{s:s,s:b,s:I}", "room", r->jid, "purged", 1,
	    "before", (json_int_t)(STORE_ARCH_MS(next.floor) / 1000)));
}

/* Item i of an import: checked, its XML parsed into in->msg. */
static int
import_item(struct req *q, size_t i, json_t *o, struct archive_import *in)
{
	struct xml_limits lim = { q->m->conf.max_stanza_size,
	    q->m->conf.max_stanza_depth };
	json_t *jid = json_object_get(o, "jid"), *stamp;
	const char *xml, *why;
	char err[64];

	memset(in, 0, sizeof(*in));
	stamp = json_object_get(o, "stamp");
	in->sid = json_string_value(json_object_get(o, "id"));
	in->nick = json_string_value(json_object_get(o, "nick"));
	in->jid = jid == NULL || json_is_null(jid) ? "" : json_string_value(jid);
	in->retracted = json_is_true(json_object_get(o, "retracted"));
	xml = json_string_value(json_object_get(o, "xml"));
	if (!json_is_object(o) || !json_is_integer(stamp) || in->nick == NULL ||
	    in->jid == NULL || xml == NULL) {
		req_fail(q, CTL_E_BAD_REQUEST, "message %zu: not an archived "
		    "message (\"id\", \"stamp\", \"nick\", \"xml\")", i + 1);
		return -1;
	}
	in->stamp = (long long)json_integer_value(stamp);
	if ((in->msg = xml_parse(xml, strlen(xml), &lim, err,
	    sizeof(err))) == NULL) {
		req_fail(q, CTL_E_BAD_REQUEST, "message %zu: \"xml\": %s",
		    i + 1, err);
		return -1;
	}
	if ((why = archive_import_check(in)) != NULL) {
		req_fail(q, CTL_E_BAD_REQUEST, "message %zu (%s): %s", i + 1,
		    in->sid ? in->sid : "no id", why);
		return -1;
	}
	return 0;
}

/*
 * Messages from an archive export into a room's archive: all checked
 * before any is stored, then stored in one transaction; those whose
 * stanza-id the room holds already are skipped, so an import run twice
 * stores nothing the second time.
 */
void
cmd_archive_import(struct req *q)
{
	struct room *r = req_need_room(q);
	json_t *list = json_object_get(q->args, "messages");
	bool dry = json_is_true(json_object_get(q->args, "dry_run"));
	struct archive_import *in;
	size_t i, n = json_array_size(list), added = 0;
	int rc = -1;

	if (r == NULL)
		return;
	if (!json_is_array(list) || n > IMPORT_MAX) {
		req_fail(q, CTL_E_BAD_REQUEST, "\"messages\": an array of at "
		    "most %d archived messages", IMPORT_MAX);
		return;
	}
	if (!archive_on(r)) {
		req_fail(q, CTL_E_NOT_ALLOWED, "%s does not archive (its "
		    "archiving setting is off)", r->jid);
		return;
	}
	if ((in = calloc(n ? n : 1, sizeof(*in))) == NULL) {
		req_fail(q, CTL_E_INTERNAL, "out of memory");
		return;
	}
	for (i = 0; i < n && import_item(q, i, json_array_get(list, i),
	    &in[i]) == 0; i++)
		;
	if (i == n && (rc = archive_import(r, in, n, dry, &added)) == -1)
		req_fail(q, CTL_E_INTERNAL, "the archive of %s: %s; nothing "
		    "was imported", r->jid, store_errmsg(q->m->store));
	if (rc == 0)
		req_ok(q, json_pack("{s:s,s:I,s:I,s:b}", "room", r->jid,
		    "imported", (json_int_t)added, "skipped",
		    (json_int_t)(n - added), "dry_run", dry));
	for (i = 0; i < n; i++)
		x_free(in[i].msg);
	free(in);
}

struct stats {
	struct req	*q;
	json_t		*list;
	size_t		 limit;
	bool		 more;
	json_int_t	 messages, bytes;
};

/* The oldest record a reader would see, or 0. */
static long long
oldest(struct stats *s, const char *room, const struct store_arch_room *ar)
{
	struct room *r = room_find_loaded(s->q->m, room);
	struct store_arch_query aq = { ar->aid, ar->floor, UINT64_MAX, NULL,
	    false, 1 };
	struct store_arch_item it;
	long long t = 0;
	size_t n;
	bool more;

	if (r != NULL)
		aq.lo = archive_floor(r, ar);
	if (store_arch_page(s->q->m->store, &aq, &it, &n, &more) == STORE_OK &&
	    n == 1) {
		t = (long long)(STORE_ARCH_MS(it.rec.seq) / 1000);
		store_arch_item_free(&it);
	}
	return t;
}

static int
stats_room(void *arg, const char *room, const struct store_arch_room *ar)
{
	struct stats *s = arg;
	long long t;

	if (json_array_size(s->list) >= s->limit) {
		s->more = true;
		return 1;
	}
	t = oldest(s, room, ar);
	s->messages += (json_int_t)ar->count;
	s->bytes += (json_int_t)ar->bytes;
	json_array_append_new(s->list, json_pack("{s:s,s:I,s:I,s:o,s:b}",
	    "room", room, "messages", (json_int_t)ar->count, "bytes",
	    (json_int_t)ar->bytes, "oldest", t ? json_integer(t) : json_null(),
	    "kept", ar->kept));
	return 0;
}

void
cmd_archive_stats(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	const char *room = req_str(q, "room");
	struct stats s = { q, json_array(), STATS_LIMIT, false, 0, 0 };
	struct store_arch_room ar;
	int rc;

	if (room != NULL) {
		/* One room: looked up, not searched for. */
		if (req_room_jid(q, room, jid, sizeof(jid)) == -1) {
			json_decref(s.list);
			return;
		}
		rc = store_arch_room_get(q->m->store, jid, &ar);
		if (rc == STORE_OK)
			stats_room(&s, jid, &ar);
	} else
		rc = store_arch_room_iter(q->m->store, NULL, stats_room, &s);
	if (rc < 0) {
		json_decref(s.list);
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(q->m->store));
		return;
	}
	req_ok(q, json_pack("{s:o,s:{s:I,s:I},s:b}", "rooms", s.list, "total",
	    "messages", s.messages, "bytes", s.bytes, "truncated", s.more));
}
