/*
 * ejabberd: the server of `mucbench e2e-ejabberd`, Debian's ejabberd,
 * started and stopped by tests/ejabberd/ejabberd.sh, the fixture of
 * `make check-ejabberd`, so that one configuration serves both: c2s for
 * any user and password, the component listener for mucd, mod_multicast
 * set up for mucd as README.md says (the multicast mode), or instead of
 * the component ejabberd's own mod_muc and mod_mam on the same domain
 * (the reference). The fixture writes the ports, the component secret and
 * the VM's pid into DIR/env.
 *
 * Its CPU is the whole beam.smp process tree's: the VM runs a scheduler
 * thread per core plus I/O threads, and the extauth script is a VM of its
 * own; counting the main thread, as for Prosody, would miss nearly all.
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>

#ifndef MUCBENCH_EJABBERD
#error MUCBENCH_EJABBERD: the path of tests/ejabberd/ejabberd.sh
#endif

/* DIR/env: C2S_PORT, COMPONENT_PORT, COMPONENT_SECRET, EJABBERD_PID. */
static int
read_env(struct e2e *e, const char *path, pid_t *pid)
{
	char line[256];
	unsigned long port;
	int p, got = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "C2S_PORT=%lu", &port) == 1 && port > 0 &&
		    port < 65536) {
			e->c2s_port = (unsigned short)port;
			got |= 1;
		} else if (sscanf(line, "COMPONENT_PORT=%lu", &port) == 1 &&
		    port > 0 && port < 65536) {
			e->comp_port = (unsigned short)port;
			got |= 2;
		} else if (strncmp(line, "COMPONENT_SECRET=", 17) == 0 &&
		    strlen(line + 17) == sizeof(e->secret) - 1) {
			memcpy(e->secret, line + 17, sizeof(e->secret));
			got |= 4;
		} else if (sscanf(line, "EJABBERD_PID=%d", &p) == 1 && p > 0) {
			*pid = (pid_t)p;
			got |= 8;
		}
	}
	fclose(f);
	return got == 15 ? 0 : -1;
}

static int
start_ejabberd(struct e2e *e)
{
	struct bench *b = e->b;
	char env[PATH_MAX + 32], log[PATH_MAX + 32];
	char *argv[] = { "env", "EJABBERD_LOGLEVEL=warning",
	    e->multicast ? "EJABBERD_MULTICAST=1" : "EJABBERD_MULTICAST=",
	    e->component ? "EJABBERD_MUC=" : "EJABBERD_MUC=1",
	    "sh", MUCBENCH_EJABBERD, "start", b->dir, NULL };
	pid_t pid = 0;

	fmt(log, sizeof(log), "%s/fixture.out", b->dir);
	fmt(env, sizeof(env), "%s/env", b->dir);
	if (proc_run(argv, log) != 0 || read_env(e, env, &pid) == -1) {
		warnx_("ejabberd did not start; see %s", log);
		return -1;
	}
	memset(&b->server, 0, sizeof(b->server));
	b->server.pid = pid;
	fmt(b->server.name, sizeof(b->server.name), "ejabberd");
	fmt(b->server.log, sizeof(b->server.log), "%s/ejabberd/log/"
	    "ejabberd.log", b->dir);
	return 0;
}

static void
stop_ejabberd(struct e2e *e)
{
	struct bench *b = e->b;
	char log[PATH_MAX + 32];
	char *argv[] = { "sh", MUCBENCH_EJABBERD, "stop", b->dir, NULL };

	fmt(log, sizeof(log), "%s/fixture.out", b->dir);
	if (proc_run(argv, log) != 0)
		warnx_("ejabberd.sh stop failed; see %s", log);
	b->server.pid = 0;
}

const struct e2e_server e2e_ejabberd = {
	.name = "ejabberd",
	.start = start_ejabberd,
	.stop = stop_ejabberd,
	.cpu = proc_tree_sched_s,
	.multicast = "multicast.localhost",	/* the fixture's mod_multicast */
	.archive_var = "mam",
};
