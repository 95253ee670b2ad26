/*
 * client: the control protocol (common/ctlproto.h) as mucctl speaks it —
 * to the daemon's socket, or to `mucd -m` over a socketpair in offline
 * mode; newline-delimited JSON, one request at a time. A reply line may
 * be large (a `rooms` listing of a big service) but never unbounded: past
 * MUCCTL_MAX_REPLY the connection is dropped with an error instead of
 * eating memory.
 */
#include "mucctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define READ_CHUNK	65536

void
client_init(struct client *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = -1;
	c->next_id = 1;
	buf_init(&c->in, MUCCTL_MAX_REPLY + 1);
}

void
client_close(struct client *c)
{
	int status;

	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	/* The hang-up ends maintenance mode; wait until its store is
	 * closed, so the next command (or the daemon) finds it unlocked. */
	if (c->pid != -1)
		while (waitpid(c->pid, &status, 0) == -1 && errno == EINTR)
			;
	c->pid = -1;
	json_decref(c->commands);
	c->commands = NULL;
	buf_free(&c->in);
	buf_init(&c->in, MUCCTL_MAX_REPLY + 1);
}

/* Nobody there (no socket file, or a stale one): offline may be used. */
static bool
nobody_listens(int err)
{
	return err == ENOENT || err == ECONNREFUSED || err == ENOTDIR;
}

static int
open_socket(struct mucctl *m, struct mc_err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = ctx_socket_path(m);
	char note[800];
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return mc_fail(e, EXIT_UNREACHABLE, "", "%s: socket path too "
		    "long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return mc_fail(e, EXIT_UNREACHABLE, "", "socket: %s",
		    strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		err = errno;
		close(fd);
		mc_fail(e, EXIT_UNREACHABLE, "", "cannot connect to mucd at "
		    "%s: %s%s%s", path, strerror(err), nobody_listens(err) ?
		    " (is mucd running?)" : "",
		    ctx_socket_note(m, note, sizeof(note)));
		e->absent = nobody_listens(err);
		return -1;
	}
	m->client.fd = fd;
	return 0;
}

/*
 * The daemon never speaks first, so a readable socket between requests
 * can only mean it closed the connection (an idle timeout, a restart).
 */
static bool
still_open(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static int
hello(struct mucctl *m, struct mc_err *e)
{
	struct client *c = &m->client;
	json_t *res = NULL;
	const char *dom, *ver;
	long long proto;

	if (client_call(m, CTL_HELLO, NULL, &res, e) == -1)
		return -1;
	proto = jint(res, "protocol");
	dom = jstr(res, "domain");
	ver = jstr(res, "version");
	if (proto != CTL_PROTOCOL_VERSION) {
		json_decref(res);
		return mc_fail(e, EXIT_UNREACHABLE, "", "mucd speaks control "
		    "protocol %lld; this mucctl speaks %d", proto,
		    CTL_PROTOCOL_VERSION);
	}
	snprintf(c->domain, sizeof(c->domain), "%s", dom ? dom : "");
	snprintf(c->version, sizeof(c->version), "%s", ver ? ver : "?");
	json_decref(c->commands);
	c->commands = json_incref(json_object_get(res, "commands"));
	json_decref(res);
	return 0;
}

int
client_has(struct mucctl *m, enum ctl_cmd cmd, struct mc_err *e)
{
	json_t *name;
	size_t i;

	if (!json_is_array(m->client.commands))
		return 0;
	json_array_foreach(m->client.commands, i, name)
		if (json_is_string(name) &&
		    strcmp(json_string_value(name), ctl_cmds[cmd].name) == 0)
			return 0;
	return mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_UNKNOWN_COMMAND].code,
	    "this mucd does not have the command '%s' (mucd %s; mucctl %s)",
	    ctl_cmds[cmd].name, m->client.version, MUCD_VERSION);
}

int
client_ensure(struct mucctl *m, struct mc_err *e)
{
	if (m->client.fd != -1 && still_open(m->client.fd))
		return 0;
	client_close(&m->client);
	if (open_socket(m, e) == -1)
		return -1;
	if (hello(m, e) == -1) {
		client_close(&m->client);
		return -1;
	}
	return 0;
}

int
client_attach(struct mucctl *m, int fd, int pid, struct mc_err *e)
{
	client_close(&m->client);
	m->client.fd = fd;
	m->client.pid = pid;
	if (hello(m, e) == -1) {
		client_close(&m->client);
		return -1;
	}
	return 0;
}

