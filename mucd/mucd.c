/*
 * mucd: XMPP Multi-User Chat service, attached to an XMPP server as an
 * external component (XEP-0114). See mucd(8).
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
#include "reload.h"
#include "reverify.h"
#include "room.h"
#include "router.h"
#include "stanza.h"
#include "store.h"

#define HOUSEKEEPING_MS	5000

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
	ctl_housekeeping(m);
	loop_timer_set(&m->loop, t, HOUSEKEEPING_MS);
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

static void
usage(void)
{
	fprintf(stderr, "usage: mucd [-dfhtV] [-c file]\n"
	    "  -c file  configuration (default " CONF_DEFAULT_PATH ")\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n");
	exit(2);
}

static void
print_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

/* Derive local domains for room_creation=local: the service's parent. */
static int
default_local_domains(struct conf *c)
{
	const char *dot = strchr(c->domain, '.');

	if (c->nlocal_domains > 0 || dot == NULL)
		return 0;
	if ((c->local_domains = calloc(1, sizeof(char *))) == NULL ||
	    (c->local_domains[0] = strdup(dot + 1)) == NULL)
		return -1;
	c->nlocal_domains = 1;
	return 0;
}

int
mucd_load_conf(struct conf *c, const char *path, char *err, size_t errlen)
{
	conf_defaults(c);
	if (conf_load(c, path, err, errlen) == -1)
		return -1;
	if (default_local_domains(c) == -1) {
		snprintf(err, errlen, "out of memory");
		conf_free(c);
		return -1;
	}
	return 0;
}

static int
prepare_dir(const char *path, unsigned uid, unsigned gid, bool chown_it,
    char *err, size_t errlen)
{
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (chown_it && chown(path, uid, gid) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static char *
dir_of(const char *path)
{
	char *d = strdup(path), *slash;

	if (d != NULL && (slash = strrchr(d, '/')) != NULL && slash != d)
		*slash = '\0';
	return d;
}

/* Everything that may need root, then drop it, then the store. */
static int
start(struct mucd *m, char *err, size_t errlen)
{
	struct store_opts so = { .cache_size = m->conf.db_cache_size,
	    .create = true };
	bool root = geteuid() == 0, drop = root && m->conf.user != NULL;
	unsigned uid = 0, gid = 0;
	char *rundir;
	int rc;

	if (root && m->conf.user == NULL && !m->conf.allow_root) {
		snprintf(err, errlen, "refusing to run as root: set 'user' "
		    "(and 'group') in the configuration, or allow_root = yes");
		return -1;
	}
	if (drop && daemon_lookup_user(&m->conf, &uid, &gid, err, errlen) == -1)
		return -1;
	if ((rundir = dir_of(m->conf.control)) == NULL)
		return -1;
	rc = prepare_dir(rundir, uid, gid, drop, err, errlen);
	free(rundir);
	if (rc == -1 || prepare_dir(m->conf.datadir, uid, gid, drop, err,
	    errlen) == -1)
		return -1;
	if (ctl_open(m, drop ? (int)uid : -1, drop ? (int)gid : -1, err,
	    errlen) == -1)
		return -1;
	if (!m->foreground &&
	    daemon_pidfile_write(m->conf.pidfile, err, errlen) == -1)
		return -1;
	if (drop && daemon_drop_privileges(uid, gid, err, errlen) == -1)
		return -1;
	if (store_open(&m->store, m->conf.datadir, &so, err, errlen) != STORE_OK)
		return -1;
	return 0;
}

static int
init(struct mucd *m)
{
	static const struct link_cb cb = {
		on_link_up, on_link_down, on_stanza, on_link_fatal
	};

	if (sodium_init() < 0 || loop_init(&m->loop) == -1 ||
	    hmap_init(&m->rooms) == -1 || setup_signals(m) == -1)
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

static void
finish(struct mucd *m)
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
	store_close(m->store);
	if (!m->foreground)
		daemon_pidfile_remove(m->conf.pidfile);
	loop_free(&m->loop);
	log_info("stopped");
}

int
main(int argc, char **argv)
{
	static struct mucd m;
	const char *path = CONF_DEFAULT_PATH;
	bool test = false, debug = false;
	char err[1024] = "";
	int ch;

	while ((ch = getopt(argc, argv, "c:dfhtV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': debug = true; break;
		case 'f': m.foreground = true; break;
		case 't': test = true; break;
		case 'V': printf("mucd %s\n", MUCD_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (mucd_load_conf(&m.conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "mucd: %s\n", err);
		return 1;
	}
	if (test) {
		if (debug)
			conf_dump(&m.conf, print_line, NULL);
		printf("mucd: configuration %s is OK\n", path);
		conf_free(&m.conf);
		return 0;
	}
	if ((m.conf_path = strdup(path)) == NULL)
		return 1;
	{
		enum log_level lvl = LOG_LVL_INFO;

		log_level_parse(m.conf.log_level, &lvl);
		log_init("mucd", m.foreground, debug ? LOG_LVL_DEBUG : lvl);
	}
	if (!m.foreground && getenv("NOTIFY_SOCKET") == NULL &&
	    daemon_detach(err, sizeof(err)) == -1) {
		fprintf(stderr, "mucd: %s\n", err);
		return 1;
	}
	if (init(&m) == -1 || start(&m, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "start-up failed: %s",
			    strerror(errno));
		log_error("%s", err);
		daemon_fail(err);
		return 1;
	}
	log_info("mucd %s serving %s, data in %s", MUCD_VERSION,
	    m.conf.domain, m.conf.datadir);
	link_start(&m.link);
	loop_timer_set(&m.loop, &m.housekeeping, HOUSEKEEPING_MS);
	loop_timer_set(&m.loop, &m.checkpoint,
	    (uint64_t)m.conf.checkpoint_interval * 1000);
	daemon_ready();
	loop_run(&m.loop);
	daemon_notify("STOPPING=1");
	finish(&m);
	conf_free(&m.conf);
	free(m.conf_path);
	return m.exit_code;
}
