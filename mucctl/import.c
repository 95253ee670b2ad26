/*
 * import: the rooms of another server's MUC service as a rooms document
 * ("mucd-rooms/1", mucctl(8)) on standard output, for `mucctl apply`.
 *
 * From Prosody, nothing of Prosody's is read here: Prosody's own Lua and
 * libraries read its file storage, in the exporter
 * packaging/prosody/mucd-import.lua (installed as
 * MUCCTL_PROSODY_IMPORT_PATH; $MUCCTL_PROSODY_IMPORT names another).
 * mucctl runs it with the interpreter on the first line of Prosody's
 * launcher (`prosody` in PATH), as Prosody itself is run, reads the JSON
 * lines it writes (its header says which; its stderr comes the same way,
 * for Lua's own errors), makes its error mucctl's own, and when all went
 * well passes its warnings on and prints the document: room keys and
 * room options in the order mucctl(8) gives them, the rooms moved to
 * another domain with --domain.
 *
 * A local command: it needs neither the daemon nor its database.
 */
#include "mucctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jid.h"
#include "roomcfg.h"

#define IMPORT_MAX_OUTPUT	(256u << 20)	/* the exporter's, in bytes */
#define READ_CHUNK		65536

/* How Prosody runs: its launcher and the Lua named on its first line. */
struct lua_cmd {
	char	launcher[PATH_MAX];
	char	lua[PATH_MAX];		/* the interpreter to exec */
	char	arg[256];		/* its one argument, or "" */
};

