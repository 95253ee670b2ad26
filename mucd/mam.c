#include "mam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "form.h"
#include "jid.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

/* The filters of the query form, besides FORM_TYPE. */
static const char *const mam_vars[] = {
	"start", "end", "with", "before-id", "after-id", "ids", NULL
};

struct mamq {
	const char		*queryid;
	struct store_arch_query	 aq;
	char			 nick[JID_PART_MAX + 1];
	bool			 nobody;	/* 'with' no occupant JID */
	bool			 count_only;	/* <max>0</max> */
	const char		**ids;		/* borrowed from the request */
	size_t			 nids;
};

bool
mam_is_request(const struct xnode *q)
{
	return q != NULL && strcmp(q->ns, NS_MAM) == 0 &&
	    (strcmp(q->name, "query") == 0 || strcmp(q->name, "metadata") == 0);
}

/* Whoever may enter the room now: not banned, a member of a
 * members-only room, present in a password-protected one. */
static int
may_query(struct room *r, const struct jid *from, struct muc_err *e)
{
	enum store_aff aff = room_affiliation(r, from->bare);

	if (aff == AFF_OUTCAST)
		return st_refuse(e, ERR_AUTH, "forbidden",
		    "You are banned from this room");
	if (r->cfg.members_only && aff_rank(aff) < aff_rank(AFF_MEMBER))
		return st_refuse(e, ERR_AUTH, "forbidden",
		    "Only members may read the archive of this room");
	if (r->cfg.password != NULL &&
	    room_occupant_by_jid(r, from->full) == NULL)
		return st_refuse(e, ERR_AUTH, "forbidden",
		    "Enter this password-protected room to read its archive");
	/* A room that stopped archiving still answers from what it kept,
	 * as Prosody does. */
	return 0;
}

/* Real JIDs as the querier would see them live. */
static bool
sees_jids(struct room *r, const struct jid *from)
{
	const struct occupant *o = room_occupant_by_jid(r, from->full);

	if (r->cfg.whois == WHOIS_ANYONE)
		return true;
	return o != NULL && room_role_sees_jids(r, o->role);
}

/* The record with this stanza-id, as a position; item-not-found else. */
static int
seq_of(struct room *r, uint32_t aid, const char *sid, uint64_t *seq,
    struct muc_err *e)
{
	struct store_arch_item it;
	int rc;

	rc = store_arch_get(r->mucd->store, aid, sid, &it);
	if (rc == STORE_NOTFOUND)
		return st_refuse(e, ERR_CANCEL, "item-not-found",
		    "No message with that id in this room's archive");
	if (rc != STORE_OK)
		return st_refuse(e, ERR_WAIT, "internal-server-error",
		    "The archive could not be read");
	*seq = it.rec.seq;
	store_arch_item_free(&it);
	return 0;
}

static void
clamp_lo(struct store_arch_query *aq, uint64_t lo)
{
	if (lo > aq->lo)
		aq->lo = lo;
}

static void
clamp_hi(struct store_arch_query *aq, uint64_t hi)
{
	if (hi < aq->hi)
		aq->hi = hi;
}

/* A time filter: whole seconds, inclusive at both ends. */
static int
time_filter(const char *v, bool end, struct store_arch_query *aq,
    struct muc_err *e)
{
	long long t;

	if (v == NULL)
		return 0;
	if (st_parse_stamp(v, &t) == -1 || t < 0)
		return st_refuse(e, ERR_MODIFY, "bad-request",
		    end ? "Invalid 'end' date" : "Invalid 'start' date");
	if (end)
		clamp_hi(aq, STORE_ARCH_SEQ((uint64_t)t * 1000 + 999) | 0xffff);
	else
		clamp_lo(aq, STORE_ARCH_SEQ((uint64_t)t * 1000));
	return 0;
}

/* 'with': an occupant JID of this room filters by nick; any other JID
 * matches nothing (the room's messages are from its occupants). */
static int
with_filter(struct room *r, const char *v, struct mamq *q, struct muc_err *e)
{
	struct jid j;
	const char *why;

	if (v == NULL)
		return 0;
	if (jid_parse(&j, v, &why) == -1)
		return st_refuse(e, ERR_MODIFY, "bad-request",
		    "'with' is not a JID");
	if (strcmp(j.bare, r->jid) == 0 && jid_has_resource(&j)) {
		snprintf(q->nick, sizeof(q->nick), "%s", j.resource);
		q->aq.nick = q->nick;
	} else
		q->nobody = true;
	return 0;
}

