#include "ban.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "blocklist.h"
#include "log.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"

#define ACTOR_CONTROL	"control"

/* One write, durable with the next group commit. */
static int
store_change(struct mucd *m, const char *jid, const struct block *b,
    struct muc_err *e)
{
	struct store_txn *txn;
	char *json = NULL;
	int rc;

	if (m->store == NULL)
		return 0;
	if (b != NULL && (json = blocklist_encode(b)) == NULL)
		return st_refuse(e, ERR_WAIT, "resource-constraint", NULL);
	if ((rc = store_begin(m->store, &txn)) == STORE_OK) {
		rc = b != NULL ? store_block_put(txn, jid, json) :
		    store_block_del(txn, jid);
		if (rc == STORE_OK)
			rc = audit_commit(m, txn);
		else {
			store_abort(txn);
			audit_discard(m);
		}
	} else
		audit_discard(m);
	free(json);
	if (rc == STORE_OK) {
		mucd_store_dirty(m);
		return 0;
	}
	m->stats.store_errors++;
	log_error("service ban of %s: %s", jid, store_errmsg(m->store));
	return st_refuse(e, ERR_WAIT, rc == STORE_FULL ? "resource-constraint" :
	    "internal-server-error", "Could not store the change");
}

/* Everyone banned leaves every room, each room telling its own. */
static void
evict(struct mucd *m, const char *jid, const char *reason, const char *actor)
{
	struct aff_change c = { .aff = AFF_OUTCAST, .reason = reason };
	struct room **rooms, *r;
	const char *k;
	size_t i, n = 0, cap = hmap_count(&m->rooms);

	if (cap == 0 || (rooms = calloc(cap, sizeof(*rooms))) == NULL)
		return;
	snprintf(c.bare, sizeof(c.bare), "%s", jid);
	/* Collected first: a room emptied may go away. */
	for (i = 0; hmap_next(&m->rooms, &i, &k, (void **)&r); )
		if (room_count_occupants(r) > 0) {
			room_hold(r);
			rooms[n++] = r;
		}
	for (i = 0; i < n; i++) {
		affiliation_effects(rooms[i], actor, &c, AFF_NONE, false);
		room_release(rooms[i]);
	}
	free(rooms);
}

int
ban_service(struct mucd *m, const char *jid, const char *reason,
    const char *actor, struct muc_err *e)
{
	struct block b = { (char *)jid, (char *)reason,
		(char *)(actor != NULL ? actor : ACTOR_CONTROL),
		(long long)time(NULL) };

	if (reason != NULL && *reason == '\0')
		b.reason = NULL;
	if (mucd_is_admin(m, jid))
		return st_refuse(e, ERR_CANCEL, "not-allowed", "Service "
		    "administrators cannot be banned");
	/* A service-wide event: the trail's room is "". */
	audit_note(m, NULL, "service.ban", jid, NULL, "banned", b.reason);
	if (store_change(m, jid, &b, e) == -1)
		return -1;
	if (blocklist_put(m, jid, b.reason, b.actor, b.when) == -1) {
		log_error("service ban of %s: out of memory", jid);
		return st_refuse(e, ERR_WAIT, "resource-constraint", NULL);
	}
	log_info("%s banned from every room by %s%s%s", jid, b.actor,
	    b.reason ? ": " : "", b.reason ? b.reason : "");
	evict(m, jid, b.reason, actor);
	return 0;
}

int
unban_service(struct mucd *m, const char *jid, const char *actor,
    struct muc_err *e)
{
	if (blocklist_get(m, jid) == NULL)
		return st_refuse(e, ERR_CANCEL, "item-not-found", "That JID "
		    "is not banned from the service");
	audit_note(m, NULL, "service.unban", jid, "banned", NULL, NULL);
	if (store_change(m, jid, NULL, e) == -1)
		return -1;
	blocklist_del(m, jid);
	log_info("%s no longer banned from every room, by %s", jid,
	    actor != NULL ? actor : ACTOR_CONTROL);
	return 0;
}
