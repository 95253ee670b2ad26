/*
 * storerepl: the store replicated with Berkeley DB's Replication Manager
 * (repmgr): the environment opened with DB_INIT_REP, the sites of the
 * group, elections, acknowledgement policies and the automatic internal
 * initialisation of a new or lagging site are all the library's; this
 * file configures it and follows its state.
 *
 * Threads. The Replication Manager runs threads of its own inside the
 * library. They call back in two places only: the event callback, which
 * writes one byte (the event's number) to a pipe that the daemon's event
 * loop reads (store_repl_fd), and BDB's error callback, which ignores
 * them (see bdb_errcall). Everything else runs in the thread that opened
 * the store, when the loop says so (store_repl_update).
 *
 * Roles. The master opens the databases for writing (creating what is
 * absent); a replica opens them, and writes nothing, once it has
 * synchronised with the master (DB_EVENT_REP_STARTUPDONE). A replica
 * elected keeps its handles; it reopens them when the library
 * reinitialised its copy or a call found them dead (a rollback). A
 * demoted master closes them, dropping the turn it had not committed.
 *
 * Acknowledgements. Every change of a loop turn is a child of one
 * transaction (store.c), whose commit record is the turn's one
 * DB_REP_PERMANENT message: the library then waits in the committing
 * thread, at most REPL_ACK_TIMEOUT, for the sites the policy requires.
 * Acknowledgements are cumulative (a site acknowledges a log position
 * once it holds everything before it), so the last commit of a turn
 * confirms the turn. The library counts the commits it could not get
 * confirmed (st_perm_failed); a commit that moved the count was not
 * confirmed. Nor was one made while fewer sites were connected than the
 * policy needs: the library counts a peer whose connection it has lost
 * as no peer at all, and then needs nothing from it.
 *
 * The group is the library's: its membership database, replicated like
 * the rest, lists the sites. A site without one (an empty data
 * directory) asks the sites it names to let it join: the master adds it
 * to the group, which then initialises its copy, so an existing group
 * need not name a new site beforehand. When no site answers as the
 * master, there is no group yet: the site founds it with the static
 * list of the configuration, every site marked DB_LEGACY, so any of the
 * founding sites may start first.
 */
#include "storeint.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPL_THREADS		3	/* repmgr message threads */
#define US			1000000U
/* How long a commit waits for the group's acknowledgements. */
#define REPL_ACK_TIMEOUT	(1 * US)
/*
 * A master that dies with its host closes its connections: replicas
 * notice at once. A master that stops answering (a stopped process, a
 * partition) is noticed when its heartbeats stop.
 */
#define REPL_HEARTBEAT_SEND	(US / 2)
#define REPL_HEARTBEAT_MONITOR	(2 * US)
#define REPL_ELECTION_TIMEOUT	(2 * US)
#define REPL_ELECTION_RETRY	(1 * US)
#define REPL_CONNECTION_RETRY	(1 * US)
/* A file Berkeley DB writes only in a replicated environment. */
#define REPL_MARK_FILE		"__db.rep.egen"
#define BARRIER_KEY		"repl_barrier"

struct store_repl {
	int		 rfd, wfd;	/* the event pipe */
	unsigned	 events;	/* STORE_EV_* not yet reported */
	enum store_role	 role;		/* what the databases are open as */
	bool		 reopen;	/* the handles must be reopened */
	uint64_t	 barrier;	/* barrier records written */
	unsigned	 needed;	/* other sites a change needs */
	bool		 serving;	/* writable was reported */
};

/* Runs in the library's threads: one byte, nothing else. A full pipe
 * loses it; the state is read back from the library anyway. */
static void
repl_event(DB_ENV *env, u_int32_t which, void *info)
{
	struct store *st = env->app_private;
	unsigned char b = which > 255 ? 255 : (unsigned char)which;

	(void)info;
	if (write(st->repl->wfd, &b, 1) != 1) {
		/* Full or closing: see above. */
	}
}

