#include "ha.h"

#include <string.h>

#include "blocklist.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "mucd.h"
#include "occrepl.h"
#include "room.h"

/* The library's state is read back this often, whatever the events
 * said: a full pipe loses one, and a replica's copy becomes readable
 * without one of its own. While the site is between roles (electing,
 * or its databases not open yet: the library locks them out for a
 * moment after an election), much more often. */
#define HA_POLL_MS	1000
#define HA_SETTLE_MS	50
/* While replies are held, the group is asked again this often. */
#define HA_CONFIRM_MS	500

const char *
ha_role_name(enum store_role r)
{
	switch (r) {
	case STORE_ROLE_MASTER:		return "master";
	case STORE_ROLE_REPLICA:	return "replica";
	default:			return "none";
	}
}

bool
ha_may_change(const struct mucd *m)
{
	return !m->ha.on || m->ha.writable;
}

/* Rooms in memory are the master's: a replica's copy changes under
 * them, and a demoted master's occupants are no longer its own. */
static void
rooms_drop(struct mucd *m)
{
	rooms_free_all(m);
	if (hmap_init(&m->rooms) == -1)
		mucd_stop(m, 1);
}

/* The service-wide bans first: until they are read (the library may
 * still lock the new master out for a moment), no link. */
static bool
promote(struct mucd *m)
{
	char err[512];

	blocklist_free(m);
	if (blocklist_load(m, err, sizeof(err)) == -1) {
		if (!m->ha.unpromoted)
			log_warn("replication: not serving yet: %s", err);
		m->ha.unpromoted = true;
		return false;
	}
	if (!hagroup_publish(m))
		return false;
	m->ha.unpromoted = false;
	log_info("replication: this site is the master: serving %s",
	    m->conf.domain);
	/* Before the link: its coming up checks every session known. */
	occrepl_start(m);
	link_start(&m->link);
	return true;
}

/* Never two masters on the server: the link goes before anything else,
 * and with it every reply the group had not confirmed. */
static void
demote(struct mucd *m, enum store_role now)
{
	log_warn("replication: this site is no longer the master (%s now): "
	    "link closed", ha_role_name(now));
	link_stop(&m->link);
	if (m->ha.holding)
		ctl_drop_held(m);
	occrepl_stop(m);
	rooms_drop(m);
	m->ha.holding = false;
	loop_timer_cancel(&m->loop, &m->ha.confirm);
	daemon_notify("STATUS=replica");
}

/* True when the site has settled: the master serving, or a replica with
 * its databases open. */
static bool
ha_update(struct mucd *m)
{
	struct store_repl_view v;
	bool was = m->ha.writable;

	/* Retried every HA_SETTLE_MS: said once, until it works. */
	if (store_repl_update(m->store, &v) != STORE_OK) {
		if (!m->ha.failing)
			log_warn("replication: %s", store_errmsg(m->store));
		m->ha.failing = true;
		return false;
	}
	m->ha.failing = false;
	if (v.events & (STORE_EV_ELECTED | STORE_EV_NEWMASTER))
		m->ha.last_election = time(NULL);
	if (v.events & STORE_EV_DUPMASTER)
		log_warn("replication: two masters met; the group elects one");
	if (v.events & STORE_EV_PANIC)
		log_error("replication: the library reported a panic");
	if (v.role != m->ha.role) {
		m->ha.role_since = time(NULL);
		log_info("replication: role %s, master %s", ha_role_name(v.role),
		    v.master[0] != '\0' ? v.master : "unknown");
	}
	m->ha.role = v.role;
	memcpy(m->ha.master, v.master, sizeof(m->ha.master));
	/* Not serving yet: retried every HA_SETTLE_MS. */
	if (v.writable && !was && !promote(m))
		return false;
	if (!v.writable && was)
		demote(m, v.role);
	m->ha.writable = v.writable;
	/* A replica with a copy is what it should be: started. */
	if (v.role == STORE_ROLE_REPLICA && v.ready) {
		hagroup_check(m);
		daemon_ready();
	}
	return v.role == STORE_ROLE_MASTER ? v.writable :
	    v.role == STORE_ROLE_REPLICA && v.ready;
}

static void
on_event(struct loop_io *io, uint32_t events)
{
	struct mucd *m = io->arg;

	(void)events;
	if (!ha_update(m))
		loop_timer_set(&m->loop, &m->ha.poll, HA_SETTLE_MS);
}

static void
on_poll(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	loop_timer_set(&m->loop, t, ha_update(m) ? HA_POLL_MS :
	    HA_SETTLE_MS);
}

/* Holding: a small change of its own, committed by the turn's group
 * commit, which acknowledged confirms every one before it. */
static void
on_confirm(struct loop_timer *t)
{
	struct mucd *m = t->arg;

	if (!m->ha.holding || !m->ha.writable)
		return;
	if (store_repl_barrier(m->store) == STORE_OK)
		mucd_store_dirty(m);
	else
		loop_timer_set(&m->loop, t, HA_CONFIRM_MS);
}

/*
 * The turn's transaction did not commit: the changes it answered for
 * are gone. Their replies must not leave: the control clients that
 * asked are closed, and the link is restarted without its queue.
 */
static void
turn_lost(struct mucd *m)
{
	log_error("replication: %s; dropping the replies to them",
	    store_errmsg(m->store));
	ctl_drop_held(m);
	link_stop(&m->link);
	link_start(&m->link);
}

void
ha_committed(struct mucd *m, int rc)
{
	if (!m->ha.on)
		return;
	if (rc != STORE_OK && rc != STORE_UNACKED) {
		turn_lost(m);
		return;
	}
	if (rc == STORE_UNACKED) {
		if (!m->ha.holding)
			log_warn("replication: %s; replies wait until the "
			    "group confirms", store_errmsg(m->store));
		m->ha.holding = true;
		loop_timer_set(&m->loop, &m->ha.confirm, HA_CONFIRM_MS);
	} else if (rc == STORE_OK && m->ha.holding) {
		log_info("replication: the group confirmed the changes");
		m->ha.holding = false;
		loop_timer_cancel(&m->loop, &m->ha.confirm);
		loop_keep_awake(&m->loop);
	}
}

int
ha_init(struct mucd *m)
{
	struct ha *h = &m->ha;

	if (!store_replicated(m->store))
		return 0;
	h->on = true;
	h->role_since = time(NULL);
	h->io.fd = store_repl_fd(m->store);
	h->io.events = EPOLLIN;
	h->io.cb = on_event;
	h->io.arg = m;
	if (loop_add(&m->loop, &h->io) == -1)
		return -1;
	h->poll.cb = on_poll;
	h->poll.arg = m;
	h->confirm.cb = on_confirm;
	h->confirm.arg = m;
	on_poll(&h->poll);
	return 0;
}

void
ha_free(struct mucd *m)
{
	if (!m->ha.on)
		return;
	loop_del(&m->loop, &m->ha.io);
	loop_timer_cancel(&m->loop, &m->ha.poll);
	loop_timer_cancel(&m->loop, &m->ha.confirm);
	m->ha.on = false;
}
