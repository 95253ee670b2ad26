#include "multicast.h"

#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "jid.h"
#include "log.h"
#include "mucd.h"
#include "stanza.h"

/*
 * Discovery's requests are "mucd-mc-TAG-K" (K: the query), the check's
 * stanzas "mucd-mc-TAG-check" and their addresses
 * "DOMAIN/mucd-mc-TAG-mI" (message) and "...-pI" (presence). TAG is
 * random per round: answers to an earlier round are recognised as ours
 * and ignored.
 */
#define ID_PREFIX	"mucd-mc-"
#define ID_PREFIX_LEN	(sizeof(ID_PREFIX) - 1)
#define TAG_LEN		16
#define LIMIT_FIELDS	100	/* fields read in a service's limits form */

static void	choose(struct mucd *);
static void	timeout(struct loop_timer *);

const char *
multicast_state_name(enum mc_state s)
{
	switch (s) {
	case MC_OFF:		return "off";
	case MC_DISCOVERING:	return "discovering";
	case MC_CHECKING:	return "checking";
	case MC_ACTIVE:		return "active";
	case MC_NONE:		return "unavailable";
	}
	return "?";
}

static bool
named(const struct mucd *m)
{
	return strcmp(m->conf.multicast, "auto") != 0 &&
	    strcmp(m->conf.multicast, "no") != 0;
}

static void
set_why(struct multicast *mc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_why(struct multicast *mc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mc->why, sizeof(mc->why), fmt, ap);
	va_end(ap);
}

/* Forget this round: requests, the service, the check. */
static void
reset(struct mucd *m)
{
	struct multicast *mc = &m->mcast;
	unsigned i;

	loop_timer_cancel(&m->loop, &mc->timer);
	for (i = 0; i < mc->nq; i++)
		free(mc->q[i].jid);
	mc->nq = 0;
	free(mc->service);
	free(mc->to_attr);
	free(mc->seen);
	mc->service = mc->to_attr = NULL;
	mc->seen = NULL;
	mc->to_len = 0;
	mc->got = 0;
	mc->compact = false;
}

/* Nothing usable: every broadcast one copy per recipient. */
static void
none(struct mucd *m)
{
	struct multicast *mc = &m->mcast;

	reset(m);
	mc->state = MC_NONE;
}

static void
ask(struct mucd *m, const char *jid, bool items)
{
	struct multicast *mc = &m->mcast;
	struct mc_query *q;
	struct xnode *iq;

	if (mc->nq == MC_MAX_QUERIES) {
		log_debug("multicast: not asking %s: %u requests already",
		    jid, MC_MAX_QUERIES);
		return;
	}
	q = &mc->q[mc->nq];
	memset(q, 0, sizeof(*q));
	if ((q->jid = strdup(jid)) == NULL)
		return;
	q->items = items;
	iq = x_new("iq", NS_COMPONENT);
	x_set_attr(iq, "type", "get");
	x_set_attrf(iq, "id", ID_PREFIX "%s-%u", mc->tag, mc->nq);
	x_set_attr(iq, "from", m->conf.domain);
	x_set_attr(iq, "to", jid);
	x_add(iq, "query", items ? NS_DISCO_ITEMS : NS_DISCO_INFO);
	mucd_send_free(m, iq);
	mc->nq++;
}

static bool
asked(const struct multicast *mc, const char *jid)
{
	unsigned i;

	for (i = 0; i < mc->nq; i++)
		if (!mc->q[i].items && strcmp(mc->q[i].jid, jid) == 0)
			return true;
	return false;
}

void
multicast_init(struct mucd *m)
{
	memset(&m->mcast, 0, sizeof(m->mcast));
	m->mcast.timer.cb = timeout;
	m->mcast.timer.arg = m;
}

