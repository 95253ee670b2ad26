/*
 * ctlrepl: the replication group as this site sees it, through the
 * control channel: its role, the master, every site with its state, the
 * lag and the last election (the library's numbers, store_repl_stats),
 * and how this site's configuration differs from the master's
 * (hagroup.c).
 */
#include "ctlreq.h"

#include <stdio.h>

#include "ha.h"
#include "mucd.h"
#include "store.h"

static json_t *
sites_json(const struct store_repl_stats *s)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a != NULL && i < s->nsites; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:b,s:b}",
		    "address", s->sites[i].addr, "local", s->sites[i].local,
		    "connected", s->sites[i].connected,
		    "master", s->sites[i].master));
	return a;
}

void
cmd_replication_status(struct req *q)
{
	struct mucd *m = q->m;
	struct store_repl_stats s;
	int rc;

	if ((rc = store_repl_stats(m->store, &s)) == STORE_NOTFOUND) {
		req_fail(q, CTL_E_NOT_FOUND, "this mucd is not replicated "
		    "(no repl_local in its configuration)");
		return;
	}
	if (rc != STORE_OK) {
		req_fail(q, CTL_E_INTERNAL, "%s", store_errmsg(m->store));
		return;
	}
	req_ok(q, json_pack("{s:s,s:s?,s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,"
	    "s:I,s:I,s:s,s:I,s:o,s:o}",
	    "role", ha_role_name(s.role),
	    "master", s.master[0] != '\0' ? s.master : NULL,
	    "serving", m->ha.writable, "ready", s.ready,
	    "holding_replies", m->ha.holding,
	    "role_since", (json_int_t)m->ha.role_since,
	    "last_election", (json_int_t)m->ha.last_election,
	    "generation", (json_int_t)s.gen,
	    "elections", (json_int_t)s.elections,
	    "elections_won", (json_int_t)s.elections_won,
	    "last_election_ms", (json_int_t)s.election_ms,
	    "txns_applied", (json_int_t)s.txns_applied,
	    "unacknowledged", (json_int_t)s.unacknowledged,
	    "log_end", s.lsn, "lag_bytes", (json_int_t)s.lag_bytes,
	    "sites", sites_json(&s), "mismatches", hagroup_json(m)));
}
