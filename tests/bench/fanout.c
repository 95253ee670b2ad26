/*
 * fanout: groupchat messages into one room of N occupants.
 *
 * Set-up: u0 creates the room and configures presence broadcast for
 * moderators only (so the N joins cost O(N) stanzas, not O(N^2); the
 * message fan-out is unaffected), then u1..uN-1 join with a bounded
 * window. RSS before and after the joins gives bytes per occupant.
 *
 * Saturation: a window of messages in flight (about 20 000 deliveries);
 * each message completes when all N copies (the sender's echo included)
 * arrived; its latency is injection to last copy. Half load: an open-loop
 * schedule at half the measured message rate; latency is measured from
 * the scheduled time (no coordinated omission).
 *
 * Every run says in its parameters whether the room keeps an archive
 * (archive_default, mucd's default being yes): then every message is in
 * the database's log before its copies leave. One size runs both ways,
 * side by side, and a ratio row compares them.
 */
#include "mucbench.h"

#include <stdlib.h>
#include <string.h>

#define JOIN_WINDOW	256
#define PHASE_MS	120000
#define INFLIGHT_GOAL	100000

struct fan {
	unsigned	 n;
	const char	*repl;		/* " repl=POLICY" for a replicated run */
	char		 room[32];
	bool		 cfg_done;
	unsigned	 join_next, joined;
	uint64_t	*join_t;
	struct samples	 jlat;
	uint64_t	 m_total, m_sent, m_done, copies_seen;
	uint64_t	*sent;
	uint32_t	*copies;
	uint64_t	 first, last;
	unsigned	 window;
	struct samples	 lat;
	double		 rate;		/* paced: messages per second */
	uint64_t	 t0;
	uint64_t	 errors;
	bool		 archive;	/* archive_default in mucd.conf */
	struct fan_res	 res;
};

static void
note_error(struct fan *f, const struct stz *z)
{
	if (f->errors++ < 3)
		warnx_("fanout: error from mucd: %.*s", (int)(z->len > 400 ?
		    400 : z->len), z->p);
}

static void
send_next_join(struct bench *b, struct fan *f)
{
	char nick[24];
	unsigned u = f->join_next++;

	fmt(nick, sizeof(nick), "u%u", u);
	f->join_t[u] = now_ns();
	send_join(b, u, f->room, nick, 0);
}

static void
on_presence(struct bench *b, struct fan *f, const struct stz *z,
    const struct attrs *a)
{
	uint64_t u;

	if (a->type.p != NULL || !sv_num(&a->to, 'u', &u) || u >= f->n ||
	    !stz_status(z, "110"))
		return;
	if (u == 0)
		return;
	samples_add(&f->jlat, b->now - f->join_t[u]);
	f->joined++;
	if (f->join_next < f->n)
		send_next_join(b, f);
}

static void
send_msg(struct bench *b, struct fan *f, uint64_t at)
{
	uint64_t seq = f->m_sent++;

	f->sent[seq] = at;
	if (seq == 0)
		f->first = at;
	send_groupchat(b, 0, f->room, seq);
}

static void
on_message(struct bench *b, struct fan *f, const struct attrs *a)
{
	uint64_t seq;

	if (!sv_num(&a->id, 'm', &seq) || seq >= f->m_sent)
		return;
	f->copies_seen++;
	if (++f->copies[seq] != f->n)
		return;
	samples_add(&f->lat, b->now - f->sent[seq]);
	f->m_done++;
	f->last = b->now;
	if (f->rate == 0 && f->m_sent < f->m_total)
		send_msg(b, f, now_ns());
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct fan *f = b->st;
	struct attrs a;

	(void)c;
	stz_attrs(z, &a);
	if (sv_is(&a.type, "error")) {
		note_error(f, z);
		return;
	}
	if (z->p[1] == 'm')
		on_message(b, f, &a);
	else if (z->p[1] == 'p')
		on_presence(b, f, z, &a);
	else if (sv_is(&a.id, "cfg"))
		f->cfg_done = true;
}

