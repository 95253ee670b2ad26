/*
 * joins: the join storm (U users into R rooms, default room
 * configuration, so everyone sees everyone) and the idle-room memory run
 * (K temporary rooms with one occupant each, then K persistent empty
 * rooms).
 *
 * A join completes when its self-presence (status 110) arrives; the storm
 * keeps a bounded number of joins outstanding.
 */
#include "mucbench.h"

#include <stdlib.h>
#include <string.h>

#define STORM_WINDOW	1000
#define ROOMS_WINDOW	256
#define PHASE_MS	120000

struct storm {
	unsigned	 users, rooms;
	const char	*prefix;	/* room names: prefix<k> */
	unsigned	 next, done;
	uint64_t	*sent;
	struct samples	 lat;
	unsigned	 window;
	bool		 persist;	/* rooms: configure persistent, leave */
	unsigned	 cfg_done, left;
	uint64_t	 errors;
	double		 rss_per;	/* RSS growth per user, bytes */
};

static void
room_of(const struct storm *s, unsigned u, char *out, size_t len)
{
	fmt(out, len, "%s%u", s->prefix, u % s->rooms);
}

static void
send_next(struct bench *b, struct storm *s)
{
	char room[48], nick[24];
	unsigned u = s->next++;

	room_of(s, u, room, sizeof(room));
	fmt(nick, sizeof(nick), "u%u", u);
	s->sent[u] = now_ns();
	send_join(b, u, room, nick, 0);
}

static void
joined(struct bench *b, struct storm *s, unsigned u)
{
	char room[48], nick[24], id[32];

	samples_add(&s->lat, b->now - s->sent[u]);
	s->done++;
	if (s->persist) {
		room_of(s, u, room, sizeof(room));
		fmt(nick, sizeof(nick), "u%u", u);
		fmt(id, sizeof(id), "c%u", u);
		send_config(b, u, room, id, true, false);
		send_leave(b, u, room, nick);
	}
	if (s->next < s->users)
		send_next(b, s);
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct storm *s = b->st;
	uint64_t u;

	(void)c;
	if (stz_attr_is(z, "type", "error")) {
		if (s->errors++ < 3)
			warnx_("joins: error from mucd: %.*s",
			    (int)(z->len > 400 ? 400 : z->len), z->p);
		return;
	}
	if (stz_is(z, "iq") && stz_attr_is(z, "type", "result")) {
		s->cfg_done++;
		return;
	}
	if (!stz_is(z, "presence") || !stz_status(z, "110") ||
	    !stz_attr_num(z, "to", "u", &u) || u >= s->users)
		return;
	if (stz_attr_is(z, "type", "unavailable"))
		s->left++;
	else
		joined(b, s, (unsigned)u);
}

static bool
storm_done(struct bench *b)
{
	struct storm *s = b->st;

	return s->done >= s->users && (!s->persist ||
	    (s->cfg_done >= s->users && s->left >= s->users));
}

/* Run one storm; fills r with joins/s, latency and RSS per user. */
static int
storm(struct bench *b, struct storm *s, const char *name, const char *params,
    struct row *r)
{
	long rss0, rss1;
	double cpu0, cpu1, secs;
	uint64_t t0;

	s->sent = xcalloc(s->users, sizeof(*s->sent));
	samples_init(&s->lat, s->users);
	b->st = s;
	b->on_stanza = on_stz;
	rss0 = proc_rss_kb(b->mucd.pid);
	cpu0 = proc_cpu_s(b->mucd.pid);
	t0 = now_ns();
	b->delivered = 0;
	while (s->next < s->users && s->next < s->window)
		send_next(b, s);
	if (bench_run(b, storm_done, PHASE_MS) == -1)
		return -1;
	secs = (double)(now_ns() - t0) / 1e9;
	rss1 = proc_rss_kb(b->mucd.pid);
	cpu1 = proc_cpu_s(b->mucd.pid);
	comp_phase(b, name);
	row_init(r, name, params);
	r->rate = s->users / secs;
	fmt(r->unit, sizeof(r->unit), "joins/s");
	row_lat(r, &s->lat, "join_");
	r->cpu_ms_per_k = (cpu1 - cpu0) * 1e6 / (double)b->delivered;
	row_num(r, "users", s->users);
	row_num(r, "rooms", s->rooms);
	row_num(r, "delivered", (double)b->delivered);
	row_num(r, "stanzas_per_s", (double)b->delivered / secs);
	row_num(r, "mucd_cpu_s", cpu1 - cpu0);
	row_num(r, "mucd_cpu_us_per_join", (cpu1 - cpu0) * 1e6 / s->users);
	row_num(r, "rss_before_kb", (double)rss0);
	row_num(r, "rss_after_kb", (double)rss1);
	s->rss_per = (double)(rss1 - rss0) * 1024.0 / s->users;
	row_num(r, "rss_bytes_per_user", s->rss_per);
	row_num(r, "errors", (double)s->errors);
	return 0;
}

static void
storm_free(struct bench *b, struct storm *s)
{
	free(s->sent);
	samples_free(&s->lat);
	b->st = NULL;
}

int
scen_joins(struct bench *b)
{
	struct storm s = { 0 };
	struct row r;
	char p[64];
	int rc;

	s.users = b->o.join_users;
	s.rooms = b->o.join_rooms;
	s.prefix = "storm";
	s.window = STORM_WINDOW;
	fmt(p, sizeof(p), "U=%u R=%u W=%u", s.users, s.rooms, s.window);
	comp_start(b, NULL);
	if ((rc = storm(b, &s, "join-storm", p, &r)) == 0) {
		fmt(r.note, sizeof(r.note), "%.0f stanzas/s out, RSS %.0f "
		    "B/occupant incl. rooms", (double)b->delivered /
		    (s.users / r.rate), s.rss_per);
		emit(b, &r);
	}
	comp_stop(b);
	storm_free(b, &s);
	return rc;
}

static int
idle_rooms(struct bench *b, bool persist, struct row *r)
{
	struct storm s = { 0 };
	char p[64];
	int rc;

	s.users = s.rooms = b->o.idle_rooms;
	s.prefix = persist ? "keep" : "idle";
	s.window = ROOMS_WINDOW;
	s.persist = persist;
	fmt(p, sizeof(p), "K=%u %s", s.rooms, persist ? "persistent-empty" :
	    "temporary-1-occupant");
	comp_start(b, NULL);
	if ((rc = storm(b, &s, persist ? "rooms-persist" : "rooms-temp", p,
	    r)) == 0) {
		fmt(r->note, sizeof(r->note), "RSS %.0f B per %s", s.rss_per,
		    persist ? "persistent empty room (+2 DB commits each)" :
		    "temporary room with its one occupant");
		emit(b, r);
	}
	comp_stop(b);
	storm_free(b, &s);
	return rc;
}

int
scen_rooms(struct bench *b)
{
	struct row r;

	return idle_rooms(b, false, &r) + idle_rooms(b, true, &r);
}
