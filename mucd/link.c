#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "jid.h"
#include "log.h"
#include "sha1.h"
#include "utf8.h"

#define READ_CHUNK	65536
#define LINK_BUF_KEEP	(1u << 20)	/* kept allocated once drained */
#define BACKOFF_MIN_MS	500

static void link_io(struct loop_io *, uint32_t);

/* Every change of state is stamped, for status and metrics. */
static void
set_state(struct link *l, enum link_state st)
{
	if (l->state != st)
		l->state_since = time(NULL);
	l->state = st;
}

static void
remember_error(struct link *l, const char *what)
{
	/* Status and metrics show it: cut, it must stay UTF-8. */
	snprintf(l->last_error, sizeof(l->last_error), "%s", what);
	utf8_chop(l->last_error);
	l->last_error_at = time(NULL);
}


const char *
link_state_name(enum link_state s)
{
	static const char *const names[LINK_NSTATES] = {
#define LINK_X_NAME(id, name)	[LINK_##id] = name,
		LINK_STATES(LINK_X_NAME)
#undef LINK_X_NAME
	};

	return (unsigned)s < LINK_NSTATES ? names[s] : "?";
}

static void
retry_cb(struct loop_timer *t)
{
	link_start(t->arg);
}

void
link_init(struct link *l, struct loop *loop, const struct link_cb *cb,
    void *arg)
{
	memset(l, 0, sizeof(*l));
	l->loop = loop;
	l->io.fd = -1;
	l->io.cb = link_io;
	l->io.arg = l;
	l->retry.cb = retry_cb;
	l->retry.arg = l;
	l->cb = *cb;
	l->cbarg = arg;
	l->backoff_ms = BACKOFF_MIN_MS;
	l->state_since = time(NULL);
	buf_init(&l->out, 0);
}

void
link_configure(struct link *l, const char *host, unsigned port,
    const char *domain, const char *secret, size_t max_stanza,
    unsigned max_depth, size_t max_out, size_t buffer_max,
    unsigned backoff_max_s)
{
	l->host = host;
	l->port = port;
	l->domain = domain;
	l->secret = secret;
	l->limits.max_stanza = max_stanza;
	l->limits.max_depth = max_depth;
	l->max_out = max_out;
	l->backoff_max_ms = backoff_max_s * 1000;
	/* The cap is hard; the watermarks leave room for the output of the
	 * stanza being processed when the high mark is crossed. */
	l->out.cap = buffer_max;
	l->high_water = buffer_max / 2;
	l->low_water = buffer_max / 8;
}

static void
teardown(struct link *l)
{
	bool was_up = l->state == LINK_UP;

	if (l->io.fd != -1) {
		loop_del(l->loop, &l->io);
		close(l->io.fd);
		l->io.fd = -1;
	}
	xml_stream_free(l->parser);
	l->parser = NULL;
	buf_reset(&l->out);
	l->paused = false;
	l->closing = l->fatal = false;
	l->why[0] = '\0';
	set_state(l, LINK_IDLE);
	if (was_up) {
		l->stats.drops++;
		if (l->cb.down != NULL)
			l->cb.down(l->cbarg);
	}
}

static void
schedule_retry(struct link *l)
{
	uint64_t jitter = randombytes_uniform(l->backoff_ms / 4 + 1);

	log_info("link: reconnecting in %u ms", l->backoff_ms);
	loop_timer_set(l->loop, &l->retry, l->backoff_ms + jitter);
	l->backoff_ms = l->backoff_ms * 2 > l->backoff_max_ms ?
	    l->backoff_max_ms : l->backoff_ms * 2;
}

/*
 * Inside the parser's callbacks the parser must not be freed, so failures
 * found there are recorded and acted on once xml_stream_feed returns.
 */
static void
fail(struct link *l, const char *what)
{
	if (l->parsing) {
		l->closing = true;
		if (l->why[0] == '\0')
			snprintf(l->why, sizeof(l->why), "%s", what);
		return;
	}
	log_warn("link to %s:%u: %s", l->host, l->port, what);
	remember_error(l, what);
	teardown(l);
	schedule_retry(l);
}

static void
fatal(struct link *l, const char *why)
{
	if (l->parsing) {
		l->closing = l->fatal = true;
		snprintf(l->why, sizeof(l->why), "%s", why);
		return;
	}
	log_error("link to %s:%u: %s", l->host, l->port, why);
	remember_error(l, why);
	teardown(l);
	if (l->cb.fatal != NULL)
		l->cb.fatal(l->cbarg, why);
}

