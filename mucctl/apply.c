/*
 * apply and export: rooms as code. mucctl reads the document and drives
 * the daemon's room.apply room by room — every room planned first (a dry
 * run of each, so a bad field anywhere means nothing is changed), then
 * applied — and room.export page by page. The rules of what a room may
 * be are the daemon's; mucctl owns only the file: its size, its syntax,
 * its top level, the same room named twice, and which rooms --prune
 * removes.
 */
#include "mucctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOMS_FORMAT	"mucd-rooms/1"
#define APPLY_FILE_MAX	(256UL << 20)	/* bytes */
#define ERRORS_SHOWN	20
#define LIST_PAGE	10000

struct apply {
	struct mucctl		*m;
	const char		*file;
	bool			 dry, prune, json;
	json_t			*doc;
	json_t			*plans;		/* room.apply results */
	json_t			*errors;	/* strings */
	json_t			*destroy;	/* --prune: room JIDs */
	json_t			*named;		/* room JID -> its index */
	json_t			*archive;	/* {line, msg} after the doc */
	size_t			 imported, skipped;
	size_t			 unchanged;
	bool			 fatal;		/* stop planning */
};

/* ---- the file ---- */

static int
read_all(FILE *f, const char *name, char **out, size_t *len,
    struct mc_err *e)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;

	for (;;) {
		if (n == cap) {
			if (cap >= APPLY_FILE_MAX) {
				free(buf);
				return mc_fail(e, EXIT_USAGE, "too-large", "%s: "
				    "larger than %lu MiB", name,
				    APPLY_FILE_MAX >> 20);
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return mc_fail(e, EXIT_REFUSED, "", "out of "
				    "memory");
			}
			buf = nb;
		}
		if ((got = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	if (ferror(f)) {
		free(buf);
		return mc_fail(e, EXIT_USAGE, "", "%s: %s", name,
		    strerror(errno));
	}
	*out = buf;
	*len = n;
	return 0;
}

/*
 * What follows the document: archived messages, a JSON object per line
 * with the room it belongs to (export --with-archive), kept to be
 * imported once the rooms are applied.
 */
static int
load_archive(struct apply *a, const char *text, size_t len, size_t at,
    struct mc_err *e)
{
	size_t line = 1, i, end;
	json_t *msg;

	for (i = 0; i < at; i++)
		line += text[i] == '\n';
	for (; at < len; at = end + 1, line++) {
		for (end = at; end < len && text[end] != '\n'; end++)
			;
		if (arch_line_blank(text + at, end - at))
			continue;
		if ((msg = arch_import_parse(a->file, line, text + at, end - at,
		    e)) == NULL)
			return -1;
		if (json_string_value(json_object_get(msg, "room")) == NULL) {
			json_decref(msg);
			return mc_fail(e, EXIT_USAGE,
			    ctl_errs[CTL_E_BAD_REQUEST].code, "%s:%zu: an "
			    "archived message without its \"room\"; nothing "
			    "was applied", a->file, line);
		}
		json_array_append_new(a->archive, json_pack("{s:I,s:o}",
		    "line", (json_int_t)line, "msg", msg));
	}
	return 0;
}

static int
load_doc(struct apply *a, struct mc_err *e)
{
	FILE *f = strcmp(a->file, "-") == 0 ? stdin : fopen(a->file, "r");
	json_error_t je;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (f == NULL)
		return mc_fail(e, EXIT_USAGE, "", "%s: %s", a->file,
		    strerror(errno));
	rc = read_all(f, a->file, &text, &len, e);
	if (f != stdin)
		fclose(f);
	if (rc == -1)
		return -1;
	a->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES |
	    JSON_DISABLE_EOF_CHECK, &je);
	if (a->doc == NULL)
		rc = mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s:%d:%d: %s; nothing was applied", a->file, je.line,
		    je.column, je.text);
	else
		rc = load_archive(a, text, len, (size_t)je.position, e);
	free(text);
	return rc;
}

