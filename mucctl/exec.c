/*
 * exec: one command from words to output — find it, parse its arguments,
 * send it to the daemon or run it on the database, print the result.
 * One-shot mode and the shell both come through here, so they behave the
 * same.
 */
#include "mucctl.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The protocol's code for an error, local ones included. */
static const char *
error_code(const struct mc_err *e)
{
	if (e->code[0] != '\0')
		return e->code;
	switch (e->status) {
	case EXIT_USAGE:
		return ctl_errs[CTL_E_BAD_REQUEST].code;
	case EXIT_UNREACHABLE:
		return ctl_errs[CTL_E_UNAVAILABLE].code;
	default:
		return ctl_errs[CTL_E_INTERNAL].code;
	}
}

/* Under --json a failure is a document on stdout too, for scripts:
 * {"error":{"code":...,"message":...[,"condition":...][,"master":...]}}
 * ("master" with not-master: null while the group has none). */
static void
report_json(const struct mc_err *e)
{
	bool nm = strcmp(e->code, ctl_errs[CTL_E_NOT_MASTER].code) == 0;
	json_t *doc = json_pack("{s:{s:s,s:s,s:s*}}", "error", "code",
	    error_code(e), "message", e->msg, "condition",
	    e->condition[0] ? e->condition : NULL);

	if (doc != NULL && nm)
		json_object_set_new(json_object_get(doc, "error"), "master",
		    e->master[0] ? json_string(e->master) : json_null());

	print_json(doc);
	json_decref(doc);
}

int
exec_report(const char *what, const struct mc_err *e)
{
	fflush(stdout);
	fprintf(stderr, "mucctl: %s: ", what);
	/* Messages may quote what XMPP users chose (nicks, names). */
	put_safe(stderr, e->msg);
	fputc('\n', stderr);
	return e->status;
}

int
exec_fail(const char *what, const struct mc_err *e, bool json)
{
	if (json)
		report_json(e);
	return exec_report(what, e);
}

/* Offline is a fallback: say so, since changes then wait for a start. */
static void
note_offline(struct mucctl *m, const char *datadir)
{
	if (m->quiet || m->noted_offline || m->datadir_opt != NULL)
		return;
	m->noted_offline = true;
	fprintf(stderr, "mucctl: mucd is not running; working on the "
	    "database in %s directly\n", datadir);
}

int
exec_request(struct mucctl *m, const struct command *c, json_t *args,
    json_t **result, struct mc_err *e)
{
	const char *dir;

	*result = NULL;
	/* -D: whatever the command, the maintenance daemon's table says
	 * whether it can run without the service. */
	if (m->datadir_opt != NULL)
		return offline_run(m, c, args, result, e);
	if (client_ensure(m, e) == 0)
		return client_has(m, c->cmd, e) == -1 ? -1 :
		    client_call(m, c->cmd, args, result, e);
	if (!e->absent)
		return -1;
	if (!command_offline(c)) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		return mc_fail(e, EXIT_UNREACHABLE,
		    ctl_errs[CTL_E_NEEDS_DAEMON].code, "%.900s; '%s' needs "
		    "the running daemon", why, c->words);
	}
	if ((dir = ctx_datadir(m, e)) == NULL)
		return -1;
	note_offline(m, dir);
	return offline_run(m, c, args, result, e);
}

