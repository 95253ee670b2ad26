/*
 * store: the Berkeley DB layer, exercised through store.h only. Crash,
 * lock and corruption cases use real processes and files, since those
 * are what the daemon meets in production.
 */
#include "store.h"
#include "unit.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PUB	"{\"v\":1,\"created\":1,\"last_used\":2," \
		"\"config\":{\"public\":true,\"name\":\"x\"}," \
		"\"subject\":{\"text\":\"\",\"nick\":\"\"}}"
#define PRIV	"{\"v\":1,\"created\":1,\"last_used\":2," \
		"\"config\":{\"public\":false}," \
		"\"subject\":{\"text\":\"\",\"nick\":\"\"}}"

static const struct store_opts create_opts = { 4u << 20, true, NULL, NULL };

/* ---- helpers ---- */

static const char *
dirpath(const char *name)
{
	static char paths[16][512];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", unit_tmpdir(), name);
	return p;
}

static struct store *
open_dir(const char *dir)
{
	struct store *st = NULL;
	char err[512] = "";
	int rc;

	rc = store_open(&st, dir, &create_opts, err, sizeof(err));
	if (rc != STORE_OK)
		fprintf(stderr, "  store_open %s: %d %s\n", dir, rc, err);
	CHECK_INT(rc, STORE_OK);
	return st;
}

static int
put_room(struct store *st, const char *room, const char *json)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = store_room_put(t, room, json)) != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

static int
put_aff(struct store *st, const char *room, const char *bare,
    enum store_aff aff, const char *nick)
{
	struct store_aff_rec rec = { aff, nick, NULL };
	struct store_txn *t;
	int rc, crc;

	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	rc = store_aff_put(t, room, bare, &rec);
	if (rc < 0) {
		store_abort(t);
		return rc;
	}
	crc = store_commit(t);
	return crc != STORE_OK ? crc : rc;
}

static int
add_hist(struct store *st, const char *room, uint64_t seq)
{
	struct store_txn *t;
	char json[64];
	int rc;

	snprintf(json, sizeof(json), "{\"v\":1,\"n\":%llu}",
	    (unsigned long long)seq);
	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = store_history_add(t, room, seq, json)) != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

static bool
room_exists(struct store *st, const char *room)
{
	char *json = NULL;
	int rc = store_room_get(st, room, &json);

	free(json);
	return rc == STORE_OK;
}

static char *
nick_of(struct store *st, const char *room, const char *nick)
{
	char *bare = NULL;

	if (store_nick_owner(st, room, nick, &bare) != STORE_OK)
		return NULL;
	return bare;
}

/* Collects names (room or JID) the iterators report, as "a,b,c". */
struct names {
	char	 list[4096];
	int	 n;
	int	 stop_at;	/* stop after this many; 0: never */
};

static int
names_add(struct names *c, const char *s)
{
	size_t len = strlen(c->list);

	snprintf(c->list + len, sizeof(c->list) - len, "%s%s",
	    c->n > 0 ? "," : "", s);
	c->n++;
	return c->stop_at != 0 && c->n >= c->stop_at;
}

static int
room_cb(void *arg, const char *room, const char *json)
{
	(void)json;
	return names_add(arg, room);
}

static int
aff_cb(void *arg, const char *name, const struct store_aff_rec *rec)
{
	char s[256];

	snprintf(s, sizeof(s), "%s=%s/%s", name, store_aff_name(rec->aff),
	    rec->nick != NULL ? rec->nick : "");
	return names_add(arg, s);
}

static int
hist_cb(void *arg, uint64_t seq, const char *json)
{
	char s[32];

	CHECK(strstr(json, "\"n\":") != NULL);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)seq);
	return names_add(arg, s);
}

static const char *
tool(const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "command -v db5.3_%s >/dev/null", name);
	if (system(buf) == 0)
		snprintf(buf, sizeof(buf), "db5.3_%s", name);
	else
		snprintf(buf, sizeof(buf), "db_%s", name);
	return buf;
}

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---- tests ---- */

static void
test_open_create_reopen(void)
{
	const char *dir = dirpath("open");
	struct store_opts noc = { 0, false, NULL, NULL };
	struct store *st = NULL;
	char err[512] = "", *json = NULL;
	struct stat sb;

	CHECK_INT(store_open(&st, dir, &noc, err, sizeof(err)), STORE_ERR);
	CHECK(st == NULL);
	CHECK(strstr(err, dir) != NULL);
	CHECK(stat(dir, &sb) != 0);		/* nothing was created */

	st = open_dir(dir);
	CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0750);
	CHECK_INT(put_room(st, "a@muc.example", PRIV), STORE_OK);
	store_close(st);

	CHECK_INT(store_open(&st, dir, &noc, err, sizeof(err)), STORE_OK);
	CHECK_INT(store_room_get(st, "a@muc.example", &json), STORE_OK);
	CHECK_STR(json, PRIV);
	free(json);
	store_close(st);
	store_close(NULL);
}

static void
test_room_put_get_del(void)
{
	struct store *st = open_dir(dirpath("rooms"));
	struct store_txn *t;
	struct names c = { "", 0, 0 };
	char *json = NULL;

	CHECK_INT(store_room_get(st, "r@m", &json), STORE_NOTFOUND);
	CHECK(json == NULL);
	CHECK_INT(put_room(st, "r@m", PUB), STORE_OK);
	CHECK_INT(put_room(st, "r@m", PRIV), STORE_OK);	/* replace */
	CHECK_INT(store_room_get(st, "r@m", &json), STORE_OK);
	CHECK_STR(json, PRIV);
	free(json);
	CHECK_INT(put_room(st, "r@m", "{not json"), STORE_ERR);
	CHECK(strstr(store_errmsg(st), "r@m") != NULL);
	CHECK_INT(put_room(st, "r@m", "[1]"), STORE_ERR);

	/* "r@m.x" shares a prefix with "r@m": its data must survive */
	CHECK_INT(put_room(st, "r@m.x", PRIV), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "a@x", AFF_OWNER, "A"), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "b@x", AFF_MEMBER, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "r@m.x", "a@x", AFF_ADMIN, "A"), STORE_OK);
	CHECK_INT(add_hist(st, "r@m", 1), STORE_OK);
	CHECK_INT(add_hist(st, "r@m.x", 1), STORE_OK);

	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_room_del(t, "r@m"), STORE_OK);
	CHECK_INT(store_room_del(t, "nope@m"), STORE_NOTFOUND);
	CHECK_INT(store_commit(t), STORE_OK);

	CHECK(!room_exists(st, "r@m"));
	CHECK(room_exists(st, "r@m.x"));
	CHECK_INT(store_aff_iter(st, "r@m", aff_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK(nick_of(st, "r@m", "A") == NULL);
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_user_iter(st, "a@x", aff_cb, &c), STORE_OK);
	CHECK_STR(c.list, "r@m.x=admin/A");
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_history_iter(st, "r@m", 10, hist_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK_INT(store_history_iter(st, "r@m.x", 10, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "1");
	store_close(st);
}

static void
test_aff_put_get_replace_delete(void)
{
	struct store *st = open_dir(dirpath("affs"));
	struct store_aff_rec rec = { AFF_OUTCAST, NULL, "spam" };
	struct store_txn *t;
	struct names c = { "", 0, 0 };
	enum store_aff aff = AFF_OWNER;
	char *nick = NULL, *reason = NULL;

	CHECK_INT(store_aff_get(st, "r@m", "a@x", &aff, &nick, &reason),
	    STORE_NOTFOUND);
	CHECK_INT(aff, AFF_NONE);
	CHECK_INT(put_aff(st, "r@m", "a@x", AFF_MEMBER, "Al"), STORE_OK);
	CHECK_INT(store_aff_get(st, "r@m", "a@x", &aff, &nick, &reason),
	    STORE_OK);
	CHECK_INT(aff, AFF_MEMBER);
	CHECK_STR(nick, "Al");
	CHECK(reason == NULL);
	free(nick);

	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_aff_put(t, "r@m", "a@x", &rec), STORE_OK);
	CHECK_INT(store_commit(t), STORE_OK);
	CHECK_INT(store_aff_get(st, "r@m", "a@x", &aff, &nick, &reason),
	    STORE_OK);
	CHECK_INT(aff, AFF_OUTCAST);
	CHECK(nick == NULL);
	CHECK_STR(reason, "spam");
	free(reason);
	CHECK(nick_of(st, "r@m", "Al") == NULL);	/* replaced: freed */

	CHECK_INT(put_aff(st, "r@m", "b@x", AFF_OWNER, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "r@m2", "c@x", AFF_OWNER, NULL), STORE_OK);
	CHECK_INT(store_aff_iter(st, "r@m", aff_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@x=outcast/,b@x=owner/");

	CHECK_INT(put_aff(st, "r@m", "a@x", AFF_NONE, NULL), STORE_OK);
	CHECK_INT(store_aff_get(st, "r@m", "a@x", &aff, NULL, NULL),
	    STORE_NOTFOUND);
	CHECK_INT(put_aff(st, "r@m", "a@x", AFF_NONE, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "a@x", (enum store_aff)42, NULL),
	    STORE_ERR);
	store_close(st);
}

static void
test_aff_names(void)
{
	enum store_aff a = AFF_NONE;

	CHECK_STR(store_aff_name(AFF_ADMIN), "admin");
	CHECK_INT(store_aff_parse("owner", &a), STORE_OK);
	CHECK_INT(a, AFF_OWNER);
	CHECK_INT(store_aff_parse("none", &a), STORE_OK);
	CHECK_INT(a, AFF_NONE);
	CHECK(store_aff_parse("king", &a) != STORE_OK);
	CHECK(store_aff_name((enum store_aff)99) == NULL);
}

static void
test_nick_unique(void)
{
	struct store *st = open_dir(dirpath("nicks"));
	struct store_aff_rec al = { AFF_MEMBER, "Al", NULL };
	struct store_txn *t;
	enum store_aff aff;
	char *nick = NULL, *owner;

	CHECK_INT(put_aff(st, "r@m", "alice@x", AFF_MEMBER, "Al"), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "bob@x", AFF_MEMBER, "Bob"), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "bob@x", AFF_MEMBER, "Al"),
	    STORE_CONFLICT);
	CHECK(strstr(store_errmsg(st), "Al") != NULL);
	/* the refused write changed nothing: bob keeps "Bob" */
	CHECK_INT(store_aff_get(st, "r@m", "bob@x", &aff, &nick, NULL),
	    STORE_OK);
	CHECK_STR(nick, "Bob");
	free(nick);
	owner = nick_of(st, "r@m", "Bob");
	CHECK_STR(owner, "bob@x");
	free(owner);
	CHECK_INT(put_aff(st, "r@m", "carol@x", AFF_MEMBER, "Al"),
	    STORE_CONFLICT);
	CHECK_INT(store_aff_get(st, "r@m", "carol@x", &aff, NULL, NULL),
	    STORE_NOTFOUND);

	/* same JID again, same nick, other affiliation */
	CHECK_INT(put_aff(st, "r@m", "alice@x", AFF_ADMIN, "Al"), STORE_OK);
	/* the nick is per room */
	CHECK_INT(put_aff(st, "r2@m", "carol@x", AFF_MEMBER, "Al"), STORE_OK);
	/* a nick change frees the old one */
	CHECK_INT(put_aff(st, "r@m", "alice@x", AFF_ADMIN, "Ally"), STORE_OK);
	owner = nick_of(st, "r@m", "Al");
	CHECK(owner == NULL);
	CHECK_INT(put_aff(st, "r@m", "bob@x", AFF_MEMBER, "Al"), STORE_OK);
	owner = nick_of(st, "r@m", "Al");
	CHECK_STR(owner, "bob@x");
	free(owner);
	CHECK(nick_of(st, "r@m", "Bob") == NULL);

	/* a conflict inside a bigger transaction leaves the rest intact */
	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_room_put(t, "r@m", PRIV), STORE_OK);
	CHECK_INT(store_aff_put(t, "r@m", "dave@x", &al), STORE_CONFLICT);
	CHECK_INT(store_commit(t), STORE_OK);
	CHECK(room_exists(st, "r@m"));
	CHECK_INT(store_aff_get(st, "r@m", "dave@x", &aff, NULL, NULL),
	    STORE_NOTFOUND);
	owner = nick_of(st, "r@m", "Al");
	CHECK_STR(owner, "bob@x");
	free(owner);
	/* deleting the affiliation frees its nick */
	CHECK_INT(put_aff(st, "r@m", "bob@x", AFF_NONE, NULL), STORE_OK);
	CHECK(nick_of(st, "r@m", "Al") == NULL);
	store_close(st);
}