/* Stanzas for a link that is not up are counted and dropped. */
static bool
sendable(struct link *l)
{
	if (l->state == LINK_UP)
		return true;
	l->stats.dropped_out++;
	return false;
}

/*
 * Over the hard cap: the server has stopped reading for long enough that
 * the link is unusable. Roll back the partial stanza so the stream stays
 * valid, and start over rather than grow.
 */
static void
overflow(struct link *l, size_t before)
{
	l->out.len = l->out.off + before;
	l->closing = true;
	log_error("link: write buffer limit (%zu bytes) reached", l->out.cap);
}

static void
queue(struct link *l, const char *p, size_t n)
{
	size_t before = buf_pending(&l->out);

	if (buf_append(&l->out, p, n) == -1)
		overflow(l, before);
}

static void
send_header(struct link *l)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr), "<?xml version='1.0'?><stream:stream "
	    "xmlns='" NS_COMPONENT "' xmlns:stream='" XML_NS_STREAM "' "
	    "to='%s'>", l->domain);
	queue(l, hdr, (size_t)n);
	link_flush(l);
}

static void
send_stream_error(struct link *l, const char *cond)
{
	char msg[256];
	int n;

	n = snprintf(msg, sizeof(msg), "<stream:error><%s xmlns='"
	    "urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
	    "</stream:stream>", cond);
	queue(l, msg, (size_t)n);
	link_flush(l);
}

static void
on_open(void *arg, const struct xnode *root)
{
	struct link *l = arg;
	char digest[2 * SHA1_DIGEST_LEN + 1], msg[128];
	const char *id = x_attr(root, "id");
	struct buf b;

	if (l->state != LINK_OPENING)
		return;
	if (!x_is(root, "stream", XML_NS_STREAM)) {
		l->closing = true;
		log_error("link: server sent no usable stream header");
		return;
	}
	/*
	 * No id to hash the secret with: the server will not take this
	 * component. Prosody says why in the stream error that follows (an
	 * unknown domain: host-unknown), so read on; if the stream ends
	 * without one, this is the reason given (see on_stanza).
	 */
	if (id == NULL || *id == '\0') {
		snprintf(l->why, sizeof(l->why), "the server sent a stream "
		    "header without an id for %s and no reason", l->domain);
		return;
	}
	buf_init(&b, 0);
	if (buf_puts(&b, id) == -1 || buf_puts(&b, l->secret) == -1) {
		buf_free(&b);
		l->closing = true;
		return;
	}
	sha1_hex(b.data, b.len, digest);
	sodium_memzero(b.data, b.len);
	buf_free(&b);
	snprintf(msg, sizeof(msg), "<handshake>%s</handshake>", digest);
	queue(l, msg, strlen(msg));
	link_flush(l);
	set_state(l, LINK_HANDSHAKE);
}

static void
stream_error(struct link *l, struct xnode *err)
{
	const char *cond = "undefined-condition", *text;
	struct xnode *c;
	char why[512];

	X_FOREACH(err, c)
		if (strcmp(c->ns, "urn:ietf:params:xml:ns:xmpp-streams") == 0 &&
		    strcmp(c->name, "text") != 0) {
			cond = c->name;
			break;
		}
	text = x_child_text(err, "text", "urn:ietf:params:xml:ns:xmpp-streams");
	snprintf(why, sizeof(why), "stream error <%s/>%s%s", cond,
	    text ? ": " : "", text ? text : "");
	/* A refused secret or an unknown component host will not fix
	 * itself by retrying: report it and stop. Some servers (ejabberd)
	 * answer an unknown domain like a wrong secret, so the message
	 * names both. */
	if (l->state == LINK_HANDSHAKE && strcmp(cond, "not-authorized") == 0) {
		snprintf(why, sizeof(why), "handshake refused: the server "
		    "rejected the component secret or does not know the domain "
		    "%s (check 'secret' and 'domain' in mucd.conf against the "
		    "server's component configuration)", l->domain);
		fatal(l, why);
		return;
	}
	if (strcmp(cond, "host-unknown") == 0 ||
	    strcmp(cond, "improper-addressing") == 0) {
		snprintf(why, sizeof(why), "the server does not know the "
		    "component domain %s (<%s/>): configure it as a component "
		    "on the server", l->domain, cond);
		fatal(l, why);
		return;
	}
	/* The reason the link goes down, logged and kept by fail(). */
	l->closing = true;
	if (l->why[0] == '\0')
		snprintf(l->why, sizeof(l->why), "%s", why);
}

