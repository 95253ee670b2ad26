#include "metrics.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "mucd.h"
#include "room.h"
#include "store.h"

/*
 * Everything the table reads, taken at once: the counters copied, the
 * gauges computed (rooms walked, the database directory and
 * /proc/self/statm read). Values that could not be read are left out of
 * the exposition rather than shown as 0: "have" says which were.
 */
struct snap {
	struct mucd_stats	 s;
	struct link_stats	 l;
	struct ctl_stats	 ctl;
	uint64_t		 started;
	uint64_t		 state[LINK_NSTATES];	/* 1: the link's state */
	uint64_t		 state_since, last_error_at;
	uint64_t		 queued;
	uint64_t		 in_memory, stored, public_stored;
	uint64_t		 occupants, sessions;
	uint64_t		 commits, db_bytes, rss_bytes;
	const char		*version;
	const char		*last_error;		/* NULL: none yet */
	unsigned		 have;
};

#define H_STORE		0x1	/* the store is open */
#define H_COUNTS	0x2	/* stored rooms counted */
#define H_DISK		0x4	/* the database's size read */
#define H_RSS		0x8	/* /proc/self/statm read */

enum fam {
	F_BUILD, F_START, F_RSS,
	F_LINK_STATE, F_LINK_SINCE, F_LINK_ERROR, F_LINK_ERROR_AT,
	F_LINK_CONNECTS, F_LINK_DROPS, F_LINK_QUEUE, F_LINK_PEAK,
	F_LINK_BACKPRESSURE, F_LINK_BYTES_IN, F_LINK_BYTES_OUT,
	F_LINK_DROPPED, F_LINK_OVERSIZED,
	F_RECEIVED, F_SENT, F_ERRORS, F_DROPPED, F_FANOUT, F_RATE, F_SLOW,
	F_ROOMS_MEM, F_ROOMS_STORED, F_ROOMS_PUBLIC, F_ROOMS_CREATED,
	F_ROOMS_DESTROYED, F_ROOMS_LOADED, F_ROOMS_EVICTED,
	F_OCCUPANTS, F_SESSIONS,
	F_ARCHIVED, F_AUDIT,
	F_COMMITS, F_SYNC, F_STORE_ERRORS, F_DB_BYTES,
	F_CTL_CLIENTS, F_CTL_ACCEPTED, F_CTL_REFUSED
};

struct family {
	const char	*name;
	enum mt_type	 type;
	const char	*unit;		/* a suffix of the name, or NULL */
	const char	*label;		/* its series' label, or NULL */
	const char	*status;	/* where status shows the sum of its
					   series (a histogram: its count) */
	const char	*help;
};

