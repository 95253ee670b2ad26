/*
 * history: the room's recent messages, replayed to people entering
 * (XEP-0045 7.2.15, with XEP-0203 delays), honouring the client's
 * <history maxchars maxstanzas seconds since/>. Kept serialized, so a
 * replay costs one splice per message. Optionally persisted (see
 * history_persist in mucd.conf(5)).
 */
#ifndef MUCD_HISTORY_H
#define MUCD_HISTORY_H

#include "xml.h"

struct room;
struct store_txn;

/* What an entering client asked for (<history maxchars maxstanzas
 * seconds since/>), with the room's default when it asked nothing. */
struct hist_req {
	long long	 maxchars, maxstanzas, since;
	bool		 has_chars, has_stanzas, has_since;
};

/* Is this broadcast message worth keeping (Prosody's rules: bodies,
 * store hints, encrypted payloads, chat markers)? */
int	 history_is_historic(const struct xnode *msg);
/* Keep a copy of a broadcast message (from=occupant JID, no 'to'),
 * sent by bare (NULL: the room). Rooms that archive keep none. */
void	 history_add(struct room *, const struct xnode *msg,
	    const char *bare);
/* Drop the entry with this stanza-id (sent by bare, unless NULL): a
 * retracted message is no history. True if there was one. */
bool	 history_forget(struct room *, const char *sid, const char *bare);
/* Replay to a session entering with join presence `join`. */
void	 history_send(struct room *, const char *to, const struct xnode *join);
/* Apply a changed history_length (drops the oldest beyond it). */
void	 history_resize(struct room *);
/* The newest n entries, oldest first, for the control channel. */
typedef void (*history_cb)(void *, long long stamp, const char *xml,
	    size_t len);
void	 history_each(struct room *, unsigned n, history_cb, void *);
void	 history_free(struct room *);
int	 history_load(struct room *);
int	 history_store_all(struct room *, struct store_txn *);

#endif
