/*
 * mam: the room archive (XEP-0313) at size.
 *
 * Fill: u0 creates a persistent room and sends M groupchat messages with
 * a window in flight. The room has no other occupant, so each message
 * costs its archive write and one copy, the echo, which carries the
 * room's stanza-id (kept here for paging). Measured: messages/s, the
 * latency to the echo, mucd CPU per message.
 *
 * Queries: the archive's files are read once (so the database is in the
 * page cache), then u1, who is not in the room, sends 2K queries of a
 * page each, one at a time: K from a random message, alternately
 * forwards (form after-id) and backwards (RSM <before>), interleaved with
 * K from a random second of the fill (form start). Latency is query sent
 * to IQ result received. Every page is checked against what was sent:
 * its size, the order of the forwarded messages, <first/> and <last/>.
 * mucd's schedstat around each query tells its CPU time for the query
 * from the time it waited for a CPU: on a shared machine the tail of
 * the latency is often the second.
 *
 * Disk: mucd stops cleanly, which checkpoints; the archive's files
 * (archive.db, arch_ids.db, arch_nicks.db) divided by M, against the
 * mean size of the echo as delivered.
 */
#include "mucbench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define ROOM		"arch"
#define ROOM_JID	ROOM "@" MUC_DOMAIN
#define READER		"u1@" USER_DOMAIN "/r"
#define FILL_WINDOW	1000
#define PAGE		50		/* archive_page_max's default */
#define SID_CAP		24		/* mucd's are 16 characters */
#define SETUP_MS	10000
#define QUERY_MS	120000
#define DISK_GOAL	1.5

static const char *const arch_files[] = {
	"archive.db", "arch_ids.db", "arch_nicks.db", NULL
};

struct mam {
	/* fill */
	uint64_t	 total, sent, done;
	uint64_t	*sent_t;
	char		(*sids)[SID_CAP];
	double		 stanza_bytes;	/* echoes as delivered */
	time_t		 wall0, wall1;	/* the fill, in wall-clock seconds */
	struct samples	 fill_lat;
	/* The longest time without an echo while messages were in flight:
	 * mucd's loop stalled (a checkpoint writing the cache out, say). */
	uint64_t	 last_echo, gap_max;
	bool		 cfg;
	/* queries */
	unsigned	 nq, qnext;	/* 2K queries; the next to send */
	bool		 waiting;
	uint64_t	 qt;		/* sent at */
	enum mamq_kind	 kind;
	int64_t		 exp_first;	/* seq of the first result; -1: any */
	uint64_t	 exp_n;		/* results expected (by id) */
	uint64_t	 got, seq_first, seq_last;
	struct samples	 lat_id, lat_after, lat_before, lat_start;
	uint64_t	 run0, wait0;		/* mucd's schedstat at the send */
	struct samples	 cpu_id, cpu_start, wait_id, wait_start;
	uint64_t	 bad, errors, short_start;
	double		 warm_s;	/* reading the files into the cache */
};

static void
note_error(struct mam *s, const struct stz *z)
{
	if (s->errors++ < 3)
		warnx_("mam: error from mucd: %.*s", (int)(z->len > 400 ? 400 :
		    z->len), z->p);
}

/* ---- fill ---- */

static void
send_fill(struct bench *b, struct mam *s)
{
	uint64_t seq = s->sent++;

	s->sent_t[seq] = now_ns();
	send_groupchat(b, 0, ROOM, seq);
}

