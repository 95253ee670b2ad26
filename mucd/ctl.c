#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mucd.h"
#include "utf8.h"

#define CTL_OUT_MAX	(16u << 20)	/* one reply, at most */
#define CTL_OUT_PAUSE	(256u << 10)	/* unread replies: stop serving */
#define CTL_READ_CHUNK	16384
#define CTL_IDLE_MS	300000		/* close clients idle this long */
#define CTL_STUCK_MS	60000		/* ... or not reading this long */
#define CTL_RESERVED	4		/* extra slots for root and mucd */
#define CTL_YIELD_MS	1000		/* idle this long: may be evicted */

struct ctl_client {
	struct ctl		*ctl;
	struct loop_io		 io;
	struct buf		 in, out;
	bool			 discarding;	/* skipping an over-long line */
	bool			 dead;
	bool			 may_write;	/* not read-only */
	bool			 changed;	/* ran a change since its replies
						   last went out */
	uint64_t		 last_active;
	uint64_t		 stuck_since;	/* out full since, or 0 */
	unsigned		 uid;
	char			 user[64];	/* "unix:name", once asked */
	struct ctl_client	*next;
};

struct ctl {
	struct mucd		*mucd;
	struct ctl_setup	 setup;
	struct loop_io		 listen;
	char			*path;		/* the socket we bound */
	struct ctl_client	*clients;
	unsigned		 nclients;
	uint64_t		 accepted, refused;	/* connections */
	bool			 maintenance;	/* one attached client */
	bool			 closing;
};

static void client_io(struct loop_io *, uint32_t);

static void
client_free(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;
	struct ctl_client **pp;

	for (pp = &ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	loop_del(&ctl->mucd->loop, &c->io);
	close(c->io.fd);
	buf_free(&c->in);
	buf_free(&c->out);
	ctl->nclients--;
	free(c);
	/* Maintenance mode serves the one connection it was started for. */
	if (ctl->maintenance && !ctl->closing && ctl->clients == NULL)
		mucd_stop(ctl->mucd, 0);
}

static void
queue_json(struct ctl_client *c, json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);

	/* A result too big to ever fit gets an answer, not silence. */
	if (s != NULL && strlen(s) >= CTL_OUT_MAX) {
		free(s);
		s = NULL;
		if (json_object_get(reply, "ok") != NULL) {
			json_t *e = json_pack("{s:O?,s:b,s:{s:s,s:s}}", "id",
			    json_object_get(reply, "id"), "ok", 0, "error",
			    "code", ctl_errs[CTL_E_TOO_LARGE].code, "message",
			    "the result is too large; narrow the request "
			    "(e.g. --limit)");

			s = json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII);
			json_decref(e);
		}
	}
	json_decref(reply);
	if (s == NULL)
		return;
	if (buf_puts(&c->out, s) == -1 || buf_putc(&c->out, '\n') == -1) {
		/* Over CTL_OUT_MAX unread: the client is not reading. */
		log_warn("control: client (uid %u) is not reading replies; "
		    "closing it", c->uid);
		c->dead = true;
	}
	free(s);
}

static void
refusal(struct ctl_client *c, json_t *id, enum ctl_err code,
    const char *condition, const char *msg, json_t *master)
{
	char text[512];
	json_t *reply;

	/* Messages quote what the client sent; cut inside a character, the
	 * message would not be a JSON string. */
	snprintf(text, sizeof(text), "%s", msg);
	utf8_chop(text);
	reply = json_pack("{s:O?,s:b,s:{s:s,s:s,s:s*}}", "id", id, "ok", 0,
	    "error", "code", ctl_errs[code].code, "message", text,
	    "condition", condition);
	if (reply != NULL && master != NULL)
		json_object_set(json_object_get(reply, "error"), "master",
		    master);
	json_decref(master);
	queue_json(c, reply);
}

void
ctl_reply_refusal(struct ctl_client *c, json_t *id, enum ctl_err code,
    const char *condition, const char *msg)
{
	refusal(c, id, code, condition, msg, NULL);
}