static int
failed(struct mc_err *e, enum ctl_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
failed(struct mc_err *e, enum ctl_err err, const char *fmt, ...)
{
	va_list ap;

	mc_fail(e, (int)ctl_errs[err].class, ctl_errs[err].code, "%s", "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* The program name as a shell finds it (a name with '/' as it is). */
static int
find_program(const char *name, char *out, size_t outlen)
{
	const char *p = getenv("PATH"), *end;
	int n;

	if (strchr(name, '/') != NULL) {
		n = snprintf(out, outlen, "%s", name);
		return n >= 0 && (size_t)n < outlen && is_program(out) ? 0 : -1;
	}
	if (p == NULL)
		p = "/usr/local/bin:/usr/bin:/bin";
	for (;; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the current directory. */
		n = snprintf(out, outlen, "%.*s/%s", end > p ? (int)(end - p) :
		    1, end > p ? p : ".", name);
		if (n >= 0 && (size_t)n < outlen && is_program(out))
			return 0;
		if (*end == '\0')
			return -1;
	}
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * The launcher's "#!INTERPRETER [ARG]" line, as the kernel reads it (the
 * rest of the line is one argument). Debian's is "#!/usr/bin/env lua5.4":
 * env's lookup is done here, so that a missing Lua is named.
 */
static int
prosody_lua(struct lua_cmd *lc, struct mc_err *e)
{
	char line[512], *interp, *arg, *sp;
	const char *name;
	FILE *f;

	if (find_program("prosody", lc->launcher, sizeof(lc->launcher)) == -1)
		return failed(e, CTL_E_UNAVAILABLE, "Prosody is not installed "
		    "(no prosody in PATH): its Lua and libraries read its "
		    "data");
	if ((f = fopen(lc->launcher, "r")) == NULL)
		return failed(e, CTL_E_UNAVAILABLE, "cannot read Prosody's "
		    "launcher %s: %s", lc->launcher, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	interp = line + 2 + strspn(line + 2, " \t");
	if (strncmp(line, "#!", 2) != 0 || *interp == '\0')
		goto not_lua;
	arg = "";
	if ((sp = strpbrk(interp, " \t")) != NULL) {
		*sp = '\0';
		arg = sp + 1 + strspn(sp + 1, " \t");
		arg[strcspn(arg, " \t")] = '\0';
	}
	name = strcmp(base_name(interp), "env") == 0 && *arg != '\0' &&
	    *arg != '-' ? arg : interp;
	if (strncmp(base_name(name), "lua", 3) != 0)
		goto not_lua;
	if (find_program(name, lc->lua, sizeof(lc->lua)) == -1)
		return failed(e, CTL_E_UNAVAILABLE, "Prosody's Lua, %s (named "
		    "by %s), is not installed", name, lc->launcher);
	snprintf(lc->arg, sizeof(lc->arg), "%s", name == arg ? "" : arg);
	return 0;
not_lua:
	return failed(e, CTL_E_UNAVAILABLE, "%s does not start with the "
	    "line naming Prosody's Lua (\"#!...lua...\"), so its Lua is "
	    "unknown", lc->launcher);
}

static const char *
exporter_path(void)
{
	const char *p = getenv("MUCCTL_PROSODY_IMPORT");

	return p != NULL && *p != '\0' ? p : MUCCTL_PROSODY_IMPORT_PATH;
}

/* In the child: become the exporter, writing on fd; or say why not. */
static void
exec_exporter(const struct lua_cmd *lc, const char *exporter, json_t *args,
    int fd)
{
	const char *argv[12], *v;
	char msg[PATH_MAX + 128], *line;
	json_t *err;
	int n = 0, null;

	/* Its stderr too: Lua's own errors are then mucctl's message. */
	if (dup2(fd, STDOUT_FILENO) == -1 || dup2(fd, STDERR_FILENO) == -1)
		_exit(127);
	if ((null = open("/dev/null", O_RDONLY)) != -1)
		dup2(null, STDIN_FILENO);
	argv[n++] = lc->lua;
	if (lc->arg[0] != '\0')
		argv[n++] = lc->arg;
	argv[n++] = exporter;
	argv[n++] = "--prosody";
	argv[n++] = lc->launcher;
	if ((v = jstr(args, "data")) != NULL) {
		argv[n++] = "--data";
		argv[n++] = v;
	}
	if ((v = jstr(args, "host")) != NULL) {
		argv[n++] = "--host";
		argv[n++] = v;
	}
	argv[n] = NULL;
	execv(lc->lua, (char *const *)argv);
	/* As the exporter reports an error: mucctl reads it so. */
	snprintf(msg, sizeof(msg), "cannot run %s: %s", lc->lua,
	    strerror(errno));
	err = json_pack("{s:{s:s,s:s}}", "error", "code",
	    ctl_errs[CTL_E_UNAVAILABLE].code, "message", msg);
	if (err != NULL && (line = json_dumps(err, JSON_COMPACT)) != NULL)
		printf("%s\n", line);
	fflush(stdout);
	_exit(127);
}

static void
reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
}

/* Everything the exporter writes, into out; its exit status. */
static int
run_exporter(struct mucctl *m, const struct lua_cmd *lc, json_t *args,
    struct buf *out, int *status, struct mc_err *e)
{
	const char *exporter = exporter_path();
	char chunk[READ_CHUNK];
	int p[2];
	ssize_t n;
	pid_t pid;

	if (access(exporter, R_OK) == -1)
		return failed(e, CTL_E_UNAVAILABLE, "cannot read the Prosody "
		    "exporter %s: %s (MUCCTL_PROSODY_IMPORT names another)",
		    exporter, strerror(errno));
	if (pipe2(p, O_CLOEXEC) == -1)
		return failed(e, CTL_E_UNAVAILABLE, "pipe: %s",
		    strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return failed(e, CTL_E_UNAVAILABLE, "fork: %s",
		    strerror(errno));
	}
	if (pid == 0)
		exec_exporter(lc, exporter, args, p[1]);
	close(p[1]);
	for (;;) {
		n = read(p[0], chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR &&
		    !(m->interrupted && *m->interrupted))
			continue;
		if (n <= 0 || buf_append(out, chunk, (size_t)n) == -1)
			break;
	}
	close(p[0]);
	if (n != 0)
		kill(pid, SIGTERM);
	reap(pid, status);
	if (n == -1)
		return failed(e, CTL_E_UNAVAILABLE, "reading from the Prosody "
		    "exporter: %s", errno == EINTR ? "interrupted" :
		    strerror(errno));
	if (n > 0)
		return failed(e, CTL_E_TOO_LARGE, "the Prosody exporter wrote "
		    "more than %u MiB: refused", IMPORT_MAX_OUTPUT >> 20);
	return 0;
}

/* Its error, with a protocol code, is mucctl's. */
static int
exporter_error(json_t *err, struct mc_err *e)
{
	const char *code = jstr(err, "code"), *msg = jstr(err, "message");

	if (code == NULL || msg == NULL || ctl_err_lookup(code) == CTL_NERRS)
		return failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter "
		    "failed without saying why");
	return mc_fail(e, (int)ctl_err_class(code), code, "%s", msg);
}

/* What the exporter said. */
struct said {
	json_t	*doc;		/* the document */
	json_t	*warnings;	/* strings */
	char	 words[512];	/* its first line that is not JSON: Lua's own
				   error, when it failed before it could write
				   JSON */
};

/* One line of the exporter's: a warning, its error, the document. */
static int
take_line(const char *p, size_t len, struct said *said, struct mc_err *e)
{
	json_t *line, *v;
	int rc = 0;

	if ((line = json_loadb(p, len, 0, NULL)) == NULL ||
	    !json_is_object(line)) {
		json_decref(line);
		if (said->words[0] == '\0')
			snprintf(said->words, sizeof(said->words), "%.*s",
			    (int)(len < sizeof(said->words) ? len :
			    sizeof(said->words) - 1), p);
		return 0;
	}
	if (json_is_string(v = json_object_get(line, "warning")))
		rc = json_array_append(said->warnings, v) == -1 ?
		    failed(e, CTL_E_INTERNAL, "out of memory") : 0;
	else if ((v = json_object_get(line, "error")) != NULL)
		rc = exporter_error(v, e);
	else if (said->doc == NULL &&
	    json_is_object(v = json_object_get(line, "document")))
		said->doc = json_incref(v);
	else
		rc = failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter wrote "
		    "an unexpected line: %.*s", (int)(len > 200 ? 200 : len),
		    p);
	json_decref(line);
	return rc;
}

static int
take_output(struct buf *out, int status, struct said *said,
    struct mc_err *e)
{
	const char *p = buf_head(out), *end = p + buf_pending(out), *nl;
	int rc = 0;

	for (; rc == 0 && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p)
			rc = take_line(p, (size_t)(nl - p), said, e);
	}
	if (rc == 0 && said->doc != NULL && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		return 0;
	if (rc == 0 && said->words[0] != '\0')
		return failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter "
		    "failed: %s", said->words);
	if (rc == 0)
		return failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter %s "
		    "failed (%s %d)", exporter_path(), WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
	return -1;
}