static int
unknown_command(int argc, char **argv)
{
	int g = command_group_words(argc, argv);
	bool help = argc > g && (strcmp(argv[g], "--help") == 0 ||
	    strcmp(argv[g], "-h") == 0);
	char group[64], near[64];

	if (g > 0) {
		command_join(g, argv, group, sizeof(group));
		if (help) {
			help_group(group, stdout);
			return EXIT_DONE;
		}
		if (argc == g)
			fprintf(stderr, "mucctl: %s: missing subcommand\n",
			    group);
		else if (command_suggest(group, argv[g], near,
		    sizeof(near)) != NULL)
			fprintf(stderr, "mucctl: %s: unknown subcommand "
			    "'%s' (did you mean '%s %s'?)\n", group, argv[g],
			    group, near);
		else
			fprintf(stderr, "mucctl: %s: unknown subcommand "
			    "'%s'\n", group, argv[g]);
		help_group(group, stderr);
		return EXIT_USAGE;
	}
	if (command_suggest(NULL, argv[0], near, sizeof(near)) != NULL)
		fprintf(stderr, "mucctl: unknown command '%s' (did you mean "
		    "'%s'? `mucctl help` lists them)\n", argv[0], near);
	else
		fprintf(stderr, "mucctl: unknown command '%s' (try `mucctl "
		    "help`)\n", argv[0]);
	return EXIT_USAGE;
}

static int
run_local(struct mucctl *m, const struct command *c, int argc, char **argv)
{
	if (argc > 0 && (strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "-h") == 0)) {
		help_command(c, stdout);
		return EXIT_DONE;
	}
	if (strcmp(c->words, "help") == 0)
		return help_run(argc, argv);
	if (argc > 0) {
		fprintf(stderr, "mucctl: shell: unexpected argument '%s'\n",
		    argv[0]);
		return EXIT_USAGE;
	}
	if (m->in_shell) {
		fprintf(stderr, "mucctl: shell: this is the shell already\n");
		return EXIT_USAGE;
	}
	return shell_run(m);
}

int
exec_paged(struct mucctl *m, const struct command *c, json_t *args,
    int (*page)(void *, json_t *, struct mc_err *), void *arg,
    struct mc_err *e)
{
	json_t *result = NULL;
	const char *next;
	int rc;

	while ((rc = exec_request(m, c, args, &result, e)) == 0 &&
	    (rc = page(arg, result, e)) == 0) {
		next = jstr(result, "next");
		if (next == NULL ||
		    json_object_set_new(args, "after", json_string(next)) == -1)
			break;
		json_decref(result);
		result = NULL;
	}
	json_decref(result);
	return rc;
}

struct render_page {
	struct mucctl		*m;
	const struct command	*c;
	json_t			*args;
};

static int
render_page(void *arg, json_t *result, struct mc_err *e)
{
	struct render_page *p = arg;

	(void)e;
	p->c->render(p->m, p->c, p->args, result);
	fflush(stdout);
	return 0;
}

/*
 * archive export: page after page, each printed as it comes, so memory
 * stays one page whatever the archive holds; offline, one maintenance
 * daemon serves them all.
 */
static int
exec_pages(struct mucctl *m, const struct command *c, json_t *args,
    struct mc_err *e)
{
	struct render_page p = { m, c, args };
	int rc;

	m->hold_offline = true;
	rc = exec_paged(m, c, args, render_page, &p, e);
	m->hold_offline = false;
	if (m->client.pid != -1)
		client_close(&m->client);
	return rc;
}