void
ctl_reply_not_master(struct ctl_client *c, json_t *id, const char *master)
{
	char msg[300];

	if (master != NULL && *master != '\0')
		snprintf(msg, sizeof(msg), "not the master; the master is %s",
		    master);
	else
		snprintf(msg, sizeof(msg), "not the master; the group has no "
		    "master now (an election is under way, or too few sites "
		    "are up)");
	refusal(c, id, CTL_E_NOT_MASTER, NULL, msg, master != NULL &&
	    *master != '\0' ? json_string(master) : json_null());
}

void
ctl_reply_error(struct ctl_client *c, json_t *id, enum ctl_err code,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply_refusal(c, id, code, NULL, msg);
}

void
ctl_reply_ok(struct ctl_client *c, json_t *id, json_t *result)
{
	queue_json(c, json_pack("{s:O?,s:b,s:o}", "id", id, "ok", 1, "result",
	    result ? result : json_null()));
}

static void
handle_line(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl *ctl = c->ctl;
	json_error_t je;
	json_t *req, *id, *args;
	const char *cmd;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (req == NULL || !json_is_object(req)) {
		ctl_reply_error(c, NULL, CTL_E_BAD_REQUEST, "invalid JSON: %s",
		    req ? "not an object" : je.text);
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	cmd = json_string_value(json_object_get(req, "cmd"));
	args = json_object_get(req, "args");
	if (json_is_null(args))
		args = NULL;
	if (cmd == NULL) {
		ctl_reply_error(c, id, CTL_E_BAD_REQUEST, "missing \"cmd\"");
	} else if (args != NULL && !json_is_object(args)) {
		ctl_reply_error(c, id, CTL_E_BAD_REQUEST, "\"args\" must be "
		    "an object");
	} else {
		json_t *empty = json_object();

		ctl->setup.dispatch(ctl->setup.arg, c, id, cmd,
		    args ? args : empty);
		json_decref(empty);
	}
	json_decref(req);
}

/* The next complete request line, or NULL. */
static const char *
next_line(const struct ctl_client *c, size_t *len)
{
	const char *nl;

	if (buf_pending(&c->in) == 0 ||
	    (nl = memchr(buf_head(&c->in), '\n', buf_pending(&c->in))) == NULL)
		return NULL;
	*len = (size_t)(nl - buf_head(&c->in));
	return buf_head(&c->in);
}

static bool
has_room(const struct ctl_client *c)
{
	return buf_pending(&c->out) < CTL_OUT_PAUSE;
}

/* Serve complete lines while the replies have room. True if any. */
static bool
process_input(struct ctl_client *c)
{
	const char *line;
	bool served = false;
	size_t n;

	while (!c->dead && has_room(c) && (line = next_line(c, &n)) != NULL) {
		if (n > 0) {
			handle_line(c, line, n);
			served = true;
		}
		buf_consume(&c->in, n + 1);
	}
	return served;
}

/*
 * Only an unterminated line can be too long: complete lines waiting for
 * room are requests, held, never discarded. An over-long one is refused
 * once, then skipped to its end without keeping any of it.
 */
static void
check_overlong(struct ctl_client *c)
{
	size_t max = c->ctl->mucd->conf.control_max_line, n;

	if (next_line(c, &n) != NULL || buf_pending(&c->in) <= max)
		return;
	if (!c->discarding)
		ctl_reply_error(c, NULL, CTL_E_TOO_LARGE, "request line longer "
		    "than %zu bytes", max);
	c->discarding = true;
	buf_reset(&c->in);
}

/*
 * Read only when every complete request has been served: what the client
 * sends meanwhile waits in the kernel, and the client blocks, instead of
 * being buffered here without bound.
 */
static void
update_interest(struct ctl_client *c)
{
	uint32_t ev = 0;
	size_t n;

	if (has_room(c) && next_line(c, &n) == NULL)
		ev |= EPOLLIN;
	if (buf_pending(&c->out) > 0)
		ev |= EPOLLOUT;
	loop_mod(&c->ctl->mucd->loop, &c->io, ev);
}

static void
client_read(struct ctl_client *c)
{
	char chunk[CTL_READ_CHUNK], *nl;
	ssize_t n;

	n = read(c->io.fd, chunk, sizeof(chunk));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->dead = true;
		return;
	}
	if (n < 0)
		return;
	c->last_active = loop_now_ms();
	if (c->discarding && buf_pending(&c->in) == 0) {
		/* Drop everything up to the end of the refused line. */
		if ((nl = memchr(chunk, '\n', (size_t)n)) == NULL)
			return;
		c->discarding = false;
		if (buf_append(&c->in, nl + 1, (size_t)(chunk + n - nl - 1)))
			c->dead = true;
	} else if (buf_append(&c->in, chunk, (size_t)n) == -1)
		c->dead = true;
	process_input(c);
	check_overlong(c);
}

