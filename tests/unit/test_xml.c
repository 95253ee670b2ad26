/*
 * xml: builder, serializer, and the bounded streaming parser.
 *
 * Stream tests feed the same bytes in many slicings (whole, byte by byte,
 * odd chunk sizes) and require identical results. Limit tests check the
 * documented contract: a stanza of at most max_stanza bytes passes, one
 * byte more is refused on its own (its shell goes to the rejected
 * callback) and the stream goes on, whatever the slicing and whatever
 * came before it; whatever the input, memory stays bounded.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"
#include "xml.h"

#if defined(__SANITIZE_ADDRESS__)
/* From libasan (sanitizer/allocator_interface.h). */
size_t	__sanitizer_get_current_allocated_bytes(void);
#define HEAP_NOW()	__sanitizer_get_current_allocated_bytes()
#define HAVE_HEAP_NOW	1
#else
#define HEAP_NOW()	((size_t)0)
#define HAVE_HEAP_NOW	0
#endif

#define NS_ACCEPT	"jabber:component:accept"
#define NS_CLIENT	"jabber:client"
#define NS_MUC_USER	"http://jabber.org/protocol/muc#user"

#define HDR	"<?xml version='1.0'?>" \
		"<stream:stream xmlns='jabber:component:accept' " \
		"xmlns:stream='http://etherx.jabber.org/streams' " \
		"to='muc.example.com' id='3BF96D32'>"
#define END	"</stream:stream>"

/* ---- helpers ---------------------------------------------------------- */

#define MAXST	64

struct sink {
	unsigned		 opens, closes, nulls, total;
	char			 root_name[64], root_ns[128], root_to[128];
	char			 root_lang[16];
	unsigned		 root_children;
	struct xnode		*st[MAXST];
	char			 why[MAXST][64];	/* "": not rejected */
	unsigned		 n;
	struct xml_stream	*xs;		/* for reset_in_callback */
	bool			 reset_on_success;
};

static void
copy_str(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "(null)");
}

static void
cb_open(void *ctx, const struct xnode *root)
{
	struct sink *s = ctx;

	s->opens++;
	copy_str(s->root_name, sizeof(s->root_name), root->name);
	copy_str(s->root_ns, sizeof(s->root_ns), root->ns);
	copy_str(s->root_to, sizeof(s->root_to), x_attr(root, "to"));
	copy_str(s->root_lang, sizeof(s->root_lang),
	    x_attr_ns(root, XML_NS_XML, "lang"));
	s->root_children = x_count_children(root);
}

static void
cb_stanza(void *ctx, struct xnode *n)
{
	struct sink *s = ctx;

	s->total++;
	if (n == NULL) {
		s->nulls++;
		return;
	}
	if (s->reset_on_success && x_is(n, "success", NULL)) {
		x_free(n);
		xml_stream_reset(s->xs);
		return;
	}
	if (s->n < MAXST)
		s->st[s->n++] = n;
	else
		x_free(n);
}

static void
cb_close(void *ctx)
{
	((struct sink *)ctx)->closes++;
}

static void
cb_rejected(void *ctx, struct xnode *n, const char *why)
{
	struct sink *s = ctx;

	s->total++;
	if (s->n < MAXST) {
		copy_str(s->why[s->n], sizeof(s->why[s->n]), why);
		s->st[s->n++] = n;
	} else
		x_free(n);
}

static const struct xml_stream_cb callbacks = {
	cb_open, cb_stanza, cb_close, cb_rejected
};

static void
sink_clear(struct sink *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		x_free(s->st[i]);
	memset(s, 0, sizeof(*s));
}

/* Free the stanzas kept so far; counters stay. */
static void
sink_clear_stanzas(struct sink *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		x_free(s->st[i]);
	s->n = 0;
}

static struct xml_stream *
new_stream(struct sink *s, size_t max_stanza, unsigned max_depth)
{
	struct xml_limits lim = { max_stanza, max_depth };

	memset(s, 0, sizeof(*s));
	s->xs = xml_stream_new(&lim, &callbacks, s);
	if (s->xs == NULL) {
		fprintf(stderr, "xml_stream_new failed\n");
		exit(2);
	}
	return s->xs;
}

/* Feed in chunks of the given size (0: all at once); -1 on error. */
static int
feed(struct xml_stream *xs, const char *d, size_t len, size_t chunk)
{
	size_t off = 0, n;

	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		if (xml_stream_feed(xs, d + off, n) == -1)
			return -1;
		off += n;
	}
	return 0;
}

static int
feeds(struct xml_stream *xs, const char *d, size_t chunk)
{
	return feed(xs, d, strlen(d), chunk);
}

/* Serialize with a default namespace; caller frees. */
static char *
ser(const struct xnode *n, const char *dflt)
{
	struct buf b;

	buf_init(&b, 0);
	if (x_serialize(n, &b, dflt) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* CHECK_STR on a malloc'd string, then free it. */
#define CHECK_SER(expr, want) do { \
	char *s_ = (expr); \
	CHECK_STR(s_, want); \
	free(s_); \
} while (0)

static const size_t slicings[] = { 0, 1, 2, 3, 5, 7, 13, 64, 4095, 4096, 4097 };
#define NSLICINGS	(sizeof(slicings) / sizeof(slicings[0]))

/* Run a whole stream through; return the stanzas serialized in the stream
 * namespace, joined by '|'; errors as "ERR:<condition>". */
static char *
run_stream(const char *data, size_t len, size_t chunk, size_t max_stanza,
    unsigned max_depth)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, max_stanza, max_depth);
	struct buf out;
	unsigned i;

	buf_init(&out, 0);
	if (feed(xs, data, len, chunk) == -1) {
		buf_printf(&out, "ERR:%s",
		    xml_error_condition(xml_stream_error(xs)));
	} else {
		for (i = 0; i < s.n; i++) {
			char *t = ser(s.st[i], NS_ACCEPT);

			buf_printf(&out, "%s%s%s%s%s", i ? "|" : "",
			    *s.why[i] ? "REJ(" : "", s.why[i],
			    *s.why[i] ? ")" : "", t ? t : "(null)");
			free(t);
		}
		buf_printf(&out, "#open=%u,close=%u", s.opens, s.closes);
	}
	xml_stream_free(xs);
	sink_clear(&s);
	return buf_steal(&out);
}

/* Parse one stream, expect a failure with the given error under every
 * slicing; and no stanza callback with NULL. */
static void
expect_stream_error(const char *data, size_t len, enum xml_error want,
    size_t max_stanza, unsigned max_depth, int line)
{
	size_t i;
	bool null_seen = false;

	for (i = 0; i < NSLICINGS; i++) {
		struct sink s;
		struct xml_stream *xs = new_stream(&s, max_stanza, max_depth);
		int rc = feed(xs, data, len, slicings[i]);

		if (rc != -1 || xml_stream_error(xs) != want) {
			fprintf(stderr, "  %s:%d: chunk %zu: rc %d, error %d "
			    "(%s), want error %d\n", __FILE__, line,
			    slicings[i], rc, (int)xml_stream_error(xs),
			    xml_stream_errmsg(xs), (int)want);
			unit_failed = 1;
		} else if (xml_stream_errmsg(xs)[0] == '\0') {
			fprintf(stderr, "  %s:%d: empty error message\n",
			    __FILE__, line);
			unit_failed = 1;
		}
		if (s.nulls != 0 && !null_seen) {
			fprintf(stderr, "  %s:%d: chunk %zu: stanza callback "
			    "called with NULL after the error\n", __FILE__, line,
			    slicings[i]);
			unit_failed = 1;
			null_seen = true;
		}
		/* Once failed, the stream stays failed. */
		if (rc == -1) {
			CHECK_INT(xml_stream_feed(xs, " ", 1), -1);
			CHECK_INT(xml_stream_error(xs), want);
		}
		xml_stream_free(xs);
		sink_clear(&s);
	}
}

/* A string literal as pointer and length. */
#define LIT(s)	(s), (sizeof(s) - 1)

#define STREAM_ERR(str, want) \
	expect_stream_error((str), strlen(str), (want), 65536, 32, __LINE__)

