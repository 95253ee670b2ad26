#include "hatcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "form.h"
#include "hats.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "presence.h"
#include "room.h"
#include "stanza.h"
#include "store.h"
#include "utf8.h"

#define NS_HATS_COMMANDS	"urn:xmpp:hats:commands"

const char *const hatcmd_vars[] = { "jid", "hat_uri", "hat_title", NULL };
const char *const hatcmd_no_vars[] = { NULL };

/* Text that goes into presence attributes: valid, no control
 * characters, bounded. */
static bool
good_text(const char *s, size_t max)
{
	size_t len = strlen(s);

	return len <= max && utf8_valid(s, len) && !utf8_has_controls(s, len);
}

static int
check(struct room *r, const char *bare, const char *uri, const char *title,
    bool add, struct muc_err *e)
{
	const struct hat_wearer *w = hats_of(r, bare);
	const struct hat *h = NULL;

	/* An absolute URI: a scheme, then the rest. */
	if (*uri == '\0' || strchr(uri, ':') == NULL || *uri == ':' ||
	    !good_text(uri, HAT_URI_MAX))
		return st_refuse(e, ERR_MODIFY, "not-acceptable", "A hat's URI "
		    "must be an absolute URI of at most 1024 bytes");
	if (title != NULL && !good_text(title, HAT_TITLE_MAX))
		return st_refuse(e, ERR_MODIFY, "not-acceptable", "A hat's "
		    "title must be text of at most 1024 bytes");
	for (h = w != NULL ? w->hats : NULL; h != NULL; h = h->next)
		if (strcmp(h->uri, uri) == 0)
			break;
	if (!add && h == NULL)
		return st_refuse(e, ERR_CANCEL, "item-not-found", "That user "
		    "does not wear that hat in this room");
	if (add && h == NULL && w != NULL &&
	    w->n >= r->mucd->conf.max_hats_per_user)
		return st_refuse(e, ERR_WAIT, "policy-violation", "That user "
		    "wears as many hats as the service allows "
		    "(max_hats_per_user)");
	return 0;
}

struct hat_write {
	const char	*bare, *uri, *title;
	bool		 add;
};

static int
write_hat(struct room *r, struct store_txn *txn, void *arg)
{
	const struct hat_write *w = arg;

	return w->add ? store_hat_put(txn, r->jid, w->bare, w->uri,
	    w->title) : store_hat_del(txn, r->jid, w->bare, w->uri);
}

/* The wearer's occupants show themselves again, hats and all. */
static void
republish(struct room *r, const char *bare)
{
	struct occupant *o, **hit;
	struct pub p = { 0 };
	const char *k;
	size_t i, n = 0, cap = room_sessions_of(r, bare);

	if (cap == 0 || (hit = calloc(cap, sizeof(*hit))) == NULL)
		return;
	for (i = 0; hmap_next(&r->occupants, &i, &k, (void **)&o) && n < cap; )
		if (strcmp(o->bare, bare) == 0)
			hit[n++] = o;
	for (i = 0; i < n; i++)
		occupant_publicise(r, hit[i], &p);
	free(hit);
}

int
hat_change(struct room *r, const char *actor, const char *bare,
    const char *uri, const char *title, bool add, struct muc_err *e)
{
	struct hat_write w = { bare, uri, title, add };

	if (check(r, bare, uri, title, add, e) == -1)
		return -1;
	audit_note(r->mucd, r->jid, add ? "hat.add" : "hat.remove", bare,
	    add ? NULL : uri, add ? uri : NULL, title);
	if (room_store_change(r, "a hat", write_hat, &w, e) == -1)
		return -1;
	if (add ? hats_put(r, bare, uri, title) == -1 :
	    !hats_remove(r, bare, uri)) {
		log_error("room %s: out of memory changing a hat", r->jid);
		return st_refuse(e, ERR_WAIT, "resource-constraint", NULL);
	}
	log_info("room %s: %s %s the hat %s%s%s", r->jid, bare,
	    add ? "wears" : "no longer wears", uri, actor ? " by " : "",
	    actor ? actor : "");
	republish(r, bare);
	return 0;
}

/* ---- ad-hoc commands ---- */

static void
hat_form(struct adhoc_req *q, const char *title, bool with_title)
{
	struct xnode *x;

	x = form_new(q->cmd, "form", NS_HATS_COMMANDS, title, NULL);
	form_set_required(form_add_field(x, "jid", "jid-single", "Jabber ID",
	    NULL));
	if (with_title)
		form_add_field(x, "hat_title", "text-single", "Hat title",
		    NULL);
	form_set_required(form_add_field(x, "hat_uri", "text-single",
	    "Hat URI", NULL));
}

void
hatcmd_don_form(struct adhoc_req *q)
{
	hat_form(q, "Add a hat to a user", true);
}

void
hatcmd_doff_form(struct adhoc_req *q)
{
	hat_form(q, "Remove a hat from a user", false);
}

static void
hat_run(struct adhoc_req *q, const struct form *f, bool add)
{
	const char *jid = form_value(f, "jid"), *uri = form_value(f, "hat_uri");
	char bare[JID_BARE_MAX + 1];
	struct muc_err e;
	const char *why;

	q->note_type = "error";
	if (jid == NULL || *jid == '\0' || uri == NULL || *uri == '\0') {
		buf_puts(&q->note, "jid and hat_uri are required");
		return;
	}
	if (jid_prep_bare(jid, bare, sizeof(bare), &why) == -1 ||
	    strchr(jid, '/') != NULL) {
		buf_printf(&q->note, "Invalid JID: %s", strchr(jid, '/') ?
		    "a bare JID is expected" : why);
		return;
	}
	if (hat_change(q->r, q->from->full, bare, uri, form_value(f,
	    "hat_title"), add, &e) == -1) {
		buf_printf(&q->note, "%s", e.text ? e.text : e.cond);
		return;
	}
	q->note_type = "info";
	buf_puts(&q->note, add ? "Hat added" : "Hat removed");
}

void
hatcmd_don_run(struct adhoc_req *q, const struct form *f)
{
	hat_run(q, f, true);
}

void
hatcmd_doff_run(struct adhoc_req *q, const struct form *f)
{
	hat_run(q, f, false);
}

void
hatcmd_dlist_run(struct adhoc_req *q, const struct form *f)
{
	const struct hat_wearer *w;
	const struct hat *h;
	struct xnode *x, *rep, *item;
	const char *k;
	size_t i;

	(void)f;
	x = form_new(q->cmd, "result", NULL, "List of users with hats", NULL);
	rep = x_add(x, "reported", NULL);
	form_add_field(rep, "jid", NULL, "Jabber ID", NULL);
	form_add_field(rep, "hat_title", NULL, "Hat title", NULL);
	form_add_field(rep, "hat_uri", NULL, "Hat URI", NULL);
	for (i = 0; hmap_next(&q->r->hats, &i, &k, (void **)&w); )
		for (h = w->hats; h != NULL; h = h->next) {
			item = x_add(x, "item", NULL);
			form_add_field(item, "jid", NULL, NULL, w->bare);
			form_add_field(item, "hat_title", NULL, NULL, h->title);
			form_add_field(item, "hat_uri", NULL, NULL, h->uri);
		}
}
