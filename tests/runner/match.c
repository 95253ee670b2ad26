/*
 * match: does a received stanza satisfy an expected one?
 *
 * Rules (conformance README): same name and namespace; every expected
 * attribute present with an equal value ("{scansion:any}" matches any
 * value; attributes in the scansion namespace are directives); expected
 * non-blank text equals the received text, both trimmed; each expected
 * child matches a distinct received child, in any order; with
 * scansion:strict='true' the child element counts must be equal.
 *
 * Ours on top (tests/scenarios/README.md): "{scansion:capture:NAME}" as
 * an attribute value or as the whole text matches any non-empty value and
 * binds it (capture.c); an attribute expected as "{scansion:absent}"
 * must not be there; an expected child with scansion:absent='true'
 * matches when no received child matches it, and is not counted by
 * scansion:strict.
 *
 * Child assignment is a bipartite matching (Kuhn's augmenting paths, i.e.
 * backtracking over earlier choices), because a greedy pass fails on e.g.
 * expected <status/><status code='110'/> against received
 * <status code='110'/><status code='201'/>.
 *
 * On a mismatch, why receives a reason with a path, such as
 * "presence/x/item: attribute 'role' is 'participant', expected 'moderator'".
 */
#include "scsrun.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANY_VALUE	"{scansion:any}"
#define NO_VALUE	"{scansion:absent}"
#define MAX_PAIRS	(1024 * 1024)	/* child comparisons per element */

static bool match_elem(const struct xnode *, const struct xnode *,
    struct taken *, char *, size_t);

