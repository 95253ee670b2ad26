/*
 * testio.h: the few I/O helpers the project's small test programs
 * (in tests/t and tests/mucctl) share. Header-only, so each program stays
 * one file built with a plain `cc`; include it by a relative path.
 */
#ifndef MUCD_TESTIO_H
#define MUCD_TESTIO_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on the monotonic clock. */
static inline long long
tio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Write all n bytes (blocking fd): 0, or -1 on error or a closed peer.
 * A peer that closed must be an error return, not a SIGPIPE that kills
 * the test program without a word (the daemon closes idle clients to
 * make room, at a moment the program cannot know).
 */
static inline int
tio_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == ENOTSOCK)
			w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A connected stream socket to the Unix socket at path, or -1. */
static inline int
tio_dial_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
