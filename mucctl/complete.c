/*
 * complete: tab completion in the shell — command words, subcommands,
 * option names, room JIDs (asked of the daemon, or of the database when
 * it is not running), nicks of occupants, JIDs with an affiliation,
 * affiliation names and room option keys and values.
 *
 * Nothing here prints: a failed lookup just completes nothing.
 */
#include "mucctl.h"

#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "roomcfg.h"

#define ROOMS_ASKED	500	/* rooms fetched for one completion */

/*
 * Readline's completion callbacks (attempt, generate, quote) take no
 * user pointer, so the context they need is reached through this one
 * static pointer, set once by complete_setup().
 */
static struct mucctl *cctx;

void
cands_clear(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = c->next = 0;
}

/* Keep s if it starts with prefix (pre + s when pre is given). */
static void
cand_add(struct cands *c, const char *pre, const char *s, const char *prefix)
{
	char **nv, *v;

	if (s == NULL || asprintf(&v, "%s%s", pre ? pre : "", s) == -1)
		return;
	if (strncmp(v, prefix, strlen(prefix)) != 0) {
		free(v);
		return;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;

		if ((nv = realloc(c->v, ncap * sizeof(*nv))) == NULL) {
			free(v);
			return;
		}
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n++] = v;
}

/* ---- what the daemon (or the database) knows ---- */

/* Run the command named by words (one of ours, "rooms" and the like). */
static json_t *
fetch(const char *words, json_t *args)
{
	char buf[32], *w[2], *sp;
	const struct command *c;
	json_t *res = NULL;
	struct mc_err e;
	int used;

	snprintf(buf, sizeof(buf), "%s", words);
	w[0] = buf;
	w[1] = NULL;
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp = '\0';
		w[1] = sp + 1;
	}
	c = command_find(w[1] ? 2 : 1, w, &used);
	cctx->quiet = true;
	if (c == NULL || exec_request(cctx, c, args, &res, &e) == -1)
		res = NULL;
	cctx->quiet = false;
	json_decref(args);
	return res;
}

/* An extended regular expression matching text literally. */
static char *
regex_prefix(const char *text)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_putc(&b, '^') == -1)
		goto oom;
	for (; *text != '\0'; text++)
		if ((strchr(".[]()*+?{}|^$\\", *text) != NULL &&
		    buf_putc(&b, '\\') == -1) || buf_putc(&b, *text) == -1)
			goto oom;
	return buf_steal(&b);
oom:
	buf_free(&b);
	return NULL;
}

/* Room JIDs completing text; pre ("--after=") is kept in front. */
static void
add_rooms(struct cands *c, const char *pre, const char *text)
{
	char *re = regex_prefix(text + strlen(pre));
	json_t *res, *room;
	size_t i;

	if (re == NULL)
		return;
	res = fetch("rooms", json_pack("{s:s,s:i}", "match", re, "limit",
	    ROOMS_ASKED));
	free(re);
	json_array_foreach(json_object_get(res, "rooms"), i, room)
		cand_add(c, pre, jstr(room, "jid"), text);
	json_decref(res);
}

/* One field of each entry of a room's list (cmd answers {cmd: [...]}). */
static void
add_room_field(struct cands *c, const char *cmd, const char *room,
    const char *field, const char *text)
{
	json_t *res, *o;
	size_t i;

	if (room == NULL)
		return;
	res = fetch(cmd, json_pack("{s:s}", "room", room));
	json_array_foreach(json_object_get(res, cmd), i, o)
		cand_add(c, NULL, jstr(o, field), text);
	json_decref(res);
}

static void
add_nicks(struct cands *c, const char *room, const char *text)
{
	add_room_field(c, "occupants", room, "nick", text);
}

/* JIDs with an affiliation in the room, and occupants' real JIDs. */
static void
add_jids(struct cands *c, const char *room, const char *text)
{
	add_room_field(c, "affiliations", room, "jid", text);
	add_room_field(c, "occupants", room, "jid", text);
}

/* ---- what the table knows ---- */

static void
add_list(struct cands *c, const char *const *names, const char *text)
{
	for (; *names != NULL; names++)
		cand_add(c, NULL, *names, text);
}

/* The words after group ("room", "room avatar"; NULL: none) that
 * continue a command. */
