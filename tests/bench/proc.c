/*
 * proc: child processes (mucd, Prosody, the scripts that start ejabberd)
 * and what /proc says about them and about a daemon's process tree.
 */
#include "mucbench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
child(char *const argv[], const char *logpath, int cpu)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	sigset_t none;

	if (fd == -1)
		_exit(126);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd != -1) {
		dup2(fd, 0);
		close(fd);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "mucbench: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
proc_spawn(struct proc *p, const char *name, char *const argv[],
    const char *logpath, int cpu)
{
	memset(p, 0, sizeof(*p));
	fmt(p->name, sizeof(p->name), "%s", name);
	fmt(p->log, sizeof(p->log), "%s", logpath);
	fflush(NULL);
	p->pid = fork();
	if (p->pid == -1) {
		warnx_("fork: %s", strerror(errno));
		p->pid = 0;
		return -1;
	}
	if (p->pid == 0)
		child(argv, logpath, cpu);
	return 0;
}

int
proc_run(char *const argv[], const char *logpath)
{
	struct proc p;
	int st;

	if (proc_spawn(&p, argv[0], argv, logpath, -1) == -1)
		return -1;
	while (waitpid(p.pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A process that is not our child (a daemon a script started): alive
 * while kill(pid, 0) finds it. */
static bool
foreign_alive(struct proc *p)
{
	if (kill(p->pid, 0) == 0 || errno == EPERM)
		return true;
	warnx_("%s (pid %d) is gone; see %s", p->name, (int)p->pid, p->log);
	p->pid = 0;
	return false;
}

bool
proc_alive(struct proc *p)
{
	pid_t r;
	int st;

	if (p->pid <= 0)
		return false;
	if ((r = waitpid(p->pid, &st, WNOHANG)) == -1 && errno == ECHILD)
		return foreign_alive(p);
	if (r == p->pid) {
		warnx_("%s (pid %d) exited: %s %d; see %s", p->name,
		    (int)p->pid, WIFSIGNALED(st) ? "signal" : "status",
		    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), p->log);
		p->pid = 0;
		return false;
	}
	return true;
}

static int
wait_ms(pid_t pid, unsigned ms, int *st)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned waited;

	for (waited = 0; waited <= ms; waited += 10) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid || (r == -1 && errno == ECHILD))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
proc_stop(struct proc *p, unsigned ms)
{
	int st = 0;

	if (p->pid <= 0)
		return 0;
	kill(p->pid, SIGTERM);
	if (wait_ms(p->pid, ms, &st) == -1) {
		warnx_("%s (pid %d) ignored SIGTERM for %u ms: killed",
		    p->name, (int)p->pid, ms);
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &st, 0);
	}
	p->pid = 0;
	return st;
}

/* /proc/PID/stat from its third field (state) on, past "pid (comm) ":
 * comm may hold spaces and parentheses. NULL if pid is gone. */
static const char *
stat_fields(pid_t pid, char *line, int len)
{
	char path[64], *rp;
	FILE *f;

	fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	rp = fgets(line, len, f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return rp != NULL ? rp + 2 : NULL;
}

double
proc_cpu_s(pid_t pid)
{
	char line[1024];
	const char *p = stat_fields(pid, line, sizeof(line));
	unsigned long long ut, stt;

	/* From state, field 3: utime is 14, stime 15. */
	if (p == NULL || sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u "
	    "%*u %*u %*u %llu %llu", &ut, &stt) != 2)
		return -1;
	return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* A schedstat file (a process's or a thread's): ns run, ns waiting. */
static int
schedstat(const char *path, uint64_t *run, uint64_t *wait)
{
	unsigned long long r, w;
	FILE *f;
	int n;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fscanf(f, "%llu %llu", &r, &w);
	fclose(f);
	if (n != 2)
		return -1;
	*run = r;
	*wait = w;
	return 0;
}

int
proc_sched_ns(pid_t pid, uint64_t *run, uint64_t *wait)
{
	char path[64];

	fmt(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	return schedstat(path, run, wait);
}

double
proc_sched_s(pid_t pid)
{
	uint64_t run, wait;

	return proc_sched_ns(pid, &run, &wait) == 0 ? (double)run / 1e9 :
	    proc_cpu_s(pid);
}

/* The parent pid in /proc/PID/stat (field 4, after "pid (comm) state"). */
static pid_t
parent_of(pid_t pid)
{
	char line[1024];
	const char *p = stat_fields(pid, line, sizeof(line));
	int ppid;

	if (p == NULL || sscanf(p, "%*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* One process's threads: /proc/PID/schedstat is its main thread's alone. */
static double
threads_sched_s(pid_t pid)
{
	char path[64];
	struct dirent *d;
	double s = 0;
	DIR *dir;

	fmt(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		char tpath[128];
		uint64_t run, wait;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		fmt(tpath, sizeof(tpath), "%s/%s/schedstat", path, d->d_name);
		/* A thread that just ended has no file any more. */
		if (schedstat(tpath, &run, &wait) == 0)
			s += (double)run / 1e9;
	}
	closedir(dir);
	return s;
}

/* A multi-threaded daemon with helper processes (ejabberd: beam.smp, its
 * erl_child_setup, the extauth script's VM): every thread of pid and of
 * its descendants, found by walking /proc once per generation. */
#define TREE_MAX	256

double
proc_tree_sched_s(pid_t pid)
{
	pid_t tree[TREE_MAX];
	size_t n = 1, seen = 0, i;
	double s = 0;

	tree[0] = pid;
	while (seen < n) {
		size_t from = seen, to = n;
		struct dirent *d;
		DIR *dir;

		seen = n;
		if ((dir = opendir("/proc")) == NULL)
			break;
		while ((d = readdir(dir)) != NULL && n < TREE_MAX) {
			pid_t q, pp;

			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			q = (pid_t)atoi(d->d_name);
			pp = parent_of(q);
			for (i = from; i < to; i++)
				if (pp == tree[i]) {
					tree[n++] = q;
					break;
				}
		}
		closedir(dir);
	}
	for (i = 0; i < n; i++)
		s += threads_sched_s(tree[i]);
	return s;
}

double
self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long
proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	fmt(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int
pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void
cpu_model(char *model, size_t mlen)
{
	char line[512], *c;
	FILE *f = fopen("/proc/cpuinfo", "r");

	fmt(model, mlen, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0 &&
		    (c = strchr(line, ':')) != NULL) {
			c += 2;
			c[strcspn(c, "\n")] = '\0';
			snprintf(model, mlen, "%s", c);
			break;
		}
	fclose(f);
}

void
machine_info(char *out, size_t len, char *model, size_t mlen)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	cpu_model(model, mlen);
	snprintf(out, len, "%ld CPUs, %s, %.1f GiB RAM",
	    sysconf(_SC_NPROCESSORS_ONLN), model,
	    (double)pages * (double)psz / (1024.0 * 1024 * 1024));
}

int
raise_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;	/* needs CAP_SYS_RESOURCE */
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		return -1;
	}
	return 0;
}
