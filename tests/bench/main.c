/*
 * mucbench: see mucbench.h and tests/bench/README.md.
 *
 *   mucbench [options] component     the component-mode set
 *   mucbench [options] e2e           mucd vs Prosody's MUC through Prosody
 *   mucbench [options] e2e-ejabberd  mucd vs ejabberd's MUC through ejabberd
 */
#include "mucbench.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <sodium.h>

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mucbench [options] component|e2e|e2e-ejabberd\n"
	    "  --mucd PATH          mucd binary (default mucd/mucd)\n"
	    "  --prosody PATH       prosody binary (default prosody)\n"
	    "  --results FILE       append JSON lines here (default "
	    "bench/results.json)\n"
	    "  --only LIST          scenarios: fanout,joins,rooms,churn,admin,"
	    "mam\n"
	    "                       (and cold, only when named)\n"
	    "  --sizes LIST         fan-out room sizes (default "
	    "10,100,1000,10000)\n"
	    "  --deliveries N       stanzas per fan-out saturation run "
	    "(default 2000000)\n"
	    "  --half-secs S        half-load run length (default 3; 0 skips)\n"
	    "  --fanout-archive yes|no   archive_default of the fan-out runs "
	    "(default\n"
	    "                       yes, mucd's own)\n"
	    "  --archive-size N     the fan-out size run both ways, with a "
	    "ratio row\n"
	    "                       (default 1000; 0: none)\n"
	    "  --archive-reps R     pairs of those runs, alternating "
	    "(default 3)\n"
	    "  --mam-messages M     messages archived before the MAM queries "
	    "(default\n"
	    "                       1000000)\n"
	    "  --mam-queries K      MAM queries by id and by start time, each "
	    "(default\n"
	    "                       1000)\n"
	    "  --join-users N --join-rooms R   join storm (default 20000 "
	    "into 2000)\n"
	    "  --idle-rooms N       rooms for the per-room RSS (default "
	    "10000)\n"
	    "  --churn-secs S       presence churn length (default 5)\n"
	    "  --datadir DIR --cold-rooms N --cold-joins K   cold: mucd over\n"
	    "                       DIR with N stored rooms, K first joins\n"
	    "  --churn-stable N --churn-users M   churn: N stable occupants,\n"
	    "                       M churners (default 100, 20)\n"
	    "  --admin-ops N        affiliation changes per run (default "
	    "2000)\n"
	    "  --clients N          e2e c2s clients (default 2000)\n"
	    "  --e2e-deliveries N   e2e stanzas per fan-out run (default "
	    "300000)\n"
	    "  --catchup-clients N  e2e MAM catch-up clients (default 100)\n"
	    "  --e2e-reps R         e2e fan-out runs of each mode, the modes "
	    "taking\n"
	    "                       turns; ratios are medians (default 3)\n"
	    "  --e2e-modes LIST     e2e modes to run: copy,multicast,server "
	    "(default all)\n"
	    "  --wrap CMD           run mucd under CMD (e.g. valgrind ...)\n"
	    "  --callgrind-phases   callgrind_control --dump at phase edges\n"
	    "  --no-pin             do not pin mucbench/mucd to CPUs 0/1\n"
	    "  --keep               keep the scratch directories\n");
	exit(2);
}

static unsigned long
num(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		die("bad number '%s' (%lu..%lu)", s, min, max);
	return v;
}

static bool
yes_no(const char *s)
{
	if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
		die("bad value '%s' (yes or no)", s);
	return strcmp(s, "yes") == 0;
}

static void
sizes(struct opts *o, const char *list)
{
	char copy[256], *t, *save = NULL;

	fmt(copy, sizeof(copy), "%s", list);
	o->nsizes = 0;
	for (t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == sizeof(o->sizes) / sizeof(o->sizes[0]))
			die("too many sizes");
		o->sizes[o->nsizes++] = (unsigned)num(t, 2, 1000000);
	}
}

static void
defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mucd = "mucd/mucd";
	o->prosody = "prosody";
	o->results = "bench/results.json";
	o->git = getenv("MUCBENCH_GIT") ? getenv("MUCBENCH_GIT") : "unknown";
	sizes(o, "10,100,1000,10000");
	o->deliveries = 2000000;
	o->fan_archive = true;
	o->arch_size = 1000;
	o->arch_reps = 3;
	o->mam_messages = 1000000;
	o->mam_queries = 1000;
	o->catchup_clients = 100;
	o->half_secs = 3;
	o->join_users = 20000;
	o->join_rooms = 2000;
	o->idle_rooms = 10000;
	o->churn_stable = 100;
	o->churn_users = 20;
	o->churn_secs = 5;
	o->admin_ops = 2000;
	o->cold_joins = 1000;
	o->e2e_clients = 2000;
	o->e2e_deliveries = 300000;
	o->e2e_reps = 3;
	o->pin = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

