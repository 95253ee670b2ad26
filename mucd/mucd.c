/*
 * mucd: the daemon context — sending, group commit per loop turn, the link
 * callbacks, signals, timers and orderly shutdown.
 */
#include "mucd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "presence.h"
#include "ratelimit.h"
#include "reload.h"
#include "reverify.h"
#include "room.h"
#include "router.h"
#include "stanza.h"
#include "store.h"



void
mucd_send(struct mucd *m, const struct xnode *st)
{
	if (st == NULL)
		return;
	m->stats.stanzas_out++;
	link_send(&m->link, st);
}

void
mucd_send_free(struct mucd *m, struct xnode *st)
{
	mucd_send(m, st);
	x_free(st);
}

void
mucd_store_dirty(struct mucd *m)
{
	m->store_dirty = true;
}

bool
mucd_is_admin(const struct mucd *m, const char *bare)
{
	return conf_is_admin(&m->conf, bare);
}

/*
 * Once per loop turn, before sleeping: make this turn's commits durable
 * (one fsync for all of them), then write out everything queued — so no
 * reply acknowledging a change leaves before the change is on disk.
 */
static void
before_sleep(void *arg)
{
	struct mucd *m = arg;

	ctl_resume(m);
	if (m->store_dirty && m->store != NULL) {
		if (store_sync(m->store) != STORE_OK) {
			m->stats.store_errors++;
			log_error("store: %s", store_errmsg(m->store));
		}
		m->store_dirty = false;
	}
	link_flush(&m->link);
	ctl_flush(m);
}

static void
on_link_up(void *arg)
{
	struct mucd *m = arg;

	daemon_notify("STATUS=connected");
	reverify_all(m);
}

static void
on_link_down(void *arg)
{
	(void)arg;
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

	daemon_fail(why);
	mucd_shutdown(m, 3);
}

void
mucd_shutdown(struct mucd *m, int code)
{
	struct room *r;
	const char *k;
	size_t i;

	if (m->shutting_down)
		return;
	m->shutting_down = true;
	m->exit_code = code;
	log_info("shutting down");
	/* Everyone is told the service is going away (status 332). */
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		presence_evacuate(r, 332);
	loop_stop(&m->loop);
}

static void
housekeeping(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	rooms_evict_idle(m, (uint64_t)m->conf.evict_idle * 1000);
	ratelimit_prune(m);
	ctl_housekeeping(m);
	loop_timer_set(&m->loop, t, MUCD_HOUSEKEEPING_MS);
}

static void
checkpoint(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	if (m->store != NULL && store_checkpoint(m->store) != STORE_OK)
		log_error("store checkpoint: %s", store_errmsg(m->store));
	loop_timer_set(&m->loop, t,
	    (uint64_t)m->conf.checkpoint_interval * 1000);
}

static void
on_signal(struct loop_io *io, uint32_t events)
{
	struct mucd *m = io->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP: {
			char err[512];

			mucd_reload(m, err, sizeof(err));
			break;
		}
		case SIGTERM:
		case SIGINT:
			mucd_shutdown(m, 0);
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
mucd_init(struct mucd *m)
{
	static const struct link_cb cb = {
		on_link_up, on_link_down, on_stanza, on_rejected,
		on_link_fatal
	};

	if (sodium_init() < 0 || loop_init(&m->loop) == -1 ||
	    hmap_init(&m->rooms) == -1 || hmap_init(&m->jid_buckets) == -1 ||
	    setup_signals(m) == -1)
		return -1;
	m->loop.before_sleep = before_sleep;
	m->loop.before_sleep_arg = m;
	randombytes_buf(m->secret_salt, sizeof(m->secret_salt));
	link_init(&m->link, &m->loop, &cb, m);
	link_configure(&m->link, m->conf.server, m->conf.port, m->conf.domain,
	    m->conf.secret, m->conf.max_stanza_size, m->conf.max_stanza_depth,
	    m->conf.link_buffer_max, m->conf.reconnect_max);
	m->housekeeping.cb = housekeeping;
	m->housekeeping.arg = m;
	m->checkpoint.cb = checkpoint;
	m->checkpoint.arg = m;
	m->started = time(NULL);
	return 0;
}

void
mucd_finish(struct mucd *m)
{
	struct room *r;
	const char *k;
	size_t i;

	/* Occupants were told in mucd_shutdown; send it all, then close. */
	link_flush(&m->link);
	link_free(&m->link);
	ctl_close(m);
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (r->stored)
			room_save(r);
	rooms_free_all(m);
	ratelimit_free(m);
	store_close(m->store);
	if (!m->foreground)
		daemon_pidfile_remove(m->conf.pidfile);
	loop_free(&m->loop);
	log_info("stopped");
}
