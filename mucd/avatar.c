#include "avatar.h"

#include <stdlib.h>
#include <string.h>

#include "mucd.h"
#include "room.h"
#include "store.h"
#include "xml.h"

const char *
avatar_image_type(const unsigned char *p, size_t n)
{
	static const struct {
		const char	*type;
		size_t		 off;
		const char	*magic;
		size_t		 len;
	} kinds[] = {
		{ "image/png", 0, "\x89PNG\r\n\x1a\n", 8 },
		{ "image/jpeg", 0, "\xff\xd8\xff", 3 },
		{ "image/gif", 0, "GIF87a", 6 },
		{ "image/gif", 0, "GIF89a", 6 },
		{ "image/webp", 8, "WEBP", 4 },
	};
	size_t i;

	/* WebP is a RIFF file: "RIFF", a length, then "WEBP". */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= kinds[i].off + kinds[i].len &&
		    memcmp(p + kinds[i].off, kinds[i].magic, kinds[i].len) ==
		    0 && (kinds[i].off == 0 || memcmp(p, "RIFF", 4) == 0))
			return kinds[i].type;
	return NULL;
}

struct room_avatar *
avatar_new(const char *type, const unsigned char *data, size_t len)
{
	struct room_avatar *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->type = strdup(type)) == NULL ||
	    (a->data = malloc(len)) == NULL) {
		avatar_free(a);
		return NULL;
	}
	memcpy(a->data, data, len);
	a->len = len;
	sha1_hex(data, len, a->hash);
	return a;
}

void
avatar_free(struct room_avatar *a)
{
	if (a == NULL)
		return;
	free(a->type);
	free(a->data);
	free(a);
}

int
avatar_load(struct room *r)
{
	struct store_avatar sa;
	int rc;

	if (r->mucd->store == NULL)
		return 0;
	if ((rc = store_avatar_get(r->mucd->store, r->jid, &sa)) ==
	    STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return -1;
	r->avatar = avatar_new(sa.type, sa.data, sa.len);
	store_avatar_free(&sa);
	return r->avatar != NULL ? 0 : -1;
}

int
avatar_store(struct room *r, struct store_txn *txn)
{
	struct store_avatar sa;

	if (r->avatar == NULL)
		return STORE_OK;
	sa.type = r->avatar->type;
	sa.data = r->avatar->data;
	sa.len = r->avatar->len;
	return store_avatar_put(txn, r->jid, &sa);
}

struct xnode *
avatar_update(const struct room *r)
{
	struct xnode *pr = x_new("presence", NS_COMPONENT), *x;

	x_set_attr(pr, "from", r->jid);
	x = x_add(pr, "x", NS_VCARD_UPDATE);
	x = x_add(x, "photo", NULL);
	if (r->avatar != NULL)
		x_add_text(x, r->avatar->hash);
	return pr;
}