static const struct family families[] = {
	[F_BUILD] = { "mucd_build", MT_INFO, NULL, "version", NULL,
	    "The version of mucd running." },
	[F_START] = { "mucd_start_time_seconds", MT_GAUGE, "seconds", NULL,
	    NULL, "When the daemon started (Unix time); every counter "
	    "counts from then." },
	[F_RSS] = { "mucd_resident_memory_bytes", MT_GAUGE, "bytes", NULL,
	    NULL, "The daemon's resident memory (/proc/self/statm)." },
	[F_ROOMS_MEM] = { "mucd_rooms_in_memory", MT_GAUGE, NULL, NULL, NULL,
	    "Rooms in memory: temporary ones, and persistent ones loaded." },
	[F_ROOMS_STORED] = { "mucd_rooms_stored", MT_GAUGE, NULL, NULL, NULL,
	    "Persistent rooms in the database." },
	[F_ROOMS_PUBLIC] = { "mucd_rooms_public_stored", MT_GAUGE, NULL, NULL,
	    NULL, "Persistent public rooms in the database." },
	[F_ROOMS_CREATED] = { "mucd_rooms_created", MT_COUNTER, NULL, NULL,
	    NULL, "Rooms created." },
	[F_ROOMS_DESTROYED] = { "mucd_rooms_destroyed", MT_COUNTER, NULL, NULL,
	    NULL, "Rooms destroyed, by their owners or administrators or as "
	    "temporary rooms left empty." },
	[F_ROOMS_LOADED] = { "mucd_rooms_loaded", MT_COUNTER, NULL, NULL, NULL,
	    "Persistent rooms loaded from the database on first use." },
	[F_ROOMS_EVICTED] = { "mucd_rooms_evicted", MT_COUNTER, NULL, NULL,
	    NULL, "Idle persistent rooms evicted from memory (evict_idle)." },
	[F_OCCUPANTS] = { "mucd_occupants", MT_GAUGE, NULL, NULL, NULL,
	    "Occupants of the rooms (one per nick)." },
	[F_SESSIONS] = { "mucd_sessions", MT_GAUGE, NULL, NULL, NULL,
	    "Client sessions in rooms (an occupant may join from several)." },
	[F_RECEIVED] = { "mucd_stanzas_received", MT_COUNTER, NULL, "kind",
	    "counters.stanzas_in link.stanzas_in", "Elements received from "
	    "the server, by kind (other: not a stanza, dropped)." },
	[F_SENT] = { "mucd_stanzas_sent", MT_COUNTER, NULL, "kind",
	    "counters.stanzas_out link.stanzas_out",
	    "Stanzas written to the server, by kind." },
	[F_ERRORS] = { "mucd_errors_sent", MT_COUNTER, NULL, "condition",
	    "counters.errors_sent", "Error replies sent, by stanza error "
	    "condition (RFC 6120)." },
	[F_DROPPED] = { "mucd_stanzas_dropped", MT_COUNTER, NULL, NULL, NULL,
	    "Elements dropped unanswered: not a stanza, no valid sender, "
	    "for another domain." },
	[F_FANOUT] = { "mucd_fanout_bytes", MT_COUNTER, "bytes", NULL, NULL,
	    "Bytes of the copies of room broadcasts sent to occupants' "
	    "sessions." },
	[F_RATE] = { "mucd_rate_limited", MT_COUNTER, NULL, NULL, NULL,
	    "Requests refused by a rate limit (rate_messages, rate_presence, "
	    "rate_iq, room_fanout_rate)." },
	[F_SLOW] = { "mucd_slow_mode_refused", MT_COUNTER, NULL, NULL, NULL,
	    "Messages refused by a room's slow mode." },
	[F_LINK_STATE] = { "mucd_link_state", MT_GAUGE, NULL, "state", NULL,
	    "The link to the XMPP server: 1 for the state it is in." },
	[F_LINK_SINCE] = { "mucd_link_state_change_timestamp_seconds",
	    MT_GAUGE, "seconds", NULL, NULL,
	    "When the link entered its state (Unix time)." },
	[F_LINK_ERROR] = { "mucd_link_last_error", MT_INFO, NULL, "error",
	    NULL, "Why the link last went down or failed to come up; absent "
	    "until it first does." },
	[F_LINK_ERROR_AT] = { "mucd_link_last_error_timestamp_seconds",
	    MT_GAUGE, "seconds", NULL, NULL,
	    "When the link last went down (Unix time; 0: never)." },
	[F_LINK_CONNECTS] = { "mucd_link_connects", MT_COUNTER, NULL, NULL,
	    NULL, "Times the server accepted the link (handshake)." },
	[F_LINK_DROPS] = { "mucd_link_drops", MT_COUNTER, NULL, NULL, NULL,
	    "Times the link went down after it was up." },
	[F_LINK_QUEUE] = { "mucd_link_queue_bytes", MT_GAUGE, "bytes", NULL,
	    NULL, "Bytes queued for the server, not yet written." },
	[F_LINK_PEAK] = { "mucd_link_queue_peak_bytes", MT_GAUGE, "bytes",
	    NULL, NULL, "The most bytes ever queued for the server at once." },
	[F_LINK_BACKPRESSURE] = { "mucd_link_backpressure", MT_COUNTER, NULL,
	    NULL, NULL, "Times the server stopped reading and mucd paused "
	    "its input until the queue drained." },
	[F_LINK_BYTES_IN] = { "mucd_link_received_bytes", MT_COUNTER, "bytes",
	    NULL, NULL, "Bytes read from the server." },
	[F_LINK_BYTES_OUT] = { "mucd_link_sent_bytes", MT_COUNTER, "bytes",
	    NULL, NULL, "Bytes written to the server." },
	[F_LINK_DROPPED] = { "mucd_link_dropped_stanzas", MT_COUNTER, NULL,
	    NULL, NULL, "Stanzas not sent because the link was down." },
	[F_LINK_OVERSIZED] = { "mucd_link_oversized_stanzas", MT_COUNTER,
	    NULL, NULL, NULL, "Stanzas over max_stanza_out, not sent." },
	[F_ARCHIVED] = { "mucd_archived_messages", MT_COUNTER, NULL, NULL,
	    NULL, "Messages stored in the rooms' archives." },
	[F_AUDIT] = { "mucd_audit_events", MT_COUNTER, NULL, NULL, NULL,
	    "Administrative changes recorded in the audit trail." },
	[F_COMMITS] = { "mucd_store_commits", MT_COUNTER, NULL, NULL, NULL,
	    "Database transactions committed." },
	[F_SYNC] = { "mucd_store_sync_duration_seconds", MT_HISTOGRAM,
	    "seconds", NULL, "counters.store_syncs", "How long each group "
	    "commit's flush of the log to disk (fsync) took." },
	[F_STORE_ERRORS] = { "mucd_store_errors", MT_COUNTER, NULL, NULL, NULL,
	    "Database operations that failed (a full disk, I/O errors)." },
	[F_DB_BYTES] = { "mucd_database_size_bytes", MT_GAUGE, "bytes", NULL,
	    NULL, "Disk space the database files and logs take." },
	[F_CTL_CLIENTS] = { "mucd_control_clients", MT_GAUGE, NULL, NULL, NULL,
	    "Control connections being served (mucctl)." },
	[F_CTL_ACCEPTED] = { "mucd_control_connections_accepted", MT_COUNTER,
	    NULL, NULL, NULL, "Control connections accepted." },
	[F_CTL_REFUSED] = { "mucd_control_connections_refused", MT_COUNTER,
	    NULL, NULL, NULL, "Control connections refused (forbidden, or "
	    "too many clients)." },
};