static unsigned
event_bit(unsigned char which)
{
	switch (which) {
	case DB_EVENT_REP_ELECTED:		return STORE_EV_ELECTED;
	case DB_EVENT_REP_NEWMASTER:		return STORE_EV_NEWMASTER;
	case DB_EVENT_REP_MASTER:		return STORE_EV_MASTER;
	case DB_EVENT_REP_CLIENT:		return STORE_EV_CLIENT;
	case DB_EVENT_REP_PERM_FAILED:		return STORE_EV_PERM_FAILED;
	case DB_EVENT_REP_CONNECT_ESTD:		return STORE_EV_CONNECT;
	case DB_EVENT_REP_CONNECT_BROKEN:	return STORE_EV_DISCONNECT;
	case DB_EVENT_REP_DUPMASTER:		return STORE_EV_DUPMASTER;
	case DB_EVENT_REP_INIT_DONE:		return STORE_EV_INIT_DONE;
	case DB_EVENT_REP_STARTUPDONE:		return STORE_EV_STARTUPDONE;
	case DB_EVENT_REP_ELECTION_FAILED:	return STORE_EV_ELECTION_FAILED;
	case DB_EVENT_REP_JOIN_FAILURE:		return STORE_EV_JOIN_FAILED;
	case DB_EVENT_REP_MASTER_FAILURE:	return STORE_EV_MASTER_FAILURE;
	case DB_EVENT_PANIC:			return STORE_EV_PANIC;
	default:				return 0;
	}
}

static int
site_add(struct store *st, const char *addr, bool local)
{
	char host[CONF_HOST_MAX + 1];
	const char *why;
	unsigned port;
	DB_SITE *s;
	int rc;

	if (conf_addr_split(addr, host, sizeof(host), &port, &why) == -1) {
		store_set_msg(st, "replication address '%s': %s", addr, why);
		return STORE_ERR;
	}
	if ((rc = st->env->repmgr_site(st->env, host, port, &s, 0)) != 0)
		return store_fail(st, rc, "replication site %s", addr);
	if ((rc = s->set_config(s, local ? DB_LOCAL_SITE :
	    DB_BOOTSTRAP_HELPER, 1)) == 0 && !local)
		rc = s->set_config(s, DB_LEGACY, 1);
	(void)s->close(s);
	return rc == 0 ? STORE_OK : store_fail(st, rc, "replication site %s",
	    addr);
}

static int
ack_policy(enum repl_acks a)
{
	switch (a) {
	case ACKS_ALL:		return DB_REPMGR_ACKS_ALL;
	case ACKS_ONE:		return DB_REPMGR_ACKS_ONE;
	case ACKS_NONE:		return DB_REPMGR_ACKS_NONE;
	default:		return DB_REPMGR_ACKS_QUORUM;
	}
}

/* How many of the other sites must hold a change, as the library
 * counts for the policy when every site is connected. */
static unsigned
acks_needed(const struct store_repl_opts *o)
{
	switch (o->acks) {
	case ACKS_ALL:		return (unsigned)o->npeers;
	case ACKS_ONE:		return o->npeers > 0;
	case ACKS_NONE:		return 0;
	default:
		return o->npeers > 1 || o->strict ? (unsigned)o->npeers / 2 :
		    (unsigned)o->npeers;
	}
}

static int
set_timeouts(struct store *st)
{
	static const struct { int which; db_timeout_t us; } t[] = {
		{ DB_REP_ACK_TIMEOUT, REPL_ACK_TIMEOUT },
		{ DB_REP_HEARTBEAT_SEND, REPL_HEARTBEAT_SEND },
		{ DB_REP_HEARTBEAT_MONITOR, REPL_HEARTBEAT_MONITOR },
		{ DB_REP_ELECTION_TIMEOUT, REPL_ELECTION_TIMEOUT },
		{ DB_REP_ELECTION_RETRY, REPL_ELECTION_RETRY },
		{ DB_REP_CONNECTION_RETRY, REPL_CONNECTION_RETRY },
		/* The master pauses its checkpoints this long for the
		 * replicas' cache flushes (30 s by default): in the one
		 * loop's thread, never. */
		{ DB_REP_CHECKPOINT_DELAY, 0 },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if ((rc = st->env->rep_set_timeout(st->env, t[i].which,
		    t[i].us)) != 0)
			return store_fail(st, rc, "replication timeouts");
	return STORE_OK;
}

static int
repl_new(struct store *st)
{
	struct store_repl *r;
	int fds[2];

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return store_fail(st, ENOMEM, "replication");
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(r);
		return store_fail(st, errno, "replication: event pipe");
	}
	r->rfd = fds[0];
	r->wfd = fds[1];
	st->repl = r;
	return STORE_OK;
}

