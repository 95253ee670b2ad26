/*
 * ctlabuse: misbehaving control-socket clients, to show the daemon stays
 * bounded and keeps serving. Each check prints "ok   what" or
 * "FAIL what"; exit 1 if any failed.
 *
 *   ctlabuse SOCKET all        every check below
 *   ctlabuse SOCKET hello      one hello; prints the reply (for uid tests)
 *   ctlabuse SOCKET ask JSON   one request line; prints the reply
 *   ctlabuse SOCKET pipeline N [ROOMS]
 *                              N "rooms" requests in one go, replies read
 *                              as they come: all N, in order (ROOMS rooms
 *                              with long names first, default 200)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/*
 * n connections that each send start (maybe nothing) and then sit there,
 * wait_ms, then a real operator: it must still get through.
 */
static void
crowd(int n, const char *start, unsigned wait_ms, const char *what)
{
	int *fds = calloc((size_t)n, sizeof(int)), i, opened = 0, fd;
	char r[4096], msg[128];

	for (i = 0; fds != NULL && i < n; i++) {
		if ((fds[i] = tio_dial_unix(sockpath)) == -1)
			continue;
		if (tio_write_all(fds[i], start, strlen(start)) == -1) {
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		opened++;
	}
	snprintf(msg, sizeof(msg), "%d %s connections opened", opened, what);
	check(opened > 0, msg);
	usleep(wait_ms * 1000);
	fd = tio_dial_unix(sockpath);
	snprintf(msg, sizeof(msg), "a new client is served among %s "
	    "connections", what);
	check(fd != -1 && ask(fd, HELLO, r, sizeof(r)) == 0 &&
	    strstr(r, "\"protocol\"") != NULL, msg);
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

/*
 * Write all of out while reading replies (a client that pipelines must
 * read as it writes, or both sides fill their buffers): every reply line
 * must carry the next id. Returns the number of in-order replies.
 */
static int
pipeline_run(int fd, const char *out, size_t outlen, int n, int timeout_ms)
{
	char buf[1 << 16], want[32];
	size_t have = 0, wlen, off = 0;
	int got = 0, bad = 0;
	struct pollfd p = { .fd = fd };
	char *nl, *line;
	ssize_t k;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (got < n && !bad) {
		p.events = POLLIN | (off < outlen ? POLLOUT : 0);
		if (poll(&p, 1, timeout_ms) != 1)
			break;		/* stalled: the failure this catches */
		if ((p.revents & POLLOUT) &&
		    (k = write(fd, out + off, outlen - off)) > 0)
			off += (size_t)k;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		if ((k = read(fd, buf + have, sizeof(buf) - have)) <= 0)
			break;
		have += (size_t)k;
		line = buf;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))
		    != NULL) {
			wlen = (size_t)snprintf(want, sizeof(want),
			    "{\"id\":%d,", got + 1);
			if ((size_t)(nl - line) < wlen ||
			    memcmp(line, want, wlen) != 0) {
				fprintf(stderr, "reply %d: %.120s\n", got + 1,
				    line);
				bad = 1;
				break;
			}
			got++;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf)) {
			fprintf(stderr, "a reply longer than %zu bytes\n",
			    sizeof(buf));
			break;
		}
	}
	return got;
}

/* Rooms with long names make each "rooms" reply big (200: ~46 KB):
 * pipelined, the replies pass the daemon's pause mark many times over. */
static int
pipeline(int n, int rooms)
{
	struct timespec t0, t1;
	size_t len = 0, cap = (size_t)n * 48 + 1;
	char *out = malloc(cap), name[200];
	int fd = tio_dial_unix(sockpath), i, got;
	char r[4096];

	if (out == NULL || fd == -1)
		return -1;
	memset(name, 'x', 150);
	name[150] = '\0';
	for (i = 0; i < rooms; i++) {
		char req[512];

		snprintf(req, sizeof(req), "{\"id\":0,\"cmd\":\"room.create\","
		    "\"args\":{\"room\":\"pipe%03d-%s\"}}\n", i, name);
		if (ask(fd, req, r, sizeof(r)) == -1)
			return -1;
	}
	for (i = 1; i <= n; i++)
		len += (size_t)snprintf(out + len, cap - len,
		    "{\"id\":%d,\"cmd\":\"rooms\"}\n", i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = pipeline_run(fd, out, len, n, 4000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("pipeline: %d of %d replies in order in %.2f s\n", got, n,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(out);
	close(fd);
	return got;
}

int
main(int argc, char **argv)
{
	char r[4096];
	int fd;

	/* The daemon may close any of our connections to make room; that
	 * is a failed write to check, not a reason to die silently. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 3)
		return 2;
	sockpath = argv[1];
	if (strcmp(argv[2], "pipeline") == 0 && (argc == 4 || argc == 5)) {
		int n = atoi(argv[3]);

		return pipeline(n, argc == 5 ? atoi(argv[4]) : 200) == n ? 0 : 1;
	}
	if (strcmp(argv[2], "ask") == 0 && argc == 4) {
		char req[4096];

		snprintf(req, sizeof(req), "%s\n", argv[3]);
		if ((fd = tio_dial_unix(sockpath)) == -1 ||
		    ask(fd, req, r, sizeof(r)) == -1)
			return 1;
		printf("%s", r);
		return 0;
	}
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
	crowd(1000, "", 0, "idle");
	/* Requests begun and never finished, in every slot: once they have
	 * been quiet a second (from when the daemon read them, which ASan
	 * and a loaded machine may delay), the oldest gives way. */
	crowd(80, "{\"id\":1,\"cmd\":", 2500, "half-written");
	non_reader();
	return failures ? 1 : 0;
}