/*
 * One series: a family's sample (with the label value, if the family has
 * a label), where it is in struct snap (a uint64_t; an info's string; a
 * histogram's struct mt_hist), what it needs read, and where status
 * shows it. A family's series are consecutive.
 */
struct series {
	enum fam	 fam;
	const char	*value;
	size_t		 off;
	unsigned	 needs;
	const char	*status;
};

#define SNAP(f)		offsetof(struct snap, f)
#define ROW_COND(id, name)						\
	{ F_ERRORS, name, SNAP(s.errors[COND_##id]), 0, NULL },
#define ROW_STATE(id, name)						\
	{ F_LINK_STATE, name, SNAP(state[LINK_##id]), 0, NULL },

static const struct series table[] = {
	{ F_BUILD, NULL, SNAP(version), 0, NULL },
	{ F_START, NULL, SNAP(started), 0, "started" },
	{ F_RSS, NULL, SNAP(rss_bytes), H_RSS, NULL },
	LINK_STATES(ROW_STATE)
	{ F_LINK_SINCE, NULL, SNAP(state_since), 0, "link.since" },
	{ F_LINK_ERROR, NULL, SNAP(last_error), 0, "link.last_error" },
	{ F_LINK_ERROR_AT, NULL, SNAP(last_error_at), 0,
	  "link.last_error_at" },
	{ F_LINK_CONNECTS, NULL, SNAP(l.connects), 0, "link.connects" },
	{ F_LINK_DROPS, NULL, SNAP(l.drops), 0, "link.drops" },
	{ F_LINK_QUEUE, NULL, SNAP(queued), 0, "link.queued_bytes" },
	{ F_LINK_PEAK, NULL, SNAP(l.queue_peak), 0, "link.queue_peak" },
	{ F_LINK_BACKPRESSURE, NULL, SNAP(l.backpressure), 0,
	  "link.backpressure" },
	{ F_LINK_BYTES_IN, NULL, SNAP(l.bytes_in), 0, "link.bytes_in" },
	{ F_LINK_BYTES_OUT, NULL, SNAP(l.bytes_out), 0, "link.bytes_out" },
	{ F_LINK_DROPPED, NULL, SNAP(l.dropped_out), 0, "link.dropped_out" },
	{ F_LINK_OVERSIZED, NULL, SNAP(l.oversized_out), 0,
	  "link.oversized_out" },
	{ F_RECEIVED, "message", SNAP(s.received[KIND_MESSAGE]), 0,
	  "counters.messages" },
	{ F_RECEIVED, "presence", SNAP(s.received[KIND_PRESENCE]), 0,
	  "counters.presences" },
	{ F_RECEIVED, "iq", SNAP(s.received[KIND_IQ]), 0, "counters.iqs" },
	{ F_RECEIVED, "other", SNAP(s.received[KIND_OTHER]), 0, NULL },
	{ F_SENT, "message", SNAP(l.sent[KIND_MESSAGE]), 0, NULL },
	{ F_SENT, "presence", SNAP(l.sent[KIND_PRESENCE]), 0, NULL },
	{ F_SENT, "iq", SNAP(l.sent[KIND_IQ]), 0, NULL },
	MUCD_CONDITIONS(ROW_COND)
	{ F_DROPPED, NULL, SNAP(s.dropped), 0, "counters.dropped" },
	{ F_FANOUT, NULL, SNAP(s.fanout_bytes), 0, "counters.fanout_bytes" },
	{ F_RATE, NULL, SNAP(s.rate_limited), 0, "counters.rate_limited" },
	{ F_SLOW, NULL, SNAP(s.slow_mode_refused), 0,
	  "counters.slow_mode_refused" },
	{ F_ROOMS_MEM, NULL, SNAP(in_memory), 0, "rooms.in_memory" },
	{ F_ROOMS_STORED, NULL, SNAP(stored), H_COUNTS, "rooms.stored" },
	{ F_ROOMS_PUBLIC, NULL, SNAP(public_stored), H_COUNTS,
	  "rooms.public_stored" },
	{ F_ROOMS_CREATED, NULL, SNAP(s.rooms_created), 0,
	  "counters.rooms_created" },
	{ F_ROOMS_DESTROYED, NULL, SNAP(s.rooms_destroyed), 0,
	  "counters.rooms_destroyed" },
	{ F_ROOMS_LOADED, NULL, SNAP(s.rooms_loaded), 0,
	  "counters.rooms_loaded" },
	{ F_ROOMS_EVICTED, NULL, SNAP(s.rooms_evicted), 0,
	  "counters.rooms_evicted" },
	{ F_OCCUPANTS, NULL, SNAP(occupants), 0, "occupants" },
	{ F_SESSIONS, NULL, SNAP(sessions), 0, "sessions" },
	{ F_ARCHIVED, NULL, SNAP(s.archived), 0, "counters.archived_messages" },
	{ F_AUDIT, NULL, SNAP(s.audit_events), 0, "counters.audit_events" },
	{ F_COMMITS, NULL, SNAP(commits), H_STORE, "counters.store_commits" },
	{ F_SYNC, NULL, SNAP(s.sync_seconds), 0, NULL },
	{ F_STORE_ERRORS, NULL, SNAP(s.store_errors), 0,
	  "counters.store_errors" },
	{ F_DB_BYTES, NULL, SNAP(db_bytes), H_DISK, NULL },
	{ F_CTL_CLIENTS, NULL, SNAP(ctl.clients), 0, NULL },
	{ F_CTL_ACCEPTED, NULL, SNAP(ctl.accepted), 0, NULL },
	{ F_CTL_REFUSED, NULL, SNAP(ctl.refused), 0, NULL },
};

#define NSERIES	(sizeof(table) / sizeof(table[0]))

/* Resident pages, the second number of /proc/self/statm. */
static int
read_rss(uint64_t *bytes)
{
	char text[128];
	unsigned long long size, resident;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (sscanf(text, "%llu %llu", &size, &resident) != 2)
		return -1;
	*bytes = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static void
count_occupants(const struct mucd *m, struct snap *sn)
{
	const struct occupant *o;
	const struct session *s;
	const struct room *r;
	const char *k, *ok;
	size_t i, j;

	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); ) {
		sn->occupants += room_count_occupants(r);
		for (j = 0; hmap_next(&r->occupants, &j, &ok, (void **)&o); )
			for (s = o->sessions; s != NULL; s = s->next)
				sn->sessions += !s->unavailable;
	}
}

static void
take(struct mucd *m, struct snap *sn)
{
	const struct link *l = &m->link;
	size_t stored, pub;

	memset(sn, 0, sizeof(*sn));
	sn->s = m->stats;
	sn->l = l->stats;
	ctl_stats(m, &sn->ctl);
	sn->version = MUCD_VERSION;
	sn->started = (uint64_t)m->started;
	if ((unsigned)l->state < LINK_NSTATES)
		sn->state[l->state] = 1;
	sn->state_since = (uint64_t)l->state_since;
	sn->last_error = l->last_error[0] != '\0' ? l->last_error : NULL;
	sn->last_error_at = (uint64_t)l->last_error_at;
	sn->queued = link_pending(l);
	sn->in_memory = hmap_count(&m->rooms);
	count_occupants(m, sn);
	if (m->store != NULL) {
		sn->have |= H_STORE;
		sn->commits = store_commit_count(m->store);
		if (store_room_count(m->store, &stored, &pub) == STORE_OK) {
			sn->stored = stored;
			sn->public_stored = pub;
			sn->have |= H_COUNTS;
		}
		if (store_disk_usage(m->store, &sn->db_bytes) == STORE_OK)
			sn->have |= H_DISK;
	}
	if (read_rss(&sn->rss_bytes) == 0)
		sn->have |= H_RSS;
}

static const void *
at(const struct snap *sn, size_t off)
{
	return (const char *)sn + off;
}

static uint64_t
value(const struct snap *sn, const struct series *r)
{
	return *(const uint64_t *)at(sn, r->off);
}

static bool
present(const struct snap *sn, const struct series *r)
{
	return (sn->have & r->needs) == r->needs;
}

int
metrics_render(struct mucd *m, enum mt_format fmt, struct buf *b)
{
	const struct family *f;
	const struct series *r;
	struct mt_writer w;
	struct snap sn;
	const char *s;
	size_t i;

	take(m, &sn);
	mt_begin(&w, b, fmt, (long long)m->started);
	for (i = 0; i < NSERIES; i++) {
		r = &table[i];
		f = &families[r->fam];
		if (i == 0 || table[i - 1].fam != r->fam)
			mt_family(&w, f->name, f->type, f->unit, f->help);
		if (!present(&sn, r))
			continue;
		switch (f->type) {
		case MT_HISTOGRAM:
			mt_histogram(&w, f->name, at(&sn, r->off));
			break;
		case MT_INFO:
			if ((s = *(const char *const *)at(&sn, r->off)) != NULL)
				mt_sample(&w, f->name, f->type, f->label, s, 1);
			break;
		default:
			mt_sample(&w, f->name, f->type, f->label, r->value,
			    value(&sn, r));
		}
	}
	return mt_end(&w);
}

/* Set v (taken over; NULL: out of memory) at each place of a status
 * path list ("counters.x link.y z"). */
static int
place(json_t *status, const char *paths, json_t *v)
{
	char sec[32], key[64];
	const char *p = paths, *sp, *dot;
	json_t *obj;
	size_t n;
	int rc = v != NULL ? 0 : -1;

	for (; rc == 0 && *p != '\0'; p = *sp != '\0' ? sp + 1 : sp) {
		sp = p + strcspn(p, " ");
		n = (size_t)(sp - p);
		dot = memchr(p, '.', n);
		obj = status;
		if (dot != NULL) {
			snprintf(sec, sizeof(sec), "%.*s", (int)(dot - p), p);
			if ((obj = json_object_get(status, sec)) == NULL &&
			    (json_object_set_new(status, sec, json_object()) ==
			    -1 || (obj = json_object_get(status, sec)) == NULL)) {
				rc = -1;
				break;
			}
			n -= (size_t)(dot + 1 - p);
			p = dot + 1;
		}
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		rc = json_object_set(obj, key, v);
	}
	json_decref(v);
	return rc;
}

/* A family's total over its series: status's stanzas_in, errors_sent… */
static uint64_t
family_sum(const struct snap *sn, enum fam fam)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < NSERIES; i++) {
		if (table[i].fam != fam || !present(sn, &table[i]))
			continue;
		sum += families[fam].type == MT_HISTOGRAM ?
		    mt_hist_count(at(sn, table[i].off)) :
		    value(sn, &table[i]);
	}
	return sum;
}

/* A series as status shows it: a number, or an info's text (null when
 * absent). */
static json_t *
status_value(const struct snap *sn, const struct series *r)
{
	const char *s;

	if (families[r->fam].type != MT_INFO)
		return json_integer((json_int_t)value(sn, r));
	s = *(const char *const *)at(sn, r->off);
	return s != NULL ? json_string(s) : json_null();
}

int
metrics_status(struct mucd *m, json_t *status)
{
	const struct series *r;
	struct snap sn;
	size_t i;

	take(m, &sn);
	for (i = 0; i < NSERIES; i++) {
		r = &table[i];
		if ((i == 0 || table[i - 1].fam != r->fam) &&
		    families[r->fam].status != NULL &&
		    place(status, families[r->fam].status, json_integer(
		    (json_int_t)family_sum(&sn, r->fam))) == -1)
			return -1;
		if (r->status != NULL && present(&sn, r) &&
		    place(status, r->status, status_value(&sn, r)) == -1)
			return -1;
	}
	return 0;
}
