/*
 * fuzz_xml_stream: the bounded streaming parser (common/xml.c) as the link
 * uses it, plus the serializer.
 *
 * Input: byte 0 is a control byte, the rest is stream data.
 *   bits 0-3  seed for the chunk sizes the data is fed in
 *   bit 4     small limits (512 bytes, depth 4) instead of 4096/16
 *   bit 5     restart the stream (xml_stream_reset) from inside the
 *             stanza callback after every 3rd stanza
 *   bit 7     the data carries its own stream header; otherwise a
 *             jabber:component:accept header is fed first
 *
 * Every stanza the parser hands out is checked:
 *   - serialize(x) parses back (xml_parse) and serialize(parse(serialize(x)))
 *     == serialize(x), both standalone and as the link writes it (inside a
 *     stream whose default namespace is jabber:component:accept);
 *   - its serialization stays within a small multiple of the bytes fed:
 *     escaping grows text at most 6x ('"' -> "&quot;"), and namespace
 *     names repeated by the serializer must be paid for within the stanza
 *     limit; anything more is the serializer amplifying input (memory and
 *     link buffer blow-up, finding F6).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

#define HDR "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'" \
	" xmlns:stream='http://etherx.jabber.org/streams' id='fuzz'" \
	" from='conference.localhost'>"
#define NS_COMPONENT	"jabber:component:accept"
#define AMPLIFY		6	/* worst legitimate escaping growth */
#define SLACK		2048	/* root xmlns declaration and the like */

struct ctx {
	struct xml_stream	*xs;
	struct xml_limits	 lim;
	size_t			 fed;		/* bytes fed so far */
	unsigned		 nstanza;
	bool			 restart;
};

static void
die(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_xml_stream: %s\n--- 1\n%s\n--- 2\n%s\n", what,
	    a ? a : "(null)", b ? b : "(null)");
	abort();
}

static const char *wire_text;

/* Collects the one stanza of a wire-form check. */
static void
collect_one(void *arg, struct xnode *x)
{
	struct xnode **p = arg;

	if (*p != NULL)
		die("wire form gave two stanzas", wire_text, NULL);
	*p = x;
}

static void
roundtrip(struct ctx *c, const struct xnode *st, bool shell)
{
	struct xml_limits big;
	struct xnode *back;
	struct buf wire;
	char err[256], *s1, *s2, *w;
	size_t n1;

	if ((s1 = x_to_string(st)) == NULL)
		die("x_to_string failed", NULL, NULL);
	n1 = strlen(s1);
	/* A rejected stanza's shell is only answered, never relayed. */
	if (!shell && n1 > AMPLIFY * c->fed + c->lim.max_stanza + SLACK) {
		char msg[128];

		snprintf(msg, sizeof(msg), "serialization of %zu bytes from "
		    "%zu bytes fed (more than %dx)", n1, c->fed, AMPLIFY);
		die(msg, s1, NULL);
	}
	/* The serialization may be longer than the input: re-parse it with
	 * room to spare but the same depth limit. */
	big.max_stanza = 64 * n1 + 4096;
	big.max_depth = c->lim.max_depth;
	if ((back = xml_parse(s1, n1, &big, err, sizeof(err))) == NULL)
		die(err, s1, NULL);
	s2 = x_to_string(back);
	if (s2 == NULL || strcmp(s1, s2) != 0)
		die("round trip changed the stanza", s1, s2);
	free(s2);
	x_free(back);

	/* As the link sends it: default namespace from the stream. */
	buf_init(&wire, 0);
	if (buf_puts(&wire, HDR) == -1 ||
	    x_serialize(st, &wire, NS_COMPONENT) == -1 ||
	    buf_puts(&wire, "</stream:stream>") == -1 || buf_cstr(&wire) == -1)
		die("x_serialize failed", s1, NULL);
	w = wire.data;
	{
		struct xml_stream_cb cb = { .stanza = collect_one };
		struct xml_stream *xs;
		struct xnode *got = NULL;

		wire_text = w;
		if ((xs = xml_stream_new(&big, &cb, &got)) == NULL)
			die("xml_stream_new", NULL, NULL);
		if (xml_stream_feed(xs, w, wire.len) == -1 || got == NULL)
			die(xml_stream_errmsg(xs), w, s1);
		s2 = x_to_string(got);
		if (s2 == NULL || strcmp(s1, s2) != 0)
			die("wire round trip changed the stanza", s1, s2);
		free(s2);
		x_free(got);
		xml_stream_free(xs);
	}
	buf_free(&wire);
	free(s1);
}

static void
on_open(void *arg, const struct xnode *root)
{
	(void)arg;
	/* The header is borrowed: reading it must be safe. */
	(void)x_attr(root, "id");
	(void)x_is(root, "stream", XML_NS_STREAM);
}

static void
on_stanza(void *arg, struct xnode *st)
{
	struct ctx *c = arg;

	c->nstanza++;
	if (st->parent != NULL || st->name == NULL)
		die("stanza is not a root element", NULL, NULL);
	roundtrip(c, st, false);
	x_free(st);
	if (c->restart && c->nstanza % 3 == 0)
		xml_stream_reset(c->xs);
}

static void
on_close(void *arg)
{
	(void)arg;
}

/* Over a limit other than bytes: the stanza's top element alone. */
static void
on_rejected(void *arg, struct xnode *shell, const char *why)
{
	struct ctx *c = arg;

	if (why == NULL || *why == '\0')
		die("rejected without a reason", NULL, NULL);
	if (shell->parent != NULL || shell->name == NULL ||
	    shell->first != NULL)
		die("rejected shell is not a childless root", why, NULL);
	roundtrip(c, shell, true);
	x_free(shell);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xml_stream_cb cb = { .open = on_open,
		.stanza = on_stanza, .close = on_close, .rejected = on_rejected };
	struct ctx c = { 0 };
	uint32_t seed;
	uint8_t ctl;
	size_t off = 0, n;
	enum xml_error e;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	seed = 0x9e3779b9u * (ctl & 0x0f) + 1;
	c.lim.max_stanza = (ctl & 0x10) ? 512 : 4096;
	c.lim.max_depth = (ctl & 0x10) ? 4 : 16;
	c.restart = (ctl & 0x20) != 0;
	if ((c.xs = xml_stream_new(&c.lim, &cb, &c)) == NULL)
		return 0;
	if (!(ctl & 0x80)) {
		c.fed = strlen(HDR);
		if (xml_stream_feed(c.xs, HDR, strlen(HDR)) == -1)
			die("header refused", xml_stream_errmsg(c.xs), NULL);
	}
	while (off < size) {
		/* xorshift32: chunk sizes 1..64, now and then up to 4 KiB */
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		n = (seed & 0x700) == 0 ? 1 + seed % 4096 : 1 + seed % 64;
		if (n > size - off)
			n = size - off;
		c.fed += n;
		if (xml_stream_feed(c.xs, (const char *)data + off, n) == -1)
			break;
		off += n;
	}
	e = xml_stream_error(c.xs);
	if (e != XML_OK) {
		if (xml_error_condition(e) == NULL ||
		    xml_stream_errmsg(c.xs)[0] == '\0')
			die("error without condition or message", NULL, NULL);
		/* A failed stream stays failed. */
		if (xml_stream_feed(c.xs, "<a/>", 4) != -1)
			die("feed after an error succeeded", NULL, NULL);
	}
	xml_stream_free(c.xs);
	return 0;
}
