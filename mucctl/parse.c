/*
 * parse: a command's arguments and options (GNU style: options anywhere,
 * --name=value or --name value, "--" ends them) into the JSON args of its
 * protocol request. Only syntax is checked here — values are the daemon's
 * business (offline mode runs the daemon too), so one set of rules holds.
 */
#include "mucctl.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roomcfg.h"
#include "utf8.h"

struct parse {
	struct mucctl		*m;
	const struct command	*c;
	json_t			*args;
	const struct arg_spec	*next;	/* positional to fill */
	struct buf		 text;	/* A_TEXT being joined */
	struct mc_err		*e;
};

/* Is s a key roomcfg_set() knows? */
static bool
is_setting(const char *s)
{
	int i;

	for (i = 0; roomcfg_keys[i] != NULL; i++)
		if (strcmp(roomcfg_keys[i], s) == 0)
			return true;
	return false;
}

static int
usage_err(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
usage_err(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	mc_fail(p->e, EXIT_USAGE, "", "%s", "");
	va_start(ap, fmt);
	vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Everything given here may end up in a stanza, and XML cannot carry
 * control characters: a daemon that sent one would have its component
 * link closed by the server (not-well-formed).
 */
static int
check_text(struct parse *p, const char *what, const char *v)
{
	if (!utf8_valid(v, strlen(v)))
		return usage_err(p, "%s: not valid UTF-8 text", what);
	if (utf8_has_controls(v, strlen(v)))
		return usage_err(p, "%s: control characters cannot be sent "
		    "over XMPP", what);
	return 0;
}

static int
set_str(struct parse *p, const char *key, const char *v)
{
	if (check_text(p, key, v) == -1)
		return -1;
	if (json_object_set_new(p->args, key, json_string(v)) == -1)
		return usage_err(p, "%s: not valid UTF-8 text", key);
	return 0;
}

static int
set_uint(struct parse *p, const struct opt_spec *o, const char *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 ||
	    n > (unsigned long long)INT_MAX)
		return usage_err(p, "--%s: '%s' is not a number", o->name, v);
	return json_object_set_new(p->args, o->key, json_integer((json_int_t)n))
	    == -1 ? mc_fail(p->e, EXIT_USAGE, "", "out of memory") : 0;
}

/* A repeatable option: each use adds to an array. */
static int
add_to_list(struct parse *p, const struct opt_spec *o, const char *v)
{
	json_t *a = json_object_get(p->args, o->key);

	if (a == NULL) {
		if ((a = json_array()) == NULL ||
		    json_object_set_new(p->args, o->key, a) == -1)
			return mc_fail(p->e, EXIT_USAGE, "", "out of memory");
	}
	return json_array_append_new(a, json_string(v)) == -1 ?
	    mc_fail(p->e, EXIT_USAGE, "", "out of memory") : 0;
}

static int
set_option(struct parse *p, const struct opt_spec *o, const char *v)
{
	if (o->kind == O_FLAG)
		return json_object_set_new(p->args, o->key, json_true());
	if (o->kind == O_JIDS)
		return add_to_list(p, o, v);
	if (o->kind == O_UINT)
		return set_uint(p, o, v);
	return set_str(p, o->key, v);
}

static const struct opt_spec *
find_option(const struct command *c, const char *name, size_t len)
{
	const struct opt_spec *o;

	for (o = c->opts; o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* argv[*i] starts with "--": consume it (and its value). */
static int
long_option(struct parse *p, int argc, char **argv, int *i, bool *help,
    bool *json)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *o;

	if (strcmp(name, "help") == 0)
		return *help = true, 0;
	if (strcmp(name, "json") == 0)
		return *json = true, 0;
	if ((o = find_option(p->c, name, len)) == NULL)
		return usage_err(p, "unknown option '%s'", argv[*i]);
	if (o->kind == O_FLAG)
		return eq ? usage_err(p, "--%s takes no value", o->name) :
		    set_option(p, o, NULL);
	if (eq != NULL)
		return set_option(p, o, eq + 1);
	if (*i + 1 >= argc)
		return usage_err(p, "--%s needs a value (%s)", o->name,
		    o->meta);
	return set_option(p, o, argv[++*i]);
}

static int
check_aff(struct parse *p, const struct arg_spec *a, const char *v)
{
	static const char *names[] = { "owner", "admin", "member", "outcast",
		"none", NULL };
	int i, last = a->kind == A_AFF_NONE ? 5 : 4;

	for (i = 0; i < last; i++)
		if (strcmp(names[i], v) == 0)
			return set_str(p, a->key, v);
	return usage_err(p, "'%s' is not owner, admin, member, outcast%s", v,
	    a->kind == A_AFF_NONE ? " or none" : "");
}

static int
check_role(struct parse *p, const struct arg_spec *a, const char *v)
{
	static const char *names[] = { "none", "visitor", "participant",
		"moderator" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], v) == 0)
			return set_str(p, a->key, v);
	return usage_err(p, "'%s' is not none, visitor, participant or "
	    "moderator", v);
}

