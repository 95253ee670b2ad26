/*
 * script: parse a .scs file.
 *
 *   # comment
 *   [Client] Romeo
 *   	jid: romeo@localhost/res
 *   	password: secret
 *   -----
 *   Romeo connects
 *   Romeo sends:
 *   	<presence .../>
 *   Romeo receives:
 *   	<presence ...>
 *   		...
 *   	</presence>
 *   Romeo disconnects
 *
 * Stanza templates are checked here (variables named, XML well-formed,
 * exactly one element, every ${capture:NAME} captured by an earlier
 * receives and every name captured once, scansion: directives where they
 * mean something) so that a broken script is a parse error with a line
 * number, not a confusing failure in the middle of a run.
 */
#include "scsrun.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char	*path;
	char		**lines;
	size_t		 nlines;
	size_t		 i;		/* next line to read */
	struct script	*s;
	struct buf	*err;
	struct captures	 names;		/* captured by the actions so far */
};

static int perr(struct parser *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Record "file:line: message" and return -1, for one-line error paths. */
static int
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	buf_printf(p->err, "%s:%u: ", p->path, line);
	va_start(ap, fmt);
	buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	buf_putc(p->err, '\n');
	return -1;
}

static char *
read_file(const char *path, size_t *len, struct buf *err)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		buf_printf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, MAX_SCRIPT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1) {
			buf_printf(err, "%s: too large (limit %d bytes)\n",
			    path, MAX_SCRIPT);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	if (ferror(f)) {
		buf_printf(err, "%s: read error\n", path);
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

/* Split in place into lines; \r\n endings lose the \r. */
static char **
split_lines(char *text, size_t len, size_t *nlines)
{
	size_t n = 1, i, k = 0;
	char **v, *p = text;

	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return NULL;
	while (p != NULL && k < n) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (*p != '\0' && p[strlen(p) - 1] == '\r')
			p[strlen(p) - 1] = '\0';
		v[k++] = p;
		p = nl ? nl + 1 : NULL;
	}
	*nlines = k;
	return v;
}

static bool
is_indented(const char *l)
{
	return l[0] == '\t' || l[0] == ' ';
}

static bool
is_separator(const char *l)
{
	size_t n = strspn(l, "-");

	return n >= 3 && is_blank(l + n);
}

static long
find_client(const struct script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ndefs; i++)
		if (strcmp(s->defs[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int
add_client(struct parser *p, const char *name)
{
	struct script *s = p->s;
	struct client_def *d;

	if (*name == '\0')
		return perr(p, (unsigned)p->i, "%s", "[Client] without a name");
	if (find_client(s, name) >= 0)
		return perr(p, (unsigned)p->i, "client '%s' defined twice", name);
	if (s->ndefs == MAX_CLIENTS)
		return perr(p, (unsigned)p->i, "%s", "too many clients");
	d = realloc(s->defs, (s->ndefs + 1) * sizeof(*d));
	if (d == NULL)
		return perr(p, (unsigned)p->i, "%s", "out of memory");
	s->defs = d;
	d = &s->defs[s->ndefs];
	memset(d, 0, sizeof(*d));
	d->line = (unsigned)p->i;
	if ((d->name = xstrdup(name)) == NULL)
		return perr(p, d->line, "%s", "out of memory");
	s->ndefs++;
	return 0;
}

static int
set_property(struct parser *p, char *line)
{
	struct client_def *d;
	char *colon = strchr(line, ':'), *key, *val, **slot;

	if (p->s->ndefs == 0)
		return perr(p, (unsigned)p->i, "%s",
		    "indented line outside a [Client] block");
	d = &p->s->defs[p->s->ndefs - 1];
	if (colon == NULL)
		return perr(p, (unsigned)p->i, "%s", "expected 'key: value'");
	*colon = '\0';
	key = trim(line);
	val = trim(colon + 1);
	if (strcmp(key, "jid") == 0)
		slot = &d->jid;
	else if (strcmp(key, "password") == 0)
		slot = &d->password;
	else
		return perr(p, (unsigned)p->i, "unknown client property '%s'",
		    key);
	if (*slot != NULL)
		return perr(p, (unsigned)p->i, "'%s' given twice", key);
	if ((*slot = xstrdup(val)) == NULL)
		return perr(p, (unsigned)p->i, "%s", "out of memory");
	return 0;
}

/* A client needs a JID with a localpart (the SASL username). */
static int
check_client(struct parser *p, const struct client_def *d)
{
	struct jid *j;
	const char *why = NULL;
	int rc = 0;

	if (d->jid == NULL)
		return perr(p, d->line, "client '%s' has no jid", d->name);
	if (d->password == NULL)
		return perr(p, d->line, "client '%s' has no password", d->name);
	if ((j = malloc(sizeof(*j))) == NULL)
		return perr(p, d->line, "%s", "out of memory");
	if (jid_parse(j, d->jid, &why) == -1)
		rc = perr(p, d->line, "invalid jid: %s", why);
	else if (!jid_has_node(j))
		rc = perr(p, d->line, "jid '%s' has no localpart", d->jid);
	free(j);
	return rc;
}

/* Header: [Client] blocks up to the ----- line. */
static int
parse_header(struct parser *p)
{
	size_t k;

	while (p->i < p->nlines) {
		char *l = p->lines[p->i++];

		if (is_blank(l) || l[0] == '#')
			continue;
		if (is_separator(l)) {
			for (k = 0; k < p->s->ndefs; k++)
				if (check_client(p, &p->s->defs[k]) == -1)
					return -1;
			return 0;
		}
		if (strncmp(l, "[Client]", 8) == 0) {
			if (add_client(p, trim(l + 8)) == -1)
				return -1;
		} else if (is_indented(l)) {
			if (set_property(p, l) == -1)
				return -1;
		} else
			return perr(p, (unsigned)p->i,
			    "unexpected line in header: %s", l);
	}
	return perr(p, (unsigned)p->i, "%s",
	    "missing '-----' line ending the header");
}

/* Placeholders so templates can be validated before anyone connects. */
static const char *
check_resolve(void *arg, enum var_kind kind, const char *name, char *err,
    size_t errlen)
{
	const struct parser *p = arg;

	if (kind == VAR_CAPTURE) {
		if (capture_get(&p->names, name, strlen(name)) != NULL)
			return "captured-value";
		snprintf(err, errlen, "${capture:%s} is used before a "
		    "receives captures it with {scansion:capture:%s}", name,
		    name);
		return NULL;
	}
	if (find_client(p->s, name) < 0) {
		snprintf(err, errlen, "unknown client '%s' in variable", name);
		return NULL;
	}
	return kind == VAR_FULL_JID ? "user@example.invalid/resource" :
	    "user@example.invalid";
}

struct tcheck {
	struct parser	*p;
	unsigned	 line;
	bool		 send;
	struct captures	*mine;		/* captured by this stanza */
};

/*
 * A "{scansion:...}" value in an expected stanza: an attribute value
 * {scansion:any} or {scansion:absent}, or a capture marker that is the
 * whole attribute value or the whole (trimmed) text, names a capture for
 * the first time and is not inside an absent element. Anything else would
 * be compared literally and silently never match. A sent stanza carries
 * what it says, but a capture or absent marker there is a mistake.
 */
static int
check_value(struct tcheck *tc, const char *v, bool text, bool absent)
{
	const char *b = v, *name;
	size_t len = strlen(v), nlen;
	char err[256];

	if (strstr(v, SCS_VALUE) == NULL)
		return 0;
	if (text)
		span_trim(v, &b, &len);
	if (tc->send) {
		if (strstr(v, "{scansion:absent}") != NULL)
			return perr(tc->p, tc->line, "%s", "{scansion:absent} "
			    "in a sends (leave the attribute out)");
		if (strstr(v, "{scansion:capture:") == NULL)
			return 0;
		return perr(tc->p, tc->line, "%s", "{scansion:capture:...} in "
		    "a sends (captures are taken from received stanzas; "
		    "send ${capture:NAME})");
	}
	if (!text && (strcmp(v, "{scansion:any}") == 0 ||
	    strcmp(v, "{scansion:absent}") == 0))
		return 0;
	if (capture_marker_name(b, len, &name, &nlen) == -1)
		return perr(tc->p, tc->line, "bad scansion value '%.*s' "
		    "(expected {scansion:any} or {scansion:absent} as an "
		    "attribute value, or {scansion:capture:NAME} as a whole "
		    "attribute value or text, NAME of at most %d letters, "
		    "digits, _ . -)", (int)len, b, MAX_CAPTURE_NAME);
	if (absent)
		return perr(tc->p, tc->line, "capture %.*s inside a "
		    "scansion:absent element captures nothing", (int)nlen, name);
	if (capture_get(&tc->p->names, name, nlen) != NULL)
		return perr(tc->p, tc->line, "%.*s is captured again (an "
		    "earlier receives captured it)", (int)nlen, name);
	if (capture_set(tc->mine, name, nlen, "", 0, err, sizeof(err)) == -1)
		return perr(tc->p, tc->line, "%s", err);
	return 0;
}

static int
check_node(struct tcheck *tc, const struct xnode *n, bool top, bool absent)
{
	const struct xnode *c;
	unsigned i;

	if (is_absent(n)) {
		if (tc->send || top)
			return perr(tc->p, tc->line, "scansion:absent on <%s/>: "
			    "only a child in a receives can be absent", n->name);
		absent = true;
	}
	for (i = 0; i < n->nattrs; i++)
		if (check_value(tc, n->attrs[i].value, false, absent) == -1)
			return -1;
	if (check_value(tc, x_text(n), true, absent) == -1)
		return -1;
	X_FOREACH(n, c)
		if (check_node(tc, c, false, absent) == -1)
			return -1;
	return 0;
}

/* After this stanza, its captures can be used. */
static int
adopt_captures(struct parser *p, struct captures *mine, unsigned line)
{
	char err[256];
	size_t i;

	for (i = 0; i < mine->n; i++)
		if (capture_set(&p->names, mine->v[i].name,
		    strlen(mine->v[i].name), "", 0, err, sizeof(err)) == -1)
			return perr(p, line, "%s", err);
	return 0;
}

static int
check_template(struct parser *p, const struct action *a)
{
	struct captures mine = { NULL, 0 };
	struct tcheck tc = { p, a->line, a->kind == ACT_SEND, &mine };
	char err[256];
	struct buf b;
	struct xnode *root, *elem;
	int rc;

	buf_init(&b, 0);
	if (stanza_expand(a->text, check_resolve, p, &b, err,
	    sizeof(err)) == -1) {
		buf_free(&b);
		return perr(p, a->line, "%s", err);
	}
	root = (buf_cstr(&b) == -1) ? NULL :
	    stanza_parse(b.data, &elem, err, sizeof(err));
	buf_free(&b);
	if (root == NULL)
		return perr(p, a->line, "bad stanza: %s", err);
	if ((rc = check_node(&tc, elem, true, false)) == 0)
		rc = adopt_captures(p, &mine, a->line);
	capture_free(&mine);
	x_free(root);
	return rc;
}

/* The stanza of a sends:/receives: is the indented (or blank) lines after
 * it; blank lines are kept so multi-paragraph stanzas survive. */
static char *
take_block(struct parser *p)
{
	struct buf b;
	size_t end = p->i, k;

	while (end < p->nlines &&
	    (is_blank(p->lines[end]) || is_indented(p->lines[end])))
		end++;
	k = end;
	while (k > p->i && is_blank(p->lines[k - 1]))
		k--;
	buf_init(&b, MAX_SCRIPT);
	for (; p->i < k; p->i++)
		if (buf_puts(&b, p->lines[p->i]) == -1 || buf_putc(&b, '\n') == -1) {
			buf_free(&b);
			return NULL;
		}
	p->i = end;
	if (b.len == 0) {
		buf_free(&b);
		return xstrdup("");
	}
	return buf_steal(&b);
}

static int
verb_kind(const char *verb, enum act_kind *k)
{
	static const struct { const char *w; enum act_kind k; } verbs[] = {
		{ "connects", ACT_CONNECT }, { "disconnects", ACT_DISCONNECT },
		{ "sends:", ACT_SEND }, { "receives:", ACT_RECEIVE },
	};
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].w) == 0) {
			*k = verbs[i].k;
			return 0;
		}
	return -1;
}

static int
add_action(struct parser *p, char *l)
{
	struct script *s = p->s;
	unsigned line = (unsigned)p->i;
	char *sp = strrchr(trim(l), ' ');
	struct action *a;
	enum act_kind k;
	long ci;

	if (sp == NULL || verb_kind(sp + 1, &k) == -1)
		return perr(p, line, "not an action: %s", l);
	*sp = '\0';
	if ((ci = find_client(s, trim(l))) < 0)
		return perr(p, line, "unknown client '%s'", trim(l));
	if (s->nacts == MAX_ACTIONS)
		return perr(p, line, "%s", "too many actions");
	if ((a = realloc(s->acts, (s->nacts + 1) * sizeof(*a))) == NULL)
		return perr(p, line, "%s", "out of memory");
	s->acts = a;
	a = &s->acts[s->nacts++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->client = (size_t)ci;
	a->line = line;
	if (k != ACT_SEND && k != ACT_RECEIVE)
		return 0;
	if ((a->text = take_block(p)) == NULL)
		return perr(p, line, "%s", "out of memory");
	if (is_blank(a->text))
		return perr(p, line, "%s", "no indented stanza follows");
	return check_template(p, a);
}

static int
parse_actions(struct parser *p)
{
	while (p->i < p->nlines) {
		char *l = p->lines[p->i++];

		if (is_blank(l) || l[0] == '#')
			continue;
		if (is_indented(l))
			return perr(p, (unsigned)p->i, "%s",
			    "indented line outside a sends:/receives: block");
		if (add_action(p, l) == -1)
			return -1;
	}
	return 0;
}

static char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = xstrdup(b ? b + 1 : path);
	size_t len;

	if (n != NULL && (len = strlen(n)) > 4 &&
	    strcmp(n + len - 4, ".scs") == 0)
		n[len - 4] = '\0';
	return n;
}

int
script_load(const char *path, struct script *s, struct buf *err)
{
	struct parser p;
	size_t len;
	char *text;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	memset(&p, 0, sizeof(p));
	if ((text = read_file(path, &len, err)) == NULL)
		return -1;
	p.path = path;
	p.s = s;
	p.err = err;
	if ((s->path = xstrdup(path)) == NULL ||
	    (s->name = base_name(path)) == NULL ||
	    (p.lines = split_lines(text, len, &p.nlines)) == NULL)
		buf_printf(err, "%s: out of memory\n", path);
	else if (parse_header(&p) == 0 && parse_actions(&p) == 0)
		rc = 0;
	capture_free(&p.names);
	free(p.lines);
	free(text);
	if (rc == -1)
		script_free(s);
	return rc;
}

void
script_free(struct script *s)
{
	size_t i;

	for (i = 0; i < s->ndefs; i++) {
		free(s->defs[i].name);
		free(s->defs[i].jid);
		free(s->defs[i].password);
	}
	for (i = 0; i < s->nacts; i++)
		free(s->acts[i].text);
	free(s->defs);
	free(s->acts);
	free(s->path);
	free(s->name);
	memset(s, 0, sizeof(*s));
}