/* Only an import that succeeds says what it left out. */
static void
print_warnings(json_t *warnings)
{
	json_t *w;
	size_t i;

	json_array_foreach(warnings, i, w) {
		fputs("mucctl: import prosody: ", stderr);
		/* Room names and nicks are what XMPP users chose. */
		put_safe(stderr, json_string_value(w));
		fputc('\n', stderr);
	}
}

/*
 * obj's keys in the order of keys (the format's order; for room options
 * roomcfg_keys, that of mucctl(8) and of `room show`): a new object, or
 * NULL. A key not in keys is the exporter's fault.
 */
static json_t *
reorder(json_t *obj, const char *const *keys, const char *what,
    const char *room, struct mc_err *e)
{
	json_t *out = json_object(), *v;
	const char *key;
	int i;

	if (!json_is_object(obj)) {
		json_decref(out);
		failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter wrote %s "
		    "of %s that is not an object", what, room);
		return NULL;
	}
	for (i = 0; out != NULL && keys[i] != NULL; i++)
		if ((v = json_object_get(obj, keys[i])) != NULL &&
		    json_object_set(out, keys[i], v) == -1) {
			json_decref(out);
			out = NULL;
		}
	if (out == NULL) {
		failed(e, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	json_object_foreach(obj, key, v)
		if (json_object_get(out, key) == NULL) {
			json_decref(out);
			failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter "
			    "wrote '%s' in %s of %s, which the format does not "
			    "have", key, what, room);
			return NULL;
		}
	return out;
}

/* The room's JID, on domain when that is not NULL. */
static int
move_room(json_t *room, const char *domain, struct mc_err *e)
{
	char out[JID_BARE_MAX + 1];
	const char *jid = jstr(room, "jid"), *at;

	if (jid == NULL || (at = strchr(jid, '@')) == NULL || at == jid)
		return failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter gave "
		    "a room without a room JID (%s)", jid ? jid : "none");
	if (domain == NULL)
		return 0;
	if (snprintf(out, sizeof(out), "%.*s@%s", (int)(at - jid), jid,
	    domain) >= (int)sizeof(out))
		return failed(e, CTL_E_BAD_REQUEST, "%.*s@%s: too long for a "
		    "JID", (int)(at - jid), jid, domain);
	return json_object_set_new(room, "jid", json_string(out)) == -1 ?
	    failed(e, CTL_E_INTERNAL, "out of memory") : 0;
}

