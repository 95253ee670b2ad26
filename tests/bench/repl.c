/*
 * repl: a replication group around the component-mode mucd, to measure
 * what the group's acknowledgement costs (mucd(8), HIGH AVAILABILITY):
 * two replica sites on loopback, each a mucd with its own directory,
 * that can never be elected (priority 0), so the mucd that comp_start
 * runs is the master and the one on the link. repl_start before
 * comp_start (with the lines it gives for the master's configuration),
 * repl_stop after comp_stop.
 */
#include "mucbench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
replica_conf(struct bench *b, struct repl_group *g, int i)
{
	char extra[512], data[PATH_MAX + 16];
	int j;

	fmt(data, sizeof(data), "%s/s%d/data", g->dir, i + 2);
	fmt(extra, sizeof(extra), "repl_local = 127.0.0.1:%u\n"
	    "repl_priority = 0\nrepl_ack_policy = %s\nrepl_peers = "
	    "127.0.0.1:%u", g->port[i + 1], g->acks, g->port[0]);
	for (j = 1; j < 3; j++)
		if (j != i + 1)
			fmt(extra + strlen(extra), sizeof(extra) - strlen(extra),
			    ", 127.0.0.1:%u", g->port[j]);
	fmt(g->site_dir[i], sizeof(g->site_dir[i]), "%s/s%d", g->dir, i + 2);
	if (mkdir(g->site_dir[i], 0700) == -1 ||
	    comp_conf_write(b, g->site_dir[i], data, extra) == -1)
		die("cannot write %s/mucd.conf", g->site_dir[i]);
}

int
repl_start(struct bench *b, struct repl_group *g, const char *acks)
{
	char conf[PATH_MAX + 16], log[PATH_MAX + 16];
	char *argv[] = { (char *)b->o.mucd, "-f", "-c", conf, NULL };
	int i;

	memset(g, 0, sizeof(*g));
	fmt(g->acks, sizeof(g->acks), "%s", acks);
	fmt(g->dir, sizeof(g->dir), "/var/tmp/mucbench-repl.XXXXXX");
	if (mkdtemp(g->dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		if (free_port(&g->port[i]) == -1)
			die("no free loopback port: %s", strerror(errno));
	comp_prepare(b);
	for (i = 0; i < 2; i++) {
		replica_conf(b, g, i);
		fmt(conf, sizeof(conf), "%s/mucd.conf", g->site_dir[i]);
		fmt(log, sizeof(log), "%s/mucd.log", g->site_dir[i]);
		if (proc_spawn(&g->site[i], "mucd-replica", argv, log, -1) == -1)
			die("cannot start a replica mucd");
	}
	fmt(g->master_extra, sizeof(g->master_extra),
	    "repl_local = 127.0.0.1:%u\nrepl_priority = 100\n"
	    "repl_ack_policy = %s\n"
	    "repl_peers = 127.0.0.1:%u, 127.0.0.1:%u\n", g->port[0], acks,
	    g->port[1], g->port[2]);
	return 0;
}

int
repl_stop(struct bench *b, struct repl_group *g, int rc)
{
	int i, st;

	for (i = 0; i < 2; i++) {
		if (g->site[i].pid <= 0)
			continue;
		st = proc_stop(&g->site[i], 10000);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			warnx_("a replica mucd exited abnormally; log in %s",
			    g->site_dir[i]);
			rc = -1;
		}
	}
	if (!b->o.keep && rc == 0)
		rm_rf(g->dir);
	else
		fprintf(stderr, "mucbench: kept %s\n", g->dir);
	return rc;
}
