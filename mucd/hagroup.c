#include "hagroup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mucd.h"

#define REC_VERSION	1

/* The record as read: pointers into the parsed JSON. */
struct rec {
	const char	*domain, *address, *acks;
	json_t		*peers;
	int		 strict;
};

static bool
rec_parse(json_t *j, struct rec *r)
{
	json_t *v;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (json_unpack(j, "{s:s,s:s,s:o,s:s,s:b}", "domain", &r->domain,
	    "address", &r->address, "peers", &r->peers, "ack_policy",
	    &r->acks, "2site_strict", &r->strict) == -1 ||
	    !json_is_array(r->peers))
		return false;
	json_array_foreach(r->peers, i, v)
		if (!json_is_string(v))
			return false;
	return true;
}

static json_t *
rec_build(const struct conf *c)
{
	json_t *peers = json_array();
	size_t i;

	for (i = 0; peers != NULL && i < c->nrepl_peers; i++)
		if (json_array_append_new(peers,
		    json_string(c->repl_peers[i])) == -1) {
			json_decref(peers);
			return NULL;
		}
	return json_pack("{s:i,s:s,s:s,s:o?,s:s,s:b}", "v", REC_VERSION,
	    "domain", c->domain, "address", c->repl_local, "peers", peers,
	    "ack_policy", conf_acks_name(c->repl_ack_policy),
	    "2site_strict", c->repl_2site_strict);
}

static void
diff_add(struct hagroup *g, const char *key, const char *here,
    const char *master, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
diff_add(struct hagroup *g, const char *key, const char *here,
    const char *master, const char *fmt, ...)
{
	struct hagroup_diff *d;
	va_list ap;

	if (g->ndiffs == HAGROUP_MAX_DIFFS)
		return;
	d = &g->diffs[g->ndiffs++];
	d->key = key;
	snprintf(d->here, sizeof(d->here), "%s", here);
	snprintf(d->master, sizeof(d->master), "%s", master);
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

static bool
peers_name(json_t *peers, const char *addr)
{
	json_t *v;
	size_t i;

	json_array_foreach(peers, i, v)
		if (conf_same_site(json_string_value(v), addr))
			return true;
	return false;
}

static bool
conf_names(const struct conf *c, const char *addr)
{
	size_t i;

	for (i = 0; i < c->nrepl_peers; i++)
		if (conf_same_site(c->repl_peers[i], addr))
			return true;
	return false;
}

/* The settings and the peer lists, against another site's record. */
static void
diffs_find(struct hagroup *g, const struct conf *c, const struct rec *r,
    const char *who)
{
	const char *acks = conf_acks_name(c->repl_ack_policy);

	if (strcmp(acks, r->acks) != 0)
		diff_add(g, "repl_ack_policy", acks, r->acks,
		    "repl_ack_policy is %s here but %s on %s %s", acks,
		    r->acks, who, r->address);
	if (c->repl_2site_strict != (r->strict != 0))
		diff_add(g, "repl_2site_strict", c->repl_2site_strict ? "yes" :
		    "no", r->strict ? "yes" : "no", "repl_2site_strict is %s "
		    "here but %s on %s %s", c->repl_2site_strict ? "yes" : "no",
		    r->strict ? "yes" : "no", who, r->address);
	if (!conf_names(c, r->address))
		diff_add(g, "repl_peers", "", "", "repl_peers does not name "
		    "%s %s (a wrong address or port?)", who, r->address);
	if (!peers_name(r->peers, c->repl_local))
		diff_add(g, "repl_peers", "", "", "%s %s does not name this "
		    "site (repl_local %s) in its repl_peers", who, r->address,
		    c->repl_local);
}

/*
 * Compare the record text with this site's configuration; who names the
 * record's writer ("the master", "the previous master"). -1: the domain
 * differs, and the daemon stops.
 */
static int
compare(struct mucd *m, const char *text, const char *who)
{
	struct hagroup *g = &m->ha.group;
	const struct conf *c = &m->conf;
	json_error_t e;
	struct rec r;
	json_t *j;
	unsigned i;
	int rc = 0;

	g->ndiffs = 0;
	if ((j = json_loads(text, 0, &e)) == NULL || !rec_parse(j, &r)) {
		log_warn("replication: the group's record is unreadable, "
		    "not compared: %s", j == NULL ? e.text : "a field is "
		    "missing or of the wrong type");
		json_decref(j);
		return 0;
	}
	if (strcmp(r.domain, c->domain) != 0) {
		log_error("replication: this site's domain is %s but the "
		    "group's is %s (the domain of %s %s): refusing to serve; "
		    "give every site of the group the same domain",
		    c->domain, r.domain, who, r.address);
		mucd_stop(m, 1);
		rc = -1;
	} else if (!conf_same_site(r.address, c->repl_local)) {
		diffs_find(g, c, &r, who);
		for (i = 0; i < g->ndiffs; i++)
			log_warn("replication: %s", g->diffs[i].message);
	}
	json_decref(j);
	return rc;
}

bool
hagroup_publish(struct mucd *m)
{
	struct hagroup *g = &m->ha.group;
	char *mine = NULL;
	json_t *j;
	int rc;

	rc = store_repl_group_get(m->store, g->seen, sizeof(g->seen));
	if (rc == STORE_OK && compare(m, g->seen, "the previous master") ==
	    -1)
		return false;
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		goto fail;
	if (rc == STORE_NOTFOUND)
		g->seen[0] = '\0';
	if ((j = rec_build(&m->conf)) == NULL || (mine = json_dumps(j,
	    JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(j);
		log_error("replication: the group's record: out of memory");
		return false;
	}
	json_decref(j);
	if (strcmp(mine, g->seen) != 0) {
		if (store_repl_group_put(m->store, mine) != STORE_OK) {
			free(mine);
			goto fail;
		}
		mucd_store_dirty(m);
		snprintf(g->seen, sizeof(g->seen), "%s", mine);
	}
	free(mine);
	g->failing = false;
	return true;
fail:
	if (!g->failing)
		log_warn("replication: not serving yet: the group's record: "
		    "%s", store_errmsg(m->store));
	g->failing = true;
	return false;
}

void
hagroup_check(struct mucd *m)
{
	struct hagroup *g = &m->ha.group;
	char rec[STORE_GROUP_MAX];

	/* Not readable now (absent, or the library holds the copy): the
	 * next update reads it again. */
	if (store_repl_group_get(m->store, rec, sizeof(rec)) != STORE_OK ||
	    strcmp(rec, g->seen) == 0)
		return;
	memcpy(g->seen, rec, sizeof(g->seen));
	(void)compare(m, rec, "the master");
}

json_t *
hagroup_json(const struct mucd *m)
{
	const struct hagroup *g = &m->ha.group;
	const struct hagroup_diff *d;
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a != NULL && i < g->ndiffs; i++) {
		d = &g->diffs[i];
		json_array_append_new(a, json_pack("{s:s,s:s?,s:s?,s:s}",
		    "key", d->key, "here", d->here[0] != '\0' ? d->here : NULL,
		    "master", d->master[0] != '\0' ? d->master : NULL,
		    "message", d->message));
	}
	return a;
}
