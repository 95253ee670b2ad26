#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"

static int ready_fd = -1;	/* to the waiting parent, until reported */
static bool readied;		/* READY=1 sent to systemd */

/* Parent: wait for the child's report ("+", "~msg", "-Nmsg") or its end,
 * and exit as it says. */
static void
await_child(int fd)
{
	char msg[512];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(msg) - 1 &&
	    (r = read(fd, msg + n, sizeof(msg) - 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		n += (size_t)r;
	}
	msg[n] = '\0';
	if (n > 0 && msg[0] == '+')
		_exit(0);
	if (n > 1 && msg[0] == '~') {
		fprintf(stderr, "mucd: %s\n", msg + 1);
		_exit(0);
	}
	if (n > 2 && msg[0] == '-' && msg[1] >= '1' && msg[1] <= '9') {
		fprintf(stderr, "mucd: %s\n", msg + 2);
		_exit(msg[1] - '0');
	}
	fprintf(stderr, "mucd: failed to start (see syslog)\n");
	_exit(1);
}

int
daemon_detach(char *err, size_t errlen)
{
	int p[2], fd;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		await_child(p[0]);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") == -1) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		return -1;
	}
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

/* The one report to the parent; nothing once it is gone or told. */
static void
report(const char *text)
{
	size_t n = strlen(text);

	if (ready_fd == -1)
		return;
	if (write(ready_fd, text, n) != (ssize_t)n) {
		/* The parent is gone; nothing to report to. */
	}
	close(ready_fd);
	ready_fd = -1;
}

static void
notify_ready(const char *status)
{
	char state[600];

	if (readied)
		return;
	readied = true;
	if (status == NULL)
		daemon_notify("READY=1");
	else {
		snprintf(state, sizeof(state), "READY=1\nSTATUS=%s", status);
		daemon_notify(state);
	}
}

void
daemon_ready(void)
{
	report("+");
	notify_ready(NULL);
}

void
daemon_waiting(const char *msg)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "~%s", msg);
	report(buf);
	notify_ready(msg);
}

void
daemon_fail(int status, const char *msg)
{
	char buf[512];

	if (status < 1 || status > 9)
		status = 1;
	snprintf(buf, sizeof(buf), "-%d%s", status, msg);
	report(buf);
}

int
daemon_pidfile_write(const char *path, char *err, size_t errlen)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
daemon_pidfile_remove(const char *path)
{
	if (path != NULL)
		unlink(path);
}

int
daemon_lookup_user(const struct conf *c, unsigned *uid, unsigned *gid,
    char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	if ((pw = getpwnam(c->user)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist", c->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (c->group != NULL) {
		if ((gr = getgrnam(c->group)) == NULL) {
			snprintf(err, errlen, "group '%s' does not exist",
			    c->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int
daemon_drop_privileges(unsigned uid, unsigned gid, char *err, size_t errlen)
{
	gid_t g = (gid_t)gid;

	if (setgroups(1, &g) == -1 || setresgid(g, g, g) == -1 ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) == -1) {
		snprintf(err, errlen, "dropping privileges: %s", strerror(errno));
		return -1;
	}
	/* Make sure it cannot be undone. */
	if (uid != 0 && setuid(0) != -1) {
		snprintf(err, errlen, "dropping privileges: root regained");
		return -1;
	}
	return 0;
}

void
daemon_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1) {
		/* systemd will time out and say so; nothing else to do. */
	}
	close(fd);
}