enum { O_MUCD = 256, O_PROSODY, O_RESULTS, O_ONLY, O_SIZES, O_DELIV,
	O_HALF, O_JU, O_JR, O_IDLE, O_CHURN, O_ADMIN, O_CLIENTS, O_E2ED, O_E2ER, O_E2EM,
	O_WRAP, O_CG, O_NOPIN, O_KEEP, O_CSTABLE, O_CUSERS, O_DATADIR,
	O_CROOMS, O_CJOINS, O_FANARCH, O_ARCHSIZE, O_ARCHREPS, O_MAMMSG, O_MAMQ, O_CATCHUP };

static const struct option longopts[] = {
	{ "mucd", 1, NULL, O_MUCD }, { "prosody", 1, NULL, O_PROSODY },
	{ "results", 1, NULL, O_RESULTS }, { "only", 1, NULL, O_ONLY },
	{ "sizes", 1, NULL, O_SIZES }, { "deliveries", 1, NULL, O_DELIV },
	{ "half-secs", 1, NULL, O_HALF }, { "join-users", 1, NULL, O_JU },
	{ "join-rooms", 1, NULL, O_JR }, { "idle-rooms", 1, NULL, O_IDLE },
	{ "churn-secs", 1, NULL, O_CHURN }, { "admin-ops", 1, NULL, O_ADMIN },
	{ "clients", 1, NULL, O_CLIENTS }, { "e2e-reps", 1, NULL, O_E2ER },
	{ "e2e-modes", 1, NULL, O_E2EM },
	{ "e2e-deliveries", 1, NULL, O_E2ED }, { "wrap", 1, NULL, O_WRAP },
	{ "callgrind-phases", 0, NULL, O_CG }, { "no-pin", 0, NULL, O_NOPIN },
	{ "keep", 0, NULL, O_KEEP },
	{ "churn-stable", 1, NULL, O_CSTABLE },
	{ "churn-users", 1, NULL, O_CUSERS }, { "datadir", 1, NULL, O_DATADIR },
	{ "cold-rooms", 1, NULL, O_CROOMS }, { "cold-joins", 1, NULL, O_CJOINS },
	{ "fanout-archive", 1, NULL, O_FANARCH },
	{ "archive-size", 1, NULL, O_ARCHSIZE },
	{ "archive-reps", 1, NULL, O_ARCHREPS },
	{ "mam-messages", 1, NULL, O_MAMMSG },
	{ "mam-queries", 1, NULL, O_MAMQ },
	{ "catchup-clients", 1, NULL, O_CATCHUP },
	{ NULL, 0, NULL, 0 }
};

