/*
 * capture: values a script takes from received stanzas and uses later.
 *
 * Servers invent ids (stanza-ids, archive result ids, RSM <first>/<last>)
 * that a script must send back or expect again. In an expected stanza, an
 * attribute value or an element's whole text "{scansion:capture:NAME}"
 * matches any non-empty value and, once that stanza matched, binds NAME to
 * it; "${capture:NAME}" in a later stanza, sent or expected, stands for
 * the value. Both forms are in the runner's reserved "{scansion:...}" and
 * "${...}" notation, so no real XMPP value is ever taken for one.
 *
 * Whether every name is bound before it is used, and bound only once, is
 * checked when the script is loaded (script.c), so a misspelt or misplaced
 * name is an error with a line number, never a confusing mismatch later.
 */
#include "scsrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK_OPEN	"{scansion:capture:"
#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789_.-"

bool
capture_is_marker(const char *value)
{
	return strncmp(value, MARK_OPEN, sizeof(MARK_OPEN) - 1) == 0;
}

int
capture_marker_name(const char *value, size_t vlen, const char **name,
    size_t *len)
{
	const size_t open = sizeof(MARK_OPEN) - 1;
	size_t k;

	if (vlen < open + 2 || memcmp(value, MARK_OPEN, open) != 0 ||
	    value[vlen - 1] != '}')
		return -1;
	k = vlen - open - 1;
	if (!capture_name_valid(value + open, k))
		return -1;
	*name = value + open;
	*len = k;
	return 0;
}

bool
capture_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > MAX_CAPTURE_NAME)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '\0' || strchr(NAME_CHARS, name[i]) == NULL)
			return false;
	return true;
}

static struct capture *
find(const struct captures *cs, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strlen(cs->v[i].name) == len &&
		    memcmp(cs->v[i].name, name, len) == 0)
			return &cs->v[i];
	return NULL;
}

const char *
capture_get(const struct captures *cs, const char *name, size_t len)
{
	const struct capture *c = find(cs, name, len);

	return c != NULL ? c->value : NULL;
}

static char *
dupn(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

int
capture_set(struct captures *cs, const char *name, size_t nlen,
    const char *value, size_t vlen, char *err, size_t errlen)
{
	struct capture *c, *v;

	if ((c = find(cs, name, nlen)) != NULL) {
		snprintf(err, errlen, "%.*s is captured twice", (int)nlen,
		    name);
		return -1;
	}
	if (cs->n == MAX_CAPTURES) {
		snprintf(err, errlen, "more than %d captures", MAX_CAPTURES);
		return -1;
	}
	if ((v = realloc(cs->v, (cs->n + 1) * sizeof(*v))) == NULL)
		goto oom;
	cs->v = v;
	c = &cs->v[cs->n];
	if ((c->name = dupn(name, nlen)) == NULL)
		goto oom;
	if ((c->value = dupn(value, vlen)) == NULL) {
		free(c->name);
		goto oom;
	}
	cs->n++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
capture_free(struct captures *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].name);
		free(cs->v[i].value);
	}
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

/* The matcher's notes, kept only when a whole stanza matched. */
void
taken_add(struct taken *t, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct taken_one *v;

	if (t->oom)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;

		if ((v = realloc(t->v, cap * sizeof(*v))) == NULL) {
			t->oom = true;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].name = name;
	t->v[t->n].nlen = nlen;
	t->v[t->n].value = value;
	t->v[t->n].vlen = vlen;
	t->n++;
}

void
taken_free(struct taken *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