static bool
owner_in(struct bench *b)
{
	return ((struct fan *)b->st)->cfg_done;
}

static bool
all_joined(struct bench *b)
{
	struct fan *f = b->st;

	return f->joined + 1 >= f->n;
}

static bool
all_done(struct bench *b)
{
	struct fan *f = b->st;

	return f->m_done >= f->m_total;
}

static uint64_t
pace(struct bench *b)
{
	struct fan *f = b->st;
	uint64_t at;

	for (;;) {
		if (f->m_sent >= f->m_total)
			return 0;
		at = f->t0 + (uint64_t)((double)f->m_sent * 1e9 / f->rate);
		if (at > b->now)
			return at;
		send_msg(b, f, at);
	}
}

static void
reset_msgs(struct fan *f, uint64_t total)
{
	f->m_total = total;
	f->m_sent = f->m_done = f->copies_seen = 0;
	memset(f->copies, 0, total * sizeof(*f->copies));
	f->lat.n = f->lat.dropped = 0;
}

static int
set_up(struct bench *b, struct fan *f, struct row *r)
{
	long rss0, rss1;
	uint64_t t0;
	char p[64];

	send_join(b, 0, f->room, "u0", 0);
	send_config(b, 0, f->room, "cfg", false, true);
	if (bench_run(b, owner_in, 10000) == -1)
		return -1;
	rss0 = proc_rss_kb(b->mucd.pid);
	comp_phase(b, "setup");
	t0 = now_ns();
	f->join_next = 1;
	while (f->join_next < f->n && f->join_next <= JOIN_WINDOW)
		send_next_join(b, f);
	if (bench_run(b, all_joined, PHASE_MS) == -1)
		return -1;
	rss1 = proc_rss_kb(b->mucd.pid);
	comp_phase(b, "joins");
	fmt(p, sizeof(p), "N=%u window=%u arch=%s%s", f->n, JOIN_WINDOW,
	    f->archive ? "yes" : "no", f->repl);
	row_init(r, "join-1room", p);
	r->rate = (f->n - 1) / ((double)(now_ns() - t0) / 1e9);
	fmt(r->unit, sizeof(r->unit), "joins/s");
	row_lat(r, &f->jlat, "join_");
	row_num(r, "rss_before_kb", (double)rss0);
	row_num(r, "rss_after_kb", (double)rss1);
	row_num(r, "rss_bytes_per_occupant",
	    (double)(rss1 - rss0) * 1024.0 / (f->n - 1));
	fmt(r->note, sizeof(r->note), "RSS %+.0f B/occupant (%ld->%ld kB)",
	    (double)(rss1 - rss0) * 1024.0 / (f->n - 1), rss0, rss1);
	return 0;
}

static double
run_saturation(struct bench *b, struct fan *f, uint64_t total, struct row *r)
{
	struct meter m0, m1;
	double secs, deliv;
	char p[64];

	meter_read(b, &m0);
	reset_msgs(f, total);
	f->rate = 0;
	while (f->m_sent < f->window && f->m_sent < f->m_total)
		send_msg(b, f, now_ns());
	if (bench_run(b, all_done, PHASE_MS) == -1)
		return -1;
	meter_read(b, &m1);
	comp_phase(b, "fanout");
	secs = (double)(f->last - f->first) / 1e9;
	deliv = (double)f->m_total * f->n;
	fmt(p, sizeof(p), "N=%u M=%llu W=%u arch=%s%s", f->n,
	    (unsigned long long)f->m_total, f->window,
	    f->archive ? "yes" : "no", f->repl);
	row_init(r, "fanout", p);
	r->rate = deliv / secs;
	fmt(r->unit, sizeof(r->unit), "stanzas/s");
	row_lat(r, &f->lat, "lat_");
	meter_row(r, &m0, &m1, deliv);
	row_num(r, "n", f->n);
	row_num(r, "messages", (double)f->m_total);
	row_num(r, "delivered", deliv);
	row_num(r, "copies_seen", (double)f->copies_seen);
	row_num(r, "secs", secs);
	row_num(r, "msgs_per_s", (double)f->m_total / secs);
	row_num(r, "errors", (double)f->errors);
	row_str(r, "archive", f->archive ? "yes" : "no");
	f->res.rate = r->rate;
	f->res.per_cpu = m1.sched > m0.sched ? deliv / (m1.sched - m0.sched) :
	    -1;
	f->res.p50 = r->p50;
	f->res.p99 = r->p99;
	fmt(r->note, sizeof(r->note), "%.2fM/mucd-CPU-s; %.0f msg/s; CPU "
	    "mucd %.0f%% bench %.0f%%", deliv / (m1.sched - m0.sched) / 1e6,
	    (double)f->m_total / secs,
	    100 * (m1.sched - m0.sched) / ((double)(m1.t - m0.t) / 1e9),
	    100 * (m1.self - m0.self) / ((double)(m1.t - m0.t) / 1e9));
	return (double)f->m_total / secs;
}

