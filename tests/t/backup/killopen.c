/*
 * killopen: SIGKILL a process at the moment it opens its Nth file under
 * a mount point — a crash in the middle of writing, at a chosen place
 * instead of a random moment. Uses fanotify permission events: the
 * process is held in open(2) while it is killed. Root only.
 *
 *   killopen MOUNTPOINT PID N READYFILE
 *
 * Creates READYFILE once it watches. Exits 0 after the kill, 1 on an
 * error or if the Nth open does not come within 30 s, 2 if fanotify is
 * not available here (the test then skips).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#define WAIT_MS	30000

/* Let the open proceed (or fail, for a dead process) and release it. */
static void
answer(int fan, int fd)
{
	struct fanotify_response r = { .fd = fd, .response = FAN_ALLOW };

	if (write(fan, &r, sizeof(r)) != sizeof(r))
		perror("killopen: response");
	close(fd);
}

/* 1 once the Nth open by pid was seen (and the process killed). */
static int
handle(int fan, const char *buf, ssize_t len, pid_t pid, long n, long *seen)
{
	const struct fanotify_event_metadata *ev;
	int done = 0;

	for (ev = (const void *)buf; FAN_EVENT_OK(ev, len);
	    ev = FAN_EVENT_NEXT(ev, len)) {
		if (ev->fd < 0)
			continue;
		if (!done && ev->pid == pid && ++*seen == n) {
			kill(pid, SIGKILL);
			done = 1;
		}
		answer(fan, ev->fd);
	}
	return done;
}

int
main(int argc, char **argv)
{
	char buf[8192] __attribute__((aligned(8)));
	struct pollfd p;
	long n, seen = 0;
	pid_t pid;
	ssize_t len;
	int fan, fd;

	if (argc != 5 || (pid = (pid_t)atol(argv[2])) <= 0 ||
	    (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: killopen MOUNTPOINT PID N READYFILE\n");
		return 1;
	}
	if ((fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
	    O_RDONLY)) == -1 ||
	    fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM,
	    AT_FDCWD, argv[1]) == -1) {
		fprintf(stderr, "killopen: fanotify: %s\n", strerror(errno));
		return 2;
	}
	if ((fd = open(argv[4], O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		fprintf(stderr, "killopen: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	close(fd);
	p.fd = fan;
	p.events = POLLIN;
	while (poll(&p, 1, WAIT_MS) == 1) {
		if ((len = read(fan, buf, sizeof(buf))) <= 0)
			break;
		if (handle(fan, buf, len, pid, n, &seen))
			return 0;
	}
	fprintf(stderr, "killopen: saw %ld opens by %ld, not %ld\n", seen,
	    (long)pid, n);
	return 1;
}
