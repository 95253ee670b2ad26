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

/* store.c's LOG_FILE_SIZE: a log position's file number counts these. */
#define LOG_FILE_BYTES	(2ULL << 20)

/* A site's log end ("log_end": "FILE/OFFSET" in its replication status),
 * as bytes of log; -1 if its mucctl could not say. */
static int
log_end(struct bench *b, struct repl_group *g, const char *dir,
    unsigned long long *at)
{
	char mucctl[PATH_MAX], sock[PATH_MAX + 16], out[PATH_MAX + 16];
	char *argv[] = { mucctl, "-s", sock, "--json", "replication",
		"status", NULL };
	char buf[16384], *p, *slash;
	unsigned file, off;
	FILE *fp;
	size_t n;

	fmt(mucctl, sizeof(mucctl), "%s", b->o.mucd);
	if ((slash = strrchr(mucctl, '/')) != NULL)
		fmt(slash + 1, sizeof(mucctl) - (size_t)(slash + 1 - mucctl),
		    "../mucctl/mucctl");
	else
		fmt(mucctl, sizeof(mucctl), "../mucctl/mucctl");
	fmt(sock, sizeof(sock), "%s/mucd.sock", dir);
	fmt(out, sizeof(out), "%s/status.json", g->dir);
	if (proc_run(argv, out) != 0 || (fp = fopen(out, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strstr(buf, "\"log_end\"")) == NULL ||
	    (p = strchr(p + 9, '"')) == NULL ||
	    sscanf(p + 1, "%u/%u", &file, &off) != 2)
		return -1;
	*at = file * LOG_FILE_BYTES + off;
	return 0;
}

int
repl_lag(struct bench *b, struct repl_group *g, const char *what, unsigned n)
{
	unsigned long long m, r[2], behind = 0;
	uint64_t t0, t;
	struct row row;
	char p[64];
	int i, caught = 0;

	if (log_end(b, g, b->dir, &m) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (log_end(b, g, g->site_dir[i], &r[i]) == -1)
			return -1;
		if (m > r[i] && m - r[i] > behind)
			behind = m - r[i];
	}
	/* From the first reading: each further one costs a mucctl run
	 * (tens of ms), which bounds the resolution. */
	t0 = now_ns();
	while (caught < 2 && now_ns() - t0 < 60000000000ULL) {
		for (caught = 0, i = 0; i < 2; i++)
			if (r[i] >= m || (log_end(b, g, g->site_dir[i],
			    &r[i]) == 0 && r[i] >= m))
				caught++;
		if (caught < 2)
			usleep(10000);
	}
	t = now_ns() - t0;
	if (caught < 2)
		warnx_("%s: a replica did not catch up within 60 s", what);
	fmt(p, sizeof(p), "%s N=%u quorum of 3", what, n);
	row_init(&row, "repl-lag", p);
	row.rate = (double)behind / 1024;
	fmt(row.unit, sizeof(row.unit), "KiB behind");
	row_num(&row, "bytes_behind", (double)behind);
	row_num(&row, "catch_up_ms", (double)t / 1e6);
	fmt(row.note, sizeof(row.note), "at the load's end the farthest "
	    "replica trailed by %.0f KiB; all had it %.0f ms later",
	    (double)behind / 1024, (double)t / 1e6);
	emit(b, &row);
	return caught == 2 ? 0 : -1;
}
