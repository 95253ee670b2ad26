#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "ctlcmd.h"
#include "lifecycle.h"
#include "jid.h"
#include "log.h"
#include "ratelimit.h"
#include "reload.h"
#include "room.h"
#include "roomcfg.h"
#include "store.h"

struct mucd fz_m;
const char *fz_dir;
static char dirbuf[256];

void
fz_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

/*
 * Berkeley DB keeps pointers to some of its heap blocks only inside its
 * mmap'd region files, which LeakSanitizer does not scan: not our leaks.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libdb-*.so\nleak:__os_malloc\n";
}

static void
cleanup(void)
{
	if (fz_m.store != NULL) {
		store_close(fz_m.store);
		fz_m.store = NULL;
	}
	if (fz_dir != NULL)
		nftw(fz_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Scratch directories of fuzzers that crashed (no atexit then). */
static void
sweep(const char *base)
{
	struct dirent *de;
	char path[512];
	DIR *d;
	long pid;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (sscanf(de->d_name, "mucd-fuzz.%ld.", &pid) == 1 &&
		    pid > 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH) {
			snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
			nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
	closedir(d);
}

void
fz_init(const struct fz_opts *o)
{
	struct store_opts so = { .create = true };
	struct ctl_setup cs = { ctlcmd_dispatch, &fz_m, -1, -1, -1 };
	char path[512], data[512], err[1024];
	enum log_level lvl = LOG_LVL_ERROR;
	const char *env, *base;
	sigset_t set;
	FILE *f;

	unsetenv("NOTIFY_SOCKET");
	if ((env = getenv("FUZZ_LOG")) != NULL)
		log_level_parse(env, &lvl);
	log_init("mucd-fuzz", true, lvl);
	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	sweep(base);
	snprintf(dirbuf, sizeof(dirbuf), "%s/mucd-fuzz.%ld.XXXXXX", base,
	    (long)getpid());
	if (mkdtemp(dirbuf) == NULL)
		fz_die("mkdtemp %s: %s", dirbuf, strerror(errno));
	fz_dir = dirbuf;
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/mucd.conf", fz_dir);
	snprintf(data, sizeof(data), "%s/data", fz_dir);
	/* Private, with a real-looking secret: a service's file must be. */
	if ((f = fopen(path, "w")) == NULL || fchmod(fileno(f), 0600) == -1)
		fz_die("%s: %s", path, strerror(errno));
	fprintf(f, "domain = " FZ_DOMAIN "\nsecret = fuzz-harness-secret\n"
	    "datadir = %s\ncontrol = %s/mucd.sock\npidfile = %s/mucd.pid\n"
	    "backup_dir = %s\n"
	    "admins = admin@localhost\nlog_level = error\n"
	    "db_cache_size = 1M\ncontrol_max_line = 1K\n%s\n",
	    data, fz_dir, fz_dir, fz_dir, o->conf_extra ? o->conf_extra : "");
	fclose(f);
	if (mucd_load_conf(&fz_m.conf, path, true, err, sizeof(err)) == -1)
		fz_die("config: %s", err);
	fz_m.conf_path = strdup(path);
	fz_m.foreground = true;
	if (lifecycle_init(&fz_m) == -1)
		fz_die("lifecycle_init: %s", strerror(errno));
	/* lifecycle_init blocks these for its signalfd; libFuzzer wants
	 * them. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (mkdir(data, 0700) == -1)
		fz_die("%s: %s", data, strerror(errno));
	so.cache_size = fz_m.conf.db_cache_size;
	if (store_open(&fz_m.store, data, &so, err, sizeof(err)) != STORE_OK)
		fz_die("store_open: %s", err);
	if (o->control && ctl_open(&fz_m, &cs, err, sizeof(err)) == -1)
		fz_die("ctl_open: %s", err);
}

/* loop_run's body, once, with a zero timeout and no timers. The
 * harness decides when mucd stops, so "running" is kept on. */
static int
turn(void)
{
	int n;

	fz_m.loop.running = true;
	n = loop_dispatch(&fz_m.loop, 0);
	return n < 0 ? 0 : n;
}

void
fz_turn(void)
{
	turn();
}

/* --- output checks --------------------------------------------------- */

struct outck {
	const char	*data;
	size_t		 len;
	struct fz_seen	*seen;
	bool		 has_header;
	unsigned	 n;
};

static void
out_die(const struct outck *c, const char *what, const struct xnode *st)
{
	char *s = st ? x_to_string(st) : NULL;

	fprintf(stderr, "fuzz harness: bad output from mucd: %s\n", what);
	if (s != NULL)
		fprintf(stderr, "  stanza: %.4000s\n", s);
	fprintf(stderr, "  output (%zu bytes): %.*s\n", c->len,
	    c->len > 8000 ? 8000 : (int)c->len, c->data);
	/* FUZZ_OUT_DUMP=file: all of it, for a closer look. */
	if (getenv("FUZZ_OUT_DUMP") != NULL) {
		FILE *f = fopen(getenv("FUZZ_OUT_DUMP"), "w");

		if (f != NULL) {
			fwrite(c->data, 1, c->len, f);
			fclose(f);
		}
	}
	abort();
}

static void
check_addr(const struct outck *c, const struct xnode *st, const char *attr,
    bool ours)
{
	const char *v = x_attr(st, attr), *why;
	struct jid j;

	if (v == NULL) {
		char msg[64];

		snprintf(msg, sizeof(msg), "stanza without '%s'", attr);
		out_die(c, msg, st);
	}
	/* A 'from' may hold a nick only servers accept (router.c refuses
	 * one from the address it was sent to), never a worse one. */
	if ((ours ? jid_parse_lax(&j, v, &why) : jid_parse(&j, v, &why)) ==
	    -1) {
		char msg[256];

		snprintf(msg, sizeof(msg), "'%s' is not a JID (%s)", attr, why);
		out_die(c, msg, st);
	}
	/* A server closes a component's stream over a foreign 'from'
	 * (Prosody: <invalid-from/>), which would cut off every room. */
	if (ours && strcmp(j.domain, FZ_DOMAIN) != 0)
		out_die(c, "'from' is not on the component's domain", st);
}

static void
out_open(void *arg, const struct xnode *root)
{
	(void)arg;
	(void)root;
}

static void
out_stanza(void *arg, struct xnode *st)
{
	struct outck *c = arg;
	const char *type = x_attr(st, "type");
	struct xnode *e, *ch;
	bool cond = false;

	c->n++;
	if (c->has_header && c->n == 1 && x_is(st, "handshake", NS_COMPONENT))
		goto out;
	if (x_is(st, "error", XML_NS_STREAM) && c->has_header)
		goto out;
	if (strcmp(st->ns, NS_COMPONENT) != 0 || (!x_is(st, "message", NULL) &&
	    !x_is(st, "presence", NULL) && !x_is(st, "iq", NULL)))
		out_die(c, "not a stanza", st);
	check_addr(c, st, "from", true);
	check_addr(c, st, "to", false);
	if (x_is(st, "iq", NULL)) {
		if (x_attr(st, "id") == NULL || type == NULL ||
		    (strcmp(type, "get") && strcmp(type, "set") &&
		    strcmp(type, "result") && strcmp(type, "error")))
			out_die(c, "iq without id or a valid type", st);
		if ((!strcmp(type, "get") || !strcmp(type, "set")) &&
		    x_count_children(st) != 1)
			out_die(c, "iq get/set without exactly one payload", st);
		if (c->seen != NULL && (!strcmp(type, "get") ||
		    !strcmp(type, "set"))) {
			struct fz_iq *q = &c->seen->iq[c->seen->niq++ % FZ_IQS];

			snprintf(q->id, sizeof(q->id), "%s", x_attr(st, "id"));
			snprintf(q->from, sizeof(q->from), "%s",
			    x_attr(st, "from"));
			snprintf(q->to, sizeof(q->to), "%s", x_attr(st, "to"));
		}
	}
	if (type != NULL && strcmp(type, "error") == 0) {
		if ((e = x_child(st, "error", NULL)) == NULL ||
		    x_attr(e, "type") == NULL)
			out_die(c, "error stanza without <error type=/>", st);
		X_FOREACH(e, ch)
			if (strcmp(ch->ns, "urn:ietf:params:xml:ns:xmpp-stanzas")
			    == 0 && strcmp(ch->name, "text") != 0)
				cond = true;
		if (!cond)
			out_die(c, "error without a defined condition", st);
	}
	if (c->seen != NULL)
		c->seen->stanzas++;
out:
	x_free(st);
}

static void
out_close(void *arg)
{
	(void)arg;
}

struct fz_outck {
	struct outck		 c;
	struct xml_stream	*xs;
};

struct fz_outck *
fz_out_begin(bool has_header, struct fz_seen *seen)
{
	static const struct xml_stream_cb cb = { .open = out_open,
		.stanza = out_stanza, .close = out_close };
	static const char hdr[] = "<stream:stream xmlns='" NS_COMPONENT
	    "' xmlns:stream='" XML_NS_STREAM "'>";
	struct xml_limits lim = { 256u << 20, 10000 };
	struct fz_outck *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		fz_die("out of memory");
	o->c.seen = seen;
	o->c.has_header = has_header;
	if ((o->xs = xml_stream_new(&lim, &cb, &o->c)) == NULL)
		fz_die("out of memory");
	if (!has_header && xml_stream_feed(o->xs, hdr, sizeof(hdr) - 1) == -1)
		fz_die("checker refused its own header");
	return o;
}

void
fz_out_feed(struct fz_outck *o, const char *data, size_t len)
{
	o->c.data = data;
	o->c.len = len;
	if (len > 0 && xml_stream_feed(o->xs, data, len) == -1)
		out_die(&o->c, xml_stream_errmsg(o->xs), NULL);
}

void
fz_out_end(struct fz_outck *o)
{
	xml_stream_free(o->xs);
	free(o);
}

void
fz_check_output(const char *data, size_t len, bool has_header,
    struct fz_seen *seen)
{
	struct fz_outck *o = fz_out_begin(has_header, seen);

	fz_out_feed(o, data, len);
	fz_out_end(o);
}

/* --- model checks ---------------------------------------------------- */

static void
room_die(const struct room *r, const char *what, const char *detail)
{
	fz_die("room %s: %s%s%s", r->jid, what, detail ? ": " : "",
	    detail ? detail : "");
}

void
fz_check_rooms(bool after_shutdown)
{
	const char *k, *k2;
	struct room *r;
	struct occupant *o;
	struct session *s;
	struct affil *a;
	size_t i, j, nbytes;
	unsigned h;
	bool found;

	for (i = 0; hmap_next(&fz_m.rooms, &i, &k, (void **)&r); ) {
		if (strcmp(k, r->jid) != 0 || r->mucd != &fz_m)
			room_die(r, "key or owner mismatch", k);
		if (r->hold != 0)
			room_die(r, "still held after the operation", NULL);
		if (r->destroying)
			room_die(r, "destroyed but still in memory", NULL);
		if (!r->cfg.persistent && hmap_count(&r->occupants) == 0 &&
		    !after_shutdown)
			room_die(r, "temporary and empty but not destroyed",
			    NULL);
		if (r->cfg.persistent && !r->stored)
			room_die(r, "persistent but not stored", NULL);
		for (j = 0; hmap_next(&r->occupants, &j, &k2, (void **)&o); ) {
			if (strcmp(k2, o->nick) != 0 || o->room != r)
				room_die(r, "occupant key mismatch", k2);
			if (o->sessions == NULL)
				room_die(r, "occupant without sessions", o->nick);
			if (o->role == ROLE_NONE && !after_shutdown)
				room_die(r, "occupant with role none stays",
				    o->nick);
			found = o->primary == NULL;
			for (s = o->sessions; s != NULL; s = s->next) {
				found |= s == o->primary;
				if (!s->unavailable &&
				    hmap_get(&r->by_jid, s->jid) != o)
					room_die(r, "live session not indexed",
					    s->jid);
			}
			if (!found)
				room_die(r, "primary is not a session", o->nick);
		}
		for (j = 0; hmap_next(&r->by_jid, &j, &k2, (void **)&o); ) {
			if (hmap_get(&r->occupants, o->nick) != o)
				room_die(r, "by_jid points to a non-occupant",
				    k2);
			if ((s = occupant_session(o, k2)) == NULL ||
			    s->unavailable || s->jid != k2)
				room_die(r, "by_jid key is not a live session",
				    k2);
		}
		for (j = 0; hmap_next(&r->affs, &j, &k2, (void **)&a); ) {
			if (a->bare != k2 || a->aff == AFF_NONE)
				room_die(r, "affiliation key mismatch", k2);
			if (a->nick != NULL && hmap_get(&r->nicks, a->nick) != a)
				room_die(r, "reserved nick not indexed", a->nick);
		}
		for (j = 0; hmap_next(&r->nicks, &j, &k2, (void **)&a); )
			if (a->nick != k2 || hmap_get(&r->affs, a->bare) != a)
				room_die(r, "nick index points astray", k2);
		if (r->hist_len > r->hist_cap)
			room_die(r, "history longer than its ring", NULL);
		for (h = 0, nbytes = 0; h < r->hist_len; h++)
			nbytes += r->hist[(r->hist_head + h) % r->hist_cap].len;
		if (nbytes != r->hist_bytes)
			room_die(r, "history byte count is off", NULL);
	}
}

struct aff_ck {
	struct room	*r;
	size_t		 n;
};

static int
aff_ck_cb(void *arg, const char *bare, const struct store_aff_rec *rec)
{
	struct aff_ck *c = arg;
	const struct affil *a = room_affil(c->r, bare);
	const char *nick = rec->nick && *rec->nick ? rec->nick : NULL;

	c->n++;
	if (a == NULL || a->aff != rec->aff)
		room_die(c->r, "store has an affiliation memory has not", bare);
	if ((nick == NULL) != (a->nick == NULL) ||
	    (nick != NULL && strcmp(nick, a->nick) != 0))
		room_die(c->r, "store and memory disagree on a nick", bare);
	return 0;
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

void
fz_check_store(void)
{
	struct room_record rec;
	struct aff_ck ac;
	struct room *r;
	const char *k;
	char *json, err[256];
	size_t i;
	int rc;

	for (i = 0; hmap_next(&fz_m.rooms, &i, &k, (void **)&r); ) {
		json = NULL;
		rc = store_room_get(fz_m.store, r->jid, &json);
		if (!r->stored) {
			if (rc != STORE_NOTFOUND)
				room_die(r, "not stored, yet in the store",
				    json);
			free(json);
			continue;
		}
		if (rc != STORE_OK)
			room_die(r, "stored, yet not in the store",
			    store_errmsg(fz_m.store));
		if (roomrec_decode(&rec, &fz_m.conf, json, err,
		    sizeof(err)) == -1)
			room_die(r, "stored record does not decode", err);
		if (!roomcfg_equal(&rec.cfg, &r->cfg))
			room_die(r, "stored configuration differs", json);
		if (!same_str(rec.subject.text, r->subject.text) ||
		    !same_str(rec.subject.from, r->subject.from))
			room_die(r, "stored subject differs", json);
		roomrec_free(&rec);
		free(json);
		ac.r = r;
		ac.n = 0;
		if (store_aff_iter(fz_m.store, r->jid, aff_ck_cb, &ac) < 0)
			room_die(r, "store_aff_iter", store_errmsg(fz_m.store));
		if (ac.n != hmap_count(&r->affs))
			room_die(r, "memory has affiliations the store has not",
			    NULL);
	}
}

/* --- reset ----------------------------------------------------------- */

struct names {
	char	**v;
	size_t	  n, cap;
};

static int
collect(void *arg, const char *room, const char *json)
{
	struct names *nm = arg;

	(void)json;
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 16;
		if ((nm->v = realloc(nm->v, nm->cap * sizeof(*nm->v))) == NULL)
			fz_die("out of memory");
	}
	nm->v[nm->n++] = strdup(room);
	return 0;
}

void
fz_reset(void)
{
	struct store_txn *txn;
	struct names nm = { 0 };
	size_t i;

	rooms_free_all(&fz_m);
	ratelimit_free(&fz_m);
	if (hmap_init(&fz_m.rooms) == -1 || hmap_init(&fz_m.jid_buckets) == -1)
		fz_die("hmap_init");
	if (store_room_iter(fz_m.store, NULL, collect, &nm) < 0)
		fz_die("store_room_iter: %s", store_errmsg(fz_m.store));
	if (nm.n > 0) {
		if (store_begin(fz_m.store, &txn) != STORE_OK)
			fz_die("store_begin: %s", store_errmsg(fz_m.store));
		for (i = 0; i < nm.n; i++)
			if (store_room_del(txn, nm.v[i]) != STORE_OK)
				fz_die("store_room_del: %s",
				    store_errmsg(fz_m.store));
		if (store_commit(txn) != STORE_OK)
			fz_die("store_commit: %s", store_errmsg(fz_m.store));
		for (i = 0; i < nm.n; i++)
			free(nm.v[i]);
	}
	free(nm.v);
	buf_reset(&fz_m.link.out);
	fz_m.link.closing = fz_m.link.fatal = fz_m.link.paused = false;
	fz_m.link.why[0] = '\0';
	fz_m.shutting_down = false;
	fz_m.exit_code = 0;
	fz_m.store_dirty = false;
	memset(&fz_m.stats, 0, sizeof(fz_m.stats));
}

/* --- control channel ------------------------------------------------- */

static struct buf replies;

int
fz_ctl_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fz_m.conf.control);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fz_die("control connect: %s", strerror(errno));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	turn();		/* accept */
	buf_init(&replies, 0);
	return fd;
}

