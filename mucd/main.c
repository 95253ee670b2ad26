/*
 * main: mucd's start-up — options, configuration, detaching, opening
 * what needs root, dropping it — then the event loop. See mucd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocklist.h"
#include "ctl.h"
#include "ctlcmd.h"
#include "daemon.h"
#include "lifecycle.h"
#include "log.h"
#include "maintenance.h"
#include "mucd.h"
#include "reload.h"
#include "store.h"

static void
usage(void)
{
	fprintf(stderr, "usage: mucd [-dfhtV] [-c file]\n"
	    "       mucd -m [-c file] [-D datadir]\n"
	    "  -c file  configuration (default " CONF_DEFAULT_PATH ")\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -m       maintenance mode: serve the control protocol on\n"
	    "           standard input, no XMPP link (used by mucctl -D)\n"
	    "  -D dir   the data directory (maintenance mode)\n"
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

/*
 * Create a directory mucd needs. Only a directory created here is handed
 * to the service user: an existing one keeps its owner (chowning, say,
 * /run or /var/lib because of a careless path would be a security hole),
 * and then must already be usable by that user.
 */
static int
prepare_dir(const char *path, mode_t mode, unsigned uid, unsigned gid,
    bool chown_it, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(path, mode) == 0) {
		if (chown_it && chown(path, uid, gid) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST || stat(path, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	if (chown_it && sb.st_uid != uid) {
		snprintf(err, errlen, "%s exists and is not owned by the "
		    "service user (uid %u): change its owner, or remove it "
		    "and let mucd create it", path, uid);
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

/* A group named by key, as a gid in *gid (-1 when not set). */
static int
lookup_group(const char *key, const char *name, int *gid, char *err,
    size_t errlen)
{
	struct group *gr;

	*gid = -1;
	if (name == NULL)
		return 0;
	if ((gr = getgrnam(name)) == NULL) {
		snprintf(err, errlen, "%s '%s' does not exist", key, name);
		return -1;
	}
	*gid = (int)gr->gr_gid;
	return 0;
}

/* The accounts the configuration names exist; the control groups' gids
 * in *cs. Checked by -t too, so a typo shows before a restart. */
static int
check_accounts(const struct conf *c, struct ctl_setup *cs, char *err,
    size_t errlen)
{
	unsigned uid, gid;

	if (c->user != NULL &&
	    daemon_lookup_user(c, &uid, &gid, err, errlen) == -1)
		return -1;
	if (c->user == NULL && c->group != NULL && getgrnam(c->group) == NULL) {
		snprintf(err, errlen, "group '%s' does not exist", c->group);
		return -1;
	}
	return lookup_group("control_group", c->control_group, &cs->group,
	    err, errlen) == -1 || lookup_group("control_readonly_group",
	    c->control_readonly_group, &cs->ro_group, err, errlen) == -1 ?
	    -1 : 0;
}

/* Everything that may need root, then drop it, then the store. */
static int
start(struct mucd *m, char *err, size_t errlen)
{
	struct store_repl_opts ro = { m->conf.repl_local, m->conf.repl_peers,
	    m->conf.nrepl_peers, m->conf.repl_priority,
	    m->conf.repl_ack_policy, m->conf.repl_2site_strict };
	struct store_opts so = { .cache_size = m->conf.db_cache_size,
	    .create = true, .lock = NULL,
	    .repl = m->conf.repl_local != NULL ? &ro : NULL };
	struct ctl_setup cs = { ctlcmd_dispatch, m, -1, -1, -1 };
	bool root = geteuid() == 0, drop = root && m->conf.user != NULL;
	unsigned uid = 0, gid = 0;
	char *rundir;
	int rc;

	if (root && m->conf.user == NULL && !m->conf.allow_root) {
		snprintf(err, errlen, "refusing to run as root: set 'user' "
		    "(and 'group') in the configuration, or allow_root = yes");
		return -1;
	}
	if (check_accounts(&m->conf, &cs, err, errlen) == -1 ||
	    (drop && daemon_lookup_user(&m->conf, &uid, &gid, err, errlen) == -1))
		return -1;
	if ((rundir = dir_of(m->conf.control)) == NULL)
		return -1;
	/* Members of control_group must be able to reach the socket; with
	 * a read-only group too, SO_PEERCRED decides (see ctl.c). */
	rc = prepare_dir(rundir, cs.ro_group != -1 ? 0755 : 0750, uid,
	    drop && cs.group != -1 ? (unsigned)cs.group : gid, drop, err,
	    errlen);
	free(rundir);
	if (rc == -1 || prepare_dir(m->conf.datadir, 0750, uid, gid, drop, err,
	    errlen) == -1)
		return -1;
	/* The data directory's lock first: a second mucd with the same
	 * one must stop before it touches the control socket. */
	if (store_lock(m->conf.datadir, drop ? (int)uid : -1,
	    drop ? (int)gid : -1, &so.lock, err, errlen) != STORE_OK)
		return -1;
	if (drop)
		cs.owner_uid = (int)uid;
	if (ctl_open(m, &cs, err, errlen) == -1) {
		store_unlock(so.lock);
		return -1;
	}
	if ((!m->foreground &&
	    daemon_pidfile_write(m->conf.pidfile, err, errlen) == -1) ||
	    (drop && daemon_drop_privileges(uid, gid, err, errlen) == -1)) {
		store_unlock(so.lock);
		ctl_close(m);
		return -1;
	}
	if (store_open(&m->store, m->conf.datadir, &so, err, errlen) !=
	    STORE_OK) {
		ctl_close(m);
		return -1;
	}
	/* Replicated, the master loads it when it becomes one (ha.c). */
	if (!store_replicated(m->store) &&
	    blocklist_load(m, err, errlen) == -1) {
		store_close(m->store);
		m->store = NULL;
		ctl_close(m);
		return -1;
	}
	if (store_used_reserve(m->store))
		log_warn("the file system holding %s is full: mucd gave up "
		    "the space it keeps for recovery; free space there",
		    m->conf.datadir);
	return 0;
}

/* The configuration for maintenance mode: the file if one was named,
 * else only the defaults (mucctl could not read one either). */
static int
load_conf(struct mucd *m, const char *path, bool named, char *err,
    size_t errlen)
{
	if (m->maintenance && !named) {
		conf_defaults(&m->conf);
		return 0;
	}
	return mucd_load_conf(&m->conf, path, !m->maintenance, err, errlen);
}

static void
init_log(struct mucd *m, bool debug)
{
	enum log_level lvl = LOG_LVL_INFO;

	log_level_parse(m->conf.log_level, &lvl);
	/* Maintenance mode talks to an operator's terminal through mucctl:
	 * warnings and errors only. */
	if (m->maintenance)
		lvl = LOG_LVL_WARN;
	log_init("mucd", m->foreground || m->maintenance,
	    debug ? LOG_LVL_DEBUG : lvl);
}

static int
check_only(struct mucd *m, const char *path, bool debug)
{
	struct ctl_setup cs;
	char err[1024];

	if (check_accounts(&m->conf, &cs, err, sizeof(err)) == -1) {
		fprintf(stderr, "mucd: %s: %s\n", path, err);
		conf_free(&m->conf);
		return 1;
	}
	if (debug)
		conf_dump(&m->conf, print_line, NULL);
	printf("mucd: configuration %s is OK\n", path);
	conf_free(&m->conf);
	return 0;
}

/* The start-up's outcome when the server has not answered in time: the
 * daemon runs and keeps trying; whoever started it is told so. */
static void
start_wait_over(struct loop_timer *t)
{
	struct mucd *m = t->arg;
	char msg[400];

	if (m->link.stats.connects > 0)
		return;		/* it was: daemon_ready() said so */
	snprintf(msg, sizeof(msg), "running, but not connected to %s:%u "
	    "after %u s (link %s); it keeps trying, see the log",
	    m->conf.server, m->conf.port, DAEMON_START_WAIT_MS / 1000,
	    link_state_name(m->link.state));
	log_warn("%s", msg);
	daemon_waiting(msg);
}

int
main(int argc, char **argv)
{
	static struct mucd m;
	struct loop_timer start_wait = { 0 };
	const char *path = CONF_DEFAULT_PATH, *datadir = NULL;
	bool test = false, debug = false, named = false;
	char err[1024] = "";
	int ch, rc;

	while ((ch = getopt(argc, argv, "c:dD:fhmtV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; named = true; break;
		case 'd': debug = true; break;
		case 'D': datadir = optarg; break;
		case 'f': m.foreground = true; break;
		case 'm': m.maintenance = true; break;
		case 't': test = true; break;
		case 'V': printf("mucd %s\n", MUCD_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc || (datadir != NULL && !m.maintenance) ||
	    (test && m.maintenance))
		usage();
	if (load_conf(&m, path, named, err, sizeof(err)) == -1) {
		fprintf(stderr, "mucd: %s\n", err);
		if (m.maintenance)
			ctl_refuse(MAINTENANCE_FD, CTL_E_UNAVAILABLE, err);
		return m.maintenance ? 3 : 1;
	}
	if (test)
		return check_only(&m, path, debug);
	if ((m.conf_path = strdup(path)) == NULL)
		return 1;
	init_log(&m, debug);
	if (!m.foreground && !m.maintenance && getenv("NOTIFY_SOCKET") == NULL &&
	    daemon_detach(err, sizeof(err)) == -1) {
		fprintf(stderr, "mucd: %s\n", err);
		return 1;
	}
	if (lifecycle_init(&m) == -1) {
		rc = -1;
		if (m.maintenance)
			ctl_refuse(MAINTENANCE_FD, CTL_E_UNAVAILABLE, strerror(errno));
	} else if (m.maintenance)
		rc = maintenance_start(&m, datadir, err, sizeof(err));
	else
		rc = start(&m, err, sizeof(err));
	if (rc == -1) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "start-up failed: %s",
			    strerror(errno));
		/* Maintenance mode told its client (maintenance_start). */
		if (m.maintenance)
			return 3;
		log_error("%s", err);
		daemon_fail(1, err);
		return 1;
	}
	if (!m.maintenance)
		log_info("mucd %s serving %s, data in %s", MUCD_VERSION,
		    m.conf.domain, m.conf.datadir);
	if (lifecycle_start(&m, err, sizeof(err)) == -1) {
		log_error("%s", err);
		daemon_fail(1, err);
		lifecycle_finish(&m);
		conf_free(&m.conf);
		free(m.conf_path);
		return 1;
	}
	/* Ready once the link is up (lifecycle.c), or when start_wait_over
	 * says it is not; maintenance mode has no link. */
	if (m.maintenance)
		daemon_ready();
	else {
		start_wait.cb = start_wait_over;
		start_wait.arg = &m;
		loop_timer_set(&m.loop, &start_wait, DAEMON_START_WAIT_MS);
	}
	loop_run(&m.loop);
	loop_timer_cancel(&m.loop, &start_wait);
	daemon_fail(m.exit_code != 0 ? m.exit_code : 1, "stopped before it "
	    "connected to the server");
	daemon_notify("STOPPING=1");
	lifecycle_finish(&m);
	conf_free(&m.conf);
	free(m.conf_path);
	return m.exit_code;
}
