/*
 * audit: notes of administrative changes, stored with the change; see
 * audit.h for the model.
 */
#include "audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mucd.h"
#include "store.h"
#include "utf8.h"

struct audit_note {
	struct store_audit_rec	 rec;
	struct audit_note	*next;
};

void
audit_init(struct audit *a)
{
	memset(a, 0, sizeof(*a));
	a->tail = &a->head;
}

static void
notes_free(struct audit *a)
{
	struct audit_note *n, *next;

	for (n = a->head; n != NULL; n = next) {
		next = n->next;
		store_audit_rec_free(&n->rec);
		free(n);
	}
	a->head = NULL;
	a->tail = &a->head;
	a->n = 0;
}

void
audit_begin(struct mucd *m, const char *path, const char *actor)
{
	struct audit *a = &m->audit;

	/* Leftovers of a request that ended without audit_end. */
	if (a->head != NULL)
		audit_end(m);
	a->path = path;
	snprintf(a->actor, sizeof(a->actor), "%s", actor ? actor : "");
	utf8_chop(a->actor);
}

void
audit_set_path(struct mucd *m, const char *path)
{
	m->audit.path = path;
}

/* A copy cut to AUDIT_FIELD_MAX bytes on a character boundary; "" for
 * none, so a note reads like a record read back. */
static char *
field(const char *s)
{
	char *p;

	if ((p = strndup(s ? s : "", AUDIT_FIELD_MAX)) != NULL)
		utf8_chop(p);
	return p;
}

void
audit_note(struct mucd *m, const char *room, const char *action,
    const char *target, const char *old, const char *new, const char *reason)
{
	struct audit *a = &m->audit;
	struct audit_note *n;

	if (a->n >= AUDIT_PENDING_MAX) {
		log_error("audit: more than %d changes in one request; %s on "
		    "%s not recorded", AUDIT_PENDING_MAX, action,
		    room ? room : "the service");
		return;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->rec.room = strdup(room ? room : "")) == NULL ||
	    (n->rec.actor = strdup(a->actor)) == NULL ||
	    (n->rec.path = strdup(a->path ? a->path : "service")) == NULL ||
	    (n->rec.action = strdup(action)) == NULL ||
	    (n->rec.target = field(target)) == NULL ||
	    (n->rec.old = field(old)) == NULL ||
	    (n->rec.new = field(new)) == NULL ||
	    (n->rec.reason = field(reason)) == NULL) {
		if (n != NULL)
			store_audit_rec_free(&n->rec);
		free(n);
		log_error("audit: out of memory; %s on %s not recorded",
		    action, room ? room : "the service");
		return;
	}
	*a->tail = n;
	a->tail = &n->next;
	a->n++;
}

/* The newest seq stored, so a restart (or a clock stepped back) never
 * reuses one. */
static int
load_last_seq(struct mucd *m)
{
	struct store_audit_query q = { NULL, NULL, 0, UINT64_MAX, 1, 0 };
	struct store_audit_rec r;
	uint64_t seen;
	size_t n;
	bool more;
	int rc;

	if ((rc = store_audit_page(m->store, &q, &r, &n, &more, &seen)) !=
	    STORE_OK)
		return rc;
	m->audit.last_seq = 1;
	if (n == 1) {
		m->audit.last_seq = r.seq;
		store_audit_rec_free(&r);
	}
	return STORE_OK;
}

static uint64_t
next_seq(struct audit *a)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = STORE_ARCH_SEQ((uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000);
	a->last_seq = now > a->last_seq ? now : a->last_seq + 1;
	return a->last_seq;
}

int
audit_write(struct mucd *m, struct store_txn *txn)
{
	struct audit *a = &m->audit;
	struct audit_note *n;
	uint64_t saved = a->last_seq;
	int rc;

	if (a->head == NULL || m->store == NULL)
		return STORE_OK;
	if (a->last_seq == 0 && (rc = load_last_seq(m)) != STORE_OK)
		return rc;
	saved = a->last_seq;
	for (n = a->head; n != NULL; n = n->next) {
		n->rec.seq = next_seq(a);
		if ((rc = store_audit_put(txn, &n->rec)) != STORE_OK) {
			a->last_seq = saved;
			return rc;
		}
	}
	return STORE_OK;
}