/* room avatar show FILE: the image, decoded, into FILE. */
static int
save_image(json_t *args, json_t *result, struct mc_err *e)
{
	const char *path = jstr(args, "file"), *b64;
	json_t *avatar = json_object_get(result, "avatar");
	unsigned char *data;
	size_t blen, len;
	FILE *f;
	int rc;

	if ((b64 = jstr(avatar, "data")) == NULL)
		return mc_fail(e, EXIT_REFUSED, "", "%s has no avatar to write "
		    "to %s", jstr(result, "room"), path);
	blen = strlen(b64);
	if ((data = malloc(blen / 4 * 3 + 3)) == NULL)
		return mc_fail(e, EXIT_REFUSED, "", "out of memory");
	if (sodium_base642bin(data, blen / 4 * 3 + 3, b64, blen, NULL, &len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(data);
		return mc_fail(e, EXIT_REFUSED, "", "the daemon sent no base64");
	}
	rc = (f = fopen(path, "wb")) != NULL && fwrite(data, 1, len, f) == len ?
	    0 : -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	free(data);
	if (rc == -1)
		return mc_fail(e, EXIT_REFUSED, "", "%s: %s", path,
		    strerror(errno));
	return 0;
}

/*
 * rooms --unused DAYS --destroy is the daemon's rooms.prune: the list and
 * the destruction in one request, so no room is used in between.
 */
static const struct command *
rooms_variant(const struct command *c, json_t *args, struct mc_err *e)
{
	static struct command prune;
	bool destroy = jbool(args, "destroy");

	if (!destroy && !jbool(args, "dry_run"))
		return c;
	if (!destroy || json_object_get(args, "unused_days") == NULL) {
		mc_fail(e, EXIT_USAGE, "", "%s", destroy ? "--destroy needs "
		    "--unused DAYS" : "--dry-run goes with --destroy");
		return NULL;
	}
	if (json_object_get(args, "match") || jbool(args, "empty") ||
	    jbool(args, "public") || json_object_get(args, "after")) {
		mc_fail(e, EXIT_USAGE, "", "--destroy takes --unused, --limit "
		    "and --dry-run only");
		return NULL;
	}
	prune = *c;
	prune.cmd = CTL_ROOMS_PRUNE;
	return &prune;
}

static void
output(struct mucctl *m, const struct command *c, json_t *args,
    json_t *result, bool json)
{
	if (json)
		print_json(result);
	else
		c->render(m, c, args, result);
	fflush(stdout);
}

int
exec_argv(struct mucctl *m, int argc, char **argv)
{
	const struct command *c;
	json_t *args = NULL, *result = NULL;
	struct mc_err e;
	bool help = false, json = m->json;
	int used, rc;

	if ((c = command_find(argc, argv, &used)) == NULL)
		return unknown_command(argc, argv);
	/* shell and help take their words as they come. */
	if (c->cmd == MC_LOCAL && strcmp(c->words, "import prosody") != 0)
		return run_local(m, c, argc - used, argv + used);
	if (parse_command_args(m, c, argc - used, argv + used, &args, &help,
	    &json, &e) == -1) {
		e.status = EXIT_USAGE;
		exec_fail(c->words, &e, json);
		help_usage_line(c, stderr);
		return EXIT_USAGE;
	}
	if (help) {
		help_command(c, stdout);
		json_decref(args);
		return EXIT_DONE;
	}
	if (c->cmd == MC_LOCAL) {
		rc = import_prosody(m, args, &e);
		json_decref(args);
		return rc == -1 ? exec_fail(c->words, &e, json) : EXIT_DONE;
	}
	if (c->cmd == CTL_ROOMS && (c = rooms_variant(c, args, &e)) == NULL) {
		json_decref(args);
		return exec_fail("rooms", &e, json);
	}
	if (c->cmd == CTL_ROOM_APPLY || c->cmd == CTL_ROOM_EXPORT) {
		rc = c->cmd == CTL_ROOM_APPLY ? apply_run(m, c, args, json) :
		    export_run(m, c, args, json);
		json_decref(args);
		return rc;
	}
	if (c->cmd == CTL_ARCHIVE_IMPORT) {
		rc = archive_import_run(m, c, args, json);
		json_decref(args);
		return rc;
	}
	if (c->cmd == CTL_ARCHIVE_EXPORT) {
		rc = exec_pages(m, c, args, &e);
		json_decref(args);
		return rc == -1 ? exec_fail(c->words, &e, json) : EXIT_DONE;
	}
	if (exec_request(m, c, args, &result, &e) == -1 ||
	    (c->cmd == CTL_ROOM_AVATAR_SHOW && jstr(args, "file") != NULL &&
	    save_image(args, result, &e) == -1)) {
		json_decref(args);
		json_decref(result);
		return exec_fail(c->words, &e, json);
	}
	output(m, c, args, result, json);
	json_decref(args);
	json_decref(result);
	return EXIT_DONE;
}
