/*
 * net: non-blocking sockets and the one poll() loop.
 *
 * Every wait in the runner goes through net_pump(), which services all
 * connections at once: while we wait for Romeo's stanza, Juliet's socket
 * is still read (so the server never stalls on a full buffer) and her
 * stanzas are queued in arrival order.
 */
#include "scsrun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Start a TCP connect; completion is seen by the pump as POLLOUT. */
int
net_connect(struct client *c, const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL;
	int rc, fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(c->err, sizeof(c->err), "%s:%s: %s", host, port,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1 || set_nonblock(fd) == -1 ||
	    (connect(fd, res->ai_addr, res->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)) {
		snprintf(c->err, sizeof(c->err), "connect to %s:%s: %s",
		    host, port, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	c->fd = fd;
	return 0;
}

void
net_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/* Send what the kernel takes now; the pump sends the rest on POLLOUT. */
static int
flush(struct client *c)
{
	ssize_t n;

	while (buf_pending(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_pending(&c->out),
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->err, sizeof(c->err), "send: %s",
			    strerror(errno));
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	return 0;
}

int
net_write(struct client *c, const char *data, size_t len)
{
	if (c->fd == -1) {
		snprintf(c->err, sizeof(c->err), "not connected");
		return -1;
	}
	if (buf_append(&c->out, data, len) == -1) {
		snprintf(c->err, sizeof(c->err),
		    "output buffer full (server not reading?)");
		return -1;
	}
	return c->state == CS_CONNECTING ? 0 : flush(c);
}

static short
want_events(const struct client *c)
{
	if (c->state == CS_CONNECTING)
		return POLLOUT;
	return (short)(POLLIN | (buf_pending(&c->out) > 0 ? POLLOUT : 0));
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Service all sockets until done(arg) holds (returns 1) or the deadline
 * passes (returns 0). done may be NULL: then this is a plain timed wait
 * that keeps reading, which is what a settle delay is. -1 if poll fails.
 */
int
net_pump(struct ctx *x, long long deadline, done_fn done, void *arg)
{
	struct pollfd pfd[MAX_CLIENTS + 1];
	struct client *who[MAX_CLIENTS + 1];
	long long left;
	size_t i, n;
	int r;

	for (;;) {
		if (done != NULL && done(arg))
			return 1;
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		for (i = n = 0; i < x->ncl && n < MAX_CLIENTS + 1; i++) {
			if (x->cl[i].fd == -1)
				continue;
			pfd[n].fd = x->cl[i].fd;
			pfd[n].events = want_events(&x->cl[i]);
			pfd[n].revents = 0;
			who[n++] = &x->cl[i];
		}
		if (n == 0) {
			/* Nothing can change; just let the time pass. */
			sleep_ms(left);
			continue;
		}
		r = poll(pfd, n, left > 60000 ? 60000 : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0 && who[i]->fd == pfd[i].fd)
				client_io(who[i], pfd[i].revents);
	}
}

/* Flush on POLLOUT, for client_io. */
int
net_flush(struct client *c)
{
	return flush(c);
}

/* For the fixture: the kernel picks a port that is free right now. */
int
net_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return ntohs(sin.sin_port);
}
