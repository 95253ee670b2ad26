/*
 * blocklist: the service-wide ban list — bare JIDs and domains banned
 * from every room of the service, whatever the rooms' own affiliations
 * say (room_affiliation() reports them as outcasts; service admins
 * cannot be banned). This is the model: the table in struct mucd, loaded
 * from the store when the daemon starts. Banning, with its effects on
 * the rooms, is ban.c's.
 *
 * Record (blocklist.db, version 1): {"v":1,"reason":"...","actor":"...",
 * "when":<unix>}; reason optional; actor is who banned (a JID, or
 * "control" for the control socket).
 */
#ifndef MUCD_BLOCKLIST_H
#define MUCD_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>

struct mucd;

struct block {
	char		*jid;		/* bare JID or domain: the key */
	char		*reason;	/* NULL: none */
	char		*actor;
	long long	 when;
};

/* From the store (the daemon, and maintenance mode, when starting); -1
 * with a message in err. */
int	 blocklist_load(struct mucd *, char *err, size_t errlen);
void	 blocklist_free(struct mucd *);
/* Is bare (or its domain) banned from the whole service? */
bool	 blocklist_bans(const struct mucd *, const char *bare);
const struct block *blocklist_get(const struct mucd *, const char *jid);
/* The stored record of b (malloc'd), NULL on OOM. */
char	*blocklist_encode(const struct block *);
/* In memory, after the store has it: add (replace) or drop. -1 on OOM. */
int	 blocklist_put(struct mucd *, const char *jid, const char *reason,
	    const char *actor, long long when);
void	 blocklist_del(struct mucd *, const char *jid);

#endif
