/*
 * churn: presence churn while messages flow.
 *
 * S stable occupants sit in one room with the default configuration
 * (everyone sees everyone's presence). C churners cycle join -> nick
 * change -> leave -> join ..., each step issued when the previous one's
 * self-presence (110) arrives, while u0 keeps a window of groupchat
 * messages in flight. A message completes when all S stable occupants
 * have their copy (churners come and go, so they are not counted; they
 * also receive the room history on every join).
 */
#include "mucbench.h"

#include <stdlib.h>
#include <string.h>

#define ROOM		"churn"
#define MSG_WINDOW	10
#define MSG_CAP		4000000
#define SETUP_MS	60000
#define DRAIN_MS	30000

enum cstate { C_JOIN, C_NICK, C_LEAVE, C_IDLE };

struct churn {
	unsigned	 stable, users;		/* users = stable + churners */
	unsigned	 joined;
	enum cstate	*state;
	uint64_t	*op_t;
	struct samples	 oplat, lat;
	uint64_t	 ops;
	uint64_t	 m_sent, m_done, *sent;
	uint32_t	*copies;
	bool		 running;
	uint64_t	 end, errors, presences, messages;
	/* mucd's RSS, sampled every RSS_EVERY_NS while churning: a long run
	 * (make soak) must stay flat. The first sample is taken after the
	 * first interval, once caches and tables have grown to size. */
	long		 rss_first, rss_last, rss_max;
	unsigned	 rss_samples;
	uint64_t	 rss_next;
};

#define RSS_EVERY_NS	(60ull * 1000000000ull)

static void
nick_of(unsigned u, char c, char *out, size_t len)
{
	fmt(out, len, "c%u%c", u, c);
}

static void
churn_step(struct bench *b, struct churn *s, unsigned u)
{
	char nick[32];

	s->op_t[u] = now_ns();
	switch (s->state[u]) {
	case C_JOIN:		/* joined: change nick */
		nick_of(u, 'b', nick, sizeof(nick));
		conn_sendf(&b->link, "<presence from='u%u@" USER_DOMAIN "/r' "
		    "to='" ROOM "@" MUC_DOMAIN "/%s'/>", u, nick);
		s->state[u] = C_NICK;
		break;
	case C_NICK:		/* renamed: leave */
		nick_of(u, 'b', nick, sizeof(nick));
		send_leave(b, u, ROOM, nick);
		s->state[u] = C_LEAVE;
		break;
	case C_LEAVE:		/* left: join again */
	case C_IDLE:
		nick_of(u, 'a', nick, sizeof(nick));
		send_join(b, u, ROOM, nick, -1);
		s->state[u] = C_JOIN;
		break;
	}
}

static void
leave_now(struct bench *b, struct churn *s, unsigned u)
{
	char nick[32];

	nick_of(u, 'a', nick, sizeof(nick));
	s->op_t[u] = now_ns();
	send_leave(b, u, ROOM, nick);
	s->state[u] = C_LEAVE;
}

static void
self_presence(struct bench *b, struct churn *s, unsigned u, bool unavail)
{
	if (u < s->stable) {
		if (!unavail)
			s->joined++;
		return;
	}
	if (s->state[u] == C_IDLE || unavail != (s->state[u] == C_LEAVE))
		return;		/* e.g. the 303 unavailable of a nick change */
	samples_add(&s->oplat, b->now - s->op_t[u]);
	s->ops++;
	if (s->running || s->state[u] == C_NICK)
		churn_step(b, s, u);
	else if (s->state[u] == C_LEAVE)
		s->state[u] = C_IDLE;
	else
		leave_now(b, s, u);	/* stopping: leave with nick 'a' */
}

static void
send_msg(struct bench *b, struct churn *s)
{
	if (s->m_sent >= MSG_CAP)
		return;
	s->sent[s->m_sent] = now_ns();
	send_groupchat(b, 0, ROOM, s->m_sent++);
}

static void
on_message(struct bench *b, struct churn *s, const struct attrs *a)
{
	uint64_t seq, u;

	s->messages++;
	if (!sv_num(&a->id, 'm', &seq) || seq >= s->m_sent ||
	    !sv_num(&a->to, 'u', &u) || u >= s->stable)
		return;
	if (++s->copies[seq] != s->stable)
		return;
	samples_add(&s->lat, b->now - s->sent[seq]);
	s->m_done++;
	if (s->running)
		send_msg(b, s);
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct churn *s = b->st;
	struct attrs a;
	uint64_t u;

	(void)c;
	stz_attrs(z, &a);
	if (sv_is(&a.type, "error")) {
		if (s->errors++ < 3)
			warnx_("churn: error from mucd: %.*s",
			    (int)(z->len > 400 ? 400 : z->len), z->p);
		return;
	}
	if (z->p[1] == 'm') {
		on_message(b, s, &a);
		return;
	}
	if (z->p[1] != 'p')
		return;
	s->presences++;
	if (sv_num(&a.to, 'u', &u) && u < s->users && stz_status(z, "110"))
		self_presence(b, s, (unsigned)u, sv_is(&a.type, "unavailable"));
}

static bool
stable_in(struct bench *b)
{
	struct churn *s = b->st;

	return s->joined >= s->stable;
}

