/*
 * offline: commands on the Berkeley DB environment directly, for when mucd
 * is not running. The store's own lock (an flock on DATADIR/mucd.lock,
 * see common/store.h) keeps this and a running daemon apart: whichever
 * comes second is refused, so the two can never write at once.
 *
 * Every offline command mirrors its handler in mucd/ctlcmd.c — the same
 * arguments, checks, error codes, messages and result shape — and uses
 * common/store and common/roomcfg, so the daemon reads back exactly what
 * it would have written itself. It loads rooms lazily, so it sees the
 * changes on its next start.
 *
 * The store is opened for one command and closed after it, so the lock
 * is never held longer than that (the shell may run for hours).
 */
#include "mucctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jid.h"
#include "roomcfg.h"
#include "store.h"

/* Effective ids to return to after the command. */
struct ids {
	uid_t	 uid;
	gid_t	 gid;
	bool	 switched;
};

/*
 * Run as the owner of the data directory: as root, BDB would otherwise
 * leave new log and region files owned by root, which mucd (running as
 * its own user) could then not open. Effective ids only, so the shell can
 * return to root for its history file.
 */
static int
become_owner(const char *dir, struct ids *saved, struct mc_err *e)
{
	struct stat sb;

	saved->switched = false;
	if (geteuid() != 0 || stat(dir, &sb) == -1 || sb.st_uid == 0)
		return 0;
	saved->uid = geteuid();
	saved->gid = getegid();
	if (setegid(sb.st_gid) == -1 || seteuid(sb.st_uid) == -1) {
		int err = errno;

		(void)setegid(saved->gid);
		return mc_fail(e, EXIT_UNREACHABLE, "", "cannot act as the "
		    "owner of %s (uid %u): %s", dir, (unsigned)sb.st_uid,
		    strerror(err));
	}
	saved->switched = true;
	return 0;
}

/* Back to root (which a process with real uid 0 can always do). */
static int
restore_ids(const struct ids *saved, struct mc_err *e)
{
	if (!saved->switched)
		return 0;
	if (seteuid(saved->uid) == -1 || setegid(saved->gid) == -1)
		return mc_fail(e, EXIT_UNREACHABLE, "", "cannot restore "
		    "privileges: %s", strerror(errno));
	return 0;
}

static int
open_store(struct mucctl *m, const char *dir, struct mc_err *e)
{
	struct store_opts so = { .cache_size = m->conf.db_cache_size,
	    .create = false };
	char err[1024];
	int rc;

	rc = store_open(&m->store, dir, &so, err, sizeof(err));
	if (rc == STORE_LOCKED)
		return mc_fail(e, EXIT_UNREACHABLE, "", "mucd is running; use "
		    "the control socket (the database in %s is locked by "
		    "it)", dir);
	if (rc != STORE_OK)
		return mc_fail(e, EXIT_UNREACHABLE, "", "cannot open the "
		    "database: %s", err);
	return 0;
}

/* Open, run the command, make its changes durable, close. */
static int
run_on_store(struct mucctl *m, const struct command *c, const char *dir,
    json_t *args, json_t **result, struct mc_err *e)
{
	int rc;

	if (open_store(m, dir, e) == -1)
		return -1;
	rc = c->offline(m, args, result, e);
	/* A result that could not be built (json_pack, OOM). */
	if (rc == 0 && *result == NULL)
		rc = mc_fail(e, EXIT_REFUSED, "internal", "out of memory");
	/* Acknowledged means durable, as with the daemon. */
	if (rc == 0 && store_sync(m->store) != STORE_OK)
		rc = off_store_fail(m, e);
	store_close(m->store);
	m->store = NULL;
	return rc;
}

int
offline_run(struct mucctl *m, const struct command *c, json_t *args,
    json_t **result, struct mc_err *e)
{
	const char *dir = ctx_datadir(m, e);
	struct ids saved = { 0, 0, false };
	struct mc_err late;
	int rc;

	*result = NULL;
	if (dir == NULL || become_owner(dir, &saved, e) == -1)
		return -1;
	rc = run_on_store(m, c, dir, args, result, e);
	if (restore_ids(&saved, &late) == -1 && rc == 0) {
		*e = late;
		rc = -1;
	}
	if (rc == -1) {
		json_decref(*result);
		*result = NULL;
	}
	return rc;
}

/* ---- checks shared by the offline commands ---- */

const char *
off_need_str(json_t *args, const char *name, struct mc_err *e)
{
	const char *s = json_string_value(json_object_get(args, name));

	if (s == NULL || *s == '\0') {
		mc_fail(e, EXIT_REFUSED, "bad-request", "missing argument "
		    "\"%s\"", name);
		return NULL;
	}
	return s;
}

int
off_room_jid(struct mucctl *m, const char *s, char *out, size_t outlen,
    struct mc_err *e)
{
	const char *dom = ctx_domain(m), *why = "no local part";
	char tmp[JID_BARE_MAX + 1];
	struct jid j;

	if (strchr(s, '@') == NULL) {
		if (dom == NULL)
			return mc_fail(e, EXIT_UNREACHABLE, "", "'%s': give "
			    "the full room JID, the service domain is "
			    "unknown (%s)", s, m->conf_err);
		if (snprintf(tmp, sizeof(tmp), "%s@%s", s, dom) >=
		    (int)sizeof(tmp))
			return mc_fail(e, EXIT_REFUSED, "bad-request", "room "
			    "name too long");
		s = tmp;
	}
	if (jid_parse(&j, s, &why) == -1 || !jid_has_node(&j) ||
	    jid_has_resource(&j))
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s' is not a "
		    "room JID%s%s", s, jid_has_resource(&j) ? "" : ": ",
		    jid_has_resource(&j) ? "" : why);
	if (dom != NULL && strcmp(j.domain, dom) != 0)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s' is not "
		    "on %s", s, dom);
	snprintf(out, outlen, "%s", j.bare);
	return 0;
}

int
off_need_room(struct mucctl *m, json_t *args, char *jid, size_t len,
    char **json, struct mc_err *e)
{
	const char *s = off_need_str(args, "room", e);
	int rc;

	*json = NULL;
	if (s == NULL || off_room_jid(m, s, jid, len, e) == -1)
		return -1;
	rc = store_room_get(m->store, jid, json);
	if (rc == STORE_NOTFOUND)
		return mc_fail(e, EXIT_REFUSED, "not-found", "no room %s", jid);
	if (rc != STORE_OK)
		return mc_fail(e, EXIT_REFUSED, "internal", "room %s could not "
		    "be loaded: %s", jid, store_errmsg(m->store));
	return 0;
}

int
off_need_bare(json_t *args, const char *name, char *out, size_t len,
    struct mc_err *e)
{
	const char *s = off_need_str(args, name, e), *why;

	if (s == NULL)
		return -1;
	if (jid_prep_bare(s, out, len, &why) == -1)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s' is not a "
		    "JID: %s", s, why);
	if (strchr(s, '/') != NULL)
		return mc_fail(e, EXIT_REFUSED, "bad-request", "'%s': a bare "
		    "JID is expected", s);
	return 0;
}

int
off_store_fail(struct mucctl *m, struct mc_err *e)
{
	return mc_fail(e, EXIT_REFUSED, "internal", "%s",
	    store_errmsg(m->store));
}

/* The same shape as the daemon's (common/roomcfg.c). */
json_t *
off_config_json(const struct room_config *c)
{
	return roomcfg_json(c);
}