static void
option(struct opts *o, int c, const char *a)
{
	switch (c) {
	case O_MUCD:	o->mucd = a; break;
	case O_PROSODY:	o->prosody = a; break;
	case O_RESULTS:	o->results = a; break;
	case O_ONLY:	o->only = a; break;
	case O_SIZES:	sizes(o, a); break;
	case O_DELIV:	o->deliveries = num(a, 100, 1000000000); break;
	case O_HALF:	o->half_secs = (double)num(a, 0, 600); break;
	case O_JU:	o->join_users = (unsigned)num(a, 1, 1000000); break;
	case O_JR:	o->join_rooms = (unsigned)num(a, 1, 1000000); break;
	case O_IDLE:	o->idle_rooms = (unsigned)num(a, 1, 1000000); break;
	case O_CHURN:	o->churn_secs = (unsigned)num(a, 1, 86400); break;
	case O_CSTABLE:	o->churn_stable = (unsigned)num(a, 1, 100000); break;
	case O_CUSERS:	o->churn_users = (unsigned)num(a, 1, 100000); break;
	case O_DATADIR:	o->datadir = a; break;
	case O_CROOMS:	o->cold_rooms = (unsigned)num(a, 1, 100000000); break;
	case O_CJOINS:	o->cold_joins = (unsigned)num(a, 1, 1000000); break;
	case O_ADMIN:	o->admin_ops = (unsigned)num(a, 1, 10000000); break;
	case O_CLIENTS:	o->e2e_clients = (unsigned)num(a, 2, 100000); break;
	case O_E2EM:	o->e2e_modes = a; break;
	case O_E2ER:	o->e2e_reps = (unsigned)num(a, 1, E2E_MAX_REPS); break;
	case O_E2ED:	o->e2e_deliveries = num(a, 100, 1000000000); break;
	case O_FANARCH:	o->fan_archive = yes_no(a); break;
	case O_ARCHSIZE: o->arch_size = (unsigned)num(a, 0, 1000000); break;
	case O_ARCHREPS: o->arch_reps = (unsigned)num(a, 1, 20); break;
	/* Bounded by mucbench's own memory: ~60 bytes a message. */
	case O_MAMMSG:	o->mam_messages = num(a, 1000, 50000000); break;
	case O_MAMQ:	o->mam_queries = (unsigned)num(a, 2, 1000000); break;
	case O_CATCHUP:	o->catchup_clients = (unsigned)num(a, 1, 100000); break;
	case O_WRAP:	o->wrap = a; break;
	case O_CG:	o->cg_phases = true; break;
	case O_NOPIN:	o->pin = false; break;
	case O_KEEP:	o->keep = true; break;
	default:	usage();
	}
}

static bool
wanted(const struct opts *o, const char *name)
{
	char copy[256], *t, *save = NULL;

	if (o->only == NULL)
		return true;
	fmt(copy, sizeof(copy), "%s", o->only);
	for (t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save))
		if (strcmp(t, name) == 0)
			return true;
	return false;
}

static int
run_component(struct bench *b)
{
	unsigned i;
	int fails = 0;

	if (b->o.pin && pin_self(0) == -1)
		warnx_("cannot pin to CPU 0; continuing unpinned");
	table_header(stdout);
	for (i = 0; i < b->o.nsizes && wanted(&b->o, "fanout"); i++)
		if (b->o.sizes[i] == b->o.arch_size)
			fails += scen_fanout_archive(b, b->o.sizes[i]) != 0;
		else
			fails += scen_fanout(b, b->o.sizes[i],
			    b->o.fan_archive, NULL) != 0;
	if (wanted(&b->o, "fanout") && b->o.arch_size > 0)
		fails += scen_fanout_repl(b, b->o.arch_size) != 0;
	if (wanted(&b->o, "joins"))
		fails += scen_joins(b) != 0;
	if (wanted(&b->o, "rooms"))
		fails += scen_rooms(b) != 0;
	if (wanted(&b->o, "churn"))
		fails += scen_churn(b) != 0;
	/* Only when asked for by name: it needs a prepared data directory. */
	if (b->o.only != NULL && strstr(b->o.only, "cold") != NULL)
		fails += scen_cold(b) != 0;
	if (wanted(&b->o, "admin"))
		fails += scen_admin(b) != 0;
	if (wanted(&b->o, "mam"))
		fails += scen_mam(b) != 0;
	return fails;
}

int
main(int argc, char **argv)
{
	static struct bench b;
	int c, fails;

	defaults(&b.o);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		option(&b.o, c, optarg);
	if (optind != argc - 1)
		usage();
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
	signal(SIGPIPE, SIG_IGN);
	if ((b.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	b.link.fd = b.lfd = -1;
	machine_info(b.machine, sizeof(b.machine), b.cpumodel,
	    sizeof(b.cpumodel));
	if ((b.json = fopen(b.o.results, "a")) == NULL)
		die("%s: %s", b.o.results, strerror(errno));
	printf("mucbench: %s; mucd %s%s%s; git %s\n", b.machine, b.o.mucd,
	    b.o.wrap ? " under " : "", b.o.wrap ? b.o.wrap : "", b.o.git);
	if (strcmp(argv[optind], "component") == 0)
		fails = run_component(&b);
	else if (strcmp(argv[optind], "e2e") == 0)
		fails = run_e2e(&b, E2E_PROSODY);
	else if (strcmp(argv[optind], "e2e-ejabberd") == 0)
		fails = run_e2e(&b, E2E_EJABBERD);
	else
		usage();
	fclose(b.json);
	free(b.dirty);
	if (fails)
		warnx_("%d scenario(s) failed", fails);
	return fails ? 1 : 0;
}
