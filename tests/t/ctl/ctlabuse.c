/*
 * ctlabuse: misbehaving control-socket clients, to show the daemon stays
 * bounded and keeps serving. Each check prints "ok   what" or
 * "FAIL what"; exit 1 if any failed.
 *
 *   ctlabuse SOCKET all        every check below
 *   ctlabuse SOCKET hello      one hello; prints the reply (for uid tests)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../testio.h"

#define HELLO	"{\"id\":\"h\",\"cmd\":\"hello\"}\n"

static int failures;
static const char *sockpath;

static void
check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", what);
	fflush(stdout);
	if (!cond)
		failures++;
}

/* One reply line within 5 s, into buf. */
static int
line(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;

	while (n < len - 1) {
		if (poll(&p, 1, 5000) != 1 || read(fd, buf + n, 1) != 1)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return n > 0 && buf[n - 1] == '\n' ? 0 : -1;
}

static int
ask(int fd, const char *req, char *reply, size_t len)
{
	if (tio_write_all(fd, req, strlen(req)) == -1)
		return -1;
	return line(fd, reply, len);
}

static void
still_usable(int fd, const char *what)
{
	char r[4096], msg[256];

	snprintf(msg, sizeof(msg), "%s: the connection still answers", what);
	check(ask(fd, HELLO, r, sizeof(r)) == 0 &&
	    strstr(r, "\"protocol\"") != NULL, msg);
}

static void
long_line(void)
{
	char chunk[65536], r[4096];
	int fd = tio_dial_unix(sockpath), i, ok = fd != -1;

	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; ok && i < 16; i++)		/* 1 MiB, no newline */
		ok = tio_write_all(fd, chunk, sizeof(chunk)) == 0;
	ok = ok && tio_write_all(fd, "\n", 1) == 0 &&
	    line(fd, r, sizeof(r)) == 0 && strstr(r, "\"too-large\"") != NULL;
	check(ok, "a 1 MiB line without newline is refused (too-large)");
	if (fd != -1)
		still_usable(fd, "after the 1 MiB line");
	if (fd != -1)
		close(fd);
}

static void
bad_line(const char *req, const char *code, const char *what)
{
	char r[4096], msg[256];
	int fd = tio_dial_unix(sockpath);

	snprintf(msg, sizeof(msg), "%s gets %s", what, code);
	check(fd != -1 && ask(fd, req, r, sizeof(r)) == 0 && strstr(r, code),
	    msg);
	if (fd != -1) {
		still_usable(fd, what);
		close(fd);
	}
}

static void
idle_crowd(int n)
{
	int *fds = calloc((size_t)n, sizeof(int)), i, opened = 0, fd;
	char r[4096], msg[128];

	for (i = 0; fds != NULL && i < n; i++)
		if ((fds[i] = tio_dial_unix(sockpath)) != -1)
			opened++;
	snprintf(msg, sizeof(msg), "%d idle connections opened", opened);
	check(opened > 0, msg);
	/* A real operator still gets through. */
	fd = tio_dial_unix(sockpath);
	check(fd != -1 && ask(fd, HELLO, r, sizeof(r)) == 0 &&
	    strstr(r, "\"protocol\"") != NULL,
	    "a new client is served among idle connections");
	if (fd != -1)
		close(fd);
	for (i = 0; fds != NULL && i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
}

/* Thousands of requests, replies never read: the daemon stops reading
 * from it instead of queueing without bound; others are still served. */
static void
non_reader(void)
{
	const char *req = "{\"id\":1,\"cmd\":\"status\"}\n";
	size_t len = strlen(req), sent = 0;
	int fd = tio_dial_unix(sockpath), fl, i, other;
	char r[4096];

	if (fd == -1) {
		check(0, "non-reading client connects");
		return;
	}
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (i = 0; i < 200000; i++) {
		if (write(fd, req, len) != (ssize_t)len) {
			if (errno == EAGAIN)
				break;
			break;
		}
		sent += len;
	}
	check(i < 200000, "a client that never reads is throttled "
	    "(its writes block)");
	other = tio_dial_unix(sockpath);
	check(other != -1 && ask(other, HELLO, r, sizeof(r)) == 0,
	    "another client is served meanwhile");
	if (other != -1)
		close(other);
	close(fd);
	(void)sent;
}

int
main(int argc, char **argv)
{
	char r[4096];
	int fd;

	if (argc != 3)
		return 2;
	sockpath = argv[1];
	if (strcmp(argv[2], "hello") == 0) {
		if ((fd = tio_dial_unix(sockpath)) == -1 ||
		    line(fd, r, sizeof(r)) == -1) {
			/* A refused peer gets its error before asking. */
			if (fd == -1) {
				perror("connect");
				return 1;
			}
		}
		printf("%s", r);
		return 0;
	}
	long_line();
	bad_line("{\"id\":1,\"cmd\":\"hello\",\"x\":\"\xff\xfe\"}\n",
	    "bad-request", "invalid UTF-8");
	bad_line("this is not JSON\n", "bad-request", "garbage");
	bad_line("[1,2,3]\n", "bad-request", "a JSON array");
	bad_line("{\"id\":2,\"cmd\":\"launch-missiles\"}\n", "unknown-command",
	    "an unknown command");
	bad_line("{\"id\":3,\"cmd\":\"say\",\"args\":{\"room\":\"x\","
	    "\"text\":\"a\\u0001b\"}}\n", "bad-request",
	    "a control character in an argument");
	bad_line("{\"id\":4,\"cmd\":\"room.show\",\"args\":{\"room\":7}}\n",
	    "bad-request", "a number where a room JID belongs");
	{
		/* An error message quoting 800 bytes of two-byte characters
		 * is cut to fit; cut inside one, it is no JSON string and the
		 * reply used to be lost. */
		char req[4096];
		size_t n = 0;
		int i;

		n += (size_t)snprintf(req, sizeof(req), "{\"id\":5,"
		    "\"cmd\":\"room.show\",\"args\":{\"room\":\"x");
		for (i = 0; i < 400; i++)
			n += (size_t)snprintf(req + n, sizeof(req) - n,
			    "\\u00e9");
		snprintf(req + n, sizeof(req) - n, "@elsewhere.example\"}}\n");
		bad_line(req, "bad-request", "a long non-ASCII argument");
	}
	idle_crowd(1000);
	non_reader();
	return failures ? 1 : 0;
}