static bool
time_up(struct bench *b)
{
	return b->now >= ((struct churn *)b->st)->end;
}

static bool
drained(struct bench *b)
{
	struct churn *s = b->st;
	unsigned u;

	if (s->m_done < s->m_sent)
		return false;
	for (u = s->stable; u < s->users; u++)
		if (s->state[u] != C_IDLE)
			return false;
	return true;
}

static int
set_up(struct bench *b, struct churn *s)
{
	char nick[24];
	unsigned u;

	for (u = 0; u < s->stable; u++) {
		fmt(nick, sizeof(nick), "u%u", u);
		send_join(b, u, ROOM, nick, 0);
	}
	return bench_run(b, stable_in, SETUP_MS);
}

/* Called on every turn of the bench loop (b->tick); samples when due. */
static uint64_t
sample_rss(struct bench *b)
{
	struct churn *s = b->st;
	long kb;

	if (b->now < s->rss_next)
		return s->rss_next;
	s->rss_next = b->now + RSS_EVERY_NS;
	kb = proc_rss_kb(b->mucd.pid);
	if (s->running && kb > 0) {
		if (s->rss_samples++ == 0)
			s->rss_first = kb;
		s->rss_last = kb;
		if (kb > s->rss_max)
			s->rss_max = kb;
		if (b->o.churn_secs >= 600)
			fprintf(stderr, "mucbench: churn: mucd RSS %ld kB\n", kb);
	}
	return s->rss_next;
}

static void
report(struct bench *b, struct churn *s, const struct meter *m0,
    const struct meter *m1, uint64_t delivered)
{
	double secs = (double)(m1->t - m0->t) / 1e9;
	struct row r;
	char p[64];

	fmt(p, sizeof(p), "S=%u C=%u T=%us", s->stable, s->users - s->stable,
	    b->o.churn_secs);
	row_init(&r, "presence-churn", p);
	r.rate = (double)delivered / secs;
	fmt(r.unit, sizeof(r.unit), "stanzas/s");
	row_lat(&r, &s->oplat, "op_");
	row_lat(&r, &s->lat, "msg_");
	meter_row(&r, m0, m1, (double)delivered);
	row_num(&r, "churn_ops", (double)s->ops);
	row_num(&r, "churn_ops_per_s", (double)s->ops / secs);
	row_num(&r, "messages", (double)s->m_done);
	row_num(&r, "delivered", (double)delivered);
	row_num(&r, "presences", (double)s->presences);
	row_num(&r, "message_copies", (double)s->messages);
	row_num(&r, "errors", (double)s->errors);
	row_num(&r, "rss_kb_first", (double)s->rss_first);
	row_num(&r, "rss_kb_last", (double)s->rss_last);
	row_num(&r, "rss_kb_max", (double)s->rss_max);
	row_num(&r, "rss_samples", (double)s->rss_samples);
	fmt(r.note, sizeof(r.note), "%.0f churn ops/s (op p99 %.2f ms), "
	    "%.0f msg/s", (double)s->ops / secs,
	    samples_q_ms(&s->oplat, 0.99), (double)s->m_done / secs);
	emit(b, &r);
}

static int
run(struct bench *b, struct churn *s)
{
	struct meter m0, m1;
	uint64_t d0;
	unsigned u, i;

	meter_read(b, &m0);
	d0 = b->delivered;
	s->running = true;
	s->end = now_ns() + (uint64_t)b->o.churn_secs * 1000000000u;
	for (u = s->stable; u < s->users; u++)
		churn_step(b, s, u);
	for (i = 0; i < MSG_WINDOW; i++)
		send_msg(b, s);
	s->rss_next = now_ns() + RSS_EVERY_NS;
	b->tick = sample_rss;
	bench_run(b, time_up, (uint64_t)b->o.churn_secs * 1000 + 1000);
	b->tick = NULL;
	s->running = false;
	if (bench_run(b, drained, DRAIN_MS) == -1)
		return -1;
	meter_read(b, &m1);
	comp_phase(b, "churn");
	report(b, s, &m0, &m1, b->delivered - d0);
	return 0;
}

int
scen_churn(struct bench *b)
{
	struct churn s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.stable = b->o.churn_stable;
	s.users = s.stable + b->o.churn_users;
	s.state = xcalloc(s.users, sizeof(*s.state));
	s.op_t = xcalloc(s.users, sizeof(*s.op_t));
	s.sent = xcalloc(MSG_CAP, sizeof(*s.sent));
	s.copies = xcalloc(MSG_CAP, sizeof(*s.copies));
	samples_init(&s.oplat, 4000000);
	samples_init(&s.lat, MSG_CAP);
	for (unsigned u = 0; u < s.users; u++)
		s.state[u] = C_IDLE;
	b->st = &s;
	b->on_stanza = on_stz;
	comp_start(b, NULL);
	if (set_up(b, &s) == 0)
		rc = run(b, &s);
	if (comp_stop(b) == -1)
		rc = -1;
	if (rc == 0 && s.errors > 0)
		rc = -1;
	free(s.state);
	free(s.op_t);
	free(s.sent);
	free(s.copies);
	samples_free(&s.oplat);
	samples_free(&s.lat);
	b->st = NULL;
	return rc;
}