static int
check_top(struct apply *a, struct mc_err *e)
{
	const char *k, *fmt = json_string_value(json_object_get(a->doc,
	    "format"));
	json_t *v;

	if (!json_is_object(a->doc))
		return mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s: not a rooms document (an object with \"format\" and "
		    "\"rooms\")", a->file);
	json_object_foreach(a->doc, k, v)
		if (strcmp(k, "format") != 0 && strcmp(k, "rooms") != 0)
			return mc_fail(e, EXIT_USAGE,
			    ctl_errs[CTL_E_BAD_REQUEST].code, "%s: unknown "
			    "field '%s' at the top", a->file, k);
	if (fmt == NULL || strcmp(fmt, ROOMS_FORMAT) != 0)
		return mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s: \"format\" must be \"%s\"", a->file, ROOMS_FORMAT);
	if (!json_is_array(json_object_get(a->doc, "rooms")))
		return mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s: \"rooms\" must be a list", a->file);
	return 0;
}

/* ---- planning ---- */

static void
add_error(struct apply *a, size_t i, const char *msg)
{
	json_array_append_new(a->errors, json_sprintf("rooms[%zu]: %s", i,
	    msg));
}

/* The same room twice (by the JID the daemon prepared). */
static void
check_twice(struct apply *a, size_t i, const char *jid)
{
	json_t *prev;
	char msg[1200];

	if ((prev = json_object_get(a->named, jid)) != NULL) {
		snprintf(msg, sizeof(msg), "%s is named twice (also in "
		    "rooms[%lld])", jid, (long long)json_integer_value(prev));
		add_error(a, i, msg);
	} else if (json_object_set_new(a->named, jid,
	    json_integer((json_int_t)i)) == -1)
		add_error(a, i, "out of memory");
}

static int
plan_room(struct apply *a, const struct command *c, size_t i, json_t *spec,
    size_t of, struct mc_err *e)
{
	json_t *args, *res = NULL;

	args = json_pack("{s:O,s:b,s:b,s:I}", "room", spec, "dry_run", 1,
	    "prune", a->prune, "of", (json_int_t)of);
	if (args == NULL)
		return mc_fail(e, EXIT_REFUSED, "", "out of memory");
	if (exec_request(a->m, c, args, &res, e) == -1) {
		json_decref(args);
		/* Not about this room: the daemon, the link, the size. */
		if (e->status != EXIT_USAGE ||
		    strcmp(e->code, ctl_errs[CTL_E_BAD_REQUEST].code) != 0)
			return -1;
		add_error(a, i, e->msg);
		return 0;
	}
	json_decref(args);
	check_twice(a, i, jstr(res, "room"));
	if (json_array_size(json_object_get(res, "changes")) == 0) {
		a->unchanged++;
		json_decref(res);
	} else
		json_array_append_new(a->plans, res);
	return 0;
}

/* --prune: the stored rooms the document does not name. */
static int
plan_prune(struct apply *a, struct mc_err *e)
{
	struct command buf;
	const struct command *c = command_of(CTL_ROOMS, &buf);
	json_t *args, *res, *room;
	const char *after = NULL;
	char *last = NULL;
	size_t i;
	int rc = 0;

	do {
		args = json_pack("{s:I,s:s?}", "limit", (json_int_t)LIST_PAGE,
		    "after", after);
		res = NULL;
		if (args == NULL || exec_request(a->m, c, args, &res, e) == -1) {
			json_decref(args);
			rc = -1;
			break;
		}
		json_decref(args);
		json_array_foreach(json_object_get(res, "rooms"), i, room)
			if (jbool(room, "persistent") && json_object_get(
			    a->named, jstr(room, "jid")) == NULL)
				json_array_append_new(a->destroy,
				    json_string(jstr(room, "jid")));
		free(last);
		last = NULL;
		room = json_array_get(json_object_get(res, "rooms"),
		    json_array_size(json_object_get(res, "rooms")) - 1);
		if (jbool(res, "truncated") && room != NULL &&
		    (last = strdup(jstr(room, "jid"))) == NULL)
			rc = mc_fail(e, EXIT_REFUSED, "", "out of memory");
		after = last;
		json_decref(res);
	} while (rc == 0 && after != NULL);
	free(last);
	return rc;
}

