#include "archive.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "roomcfg.h"
#include "stanza.h"

/*
 * Stored stanzas are serialized as <message xmlns='jabber:client' ...>:
 * forwarded inside a MAM result they need their namespace spelled out.
 * Sent again as themselves (join history) they drop it, like every
 * stanza on the component stream.
 */
#define NS_CLIENT	"jabber:client"
#define CLIENT_XMLNS	" xmlns='" NS_CLIENT "'"
#define MSG_OPEN	ARCH_MSG_OPEN
#define MSG_CLOSE	"</message>"

bool
archive_on(const struct room *r)
{
	return r->cfg.archiving && r->mucd->store != NULL;
}

static void
new_sid(char out[ARCH_SID_LEN + 1])
{
	unsigned char raw[12];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, ARCH_SID_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* A client must not forge the room's id, nor pass another entity's off
 * as part of what the room relays: every stanza-id goes. */
static void
strip_stanza_ids(struct xnode *msg)
{
	struct xnode *c, *next;

	for (c = msg->first; c != NULL; c = next) {
		next = c->next;
		if (c->name != NULL && strcmp(c->ns, NS_SID) == 0)
			x_unlink(c);
	}
}

static void
set_stanza_id(struct xnode *msg, const char *roomjid,
    char id[ARCH_SID_LEN + 1])
{
	struct xnode *sid = x_add(msg, "stanza-id", NS_SID);

	new_sid(id);
	x_set_attr(sid, "by", roomjid);
	x_set_attr(sid, "id", id);
}

/*
 * Keys are time-ordered: milliseconds << 16 plus a counter, so a second
 * message in the same millisecond (or a clock that stepped back) still
 * sorts after the one before.
 */
static uint64_t
next_seq(const struct store_arch_room *ar)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = STORE_ARCH_SEQ((uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000);
	return now > ar->last ? now : ar->last + 1;
}

void
archive_stamp(uint64_t seq, char *out, size_t outlen)
{
	st_stamp((long long)(STORE_ARCH_MS(seq) / 1000), out, outlen);
}

/*
 * A room created in this run may find an archive under its JID: a
 * former room's that was not dropped (a temporary room when the daemon
 * died) goes; one kept on purpose (destroy --keep-archive) is adopted.
 */
static int
adopt_or_drop(struct room *r, struct store_txn *txn)
{
	if (!r->arch.kept)
		return store_arch_drop(txn, r->jid) == STORE_OK ? 1 : -1;
	r->arch.kept = false;
	return store_arch_room_put(txn, r->jid, &r->arch) == STORE_OK ? 0 : -1;
}

static int
check_fresh(struct room *r)
{
	struct store *st = r->mucd->store;
	struct store_txn *txn;
	int rc;

	if (store_begin(st, &txn) != STORE_OK)
		return -1;
	if ((rc = adopt_or_drop(r, txn)) == -1 ||
	    store_commit(txn) != STORE_OK) {
		if (rc == -1)
			store_abort(txn);
		return -1;
	}
	mucd_store_dirty(r->mucd);
	if (rc == 1)
		r->arch_state = ARCH_ABSENT;
	return 0;
}

struct store_arch_room *
archive_room(struct room *r, bool create, bool *failed)
{
	struct store *st = r->mucd->store;
	struct store_txn *txn;
	int rc;

	*failed = false;
	if (st == NULL)
		return NULL;
	if (r->arch_state == ARCH_UNKNOWN) {
		rc = store_arch_room_get(st, r->jid, &r->arch);
		if (rc < 0)
			goto fail;
		r->arch_state = rc == STORE_OK ? ARCH_LOADED : ARCH_ABSENT;
		if (r->arch_state == ARCH_LOADED && r->fresh &&
		    check_fresh(r) == -1)
			goto fail;
	}
	if (r->arch_state == ARCH_LOADED)
		return &r->arch;
	if (!create)
		return NULL;
	if (store_begin(st, &txn) != STORE_OK)
		goto fail;
	if (store_arch_room_open(txn, r->jid, &r->arch) != STORE_OK) {
		store_abort(txn);
		goto fail;
	}
	if (store_commit(txn) != STORE_OK)
		goto fail;
	mucd_store_dirty(r->mucd);
	r->arch_state = ARCH_LOADED;
	return &r->arch;
fail:
	/* Looked up again next time: the store may have recovered. */
	r->arch_state = ARCH_UNKNOWN;
	r->mucd->stats.store_errors++;
	log_error("room %s: archive: %s", r->jid, store_errmsg(st));
	*failed = true;
	return NULL;
}

/* The stricter of the room's limit and the service's (0 is none). */
static uint64_t
limit_min(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	return b == 0 || a < b ? a : b;
}

uint64_t
archive_age_cut(const struct mucd *m, const struct room_config *c)
{
	uint64_t age = limit_min((uint64_t)c->archive_days * 86400,
	    m->conf.archive_max_age);
	uint64_t now = (uint64_t)time(NULL);

	return age > 0 && now > age ? STORE_ARCH_SEQ((now - age) * 1000) : 0;
}

uint64_t
archive_keep(const struct mucd *m, const struct room_config *c)
{
	return limit_min(c->archive_messages, m->conf.archive_max_messages);
}

uint64_t
archive_floor(const struct room *r, const struct store_arch_room *ar)
{
	uint64_t cut = archive_age_cut(r->mucd, &r->cfg);

	return cut > ar->floor ? cut : ar->floor;
}

/*
 * Where the room's own <stanza-id/> (the last child archive_stamp_id
 * added; the id is random, so it appears once) lies in a serialization:
 * [*start, *end), or -1.
 */
static int
find_own_sid(const char *xml, size_t len, const char *sid, size_t *start,
    size_t *end)
{
	char needle[ARCH_SID_LEN + 8];
	const char *at, *open, *close, *p;

	snprintf(needle, sizeof(needle), "id='%s'", sid);
	if ((at = memmem(xml, len, needle, strlen(needle))) == NULL)
		return -1;
	for (open = NULL, p = xml; (p = memmem(p, (size_t)(at - p),
	    "<stanza-id", 10)) != NULL; p += 10)
		open = p;
	if (open == NULL || (close = memmem(at, len - (size_t)(at - xml),
	    "/>", 2)) == NULL)
		return -1;
	*start = (size_t)(open - xml);
	*end = (size_t)(close + 2 - xml);
	return 0;
}

/*
 * "<message xmlns='jabber:client' ..." from the serialization the copies
 * were made of (ser; NULL: serialized here), without the stanza-id:
 * stored apart already, it is added back when the message is rendered.
 */
static char *
stored_form(const struct xnode *msg, const struct buf *ser, const char *sid,
    size_t *len)
{
	struct buf b, out;
	size_t head = strlen(MSG_OPEN), cut0, cut1;
	char *s = NULL;

	buf_init(&b, 0);
	buf_init(&out, 0);
	if (ser == NULL && x_serialize(msg, &b, NS_COMPONENT) == 0)
		ser = &b;
	if (ser != NULL && ser->len > head &&
	    memcmp(ser->data, MSG_OPEN, head) == 0 &&
	    find_own_sid(ser->data, ser->len, sid, &cut0, &cut1) == 0 &&
	    buf_append(&out, MSG_OPEN, head) == 0 &&
	    buf_puts(&out, CLIENT_XMLNS) == 0 &&
	    buf_append(&out, ser->data + head, cut0 - head) == 0 &&
	    buf_append(&out, ser->data + cut1, ser->len - cut1) == 0) {
		*len = out.len;
		s = buf_steal(&out);
	}
	buf_free(&b);
	buf_free(&out);
	return s;
}

static int
store_message(struct room *r, struct store_arch_room *ar,
    struct store_arch_rec *rec)
{
	struct store *st = r->mucd->store;
	struct store_txn *txn;
	int rc;

	if ((rc = store_begin(st, &txn)) != STORE_OK)
		return rc;
	if ((rc = store_arch_add(txn, r->jid, ar, rec)) != STORE_OK) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

void
archive_stamp_id(struct room *r, struct xnode *msg)
{
	char sid[ARCH_SID_LEN + 1];

	strip_stanza_ids(msg);
	set_stanza_id(msg, r->jid, sid);
}

/*
 * Store a message that has its stanza-id. A stanza-id already taken in
 * the room (2^-96 odds: a broken random source) refuses the message like
 * any storage failure: the copies carry that id, so it cannot change.
 */
static int
archive_store(struct room *r, struct xnode *msg, const struct buf *ser,
    const struct occupant *o, bool keep, struct muc_err *e)
{
	struct store_arch_rec rec = { 0 };
	struct store_arch_room *ar;
	bool failed;
	char *xml;
	int rc;

	if (!archive_on(r) || !keep)
		return 0;
	rec.sid = x_attr(x_child(msg, "stanza-id", NS_SID), "id");
	rec.nick = o != NULL ? o->nick : "";
	rec.jid = o != NULL ? o->bare : "";
	if (rec.sid == NULL || (ar = archive_room(r, true, &failed)) == NULL ||
	    (xml = stored_form(msg, ser, rec.sid, &rec.xmllen)) == NULL)
		goto fail;
	rec.seq = next_seq(ar);
	rec.xml = xml;
	rc = store_message(r, ar, &rec);
	free(xml);
	if (rc != STORE_OK)
		goto fail;
	mucd_store_dirty(r->mucd);
	r->mucd->stats.archived++;
	return 0;
fail:
	r->mucd->stats.store_errors++;
	log_error("room %s: message not archived, so not sent: %s", r->jid,
	    store_errmsg(r->mucd->store));
	return st_refuse(e, ERR_WAIT, "resource-constraint",
	    "The message could not be archived, so it was not sent");
}

int
archive_admit(void *arg, const struct buf *ser, struct muc_err *e)
{
	struct archive_admission *a = arg;

	return archive_store(a->r, a->msg, ser, a->o, a->keep, e);
}

int
archive_message(struct room *r, struct xnode *msg, const struct occupant *o,
    bool keep, struct muc_err *e)
{
	archive_stamp_id(r, msg);
	return archive_store(r, msg, NULL, o, keep, e);
}

int
archive_render(const struct store_arch_item *it, const char *roomjid,
    bool forward, const char *extra, size_t extralen, struct buf *b)
{
	const char *xml = it->rec.xml;
	size_t len = it->rec.xmllen, head = strlen(MSG_OPEN),
	    ns = strlen(CLIENT_XMLNS), tail = strlen(MSG_CLOSE), s0, s1;

	/* Our own serialization; anything else is refused, not guessed. */
	if (len < head + ns + tail || memcmp(xml, MSG_OPEN, head) != 0 ||
	    memcmp(xml + head, CLIENT_XMLNS, ns) != 0 ||
	    memcmp(xml + len - tail, MSG_CLOSE, tail) != 0)
		return -1;
	buf_reset(b);
	if (!forward)
		head += ns;
	if (buf_append(b, MSG_OPEN, strlen(MSG_OPEN)) == -1 ||
	    buf_append(b, xml + head, len - head - tail) == -1)
		return -1;
	/* The stanza-id where it was, last (records stored with it kept). */
	if (find_own_sid(xml, len, it->rec.sid, &s0, &s1) == -1 &&
	    (buf_puts(b, "<stanza-id xmlns='" NS_SID "' by='") == -1 ||
	    x_escape(b, roomjid, strlen(roomjid)) == -1 ||
	    buf_printf(b, "' id='%s'/>", it->rec.sid) == -1))
		return -1;
	return buf_append(b, extra, extralen) == -1 ||
	    buf_puts(b, MSG_CLOSE) == -1 ? -1 : 0;
}

/* The stored message parsed back (our own serialization). */
static struct xnode *
parse_stored(const struct store_arch_item *it)
{
	struct xml_limits lim = { 1u << 26, 64 };
	char err[64];

	return xml_parse(it->rec.xml, it->rec.xmllen, &lim, err, sizeof(err));
}

/* Only what identifies the message stays: its sender's occupant-id and
 * the room's stanza-id; the body and everything else goes. */
static void
keep_identity(struct xnode *msg)
{
	struct xnode *c, *next;

	for (c = msg->first; c != NULL; c = next) {
		next = c->next;
		if (c->name == NULL || !(strcmp(c->ns, NS_OCCUPANT_ID) == 0 ||
		    strcmp(c->ns, NS_SID) == 0))
			x_unlink(c);
	}
}

int
archive_tombstone(struct room *r, const struct store_arch_item *it,
    struct xnode *retracted)
{
	struct store_arch_rec rec = it->rec;
	struct store_arch_room *ar;
	struct store_txn *txn;
	struct xnode *msg;
	struct buf b;
	bool failed;
	int rc = -1;

	if ((ar = archive_room(r, false, &failed)) == NULL ||
	    (msg = parse_stored(it)) == NULL) {
		x_free(retracted);
		return -1;
	}
	keep_identity(msg);
	x_copy(msg, retracted);
	x_free(retracted);
	buf_init(&b, 0);
	if (x_serialize(msg, &b, "") == 0 &&
	    store_begin(r->mucd->store, &txn) == STORE_OK) {
		rec.flags |= STORE_ARCH_TOMBSTONE;
		rec.xml = b.data;
		rec.xmllen = b.len;
		if (store_arch_replace(txn, r->jid, ar, &rec,
		    store_arch_rec_size(&it->rec)) != STORE_OK)
			store_abort(txn);
		else if (audit_commit(r->mucd, txn) == STORE_OK)
			rc = 0;
	}
	buf_free(&b);
	x_free(msg);
	if (rc == 0)
		mucd_store_dirty(r->mucd);
	else {
		/* A moderation noted for this tombstone did not happen. */
		audit_discard(r->mucd);
		log_error("room %s: tombstone for %s: %s", r->jid,
		    it->rec.sid, store_errmsg(r->mucd->store));
	}
	return rc;
}

static bool
sid_valid(const char *sid)
{
	size_t i;

	if (sid == NULL || strlen(sid) != ARCH_SID_LEN)
		return false;
	for (i = 0; i < ARCH_SID_LEN; i++)
		if (!(sid[i] >= 'A' && sid[i] <= 'Z') &&
		    !(sid[i] >= 'a' && sid[i] <= 'z') &&
		    !(sid[i] >= '0' && sid[i] <= '9') && sid[i] != '-' &&
		    sid[i] != '_')
			return false;
	return true;
}

/* Is s what prep makes of it (a stored nick or JID is prepared)? */
static bool
prepared(const char *s, int (*prep)(const char *, char *, size_t,
    const char **))
{
	char out[JID_BARE_MAX + 1];
	const char *why;

	return prep(s, out, sizeof(out), &why) == 0 && strcmp(out, s) == 0;
}

const char *
archive_import_check(const struct archive_import *in)
{
	const struct xnode *m = in->msg;

	if (!sid_valid(in->sid))
		return "\"id\" is not a stanza-id as mucd makes them";
	if (in->stamp <= 0 || in->stamp > (long long)(UINT64_MAX >> 26))
		return "\"stamp\" is not a time";
	if (in->nick[0] != '\0' && !prepared(in->nick, jid_resourceprep))
		return "\"nick\" is not a valid nick";
	if (in->jid[0] != '\0' && !prepared(in->jid, jid_prep_bare))
		return "\"jid\" is not a bare JID";
	if (m == NULL || strcmp(m->name, "message") != 0 ||
	    strcmp(m->ns, NS_CLIENT) != 0)
		return "\"xml\" is not a <message/> in jabber:client";
	if (!in->retracted &&
	    strcmp(x_attr(m, "type") ? x_attr(m, "type") : "", "groupchat") != 0)
		return "\"xml\" is not a groupchat message";
	return NULL;
}

/* Does the archive hold a message with this stanza-id: 1, 0, or -1 on a
 * store failure. */
static int
held(struct room *r, const struct store_arch_room *ar, const char *sid)
{
	struct store_arch_item it;
	int rc;

	if (ar == NULL)
		return 0;
	rc = store_arch_get(r->mucd->store, ar->aid, sid, &it);
	if (rc == STORE_OK)
		store_arch_item_free(&it);
	return rc == STORE_OK ? 1 : rc == STORE_NOTFOUND ? 0 : -1;
}

/* One message into txn: 1 if the room holds its stanza-id already. */
static int
import_one(struct room *r, struct store_txn *txn, struct store_arch_room *ar,
    struct archive_import *in)
{
	struct store_arch_rec rec = { 0 };
	char from[JID_MAX + 1];
	struct buf b;
	uint64_t seq;
	int rc;

	if ((rc = held(r, ar, in->sid)) != 0)
		return rc;
	if (jid_compose(from, sizeof(from), NULL, r->jid, in->nick) == -1)
		return -1;
	/* Where it was archived is not where it lives now. */
	strip_stanza_ids(in->msg);
	x_set_attr(in->msg, "from", from);
	x_set_attr(in->msg, "to", NULL);
	seq = STORE_ARCH_SEQ((uint64_t)in->stamp * 1000);
	rec.seq = seq > ar->last ? seq : ar->last + 1;
	rec.flags = in->retracted ? STORE_ARCH_TOMBSTONE : 0;
	rec.sid = in->sid;
	rec.nick = in->nick;
	rec.jid = in->jid;
	buf_init(&b, 0);
	rc = STORE_ERR;
	if (x_serialize(in->msg, &b, "") == 0) {
		rec.xml = b.data;
		rec.xmllen = b.len;
		rc = store_arch_add(txn, r->jid, ar, &rec);
	}
	buf_free(&b);
	return rc == STORE_OK ? 0 : -1;
}

int
archive_import(struct room *r, struct archive_import *in, size_t n,
    bool dry, size_t *added)
{
	struct store_arch_room *ar, next;
	struct store_txn *txn;
	char what[48];
	bool failed;
	size_t i;
	int rc = 0;

	*added = 0;
	ar = archive_room(r, !dry, &failed);
	if (failed)
		return -1;
	if (dry) {
		for (i = 0; i < n && (rc = held(r, ar, in[i].sid)) != -1; i++)
			*added += rc == 0;
		return rc == -1 ? -1 : 0;
	}
	if (ar == NULL || store_begin(r->mucd->store, &txn) != STORE_OK)
		return -1;
	/* Added to a copy: the room's entry follows only a commit. */
	next = *ar;
	for (i = 0; i < n && (rc = import_one(r, txn, &next, &in[i])) != -1;
	    i++)
		*added += rc == 0;
	if (rc != -1 && *added > 0) {
		snprintf(what, sizeof(what), "%zu messages", *added);
		audit_note(r->mucd, r->jid, "archive.import", NULL, NULL, what,
		    NULL);
	}
	if (rc == -1) {
		store_abort(txn);
		return -1;
	}
	if (audit_commit(r->mucd, txn) != STORE_OK)
		return -1;
	mucd_store_dirty(r->mucd);
	*ar = next;
	return 0;
}

static int
forget_in(struct room *r, struct store_txn *txn, bool keep)
{
	struct store_arch_room ar;
	int rc;

	rc = store_arch_room_get(r->mucd->store, r->jid, &ar);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (!keep)
		return store_arch_drop(txn, r->jid);
	ar.kept = true;
	return store_arch_room_put(txn, r->jid, &ar);
}

int
archive_forget(struct room *r, struct store_txn *txn, bool keep)
{
	struct store *st = r->mucd->store;
	struct store_txn *own = NULL;
	int rc;

	if (st == NULL)
		return 0;
	if (txn == NULL) {
		if (store_begin(st, &own) != STORE_OK)
			goto fail;
		txn = own;
	}
	if ((rc = forget_in(r, txn, keep)) != STORE_OK) {
		if (own != NULL)
			store_abort(own);
		goto fail;
	}
	if (own != NULL && store_commit(own) != STORE_OK)
		goto fail;
	if (own != NULL)
		mucd_store_dirty(r->mucd);
	r->arch_state = ARCH_UNKNOWN;
	return 0;
fail:
	r->mucd->stats.store_errors++;
	log_error("room %s: archive not %s: %s", r->jid, keep ? "kept" :
	    "dropped", store_errmsg(st));
	return -1;
}