/* Every field must be one this server knows (XEP-0313: bad-request). */
static int
check_fields(const struct xnode *x, struct muc_err *e)
{
	const struct xnode *f;
	const char *var;
	size_t i;

	X_FOREACH(x, f) {
		if (!x_is(f, "field", NS_XDATA))
			continue;
		if ((var = x_attr(f, "var")) == NULL ||
		    strcmp(var, "FORM_TYPE") == 0)
			continue;
		for (i = 0; mam_vars[i] != NULL; i++)
			if (strcmp(var, mam_vars[i]) == 0)
				break;
		if (mam_vars[i] == NULL)
			return st_refuse(e, ERR_MODIFY, "bad-request",
			    "Unknown field in the query form");
	}
	return 0;
}

static int
form_filters(struct room *r, const struct xnode *x, uint32_t aid,
    struct mamq *q, struct muc_err *e)
{
	struct form f;
	const struct form_field *ids;
	char err[128];
	uint64_t seq;
	int rc = -1;

	if (check_fields(x, e) == -1)
		return -1;
	if (form_parse(&f, x, mam_vars, r->mucd->conf.max_form_fields, err,
	    sizeof(err)) == -1)
		return st_refuse(e, ERR_MODIFY, "bad-request",
		    "Malformed query form");
	if (f.form_type == NULL || strcmp(f.form_type, NS_MAM) != 0) {
		st_refuse(e, ERR_MODIFY, "bad-request", f.form_type == NULL ?
		    "The query form has no FORM_TYPE" : "Unknown FORM_TYPE");
		goto out;
	}
	if (time_filter(form_value(&f, "start"), false, &q->aq, e) == -1 ||
	    time_filter(form_value(&f, "end"), true, &q->aq, e) == -1 ||
	    with_filter(r, form_value(&f, "with"), q, e) == -1)
		goto out;
	if (form_value(&f, "after-id") != NULL) {
		if (seq_of(r, aid, form_value(&f, "after-id"), &seq, e) == -1)
			goto out;
		clamp_lo(&q->aq, seq + 1);
	}
	if (form_value(&f, "before-id") != NULL) {
		if (seq_of(r, aid, form_value(&f, "before-id"), &seq, e) == -1)
			goto out;
		clamp_hi(&q->aq, seq - 1);	/* stored seqs are > 0 */
	}
	if ((ids = form_get(&f, "ids")) != NULL) {
		if (ids->nvalues > r->mucd->conf.archive_page_max) {
			st_refuse(e, ERR_MODIFY, "bad-request", "Too many ids");
			goto out;
		}
		if ((q->ids = calloc(ids->nvalues + 1, sizeof(*q->ids))) ==
		    NULL) {
			st_refuse(e, ERR_WAIT, "resource-constraint", NULL);
			goto out;
		}
		memcpy(q->ids, ids->values, ids->nvalues * sizeof(*q->ids));
		q->nids = ids->nvalues;
	}
	rc = 0;
out:
	form_free(&f);
	return rc;
}

/* <max>: a count, capped silently at archive_page_max (as Prosody). */
static int
rsm_max(struct room *r, const struct xnode *set, struct mamq *q,
    struct muc_err *e)
{
	const char *v = x_child_text(set, "max", NS_RSM);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0)
		return st_refuse(e, ERR_MODIFY, "bad-request",
		    "<max/> is not a number");
	if (n == 0)
		q->count_only = true;
	q->aq.max = n < r->mucd->conf.archive_page_max ? (size_t)n :
	    r->mucd->conf.archive_page_max;
	return 0;
}

/* RSM: <after>ID forwards, <before>ID backwards, <before/> the last page. */
static int
rsm_filters(struct room *r, const struct xnode *query, uint32_t aid,
    struct mamq *q, struct muc_err *e)
{
	const struct xnode *set = x_child(query, "set", NS_RSM), *b;
	const char *v;
	uint64_t seq;

	if (set == NULL)
		return 0;
	if (rsm_max(r, set, q, e) == -1)
		return -1;
	if ((v = x_child_text(set, "after", NS_RSM)) != NULL && *v != '\0') {
		if (seq_of(r, aid, v, &seq, e) == -1)
			return -1;
		clamp_lo(&q->aq, seq + 1);
	}
	if ((b = x_child(set, "before", NS_RSM)) != NULL) {
		q->aq.backward = true;
		if ((v = x_text(b)) != NULL && *v != '\0') {
			if (seq_of(r, aid, v, &seq, e) == -1)
				return -1;
			clamp_hi(&q->aq, seq - 1);
		}
	}
	return 0;
}

