/*
 * run: execute one parsed script and report.
 *
 * A failing action stops the script; the report names the action
 * (file:line), shows the expected stanza as the script wrote it (with
 * variables expanded), and every stanza that was skipped while waiting,
 * each with the reason it did not match.
 */
#include "scsrun.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
	struct ctx	*x;
	const struct script *s;
	const struct action *a;		/* current action */
	unsigned long	 skipped;	/* whole script */
	struct buf	 report;	/* filled on failure */
	struct buf	 skips;		/* skipped during the current receives */
	unsigned long	 nskips;	/* same, counted */
};

static const char *
verb(enum act_kind k)
{
	switch (k) {
	case ACT_CONNECT:	return "connects";
	case ACT_DISCONNECT:	return "disconnects";
	case ACT_SEND:		return "sends";
	case ACT_RECEIVE:	return "receives";
	}
	return "?";
}

static struct client *
cur_client(const struct run *r)
{
	return &r->x->cl[r->a->client];
}

static int failure(struct run *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Start the report with "file:line: Name verb: reason"; returns -1. */
static int
failure(struct run *r, const char *fmt, ...)
{
	va_list ap;

	buf_printf(&r->report, "  %s:%u: %s %s: ", r->s->path, r->a->line,
	    cur_client(r)->name, verb(r->a->kind));
	va_start(ap, fmt);
	buf_vprintf(&r->report, fmt, ap);
	va_end(ap);
	buf_putc(&r->report, '\n');
	return -1;
}

/* A client that is not (or no longer) connected, and why. */
static int
not_connected(struct run *r, const struct client *c)
{
	if (c->err[0] != '\0')
		return failure(r, "connection lost: %s", c->err);
	return failure(r, "%s is not connected", c->name);
}

/* The stanza as written, tabs turned into two spaces for the terminal. */
static void
report_text(struct run *r, const char *title, const char *text)
{
	const char *p;

	bool bol = true;

	buf_printf(&r->report, "  %s:\n", title);
	for (p = text; *p != '\0'; p++) {
		if (bol) {
			/* The script's block indent becomes ours. */
			buf_puts(&r->report, "    ");
			if (*p == '\t')
				p++;
			bol = false;
			if (*p == '\0')
				break;
		}
		if (*p == '\t')
			buf_puts(&r->report, "  ");
		else
			buf_putc(&r->report, *p);
		bol = *p == '\n';
	}
	if (!bol)
		buf_putc(&r->report, '\n');
}

static void
report_skips(struct run *r)
{
	if (r->nskips == 0) {
		buf_puts(&r->report, "  received and skipped: nothing\n");
		return;
	}
	buf_printf(&r->report, "  received and skipped (%lu):\n", r->nskips);
	buf_append(&r->report, r->skips.data, r->skips.len);
	if (r->nskips > MAX_KEPT_SKIPS)
		buf_printf(&r->report, "    ... and %lu more\n",
		    r->nskips - MAX_KEPT_SKIPS);
}

/* Variables at run time: the bound JIDs (before a client has connected,
 * its bare JID is the configured one) and the values captured so far. */
static const char *
run_resolve(void *arg, enum var_kind kind, const char *name, char *err,
    size_t errlen)
{
	struct ctx *x = arg;
	const char *v;
	size_t i;

	if (kind == VAR_CAPTURE) {
		/* The loader saw to it that a capture comes first. */
		if ((v = capture_get(&x->caps, name, strlen(name))) == NULL)
			snprintf(err, errlen, "${capture:%s} has no value: "
			    "nothing captured it", name);
		return v;
	}
	for (i = 0; i < x->ncl; i++) {
		const struct client *c = &x->cl[i];

		if (strcmp(c->name, name) != 0)
			continue;
		if (kind == VAR_BARE_JID)
			return c->bound_bare[0] ? c->bound_bare : c->jid->bare;
		if (c->bound[0] == '\0') {
			snprintf(err, errlen, "${%s's full JID} is not known "
			    "yet: %s has not connected", name, name);
			return NULL;
		}
		return c->bound;
	}
	snprintf(err, errlen, "unknown client '%s'", name);
	return NULL;
}

/* Expand and parse the action's stanza; root owns *elem. */
static struct xnode *
build(struct run *r, struct buf *text, struct xnode **elem)
{
	char err[512];
	struct xnode *root;

	if (stanza_expand(r->a->text, run_resolve, r->x, text, err,
	    sizeof(err)) == -1 || buf_cstr(text) == -1) {
		failure(r, "%s", err[0] ? err : "out of memory");
		return NULL;
	}
	if ((root = stanza_parse(text->data, elem, err, sizeof(err))) == NULL)
		failure(r, "bad stanza after expansion: %s", err);
	return root;
}

static int
do_connect(struct run *r)
{
	struct client *c = cur_client(r);

	if (client_connect(c, r->x->o.timeout_ms) == -1)
		return failure(r, "%s", c->err);
	return 0;
}

static int
do_disconnect(struct run *r)
{
	struct client *c = cur_client(r);

	if (!client_connected(c))
		return not_connected(r, c);
	client_disconnect(r->x, &c, 1);
	return 0;
}

static int
do_send(struct run *r)
{
	struct client *c = cur_client(r);
	struct xnode *root, *elem;
	struct buf text;
	int rc = -1;

	if (c->state != CS_READY)
		return not_connected(r, c);
	buf_init(&text, MAX_STANZA);
	if ((root = build(r, &text, &elem)) != NULL) {
		stanza_strip_directives(elem);
		if (client_send(c, elem) == -1)
			failure(r, "%s", c->err);
		else
			rc = 0;
	}
	x_free(root);
	buf_free(&text);
	/* Let the server act before the next client speaks. */
	if (rc == 0 && net_pump(r->x, now_ms() + r->x->o.settle_ms, NULL,
	    NULL) == -1)
		rc = failure(r, "poll: %s", strerror(errno));
	return rc;
}

static void
record_skip(struct run *r, const struct xnode *exp, const struct xnode *got)
{
	char why[512];

	r->nskips++;
	r->skipped++;
	trace_node(r->x, cur_client(r), "..", got);
	if (r->nskips > MAX_KEPT_SKIPS)
		return;
	match_stanza(exp, got, NULL, why, sizeof(why));
	buf_puts(&r->skips, "    ");
	show_node(&r->skips, got);
	buf_printf(&r->skips, "\n      (differs: %s)\n", why);
}

/* For comparing servers: which receives skipped how many stanzas. */
static void
log_skips(struct run *r)
{
	FILE *f;

	if (r->x->o.skip_log == NULL ||
	    (f = fopen(r->x->o.skip_log, "a")) == NULL)
		return;
	fprintf(f, "%u %lu\n", r->a->line, r->nskips);
	fclose(f);
}

static bool
queue_nonempty(void *arg)
{
	const struct client *c = arg;

	return c->qhead != NULL || !client_connected(c);
}

/* Bind what the matching stanza gave the expected one's markers. */
static int
keep_captures(struct run *r, const struct xnode *exp, const struct xnode *got)
{
	struct taken t;
	char err[256];
	size_t i;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	match_stanza(exp, got, &t, NULL, 0);
	if (t.oom)
		rc = failure(r, "out of memory");
	for (i = 0; rc == 0 && i < t.n; i++) {
		const struct taken_one *o = &t.v[i];

		/* Given back, it would read as a directive, not a value. */
		if (o->vlen >= strlen(SCS_VALUE) &&
		    memcmp(o->value, SCS_VALUE, strlen(SCS_VALUE)) == 0)
			rc = failure(r, "captured %.*s = '%.*s' looks like a "
			    "runner directive", (int)o->nlen, o->name,
			    (int)o->vlen, o->value);
		else if (capture_set(&r->x->caps, o->name, o->nlen, o->value,
		    o->vlen, err, sizeof(err)) == -1)
			rc = failure(r, "%s", err);
		else
			trace(r->x, cur_client(r), "==", "captured %.*s = '%.*s'",
			    (int)o->nlen, o->name, (int)o->vlen, o->value);
	}
	taken_free(&t);
	return rc;
}

/* Take stanzas in arrival order until one matches (see README). */
static int
await(struct run *r, const struct xnode *exp)
{
	struct client *c = cur_client(r);
	long long deadline = now_ms() + r->x->o.timeout_ms;
	struct xnode *st;
	bool ok;
	int rc;

	for (;;) {
		while ((st = client_pop(c)) != NULL) {
			rc = 0;
			if ((ok = match_stanza(exp, st, NULL, NULL, 0))) {
				trace_node(r->x, c, "==", st);
				rc = keep_captures(r, exp, st);
			} else
				record_skip(r, exp, st);
			x_free(st);
			if (ok)
				return rc;
			if (r->x->o.strict)
				return failure(r, "unexpected stanza (--strict)");
		}
		if (!client_connected(c))
			return not_connected(r, c);
		if (now_ms() >= deadline)
			return failure(r, "nothing matching within %ld.%03ld s",
			    r->x->o.timeout_ms / 1000, r->x->o.timeout_ms % 1000);
		if (net_pump(r->x, deadline, queue_nonempty, c) == -1)
			return failure(r, "poll: %s", strerror(errno));
	}
}

static int
do_receive(struct run *r)
{
	struct xnode *root, *elem;
	struct buf text;
	int rc = -1;

	buf_init(&text, MAX_STANZA);
	buf_reset(&r->skips);
	r->nskips = 0;
	if ((root = build(r, &text, &elem)) != NULL &&
	    (rc = await(r, elem)) == -1) {
		report_text(r, "expected", text.data);
		report_skips(r);
	}
	if (r->nskips > 0)
		log_skips(r);
	x_free(root);
	buf_free(&text);
	return rc;
}

static int
do_action(struct run *r)
{
	switch (r->a->kind) {
	case ACT_CONNECT:	return do_connect(r);
	case ACT_DISCONNECT:	return do_disconnect(r);
	case ACT_SEND:		return do_send(r);
	case ACT_RECEIVE:	return do_receive(r);
	}
	return -1;
}

static int
setup_clients(struct run *r)
{
	struct ctx *x = r->x;
	char err[512];
	size_t i;

	if ((x->cl = calloc(r->s->ndefs + 1, sizeof(*x->cl))) == NULL) {
		buf_puts(&r->report, "  out of memory\n");
		return -1;
	}
	for (i = 0; i < r->s->ndefs; i++) {
		const struct client_def *d = &r->s->defs[i];

		x->ncl = i + 1;
		if (client_init(&x->cl[i], x, d->name, d->jid, d->password, err,
		    sizeof(err)) == -1) {
			buf_printf(&r->report, "  %s:%u: %s\n", r->s->path,
			    d->line, err);
			return -1;
		}
	}
	return 0;
}

/* Close every open stream (so temporary rooms empty out) and free. */
static void
teardown(struct ctx *x)
{
	struct client *v[MAX_CLIENTS];
	size_t i, n = 0;

	for (i = 0; i < x->ncl && n < MAX_CLIENTS; i++)
		if (client_connected(&x->cl[i]))
			v[n++] = &x->cl[i];
	if (n > 0)
		client_disconnect(x, v, n);
	for (i = 0; i < x->ncl; i++)
		client_fini(&x->cl[i]);
	free(x->cl);
	x->cl = NULL;
	x->ncl = 0;
}

int
run_script(struct ctx *x, const struct script *s)
{
	struct run r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.s = s;
	buf_init(&r.report, 0);
	buf_init(&r.skips, 0);
	x->t0 = now_ms();
	trace(x, NULL, "--", "running %s", s->path);
	rc = setup_clients(&r);
	for (i = 0; rc == 0 && i < s->nacts; i++) {
		r.a = &s->acts[i];
		rc = do_action(&r);
	}
	teardown(x);
	capture_free(&x->caps);
	if (rc == 0)
		printf("PASS %s (%lu skipped)\n", s->name, r.skipped);
	else
		printf("FAIL %s\n%.*s", s->name, (int)r.report.len,
		    r.report.data ? r.report.data : "");
	fflush(stdout);
	buf_free(&r.report);
	buf_free(&r.skips);
	return rc == 0 ? 0 : 1;
}
