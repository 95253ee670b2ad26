/* conn: non-blocking sockets with capped buffers, driven by epoll. */
#include "mucbench.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void
set_interest(struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (c->fd == -1 || ev == c->events)
		return;
	if (epoll_ctl(c->b->epfd, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    c->fd, &e) == -1)
		die("epoll_ctl: %s", strerror(errno));
	c->events = ev;
}

void
conn_init(struct conn *c, struct bench *b, int fd, size_t incap,
    size_t outcap, conn_stz_cb cb, size_t idx)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->b = b;
	c->on_stz = cb;
	c->idx = idx;
	buf_init(&c->in, incap);
	buf_init(&c->out, outcap);
	scan_init(&c->sc);
	if (fd != -1)
		set_interest(c, EPOLLIN);
}

void
conn_close(struct conn *c)
{
	if (c->fd != -1) {
		epoll_ctl(c->b->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->events = 0;
	buf_free(&c->in);
	buf_free(&c->out);
}

static void
fail(struct conn *c, const char *what)
{
	if (!c->dead)
		snprintf(c->err, sizeof(c->err), "%s", what);
	c->dead = true;
	set_interest(c, 0);
}

static void
mark_dirty(struct conn *c)
{
	struct bench *b = c->b;

	if (c->dirty)
		return;
	if (b->ndirty == b->cdirty) {
		size_t nc = b->cdirty ? b->cdirty * 2 : 64;
		struct conn **nd = realloc(b->dirty, nc * sizeof(*nd));

		if (nd == NULL)
			die("out of memory (flush list)");
		b->dirty = nd;
		b->cdirty = nc;
	}
	b->dirty[b->ndirty++] = c;
	c->dirty = true;
}

void
conn_send(struct conn *c, const char *p, size_t n)
{
	if (c->dead)
		return;
	if (buf_append(&c->out, p, n) == -1)
		die("send buffer cap (%zu bytes) reached: the peer stopped "
		    "reading", c->out.cap);
	mark_dirty(c);
}

void
conn_sendf(struct conn *c, const char *f, ...)
{
	va_list ap;
	int rc;

	if (c->dead)
		return;
	va_start(ap, f);
	rc = buf_vprintf(&c->out, f, ap);
	va_end(ap);
	if (rc == -1)
		die("send buffer cap (%zu bytes) reached", c->out.cap);
	mark_dirty(c);
}

int
conn_flush(struct conn *c)
{
	ssize_t n;

	c->dirty = false;
	if (c->fd == -1)
		return -1;
	while (!c->dead && buf_pending(&c->out) > 0) {
		n = write(c->fd, buf_head(&c->out), buf_pending(&c->out));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			fail(c, strerror(errno));
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	if (!c->dead)
		set_interest(c, EPOLLIN |
		    (buf_pending(&c->out) > 0 ? EPOLLOUT : 0));
	return c->dead ? -1 : 0;
}

static void
on_scan(void *arg, const struct stz *z)
{
	struct conn *c = arg;

	c->on_stz(c->b, c, z);
}

static void
do_read(struct conn *c)
{
	size_t budget = READ_BUDGET, want;
	ssize_t n;

	while (!c->dead && budget > 0) {
		want = c->in.cap - buf_pending(&c->in);
		want = want > 256 * 1024 ? 256 * 1024 : want;
		if (want == 0 || buf_reserve(&c->in, want) == -1) {
			fail(c, "stanza larger than the read buffer cap");
			return;
		}
		n = read(c->fd, c->in.data + c->in.len, want);
		if (n == 0) {
			fail(c, "connection closed by peer");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(c, strerror(errno));
			return;
		}
		c->in.len += (size_t)n;
		c->b->now = now_ns();
		scan_feed(&c->sc, &c->in, on_scan, c);
		budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
		if ((size_t)n < want)
			return;
	}
}

void
conn_event(struct conn *c, uint32_t ev)
{
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		do_read(c);
	if ((ev & EPOLLOUT) && !c->dead)
		conn_flush(c);
}

static int
sock(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd != -1)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static struct sockaddr_in
loopback(unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return a;
}

int
listen_loopback(unsigned short *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t al = sizeof(a);
	int fd = sock();

	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

int
free_port(unsigned short *port)
{
	int fd = listen_loopback(port);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

int
connect_loopback(unsigned short port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}
