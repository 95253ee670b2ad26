/*
 * client: c2s clients for the end-to-end mode, all in mucbench's one
 * loop. Login is driven by what the server sends: features -> SASL PLAIN
 * (any password: Prosody runs with insecure auth, ejabberd with an
 * extauth script that says yes; no TLS) -> stream restart -> features ->
 * bind. Then every stanza goes to the scenario.
 */
#include "e2e.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void
header(struct client *k)
{
	conn_sendf(&k->c, "<?xml version='1.0'?><stream:stream xmlns='"
	    "jabber:client' xmlns:stream='" NS_STREAM "' version='1.0' "
	    "to='%s'>", k->e->host);
}

/* SASL PLAIN: base64("" NUL user NUL password). */
static void
auth(struct client *k)
{
	char user[32], raw[80], b64[128];
	size_t ul;

	fmt(user, sizeof(user), "u%zu", k->c.idx);
	ul = strlen(user);
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, "bench", 5);
	sodium_bin2base64(b64, sizeof(b64), (unsigned char *)raw, ul + 7,
	    sodium_base64_VARIANT_ORIGINAL);
	conn_sendf(&k->c, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
	    "mechanism='PLAIN'>%s</auth>", b64);
	k->st = CL_AUTH;
}

static void
login_step(struct e2e *e, struct client *k, const struct stz *z)
{
	if (stz_is(z, "stream:features")) {
		if (k->st == CL_FEATURES)
			auth(k);
		else {
			conn_sendf(&k->c, "<iq type='set' id='bind'><bind "
			    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
			    "r</resource></bind></iq>");
			k->st = CL_BIND;
		}
	} else if (stz_is(z, "success")) {
		k->c.sc.reset = true;		/* stream restart */
		k->st = CL_FEATURES2;
		header(k);
	} else if (stz_is(z, "failure") || stz_is(z, "stream:error")) {
		die("client u%zu: login refused: %.*s", k->c.idx,
		    (int)(z->len > 300 ? 300 : z->len), z->p);
	} else if (k->st == CL_BIND && stz_is(z, "iq")) {
		if (!stz_attr_is(z, "type", "result"))
			die("client u%zu: bind failed: %.*s", k->c.idx,
			    (int)(z->len > 300 ? 300 : z->len), z->p);
		k->st = CL_READY;
		e->ready++;
		e->logging_in--;
		e2e_logged_in(e, k);
	}
}

static void
on_stz(struct bench *b, struct conn *c, const struct stz *z)
{
	struct client *k = (struct client *)c;	/* c is the first member */

	if (z->kind == STZ_OPEN)
		return;
	if (z->kind == STZ_CLOSE) {
		c->dead = true;
		snprintf(c->err, sizeof(c->err), "server closed the stream");
		return;
	}
	if (k->st < CL_READY) {
		login_step(k->e, k, z);
		return;
	}
	b->delivered++;
	e2e_stanza(k->e, k, z);
}

int
client_start(struct e2e *e, struct client *k, size_t idx)
{
	int fd = connect_loopback(e->c2s_port);

	if (fd == -1)
		return -1;
	k->e = e;
	conn_init(&k->c, e->b, fd, CLIENT_IN_CAP, CLIENT_OUT_CAP, on_stz, idx);
	k->st = CL_FEATURES;
	e->logging_in++;
	header(k);
	return 0;
}

void
client_send_join(struct client *k, const char *room, int maxhist)
{
	conn_sendf(&k->c, "<presence to='%s@%s/u%zu'><x xmlns='" NS_MUC "'>"
	    "<history maxstanzas='%d'/></x></presence>", room, k->e->muc,
	    k->c.idx, maxhist);
}
