/*
 * archive: the room archive (XEP-0313's store side) and stanza ids
 * (XEP-0359). Every groupchat message a room accepts gets the room's
 * stanza-id; where the room archives, the message is in the store's
 * transaction log before any copy is queued (durable with the loop
 * turn's group commit, like every change), or it is refused. Join
 * history then comes from the archive. Retention (by age, by count, and
 * operators' purges) and the deletion of dropped archives run a bounded
 * batch at a time from a timer, never as one long sweep.
 *
 * The query protocol is mam.c; moderation and retraction moderate.c.
 */
#ifndef MUCD_ARCHIVE_H
#define MUCD_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "xml.h"

struct mucd;
struct room;
struct occupant;
struct muc_err;
struct room_config;

#define NS_SID		"urn:xmpp:sid:0"
/* What a stored stanza (store_arch_rec.xml) starts with. */
#define ARCH_MSG_OPEN	"<message"
#define ARCH_SID_LEN	16	/* base64url of 12 random bytes */

/* Does the room archive (its setting, and a store to keep it in)? */
bool	 archive_on(const struct room *);
/*
 * A groupchat message the room is about to broadcast (from its occupant
 * JID, no 'to'): stanza-ids the sender put in go, the room's goes in,
 * and where the room archives and keep says it is worth keeping
 * (history_is_historic) it is stored. o is NULL for the room's own
 * messages. -1 with e set if it could not be stored: nothing may then
 * be sent.
 */
int	 archive_message(struct room *, struct xnode *msg,
	    const struct occupant *o, bool keep, struct muc_err *e);
/* The same in two steps, for a relay that checks its budget between
 * them (room_relay): the room's stanza-id in, then, as the relay's
 * admission (a relay_admit on a struct archive_admission), the store. */
void	 archive_stamp_id(struct room *, struct xnode *msg);
struct archive_admission {
	struct room		*r;
	struct xnode		*msg;
	const struct occupant	*o;
	bool			 keep;
};
int	 archive_admit(void *admission, const struct buf *ser,
	    struct muc_err *);
/*
 * A message from an archive export (archive.import): its stanza-id as
 * mucd makes them, its time, its sender, and the stanza as exported (a
 * groupchat <message/> in jabber:client, parsed).
 */
struct archive_import {
	const char	*sid;
	long long	 stamp;		/* seconds since the epoch */
	const char	*nick;		/* "" for the room's own */
	const char	*jid;		/* the sender's real bare JID, or "" */
	bool		 retracted;	/* a moderation's tombstone */
	struct xnode	*msg;
};
/* Why in is not a message archive_import could store (NULL: it is). */
const char *archive_import_check(const struct archive_import *in);
/*
 * Store the n messages of in (each checked) in one transaction, each
 * after the room's newest, at its own time where that is later; from
 * the room's occupant JID of its nick, whichever room it was archived
 * in; a stanza-id the room holds already is skipped. *added: how many
 * were (dry: would be) stored. -1 on a store failure: none was.
 */
int	 archive_import(struct room *, struct archive_import *in, size_t n,
	    bool dry, size_t *added);
/* The room's archive entry, loaded (and for a new room, cleared of what
 * a former room of that JID left) on first use; NULL if it has none and
 * create is false, or on a store failure (*failed). */
struct store_arch_room *archive_room(struct room *, bool create,
	    bool *failed);
/* Retention for a room with configuration c, the stricter of its own
 * and the service's: below which seq records are past their age (0:
 * none are), and how many it keeps (0: no limit). */
uint64_t archive_age_cut(const struct mucd *, const struct room_config *);
uint64_t archive_keep(const struct mucd *, const struct room_config *);
/* The lowest seq a reader may see now: purges and the age limit. */
uint64_t archive_floor(const struct room *, const struct store_arch_room *);
/*
 * A stored message into b: as a stanza of its own for the component
 * stream (forward false: join history; 'to' goes after ARCH_MSG_OPEN),
 * or with its namespace spelled out to sit inside a <forwarded/>
 * (forward true: MAM results); either way with the room's stanza-id
 * (stored apart, not in the XML) and extra, serialized elements, added
 * last (a delay, a real JID). -1 if it is not one.
 */
int	 archive_render(const struct store_arch_item *, const char *roomjid,
	    bool forward, const char *extra, size_t extralen, struct buf *);
/* The stanza-id of a stored message, its seq as a timestamp, for
 * results: "YYYY-MM-DDThh:mm:ssZ". */
void	 archive_stamp(uint64_t seq, char *out, size_t outlen);
/* Replace an archived message with a tombstone (its body gone) whose
 * payload is `retracted` (an urn:xmpp:message-retract:1 <retracted/>,
 * taken over). */
int	 archive_tombstone(struct room *, const struct store_arch_item *,
	    struct xnode *retracted);
/* The room is going: drop its archive, or keep it for a later room of
 * the same JID. Runs in txn when given, else in its own. */
int	 archive_forget(struct room *, struct store_txn *, bool keep);

#endif