static int
parse_query(struct room *r, const struct xnode *query,
    const struct store_arch_room *ar, struct mamq *q, struct muc_err *e)
{
	const struct xnode *x = x_child(query, "x", NS_XDATA);

	memset(q, 0, sizeof(*q));
	q->queryid = x_attr(query, "queryid");
	q->aq.aid = ar->aid;
	q->aq.lo = archive_floor(r, ar);
	q->aq.hi = UINT64_MAX;
	/* A default above the cap is the cap. */
	q->aq.max = r->mucd->conf.archive_page_default <
	    r->mucd->conf.archive_page_max ?
	    r->mucd->conf.archive_page_default : r->mucd->conf.archive_page_max;
	if (x != NULL && form_filters(r, x, ar->aid, q, e) == -1)
		return -1;
	return rsm_filters(r, query, ar->aid, q, e);
}

/* <message from=room to=querier><result queryid id><forwarded><delay/>
 * the stored message</forwarded></result></message> */
static void
send_result(struct room *r, const char *to, const struct mamq *q,
    const struct store_arch_item *it, bool jids)
{
	struct xnode *msg, *res, *fwd, *d;
	char stamp[32];
	struct buf x, b;

	msg = x_new("message", NS_COMPONENT);
	x_set_attr(msg, "from", r->jid);
	x_set_attr(msg, "to", to);
	res = x_add(msg, "result", NS_MAM);
	if (q->queryid != NULL)
		x_set_attr(res, "queryid", q->queryid);
	x_set_attr(res, "id", it->rec.sid);
	fwd = x_add(res, "forwarded", NS_FORWARD);
	d = x_add(fwd, "delay", NS_DELAY);
	archive_stamp(it->rec.seq, stamp, sizeof(stamp));
	x_set_attr(d, "stamp", stamp);
	buf_init(&x, 0);
	buf_init(&b, 0);
	/* The sender's real JID for those who may see it, as Prosody does:
	 * <x xmlns=muc#user><item jid/></x> in the forwarded message. */
	if (jids && it->rec.jid[0] != '\0' &&
	    (buf_puts(&x, "<x xmlns='" NS_MUC_USER "'><item jid='") == -1 ||
	    x_escape(&x, it->rec.jid, strlen(it->rec.jid)) == -1 ||
	    buf_puts(&x, "'/></x>") == -1))
		buf_reset(&x);
	if (archive_render(it, r->jid, true, x.data, x.len, &b) == 0) {
		x_add_raw(fwd, b.data, b.len);
		mucd_send(r->mucd, msg);
	}
	x_free(msg);
	buf_free(&x);
	buf_free(&b);
}

static void
send_fin(struct mucd *m, const struct xnode *st, const struct mamq *q,
    const struct store_arch_item *items, size_t n, bool complete)
{
	struct xnode *fin = x_new("fin", NS_MAM), *set;

	if (complete)
		x_set_attr(fin, "complete", "true");
	if (q->queryid != NULL)
		x_set_attr(fin, "queryid", q->queryid);
	set = x_add(fin, "set", NS_RSM);
	if (n > 0) {
		x_add_child_text(set, "first", items[0].rec.sid);
		x_add_child_text(set, "last", items[n - 1].rec.sid);
	}
	st_send_result(m, st, fin);
}

static int
cmp_seq(const void *a, const void *b)
{
	uint64_t x = ((const struct store_arch_item *)a)->rec.seq;
	uint64_t y = ((const struct store_arch_item *)b)->rec.seq;

	return x < y ? -1 : x > y;
}

/* The ids asked for that exist and pass the other filters, in order. */
static int
by_ids(struct room *r, const struct mamq *q, struct store_arch_item *out,
    size_t *n)
{
	struct store_arch_item it;
	size_t i;
	int rc;

	*n = 0;
	for (i = 0; i < q->nids; i++) {
		rc = store_arch_get(r->mucd->store, q->aq.aid, q->ids[i], &it);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc != STORE_OK)
			return -1;
		if (it.rec.seq < q->aq.lo || it.rec.seq > q->aq.hi ||
		    (q->aq.nick != NULL && strcmp(it.rec.nick, q->aq.nick))) {
			store_arch_item_free(&it);
			continue;
		}
		out[(*n)++] = it;
	}
	qsort(out, *n, sizeof(*out), cmp_seq);
	return 0;
}

static void
reverse(struct store_arch_item *items, size_t n)
{
	struct store_arch_item t;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		t = items[i];
		items[i] = items[n - 1 - i];
		items[n - 1 - i] = t;
	}
}

