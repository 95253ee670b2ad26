/*
 * scsrun: command line.
 *
 *   scsrun [options] SCRIPT.scs...     play scripts, PASS/FAIL per script
 *   scsrun --free-port                 print a free TCP port on 127.0.0.1
 *   scsrun --probe DOMAIN              wait until DOMAIN answers disco#info
 *
 * Exit: 0 all passed (probe: ready), 1 a script failed (probe: not
 * ready), 2 usage or script parse errors.
 */
#include "scsrun.h"

#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: scsrun [-v] [--strict] [--host H] [--port P] [--timeout S]\n"
"              [--settle MS] [--skip-log FILE] SCRIPT.scs...\n"
"       scsrun --free-port\n"
"       scsrun --probe DOMAIN [--server-domain D] [--host H] [--port P]\n"
"              [--timeout S]\n"
"  --host H            server address (default 127.0.0.1)\n"
"  --port P            c2s port (default 5222)\n"
"  --timeout S         seconds to wait for a matching stanza, a login,\n"
"                      or (--probe) readiness (default 5)\n"
"  --settle MS         pause after each 'sends', reading (default 100)\n"
"  --strict            a skipped (non-matching) stanza fails the script\n"
"  --skip-log FILE     append \"LINE COUNT\" for each receives that skipped\n"
"                      stanzas (to compare a server's with the reference's)\n"
"  --server-domain D   domain of --probe's throwaway user (default localhost)\n"
"  -v, --verbose       timestamped trace of all traffic\n");
}

/* Seconds, possibly fractional, to milliseconds; -1 if invalid. */
static long
parse_seconds(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end != '\0' || !(d > 0) || d > 86400)
		return -1;
	return (long)(d * 1000 + 0.5);
}

static long
parse_ms(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 0 || v > 3600000)
		return -1;
	return v;
}

enum { O_HOST = 256, O_PORT, O_TIMEOUT, O_SETTLE, O_STRICT, O_FREE,
    O_PROBE, O_SDOMAIN, O_SKIPLOG };

static const struct option longopts[] = {
	{ "host", required_argument, NULL, O_HOST },
	{ "port", required_argument, NULL, O_PORT },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "settle", required_argument, NULL, O_SETTLE },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "skip-log", required_argument, NULL, O_SKIPLOG },
	{ "free-port", no_argument, NULL, O_FREE },
	{ "probe", required_argument, NULL, O_PROBE },
	{ "server-domain", required_argument, NULL, O_SDOMAIN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct cmd {
	bool		 free_port;
	const char	*probe;
};

static int
parse_args(int argc, char **argv, struct ctx *x, struct cmd *cmd)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case O_HOST:	x->o.host = optarg; break;
		case O_PORT:	x->o.port = optarg; break;
		case O_STRICT:	x->o.strict = true; break;
		case O_SKIPLOG:	x->o.skip_log = optarg; break;
		case O_FREE:	cmd->free_port = true; break;
		case O_PROBE:	cmd->probe = optarg; break;
		case O_SDOMAIN:	x->o.server_domain = optarg; break;
		case 'v':	x->o.verbose = true; break;
		case 'h':	usage(stdout); exit(0);
		case O_TIMEOUT:
			if ((x->o.timeout_ms = parse_seconds(optarg)) == -1) {
				fprintf(stderr, "scsrun: bad --timeout: %s\n",
				    optarg);
				return -1;
			}
			break;
		case O_SETTLE:
			if ((x->o.settle_ms = parse_ms(optarg)) == -1) {
				fprintf(stderr, "scsrun: bad --settle: %s\n",
				    optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int
run_all(struct ctx *x, int n, char **paths)
{
	struct script s;
	struct buf err;
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		buf_init(&err, 0);
		if (script_load(paths[i], &s, &err) == -1) {
			printf("ERROR %s\n%.*s", paths[i], (int)err.len,
			    err.data ? err.data : "");
			fflush(stdout);
			rc = 2;
		} else {
			if (run_script(x, &s) != 0 && rc == 0)
				rc = 1;
			script_free(&s);
		}
		buf_free(&err);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct ctx x;
	struct cmd cmd = { false, NULL };
	int port;

	memset(&x, 0, sizeof(x));
	x.o.host = "127.0.0.1";
	x.o.port = "5222";
	x.o.server_domain = "localhost";
	x.o.timeout_ms = 5000;
	x.o.settle_ms = 100;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("scsrun", true, LOG_LVL_WARN);
	if (sodium_init() == -1) {
		fprintf(stderr, "scsrun: libsodium failed to initialise\n");
		return 2;
	}
	if (parse_args(argc, argv, &x, &cmd) == -1) {
		usage(stderr);
		return 2;
	}
	if (cmd.free_port) {
		if ((port = net_free_port()) == -1) {
			perror("scsrun: --free-port");
			return 2;
		}
		printf("%d\n", port);
		return 0;
	}
	if (cmd.probe != NULL)
		return probe_main(&x, cmd.probe);
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	return run_all(&x, argc - optind, argv + optind);
}
