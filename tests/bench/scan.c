/*
 * scan: find stanza boundaries in an XMPP stream without building trees.
 *
 * Both mucd and Prosody escape '<' and '>' in text and attribute values,
 * so outside comments and CDATA (neither may appear in XMPP) every '<'
 * starts a tag and the next '>' ends it. Depth 1 is inside the stream
 * root; an element that opens at depth 1 is a stanza, complete when the
 * depth returns to 1.
 */
#include "mucbench.h"

#include <string.h>

void
scan_init(struct scan *s)
{
	memset(s, 0, sizeof(*s));
}

static void
report(stz_cb cb, void *arg, enum stz_kind k, const char *p, size_t len,
    size_t taglen)
{
	struct stz z = { k, p, len, taglen };

	cb(arg, &z);
}

/* One tag [lt, gt]; head is the buffer head. */
static void
tag(struct scan *s, const char *head, const char *lt, const char *gt,
    stz_cb cb, void *arg)
{
	size_t tl = (size_t)(gt - lt) + 1;

	if (lt[1] == '?')
		return;				/* XML declaration */
	if (lt[1] == '/') {
		if (s->depth == 0)
			return;
		if (--s->depth == 1)
			report(cb, arg, STZ_STANZA, head + s->start,
			    (size_t)(gt + 1 - (head + s->start)), 0);
		else if (s->depth == 0)
			report(cb, arg, STZ_CLOSE, lt, tl, tl);
		return;
	}
	if (gt[-1] == '/') {			/* empty element */
		if (s->depth == 1)
			report(cb, arg, STZ_STANZA, lt, tl, tl);
		return;
	}
	if (s->depth == 0)
		report(cb, arg, STZ_OPEN, lt, tl, tl);
	else if (s->depth == 1)
		s->start = (size_t)(lt - head);
	s->depth++;
}

int
scan_feed(struct scan *s, struct buf *in, stz_cb cb, void *arg)
{
	const char *head = buf_head(in), *end = head + buf_pending(in);
	const char *p = head + s->pos, *lt = NULL, *gt;
	size_t keep;

	while (p < end && (lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((gt = memchr(lt, '>', (size_t)(end - lt))) == NULL) {
			p = lt;
			break;
		}
		p = gt + 1;
		/* A stanza's length is only known at its end: keep its first
		 * tag's length for the callback. */
		tag(s, head, lt, gt, cb, arg);
		if (s->reset) {			/* stream restart */
			s->reset = false;
			s->depth = 0;
		}
	}
	if (lt == NULL)
		p = end;
	keep = s->depth >= 2 ? s->start : (size_t)(p - head);
	buf_consume(in, keep);
	s->pos = (size_t)(p - head) - keep;
	if (s->depth >= 2)
		s->start = 0;
	return 0;
}

/* The first tag ends at the first '>' (values are escaped). */
static size_t
first_tag(const struct stz *z)
{
	const char *gt;

	if (z->taglen != 0)
		return z->taglen;
	gt = memchr(z->p, '>', z->len);
	return gt ? (size_t)(gt - z->p) + 1 : z->len;
}

/*
 * An attribute of the tag [p, end): name='value' pairs separated by
 * spaces; values are escaped, so the closing quote is the next one.
 */
static bool
tag_attr(const char *p, const char *end, const char *name, struct sv *out)
{
	size_t nl = strlen(name);
	const char *eq, *q;

	while ((p = memchr(p, ' ', (size_t)(end - p))) != NULL) {
		p++;
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
		    eq + 1 >= end || (eq[1] != '\'' && eq[1] != '"'))
			return false;
		if ((q = memchr(eq + 2, eq[1], (size_t)(end - eq - 2))) == NULL)
			return false;
		if ((size_t)(eq - p) == nl && p[0] == name[0] &&
		    memcmp(p, name, nl) == 0) {
			out->p = eq + 2;
			out->n = (size_t)(q - eq - 2);
			return true;
		}
		p = q + 1;
	}
	return false;
}

bool
stz_attr(const struct stz *z, const char *name, const char **v, size_t *vlen)
{
	struct sv sv;

	if (!tag_attr(z->p, z->p + first_tag(z), name, &sv))
		return false;
	*v = sv.p;
	*vlen = sv.n;
	return true;
}

