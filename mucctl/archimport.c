/*
 * archimport: archived messages (the JSON lines `archive export` writes)
 * into a room's archive, through the daemon's archive.import, in batches
 * small enough for a control request line. Each batch is checked whole
 * and stored in one transaction; a stanza-id the room holds already is
 * skipped, so an import stopped half way (or run twice) is finished by
 * running it again. Used by `archive import` and by `apply` for the
 * archive lines `export --with-archive` appends to a rooms document.
 */
#include "mucctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Well under the daemon's default control_max_line (64K). */
#define BATCH_BYTES	(32UL << 10)
#define BATCH_MAX	500
#define LINE_MAX_BYTES	(16UL << 20)

void
arch_import_init(struct arch_import *ai, struct mucctl *m, const char *room,
    bool dry)
{
	memset(ai, 0, sizeof(*ai));
	ai->m = m;
	ai->room = room;
	ai->dry = dry;
}

void
arch_import_free(struct arch_import *ai)
{
	json_decref(ai->batch);
	ai->batch = NULL;
	free(ai->jid);
	ai->jid = NULL;
}

int
arch_import_flush(struct arch_import *ai, struct mc_err *e)
{
	struct command buf;
	const struct command *c = command_of(CTL_ARCHIVE_IMPORT, &buf);
	json_t *args, *res = NULL;
	size_t n = json_array_size(ai->batch);
	int rc;

	if (n == 0)
		return 0;
	args = json_pack("{s:s,s:O,s:b}", "room", ai->room, "messages",
	    ai->batch, "dry_run", ai->dry);
	if (args == NULL)
		rc = mc_fail(e, EXIT_REFUSED, "", "out of memory");
	else
		rc = exec_request(ai->m, c, args, &res, e);
	json_decref(args);
	if (rc == 0) {
		if (ai->jid == NULL && jstr(res, "room") != NULL)
			ai->jid = strdup(jstr(res, "room"));
		ai->imported += (size_t)json_integer_value(json_object_get(res,
		    "imported"));
		ai->skipped += (size_t)json_integer_value(json_object_get(res,
		    "skipped"));
	} else if (ai->first_line > 0) {
		char why[sizeof(e->msg) - 64];

		/* The daemon counts messages in the batch; the operator
		 * knows lines of the file. */
		snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1, e->msg);
		snprintf(e->msg, sizeof(e->msg), "lines %zu-%zu: %s",
		    ai->first_line, ai->last_line, why);
		if (ai->imported > 0)
			fprintf(stderr, "mucctl: the lines before line %zu "
			    "were imported: run it again and they are "
			    "skipped\n", ai->first_line);
	}
	json_decref(res);
	json_decref(ai->batch);
	ai->batch = NULL;
	ai->bytes = 0;
	return rc;
}

/* msg: an archived message (its "body", if any, is not sent: it is in
 * the XML; a "room" is ignored: the room is ai's); line: where it was
 * read, or 0. Taken over. */
int
arch_import_add(struct arch_import *ai, json_t *msg, size_t line,
    struct mc_err *e)
{
	const char *xml = json_string_value(json_object_get(msg, "xml"));

	json_object_del(msg, "body");
	if (ai->batch == NULL && (ai->batch = json_array()) == NULL) {
		json_decref(msg);
		return mc_fail(e, EXIT_REFUSED, "", "out of memory");
	}
	if (json_array_size(ai->batch) == 0)
		ai->first_line = line;
	ai->last_line = line;
	ai->bytes += 256 + (xml != NULL ? strlen(xml) * 2 : 0);
	if (json_array_append_new(ai->batch, msg) == -1)
		return mc_fail(e, EXIT_REFUSED, "", "out of memory");
	if (ai->bytes >= BATCH_BYTES || json_array_size(ai->batch) >= BATCH_MAX)
		return arch_import_flush(ai, e);
	return 0;
}

/* One line of the file as an archived message, or NULL with e set. */
json_t *
arch_import_parse(const char *file, size_t line, const char *text,
    size_t len, struct mc_err *e)
{
	json_error_t je;
	json_t *msg;

	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (msg == NULL) {
		mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s:%zu:%d: %s", file, line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(msg)) {
		json_decref(msg);
		mc_fail(e, EXIT_USAGE, ctl_errs[CTL_E_BAD_REQUEST].code,
		    "%s:%zu: not an archived message (an object)", file, line);
		return NULL;
	}
	return msg;
}

bool
arch_line_blank(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len == 0;
}

static int
import_stream(struct arch_import *ai, FILE *f, const char *file,
    struct mc_err *e)
{
	char *text = NULL;
	size_t cap = 0, line = 0;
	ssize_t len;
	json_t *msg;
	int rc = 0;

	while (rc == 0 && (len = getline(&text, &cap, f)) != -1) {
		line++;
		if ((size_t)len > LINE_MAX_BYTES)
			rc = mc_fail(e, EXIT_USAGE, "too-large", "%s:%zu: "
			    "longer than %lu MiB", file, line,
			    LINE_MAX_BYTES >> 20);
		else if (arch_line_blank(text, (size_t)len))
			continue;
		else if ((msg = arch_import_parse(file, line, text,
		    (size_t)len, e)) == NULL)
			rc = -1;
		else
			rc = arch_import_add(ai, msg, line, e);
	}
	if (rc == 0 && ferror(f))
		rc = mc_fail(e, EXIT_USAGE, "", "%s: %s", file,
		    strerror(errno));
	free(text);
	if (rc == 0)
		rc = arch_import_flush(ai, e);
	return rc;
}

int
archive_import_run(struct mucctl *m, const struct command *c, json_t *args,
    bool json)
{
	const char *file = jstr(args, "file"), *room = jstr(args, "room");
	struct arch_import ai;
	struct mc_err e = { 0 };
	FILE *f;
	int rc;

	if ((f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r")) == NULL) {
		mc_fail(&e, EXIT_USAGE, "", "%s: %s", file, strerror(errno));
		return exec_fail(c->words, &e, json);
	}
	arch_import_init(&ai, m, room, jbool(args, "dry_run"));
	m->hold_offline = true;
	rc = import_stream(&ai, f, file, &e);
	m->hold_offline = false;
	if (m->client.pid != -1)
		client_close(&m->client);
	if (f != stdin)
		fclose(f);
	if (rc == -1) {
		arch_import_free(&ai);
		return exec_fail(c->words, &e, json);
	}
	/* The room as the daemon names it, once it answered. */
	if (ai.jid != NULL)
		room = ai.jid;
	if (json) {
		json_t *o = json_pack("{s:s,s:I,s:I,s:b}", "room", room,
		    "imported", (json_int_t)ai.imported, "skipped",
		    (json_int_t)ai.skipped, "dry_run", ai.dry);

		print_json(o);
		json_decref(o);
	} else
		printf("%s: %zu message%s %simported, %zu already there\n",
		    room, ai.imported, ai.imported == 1 ? "" : "s",
		    ai.dry ? "would be " : "", ai.skipped);
	arch_import_free(&ai);
	return EXIT_DONE;
}
