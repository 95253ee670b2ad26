#include "stanza.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "link.h"
#include "mucd.h"

const char *
st_type(const struct xnode *st)
{
	const char *t = x_attr(st, "type");

	return t ? t : "";
}

struct xnode *
st_payload(const struct xnode *st)
{
	struct xnode *c;

	X_FOREACH(st, c)
		return c;
	return NULL;
}

struct xnode *
st_reply(const struct xnode *req, const char *type)
{
	struct xnode *r = x_new(req->name, NS_COMPONENT);

	if (r == NULL)
		return NULL;
	x_set_attr(r, "from", x_attr(req, "to"));
	x_set_attr(r, "to", x_attr(req, "from"));
	x_set_attr(r, "id", x_attr(req, "id"));
	x_set_attr(r, "type", type);
	return r;
}

struct xnode *
st_iq_result(const struct xnode *req)
{
	const char *t = st_type(req);

	if (!x_is(req, "iq", NULL) || (strcmp(t, "get") && strcmp(t, "set")))
		return NULL;
	return st_reply(req, "result");
}

struct xnode *
st_error(const struct xnode *req, const char *etype, const char *cond,
    const char *text, const char *by)
{
	struct xnode *r, *e, *t;

	if ((r = st_reply(req, "error")) == NULL)
		return NULL;
	e = x_add(r, "error", NULL);
	x_set_attr(e, "type", etype);
	if (by != NULL)
		x_set_attr(e, "by", by);
	x_add(e, cond, NS_STANZAS);
	if (text != NULL && *text != '\0') {
		t = x_add(e, "text", NS_STANZAS);
		x_add_text(t, text);
	}
	return r;
}

void
st_send_error(struct mucd *m, const struct xnode *req, const char *etype,
    const char *cond, const char *text, const char *by)
{
	if (strcmp(st_type(req), "error") == 0 ||
	    strcmp(st_type(req), "result") == 0)
		return;
	mucd_error_sent(m, cond);
	mucd_send_free(m, st_error(req, etype, cond, text, by));
}

bool
st_fits_out(const struct mucd *m, const struct xnode *st, size_t room)
{
	struct buf b;
	bool fits;

	if (room >= m->conf.max_stanza_out)
		return false;
	/* The cap stops the serializer as soon as it is crossed. */
	buf_init(&b, m->conf.max_stanza_out - room);
	fits = x_serialize(st, &b, NS_COMPONENT) == 0;
	buf_free(&b);
	return fits;
}

void
st_send_result(struct mucd *m, const struct xnode *req, struct xnode *payload)
{
	struct xnode *r = st_iq_result(req);
	char text[128];

	if (r != NULL && payload != NULL)
		x_copy(r, payload);
	if (r != NULL && payload != NULL && !st_fits_out(m, r, 0)) {
		x_free(r);
		r = NULL;
		snprintf(text, sizeof(text), "The result would exceed the "
		    "largest stanza the service sends (%zu bytes)",
		    m->conf.max_stanza_out);
		st_send_error(m, req, ERR_CANCEL, "resource-constraint", text,
		    NULL);
	}
	x_free(payload);
	if (r != NULL)
		mucd_send_free(m, r);
}

int
st_to_attr(const char *jid, char **attr, size_t *len)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_puts(&b, " to='") == -1 || x_escape(&b, jid,
	    strlen(jid)) == -1 || buf_putc(&b, '\'') == -1) {
		buf_free(&b);
		return -1;
	}
	*len = b.len;
	*attr = buf_steal(&b);
	return *attr != NULL ? 0 : -1;
}

const char *
st_error_condition(const struct xnode *st)
{
	struct xnode *e = x_child(st, "error", NULL), *c;

	if (e == NULL)
		return NULL;
	X_FOREACH(e, c)
		if (strcmp(c->ns, NS_STANZAS) == 0 &&
		    strcmp(c->name, "text") != 0)
			return c->name;
	return NULL;
}

void
st_stamp(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define DIGIT(c)	((c) >= '0' && (c) <= '9')

int
st_parse_stamp(const char *s, long long *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	char sign;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6)
		return -1;
	p = s + n;
	if (*p == '.')		/* fractional seconds are ignored */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p;
		/* Exactly [+-]HH:MM: sscanf's %2d also takes "+1:2", and
		 * p += 6 would then step past the terminating NUL. */
		if (!DIGIT(p[1]) || !DIGIT(p[2]) || p[3] != ':' ||
		    !DIGIT(p[4]) || !DIGIT(p[5]))
			return -1;
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (sign == '-') {
			oh = -oh;
			om = -om;
		}
		p += 6;
	} else
		return -1;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm) - (oh * 3600 + om * 60);
	return 0;
}

int
st_refuse(struct muc_err *e, const char *etype, const char *cond,
    const char *text)
{
	e->type = etype;
	e->cond = cond;
	e->text = text;
	return -1;
}

void
st_send_outcome(struct mucd *m, const struct xnode *req, int rc,
    const struct muc_err *e)
{
	if (rc == -1)
		st_send_error(m, req, e->type, e->cond, e->text, NULL);
	else
		st_send_result(m, req, NULL);
}