/* The first <name ...> after the stanza's own first tag: [*lt, *gt]. */
static bool
find_tag(const struct stz *z, const char *name, const char **lt,
    const char **gt)
{
	const char *p = z->p + first_tag(z), *end = z->p + z->len;
	size_t nl = strlen(name);

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) > nl + 1 &&
		    memcmp(p + 1, name, nl) == 0 && (p[nl + 1] == ' ' ||
		    p[nl + 1] == '>' || p[nl + 1] == '/')) {
			*lt = p;
			*gt = memchr(p, '>', (size_t)(end - p));
			return *gt != NULL;
		}
		p++;
	}
	return false;
}

bool
stz_child_attr(const struct stz *z, const char *tag, const char *name,
    struct sv *out)
{
	const char *lt, *gt;

	return find_tag(z, tag, &lt, &gt) && tag_attr(lt, gt, name, out);
}

bool
stz_child_text(const struct stz *z, const char *tag, struct sv *out)
{
	const char *lt, *gt, *end = z->p + z->len, *close;

	if (!find_tag(z, tag, &lt, &gt) || gt[-1] == '/' ||
	    (close = memchr(gt, '<', (size_t)(end - gt))) == NULL)
		return false;
	out->p = gt + 1;
	out->n = (size_t)(close - gt - 1);
	return true;
}

static void
take(struct sv *sv, const char *v, size_t n)
{
	sv->p = v;
	sv->n = n;
}

void
stz_attrs(const struct stz *z, struct attrs *a)
{
	size_t tl = first_tag(z);
	const char *p = z->p, *end = z->p + tl, *eq, *q;

	memset(a, 0, sizeof(*a));
	while ((p = memchr(p, ' ', (size_t)(end - p))) != NULL) {
		p++;
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
		    eq + 1 >= end || (eq[1] != '\'' && eq[1] != '"') ||
		    (q = memchr(eq + 2, eq[1], (size_t)(end - eq - 2))) == NULL)
			return;
		if (eq - p == 2 && p[0] == 't' && p[1] == 'o')
			take(&a->to, eq + 2, (size_t)(q - eq - 2));
		else if (eq - p == 2 && p[0] == 'i' && p[1] == 'd')
			take(&a->id, eq + 2, (size_t)(q - eq - 2));
		else if (eq - p == 4 && memcmp(p, "type", 4) == 0)
			take(&a->type, eq + 2, (size_t)(q - eq - 2));
		else if (eq - p == 4 && memcmp(p, "from", 4) == 0)
			take(&a->from, eq + 2, (size_t)(q - eq - 2));
		p = q + 1;
	}
}

bool
sv_is(const struct sv *sv, const char *s)
{
	size_t n = strlen(s);

	return sv->p != NULL && sv->n == n && memcmp(sv->p, s, n) == 0;
}

bool
sv_num(const struct sv *sv, char prefix, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (sv->p == NULL || sv->n < 2 || sv->p[0] != prefix)
		return false;
	for (i = 1; i < sv->n && sv->p[i] >= '0' && sv->p[i] <= '9'; i++)
		x = x * 10 + (uint64_t)(sv->p[i] - '0');
	if (i == 1)
		return false;
	*out = x;
	return true;
}

bool
stz_attr_is(const struct stz *z, const char *name, const char *value)
{
	const char *v;
	size_t n;

	return stz_attr(z, name, &v, &n) && n == strlen(value) &&
	    memcmp(v, value, n) == 0;
}

bool
stz_is(const struct stz *z, const char *name)
{
	size_t n = strlen(name);

	return z->len > n + 1 && memcmp(z->p + 1, name, n) == 0 &&
	    (z->p[n + 1] == ' ' || z->p[n + 1] == '>' || z->p[n + 1] == '/');
}

bool
stz_has(const struct stz *z, const char *needle)
{
	return memmem(z->p, z->len, needle, strlen(needle)) != NULL;
}

bool
stz_attr_num(const struct stz *z, const char *name, const char *prefix,
    uint64_t *out)
{
	size_t n, pl = strlen(prefix), i;
	const char *v;
	uint64_t x = 0;

	if (!stz_attr(z, name, &v, &n) || n <= pl || memcmp(v, prefix, pl))
		return false;
	for (i = pl; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (i == pl)
		return false;
	*out = x;
	return true;
}

bool
stz_status(const struct stz *z, const char *code)
{
	char a[32];
	size_t n = strlen(code);

	if (n > 20)
		return false;
	memcpy(a, "code='", 6);
	memcpy(a + 6, code, n);
	a[6 + n] = '\'';
	if (memmem(z->p, z->len, a, n + 7) != NULL)
		return true;
	a[5] = a[6 + n] = '"';
	return memmem(z->p, z->len, a, n + 7) != NULL;
}
