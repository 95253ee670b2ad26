/*
 * cold: mucd over a data directory holding many stored rooms (made by
 * tests/bench/mkrooms for make bench-rooms): start-up time (exec to
 * handshake), RSS at idle, and the latency of a first join into rooms
 * that are not in memory — each must be loaded from the store. Joins go
 * one at a time, into rooms picked at random among r0 .. r<N-1>.
 */
#include "mucbench.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define JOIN_MS	30000

struct cold {
	unsigned	 want, done;
	bool		 waiting;
	uint64_t	 sent, errors;
	struct samples	 lat;
};

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct cold *s = b->st;

	(void)c;
	if (stz_attr_is(z, "type", "error")) {
		if (s->errors++ < 3)
			warnx_("cold: error from mucd: %.*s",
			    (int)(z->len > 400 ? 400 : z->len), z->p);
		s->waiting = false;
		return;
	}
	if (s->waiting && stz_is(z, "presence") && stz_status(z, "110")) {
		samples_add(&s->lat, b->now - s->sent);
		s->done++;
		s->waiting = false;
	}
}

static bool
answered(struct bench *b)
{
	return !((struct cold *)b->st)->waiting;
}

int
scen_cold(struct bench *b)
{
	struct cold s = { .want = b->o.cold_joins };
	char room[32], p[64];
	uint64_t t0, startup;
	long rss_idle, rss_after;
	struct row r;
	unsigned i;

	if (b->o.datadir == NULL || b->o.cold_rooms == 0) {
		warnx_("cold: needs --datadir and --cold-rooms (make bench-rooms)");
		return -1;
	}
	samples_init(&s.lat, s.want);
	b->st = &s;
	b->on_stanza = on_stz;
	t0 = now_ns();
	comp_start(b, NULL);
	startup = now_ns() - t0;
	rss_idle = proc_rss_kb(b->mucd.pid);
	for (i = 0; i < s.want; i++) {
		fmt(room, sizeof(room), "r%u",
		    randombytes_uniform(b->o.cold_rooms));
		s.waiting = true;
		s.sent = now_ns();
		send_join(b, i, room, "cold", 0);
		if (bench_run(b, answered, JOIN_MS) == -1)
			break;
		send_leave(b, i, room, "cold");
	}
	rss_after = proc_rss_kb(b->mucd.pid);
	comp_stop(b);
	fmt(p, sizeof(p), "rooms=%u joins=%u", b->o.cold_rooms, s.want);
	row_init(&r, "cold-rooms", p);
	r.rate = (double)startup / 1e6;
	fmt(r.unit, sizeof(r.unit), "ms start-up");
	row_lat(&r, &s.lat, "");
	row_num(&r, "startup_ms", (double)startup / 1e6);
	row_num(&r, "rss_kb_idle", (double)rss_idle);
	row_num(&r, "rss_kb_after_joins", (double)rss_after);
	row_num(&r, "joins", (double)s.done);
	row_num(&r, "errors", (double)s.errors);
	fmt(r.note, sizeof(r.note), "RSS %ld kB idle, %ld kB after %u cold "
	    "joins (rooms loaded, then evicted later)", rss_idle, rss_after,
	    s.done);
	emit(b, &r);
	samples_free(&s.lat);
	b->st = NULL;
	return s.done == s.want && s.errors == 0 ? 0 : -1;
}