/* A stanza of exactly n bytes: <message to='a@b'><body>xx…</body></message> */
static char *
stanza_of(size_t n)
{
	static const char pre[] = "<message to='a@b'><body>";
	static const char post[] = "</body></message>";
	size_t fixed = sizeof(pre) - 1 + sizeof(post) - 1;
	char *s;

	if (n < fixed || (s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, pre, sizeof(pre) - 1);
	memset(s + sizeof(pre) - 1, 'x', n - fixed);
	memcpy(s + n - (sizeof(post) - 1), post, sizeof(post));
	return s;
}

/* ---- builder ---------------------------------------------------------- */

static void
builder_basics(void)
{
	struct xnode *m, *b, *x, *item, *t;

	m = x_new("message", NS_CLIENT);
	CHECK(m != NULL);
	CHECK(m->parent == NULL);
	CHECK_STR(m->name, "message");
	CHECK_STR(m->ns, NS_CLIENT);
	x_set_attr(m, "to", "room@muc.example.com/nick");
	x_set_attr(m, "type", "groupchat");
	b = x_add_child_text(m, "body", "hi");
	CHECK(b != NULL && b->parent == m);
	CHECK_STR(b->ns, NS_CLIENT);		/* inherits */
	CHECK_STR(x_text(b), "hi");
	x = x_add(m, "x", NS_MUC_USER);
	item = x_add(x, "item", NULL);
	CHECK_STR(item->ns, NS_MUC_USER);	/* inherits from x, not m */
	x_set_attr(item, "affiliation", "owner");
	/* Explicit namespace equal to the parent's is the same thing. */
	t = x_add(m, "thread", NS_CLIENT);
	CHECK_STR(t->ns, NS_CLIENT);
	/* Empty text makes no text node. */
	t = x_add_child_text(m, "subject", "");
	CHECK(t != NULL && t->first == NULL);
	CHECK_STR(x_text(t), "");
	CHECK_INT(x_count_children(m), 4);
	CHECK_SER(ser(m, NS_CLIENT),
	    "<message to='room@muc.example.com/nick' type='groupchat'>"
	    "<body>hi</body><x xmlns='" NS_MUC_USER "'>"
	    "<item affiliation='owner'/></x><thread/><subject/></message>");
	x_free(m);
	x_free(NULL);
}

static void
builder_attrs(void)
{
	struct xnode *n = x_new("item", "urn:x");
	char name[16], val[16];
	unsigned i;

	x_set_attr(n, "a", "1");
	x_set_attr(n, "b", "2");
	x_set_attr(n, "c", "3");
	CHECK_INT(n->nattrs, 3);
	/* Replace keeps position and count. */
	x_set_attr(n, "b", "two");
	CHECK_INT(n->nattrs, 3);
	CHECK_STR(x_attr(n, "b"), "two");
	CHECK_SER(ser(n, "urn:x"), "<item a='1' b='two' c='3'/>");
	/* Setting to its own current value (the string lives in the arena). */
	x_set_attr(n, "a", x_attr(n, "a"));
	CHECK_STR(x_attr(n, "a"), "1");
	/* Remove the middle one; order of the rest kept. */
	x_set_attr(n, "b", NULL);
	CHECK_INT(n->nattrs, 2);
	CHECK(x_attr(n, "b") == NULL);
	CHECK_SER(ser(n, "urn:x"), "<item a='1' c='3'/>");
	/* Removing a missing attribute is a no-op. */
	x_set_attr(n, "zzz", NULL);
	CHECK_INT(n->nattrs, 2);
	/* Unqualified and qualified attributes with one local name are
	 * distinct. */
	x_set_attr(n, "lang", "plain");
	x_set_attr_ns(n, XML_NS_XML, "lang", "en");
	CHECK_STR(x_attr(n, "lang"), "plain");
	CHECK_STR(x_attr_ns(n, XML_NS_XML, "lang"), "en");
	CHECK(x_attr_ns(n, "urn:other", "lang") == NULL);
	x_set_attr_ns(n, XML_NS_XML, "lang", "de");
	CHECK_STR(x_attr_ns(n, XML_NS_XML, "lang"), "de");
	CHECK_STR(x_attr(n, "lang"), "plain");
	CHECK_SER(ser(n, "urn:x"), "<item a='1' c='3' lang='plain' xml:lang='de'/>");
	x_set_attr_ns(n, XML_NS_XML, "lang", NULL);
	CHECK(x_attr_ns(n, XML_NS_XML, "lang") == NULL);
	CHECK_STR(x_attr(n, "lang"), "plain");
	/* Formatted, short and long (past any small internal buffer). */
	x_set_attrf(n, "id", "%s-%04d", "msg", 42);
	CHECK_STR(x_attr(n, "id"), "msg-0042");
	x_set_attrf(n, "long", "%0100d|%s", 7, "end");
	CHECK_INT(strlen(x_attr(n, "long")), 104);
	CHECK(strcmp(x_attr(n, "long") + 100, "|end") == 0);
	/* Many attributes: storage grows, all retrievable, removal works. */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		snprintf(val, sizeof(val), "v%u", i);
		x_set_attr(n, name, val);
	}
	for (i = 0; i < 40; i += 2) {
		snprintf(name, sizeof(name), "k%u", i);
		x_set_attr(n, name, NULL);
	}
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		snprintf(val, sizeof(val), "v%u", i);
		if (i % 2)
			CHECK_STR(x_attr(n, name), val);
		else
			CHECK(x_attr(n, name) == NULL);
	}
	x_free(n);
}

static void
text_nodes(void)
{
	struct xnode *n = x_new("body", "");
	struct xnode *c;

	CHECK_STR(x_text(n), "");
	x_add_text(n, "one ");
	CHECK_STR(x_text(n), "one ");
	c = x_add(n, "b", NULL);
	x_add_text(c, "inner");
	x_add_textn(n, "two three", 4);		/* "two " */
	x_add_text(n, "three");
	/* Only direct text children, concatenated in order. */
	CHECK_STR(x_text(n), "one two three");
	CHECK_STR(x_text(c), "inner");
	CHECK_INT(x_count_children(n), 1);	/* text nodes not counted */
	CHECK_STR(x_child_text(n, "b", NULL), "inner");
	CHECK(x_child_text(n, "missing", NULL) == NULL);
	x_add(n, "empty", NULL);
	CHECK_STR(x_child_text(n, "empty", NULL), "");
	CHECK(x_text(NULL) != NULL);
	CHECK_SER(ser(n, ""), "<body>one <b>inner</b>two three<empty/></body>");
	x_free(n);
}

static void
child_next_filters(void)
{
	struct xnode *p = x_new("query", "A"), *i1, *o, *ib, *i2, *c;
	unsigned k;

	x_add_text(p, "lead");
	i1 = x_add(p, "item", NULL);
	x_set_attr(i1, "n", "1");
	o = x_add(p, "other", NULL);
	ib = x_add(p, "item", "B");
	x_add_text(p, "mid");
	i2 = x_add(p, "item", "A");
	x_set_attr(i2, "n", "2");

	CHECK(x_child(p, "item", "A") == i1);
	CHECK(x_next(i1, "item", "A") == i2);
	CHECK(x_next(i2, "item", "A") == NULL);
	CHECK(x_child(p, "item", NULL) == i1);
	CHECK(x_next(i1, "item", NULL) == ib);
	CHECK(x_next(ib, "item", NULL) == i2);
	CHECK(x_child(p, NULL, "B") == ib);
	CHECK(x_child(p, NULL, NULL) == i1);	/* skips the text node */
	CHECK(x_next(i1, NULL, NULL) == o);
	CHECK(x_next(ib, NULL, NULL) == i2);	/* skips "mid" */
	CHECK(x_child(p, "item", "C") == NULL);
	CHECK(x_child(p, "nothing", NULL) == NULL);
	CHECK(x_child(NULL, NULL, NULL) == NULL);
	CHECK(x_next(NULL, NULL, NULL) == NULL);
	CHECK(x_is(ib, "item", "B"));
	CHECK(x_is(ib, NULL, "B"));
	CHECK(x_is(ib, "item", NULL));
	CHECK(!x_is(ib, "item", "A"));
	CHECK(!x_is(p->first, NULL, NULL));	/* text node */
	CHECK(!x_is(NULL, NULL, NULL));
	CHECK_INT(x_count_children(p), 4);
	k = 0;
	X_FOREACH(p, c)
		k++;
	CHECK_INT(k, 4);
	x_free(p);
}

static void
copy_clone_unlink(void)
{
	struct xnode *src, *dst, *cp, *cl, *a, *b, *c, *d;
	char err[128];
	const char *xml = "<presence xmlns='jabber:client' from='r@m/n' "
	    "xml:lang='en'><x xmlns='" NS_MUC_USER "' a='&amp;'>"
	    "<item role='moderator'>text<i/>more</item></x>"
	    "<status>Away &lt;3</status></presence>";
	struct xml_limits lim = { 65536, 32 };

	src = xml_parse(xml, strlen(xml), &lim, err, sizeof(err));
	CHECK(src != NULL);
	if (src == NULL)
		return;
	/* Copy a subtree into a tree with another namespace, then free the
	 * source: the copy owns all its strings. */
	dst = x_new("message", NS_ACCEPT);
	cp = x_copy(dst, x_child(src, "x", NS_MUC_USER));
	CHECK(cp != NULL && cp->parent == dst);
	CHECK(x_copy(dst, x_child(src, "status", NULL)) != NULL);
	cl = x_clone(src);
	CHECK(cl != NULL && cl->parent == NULL);
	x_free(src);
	CHECK_SER(ser(dst, NS_ACCEPT),
	    "<message><x xmlns='" NS_MUC_USER "' a='&amp;'><item "
	    "role='moderator'>text<i/>more</item></x><status "
	    "xmlns='jabber:client'>Away &lt;3</status></message>");
	CHECK_SER(x_to_string(cl),
	    "<presence xmlns='jabber:client' from='r@m/n' xml:lang='en'>"
	    "<x xmlns='" NS_MUC_USER "' a='&amp;'><item role='moderator'>"
	    "text<i/>more</item></x><status>Away &lt;3</status></presence>");
	/* A clone is independent of the original. */
	x_set_attr(cl, "from", "changed");
	CHECK_STR(x_attr(cl, "from"), "changed");
	CHECK(x_clone(cl->first->first->first) == NULL);	/* text node */
	x_free(cl);

	/* Unlink first, middle and last children. */
	x_free(dst);
	dst = x_new("p", "");
	a = x_add(dst, "a", NULL);
	b = x_add(dst, "b", NULL);
	c = x_add(dst, "c", NULL);
	d = x_add(dst, "d", NULL);
	x_unlink(b);
	CHECK(a->next == c && c->prev == a);
	CHECK(b->parent == NULL && b->next == NULL && b->prev == NULL);
	x_unlink(a);
	CHECK(dst->first == c && c->prev == NULL);
	x_free(d);			/* non-root: unlinks */
	CHECK(dst->last == c && c->next == NULL);
	CHECK_INT(x_count_children(dst), 1);
	x_unlink(b);			/* already unlinked: harmless */
	x_unlink(dst);			/* root: harmless */
	CHECK_SER(ser(dst, ""), "<p><c/></p>");
	/* An unlinked node can be copied back in. */
	CHECK(x_copy(dst, b) != NULL);
	CHECK_SER(ser(dst, ""), "<p><c/><b/></p>");
	/* Copying a sibling within the same tree. */
	CHECK(x_copy(dst, c) != NULL);
	CHECK_SER(ser(dst, ""), "<p><c/><b/><c/></p>");
	x_free(dst);
}

/* Run fn in a child process (a crash or hang must not take the test
 * binary down); true if it exited with status 0. */
static bool
in_child(int (*fn)(void), const char *what)
{
	char path[512], line[512];
	pid_t pid;
	int status;
	FILE *f;

	/* The child's stderr (e.g. a sanitizer report) goes to a file;
	 * only its SUMMARY line is shown. */
	snprintf(path, sizeof(path), "%s/child.err", unit_tmpdir());
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return false;
	if (pid == 0) {
		if (freopen(path, "w", stderr) == NULL)
			_exit(2);
		alarm(20);
		status = fn();
		fflush(stderr);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) == -1)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	fprintf(stderr, "    %s: child %s %d\n", what, WIFEXITED(status) ?
	    "exited with" : "killed by signal", WIFEXITED(status) ?
	    WEXITSTATUS(status) : WTERMSIG(status));
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "SUMMARY:", 8) == 0 ||
			    strncmp(line, "    got", 7) == 0)
				fprintf(stderr, "    child: %s", line);
		fclose(f);
	}
	return false;
}

