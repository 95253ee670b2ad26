/*
 * output: the building blocks of human output — aligned tables, ISO 8601
 * times, durations — and the JSON printer for --json.
 *
 * Room names, nicks, subjects and messages come from XMPP users: control
 * characters and bidirectional/invisible format controls in them are
 * replaced before they reach the admin's terminal, so nobody can send
 * escape sequences to it or make one name read as another. --json output
 * keeps the text as it is (JSON escapes what it must).
 */
#include "mucctl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

/* Copy s with control characters (C0, DEL, C1) and format controls
 * (U+202E…) replaced by '?' and newlines and tabs by spaces. */
static char *
sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (o = out; *p != '\0'; p++) {
		size_t k = utf8_format_control((const char *)p,
		    strnlen((const char *)p, 4));

		if (k > 0) {
			*o++ = '?';
			p += k - 1;
		} else if (*p == '\n' || *p == '\t' || *p == '\r')
			*o++ = ' ';
		else if (*p < 0x20 || *p == 0x7f)
			*o++ = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*o++ = '?';
			p++;
		} else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

/* Columns on a terminal: code points (wide characters are rare here). */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void
table_init(struct table *t, size_t ncols, ...)
{
	va_list ap;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < 8 ? ncols : 8;
	va_start(ap, ncols);
	for (i = 0; i < t->ncols; i++)
		t->heads[i] = va_arg(ap, const char *);
	va_end(ap);
}

static int
table_grow(struct table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 16;
	char **nc;

	if (ncap > SIZE_MAX / t->ncols / sizeof(*nc) ||
	    (nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc))) == NULL)
		return -1;
	t->cells = nc;
	t->cap = ncap;
	return 0;
}

void
table_add(struct table *t, ...)
{
	char **row;
	const char *v;
	va_list ap;
	size_t i;

	if (t->failed || (t->nrows == t->cap && table_grow(t) == -1)) {
		t->failed = true;
		return;
	}
	row = t->cells + t->nrows * t->ncols;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		v = va_arg(ap, const char *);
		if ((row[i] = sanitize(v != NULL && *v != '\0' ? v : "-")) ==
		    NULL)
			t->failed = true;
	}
	va_end(ap);
	t->nrows++;
}

static void
print_cell(FILE *f, const char *s, size_t w, bool last)
{
	size_t pad = w - width(s);

	fputs(s, f);
	if (last)
		fputc('\n', f);
	else
		fprintf(f, "%*s", (int)(pad + 2), "");
}

void
table_print(const struct table *t, FILE *f)
{
	size_t w[8] = { 0 }, r, i;

	if (t->failed) {
		fprintf(stderr, "mucctl: out of memory formatting a table\n");
		return;
	}
	for (i = 0; i < t->ncols; i++)
		w[i] = width(t->heads[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if (width(t->cells[r * t->ncols + i]) > w[i])
				w[i] = width(t->cells[r * t->ncols + i]);
	for (i = 0; i < t->ncols; i++)
		print_cell(f, t->heads[i], w[i], i + 1 == t->ncols);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			print_cell(f, t->cells[r * t->ncols + i], w[i],
			    i + 1 == t->ncols);
}

void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; t->cells != NULL && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

const char *
fmt_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

const char *
fmt_duration(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh %lldm %llds", s / 86400,
		    s % 86400 / 3600, s % 3600 / 60, s % 60);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm %llds", s / 3600,
		    s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

void
print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY);

	if (s == NULL) {
		fprintf(stderr, "mucctl: out of memory printing JSON\n");
		return;
	}
	puts(s);
	free(s);
}

const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long
jint(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

bool
jbool(json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

char *
join_strings(json_t *a, const char *sep)
{
	struct buf b;
	json_t *v;
	size_t i;

	buf_init(&b, 0);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			continue;
		if ((b.len > 0 && buf_puts(&b, sep) == -1) ||
		    buf_puts(&b, json_string_value(v)) == -1) {
			buf_free(&b);
			return NULL;
		}
	}
	if (buf_cstr(&b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* For one-off values outside tables (subjects, messages). */
void
put_safe(FILE *f, const char *s)
{
	char *clean = sanitize(s ? s : "");

	fputs(clean ? clean : "?", f);
	free(clean);
}
