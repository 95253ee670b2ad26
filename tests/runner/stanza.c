/*
 * stanza: turn a script's stanza text into a tree.
 *
 * Variables (bound JIDs, captured values) are expanded textually first
 * (values XML-escaped), then the text is parsed inside a wrapper element that makes jabber:client the
 * default namespace and binds the scansion: prefix, as the scripts assume.
 */
#include "scsrun.h"

#include <stdio.h>
#include <string.h>

#define WRAP_OPEN	"<scansion:wrapper xmlns='" NS_CLIENT \
			"' xmlns:scansion='" SCS_NS "'>"
#define WRAP_CLOSE	"</scansion:wrapper>"

/* Split "Name's full JID", "Name's JID" or "capture:NAME" into the
 * name and the kind of variable. */
static int
parse_var(const char *var, size_t len, char *name, size_t namelen,
    enum var_kind *kind)
{
	static const char sfull[] = "'s full JID", sbare[] = "'s JID",
	    scap[] = "capture:";
	size_t nlen;

	if (len > sizeof(scap) - 1 && memcmp(var, scap, sizeof(scap) - 1) == 0) {
		*kind = VAR_CAPTURE;
		var += sizeof(scap) - 1;
		nlen = len - (sizeof(scap) - 1);
		if (!capture_name_valid(var, nlen))
			return -1;
	} else if (len > sizeof(sfull) - 1 &&
	    memcmp(var + len - (sizeof(sfull) - 1), sfull, sizeof(sfull) - 1) == 0) {
		*kind = VAR_FULL_JID;
		nlen = len - (sizeof(sfull) - 1);
	} else if (len > sizeof(sbare) - 1 &&
	    memcmp(var + len - (sizeof(sbare) - 1), sbare, sizeof(sbare) - 1) == 0) {
		*kind = VAR_BARE_JID;
		nlen = len - (sizeof(sbare) - 1);
	} else
		return -1;
	if (nlen == 0 || nlen >= namelen)
		return -1;
	memcpy(name, var, nlen);
	name[nlen] = '\0';
	return 0;
}

int
stanza_expand(const char *tmpl, resolve_fn resolve, void *arg,
    struct buf *out, char *err, size_t errlen)
{
	const char *p = tmpl, *v, *end, *val;
	enum var_kind kind;
	char name[256];

	while ((v = strstr(p, "${")) != NULL) {
		if (buf_append(out, p, (size_t)(v - p)) == -1)
			goto oom;
		if ((end = strchr(v + 2, '}')) == NULL) {
			snprintf(err, errlen, "unterminated ${ in stanza");
			return -1;
		}
		if (parse_var(v + 2, (size_t)(end - v - 2), name, sizeof(name),
		    &kind) == -1) {
			snprintf(err, errlen, "unknown variable %.*s (expected "
			    "${Name's full JID}, ${Name's JID} or "
			    "${capture:NAME}, NAME of letters, digits, _ . -)",
			    (int)(end - v + 1), v);
			return -1;
		}
		if ((val = resolve(arg, kind, name, err, errlen)) == NULL)
			return -1;
		if (x_escape(out, val, strlen(val)) == -1)
			goto oom;
		p = end + 1;
	}
	if (buf_puts(out, p) == -1)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Exactly one element, and nothing but whitespace around it. */
static struct xnode *
only_element(struct xnode *root, char *err, size_t errlen)
{
	struct xnode *c, *elem = NULL;

	for (c = root->first; c != NULL; c = c->next) {
		if (c->name == NULL) {
			if (!is_blank(c->text)) {
				snprintf(err, errlen, "text outside the stanza");
				return NULL;
			}
			continue;
		}
		if (elem != NULL) {
			snprintf(err, errlen, "more than one stanza (<%s/> "
			    "after <%s/>)", c->name, elem->name);
			return NULL;
		}
		elem = c;
	}
	if (elem == NULL)
		snprintf(err, errlen, "no element");
	return elem;
}

struct xnode *
stanza_parse(const char *text, struct xnode **elem, char *err, size_t errlen)
{
	struct xml_limits lim = { MAX_STANZA, MAX_DEPTH };
	struct xnode *root;
	struct buf b;

	buf_init(&b, MAX_STANZA);
	if (buf_puts(&b, WRAP_OPEN) == -1 || buf_puts(&b, text) == -1 ||
	    buf_puts(&b, WRAP_CLOSE) == -1) {
		buf_free(&b);
		snprintf(err, errlen, "stanza too large");
		return NULL;
	}
	root = xml_parse(b.data, b.len, &lim, err, errlen);
	buf_free(&b);
	if (root == NULL)
		return NULL;
	if ((*elem = only_element(root, err, errlen)) == NULL) {
		x_free(root);
		return NULL;
	}
	return root;
}

/* Whitespace-only text next to child elements is the script's
 * indentation, not content: keep it off the wire. */
static void
strip_indentation(struct xnode *n)
{
	struct xnode *c, *next;

	if (x_count_children(n) == 0)
		return;
	for (c = n->first; c != NULL; c = next) {
		next = c->next;
		if (c->name == NULL && is_blank(c->text))
			x_unlink(c);
	}
}

/*
 * Prepare a parsed stanza for sending: scansion: attributes are
 * instructions to the runner, and indentation is layout.
 */
void
stanza_strip_directives(struct xnode *n)
{
	struct xnode *c;
	unsigned i = 0;

	strip_indentation(n);
	while (i < n->nattrs) {
		const struct xattr *a = &n->attrs[i];

		if (a->ns != NULL && strcmp(a->ns, SCS_NS) == 0)
			x_set_attr_ns(n, a->ns, a->name, NULL);
		else
			i++;
	}
	X_FOREACH(n, c)
		stanza_strip_directives(c);
}