void
multicast_start(struct mucd *m)
{
	struct multicast *mc = &m->mcast;
	unsigned char raw[TAG_LEN / 2];
	size_t i;

	reset(m);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(mc->tag, sizeof(mc->tag), raw, sizeof(raw));
	if (strcmp(m->conf.multicast, "no") == 0) {
		mc->state = MC_OFF;
		set_why(mc, "not used (multicast = no): one copy per "
		    "recipient");
		log_info("multicast: %s", mc->why);
		return;
	}
	mc->stats.rounds++;
	mc->state = MC_DISCOVERING;
	set_why(mc, "looking for the server's multicast service");
	if (named(m))
		ask(m, m->conf.multicast, false);
	else
		for (i = 0; i < m->conf.nlocal_domains; i++) {
			ask(m, m->conf.local_domains[i], false);
			ask(m, m->conf.local_domains[i], true);
		}
	if (mc->nq == 0) {
		set_why(mc, "no server domain to ask (set local_domains): one "
		    "copy per recipient");
		log_warn("multicast: %s", mc->why);
		none(m);
		return;
	}
	loop_timer_set(&m->loop, &mc->timer, MC_TIMEOUT_MS);
}

void
multicast_stop(struct mucd *m)
{
	reset(m);
	m->mcast.state = MC_OFF;
	set_why(&m->mcast, "the link is down");
}

unsigned
multicast_limit(const struct mucd *m, bool presence)
{
	const struct multicast *mc = &m->mcast;

	if (mc->state != MC_ACTIVE)
		return 0;
	return presence ? mc->max_presence : mc->max_message;
}

void
multicast_sent(struct mucd *m, unsigned n)
{
	m->mcast.stats.stanzas++;
	m->mcast.stats.addresses += n;
}

/* Is the stanza's 'from' this JID (both prepared)? */
static bool
from_is(const struct xnode *st, const char *jid)
{
	char from[JID_BARE_MAX + 1];
	const char *f = x_attr(st, "from"), *why;

	if (f == NULL || jid == NULL)
		return false;
	if (strcmp(f, jid) == 0)
		return true;
	return jid_prep_bare(f, from, sizeof(from), &why) == 0 &&
	    strchr(f, '/') == NULL && strcmp(from, jid) == 0;
}

/* One message or presence to the service, bcc to n of our addresses. */
static void
send_check(struct mucd *m, const char *name, char kind, unsigned n)
{
	struct multicast *mc = &m->mcast;
	struct xnode *st = x_new(name, NS_COMPONENT), *a, *ad;
	char jid[JID_MAX + 1];
	struct buf text;
	unsigned i;

	x_set_attr(st, "from", m->conf.domain);
	x_set_attr(st, "to", mc->service);
	x_set_attrf(st, "id", ID_PREFIX "%s-check", mc->tag);
	if (kind == 'm')
		x_set_attr(st, "type", "headline");
	a = x_add(st, mc->compact ? "bcc" : "addresses", mc->compact ?
	    NS_MUCD_BCC : NS_ADDRESS);
	buf_init(&text, 0);
	for (i = 0; i < n; i++) {
		snprintf(jid, sizeof(jid), "%s/" ID_PREFIX "%s-%c%u",
		    m->conf.domain, mc->tag, kind, i);
		if (mc->compact) {
			buf_printf(&text, "%s\n", jid);
			continue;
		}
		ad = x_add(a, "address", NULL);
		x_set_attr(ad, "type", "bcc");
		x_set_attr(ad, "jid", jid);
	}
	if (mc->compact && buf_cstr(&text) == 0)
		x_add_text(a, text.data);
	buf_free(&text);
	mucd_send_free(m, st);
}

/* What a check stanza holds besides its addresses, at most. */
#define CHECK_FRAME	1024

/*
 * Addresses a stanza through the service may carry: ours, the service's
 * when it is lower, and no more than the check's fit in MC_ADDRESS_BYTES
 * and in a stanza of max_stanza_out (the service is checked with that
 * many, and used for no more).
 */
static unsigned
limit(const struct mucd *m, const char *service, unsigned theirs)
{
	size_t each = sizeof("<address type='bcc' jid='/" ID_PREFIX "-m'/>") -
	    1 + strlen(m->conf.domain) + TAG_LEN, total = 0, room;
	size_t frame = CHECK_FRAME + strlen(m->conf.domain) + strlen(service);
	unsigned n = m->conf.multicast_max_addresses, i;
	char digits[16];

	room = m->conf.max_stanza_out > frame ? m->conf.max_stanza_out - frame :
	    0;
	if (room > MC_ADDRESS_BYTES)
		room = MC_ADDRESS_BYTES;
	if (theirs != 0 && theirs < n)
		n = theirs;
	for (i = 0; i < n; i++) {
		total += each + (size_t)snprintf(digits, sizeof(digits), "%u", i);
		if (total > room)
			break;
	}
	return i;
}

