/* util: clock, the -v trace, and small string helpers. */
#include "scsrun.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Monotonic: deadlines must not jump with the wall clock. */
long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
trace(struct ctx *x, const struct client *c, const char *dir,
    const char *fmt, ...)
{
	long long t = now_ms() - x->t0;
	va_list ap;

	if (!x->o.verbose)
		return;
	printf("  %4lld.%03lld %-10s %s ", t / 1000, t % 1000,
	    c != NULL ? c->name : "-", dir);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void
trace_node(struct ctx *x, const struct client *c, const char *dir,
    const struct xnode *n)
{
	struct buf b;

	if (!x->o.verbose)
		return;
	buf_init(&b, 0);
	if (show_node(&b, n) == -1 || buf_cstr(&b) == -1)
		trace(x, c, dir, "(out of memory)");
	else
		trace(x, c, dir, "%s", b.data);
	buf_free(&b);
}

/* One line per stanza in reports and traces: line breaks and tabs in
 * the content are shown as \n, \r, \t. */
static int
put_visible(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < len && rc == 0; i++) {
		switch (s[i]) {
		case '\n': rc = buf_puts(b, "\\n"); break;
		case '\r': rc = buf_puts(b, "\\r"); break;
		case '\t': rc = buf_puts(b, "\\t"); break;
		default: rc = buf_putc(b, s[i]); break;
		}
	}
	return rc;
}

int
show_node(struct buf *b, const struct xnode *n)
{
	struct buf tmp;
	int rc;

	/* A capped scratch buffer: x_serialize fails at the cap, and what
	 * it wrote until then is exactly the prefix we want to show. */
	buf_init(&tmp, MAX_SHOWN);
	rc = x_serialize(n, &tmp, NS_CLIENT);
	if (put_visible(b, tmp.data, tmp.len) == -1 ||
	    (rc == -1 && buf_puts(b, " ...(cut)") == -1)) {
		buf_free(&tmp);
		return -1;
	}
	buf_free(&tmp);
	return 0;
}

char *
trim(char *s)
{
	char *e;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* s without leading and trailing white space, as a span (s unchanged). */
void
span_trim(const char *s, const char **b, size_t *n)
{
	const char *e = s + strlen(s);

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*b = s;
	*n = (size_t)(e - s);
}

bool
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}