static int
plan_all(struct apply *a, const struct command *c, struct mc_err *e)
{
	json_t *rooms = json_object_get(a->doc, "rooms"), *spec;
	size_t i, n = json_array_size(rooms);

	json_array_foreach(rooms, i, spec)
		if (plan_room(a, c, i, spec, n, e) == -1)
			return -1;
	if (json_array_size(a->errors) > 0)
		return 0;
	json_array_foreach(a->archive, i, spec)
		if (json_object_get(a->named, jstr(json_object_get(spec,
		    "msg"), "room")) == NULL)
			json_array_append_new(a->errors, json_sprintf("line "
			    "%lld: an archived message of %s, a room the "
			    "document does not name", (long long)
			    json_integer_value(json_object_get(spec, "line")),
			    jstr(json_object_get(spec, "msg"), "room")));
	if (json_array_size(a->errors) > 0)
		return 0;
	return a->prune ? plan_prune(a, e) : 0;
}

/* ---- output ---- */

static void
print_change(json_t *ch)
{
	const char *what = jstr(ch, "what"), *t = jstr(ch, "target");

	if (strcmp(what, "create") == 0)
		return;
	printf("    %s", what);
	if (t != NULL) {
		putchar(' ');
		put_safe(stdout, t);
	}
	printf(": ");
	put_safe(stdout, jstr(ch, "old") ? jstr(ch, "old") : "(none)");
	printf(" -> ");
	put_safe(stdout, jstr(ch, "new") ? jstr(ch, "new") : "(none)");
	putchar('\n');
}

static void
print_plan(struct apply *a, bool done)
{
	size_t i, j, created = 0;
	json_t *p, *ch;

	json_array_foreach(a->plans, i, p) {
		created += jbool(p, "created");
		put_safe(stdout, jstr(p, "room"));
		printf(": %s\n", jbool(p, "created") ? (done ? "created" :
		    "create") : (done ? "changed" : "change"));
		json_array_foreach(json_object_get(p, "changes"), j, ch)
			print_change(ch);
	}
	json_array_foreach(a->destroy, i, p) {
		put_safe(stdout, json_string_value(p));
		printf(": %s\n", done ? "destroyed" : "destroy (--prune)");
	}
	printf("%s%zu created, %zu changed, %zu unchanged, %zu destroyed\n",
	    done ? "" : "would be: ", created,
	    json_array_size(a->plans) - created, a->unchanged,
	    json_array_size(a->destroy));
	if (json_array_size(a->archive) == 0)
		return;
	if (done)
		printf("archive: %zu messages imported, %zu already there\n",
		    a->imported, a->skipped);
	else
		printf("archive: %zu messages to import (those already there "
		    "are skipped)\n", json_array_size(a->archive));
}

static void
print_json_result(struct apply *a, bool done)
{
	json_t *doc = json_pack("{s:b,s:O,s:I,s:O,s:{s:I,s:I,s:I}}",
	    "dry_run", !done, "rooms", a->plans, "unchanged",
	    (json_int_t)a->unchanged, "destroy", a->destroy, "archive",
	    "messages", (json_int_t)json_array_size(a->archive), "imported",
	    (json_int_t)a->imported, "skipped", (json_int_t)a->skipped);

	print_json(doc);
	json_decref(doc);
}

static int
report_errors(struct apply *a)
{
	size_t i, n = json_array_size(a->errors);
	json_t *v, *doc;

	if (a->json) {
		doc = json_pack("{s:{s:s,s:s,s:O}}", "error", "code",
		    ctl_errs[CTL_E_BAD_REQUEST].code, "message",
		    "the file has errors; nothing was applied", "errors",
		    a->errors);
		print_json(doc);
		json_decref(doc);
	}
	fflush(stdout);
	json_array_foreach(a->errors, i, v) {
		if (i == ERRORS_SHOWN) {
			fprintf(stderr, "mucctl: apply: %s: %zu more errors\n",
			    a->file, n - i);
			break;
		}
		fprintf(stderr, "mucctl: apply: %s: ", a->file);
		put_safe(stderr, json_string_value(v));
		fputc('\n', stderr);
	}
	fprintf(stderr, "mucctl: apply: %s: %zu error%s; nothing was "
	    "applied\n", a->file, n, n == 1 ? "" : "s");
	return EXIT_USAGE;
}

/* ---- applying ---- */

