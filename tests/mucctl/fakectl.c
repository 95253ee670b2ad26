/*
 * fakectl: a misbehaving stand-in for mucd's control socket, to test how
 * mucctl copes with what a real daemon should never send.
 *
 *   fakectl SOCKET MODE
 *
 * It serves one connection: it answers "hello" (protocol 1, domain
 * fake.example) unless MODE says otherwise, then answers the next request
 * as MODE says, and exits.
 *   proto2      hello answers protocol 2
 *   forbidden   an id-null "forbidden" error at once, then close
 *   huge        a reply line of 65 MiB with no end
 *   big         a valid reply of 10 MiB: {"pad":"xxx..."}
 *   garbage     a reply that is not JSON
 *   idmismatch  a reply for another id
 *   close       close without replying
 *   error       {"code":"not-allowed","message":"nope"}
 *   oldcmds     hello lists only "hello" and "rooms" (an older mucd)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../testio.h"

static int
puts_fd(int fd, const char *s)
{
	return tio_write_all(fd, s, strlen(s));
}

/* Read one request line (its content is not needed). */
static int
read_line(int fd)
{
	char c;

	for (;;) {
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			return 0;
	}
}

/* n bytes of 'x' in chunks. */
static int
pad(int fd, size_t n)
{
	static char chunk[65536];
	size_t k;

	memset(chunk, 'x', sizeof(chunk));
	while (n > 0) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		if (tio_write_all(fd, chunk, k) == -1)
			return -1;
		n -= k;
	}
	return 0;
}

static void
second_reply(int fd, const char *mode)
{
	if (read_line(fd) == -1)
		return;
	if (strcmp(mode, "huge") == 0) {
		puts_fd(fd, "{\"id\":2,\"ok\":true,\"result\":\"");
		pad(fd, 65u << 20);
	} else if (strcmp(mode, "big") == 0) {
		puts_fd(fd, "{\"id\":2,\"ok\":true,\"result\":{\"pad\":\"");
		pad(fd, 10u << 20);
		puts_fd(fd, "\"}}\n");
	} else if (strcmp(mode, "garbage") == 0)
		puts_fd(fd, "this is not JSON\n");
	else if (strcmp(mode, "idmismatch") == 0)
		puts_fd(fd, "{\"id\":999,\"ok\":true,\"result\":null}\n");
	else if (strcmp(mode, "error") == 0)
		puts_fd(fd, "{\"id\":2,\"ok\":false,\"error\":{\"code\":"
		    "\"not-allowed\",\"message\":\"nope\"}}\n");
}

static void
serve(int fd, const char *mode)
{
	if (strcmp(mode, "forbidden") == 0) {
		puts_fd(fd, "{\"id\":null,\"ok\":false,\"error\":{\"code\":"
		    "\"forbidden\",\"message\":\"uid 1000 may not use the "
		    "mucd control socket\"}}\n");
		return;
	}
	if (read_line(fd) == -1)
		return;
	if (puts_fd(fd, strcmp(mode, "proto2") == 0 ?
	    "{\"id\":1,\"ok\":true,\"result\":{\"protocol\":2}}\n" :
	    strcmp(mode, "oldcmds") == 0 ?
	    "{\"id\":1,\"ok\":true,\"result\":{\"protocol\":1,\"version\":"
	    "\"0.0.9\",\"domain\":\"fake.example\",\"commands\":"
	    "[\"hello\",\"rooms\"]}}\n" :
	    "{\"id\":1,\"ok\":true,\"result\":{\"protocol\":1,\"version\":"
	    "\"fake\",\"domain\":\"fake.example\"}}\n") == -1)
		return;
	if (strcmp(mode, "close") != 0)
		second_reply(fd, mode);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, fd;
	char c;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: fakectl SOCKET MODE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 1) == -1) {
		perror("fakectl");
		return 1;
	}
	if ((fd = accept(lfd, NULL, NULL)) == -1) {
		perror("fakectl: accept");
		return 1;
	}
	serve(fd, argv[2]);
	/* Let the client read everything before the close. */
	shutdown(fd, SHUT_WR);
	while (read(fd, &c, 1) > 0)
		;
	close(fd);
	close(lfd);
	unlink(argv[1]);
	return 0;
}
