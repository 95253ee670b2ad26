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

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "mucd.h"
#include "reload.h"
#include "store.h"

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

/*
 * Create a directory mucd needs. Only a directory created here is handed
 * to the service user: an existing one keeps its owner (chowning, say,
 * /run or /var/lib because of a careless path would be a security hole),
 * and then must already be usable by that user.
 */
static int
prepare_dir(const char *path, unsigned uid, unsigned gid, bool chown_it,
    char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(path, 0750) == 0) {
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

/* The accounts the configuration names exist (cgid: control_group's
 * gid, or -1). Checked by -t too, so a typo shows before a restart. */
static int
check_accounts(const struct conf *c, int *cgid, char *err, size_t errlen)
{
	unsigned uid, gid;
	struct group *gr;

	*cgid = -1;
	if (c->user != NULL &&
	    daemon_lookup_user(c, &uid, &gid, err, errlen) == -1)
		return -1;
	if (c->user == NULL && c->group != NULL && getgrnam(c->group) == NULL) {
		snprintf(err, errlen, "group '%s' does not exist", c->group);
		return -1;
	}
	if (c->control_group != NULL) {
		if ((gr = getgrnam(c->control_group)) == NULL) {
			snprintf(err, errlen, "control_group '%s' does not "
			    "exist", c->control_group);
			return -1;
		}
		*cgid = (int)gr->gr_gid;
	}
	return 0;
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
	int rc, cgid;

	if (root && m->conf.user == NULL && !m->conf.allow_root) {
		snprintf(err, errlen, "refusing to run as root: set 'user' "
		    "(and 'group') in the configuration, or allow_root = yes");
		return -1;
	}
	if (check_accounts(&m->conf, &cgid, err, errlen) == -1 ||
	    (drop && daemon_lookup_user(&m->conf, &uid, &gid, err, errlen) == -1))
		return -1;
	if ((rundir = dir_of(m->conf.control)) == NULL)
		return -1;
	/* Members of control_group must be able to reach the socket. */
	rc = prepare_dir(rundir, uid, drop && cgid != -1 ? (unsigned)cgid :
	    gid, drop, err, errlen);
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
		int cgid;

		if (check_accounts(&m.conf, &cgid, err, sizeof(err)) == -1) {
			fprintf(stderr, "mucd: %s: %s\n", path, err);
			conf_free(&m.conf);
			return 1;
		}
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
	if (mucd_init(&m) == -1 || start(&m, err, sizeof(err)) == -1) {
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
	loop_timer_set(&m.loop, &m.housekeeping, MUCD_HOUSEKEEPING_MS);
	loop_timer_set(&m.loop, &m.checkpoint,
	    (uint64_t)m.conf.checkpoint_interval * 1000);
	daemon_ready();
	loop_run(&m.loop);
	daemon_notify("STOPPING=1");
	mucd_finish(&m);
	conf_free(&m.conf);
	free(m.conf_path);
	return m.exit_code;
}
