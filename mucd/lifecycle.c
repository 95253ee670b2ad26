#include "lifecycle.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sodium.h>

#include "blocklist.h"
#include "ctl.h"
#include "daemon.h"
#include "httpd.h"
#include "ha.h"
#include "log.h"
#include "mucd.h"
#include "multicast.h"
#include "occrepl.h"
#include "presence.h"
#include "ratelimit.h"
#include "reload.h"
#include "retention.h"
#include "reverify.h"
#include "room.h"
#include "router.h"
#include "store.h"
#include "tombstone.h"

/* Rounds of serving held-back control requests in one turn before the
 * loop looks at the network again. */
#define CTL_ROUNDS	8

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The turn's commits made durable by one fsync, which is timed: the
 * latency every acknowledged change waited for. */
static void
group_commit(struct mucd *m)
{
	struct timespec t0;
	int rc;

	if (!m->store_dirty || m->store == NULL)
		return;
	/* Who is in the rooms rides along with what is committed anyway. */
	occrepl_write(m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_sync(m->store);
	ha_committed(m, rc);
	if (rc != STORE_OK && rc != STORE_UNACKED) {
		m->stats.store_errors++;
		log_error("store: %s", store_errmsg(m->store));
	} else
		mt_hist_observe(&m->stats.sync_seconds, seconds_since(&t0));
	m->store_dirty = false;
}

/*
 * Once per loop turn, before sleeping: make this turn's commits durable
 * (one fsync for all of them) and, replicated, acknowledged by the group,
 * then write out everything queued — so no reply acknowledging a change
 * leaves before the change is on disk (and on the group's: until it is,
 * everything waits, see ha.h). A pipelining control client whose replies
 * just drained gets its next requests served at once, a few rounds per
 * turn, instead of waiting for an unrelated event to wake the loop. A
 * replica keeps no room in memory past the turn that read it.
 */
static void
before_sleep(void *arg)
{
	struct mucd *m = arg;
	unsigned round;
	bool more = false;

	for (round = 0; round < CTL_ROUNDS; round++) {
		ctl_resume(m);
		group_commit(m);
		if (!m->ha.holding)
			link_flush(&m->link);
		if (!(more = ctl_flush(m, m->ha.holding)))
			break;
	}
	if (more)
		loop_keep_awake(&m->loop);
	if (!ha_may_change(m))
		rooms_evict_idle(m, 0);
}

static void
on_link_up(void *arg)
{
	struct mucd *m = arg;

	daemon_ready();
	daemon_notify("STATUS=connected");
	reverify_all(m);
	multicast_start(m);
}

static void
on_link_down(void *arg)
{
	multicast_stop(arg);
	daemon_notify("STATUS=reconnecting");
}

static void
on_stanza(void *arg, struct xnode *st)
{
	router_stanza(arg, st);
}

static void
on_rejected(void *arg, struct xnode *shell, const char *why)
{
	router_rejected(arg, shell, why);
}

static void
on_link_fatal(void *arg, const char *why)
{
	struct mucd *m = arg;

	daemon_fail(3, why);
	mucd_stop(m, 3);
}

static void
housekeeping(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	rooms_evict_idle(m, (uint64_t)m->conf.evict_idle * 1000);
	ratelimit_prune(m);
	/* Changes are the master's to make. */
	if (ha_may_change(m)) {
		tombstone_sweep(m);
		audit_prune(m);
	}
	ctl_housekeeping(m);
	loop_timer_set(&m->loop, t, MUCD_HOUSEKEEPING_MS);
}

static void
checkpoint(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	if (m->store != NULL && ha_may_change(m) &&
	    store_checkpoint(m->store) != STORE_OK)
		log_error("store checkpoint: %s", store_errmsg(m->store));
	loop_timer_set(&m->loop, t,
	    (uint64_t)m->conf.checkpoint_interval * 1000);
}

static void
arch_prune(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	if (ha_may_change(m))
		retention_run(m);
	loop_timer_set(&m->loop, t, RETENTION_MS);
}

static void
on_signal(struct loop_io *io, uint32_t events)
{
	struct mucd *m = io->arg;
	struct signalfd_siginfo si;
	char err[512];

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			mucd_reload(m, err, sizeof(err));
			break;
		case SIGTERM:
		case SIGINT:
			mucd_stop(m, 0);
			break;
		}
	}
}