/* The archive lines, room after room, once the rooms are what the
 * document says (archiving on where it says so). */
static int
import_archive(struct apply *a, struct mc_err *e)
{
	struct arch_import ai = { 0 };
	const char *room = NULL;
	json_t *v, *msg;
	size_t i;
	int rc = 0;

	json_array_foreach(a->archive, i, v) {
		msg = json_object_get(v, "msg");
		if (room == NULL || strcmp(room, jstr(msg, "room")) != 0) {
			if ((rc = arch_import_flush(&ai, e)) == -1)
				break;
			a->imported += ai.imported;
			a->skipped += ai.skipped;
			room = jstr(msg, "room");
			arch_import_free(&ai);
			arch_import_init(&ai, a->m, room, false);
		}
		if ((rc = arch_import_add(&ai, json_incref(msg), (size_t)
		    json_integer_value(json_object_get(v, "line")), e)) == -1)
			break;
	}
	if (rc == 0 && (rc = arch_import_flush(&ai, e)) == 0) {
		a->imported += ai.imported;
		a->skipped += ai.skipped;
	}
	arch_import_free(&ai);
	return rc;
}

static int
apply_all(struct apply *a, const struct command *c, struct mc_err *e)
{
	struct command buf;
	const struct command *d = command_of(CTL_ROOM_DESTROY, &buf);
	json_t *rooms = json_object_get(a->doc, "rooms"), *spec, *args, *res;
	json_t *plans = a->plans, *v;
	size_t i, failed = 0;

	/* Planned again as it is done: the result is what happened. */
	a->plans = json_array();
	a->unchanged = 0;
	json_array_foreach(rooms, i, spec) {
		args = json_pack("{s:O,s:b,s:b,s:I}", "room", spec, "dry_run",
		    0, "prune", a->prune, "of",
		    (json_int_t)json_array_size(rooms));
		res = NULL;
		if (args == NULL || exec_request(a->m, c, args, &res, e) == -1) {
			json_decref(args);
			if (e->status == EXIT_UNREACHABLE)
				break;
			failed++;
			exec_report("apply", e);
			continue;
		}
		json_decref(args);
		if (json_array_size(json_object_get(res, "changes")) == 0) {
			a->unchanged++;
			json_decref(res);
		} else
			json_array_append_new(a->plans, res);
	}
	json_decref(plans);
	json_array_foreach(a->destroy, i, v) {
		args = json_pack("{s:O,s:s}", "room", v, "reason",
		    "removed by mucctl apply --prune");
		res = NULL;
		if (args == NULL || exec_request(a->m, d, args, &res, e) == -1) {
			failed++;
			exec_report("apply", e);
		}
		json_decref(args);
		json_decref(res);
	}
	if (e->status == EXIT_UNREACHABLE && failed == 0 && i <
	    json_array_size(rooms))
		return -1;
	return failed ? 1 : 0;
}

int
apply_run(struct mucctl *m, const struct command *c, json_t *args, bool json)
{
	struct apply a = { .m = m, .json = json };
	struct mc_err e = { 0 };
	int rc = -1;

	a.file = jstr(args, "file");
	a.dry = jbool(args, "dry_run");
	a.prune = jbool(args, "prune");
	a.plans = json_array();
	a.errors = json_array();
	a.destroy = json_array();
	a.named = json_object();
	a.archive = json_array();
	if (a.named == NULL || a.archive == NULL || a.plans == NULL || a.errors == NULL ||
	    a.destroy == NULL) {
		mc_fail(&e, EXIT_REFUSED, "", "out of memory");
		goto out;
	}
	m->hold_offline = true;
	if (load_doc(&a, &e) == -1 || check_top(&a, &e) == -1 ||
	    plan_all(&a, c, &e) == -1)
		goto out;
	if (json_array_size(a.errors) > 0) {
		rc = report_errors(&a);
		goto out;
	}
	if (!a.dry && (json_array_size(a.plans) > 0 ||
	    json_array_size(a.destroy) > 0)) {
		if ((rc = apply_all(&a, c, &e)) == -1)
			goto out;
		rc = rc ? EXIT_REFUSED : EXIT_DONE;
	} else
		rc = EXIT_DONE;
	if (!a.dry && rc == EXIT_DONE && json_array_size(a.archive) > 0 &&
	    import_archive(&a, &e) == -1) {
		rc = -1;
		goto out;
	}
	if (json)
		print_json_result(&a, !a.dry);
	else
		print_plan(&a, !a.dry);
out:
	m->hold_offline = false;
	if (m->client.pid != -1)
		client_close(&m->client);
	json_decref(a.named);
	json_decref(a.archive);
	json_decref(a.doc);
	json_decref(a.plans);
	json_decref(a.errors);
	json_decref(a.destroy);
	if (rc == -1)
		return exec_fail("apply", &e, json);
	return rc;
}

