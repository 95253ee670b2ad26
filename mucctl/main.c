/*
 * main: mucctl's command line — global options, then one command, or the
 * interactive shell when there is none and we are on a terminal.
 */
#include "mucctl.h"

#include <getopt.h>
#include <locale.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "config", required_argument, NULL, 'c' },
	{ "datadir", required_argument, NULL, 'D' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* -1: exit with *status; else the index of the command word. */
static int
parse_global(struct mucctl *m, int argc, char **argv, int *status)
{
	int ch;

	/* '+': stop at the command word, its options are its own; ':'
	 * and opterr 0: our own messages, naming mucctl, not its path. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:c:D:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':	m->socket_opt = optarg; break;
		case 'c':	m->conf_path = optarg; break;
		case 'D':	m->datadir_opt = optarg; break;
		case OPT_JSON:	m->json = true; break;
		case 'h':
			help_global(stdout);
			*status = EXIT_DONE;
			return -1;
		case 'V':
			printf("mucctl %s\n", MUCD_VERSION);
			*status = EXIT_DONE;
			return -1;
		case ':':
			fprintf(stderr, "mucctl: option '%s' needs a value\n",
			    argv[optind - 1]);
			goto usage;
		default:
			if (optopt != 0)
				fprintf(stderr, "mucctl: unknown option '-%c'\n",
				    optopt);
			else
				fprintf(stderr, "mucctl: unknown option '%s'\n",
				    argv[optind - 1]);
		usage:
			fprintf(stderr, "usage: mucctl [-s SOCKET] [-c CONFIG] "
			    "[-D DATADIR] [--json] COMMAND [ARGS...]\n"
			    "`mucctl help` lists the commands.\n");
			*status = EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}

int
main(int argc, char **argv)
{
	struct mucctl m;
	int first, status = EXIT_DONE;

	setlocale(LC_CTYPE, "");
	log_init("mucctl", true, LOG_LVL_WARN);
	if (sodium_init() == -1) {
		fprintf(stderr, "mucctl: libsodium failed to initialise\n");
		return EXIT_UNREACHABLE;
	}
	ctx_init(&m);
	if ((first = parse_global(&m, argc, argv, &status)) != -1) {
		ctx_load_conf(&m);
		if (first < argc)
			status = exec_argv(&m, argc - first, argv + first);
		else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			status = shell_run(&m);
		else {
			fprintf(stderr, "mucctl: no command given (the shell "
			    "needs a terminal; try `mucctl help`)\n");
			status = EXIT_USAGE;
		}
	}
	ctx_free(&m);
	return status;
}
