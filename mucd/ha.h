/*
 * ha: the daemon's side of replication (common/storerepl.c). The
 * Replication Manager's news arrive through its pipe in the one loop;
 * the role it gives this site is acted on here. The master opens the
 * link and serves; a replica keeps the link closed and no room in
 * memory (its copy changes under it), and its control socket answers
 * what reads the copy (ctlcmd.c refuses changes with not-master).
 *
 * Acknowledged means replicated: when a turn's group commit was not
 * acknowledged by the group, the link's output and the replies of the
 * control clients that asked for changes wait (ha.holding) until a
 * later commit is: acknowledgements are cumulative, so one confirms all
 * before it. A site demoted meanwhile drops what it held with its link
 * (the control clients' held replies go with their connections).
 */
#ifndef MUCD_HA_H
#define MUCD_HA_H

#include <stdbool.h>
#include <time.h>

#include "hagroup.h"
#include "loop.h"
#include "store.h"

struct mucd;

struct ha {
	struct loop_io		 io;		/* the store's event pipe */
	struct loop_timer	 poll;		/* state read back regularly */
	struct loop_timer	 confirm;	/* ask again while holding */
	enum store_role		 role;
	bool			 on;		/* the store is replicated */
	bool			 writable;	/* the master, serving */
	bool			 holding;	/* replies wait for the group */
	bool			 failing;	/* the last update failed */
	bool			 unpromoted;	/* ... or the promotion */
	char			 master[STORE_ADDR_MAX];
	time_t			 role_since;
	time_t			 last_election;	/* when one was last won or
						   a new master announced */
	struct hagroup		 group;		/* the sites agree? */
};

/* Follow the store's replication, if it has any; the first role is
 * taken at once. */
int	 ha_init(struct mucd *);
void	 ha_free(struct mucd *);
/* May this site change the data (not replicated, or the master)? */
bool	 ha_may_change(const struct mucd *);
/* The turn's group commit came back: STORE_UNACKED holds the replies. */
void	 ha_committed(struct mucd *, int rc);
const char *ha_role_name(enum store_role);

#endif
