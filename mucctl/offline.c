/*
 * offline: commands for when the daemon is not running. mucctl does not
 * touch the database itself: it starts `mucd -m` (the daemon in
 * maintenance mode) on the data directory, with a socketpair as its
 * control connection, and speaks the same protocol to it as to the
 * service. So an offline command runs the daemon's own code — the same
 * checks, messages and results — and the daemon's own privilege drop and
 * store lock (a running daemon holds it, and maintenance mode then
 * refuses to start).
 *
 * One maintenance daemon per command: the store is opened for one
 * command and closed after it, so the lock is never held longer than
 * that (the shell may run for hours).
 */
#include "mucctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *
mucd_path(void)
{
	const char *p = getenv("MUCCTL_MUCD");

	return p != NULL && *p != '\0' ? p : MUCCTL_MUCD_PATH;
}

/* In the child: become `mucd -m` on fd 0, or say why not on it. */
static void
exec_mucd(struct mucctl *m, int fd, const char *dir)
{
	const char *argv[8], *path = mucd_path();
	char msg[1024], *line;
	json_t *reply;
	int n = 0;

	/* Its own process group: a ^C at the shell interrupts mucctl,
	 * which then hangs up, and the command ends cleanly. */
	setpgid(0, 0);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(STDERR_FILENO,
	    STDOUT_FILENO) == -1)
		_exit(127);
	argv[n++] = "mucd";
	argv[n++] = "-m";
	argv[n++] = "-D";
	argv[n++] = dir;
	if (m->conf_state == CONF_OK) {
		argv[n++] = "-c";
		argv[n++] = m->conf_path;
	}
	argv[n] = NULL;
	execv(path, (char *const *)argv);
	/* As the daemon would refuse: mucctl reads it as hello's reply. */
	snprintf(msg, sizeof(msg), "cannot run %s: %s (offline mode runs the "
	    "daemon in maintenance mode; MUCCTL_MUCD names another)", path,
	    strerror(errno));
	reply = json_pack("{s:n,s:b,s:{s:s,s:s}}", "id", "ok", 0, "error",
	    "code", ctl_errs[CTL_E_UNAVAILABLE].code, "message", msg);
	if (reply != NULL && (line = json_dumps(reply, JSON_COMPACT)) != NULL &&
	    write(STDIN_FILENO, line, strlen(line)) > 0)
		(void)!write(STDIN_FILENO, "\n", 1);
	_exit(127);
}

static int
spawn(struct mucctl *m, const char *dir, struct mc_err *e)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return mc_fail(e, EXIT_UNREACHABLE, "", "socketpair: %s",
		    strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return mc_fail(e, EXIT_UNREACHABLE, "", "fork: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		exec_mucd(m, sv[1], dir);
	}
	close(sv[1]);
	return client_attach(m, sv[0], (int)pid, e);
}

int
offline_run(struct mucctl *m, const struct command *c, json_t *args,
    json_t **result, struct mc_err *e)
{
	const char *dir = ctx_datadir(m, e);
	int rc;

	*result = NULL;
	/* A paged command keeps its maintenance daemon for every page. */
	if (m->client.pid == -1 && (dir == NULL || spawn(m, dir, e) == -1))
		return -1;
	rc = client_has(m, c->cmd, e);
	if (rc == 0)
		rc = client_call(m, c->cmd, args, result, e);
	if (!m->hold_offline || rc == -1)
		client_close(&m->client);
	return rc;
}
