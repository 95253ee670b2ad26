/*
 * help: usage lines, per-command help and the command list, all generated
 * from the command table so they can never disagree with the parser.
 */
#include "mucctl.h"

#include <string.h>

#define WRAP	72

static void
usage_args(const struct command *c, FILE *f)
{
	const struct opt_spec *o;
	const struct arg_spec *a;

	for (a = c->args; a->meta != NULL; a++) {
		if (a->kind == A_SETTINGS)
			fprintf(f, " [%s ...]", a->meta);
		else if (a->flags & ARG_OPTIONAL)
			fprintf(f, " [%s]", a->meta);
		else
			fprintf(f, " %s", a->meta);
	}
	for (o = c->opts; o->name != NULL; o++) {
		if (o->kind == O_FLAG)
			fprintf(f, " [--%s]", o->name);
		else
			fprintf(f, " [--%s %s]", o->name, o->meta);
	}
}

void
help_usage_line(const struct command *c, FILE *f)
{
	fprintf(f, "usage: mucctl %s", c->words);
	usage_args(c, f);
	fputc('\n', f);
}

/* Print text wrapped at WRAP columns with an indent. */
static void
wrap(const char *text, const char *indent, FILE *f)
{
	const char *p = text, *sp;
	size_t col = 0, n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		sp = strchr(p, ' ');
		n = sp ? (size_t)(sp - p) : strlen(p);
		if (n == 0)
			break;
		if (col > 0 && col + 1 + n > WRAP) {
			fputc('\n', f);
			col = 0;
		}
		if (col == 0) {
			fputs(indent, f);
			col = strlen(indent);
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		p += n;
	}
	if (col > 0)
		fputc('\n', f);
}

static void
print_examples(const char *ex, FILE *f)
{
	const char *p = ex, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		fprintf(f, "  %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

void
help_command(const struct command *c, FILE *f)
{
	const struct opt_spec *o;
	char head[64];

	help_usage_line(c, f);
	fputc('\n', f);
	wrap(c->help, "", f);
	if (c->opts[0].name != NULL) {
		fprintf(f, "\noptions:\n");
		for (o = c->opts; o->name != NULL; o++) {
			snprintf(head, sizeof(head), "--%s%s%s", o->name,
			    o->kind == O_FLAG ? "" : " ",
			    o->kind == O_FLAG ? "" : o->meta);
			fprintf(f, "  %-16s %s\n", head, o->help);
		}
	}
	if (c->cmd != MC_LOCAL)
		fprintf(f, "\n%s (protocol command \"%s\"%s)\n",
		    command_offline(c) ? "works offline too" :
		    "needs the daemon", ctl_cmds[c->cmd].name,
		    ctl_cmds[c->cmd].flags & CTL_WRITE ? "" : ", read-only");
	fprintf(f, "\nexamples:\n");
	print_examples(c->examples, f);
}

static bool
in_group(const struct command *c, const char *group)
{
	size_t n = strlen(group);

	return strncmp(c->words, group, n) == 0 && c->words[n] == ' ';
}

void
help_group(const char *group, FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: mucctl %s SUBCOMMAND ...\n\nsubcommands:\n",
	    group);
	for (c = mc_commands; c->words != NULL; c++)
		if (in_group(c, group))
			fprintf(f, "  %-18s %s\n", c->words, c->summary);
	fprintf(f, "\n`mucctl help %s SUBCOMMAND` for details.\n", group);
}

void
help_global(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: mucctl [-s SOCKET] [-c CONFIG] [-D DATADIR] "
	    "[--json] COMMAND [ARGS...]\n"
	    "       mucctl [options]             (interactive shell on a "
	    "terminal)\n\n"
	    "  -s SOCKET   mucd's control socket (default: 'control' in "
	    "CONFIG)\n"
	    "  -c CONFIG   mucd's configuration (default " CONF_DEFAULT_PATH
	    ")\n"
	    "  -D DATADIR  work on the database directly (mucd must be "
	    "stopped)\n"
	    "  --json      print the result as JSON\n"
	    "  -V          print the version\n\ncommands:\n");
	for (c = mc_commands; c->words != NULL; c++)
		fprintf(f, "  %-18s %s\n", c->words, c->summary);
	fprintf(f, "\n`mucctl help COMMAND` or `mucctl COMMAND --help` for "
	    "details; mucctl(8) for everything.\n");
}

int
help_run(int argc, char **argv)
{
	const struct command *c;
	int used;

	if (argc == 0) {
		help_global(stdout);
		return EXIT_DONE;
	}
	if ((c = command_find(argc, argv, &used)) != NULL && used == argc) {
		help_command(c, stdout);
		return EXIT_DONE;
	}
	if (command_group_words(argc, argv) == argc) {
		char group[64];

		command_join(argc, argv, group, sizeof(group));
		help_group(group, stdout);
		return EXIT_DONE;
	}
	fprintf(stderr, "mucctl: help: no command '%s%s%s' (try `mucctl "
	    "help`)\n", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return EXIT_USAGE;
}