/* Every reply is one JSON object: {"id":…,"ok":true,"result":…} or
 * {"id":…,"ok":false,"error":{"code":"…","message":"…"}}. */
static void
check_replies(void)
{
	json_error_t je;
	json_t *o, *e;
	char *nl;
	size_t n;

	while (buf_pending(&replies) > 0 && (nl = memchr(buf_head(&replies),
	    '\n', buf_pending(&replies))) != NULL) {
		n = (size_t)(nl - buf_head(&replies));
		o = json_loadb(buf_head(&replies), n, 0, &je);
		if (o == NULL || !json_is_object(o) ||
		    !json_is_boolean(json_object_get(o, "ok")) ||
		    (json_is_false(json_object_get(o, "ok")) &&
		    (!json_is_object(e = json_object_get(o, "error")) ||
		    !json_is_string(json_object_get(e, "code")))) ||
		    (json_is_true(json_object_get(o, "ok")) &&
		    json_object_get(o, "result") == NULL))
			fz_die("bad control reply (%s): %.*s",
			    o ? "shape" : je.text, (int)n, buf_head(&replies));
		json_decref(o);
		buf_consume(&replies, n + 1);
	}
}

static bool
read_replies(int fd)
{
	char chunk[65536];
	ssize_t n;
	bool got = false;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (buf_append(&replies, chunk, (size_t)n) == -1)
			fz_die("out of memory");
		got = true;
	}
	check_replies();
	return got;
}

void
fz_ctl_send(int fd, const char *data, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int idle = 0, guard = 0;

	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			fz_die("control write: %s", strerror(errno));
		turn();
		read_replies(fd);
		if (++guard > 100000)
			fz_die("control channel stuck while writing");
	}
	/* Until a turn finds nothing to do and nothing more arrives. */
	while (idle < 2) {
		bool busy = turn() > 0;

		busy |= read_replies(fd);
		idle = busy ? 0 : idle + 1;
		if (++guard > 100000)
			fz_die("control channel does not settle");
	}
}

void
fz_ctl_close(int fd)
{
	close(fd);
	turn();
	turn();
	buf_free(&replies);
}
