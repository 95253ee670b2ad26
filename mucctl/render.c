/*
 * render: human output for each command's result. The JSON result is the
 * contract (see PROTOCOL in mucctl(8)); this is only a view of it, with
 * times in ISO 8601 UTC and lists as aligned tables.
 */
#include "mucctl.h"

#include <stdlib.h>
#include <string.h>

#include "xml.h"

#define KV_WIDTH	16

static void
kv(const char *key, const char *value)
{
	printf("%-*s", KV_WIDTH, key);
	put_safe(stdout, value);
	putchar('\n');
}

static void
kv_num(const char *key, long long v)
{
	printf("%-*s%lld\n", KV_WIDTH, key, v);
}

static const char *
arg(json_t *args, const char *key)
{
	const char *s = jstr(args, key);

	return s ? s : "";
}

void
render_status(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *link = json_object_get(r, "link"), *rooms, *cnt, *v, *mc;
	char t[40], d[64], line[1024];
	const char *k;

	snprintf(line, sizeof(line), "%s (up %s)",
	    fmt_time(jint(r, "started"), t, sizeof(t)),
	    fmt_duration(jint(r, "uptime"), d, sizeof(d)));
	kv("version", jstr(r, "version"));
	kv("domain", jstr(r, "domain"));
	kv("started", line);
	snprintf(line, sizeof(line), "%s to %s since %s (%lld connects, "
	    "%lld bytes queued, %lld in, %lld out)", jstr(link, "state"),
	    jstr(link, "server"), fmt_time(jint(link, "since"), t, sizeof(t)),
	    jint(link, "connects"), jint(link, "queued_bytes"),
	    jint(link, "bytes_in"), jint(link, "bytes_out"));
	kv("link", line);
	if (jstr(link, "last_error") != NULL) {
		snprintf(line, sizeof(line), "%s (%s)", jstr(link,
		    "last_error"), fmt_time(jint(link, "last_error_at"), t,
		    sizeof(t)));
		kv("last link error", line);
	}
	/* The detail says what is used or why nothing is. */
	if ((mc = json_object_get(r, "multicast")) != NULL) {
		snprintf(line, sizeof(line), "%s: %s (%lld stanzas carried "
		    "%lld copies, %lld refused)", arg(mc, "state"),
		    arg(mc, "detail"), jint(mc, "stanzas"),
		    jint(mc, "addresses"), jint(mc, "refusals"));
		kv("multicast", line);
	}
	rooms = json_object_get(r, "rooms");
	snprintf(line, sizeof(line), "%lld in memory, %lld stored (%lld "
	    "public)", jint(rooms, "in_memory"), jint(rooms, "stored"),
	    jint(rooms, "public_stored"));
	kv("rooms", line);
	snprintf(line, sizeof(line), "%lld (%lld sessions)",
	    jint(r, "occupants"), jint(r, "sessions"));
	kv("occupants", line);
	cnt = json_object_get(r, "counters");
	printf("counters:\n");
	json_object_foreach(cnt, k, v)
		printf("  %-*s%lld\n", KV_WIDTH, k,
		    (long long)json_integer_value(v));
}

/* The exposition as it is: a file for node_exporter's textfile collector
 * (the daemon writes it as UTF-8 without control characters). */
void
render_metrics(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	const char *text = jstr(r, "text");

	fputs(text != NULL ? text : "", stdout);
}

