/*
 * fuzz_stanza: bytes from the XMPP server, through the real component link
 * (mucd/link.c: stream parser, handshake, stream errors, write buffer),
 * into the router and the whole room engine, with the store behind it.
 *
 * Per input: a fresh link over a socketpair (this side plays the server:
 * it reads mucd's stream header, sends its own and accepts the
 * handshake), then the input as stream data, then the server hangs up.
 * Everything mucd wrote back must be a stream a server accepts (see
 * harness.h); afterwards the room model and the store are checked and
 * reset. Seeds: tests/fuzz/corpus/fuzz_stanza (from the scenario scripts;
 * regenerate with tests/fuzz/mkcorpus.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "link.h"
#include "loop.h"

#define SERVER_HDR "<?xml version='1.0'?><stream:stream " \
	"xmlns='jabber:component:accept' " \
	"xmlns:stream='http://etherx.jabber.org/streams' id='fuzz' " \
	"from='" FZ_DOMAIN "'><handshake/>"

static int peer = -1;
static struct buf out;

static void
drain(void)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(peer, chunk, sizeof(chunk))) > 0)
		if (buf_append(&out, chunk, (size_t)n) == -1)
			fz_die("out of memory");
}

/* Write as the server does; stops early once mucd has hung up. */
static void
server_write(const char *p, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int guard = 0;

	while (off < len && fz_m.link.io.fd != -1) {
		n = write(peer, p + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		fz_turn();
		drain();
		if (++guard > 1000000)
			fz_die("link stuck");
	}
	fz_turn();
	fz_turn();
	drain();
}

static void
link_connect(void)
{
	struct link *l = &fz_m.link;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		fz_die("socketpair: %s", strerror(errno));
	/* link_start without the TCP connect. */
	loop_timer_cancel(l->loop, &l->retry);
	l->io.fd = sv[0];
	l->io.events = EPOLLOUT;
	l->state = LINK_CONNECTING;
	if (loop_add(l->loop, &l->io) == -1)
		fz_die("loop_add: %s", strerror(errno));
	peer = sv[1];
	buf_reset(&out);
	fz_turn();		/* connected: mucd sends its header */
	server_write(SERVER_HDR, strlen(SERVER_HDR));
	if (l->state != LINK_UP)
		fz_die("link did not come up (state %s)",
		    link_state_name(l->state));
}

static void
link_hangup(void)
{
	struct link *l = &fz_m.link;

	drain();
	close(peer);
	peer = -1;
	if (l->io.fd != -1) {
		fz_turn();	/* reads EOF: teardown, retry scheduled */
		fz_turn();
	}
	loop_timer_cancel(l->loop, &l->retry);
	if (l->io.fd != -1 || l->state != LINK_IDLE)
		fz_die("link not torn down after the server hung up");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		struct fz_opts o = { .conf_extra =
		    "history_persist = yes\n"
		    "room_lock_timeout = 1\n" };

		fz_init(&o);
		buf_init(&out, 0);
		ready = true;
	}
	link_connect();
	server_write((const char *)data, size);
	link_hangup();
	fz_check_output(out.data, out.len, true, NULL);
	fz_check_rooms(fz_m.shutting_down);
	fz_check_store();
	fz_reset();
	return 0;
}
