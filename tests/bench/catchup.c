/*
 * catchup: the end-to-end MAM catch-up, after the fan-out of each e2e
 * run (mucd, then the server's own MUC: Prosody's with mod_muc_mam,
 * ejabberd's with mod_mam).
 *
 * u0 creates a room with archiving on and sends FILL messages into it,
 * one window at a time. Then C clients that are not in the room all
 * page backwards through its last DEPTH messages at once, PAGE per query
 * (RSM <before/>, then <before> the previous page's <first/>), one query
 * in flight each, as a phone catching up on a room does. FILL is twice
 * DEPTH, so every page is full on both servers.
 *
 * Measured: the total catch-up time (first query sent to the last page
 * received), forwarded messages per second over all clients, the latency
 * of a page and of a client's whole catch-up, and the CPU time of the
 * server and mucd. Every page is checked: PAGE results whose forwarded messages
 * carry the ids u0 gave them, newest page first, in order in a page.
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>

#define ROOM		"catchup"
#define DEPTH		1000
#define PAGE		50		/* both servers' maximum by default */
#define FILL		(2 * DEPTH)
#define FILL_WINDOW	50
#define SID_CAP		64
#define SETUP_MS	30000
#define PHASE_MS	600000

struct cu_client {
	unsigned	 page;		/* pages received */
	uint64_t	 t0, qt;	/* catch-up started, query sent */
	uint64_t	 next;		/* the next forwarded message's seq */
	unsigned	 got;		/* results of this page */
	char		 before[SID_CAP];
	bool		 done;
};

struct catchup {
	struct e2e	*e;
	char		 jid[128];	/* the room's */
	bool		 in, cfg, failed;
	uint64_t	 sent, echoed;
	unsigned	 nclients, finished;
	struct cu_client *cl;		/* by client index; 0 is u0 */
	uint64_t	 t0, t1;
	struct samples	 page_lat, client_lat;
	uint64_t	 wrong, errors;
	double		 result_bytes;	/* the result stanzas, as received */
};

static bool
from_room(const struct attrs *a)
{
	size_t n = strlen(ROOM "@");

	return a->from.p != NULL && a->from.n > n &&
	    memcmp(a->from.p, ROOM "@", n) == 0;
}

static void
send_fill(struct catchup *cu)
{
	uint64_t seq = cu->sent++;

	conn_sendf(&cu->e->cl[0].c, "<message to='%s' type='groupchat' "
	    "id='c%llu'><body>catch-up message %llu</body></message>",
	    cu->jid, (unsigned long long)seq, (unsigned long long)seq);
}

static void
send_page(struct catchup *cu, struct client *k)
{
	struct cu_client *c = &cu->cl[k->c.idx];
	char qid[16];

	fmt(qid, sizeof(qid), "cq%u", c->page);
	c->got = 0;
	/* Page p holds FILL - PAGE * (p + 1) .. FILL - PAGE * p - 1. */
	c->next = FILL - (uint64_t)PAGE * (c->page + 1);
	c->qt = now_ns();
	mamq_send(&k->c, NULL, cu->jid, qid, MAMQ_BEFORE,
	    c->page == 0 ? NULL : c->before, PAGE);
}

static void
on_result(struct catchup *cu, struct client *k, const struct stz *z,
    const struct sv *inner)
{
	struct cu_client *c = &cu->cl[k->c.idx];
	uint64_t seq;

	cu->result_bytes += (double)z->len;
	if (!sv_num(inner, 'c', &seq) || seq != c->next)
		cu->wrong++;
	c->next++;
	c->got++;
}

static void
on_page(struct catchup *cu, struct client *k, const struct stz *z)
{
	struct cu_client *c = &cu->cl[k->c.idx];
	struct sv first, last;
	bool complete;
	uint64_t now = cu->e->b->now;

	if (!mamq_fin(z, &first, &last, &complete) || c->got != PAGE ||
	    first.p == NULL || first.n >= SID_CAP) {
		/* Without its <first/>, no next page: this client stops. */
		if (cu->wrong++ < 3)
			warnx_("catch-up: u%zu page %u: %u results: %.*s",
			    k->c.idx, c->page, c->got, (int)(z->len > 300 ?
			    300 : z->len), z->p);
		c->done = true;
		cu->finished++;
		return;
	}
	samples_add(&cu->page_lat, now - c->qt);
	memcpy(c->before, first.p, first.n);
	c->before[first.n] = '\0';
	if (++c->page < DEPTH / PAGE) {
		send_page(cu, k);
		return;
	}
	samples_add(&cu->client_lat, now - c->t0);
	c->done = true;
	cu->finished++;
	cu->t1 = now;
}