static void setwhy(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
setwhy(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Put "name" + sep in front of the reason, keeping it NUL-terminated. */
static void
prepend(char *why, size_t len, const char *name, const char *sep)
{
	size_t p = strlen(name) + strlen(sep), w;

	if (why == NULL || p >= len)
		return;
	w = strlen(why);
	if (w + p >= len)
		w = len - p - 1;
	memmove(why + p, why, w);
	why[p + w] = '\0';
	memcpy(why, name, strlen(name));
	memcpy(why + strlen(name), sep, strlen(sep));
}

static bool
is_directive(const struct xattr *a)
{
	return a->ns != NULL && strcmp(a->ns, SCS_NS) == 0;
}

bool
is_absent(const struct xnode *exp)
{
	const char *v = x_attr_ns(exp, SCS_NS, "absent");

	return v != NULL && strcmp(v, "true") == 0;
}

/* A capture marker matches any non-empty value; the script checked the
 * marker's form when it was loaded. */
static bool
capture(const char *marker, size_t mlen, const char *v, size_t vlen,
    struct taken *t)
{
	const char *name;
	size_t nlen;

	if (vlen == 0 || capture_marker_name(marker, mlen, &name, &nlen) == -1)
		return false;
	if (t != NULL)
		taken_add(t, name, nlen, v, vlen);
	return true;
}

static bool
match_attrs(const struct xnode *exp, const struct xnode *got, struct taken *t,
    char *why, size_t len)
{
	const char *v;
	unsigned i;

	for (i = 0; i < exp->nattrs; i++) {
		const struct xattr *a = &exp->attrs[i];

		if (is_directive(a))
			continue;
		v = x_attr_ns(got, a->ns, a->name);
		if (strcmp(a->value, NO_VALUE) == 0) {
			if (v == NULL)
				continue;
			setwhy(why, len, "attribute '%s' is '%s', expected "
			    "absent", a->name, v);
			return false;
		}
		if (v == NULL) {
			setwhy(why, len, "attribute '%s' missing, expected '%s'",
			    a->name, a->value);
			return false;
		}
		if (capture_is_marker(a->value)) {
			if (capture(a->value, strlen(a->value), v, strlen(v),
			    t))
				continue;
			setwhy(why, len, "attribute '%s' is empty, expected a "
			    "value for %s", a->name, a->value);
			return false;
		}
		if (strcmp(a->value, ANY_VALUE) != 0 && strcmp(a->value, v) != 0) {
			setwhy(why, len, "attribute '%s' is '%s', expected '%s'",
			    a->name, v, a->value);
			return false;
		}
	}
	return true;
}

static bool
match_text(const struct xnode *exp, const struct xnode *got, struct taken *t,
    char *why, size_t len)
{
	const char *eb, *gb;
	size_t en, gn;

	span_trim(x_text(exp), &eb, &en);
	if (en == 0)
		return true;
	span_trim(x_text(got), &gb, &gn);
	/* The marker is the whole trimmed text, as the loader checked. */
	if (capture_is_marker(eb)) {
		if (capture(eb, en, gb, gn, t))
			return true;
		setwhy(why, len, "text is empty, expected a value for %.*s",
		    (int)en, eb);
		return false;
	}
	if (en == gn && memcmp(eb, gb, en) == 0)
		return true;
	setwhy(why, len, "text is '%.*s', expected '%.*s'", (int)gn, gb,
	    (int)en, eb);
	return false;
}

struct assign {
	const struct xnode **ev, **gv;
	size_t		 n, m;
	bool		*ok;		/* n x m: ev[i] matches gv[j] */
	size_t		*owner;		/* m: expected index using gv[j] */
	bool		*seen;		/* m: visited in this augmentation */
	bool		 nested;	/* why holds a child's path reason */
};

/* Find a received child for expected child i, re-seating earlier ones. */
static bool
augment(struct assign *a, size_t i)
{
	size_t j;

	for (j = 0; j < a->m; j++) {
		if (!a->ok[i * a->m + j] || a->seen[j])
			continue;
		a->seen[j] = true;
		if (a->owner[j] == SIZE_MAX || augment(a, a->owner[j])) {
			a->owner[j] = i;
			return true;
		}
	}
	return false;
}

/* The expected children to find (absent is false) or not to find. */
static size_t
count_kind(const struct xnode *n, bool absent)
{
	const struct xnode *c;
	size_t k = 0;

	X_FOREACH(n, c)
		if (absent == is_absent(c))
			k++;
	return k;
}

/* The children of n, or with expected (exp true) only those of one kind. */
static const struct xnode **
child_vector(const struct xnode *n, size_t k, bool exp, bool absent)
{
	const struct xnode **v = calloc(k ? k : 1, sizeof(*v)), *c;
	size_t i = 0;

	if (v != NULL)
		X_FOREACH(n, c)
			if (!exp || absent == is_absent(c))
				v[i++] = c;
	return v;
}

/* Explain why expected child i found no partner. */
static void
explain_child(struct assign *a, size_t i, char *why, size_t len)
{
	const struct xnode *e = a->ev[i];
	size_t j;

	for (j = 0; j < a->m; j++)
		if (a->ok[i * a->m + j]) {
			setwhy(why, len, "<%s/> matches only children that "
			    "other expected children need", e->name);
			return;
		}
	for (j = 0; j < a->m; j++)
		if (strcmp(a->gv[j]->name, e->name) == 0 &&
		    strcmp(a->gv[j]->ns, e->ns) == 0) {
			match_elem(e, a->gv[j], NULL, why, len);
			a->nested = true;
			return;
		}
	setwhy(why, len, "no <%s xmlns='%s'/> child", e->name, e->ns);
}

static bool
assign_children(struct assign *a, char *why, size_t len)
{
	size_t i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < a->m; j++)
			a->ok[i * a->m + j] = match_elem(a->ev[i], a->gv[j],
			    NULL, NULL, 0);
	for (j = 0; j < a->m; j++)
		a->owner[j] = SIZE_MAX;
	for (i = 0; i < a->n; i++) {
		memset(a->seen, 0, a->m * sizeof(*a->seen));
		if (!augment(a, i)) {
			explain_child(a, i, why, len);
			return false;
		}
	}
	return true;
}

/* Captures come from the pairs of the assignment that matched. */
static void
take_assigned(const struct assign *a, struct taken *t)
{
	size_t j;

	for (j = 0; j < a->m; j++)
		if (a->owner[j] != SIZE_MAX)
			match_elem(a->ev[a->owner[j]], a->gv[j], t, NULL, 0);
}

/* No received child may match an expected scansion:absent one. */
static bool
check_absent(const struct xnode *exp, const struct xnode *got, char *why,
    size_t len)
{
	const struct xnode *e, *g;

	X_FOREACH(exp, e) {
		if (!is_absent(e))
			continue;
		X_FOREACH(got, g)
			if (match_elem(e, g, NULL, NULL, 0)) {
				setwhy(why, len, "<%s xmlns='%s'/> present, "
				    "expected absent (scansion:absent)",
				    g->name, g->ns);
				return false;
			}
	}
	return true;
}

static bool
match_children(const struct xnode *exp, const struct xnode *got,
    struct taken *t, char *why, size_t len, bool *nested)
{
	struct assign a;
	bool rc = false;

	if (!check_absent(exp, got, why, len))
		return false;
	memset(&a, 0, sizeof(a));
	a.n = count_kind(exp, false);
	a.m = x_count_children(got);
	if (a.n == 0)
		return true;
	if (a.m > 0 && a.n > MAX_PAIRS / a.m) {
		setwhy(why, len, "too many children to compare");
		return false;
	}
	a.ev = child_vector(exp, a.n, true, false);
	a.gv = child_vector(got, a.m, false, false);
	a.ok = calloc(a.n * a.m + 1, sizeof(*a.ok));
	a.owner = calloc(a.m + 1, sizeof(*a.owner));
	a.seen = calloc(a.m + 1, sizeof(*a.seen));
	if (a.ev == NULL || a.gv == NULL || a.ok == NULL || a.owner == NULL ||
	    a.seen == NULL)
		setwhy(why, len, "out of memory");
	else if ((rc = assign_children(&a, why, len)) && t != NULL)
		take_assigned(&a, t);
	*nested = a.nested;
	free(a.ev);
	free(a.gv);
	free(a.ok);
	free(a.owner);
	free(a.seen);
	return rc;
}

static bool
is_strict(const struct xnode *exp)
{
	const char *v = x_attr_ns(exp, SCS_NS, "strict");

	return v != NULL && strcmp(v, "true") == 0;
}

/* Checks at this element; false with a reason that has no path yet. */
static bool
match_here(const struct xnode *exp, const struct xnode *got, struct taken *t,
    char *why, size_t len)
{
	unsigned ng;
	size_t ne;

	if (strcmp(exp->name, got->name) != 0 || strcmp(exp->ns, got->ns) != 0) {
		setwhy(why, len, "got <%s xmlns='%s'>, expected <%s xmlns='%s'>",
		    got->name, got->ns, exp->name, exp->ns);
		return false;
	}
	if (!match_attrs(exp, got, t, why, len) ||
	    !match_text(exp, got, t, why, len))
		return false;
	if (is_strict(exp) &&
	    (ne = count_kind(exp, false)) != (ng = x_count_children(got))) {
		setwhy(why, len, "scansion:strict: %u child elements, expected %zu",
		    ng, ne);
		return false;
	}
	return true;
}

static bool
match_elem(const struct xnode *exp, const struct xnode *got, struct taken *t,
    char *why, size_t len)
{
	bool nested = false;

	if (!match_here(exp, got, t, why, len)) {
		prepend(why, len, exp->name, ": ");
		return false;
	}
	if (!match_children(exp, got, t, why, len, &nested)) {
		/* A child's reason already starts with the child's name. */
		prepend(why, len, exp->name, nested ? "/" : ": ");
		return false;
	}
	return true;
}

bool
match_stanza(const struct xnode *exp, const struct xnode *got,
    struct taken *t, char *why, size_t len)
{
	if (why != NULL && len > 0)
		why[0] = '\0';
	return match_elem(exp, got, t, why, len);
}