void
render_replication(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *site, *diff;
	char t[40], line[256];
	size_t i;

	(void)m;
	(void)c;
	(void)args;
	snprintf(line, sizeof(line), "%s%s since %s", jstr(r, "role"),
	    jbool(r, "serving") ? ", serving" : "",
	    fmt_time(jint(r, "role_since"), t, sizeof(t)));
	kv("role", line);
	kv("master", jstr(r, "master") != NULL ? jstr(r, "master") :
	    "none");
	if (jbool(r, "holding_replies"))
		kv("replies", "held: the group has not acknowledged");
	snprintf(line, sizeof(line), "%s (%lld won here, generation %lld, "
	    "%lld ms)", jint(r, "last_election") > 0 ?
	    fmt_time(jint(r, "last_election"), t, sizeof(t)) : "none seen",
	    jint(r, "elections_won"), jint(r, "generation"),
	    jint(r, "last_election_ms"));
	kv("last election", line);
	kv_num("lag bytes", jint(r, "lag_bytes"));
	kv_num("unacknowledged", jint(r, "unacknowledged"));
	kv("log end", jstr(r, "log_end"));
	json_array_foreach(json_object_get(r, "mismatches"), i, diff)
		kv("differs", jstr(diff, "message"));
	printf("sites:\n");
	json_array_foreach(json_object_get(r, "sites"), i, site) {
		printf("  %-*s%s%s%s\n", KV_WIDTH + 8, jstr(site, "address"),
		    jbool(site, "connected") ? "connected" : "disconnected",
		    jbool(site, "master") ? ", master" : "",
		    jbool(site, "local") ? ", this site" : "");
	}
}

static char *
room_flags(json_t *room)
{
	static const char *names[] = { "persistent", "public", "members_only",
		"loaded" };
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (jbool(room, names[i]) && ((b.len > 0 &&
		    buf_putc(&b, ',') == -1) || buf_puts(&b, names[i]) == -1)) {
			buf_free(&b);
			return NULL;
		}
	return buf_steal(&b);
}

/* rooms --tombstones: destroyed rooms whose JIDs answer <gone/>. */
static void
tombstones(json_t *r)
{
	json_t *list = json_object_get(r, "tombstones"), *t;
	char d[40], e[40];
	struct table tb;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no tombstones\n");
		return;
	}
	table_init(&tb, 5, "ROOM", "DESTROYED", "EXPIRES", "ALTERNATE",
	    "REASON");
	json_array_foreach(list, i, t)
		table_add(&tb, jstr(t, "jid"), fmt_time(jint(t, "destroyed"),
		    d, sizeof(d)), jbool(t, "expired") ? "expired" :
		    fmt_time(jint(t, "expires"), e, sizeof(e)),
		    jstr(t, "alternate"), jstr(t, "reason"));
	table_print(&tb, stdout);
	table_free(&tb);
	if (jbool(r, "truncated"))
		fprintf(stderr, "mucctl: more tombstones match; continue with "
		    "--after %s\n", jstr(json_array_get(list,
		    json_array_size(list) - 1), "jid"));
}

/* rooms --unused DAYS --destroy: one line a room, what happened to it. */
static void
render_pruned(json_t *r)
{
	json_t *list = json_object_get(r, "rooms"), *room;
	bool dry = jbool(r, "dry_run");
	size_t i;

	if (json_array_size(list) == 0)
		printf("no rooms to destroy\n");
	json_array_foreach(list, i, room) {
		printf("%s ", dry ? "would destroy" : "destroyed");
		put_safe(stdout, jstr(room, "jid"));
		putchar('\n');
	}
	if (jbool(r, "truncated"))
		fprintf(stderr, "mucctl: more rooms are unused; run the "
		    "command again\n");
}

void
render_rooms(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "rooms"), *room;
	char t[40], n[24], *flags;
	struct table tb;
	size_t i;

	if (json_object_get(r, "tombstones") != NULL) {
		tombstones(r);
		return;
	}
	if (jbool(args, "destroy")) {
		render_pruned(r);
		return;
	}
	if (json_array_size(list) == 0) {
		printf("no rooms\n");
		return;
	}
	table_init(&tb, 5, "ROOM", "NAME", "OCCUPANTS", "FLAGS", "LAST USED");
	json_array_foreach(list, i, room) {
		snprintf(n, sizeof(n), "%lld", jint(room, "occupants"));
		flags = room_flags(room);
		table_add(&tb, jstr(room, "jid"), jstr(room, "name"), n,
		    flags ? flags : "?", fmt_time(jint(room, "last_used"), t,
		    sizeof(t)));
		free(flags);
	}
	table_print(&tb, stdout);
	table_free(&tb);
	if (jbool(r, "truncated"))
		fprintf(stderr, "mucctl: more rooms match; continue with "
		    "--after %s\n", jstr(json_array_get(list,
		    json_array_size(list) - 1), "jid"));
}