/* Text from users (reasons, nicks) reaches the log on one line. */
static const char *
oneline(const char *s, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", s ? s : "");
	utf8_chop(buf);
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

static void
log_note(const struct store_audit_rec *r)
{
	char target[256], old[256], new[256], reason[512], actor[256];
	bool change = *r->old != '\0' || *r->new != '\0';

	log_info("audit: %s %s%s%s%s%s%s%s by %s via %s%s%s%s", r->room,
	    r->action, *r->target ? " " : "",
	    oneline(r->target, target, sizeof(target)),
	    change ? ": " : "", change ? oneline(r->old, old, sizeof(old)) : "",
	    change ? " -> " : "", change ? oneline(r->new, new, sizeof(new)) :
	    "", *r->actor ? oneline(r->actor, actor, sizeof(actor)) :
	    "the service", r->path, *r->reason ? " (reason: " : "",
	    oneline(r->reason, reason, sizeof(reason)),
	    *r->reason ? ")" : "");
}

void
audit_committed(struct mucd *m)
{
	struct audit_note *n;

	for (n = m->audit.head; n != NULL; n = n->next) {
		log_note(&n->rec);
		m->stats.audit_events++;
	}
	notes_free(&m->audit);
}

int
audit_commit(struct mucd *m, struct store_txn *txn)
{
	int rc;

	if ((rc = audit_write(m, txn)) != STORE_OK) {
		store_abort(txn);
		audit_discard(m);
		return rc;
	}
	if ((rc = store_commit(txn)) != STORE_OK) {
		audit_discard(m);
		return rc;
	}
	audit_committed(m);
	return STORE_OK;
}

void
audit_discard(struct mucd *m)
{
	notes_free(&m->audit);
}

void
audit_end(struct mucd *m)
{
	struct store_txn *txn;
	int rc;

	if (m->audit.head == NULL)
		goto out;
	if (m->store == NULL) {
		/* No database (never in service): the log still has them. */
		audit_committed(m);
		goto out;
	}
	if ((rc = store_begin(m->store, &txn)) == STORE_OK) {
		if ((rc = audit_write(m, txn)) == STORE_OK)
			rc = store_commit(txn);
		else
			store_abort(txn);
	}
	if (rc != STORE_OK) {
		m->stats.store_errors++;
		log_error("audit: %zu change(s) not recorded: %s", m->audit.n,
		    store_errmsg(m->store));
		audit_discard(m);
		goto out;
	}
	mucd_store_dirty(m);
	audit_committed(m);
out:
	m->audit.path = NULL;
	m->audit.actor[0] = '\0';
}

void
audit_prune(struct mucd *m)
{
	struct store_txn *txn;
	struct timespec ts;
	uint64_t before;
	size_t n;
	int rc;

	if (m->store == NULL || m->conf.audit_max_age == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if ((uint64_t)ts.tv_sec <= m->conf.audit_max_age)
		return;
	before = STORE_ARCH_SEQ(((uint64_t)ts.tv_sec - m->conf.audit_max_age) *
	    1000);
	if ((rc = store_begin(m->store, &txn)) != STORE_OK)
		goto fail;
	if ((rc = store_audit_trim(txn, before, AUDIT_PRUNE_BATCH, &n)) !=
	    STORE_OK) {
		store_abort(txn);
		goto fail;
	}
	if ((rc = store_commit(txn)) != STORE_OK)
		goto fail;
	if (n > 0) {
		mucd_store_dirty(m);
		log_debug("audit: %zu expired event(s) deleted", n);
	}
	return;
fail:
	log_error("audit: retention: %s", store_errmsg(m->store));
}

long long
audit_time(uint64_t seq)
{
	return (long long)(STORE_ARCH_MS(seq) / 1000);
}
