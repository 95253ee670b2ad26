#include "hats.h"

#include <stdlib.h>
#include <string.h>

#include "mucd.h"
#include "room.h"
#include "store.h"
#include "xml.h"

static void
hat_free(struct hat *h)
{
	free(h->uri);
	free(h->title);
	free(h);
}

static void
wearer_free(struct hat_wearer *w)
{
	struct hat *h, *next;

	for (h = w->hats; h != NULL; h = next) {
		next = h->next;
		hat_free(h);
	}
	free(w->bare);
	free(w);
}

const struct hat_wearer *
hats_of(const struct room *r, const char *bare)
{
	return hmap_get(&r->hats, bare);
}

static struct hat *
find(struct hat_wearer *w, const char *uri)
{
	struct hat *h;

	for (h = w->hats; h != NULL; h = h->next)
		if (strcmp(h->uri, uri) == 0)
			return h;
	return NULL;
}

static struct hat_wearer *
wearer(struct room *r, const char *bare)
{
	struct hat_wearer *w = hmap_get(&r->hats, bare);

	if (w != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->bare = strdup(bare)) == NULL ||
	    hmap_put(&r->hats, w->bare, w) == -1) {
		if (w != NULL)
			free(w->bare);
		free(w);
		return NULL;
	}
	return w;
}

int
hats_put(struct room *r, const char *bare, const char *uri,
    const char *title)
{
	struct hat_wearer *w;
	struct hat *h, **tail;
	char *t;

	if ((w = wearer(r, bare)) == NULL ||
	    (t = strdup(title != NULL ? title : "")) == NULL)
		return -1;
	if ((h = find(w, uri)) != NULL) {
		free(h->title);
		h->title = t;
		return 0;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->uri = strdup(uri)) == NULL) {
		free(h);
		free(t);
		return -1;
	}
	h->title = t;
	for (tail = &w->hats; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h;
	w->n++;
	return 0;
}

bool
hats_remove(struct room *r, const char *bare, const char *uri)
{
	struct hat_wearer *w = hmap_get(&r->hats, bare);
	struct hat **pp, *h;

	if (w == NULL)
		return false;
	for (pp = &w->hats; (h = *pp) != NULL; pp = &h->next)
		if (strcmp(h->uri, uri) == 0) {
			*pp = h->next;
			hat_free(h);
			if (--w->n == 0) {
				hmap_del(&r->hats, w->bare);
				wearer_free(w);
			}
			return true;
		}
	return false;
}

struct loading {
	struct room	*r;
	bool		 failed;
};

static int
load_cb(void *arg, const char *bare, const char *uri, const char *title)
{
	struct loading *l = arg;

	if (hats_put(l->r, bare, uri, title) == -1) {
		l->failed = true;
		return 1;
	}
	return 0;
}

int
hats_load(struct room *r)
{
	struct loading l = { r, false };
	struct store *st = r->mucd->store;

	if (st == NULL)
		return 0;
	if (store_hat_iter(st, r->jid, load_cb, &l) < 0 || l.failed)
		return -1;
	return 0;
}

int
hats_store_all(struct room *r, struct store_txn *txn)
{
	const struct hat_wearer *w;
	const struct hat *h;
	const char *k;
	size_t i;
	int rc;

	for (i = 0; hmap_next(&r->hats, &i, &k, (void **)&w); )
		for (h = w->hats; h != NULL; h = h->next)
			if ((rc = store_hat_put(txn, r->jid, w->bare, h->uri,
			    h->title)) != STORE_OK)
				return rc;
	return STORE_OK;
}

void
hats_free(struct room *r)
{
	struct hat_wearer *w;
	const char *k;
	size_t i;

	for (i = 0; hmap_next(&r->hats, &i, &k, (void **)&w); )
		wearer_free(w);
	hmap_free(&r->hats);
}

void
hats_add_element(const struct room *r, const char *bare,
    struct xnode *presence)
{
	const struct hat_wearer *w = hmap_get(&r->hats, bare);
	const struct hat *h;
	struct xnode *hats, *hat;

	if (w == NULL)
		return;
	hats = x_add(presence, "hats", NS_HATS);
	for (h = w->hats; h != NULL; h = h->next) {
		hat = x_add(hats, "hat", NULL);
		x_set_attr(hat, "uri", h->uri);
		if (*h->title != '\0')
			x_set_attr(hat, "title", h->title);
	}
}