static int
run_half(struct bench *b, struct fan *f, double msg_rate, uint64_t cap,
    struct row *r)
{
	struct meter m0, m1;
	double secs;
	uint64_t total = (uint64_t)(msg_rate / 2 * b->o.half_secs);
	char p[64];

	total = total < 20 ? 20 : total > cap ? cap : total;
	reset_msgs(f, total);
	meter_read(b, &m0);
	f->rate = msg_rate / 2;
	f->t0 = now_ns();
	b->tick = pace;
	if (bench_run(b, all_done, PHASE_MS) == -1)
		return -1;
	b->tick = NULL;
	meter_read(b, &m1);
	secs = (double)(f->last - f->t0) / 1e9;
	fmt(p, sizeof(p), "N=%u M=%llu arch=%s", f->n,
	    (unsigned long long)total, f->archive ? "yes" : "no");
	row_init(r, "fanout-half", p);
	r->rate = (double)total * f->n / secs;
	fmt(r->unit, sizeof(r->unit), "stanzas/s");
	row_lat(r, &f->lat, "lat_");
	meter_row(r, &m0, &m1, (double)total * f->n);
	row_num(r, "n", f->n);
	row_num(r, "msgs_per_s_target", f->rate);
	row_str(r, "archive", f->archive ? "yes" : "no");
	fmt(r->note, sizeof(r->note), "open loop at 50%% of max msg rate "
	    "(%.0f msg/s)", f->rate);
	return 0;
}

static void
fan_free(struct fan *f)
{
	free(f->join_t);
	free(f->sent);
	free(f->copies);
	samples_free(&f->jlat);
	samples_free(&f->lat);
}

/* One room of n: set-up, saturation, half load; with g, replicated (the
 * replicas already started), and how far they trail when it stops. */
static int
fanout_session(struct bench *b, unsigned n, bool archive,
    struct repl_group *g, struct fan_res *res)
{
	struct fan f;
	struct row r;
	uint64_t total = b->o.deliveries / n, cap;
	char extra[640];
	double mrate;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	f.archive = archive;
	f.repl = g != NULL ? " repl=quorum" : "";
	f.n = n < 2 ? 2 : n;
	total = total < 50 ? 50 : total;
	cap = total * 4;
	fmt(f.room, sizeof(f.room), "fan%u", f.n);
	f.window = INFLIGHT_GOAL / f.n < 2 ? 2 : INFLIGHT_GOAL / f.n;
	f.join_t = xcalloc(f.n, sizeof(*f.join_t));
	f.sent = xcalloc(cap, sizeof(*f.sent));
	f.copies = xcalloc(cap, sizeof(*f.copies));
	samples_init(&f.jlat, f.n);
	samples_init(&f.lat, cap);
	b->st = &f;
	b->on_stanza = on_stz;
	fmt(extra, sizeof(extra), "archive_default = %s\n%s",
	    archive ? "yes" : "no", g != NULL ? g->master_extra : "");
	comp_start(b, extra);
	if (set_up(b, &f, &r) == 0) {
		emit(b, &r);
		if ((mrate = run_saturation(b, &f, total, &r)) > 0) {
			emit(b, &r);
			rc = g != NULL ? repl_lag(b, g, "fanout", f.n) : 0;
			if (rc == 0 && b->o.half_secs > 0 && run_half(b, &f,
			    mrate, cap, &r) == 0)
				emit(b, &r);
		}
	}
	rc = comp_stop(b) == 0 ? rc : -1;
	if (res != NULL)
		*res = f.res;
	fan_free(&f);
	b->st = NULL;
	return rc;
}