/* Check the service q[k] end to end (see multicast.h). */
static void
check(struct mucd *m, unsigned k)
{
	struct multicast *mc = &m->mcast;
	struct mc_query *q = &mc->q[k];
	unsigned total;

	q->tried = true;
	free(mc->service);
	free(mc->to_attr);
	free(mc->seen);
	mc->to_attr = NULL;
	mc->got = 0;
	mc->compact = q->compact;
	mc->max_message = limit(m, q->jid, q->lim_message);
	mc->max_presence = limit(m, q->jid, q->lim_presence);
	total = mc->max_message + mc->max_presence;
	if ((mc->service = strdup(q->jid)) == NULL ||
	    st_to_attr(mc->service, &mc->to_attr, &mc->to_len) == -1 ||
	    (mc->seen = calloc(total / 8 + 1, 1)) == NULL) {
		set_why(mc, "out of memory: one copy per recipient");
		log_error("multicast: %s", mc->why);
		none(m);
		return;
	}
	mc->state = MC_CHECKING;
	set_why(mc, "checking %s", mc->service);
	log_info("multicast: checking %s with %u addresses a message and %u "
	    "a presence", mc->service, mc->max_message, mc->max_presence);
	send_check(m, "message", 'm', mc->max_message);
	send_check(m, "presence", 'p', mc->max_presence);
	loop_timer_set(&m->loop, &mc->timer, MC_TIMEOUT_MS);
}

/* The service in check failed: the next one, or none. */
static void
fail(struct mucd *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct mucd *m, const char *fmt, ...)
{
	struct multicast *mc = &m->mcast;
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	set_why(mc, "%s %s: one copy per recipient", mc->service, what);
	log_warn("multicast: %s", mc->why);
	loop_timer_cancel(&m->loop, &mc->timer);
	mc->state = MC_DISCOVERING;
	choose(m);
}

static void
activate(struct mucd *m)
{
	struct multicast *mc = &m->mcast;

	loop_timer_cancel(&m->loop, &mc->timer);
	free(mc->seen);
	mc->seen = NULL;
	mc->state = MC_ACTIVE;
	set_why(mc, "broadcasts go through %s, up to %u addresses a message "
	    "and %u a presence%s", mc->service, mc->max_message,
	    mc->max_presence, mc->compact ? " (compact addresses, "
	    NS_MUCD_BCC ")" : "");
	log_info("multicast: %s", mc->why);
}

/* The first service found that was not tried yet, in the order asked:
 * the domains' own first, then what they list. */
static void
choose(struct mucd *m)
{
	struct multicast *mc = &m->mcast;
	bool tried = false;
	unsigned k;

	for (k = 0; k < mc->nq; k++) {
		if (mc->q[k].items)
			continue;
		tried |= mc->q[k].tried;
		if (!mc->q[k].tried && (mc->q[k].offers || named(m))) {
			check(m, k);
			return;
		}
	}
	/* After a failed check, its reason stays the reason. */
	if (!tried) {
		struct buf b;

		buf_init(&b, 0);
		for (k = 0; k < m->conf.nlocal_domains && !named(m); k++)
			buf_printf(&b, "%s%s", k ? ", " : "",
			    m->conf.local_domains[k]);
		buf_cstr(&b);
		set_why(mc, "no multicast service (XEP-0033) on %s: one copy "
		    "per recipient", named(m) ? m->conf.multicast :
		    b.data ? b.data : "?");
		buf_free(&b);
		log_info("multicast: %s", mc->why);
	}
	none(m);
}