static void
add_commands(struct cands *c, const char *group, const char *text)
{
	const struct command *cmd;
	size_t skip = group != NULL ? strlen(group) + 1 : 0, n;
	char next[32], prev[32] = "";
	const char *w;

	for (cmd = mc_commands; cmd->words != NULL; cmd++) {
		if (group != NULL && (strncmp(cmd->words, group, skip - 1) != 0 ||
		    cmd->words[skip - 1] != ' '))
			continue;
		w = cmd->words + skip;
		n = strcspn(w, " ");
		snprintf(next, sizeof(next), "%.*s", (int)n, w);
		/* A group's word once, not once per subcommand (the table
		 * keeps a group's commands together). */
		if (strcmp(next, prev) != 0)
			cand_add(c, NULL, next, text);
		snprintf(prev, sizeof(prev), "%s", next);
	}
	if (group == NULL) {
		cand_add(c, NULL, "quit", text);
		cand_add(c, NULL, "exit", text);
	}
}

static void
add_options(struct cands *c, const struct command *cmd, const char *text)
{
	const struct opt_spec *o;

	for (o = cmd->opts; o->name != NULL; o++)
		cand_add(c, "--", o->name, text);
	cand_add(c, NULL, "--help", text);
	cand_add(c, NULL, "--json", text);
}

/* Keys whose values are a fixed set, and the sets. */
static const char *const *
setting_values(const char *key)
{
	static const char *const yesno[] = { "yes", "no", NULL };
	static const char *const whois[] = { "moderators", "anyone", NULL };
	static const char *const pm[] = { "anyone", "participants",
		"moderators", "none", NULL };
	static const char *const bools[] = { "persistent", "public",
		"members_only", "moderated", "allow_member_invites",
		"change_subject", "logging", NULL };
	int i;

	if (strcmp(key, "whois") == 0)
		return whois;
	if (strcmp(key, "allow_pm") == 0)
		return pm;
	for (i = 0; bools[i] != NULL; i++)
		if (strcmp(key, bools[i]) == 0)
			return yesno;
	return NULL;
}

/* Room settings: keys (with '='), then values of keys that have a set. */
static void
add_settings(struct cands *c, const char *text)
{
	const char *eq = strchr(text, '=');
	const char *const *vals;
	char key[64];
	int i;

	if (eq == NULL) {
		for (i = 0; roomcfg_keys[i] != NULL; i++)
			cand_add(c, roomcfg_keys[i], "=", text);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - text), text);
	if ((vals = setting_values(key)) == NULL)
		return;
	for (; *vals != NULL; vals++) {
		char *v;

		if (asprintf(&v, "%s=%s", key, *vals) != -1) {
			cand_add(c, NULL, v, text);
			free(v);
		}
	}
}

/* ---- where the cursor is ---- */

struct where {
	const struct command	*cmd;
	const struct arg_spec	*arg;	/* the positional being completed */
	const struct opt_spec	*opt;	/* or the option taking a value */
	const char		*room;	/* the ROOM given before, if any */
};

/* Does word name an option of cmd that takes the next word as value? */
static const struct opt_spec *
value_option(const struct command *cmd, const char *word)
{
	const struct opt_spec *o;

	if (strncmp(word, "--", 2) != 0 || strchr(word, '=') != NULL)
		return NULL;
	for (o = cmd->opts; o->name != NULL; o++)
		if (strcmp(o->name, word + 2) == 0)
			return o->kind == O_FLAG ? NULL : o;
	return NULL;
}

static void
locate(struct where *wh, struct words *w, int used)
{
	const struct arg_spec *a = wh->cmd->args;
	int i;

	for (i = used; i < w->n; i++) {
		if ((wh->opt = value_option(wh->cmd, w->v[i])) != NULL) {
			if (++i >= w->n)
				return;	/* completing its value */
			wh->opt = NULL;
			continue;
		}
		if (strncmp(w->v[i], "--", 2) == 0)
			continue;
		if (a->meta != NULL && a->kind == A_ROOM)
			wh->room = w->v[i];
		if (a->meta != NULL && a->kind != A_TEXT &&
		    a->kind != A_SETTINGS && a->kind != A_ROOMS)
			a++;
	}
	wh->arg = a->meta != NULL ? a : NULL;
}

static void
add_for_arg(struct cands *c, const struct where *wh, const char *text)
{
	static const char *const affs[] = { "owner", "admin", "member",
		"outcast", NULL };
	static const char *const affs_none[] = { "owner", "admin", "member",
		"outcast", "none", NULL };
	static const char *const roles[] = { "none", "visitor", "participant",
		"moderator", NULL };

	switch (wh->arg->kind) {
	case A_ROOM:
	case A_ROOMS:		add_rooms(c, "", text); break;
	case A_NICK:		add_nicks(c, wh->room, text); break;
	case A_JID:		add_jids(c, wh->room, text); break;
	case A_AFF:		add_list(c, affs, text); break;
	case A_AFF_NONE:	add_list(c, affs_none, text); break;
	case A_ROLE:		add_list(c, roles, text); break;
	case A_SETTINGS:	add_settings(c, text); break;
	default:		break;
	}
}