static void
occupant_table(json_t *list)
{
	json_t *o;
	struct table tb;
	char *sess;
	size_t i;

	table_init(&tb, 5, "NICK", "ROLE", "AFFILIATION", "JID", "SESSIONS");
	json_array_foreach(list, i, o) {
		sess = join_strings(json_object_get(o, "sessions"), " ");
		table_add(&tb, jstr(o, "nick"), jstr(o, "role"),
		    jstr(o, "affiliation"), jstr(o, "jid"), sess ? sess : "?");
		free(sess);
	}
	table_print(&tb, stdout);
	table_free(&tb);
}

static void
config_table(json_t *cfg, const char *indent)
{
	const char *k;
	json_t *v;
	char tmp[32];

	json_object_foreach(cfg, k, v) {
		const char *s = json_string_value(v);
		char *joined = NULL;

		if (json_is_boolean(v))
			s = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v)) {
			snprintf(tmp, sizeof(tmp), "%lld",
			    (long long)json_integer_value(v));
			s = tmp;
		} else if (json_is_array(v))
			s = joined = join_strings(v, ",");
		printf("%s%-22s", indent, k);
		put_safe(stdout, s && *s ? s : "-");
		putchar('\n');
		free(joined);
	}
}

static void
subject_line(json_t *subj)
{
	char t[40], line[2048];
	const char *text = jstr(subj, "text"), *from = jstr(subj, "from");

	if (text == NULL) {
		kv("subject", "-");
		return;
	}
	snprintf(line, sizeof(line), "%s (set %s%s%s)", text,
	    fmt_time(jint(subj, "time"), t, sizeof(t)), from ? " by " : "",
	    from ? from : "");
	kv("subject", line);
}

void
render_room_show(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *occ = json_object_get(r, "occupant_list");
	char t[40], line[256];

	kv("room", jstr(r, "jid"));
	kv("created", fmt_time(jint(r, "created"), t, sizeof(t)));
	kv("last used", fmt_time(jint(r, "last_used"), t, sizeof(t)));
	subject_line(json_object_get(r, "subject"));
	snprintf(line, sizeof(line), "%s%s", jbool(r, "stored") ? "stored" :
	    "temporary (memory only)", jbool(r, "locked") ?
	    ", locked (awaiting configuration)" : "");
	kv("state", line);
	kv_num("occupants", jint(r, "occupants"));
	kv_num("affiliations", jint(r, "affiliations"));
	kv_num("history", jint(r, "history"));
	printf("configuration:\n");
	config_table(json_object_get(r, "config"), "  ");
	if (json_array_size(occ) > 0) {
		printf("occupants:\n");
		occupant_table(occ);
	}
}

void
render_config(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	config_table(json_object_get(r, "config"), "");
}

void
render_occupants(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "occupants");

	if (json_array_size(list) == 0)
		printf("no occupants\n");
	else
		occupant_table(list);
}

/* One history entry: time, nick (the resource of 'from'), body. */
static void
history_line(json_t *item)
{
	struct xml_limits lim = { 1u << 26, 64 };
	const char *xml = jstr(item, "xml"), *from, *slash, *body;
	struct xnode *msg;
	char t[40], err[128];

	printf("%s  ", fmt_time(jint(item, "stamp"), t, sizeof(t)));
	if (xml == NULL ||
	    (msg = xml_parse(xml, strlen(xml), &lim, err, sizeof(err))) ==
	    NULL) {
		put_safe(stdout, xml ? xml : "?");
		putchar('\n');
		return;
	}
	from = x_attr(msg, "from");
	slash = from ? strchr(from, '/') : NULL;
	body = x_child_text(msg, "body", NULL);
	/* A message from the room itself (`say`) has no nick. */
	if (slash != NULL) {
		putchar('<');
		put_safe(stdout, slash + 1);
		printf("> ");
	} else
		printf("(room) ");
	put_safe(stdout, body ? body : "(no body)");
	putchar('\n');
	x_free(msg);
}