/* ---- export ---- */

/* One room, indented as it sits in the document. */
static int
print_room(json_t *room, bool first)
{
	char *s = json_dumps(room, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *l;

	if (s == NULL)
		return -1;
	printf("%s    ", first ? "" : ",\n");
	for (l = s; *l != '\0'; l++) {
		putchar(*l);
		if (*l == '\n')
			fputs("    ", stdout);
	}
	free(s);
	return 0;
}

/* A page of one room's archive as JSON lines, each naming the room. */
static int
archive_lines(void *arg, json_t *res, struct mc_err *e)
{
	const char *room = arg;
	json_t *msg, *line;
	size_t i;
	char *s;

	json_array_foreach(json_object_get(res, "messages"), i, msg) {
		/* The room first, to be read at a glance. */
		line = json_pack("{s:s}", "room", room);
		if (line == NULL || json_object_update(line, msg) == -1 ||
		    (s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		    NULL) {
			json_decref(line);
			return mc_fail(e, EXIT_REFUSED, "", "out of memory");
		}
		puts(s);
		free(s);
		json_decref(line);
	}
	return 0;
}

static int
export_archive(struct mucctl *m, const char *room, struct mc_err *e)
{
	struct command buf;
	const struct command *c = command_of(CTL_ARCHIVE_EXPORT, &buf);
	json_t *args = json_pack("{s:s}", "room", room);
	int rc;

	if (args == NULL)
		return mc_fail(e, EXIT_REFUSED, "", "out of memory");
	rc = exec_paged(m, c, args, archive_lines, (void *)room, e);
	json_decref(args);
	return rc;
}

struct export {
	bool		 started, first;
	json_t		*names;		/* --with-archive: the rooms written */
};

/* Nothing is printed before the first page is in: a failure leaves
 * stdout empty, not a broken document. */
static int
export_page(void *arg, json_t *res, struct mc_err *e)
{
	struct export *x = arg;
	json_t *room;
	size_t i;

	(void)e;
	if (!x->started)
		printf("{\n  \"format\": \"%s\",\n  \"rooms\": [\n",
		    ROOMS_FORMAT);
	x->started = true;
	json_array_foreach(json_object_get(res, "rooms"), i, room) {
		print_room(room, x->first);
		x->first = false;
		if (x->names != NULL)
			json_array_append(x->names, json_object_get(room,
			    "jid"));
	}
	fflush(stdout);
	return 0;
}

int
export_run(struct mucctl *m, const struct command *c, json_t *args, bool json)
{
	struct export x = { false, true, NULL };
	struct mc_err e = { 0 };
	json_t *v;
	size_t i;
	int rc;

	(void)json;	/* the document is JSON either way */
	if (jbool(args, "with_archive") && (x.names = json_array()) == NULL) {
		mc_fail(&e, EXIT_REFUSED, "", "out of memory");
		return exec_fail("export", &e, false);
	}
	json_object_del(args, "with_archive");
	m->hold_offline = true;
	rc = exec_paged(m, c, args, export_page, &x, &e);
	if (rc == 0)
		printf("%s  ]\n}\n", x.first ? "" : "\n");
	else if (!x.first)
		printf("\n");
	json_array_foreach(x.names, i, v)
		if (rc == 0)
			rc = export_archive(m, json_string_value(v), &e);
	json_decref(x.names);
	m->hold_offline = false;
	if (m->client.pid != -1)
		client_close(&m->client);
	if (rc == -1)
		return exec_fail("export", &e, false);
	return EXIT_DONE;
}