/* Candidates for text, given the complete words before it. */
static void
gather(struct cands *c, struct words *w, const char *text)
{
	struct where wh = { 0 };
	int used;

	if (w->n == 0) {
		add_commands(c, NULL, text);
		return;
	}
	if (command_group_words(w->n, w->v) == w->n) {
		char group[64];

		command_join(w->n, w->v, group, sizeof(group));
		add_commands(c, group, text);
		return;
	}
	if ((wh.cmd = command_find(w->n, w->v, &used)) == NULL)
		return;
	if (strcmp(wh.cmd->words, "help") == 0) {
		add_commands(c, w->n == 2 && command_is_group(w->v[1]) ?
		    w->v[1] : NULL, text);
		return;
	}
	if (strncmp(text, "--", 2) == 0) {
		if (strncmp(text, "--after=", 8) == 0)
			add_rooms(c, "--after=", text);
		else if (strncmp(text, "--alternate=", 12) == 0)
			add_rooms(c, "--alternate=", text);
		else
			add_options(c, wh.cmd, text);
		return;
	}
	locate(&wh, w, used);
	if (wh.opt != NULL) {
		if (strcmp(wh.opt->name, "after") == 0 ||
		    strcmp(wh.opt->name, "alternate") == 0)
			add_rooms(c, "", text);
	} else if (wh.arg != NULL)
		add_for_arg(c, &wh, text);
}

/* ---- readline glue ---- */

static char *
generate(const char *text, int state)
{
	struct cands *c = &cctx->cands;

	if (state == 0)
		c->next = 0;
	if (c->next >= c->n)
		return NULL;
	return strdup(c->v[c->next++]);
}

/* Quote a completion with spaces or quotes in it: 'Juliet Capulet'.
 * Readline adds the closing quote itself when the match is complete. */
static char *
quote(char *s, int match_type, char *qcp)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_putc(&b, '\'') == -1)
		goto oom;
	for (; *s != '\0'; s++)
		if ((*s == '\'' ? buf_puts(&b, "'\\''") : buf_putc(&b, *s)) ==
		    -1)
			goto oom;
	*qcp = '\'';
	return buf_steal(&b);
oom:
	buf_free(&b);
	return NULL;
}

static bool
needs_quotes(const struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strpbrk(c->v[i], rl_filename_quote_characters) != NULL)
			return true;
	return false;
}

/* Settle readline's per-completion switches for these candidates. */
static void
tune(const struct cands *c)
{
	size_t len;

	rl_completion_append_character = ' ';
	if (c->n == 1 && (len = strlen(c->v[0])) > 0 &&
	    c->v[0][len - 1] == '=')
		rl_completion_append_character = '\0';
	/* Readline quotes matches only in "filename" mode; turning it on
	 * only when needed keeps its directory marking out of the way. */
	if (needs_quotes(c)) {
		rl_filename_completion_desired = 1;
		rl_filename_quoting_desired = 1;
	}
}

static char **
attempt(const char *text, int start, int end)
{
	struct words w;

	(void)end;
	rl_attempted_completion_over = 1;	/* never file names */
	cands_clear(&cctx->cands);
	if (words_split(&w, rl_line_buffer, (size_t)start) == -1)
		return NULL;
	/* An opening quote right before text is part of text's word. */
	if (w.open_quote && w.n > 0)
		free(w.v[--w.n]);
	gather(&cctx->cands, &w, text);
	words_free(&w);
	if (cctx->cands.n == 0)
		return NULL;
	tune(&cctx->cands);
	return rl_completion_matches(text, generate);
}

/* A character escaped with a backslash does not break words. */
static int
is_quoted(char *line, int index)
{
	int n = 0;

	while (index - n > 0 && line[index - n - 1] == '\\')
		n++;
	return n % 2;
}

void
complete_setup(struct mucctl *m)
{
	cctx = m;
	rl_readline_name = "mucctl";
	rl_attempted_completion_function = attempt;
	/* JIDs have '@' and settings '=': only blanks break words. */
	rl_completer_word_break_characters = " \t\n";
	rl_completer_quote_characters = "'\"";
	rl_filename_quote_characters = " \t\n'\"\\$`#;&|<>()*?[]~";
	rl_filename_quoting_function = quote;
	rl_char_is_quoted_p = is_quoted;
}