static int
copy_self_child(void)
{
	struct xnode *a = x_new("a", ""), *b, *r;
	char *s;
	int ok;

	b = x_add(a, "b", NULL);
	x_add_text(b, "t");
	/* Copy a node into itself, and an ancestor into a descendant. */
	r = x_copy(a, a);
	ok = r != NULL && r->parent == a;
	r = x_copy(b, a);
	ok = ok && r != NULL && r->parent == b;
	s = x_to_string(a);
	/* a = <a><b>t</b><A/></a> with A = copy of the old a = <a><b>t</b></a>;
	 * then b gets a copy of the whole new a. */
	ok = ok && s != NULL && strcmp(s, "<a xmlns=''><b>t<a><b>t</b><a><b>t"
	    "</b></a></a></b><a><b>t</b></a></a>") == 0;
	if (!ok)
		fprintf(stderr, "    got %s\n", s ? s : "(null)");
	free(s);
	x_free(a);
	return ok ? 0 : 3;
}

/* "Deep-copy src (from any tree)": also from the destination's own tree,
 * including src being the parent itself or one of its ancestors. */
static void
copy_into_own_subtree(void)
{
	CHECK(in_child(copy_self_child, "x_copy into own subtree"));
}

/* Pre-serialized XML: emitted verbatim, not text, survives copies. */
static void
raw_nodes(void)
{
	struct xnode *p = x_new("presence", NS_CLIENT), *cl, *dst;
	const char *raw = "<show>away</show><status>a &amp; b</status>";

	x_add_text(p, "t1");
	CHECK(x_add_raw(p, raw, strlen(raw)) != NULL);
	x_add_text(p, "t2");
	CHECK_SER(ser(p, NS_CLIENT), "<presence>t1<show>away</show><status>"
	    "a &amp; b</status>t2</presence>");
	/* Raw XML is not character data of the parent. */
	CHECK_STR(x_text(p), "t1t2");
	CHECK_INT(x_count_children(p), 0);
	cl = x_clone(p);
	CHECK_SER(ser(cl, NS_CLIENT), "<presence>t1<show>away</show><status>"
	    "a &amp; b</status>t2</presence>");
	dst = x_new("message", NS_CLIENT);
	x_copy(dst, p);
	x_free(p);
	x_free(cl);
	CHECK_SER(ser(dst, NS_CLIENT), "<message><presence>t1<show>away</show>"
	    "<status>a &amp; b</status>t2</presence></message>");
	x_free(dst);
}

/* ---- serializer ------------------------------------------------------- */

static void
serializer_namespaces(void)
{
	struct xnode *a, *b, *c, *e;

	/* xmlns exactly where the namespace changes, including back. */
	a = x_new("a", "A");
	b = x_add(a, "b", "B");
	c = x_add(b, "c", "A");
	x_add(c, "d", NULL);
	e = x_add(a, "e", "");
	x_add(e, "f", NULL);
	CHECK_SER(ser(a, "A"),
	    "<a><b xmlns='B'><c xmlns='A'><d/></c></b><e xmlns=''><f/></e></a>");
	CHECK_SER(ser(a, ""),
	    "<a xmlns='A'><b xmlns='B'><c xmlns='A'><d/></c></b><e xmlns=''>"
	    "<f/></e></a>");
	CHECK_SER(ser(a, NULL),
	    "<a xmlns='A'><b xmlns='B'><c xmlns='A'><d/></c></b><e xmlns=''>"
	    "<f/></e></a>");
	CHECK_SER(x_to_string(a),
	    "<a xmlns='A'><b xmlns='B'><c xmlns='A'><d/></c></b><e xmlns=''>"
	    "<f/></e></a>");
	/* A subtree serialized on its own declares its namespace. */
	CHECK_SER(x_to_string(c), "<c xmlns='A'><d/></c>");
	CHECK_SER(ser(c, "A"), "<c><d/></c>");
	x_free(a);

	/* Qualified attributes in other namespaces get a declared prefix. */
	a = x_new("item", "urn:x");
	x_set_attr_ns(a, "urn:p", "role", "admin");
	x_set_attr_ns(a, XML_NS_XML, "lang", "fr");
	x_set_attr(a, "jid", "a@b");
	{
		char *s = x_to_string(a), err[128];
		struct xml_limits lim = { 4096, 8 };
		struct xnode *back;

		CHECK(s != NULL && strstr(s, " xml:lang='fr'") != NULL);
		CHECK(s != NULL && strstr(s, "xmlns:xml") == NULL);
		back = s ? xml_parse(s, strlen(s), &lim, err, sizeof(err)) : NULL;
		CHECK(back != NULL);
		if (back != NULL) {
			CHECK_STR(back->ns, "urn:x");
			CHECK_STR(x_attr_ns(back, "urn:p", "role"), "admin");
			CHECK_STR(x_attr_ns(back, XML_NS_XML, "lang"), "fr");
			CHECK_STR(x_attr(back, "jid"), "a@b");
			CHECK(x_attr(back, "role") == NULL);
			CHECK_SER(x_to_string(back), s);
			x_free(back);
		}
		free(s);
	}
	x_free(a);
}

static void
escaping(void)
{
	struct buf b;
	struct xnode *n;

	buf_init(&b, 0);
	CHECK_INT(x_escape(&b, "a&b<c>d'e\"f", 11), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "a&amp;b&lt;c&gt;d&apos;e&quot;f");
	buf_reset(&b);
	CHECK_INT(x_escape(&b, "&&", 1), 0);		/* length respected */
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "&amp;");
	buf_reset(&b);
	CHECK_INT(x_escape(&b, "plain \xc3\xa9t\xc3\xa9", 11), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "plain \xc3\xa9t\xc3\xa9");
	buf_free(&b);

	n = x_new("m", "");
	x_set_attr(n, "q", "it's \"quoted\" & <tagged>");
	x_add_text(n, "]]> & <b>'\"");
	CHECK_SER(ser(n, ""), "<m q='it&apos;s &quot;quoted&quot; &amp; "
	    "&lt;tagged&gt;'>]]&gt; &amp; &lt;b&gt;&apos;&quot;</m>");
	x_free(n);
}

/* serialize -> parse -> serialize is stable, and values survive. */
static void
round_trip(void)
{
	static const char *docs[] = {
		"<message xmlns='jabber:client' to='r@m' type='groupchat' "
		    "xml:lang='en'><body>a &amp; b &lt; c &gt; d ' \" "
		    "\xe2\x98\xba \xf0\x9f\x98\x80</body><x xmlns='"
		    NS_MUC_USER "'><item jid='a@b/c' "
		    "reason='&apos;&quot;&lt;&gt;&amp;'/></x></message>",
		"<q:query xmlns:q='jabber:iq:roster' xmlns:p='urn:p' "
		    "p:attr='v' attr='w'><q:item/><other xmlns=''/></q:query>",
		"<a xmlns='A'><b xmlns='B'><c xmlns='A'>t<![CDATA[<x>&]]>"
		    "&#x263A;&#65;</c></b></a>",
		"<e/>",
	};
	struct xml_limits lim = { 65536, 32 };
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct xnode *t1, *t2;
		char *s1, *s2;

		t1 = xml_parse(docs[i], strlen(docs[i]), &lim, err, sizeof(err));
		CHECK(t1 != NULL);
		if (t1 == NULL) {
			fprintf(stderr, "    doc %zu: %s\n", i, err);
			continue;
		}
		s1 = x_to_string(t1);
		t2 = s1 ? xml_parse(s1, strlen(s1), &lim, err, sizeof(err)) : NULL;
		CHECK(t2 != NULL);
		s2 = t2 ? x_to_string(t2) : NULL;
		CHECK_STR(s2, s1);
		x_free(t1);
		x_free(t2);
		free(s1);
		free(s2);
	}

	/* Built values with every special character survive exactly. */
	{
		const char *v = "<&>'\" \xc3\xa9 ]]> &amp;";
		struct xnode *n = x_new("m", "urn:t"), *back;
		char *s;

		x_set_attr(n, "v", v);
		x_set_attr_ns(n, "urn:p", "w", v);
		x_add_text(n, v);
		s = x_to_string(n);
		back = s ? xml_parse(s, strlen(s), &lim, err, sizeof(err)) : NULL;
		CHECK(back != NULL);
		if (back != NULL) {
			CHECK_STR(x_attr(back, "v"), v);
			CHECK_STR(x_attr_ns(back, "urn:p", "w"), v);
			CHECK_STR(x_text(back), v);
			x_free(back);
		}
		free(s);
		x_free(n);
	}
}

/*
 * XML parsers normalize whitespace: TAB/LF/CR in attribute values become
 * spaces (XML 1.0 section 3.3.3) and CR or CRLF in text becomes LF (2.11).
 * A serializer that wants values to survive has to write them as character
 * references, as Canonical XML does (&#x9; &#xA; &#xD;).
 */
static void
round_trip_whitespace(void)
{
	struct xml_limits lim = { 65536, 32 };
	struct xnode *n, *back;
	char err[128], *s1, *s2;

	n = x_new("m", "urn:t");
	x_set_attr(n, "v", "line1\nline2\tcol\rend");
	x_add_text(n, "crlf\r\nlf\ncr\rend");
	s1 = x_to_string(n);
	back = s1 ? xml_parse(s1, strlen(s1), &lim, err, sizeof(err)) : NULL;
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK_STR(x_attr(back, "v"), "line1\nline2\tcol\rend");
		CHECK_STR(x_text(back), "crlf\r\nlf\ncr\rend");
		s2 = x_to_string(back);
		CHECK_STR(s2, s1);
		free(s2);
		x_free(back);
	}
	free(s1);
	x_free(n);
}