/* An iterator callback that writes must not hang: no cursor is open. */
static int
user_del_cb(void *arg, const char *room, const struct store_aff_rec *rec)
{
	struct store *st = arg;

	(void)rec;
	CHECK_INT(put_aff(st, room, "u@x", AFF_NONE, NULL), STORE_OK);
	return 0;
}

static void
test_user_index(void)
{
	struct store *st = open_dir(dirpath("users"));
	struct names c = { "", 0, 0 };

	CHECK_INT(put_aff(st, "c@m", "u@x", AFF_OWNER, "U"), STORE_OK);
	CHECK_INT(put_aff(st, "a@m", "u@x", AFF_MEMBER, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "b@m", "u@x", AFF_OUTCAST, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "b@m", "v@x", AFF_MEMBER, NULL), STORE_OK);
	CHECK_INT(put_aff(st, "b@m", "u@x.y", AFF_MEMBER, NULL), STORE_OK);
	CHECK_INT(store_user_iter(st, "u@x", aff_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@m=member/,b@m=outcast/,c@m=owner/U");

	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	CHECK_INT(store_user_iter(st, "u@x", aff_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@m=member/,b@m=outcast/");

	memset(&c, 0, sizeof(c));
	CHECK_INT(store_user_iter(st, "nobody@x", aff_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);

	CHECK_INT(store_user_iter(st, "u@x", user_del_cb, st), STORE_OK);
	CHECK_INT(store_user_iter(st, "u@x", aff_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK_INT(store_user_iter(st, "v@x", aff_cb, &c), STORE_OK);
	CHECK_STR(c.list, "b@m=member/");
	store_close(st);
}

static void
test_public_index(void)
{
	struct store *st = open_dir(dirpath("public"));
	struct names c = { "", 0, 0 };
	size_t n = 99, np = 99;

	CHECK_INT(store_room_count(st, &n, &np), STORE_OK);
	CHECK_INT(n, 0);
	CHECK_INT(np, 0);
	CHECK_INT(put_room(st, "a@m", PUB), STORE_OK);
	CHECK_INT(put_room(st, "b@m", PRIV), STORE_OK);
	CHECK_INT(put_room(st, "c@m", PUB), STORE_OK);
	CHECK_INT(put_room(st, "d@m", "{\"config\":{\"public\":1}}"),
	    STORE_OK);	/* 1 is not true */
	CHECK_INT(store_public_iter(st, NULL, room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@m,c@m");

	CHECK_INT(put_room(st, "a@m", PRIV), STORE_OK);
	CHECK_INT(put_room(st, "b@m", PUB), STORE_OK);
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_public_iter(st, NULL, room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "b@m,c@m");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_public_iter(st, "b@m", room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "c@m");
	CHECK_INT(store_room_count(st, &n, &np), STORE_OK);
	CHECK_INT(n, 4);
	CHECK_INT(np, 2);
	store_close(st);
}

/* Writes from inside the callback: creates a room and deletes the next. */
static int
room_write_cb(void *arg, const char *room, const char *json)
{
	struct store *st = arg;
	struct store_txn *t;

	(void)json;
	if (strcmp(room, "room03@m") != 0)
		return 0;
	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_room_put(t, "room03x@m", PRIV), STORE_OK);
	CHECK_INT(store_room_del(t, "room04@m"), STORE_OK);
	CHECK_INT(store_commit(t), STORE_OK);
	return 0;
}

static int
room_after_write_cb(void *arg, const char *room, const char *json)
{
	room_write_cb(((void **)arg)[0], room, json);
	return names_add(((void **)arg)[1], room);
}

static void
test_room_iter(void)
{
	struct store *st = open_dir(dirpath("iter"));
	struct names c = { "", 0, 0 };
	void *both[2] = { st, &c };
	char room[32];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(room, sizeof(room), "room%02d@m", i);
		CHECK_INT(put_room(st, room, i % 2 ? PUB : PRIV), STORE_OK);
	}
	CHECK_INT(store_room_iter(st, NULL, room_cb, &c), STORE_OK);
	CHECK_INT(c.n, 8);
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_room_iter(st, "room05@m", room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "room06@m,room07@m");
	memset(&c, 0, sizeof(c));
	/* after a key that does not exist ('5' sorts before '@') */
	CHECK_INT(store_room_iter(st, "room025", room_cb, &c), STORE_OK);
	CHECK_INT(c.n, 6);
	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	CHECK_INT(store_room_iter(st, "room01@m", room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "room02@m,room03@m,room04@m");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_room_iter(st, "zzz", room_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	CHECK_INT(store_public_iter(st, "room01@m", room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "room03@m,room05@m");

	memset(&c, 0, sizeof(c));
	CHECK_INT(store_room_iter(st, "room02@m", room_after_write_cb, both),
	    STORE_OK);
	CHECK_STR(c.list, "room03@m,room03x@m,room05@m,room06@m,room07@m");
	store_close(st);
}

static void
test_txn_abort_and_reads(void)
{
	struct store *st = open_dir(dirpath("abort"));
	struct store_aff_rec rec = { AFF_OWNER, "O", NULL };
	struct store_txn *t, *t2;
	struct names c = { "", 0, 0 };
	char *owner;
	size_t n = 9;

	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_begin(st, &t2), STORE_ERR);	/* one at a time */
	CHECK(t2 == NULL);
	CHECK_INT(store_room_put(t, "r@m", PUB), STORE_OK);
	CHECK_INT(store_aff_put(t, "r@m", "o@x", &rec), STORE_OK);
	CHECK_INT(store_history_add(t, "r@m", 7, "{}"), STORE_OK);
	/* reads inside the open transaction see its writes */
	CHECK(room_exists(st, "r@m"));
	owner = nick_of(st, "r@m", "O");
	CHECK_STR(owner, "o@x");
	free(owner);
	CHECK_INT(store_room_count(st, &n, NULL), STORE_OK);
	CHECK_INT(n, 1);
	CHECK_INT(store_public_iter(st, NULL, room_cb, &c), STORE_OK);
	CHECK_STR(c.list, "r@m");
	store_abort(t);

	CHECK(!room_exists(st, "r@m"));
	CHECK(nick_of(st, "r@m", "O") == NULL);
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_public_iter(st, NULL, room_cb, &c), STORE_OK);
	CHECK_INT(store_user_iter(st, "o@x", aff_cb, &c), STORE_OK);
	CHECK_INT(store_history_iter(st, "r@m", 5, hist_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK_INT(store_room_count(st, &n, NULL), STORE_OK);
	CHECK_INT(n, 0);
	store_abort(NULL);
	store_close(st);
}

static void
test_schema_version(void)
{
	const char *dir = dirpath("schema");
	struct store *st = open_dir(dir);
	char err[512] = "";

	store_close(st);
	/* a fresh store records schema 1 */
	CHECK_INT(sh("%s -p -h '%s' meta.db | grep -qx ' schema' && "
	    "%s -p -h '%s' meta.db | grep -qx ' 1'", tool("dump"), dir,
	    tool("dump"), dir), 0);
	CHECK_INT(sh("printf 'schema\\n2\\n' | %s -T -t btree -h '%s' meta.db",
	    tool("load"), dir), 0);
	st = NULL;
	CHECK_INT(store_open(&st, dir, &create_opts, err, sizeof(err)),
	    STORE_VERSION);
	CHECK(st == NULL);
	CHECK(strstr(err, "schema version 2") != NULL);
	CHECK_INT(sh("printf 'schema\\n1\\n' | %s -T -t btree -h '%s' meta.db",
	    tool("load"), dir), 0);
	st = open_dir(dir);
	store_close(st);
}

static void
test_lock(void)
{
	const char *dir = dirpath("lock");
	struct store *st = open_dir(dir), *st2 = NULL;
	char err[512] = "";
	pid_t pid;
	int status = -1;

	CHECK_INT(store_open(&st2, dir, &create_opts, err, sizeof(err)),
	    STORE_LOCKED);
	CHECK(st2 == NULL);
	CHECK(strstr(err, "database in use by another process (is mucd "
	    "running? use the control socket)") != NULL);

	if ((pid = fork()) == 0) {
		int rc = store_open(&st2, dir, &create_opts, err, sizeof(err));
		_exit(rc == STORE_LOCKED ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK_INT(put_room(st, "still@works", PRIV), STORE_OK);
	store_close(st);
	st = open_dir(dir);
	CHECK(room_exists(st, "still@works"));
	store_close(st);
}

/* The lock taken ahead of the open (as mucd does before its socket). */
static void
test_lock_ahead(void)
{
	const char *dir = dirpath("lock");
	struct store_opts o = { 4u << 20, false, NULL, NULL };
	struct store_lock *l2 = NULL;
	struct store *st = NULL, *st2 = NULL;
	char err[512] = "";

	CHECK_INT(store_lock(dir, -1, -1, &o.lock, err, sizeof(err)),
	    STORE_OK);
	CHECK_INT(store_lock(dir, -1, -1, &l2, err, sizeof(err)),
	    STORE_LOCKED);
	CHECK(l2 == NULL && strstr(err, "database in use") != NULL);
	CHECK_INT(store_open(&st2, dir, &create_opts, err, sizeof(err)),
	    STORE_LOCKED);
	CHECK_INT(store_open(&st, dir, &o, err, sizeof(err)), STORE_OK);
	CHECK(st != NULL && room_exists(st, "still@works"));
	store_close(st);
	/* closing released it; an unused lock is released too */
	CHECK_INT(store_lock(dir, -1, -1, &l2, err, sizeof(err)), STORE_OK);
	store_unlock(l2);
	CHECK_INT(store_lock(dir, -1, -1, &l2, err, sizeof(err)), STORE_OK);
	store_unlock(l2);
}

/* Child: commit, sync, tell the parent, then keep committing unsynced
 * two-room transactions until it is killed. Never returns. */
static void
crash_child(const char *dir, int round, int fd)
{
	struct store_aff_rec rec = { AFF_OWNER, NULL, NULL };
	struct store_txn *t;
	struct store *st;
	char err[512], room[64], nick[32];
	int i;

	if (store_open(&st, dir, &create_opts, err, sizeof(err)) != STORE_OK)
		_exit(3);
	for (i = 0; i < 50; i++) {
		snprintf(room, sizeof(room), "s%d-%02d@m", round, i);
		snprintf(nick, sizeof(nick), "n%d-%d", round, i);
		rec.nick = nick;
		if (store_begin(st, &t) != STORE_OK ||
		    store_room_put(t, room, PUB) != STORE_OK ||
		    store_aff_put(t, room, "o@x", &rec) != STORE_OK ||
		    store_commit(t) != STORE_OK)
			_exit(4);
	}
	if (store_sync(st) != STORE_OK || write(fd, "s", 1) != 1)
		_exit(5);
	for (i = 0;; i++) {
		if (store_begin(st, &t) != STORE_OK)
			_exit(6);
		snprintf(room, sizeof(room), "u%d-%06d-a@m", round, i);
		if (store_room_put(t, room, PRIV) != STORE_OK)
			_exit(7);
		snprintf(room, sizeof(room), "u%d-%06d-b@m", round, i);
		if (store_room_put(t, room, PRIV) != STORE_OK ||
		    store_commit(t) != STORE_OK)
			_exit(8);
	}
}

/* Unsynced transactions may be lost, but only whole. */
static int
pair_cb(void *arg, const char *room, const char *json)
{
	struct store *st = ((void **)arg)[0];
	int *pairs = ((void **)arg)[1];
	char other[64];
	size_t len = strlen(room);

	(void)json;
	if (room[0] != 'u' || len < 5 || strcmp(room + len - 4, "-a@m") != 0)
		return 0;
	snprintf(other, sizeof(other), "%.*s-b@m", (int)(len - 4), room);
	CHECK(room_exists(st, other));
	(*pairs)++;
	return 0;
}

static void
crash_verify(struct store *st, int round)
{
	char room[64], nick[32], *owner;
	int r, i, pairs = 0;
	void *arg[2] = { st, &pairs };

	for (r = 0; r <= round; r++) {
		for (i = 0; i < 50; i++) {
			snprintf(room, sizeof(room), "s%d-%02d@m", r, i);
			snprintf(nick, sizeof(nick), "n%d-%d", r, i);
			CHECK(room_exists(st, room));
			owner = nick_of(st, room, nick);
			CHECK_STR(owner, "o@x");
			free(owner);
		}
	}
	CHECK_INT(store_room_iter(st, NULL, pair_cb, arg), STORE_OK);
}

static void
test_crash_recovery(void)
{
	const char *dir = dirpath("crash");
	struct store *st;
	int round, fds[2], status;
	char c;
	pid_t pid;

	for (round = 0; round < 4; round++) {
		CHECK(pipe(fds) == 0);
		if ((pid = fork()) == 0) {
			close(fds[0]);
			crash_child(dir, round, fds[1]);
		}
		close(fds[1]);
		CHECK(read(fds[0], &c, 1) == 1);
		close(fds[0]);
		usleep(20000 * (unsigned)round);	/* unsynced work */
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		st = open_dir(dir);
		if (st == NULL)
			return;
		crash_verify(st, round);
		store_close(st);
	}
}

static void
test_backup(void)
{
	const char *dir = dirpath("bsrc"), *copy = dirpath("bcopy");
	const char *empty = dirpath("bempty");
	struct store *st = open_dir(dir), *cp;
	struct names c = { "", 0, 0 };
	char *owner;
	struct stat sb;

	CHECK_INT(put_room(st, "r@m", PUB), STORE_OK);
	CHECK_INT(put_aff(st, "r@m", "o@x", AFF_OWNER, "Boss"), STORE_OK);
	CHECK_INT(add_hist(st, "r@m", 3), STORE_OK);
	CHECK_INT(store_backup(st, copy), STORE_OK);
	CHECK_INT(put_room(st, "after@m", PRIV), STORE_OK);	/* live */
	CHECK_INT(store_backup(st, copy), STORE_ERR);	/* not empty */
	CHECK(strstr(store_errmsg(st), "not empty") != NULL);
	CHECK(mkdir(empty, 0700) == 0);
	CHECK_INT(store_backup(st, empty), STORE_OK);
	store_close(st);

	CHECK(stat(dirpath("bcopy/mucd.lock"), &sb) != 0);
	cp = open_dir(copy);
	if (cp == NULL)
		return;
	CHECK(room_exists(cp, "r@m"));
	CHECK(!room_exists(cp, "after@m"));
	owner = nick_of(cp, "r@m", "Boss");
	CHECK_STR(owner, "o@x");
	free(owner);
	CHECK_INT(store_public_iter(cp, NULL, room_cb, &c), STORE_OK);
	CHECK_INT(store_history_iter(cp, "r@m", 9, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "r@m,3");
	store_close(cp);
	cp = open_dir(empty);
	CHECK(cp != NULL && room_exists(cp, "after@m"));
	store_close(cp);
}

/* A backup is made in DIR.partial and renamed: the leftover of an
 * interrupted one is cleared by the next, unless it holds something a
 * backup never writes; a failed backup leaves nothing behind. */
static void
test_backup_partial(void)
{
	const char *dir = dirpath("psrc"), *junk = dirpath("pjunk.partial/x.db");
	struct store *st = open_dir(dir), *cp;
	struct stat sb;
	FILE *f;

	CHECK_INT(put_room(st, "r@m", PUB), STORE_OK);
	CHECK(mkdir(dirpath("pjunk.partial"), 0700) == 0);
	CHECK((f = fopen(junk, "w")) != NULL);
	if (f != NULL)
		fclose(f);
	CHECK_INT(store_backup(st, dirpath("pjunk/")), STORE_OK);
	CHECK(stat(dirpath("pjunk.partial"), &sb) != 0 && errno == ENOENT);
	CHECK(mkdir(dirpath("pother.partial"), 0700) == 0);
	CHECK(mkdir(dirpath("pother.partial/sub"), 0700) == 0);
	CHECK_INT(store_backup(st, dirpath("pother")), STORE_ERR);
	CHECK(strstr(store_errmsg(st), "more than an interrupted backup") !=
	    NULL);
	CHECK(stat(dirpath("pother.partial/sub"), &sb) == 0);
	CHECK(stat(dirpath("pother"), &sb) != 0);
	CHECK_INT(store_backup(st, dirpath("pnone/deeper")), STORE_ERR);
	CHECK(stat(dirpath("pnone"), &sb) != 0);
	store_close(st);
	cp = open_dir(dirpath("pjunk"));
	CHECK(cp != NULL && room_exists(cp, "r@m"));
	store_close(cp);
}

static void
test_history(void)
{
	struct store *st = open_dir(dirpath("hist"));
	struct store_txn *t;
	struct names c = { "", 0, 0 };
	uint64_t s;

	for (s = 1; s <= 10; s++)
		CHECK_INT(add_hist(st, "r@m", s), STORE_OK);
	CHECK_INT(add_hist(st, "r@m.x", 1), STORE_OK);
	CHECK_INT(add_hist(st, "r@l", 99), STORE_OK);
	CHECK_INT(add_hist(st, "big@m", 1ULL << 40), STORE_OK);
	CHECK_INT(add_hist(st, "big@m", 255), STORE_OK);
	CHECK_INT(add_hist(st, "big@m", 256), STORE_OK);

	CHECK_INT(store_history_iter(st, "r@m", 3, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "8,9,10");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "r@m", 100, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "1,2,3,4,5,6,7,8,9,10");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "r@m", 0, hist_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	c.stop_at = 2;
	CHECK_INT(store_history_iter(st, "r@m", 5, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "6,7");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "big@m", 5, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "255,256,1099511627776");	/* numeric order */
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "nope@m", 5, hist_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);

	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_history_trim(t, "r@m", 5), STORE_OK);
	CHECK_INT(store_history_trim(t, "big@m", 256), STORE_OK);
	CHECK_INT(store_commit(t), STORE_OK);
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "r@m", 100, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "5,6,7,8,9,10");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "big@m", 100, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "256,1099511627776");
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_history_iter(st, "r@m.x", 100, hist_cb, &c), STORE_OK);
	CHECK_INT(store_history_iter(st, "r@l", 100, hist_cb, &c), STORE_OK);
	CHECK_STR(c.list, "1,99");
	store_close(st);
}

/* Overwrite len bytes of dir/file at off with a pattern. */
static void
smash(const char *dir, const char *file, off_t off, size_t len)
{
	char path[600], junk[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	memset(junk, 0x5a, sizeof(junk));
	CHECK((fd = open(path, O_WRONLY)) >= 0);
	CHECK(pwrite(fd, junk, len < sizeof(junk) ? len : sizeof(junk), off) >
	    0);
	close(fd);
}

static void
corrupt_expect_error(const char *dir)
{
	struct store *st = NULL;
	struct names c = { "", 0, 0 };
	char err[512] = "";
	int rc;

	rc = store_open(&st, dir, &create_opts, err, sizeof(err));
	if (rc == STORE_OK) {
		/* damage below the meta page shows when pages are read */
		rc = store_room_iter(st, NULL, room_cb, &c);
		snprintf(err, sizeof(err), "%s", store_errmsg(st));
		store_close(st);
	}
	CHECK_INT(rc, STORE_ERR);
	CHECK(strstr(err, "rooms.db") != NULL);
	fprintf(stderr, "  (expected) %s\n", err);
}

static void
test_corrupt_file(void)
{
	const char *dir = dirpath("corrupt");
	struct store *st = open_dir(dir);
	struct store_txn *t;
	char room[32];
	int i;

	CHECK_INT(store_begin(st, &t), STORE_OK);
	for (i = 0; i < 2000; i++) {
		snprintf(room, sizeof(room), "room%05d@m", i);
		CHECK_INT(store_room_put(t, room, PRIV), STORE_OK);
	}
	CHECK_INT(store_commit(t), STORE_OK);
	store_close(st);

	CHECK_INT(sh("cp -a '%s' '%s1' && cp -a '%s' '%s2' && cp -a '%s' "
	    "'%s3'", dir, dir, dir, dir, dir, dir), 0);
	smash(dirpath("corrupt1"), "rooms.db", 0, 4096);	/* meta page */
	corrupt_expect_error(dirpath("corrupt1"));
	CHECK_INT(sh("head -c 100 /dev/urandom > '%s3/rooms.db'", dir), 0);
	corrupt_expect_error(dirpath("corrupt3"));
	smash(dirpath("corrupt2"), "rooms.db", 5 * 4096 + 100, 200);
	corrupt_expect_error(dirpath("corrupt2"));
	corrupt_expect_error(dirpath("corrupt2"));	/* and after restart */

	st = open_dir(dir);	/* the original is untouched */
	CHECK(st != NULL && room_exists(st, "room01999@m"));
	store_close(st);
}

static void
test_room_count(void)
{
	struct store *st = open_dir(dirpath("count"));
	struct store_txn *t;
	char room[32];
	size_t n = 0, np = 0;
	int i;

	CHECK_INT(store_begin(st, &t), STORE_OK);
	for (i = 0; i < 3000; i++) {
		snprintf(room, sizeof(room), "room%05d@m", i);
		CHECK_INT(store_room_put(t, room, i % 3 ? PRIV : PUB),
		    STORE_OK);
	}
	CHECK_INT(store_commit(t), STORE_OK);
	CHECK_INT(store_room_count(st, &n, &np), STORE_OK);
	CHECK_INT(n, 3000);
	CHECK_INT(np, 1000);
	CHECK_INT(store_begin(st, &t), STORE_OK);
	for (i = 0; i < 30; i++) {
		snprintf(room, sizeof(room), "room%05d@m", i);
		CHECK_INT(store_room_del(t, room), STORE_OK);
	}
	CHECK_INT(store_commit(t), STORE_OK);
	store_close(st);
	st = open_dir(dirpath("count"));
	CHECK_INT(store_room_count(st, &n, NULL), STORE_OK);
	CHECK_INT(n, 2970);
	CHECK_INT(store_room_count(st, NULL, &np), STORE_OK);
	CHECK_INT(np, 990);
	store_close(st);
}

/* Allocated bytes, as du(1) counts them. */
static uint64_t
du_bytes(const char *path)
{
	char cmd[600];
	unsigned long long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "du -s -B1 '%s'", path);
	if ((p = popen(cmd, "r")) == NULL)
		return 0;
	if (fscanf(p, "%llu", &n) != 1)
		n = 0;
	pclose(p);
	return n;
}

static uint64_t
dir_bytes(const char *dir)
{
	return du_bytes(dir);
}

static uint64_t
reserve_bytes(const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/mucd.reserve", dir);
	return du_bytes(path);
}

/* What metrics read: commits counted (aborts not), and the space the
 * databases and logs take, which grows with the data and leaves out the
 * lock and the space reserve. */
static void
test_counts_and_usage(void)
{
	const char *dir = dirpath("usage");
	struct store *st = open_dir(dir);
	struct store_txn *t;
	uint64_t before, after, commits;
	char room[32], big[8192];
	int i;

	commits = store_commit_count(st);
	CHECK_INT(store_disk_usage(st, &before), STORE_OK);
	CHECK(before > 0);
	/* A room with a long description: about 8 KiB a record. */
	snprintf(big, sizeof(big), "{\"v\":1,\"created\":1,\"last_used\":2,"
	    "\"config\":{\"public\":false,\"description\":\"%0*d\"}}",
	    (int)sizeof(big) - 100, 0);
	for (i = 0; i < 200; i++) {
		snprintf(room, sizeof(room), "room%05d@m", i);
		CHECK_INT(put_room(st, room, big), STORE_OK);
	}
	CHECK_INT(store_begin(st, &t), STORE_OK);
	store_abort(t);
	CHECK_INT(store_commit_count(st) - commits, 200);
	CHECK_INT(store_sync(st), STORE_OK);
	CHECK_INT(store_disk_usage(st, &after), STORE_OK);
	CHECK(after >= before + 200 * (sizeof(big) - 100));
	/* The reserve (allocated MiBs) is not counted: the directory holds
	 * at least it more than the databases and logs. */
	CHECK(reserve_bytes(dir) > 1 << 20);
	CHECK(after + reserve_bytes(dir) <= dir_bytes(dir));
	store_close(st);
}

static void
test_checkpoint_and_sync(void)
{
	const char *dir = dirpath("ckp");
	struct store *st = open_dir(dir);
	char room[32];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(room, sizeof(room), "room%05d@m", i);
		CHECK_INT(put_room(st, room, PUB), STORE_OK);
		if (i % 50 == 0)
			CHECK_INT(store_sync(st), STORE_OK);
	}
	CHECK_INT(store_checkpoint(st), STORE_OK);
	CHECK_INT(store_sync(st), STORE_OK);
	store_close(st);
	/* only the current log file is kept */
	CHECK_INT(sh("test $(ls '%s' | grep -c '^log\\.') -eq 1", dir), 0);
}

/* Fill until the disk is full; return how many rooms were synced. */
static int
fill_until_full(struct store *st, const char *json)
{
	struct store_txn *t;
	char room[32];
	int i, rc = STORE_OK;

	for (i = 0; i < 100000 && rc == STORE_OK; i++) {
		snprintf(room, sizeof(room), "room%06d@m", i);
		if ((rc = store_begin(st, &t)) != STORE_OK)
			break;
		if ((rc = store_room_put(t, room, json)) != STORE_OK) {
			store_abort(t);
			break;
		}
		if ((rc = store_commit(t)) == STORE_OK)
			rc = store_sync(st);
	}
	fprintf(stderr, "  (expected) %s\n", store_errmsg(st));
	CHECK_INT(rc, STORE_FULL);
	CHECK(strstr(store_errmsg(st), "No space left on device") != NULL);
	return rc == STORE_OK ? i : i - 1;
}

static void
full_verify(const char *dir, int synced)
{
	struct store *st = open_dir(dir);
	char room[32];
	int i, missing = 0;

	for (i = 0; st != NULL && i < synced; i++) {
		snprintf(room, sizeof(room), "room%06d@m", i);
		missing += !room_exists(st, room);
	}
	CHECK_INT(missing, 0);
	store_close(st);
}

/*
 * A close that cannot flush (disk full) must not lose synced changes: the
 * next open has to run recovery even though no process crashed. With the
 * disk still full, recovery gets the room it needs from the reserve the
 * store keeps (mucd.reserve); without it, the open fails cleanly, says
 * how much space recovery needs and that nothing is damaged, and loses
 * nothing. Needs a small filesystem of its own, so root; skipped
 * otherwise.
 */
static void
test_disk_full(void)
{
	const char *mnt = dirpath("full"), *dir = dirpath("full/db");
	const char *kept = dirpath("full/db/mucd.reserve");
	const struct store_opts small = { 1u << 20, true, NULL, NULL };
	struct store *st = NULL;
	char json[20100], err[1024], other[600], hog[600];
	struct stat sb;
	int synced;

	CHECK(mkdir(mnt, 0700) == 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=12m") != 0) {
		printf("  skipped: cannot mount a tmpfs (%s)\n", strerror(errno));
		return;
	}
	snprintf(other, sizeof(other), "%s/other", mnt);
	snprintf(hog, sizeof(hog), "%s/hog", mnt);
	CHECK_INT(sh("head -c 5000000 /dev/zero > '%s'", other), 0);
	snprintf(json, sizeof(json), "{\"config\":{\"public\":true},"
	    "\"pad\":\"%0*d\"}", 20000, 0);
	CHECK_INT(store_open(&st, dir, &small, err, sizeof(err)), STORE_OK);
	CHECK(stat(kept, &sb) == 0 && sb.st_size > 0);
	synced = st != NULL ? fill_until_full(st, json) : 0;
	CHECK(synced > 10);
	store_close(st);
	/* still full, and the reserve taken by someone else: the open fails
	 * cleanly, saying why and how much recovery needs */
	CHECK(unlink(kept) == 0);
	(void)sh("head -c 100000000 /dev/zero > '%s' 2>/dev/null", hog);
	st = NULL;
	CHECK_INT(store_open(&st, dir, &small, err, sizeof(err)), STORE_FULL);
	CHECK(st == NULL);
	fprintf(stderr, "  (expected) %s\n", err);
	CHECK(strstr(err, "is full") != NULL);
	CHECK(strstr(err, "nothing is damaged") != NULL);
	CHECK(strstr(err, "KiB free") != NULL);
	CHECK(strstr(err, "restore a backup") == NULL);
	/* the same space as a reserve again: recovery uses it */
	CHECK(unlink(hog) == 0);
	CHECK_INT(sh("head -c 3145728 /dev/zero > '%s' 2>/dev/null", kept), 0);
	CHECK_INT(store_open(&st, dir, &small, err, sizeof(err)), STORE_OK);
	store_close(st);
	CHECK(unlink(other) == 0);	/* the operator frees space */
	full_verify(dir, synced);
	full_verify(dir, synced);	/* and again after a clean close */
	CHECK(stat(kept, &sb) == 0 && sb.st_size > 0);	/* back */
	CHECK(umount2(mnt, MNT_DETACH) == 0);
}

/* ---- numbers for the report: MUCD_STORE_BENCH=1 ---- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
bench_puts(const char *dir, bool sync_each)
{
	struct store *st = open_dir(dir);
	char room[32];
	double t0;
	int i;

	t0 = now();
	for (i = 0; i < 10000; i++) {
		snprintf(room, sizeof(room), "room%06d@m", i);
		CHECK_INT(put_room(st, room, PUB), STORE_OK);
		if (sync_each)
			CHECK_INT(store_sync(st), STORE_OK);
	}
	CHECK_INT(store_sync(st), STORE_OK);
	t0 = now() - t0;
	store_close(st);
	return t0;
}

static double
bench_open(const char *dir)
{
	struct store *st;
	double t0 = now();

	st = open_dir(dir);
	t0 = now() - t0;
	store_close(st);
	return t0;
}

static void
bench_fill(const char *dir, int n)
{
	struct store *st = open_dir(dir);
	struct store_txn *t = NULL;
	char room[32];
	int i;

	for (i = 0; i < n; i++) {
		if (i % 1000 == 0 && store_begin(st, &t) != STORE_OK)
			break;
		snprintf(room, sizeof(room), "room%07d@m", i);
		CHECK_INT(store_room_put(t, room, i % 4 ? PRIV : PUB),
		    STORE_OK);
		if (i % 1000 == 999)
			CHECK_INT(store_commit(t), STORE_OK);
	}
	CHECK_INT(store_sync(st), STORE_OK);
	store_close(st);
}

static void
bench(void)
{
	const char *big = dirpath("bench-big");
	size_t n = 0;
	struct store *st;
	double t;

	if (getenv("MUCD_STORE_BENCH") == NULL)
		return;
	printf("  10000 room puts, one txn each, one store_sync: %.3f s\n",
	    bench_puts(dirpath("bench-group"), false));
	printf("  10000 room puts, one txn each, store_sync each: %.3f s\n",
	    bench_puts(dirpath("bench-each"), true));
	bench_open(big);
	printf("  store_open, 0 rooms: %.2f ms\n", bench_open(big) * 1e3);
	t = now();
	bench_fill(big, 100000);
	printf("  fill 100000 rooms (1000 per txn): %.2f s\n", now() - t);
	printf("  store_open, 100000 rooms: %.2f ms\n", bench_open(big) * 1e3);
	st = open_dir(big);
	t = now();
	CHECK_INT(store_room_count(st, &n, NULL), STORE_OK);
	printf("  store_room_count = %zu in %.3f ms\n", n, (now() - t) * 1e3);
	CHECK_INT(n, 100000);
	store_close(st);
}


/* ---- the archive ---- */

/* Append to room's archive: seq, sid "s<seq>", nick, stanza text. */
static int
add_arch(struct store *st, const char *room, uint64_t seq, const char *nick)
{
	struct store_arch_room ar;
	struct store_arch_rec rec;
	struct store_txn *t;
	char sid[32], xml[128];
	int rc;

	snprintf(sid, sizeof(sid), "s%llu", (unsigned long long)seq);
	snprintf(xml, sizeof(xml), "<message xmlns='jabber:client'><body>%llu"
	    "</body></message>", (unsigned long long)seq);
	rec.seq = seq;
	rec.flags = 0;
	rec.sid = sid;
	rec.nick = nick;
	rec.jid = nick[0] ? "user@example.org" : "";
	rec.xml = xml;
	rec.xmllen = strlen(xml);
	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = store_arch_room_open(t, room, &ar)) != STORE_OK ||
	    (rc = store_arch_add(t, room, &ar, &rec)) != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

/* The sids of a walk, comma-separated. */
static void
page(struct store *st, uint32_t aid, uint64_t lo, uint64_t hi,
    const char *nick, bool backward, size_t max, char *out, size_t outlen,
    bool *more)
{
	struct store_arch_query q = { aid, lo, hi, nick, backward, max };
	struct store_arch_item items[64];
	size_t n = 0, i, used = 0;

	out[0] = '\0';
	CHECK_INT(store_arch_page(st, &q, items, &n, more), STORE_OK);
	for (i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    i ? "," : "", items[i].rec.sid);
		store_arch_item_free(&items[i]);
	}
}

static void
test_archive(void)
{
	struct store *st = open_dir(dirpath("arch"));
	struct store_arch_room ar, ar2;
	struct store_arch_item it;
	struct store_txn *t;
	char list[512];
	bool more;
	uint64_t s;

	CHECK_INT(store_arch_room_get(st, "r@m", &ar), STORE_NOTFOUND);
	for (s = 1; s <= 10; s++)
		CHECK_INT(add_arch(st, "r@m", s, s % 2 ? "odd" : "even"),
		    STORE_OK);
	CHECK_INT(add_arch(st, "other@m", 5, "odd"), STORE_OK);
	CHECK_INT(store_arch_room_get(st, "r@m", &ar), STORE_OK);
	CHECK_INT(store_arch_room_get(st, "other@m", &ar2), STORE_OK);
	CHECK(ar.aid != 0 && ar2.aid != 0 && ar.aid != ar2.aid);
	CHECK_INT(ar.count, 10);
	CHECK_INT(ar.last, 10);
	CHECK(ar.bytes > 10 * 40);

	/* Forwards, backwards, bounded, by nick. */
	page(st, ar.aid, 0, UINT64_MAX, NULL, false, 3, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s1,s2,s3");
	CHECK(more);
	page(st, ar.aid, 0, UINT64_MAX, NULL, true, 3, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s10,s9,s8");
	page(st, ar.aid, 4, 6, NULL, false, 10, list, sizeof(list), &more);
	CHECK_STR(list, "s4,s5,s6");
	CHECK(!more);
	page(st, ar.aid, 4, 6, NULL, true, 10, list, sizeof(list), &more);
	CHECK_STR(list, "s6,s5,s4");
	page(st, ar.aid, 0, UINT64_MAX, "even", false, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s2,s4,s6,s8,s10");
	page(st, ar.aid, 3, 8, "odd", true, 10, list, sizeof(list), &more);
	CHECK_STR(list, "s7,s5,s3");
	page(st, ar.aid, 0, 100, "odd", true, 2, list, sizeof(list), &more);
	CHECK_STR(list, "s9,s7");
	CHECK(more);
	page(st, ar.aid, 0, UINT64_MAX, "nobody", false, 10, list,
	    sizeof(list), &more);
	CHECK_STR(list, "");
	/* The other room's records never leak into this one's walks. */
	page(st, ar2.aid, 0, UINT64_MAX, NULL, true, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s5");

	/* By stanza-id; per room. */
	CHECK_INT(store_arch_get(st, ar.aid, "s7", &it), STORE_OK);
	CHECK_INT(it.rec.seq, 7);
	CHECK_STR(it.rec.nick, "odd");
	CHECK_STR(it.rec.jid, "user@example.org");
	CHECK(strstr(it.rec.xml, "<body>7</body>") != NULL);
	store_arch_item_free(&it);
	CHECK_INT(store_arch_get(st, ar2.aid, "s7", &it), STORE_NOTFOUND);
	CHECK_INT(store_arch_get(st, ar.aid, "", &it), STORE_NOTFOUND);

	/* A taken stanza-id is a conflict, and changes nothing. */
	CHECK_INT(store_begin(st, &t), STORE_OK);
	{
		struct store_arch_rec dup = { 11, 0, "s3", "x", "", "<m/>", 4 };

		CHECK_INT(store_arch_add(t, "r@m", &ar, &dup), STORE_CONFLICT);
		CHECK_INT(ar.count, 10);
		/* A sequence not after the last is refused. */
		dup.sid = "s99";
		dup.seq = 10;
		CHECK(store_arch_add(t, "r@m", &ar, &dup) < 0);
	}
	store_abort(t);

	/* A tombstone: same place, same id, new content. */
	CHECK_INT(store_arch_get(st, ar.aid, "s4", &it), STORE_OK);
	{
		struct store_arch_rec ts = it.rec;

		ts.flags = STORE_ARCH_TOMBSTONE;
		ts.xml = "<message xmlns='jabber:client'/>";
		ts.xmllen = strlen(ts.xml);
		CHECK_INT(store_begin(st, &t), STORE_OK);
		CHECK_INT(store_arch_replace(t, "r@m", &ar, &ts,
		    store_arch_rec_size(&it.rec)), STORE_OK);
		CHECK_INT(store_commit(t), STORE_OK);
	}
	store_arch_item_free(&it);
	CHECK_INT(store_arch_get(st, ar.aid, "s4", &it), STORE_OK);
	CHECK_INT(it.rec.flags, STORE_ARCH_TOMBSTONE);
	CHECK(strstr(it.rec.xml, "<body>") == NULL);
	store_arch_item_free(&it);
	page(st, ar.aid, 0, UINT64_MAX, "even", false, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s2,s4,s6,s8,s10");

	/* Trim: the oldest below a seq, at most max at a time. */
	{
		size_t n;

		CHECK_INT(store_begin(st, &t), STORE_OK);
		CHECK_INT(store_arch_trim(t, "r@m", &ar, 6, 2, &n), STORE_OK);
		CHECK_INT(n, 2);
		CHECK_INT(store_arch_trim(t, "r@m", &ar, 6, 100, &n),
		    STORE_OK);
		CHECK_INT(n, 3);
		CHECK_INT(store_arch_trim(t, "r@m", &ar, 6, 100, &n),
		    STORE_OK);
		CHECK_INT(n, 0);
		CHECK_INT(store_commit(t), STORE_OK);
	}
	CHECK_INT(ar.count, 5);
	CHECK_INT(store_arch_room_get(st, "r@m", &ar), STORE_OK);
	CHECK_INT(ar.count, 5);
	page(st, ar.aid, 0, UINT64_MAX, NULL, false, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s6,s7,s8,s9,s10");
	/* The indexes followed the deletions. */
	CHECK_INT(store_arch_get(st, ar.aid, "s5", &it), STORE_NOTFOUND);
	page(st, ar.aid, 0, UINT64_MAX, "odd", false, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "s7,s9");

	/* Drop: the entry goes at once, the records batch by batch. */
	{
		size_t n, total = 0;

		CHECK_INT(store_begin(st, &t), STORE_OK);
		CHECK_INT(store_arch_drop(t, "r@m"), STORE_OK);
		CHECK_INT(store_arch_drop(t, "r@m"), STORE_NOTFOUND);
		CHECK_INT(store_commit(t), STORE_OK);
		CHECK_INT(store_arch_room_get(st, "r@m", &ar2),
		    STORE_NOTFOUND);
		do {
			CHECK_INT(store_begin(st, &t), STORE_OK);
			CHECK_INT(store_arch_reap(t, 2, &n), STORE_OK);
			CHECK_INT(store_commit(t), STORE_OK);
			total += n;
		} while (n > 0);
		CHECK_INT(total, 5);
	}
	page(st, ar.aid, 0, UINT64_MAX, NULL, false, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "");
	/* A new archive under the same JID gets a new id. */
	CHECK_INT(add_arch(st, "r@m", 1, "n"), STORE_OK);
	CHECK_INT(store_arch_room_get(st, "r@m", &ar2), STORE_OK);
	CHECK(ar2.aid != ar.aid);
	CHECK_INT(ar2.count, 1);
	store_close(st);

	/* All of it survives a reopen. */
	st = open_dir(dirpath("arch"));
	CHECK_INT(store_arch_room_get(st, "other@m", &ar), STORE_OK);
	CHECK_INT(ar.count, 1);
	CHECK_INT(store_arch_get(st, ar.aid, "s5", &it), STORE_OK);
	store_arch_item_free(&it);
	store_close(st);
}

/* A database made before the archive existed opens and gains it. */
static void
test_archive_added_to_old_database(void)
{
	const char *dir = dirpath("arch-old");
	struct store *st = open_dir(dir);
	char path[600];

	CHECK_INT(put_room(st, "a@m", PRIV), STORE_OK);
	store_close(st);
	snprintf(path, sizeof(path), "%s/archive.db", dir);
	/* As left by a mucd without the archive: no archive files. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/arch_ids.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/arch_nicks.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/arch_rooms.db", dir);
	unlink(path);
	st = open_dir(dir);
	CHECK_INT(add_arch(st, "a@m", 1, "n"), STORE_OK);
	store_close(st);
}

/* ---- avatars, hats, tombstones, the ban list ---- */

static int
hat_cb(void *arg, const char *bare, const char *uri, const char *title)
{
	struct names *c = arg;
	size_t len = strlen(c->list);

	snprintf(c->list + len, sizeof(c->list) - len, "%s%s %s=%s",
	    len ? "," : "", bare, uri, title);
	c->n++;
	return c->n == c->stop_at;
}

static int
json_cb(void *arg, const char *key, const char *json)
{
	struct names *c = arg;
	size_t len = strlen(c->list);

	snprintf(c->list + len, sizeof(c->list) - len, "%s%s=%s",
	    len ? "," : "", key, json);
	c->n++;
	return c->n == c->stop_at;
}

static int
in_txn(struct store *st, int (*fn)(struct store_txn *, const void *),
    const void *arg)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = fn(t, arg)) < 0) {
		store_abort(t);
		return rc;
	}
	if (store_commit(t) != STORE_OK)
		return STORE_ERR;
	return rc;
}

static int
put_avatar(struct store_txn *t, const void *arg)
{
	return store_avatar_put(t, "r@m", arg);
}

static int
del_avatar(struct store_txn *t, const void *arg)
{
	return store_avatar_del(t, arg);
}

static int
del_room(struct store_txn *t, const void *arg)
{
	return store_room_del(t, arg);
}

static int
put_hats(struct store_txn *t, const void *arg)
{
	int rc;

	(void)arg;
	if ((rc = store_hat_put(t, "r@m", "b@x", "urn:t", "Teacher")) ==
	    STORE_OK &&
	    (rc = store_hat_put(t, "r@m", "a@x", "urn:t", "T")) == STORE_OK &&
	    (rc = store_hat_put(t, "r@m", "a@x", "urn:s", "Speaker")) ==
	    STORE_OK &&
	    (rc = store_hat_put(t, "r@m", "a@x", "urn:t", "Teacher")) ==
	    STORE_OK)
		rc = store_hat_put(t, "r@m.x", "a@x", "urn:t", "Other");
	return rc;
}

static int
del_hat(struct store_txn *t, const void *arg)
{
	return store_hat_del(t, "r@m", "a@x", arg);
}

static void
test_avatars(void)
{
	struct store *st = open_dir(dirpath("avatars"));
	struct store_avatar a = { "image/png", (unsigned char *)"\x89PNG\0x",
	    6 }, got, bad = { "", (unsigned char *)"x", 1 };

	CHECK_INT(store_avatar_get(st, "r@m", &got), STORE_NOTFOUND);
	CHECK_INT(in_txn(st, put_avatar, &a), STORE_OK);
	CHECK_INT(in_txn(st, put_avatar, &bad), STORE_ERR);
	CHECK_INT(store_avatar_get(st, "r@m", &got), STORE_OK);
	CHECK_STR(got.type, "image/png");
	CHECK_INT(got.len, 6);
	CHECK(got.data != NULL && memcmp(got.data, a.data, 6) == 0);
	store_avatar_free(&got);
	CHECK_INT(in_txn(st, del_avatar, "r@m"), STORE_OK);
	CHECK_INT(in_txn(st, del_avatar, "r@m"), STORE_NOTFOUND);
	CHECK_INT(store_avatar_get(st, "r@m", &got), STORE_NOTFOUND);

	/* It goes with its room. */
	CHECK_INT(put_room(st, "r@m", PRIV), STORE_OK);
	CHECK_INT(in_txn(st, put_avatar, &a), STORE_OK);
	CHECK_INT(in_txn(st, del_room, "r@m"), STORE_OK);
	CHECK_INT(store_avatar_get(st, "r@m", &got), STORE_NOTFOUND);
	store_close(st);
}

static void
test_hats(void)
{
	struct store *st = open_dir(dirpath("hats"));
	struct names c = { "", 0, 0 };

	CHECK_INT(store_hat_iter(st, "r@m", hat_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK_INT(in_txn(st, put_hats, NULL), STORE_OK);
	/* Ordered by JID then URI; a second put replaces the title; the
	 * room "r@m.x" that shares a prefix is not mixed in. */
	CHECK_INT(store_hat_iter(st, "r@m", hat_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@x urn:s=Speaker,a@x urn:t=Teacher,"
	    "b@x urn:t=Teacher");
	c.n = 0, c.list[0] = '\0', c.stop_at = 1;
	CHECK_INT(store_hat_iter(st, "r@m", hat_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@x urn:s=Speaker");
	CHECK_INT(in_txn(st, del_hat, "urn:s"), STORE_OK);
	CHECK_INT(in_txn(st, del_hat, "urn:s"), STORE_NOTFOUND);
	c.n = 0, c.list[0] = '\0', c.stop_at = 0;
	CHECK_INT(store_hat_iter(st, "r@m", hat_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@x urn:t=Teacher,b@x urn:t=Teacher");

	/* They go with their room, and only its. */
	CHECK_INT(put_room(st, "r@m", PRIV), STORE_OK);
	CHECK_INT(in_txn(st, del_room, "r@m"), STORE_OK);
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_hat_iter(st, "r@m", hat_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	CHECK_INT(store_hat_iter(st, "r@m.x", hat_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@x urn:t=Other");
	store_close(st);
}

static int
put_tombs(struct store_txn *t, const void *arg)
{
	int rc;

	(void)arg;
	if ((rc = store_tomb_put(t, "b@m", "{\"v\":1}")) == STORE_OK &&
	    (rc = store_tomb_put(t, "a@m", "{\"v\":2}")) == STORE_OK)
		rc = store_block_put(t, "spam.example", "{\"v\":1}");
	return rc;
}

static int
bad_tomb(struct store_txn *t, const void *arg)
{
	return store_tomb_put(t, "c@m", arg);
}

static int
del_tomb(struct store_txn *t, const void *arg)
{
	return store_tomb_del(t, arg);
}

static int
del_block(struct store_txn *t, const void *arg)
{
	return store_block_del(t, arg);
}

static void
test_tombstones_and_blocklist(void)
{
	struct store *st = open_dir(dirpath("tombs"));
	struct names c = { "", 0, 0 };
	char *json = NULL;

	CHECK_INT(store_tomb_get(st, "a@m", &json), STORE_NOTFOUND);
	CHECK_INT(in_txn(st, put_tombs, NULL), STORE_OK);
	CHECK_INT(in_txn(st, bad_tomb, "[1]"), STORE_ERR);
	CHECK(strstr(store_errmsg(st), "tombstones.db") != NULL);
	CHECK_INT(in_txn(st, bad_tomb, "{"), STORE_ERR);
	CHECK_INT(store_tomb_get(st, "a@m", &json), STORE_OK);
	CHECK_STR(json, "{\"v\":2}");
	free(json);
	CHECK_INT(store_tomb_iter(st, NULL, json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "a@m={\"v\":2},b@m={\"v\":1}");
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_tomb_iter(st, "a@m", json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "b@m={\"v\":1}");
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_block_iter(st, NULL, json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "spam.example={\"v\":1}");

	/* A room's deletion leaves its tombstone: that is the point. */
	CHECK_INT(put_room(st, "a@m", PRIV), STORE_OK);
	CHECK_INT(in_txn(st, del_room, "a@m"), STORE_OK);
	CHECK_INT(in_txn(st, del_tomb, "a@m"), STORE_OK);
	CHECK_INT(in_txn(st, del_tomb, "a@m"), STORE_NOTFOUND);
	CHECK_INT(in_txn(st, del_block, "spam.example"), STORE_OK);
	store_close(st);

	/* Durable. */
	st = open_dir(dirpath("tombs"));
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_tomb_iter(st, NULL, json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "b@m={\"v\":1}");
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_block_iter(st, NULL, json_cb, &c), STORE_OK);
	CHECK_INT(c.n, 0);
	store_close(st);
}

static int
put_live(struct store_txn *t, const void *arg)
{
	int rc;

	(void)arg;
	if ((rc = store_live_put(t, "r@m/Al", "{\"v\":1}")) != STORE_OK ||
	    (rc = store_live_put(t, "r@m", "{\"v\":2}")) != STORE_OK)
		return rc;
	return store_live_put(t, "r@m/Bo", "{\"v\":3}");
}

static int
del_live(struct store_txn *t, const void *arg)
{
	return store_live_del(t, arg);
}

static int
bad_live(struct store_txn *t, const void *arg)
{
	return store_live_put(t, "r@m/Cy", arg);
}

/* Who is in the rooms (live.db): a room's key sorts before its
 * occupants', a record that is no JSON object is refused, a deletion of
 * what is not there says so. */
static void
test_live_records(void)
{
	struct store *st = open_dir(dirpath("live"));
	struct names c = { "", 0, 0 };

	CHECK_INT(in_txn(st, put_live, NULL), STORE_OK);
	CHECK_INT(in_txn(st, bad_live, "[1]"), STORE_ERR);
	CHECK(strstr(store_errmsg(st), "live.db") != NULL);
	CHECK_INT(store_live_iter(st, json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "r@m={\"v\":2},r@m/Al={\"v\":1},r@m/Bo={\"v\":3}");
	CHECK_INT(in_txn(st, del_live, "r@m/Al"), STORE_OK);
	CHECK_INT(in_txn(st, del_live, "r@m/Al"), STORE_NOTFOUND);
	store_close(st);
	st = open_dir(dirpath("live"));
	c.n = 0, c.list[0] = '\0';
	CHECK_INT(store_live_iter(st, json_cb, &c), STORE_OK);
	CHECK_STR(c.list, "r@m={\"v\":2},r@m/Bo={\"v\":3}");
	store_close(st);
}

/* A database made before these tables existed opens and gains them. */
static void
test_tables_added_to_old_database(void)
{
	static const char *const files[] = { "avatars.db", "hats.db",
		"tombstones.db", "blocklist.db", "live.db", NULL };
	const char *dir = dirpath("late-old");
	struct store *st = open_dir(dir);
	struct names c = { "", 0, 0 };
	char path[600];
	int i;

	CHECK_INT(put_room(st, "r@m", PRIV), STORE_OK);
	store_close(st);
	for (i = 0; files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		CHECK_INT(unlink(path), 0);
	}
	st = open_dir(dir);
	CHECK_INT(in_txn(st, put_hats, NULL), STORE_OK);
	CHECK_INT(in_txn(st, put_tombs, NULL), STORE_OK);
	CHECK_INT(store_hat_iter(st, "r@m.x", hat_cb, &c), STORE_OK);
	CHECK_INT(c.n, 1);
	store_close(st);
}

/* A room's own messages have no nick (no index entry): dropping and
 * reaping an archive that holds them deletes through the cursor all the
 * same. */
static void
test_archive_reap_roomless_nick(void)
{
	struct store *st = open_dir(dirpath("arch-reap"));
	struct store_arch_room ar;
	struct store_txn *t;
	size_t n, total = 0;
	uint64_t s;

	for (s = 1; s <= 20; s++)
		CHECK_INT(add_arch(st, "r@m", s, s % 3 ? "" : "nick"),
		    STORE_OK);
	CHECK_INT(add_arch(st, "keep@m", 1, ""), STORE_OK);
	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_arch_drop(t, "r@m"), STORE_OK);
	CHECK_INT(store_commit(t), STORE_OK);
	do {
		CHECK_INT(store_begin(st, &t), STORE_OK);
		CHECK_INT(store_arch_reap(t, 7, &n), STORE_OK);
		CHECK_INT(store_commit(t), STORE_OK);
		total += n;
	} while (n > 0 && total < 100);
	CHECK_INT(total, 20);
	CHECK_INT(store_arch_room_get(st, "keep@m", &ar), STORE_OK);
	CHECK_INT(ar.count, 1);
	store_close(st);
}

/* ---- the audit trail ---- */

static int
add_audit(struct store *st, uint64_t seq, const char *room, const char *actor,
    const char *action)
{
	struct store_audit_rec r = { 0 };
	struct store_txn *t;
	int rc;

	r.seq = seq;
	r.room = (char *)room;
	r.actor = (char *)actor;
	r.path = "control";
	r.action = (char *)action;
	r.old = "a\nb";
	r.new = NULL;
	if ((rc = store_begin(st, &t)) != STORE_OK)
		return rc;
	if ((rc = store_audit_put(t, &r)) != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

/* The seqs a query returns, as "s,s,s", and *more. */
static void
audit_list(struct store *st, const char *room, const char *actor, uint64_t lo,
    uint64_t hi, size_t max, char *out, size_t outlen, bool *more)
{
	struct store_audit_query q = { room, actor, lo, hi, max, 0 };
	struct store_audit_rec recs[32];
	size_t n = 0, i, used = 0;
	uint64_t seen;

	out[0] = '\0';
	CHECK_INT(store_audit_page(st, &q, recs, &n, more, &seen), STORE_OK);
	for (i = 0; i < n; i++) {
		used += (size_t)snprintf(out + used, outlen - used, "%s%llu",
		    i ? "," : "", (unsigned long long)recs[i].seq);
		store_audit_rec_free(&recs[i]);
	}
}

static void
test_audit(void)
{
	struct store *st = open_dir(dirpath("audit"));
	struct store_audit_query q = { "b@m", NULL, 0, UINT64_MAX, 1, 0 };
	struct store_audit_rec rec;
	struct store_txn *t;
	char list[256];
	uint64_t seen;
	bool more;
	size_t n;

	audit_list(st, NULL, NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "");
	CHECK_INT(add_audit(st, 10, "a@m", "alice@x/phone", "kick"), STORE_OK);
	CHECK_INT(add_audit(st, 20, "b@m", "unix:root", "config"), STORE_OK);
	CHECK_INT(add_audit(st, 30, "a@m", "alice@x", "ban"), STORE_OK);
	CHECK_INT(add_audit(st, 40, "c@m", "alicex@x", "destroy"), STORE_OK);
	CHECK_INT(add_audit(st, 50, "a@m", "unix:root", "role"), STORE_OK);
	/* The same seq twice is a bug upstream, refused. */
	CHECK(add_audit(st, 50, "a@m", "unix:root", "role") != STORE_OK);

	/* Newest first; bounded by seq and count. */
	audit_list(st, NULL, NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "50,40,30,20,10");
	CHECK(!more);
	audit_list(st, NULL, NULL, 0, UINT64_MAX, 2, list, sizeof(list),
	    &more);
	CHECK_STR(list, "50,40");
	CHECK(more);
	audit_list(st, NULL, NULL, 15, 45, 10, list, sizeof(list), &more);
	CHECK_STR(list, "40,30,20");
	/* One room: its range of the index, also when it is the last. */
	audit_list(st, "a@m", NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "50,30,10");
	audit_list(st, "a@m", NULL, 0, 49, 10, list, sizeof(list), &more);
	CHECK_STR(list, "30,10");
	audit_list(st, "c@m", NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "40");
	audit_list(st, "0@m", NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "");
	audit_list(st, "z@m", NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "");
	/* An actor: the JID and its resources, not a longer JID. */
	audit_list(st, NULL, "alice@x", 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "30,10");
	audit_list(st, "a@m", "unix:root", 0, UINT64_MAX, 10, list,
	    sizeof(list), &more);
	CHECK_STR(list, "50");

	/* Every field comes back as written, "" for none. */
	CHECK_INT(store_audit_page(st, &q, &rec, &n, &more, &seen), STORE_OK);
	CHECK_INT(seen, 20);
	CHECK_INT(n, 1);
	CHECK_STR(rec.room, "b@m");
	CHECK_STR(rec.actor, "unix:root");
	CHECK_STR(rec.path, "control");
	CHECK_STR(rec.action, "config");
	CHECK_STR(rec.target, "");
	CHECK_STR(rec.old, "a\nb");
	CHECK_STR(rec.new, "");
	store_audit_rec_free(&rec);

	/* Retention: the oldest go first, the index follows; an event of
	 * no room (indexed under "") too. */
	CHECK_INT(add_audit(st, 5, "", "unix:root", "reload"), STORE_OK);
	CHECK_INT(store_begin(st, &t), STORE_OK);
	CHECK_INT(store_audit_trim(t, 35, 1, &n), STORE_OK);
	CHECK_INT(n, 1);
	CHECK_INT(store_audit_trim(t, 35, 100, &n), STORE_OK);
	CHECK_INT(n, 3);
	CHECK_INT(store_commit(t), STORE_OK);
	audit_list(st, NULL, NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "50,40");
	audit_list(st, "a@m", NULL, 0, UINT64_MAX, 10, list, sizeof(list),
	    &more);
	CHECK_STR(list, "50");
	store_close(st);
}

const struct unit_test unit_tests[] = {
	TEST(test_open_create_reopen),
	TEST(test_room_put_get_del),
	TEST(test_aff_put_get_replace_delete),
	TEST(test_aff_names),
	TEST(test_nick_unique),
	TEST(test_user_index),
	TEST(test_public_index),
	TEST(test_room_iter),
	TEST(test_txn_abort_and_reads),
	TEST(test_schema_version),
	TEST(test_lock),
	TEST(test_lock_ahead),
	TEST(test_crash_recovery),
	TEST(test_backup),
	TEST(test_backup_partial),
	TEST(test_history),
	TEST(test_archive),
	TEST(test_archive_added_to_old_database),
	TEST(test_avatars),
	TEST(test_hats),
	TEST(test_tombstones_and_blocklist),
	TEST(test_tables_added_to_old_database),
	TEST(test_live_records),
	TEST(test_archive_reap_roomless_nick),
	TEST(test_audit),
	TEST(test_corrupt_file),
	TEST(test_room_count),
	TEST(test_counts_and_usage),
	TEST(test_checkpoint_and_sync),
	TEST(test_disk_full),
	TEST(bench),
	{ NULL, NULL }
};
