#include "history.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

static unsigned
capacity(const struct room *r)
{
	unsigned n = r->cfg.history_length;

	return n > r->mucd->conf.history_max ? r->mucd->conf.history_max : n;
}

static bool
persisted(const struct room *r)
{
	return r->mucd->conf.history_persist && r->stored &&
	    r->mucd->store != NULL;
}

static struct hist_entry *
entry_at(struct room *r, unsigned i)	/* 0 = oldest */
{
	return &r->hist[(r->hist_head + i) % r->hist_cap];
}

static void
entry_free(struct room *r, struct hist_entry *e)
{
	r->hist_bytes -= e->len;
	free(e->xml);
	free(e->bare);
	e->xml = e->bare = NULL;
}

static void
drop_oldest(struct room *r)
{
	entry_free(r, entry_at(r, 0));
	r->hist_head = (r->hist_head + 1) % r->hist_cap;
	r->hist_len--;
}

void
history_free(struct room *r)
{
	while (r->hist_len > 0)
		drop_oldest(r);
	free(r->hist);
	r->hist = NULL;
	r->hist_cap = r->hist_head = 0;
}

static int
reshape(struct room *r, unsigned cap)
{
	struct hist_entry *nh;
	unsigned i, keep;

	while (r->hist_len > cap)
		drop_oldest(r);
	if (cap == r->hist_cap)
		return 0;
	if (cap == 0) {
		history_free(r);
		return 0;
	}
	if ((nh = calloc(cap, sizeof(*nh))) == NULL)
		return -1;
	keep = r->hist_len;
	for (i = 0; i < keep; i++)
		nh[i] = *entry_at(r, i);
	free(r->hist);
	r->hist = nh;
	r->hist_cap = cap;
	r->hist_head = 0;
	return 0;
}

void
history_resize(struct room *r)
{
	if (reshape(r, capacity(r)) == -1)
		log_error("room %s: cannot resize history", r->jid);
}

int
history_is_historic(const struct xnode *msg)
{
	const struct xnode *c;

	if (x_child(msg, "no-store", NS_HINTS) != NULL ||
	    x_child(msg, "no-permanent-store", NS_HINTS) != NULL)
		return 0;
	if (x_child(msg, "store", NS_HINTS) != NULL ||
	    x_child(msg, "body", NS_COMPONENT) != NULL ||
	    x_child(msg, "encryption", "urn:xmpp:eme:0") != NULL)
		return 1;
	X_FOREACH(msg, c)
		if (strcmp(c->ns, "urn:xmpp:chat-markers:0") == 0)
			return 1;
	return 0;
}

/* Append a ready entry (taking xml and bare), evicting by count and by
 * bytes. */
static void
push(struct room *r, char *xml, size_t len, long long stamp, uint64_t seq,
    const char *sid, char *bare)
{
	unsigned cap = capacity(r);
	struct hist_entry *e;

	if (cap == 0 || len > r->mucd->conf.history_max_bytes ||
	    (r->hist_cap != cap && reshape(r, cap) == -1)) {
		free(xml);
		free(bare);
		return;
	}
	if (r->hist_len == r->hist_cap)
		drop_oldest(r);
	while (r->hist_len > 0 &&
	    r->hist_bytes + len > r->mucd->conf.history_max_bytes)
		drop_oldest(r);
	e = entry_at(r, r->hist_len);
	e->xml = xml;
	e->len = len;
	e->split = 1 + strlen("message");
	e->stamp = stamp;
	e->seq = seq;
	snprintf(e->sid, sizeof(e->sid), "%s", sid != NULL ? sid : "");
	e->bare = bare;
	r->hist_len++;
	r->hist_bytes += len;
	if (seq >= r->hist_seq)
		r->hist_seq = seq + 1;
}

