/*
 * ptydrive: run a program on a pseudo-terminal and play a script at it,
 * for testing mucctl's interactive shell (readline needs a terminal).
 *
 *   ptydrive [-t SECONDS] [-l LOG] SCRIPT -- PROGRAM [ARGS...]
 *
 * Script lines (blank lines and lines starting with '#' are skipped):
 *   send TEXT      type TEXT; escapes: \t \r \n \e (ESC) \\ \xHH
 *   expect TEXT    wait until the program's output since the previous
 *                  match contains TEXT (same escapes)
 *   sleep MS       pause
 *   wait STATUS    wait for the program to exit with this status
 *
 * The child gets TERM=dumb and INPUTRC=/dev/null, so neither the caller's
 * terminal nor their readline settings change what is tested. The whole
 * transcript goes to LOG. Exit: 0 the script passed, 1 it failed (with
 * the reason and the output's tail), 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../testio.h"

#define OUT_MAX	(4u << 20)

struct drive {
	int	 fd;		/* the pty's master side, -1 after EOF */
	pid_t	 pid;
	bool	 reaped;
	int	 status;
	char	*out;		/* everything the program wrote */
	size_t	 len, mark;	/* mark: end of the last expect match */
	long	 timeout_ms;
	FILE	*log;
};

/* Decode the escapes of a script argument in place; returns length. */
static size_t
unescape(char *s)
{
	char *o = s, *p = s;
	unsigned v;

	while (*p != '\0') {
		if (*p != '\\' || p[1] == '\0') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 't': *o++ = '\t'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 'n': *o++ = '\n'; p++; break;
		case 'e': *o++ = '\033'; p++; break;
		case 'x':
			if (sscanf(p + 1, "%2x", &v) == 1) {
				*o++ = (char)v;
				p += 3;
				break;
			}
			/* FALLTHROUGH */
		default: *o++ = *p++; break;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

/* Read what is there (waiting up to ms); false at EOF. */
static bool
pump(struct drive *d, int ms)
{
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	char chunk[4096];
	ssize_t n;

	if (d->fd == -1)
		return false;
	if (poll(&p, 1, ms) <= 0)
		return true;
	n = read(d->fd, chunk, sizeof(chunk));
	/* Linux reports a closed slave side as EIO. */
	if (n <= 0) {
		if (n == -1 && errno == EINTR)
			return true;
		close(d->fd);
		d->fd = -1;
		return false;
	}
	if (d->log != NULL)
		fwrite(chunk, 1, (size_t)n, d->log);
	if (d->len + (size_t)n > OUT_MAX)
		return true;	/* keep the log going, stop buffering */
	memcpy(d->out + d->len, chunk, (size_t)n);
	d->len += (size_t)n;
	d->out[d->len] = '\0';
	return true;
}

static void
show_tail(const struct drive *d)
{
	size_t from = d->len > 2000 ? d->len - 2000 : 0, i;

	fprintf(stderr, "--- output (tail, escaped):\n");
	for (i = from; i < d->len; i++) {
		unsigned char c = (unsigned char)d->out[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f))
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\n---\n");
}

static int
do_expect(struct drive *d, const char *text, size_t tlen)
{
	long long deadline = tio_now_ms() + d->timeout_ms;
	char *hit;

	for (;;) {
		hit = memmem(d->out + d->mark, d->len - d->mark, text, tlen);
		if (hit != NULL) {
			d->mark = (size_t)(hit - d->out) + tlen;
			return 0;
		}
		if (tio_now_ms() >= deadline || !pump(d, 50)) {
			if (d->fd == -1 && (hit = memmem(d->out + d->mark,
			    d->len - d->mark, text, tlen)) != NULL) {
				d->mark = (size_t)(hit - d->out) + tlen;
				return 0;
			}
			fprintf(stderr, "ptydrive: expected \"%s\": %s\n", text,
			    d->fd == -1 ? "the program ended" : "timed out");
			show_tail(d);
			return -1;
		}
	}
}

static int
do_send(struct drive *d, const char *text, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(d->fd, text, len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ptydrive: send: %s\n", strerror(errno));
			return -1;
		}
		text += n;
		len -= (size_t)n;
		pump(d, 0);
	}
	return 0;
}

static int
do_wait(struct drive *d, int want)
{
	long long deadline = tio_now_ms() + d->timeout_ms;
	pid_t r;

	while (!d->reaped) {
		pump(d, 50);
		if ((r = waitpid(d->pid, &d->status, WNOHANG)) == d->pid)
			d->reaped = true;
		else if (tio_now_ms() >= deadline) {
			fprintf(stderr, "ptydrive: the program did not exit\n");
			show_tail(d);
			return -1;
		}
	}
	while (pump(d, 100))
		;
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != want) {
		fprintf(stderr, "ptydrive: exit status %d (raw %#x), wanted "
		    "%d\n", WIFEXITED(d->status) ? WEXITSTATUS(d->status) : -1,
		    d->status, want);
		show_tail(d);
		return -1;
	}
	return 0;
}

