/*
 * fuzz_ctl_json: the control channel (mucd/ctl.c line framing, limits and
 * replies; mucd/ctlcmd.c commands) through the real Unix socket.
 *
 * Per input: a fixture made with real stanzas (a temporary room with two
 * occupants and some history, a persistent room with affiliations), then
 * the input written to a fresh control connection as it is: any bytes,
 * usually newline-delimited JSON requests. Every reply must be a
 * well-formed JSON reply object (harness.c), the output to the server
 * well-formed, the model and the store consistent.
 *
 * One rewrite keeps the machine safe: a "backup" request with an absolute
 * "dir" gets the harness's scratch directory instead.
 */
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "link.h"
#include "room.h"
#include "router.h"

#define U1	"romeo@localhost/balcony"
#define U2	"juliet@localhost/chamber"

static const char *fixture[] = {
	"<presence xmlns='jabber:component:accept' from='" U1 "' to='room@"
	    FZ_DOMAIN "/Romeo'><x xmlns='http://jabber.org/protocol/muc'/>"
	    "</presence>",
	"<presence xmlns='jabber:component:accept' from='" U2 "' to='room@"
	    FZ_DOMAIN "/Juliet'><x xmlns='http://jabber.org/protocol/muc'/>"
	    "<status>here</status></presence>",
	"<message xmlns='jabber:component:accept' from='" U1 "' to='room@"
	    FZ_DOMAIN "' type='groupchat'><body>hello</body></message>",
	"<presence xmlns='jabber:component:accept' from='" U1 "' to='hall@"
	    FZ_DOMAIN "/Romeo'><x xmlns='http://jabber.org/protocol/muc'/>"
	    "</presence>",
	"<iq xmlns='jabber:component:accept' from='" U1 "' to='hall@" FZ_DOMAIN
	    "' type='set' id='c1'><query xmlns='http://jabber.org/protocol/"
	    "muc#owner'><x xmlns='jabber:x:data' type='submit'><field var="
	    "'FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig"
	    "</value></field><field var='muc#roomconfig_persistentroom'>"
	    "<value>1</value></field><field var='muc#roomconfig_publicroom'>"
	    "<value>1</value></field></x></query></iq>",
	"<iq xmlns='jabber:component:accept' from='" U1 "' to='hall@" FZ_DOMAIN
	    "' type='set' id='a1'><query xmlns='http://jabber.org/protocol/"
	    "muc#admin'><item affiliation='member' jid='juliet@localhost' "
	    "nick='Jules'/><item affiliation='outcast' jid='evil.example'/>"
	    "</query></iq>",
	"<presence xmlns='jabber:component:accept' from='" U1 "' to='hall@"
	    FZ_DOMAIN "/Romeo' type='unavailable'/>",
};

static char backup_dir[512];

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

/* Never let a request make mucd write a backup somewhere real. */
static void
append_line(struct buf *b, const char *line, size_t n)
{
	json_t *req, *args, *dir;
	const char *cmd;
	char *s;

	req = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
	if (req != NULL && json_is_object(req) &&
	    (cmd = json_string_value(json_object_get(req, "cmd"))) != NULL &&
	    strcmp(cmd, "backup") == 0 &&
	    json_is_object(args = json_object_get(req, "args")) &&
	    json_is_string(dir = json_object_get(args, "dir")) &&
	    json_string_value(dir)[0] == '/') {
		json_object_set_new(args, "dir", json_string(backup_dir));
		if ((s = json_dumps(req, JSON_COMPACT)) != NULL) {
			buf_puts(b, s);
			free(s);
		}
	} else
		buf_append(b, line, n);
	json_decref(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *p = (const char *)data, *end = p + size, *nl;
	char err[256];
	struct xnode *st;
	struct buf in;
	size_t i;
	int fd;

	if (!ready) {
		struct fz_opts o = { .conf_extra = "room_locking = no\n"
		    "history_persist = yes\n", .control = true };

		fz_init(&o);
		snprintf(backup_dir, sizeof(backup_dir), "%s/backup", fz_dir);
		fz_m.link.state = LINK_UP;
		ready = true;
	}
	for (i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++) {
		st = xml_parse(fixture[i], strlen(fixture[i]),
		    &fz_m.link.limits, err, sizeof(err));
		if (st == NULL)
			fz_die("fixture %zu: %s", i, err);
		router_stanza(&fz_m, st);
		fz_turn();
	}
	buf_init(&in, 0);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		append_line(&in, p, (size_t)((nl ? nl : end) - p));
		if (nl != NULL)
			buf_putc(&in, '\n');
		p = nl ? nl + 1 : end;
	}
	fd = fz_ctl_connect();
	if (in.len > 0)
		fz_ctl_send(fd, in.data, in.len);
	fz_ctl_close(fd);
	buf_free(&in);
	if (fz_m.shutting_down) {
		/* lifecycle_finish's part: persistent rooms are saved. */
		struct room *r;
		const char *k;

		for (i = 0; hmap_next(&fz_m.rooms, &i, &k, (void **)&r); )
			if (r->stored)
				room_save(r);
	}
	fz_check_output(fz_m.link.out.data, fz_m.link.out.len, false, NULL);
	fz_check_rooms(fz_m.shutting_down);
	fz_check_store();
	nftw(backup_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fz_reset();
	return 0;
}