static void
read_limits(struct mc_query *q, const struct xnode *query)
{
	static const char *const vars[] = { "message", "presence", NULL };
	const struct xnode *x;
	struct form f;
	const char *v;
	char err[128], *end;
	unsigned long n;
	int i;

	for (x = x_child(query, "x", NS_XDATA); x != NULL;
	    x = x_next(x, "x", NS_XDATA)) {
		if (form_parse(&f, x, vars, LIMIT_FIELDS, err,
		    sizeof(err)) == -1)
			continue;
		for (i = 0; f.form_type != NULL &&
		    strcmp(f.form_type, NS_ADDRESS) == 0 && vars[i]; i++) {
			if ((v = form_value(&f, vars[i])) == NULL)
				continue;
			n = strtoul(v, &end, 10);
			if (*v < '0' || *v > '9' || *end != '\0' || n == 0 ||
			    n > UINT_MAX)
				continue;
			if (i == 0)
				q->lim_message = (unsigned)n;
			else
				q->lim_presence = (unsigned)n;
		}
		form_free(&f);
	}
}

static void
read_info(struct mc_query *q, const struct xnode *query)
{
	const struct xnode *f;

	for (f = x_child(query, "feature", NULL); f != NULL;
	    f = x_next(f, "feature", NULL))
		if (x_attr(f, "var") == NULL)
			continue;
		else if (strcmp(x_attr(f, "var"), NS_ADDRESS) == 0)
			q->offers = true;
		else if (strcmp(x_attr(f, "var"), NS_MUCD_BCC) == 0)
			q->compact = true;
	read_limits(q, query);
}

/* The services a domain lists: each is asked for its features. */
static void
read_items(struct mucd *m, const struct xnode *query)
{
	char jid[JID_BARE_MAX + 1];
	const struct xnode *it;
	const char *j, *why;

	for (it = x_child(query, "item", NULL); it != NULL;
	    it = x_next(it, "item", NULL)) {
		j = x_attr(it, "jid");
		if (j == NULL || x_attr(it, "node") != NULL ||
		    strchr(j, '/') != NULL ||
		    jid_prep_bare(j, jid, sizeof(jid), &why) == -1 ||
		    strcmp(jid, m->conf.domain) == 0 || asked(&m->mcast, jid))
			continue;
		ask(m, jid, false);
	}
}

/* An answer to one of discovery's requests (rest: "TAG-K"). */
static void
answer(struct mucd *m, const struct xnode *st, const char *rest)
{
	struct multicast *mc = &m->mcast;
	const struct xnode *query = st_payload(st);
	struct mc_query *q;
	unsigned long k;
	unsigned i;
	char *end;

	if (mc->state != MC_DISCOVERING ||
	    strncmp(rest, mc->tag, TAG_LEN) != 0 || rest[TAG_LEN] != '-')
		return;
	k = strtoul(rest + TAG_LEN + 1, &end, 10);
	if (*end != '\0' || k >= mc->nq)
		return;
	q = &mc->q[k];
	if (q->answered || !from_is(st, q->jid))
		return;
	q->answered = true;
	if (strcmp(st_type(st), "result") == 0 && query != NULL) {
		if (q->items && x_is(query, "query", NS_DISCO_ITEMS))
			read_items(m, query);
		else if (!q->items && x_is(query, "query", NS_DISCO_INFO))
			read_info(q, query);
	}
	for (i = 0; i < mc->nq; i++)
		if (!mc->q[i].answered)
			return;
	loop_timer_cancel(&m->loop, &mc->timer);
	choose(m);
}

/* Would a copy show its recipient the other recipients? */
static bool
shows_bcc(const struct xnode *st)
{
	const struct xnode *a, *ad;

	if (x_child(st, "bcc", NS_MUCD_BCC) != NULL)
		return true;
	for (a = x_child(st, "addresses", NS_ADDRESS); a != NULL;
	    a = x_next(a, "addresses", NS_ADDRESS))
		for (ad = x_child(a, "address", NULL); ad != NULL;
		    ad = x_next(ad, "address", NULL))
			if (x_attr(ad, "type") != NULL &&
			    strcmp(x_attr(ad, "type"), "bcc") == 0)
				return true;
	return false;
}