static void
on_echo(struct bench *b, struct mam *s, const struct stz *z,
    const struct attrs *a)
{
	struct sv sid;
	uint64_t seq;

	if (!sv_num(&a->id, 'm', &seq) || seq >= s->sent || s->sids[seq][0])
		return;
	if (!stz_child_attr(z, "stanza-id", "id", &sid) || sid.n == 0 ||
	    sid.n >= SID_CAP)
		die("mam: message m%llu came back without a usable stanza-id: "
		    "%.*s", (unsigned long long)seq, (int)(z->len > 400 ? 400 :
		    z->len), z->p);
	memcpy(s->sids[seq], sid.p, sid.n);
	if (s->last_echo != 0 && b->now - s->last_echo > s->gap_max)
		s->gap_max = b->now - s->last_echo;
	s->last_echo = b->now;
	s->stanza_bytes += (double)z->len;
	samples_add(&s->fill_lat, b->now - s->sent_t[seq]);
	s->done++;
	if (s->sent < s->total)
		send_fill(b, s);
}

/* ---- queries ---- */

static void
send_query(struct bench *b, struct mam *s)
{
	unsigned k = s->qnext++;
	uint64_t i = randombytes_uniform((uint32_t)s->total);
	char qid[16], stamp[32];
	time_t t;
	struct tm tm;

	fmt(qid, sizeof(qid), "q%u", k);
	s->got = 0;
	s->exp_first = -1;
	s->exp_n = 0;
	if (k % 2 == 1) {
		/* A second the fill covered, leaving its last (a short page
		 * there is legitimate, and counted). */
		t = s->wall0 + (s->wall1 > s->wall0 ? (time_t)
		    randombytes_uniform((uint32_t)(s->wall1 - s->wall0)) : 0);
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		s->kind = MAMQ_START;
	} else if (k % 4 == 0) {
		s->kind = MAMQ_AFTER_ID;
		s->exp_first = (int64_t)i + 1;
		s->exp_n = s->total - 1 - i < PAGE ? s->total - 1 - i : PAGE;
	} else {
		s->kind = MAMQ_BEFORE;
		s->exp_first = i < PAGE ? 0 : (int64_t)(i - PAGE);
		s->exp_n = i < PAGE ? i : PAGE;
	}
	if (proc_sched_ns(b->mucd.pid, &s->run0, &s->wait0) == -1)
		die("mam: cannot read /proc/%d/schedstat", (int)b->mucd.pid);
	s->qt = now_ns();
	s->waiting = true;
	mamq_send(&b->link, READER, ROOM_JID, qid, s->kind,
	    s->kind == MAMQ_START ? stamp : s->sids[i], PAGE);
}

static void
on_result(struct mam *s, const struct sv *inner)
{
	uint64_t seq;

	if (!sv_num(inner, 'm', &seq) || seq >= s->total) {
		s->bad++;
		return;
	}
	if (s->got == 0) {
		s->seq_first = seq;
		if (s->exp_first >= 0 && seq != (uint64_t)s->exp_first)
			s->bad++;
	} else if (seq != s->seq_last + 1)
		s->bad++;
	s->seq_last = seq;
	s->got++;
}

static bool
sid_is(const struct mam *s, const struct sv *v, uint64_t seq)
{
	return v->p != NULL && sv_is(v, s->sids[seq]);
}

/* The page is what was asked for: its size, its <first/> and <last/>. */
static void
check_page(struct mam *s, const struct stz *z)
{
	struct sv first, last;
	bool complete;

	if (!mamq_fin(z, &first, &last, &complete)) {
		s->bad++;
		return;
	}
	if (s->kind == MAMQ_START) {
		if (s->got < PAGE && !complete)
			s->bad++;
		s->short_start += s->got < PAGE;
	} else if (s->got != s->exp_n)
		s->bad++;
	if (s->got > 0 && (!sid_is(s, &first, s->seq_first) ||
	    !sid_is(s, &last, s->seq_last)))
		s->bad++;
}