static int
add_setting(struct parse *p, const struct arg_spec *a, const char *v)
{
	json_t *obj = json_object_get(p->args, a->key);
	const char *eq = strchr(v, '=');
	char key[64];
	size_t n;

	if (eq == NULL || (n = (size_t)(eq - v)) == 0 || n >= sizeof(key))
		return usage_err(p, "'%s' is not key=value", v);
	memcpy(key, v, n);
	key[n] = '\0';
	if (!is_setting(key))
		return usage_err(p, "unknown room option '%s' (see `mucctl "
		    "help room config`)", key);
	if (check_text(p, key, eq + 1) == -1)
		return -1;
	if (obj == NULL) {
		if ((obj = json_object()) == NULL ||
		    json_object_set_new(p->args, a->key, obj) == -1)
			return mc_fail(p->e, EXIT_USAGE, "", "out of memory");
	}
	if (json_object_set_new(obj, key, json_string(eq + 1)) == -1)
		return usage_err(p, "%s: not valid UTF-8 text", key);
	return 0;
}

/* Up to MUCCTL_MAX_FILE + 1 bytes of f into *data (malloc'd); -1 on OOM
 * or a read error (errno). */
static int
slurp(FILE *f, unsigned char **data, size_t *len)
{
	size_t cap = 0, n;
	unsigned char *nd;

	*data = NULL;
	*len = 0;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > MUCCTL_MAX_FILE + 1)
				cap = MUCCTL_MAX_FILE + 1;
			if ((nd = realloc(*data, cap)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			*data = nd;
		}
		n = fread(*data + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0 && *len <= MUCCTL_MAX_FILE);
	return ferror(f) ? -1 : 0;
}

/* The file's bytes, in base64, under key: the daemon sees the contents,
 * never the path (offline, it runs as another user). */
static int
file_in(struct parse *p, const char *key, const char *path)
{
	unsigned char *data;
	char *b64 = NULL;
	size_t len, n;
	FILE *f;
	int rc;

	if ((f = fopen(path, "rb")) == NULL)
		return usage_err(p, "%s: %s", path, strerror(errno));
	rc = slurp(f, &data, &len);
	fclose(f);
	if (rc == -1)
		rc = usage_err(p, "%s: %s", path, strerror(errno));
	else if (len > MUCCTL_MAX_FILE || len == 0)
		rc = usage_err(p, "%s: %s", path, len ? "larger than 16 MiB" :
		    "empty");
	else if ((b64 = malloc(n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL))) == NULL ||
	    sodium_bin2base64(b64, n, data, len,
	    sodium_base64_VARIANT_ORIGINAL) == NULL ||
	    json_object_set_new(p->args, key, json_string(b64)) == -1)
		rc = mc_fail(p->e, EXIT_USAGE, "", "out of memory");
	free(data);
	free(b64);
	return rc;
}

/* Where render writes: made absolute, for the shell's cwd to match. */
static int
file_out(struct parse *p, const char *key, const char *path)
{
	char cwd[PATH_MAX], abs[PATH_MAX * 2];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL &&
	    (size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, path) <
	    sizeof(abs))
		path = abs;
	return set_str(p, key, path);
}