static void
client_write(struct ctl_client *c)
{
	ssize_t n;

	while (buf_pending(&c->out) > 0) {
		n = write(c->io.fd, buf_head(&c->out), buf_pending(&c->out));
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->dead = true;
			break;
		}
		buf_consume(&c->out, (size_t)n);
		c->last_active = loop_now_ms();
	}
	buf_trim(&c->out, 65536);
	c->stuck_since = has_room(c) ? 0 :
	    (c->stuck_since ? c->stuck_since : loop_now_ms());
}

static void
client_io(struct loop_io *io, uint32_t events)
{
	struct ctl_client *c = io->arg;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	/* Replies are written by ctl_flush at the end of the turn, after
	 * the store's group commit. */
	if (c->dead) {
		client_free(c);
		return;
	}
	update_interest(c);
}

static bool
in_group(unsigned uid, gid_t gid, int want)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256, i;

	if (want < 0)
		return false;
	if (gid == (gid_t)want)
		return true;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == (gid_t)want)
			return true;
	return false;
}

enum access { ACCESS_NONE, ACCESS_READ, ACCESS_FULL };

static enum access
peer_access(struct ctl *ctl, int fd, unsigned *uid, bool *privileged)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	*privileged = false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return ACCESS_NONE;
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid()) {
		*privileged = true;
		return ACCESS_FULL;
	}
	if (in_group(cr.uid, cr.gid, ctl->setup.group))
		return ACCESS_FULL;
	if (in_group(cr.uid, cr.gid, ctl->setup.ro_group))
		return ACCESS_READ;
	return ACCESS_NONE;
}

void
ctl_refuse(int fd, enum ctl_err code, const char *msg)
{
	json_t *e = json_pack("{s:n,s:b,s:{s:s,s:s}}", "id", "ok", 0, "error",
	    "code", ctl_errs[code].code, "message", msg);
	char *s = e ? json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	size_t n = s ? strlen(s) : 0;

	json_decref(e);
	/* Best effort on a fresh socket: the line fits its buffer. */
	if (s != NULL && (write(fd, s, n) != (ssize_t)n ||
	    write(fd, "\n", 1) != 1)) {
		/* Gone already. */
	}
	free(s);
	/* Let the peer read the refusal before it sees the close: a client
	 * that writes first would otherwise get EPIPE, not the reason. */
	shutdown(fd, SHUT_WR);
	close(fd);
}

/*
 * At capacity, an idle client makes room for a new one: one with nothing
 * in flight at once, one that left a request half-written once it has
 * been quiet for CTL_YIELD_MS — connections that just sit there cannot
 * lock operators out. The longest idle goes first.
 */
static bool
evict_idle_client(struct ctl *ctl)
{
	struct ctl_client *c, *oldest = NULL;
	uint64_t now = loop_now_ms();

	for (c = ctl->clients; c != NULL; c = c->next) {
		if (buf_pending(&c->out) > 0 || (buf_pending(&c->in) > 0 &&
		    now - c->last_active < CTL_YIELD_MS))
			continue;
		if (oldest == NULL || c->last_active < oldest->last_active)
			oldest = c;
	}
	if (oldest == NULL)
		return false;
	log_info("control: closing an idle client (uid %u) to make room",
	    oldest->uid);
	client_free(oldest);
	return true;
}

/* Only when every client is busy is a newcomer refused — unless it is
 * root or mucd's own user, for whom a few slots stay free. */
static bool
make_room(struct ctl *ctl, bool privileged)
{
	unsigned max = ctl->mucd->conf.control_max_clients;

	return ctl->nclients < max || evict_idle_client(ctl) ||
	    (privileged && ctl->nclients < max + CTL_RESERVED);
}

