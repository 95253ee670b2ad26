/*
 * hagroup: what makes the sites of a replication group one service,
 * checked with the group's own means. The master records its domain, its
 * replication address, its peers and its acknowledgement settings in the
 * data (store_repl_group_put) when it starts serving; the record reaches
 * every site with the rest, and each compares it with its own
 * configuration: a replica whenever the record it reads changes (its
 * copy ready, a new master), a new master with the record it replaces.
 *
 * Another domain is fatal: rooms are stored under their JIDs, so such a
 * site would serve none of them, or serve them under a name that is not
 * theirs. It stops (exit status 1, a configuration error) and never
 * serves. Other differences are warnings, kept for `mucctl replication
 * status`. The keys compared are all restart-only: a reload changes none.
 */
#ifndef MUCD_HAGROUP_H
#define MUCD_HAGROUP_H

#include <stdbool.h>

#include <jansson.h>

#include "store.h"

struct mucd;

#define HAGROUP_MAX_DIFFS	4

struct hagroup_diff {
	const char	*key;		/* the configuration key */
	char		 here[16];	/* a setting's two values, or "" */
	char		 master[16];
	char		 message[STORE_ADDR_MAX * 2 + 160];
};

struct hagroup {
	char		 seen[STORE_GROUP_MAX];	/* the record last compared */
	bool		 failing;	/* the last publish failed (said once) */
	unsigned	 ndiffs;
	struct hagroup_diff diffs[HAGROUP_MAX_DIFFS];
};

/* The master, before it serves: compare with the previous master's
 * record, then write its own. False: not now (retried), or stopping. */
bool	 hagroup_publish(struct mucd *);
/* A replica with a copy: compare with the record if it changed. */
void	 hagroup_check(struct mucd *);
/* The differences, for replication status. */
json_t	*hagroup_json(const struct mucd *);

#endif