/*
 * Can this site listen on repl_local? Asked before anything else: the
 * library asks the group to let a new site join before it listens, and
 * the master would add an address this site can never serve to the
 * group, where it counts towards every majority.
 */
static int
local_check(struct store *st, const char *addr)
{
	struct addrinfo hints, *res, *ai;
	char host[CONF_HOST_MAX + 1], port[8];
	const char *why;
	unsigned p;
	int fd, one = 1, err = EADDRNOTAVAIL;

	if (conf_addr_split(addr, host, sizeof(host), &p, &why) == -1) {
		store_set_msg(st, "replication address '%s': %s", addr, why);
		return STORE_ERR;
	}
	snprintf(port, sizeof(port), "%u", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		store_set_msg(st, "replication: repl_local %s: no such host",
		    addr);
		return STORE_ERR;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			err = 0;
		else if (err != EADDRINUSE)
			err = errno;
		(void)close(fd);
		if (err == 0)
			break;
	}
	freeaddrinfo(res);
	if (err == 0)
		return STORE_OK;
	store_set_msg(st, "replication: cannot listen on repl_local %s: %s",
	    addr, err == EADDRNOTAVAIL ? "not an address of this host" :
	    err == EADDRINUSE ? "the port is in use" : strerror(err));
	return STORE_ERR;
}

/*
 * The library's settings, before the environment opens: the sites, this
 * site's priority, the policy, the timeouts. NOWAIT: while a replica
 * synchronises, calls fail with DB_REP_LOCKOUT instead of blocking the
 * daemon's one thread. BULK: a turn's log records go out in one message
 * with its commit; one by one, on the library's connections (which keep
 * Nagle's algorithm), each commit waited out the peer's delayed TCP
 * acknowledgement, 40 ms. The deadlock detector resolves a replica's
 * reads against the transactions the library applies.
 */