static struct ctl_client *
client_new(struct ctl *ctl, int fd, unsigned uid, bool may_write)
{
	struct ctl_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ctl = ctl;
	c->uid = uid;
	c->may_write = may_write;
	c->io.fd = fd;
	c->io.events = EPOLLIN;
	c->io.cb = client_io;
	c->io.arg = c;
	/* Input holds at most one partial line and one read beyond it. */
	buf_init(&c->in, ctl->mucd->conf.control_max_line + CTL_READ_CHUNK);
	buf_init(&c->out, CTL_OUT_MAX);
	c->last_active = loop_now_ms();
	if (loop_add(&ctl->mucd->loop, &c->io) == -1) {
		free(c);
		return NULL;
	}
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->nclients++;
	return c;
}

static void
accept_io(struct loop_io *io, uint32_t events)
{
	struct ctl *ctl = io->arg;
	enum access access;
	unsigned uid = 0;
	bool privileged;
	char msg[128];
	int fd;

	(void)events;
	while ((fd = accept4(io->fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if ((access = peer_access(ctl, fd, &uid, &privileged)) ==
		    ACCESS_NONE) {
			log_warn("control: refused a connection from uid %u",
			    uid);
			snprintf(msg, sizeof(msg), "uid %u may not use the "
			    "mucd control socket", uid);
			ctl_refuse(fd, CTL_E_FORBIDDEN, msg);
			ctl->refused++;
			continue;
		}
		if (!make_room(ctl, privileged)) {
			ctl_refuse(fd, CTL_E_BUSY, "too many control clients");
			ctl->refused++;
			continue;
		}
		if (client_new(ctl, fd, uid, access == ACCESS_FULL) == NULL) {
			close(fd);
			ctl->refused++;
		} else
			ctl->accepted++;
	}
}

static struct ctl *
ctl_new(struct mucd *m, const struct ctl_setup *setup)
{
	struct ctl *ctl;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return NULL;
	ctl->mucd = m;
	ctl->setup = *setup;
	ctl->listen.fd = -1;
	return ctl;
}

/*
 * With a read-only group, two groups must reach the socket and a file
 * has only one: the socket is then open to all and SO_PEERCRED alone
 * decides (peer_access), as the D-Bus system bus does.
 */
static mode_t
socket_mode(const struct ctl_setup *setup)
{
	return setup->ro_group != -1 ? 0666 : 0660;
}

/*
 * Bind the control socket. mucd holds its data directory's lock by now,
 * so a socket already at the path is another program's, or another
 * mucd's (with another data directory): it is removed only when nobody
 * listens on it any more (a crashed run left it), never while a process
 * holds it, even one too busy to accept.
 */
static int
ctl_bind(int fd, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat sb;
	int probe, rc;

	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		goto fail;
	if (lstat(sun->sun_path, &sb) == -1 || !S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	rc = connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ?
	    0 : errno;
	close(probe);
	if (rc != ECONNREFUSED) {
		snprintf(err, errlen, "%s: another process is listening on "
		    "it%s (another mucd with the same 'control'?)",
		    sun->sun_path, rc == EAGAIN ? ", though it does not "
		    "accept connections" : "");
		return -1;
	}
	if ((unlink(sun->sun_path) == 0 || errno == ENOENT) &&
	    bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(errno));
	return -1;
}

int
ctl_open(struct mucd *m, const struct ctl_setup *setup, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = m->conf.control;
	struct ctl *ctl;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long");
		return -1;
	}
	if ((ctl = ctl_new(m, setup)) == NULL ||
	    (ctl->path = strdup(path)) == NULL) {
		free(ctl);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	if (ctl_bind(fd, &sun, err, errlen) == -1) {
		close(fd);
		goto fail;
	}
	/* The socket's group is what lets control_group's members in. */
	if (chmod(path, socket_mode(setup)) == -1 ||
	    ((setup->owner_uid != -1 || setup->group != -1) &&
	    chown(path, (uid_t)setup->owner_uid, (gid_t)setup->group) == -1) ||
	    listen(fd, 64) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto fail;
	}
	ctl->listen.fd = fd;
	ctl->listen.events = EPOLLIN;
	ctl->listen.cb = accept_io;
	ctl->listen.arg = ctl;
	if (loop_add(&m->loop, &ctl->listen) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		close(fd);
		unlink(path);
		goto fail;
	}
	m->ctl = ctl;
	return 0;
fail:
	free(ctl->path);
	free(ctl);
	return -1;
}

int
ctl_attach(struct mucd *m, const struct ctl_setup *setup, int fd, char *err,
    size_t errlen)
{
	struct ctl *ctl;
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "control descriptor %d: %s", fd,
		    strerror(errno));
		return -1;
	}
	if ((ctl = ctl_new(m, setup)) == NULL ||
	    client_new(ctl, fd, getuid(), true) == NULL) {
		free(ctl);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctl->maintenance = true;
	ctl->accepted = 1;
	m->ctl = ctl;
	return 0;
}

void
ctl_close(struct mucd *m)
{
	struct ctl *ctl = m->ctl;

	if (ctl == NULL)
		return;
	ctl_flush(m, m->ha.holding);
	ctl->closing = true;
	while (ctl->clients != NULL)
		client_free(ctl->clients);
	m->ctl = NULL;
	if (ctl->listen.fd != -1) {
		loop_del(&m->loop, &ctl->listen);
		close(ctl->listen.fd);
		unlink(ctl->path);
	}
	free(ctl->path);
	free(ctl);
}

void
ctl_client_changed(struct ctl_client *c)
{
	c->changed = true;
}

void
ctl_drop_held(struct mucd *m)
{
	struct ctl_client *c, *next;

	if (m->ctl == NULL)
		return;
	for (c = m->ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (c->changed)
			client_free(c);
	}
}

bool
ctl_flush(struct mucd *m, bool hold)
{
	struct ctl_client *c, *next;
	bool more = false;
	size_t n;

	if (m->ctl == NULL)
		return false;
	for (c = m->ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (hold && c->changed) {
			update_interest(c);
			continue;
		}
		c->changed = false;
		if (!c->dead && buf_pending(&c->out) > 0)
			client_write(c);
		if (c->dead) {
			client_free(c);
			continue;
		}
		if (has_room(c) && next_line(c, &n) != NULL)
			more = true;
		update_interest(c);
	}
	return more;
}

bool
ctl_resume(struct mucd *m)
{
	struct ctl_client *c;
	bool served = false;

	if (m->ctl == NULL)
		return false;
	for (c = m->ctl->clients; c != NULL; c = c->next)
		if (!c->dead && process_input(c))
			served = true;
	return served;
}

void
ctl_housekeeping(struct mucd *m)
{
	uint64_t now = loop_now_ms();
	struct ctl_client *c, *next;

	if (m->ctl == NULL)
		return;
	for (c = m->ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (now - c->last_active > CTL_IDLE_MS ||
		    (c->stuck_since && now - c->stuck_since > CTL_STUCK_MS)) {
			log_info("control: closing %s client (uid %u)",
			    c->stuck_since ? "a stuck" : "an idle", c->uid);
			client_free(c);
		}
	}
}

void
ctl_stats(const struct mucd *m, struct ctl_stats *st)
{
	const struct ctl *ctl = m->ctl;

	memset(st, 0, sizeof(*st));
	if (ctl == NULL)
		return;
	st->clients = ctl->nclients;
	st->accepted = ctl->accepted;
	st->refused = ctl->refused;
}

unsigned
ctl_client_uid(const struct ctl_client *c)
{
	return c->uid;
}

/* Looked up once per connection: NSS may be slow (LDAP), and a client
 * may send thousands of requests. */
const char *
ctl_client_user(struct ctl_client *c)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (c->user[0] != '\0')
		return c->user;
	if (getpwuid_r((uid_t)c->uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		snprintf(c->user, sizeof(c->user), "unix:%s", pw.pw_name);
	else
		snprintf(c->user, sizeof(c->user), "unix:uid %u", c->uid);
	return c->user;
}

bool
ctl_client_may_write(const struct ctl_client *c)
{
	return c->may_write;
}