static int
add_room(struct parse *p, const struct arg_spec *a, const char *v)
{
	json_t *list = json_object_get(p->args, a->key);

	if (*v == '\0')
		return usage_err(p, "%s must not be empty", a->meta);
	if (list == NULL && ((list = json_array()) == NULL ||
	    json_object_set_new(p->args, a->key, list) == -1))
		return mc_fail(p->e, EXIT_USAGE, "", "out of memory");
	if (json_array_append_new(list, json_string(v)) == -1)
		return usage_err(p, "%s: not valid UTF-8 text", a->meta);
	return 0;
}

static int
positional(struct parse *p, const char *v)
{
	const struct arg_spec *a = p->next;

	if (a->meta == NULL)
		return usage_err(p, "unexpected argument '%s'", v);
	switch (a->kind) {
	case A_TEXT:
		if ((p->text.len > 0 && buf_putc(&p->text, ' ') == -1) ||
		    buf_puts(&p->text, v) == -1)
			return mc_fail(p->e, EXIT_USAGE, "", "out of memory");
		return 0;
	case A_SETTINGS:
		return add_setting(p, a, v);
	case A_ROOMS:
		return add_room(p, a, v);
	case A_AFF:
	case A_AFF_NONE:
		p->next++;
		return check_aff(p, a, v);
	case A_FILE_IN:
		p->next++;
		return file_in(p, a->key, v);
	case A_FILE_OUT:
		p->next++;
		return file_out(p, a->key, v);
	case A_ROLE:
		p->next++;
		return check_role(p, a, v);
	default:
		p->next++;
		if (*v == '\0')
			return usage_err(p, "%s must not be empty", a->meta);
		return set_str(p, a->key, v);
	}
}

/* After the last word: required positionals present, text joined. */
static int
finish(struct parse *p)
{
	const struct arg_spec *a;

	for (a = p->next; a->meta != NULL; a++) {
		if (a->kind == A_TEXT && p->text.len > 0) {
			if (buf_cstr(&p->text) == -1)
				return mc_fail(p->e, EXIT_USAGE, "", "out of "
				    "memory");
			return set_str(p, a->key, p->text.data);
		}
		if ((a->kind == A_SETTINGS || a->kind == A_ROOMS) &&
		    json_object_get(p->args, a->key))
			continue;
		if (!(a->flags & ARG_OPTIONAL))
			return usage_err(p, "missing %s", a->meta);
	}
	return 0;
}

static int
parse_words(struct parse *p, int argc, char **argv, bool *help, bool *json)
{
	bool opts_done = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!opts_done && strcmp(w, "--") == 0)
			opts_done = true;
		else if (!opts_done && strcmp(w, "-h") == 0)
			*help = true;
		else if (!opts_done && strncmp(w, "--", 2) == 0) {
			if (long_option(p, argc, argv, &i, help, json) == -1)
				return -1;
		} else if (!opts_done && w[0] == '-' && w[1] != '\0')
			return usage_err(p, "unknown option '%s' (use -- "
			    "before an argument that starts with '-')", w);
		else if (positional(p, w) == -1)
			return -1;
	}
	return 0;
}

int
parse_command_args(struct mucctl *m, const struct command *c, int argc,
    char **argv, json_t **args, bool *want_help, bool *json,
    struct mc_err *e)
{
	struct parse p = { .m = m, .c = c, .next = c->args, .e = e };
	int rc;

	*want_help = false;
	if ((p.args = json_object()) == NULL)
		return mc_fail(e, EXIT_USAGE, "", "out of memory");
	buf_init(&p.text, 0);
	rc = parse_words(&p, argc, argv, want_help, json);
	/* --help wins over any other complaint about the line. */
	if (*want_help)
		rc = 0;
	else if (rc == 0)
		rc = finish(&p);
	buf_free(&p.text);
	if (rc == -1) {
		json_decref(p.args);
		return -1;
	}
	*args = p.args;
	return 0;
}