static void
serialize_cap(void)
{
	struct xnode *n = x_new("message", NS_ACCEPT);
	struct buf b;

	x_add_child_text(n, "body", "0123456789012345678901234567890123456789");
	buf_init(&b, 30);
	CHECK_INT(x_serialize(n, &b, NS_ACCEPT), -1);
	buf_free(&b);
	buf_init(&b, 100);
	CHECK_INT(x_serialize(n, &b, NS_ACCEPT), 0);
	buf_free(&b);
	x_free(n);
}

/* ---- stream parsing --------------------------------------------------- */

static void
stream_basic(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 65536, 32);
	struct xnode *m, *body, *x, *item;

	CHECK_INT(feeds(xs, "<?xml version='1.0'?><stream:stream "
	    "xmlns='jabber:component:accept' "
	    "xmlns:stream='http://etherx.jabber.org/streams' "
	    "to='muc.example.com' xml:lang='en'>", 0), 0);
	CHECK_INT(s.opens, 1);
	CHECK_STR(s.root_name, "stream");
	CHECK_STR(s.root_ns, XML_NS_STREAM);
	CHECK_STR(s.root_to, "muc.example.com");
	CHECK_STR(s.root_lang, "en");
	CHECK_INT(s.root_children, 0);
	CHECK_INT(s.n, 0);
	CHECK_INT(feeds(xs, "<message from='a@b/c' to='room@muc.example.com'>"
	    "<body>hi</body><x xmlns='" NS_MUC_USER "'><item affiliation="
	    "'none'/></x></message>", 0), 0);
	CHECK_INT(s.n, 1);
	if (s.n == 1) {
		m = s.st[0];
		CHECK(m->parent == NULL);
		CHECK(x_is(m, "message", NS_ACCEPT));
		CHECK_STR(x_attr(m, "from"), "a@b/c");
		body = x_child(m, "body", NULL);
		CHECK(x_is(body, "body", NS_ACCEPT));	/* default inherited */
		CHECK_STR(x_text(body), "hi");
		x = x_child(m, "x", NULL);
		CHECK(x_is(x, "x", NS_MUC_USER));
		item = x_child(x, "item", NULL);
		CHECK(x_is(item, "item", NS_MUC_USER));
		CHECK_STR(x_attr(item, "affiliation"), "none");
		/* Serialized relative to the stream's default namespace. */
		CHECK_SER(ser(m, NS_ACCEPT), "<message from='a@b/c' "
		    "to='room@muc.example.com'><body>hi</body><x xmlns='"
		    NS_MUC_USER "'><item affiliation='none'/></x></message>");
		CHECK_SER(ser(m, NS_CLIENT), "<message xmlns='" NS_ACCEPT
		    "' from='a@b/c' to='room@muc.example.com'><body>hi</body>"
		    "<x xmlns='" NS_MUC_USER "'><item affiliation='none'/></x>"
		    "</message>");
	}
	CHECK_INT(s.closes, 0);
	CHECK_INT(feeds(xs, END, 0), 0);
	CHECK_INT(s.closes, 1);
	CHECK_INT(xml_stream_error(xs), XML_OK);
	xml_stream_free(xs);
	sink_clear(&s);
}

static void
stream_namespaces(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 65536, 32);
	struct xnode *q, *it, *o;

	CHECK_INT(feeds(xs, HDR, 0), 0);
	CHECK_INT(feeds(xs,
	    "<iq type='result'><q:query xmlns:q='jabber:iq:roster' "
	    "xmlns:p='urn:p' p:ver='7' ver='8' xml:lang='de'>"
	    "<q:item jid='a@b'/><plain/><p:ext/></q:query></iq>"
	    "<message xmlns='jabber:client'><body/></message>"
	    "<presence xmlns=''><status/></presence>", 1), 0);
	CHECK_INT(s.n, 3);
	if (s.n == 3) {
		CHECK(x_is(s.st[0], "iq", NS_ACCEPT));
		q = x_child(s.st[0], NULL, NULL);
		/* Prefix resolved: local name + namespace, prefix gone. */
		CHECK(x_is(q, "query", "jabber:iq:roster"));
		CHECK_STR(x_attr_ns(q, "urn:p", "ver"), "7");
		CHECK_STR(x_attr(q, "ver"), "8");
		CHECK_STR(x_attr_ns(q, XML_NS_XML, "lang"), "de");
		CHECK(x_attr(q, "lang") == NULL);
		it = x_child(q, NULL, NULL);
		CHECK(x_is(it, "item", "jabber:iq:roster"));
		/* Unprefixed child: the default namespace, not the prefix's. */
		o = x_next(it, NULL, NULL);
		CHECK(x_is(o, "plain", NS_ACCEPT));
		CHECK(x_is(x_next(o, NULL, NULL), "ext", "urn:p"));
		CHECK_SER(ser(s.st[0], NS_ACCEPT), "<iq type='result'><query "
		    "xmlns='jabber:iq:roster' xmlns:ns0='urn:p' ns0:ver='7' "
		    "ver='8' xml:lang='de'><item jid='a@b'/><plain xmlns='"
		    NS_ACCEPT "'/><ext xmlns='urn:p'/></query></iq>");
		CHECK(x_is(s.st[1], "message", NS_CLIENT));
		CHECK(x_is(x_child(s.st[1], NULL, NULL), "body", NS_CLIENT));
		CHECK_SER(ser(s.st[1], NS_ACCEPT),
		    "<message xmlns='jabber:client'><body/></message>");
		CHECK(x_is(s.st[2], "presence", ""));
		CHECK(x_is(x_child(s.st[2], NULL, NULL), "status", ""));
		CHECK_SER(ser(s.st[2], NS_ACCEPT),
		    "<presence xmlns=''><status/></presence>");
	}
	xml_stream_free(xs);
	sink_clear(&s);
	/* An undeclared prefix is not namespace-well-formed. */
	STREAM_ERR(HDR "<x:message/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message y:to='a'/>", XML_ERR_NOT_WELL_FORMED);
}

/* Any slicing of a stream gives the same stanzas. */
static void
slicing_invariance(void)
{
	static const char data[] =
	    HDR
	    "\n  <message to='r@m' type='groupchat'><body>Hello &amp; "
	    "welcome \xe2\x98\xba \xf0\x9f\x98\x80 &#x263A;&#65; "
	    "<![CDATA[<raw> & ]]> end</body></message>\n"
	    " \t\r\n"
	    "<presence from='x@y/z' xml:lang='en'><x xmlns='" NS_MUC_USER
	    "'><item role='participant'/><status code='110'/></x></presence>"
	    "  "
	    "<iq type='get' id='1'><q:query xmlns:q='urn:q' "
	    "xmlns:p='urn:p' p:a='&apos;'/></iq>"
	    "\n" END "\n";
	char *want, *got;
	size_t i;

	want = run_stream(data, sizeof(data) - 1, 0, 65536, 32);
	CHECK(strncmp(want, "ERR", 3) != 0);
	CHECK(strstr(want, "#open=1,close=1") != NULL);
	CHECK(strstr(want, "<body>Hello &amp; welcome \xe2\x98\xba "
	    "\xf0\x9f\x98\x80 \xe2\x98\xba" "A &lt;raw&gt; &amp;  end</body>")
	    != NULL);
	for (i = 1; i < NSLICINGS; i++) {
		got = run_stream(data, sizeof(data) - 1, slicings[i], 65536, 32);
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "    chunk %zu differs\n", slicings[i]);
			CHECK_STR(got, want);
		}
		free(got);
	}
	free(want);

	/* Text split across many feeds ends up in one text node. */
	{
		struct sink s;
		struct xml_stream *xs = new_stream(&s, 65536, 32);
		struct xnode *body;

		CHECK_INT(feeds(xs, HDR "<message><body>a&amp;b"
		    "\xe2\x82\xac<![CDATA[c]]>d&#233;e</body></message>", 1), 0);
		CHECK_INT(s.n, 1);
		body = s.n ? x_child(s.st[0], "body", NULL) : NULL;
		CHECK(body != NULL && body->first != NULL &&
		    body->first == body->last && body->first->name == NULL);
		if (body != NULL)
			CHECK_STR(x_text(body), "a&b\xe2\x82\xac" "cd\xc3\xa9" "e");
		xml_stream_free(xs);
		sink_clear(&s);
	}
}

static void
keepalives(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 65536, 32);
	unsigned i;

	CHECK_INT(feeds(xs, HDR, 0), 0);
	for (i = 0; i < 50; i++) {
		CHECK_INT(feeds(xs, " ", 0), 0);
		CHECK_INT(feeds(xs, "\n", 0), 0);
		if (i % 10 == 0) {
			char st[64];

			snprintf(st, sizeof(st), "<message id='%u'/>", i);
			CHECK_INT(feeds(xs, st, 0), 0);
		}
	}
	CHECK_INT(s.n, 5);
	for (i = 0; i < s.n; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%u", i * 10);
		CHECK_STR(x_attr(s.st[i], "id"), id);
		CHECK_INT(x_count_children(s.st[i]), 0);
		CHECK(s.st[i]->first == NULL);	/* no whitespace text */
	}
	CHECK_INT(xml_stream_error(xs), XML_OK);
	xml_stream_free(xs);
	sink_clear(&s);
}

/*
 * Whitespace keepalives are not part of any stanza. A link that is quiet
 * for a long time receives many of them (one every minute or so); they
 * must never add up to a "stanza too big" error.
 */
static void
keepalives_do_not_count(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 4096, 32);
	unsigned i;
	int rc = 0;

	CHECK_INT(feeds(xs, HDR, 0), 0);
	CHECK_INT(feeds(xs, "<message id='first'/>", 0), 0);
	/* 3 x the stanza limit of keepalives, one byte per feed. */
	for (i = 0; i < 3 * 4096 && rc == 0; i++)
		rc = xml_stream_feed(xs, " ", 1);
	CHECK_INT(rc, 0);
	CHECK_INT(feeds(xs, "<message id='second'/>", 0), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(xml_stream_error(xs), XML_OK);
	xml_stream_free(xs);
	sink_clear(&s);
}