int
repl_configure(struct store *st, const struct store_repl_opts *o)
{
	DB_ENV *env = st->env;
	size_t i;
	int rc;

	if ((rc = local_check(st, o->local)) != STORE_OK ||
	    (rc = repl_new(st)) != STORE_OK)
		return rc;
	st->repl->needed = acks_needed(o);
	if ((rc = env->set_event_notify(env, repl_event)) != 0)
		return store_fail(st, rc, "replication events");
	if ((rc = site_add(st, o->local, true)) != STORE_OK)
		return rc;
	for (i = 0; i < o->npeers; i++)
		if ((rc = site_add(st, o->peers[i], false)) != STORE_OK)
			return rc;
	if ((rc = env->rep_set_priority(env, o->priority)) != 0 ||
	    (rc = env->repmgr_set_ack_policy(env, ack_policy(o->acks))) != 0 ||
	    (rc = env->rep_set_config(env, DB_REPMGR_CONF_2SITE_STRICT,
	    o->strict)) != 0 ||
	    (rc = env->rep_set_config(env, DB_REP_CONF_NOWAIT, 1)) != 0 ||
	    (rc = env->rep_set_config(env, DB_REP_CONF_BULK, 1)) != 0 ||
	    (rc = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0)
		return store_fail(st, rc, "replication settings");
	return set_timeouts(st);
}

/* No site answered as the master: this one founds the group with the
 * others of the configuration (see the top of the file). */
static int
found_group(struct store *st)
{
	DB_SITE *s;
	int rc;

	/* The join's complaints are not the next error's detail. */
	st->bdbmsg[0] = '\0';
	if ((rc = st->env->repmgr_local_site(st->env, &s)) != 0)
		return rc;
	rc = s->set_config(s, DB_LEGACY, 1);
	(void)s->close(s);
	return rc;
}

/*
 * Join the group: connect to the others and hold an election. A site
 * without the group's membership database (an empty one) first asks
 * the others to let it join; the master adds it to the group, which
 * initialises its copy. When none answers as the master, the group does
 * not exist yet and this site founds it.
 */
int
repl_start(struct store *st)
{
	int rc;

	if ((rc = st->env->repmgr_start(st->env, REPL_THREADS,
	    DB_REP_ELECTION)) == DB_REP_UNAVAIL && (rc = found_group(st)) == 0)
		rc = st->env->repmgr_start(st->env, REPL_THREADS,
		    DB_REP_ELECTION);
	if (rc == 0)
		return STORE_OK;
	if (rc == EADDRINUSE || rc == EADDRNOTAVAIL)
		return store_fail(st, rc, "replication: cannot listen on "
		    "repl_local (an address of another host, or a port in "
		    "use)");
	return store_fail(st, rc, "replication: start");
}

/* After the environment's close, which stops the library's threads. */
void
repl_free(struct store *st)
{
	if (st->repl == NULL)
		return;
	(void)close(st->repl->rfd);
	(void)close(st->repl->wfd);
	free(st->repl);
	st->repl = NULL;
}

bool
repl_writable(const struct store *st)
{
	return st->repl->role == STORE_ROLE_MASTER && store_dbs_are_open(st);
}

/*
 * A serving master's lockouts are a moment's (a site joining, the
 * library updating the group's membership after an election): its
 * transactions wait them out rather than fail a request, in short steps.
 * Not the library's own wait (DB_REP_CONF_NOWAIT stays set): it sleeps
 * five seconds at a time, and a new master would stop serving that long.
 */
#define LOCKOUT_STEP_US		5000
#define LOCKOUT_WAIT_US		(2 * US)

int
repl_txn_begin(struct store *st, DB_TXN *parent, DB_TXN **txn,
    u_int32_t flags)
{
	unsigned waited = 0;
	int rc;

	while ((rc = st->env->txn_begin(st->env, parent, txn, flags)) ==
	    DB_REP_LOCKOUT && st->repl != NULL && st->repl->serving &&
	    waited < LOCKOUT_WAIT_US) {
		usleep(LOCKOUT_STEP_US);
		waited += LOCKOUT_STEP_US;
	}
	return rc;
}

bool
repl_reads_wait(const struct store *st)
{
	return st->repl != NULL && st->repl->role == STORE_ROLE_REPLICA;
}

bool
repl_dir_is_replicated(const char *dir)
{
	char path[PATH_MAX];
	struct stat sb;

	return (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    REPL_MARK_FILE) < sizeof(path) && stat(path, &sb) == 0;
}

static int
perm_failed(struct store *st, uintmax_t *n)
{
	DB_REPMGR_STAT *sp;
	int rc;

	if ((rc = st->env->repmgr_stat(st->env, &sp, 0)) != 0)
		return rc;
	*n = sp->st_perm_failed;
	free(sp);
	return 0;
}

/* The other sites connected now; 0 if the library cannot say. */
static unsigned
connected(struct store *st)
{
	DB_REPMGR_SITE *list;
	u_int n, i, up = 0;

	if (st->env->repmgr_site_list(st->env, &n, &list) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (list[i].status == DB_REPMGR_CONNECTED)
			up++;
	free(list);
	return up;
}

int
repl_commit_turn(struct store *st)
{
	DB_TXN *t = st->turn;
	uintmax_t before, after;
	bool counted;
	int rc;

	st->turn = NULL;
	st->turn_changes = 0;
	if (t == NULL && st->turn_lost) {
		st->turn_lost = false;
		store_set_msg(st, "a commit of this turn's changes failed: "
		    "they are lost");
		return STORE_ERR;
	}
	if (t == NULL)
		return st->unacked ? STORE_UNACKED : STORE_OK;
	counted = perm_failed(st, &before) == 0;
	/* WRITE_NOSYNC as in store_commit: store_sync makes it durable. */
	if ((rc = t->commit(t, DB_TXN_WRITE_NOSYNC)) != 0)
		return store_fail(st, rc, "commit of the turn's changes");
	/* Acknowledgements are cumulative: this one confirms all before. */
	if (counted && perm_failed(st, &after) == 0 && after == before &&
	    connected(st) >= st->repl->needed) {
		st->unacked = false;
		return STORE_OK;
	}
	st->unacked = true;
	store_set_msg(st, "the replication group did not acknowledge the "
	    "changes within %u ms", REPL_ACK_TIMEOUT / 1000);
	return STORE_UNACKED;
}

int
store_repl_barrier(struct store *st)
{
	unsigned char v[8];
	uint64_t n = ++st->repl->barrier;
	int i;

	for (i = 7; i >= 0; i--, n >>= 8)
		v[i] = (unsigned char)(n & 0xff);
	return meta_put(st, BARRIER_KEY, v, sizeof(v), "replication: barrier");
}

int
store_repl_fd(const struct store *st)
{
	return st != NULL && st->repl != NULL ? st->repl->rfd : -1;
}

bool
store_replicated(const struct store *st)
{
	return st != NULL && st->repl != NULL;
}

void
repl_note_error(struct store *st, int rc)
{
	unsigned char b = 0;

	if (st->repl == NULL || rc != DB_REP_HANDLE_DEAD)
		return;
	/* Wake the loop, which reopens them (store_repl_update). */
	st->repl->reopen = true;
	if (write(st->repl->wfd, &b, 1) != 1) {
		/* Full: a wake-up is pending anyway. */
	}
}

static void
drain(struct store_repl *r)
{
	unsigned char buf[256];
	ssize_t n, i;

	while ((n = read(r->rfd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			r->events |= event_bit(buf[i]);
}

static void
addr_text(const char *host, u_int port, char *out, size_t len)
{
	snprintf(out, len, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    host, port);
}

static void
local_addr(struct store *st, char *out, size_t len)
{
	const char *host;
	DB_SITE *s;
	u_int port;

	out[0] = '\0';
	if (st->env->repmgr_local_site(st->env, &s) != 0)
		return;
	if (s->get_address(s, &host, &port) == 0)
		addr_text(host, port, out, len);
	(void)s->close(s);
}

/* "HOST:PORT" of the master, or "" while there is none. */
static void
master_addr(struct store *st, const DB_REP_STAT *sp, char *out, size_t len)
{
	DB_REPMGR_SITE *list;
	u_int n, i;

	out[0] = '\0';
	if (sp->st_status == DB_REP_MASTER) {
		local_addr(st, out, len);
		return;
	}
	if (sp->st_master < 0 ||
	    st->env->repmgr_site_list(st->env, &n, &list) != 0)
		return;
	for (i = 0; i < n; i++)
		if (list[i].eid == sp->st_master)
			addr_text(list[i].host, list[i].port, out, len);
	free(list);
}

/* A site just elected holds the application out for a moment more:
 * it serves once a transaction can begin. */
static bool
locked_out(struct store *st)
{
	DB_TXN *t;
	int rc;

	if ((rc = st->env->txn_begin(st->env, NULL, &t, DB_TXN_NOWAIT)) == 0)
		(void)t->abort(t);
	return rc == DB_REP_LOCKOUT;
}

/* Open the databases as role, or leave them closed for now. */
static int
open_as(struct store *st, enum store_role role, bool startup_done)
{
	struct store_repl *r = st->repl;
	int rc;

	if (role == STORE_ROLE_NONE ||
	    (role == STORE_ROLE_REPLICA && !startup_done))
		return STORE_OK;
	if ((rc = store_dbs_open(st, role == STORE_ROLE_MASTER)) != STORE_OK)
		return rc;
	r->role = role;
	return STORE_OK;
}

/*
 * What changed since the last call: the events (drained from the pipe),
 * the role and the master (from the library), and the databases opened
 * or closed to match. Failing to open them is not an error for a replica
 * (it may not have the master's files yet): it is not ready, and the
 * next update tries again.
 */
int
store_repl_update(struct store *st, struct store_repl_view *v)
{
	struct store_repl *r = st->repl;
	enum store_role role, was = r->role;
	bool reopen;
	DB_REP_STAT *sp;
	int rc;

	memset(v, 0, sizeof(*v));
	drain(r);
	v->events = r->events;
	r->events = 0;
	if ((rc = st->env->rep_stat(st->env, &sp, 0)) != 0)
		return store_fail(st, rc, "replication status");
	role = sp->st_status == DB_REP_MASTER ? STORE_ROLE_MASTER :
	    sp->st_status == DB_REP_CLIENT ? STORE_ROLE_REPLICA :
	    STORE_ROLE_NONE;
	master_addr(st, sp, v->master, sizeof(v->master));
	/*
	 * The handles stay open across elections and a promotion: closing
	 * one waits out the library's lockout, which a role change holds
	 * for seconds. A demoted master closes them (dropping its turn); a
	 * replica reopens them when the library replaced its files, or
	 * when a call found them dead (repl_note_error).
	 */
	reopen = r->reopen || (was == STORE_ROLE_MASTER &&
	    role != STORE_ROLE_MASTER) || (role == STORE_ROLE_REPLICA &&
	    (v->events & STORE_EV_INIT_DONE));
	if (!reopen && store_dbs_are_open(st)) {
		if (role == STORE_ROLE_MASTER)
			r->role = role;
	} else {
		store_dbs_close(st);
		r->role = STORE_ROLE_NONE;
		r->reopen = false;
		if ((rc = open_as(st, role, sp->st_startup_complete)) !=
		    STORE_OK && role == STORE_ROLE_MASTER) {
			free(sp);
			return rc;
		}
	}
	free(sp);
	v->role = role;
	v->ready = store_dbs_are_open(st);
	/* Once serving, a master stays so while it is one. */
	v->writable = v->ready && r->role == STORE_ROLE_MASTER &&
	    role == STORE_ROLE_MASTER && (r->serving || !locked_out(st));
	r->serving = v->writable;
	return STORE_OK;
}

static void
lsn_text(const DB_LSN *l, char *out, size_t len)
{
	snprintf(out, len, "%u/%u", (unsigned)l->file, (unsigned)l->offset);
}

/* Bytes from a to b in the log, approximately across files. */
static unsigned long long
lsn_gap(const DB_LSN *a, const DB_LSN *b, u_int32_t filesize)
{
	if (b->file < a->file || (b->file == a->file &&
	    b->offset <= a->offset))
		return 0;
	return (unsigned long long)(b->file - a->file) * filesize +
	    b->offset - a->offset;
}

/* This site first, then the others as the library knows them. */
static void
sites_fill(struct store *st, const DB_REP_STAT *sp,
    struct store_repl_stats *s)
{
	DB_REPMGR_SITE *list;
	struct store_repl_site *x;
	u_int n, i;

	x = &s->sites[s->nsites++];
	local_addr(st, x->addr, sizeof(x->addr));
	x->local = x->connected = true;
	x->master = sp->st_status == DB_REP_MASTER;
	if (st->env->repmgr_site_list(st->env, &n, &list) != 0)
		return;
	for (i = 0; i < n && s->nsites < CONF_REPL_MAX_SITES; i++) {
		x = &s->sites[s->nsites++];
		addr_text(list[i].host, list[i].port, x->addr,
		    sizeof(x->addr));
		x->connected = list[i].status == DB_REPMGR_CONNECTED;
		x->master = list[i].eid == sp->st_master &&
		    sp->st_status != DB_REP_MASTER;
	}
	free(list);
}

int
store_repl_stats(struct store *st, struct store_repl_stats *s)
{
	DB_REP_STAT *sp;
	u_int32_t filesize = 0;
	uintmax_t failed = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if (st->repl == NULL)
		return STORE_NOTFOUND;
	if ((rc = st->env->rep_stat(st->env, &sp, 0)) != 0)
		return store_fail(st, rc, "replication status");
	(void)st->env->get_lg_max(st->env, &filesize);
	(void)perm_failed(st, &failed);
	s->role = sp->st_status == DB_REP_MASTER ? STORE_ROLE_MASTER :
	    sp->st_status == DB_REP_CLIENT ? STORE_ROLE_REPLICA :
	    STORE_ROLE_NONE;
	master_addr(st, sp, s->master, sizeof(s->master));
	s->ready = store_dbs_are_open(st);
	s->startup_done = sp->st_startup_complete;
	s->gen = sp->st_gen;
	s->elections = sp->st_elections;
	s->elections_won = sp->st_elections_won;
	s->election_ms = sp->st_election_sec * 1000ULL +
	    sp->st_election_usec / 1000;
	s->txns_applied = sp->st_txns_applied;
	s->unacknowledged = failed;
	lsn_text(&sp->st_next_lsn, s->lsn, sizeof(s->lsn));
	/* A master: the log the group has not confirmed yet. A replica:
	 * the gap it is waiting to fill, if any. */
	if (s->role == STORE_ROLE_MASTER)
		s->lag_bytes = lsn_gap(&sp->st_max_perm_lsn,
		    &sp->st_next_lsn, filesize);
	else if (sp->st_waiting_lsn.file != 0)
		s->lag_bytes = lsn_gap(&sp->st_next_lsn, &sp->st_waiting_lsn,
		    filesize);
	sites_fill(st, sp, s);
	free(sp);
	return STORE_OK;
}