static void
on_error(struct catchup *cu, struct client *k, const struct stz *z)
{
	if (cu->errors++ < 3)
		warnx_("catch-up: error to u%zu: %.*s", k->c.idx,
		    (int)(z->len > 400 ? 400 : z->len), z->p);
	if (k->c.idx == 0)
		cu->failed = true;
	else if (!cu->cl[k->c.idx].done) {
		cu->cl[k->c.idx].done = true;
		cu->finished++;
	}
}

bool
catchup_stanza(struct e2e *e, struct client *k, const struct stz *z,
    const struct attrs *a)
{
	struct catchup *cu = e->cu;
	struct sv id, inner;
	bool reader = k->c.idx >= 1 && k->c.idx <= cu->nclients;
	uint64_t seq;

	if (!from_room(a))
		return false;
	if (sv_is(&a->type, "error"))
		on_error(cu, k, z);
	else if (z->p[1] == 'p' && k->c.idx == 0 && a->type.p == NULL &&
	    stz_status(z, "110"))
		cu->in = true;
	else if (z->p[1] == 'i' && sv_is(&a->id, "cu-cfg"))
		cu->cfg = true;
	else if (z->p[1] == 'i' && reader && !cu->cl[k->c.idx].done)
		on_page(cu, k, z);
	else if (z->p[1] == 'm' && reader && mamq_result(z, &id, &inner))
		on_result(cu, k, z, &inner);
	else if (z->p[1] == 'm' && k->c.idx == 0 && sv_num(&a->id, 'c', &seq) &&
	    stz_has(z, "<body>")) {
		cu->echoed++;
		if (cu->sent < FILL)
			send_fill(cu);
	}
	return true;
}

static struct catchup *
CU(struct bench *b)
{
	return ((struct e2e *)b->st)->cu;
}

static bool
entered(struct bench *b)
{
	return CU(b)->failed || CU(b)->in;
}

static bool
configured(struct bench *b)
{
	return CU(b)->failed || CU(b)->cfg;
}

static bool
filled(struct bench *b)
{
	return CU(b)->failed || CU(b)->echoed >= FILL;
}

static bool
caught_up(struct bench *b)
{
	return CU(b)->finished >= CU(b)->nclients;
}

/* Room, configuration, messages: what the clients will catch up on. */
static int
prepare(struct catchup *cu, struct cu_result *r)
{
	struct e2e *e = cu->e;
	uint64_t t0;

	client_send_join(&e->cl[0], ROOM, 0);
	if (bench_run(e->b, entered, SETUP_MS) == -1 || cu->failed)
		return -1;
	e2e_owner_config(e, ROOM, "cu-cfg", e->archive_var, "1");
	if (bench_run(e->b, configured, SETUP_MS) == -1 || cu->failed)
		return -1;
	t0 = now_ns();
	while (cu->sent < FILL_WINDOW)
		send_fill(cu);
	if (bench_run(e->b, filled, PHASE_MS) == -1 || cu->failed)
		return -1;
	r->fill_s = (double)(now_ns() - t0) / 1e9;
	return 0;
}

static int
catch_up(struct catchup *cu, struct cu_result *r)
{
	struct e2e *e = cu->e;
	struct bench *b = e->b;
	double cp0 = e2e_server_cpu(e), cm0 = e2e_cpu(&b->mucd);
	unsigned i;

	cu->t0 = now_ns();
	for (i = 1; i <= cu->nclients; i++) {
		cu->cl[i].t0 = cu->t0;
		send_page(cu, &e->cl[i]);
	}
	if (bench_run(b, caught_up, PHASE_MS) == -1)
		return -1;
	r->cpu_server = e2e_server_cpu(e) - cp0;
	r->cpu_mucd = e2e_cpu(&b->mucd) - cm0;
	r->total_s = (double)(cu->t1 - cu->t0) / 1e9;
	r->msgs_per_s = (double)cu->client_lat.n * DEPTH / r->total_s;
	r->page_p50 = samples_q_ms(&cu->page_lat, 0.5);
	r->page_p99 = samples_q_ms(&cu->page_lat, 0.99);
	r->page_max = samples_q_ms(&cu->page_lat, 1);
	r->client_p50 = samples_q_ms(&cu->client_lat, 0.5);
	r->client_p99 = samples_q_ms(&cu->client_lat, 0.99);
	r->client_max = samples_q_ms(&cu->client_lat, 1);
	r->result_bytes = cu->result_bytes / ((double)cu->client_lat.n * DEPTH);
	return cu->client_lat.n == cu->nclients ? 0 : -1;
}

