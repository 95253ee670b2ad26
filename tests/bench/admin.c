/*
 * admin: affiliation churn on a persistent room (muc#admin set), which
 * goes through the store: one transaction per change, made durable by
 * the per-turn group commit (one fsync for every change in a turn)
 * before the result is sent.
 *
 * Run once with one request in flight (every change pays its own fsync:
 * latency) and once with a window of 64 (group commit: throughput).
 */
#include "mucbench.h"

#include <stdlib.h>
#include <string.h>

#define ROOM		"adm"
#define TARGETS		1000
#define PHASE_MS	120000

struct adm {
	uint64_t	 sent, done, total, base;
	uint64_t	*t;
	struct samples	 lat;
	unsigned	 window;
	bool		 cfg;
	uint64_t	 errors;
};

static void
send_op(struct bench *b, struct adm *a)
{
	uint64_t seq = a->base + a->sent++;
	unsigned target = (unsigned)(seq % TARGETS);
	bool member = (seq / TARGETS) % 2 == 0;

	a->t[seq - a->base] = now_ns();
	conn_sendf(&b->link, "<iq from='u0@" USER_DOMAIN "/r' to='" ROOM "@"
	    MUC_DOMAIN "' type='set' id='a%llu'><query xmlns='" NS_MUC_ADMIN
	    "'><item affiliation='%s' jid='x%u@" USER_DOMAIN "'/></query>"
	    "</iq>", (unsigned long long)seq, member ? "member" : "none",
	    target);
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct adm *a = b->st;
	struct attrs at;
	uint64_t seq;

	(void)c;
	if (z->p[1] != 'i')
		return;
	stz_attrs(z, &at);
	if (sv_is(&at.type, "error") && a->errors++ < 3)
		warnx_("admin: error from mucd: %.*s",
		    (int)(z->len > 400 ? 400 : z->len), z->p);
	if (sv_is(&at.id, "cfg")) {
		a->cfg = true;
		return;
	}
	if (!sv_num(&at.id, 'a', &seq) || seq < a->base ||
	    seq - a->base >= a->sent)
		return;
	samples_add(&a->lat, b->now - a->t[seq - a->base]);
	a->done++;
	if (a->sent < a->total)
		send_op(b, a);
}

static bool
cfg_done(struct bench *b)
{
	return ((struct adm *)b->st)->cfg;
}

static bool
all_done(struct bench *b)
{
	struct adm *a = b->st;

	return a->done >= a->total;
}

static int
run(struct bench *b, struct adm *a, unsigned window, uint64_t total,
    const char *how, double *rate)
{
	struct meter m0, m1;
	struct row r;
	char p[64];
	double secs;

	a->base += a->sent;
	a->sent = a->done = a->errors = 0;
	a->total = total;
	a->window = window;
	a->lat.n = 0;
	meter_read(b, &m0);
	while (a->sent < a->window && a->sent < a->total)
		send_op(b, a);
	if (bench_run(b, all_done, PHASE_MS) == -1)
		return -1;
	meter_read(b, &m1);
	comp_phase(b, window == 1 ? "admin-w1" : "admin-w64");
	secs = (double)(m1.t - m0.t) / 1e9;
	fmt(p, sizeof(p), "W=%u ops=%llu %s", window,
	    (unsigned long long)total, how);
	row_init(&r, "admin-churn", p);
	r.rate = (double)total / secs;
	if (rate != NULL)
		*rate = r.rate;
	fmt(r.unit, sizeof(r.unit), "results/s");
	row_lat(&r, &a->lat, "");
	meter_row(&r, &m0, &m1, (double)total);
	row_num(&r, "ops", (double)total);
	row_num(&r, "errors", (double)a->errors);
	fmt(r.note, sizeof(r.note), "cpu/1k is per 1000 results; %s%s",
	    window == 1 ? "one fsync per change" : "group commit",
	    strcmp(how, "persistent") != 0 ? ", acknowledged by the group" :
	    "");
	emit(b, &r);
	return a->errors ? -1 : 0;
}

static int
session(struct bench *b, struct adm *a, const char *extra)
{
	comp_start(b, extra);
	send_join(b, 0, ROOM, "u0", 0);
	send_config(b, 0, ROOM, "cfg", true, false);
	a->cfg = false;
	return bench_run(b, cfg_done, 10000);
}

/* The same window of changes, the store replicated to two more sites on
 * loopback (quorum: one of them must have each turn), against the single
 * node's rate measured just before. */
static int
replicated(struct bench *b, struct adm *a, uint64_t n, double single)
{
	struct repl_group g;
	double rate = 0;
	struct row r;
	int rc;

	repl_start(b, &g, "quorum");
	rc = session(b, a, g.master_extra) == 0 &&
	    run(b, a, 64, n, "persistent, replicated, quorum of 3", &rate) ==
	    0 ? 0 : -1;
	rc = comp_stop(b) == 0 ? rc : -1;
	rc = repl_stop(b, &g, rc);
	if (rc == 0 && single > 0) {
		row_init(&r, "admin-ha-ratio", "W=64 quorum of 3 / one node");
		r.rate = rate / single;
		fmt(r.unit, sizeof(r.unit), "x results/s");
		row_num(&r, "ratio", rate / single);
		fmt(r.note, sizeof(r.note), "%.0f vs %.0f results/s (goal: at "
		    "least x0.5)", rate, single);
		emit(b, &r);
	}
	return rc;
}

int
scen_admin(struct bench *b)
{
	struct adm a;
	uint64_t n = b->o.admin_ops, small = n / 4 ? n / 4 : 1;
	double single = 0;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	a.t = xcalloc(n, sizeof(*a.t));
	samples_init(&a.lat, n);
	b->st = &a;
	b->on_stanza = on_stz;
	if (session(b, &a, NULL) == 0 &&
	    run(b, &a, 1, small, "persistent", NULL) == 0 &&
	    run(b, &a, 64, n, "persistent", &single) == 0)
		rc = 0;
	rc = comp_stop(b) == 0 ? rc : -1;
	if (rc == 0) {
		b->on_stanza = on_stz;
		rc = replicated(b, &a, n, single);
	}
	free(a.t);
	samples_free(&a.lat);
	b->st = NULL;
	return rc;
}
