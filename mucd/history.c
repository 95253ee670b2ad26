#include "history.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
drop_oldest(struct room *r)
{
	struct hist_entry *e = entry_at(r, 0);

	r->hist_bytes -= e->len;
	free(e->xml);
	e->xml = NULL;
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

/* Append a ready entry, evicting by count and by bytes. */
static void
push(struct room *r, char *xml, size_t len, size_t split, long long stamp,
    uint64_t seq)
{
	unsigned cap = capacity(r);
	struct hist_entry *e;

	if (cap == 0 || len > r->mucd->conf.history_max_bytes ||
	    (r->hist_cap != cap && reshape(r, cap) == -1)) {
		free(xml);
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
	e->split = split;
	e->stamp = stamp;
	e->seq = seq;
	r->hist_len++;
	r->hist_bytes += len;
	if (seq >= r->hist_seq)
		r->hist_seq = seq + 1;
}

static int
persist(struct room *r, struct store_txn *txn, const struct hist_entry *e)
{
	json_t *o = json_pack("{s:i,s:I,s:s%}", "v", 1, "stamp",
	    (json_int_t)e->stamp, "stanza", e->xml, e->len);
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
history_add(struct room *r, const struct xnode *msg)
{
	struct xnode *copy, *d;
	char stamp[32], *xml;
	long long now = (long long)time(NULL);
	struct buf b;
	size_t len;

	if (capacity(r) == 0 || (copy = x_clone(msg)) == NULL)
		return;
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
	if ((xml = buf_steal(&b)) == NULL)
		return;
	push(r, xml, len, 1 + strlen("message"), now, r->hist_seq);
	if (persisted(r) && r->hist_len > 0)
		persist_latest(r);
}

struct hist_req {
	long long	 maxchars, maxstanzas, since;
	bool		 has_chars, has_stanzas, has_since;
};

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

void
history_each(struct room *r, unsigned n, history_cb cb, void *arg)
{
	unsigned i, start = n < r->hist_len ? r->hist_len - n : 0;

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
	char *xml;

	if (o == NULL)
		return 0;	/* skip a damaged entry, keep the rest */
	st = json_object_get(o, "stanza");
	if (json_is_string(st) &&
	    (xml = strndup(json_string_value(st), json_string_length(st))))
		push(r, xml, json_string_length(st), 1 + strlen("message"),
		    json_integer_value(json_object_get(o, "stamp")), seq);
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