static int
persist(struct room *r, struct store_txn *txn, const struct hist_entry *e)
{
	json_t *o = json_pack("{s:i,s:I,s:s%,s:s,s:s?}", "v", 1, "stamp",
	    (json_int_t)e->stamp, "stanza", e->xml, e->len, "sid", e->sid,
	    "jid", e->bare);
	char *s;
	int rc;

	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		return STORE_ERR;
	}
	json_decref(o);
	rc = store_history_add(txn, r->jid, e->seq, s);
	free(s);
	return rc;
}

static void
persist_latest(struct room *r)
{
	struct mucd *m = r->mucd;
	struct hist_entry *e = entry_at(r, r->hist_len - 1);
	struct store_txn *txn;
	uint64_t keep = e->seq + 1 >= r->hist_cap ? e->seq + 1 - r->hist_cap : 0;

	if (store_begin(m->store, &txn) != STORE_OK)
		goto fail;
	if (persist(r, txn, e) != STORE_OK ||
	    store_history_trim(txn, r->jid, keep) != STORE_OK) {
		store_abort(txn);
		goto fail;
	}
	if (store_commit(txn) != STORE_OK)
		goto fail;
	mucd_store_dirty(m);
	return;
fail:
	/* History is best effort: the message was delivered regardless. */
	m->stats.store_errors++;
	log_warn("room %s: history not persisted: %s", r->jid,
	    store_errmsg(m->store));
}

void
history_add(struct room *r, const struct xnode *msg, const char *bare)
{
	const struct xnode *sidn = x_child(msg, "stanza-id", NS_SID);
	struct xnode *copy, *d;
	char stamp[32], *xml, *who = NULL;
	long long now = (long long)time(NULL);
	struct buf b;
	size_t len;

	if (archive_on(r) || capacity(r) == 0 ||
	    (bare != NULL && (who = strdup(bare)) == NULL) ||
	    (copy = x_clone(msg)) == NULL) {
		free(who);
		return;
	}
	st_stamp(now, stamp, sizeof(stamp));
	d = x_add(copy, "delay", NS_DELAY);
	x_set_attr(d, "from", r->jid);
	x_set_attr(d, "stamp", stamp);
	buf_init(&b, 0);
	if (x_serialize(copy, &b, NS_COMPONENT) == -1) {
		buf_free(&b);
		x_free(copy);
		return;
	}
	x_free(copy);
	len = b.len;
	if ((xml = buf_steal(&b)) == NULL) {
		free(who);
		return;
	}
	push(r, xml, len, now, r->hist_seq, x_attr(sidn, "id"), who);
	if (persisted(r) && r->hist_len > 0)
		persist_latest(r);
}

bool
history_forget(struct room *r, const char *sid, const char *bare)
{
	struct hist_entry *e;
	unsigned i, j;

	for (i = 0; i < r->hist_len; i++) {
		e = entry_at(r, i);
		if (strcmp(e->sid, sid) != 0 || (bare != NULL &&
		    (e->bare == NULL || strcmp(e->bare, bare) != 0)))
			continue;
		entry_free(r, e);
		/* Close the gap: the newer entries move one place back. */
		for (j = i; j + 1 < r->hist_len; j++)
			*entry_at(r, j) = *entry_at(r, j + 1);
		r->hist_len--;
		return true;
	}
	return false;
}

static void
parse_request(const struct xnode *join, struct hist_req *q)
{
	const struct xnode *h;
	const char *v;
	long long secs;

	memset(q, 0, sizeof(*q));
	h = x_child(x_child(join, "x", NS_MUC), "history", NS_MUC);
	if (h == NULL)
		return;
	if ((v = x_attr(h, "maxchars")) != NULL)
		q->has_chars = true, q->maxchars = strtoll(v, NULL, 10);
	if ((v = x_attr(h, "maxstanzas")) != NULL)
		q->has_stanzas = true, q->maxstanzas = strtoll(v, NULL, 10);
	if ((v = x_attr(h, "since")) != NULL && st_parse_stamp(v, &q->since) == 0)
		q->has_since = true;
	if ((v = x_attr(h, "seconds")) != NULL) {
		long long now = (long long)time(NULL), s = strtoll(v, NULL, 10);

		/* Clamp: "seconds" is attacker-chosen, now - s may overflow. */
		secs = s <= 0 ? now : s >= now ? 0 : now - s;
		if (!q->has_since || secs > q->since)
			q->since = secs;
		q->has_since = true;
	}
}

