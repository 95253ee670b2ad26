/*
 * words: split a shell line into words the way sh(1) quotes — so that
 * `say lobby 'hello world'` in the shell means what it means on the
 * command line. No expansions: $, *, ~ are plain characters.
 */
#include "mucctl.h"

#include <stdlib.h>
#include <string.h>

static int
push_word(struct words *w, struct buf *cur)
{
	char **nv, *s;

	if (buf_cstr(cur) == -1 || (s = strdup(cur->data)) == NULL)
		return -1;
	if (w->n + 1 >= w->cap) {
		int ncap = w->cap ? w->cap * 2 : 8;

		if ((nv = realloc(w->v, (size_t)ncap * sizeof(*nv))) == NULL) {
			free(s);
			return -1;
		}
		w->v = nv;
		w->cap = ncap;
	}
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	buf_reset(cur);
	return 0;
}

/* Inside "...": a backslash escapes only these, as in sh. */
static bool
dq_escapable(char c)
{
	return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

int
words_split(struct words *w, const char *line, size_t len)
{
	enum { OUT, WORD, SQ, DQ } st = OUT;
	struct buf cur;
	size_t i;
	int rc = 0;
	char c;

	memset(w, 0, sizeof(*w));
	buf_init(&cur, 0);
	for (i = 0; i < len && rc == 0; i++) {
		c = line[i];
		if (st == SQ) {
			if (c == '\'')
				st = WORD;
			else
				rc = buf_putc(&cur, c);
		} else if (st == DQ) {
			if (c == '"')
				st = WORD;
			else if (c == '\\' && i + 1 < len &&
			    dq_escapable(line[i + 1]))
				rc = buf_putc(&cur, line[++i]);
			else
				rc = buf_putc(&cur, c);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (st == WORD)
				rc = push_word(w, &cur);
			st = OUT;
		} else if (c == '#' && st == OUT)
			break;	/* a comment, as in sh */
		else if (c == '\'')
			st = SQ;
		else if (c == '"')
			st = DQ;
		else if (c == '\\' && i + 1 < len) {
			rc = buf_putc(&cur, line[++i]);
			st = WORD;
		} else {
			rc = buf_putc(&cur, c);
			st = WORD;
		}
	}
	w->open_quote = st == SQ || st == DQ;
	if (rc == 0 && st != OUT)
		rc = push_word(w, &cur);
	buf_free(&cur);
	if (rc == -1)
		words_free(w);
	return rc;
}

void
words_free(struct words *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}