static void
on_stanza(void *arg, struct xnode *st)
{
	struct link *l = arg;

	if (l->closing || l->io.fd == -1) {
		x_free(st);
		return;
	}
	if (x_is(st, "error", XML_NS_STREAM)) {
		stream_error(l, st);
		x_free(st);
		return;
	}
	if (l->state == LINK_OPENING) {
		/* After a header without an id, only a stream error was
		 * welcome. */
		x_free(st);
		fail(l, l->why[0] != '\0' ? l->why : "stanza before the "
		    "stream header");
		return;
	}
	if (l->state == LINK_HANDSHAKE) {
		if (x_is(st, "handshake", NS_COMPONENT)) {
			set_state(l, LINK_UP);
			l->backoff_ms = BACKOFF_MIN_MS;
			l->up_since = loop_now_ms();
			l->stats.connects++;
			log_info("link: connected to %s:%u as %s", l->host,
			    l->port, l->domain);
			if (l->cb.up != NULL)
				l->cb.up(l->cbarg);
		}
		x_free(st);
		return;
	}
	if (l->state != LINK_UP) {
		x_free(st);
		return;
	}
	l->cb.stanza(l->cbarg, st);
}

static void
on_rejected(void *arg, struct xnode *shell, const char *why)
{
	struct link *l = arg;

	if (l->state != LINK_UP || l->closing || l->io.fd == -1) {
		x_free(shell);
		return;
	}
	l->cb.rejected(l->cbarg, shell, why);
}

static void
on_close(void *arg)
{
	struct link *l = arg;

	log_warn("link: server closed the stream");
	l->closing = true;
}

static int
start_parser(struct link *l)
{
	static const struct xml_stream_cb cb = {
		on_open, on_stanza, on_close, on_rejected
	};

	xml_stream_free(l->parser);
	l->parser = xml_stream_new(&l->limits, &cb, l);
	return l->parser ? 0 : -1;
}

static void
handle_read(struct link *l)
{
	char chunk[READ_CHUNK];
	ssize_t n;
	int rc;

	n = read(l->io.fd, chunk, sizeof(chunk));
	if (n == 0) {
		fail(l, "connection closed by server");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail(l, strerror(errno));
		return;
	}
	l->stats.bytes_in += (uint64_t)n;
	l->parsing = true;
	rc = xml_stream_feed(l->parser, chunk, (size_t)n);
	l->parsing = false;
	if (l->fatal) {
		char why[sizeof(l->why)];

		memcpy(why, l->why, sizeof(why));
		fatal(l, why);
		return;
	}
	if (rc == -1) {
		char why[256];

		snprintf(why, sizeof(why), "XML error from server: %s",
		    xml_stream_errmsg(l->parser));
		/* Tell the server why before hanging up. */
		send_stream_error(l,
		    xml_error_condition(xml_stream_error(l->parser)));
		fail(l, why);
		return;
	}
	if (l->io.fd != -1 && l->closing) {
		char why[sizeof(l->why)];

		snprintf(why, sizeof(why), "%s", l->why[0] ? l->why :
		    "stream closed");
		fail(l, why);
	}
}

static void
update_interest(struct link *l)
{
	uint32_t ev = 0;

	if (l->io.fd == -1)
		return;
	if (!l->paused)
		ev |= EPOLLIN;
	if (buf_pending(&l->out) > 0 || l->state == LINK_CONNECTING)
		ev |= EPOLLOUT;
	loop_mod(l->loop, &l->io, ev);
}

static void
connect_done(struct link *l)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(l->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		fail(l, strerror(err));
		return;
	}
	if (start_parser(l) == -1) {
		fail(l, "out of memory");
		return;
	}
	set_state(l, LINK_OPENING);
	send_header(l);
	update_interest(l);
}

