/*
 * mucctl: the administration tool for mucd — one-shot commands, an
 * interactive shell, and an offline mode for when the daemon is not
 * running, in which mucctl starts `mucd -m` (the daemon in maintenance
 * mode) on the database and speaks the same protocol to it. See mucctl(8).
 *
 * Everything mucctl knows lives in one struct mucctl, created in main()
 * and passed down; there is no other mutable global state except where a
 * C API gives no way to pass a pointer (readline's completion callbacks,
 * the SIGINT flag), and those places say so.
 *
 * Files:
 *   main.c      global options, one-shot dispatch, exit status
 *   ctx.c       the context: configuration, socket path, data directory
 *   commands.c  the command table (names, arguments, options, help text)
 *   parse.c     a command's argv to the protocol's JSON args
 *   exec.c      run one command: parse, online or offline, print
 *   client.c    the control protocol: framing, bounded reads, replies
 *   offline.c   offline mode: `mucd -m` on the data directory
 *   output.c    tables, times, JSON printing
 *   render.c    human output of each command's result
 *   help.c      usage and help text generated from the command table
 *   shellwords.c  shell-style splitting of a line into words
 *   shell.c     the interactive shell (readline, history, signals)
 *   complete.c  tab completion for the shell
 *   import.c    `import prosody`: another server's rooms as a rooms
 *               document
 */
#ifndef MUCCTL_H
#define MUCCTL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "conf.h"
#include "ctlproto.h"

#define MUCCTL_FALLBACK_SOCKET	"/run/mucd/mucd.sock"
#define MUCCTL_MAX_REPLY	(64u << 20)	/* one reply line, bytes */
#define MUCCTL_MAX_FILE		(16u << 20)	/* a file sent, bytes */
/* The daemon offline mode runs; MUCCTL_MUCD in the environment
 * overrides it (tests, a build tree). */
#ifndef MUCCTL_MUCD_PATH
#define MUCCTL_MUCD_PATH	"/usr/sbin/mucd"
#endif
/* The exporter `import prosody` runs with Prosody's Lua (import.c);
 * MUCCTL_PROSODY_IMPORT in the environment overrides it. */
#ifndef MUCCTL_PROSODY_IMPORT_PATH
#define MUCCTL_PROSODY_IMPORT_PATH	"/usr/share/mucd/mucd-import.lua"
#endif

/* Exit statuses (mucctl(8)): the classes of the protocol's errors. */
enum {
	EXIT_DONE = CTL_CLASS_OK,
	EXIT_REFUSED = CTL_CLASS_REFUSED,
	EXIT_USAGE = CTL_CLASS_USAGE,
	EXIT_UNREACHABLE = CTL_CLASS_UNREACHABLE
};

/* An error on its way to the user: what to print and how to exit. */
struct mc_err {
	int	 status;	/* EXIT_* */
	bool	 absent;	/* connect: nobody listens (offline may help) */
	char	 code[32];	/* protocol error code, "" for local errors */
	char	 condition[48];	/* XMPP condition behind it, or "" */
	char	 master[272];	/* not-master: the master, "" if none */
	char	 msg[1024];
};

/* ---- commands.c ---- */

enum arg_kind {
	A_ROOM,		/* room JID or local part */
	A_JID,		/* a bare JID */
	A_NICK,		/* an occupant's nick */
	A_AFF,		/* owner|admin|member|outcast */
	A_AFF_NONE,	/* the same or none */
	A_ROLE,		/* none|visitor|participant|moderator */
	A_TEXT,		/* the rest of the line, joined with spaces */
	A_SETTINGS,	/* key=value... into an object */
	A_DIR,		/* a directory, made absolute */
	A_WORD,		/* any other single word (a URI, say) */
	A_FILE_IN,	/* a file mucctl reads: its bytes, in base64 */
	A_FILE_OUT,	/* a file mucctl writes (render): its path */
	A_ROOMS,	/* rooms to the end of the line, into an array */
	A_FILE		/* a file mucctl itself reads */
};