/* Fetch the page: *complete when it reaches the end of the walk. */
static int
fetch(struct room *r, struct mamq *q, struct store_arch_item *items,
    size_t *n, bool *complete)
{
	bool more = false;

	*n = 0;
	*complete = true;
	if (q->nobody)
		return 0;
	if (q->nids > 0)
		return by_ids(r, q, items, n);
	if (q->count_only) {
		/* Nothing sent: only whether there is anything. */
		q->aq.max = 1;
		if (store_arch_page(r->mucd->store, &q->aq, items, n,
		    &more) != STORE_OK)
			return -1;
		*complete = *n == 0;
		store_arch_item_free(&items[0]);
		*n = 0;
		return 0;
	}
	if (store_arch_page(r->mucd->store, &q->aq, items, n, &more) !=
	    STORE_OK)
		return -1;
	if (q->aq.backward)
		reverse(items, *n);
	*complete = !more;
	return 0;
}

static void
query(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from, const struct xnode *payload)
{
	struct store_arch_room *ar, none = { 0 };
	struct store_arch_item *items = NULL;
	struct muc_err e;
	struct mamq q;
	bool complete, failed, jids;
	size_t n = 0, i, cap;

	ar = archive_room(r, false, &failed);
	if (failed) {
		st_send_error(m, st, ERR_WAIT, "internal-server-error",
		    "The archive could not be read", NULL);
		return;
	}
	/* Nothing archived yet (aid 0 is never given): every query has an
	 * empty answer, and every id is unknown. */
	if (ar == NULL)
		ar = &none;
	if (parse_query(r, payload, ar, &q, &e) == -1) {
		free(q.ids);
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		return;
	}
	cap = q.nids > q.aq.max ? q.nids : q.aq.max;
	if (ar->aid == 0)
		q.nobody = true;
	if ((items = calloc(cap + 1, sizeof(*items))) == NULL ||
	    fetch(r, &q, items, &n, &complete) == -1) {
		free(items);
		free(q.ids);
		st_send_error(m, st, ERR_WAIT, "internal-server-error",
		    "The archive could not be read", NULL);
		return;
	}
	jids = sees_jids(r, from);
	for (i = 0; i < n; i++)
		send_result(r, from->full, &q, &items[i], jids);
	send_fin(m, st, &q, items, n, complete);
	for (i = 0; i < n; i++)
		store_arch_item_free(&items[i]);
	free(items);
	free(q.ids);
}

static void
form(struct mucd *m, struct xnode *st)
{
	struct xnode *q = x_new("query", NS_MAM), *x;

	x = form_new(q, "form", NS_MAM, NULL, NULL);
	form_add_field(x, "with", "jid-single", NULL, NULL);
	form_add_field(x, "start", "text-single", NULL, NULL);
	form_add_field(x, "end", "text-single", NULL, NULL);
	form_add_field(x, "before-id", "text-single", NULL, NULL);
	form_add_field(x, "after-id", "text-single", NULL, NULL);
	form_add_field(x, "ids", "list-multi", NULL, NULL);
	st_send_result(m, st, q);
}

static void
edge(struct room *r, struct xnode *md, const struct store_arch_room *ar,
    bool last)
{
	struct store_arch_query aq = { ar->aid, archive_floor(r, ar),
	    UINT64_MAX, NULL, last, 1 };
	struct store_arch_item it = { 0 };
	struct xnode *e;
	char stamp[32];
	size_t n;
	bool more;

	if (store_arch_page(r->mucd->store, &aq, &it, &n, &more) != STORE_OK ||
	    n == 0)
		return;
	e = x_add(md, last ? "end" : "start", NULL);
	x_set_attr(e, "id", it.rec.sid);
	archive_stamp(it.rec.seq, stamp, sizeof(stamp));
	x_set_attr(e, "timestamp", stamp);
	store_arch_item_free(&it);
}

static void
metadata(struct mucd *m, struct room *r, struct xnode *st)
{
	struct xnode *md = x_new("metadata", NS_MAM);
	struct store_arch_room *ar;
	bool failed;

	if ((ar = archive_room(r, false, &failed)) != NULL) {
		edge(r, md, ar, false);
		edge(r, md, ar, true);
	}
	if (failed) {
		x_free(md);
		st_send_error(m, st, ERR_WAIT, "internal-server-error",
		    "The archive could not be read", NULL);
		return;
	}
	st_send_result(m, st, md);
}

void
mam_iq(struct mucd *m, struct room *r, struct xnode *st,
    const struct jid *from)
{
	const struct xnode *q = st_payload(st);
	bool get = strcmp(st_type(st), "get") == 0;
	struct muc_err e;

	if (may_query(r, from, &e) == -1) {
		st_send_error(m, st, e.type, e.cond, e.text, NULL);
		return;
	}
	if (strcmp(q->name, "metadata") == 0 && get)
		metadata(m, r, st);
	else if (strcmp(q->name, "query") == 0 && get)
		form(m, st);
	else if (strcmp(q->name, "query") == 0)
		query(m, r, st, from, q);
	else
		st_send_error(m, st, ERR_MODIFY, "bad-request", NULL, NULL);
}
