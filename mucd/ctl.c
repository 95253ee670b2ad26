#include "ctl.h"

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "ctlcmd.h"
#include "log.h"
#include "mucd.h"
#include "utf8.h"

#define CTL_OUT_MAX	(16u << 20)	/* one reply, at most */
#define CTL_OUT_PAUSE	(256u << 10)	/* unread replies: stop reading */
#define CTL_IDLE_MS	300000		/* close clients idle this long */
#define CTL_STUCK_MS	60000		/* ... or not reading this long */

struct ctl_client {
	struct ctl		*ctl;
	struct loop_io		 io;
	struct buf		 in, out;
	bool			 discarding;	/* skipping an over-long line */
	bool			 dead;
	uint64_t		 last_active;
	uint64_t		 stuck_since;	/* out full since, or 0 */
	unsigned		 uid;
	struct ctl_client	*next;
};

struct ctl {
	struct mucd		*mucd;
	struct loop_io		 listen;
	char			*path;
	struct ctl_client	*clients;
	unsigned		 nclients;
	gid_t			 group;
	bool			 has_group;
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
			    "code", "too-large", "message", "the result is "
			    "too large; narrow the request (e.g. --limit)");

			s = json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII);
			json_decref(e);
		}
	}
	json_decref(reply);
	if (s == NULL)
		return;
	if (buf_puts(&c->out, s) == -1 || buf_putc(&c->out, '\n') == -1) {
		/* The client is not reading: stop serving it. */
		log_warn("control: client (uid %u) is not reading replies; "
		    "closing it", c->uid);
		c->dead = true;
	}
	free(s);
}

void
ctl_reply_error(struct ctl_client *c, json_t *id, const char *code,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote what the client sent; cut inside a character, the
	 * message would not be a JSON string. */
	utf8_chop(msg);
	queue_json(c, json_pack("{s:O?,s:b,s:{s:s,s:s}}", "id", id, "ok", 0,
	    "error", "code", code, "message", msg));
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
	json_error_t je;
	json_t *req, *id, *args;
	const char *cmd;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (req == NULL || !json_is_object(req)) {
		ctl_reply_error(c, NULL, "bad-request", "invalid JSON: %s",
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
		ctl_reply_error(c, id, "bad-request", "missing \"cmd\"");
	} else if (args != NULL && !json_is_object(args)) {
		ctl_reply_error(c, id, "bad-request", "\"args\" must be an "
		    "object");
	} else {
		json_t *empty = json_object();

		ctlcmd_dispatch(c->ctl->mucd, c, id, cmd, args ? args : empty);
		json_decref(empty);
	}
	json_decref(req);
}

static void
process_input(struct ctl_client *c)
{
	struct mucd *m = c->ctl->mucd;
	char *nl;
	size_t n;

	while (!c->dead && buf_pending(&c->in) > 0 &&
	    buf_pending(&c->out) < CTL_OUT_PAUSE) {
		nl = memchr(buf_head(&c->in), '\n', buf_pending(&c->in));
		if (nl == NULL)
			break;
		n = (size_t)(nl - buf_head(&c->in));
		if (c->discarding)
			c->discarding = false;
		else if (n > 0)
			handle_line(c, buf_head(&c->in), n);
		buf_consume(&c->in, n + 1);
	}
	/* An unterminated line past the limit: refuse it once, then skip to
	 * its end without keeping any of it. */
	if (buf_pending(&c->in) > m->conf.control_max_line) {
		if (!c->discarding)
			ctl_reply_error(c, NULL, "too-large", "request line "
			    "longer than %zu bytes", m->conf.control_max_line);
		c->discarding = true;
		buf_reset(&c->in);
	}
}

static void
update_interest(struct ctl_client *c)
{
	uint32_t ev = 0;

	if (buf_pending(&c->out) < CTL_OUT_PAUSE)
		ev |= EPOLLIN;
	if (buf_pending(&c->out) > 0)
		ev |= EPOLLOUT;
	loop_mod(&c->ctl->mucd->loop, &c->io, ev);
}

static void
client_read(struct ctl_client *c)
{
	char chunk[16384], *nl;
	ssize_t n;

	n = read(c->io.fd, chunk, sizeof(chunk));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->dead = true;
		return;
	}
	if (n < 0)
		return;
	c->last_active = loop_now_ms();
	if (c->discarding) {
		/* Drop everything up to the end of the refused line. */
		if ((nl = memchr(chunk, '\n', (size_t)n)) == NULL)
			return;
		c->discarding = false;
		if (buf_append(&c->in, nl + 1, (size_t)(chunk + n - nl - 1)))
			c->dead = true;
	} else if (buf_append(&c->in, chunk, (size_t)n) == -1)
		c->dead = true;
	process_input(c);
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
	c->stuck_since = buf_pending(&c->out) >= CTL_OUT_PAUSE ?
	    (c->stuck_since ? c->stuck_since : loop_now_ms()) : 0;
}

static void
client_io(struct loop_io *io, uint32_t events)
{
	struct ctl_client *c = io->arg;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	/* Replies are written by ctl_flush at the end of the turn, after
	 * the store's group commit (see before_sleep in mucd.c). */
	if (c->dead) {
		client_free(c);
		return;
	}
	update_interest(c);
}

static bool
in_group(unsigned uid, gid_t gid, gid_t want)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256, i;

	if (gid == want)
		return true;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