/* ---- from the archive, where the room keeps one ---- */

/* The stored message as a stanza of its own, with its delay. */
static int
history_copy(const struct store_arch_item *it, const char *roomjid,
    struct buf *b)
{
	struct buf d;
	char stamp[32];
	int rc;

	archive_stamp(it->rec.seq, stamp, sizeof(stamp));
	buf_init(&d, 0);
	rc = buf_puts(&d, "<delay xmlns='" NS_DELAY "' from='") == -1 ||
	    x_escape(&d, roomjid, strlen(roomjid)) == -1 ||
	    buf_printf(&d, "' stamp='%s'/>", stamp) == -1 ? -1 :
	    archive_render(it, roomjid, false, d.data, d.len, b);
	buf_free(&d);
	return rc;
}

/* From the newest back, the messages the request allows (tombstones
 * are no history), oldest of them first in out[0..*n). */
static int
history_pick(struct room *r, const struct store_arch_room *ar,
    const struct hist_req *q, size_t tolen, struct store_arch_item *out,
    size_t max, size_t *n)
{
	struct store_arch_query aq = { ar->aid, archive_floor(r, ar),
	    UINT64_MAX, NULL, true, max };
	long long chars = 0;
	size_t got, i, keep = 0;
	bool more, full = false;

	if (q->has_since && q->since > 0 &&
	    STORE_ARCH_SEQ((uint64_t)q->since * 1000) > aq.lo)
		aq.lo = STORE_ARCH_SEQ((uint64_t)q->since * 1000);
	if (store_arch_page(r->mucd->store, &aq, out, &got, &more) != STORE_OK)
		return -1;
	for (i = 0; i < got; i++) {
		if (!full && q->has_chars) {
			chars += (long long)(out[i].rec.xmllen + tolen);
			full = chars > q->maxchars;
		}
		if (full || (out[i].rec.flags & STORE_ARCH_TOMBSTONE)) {
			store_arch_item_free(&out[i]);
			continue;
		}
		if (keep != i) {
			out[keep] = out[i];
			out[i].mem = NULL;
		}
		keep++;
	}
	/* Oldest first. */
	for (i = 0; i < keep / 2; i++) {
		struct store_arch_item t = out[i];

		out[i] = out[keep - 1 - i];
		out[keep - 1 - i] = t;
	}
	*n = keep;
	return 0;
}

static void
send_archived(struct room *r, const char *to, const struct hist_req *q)
{
	struct store_arch_room *ar;
	struct store_arch_item *items;
	size_t max = r->cfg.history_length, n = 0, i;
	bool failed;
	struct buf b;

	if (q->has_stanzas && (unsigned long long)q->maxstanzas < max)
		max = q->maxstanzas < 0 ? 0 : (size_t)q->maxstanzas;
	if (max == 0 || (ar = archive_room(r, false, &failed)) == NULL)
		return;
	if ((items = calloc(max, sizeof(*items))) == NULL)
		return;
	if (history_pick(r, ar, q, strlen(to), items, max, &n) == -1)
		log_error("room %s: history from the archive: %s", r->jid,
		    store_errmsg(r->mucd->store));
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (history_copy(&items[i], r->jid, &b) == 0)
			mucd_send_to(r->mucd, b.data, b.len,
			    strlen(ARCH_MSG_OPEN), to);
		store_arch_item_free(&items[i]);
	}
	buf_free(&b);
	free(items);
}