#define ARG_OPTIONAL	0x1

struct arg_spec {
	const char	*meta;		/* ROOM */
	const char	*key;		/* "room" in the JSON args */
	enum arg_kind	 kind;
	unsigned	 flags;
};

enum opt_kind { O_STR, O_JID, O_UINT, O_FLAG, O_JIDS /* repeatable */ };

struct opt_spec {
	const char	*name;		/* "reason" for --reason */
	const char	*key;		/* JSON key */
	enum opt_kind	 kind;
	const char	*meta;		/* R */
	const char	*help;
};

struct mucctl;
struct command;
typedef void (*render_fn)(struct mucctl *, const struct command *,
    json_t *args, json_t *result);

#define MC_LOCAL	CTL_NCMDS	/* a command of mucctl's own */

struct command {
	const char		*words;		/* "room show" */
	enum ctl_cmd		 cmd;		/* or MC_LOCAL */
	const struct arg_spec	*args;		/* {NULL}-terminated */
	const struct opt_spec	*opts;		/* {NULL}-terminated */
	const char		*summary;	/* one line */
	const char		*help;		/* paragraph */
	const char		*examples;	/* lines, "\n"-separated */
	render_fn		 render;
};

/* Does c work without the running daemon (offline mode)? */
static inline bool
command_offline(const struct command *c)
{
	return c->cmd != MC_LOCAL && !(ctl_cmds[c->cmd].flags & CTL_ONLINE);
}

extern const struct command mc_commands[];
/* The command named by the leading words of argv; *used says how many. */
const struct command *command_find(int argc, char **argv, int *used);
/* The command that sends protocol command id (buf, filled, for one that
 * mucctl has no command of its own for, such as room.destroy's). */
const struct command *command_of(enum ctl_cmd id, struct command *buf);
/* Is word the first word of a multi-word group ("room", "nick")? */
bool	 command_is_group(const char *word);
/* How many of the leading words of argv name a group ("room", "room
 * avatar"): the first words of longer commands. 0: none. */
int	 command_group_words(int argc, char **argv);
/* n words joined with spaces into out ("room avatar"). */
void	 command_join(int n, char **words, char *out, size_t len);
/* Number of words in c->words. */
int	 command_nwords(const struct command *);
/* The command word (of group, when not NULL) closest to a mistyped one,
 * into out, or NULL if none is close. */
const char *command_suggest(const char *group, const char *word, char *out,
	    size_t outlen);

/* ---- ctx.c ---- */

enum conf_state { CONF_OK, CONF_UNREADABLE, CONF_INVALID };

struct client {
	int		 fd;		/* -1: not connected */
	int		 pid;		/* offline: the `mucd -m` child, or -1 */
	struct buf	 in;		/* bytes read past the last reply */
	long long	 next_id;
	char		 domain[1024];	/* the service, from "hello" */
	char		 version[64];	/* mucd's, from "hello" */
	json_t		*commands;	/* the names it has, from "hello" */
};

/* Completion candidates for readline (complete.c). */
struct cands {
	char		**v;
	size_t		 n, cap, next;
};

struct mucctl {
	/* Command line. */
	const char		*socket_opt;	/* -s */
	const char		*conf_path;	/* -c, or the default */
	const char		*datadir_opt;	/* -D: offline only */
	bool			 json;		/* --json before the command */
	/* Configuration, loaded once at start. */
	struct conf		 conf;
	enum conf_state		 conf_state;
	char			 conf_err[600];
	/* The daemon, or the store while an offline command runs. */
	struct client		 client;
	struct store		*store;
	/* Shell. */
	bool			 in_shell;
	bool			 quiet;		/* completing: no notes */
	bool			 noted_offline;	/* said so once already */
	bool			 hold_offline;	/* keep `mucd -m` across calls */
	char			*history_path;
	struct cands		 cands;
	volatile sig_atomic_t	*interrupted;	/* set by SIGINT, or NULL */
};