static bool
peer_allowed(struct ctl *ctl, int fd, unsigned *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return false;
	*uid = cr.uid;
	return cr.uid == 0 || cr.uid == geteuid() ||
	    (ctl->has_group && in_group(cr.uid, cr.gid, ctl->group));
}

static void
refuse(int fd, const char *code, const char *msg)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "{\"id\":null,\"ok\":false,"
	    "\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code, msg);
	/* Best effort on a fresh socket: the line fits its buffer. */
	if (write(fd, line, (size_t)n) != n) {
		/* Gone already. */
	}
	close(fd);
}

/*
 * At capacity, the longest-idle client with nothing in flight makes room
 * for a new one: connections that just sit there cannot lock operators
 * out. Only when every client is busy is the newcomer refused.
 */
static bool
evict_idle_client(struct ctl *ctl)
{
	struct ctl_client *c, *oldest = NULL;

	for (c = ctl->clients; c != NULL; c = c->next)
		if (buf_pending(&c->in) == 0 && buf_pending(&c->out) == 0 &&
		    (oldest == NULL || c->last_active < oldest->last_active))
			oldest = c;
	if (oldest == NULL)
		return false;
	log_info("control: closing an idle client (uid %u) to make room",
	    oldest->uid);
	client_free(oldest);
	return true;
}

static void
accept_io(struct loop_io *io, uint32_t events)
{
	struct ctl *ctl = io->arg;
	struct mucd *m = ctl->mucd;
	struct ctl_client *c;
	unsigned uid = 0;
	char msg[128];
	int fd;

	(void)events;
	while ((fd = accept4(io->fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if (!peer_allowed(ctl, fd, &uid)) {
			log_warn("control: refused a connection from uid %u",
			    uid);
			snprintf(msg, sizeof(msg), "uid %u may not use the "
			    "mucd control socket", uid);
			refuse(fd, "forbidden", msg);
			continue;
		}
		if (ctl->nclients >= m->conf.control_max_clients &&
		    !evict_idle_client(ctl)) {
			refuse(fd, "busy", "too many control clients");
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->uid = uid;
		c->io.fd = fd;
		c->io.events = EPOLLIN;
		c->io.cb = client_io;
		c->io.arg = c;
		buf_init(&c->in, 0);
		buf_init(&c->out, CTL_OUT_MAX);
		c->last_active = loop_now_ms();
		if (loop_add(&m->loop, &c->io) == -1) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nclients++;
	}
}

int
ctl_open(struct mucd *m, int uid, int gid, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl;
	struct group *gr;
	int fd;

	if (strlen(m->conf.control) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long");
		return -1;
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(m->conf.control)) == NULL) {
		free(ctl);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctl->mucd = m;
	if (m->conf.control_group != NULL) {
		if ((gr = getgrnam(m->conf.control_group)) == NULL) {
			snprintf(err, errlen, "control_group '%s' does not "
			    "exist", m->conf.control_group);
			goto fail;
		}
		ctl->group = gr->gr_gid;
		ctl->has_group = true;
		/* The socket's group is what lets members connect at all. */
		gid = (int)gr->gr_gid;
	}
	strcpy(sun.sun_path, m->conf.control);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	/* A stale socket from a crashed run; a live daemon is caught by the
	 * store's lock, which is taken first. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		snprintf(err, errlen, "%s: another mucd is listening",
		    m->conf.control);
		close(fd);
		goto fail;
	}
	unlink(m->conf.control);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(m->conf.control, 0660) == -1 ||
	    ((uid != -1 || gid != -1) &&
	    chown(m->conf.control, (uid_t)uid, (gid_t)gid) == -1) ||
	    listen(fd, 64) == -1) {
		snprintf(err, errlen, "%s: %s", m->conf.control,
		    strerror(errno));
		close(fd);
		unlink(m->conf.control);
		goto fail;
	}
	ctl->listen.fd = fd;
	ctl->listen.events = EPOLLIN;
	ctl->listen.cb = accept_io;
	ctl->listen.arg = ctl;
	if (loop_add(&m->loop, &ctl->listen) == -1) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		close(fd);
		goto fail;
	}
	m->ctl = ctl;
	return 0;
fail:
	free(ctl->path);
	free(ctl);
	return -1;
}

void
ctl_close(struct mucd *m)
{
	struct ctl *ctl = m->ctl;

	if (ctl == NULL)
		return;
	ctl_flush(m);
	while (ctl->clients != NULL)
		client_free(ctl->clients);
	loop_del(&m->loop, &ctl->listen);
	close(ctl->listen.fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
	m->ctl = NULL;
}

void
ctl_flush(struct mucd *m)
{
	struct ctl_client *c, *next;

	if (m->ctl == NULL)
		return;
	for (c = m->ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (!c->dead && buf_pending(&c->out) > 0)
			client_write(c);
		if (c->dead)
			client_free(c);
		else
			update_interest(c);
	}
}

void
ctl_resume(struct mucd *m)
{
	struct ctl_client *c;

	if (m->ctl == NULL)
		return;
	/* Requests held back while a client's replies piled up. */
	for (c = m->ctl->clients; c != NULL; c = c->next)
		if (!c->dead && buf_pending(&c->in) > 0 &&
		    buf_pending(&c->out) < CTL_OUT_PAUSE)
			process_input(c);
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

unsigned
ctl_client_uid(const struct ctl_client *c)
{
	return c->uid;
}