static void
link_io(struct loop_io *io, uint32_t events)
{
	struct link *l = io->arg;

	if (l->state == LINK_CONNECTING) {
		connect_done(l);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		handle_read(l);
	/* Writable: nothing to do here. Queued stanzas are written by
	 * link_flush at the end of the turn, after the store's group
	 * commit, so no acknowledgement ever overtakes its commit. */
	(void)events;
}

static int
open_socket(struct link *l, char *why, size_t whylen)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char port[16];
	int fd = -1, rc, one = 1;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", l->port);
	/* getaddrinfo blocks on DNS; the server is normally a literal
	 * address or localhost, resolved from /etc/hosts. */
	if ((rc = getaddrinfo(l->host, port, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve %s: %s", l->host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		snprintf(why, whylen, "connect: %s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1 && why[0] == '\0')
		snprintf(why, whylen, "no usable address for %s", l->host);
	return fd;
}

void
link_start(struct link *l)
{
	char why[256] = "";

	if (l->state != LINK_IDLE)
		return;
	loop_timer_cancel(l->loop, &l->retry);
	if ((l->io.fd = open_socket(l, why, sizeof(why))) == -1) {
		log_warn("link to %s:%u: %s", l->host, l->port, why);
		schedule_retry(l);
		return;
	}
	set_state(l, LINK_CONNECTING);
	l->io.events = EPOLLOUT;
	if (loop_add(l->loop, &l->io) == -1) {
		close(l->io.fd);
		l->io.fd = -1;
		set_state(l, LINK_IDLE);
		schedule_retry(l);
		return;
	}
	log_debug("link: connecting to %s:%u", l->host, l->port);
}

/* A serialized stanza's kind, from its element name. (The stream's own
 * elements, header and handshake, are queued as no stanza.) */
static enum link_kind
kind_of(const char *ser)
{
	switch (ser[1]) {
	case 'm':	return KIND_MESSAGE;
	case 'p':	return KIND_PRESENCE;
	case 'i':	return KIND_IQ;
	}
	return KIND_OTHER;
}

/*
 * Account for a stanza just queued and apply backpressure; one over
 * max_out is taken back out, so the stream stays valid.
 */
static void
queued(struct link *l, size_t before)
{
	size_t n = buf_pending(&l->out) - before;

	if (l->max_out > 0 && n > l->max_out) {
		l->out.len = l->out.off + before;
		l->stats.oversized_out++;
		log_warn("link: a %zu-byte stanza exceeds max_stanza_out "
		    "(%zu); not sent: %.*s", n, l->max_out, 120,
		    buf_head(&l->out) + before);
		return;
	}
	l->stats.sent[kind_of(buf_head(&l->out) + before)]++;
	if (buf_pending(&l->out) > l->stats.queue_peak)
		l->stats.queue_peak = buf_pending(&l->out);
	if (log_debug_enabled())
		log_debug("link: out %.*s",
		    (int)(buf_pending(&l->out) - before),
		    buf_head(&l->out) + before);
	if (!l->paused && buf_pending(&l->out) > l->high_water) {
		l->paused = true;
		l->stats.backpressure++;
		log_warn("link: server is not reading (%zu bytes queued); "
		    "pausing input", buf_pending(&l->out));
		update_interest(l);
	}
}

void
link_send_raw(struct link *l, const char *p, size_t n)
{
	size_t before = buf_pending(&l->out);

	if (!sendable(l))
		return;
	queue(l, p, n);
	queued(l, before);
}

/* Append the parts of one stanza, in one reservation. */
static int
append_iov(struct buf *b, const struct iovec *iov, int n)
{
	size_t total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (buf_reserve(b, total) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(b->data + b->len, iov[i].iov_base, iov[i].iov_len);
		b->len += iov[i].iov_len;
	}
	return 0;
}

/* ser with attr inserted at split, as the parts of one stanza. */
static void
splice_parts(struct iovec iov[3], const char *ser, size_t len, size_t split,
    const char *attr, size_t alen)
{
	iov[0].iov_base = (void *)ser;
	iov[0].iov_len = split;
	iov[1].iov_base = (void *)attr;
	iov[1].iov_len = alen;
	iov[2].iov_base = (void *)(ser + split);
	iov[2].iov_len = len - split;
}

/* Append a stanza with ' to='...'' spliced in. */
static int
splice_to(struct buf *b, const char *ser, size_t len, size_t split,
    const char *to)
{
	char attr[JID_MAX + 8];
	size_t tl = strlen(to);
	struct iovec iov[3];

	/* A prepared JID needs escaping only if its resource has one of
	 * these; then take the general path. */
	if (tl > JID_MAX || strcspn(to, "&<>'\"\r\n\t") != tl)
		return buf_append(b, ser, split) == -1 ||
		    buf_append(b, " to='", 5) == -1 ||
		    x_escape(b, to, tl) == -1 || buf_putc(b, '\'') == -1 ||
		    buf_append(b, ser + split, len - split) == -1 ? -1 : 0;
	memcpy(attr, " to='", 5);
	memcpy(attr + 5, to, tl);
	attr[5 + tl] = '\'';
	splice_parts(iov, ser, len, split, attr, tl + 6);
	return append_iov(b, iov, 3);
}

void
link_send_to(struct link *l, const char *ser, size_t len, size_t split,
    const char *to)
{
	size_t before = buf_pending(&l->out);

	if (!sendable(l))
		return;
	if (splice_to(&l->out, ser, len, split, to) == -1)
		overflow(l, before);
	else
		queued(l, before);
}

void
link_send_spliced(struct link *l, const char *ser, size_t len, size_t split,
    const char *attr, size_t alen)
{
	struct iovec iov[3];

	splice_parts(iov, ser, len, split, attr, alen);
	link_send_iov(l, iov, 3);
}

void
link_send_iov(struct link *l, const struct iovec *iov, int n)
{
	size_t before = buf_pending(&l->out);

	if (!sendable(l))
		return;
	if (append_iov(&l->out, iov, n) == -1)
		overflow(l, before);
	else
		queued(l, before);
}

void
link_send(struct link *l, const struct xnode *st)
{
	size_t before = buf_pending(&l->out);

	if (!sendable(l))
		return;
	if (x_serialize(st, &l->out, NS_COMPONENT) == -1)
		overflow(l, before);
	else
		queued(l, before);
}

void
link_flush(struct link *l)
{
	ssize_t n;

	while (l->io.fd != -1 && buf_pending(&l->out) > 0) {
		n = write(l->io.fd, buf_head(&l->out), buf_pending(&l->out));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			fail(l, strerror(errno));
			return;
		}
		l->stats.bytes_out += (uint64_t)n;
		buf_consume(&l->out, (size_t)n);
	}
	buf_trim(&l->out, LINK_BUF_KEEP);
	if (l->paused && buf_pending(&l->out) <= l->low_water) {
		l->paused = false;
		log_info("link: server is reading again; resuming input");
	}
	if (l->io.fd != -1 && l->closing && !l->parsing) {
		char why[sizeof(l->why)];

		snprintf(why, sizeof(why), "%s", l->why[0] ? l->why :
		    "stream closed");
		fail(l, why);
		return;
	}
	update_interest(l);
}

size_t
link_pending(const struct link *l)
{
	return buf_pending(&l->out);
}

/*
 * Close the stream politely: what is queued (the occupants' 332
 * presences at shutdown) and </stream:stream> go out, but a server that
 * does not read gets SHUTDOWN_WAIT_MS, not forever.
 */
#define SHUTDOWN_WAIT_MS	3000

void
link_shutdown(struct link *l)
{
	uint64_t deadline = loop_now_ms() + SHUTDOWN_WAIT_MS, now;
	struct pollfd p;
	ssize_t n;

	loop_timer_cancel(l->loop, &l->retry);
	if (l->io.fd != -1 && l->state >= LINK_OPENING) {
		queue(l, "</stream:stream>", 16);
		p.fd = l->io.fd;
		p.events = POLLOUT;
		while (buf_pending(&l->out) > 0 &&
		    (now = loop_now_ms()) < deadline) {
			if (poll(&p, 1, (int)(deadline - now)) <= 0)
				continue;
			n = write(l->io.fd, buf_head(&l->out),
			    buf_pending(&l->out));
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
			if (n > 0)
				buf_consume(&l->out, (size_t)n);
		}
		if (buf_pending(&l->out) > 0)
			log_warn("link: %zu bytes not sent at shutdown (the "
			    "server is not reading)", buf_pending(&l->out));
	}
	set_state(l, LINK_IDLE);
	if (l->io.fd != -1) {
		loop_del(l->loop, &l->io);
		close(l->io.fd);
		l->io.fd = -1;
	}
}

/* No goodbye, and what is queued is dropped with the connection: a site
 * that stopped being the master must not say anything more. */
void
link_stop(struct link *l)
{
	loop_timer_cancel(l->loop, &l->retry);
	teardown(l);
}

void
link_free(struct link *l)
{
	link_shutdown(l);
	xml_stream_free(l->parser);
	l->parser = NULL;
	buf_free(&l->out);
}
