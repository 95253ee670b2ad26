#include "ctlreq.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "jid.h"
#include "mucd.h"
#include "room.h"
#include "stanza.h"
#include "store.h"


void
req_fail(struct req *q, enum ctl_err code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply_error(q->c, q->id, code, "%s", msg);
}

void
req_ok(struct req *q, json_t *result)
{
	ctl_reply_ok(q->c, q->id, result);
}

/* Argument helpers. */

const char *
req_str(struct req *q, const char *name)
{
	json_t *v = json_object_get(q->args, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
req_need_str(struct req *q, const char *name)
{
	const char *s = req_str(q, name);

	if (s == NULL || *s == '\0')
		req_fail(q, CTL_E_BAD_REQUEST, "missing argument \"%s\"", name);
	return s;
}

/* A room name: a JID on our domain, or just the local part. */
int
req_room_jid(struct req *q, const char *s, char *out, size_t outlen)
{
	char tmp[JID_BARE_MAX + 1];
	const char *why;
	struct jid j;

	if (strchr(s, '@') == NULL) {
		if (q->m->conf.domain == NULL) {
			req_fail(q, CTL_E_BAD_REQUEST, "'%s': give the full room "
			    "JID; the service domain is unknown (no "
			    "configuration)", s);
			return -1;
		}
		if (snprintf(tmp, sizeof(tmp), "%s@%s", s, q->m->conf.domain) >=
		    (int)sizeof(tmp)) {
			req_fail(q, CTL_E_BAD_REQUEST, "room name too long");
			return -1;
		}
		s = tmp;
	}
	if (jid_parse(&j, s, &why) == -1 || !jid_has_node(&j) ||
	    jid_has_resource(&j)) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not a room JID%s%s", s,
		    jid_has_resource(&j) ? "" : ": ", jid_has_resource(&j) ? "" :
		    why);
		return -1;
	}
	if (q->m->conf.domain != NULL &&
	    strcmp(j.domain, q->m->conf.domain) != 0) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not on %s", s, q->m->conf.domain);
		return -1;
	}
	snprintf(out, outlen, "%s", j.bare);
	return 0;
}

struct room *
req_need_room(struct req *q)
{
	char jid[JID_BARE_MAX + 1];
	const char *s = req_need_str(q, "room");
	struct room *r;
	bool failed;

	if (s == NULL || req_room_jid(q, s, jid, sizeof(jid)) == -1)
		return NULL;
	r = room_find(q->m, jid, &failed);
	if (failed)
		req_fail(q, CTL_E_INTERNAL, "room %s could not be loaded: %s", jid,
		    store_errmsg(q->m->store));
	else if (r == NULL)
		req_fail(q, CTL_E_NOT_FOUND, "no room %s", jid);
	return r;
}

int
req_need_bare(struct req *q, const char *name, char *out, size_t outlen)
{
	const char *s = req_need_str(q, name), *why;

	if (s == NULL)
		return -1;
	if (jid_prep_bare(s, out, outlen, &why) == -1) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s' is not a JID: %s", s, why);
		return -1;
	}
	if (strchr(s, '/') != NULL) {
		req_fail(q, CTL_E_BAD_REQUEST, "'%s': a bare JID is expected", s);
		return -1;
	}
	return 0;
}

/*
 * A refusal from the code XMPP requests share: the operator reads the
 * text (or what the condition means), a script the code and, in
 * "condition", the XMPP condition behind it.
 */
void
req_fail_muc(struct req *q, const struct muc_err *e)
{
	static const struct {
		const char	*cond;
		enum ctl_err	 code;
		const char	*says;
	} map[] = {
		{ "conflict", CTL_E_CONFLICT, "that conflicts with the room's "
		  "state" },
		{ "item-not-found", CTL_E_NOT_FOUND, "no such item" },
		{ "internal-server-error", CTL_E_INTERNAL, "the change could "
		  "not be stored; nothing was changed" },
		{ "resource-constraint", CTL_E_INTERNAL, "the service is out "
		  "of resources; nothing was changed" },
		{ "bad-request", CTL_E_BAD_REQUEST, "the request is invalid" },
		{ "not-acceptable", CTL_E_BAD_REQUEST, "the value is not "
		  "acceptable" },
		{ "jid-malformed", CTL_E_BAD_REQUEST, "not a valid JID or "
		  "nick" },
	};
	enum ctl_err code = CTL_E_NOT_ALLOWED;
	const char *says = "not allowed by the rules of the room";
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(e->cond, map[i].cond) == 0) {
			code = map[i].code;
			says = map[i].says;
		}
	ctl_reply_refusal(q->c, q->id, code, e->cond, e->text ? e->text : says);
}


/* "7d", "12h", "30m", "90s": that long ago. */
static int
ago(const char *s, long long *t)
{
	static const struct { char unit; long long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 },
	};
	unsigned long long n;
	char *end;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' || n > 36500ULL *
	    86400)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].unit == *end) {
			*t = (long long)time(NULL) - (long long)n *
			    units[i].secs;
			return *t < 0 ? -1 : 0;
		}
	return -1;
}

int
req_time(struct req *q, const char *name, long long *t)
{
	json_t *v = json_object_get(q->args, name);
	const char *s = json_string_value(v);

	*t = 0;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*t = json_integer_value(v);
		return 0;
	}
	if (s != NULL && ((st_parse_stamp(s, t) == 0 && *t >= 0) ||
	    ago(s, t) == 0))
		return 0;
	req_fail(q, CTL_E_BAD_REQUEST, "%s: not a time (seconds since the "
	    "epoch, like 2026-01-31T12:00:00Z, or an age like 7d, 12h, 30m)",
	    name);
	return -1;
}

long
req_count(struct req *q, const char *name, long dflt, long max)
{
	json_t *v = json_object_get(q->args, name);

	if (v == NULL)
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > max) {
		req_fail(q, CTL_E_BAD_REQUEST, "%s: a number from 1 to %ld",
		    name, max);
		return -1;
	}
	return (long)json_integer_value(v);
}

/* Lists come out sorted by a string field, so output is stable across
 * runs (hash order is not). */
static int
cmp_field(const void *a, const void *b, void *key)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a,
	    key));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b,
	    key));

	return strcmp(x ? x : "", y ? y : "");
}

json_t *
req_sorted(json_t *list, const char *key)
{
	size_t n = json_array_size(list), i;
	json_t **items, *out;

	if (n < 2 || (items = calloc(n, sizeof(*items))) == NULL)
		return list;
	for (i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(list, i));
	qsort_r(items, n, sizeof(*items), cmp_field, (void *)key);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, items[i]);
	free(items);
	json_decref(list);
	return out;
}