void
render_history(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "history"), *item;
	size_t i;

	if (json_array_size(list) == 0)
		printf("no history\n");
	json_array_foreach(list, i, item)
		history_line(item);
}

static int
aff_rank(const char *a)
{
	static const char *order[] = { "owner", "admin", "member", "outcast" };
	int i;

	for (i = 0; i < 4; i++)
		if (a != NULL && strcmp(a, order[i]) == 0)
			return i;
	return 4;
}

static int
cmp_aff(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int ra = aff_rank(jstr(a, "affiliation"));
	int rb = aff_rank(jstr(b, "affiliation"));

	if (ra != rb)
		return ra - rb;
	return strcmp(jstr(a, "jid") ? jstr(a, "jid") : "",
	    jstr(b, "jid") ? jstr(b, "jid") : "");
}

void
render_affiliations(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "affiliations"), **v;
	size_t i, n = json_array_size(list);
	struct table tb;

	if (n == 0) {
		printf("no affiliations\n");
		return;
	}
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		fprintf(stderr, "mucctl: out of memory\n");
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	/* Owners first, as XMPP clients list them. */
	qsort(v, n, sizeof(*v), cmp_aff);
	table_init(&tb, 4, "JID", "AFFILIATION", "NICK", "REASON");
	for (i = 0; i < n; i++)
		table_add(&tb, jstr(v[i], "jid"), jstr(v[i], "affiliation"),
		    jstr(v[i], "nick"), jstr(v[i], "reason"));
	table_print(&tb, stdout);
	table_free(&tb);
	free(v);
}

void
render_aff_change(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	const char *jid = jstr(r, "jid"), *aff = jstr(r, "affiliation");
	const char *nick = jstr(r, "nick"), *room = arg(args, "room");

	if (c->cmd == CTL_NICK_RELEASE)
		printf("%s no longer has a reserved nick in %s", jid, room);
	else if (c->cmd == CTL_NICK_RESERVE)
		printf("%s reserved \"%s\" in %s (affiliation %s)", jid,
		    nick ? nick : "", room, aff);
	else if (c->cmd == CTL_BAN)
		printf("%s is banned from %s", jid, room);
	else
		printf("%s is now %s in %s%s%s%s", jid, aff, room,
		    nick ? " (nick \"" : "", nick ? nick : "",
		    nick ? "\")" : "");
	putchar('\n');
}

void
render_nick_show(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	const char *nick = jstr(r, "nick");

	if (nick == NULL)
		printf("%s has no reserved nick in %s\n", jstr(r, "jid"),
		    arg(args, "room"));
	else {
		put_safe(stdout, nick);
		putchar('\n');
	}
}

void
render_user_rooms(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "rooms"), *item;
	struct table tb;
	char *present;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("%s has no affiliation and no presence in any room\n",
		    jstr(r, "jid"));
		return;
	}
	table_init(&tb, 4, "ROOM", "AFFILIATION", "NICK", "PRESENT AS");
	json_array_foreach(list, i, item) {
		present = join_strings(json_object_get(item, "present_as"),
		    ", ");
		table_add(&tb, jstr(item, "room"), jstr(item, "affiliation"),
		    jstr(item, "nick"), present ? present : "?");
		free(present);
	}
	table_print(&tb, stdout);
	table_free(&tb);
}

void
render_avatar(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *a = json_object_get(r, "avatar");

	if (!json_is_object(a)) {
		printf("%s has no avatar\n", jstr(r, "room"));
		return;
	}
	printf("room   %s\ntype   %s\nsize   %lld bytes\nhash   %s\n",
	    jstr(r, "room"), jstr(a, "type"), jint(a, "size"),
	    jstr(a, "hash"));
	if (jstr(args, "file") != NULL) {
		printf("saved  ");
		put_safe(stdout, jstr(args, "file"));
		printf("\n");
	}
}