/* One room as the format lists its keys, moved to domain. */
static json_t *
tidy_room(json_t *room, const char *domain, struct mc_err *e)
{
	static const char *const room_keys[] = { "jid", "config", "subject",
		"affiliations", NULL };
	static const char *const aff_keys[] = { "jid", "affiliation", "nick",
		"reason", NULL };
	const char *jid = jstr(room, "jid") ? jstr(room, "jid") : "a room";
	json_t *out, *cfg, *affs, *a;
	size_t i;

	if ((out = reorder(room, room_keys, "the entry", jid, e)) == NULL)
		return NULL;
	if (move_room(out, domain, e) == -1)
		goto fail;
	if ((cfg = reorder(json_object_get(out, "config"), roomcfg_keys,
	    "the options", jid, e)) == NULL ||
	    json_object_set_new(out, "config", cfg) == -1)
		goto fail;
	if (!json_is_array(affs = json_object_get(out, "affiliations"))) {
		failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter gave %s no "
		    "list of affiliations", jid);
		goto fail;
	}
	json_array_foreach(affs, i, a)
		if ((a = reorder(a, aff_keys, "an affiliation", jid, e)) ==
		    NULL || json_array_set_new(affs, i, a) == -1)
			goto fail;
	return out;
fail:
	json_decref(out);
	return NULL;
}

static int
tidy(json_t *doc, const char *domain, struct mc_err *e)
{
	json_t *rooms = json_object_get(doc, "rooms"), *room, *tidied;
	const char *format = jstr(doc, "format");
	size_t i;

	if (format == NULL || strcmp(format, "mucd-rooms/1") != 0 ||
	    !json_is_array(rooms))
		return failed(e, CTL_E_UNAVAILABLE, "the Prosody exporter "
		    "wrote a document of another format (%s)",
		    format ? format : "none");
	json_array_foreach(rooms, i, room) {
		if ((tidied = tidy_room(room, domain, e)) == NULL)
			return -1;
		json_array_set_new(rooms, i, tidied);
	}
	return 0;
}

/* --domain, prepared, into out; NULL when not given. */
static int
target_domain(json_t *args, struct jid *out, const char **domain,
    struct mc_err *e)
{
	const char *d = jstr(args, "domain"), *why = NULL;

	*domain = NULL;
	if (d == NULL)
		return 0;
	if (jid_parse(out, d, &why) == -1 || jid_has_node(out) ||
	    jid_has_resource(out))
		return failed(e, CTL_E_BAD_REQUEST, "--domain: '%s' is not a "
		    "domain%s%s", d, why ? ": " : "", why ? why : "");
	*domain = out->domain;
	return 0;
}

int
import_prosody(struct mucctl *m, json_t *args, struct mc_err *e)
{
	struct lua_cmd lc;
	struct jid target;
	const char *domain;
	struct said said = { NULL, NULL, "" };
	struct buf out;
	int status = 0, rc;

	if (target_domain(args, &target, &domain, e) == -1 ||
	    prosody_lua(&lc, e) == -1)
		return -1;
	if ((said.warnings = json_array()) == NULL)
		return failed(e, CTL_E_INTERNAL, "out of memory");
	buf_init(&out, IMPORT_MAX_OUTPUT);
	rc = run_exporter(m, &lc, args, &out, &status, e);
	if (rc == 0)
		rc = take_output(&out, status, &said, e);
	buf_free(&out);
	if (rc == 0)
		rc = tidy(said.doc, domain, e);
	if (rc == 0)
		print_warnings(said.warnings);
	if (rc == 0 && (json_dumpf(said.doc, stdout, JSON_INDENT(2)) == -1 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF))
		rc = failed(e, CTL_E_INTERNAL, "writing the document: %s",
		    strerror(errno));
	json_decref(said.warnings);
	json_decref(said.doc);
	return rc;
}