/* A copy of the check, to DOMAIN/mucd-mc-REST (REST: "TAG-mI"). */
static void
check_copy(struct mucd *m, const struct xnode *st, const char *rest)
{
	struct multicast *mc = &m->mcast;
	unsigned long i;
	unsigned bit;
	char *end;
	bool pres;

	if (mc->state != MC_CHECKING ||
	    strncmp(rest, mc->tag, TAG_LEN) != 0 || rest[TAG_LEN] != '-' ||
	    strcmp(st_type(st), "error") == 0)
		return;
	pres = rest[TAG_LEN + 1] == 'p';
	if ((!pres && rest[TAG_LEN + 1] != 'm') ||
	    !x_is(st, pres ? "presence" : "message", NULL))
		return;
	i = strtoul(rest + TAG_LEN + 2, &end, 10);
	if (*end != '\0' || i >= (pres ? mc->max_presence : mc->max_message))
		return;
	if (shows_bcc(st)) {
		fail(m, "leaves the bcc addresses in the copies it delivers "
		    "(every recipient would see the others' addresses)");
		return;
	}
	bit = (unsigned)i + (pres ? mc->max_message : 0);
	if (mc->seen[bit / 8] & (1u << (bit % 8)))
		return;
	mc->seen[bit / 8] |= (unsigned char)(1u << (bit % 8));
	if (++mc->got == mc->max_message + mc->max_presence)
		activate(m);
}

/* An error from the service: it refused the check, or a broadcast. */
static bool
refusal(struct mucd *m, const struct xnode *st)
{
	struct multicast *mc = &m->mcast;
	const char *cond = st_error_condition(st), *text;

	if ((mc->state != MC_CHECKING && mc->state != MC_ACTIVE) ||
	    !from_is(st, mc->service))
		return false;
	text = x_child_text(x_child(st, "error", NULL), "text", NS_STANZAS);
	if (mc->state == MC_CHECKING) {
		fail(m, "refused the check (%s%s%.200s)",
		    cond ? cond : "no condition", text ? ": " : "",
		    text ? text : "");
		return true;
	}
	mc->stats.refusals++;
	set_why(mc, "%s refused a %s to %s (%s%s%.200s): one copy per "
	    "recipient until the link is established again or the "
	    "configuration reloaded", mc->service, st->name,
	    x_attr(st, "to") ? x_attr(st, "to") : "?",
	    cond ? cond : "no condition", text ? ": " : "", text ? text : "");
	log_error("multicast: %s; its recipients did not get it", mc->why);
	reset(m);
	mc->state = MC_NONE;
	return true;
}

bool
multicast_stanza(struct mucd *m, struct xnode *st)
{
	const char *to = x_attr(st, "to"), *id = x_attr(st, "id");
	const char *type = st_type(st);
	size_t dl = strlen(m->conf.domain);

	if (to != NULL && strncmp(to, m->conf.domain, dl) == 0 &&
	    to[dl] == '/' &&
	    strncmp(to + dl + 1, ID_PREFIX, ID_PREFIX_LEN) == 0) {
		check_copy(m, st, to + dl + 1 + ID_PREFIX_LEN);
		return true;
	}
	if (x_is(st, "iq", NULL)) {
		if (id == NULL || strncmp(id, ID_PREFIX, ID_PREFIX_LEN) != 0 ||
		    (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
			return false;
		answer(m, st, id + ID_PREFIX_LEN);
		return true;
	}
	return strcmp(type, "error") == 0 && refusal(m, st);
}

static void
timeout(struct loop_timer *t)
{
	struct mucd *m = t->arg;
	struct multicast *mc = &m->mcast;
	unsigned i;

	if (mc->state == MC_DISCOVERING) {
		for (i = 0; i < mc->nq; i++)
			if (!mc->q[i].answered) {
				log_debug("multicast: no answer from %s",
				    mc->q[i].jid);
				mc->q[i].answered = true;
			}
		choose(m);
	} else if (mc->state == MC_CHECKING)
		fail(m, "returned %u of the check's %u copies within %u s",
		    mc->got, mc->max_message + mc->max_presence,
		    MC_TIMEOUT_MS / 1000);
}
