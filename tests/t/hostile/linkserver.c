/*
 * linkserver: plays the XMPP server's side of the XEP-0114 link to feed
 * mucd hostile input straight on the component stream, where no server
 * filters it, and checks that mucd answers correctly and keeps serving.
 *
 *   linkserver PORT SECRET DOMAIN CASES_DIR
 *
 * Each file in CASES_DIR is one case: the first line says what mucd must
 * do, the rest is sent raw after the handshake.
 *   expect-reply SUBSTRING   a stanza containing SUBSTRING comes back
 *   expect-silence           nothing comes back (dropped as XMPP requires)
 *   expect-close CONDITION   mucd closes the stream with that stream error
 *                            and then connects again
 * After every case a disco#info to the service must be answered: mucd
 * still serves. Exit 0 when every case behaved.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sha1.h"
#include "../../testio.h"

#define BUFMAX	(1 << 20)

struct link {
	int	 lfd, fd;
	char	 in[BUFMAX];
	size_t	 inlen;
	const char *secret, *domain;
	int	 serial;
};

/* Read until `want` appears or timeout; returns 1 found, 0 timeout, -1
 * closed. The buffer keeps everything read. */
static int
read_until(struct link *l, const char *want, int timeout_ms)
{
	long long end = tio_now_ms() + timeout_ms;
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		l->in[l->inlen] = '\0';
		if (want != NULL && strstr(l->in, want) != NULL)
			return 1;
		if (tio_now_ms() >= end)
			return 0;
		if (poll(&p, 1, (int)(end - tio_now_ms())) <= 0)
			continue;
		if (l->inlen >= BUFMAX - 1)
			l->inlen = 0;	/* keep the tail only */
		n = read(l->fd, l->in + l->inlen, BUFMAX - 1 - l->inlen);
		if (n <= 0)
			return -1;
		l->inlen += (size_t)n;
	}
}

static int
accept_mucd(struct link *l)
{
	char hdr[512], digest[41], want[128], idsecret[256];
	struct pollfd p = { .fd = l->lfd, .events = POLLIN };

	if (poll(&p, 1, 15000) != 1 || (l->fd = accept(l->lfd, NULL, NULL)) < 0)
		return -1;
	l->inlen = 0;
	if (read_until(l, "<stream:stream", 5000) != 1 ||
	    read_until(l, ">", 5000) != 1)
		return -1;
	snprintf(hdr, sizeof(hdr), "<?xml version='1.0'?><stream:stream "
	    "xmlns='jabber:component:accept' xmlns:stream="
	    "'http://etherx.jabber.org/streams' id='hostile%d' from='%s'>",
	    l->serial, l->domain);
	snprintf(idsecret, sizeof(idsecret), "hostile%d%s", l->serial++,
	    l->secret);
	sha1_hex(idsecret, strlen(idsecret), digest);
	snprintf(want, sizeof(want), "<handshake>%s</handshake>", digest);
	l->inlen = 0;
	if (tio_write_all(l->fd, hdr, strlen(hdr)) == -1 ||
	    read_until(l, want, 5000) != 1 ||
	    tio_write_all(l->fd, "<handshake/>", 12) == -1)
		return -1;
	l->inlen = 0;
	return 0;
}