static void
restart(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 65536, 32);

	CHECK_INT(feeds(xs, HDR "<message id='1'/><message id='2'><body>"
	    "partial", 3), 0);
	CHECK_INT(s.opens, 1);
	CHECK_INT(s.n, 1);
	/* Restart mid-stanza: the partial stanza is dropped (no leak), the
	 * new stream starts with a fresh header and XML declaration. */
	CHECK_INT(xml_stream_reset(xs), 0);
	CHECK_INT(xml_stream_error(xs), XML_OK);
	CHECK_INT(feeds(xs, "<?xml version='1.0'?><stream:stream xmlns="
	    "'jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
	    "to='other.example'><message id='3'/>", 1), 0);
	CHECK_INT(s.opens, 2);
	CHECK_STR(s.root_to, "other.example");
	CHECK_INT(s.n, 2);
	if (s.n == 2) {
		CHECK_STR(x_attr(s.st[1], "id"), "3");
		CHECK_STR(s.st[1]->ns, NS_CLIENT);
	}
	/* Restart after an error clears the error. */
	CHECK_INT(feeds(xs, "<bad", 0), 0);
	CHECK_INT(feeds(xs, "<<", 0), -1);
	CHECK_INT(xml_stream_error(xs), XML_ERR_NOT_WELL_FORMED);
	CHECK_INT(xml_stream_reset(xs), 0);
	CHECK_INT(xml_stream_error(xs), XML_OK);
	CHECK_INT(feeds(xs, HDR "<message id='4'/>" END, 0), 0);
	CHECK_INT(s.opens, 3);
	CHECK_INT(s.closes, 1);
	CHECK_INT(s.n, 3);
	/* Restart after the stream was closed. */
	CHECK_INT(xml_stream_reset(xs), 0);
	CHECK_INT(feeds(xs, HDR "<message id='5'/>", 0), 0);
	CHECK_INT(s.n, 4);
	xml_stream_free(xs);
	sink_clear(&s);
}

/*
 * A restart is triggered by a stanza (SASL <success/>, STARTTLS
 * <proceed/>), i.e. from inside the stanza callback. The header does not
 * forbid calling xml_stream_reset there; doing so must not free the expat
 * parser that is still running. Run in a child: a use-after-free aborts
 * it under ASan (or crashes it) without taking the test binary down.
 */
static int
reset_child(void)
{
	struct sink s;
	struct xml_stream *xs;
	int ok;

	xs = new_stream(&s, 65536, 32);
	s.reset_on_success = true;
	ok = feeds(xs, HDR "<success xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-sasl'/>", 0) == 0;
	ok = ok && feeds(xs, HDR "<message id='after'/>", 0) == 0;
	ok = ok && s.opens == 2 && s.n == 1;
	/* The new stream's header may also arrive in the same read. */
	xml_stream_free(xs);
	sink_clear(&s);
	xs = new_stream(&s, 65536, 32);
	s.reset_on_success = true;
	ok = ok && feeds(xs, HDR "<success xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-sasl'/>" HDR "<message id='after'/>", 0) == 0;
	ok = ok && s.opens == 2 && s.n == 1;
	xml_stream_free(xs);
	sink_clear(&s);
	return ok ? 0 : 3;
}

static void
reset_in_callback(void)
{
	CHECK(in_child(reset_child, "xml_stream_reset from a callback"));
}

static void
close_and_after(void)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, 65536, 32);

	CHECK_INT(feeds(xs, HDR "<message/>" END, 0), 0);
	CHECK_INT(s.closes, 1);
	CHECK_INT(s.n, 1);
	/* Whitespace after the end is tolerated. */
	CHECK_INT(feeds(xs, " \r\n\t", 0), 0);
	CHECK_INT(xml_stream_error(xs), XML_OK);
	/* Anything else is an error. */
	CHECK_INT(feeds(xs, "<message/>", 0), -1);
	CHECK_INT(xml_stream_error(xs), XML_ERR_CLOSED);
	CHECK_STR(xml_error_condition(xml_stream_error(xs)), "not-well-formed");
	CHECK_INT(s.n, 1);
	CHECK_INT(s.closes, 1);
	xml_stream_free(xs);
	sink_clear(&s);

	/* The same data in one read: still "data after the stream's end". */
	xs = new_stream(&s, 65536, 32);
	CHECK_INT(feeds(xs, HDR "<message/>" END "\n<message/>", 0), -1);
	CHECK_INT(s.closes, 1);
	CHECK_INT(xml_stream_error(xs), XML_ERR_CLOSED);
	CHECK_STR(xml_error_condition(xml_stream_error(xs)), "not-well-formed");
	xml_stream_free(xs);
	sink_clear(&s);
	/* And whitespace after the end in the same read is fine. */
	xs = new_stream(&s, 65536, 32);
	CHECK_INT(feeds(xs, HDR "<message/>" END "\n \n", 0), 0);
	CHECK_INT(s.closes, 1);
	xml_stream_free(xs);
	sink_clear(&s);
}