int
scen_fanout(struct bench *b, unsigned n, bool archive, struct fan_res *res)
{
	return fanout_session(b, n, archive, NULL, res);
}

int
scen_fanout_repl(struct bench *b, unsigned n)
{
	struct repl_group g;

	repl_start(b, &g, "quorum");
	return repl_stop(b, &g, fanout_session(b, n, true, &g, NULL));
}

/* The run-to-run spread of a shared machine is larger than the archive's
 * cost: the pairs alternate their order and the medians are compared. */
int
scen_fanout_archive(struct bench *b, unsigned n)
{
	unsigned reps = b->o.arch_reps, i;
	double *v = xcalloc(6 * (size_t)reps, sizeof(*v));
	double *rno = v, *ryes = v + reps, *cno = v + 2 * reps,
	    *cyes = v + 3 * reps, *pair = v + 4 * reps, *cpair = v + 5 * reps;
	struct fan_res no, yes;
	double rate, cpu;
	struct row r;
	char p[64];
	bool flip;

	for (i = 0; i < reps; i++) {
		flip = i % 2 == 1;
		if (scen_fanout(b, n, flip, flip ? &yes : &no) != 0 ||
		    scen_fanout(b, n, !flip, flip ? &no : &yes) != 0) {
			free(v);
			return -1;
		}
		rno[i] = no.rate;
		ryes[i] = yes.rate;
		cno[i] = no.per_cpu;
		cyes[i] = yes.per_cpu;
		pair[i] = yes.rate / no.rate;
		cpair[i] = yes.per_cpu / no.per_cpu;
	}
	rate = median(ryes, reps) / median(rno, reps);
	cpu = median(cyes, reps) / median(cno, reps);
	fmt(p, sizeof(p), "N=%u arch=yes/no x%u", n, reps);
	row_init(&r, "fanout-arch", p);
	r.rate = 100 * rate;
	fmt(r.unit, sizeof(r.unit), "%% stanzas/s");
	row_num(&r, "n", n);
	row_num(&r, "pairs", reps);
	row_num(&r, "rate_no_median", median(rno, reps));
	row_num(&r, "rate_yes_median", median(ryes, reps));
	row_num(&r, "rate_ratio", rate);
	row_num(&r, "per_mucd_cpu_s_no_median", median(cno, reps));
	row_num(&r, "per_mucd_cpu_s_yes_median", median(cyes, reps));
	row_num(&r, "per_mucd_cpu_s_ratio", cpu);
	row_num(&r, "goal_pct", 90);
	/* median() sorts: the extremes are then at the ends. */
	median(pair, reps);
	median(cpair, reps);
	row_num(&r, "pair_ratio_min", pair[0]);
	row_num(&r, "pair_ratio_max", pair[reps - 1]);
	row_num(&r, "pair_cpu_ratio_min", cpair[0]);
	row_num(&r, "pair_cpu_ratio_max", cpair[reps - 1]);
	fmt(r.note, sizeof(r.note), "medians: %.1f%% of stanzas/s (pairs "
	    "%.0f..%.0f%%), %.1f%% per mucd CPU-s; goal >= 90%%", 100 * rate,
	    100 * pair[0], 100 * pair[reps - 1], 100 * cpu);
	emit(b, &r);
	free(v);
	return 0;
}