static int
setup_signals(struct mucd *m)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	m->sigio.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigio.fd == -1)
		return -1;
	m->sigio.events = EPOLLIN;
	m->sigio.cb = on_signal;
	m->sigio.arg = m;
	return loop_add(&m->loop, &m->sigio);
}

int
lifecycle_init(struct mucd *m)
{
	static const struct link_cb cb = {
		on_link_up, on_link_down, on_stanza, on_rejected,
		on_link_fatal
	};

	if (sodium_init() < 0 || loop_init(&m->loop) == -1 ||
	    hmap_init(&m->rooms) == -1 || hmap_init(&m->jid_buckets) == -1 ||
	    hmap_init(&m->blocked) == -1 || occrepl_init(m) == -1 ||
	    setup_signals(m) == -1)
		return -1;
	m->loop.before_sleep = before_sleep;
	m->loop.before_sleep_arg = m;
	randombytes_buf(m->secret_salt, sizeof(m->secret_salt));
	audit_init(&m->audit);
	link_init(&m->link, &m->loop, &cb, m);
	multicast_init(m);
	link_configure(&m->link, m->conf.server, m->conf.port, m->conf.domain,
	    m->conf.secret, m->conf.max_stanza_size, m->conf.max_stanza_depth,
	    m->conf.max_stanza_out, m->conf.link_buffer_max,
	    m->conf.reconnect_max);
	m->housekeeping.cb = housekeeping;
	m->housekeeping.arg = m;
	m->checkpoint.cb = checkpoint;
	m->checkpoint.arg = m;
	m->arch_prune.cb = arch_prune;
	m->arch_prune.arg = m;
	mt_hist_init(&m->stats.sync_seconds, mucd_sync_bounds,
	    MUCD_SYNC_BUCKETS);
	m->started = time(NULL);
	return 0;
}

int
lifecycle_start(struct mucd *m, char *err, size_t errlen)
{
	/* First, so a port in use stops the start before anything runs. */
	if (!m->maintenance && m->conf.metrics_listen != NULL &&
	    httpd_open(m, m->conf.metrics_listen, err, errlen) == -1)
		return -1;
	/* Replicated, the link is the master's: ha.c opens it with the
	 * role. */
	if (ha_init(m) == -1) {
		snprintf(err, errlen, "replication: cannot follow the store's "
		    "events");
		return -1;
	}
	if (!m->maintenance && !m->ha.on)
		link_start(&m->link);
	loop_timer_set(&m->loop, &m->housekeeping, MUCD_HOUSEKEEPING_MS);
	loop_timer_set(&m->loop, &m->checkpoint,
	    (uint64_t)m->conf.checkpoint_interval * 1000);
	loop_timer_set(&m->loop, &m->arch_prune, RETENTION_MS);
	return 0;
}

void
lifecycle_finish(struct mucd *m)
{
	struct room *r;
	const char *k;
	size_t i;

	httpd_close(m);
	/* Everyone is told the service is going away (status 332). */
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		presence_evacuate(r, 332);
	occrepl_evacuated(m);
	group_commit(m);
	multicast_stop(m);
	link_flush(&m->link);
	link_free(&m->link);
	ctl_close(m);
	ha_free(m);
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (r->stored)
			room_save(r);
	rooms_free_all(m);
	occrepl_free(m);
	ratelimit_free(m);
	blocklist_free(m);
	store_close(m->store);
	m->store = NULL;
	free(m->arch_prune_after);
	free(m->tomb_sweep_after);
	if (!m->foreground && !m->maintenance)
		daemon_pidfile_remove(m->conf.pidfile);
	loop_free(&m->loop);
	log_info("stopped");
}