int
catchup_run(struct e2e *e, struct cu_result *r)
{
	struct catchup cu;
	int rc = -1;

	memset(&cu, 0, sizeof(cu));
	memset(r, 0, sizeof(*r));
	r->server = e->srv->name;
	cu.e = e;
	fmt(cu.jid, sizeof(cu.jid), ROOM "@%s", e->muc);
	cu.nclients = e->b->o.catchup_clients;
	if (cu.nclients > e->ncl - 1)
		cu.nclients = (unsigned)e->ncl - 1;
	cu.cl = xcalloc(cu.nclients + 1, sizeof(*cu.cl));
	samples_init(&cu.page_lat, (size_t)cu.nclients * (DEPTH / PAGE));
	samples_init(&cu.client_lat, cu.nclients);
	e->cu = &cu;
	if (prepare(&cu, r) == 0 && catch_up(&cu, r) == 0)
		rc = 0;
	e->cu = NULL;
	r->clients = cu.nclients;
	r->depth = DEPTH;
	r->wrong = cu.wrong;
	r->errors = cu.errors;
	r->ok = rc == 0 && cu.wrong == 0 && cu.errors == 0;
	free(cu.cl);
	samples_free(&cu.page_lat);
	samples_free(&cu.client_lat);
	return r->ok ? 0 : -1;
}

void
catchup_row(struct bench *b, const char *who, const struct cu_result *r)
{
	double cpu = r->cpu_server + r->cpu_mucd,
	    msgs = (double)r->clients * r->depth;
	struct row w;
	char p[64], k[32];

	fmt(p, sizeof(p), "%s C=%u D=%u page=%u", who, r->clients, r->depth,
	    PAGE);
	row_init(&w, "mam-catchup", p);
	w.rate = r->msgs_per_s;
	fmt(w.unit, sizeof(w.unit), "msg/s");
	w.p50 = r->page_p50;
	w.p99 = r->page_p99;
	w.max = r->page_max;
	w.cpu_ms_per_k = cpu * 1e6 / msgs;
	row_num(&w, "total_s", r->total_s);
	row_num(&w, "fill_s", r->fill_s);
	row_num(&w, "page_p50_ms", r->page_p50);
	row_num(&w, "page_p99_ms", r->page_p99);
	row_num(&w, "page_max_ms", r->page_max);
	row_num(&w, "client_p50_ms", r->client_p50);
	row_num(&w, "client_p99_ms", r->client_p99);
	row_num(&w, "client_max_ms", r->client_max);
	fmt(k, sizeof(k), "%s_cpu_s", r->server);
	row_num(&w, k, r->cpu_server);
	row_num(&w, "mucd_cpu_s", r->cpu_mucd);
	row_num(&w, "cpu_us_per_msg", cpu * 1e6 / msgs);
	row_num(&w, "result_bytes_mean", r->result_bytes);
	fmt(w.note, sizeof(w.note), "all caught up in %.2f s; a client %.0f "
	    "ms (p50); CPU %s %.2f s mucd %.2f s", r->total_s,
	    r->client_p50, r->server, r->cpu_server, r->cpu_mucd);
	emit(b, &w);
}

void
catchup_ratio(struct bench *b, const struct cu_result *c,
    const struct cu_result *r)
{
	struct row w;
	char what[64];

	fmt(what, sizeof(what), "mucd / %s-muc", r->server);
	row_init(&w, "mam-catchup", what);
	w.rate = 100 * c->msgs_per_s / r->msgs_per_s;
	fmt(w.unit, sizeof(w.unit), "%% msg/s");
	row_num(&w, "msgs_per_s_ratio", c->msgs_per_s / r->msgs_per_s);
	row_num(&w, "total_time_ratio", c->total_s / r->total_s);
	row_num(&w, "page_p99_ratio", c->page_p99 / r->page_p99);
	row_num(&w, "cpu_ratio", (c->cpu_server + c->cpu_mucd) /
	    r->cpu_server);
	fmt(w.note, sizeof(w.note), "catch-up time %.2f s vs %.2f s (x%.2f); "
	    "msg/s x%.2f; CPU x%.2f", c->total_s, r->total_s,
	    c->total_s / r->total_s, c->msgs_per_s / r->msgs_per_s,
	    (c->cpu_server + c->cpu_mucd) / r->cpu_server);
	emit(b, &w);
}
