#include "maintenance.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocklist.h"
#include "ctl.h"
#include "ctlcmd.h"
#include "daemon.h"
#include "mucd.h"
#include "store.h"

/*
 * Who to be. As root: the configured service user, else whoever owns the
 * data directory — files BDB creates (logs, a new environment) must
 * belong to the user the service runs as, or it could not open them.
 */
static int
become(struct mucd *m, const char *dir, char *err, size_t errlen)
{
	unsigned uid, gid;
	struct stat sb;

	if (geteuid() != 0)
		return 0;
	if (m->conf.user != NULL) {
		if (daemon_lookup_user(&m->conf, &uid, &gid, err, errlen) == -1)
			return -1;
	} else if (stat(dir, &sb) == 0 && sb.st_uid != 0) {
		uid = sb.st_uid;
		gid = sb.st_gid;
	} else
		return 0;
	return daemon_drop_privileges(uid, gid, err, errlen);
}

/* Nothing in it at all (a fresh install's data directory). */
static int
dir_is_empty(const char *dir, bool *empty)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	*empty = true;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			*empty = false;
	closedir(d);
	return 0;
}

/*
 * Say what is wrong with the directory in words an operator can act on,
 * before BDB says something vaguer. A new environment is created only in
 * an empty directory: a typo in -D must not leave a database behind.
 */
static int
check_dir(const char *dir, bool *create, char *err, size_t errlen)
{
	struct stat sb;
	bool empty;

	if (stat(dir, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if (access(dir, R_OK | W_OK | X_OK) == -1) {
		snprintf(err, errlen, "cannot use the data directory %s: %s "
		    "(it belongs to uid %u; run mucctl as root or as that "
		    "user)", dir, strerror(errno), (unsigned)sb.st_uid);
		return -1;
	}
	if (dir_is_empty(dir, &empty) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	*create = empty;
	return 0;
}

int
maintenance_start(struct mucd *m, const char *datadir, char *err,
    size_t errlen)
{
	struct ctl_setup cs = { ctlcmd_dispatch, m, -1, -1, -1 };
	struct store_opts so = { .cache_size = m->conf.db_cache_size };
	int rc;

	m->maintenance = true;
	if (datadir != NULL) {
		free(m->conf.datadir);
		if ((m->conf.datadir = strdup(datadir)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto refuse;
		}
	}
	if (become(m, m->conf.datadir, err, errlen) == -1 ||
	    check_dir(m->conf.datadir, &so.create, err, errlen) == -1)
		goto refuse;
	rc = store_open(&m->store, m->conf.datadir, &so, err, errlen);
	if (rc != STORE_OK && rc != STORE_LOCKED && !so.create)
		snprintf(err + strlen(err), errlen - strlen(err), "; offline "
		    "mode creates a database only in an empty directory");
	if (rc == STORE_LOCKED)
		snprintf(err, errlen, "mucd is running; use the control "
		    "socket (the database in %s is locked by it)",
		    m->conf.datadir);
	if (rc != STORE_OK)
		goto refuse;
	if (blocklist_load(m, err, errlen) == -1) {
		store_close(m->store);
		m->store = NULL;
		goto refuse;
	}
	return ctl_attach(m, &cs, MAINTENANCE_FD, err, errlen);
refuse:
	ctl_refuse(MAINTENANCE_FD, CTL_E_UNAVAILABLE, err);
	return -1;
}