void
render_hats(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "hats"), *item;
	struct table tb;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("nobody wears a hat in %s\n", jstr(r, "room"));
		return;
	}
	table_init(&tb, 3, "JID", "URI", "TITLE");
	json_array_foreach(list, i, item)
		table_add(&tb, jstr(item, "jid"), jstr(item, "uri"),
		    jstr(item, "title"));
	table_print(&tb, stdout);
	table_free(&tb);
}

void
render_blocklist(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "blocklist"), *item;
	struct table tb;
	char t[40];
	size_t i;

	if (json_array_size(list) == 0) {
		printf("nobody is banned from the whole service\n");
		return;
	}
	table_init(&tb, 4, "JID", "SINCE", "BY", "REASON");
	json_array_foreach(list, i, item)
		table_add(&tb, jstr(item, "jid"), fmt_time(jint(item, "when"),
		    t, sizeof(t)), jstr(item, "actor"), jstr(item, "reason"));
	table_print(&tb, stdout);
	table_free(&tb);
}

void
render_nicks(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "nicks"), *item;
	struct table tb;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no reserved nicks\n");
		return;
	}
	table_init(&tb, 3, "ROOM", "NICK", "JID");
	json_array_foreach(list, i, item)
		table_add(&tb, jstr(item, "room"), jstr(item, "nick"),
		    jstr(item, "jid"));
	table_print(&tb, stdout);
	table_free(&tb);
	if (jbool(r, "truncated"))
		printf("(more not shown: use --limit or --match)\n");
}

void
render_archive_show(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "messages"), *item;
	const char *nick, *body;
	char t[40];
	size_t i;

	if (json_array_size(list) == 0)
		printf("no archived messages\n");
	json_array_foreach(list, i, item) {
		printf("%s  %s  ", fmt_time(jint(item, "stamp"), t, sizeof(t)),
		    jstr(item, "id") ? jstr(item, "id") : "?");
		nick = jstr(item, "nick");
		if (nick != NULL && *nick != '\0') {
			putchar('<');
			put_safe(stdout, nick);
			printf("> ");
		} else
			printf("(room) ");
		body = jstr(item, "body");
		if (jbool(item, "retracted"))
			printf("[retracted]");
		else
			put_safe(stdout, body ? body : "(no body)");
		putchar('\n');
	}
	if (jbool(r, "truncated"))
		printf("(older messages not shown: use --limit or --before)\n");
}

/* One line an event: when, where, who and how, what, why. */
void
render_audit(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "events"), *ev;
	const char *s;
	char t[40];
	size_t i;

	(void)m;
	(void)c;
	(void)args;
	if (json_array_size(list) == 0)
		printf("no changes recorded\n");
	json_array_foreach(list, i, ev) {
		printf("%s  ", fmt_time(jint(ev, "time"), t, sizeof(t)));
		put_safe(stdout, jstr(ev, "room"));
		printf("  %s", jstr(ev, "action"));
		if ((s = jstr(ev, "target")) != NULL) {
			putchar(' ');
			put_safe(stdout, s);
		}
		if (jstr(ev, "old") != NULL || jstr(ev, "new") != NULL) {
			printf(": ");
			put_safe(stdout, jstr(ev, "old") ? jstr(ev, "old") : "-");
			printf(" -> ");
			put_safe(stdout, jstr(ev, "new") ? jstr(ev, "new") : "-");
		}
		printf(" by ");
		put_safe(stdout, *jstr(ev, "actor") ? jstr(ev, "actor") :
		    "the service");
		printf(" (%s)", jstr(ev, "path"));
		if ((s = jstr(ev, "reason")) != NULL) {
			printf(", reason: ");
			put_safe(stdout, s);
		}
		putchar('\n');
	}
	if (jbool(r, "more"))
		fprintf(stderr, "mucctl: older changes exist; continue with "
		    "--before %s\n", jstr(r, "before"));
}

/* JSON lines whatever --json says: the format is the point. */
void
render_archive_export(struct mucctl *m, const struct command *c,
    json_t *args, json_t *r)
{
	json_t *list = json_object_get(r, "messages"), *item;
	size_t i;
	char *s;

	json_array_foreach(list, i, item) {
		if ((s = json_dumps(item, JSON_COMPACT)) == NULL)
			continue;
		puts(s);
		free(s);
	}
}