static int
send_all(struct mucctl *m, const char *s, size_t len, struct mc_err *e)
{
	ssize_t n;

	while (len > 0) {
		n = send(m->client.fd, s, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR &&
		    !(m->interrupted && *m->interrupted))
			continue;
		if (n == -1)
			return mc_fail(e, EXIT_UNREACHABLE, "", "writing to "
			    "mucd: %s", errno == EINTR ? "interrupted" :
			    strerror(errno));
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until a full line is buffered; *len is its length. */
static int
read_line(struct mucctl *m, size_t *len, struct mc_err *e)
{
	struct client *c = &m->client;
	char chunk[READ_CHUNK], *nl;
	ssize_t n;

	while ((nl = buf_pending(&c->in) == 0 ? NULL :
	    memchr(buf_head(&c->in), '\n', buf_pending(&c->in))) == NULL) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR &&
		    !(m->interrupted && *m->interrupted))
			continue;
		if (n == -1)
			return mc_fail(e, EXIT_UNREACHABLE, "", "reading from "
			    "mucd: %s", errno == EINTR ? "interrupted" :
			    strerror(errno));
		if (n == 0)
			return mc_fail(e, EXIT_UNREACHABLE, "", "mucd closed "
			    "the connection before replying");
		if (buf_append(&c->in, chunk, (size_t)n) == -1)
			return mc_fail(e, EXIT_UNREACHABLE, "", "reply from "
			    "mucd larger than %u MiB: refused",
			    MUCCTL_MAX_REPLY >> 20);
	}
	*len = (size_t)(nl - buf_head(&c->in));
	return 0;
}

/* Check the reply's envelope and take its result or error. */
static int
take_reply(json_t *reply, long long id, json_t **result, struct mc_err *e)
{
	json_t *rid = json_object_get(reply, "id"), *err;
	const char *code, *msg, *cond;

	if (!json_is_object(reply))
		return mc_fail(e, EXIT_UNREACHABLE, "", "mucd sent a reply "
		    "that is not a JSON object");
	/* Errors about the connection itself come with id null. */
	if (!json_is_null(rid) && (!json_is_integer(rid) ||
	    json_integer_value(rid) != id))
		return mc_fail(e, EXIT_UNREACHABLE, "", "mucd answered "
		    "another request (id mismatch)");
	if (json_is_true(json_object_get(reply, "ok"))) {
		*result = json_incref(json_object_get(reply, "result"));
		if (*result == NULL)
			*result = json_null();
		return 0;
	}
	err = json_object_get(reply, "error");
	code = json_string_value(json_object_get(err, "code"));
	msg = json_string_value(json_object_get(err, "message"));
	cond = json_string_value(json_object_get(err, "condition"));
	if (code == NULL)
		code = ctl_errs[CTL_E_INTERNAL].code;
	mc_fail(e, (int)ctl_err_class(code), code, "%s", msg ? msg : code);
	snprintf(e->condition, sizeof(e->condition), "%s", cond ? cond : "");
	snprintf(e->master, sizeof(e->master), "%s", json_string_value(
	    json_object_get(err, "master")) ? json_string_value(
	    json_object_get(err, "master")) : "");
	return -1;
}

/* The one reply line, parsed. */
static int
read_reply(struct mucctl *m, long long id, json_t **result, struct mc_err *e)
{
	struct client *c = &m->client;
	json_error_t je;
	json_t *reply;
	size_t len;
	int rc;

	if (read_line(m, &len, e) == -1)
		return -1;
	reply = json_loadb(buf_head(&c->in), len, 0, &je);
	buf_consume(&c->in, len + 1);
	if (reply == NULL)
		return mc_fail(e, EXIT_UNREACHABLE, "", "mucd sent invalid "
		    "JSON: %s", je.text);
	rc = take_reply(reply, id, result, e);
	json_decref(reply);
	return rc;
}

static int
roundtrip(struct mucctl *m, const char *line, long long id, json_t **result,
    struct mc_err *e)
{
	struct mc_err werr;

	if (send_all(m, line, strlen(line), &werr) == -1) {
		/* A daemon that refuses us says why and hangs up, maybe
		 * before our request: its reason beats "Broken pipe". */
		if (read_reply(m, id, result, e) == -1 && e->code[0] != '\0')
			return -1;
		*e = werr;
		return -1;
	}
	return read_reply(m, id, result, e);
}

/* The request as one line with its newline (malloc'd), NULL on OOM. */
static char *
frame_request(long long id, const char *cmd, json_t *args)
{
	json_t *req;
	char *s, *line = NULL;
	size_t n;

	/* No args: the member is left out (the daemon reads it as {}). */
	req = json_pack("{s:I,s:s}", "id", (json_int_t)id, "cmd", cmd);
	if (req != NULL && args != NULL &&
	    json_object_set(req, "args", args) == -1) {
		json_decref(req);
		req = NULL;
	}
	/* JSON_COMPACT never emits a newline, so the framing stays intact. */
	s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (s != NULL && (line = malloc((n = strlen(s)) + 2)) != NULL) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	free(s);
	return line;
}

int
client_call(struct mucctl *m, enum ctl_cmd cmd, json_t *args,
    json_t **result, struct mc_err *e)
{
	long long id = m->client.next_id++;
	char *line;
	int rc;

	*result = NULL;
	if ((line = frame_request(id, ctl_cmds[cmd].name, args)) == NULL)
		return mc_fail(e, EXIT_UNREACHABLE, "", "out of memory");
	rc = roundtrip(m, line, id, result, e);
	free(line);
	/* After a transport failure the stream position is unknown. */
	if (rc == -1 && e->status == EXIT_UNREACHABLE)
		client_close(&m->client);
	return rc;
}