static void
on_answer(struct bench *b, struct mam *s, const struct stz *z,
    const struct attrs *a)
{
	uint64_t k, ns = b->now - s->qt, run, wait;
	bool start = s->kind == MAMQ_START;

	if (!sv_num(&a->id, 'q', &k) || k + 1 != s->qnext || !s->waiting)
		return;
	if (proc_sched_ns(b->mucd.pid, &run, &wait) == -1)
		die("mam: cannot read /proc/%d/schedstat", (int)b->mucd.pid);
	samples_add(start ? &s->cpu_start : &s->cpu_id, run - s->run0);
	samples_add(start ? &s->wait_start : &s->wait_id, wait - s->wait0);
	if (sv_is(&a->type, "error"))
		note_error(s, z);
	else
		check_page(s, z);
	samples_add(start ? &s->lat_start : &s->lat_id, ns);
	if (!start)
		samples_add(s->kind == MAMQ_AFTER_ID ? &s->lat_after :
		    &s->lat_before, ns);
	s->waiting = false;
	if (s->qnext < s->nq)
		send_query(b, s);
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct mam *s = b->st;
	struct attrs a;
	struct sv id, inner;

	(void)c;
	stz_attrs(z, &a);
	if (z->p[1] == 'i') {
		if (sv_is(&a.id, "cfg"))
			s->cfg = true;
		else
			on_answer(b, s, z, &a);
		return;
	}
	if (sv_is(&a.type, "error"))
		note_error(s, z);
	else if (z->p[1] == 'm' && s->waiting && mamq_result(z, &id, &inner))
		on_result(s, &inner);
	else if (z->p[1] == 'm')
		on_echo(b, s, z, &a);
}

static bool
cfg_done(struct bench *b)
{
	return ((struct mam *)b->st)->cfg;
}

/* A refused message never comes back: the fill stops and fails. */
static bool
filled(struct bench *b)
{
	struct mam *s = b->st;

	return s->done >= s->total || s->errors > 0;
}

static bool
answered(struct bench *b)
{
	struct mam *s = b->st;

	return s->qnext >= s->nq && !s->waiting;
}

/* ---- the phases ---- */

static int
fill(struct bench *b, struct mam *s, struct row *r)
{
	struct meter m0, m1;
	long rss0, rss1;
	double secs;
	char p[64];

	send_join(b, 0, ROOM, "u0", 0);
	send_config(b, 0, ROOM, "cfg", true, false);
	if (bench_run(b, cfg_done, SETUP_MS) == -1)
		return -1;
	rss0 = proc_rss_kb(b->mucd.pid);
	meter_read(b, &m0);
	s->wall0 = time(NULL);
	while (s->sent < FILL_WINDOW && s->sent < s->total)
		send_fill(b, s);
	/* At least 1 000 messages a second, or something is wrong. */
	if (bench_run(b, filled, 60000 + s->total) == -1)
		return -1;
	s->wall1 = time(NULL);
	meter_read(b, &m1);
	rss1 = proc_rss_kb(b->mucd.pid);
	secs = (double)(m1.t - m0.t) / 1e9;
	fmt(p, sizeof(p), "M=%llu W=%u 1 occupant",
	    (unsigned long long)s->total, FILL_WINDOW);
	row_init(r, "mam-fill", p);
	r->rate = (double)s->total / secs;
	fmt(r->unit, sizeof(r->unit), "msg/s");
	row_lat(r, &s->fill_lat, "lat_");
	meter_row(r, &m0, &m1, (double)s->total);
	row_num(r, "messages", (double)s->total);
	row_num(r, "secs", secs);
	row_num(r, "stanza_bytes_mean", s->stanza_bytes / (double)s->total);
	row_num(r, "echo_gap_max_ms", (double)s->gap_max / 1e6);
	row_num(r, "rss_before_kb", (double)rss0);
	row_num(r, "rss_after_kb", (double)rss1);
	row_num(r, "errors", (double)s->errors);
	fmt(r->note, sizeof(r->note), "cpu/1k per 1000 messages; CPU mucd "
	    "%.0f%%; longest gap %.0f ms; RSS %ld->%ld kB",
	    100 * (m1.sched - m0.sched) / secs, (double)s->gap_max / 1e6, rss0,
	    rss1);
	return s->errors ? -1 : 0;
}

