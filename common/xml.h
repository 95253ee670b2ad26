/*
 * xml: element trees, a serializer, a builder, and a bounded streaming
 * parser for XMPP streams on top of expat.
 *
 * A tree lives in one arena owned by its root: nodes and strings are
 * carved from it and released together by x_free(root). That keeps
 * stanza handling free of per-node malloc/free and makes ownership
 * simple: whoever holds the root owns the whole stanza.
 *
 * Namespaces are resolved: every element carries its namespace URI ("" for
 * none), prefixes are gone. The serializer emits xmlns only where an
 * element's namespace differs from its parent's.
 */
#ifndef MUCD_XML_H
#define MUCD_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define XML_NS_XML	"http://www.w3.org/XML/1998/namespace"
#define XML_NS_STREAM	"http://etherx.jabber.org/streams"

struct xdoc;

struct xattr {
	const char	*ns;	/* NULL when unqualified */
	const char	*name;
	const char	*value;
};

struct xnode {
	struct xnode	*parent, *next, *prev, *first, *last;
	struct xdoc	*doc;
	const char	*name;	/* NULL for a text node */
	const char	*ns;	/* element namespace URI, "" for none */
	const char	*text;	/* text nodes: content (NUL-terminated) */
	size_t		 len;	/* text nodes: content length */
	bool		 raw;	/* text is serialized XML, emitted verbatim */
	struct xattr	*attrs;
	unsigned	 nattrs, cattrs;
};

/* Building. ns NULL in x_add means "same namespace as the parent". */
struct xnode	*x_new(const char *name, const char *ns);
struct xnode	*x_add(struct xnode *parent, const char *name, const char *ns);
struct xnode	*x_add_text(struct xnode *parent, const char *text);
struct xnode	*x_add_textn(struct xnode *parent, const char *text, size_t);
/*
 * Pre-serialized XML emitted verbatim by the serializer (never parsed):
 * lets a stored payload (e.g. an occupant's presence children) be reused
 * in every outgoing stanza without rebuilding a tree. The caller vouches
 * that it is well-formed and was serialized for the parent's namespace.
 */
struct xnode	*x_add_raw(struct xnode *parent, const char *xml, size_t len);
/* Shorthand: add <name>text</name> in the parent's namespace. */
struct xnode	*x_add_child_text(struct xnode *parent, const char *name,
		    const char *text);
/* Set (replace) an attribute; value NULL removes it. */
void		 x_set_attr(struct xnode *, const char *name, const char *value);
void		 x_set_attr_ns(struct xnode *, const char *ns, const char *name,
		    const char *value);
void		 x_set_attrf(struct xnode *, const char *name, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* Deep-copy src (from any tree) as the last child of parent. */
struct xnode	*x_copy(struct xnode *parent, const struct xnode *src);
/* Deep-copy into a new tree of its own. */
struct xnode	*x_clone(const struct xnode *src);
/* Detach from the parent; memory returns when the tree's root is freed. */
void		 x_unlink(struct xnode *);
/* Free a whole tree; n must be a root. NULL is fine. */
void		 x_free(struct xnode *);
/* Copy a string into n's arena. */
char		*x_strdup(struct xnode *, const char *);

/* Reading. name/ns NULL match anything. */
const char	*x_attr(const struct xnode *, const char *name);
const char	*x_attr_ns(const struct xnode *, const char *ns, const char *name);
struct xnode	*x_child(const struct xnode *, const char *name, const char *ns);
struct xnode	*x_next(const struct xnode *after, const char *name, const char *ns);
/* Concatenated text of direct text children; "" when none. */
const char	*x_text(const struct xnode *);
/* Text of the first matching child, or NULL when there is no such child. */
const char	*x_child_text(const struct xnode *, const char *name, const char *ns);
bool		 x_is(const struct xnode *, const char *name, const char *ns);
unsigned	 x_count_children(const struct xnode *);

#define X_FOREACH(parent, c) \
	for ((c) = (parent)->first; (c) != NULL; (c) = (c)->next) \
		if ((c)->name != NULL)

/*
 * Serialize n; dflt is the default namespace in scope where n is written
 * (e.g. the stream's content namespace), so n itself declares xmlns only if
 * it differs. Returns -1 when the buffer's cap is reached.
 */
int		 x_serialize(const struct xnode *, struct buf *, const char *dflt);
/* Malloc'd serialization with n's own namespace declared; NULL on OOM. */
char		*x_to_string(const struct xnode *);
/* Escaping for hand-written XML (text and attribute values alike). */
int		 x_escape(struct buf *, const char *s, size_t len);

/* Streaming parser. */
enum xml_error {
	XML_OK = 0,
	XML_ERR_NOT_WELL_FORMED,	/* stream error <not-well-formed/> */
	XML_ERR_RESTRICTED,		/* DTD, entity decl, comment, PI */
	XML_ERR_POLICY,			/* stream header (xml_parse: the
					 * document) over max_stanza bytes,
					 * or parser memory exhausted */
	XML_ERR_NOMEM,			/* <internal-server-error/> */
	XML_ERR_CLOSED			/* data after the stream's end */
};

struct xml_limits {
	size_t		 max_stanza;	/* bytes of a stanza; also the budget
					 * for its tree (see ELEMENT_COST in
					 * xml.c). expat's own memory is
					 * capped at 8 x this + 4 MB */
	unsigned	 max_depth;	/* element depth inside a stanza */
};

struct xml_stream_cb {
	/* Stream root opened; root has the header's attributes, no children.
	 * The callee borrows root only for the call. */
	void	(*open)(void *ctx, const struct xnode *root);
	/* A complete top-level child; the callee owns it (x_free). */
	void	(*stanza)(void *ctx, struct xnode *stanza);
	/* The root element ended. */
	void	(*close)(void *ctx);
	/*
	 * A top-level child refused for breaking a limit (its size in bytes,
	 * depth, number of elements and attributes, namespace names): the
	 * rest of it is parsed but not kept, and the stream goes on. shell
	 * is its top element without children and with only from, to, id
	 * and type, for an error reply; the callee owns it. NULL: dropped.
	 */
	void	(*rejected)(void *ctx, struct xnode *shell, const char *why);
};

struct xml_stream;

struct xml_stream *xml_stream_new(const struct xml_limits *,
		    const struct xml_stream_cb *, void *ctx);
void		 xml_stream_free(struct xml_stream *);
/* Start over for a new stream on the same connection (stream restart). */
int		 xml_stream_reset(struct xml_stream *);
/* Feed bytes; callbacks run from inside. -1 on error: see xml_stream_error. */
int		 xml_stream_feed(struct xml_stream *, const char *, size_t);
enum xml_error	 xml_stream_error(const struct xml_stream *);
const char	*xml_stream_errmsg(const struct xml_stream *);
/* RFC 6120 stream error condition for an xml_error. */
const char	*xml_error_condition(enum xml_error);

/*
 * Parse one standalone element (no stream) with the same restrictions;
 * returns a tree or NULL with a message in errbuf.
 */
struct xnode	*xml_parse(const char *, size_t, const struct xml_limits *,
		    char *errbuf, size_t errlen);

#endif
