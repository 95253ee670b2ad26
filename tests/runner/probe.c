/*
 * probe: readiness check for the fixture. Log in as a throwaway user and
 * ask DOMAIN for disco#info every 100 ms until it answers with a result:
 * that proves the server accepts logins and (for a component domain) the
 * component is attached and answering.
 */
#include "scsrun.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROBE_EVERY_MS	100

struct probe {
	struct ctx	*x;
	struct client	*c;
	const char	*domain;
	char		 last[600];	/* last reason for not being ready */
};

static bool
has_reply(void *arg)
{
	const struct client *c = arg;

	return c->qhead != NULL || !client_connected(c);
}

static int
send_disco(struct probe *p)
{
	struct xnode *iq = x_new("iq", NS_CLIENT);
	int rc = -1;

	if (iq != NULL && x_add(iq, "query", NS_DISCO_INFO) != NULL) {
		x_set_attr(iq, "type", "get");
		x_set_attr(iq, "to", p->domain);
		x_set_attrf(iq, "id", "probe-%lu", ++p->x->serial);
		rc = client_send(p->c, iq);
	}
	x_free(iq);
	if (rc == -1)
		snprintf(p->last, sizeof(p->last), "sending disco#info: %s",
		    p->c->err[0] ? p->c->err : "not connected");
	return rc;
}

/* 1: result seen; 0: not yet (p->last says why). */
static int
check_replies(struct probe *p)
{
	struct xnode *st;
	const char *type, *id;
	char why[256];
	int done = 0;

	while ((st = client_pop(p->c)) != NULL) {
		type = x_attr(st, "type");
		id = x_attr(st, "id");
		if (x_is(st, "iq", NS_CLIENT) && id != NULL &&
		    strncmp(id, "probe-", 6) == 0 && type != NULL) {
			if (strcmp(type, "result") == 0)
				done = 1;
			else if (strcmp(type, "error") == 0) {
				stanza_error_desc(st, why, sizeof(why));
				snprintf(p->last, sizeof(p->last),
				    "disco#info to %s: error: %s", p->domain,
				    why);
			}
		}
		x_free(st);
	}
	return done;
}

/* One round: (re)connect if needed, ask, wait up to PROBE_EVERY_MS. */
static int
probe_round(struct probe *p, long long deadline)
{
	long long next = now_ms() + PROBE_EVERY_MS;

	if (!client_connected(p->c) || p->c->state != CS_READY) {
		if (client_connect(p->c, (long)(deadline - now_ms())) == -1) {
			snprintf(p->last, sizeof(p->last), "%s", p->c->err);
			net_pump(p->x, next < deadline ? next : deadline, NULL,
			    NULL);
			return 0;
		}
		next = now_ms() + PROBE_EVERY_MS;
	}
	if (send_disco(p) == -1)
		return 0;
	net_pump(p->x, next < deadline ? next : deadline, has_reply, p->c);
	if (check_replies(p))
		return 1;
	/* A reply came early: still pace the probes. */
	net_pump(p->x, next < deadline ? next : deadline, NULL, NULL);
	return check_replies(p);
}

int
probe_main(struct ctx *x, const char *domain)
{
	struct probe p = { x, NULL, domain, "no attempt made" };
	struct client c;
	char jid[JID_MAX + 1], err[512];
	long long start = now_ms(), deadline = start + x->o.timeout_ms;
	int ok = 0;

	snprintf(jid, sizeof(jid), "probe@%s/probe-%ld", x->o.server_domain,
	    (long)getpid());
	if (client_init(&c, x, "probe", jid, "probe", err, sizeof(err)) == -1) {
		fprintf(stderr, "scsrun: %s\n", err);
		client_fini(&c);
		return 2;
	}
	x->cl = &c;
	x->ncl = 1;
	p.c = &c;
	x->t0 = start;
	while (!ok && now_ms() < deadline)
		ok = probe_round(&p, deadline);
	if (client_connected(&c)) {
		struct client *v = &c;

		client_disconnect(x, &v, 1);
	}
	client_fini(&c);
	x->cl = NULL;
	x->ncl = 0;
	if (ok) {
		printf("probe: %s answered disco#info after %lld ms\n", domain,
		    now_ms() - start);
		return 0;
	}
	fprintf(stderr, "probe: %s not ready after %ld.%03ld s: %s\n", domain,
	    x->o.timeout_ms / 1000, x->o.timeout_ms % 1000, p.last);
	return 1;
}
