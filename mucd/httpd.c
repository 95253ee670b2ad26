#include "httpd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "metrics.h"
#include "mucd.h"

#define HTTPD_BACKLOG	16

struct httpd {
	struct mucd		*m;
	struct MHD_Daemon	*d;
	struct loop_io		 io;	/* libmicrohttpd's epoll descriptor */
	struct loop_timer	 timer;	/* when it must run without an event */
};

/*
 * After every run: libmicrohttpd says when it must run again even if no
 * descriptor is ready (a connection timing out, or 0: work it could not
 * finish). At least a millisecond, so a re-armed timer never fires again
 * inside the loop's pass over the timers.
 */
static void
schedule(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->d, &ms) == MHD_YES)
		loop_timer_set(&h->m->loop, &h->timer, ms > 0 ? ms : 1);
	else
		loop_timer_cancel(&h->m->loop, &h->timer);
}

static unsigned
connections(struct httpd *h)
{
	const union MHD_DaemonInfo *i;

	i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return i != NULL ? i->num_connections : 0;
}

/*
 * At the connection limit libmicrohttpd takes its listening socket out
 * of its epoll set, and puts it back only as a run begins below the
 * limit: a run that closed connections is followed by another, or a
 * listener that was full would never accept again. Each repetition has
 * fewer connections, so this ends.
 */
static void
run(struct httpd *h)
{
	unsigned before;

	do {
		before = connections(h);
		if (MHD_run(h->d) == MHD_NO) {
			log_warn("metrics_listen: libmicrohttpd failed to run");
			break;
		}
	} while (connections(h) < before);
	schedule(h);
}

static void
on_io(struct loop_io *io, uint32_t events)
{
	(void)events;
	run(io->arg);
}

static void
on_timer(struct loop_timer *t)
{
	run(t->arg);
}

/* What libmicrohttpd reports is about clients (bad requests, timeouts,
 * the connection limit): worth a debug line, never a flood of warnings
 * from whoever can reach the port. */
static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	char msg[256];

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics_listen: %s", msg);
}

/* Queue body (len bytes; freed by libmicrohttpd when mode says so). */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
    char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if ((r = MHD_create_response_from_buffer(len, body, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) ==
	    MHD_NO || (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") ==
	    MHD_NO)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)msg,
	    strlen(msg), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
answer(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct httpd *h = arg;
	enum mt_format fmt;
	struct buf b;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	if (strcmp(url, "/metrics") != 0)
		return text(c, MHD_HTTP_NOT_FOUND,
		    "not found: the metrics are at /metrics\n");
	fmt = mt_negotiate(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT));
	buf_init(&b, METRICS_TEXT_MAX);
	if (metrics_render(h->m, fmt, &b) == -1) {
		buf_free(&b);
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the metrics could not be rendered\n");
	}
	len = buf_pending(&b);
	return reply(c, MHD_HTTP_OK, mt_content_type(fmt), buf_steal(&b), len,
	    MHD_RESPMEM_MUST_FREE);
}

/* The listening socket: bound here, for the system's reason on failure
 * (libmicrohttpd only says that it could not start). */
static int
listen_on(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (conf_listen_addr(addr, &ss, &len, err, errlen) == -1)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, HTTPD_BACKLOG) == -1) {
		snprintf(err, errlen, "metrics_listen %s: %s", addr,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

int
httpd_open(struct mucd *m, const char *addr, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	struct httpd *h;
	int fd;

	if ((fd = listen_on(addr, err, errlen)) == -1)
		return -1;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		close(fd);
		snprintf(err, errlen, "metrics_listen: out of memory");
		return -1;
	}
	h->m = m;
	/* No MHD_USE_INTERNAL_POLLING_THREAD: the external-event mode. */
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, answer, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY,
	    MHD_OPTION_END);
	if (h->d == NULL ||
	    (info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		snprintf(err, errlen, "metrics_listen %s: libmicrohttpd could "
		    "not start", addr);
		goto fail;
	}
	h->io.fd = info->epoll_fd;
	h->io.events = EPOLLIN;
	h->io.cb = on_io;
	h->io.arg = h;
	h->timer.cb = on_timer;
	h->timer.arg = h;
	if (loop_add(&m->loop, &h->io) == -1) {
		snprintf(err, errlen, "metrics_listen %s: %s", addr,
		    strerror(errno));
		goto fail;
	}
	m->httpd = h;
	schedule(h);
	log_info("metrics at http://%s/metrics", addr);
	return 0;
fail:
	/* A started daemon closes the socket it was given when stopped. */
	if (h->d != NULL)
		MHD_stop_daemon(h->d);
	else
		close(fd);
	free(h);
	return -1;
}

void
httpd_close(struct mucd *m)
{
	struct httpd *h = m->httpd;

	if (h == NULL)
		return;
	loop_timer_cancel(&m->loop, &h->timer);
	loop_del(&m->loop, &h->io);
	MHD_stop_daemon(h->d);
	free(h);
	m->httpd = NULL;
}
