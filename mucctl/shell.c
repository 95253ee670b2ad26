/*
 * shell: the interactive mode — readline editing, a persistent history,
 * tab completion (complete.c), and the same commands and output as the
 * command line, through exec_argv(). Without a terminal it reads commands
 * from standard input, one per line, for scripts.
 */
#include "mucctl.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#define HISTORY_MAX	1000
#define PROMPT		"mucctl> "

/*
 * Set by SIGINT. A signal handler can reach no context pointer, so this
 * flag is the one piece of global state; m->interrupted points at it so
 * the client can abandon a request when the user presses ^C.
 */
static volatile sig_atomic_t got_sigint;

static void
on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* ^C at the prompt: drop the line and start a fresh one, like a shell.
 * Readline calls this when its read() is interrupted by our signal. */
static int
signal_hook(void)
{
	if (!got_sigint)
		return 0;
	got_sigint = 0;
	rl_replace_line("", 0);
	rl_crlf();
	rl_on_new_line();
	rl_redisplay();
	return 0;
}

/* No SA_RESTART: a blocking read must return EINTR so ^C can stop it. */
static void
catch_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

char *
shell_history_path(void)
{
	const char *env = getenv("MUCCTL_HISTORY"), *home;
	struct passwd *pw;
	char *path;

	if (env != NULL)
		return *env != '\0' ? strdup(env) : NULL;
	if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/')
		return asprintf(&path, "%s/mucctl_history", env) == -1 ?
		    NULL : path;
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = (pw = getpwuid(getuid())) ? pw->pw_dir : NULL;
	if (home == NULL)
		return NULL;
	return asprintf(&path, "%s/.mucctl_history", home) == -1 ? NULL : path;
}

static void
history_setup(struct mucctl *m)
{
	using_history();
	stifle_history(HISTORY_MAX);
	if ((m->history_path = shell_history_path()) == NULL)
		return;
	/* Missing is normal the first time; anything else is worth a word. */
	if (read_history(m->history_path) != 0 && errno != ENOENT)
		fprintf(stderr, "mucctl: history %s: %s\n", m->history_path,
		    strerror(errno));
}

/*
 * Each line goes to the file at once (several shells may run, and one
 * may be killed). A line that starts with a space is not kept, as in
 * bash — for passwords given in room settings.
 */
static void
history_keep(struct mucctl *m, const char *line)
{
	HIST_ENTRY *last = history_length > 0 ?
	    history_get(history_base + history_length - 1) : NULL;
	int fd;

	if (line[0] == ' ' || line[strspn(line, " \t")] == '\0')
		return;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (m->history_path == NULL)
		return;
	/* append_history() does not create the file; keep it private. */
	if ((fd = open(m->history_path, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600)) != -1)
		close(fd);
	append_history(1, m->history_path);
}

static void
history_done(struct mucctl *m)
{
	if (m->history_path != NULL)
		history_truncate_file(m->history_path, HISTORY_MAX);
}

/* One line: split it and run it. -1 means "leave the shell". */
static int
run_line(struct mucctl *m, const char *line, int *status)
{
	struct words w;

	if (words_split(&w, line, strlen(line)) == -1) {
		fprintf(stderr, "mucctl: out of memory\n");
		*status = EXIT_UNREACHABLE;
		return 0;
	}
	if (w.open_quote) {
		fprintf(stderr, "mucctl: unterminated quote\n");
		*status = EXIT_USAGE;
	} else if (w.n > 0 && (strcmp(w.v[0], "quit") == 0 ||
	    strcmp(w.v[0], "exit") == 0)) {
		words_free(&w);
		return -1;
	} else if (w.n > 0) {
		got_sigint = 0;
		*status = exec_argv(m, w.n, w.v);
	}
	words_free(&w);
	return 0;
}

static int
interactive(struct mucctl *m)
{
	int status = EXIT_DONE;
	char *line;

	printf("mucctl %s: `help` lists the commands, `quit` leaves.\n",
	    MUCD_VERSION);
	complete_setup(m);
	history_setup(m);
	rl_catch_signals = 0;
	rl_signal_event_hook = signal_hook;
	while ((line = readline(PROMPT)) != NULL) {
		history_keep(m, line);
		if (run_line(m, line, &status) == -1) {
			free(line);
			break;
		}
		free(line);
	}
	if (line == NULL)
		putchar('\n');
	history_done(m);
	return status;
}

/* Without a terminal: commands from stdin, no prompt, no history. */
static int
batch(struct mucctl *m)
{
	int status = EXIT_DONE;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (run_line(m, line, &status) == -1)
			break;
	}
	free(line);
	return status;
}

int
shell_run(struct mucctl *m)
{
	m->in_shell = true;
	m->interrupted = &got_sigint;
	catch_sigint();
	return isatty(STDIN_FILENO) ? interactive(m) : batch(m);
}
