#include "xml.h"

#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlmem.h"

/* Arena: a list of chunks; allocations are never freed individually. */
struct xchunk {
	struct xchunk	*next;
	size_t		 used, size;
	max_align_t	 data[];
};

struct xdoc {
	struct xchunk	*chunks;
	struct xnode	*root;
};

#define XCHUNK_MIN	2048

static void *
arena_alloc(struct xdoc *d, size_t n)
{
	struct xchunk *c = d->chunks;
	size_t al = sizeof(max_align_t);
	void *p;

	n = (n + al - 1) / al * al;
	if (c == NULL || c->size - c->used < n) {
		size_t sz = n > XCHUNK_MIN ? n : XCHUNK_MIN;

		/* Grow chunk size with the document so big trees stay cheap. */
		if (c != NULL && c->size * 2 > sz && c->size < 65536)
			sz = c->size * 2 > n ? c->size * 2 : n;
		if ((c = malloc(sizeof(*c) + sz)) == NULL)
			return NULL;
		c->used = 0;
		c->size = sz;
		c->next = d->chunks;
		d->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *
arena_strndup(struct xdoc *d, const char *s, size_t n)
{
	char *p = arena_alloc(d, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
doc_free(struct xdoc *d)
{
	struct xchunk *c, *n;

	for (c = d->chunks; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(d);
}

/*
 * Allocation failure inside a tree is fatal to that tree only; builder
 * calls return NULL and the caller checks the result of the final step
 * (serialization fails on incomplete trees only by missing content).
 * Builders in mucd check every call that matters via x_new/x_add results.
 */

static struct xnode *
node_alloc(struct xdoc *d)
{
	struct xnode *n = arena_alloc(d, sizeof(*n));

	if (n != NULL) {
		memset(n, 0, sizeof(*n));
		n->doc = d;
	}
	return n;
}

static void
append_child(struct xnode *parent, struct xnode *c)
{
	c->parent = parent;
	c->prev = parent->last;
	c->next = NULL;
	if (parent->last != NULL)
		parent->last->next = c;
	else
		parent->first = c;
	parent->last = c;
}

struct xnode *
x_new(const char *name, const char *ns)
{
	struct xdoc *d;
	struct xnode *n;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((n = node_alloc(d)) == NULL ||
	    (n->name = arena_strndup(d, name, strlen(name))) == NULL ||
	    (n->ns = arena_strndup(d, ns ? ns : "", ns ? strlen(ns) : 0)) == NULL) {
		doc_free(d);
		return NULL;
	}
	d->root = n;
	return n;
}

struct xnode *
x_add(struct xnode *parent, const char *name, const char *ns)
{
	struct xnode *n;

	if (parent == NULL || (n = node_alloc(parent->doc)) == NULL)
		return NULL;
	if ((n->name = arena_strndup(parent->doc, name, strlen(name))) == NULL)
		return NULL;
	if (ns == NULL || strcmp(ns, parent->ns) == 0)
		n->ns = parent->ns;
	else if ((n->ns = arena_strndup(parent->doc, ns, strlen(ns))) == NULL)
		return NULL;
	append_child(parent, n);
	return n;
}

struct xnode *
x_add_textn(struct xnode *parent, const char *text, size_t len)
{
	struct xnode *n;

	if (parent == NULL || (n = node_alloc(parent->doc)) == NULL)
		return NULL;
	if ((n->text = arena_strndup(parent->doc, text, len)) == NULL)
		return NULL;
	n->len = len;
	append_child(parent, n);
	return n;
}

struct xnode *
x_add_raw(struct xnode *parent, const char *xml, size_t len)
{
	struct xnode *n = x_add_textn(parent, xml, len);

	if (n != NULL)
		n->raw = true;
	return n;
}

struct xnode *
x_add_text(struct xnode *parent, const char *text)
{
	return x_add_textn(parent, text, strlen(text));
}

struct xnode *
x_add_child_text(struct xnode *parent, const char *name, const char *text)
{
	struct xnode *c = x_add(parent, name, NULL);

	if (c != NULL && text != NULL && *text != '\0' &&
	    x_add_text(c, text) == NULL)
		return NULL;
	return c;
}

char *
x_strdup(struct xnode *n, const char *s)
{
	return arena_strndup(n->doc, s, strlen(s));
}

static int
attr_eq(const struct xattr *a, const char *ns, const char *name)
{
	if (strcmp(a->name, name) != 0)
		return 0;
	if (ns == NULL)
		return a->ns == NULL;
	return a->ns != NULL && strcmp(a->ns, ns) == 0;
}

/* Room for at least want attributes in all. */
static int
attrs_reserve(struct xnode *n, unsigned want)
{
	struct xattr *na;
	unsigned nc;

	if (want <= n->cattrs)
		return 0;
	nc = n->cattrs ? n->cattrs * 2 : 4;
	if (nc < want)
		nc = want;
	if ((na = arena_alloc(n->doc, nc * sizeof(*na))) == NULL)
		return -1;
	if (n->nattrs > 0)
		memcpy(na, n->attrs, n->nattrs * sizeof(*na));
	n->attrs = na;
	n->cattrs = nc;
	return 0;
}

/* Add an attribute known not to be there yet; ns already lives in n's
 * arena (attributes of one element share its copy). */
static int
attr_append(struct xnode *n, const char *ns, const char *name,
    const char *value)
{
	struct xattr *na;

	if (attrs_reserve(n, n->nattrs + 1) == -1)
		return -1;
	na = &n->attrs[n->nattrs];
	na->ns = ns;
	na->name = x_strdup(n, name);
	na->value = x_strdup(n, value);
	if (na->name == NULL || na->value == NULL)
		return -1;
	n->nattrs++;
	return 0;
}

void
x_set_attr_ns(struct xnode *n, const char *ns, const char *name,
    const char *value)
{
	unsigned i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nattrs; i++) {
		if (!attr_eq(&n->attrs[i], ns, name))
			continue;
		if (value == NULL) {
			memmove(&n->attrs[i], &n->attrs[i + 1],
			    (n->nattrs - i - 1) * sizeof(*n->attrs));
			n->nattrs--;
		} else
			n->attrs[i].value = x_strdup(n, value);
		return;
	}
	if (value != NULL && (ns == NULL || (ns = x_strdup(n, ns)) != NULL))
		(void)attr_append(n, ns, name, value);
}

void
x_set_attr(struct xnode *n, const char *name, const char *value)
{
	x_set_attr_ns(n, NULL, name, value);
}

void
x_set_attrf(struct xnode *n, const char *name, const char *fmt, ...)
{
	char small[64], *s = small;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(small)) {
		if ((s = malloc((size_t)len + 1)) == NULL)
			return;
		va_start(ap, fmt);
		vsnprintf(s, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	x_set_attr(n, name, s);
	if (s != small)
		free(s);
}

static struct xnode *
copy_into(struct xnode *parent, const struct xnode *src)
{
	const struct xnode *c;
	struct xnode *n;
	unsigned i;

	if (src->name == NULL)
		return src->raw ? x_add_raw(parent, src->text, src->len) :
		    x_add_textn(parent, src->text, src->len);
	if ((n = x_add(parent, src->name, src->ns)) == NULL)
		return NULL;
	for (i = 0; i < src->nattrs; i++)
		x_set_attr_ns(n, src->attrs[i].ns, src->attrs[i].name,
		    src->attrs[i].value);
	for (c = src->first; c != NULL; c = c->next)
		if (copy_into(n, c) == NULL)
			return NULL;
	return n;
}

struct xnode *
x_copy(struct xnode *parent, const struct xnode *src)
{
	const struct xnode *p;
	struct xnode *tmp, *n;

	/* Into its own subtree: copy a snapshot, or the copy would keep
	 * copying itself. */
	for (p = parent; p != NULL; p = p->parent)
		if (p == src) {
			if ((tmp = x_clone(src)) == NULL)
				return NULL;
			n = copy_into(parent, tmp);
			x_free(tmp);
			return n;
		}
	return copy_into(parent, src);
}

struct xnode *
x_clone(const struct xnode *src)
{
	const struct xnode *c;
	struct xnode *n;
	unsigned i;

	if (src == NULL || src->name == NULL)
		return NULL;
	if ((n = x_new(src->name, src->ns)) == NULL)
		return NULL;
	for (i = 0; i < src->nattrs; i++)
		x_set_attr_ns(n, src->attrs[i].ns, src->attrs[i].name,
		    src->attrs[i].value);
	for (c = src->first; c != NULL; c = c->next)
		if (copy_into(n, c) == NULL) {
			x_free(n);
			return NULL;
		}
	return n;
}

void
x_unlink(struct xnode *n)
{
	struct xnode *p = n->parent;

	if (p == NULL)
		return;
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		p->first = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		p->last = n->prev;
	n->parent = n->next = n->prev = NULL;
}

void
x_free(struct xnode *n)
{
	if (n == NULL)
		return;
	if (n->doc->root == n)
		doc_free(n->doc);
	else
		x_unlink(n);
}

const char *
x_attr_ns(const struct xnode *n, const char *ns, const char *name)
{
	unsigned i;

	if (n == NULL)
		return NULL;
	for (i = 0; i < n->nattrs; i++)
		if (attr_eq(&n->attrs[i], ns, name))
			return n->attrs[i].value;
	return NULL;
}

const char *
x_attr(const struct xnode *n, const char *name)
{
	return x_attr_ns(n, NULL, name);
}

bool
x_is(const struct xnode *n, const char *name, const char *ns)
{
	return n != NULL && n->name != NULL &&
	    (name == NULL || strcmp(n->name, name) == 0) &&
	    (ns == NULL || strcmp(n->ns, ns) == 0);
}

struct xnode *
x_next(const struct xnode *after, const char *name, const char *ns)
{
	struct xnode *c;

	for (c = after ? after->next : NULL; c != NULL; c = c->next)
		if (x_is(c, name, ns))
			return c;
	return NULL;
}

struct xnode *
x_child(const struct xnode *n, const char *name, const char *ns)
{
	struct xnode *c;

	if (n == NULL)
		return NULL;
	for (c = n->first; c != NULL; c = c->next)
		if (x_is(c, name, ns))
			return c;
	return NULL;
}

unsigned
x_count_children(const struct xnode *n)
{
	const struct xnode *c;
	unsigned k = 0;

	X_FOREACH(n, c)
		k++;
	return k;
}

const char *
x_text(const struct xnode *n)
{
	const struct xnode *c, *only = NULL;
	size_t total = 0, texts = 0;
	char *s, *p;

	if (n == NULL)
		return "";
	for (c = n->first; c != NULL; c = c->next)
		if (c->name == NULL && !c->raw) {
			only = c;
			total += c->len;
			texts++;
		}
	if (texts == 0)
		return "";
	if (texts == 1)
		return only->text;
	if ((s = arena_alloc(n->doc, total + 1)) == NULL)
		return "";
	for (p = s, c = n->first; c != NULL; c = c->next)
		if (c->name == NULL && !c->raw) {
			memcpy(p, c->text, c->len);
			p += c->len;
		}
	*p = '\0';
	return s;
}

const char *
x_child_text(const struct xnode *n, const char *name, const char *ns)
{
	struct xnode *c = x_child(n, name, ns);

	return c ? x_text(c) : NULL;
}

/* Serializer. */

/*
 * Parsers turn CR and CRLF into LF in text, and TAB, LF and CR into
 * spaces in attribute values (XML 1.0 2.11, 3.3.3): write those as
 * character references where they must survive, as Canonical XML does.
 */
/* Bytes escape() must look at: 1 always, 2 in attribute values only. */
static const unsigned char esc_class[256] = {
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1, ['\r'] = 1,
	['\n'] = 2, ['\t'] = 2,
};

static int
escape(struct buf *b, const char *s, size_t len, bool attr)
{
	unsigned char mask = attr ? 3 : 1;
	size_t i, run = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		if (!(esc_class[(unsigned char)s[i]] & mask))
			continue;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\r': rep = "&#13;"; break;
		case '\n': rep = "&#10;"; break;
		default: rep = "&#9;"; break;
		}
		if (buf_append(b, s + run, i - run) == -1 ||
		    buf_puts(b, rep) == -1)
			return -1;
		run = i + 1;
	}
	return buf_append(b, s + run, len - run);
}

int
x_escape(struct buf *b, const char *s, size_t len)
{
	return escape(b, s, len, true);
}

static int
put_attr(struct buf *b, const char *prefix, const char *name, const char *v)
{
	if (buf_putc(b, ' ') == -1)
		return -1;
	if (prefix != NULL && (buf_puts(b, prefix) == -1 || buf_putc(b, ':') == -1))
		return -1;
	if (buf_puts(b, name) == -1 || buf_puts(b, "='") == -1 ||
	    x_escape(b, v, strlen(v)) == -1)
		return -1;
	return buf_putc(b, '\'');
}

static int
serialize(const struct xnode *n, struct buf *b, const char *dflt)
{
	const struct xnode *c;
	char prefix[16];
	unsigned i;

	if (n->name == NULL)
		return n->raw ? buf_append(b, n->text, n->len) :
		    escape(b, n->text, n->len, false);
	if (buf_putc(b, '<') == -1 || buf_puts(b, n->name) == -1)
		return -1;
	if (strcmp(n->ns, dflt) != 0 && put_attr(b, NULL, "xmlns", n->ns) == -1)
		return -1;
	for (i = 0; i < n->nattrs; i++) {
		const struct xattr *a = &n->attrs[i];

		if (a->ns == NULL) {
			if (put_attr(b, NULL, a->name, a->value) == -1)
				return -1;
		} else if (strcmp(a->ns, XML_NS_XML) == 0) {
			if (put_attr(b, "xml", a->name, a->value) == -1)
				return -1;
		} else {
			/* Other qualified attributes are rare: declare a
			 * prefix for each on the element itself. */
			snprintf(prefix, sizeof(prefix), "ns%u", i);
			if (put_attr(b, "xmlns", prefix, a->ns) == -1 ||
			    put_attr(b, prefix, a->name, a->value) == -1)
				return -1;
		}
	}
	if (n->first == NULL)
		return buf_puts(b, "/>");
	if (buf_putc(b, '>') == -1)
		return -1;
	for (c = n->first; c != NULL; c = c->next)
		if (serialize(c, b, n->ns) == -1)
			return -1;
	if (buf_puts(b, "</") == -1 || buf_puts(b, n->name) == -1)
		return -1;
	return buf_putc(b, '>');
}

int
x_serialize(const struct xnode *n, struct buf *b, const char *dflt)
{
	return serialize(n, b, dflt ? dflt : "");
}

char *
x_to_string(const struct xnode *n)
{
	struct buf b;

	buf_init(&b, 0);
	/* A sentinel default that no real namespace equals forces the
	 * root's xmlns out even when it is "". */
	if (serialize(n, &b, "\x01") == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Streaming parser. */

#define NS_SEP		'\x01'
#define FEED_SLICE	4096

struct xml_stream {
	XML_Parser		 p;
	struct xml_limits	 lim;
	struct xml_stream_cb	 cb;
	void			*ctx;
	unsigned		 depth;		/* 0 outside the root */
	struct xnode		*cur;		/* innermost open stanza element */
	struct xnode		*stanza;	/* root of the stanza being built */
	struct buf		 text;		/* character data not yet a node */
	unsigned long long	 fed;		/* bytes given to expat */
	unsigned long long	 mark;		/* byte index after the last
						 * header, stanza or keepalive */
	unsigned long long	 start;		/* byte index of the open
						 * stanza's start tag */
	unsigned long long	 stop_at;	/* byte index after the event
						 * that suspended the parser */
	size_t			 cost;		/* of the open stanza's tree */
	bool			 skipping;	/* the open stanza is refused */
	char			 skip_why[64];
	bool			 in_parse;	/* inside XML_Parse */
	bool			 reset_pending;	/* reset asked from a callback */
	struct xmlmem		 mem;		/* expat's own allocations */
	struct buf		 header;	/* the stream's opening bytes */
	unsigned long long	 header_len;	/* up to the root's start tag */
	bool			 have_header;
	bool			 replaying;	/* feeding header to a new parser */
	bool			 recycle_pending;
	unsigned long		 recycles;
	enum xml_error		 err;
	char			 msg[128];
	bool			 closed;
	bool			 single;	/* xml_parse(): root is the result */
};

static void
stream_fail(struct xml_stream *st, enum xml_error e, const char *msg)
{
	if (st->err == XML_OK) {
		st->err = e;
		snprintf(st->msg, sizeof(st->msg), "%s", msg);
	}
	XML_StopParser(st->p, XML_FALSE);
}

/* Byte index just past the event being reported. */
static unsigned long long
event_end(struct xml_stream *st)
{
	return (unsigned long long)XML_GetCurrentByteIndex(st->p) +
	    (unsigned long long)XML_GetCurrentByteCount(st->p);
}

/*
 * The tree of a stanza is charged against the size limit as well as its
 * bytes: "<a/>" is 4 bytes on the wire but a ~110-byte node, and a
 * namespace name is copied into every element that changes to it and
 * every qualified attribute (then written out again by the serializer).
 * So the tree, and what is made of it, stays a small multiple of the
 * limit whatever the input.
 */
#define ELEMENT_COST	32
#define ATTR_COST	32

#define TOO_BIG		"stanza exceeds size limit"

/* Split expat's "uri\x01local" into namespace and local name. */
static const char *
split_name(const char *full, char *nsbuf, size_t nslen, const char **ns)
{
	const char *sep = strchr(full, NS_SEP);
	size_t n;

	if (sep == NULL) {
		*ns = NULL;
		return full;
	}
	n = (size_t)(sep - full);
	if (n >= nslen)
		return NULL;
	memcpy(nsbuf, full, n);
	nsbuf[n] = '\0';
	*ns = nsbuf;
	return sep + 1;
}

static void
flush_text(struct xml_stream *st)
{
	if (st->text.len == 0)
		return;
	if (st->cur != NULL &&
	    x_add_textn(st->cur, st->text.data, st->text.len) == NULL)
		stream_fail(st, XML_ERR_NOMEM, "out of memory");
	buf_reset(&st->text);
}

/*
 * The open stanza breaks a limit of ours (not of XML): refuse just that
 * stanza. Its children go; the bare top element stays so the refusal can
 * be answered, and the rest of it is parsed but not kept. For xml_parse
 * the document is the stanza, and it fails.
 */
static void
reject(struct xml_stream *st, const char *why)
{
	if (st->single || st->depth < 2) {
		stream_fail(st, XML_ERR_POLICY, why);
		return;
	}
	if (st->skipping)
		return;
	st->skipping = true;
	snprintf(st->skip_why, sizeof(st->skip_why), "%s", why);
	buf_reset(&st->text);
	if (st->stanza != NULL)
		while (st->stanza->first != NULL)
			x_unlink(st->stanza->first);
	st->cur = NULL;
}

/*
 * What an element costs the stanza's budget (see ELEMENT_COST), from what
 * expat reports, before anything is built. -1: a namespace name is longer
 * than we keep.
 */
static long long
element_cost(const char *ns, const struct xnode *parent, const char **atts,
    unsigned count)
{
	char ansbuf[1024];
	const char *ans;
	long long cost = ELEMENT_COST + (long long)(count / 2) * ATTR_COST;
	unsigned i;

	if (ns != NULL && (parent == NULL || strcmp(ns, parent->ns) != 0))
		cost += (long long)strlen(ns);
	for (i = 0; i < count; i += 2) {
		if (split_name(atts[i], ansbuf, sizeof(ansbuf), &ans) == NULL)
			return -1;
		if (ans != NULL)
			cost += (long long)strlen(ans);
	}
	return cost;
}

/*
 * The top element of a refused stanza, for the error reply: its name and
 * the attributes a reply needs, nothing else (its own attributes may be
 * what made it too costly).
 */
static struct xnode *
make_shell(const char *local, const char *ns, const char **atts)
{
	struct xnode *n = x_new(local, ns);
	unsigned i;

	for (i = 0; n != NULL && atts[i] != NULL; i += 2)
		if (!strcmp(atts[i], "from") || !strcmp(atts[i], "to") ||
		    !strcmp(atts[i], "id") || !strcmp(atts[i], "type"))
			x_set_attr(n, atts[i], atts[i + 1]);
	return n;
}

/* The same from expat's name ("uri\x01local"); NULL when the namespace
 * name is longer than we keep (the stanza is then dropped unanswered). */
static struct xnode *
shell_of(const char *name, const char **atts)
{
	char nsbuf[1024];
	const char *local, *ns;

	if ((local = split_name(name, nsbuf, sizeof(nsbuf), &ns)) == NULL)
		return NULL;
	return make_shell(local, ns, atts);
}

/*
 * One element with its attributes, charged to st->cost first: an element
 * over the budget is not built (at the top of a stanza, only its shell).
 * NULL when nothing was built (the stanza is refused or the stream
 * failed). Attributes are appended without looking for duplicates: expat
 * refuses a repeated (expanded) attribute name as not well-formed.
 */
static struct xnode *
make_element(struct xml_stream *st, struct xnode *parent, const char *name,
    const char **atts)
{
	char nsbuf[1024], ansbuf[1024];
	const char *local, *ns, *alocal, *ans, *nscopy = NULL, *nsof = NULL;
	struct xnode *n;
	unsigned i, count;
	long long cost;

	if ((local = split_name(name, nsbuf, sizeof(nsbuf), &ns)) == NULL) {
		reject(st, "namespace name too long");
		return NULL;
	}
	for (count = 0; atts[count] != NULL; count += 2)
		;
	if ((cost = element_cost(ns, parent, atts, count)) < 0 ||
	    (st->cost += (size_t)cost) > st->lim.max_stanza) {
		n = st->depth == 2 ? make_shell(local, ns, atts) : NULL;
		reject(st, cost < 0 ? "namespace name too long" :
		    "stanza too complex");
		return n;
	}
	n = parent ? x_add(parent, local, ns ? ns : "") : x_new(local, ns);
	if (n == NULL || attrs_reserve(n, count / 2) == -1) {
		stream_fail(st, XML_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < count; i += 2) {
		ans = NULL;
		if ((alocal = split_name(atts[i], ansbuf, sizeof(ansbuf),
		    &ans)) == NULL)
			break;	/* not reached: element_cost checked */
		/* One copy of a namespace per element, however many of its
		 * attributes are in it. */
		if (ans != NULL && (nsof == NULL || strcmp(ans, nsof) != 0)) {
			nsof = nscopy = x_strdup(n, ans);
			if (nscopy == NULL) {
				stream_fail(st, XML_ERR_NOMEM, "out of memory");
				break;
			}
		}
		if (attr_append(n, ans ? nscopy : NULL, alocal,
		    atts[i + 1]) == -1) {
			stream_fail(st, XML_ERR_NOMEM, "out of memory");
			break;
		}
	}
	return n;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_stream *st = ud;
	struct xnode *n;

	if (st->err != XML_OK)
		return;
	flush_text(st);
	st->depth++;
	if (st->single && st->depth == 1) {
		/* xml_parse(): the document element is the stanza. */
		st->depth++;
	}
	if (st->depth == 1) {
		if ((n = make_element(st, NULL, name, atts)) == NULL)
			return;
		if (st->err == XML_OK && !st->replaying && st->cb.open != NULL)
			st->cb.open(st->ctx, n);
		x_free(n);
		st->mark = event_end(st);
		if (!st->have_header) {
			st->header_len = st->mark;
			st->have_header = true;
		}
		return;
	}
	if (st->depth == 2) {
		st->start = (unsigned long long)XML_GetCurrentByteIndex(st->p);
		st->cost = 0;
		st->skipping = false;
		/* A start tag over the limit by itself: its attributes are
		 * what is too big, so only the shell is made of it. */
		if (event_end(st) - st->start > st->lim.max_stanza) {
			st->stanza = st->single ? NULL : shell_of(name, atts);
			reject(st, TOO_BIG);
			return;
		}
	}
	if (st->skipping)
		return;
	if (st->depth - 1 > st->lim.max_depth) {
		reject(st, "stanza nested too deeply");
		return;
	}
	n = make_element(st, st->depth == 2 ? NULL : st->cur, name, atts);
	if (st->depth == 2)
		st->stanza = n;
	if (n == NULL || st->err != XML_OK || st->skipping)
		return;
	st->cur = n;
	if (st->cost > st->lim.max_stanza)
		reject(st, "stanza too complex");
}

/*
 * expat keeps every distinct element and attribute name of a document in
 * tables that only grow: on a long stream, anyone who can send stanzas
 * could grow them without end. Between stanzas, once expat holds a
 * quarter of its budget, swap in a fresh parser primed with the stream's
 * own header (recycle()); nothing outside notices.
 */
static void
want_recycle(struct xml_stream *st)
{
	if (st->single || !st->have_header || st->reset_pending ||
	    st->err != XML_OK || st->mem.used <= st->mem.cap / 4)
		return;
	st->recycle_pending = true;
	st->stop_at = event_end(st);
	XML_StopParser(st->p, XML_TRUE);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xml_stream *st = ud;
	struct xnode *done;

	(void)name;
	if (st->err != XML_OK)
		return;
	flush_text(st);
	if (st->depth == 0)
		return;
	/* The stanza's end tag took it over the limit (the size check in
	 * xml_stream_feed runs only between slices). */
	if (st->depth == 2 && event_end(st) - st->start > st->lim.max_stanza) {
		reject(st, TOO_BIG);
		if (st->err != XML_OK)
			return;
	}
	st->depth--;
	if (st->depth == 0) {
		st->closed = true;
		/* Whatever follows is checked by xml_stream_feed. */
		st->stop_at = event_end(st);
		XML_StopParser(st->p, XML_TRUE);
		if (st->cb.close != NULL)
			st->cb.close(st->ctx);
		return;
	}
	if (st->depth > 1) {
		if (!st->skipping)
			st->cur = st->cur->parent;
		return;
	}
	done = st->stanza;
	st->stanza = st->cur = NULL;
	st->mark = event_end(st);
	if (st->skipping) {
		st->skipping = false;
		if (done != NULL && st->cb.rejected != NULL)
			st->cb.rejected(st->ctx, done, st->skip_why);
		else
			x_free(done);
		want_recycle(st);
		return;
	}
	if (st->single) {
		st->stanza = done;	/* handed back by xml_parse */
		st->depth = 0;
		st->closed = true;
		st->stop_at = st->mark;
		XML_StopParser(st->p, XML_TRUE);
		return;
	}
	if (st->cb.stanza != NULL)
		st->cb.stanza(st->ctx, done);
	else
		x_free(done);
	want_recycle(st);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_stream *st = ud;

	if (st->err != XML_OK)
		return;
	/* Text directly inside the stream root is whitespace keepalive;
	 * it belongs to no stanza. */
	if (st->depth < 2) {
		st->mark = event_end(st);
		return;
	}
	if (st->skipping)
		return;
	if (buf_append(&st->text, s, (size_t)len) == -1)
		reject(st, TOO_BIG);
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *n, const XML_Char *s, const XML_Char *p,
    int has_internal)
{
	(void)n; (void)s; (void)p; (void)has_internal;
	stream_fail(ud, XML_ERR_RESTRICTED, "DTD not allowed");
}

static void XMLCALL
on_entity(void *ud, const XML_Char *e, int pe, const XML_Char *v, int vl,
    const XML_Char *b, const XML_Char *s, const XML_Char *p, const XML_Char *n)
{
	(void)e; (void)pe; (void)v; (void)vl; (void)b; (void)s; (void)p; (void)n;
	stream_fail(ud, XML_ERR_RESTRICTED, "entity declaration not allowed");
}

static void XMLCALL
on_comment(void *ud, const XML_Char *d)
{
	(void)d;
	stream_fail(ud, XML_ERR_RESTRICTED, "comment not allowed");
}

static void XMLCALL
on_pi(void *ud, const XML_Char *t, const XML_Char *d)
{
	struct xml_stream *st = ud;

	(void)d;
	/* expat reports the XML declaration separately; any other PI is
	 * forbidden by RFC 6120. */
	(void)t;
	stream_fail(st, XML_ERR_RESTRICTED, "processing instruction not allowed");
}

/* A fresh expat parser with our handlers, charged to st's budget. */
static int
new_parser(struct xml_stream *st)
{
	struct xmlmem *prev;

	if (st->p != NULL)
		XML_ParserFree(st->p);
	prev = xmlmem_enter(&st->mem);
	st->p = XML_ParserCreate_MM("UTF-8", xmlmem_suite(), "\x01");
	xmlmem_leave(prev);
	if (st->p == NULL)
		return -1;
	XML_SetUserData(st->p, st);
	XML_SetElementHandler(st->p, on_start, on_end);
	XML_SetCharacterDataHandler(st->p, on_text);
	XML_SetStartDoctypeDeclHandler(st->p, on_doctype);
	XML_SetEntityDeclHandler(st->p, on_entity);
	XML_SetCommentHandler(st->p, on_comment);
	XML_SetProcessingInstructionHandler(st->p, on_pi);
	XML_SetParamEntityParsing(st->p, XML_PARAM_ENTITY_PARSING_NEVER);
	st->mem.refused = false;
	return 0;
}

static int
stream_setup(struct xml_stream *st)
{
	if (new_parser(st) == -1)
		return -1;
	x_free(st->stanza);
	st->stanza = st->cur = NULL;
	st->depth = 0;
	st->fed = st->mark = st->start = st->stop_at = 0;
	st->reset_pending = st->recycle_pending = false;
	st->err = XML_OK;
	st->msg[0] = '\0';
	st->closed = false;
	st->skipping = false;
	st->cost = 0;
	buf_reset(&st->text);
	buf_reset(&st->header);
	st->header_len = 0;
	st->have_header = false;
	return 0;
}

/*
 * After each slice: a stanza that has grown past the limit is refused and
 * the rest of it skipped (reject), so its sender gets an error and the
 * stream goes on. Between stanzas expat may be holding an unfinished
 * start tag; its memory budget bounds that, and the tag's size is judged
 * once it is complete (on_start). Only what no stanza can answer fails
 * the stream: a stream header, or xml_parse's document, over the limit.
 */
static int
over_limit(struct xml_stream *st)
{
	if (st->depth >= 2 && !st->single) {
		if (st->fed - st->start > st->lim.max_stanza)
			reject(st, TOO_BIG);
		return 0;
	}
	if ((st->depth == 0 || st->single) &&
	    st->fed - (st->depth >= 2 ? st->start : st->mark) >
	    st->lim.max_stanza) {
		stream_fail(st, XML_ERR_POLICY, TOO_BIG);
		return -1;
	}
	return 0;
}

/* Feed expat, charging its allocations to st. */
static enum XML_Status
parse(struct xml_stream *st, const char *data, size_t n)
{
	struct xmlmem *prev = xmlmem_enter(&st->mem);
	enum XML_Status status;

	st->in_parse = true;
	status = XML_Parse(st->p, data, (int)n, XML_FALSE);
	st->in_parse = false;
	xmlmem_leave(prev);
	return status;
}

/* Between two stanzas: the same stream, on a new parser (want_recycle). */
static int
recycle(struct xml_stream *st)
{
	st->recycle_pending = false;
	if (new_parser(st) == -1)
		return -1;
	st->depth = 0;
	st->replaying = true;
	if (parse(st, st->header.data, (size_t)st->header_len) !=
	    XML_STATUS_OK || st->depth != 1 || st->err != XML_OK) {
		st->replaying = false;
		return -1;
	}
	st->replaying = false;
	st->fed = st->mark = st->header_len;
	st->recycles++;
	return 0;
}

struct xml_stream *
xml_stream_new(const struct xml_limits *lim, const struct xml_stream_cb *cb,
    void *ctx)
{
	struct xml_stream *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->lim = *lim;
	if (st->lim.max_depth == 0)
		st->lim.max_depth = 1;
	if (cb != NULL)
		st->cb = *cb;
	st->ctx = ctx;
	buf_init(&st->text, lim->max_stanza);
	/* Whole slices are kept until the header's end is known. */
	buf_init(&st->header, lim->max_stanza + FEED_SLICE);
	/* Room for expat's buffer, a stanza's names and values several
	 * times over, and the tables of a long stream. */
	st->mem.cap = lim->max_stanza > (SIZE_MAX - (4u << 20)) / 8 ?
	    SIZE_MAX : 8 * lim->max_stanza + (4u << 20);
	if (stream_setup(st) == -1) {
		if (st->p != NULL)
			XML_ParserFree(st->p);
		buf_free(&st->text);
		buf_free(&st->header);
		free(st);
		return NULL;
	}
	return st;
}

void
xml_stream_free(struct xml_stream *st)
{
	if (st == NULL)
		return;
	if (st->p != NULL)
		XML_ParserFree(st->p);
	x_free(st->stanza);
	buf_free(&st->text);
	buf_free(&st->header);
	free(st);
}

int
xml_stream_reset(struct xml_stream *st)
{
	if (st->in_parse) {
		/* From a callback: expat is running; suspend it and let
		 * xml_stream_feed start over after the current event. */
		if (!st->reset_pending && st->err == XML_OK) {
			st->reset_pending = true;
			st->stop_at = event_end(st);
			XML_StopParser(st->p, XML_TRUE);
		}
		return 0;
	}
	return stream_setup(st);
}

int
xml_stream_feed(struct xml_stream *st, const char *data, size_t len)
{
	size_t off = 0, n;
	enum XML_Status status;

	if (st->err != XML_OK)
		return -1;
	while (off < len) {
		if (st->closed) {
			/* Only whitespace may follow the root's end. */
			for (; off < len; off++)
				if (!strchr(" \t\r\n", data[off])) {
					stream_fail(st, XML_ERR_CLOSED,
					    "data after end of stream");
					return -1;
				}
			return 0;
		}
		/* Feed in slices so expat's internal buffering of an
		 * unfinished token stays within one slice of the limit. */
		n = len - off > FEED_SLICE ? FEED_SLICE : len - off;
		/* Keep the opening bytes: a recycled parser is primed with
		 * them. Bounded by the size limit like any pending input. */
		if (!st->have_header && !st->single &&
		    buf_append(&st->header, data + off, n) == -1) {
			stream_fail(st, XML_ERR_POLICY,
			    "stream header exceeds size limit");
			return -1;
		}
		status = parse(st, data + off, n);
		if (st->have_header && st->header.len > st->header_len)
			st->header.len = (size_t)st->header_len;
		if (status == XML_STATUS_SUSPENDED && st->err == XML_OK) {
			/* Stopped at the root's end, for a restart or to
			 * recycle: skip what expat consumed, look at the rest
			 * anew. */
			off += (size_t)(st->stop_at - st->fed);
			st->fed = st->stop_at;
			if ((st->reset_pending && stream_setup(st) == -1) ||
			    (st->recycle_pending && recycle(st) == -1)) {
				st->err = XML_ERR_NOMEM;
				snprintf(st->msg, sizeof(st->msg), "out of memory");
				return -1;
			}
			continue;
		}
		if (status != XML_STATUS_OK) {
			if (st->err == XML_OK && st->mem.refused)
				stream_fail(st, XML_ERR_POLICY, "parsing needs "
				    "more memory than the size limit allows");
			else if (st->err == XML_OK) {
				enum XML_Error e = XML_GetErrorCode(st->p);

				stream_fail(st, e == XML_ERROR_NO_MEMORY ?
				    XML_ERR_NOMEM : XML_ERR_NOT_WELL_FORMED,
				    XML_ErrorString(e));
			}
			return -1;
		}
		off += n;
		st->fed += n;
		if (over_limit(st) == -1)
			return -1;
	}
	return 0;
}

enum xml_error
xml_stream_error(const struct xml_stream *st)
{
	return st->err;
}

const char *
xml_stream_errmsg(const struct xml_stream *st)
{
	return st->msg;
}

const char *
xml_error_condition(enum xml_error e)
{
	switch (e) {
	case XML_OK:			return NULL;
	case XML_ERR_NOT_WELL_FORMED:	return "not-well-formed";
	case XML_ERR_RESTRICTED:	return "restricted-xml";
	case XML_ERR_POLICY:		return "policy-violation";
	case XML_ERR_NOMEM:		return "internal-server-error";
	case XML_ERR_CLOSED:		return "not-well-formed";
	}
	return "undefined-condition";
}

struct xnode *
xml_parse(const char *s, size_t len, const struct xml_limits *lim,
    char *errbuf, size_t errlen)
{
	struct xml_stream *st;
	struct xnode *root = NULL;

	if ((st = xml_stream_new(lim, NULL, NULL)) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	st->single = true;
	/* The parser stops at the document element's end; the feed loop
	 * allows only whitespace after it. */
	if (xml_stream_feed(st, s, len) == 0 && !st->closed)
		stream_fail(st, XML_ERR_NOT_WELL_FORMED, "incomplete document");
	if (st->err == XML_OK) {
		root = st->stanza;
		st->stanza = NULL;
	} else
		snprintf(errbuf, errlen, "%s", st->msg);
	xml_stream_free(st);
	return root;
}