static void
error_conditions(void)
{
	CHECK(xml_error_condition(XML_OK) == NULL);
	CHECK_STR(xml_error_condition(XML_ERR_NOT_WELL_FORMED), "not-well-formed");
	CHECK_STR(xml_error_condition(XML_ERR_RESTRICTED), "restricted-xml");
	CHECK_STR(xml_error_condition(XML_ERR_POLICY), "policy-violation");
	CHECK_STR(xml_error_condition(XML_ERR_NOMEM), "internal-server-error");
	CHECK_STR(xml_error_condition(XML_ERR_CLOSED), "not-well-formed");
	/* Malformed input. */
	STREAM_ERR(HDR "<message><body></message>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message a='1' a='2'/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message a=1/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<1message/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message>&amp</message>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message>a < b</message>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR("<stream:stream>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR("junk" HDR, XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "</stream:wrong>", XML_ERR_NOT_WELL_FORMED);
}

/* ---- restricted XML (RFC 6120 section 11.1) --------------------------- */

static void
restricted(void)
{
	/* Billion laughs: refused at the DOCTYPE, long before expansion. */
	STREAM_ERR("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
	    "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
	    "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
	    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
	    "]><stream:stream xmlns='jabber:component:accept' xmlns:stream="
	    "'http://etherx.jabber.org/streams'><message><body>&lol3;</body>"
	    "</message>", XML_ERR_RESTRICTED);
	/* Internal DTD subset, even an empty one. */
	STREAM_ERR("<!DOCTYPE stream:stream []>" HDR, XML_ERR_RESTRICTED);
	STREAM_ERR("<!DOCTYPE stream:stream>" HDR, XML_ERR_RESTRICTED);
	/* External DTD and external entity (XXE). */
	STREAM_ERR("<!DOCTYPE stream:stream SYSTEM 'file:///etc/passwd'>" HDR,
	    XML_ERR_RESTRICTED);
	STREAM_ERR("<!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
	    "<s>&xxe;</s>", XML_ERR_RESTRICTED);
	STREAM_ERR("<!DOCTYPE s [<!ENTITY % pe SYSTEM 'http://e.example/x'>"
	    "%pe;]><s/>", XML_ERR_RESTRICTED);
	/* Undefined entities (no DTD can define them): not well-formed. */
	STREAM_ERR(HDR "<message><body>&xxe;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message to='&xxe;'/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>&nbsp;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	/* Comments: before the root, between stanzas, inside a stanza. */
	STREAM_ERR("<?xml version='1.0'?><!-- hi -->" HDR, XML_ERR_RESTRICTED);
	STREAM_ERR(HDR "<!-- hi -->", XML_ERR_RESTRICTED);
	STREAM_ERR(HDR "<message><!-- hi --></message>", XML_ERR_RESTRICTED);
	STREAM_ERR(HDR "<message><body>a<!---->b</body></message>",
	    XML_ERR_RESTRICTED);
	/* Processing instructions. */
	STREAM_ERR("<?xml version='1.0'?><?xml-stylesheet href='x'?>" HDR,
	    XML_ERR_RESTRICTED);
	STREAM_ERR(HDR "<?pi data?>", XML_ERR_RESTRICTED);
	STREAM_ERR(HDR "<message><?pi data?></message>", XML_ERR_RESTRICTED);
	/* What is allowed: the XML declaration, predefined entities,
	 * character references and CDATA sections. */
	{
		static const char ok[] = HDR "<m>&lt;&gt;&amp;&apos;&quot;"
		    "&#65;&#x42;<![CDATA[&x;<!-- c -->]]></m>";
		char *r = run_stream(ok, sizeof(ok) - 1, 1, 65536, 32);

		CHECK_STR(r, "<m>&lt;&gt;&amp;&apos;&quot;AB&amp;x;&lt;!-- c "
		    "--&gt;</m>#open=1,close=0");
		free(r);
	}
}

static void
invalid_utf8(void)
{
	STREAM_ERR(HDR "<message><body>\xff</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>\xc0\xaf</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* overlong '/' */
	STREAM_ERR(HDR "<message><body>\xe0\x80\xaf</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* overlong, 3 bytes */
	STREAM_ERR(HDR "<message><body>\xed\xa0\x80</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* surrogate */
	STREAM_ERR(HDR "<message><body>\xf4\x90\x80\x80</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* > U+10FFFF */
	STREAM_ERR(HDR "<message><body>\xe2\x82</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* truncated */
	STREAM_ERR(HDR "<message><body>\x80</body></message>",
	    XML_ERR_NOT_WELL_FORMED);		/* lone continuation */
	STREAM_ERR(HDR "<message to='\xfe'/>", XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<mess\xc3\x28ge/>", XML_ERR_NOT_WELL_FORMED);
	/* Characters XML 1.0 does not allow, raw or as references. */
	STREAM_ERR(HDR "<message><body>\x01</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>\x0c</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>&#0;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>&#x1;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>&#xD800;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	STREAM_ERR(HDR "<message><body>&#xFFFE;</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
	/* An encoding declaration cannot switch the stream off UTF-8. */
	STREAM_ERR("<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream "
	    "xmlns='jabber:component:accept' xmlns:stream='http://etherx."
	    "jabber.org/streams'><message><body>caf\xe9</body></message>",
	    XML_ERR_NOT_WELL_FORMED);
}

/* ---- limits ----------------------------------------------------------- */

/*
 * Feed HDR, then stanza of n bytes in the given way, then a small stanza:
 * 0 if both passed, 1 if the first was refused for its size (and the
 * second passed), -1 on a stream error, -2 on anything else.
 */
enum how { ONE_FEED, WITH_HEADER, BYTE_BY_BYTE, AFTER_STANZA, AFTER_SPACE };

static int
try_size(size_t limit, size_t n, enum how how, enum xml_error *err)
{
	struct sink s;
	struct xml_stream *xs = new_stream(&s, limit, 32);
	char *st = stanza_of(n), *prev = stanza_of(limit), *all;
	int rc = -1;
	size_t i;

	*err = XML_OK;
	if (st == NULL || prev == NULL)
		goto out;
	switch (how) {
	case ONE_FEED:
		rc = feeds(xs, HDR, 0) || feeds(xs, st, 0) ? -1 : 0;
		break;
	case WITH_HEADER:
		if ((all = malloc(strlen(HDR) + n + 1)) == NULL)
			goto out;
		strcpy(all, HDR);
		strcat(all, st);
		rc = feeds(xs, all, 0);
		free(all);
		break;
	case BYTE_BY_BYTE:
		rc = feeds(xs, HDR, 0) || feeds(xs, st, 1) ? -1 : 0;
		break;
	case AFTER_STANZA:
		/* A full-size stanza right before, in the same read. */
		if ((all = malloc(limit + n + 1)) == NULL)
			goto out;
		strcpy(all, prev);
		strcat(all, st);
		rc = feeds(xs, HDR, 0) || feeds(xs, all, 0) ? -1 : 0;
		free(all);
		break;
	case AFTER_SPACE:
		rc = feeds(xs, HDR, 0);
		for (i = 0; rc == 0 && i < 200; i++)
			rc = feeds(xs, "\n", 0);
		if (rc == 0)
			rc = feeds(xs, st, 7);
		break;
	}
	if (rc == 0)
		rc = feeds(xs, "<message id='next'/>", 0);
	i = how == AFTER_STANZA ? 1 : 0;
	if (rc == 0 && (s.n != i + 2 || !x_is(s.st[i + 1], "message", NULL) ||
	    x_attr(s.st[i + 1], "id") == NULL))
		rc = -2;		/* a stanza went missing */
	else if (rc == 0 && *s.why[i] != '\0')
		rc = !strcmp(s.why[i], "stanza exceeds size limit") &&
		    s.st[i]->first == NULL &&
		    x_attr(s.st[i], "to") != NULL ? 1 : -2;
	*err = xml_stream_error(xs);
out:
	free(st);
	free(prev);
	xml_stream_free(xs);
	sink_clear(&s);
	return rc;
}

static void
check_size_limit(enum how how, const char *name)
{
	static const size_t limits[] = { 1000, 4096, 5000, 9000 };
	enum xml_error e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		size_t lim = limits[i];

		rc = try_size(lim, lim - 1, how, &e);
		if (rc != 0)
			fprintf(stderr, "    %s: limit %zu: %zu-byte stanza "
			    "refused (error %d)\n", name, lim, lim - 1, (int)e);
		CHECK_INT(rc, 0);
		rc = try_size(lim, lim, how, &e);
		if (rc != 0)
			fprintf(stderr, "    %s: limit %zu: %zu-byte stanza "
			    "refused (error %d)\n", name, lim, lim, (int)e);
		CHECK_INT(rc, 0);
		rc = try_size(lim, lim + 1, how, &e);
		if (rc != 1)
			fprintf(stderr, "    %s: limit %zu: %zu-byte stanza "
			    "not refused alone (rc %d, error %d)\n", name, lim,
			    lim + 1, rc, (int)e);
		CHECK_INT(rc, 1);
		CHECK_INT(e, XML_OK);
		rc = try_size(lim, 3 * lim, how, &e);
		CHECK_INT(rc, 1);
	}
}

static void
size_limit_one_feed(void)
{
	check_size_limit(ONE_FEED, "one feed");
}

static void
size_limit_with_header(void)
{
	check_size_limit(WITH_HEADER, "header and stanza in one feed");
}

static void
size_limit_byte_by_byte(void)
{
	check_size_limit(BYTE_BY_BYTE, "byte by byte");
}

static void
size_limit_after_stanza(void)
{
	check_size_limit(AFTER_STANZA, "after a full-size stanza");
}

static void
size_limit_after_whitespace(void)
{
	check_size_limit(AFTER_SPACE, "after keepalives");
}

/*
 * Unbounded input keeps memory bounded. A stanza whose content never ends
 * (text, references, CDATA) is refused once past the limit and skipped as
 * it comes: 50 MB of it leave the heap within a small multiple of the
 * limit, and when it does end, it is answered (rejected callback) and the
 * next stanza passes. A single token that never ends (a start tag, an
 * attribute value) must be held by expat until it ends; that fails the
 * stream once expat's budget (8 x the limit + 4 MB) is spent, not later.
 * closer: what ends the stanza; NULL for an endless token.
 */
static void
unbounded(const char *prefix, const char *fill, const char *closer,
    size_t chunk, int line)
{
	enum { LIMIT = 65536, TOTAL = 50 * 1024 * 1024 };
	const size_t budget = 8 * LIMIT + (4u << 20);
	struct sink s;
	struct xml_stream *xs = new_stream(&s, LIMIT, 32);
	size_t fed = 0, flen = strlen(fill), i, before, peak = 0, now;
	char *buf;
	int rc = 0;

	/* Whole repetitions of fill per chunk, so every chunk continues
	 * the previous one seamlessly. */
	if (chunk >= flen)
		chunk -= chunk % flen;
	if ((buf = malloc(chunk)) == NULL) {
		CHECK(!"malloc");
		return;
	}
	for (i = 0; i < chunk; i++)
		buf[i] = fill[i % flen];
	CHECK_INT(feeds(xs, HDR, 0), 0);
	before = HEAP_NOW();
	rc = feeds(xs, prefix, 0);
	while (rc == 0 && fed < TOTAL) {
		rc = xml_stream_feed(xs, buf, chunk);
		fed += chunk;
		now = HEAP_NOW();
		if (now > before && now - before > peak)
			peak = now - before;
	}
	if (closer == NULL && (rc != -1 ||
	    xml_stream_error(xs) != XML_ERR_POLICY ||
	    fed > budget + 2 * (chunk > 4096 ? chunk : 4096))) {
		fprintf(stderr, "  %s:%d: chunk %zu: rc %d error %d after %zu "
		    "bytes\n", __FILE__, line, chunk, rc,
		    (int)xml_stream_error(xs), fed);
		unit_failed = 1;
	}
	if (closer != NULL && (rc != 0 || feeds(xs, closer, 0) != 0 ||
	    feeds(xs, "<message id='next'/>", 0) != 0 || s.n != 2 ||
	    strcmp(s.why[0], "stanza exceeds size limit") != 0 ||
	    *s.why[1] != '\0')) {
		fprintf(stderr, "  %s:%d: chunk %zu: rc %d error %d, %u "
		    "stanzas, first %s\n", __FILE__, line, chunk, rc,
		    (int)xml_stream_error(xs), s.n, s.n ? s.why[0] : "-");
		unit_failed = 1;
	}
	/*
	 * Bounds. Skipped content: expat's buffer holds a slice and our
	 * pending text the limit, so 4 x (limit + 4096) plus small change.
	 * An endless token: the budget, and a chunk held by the caller.
	 */
	if (HAVE_HEAP_NOW && peak > (closer != NULL ?
	    4 * (LIMIT + 4096) + 65536 : budget + 65536)) {
		fprintf(stderr, "  %s:%d: chunk %zu: heap grew by %zu bytes\n",
		    __FILE__, line, chunk, peak);
		unit_failed = 1;
	}
	CHECK_INT(s.nulls, 0);
	xml_stream_free(xs);
	sink_clear(&s);
	free(buf);
}

static void
unbounded_input(void)
{
	static const size_t chunks[] = { 4096, 1000, 1 << 20 };
	static const char end[] = "</body></message>";
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		/* Attribute value that never ends. */
		unbounded("<message to='", "a", NULL, chunks[i], __LINE__);
		/* Text without a closing tag. */
		unbounded("<message to='r@m'><body>", "text ", end, chunks[i],
		    __LINE__);
		/* Text made of entity references (expands while parsing). */
		unbounded("<message to='r@m'><body>", "&amp;", end, chunks[i],
		    __LINE__);
		/* The shape: quotes, as Prosody escapes them. */
		unbounded("<iq type='get' id='q' to='r@m'><query>", "&quot;",
		    "</query></iq>", chunks[i], __LINE__);
		/* A start tag that never ends: endless attributes (duplicate
		 * names are only detected once the tag is complete). */
		unbounded("<message", " a='b'", NULL, chunks[i], __LINE__);
		/* Namespace declarations that never end. */
		unbounded("<message", " xmlns:p='urn:p'", NULL, chunks[i],
		    __LINE__);
		/* An element name that never ends. */
		unbounded("<m", "mmmm", NULL, chunks[i], __LINE__);
		/* Whitespace inside a start tag. */
		unbounded("<message ", " ", NULL, chunks[i], __LINE__);
		/* CDATA section that never ends. */
		unbounded("<message to='r@m'><body><![CDATA[", "zzzz",
		    "]]>" "</body></message>", chunks[i], __LINE__);
	}
}

/* Many small complete children: the tree is cut off at its budget (a
 * node costs more than its bytes), the stanza refused, its endless rest
 * skipped in bounded memory, and the stream goes on. */
static void
unbounded_children(void)
{
	enum { LIMIT = 65536 };
	struct sink s;
	struct xml_stream *xs = new_stream(&s, LIMIT, 32);
	char buf[4000];
	size_t fed = 0, i, before, now, peak = 0;
	int rc;

	for (i = 0; i + 4 <= sizeof(buf); i += 4)
		memcpy(buf + i, "<a/>", 4);
	rc = feeds(xs, HDR "<message>", 0);
	before = HEAP_NOW();
	while (rc == 0 && fed < 50u * 1024 * 1024) {
		rc = xml_stream_feed(xs, buf, sizeof(buf));
		fed += sizeof(buf);
		now = HEAP_NOW();
		if (now > before && now - before > peak)
			peak = now - before;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(feeds(xs, "</message><message id='next'/>", 0), 0);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.why[0], "stanza too complex");
	/* The tree up to its budget (see tree_memory_bounded), then none. */
	if (HAVE_HEAP_NOW && peak > 8 * LIMIT) {
		fprintf(stderr, "    heap grew by %zu bytes\n", peak);
		unit_failed = 1;
	}
	xml_stream_free(xs);
	sink_clear(&s);
}

/*
 * The parsed tree of a stanza that is within the limit must not cost an
 * unbounded multiple of the limit: "<a/>" is 4 bytes on the wire but a
 * whole node in the tree. With the default 1 MB limit, a stanza of empty
 * children must stay within a small multiple of the limit (8x here).
 */
static void
tree_memory_bounded(void)
{
	enum { LIMIT = 1024 * 1024 };
	struct sink s;
	struct xml_stream *xs = new_stream(&s, LIMIT, 32);
	char buf[4000];
	size_t fed = 0, i, before, now, peak = 0;
	int rc;

	if (!HAVE_HEAP_NOW)
		return;
	for (i = 0; i + 4 <= sizeof(buf); i += 4)
		memcpy(buf + i, "<a/>", 4);
	rc = feeds(xs, HDR "<message>", 0);
	before = HEAP_NOW();
	while (rc == 0 && fed + sizeof(buf) < LIMIT - 4096) {
		rc = xml_stream_feed(xs, buf, sizeof(buf));
		fed += sizeof(buf);
		now = HEAP_NOW();
		if (now > before && now - before > peak)
			peak = now - before;
	}
	if (peak > 8 * (size_t)LIMIT) {
		fprintf(stderr, "    %zu bytes of <a/> (rc %d) grew the heap by "
		    "%zu bytes (%.1fx)\n", fed, rc, peak, (double)peak / fed);
		unit_failed = 1;
	}
	xml_stream_free(xs);
	sink_clear(&s);
}

/* The same output (see run_stream) under every slicing. */
static void
expect_output(const char *data, size_t len, size_t max_stanza,
    unsigned max_depth, const char *want, int line)
{
	size_t i;
	char *r;

	for (i = 0; i < NSLICINGS; i++) {
		r = run_stream(data, len, slicings[i], max_stanza, max_depth);
		if (strcmp(r, want) != 0) {
			fprintf(stderr, "  %s:%d: chunk %zu:\n    got  %s\n"
			    "    want %s\n", __FILE__, line, slicings[i], r, want);
			unit_failed = 1;
			free(r);
			return;
		}
		free(r);
	}
}

#define NEXT	"<message id='next'/>"
#define NEXT_OUT "<message id='next'/>"

/*
 * A stanza deeper than the limit is refused, not the stream: on a
 * component link one user's stanza must not cut every room off. The
 * refusal keeps the top element (for an error reply) and nothing else.
 */
static void
depth_limit(void)
{
	char *r;

	/* max_depth counts the stanza element itself as depth 1. */
	r = run_stream(LIT(HDR "<message><a><b><c/></b></a></message>"), 0,
	    65536, 4);
	CHECK(strncmp(r, "ERR", 3) != 0 && strstr(r, "REJ") == NULL);
	free(r);
	expect_output(LIT(HDR "<message id='1' to='r@m'><a><b><c><d/></c></b>"
	    "</a></message>" NEXT), 65536, 4,
	    "REJ(stanza nested too deeply)<message id='1' to='r@m'/>|"
	    NEXT_OUT "#open=1,close=0", __LINE__);
	expect_output(LIT(HDR "<message><a><b><c><d>x</d></c></b></a>"
	    "<body>after</body></message>" NEXT), 65536, 4,
	    "REJ(stanza nested too deeply)<message/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	/* Depth 1: only childless stanzas. */
	expect_output(LIT(HDR "<message/><message><b/></message>" NEXT END),
	    65536, 1, "<message/>|REJ(stanza nested too deeply)<message/>|"
	    NEXT_OUT "#open=1,close=1", __LINE__);
	/* Deep nesting (a million levels) builds nothing past the limit;
	 * what bounds it then is the size limit. */
	{
		struct sink s;
		struct xml_stream *xs = new_stream(&s, 1024 * 1024, 32);
		int rc = feeds(xs, HDR, 0);
		unsigned i;

		for (i = 0; rc == 0 && i < 1000000; i++)
			rc = feeds(xs, "<a>", 0);
		CHECK_INT(rc, -1);
		CHECK_INT(xml_stream_error(xs), XML_ERR_POLICY);
		CHECK(i * 3 <= 1024 * 1024 + 4096);
		CHECK_INT(s.total, 0);
		xml_stream_free(xs);
		sink_clear(&s);
	}
	/* Siblings do not add depth. */
	{
		struct buf b;
		unsigned i;

		buf_init(&b, 0);
		buf_puts(&b, HDR "<message>");
		for (i = 0; i < 1000; i++)
			buf_puts(&b, "<a><b/></a>");
		buf_puts(&b, "</message>");
		r = run_stream(buf_head(&b), buf_pending(&b), 0, 65536, 3);
		CHECK(strncmp(r, "ERR", 3) != 0 && strstr(r, "REJ") == NULL);
		free(r);
		buf_free(&b);
	}
}

/*
 * Over the size limit by its start tag alone (a huge attribute), or by its
 * content (the IQ: quotes escaped by the server as &quot;, six
 * times their size): refused alone, with a shell keeping only what a
 * reply needs, whatever the slicing, and the stream goes on.
 */
static void
oversized_refused_alone(void)
{
	enum { LIMIT = 4096 };
	static const struct {
		const char	*head, *fill, *tail, *want;
	} cases[] = {
		{ "<message from='u@h/r' to='r@m' id='a' type='chat' x='", "a",
		    "'><body>hi</body></message>",
		    "<message from='u@h/r' to='r@m' id='a' type='chat'/>" },
		{ "<iq from='u@h/r' to='m' id='q' type='get'><query "
		    "xmlns='urn:x'>", "&quot;", "</query></iq>",
		    "<iq from='u@h/r' to='m' id='q' type='get'/>" },
	};
	struct buf b, want;
	size_t i, k;

	buf_init(&b, 0);
	buf_init(&want, 0);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		buf_reset(&b);
		buf_reset(&want);
		buf_puts(&b, HDR);
		buf_puts(&b, cases[k].head);
		for (i = 0; i < 2 * LIMIT; i++)
			buf_puts(&b, cases[k].fill);
		buf_puts(&b, cases[k].tail);
		buf_puts(&b, NEXT);
		buf_printf(&want, "REJ(stanza exceeds size limit)%s|"
		    NEXT_OUT "#open=1,close=0", cases[k].want);
		buf_cstr(&want);
		expect_output(buf_head(&b), buf_pending(&b), LIMIT, 32,
		    buf_head(&want), __LINE__);
	}
	buf_free(&want);
	/* A hundred in a row, then a stanza that fits. */
	buf_reset(&b);
	buf_puts(&b, HDR);
	for (i = 0; i < 100; i++)
		buf_printf(&b, "<message id='m%zu'><body>%0*d</body></message>",
		    i, 2 * LIMIT, 0);
	buf_puts(&b, NEXT);
	{
		struct sink s;
		struct xml_stream *xs = new_stream(&s, LIMIT, 32);

		CHECK_INT(feed(xs, buf_head(&b), buf_pending(&b), 1000), 0);
		CHECK_INT(s.total, 101);
		CHECK_STR(s.why[63], "stanza exceeds size limit");
		CHECK_STR(x_attr(s.st[63], "id"), "m63");
		xml_stream_free(xs);
		sink_clear(&s);
	}
	buf_free(&b);
}

/* A namespace name longer than the parser's buffer: that stanza is
 * refused, and the stanza callback never sees a NULL stanza. */
static void
long_namespace(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	/* On the stanza element itself: nothing to answer, dropped. */
	buf_puts(&b, HDR "<x xmlns='urn:");
	for (i = 0; i < 2000; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "'/>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), 65536, 32,
	    NEXT_OUT "#open=1,close=0", __LINE__);
	buf_reset(&b);
	buf_puts(&b, HDR "<message id='2'><x xmlns='urn:");
	for (i = 0; i < 2000; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "'/></message>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), 65536, 32,
	    "REJ(namespace name too long)<message id='2'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	buf_reset(&b);
	buf_puts(&b, HDR "<message id='3' xmlns:p='urn:");
	for (i = 0; i < 2000; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "' p:a='1'/>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), 65536, 32,
	    "REJ(namespace name too long)<message id='3'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	/* On the stream's root it is the stream that fails. */
	buf_reset(&b);
	buf_puts(&b, "<stream xmlns='urn:");
	for (i = 0; i < 2000; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "'>");
	expect_stream_error(buf_head(&b), buf_pending(&b), XML_ERR_POLICY,
	    65536, 32, __LINE__);
	buf_free(&b);
}

/*
 * What a stanza costs in the tree beyond its bytes is charged to the size
 * limit: many empty elements, many attributes, a long namespace name
 * repeated by reference. Over it, the stanza is refused and the stream
 * goes on; well under it, nothing is refused.
 */
static void
refused_for_cost(void)
{
	enum { LIMIT = 65536 };
	struct buf b, want;
	size_t i;

	buf_init(&b, 0);
	buf_init(&want, 0);
	/* 6,000 empty children: 24 KB of input, ~190 KB of tree. */
	buf_puts(&b, HDR "<message id='c'>");
	for (i = 0; i < 6000; i++)
		buf_puts(&b, "<a/>");
	buf_puts(&b, "</message>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), LIMIT, 32,
	    "REJ(stanza too complex)<message id='c'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	/* 4,000 attributes on the stanza element: not built at all; the
	 * shell keeps what a reply needs. */
	buf_reset(&b);
	buf_puts(&b, HDR "<message id='wide' to='r@m'");
	for (i = 0; i < 4000; i++)
		buf_printf(&b, " a%zu=''", i);
	buf_puts(&b, "/>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), LIMIT, 32,
	    "REJ(stanza too complex)<message id='wide' to='r@m'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	/* A 1,000-byte namespace name behind a prefix, used by 100
	 * attributes: 8 KB of input that would be 100 KB of names. */
	buf_reset(&b);
	buf_puts(&b, HDR "<message id='n'><x xmlns:p='urn:");
	for (i = 0; i < 1000; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "'>");
	for (i = 0; i < 100; i++)
		buf_printf(&b, "<y p:a%zu='1'/>", i);
	buf_puts(&b, "</x></message>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), LIMIT, 32,
	    "REJ(stanza too complex)<message id='n'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	/* The same shapes at a tenth are fine. */
	buf_reset(&b);
	buf_puts(&b, HDR "<message>");
	for (i = 0; i < 600; i++)
		buf_puts(&b, "<a/>");
	buf_puts(&b, "</message>");
	{
		char *r = run_stream(buf_head(&b), buf_pending(&b), 0, LIMIT,
		    32);

		CHECK(strncmp(r, "<message><a/>", 13) == 0);
		free(r);
	}
	/* A refused stanza's text and children are dropped as they come,
	 * past the size limit too; it is answered once. */
	buf_reset(&b);
	buf_puts(&b, HDR "<message id='t'>");
	for (i = 0; i < 6000; i++)
		buf_puts(&b, "<a/>");
	for (i = 0; i < 20000; i++)
		buf_puts(&b, "text ");
	buf_puts(&b, "</message>" NEXT);
	expect_output(buf_head(&b), buf_pending(&b), LIMIT, 32,
	    "REJ(stanza too complex)<message id='t'/>|" NEXT_OUT
	    "#open=1,close=0", __LINE__);
	buf_free(&b);
	buf_free(&want);
}

/*
 * expat's own memory is budgeted too: it expands a namespace name in full
 * for every prefixed attribute, so 150 KB declaring a 100 KB namespace
 * and 5,000 attributes in it would be 700 MB. Past the budget (8x the
 * size limit plus 4 MB) the stream fails instead, and its memory stays
 * within the budget.
 */
static void
namespace_expansion(void)
{
	enum { LIMIT = 1024 * 1024 };
	struct sink s;
	struct xml_stream *xs;
	struct buf b;
	size_t i, before, grew;
	int rc;

	buf_init(&b, 0);
	buf_puts(&b, HDR "<message id='big' xmlns:p='urn:");
	for (i = 0; i < 100000; i++)
		buf_putc(&b, 'n');
	buf_putc(&b, '\'');
	for (i = 0; i < 5000; i++)
		buf_printf(&b, " p:a%zu=''", i);
	buf_puts(&b, "/>");
	xs = new_stream(&s, LIMIT, 32);
	before = HEAP_NOW();
	rc = feed(xs, buf_head(&b), buf_pending(&b), 0);
	grew = HEAP_NOW() - before;
	CHECK_INT(rc, -1);
	CHECK_INT(xml_stream_error(xs), XML_ERR_POLICY);
	if (HAVE_HEAP_NOW && grew > 8u * LIMIT + (8u << 20)) {
		fprintf(stderr, "    the parser holds %zu bytes\n", grew);
		unit_failed = 1;
	}
	xml_stream_free(xs);
	sink_clear(&s);
	buf_free(&b);
}

/*
 * expat remembers every distinct name of a document. On a long stream of
 * stanzas with new names each time its tables would outgrow the budget
 * (300,000 stanzas: ~40 MB against 4.5 MB); the parser is recycled
 * between stanzas instead, and every stanza still arrives, whatever the
 * slicing.
 */
static void
long_stream_of_new_names(void)
{
	enum { LIMIT = 65536, N = 300000 };
	size_t k;

	for (k = 0; k < 3; k++) {
		static const size_t chunk[] = { 0, 7, 4096 };
		struct sink s;
		struct xml_stream *xs = new_stream(&s, LIMIT, 32);
		struct buf b;
		size_t i;
		int rc = feeds(xs, HDR, 0);

		buf_init(&b, 0);
		for (i = 0; rc == 0 && i < N; i++) {
			buf_reset(&b);
			buf_printf(&b, "<message id='m%zu'><x%zu xmlns='urn:%zu' "
			    "a%zu='1'/></message>", i, i, i, i);
			rc = feed(xs, buf_head(&b), buf_pending(&b), chunk[k]);
			if (s.n > 0) {
				/* Check one, then keep the sink small. */
				if (i == N - 1 && s.n == 1)
					CHECK_STR(x_attr(s.st[0], "id"), "m299999");
				sink_clear_stanzas(&s);
			}
		}
		CHECK_INT(rc, 0);
		CHECK_INT(s.total, N);
		CHECK_INT(xml_stream_error(xs), XML_OK);
		/* The stream is the same stream: a keepalive, then its end. */
		CHECK_INT(feeds(xs, " " END, 0), 0);
		CHECK_INT(s.closes, 1);
		xml_stream_free(xs);
		sink_clear(&s);
		buf_free(&b);
	}
}

/* Attributes are appended without a duplicate check because expat
 * refuses a repeated expanded name; make sure it does. */
static void
duplicate_attributes(void)
{
	expect_stream_error(LIT(HDR "<message a='1' a='2'/>"),
	    XML_ERR_NOT_WELL_FORMED, 65536, 32, __LINE__);
	expect_stream_error(LIT(HDR "<message xmlns:p='urn:x' xmlns:q='urn:x' "
	    "p:a='1' q:a='2'/>"), XML_ERR_NOT_WELL_FORMED, 65536, 32,
	    __LINE__);
}

/* ---- xml_parse -------------------------------------------------------- */

static void
parse_single(void)
{
	struct xml_limits lim = { 4096, 8 };
	char err[128];
	struct xnode *n;
	const char *s;

	s = "<iq xmlns='jabber:client' type='get'><query xmlns='"
	    "http://jabber.org/protocol/disco#info'/></iq>";
	n = xml_parse(s, strlen(s), &lim, err, sizeof(err));
	CHECK(n != NULL);
	if (n != NULL) {
		CHECK(x_is(n, "iq", NS_CLIENT));
		CHECK(n->parent == NULL);
		CHECK(x_is(x_child(n, NULL, NULL), "query",
		    "http://jabber.org/protocol/disco#info"));
		CHECK_SER(x_to_string(n), s);
		x_free(n);
	}
	/* No namespace at all. */
	n = xml_parse("<a><b/></a>", 11, &lim, err, sizeof(err));
	CHECK(n != NULL && x_is(n, "a", "") && x_is(n->first, "b", ""));
	x_free(n);
	/* With an XML declaration and surrounding whitespace. */
	s = "<?xml version='1.0' encoding='UTF-8'?>\n<a/>\n";
	n = xml_parse(s, strlen(s), &lim, err, sizeof(err));
	CHECK(n != NULL);
	x_free(n);
	/* Length is respected (no NUL needed). */
	n = xml_parse("<a/>garbage", 4, &lim, err, sizeof(err));
	CHECK(n != NULL);
	x_free(n);
}

static void
parse_errors(void)
{
	static const char *bad[] = {
		"", "   ", "<a>", "<a></b>", "<a/><b/>", "<a/>x", "text",
		"<a/><!-- c -->", "<!DOCTYPE a><a/>", "<?pi x?><a/>",
		"<a>&undefined;</a>", "<a>\xff</a>", "<p:a/>", "</a>",
	};
	struct xml_limits lim = { 4096, 8 };
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xnode *n;

		strcpy(err, "");
		n = xml_parse(bad[i], strlen(bad[i]), &lim, err, sizeof(err));
		if (n != NULL) {
			fprintf(stderr, "    accepted: '%s'\n", bad[i]);
			x_free(n);
		}
		CHECK(n == NULL);
		CHECK(err[0] != '\0');
	}
}

static void
parse_limits(void)
{
	struct xml_limits lim = { 1000, 3 };
	char err[128], *s;
	struct xnode *n;

	/* Depth: the document element is depth 1. */
	n = xml_parse("<a><b><c/></b></a>", 18, &lim, err, sizeof(err));
	CHECK(n != NULL);
	x_free(n);
	n = xml_parse("<a><b><c><d/></c></b></a>", 25, &lim, err, sizeof(err));
	CHECK(n == NULL);
	/* Size: exactly the limit passes, one byte more does not. */
	s = stanza_of(1000);
	n = s ? xml_parse(s, 1000, &lim, err, sizeof(err)) : NULL;
	CHECK(n != NULL);
	x_free(n);
	free(s);
	s = stanza_of(1001);
	n = s ? xml_parse(s, 1001, &lim, err, sizeof(err)) : NULL;
	if (n != NULL)
		fprintf(stderr, "    1001-byte document accepted with limit "
		    "1000\n");
	CHECK(n == NULL);
	x_free(n);
	free(s);
	/* Far over the limit. */
	s = stanza_of(100000);
	n = s ? xml_parse(s, 100000, &lim, err, sizeof(err)) : NULL;
	CHECK(n == NULL);
	x_free(n);
	free(s);
}

const struct unit_test unit_tests[] = {
	TEST(builder_basics),
	TEST(builder_attrs),
	TEST(text_nodes),
	TEST(child_next_filters),
	TEST(copy_clone_unlink),
	TEST(raw_nodes),
	TEST(copy_into_own_subtree),
	TEST(serializer_namespaces),
	TEST(escaping),
	TEST(round_trip),
	TEST(round_trip_whitespace),
	TEST(serialize_cap),
	TEST(stream_basic),
	TEST(stream_namespaces),
	TEST(slicing_invariance),
	TEST(keepalives),
	TEST(keepalives_do_not_count),
	TEST(restart),
	TEST(reset_in_callback),
	TEST(close_and_after),
	TEST(error_conditions),
	TEST(restricted),
	TEST(invalid_utf8),
	TEST(size_limit_one_feed),
	TEST(size_limit_with_header),
	TEST(size_limit_byte_by_byte),
	TEST(size_limit_after_stanza),
	TEST(size_limit_after_whitespace),
	TEST(unbounded_input),
	TEST(unbounded_children),
	TEST(oversized_refused_alone),
	TEST(tree_memory_bounded),
	TEST(depth_limit),
	TEST(long_namespace),
	TEST(refused_for_cost),
	TEST(duplicate_attributes),
	TEST(namespace_expansion),
	TEST(long_stream_of_new_names),
	TEST(parse_single),
	TEST(parse_errors),
	TEST(parse_limits),
	{ NULL, NULL }
};