void
render_archive_stats(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	json_t *list = json_object_get(r, "rooms"), *item;
	struct table tb;
	char msgs[32], bytes[32], t[40];
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no archives\n");
		return;
	}
	table_init(&tb, 4, "ROOM", "MESSAGES", "BYTES", "OLDEST");
	json_array_foreach(list, i, item) {
		snprintf(msgs, sizeof(msgs), "%lld", jint(item, "messages"));
		snprintf(bytes, sizeof(bytes), "%lld", jint(item, "bytes"));
		table_add(&tb, jstr(item, "room"), msgs, bytes,
		    fmt_time(jint(item, "oldest"), t, sizeof(t)));
	}
	table_print(&tb, stdout);
	table_free(&tb);
	printf("total: %lld messages, %lld bytes\n",
	    jint(json_object_get(r, "total"), "messages"),
	    jint(json_object_get(r, "total"), "bytes"));
}

void
render_done(struct mucctl *m, const struct command *c, json_t *args,
    json_t *r)
{
	switch (c->cmd) {
	case CTL_ROOM_CREATE:
		printf("created %s\n", jstr(r, "jid"));
		break;
	case CTL_ROOM_DESTROY:
		printf("destroyed %s\n", arg(args, "room"));
		break;
	case CTL_ROOM_AVATAR_SET:
		printf("%s: avatar set (%s)\n", jstr(r, "room"),
		    jstr(r, "hash"));
		break;
	case CTL_ROOM_AVATAR_CLEAR:
		printf("%s: avatar removed\n", jstr(r, "room"));
		break;
	case CTL_ROOM_FORGET:
		printf("forgot the tombstone of %s\n", jstr(r, "jid"));
		break;
	case CTL_BLOCKLIST_ADD:
		printf("%s is banned from every room\n", jstr(r, "jid"));
		break;
	case CTL_BLOCKLIST_REMOVE:
		printf("%s is no longer banned from the service\n",
		    jstr(r, "jid"));
		break;
	case CTL_HATS_ADD:
	case CTL_HATS_REMOVE:
		printf("%s %s the hat ", jstr(r, "jid"), c->cmd == CTL_HATS_ADD ?
		    "wears" : "no longer wears");
		put_safe(stdout, jstr(r, "uri"));
		printf(" in %s\n", jstr(r, "room"));
		break;
	case CTL_KICK:
		printf("kicked ");
		put_safe(stdout, arg(args, "nick"));
		printf(" from %s\n", arg(args, "room"));
		break;
	case CTL_SAY:
		printf("sent to %s\n", arg(args, "room"));
		break;
	case CTL_RELOAD:
		printf("configuration reloaded%s%s\n", jstr(r, "message") ?
		    ": " : "", jstr(r, "message") ? jstr(r, "message") : "");
		break;
	case CTL_SHUTDOWN:
		printf("mucd is shutting down\n");
		break;
	case CTL_BACKUP:
		printf("backup written to %s\n", jstr(r, "dir"));
		break;
	case CTL_ROLE_SET:
		put_safe(stdout, jstr(r, "nick"));
		printf(" is now %s in %s\n", jstr(r, "role"), jstr(r, "room"));
		break;
	case CTL_SUBJECT_SET:
		if (jstr(r, "subject") == NULL) {
			printf("%s: subject cleared\n", jstr(r, "room"));
			break;
		}
		printf("%s: subject is now \"", jstr(r, "room"));
		put_safe(stdout, jstr(r, "subject"));
		printf("\"\n");
		break;
	case CTL_INVITE:
		printf("invited %s to %s\n", jstr(r, "jid"), jstr(r, "room"));
		break;
	case CTL_ARCHIVE_PURGE:
		printf("%s: archive purged%s\n", jstr(r, "room"),
		    jbool(r, "purged") ? "" : " (it was empty)");
		break;
	default:
		break;
	}
}