void	 ctx_init(struct mucctl *);
void	 ctx_free(struct mucctl *);
/* Load the configuration file, remembering why it could not be. */
void	 ctx_load_conf(struct mucctl *);
/* The control socket to use (never NULL). */
const char *ctx_socket_path(const struct mucctl *);
/* Why the socket path is a guess, or NULL ("" when it is not). */
const char *ctx_socket_note(const struct mucctl *, char *buf, size_t len);
/* The data directory for offline use, or NULL with *e set. */
const char *ctx_datadir(struct mucctl *, struct mc_err *);

int	 mc_fail(struct mc_err *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- client.c ---- */

void	 client_init(struct client *);
/* Connect to the daemon's socket and say hello, unless connected. */
int	 client_ensure(struct mucctl *, struct mc_err *);
/* Speak to an already connected descriptor (offline mode): hello. */
int	 client_attach(struct mucctl *, int fd, int pid, struct mc_err *);
/* Does the mucd we speak to have this command? Says so if not. */
int	 client_has(struct mucctl *, enum ctl_cmd, struct mc_err *);
/* One request; *result is the reply's result (new reference). */
int	 client_call(struct mucctl *, enum ctl_cmd, json_t *args,
	    json_t **result, struct mc_err *);
/* Hang up (and, offline, wait for the maintenance daemon to finish). */
void	 client_close(struct client *);

/* ---- parse.c ---- */

/* argv (after the command words) to JSON args. *want_help and *json are
 * set by --help and --json. */
int	 parse_command_args(struct mucctl *, const struct command *, int argc,
	    char **argv, json_t **args, bool *want_help, bool *json,
	    struct mc_err *);

/* ---- exec.c ---- */

/* Run one command line (argv[0] is the command word); exit status. */
int	 exec_argv(struct mucctl *, int argc, char **argv);
/* Run a request, online or offline as the situation allows. */
int	 exec_request(struct mucctl *, const struct command *, json_t *args,
	    json_t **result, struct mc_err *);
/* A paged command (archive.export, room.export): request after request,
 * each result handed to page as it comes, following its "next" until
 * there is none; page returns -1 (with e set) to stop. */
int	 exec_paged(struct mucctl *, const struct command *, json_t *args,
	    int (*page)(void *, json_t *, struct mc_err *), void *arg,
	    struct mc_err *);
/* Print "mucctl: WHAT: message" to stderr; returns e->status. */
int	 exec_report(const char *what, const struct mc_err *);
/* The same, and under --json the error object on stdout. */
int	 exec_fail(const char *what, const struct mc_err *, bool json);

/* ---- apply.c ---- */

/* mucctl apply FILE and mucctl export: exit status. */
int	 apply_run(struct mucctl *, const struct command *, json_t *args,
	    bool json);
int	 export_run(struct mucctl *, const struct command *, json_t *args,
	    bool json);

/* ---- archimport.c ---- */

/* Archived messages into a room's archive, a batch at a time. */
struct arch_import {
	struct mucctl	*m;
	const char	*room;
	char		*jid;		/* the room as the daemon names it */
	bool		 dry;
	json_t		*batch;
	size_t		 bytes, first_line, last_line;
	size_t		 imported, skipped;
};

void	 arch_import_init(struct arch_import *, struct mucctl *,
	    const char *room, bool dry);
/* Queue one message (taken over), sending a full batch; line is where
 * it was read (for errors), or 0. */
int	 arch_import_add(struct arch_import *, json_t *msg, size_t line,
	    struct mc_err *);
/* Send what is queued. */
int	 arch_import_flush(struct arch_import *, struct mc_err *);
void	 arch_import_free(struct arch_import *);
/* Is a line of the file only white space (skipped)? */
bool	 arch_line_blank(const char *, size_t);
/* One line of FILE as an archived message, or NULL with e set. */
json_t	*arch_import_parse(const char *file, size_t line, const char *text,
	    size_t len, struct mc_err *);
/* mucctl archive import ROOM FILE: exit status. */
int	 archive_import_run(struct mucctl *, const struct command *,
	    json_t *args, bool json);

/* ---- offline.c ---- */

/* Run one command on the database: start `mucd -m`, speak the protocol
 * to it, let it finish (so the store is closed and its lock released). */
int	 offline_run(struct mucctl *, const struct command *, json_t *args,
	    json_t **result, struct mc_err *);

/* ---- import.c ---- */

/* import prosody: the rooms document on stdout; -1 with *e set. */
int	 import_prosody(struct mucctl *, json_t *args, struct mc_err *);

/* ---- output.c ---- */

struct table {
	size_t		 ncols;
	const char	*heads[8];
	char		**cells;	/* nrows * ncols, malloc'd strings */
	size_t		 nrows, cap;
	bool		 failed;	/* out of memory: print nothing */
};

void	 table_init(struct table *, size_t ncols, ...);
/* Add a row of ncols strings (NULL prints as "-"). */
void	 table_add(struct table *, ...);
void	 table_print(const struct table *, FILE *);
void	 table_free(struct table *);
/* ISO 8601 UTC, or "-" for 0. */
const char *fmt_time(long long t, char *buf, size_t len);
/* "3d 4h 5m 6s". */
const char *fmt_duration(long long secs, char *buf, size_t len);
/* One JSON document (the result, verbatim) on stdout. */
void	 print_json(json_t *);
/* Accessors that tolerate missing fields. */
const char *jstr(json_t *obj, const char *key);
long long jint(json_t *obj, const char *key);
bool	 jbool(json_t *obj, const char *key);
/* "a, b, c" from an array of strings (malloc'd; NULL on OOM). */
char	*join_strings(json_t *array, const char *sep);
/* Print user-supplied text with control characters and bidirectional
 * and other format controls neutralised (terminal output only). */
void	 put_safe(FILE *, const char *);

/* ---- render.c ---- */

void	 render_status(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_metrics(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_rooms(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_room_show(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_config(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_occupants(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_history(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_affiliations(struct mucctl *, const struct command *,
	    json_t *, json_t *);
void	 render_aff_change(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_nick_show(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_user_rooms(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_hats(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_avatar(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_blocklist(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_audit(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_nicks(struct mucctl *, const struct command *, json_t *,
	    json_t *);
void	 render_archive_show(struct mucctl *, const struct command *,
	    json_t *, json_t *);
void	 render_archive_export(struct mucctl *, const struct command *,
	    json_t *, json_t *);
void	 render_archive_stats(struct mucctl *, const struct command *,
	    json_t *, json_t *);
void	 render_replication(struct mucctl *, const struct command *,
	    json_t *, json_t *);
/* A one-line confirmation built from the command and its args. */
void	 render_done(struct mucctl *, const struct command *, json_t *,
	    json_t *);

/* ---- help.c ---- */

void	 help_global(FILE *);
void	 help_command(const struct command *, FILE *);
void	 help_group(const char *group, FILE *);
void	 help_usage_line(const struct command *, FILE *);
/* `help [WORDS...]`: exit status. */
int	 help_run(int argc, char **argv);

/* ---- shellwords.c ---- */

struct words {
	char		**v;
	int		 n, cap;
	bool		 open_quote;	/* the line ended inside quotes */
};

/* Split like a POSIX shell: '...', "..." with \" \\ \$ \`, and \x
 * outside quotes. -1 on OOM. An unterminated quote sets open_quote. */
int	 words_split(struct words *, const char *line, size_t len);
void	 words_free(struct words *);

/* ---- shell.c ---- */

int	 shell_run(struct mucctl *);
/* Where the history lives (malloc'd), or NULL for none. */
char	*shell_history_path(void);

/* ---- complete.c ---- */

void	 complete_setup(struct mucctl *);
void	 cands_clear(struct cands *);

#endif
