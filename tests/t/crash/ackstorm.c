/*
 * ackstorm: drive a stream of affiliation changes through mucd's control
 * socket and record each one mucd acknowledged, so a test can kill -9 the
 * daemon at any moment and then check that nothing acknowledged was lost.
 *
 *   ackstorm SOCKET ROOM PREFIX COUNT ACKFILE
 *   ackstorm SOCKET -          (send stdin's lines, print each reply)
 *
 * Sets PREFIX<n>@example.org to member (n = 1..COUNT), one request at a
 * time; after each {"ok":true} reply, appends the JID to ACKFILE and
 * fsyncs it. Exits when the daemon goes away or COUNT is reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../testio.h"

/* Read one reply line; 1 if it says ok, 0 if not, -1 on EOF/error. */
static int
read_reply(int fd, FILE *echo)
{
	static char line[1 << 20];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(line) - 1) {
		if ((r = read(fd, line + n, 1)) <= 0)
			return -1;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (echo != NULL)
		fputs(line, echo);
	return strstr(line, "\"ok\":true") != NULL;
}

static int
relay(int fd)
{
	char req[65536];
	size_t len;

	while (fgets(req, sizeof(req), stdin) != NULL) {
		len = strlen(req);
		if (write(fd, req, len) != (ssize_t)len ||
		    read_reply(fd, stdout) == -1)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char req[512], jid[256];
	long i, count;
	FILE *acks;
	int fd, len, rc;

	if (argc == 3 && strcmp(argv[2], "-") == 0) {
		if ((fd = tio_dial_unix(argv[1])) == -1) {
			perror(argv[1]);
			return 1;
		}
		return relay(fd);
	}
	if (argc != 6) {
		fprintf(stderr, "usage: ackstorm SOCKET ROOM PREFIX COUNT "
		    "ACKFILE\n");
		return 2;
	}
	count = atol(argv[4]);
	if ((fd = tio_dial_unix(argv[1])) == -1) {
		perror(argv[1]);
		return 1;
	}
	if ((acks = fopen(argv[5], "a")) == NULL) {
		perror(argv[5]);
		return 1;
	}
	for (i = 1; i <= count; i++) {
		snprintf(jid, sizeof(jid), "%s%ld@example.org", argv[3], i);
		len = snprintf(req, sizeof(req), "{\"id\":%ld,\"cmd\":"
		    "\"affiliation.set\",\"args\":{\"room\":\"%s\",\"jid\":"
		    "\"%s\",\"affiliation\":\"member\"}}\n", i, argv[2], jid);
		if (write(fd, req, (size_t)len) != len)
			break;
		if ((rc = read_reply(fd, NULL)) == -1)
			break;
		if (rc == 0) {
			fprintf(stderr, "ackstorm: %s refused\n", jid);
			return 1;
		}
		fprintf(acks, "%s\n", jid);
		fflush(acks);
		fsync(fileno(acks));
	}
	fclose(acks);
	printf("%ld\n", i - 1);
	return 0;
}