/* Read the archive's files once: the queries then find them in the page
 * cache, as on a server that has been answering them. */
static double
warm(const char *data)
{
	char path[PATH_MAX], *chunk = xcalloc(1, 1 << 20);
	uint64_t t0 = now_ns();
	ssize_t n;
	int i, fd;

	for (i = 0; arch_files[i] != NULL; i++) {
		fmt(path, sizeof(path), "%s/%s", data, arch_files[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			die("mam: %s: %s", path, strerror(errno));
		while ((n = read(fd, chunk, 1 << 20)) > 0)
			;
		close(fd);
	}
	free(chunk);
	return (double)(now_ns() - t0) / 1e9;
}

static void
query_row(struct bench *b, struct mam *s, bool by_id, double ref_p50,
    double ref_p99)
{
	struct samples *lat = by_id ? &s->lat_id : &s->lat_start,
	    *cpu = by_id ? &s->cpu_id : &s->cpu_start,
	    *wait = by_id ? &s->wait_id : &s->wait_start;
	struct row r;
	char p[64];
	double sum = 0;
	size_t i;

	for (i = 0; i < lat->n; i++)
		sum += (double)lat->v[i];
	fmt(p, sizeof(p), "M=%llu K=%u max=%u %s",
	    (unsigned long long)s->total, s->nq / 2, PAGE,
	    by_id ? "by=id" : "by=start");
	row_init(&r, "mam-query", p);
	r.rate = lat->n > 0 ? (double)lat->n / (sum / 1e9) : 0;
	fmt(r.unit, sizeof(r.unit), "queries/s");
	row_lat(&r, lat, "");
	row_num(&r, "goal_p99_ms", 5);
	row_num(&r, "pages_wrong", (double)s->bad);
	row_num(&r, "errors", (double)s->errors);
	row_num(&r, "warm_s", s->warm_s);
	row_num(&r, "mucd_cpu_p50_ms", samples_q_ms(cpu, 0.5));
	row_num(&r, "mucd_cpu_p99_ms", samples_q_ms(cpu, 0.99));
	row_num(&r, "mucd_cpu_max_ms", samples_q_ms(cpu, 1));
	row_num(&r, "mucd_wait_p99_ms", samples_q_ms(wait, 0.99));
	row_num(&r, "mucd_wait_max_ms", samples_q_ms(wait, 1));
	if (by_id) {
		row_num(&r, "after_id_p99_ms", samples_q_ms(&s->lat_after,
		    0.99));
		row_num(&r, "before_p99_ms", samples_q_ms(&s->lat_before,
		    0.99));
		fmt(r.note, sizeof(r.note), "p99 after-id %.2f, RSM before "
		    "%.2f ms (goal < 5); mucd CPU p99 %.2f ms",
		    samples_q_ms(&s->lat_after, 0.99),
		    samples_q_ms(&s->lat_before, 0.99), samples_q_ms(cpu, 0.99));
	} else {
		row_num(&r, "short_pages", (double)s->short_start);
		row_num(&r, "p50_vs_by_id", r.p50 / ref_p50);
		row_num(&r, "p99_vs_by_id", r.p99 / ref_p99);
		fmt(r.note, sizeof(r.note), "vs by=id: p50 x%.2f, p99 x%.2f; "
		    "mucd CPU p99 %.2f ms; %llu short pages", r.p50 / ref_p50,
		    r.p99 / ref_p99, samples_q_ms(cpu, 0.99),
		    (unsigned long long)s->short_start);
	}
	emit(b, &r);
}

static int
queries(struct bench *b, struct mam *s)
{
	char data[PATH_MAX];
	double p50, p99;

	fmt(data, sizeof(data), "%s/data", b->dir);
	s->warm_s = warm(data);
	s->nq = 2 * b->o.mam_queries;
	send_query(b, s);
	if (bench_run(b, answered, QUERY_MS) == -1)
		return -1;
	p50 = samples_q_ms(&s->lat_id, 0.5);
	p99 = samples_q_ms(&s->lat_id, 0.99);
	query_row(b, s, true, 0, 0);
	query_row(b, s, false, p50, p99);
	return s->bad || s->errors ? -1 : 0;
}

static int
disk(struct bench *b, struct mam *s)
{
	char path[PATH_MAX], k[40];
	double size = 0, alloc = 0, per, stanza;
	struct stat sb;
	struct row r;
	int i;

	fmt(path, sizeof(path), "M=%llu after a checkpoint",
	    (unsigned long long)s->total);
	row_init(&r, "mam-disk", path);
	for (i = 0; arch_files[i] != NULL; i++) {
		fmt(path, sizeof(path), "%s/data/%s", b->dir, arch_files[i]);
		if (stat(path, &sb) == -1) {
			warnx_("mam: %s: %s", path, strerror(errno));
			return -1;
		}
		size += (double)sb.st_size;
		alloc += (double)sb.st_blocks * 512;
		fmt(k, sizeof(k), "%.*s_bytes", (int)strcspn(arch_files[i], "."),
		    arch_files[i]);
		row_num(&r, k, (double)sb.st_size);
	}
	per = size / (double)s->total;
	stanza = s->stanza_bytes / (double)s->total;
	r.rate = per;
	fmt(r.unit, sizeof(r.unit), "B/message");
	row_num(&r, "bytes_per_message", per);
	row_num(&r, "allocated_bytes_per_message", alloc / (double)s->total);
	row_num(&r, "stanza_bytes_mean", stanza);
	row_num(&r, "ratio", per / stanza);
	row_num(&r, "goal_ratio", DISK_GOAL);
	fmt(r.note, sizeof(r.note), "x%.2f of the stanza as delivered (%.0f "
	    "B; goal <= x%.1f); allocated %.0f B/message", per / stanza,
	    stanza, DISK_GOAL, alloc / (double)s->total);
	emit(b, &r);
	return 0;
}

static void
mam_free(struct mam *s)
{
	free(s->sent_t);
	free(s->sids);
	samples_free(&s->fill_lat);
	samples_free(&s->lat_id);
	samples_free(&s->lat_after);
	samples_free(&s->lat_before);
	samples_free(&s->lat_start);
	samples_free(&s->cpu_id);
	samples_free(&s->cpu_start);
	samples_free(&s->wait_id);
	samples_free(&s->wait_start);
}

int
scen_mam(struct bench *b)
{
	struct mam s;
	struct row r;
	int rc = -1, halt;

	memset(&s, 0, sizeof(s));
	s.total = b->o.mam_messages;
	s.sent_t = xcalloc(s.total, sizeof(*s.sent_t));
	s.sids = xcalloc(s.total, sizeof(*s.sids));
	samples_init(&s.fill_lat, s.total);
	samples_init(&s.lat_id, b->o.mam_queries);
	samples_init(&s.lat_after, b->o.mam_queries);
	samples_init(&s.lat_before, b->o.mam_queries);
	samples_init(&s.lat_start, b->o.mam_queries);
	samples_init(&s.cpu_id, b->o.mam_queries);
	samples_init(&s.cpu_start, b->o.mam_queries);
	samples_init(&s.wait_id, b->o.mam_queries);
	samples_init(&s.wait_start, b->o.mam_queries);
	b->st = &s;
	b->on_stanza = on_stz;
	comp_start(b, "archive_default = yes");
	if (fill(b, &s, &r) == 0) {
		emit(b, &r);
		if (queries(b, &s) == 0)
			rc = 0;
	}
	if ((halt = comp_halt(b)) == 0 && rc == 0)
		rc = disk(b, &s);
	comp_clean(b, halt);
	mam_free(&s);
	b->st = NULL;
	return rc;
}