/* The service still answers. */
static int
alive(struct link *l)
{
	char iq[512];

	snprintf(iq, sizeof(iq), "<iq type='get' id='alive%d' to='%s' "
	    "from='checker@example.net/x'><query xmlns="
	    "'http://jabber.org/protocol/disco#info'/></iq>", l->serial++,
	    l->domain);
	l->inlen = 0;
	if (tio_write_all(l->fd, iq, strlen(iq)) == -1)
		return -1;
	return read_until(l, "type='result'", 5000) == 1 ? 0 : -1;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || (s = malloc((size_t)n + 1)) == NULL) {
		if (f)
			fclose(f);
		return NULL;
	}
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* Expand @REPEAT(n,text)@ so cases can describe huge inputs briefly. */
static char *
expand(const char *in, size_t *outlen)
{
	size_t cap = strlen(in) + 1, len = 0, tl;
	char *out = malloc(cap), *t;
	const char *p = in, *m;
	long n;

	while (out != NULL && *p != '\0') {
		if (strncmp(p, "@REPEAT(", 8) == 0 &&
		    (m = strstr(p, ")@")) != NULL) {
			n = strtol(p + 8, &t, 10);
			t++;		/* the comma */
			tl = (size_t)(m - t);
			while (n-- > 0) {
				if (len + tl + 1 > cap) {
					cap = (len + tl + 1) * 2;
					if ((out = realloc(out, cap)) == NULL)
						return NULL;
				}
				memcpy(out + len, t, tl);
				len += tl;
			}
			p = m + 2;
			continue;
		}
		if (len + 2 > cap && (out = realloc(out, cap *= 2)) == NULL)
			return NULL;
		out[len++] = *p++;
	}
	if (out != NULL)
		out[len] = '\0';
	*outlen = len;
	return out;
}

static int
run_case(struct link *l, const char *name, char *text)
{
	char *nl = strchr(text, '\n'), *payload, *arg;
	size_t plen;
	int r;

	if (nl == NULL)
		return -1;
	*nl = '\0';
	arg = strchr(text, ' ');
	if (arg != NULL)
		*arg++ = '\0';
	if ((payload = expand(nl + 1, &plen)) == NULL)
		return -1;
	l->inlen = 0;
	r = tio_write_all(l->fd, payload, plen);
	free(payload);
	if (strcmp(text, "expect-close") == 0) {
		/* A stream error naming the condition, then a new link. */
		if (r == 0)
			r = read_until(l, arg, 5000) == 1 ? 0 : -1;
		if (r == 0 && read_until(l, "</stream:stream>", 5000) == 0)
			r = -1;
		close(l->fd);
		if (r == 0 && accept_mucd(l) == -1) {
			fprintf(stderr, "%s: mucd did not reconnect\n", name);
			return -1;
		}
	} else if (strcmp(text, "expect-reply") == 0) {
		if (r == 0 && read_until(l, arg, 3000) != 1) {
			fprintf(stderr, "%s: no reply containing %s; got: %.*s\n",
			    name, arg, (int)(l->inlen > 800 ? 800 : l->inlen),
			    l->in);
			return -1;
		}
	} else if (strcmp(text, "expect-silence") == 0) {
		if (r == 0 && read_until(l, "<", 500) != 0) {
			fprintf(stderr, "%s: expected silence, got: %.*s\n",
			    name, (int)(l->inlen > 800 ? 800 : l->inlen), l->in);
			return -1;
		}
	} else {
		fprintf(stderr, "%s: unknown expectation '%s'\n", name, text);
		return -1;
	}
	if (r == -1)
		fprintf(stderr, "%s: link failed (%s)\n", name,
		    strerror(errno));
	else if ((r = alive(l)) == -1)
		fprintf(stderr, "%s: mucd stopped answering\n", name);
	return r;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static struct link l;
	char *names[512], path[4096], *text;
	struct dirent *de;
	int one = 1, failed = 0, n = 0, i;
	size_t len;
	DIR *d;

	if (argc != 5) {
		fprintf(stderr, "usage: linkserver PORT SECRET DOMAIN CASES\n");
		return 2;
	}
	l.secret = argv[2];
	l.domain = argv[3];
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l.lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(l.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l.lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(l.lfd, 4)) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	if ((d = opendir(argv[4])) == NULL)
		return 1;
	while ((de = readdir(d)) != NULL && n < 512)
		if (strstr(de->d_name, ".case") != NULL)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp);
	if (accept_mucd(&l) == -1) {
		fprintf(stderr, "mucd did not connect and handshake\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[4], names[i]);
		if ((text = slurp(path, &len)) == NULL)
			return 1;
		if (run_case(&l, names[i], text) == 0)
			printf("ok   %s\n", names[i]);
		else {
			printf("FAIL %s\n", names[i]);
			failed++;
			if (l.fd < 0 || alive(&l) == -1)
				break;	/* nothing more can be learnt */
		}
		fflush(stdout);
		free(text);
	}
	return failed ? 1 : 0;
}
