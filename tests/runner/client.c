/*
 * client: one c2s connection and its receive queue.
 *
 * Login is a state machine driven by the stanzas the server sends
 * (features -> SASL PLAIN -> restart -> features -> bind [-> session]),
 * so it advances inside net_pump() like everything else and never blocks
 * the other clients. Once logged in, every stanza goes to the queue that
 * `receives` consumes.
 */
#include "scsrun.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define STREAM_HEADER_FMT "<?xml version='1.0'?><stream:stream " \
	"xmlns='" NS_CLIENT "' xmlns:stream='" XML_NS_STREAM "' " \
	"version='1.0' to='"

static void fail(struct client *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* First failure wins: later ones are usually consequences of it. */
static void
fail(struct client *c, const char *fmt, ...)
{
	char msg[sizeof(c->err)];
	va_list ap;

	/* Via msg: callers may pass c->err itself as an argument. */
	if (c->state != CS_DEAD || c->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		memcpy(c->err, msg, sizeof(msg));
	}
	trace(c->ctx, c, "!!", "%s", c->err);
	c->state = CS_DEAD;
}

const char *
client_state_name(enum cstate s)
{
	static const char *names[] = {
		"idle", "connecting", "waiting for stream features",
		"authenticating", "binding a resource", "starting a session",
		"ready", "closing", "dead"
	};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

bool
client_connected(const struct client *c)
{
	return c->fd != -1 && c->state != CS_DEAD && c->state != CS_IDLE;
}

/* "condition: text" of a stanza error (or a SASL failure). */
void
stanza_error_desc(const struct xnode *st, char *out, size_t len)
{
	const struct xnode *e = x_child(st, "error", NULL), *k;
	const char *cond = "(no condition)", *text = "";

	if (e == NULL)
		e = st;
	X_FOREACH(e, k) {
		if (strcmp(k->name, "text") == 0)
			text = x_text(k);
		else if (strcmp(cond, "(no condition)") == 0)
			cond = k->name;
	}
	snprintf(out, len, "%s%s%s", cond, *text ? ": " : "", text);
}

static int
send_raw(struct client *c, const char *s)
{
	trace(c->ctx, c, ">>", "%s", s);
	if (net_write(c, s, strlen(s)) == -1) {
		fail(c, "%s", c->err);
		return -1;
	}
	return 0;
}

static int
send_node(struct client *c, const struct xnode *n)
{
	struct buf b;
	int rc;

	buf_init(&b, MAX_STANZA);
	if (x_serialize(n, &b, NS_CLIENT) == -1 || buf_cstr(&b) == -1) {
		buf_free(&b);
		fail(c, "stanza to send is too large or out of memory");
		return -1;
	}
	rc = send_raw(c, b.data);
	buf_free(&b);
	return rc;
}

static int
send_header(struct client *c)
{
	struct buf b;
	int rc = -1;

	buf_init(&b, 0);
	if (buf_puts(&b, STREAM_HEADER_FMT) == 0 &&
	    x_escape(&b, c->jid->domain, strlen(c->jid->domain)) == 0 &&
	    buf_puts(&b, "'>") == 0 && buf_cstr(&b) == 0)
		rc = send_raw(c, b.data);
	else
		fail(c, "out of memory");
	buf_free(&b);
	return rc;
}

/* SASL PLAIN (RFC 4616): base64("" NUL authcid NUL password). */
static void
send_auth(struct client *c)
{
	size_t ul = strlen(c->jid->node), pl = strlen(c->password);
	size_t rawlen = ul + pl + 2;
	size_t b64len = sodium_base64_ENCODED_LEN(rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	unsigned char *raw = malloc(rawlen);
	char *b64 = malloc(b64len);
	struct buf b;

	buf_init(&b, 0);
	if (raw == NULL || b64 == NULL) {
		fail(c, "out of memory");
		goto out;
	}
	raw[0] = '\0';
	memcpy(raw + 1, c->jid->node, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, c->password, pl);
	sodium_bin2base64(b64, b64len, raw, rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	if (buf_printf(&b, "<auth xmlns='" NS_SASL "' mechanism='PLAIN'>%s"
	    "</auth>", b64) == -1 || buf_cstr(&b) == -1) {
		fail(c, "out of memory");
		goto out;
	}
	if (send_raw(c, b.data) == 0)
		c->state = CS_AUTH;
out:
	buf_free(&b);
	free(raw);
	free(b64);
}

static void
send_iq(struct client *c, const char *id, const char *child, const char *ns,
    const char *resource, enum cstate next)
{
	struct xnode *iq = x_new("iq", NS_CLIENT), *q;

	q = x_add(iq, child, ns);
	x_set_attr(iq, "type", "set");
	x_set_attr(iq, "id", id);
	if (q == NULL || (resource != NULL &&
	    x_add_child_text(q, "resource", resource) == NULL)) {
		fail(c, "out of memory");
		x_free(iq);
		return;
	}
	if (send_node(c, iq) == 0)
		c->state = next;
	x_free(iq);
}

static bool
offers_plain(const struct xnode *features)
{
	const struct xnode *m = x_child(features, "mechanisms", NS_SASL), *k;

	if (m == NULL)
		return false;
	X_FOREACH(m, k)
		if (strcmp(k->name, "mechanism") == 0 &&
		    strcmp(x_text(k), "PLAIN") == 0)
			return true;
	return false;
}

static void
on_features(struct client *c, const struct xnode *f)
{
	const struct xnode *sess;

	if (!c->authed) {
		if (!offers_plain(f))
			fail(c, "server does not offer SASL PLAIN without TLS "
			    "(allow_unencrypted_plain_auth?)");
		else
			send_auth(c);
		return;
	}
	if (x_child(f, "bind", NS_BIND) == NULL) {
		fail(c, "server offers no resource binding");
		return;
	}
	sess = x_child(f, "session", NS_SESSION);
	c->sess_needed = sess != NULL && x_child(sess, "optional", NULL) == NULL;
	send_iq(c, "bind_1", "bind", NS_BIND,
	    jid_has_resource(c->jid) ? c->jid->resource : NULL, CS_BIND);
}

static void
on_auth_reply(struct client *c, const struct xnode *st)
{
	char why[256];

	if (x_is(st, "success", NS_SASL)) {
		/* The parser is running us; reset it after this read. */
		c->authed = true;
		c->restart = true;
		c->state = CS_FEATURES;
		return;
	}
	stanza_error_desc(st, why, sizeof(why));
	fail(c, "SASL PLAIN login as %s failed: %s", c->jid->bare, why);
}

static void
on_iq_reply(struct client *c, const struct xnode *st, const char *what)
{
	const char *type = x_attr(st, "type"), *jid;
	char why[256];

	if (!x_is(st, "iq", NS_CLIENT) || type == NULL ||
	    (strcmp(type, "result") != 0 && strcmp(type, "error") != 0)) {
		fail(c, "unexpected <%s/> while %s", st->name,
		    client_state_name(c->state));
		return;
	}
	if (strcmp(type, "error") == 0) {
		stanza_error_desc(st, why, sizeof(why));
		fail(c, "%s failed: %s", what, why);
		return;
	}
	if (c->state == CS_BIND) {
		jid = x_child_text(x_child(st, "bind", NS_BIND), "jid", NS_BIND);
		if (jid == NULL || strlen(jid) >= sizeof(c->bound)) {
			fail(c, "bind result without a usable <jid/>");
			return;
		}
		snprintf(c->bound, sizeof(c->bound), "%s", jid);
		snprintf(c->bound_bare, sizeof(c->bound_bare), "%.*s",
		    (int)strcspn(jid, "/"), jid);
		if (c->sess_needed) {
			send_iq(c, "sess_1", "session", NS_SESSION, NULL,
			    CS_SESSION);
			return;
		}
	}
	c->state = CS_READY;
	trace(c->ctx, c, "--", "logged in as %s", c->bound);
}

static void
enqueue(struct client *c, struct xnode *st)
{
	struct qent *e;

	if (c->qlen >= MAX_QUEUE) {
		fail(c, "receive queue overflow (%d unread stanzas)", MAX_QUEUE);
		x_free(st);
		return;
	}
	if ((e = malloc(sizeof(*e))) == NULL) {
		fail(c, "out of memory");
		x_free(st);
		return;
	}
	e->next = NULL;
	e->stanza = st;
	if (c->qtail != NULL)
		c->qtail->next = e;
	else
		c->qhead = e;
	c->qtail = e;
	c->qlen++;
}

static void
on_open(void *arg, const struct xnode *root)
{
	struct client *c = arg;

	if (!x_is(root, "stream", XML_NS_STREAM))
		fail(c, "server opened <%s/> instead of a stream", root->name);
	else
		trace(c->ctx, c, "<<", "<stream:stream id='%s'>",
		    x_attr(root, "id") ? x_attr(root, "id") : "");
}

static void
on_stanza(void *arg, struct xnode *st)
{
	struct client *c = arg;
	char why[256];

	trace_node(c->ctx, c, "<<", st);
	if (x_is(st, "error", XML_NS_STREAM)) {
		stanza_error_desc(st, why, sizeof(why));
		fail(c, "stream error from server: %s", why);
	} else if (c->state == CS_READY) {
		enqueue(c, st);
		return;
	} else if (c->state == CS_FEATURES && x_is(st, "features", XML_NS_STREAM))
		on_features(c, st);
	else if (c->state == CS_AUTH)
		on_auth_reply(c, st);
	else if (c->state == CS_BIND)
		on_iq_reply(c, st, "resource binding");
	else if (c->state == CS_SESSION)
		on_iq_reply(c, st, "session establishment");
	else if (c->state != CS_CLOSING && c->state != CS_DEAD)
		fail(c, "unexpected <%s/> while %s", st->name,
		    client_state_name(c->state));
	x_free(st);
}

static void
on_close(void *arg)
{
	struct client *c = arg;

	trace(c->ctx, c, "<<", "</stream:stream>");
	if (c->state == CS_CLOSING)
		c->state = CS_IDLE;
	else
		fail(c, "server closed the stream");
}

/* The runner's limits are far above anything a scenario sends. */
static void
on_rejected(void *arg, struct xnode *shell, const char *why)
{
	x_free(shell);
	fail(arg, "a stanza broke the parser's limits: %s", why);
}

static const struct xml_stream_cb stream_cb = {
	on_open, on_stanza, on_close, on_rejected
};

int
client_init(struct client *c, struct ctx *x, const char *name,
    const char *jid, const char *password, char *err, size_t errlen)
{
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	c->ctx = x;
	c->name = name;
	c->password = password;
	c->fd = -1;
	c->state = CS_IDLE;
	buf_init(&c->out, OUTBUF_CAP);
	if ((c->jid = malloc(sizeof(*c->jid))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (jid_parse(c->jid, jid, &why) == -1 || !jid_has_node(c->jid)) {
		snprintf(err, errlen, "%s: bad client jid '%s': %s", name, jid,
		    why ? why : "no localpart");
		return -1;
	}
	return 0;
}

void
client_clear_queue(struct client *c)
{
	struct xnode *st;

	while ((st = client_pop(c)) != NULL)
		x_free(st);
}

void
client_fini(struct client *c)
{
	net_close(c);
	xml_stream_free(c->xs);
	c->xs = NULL;
	client_clear_queue(c);
	buf_free(&c->out);
	free(c->jid);
	c->jid = NULL;
}

struct xnode *
client_pop(struct client *c)
{
	struct qent *e = c->qhead;
	struct xnode *st;

	if (e == NULL)
		return NULL;
	c->qhead = e->next;
	if (c->qhead == NULL)
		c->qtail = NULL;
	c->qlen--;
	st = e->stanza;
	free(e);
	return st;
}

static void
on_connected(struct client *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1 || e != 0) {
		fail(c, "connect to %s:%s: %s", c->ctx->o.host, c->ctx->o.port,
		    strerror(e));
		return;
	}
	c->state = CS_FEATURES;
	send_header(c);
}

static void
read_some(struct client *c)
{
	char data[16384];
	ssize_t n = recv(c->fd, data, sizeof(data), 0);

	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			fail(c, "recv: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		if (c->state == CS_CLOSING)
			c->state = CS_IDLE;
		else if (c->state != CS_IDLE)
			fail(c, "server closed the connection");
		return;
	}
	if (xml_stream_feed(c->xs, data, (size_t)n) == -1) {
		fail(c, "bad XML from server: %s", xml_stream_errmsg(c->xs));
		return;
	}
	if (c->restart && c->state != CS_DEAD) {
		c->restart = false;
		if (xml_stream_reset(c->xs) == -1)
			fail(c, "out of memory");
		else
			send_header(c);
	}
}

/* Called by net_pump for each socket with events. */
void
client_io(struct client *c, short revents)
{
	if (c->state == CS_CONNECTING)
		on_connected(c);
	else {
		if ((revents & POLLOUT) && net_flush(c) == -1)
			fail(c, "%s", c->err);
		if (c->fd != -1 && (revents & (POLLIN | POLLHUP | POLLERR)))
			read_some(c);
	}
	if (c->state == CS_DEAD || c->state == CS_IDLE)
		net_close(c);
}

static bool
login_done(void *arg)
{
	const struct client *c = arg;

	return c->state == CS_READY || c->state == CS_DEAD;
}

static void
reset_session(struct client *c)
{
	struct xml_limits lim = { MAX_STANZA, MAX_DEPTH };

	c->err[0] = '\0';
	c->authed = c->restart = c->sess_needed = false;
	c->bound[0] = c->bound_bare[0] = '\0';
	buf_reset(&c->out);
	client_clear_queue(c);
	xml_stream_free(c->xs);
	c->xs = xml_stream_new(&lim, &stream_cb, c);
}

int
client_connect(struct client *c, long timeout_ms)
{
	struct ctx *x = c->ctx;

	if (client_connected(c)) {
		snprintf(c->err, sizeof(c->err), "%s is already connected",
		    c->name);
		return -1;
	}
	net_close(c);
	reset_session(c);
	c->state = CS_IDLE;
	if (c->xs == NULL) {
		fail(c, "out of memory");
		return -1;
	}
	if (net_connect(c, x->o.host, x->o.port) == -1) {
		fail(c, "%s", c->err);
		return -1;
	}
	c->state = CS_CONNECTING;
	trace(x, c, "--", "connecting to %s:%s as %s", x->o.host, x->o.port,
	    c->jid->full);
	if (net_pump(x, now_ms() + timeout_ms, login_done, c) == -1)
		fail(c, "poll: %s", strerror(errno));
	if (c->state == CS_READY)
		return 0;
	if (c->state != CS_DEAD)
		fail(c, "login timed out after %ld ms while %s", timeout_ms,
		    client_state_name(c->state));
	net_close(c);
	return -1;
}

/* Callers check c->state == CS_READY first, to report why not. */
int
client_send(struct client *c, const struct xnode *n)
{
	if (c->state != CS_READY)
		return -1;
	return send_node(c, n);
}

struct closing {
	struct client	**v;
	size_t		 n;
};

static bool
all_closed(void *arg)
{
	const struct closing *cl = arg;
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (cl->v[i]->state == CS_CLOSING && cl->v[i]->fd != -1)
			return false;
	return true;
}

/*
 * Close the streams of several clients at once and wait (briefly) for
 * the server to close its side, so the server has processed our leaving
 * before the script continues. Unread stanzas are dropped.
 */
void
client_disconnect(struct ctx *x, struct client **v, size_t n)
{
	struct closing cl = { v, n };
	size_t i;

	for (i = 0; i < n; i++)
		if (client_connected(v[i]) && v[i]->state != CS_CONNECTING &&
		    send_raw(v[i], "</stream:stream>") == 0)
			v[i]->state = CS_CLOSING;
	net_pump(x, now_ms() + CLOSE_WAIT_MS, all_closed, &cl);
	for (i = 0; i < n; i++) {
		if (v[i]->state == CS_CLOSING)
			trace(x, v[i], "--", "server did not close the stream "
			    "within %d ms", CLOSE_WAIT_MS);
		if (v[i]->qlen > 0)
			trace(x, v[i], "--", "dropping %zu unread stanzas",
			    v[i]->qlen);
		net_close(v[i]);
		client_clear_queue(v[i]);
		if (v[i]->state != CS_DEAD)
			v[i]->state = CS_IDLE;
	}
}