void
history_send(struct room *r, const char *to, const struct xnode *join)
{
	struct hist_req q;
	long long chars = 0, tolen = (long long)strlen(to);
	unsigned n = 0, i;

	parse_request(join, &q);
	if (!q.has_chars && !q.has_stanzas && !q.has_since) {
		q.has_stanzas = true;
		q.maxstanzas = r->cfg.default_history;
	}
	if (archive_on(r)) {
		send_archived(r, to, &q);
		return;
	}
	/* Count back from the newest until a limit is reached. */
	for (i = r->hist_len; i > 0; i--) {
		struct hist_entry *e = entry_at(r, i - 1);

		if (q.has_chars) {
			chars += (long long)e->len + tolen;
			if (chars > q.maxchars)
				break;
		}
		if (q.has_since && e->stamp < q.since)
			break;
		if (q.has_stanzas && n + 1 > q.maxstanzas)
			break;
		n++;
	}
	for (i = r->hist_len - n; i < r->hist_len; i++) {
		struct hist_entry *e = entry_at(r, i);

		mucd_send_to(r->mucd, e->xml, e->len, e->split, to);
	}
}

/* The newest n archived messages (tombstones too: what is in it). */
static void
each_archived(struct room *r, unsigned n, history_cb cb, void *arg)
{
	struct store_arch_room *ar;
	struct store_arch_query aq = { 0 };
	struct store_arch_item *items;
	size_t got = 0, i;
	bool failed, more;

	if (n == 0 || (ar = archive_room(r, false, &failed)) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL)
		return;
	aq.aid = ar->aid;
	aq.lo = archive_floor(r, ar);
	aq.hi = UINT64_MAX;
	aq.backward = true;
	aq.max = n;
	if (store_arch_page(r->mucd->store, &aq, items, &got, &more) ==
	    STORE_OK)
		for (i = got; i > 0; i--)
			cb(arg, (long long)(STORE_ARCH_MS(items[i - 1].rec.seq) /
			    1000), items[i - 1].rec.xml, items[i - 1].rec.xmllen);
	for (i = 0; i < got; i++)
		store_arch_item_free(&items[i]);
	free(items);
}

void
history_each(struct room *r, unsigned n, history_cb cb, void *arg)
{
	unsigned i, start = n < r->hist_len ? r->hist_len - n : 0;

	if (archive_on(r)) {
		each_archived(r, n, cb, arg);
		return;
	}
	for (i = start; i < r->hist_len; i++) {
		struct hist_entry *e = entry_at(r, i);

		cb(arg, e->stamp, e->xml, e->len);
	}
}

static int
load_cb(void *arg, uint64_t seq, const char *json)
{
	struct room *r = arg;
	json_t *o = json_loads(json, 0, NULL), *st;
	const char *jid;
	char *xml;

	if (o == NULL)
		return 0;	/* skip a damaged entry, keep the rest */
	st = json_object_get(o, "stanza");
	jid = json_string_value(json_object_get(o, "jid"));
	if (json_is_string(st) &&
	    (xml = strndup(json_string_value(st), json_string_length(st))))
		push(r, xml, json_string_length(st),
		    json_integer_value(json_object_get(o, "stamp")), seq,
		    json_string_value(json_object_get(o, "sid")),
		    jid != NULL ? strdup(jid) : NULL);
	json_decref(o);
	return 0;
}

int
history_load(struct room *r)
{
	if (!persisted(r))
		return 0;
	return store_history_iter(r->mucd->store, r->jid, capacity(r), load_cb,
	    r) < 0 ? -1 : 0;
}

int
history_store_all(struct room *r, struct store_txn *txn)
{
	unsigned i;
	int rc;

	if (!r->mucd->conf.history_persist)
		return STORE_OK;
	for (i = 0; i < r->hist_len; i++)
		if ((rc = persist(r, txn, entry_at(r, i))) != STORE_OK)
			return rc;
	return STORE_OK;
}