static int
step(struct drive *d, char *line, unsigned lineno)
{
	char *arg = strchr(line, ' ');
	size_t len;

	if (arg != NULL)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	len = unescape(arg);
	if (strcmp(line, "send") == 0)
		return do_send(d, arg, len);
	if (strcmp(line, "expect") == 0)
		return do_expect(d, arg, len);
	if (strcmp(line, "sleep") == 0) {
		long long until = tio_now_ms() + atol(arg);

		while (tio_now_ms() < until)
			pump(d, 20);
		return 0;
	}
	if (strcmp(line, "wait") == 0)
		return do_wait(d, atoi(arg));
	fprintf(stderr, "ptydrive: line %u: unknown step '%s'\n", lineno, line);
	return -1;
}

static int
play(struct drive *d, FILE *script)
{
	char line[4096];
	unsigned lineno = 0;
	size_t n;

	while (fgets(line, sizeof(line), script) != NULL) {
		lineno++;
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (step(d, line, lineno) == -1) {
			fprintf(stderr, "ptydrive: failed at script line %u\n",
			    lineno);
			return -1;
		}
	}
	return 0;
}

static pid_t
start(struct drive *d, char **argv)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 200 };
	pid_t pid = forkpty(&d->fd, NULL, NULL, &ws);

	if (pid == 0) {
		setenv("TERM", "dumb", 1);
		setenv("INPUTRC", "/dev/null", 1);
		execvp(argv[0], argv);
		fprintf(stderr, "ptydrive: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void
finish(struct drive *d)
{
	if (!d->reaped && waitpid(d->pid, &d->status, WNOHANG) == 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &d->status, 0);
	}
	if (d->fd != -1)
		close(d->fd);
}

int
main(int argc, char **argv)
{
	struct drive d = { .fd = -1, .timeout_ms = 10000 };
	FILE *script;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+t:l:")) != -1) {
		switch (ch) {
		case 't': d.timeout_ms = (long)(atof(optarg) * 1000); break;
		case 'l': d.log = fopen(optarg, "w"); break;
		default: goto usage;
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		goto usage;
	if ((script = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return 2;
	}
	if ((d.out = malloc(OUT_MAX + 1)) == NULL) {
		perror("ptydrive");
		return 2;
	}
	d.out[0] = '\0';
	if ((d.pid = start(&d, argv + optind + 2)) == -1) {
		perror("forkpty");
		return 2;
	}
	rc = play(&d, script) == 0 ? 0 : 1;
	fclose(script);
	finish(&d);
	if (d.log != NULL)
		fclose(d.log);
	free(d.out);
	return rc;
usage:
	fprintf(stderr, "usage: ptydrive [-t SECONDS] [-l LOG] SCRIPT -- "
	    "PROGRAM [ARGS...]\n");
	return 2;
}
