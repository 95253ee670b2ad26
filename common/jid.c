#include "jid.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stringprep.h>

#include "utf8.h"

static const char *
prep_error(int rc)
{
	switch (rc) {
	case STRINGPREP_CONTAINS_UNASSIGNED:	return "unassigned code point";
	case STRINGPREP_CONTAINS_PROHIBITED:	return "prohibited character";
	case STRINGPREP_BIDI_BOTH_L_AND_RAL:
	case STRINGPREP_BIDI_LEADTRAIL_NOT_RAL:
	case STRINGPREP_BIDI_CONTAINS_PROHIBITED:
		return "invalid bidirectional text";
	case STRINGPREP_TOO_SMALL_BUFFER:	return "too long";
	default:				return "stringprep failed";
	}
}

/*
 * Pure ASCII is the common case and needs no tables: for it nameprep and
 * nodeprep only fold A-Z (RFC 3491 B.2; NFKC, bidi and unassigned code
 * points do not arise), nodeprep also prohibits space, controls and
 * "&'/:<>@ (RFC 6122 A.5, RFC 3454 C.1.1, C.2.1), and resourceprep maps
 * nothing and prohibits only controls. Returns 1 when not pure ASCII.
 */
static int
prep_ascii(const Stringprep_profile *profile, const char *in, size_t n,
    char *out, size_t outlen, const char **why)
{
	bool fold = profile != stringprep_xmpp_resourceprep;
	bool node = profile == stringprep_xmpp_nodeprep;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)in[i] >= 0x80)
			return 1;
	if (n >= outlen) {
		*why = "too long";
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c < 0x20 || c == 0x7f) && profile != stringprep_nameprep) {
			*why = prep_error(STRINGPREP_CONTAINS_PROHIBITED);
			return -1;
		}
		if (node && strchr(" \"&'/:<>@", c) != NULL) {
			*why = prep_error(STRINGPREP_CONTAINS_PROHIBITED);
			return -1;
		}
		out[i] = (char)(fold && c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return 0;
}

/*
 * Run one profile into out. stringprep works in place and may grow the
 * string (case folding can expand), so it gets the whole output buffer;
 * the result must still fit the 1023-byte part limit of RFC 6122. flags:
 * STRINGPREP_NO_UNASSIGNED for stored strings, 0 for queries (RFC 3454 7).
 */
static int
prep(const Stringprep_profile *profile, Stringprep_profile_flags flags,
    const char *in, char *out, size_t outlen, const char **why)
{
	char tmp[4 * (JID_PART_MAX + 1)];
	size_t n = strlen(in);
	int rc;

	if (n == 0) {
		*why = "empty";
		return -1;
	}
	if (n > JID_PART_MAX) {
		*why = "too long";
		return -1;
	}
	if ((rc = prep_ascii(profile, in, n, out, outlen, why)) <= 0)
		return rc;
	if (!utf8_valid(in, n)) {
		*why = "invalid UTF-8";
		return -1;
	}
	memcpy(tmp, in, n + 1);
	rc = stringprep(tmp, sizeof(tmp), flags, profile);
	if (rc != STRINGPREP_OK) {
		*why = prep_error(rc);
		return -1;
	}
	n = strlen(tmp);
	if (n == 0) {
		*why = "empty after preparation";
		return -1;
	}
	if (n > JID_PART_MAX || n >= outlen) {
		*why = "too long";
		return -1;
	}
	memcpy(out, tmp, n + 1);
	return 0;
}

int
jid_nodeprep(const char *in, char *out, size_t outlen, const char **why)
{
	return prep(stringprep_xmpp_nodeprep, STRINGPREP_NO_UNASSIGNED, in,
	    out, outlen, why);
}

int
jid_resourceprep(const char *in, char *out, size_t outlen, const char **why)
{
	return prep(stringprep_xmpp_resourceprep, STRINGPREP_NO_UNASSIGNED, in,
	    out, outlen, why);
}

int
jid_nameprep(const char *in, char *out, size_t outlen, const char **why)
{
	char *p;
	size_t n, i, label = 0;

	if (prep(stringprep_nameprep, STRINGPREP_NO_UNASSIGNED, in, out, outlen,
	    why) == -1)
		return -1;
	/* IDNA2003 3.1: U+3002, U+FF0E and U+FF61 are dots too. NFKC in
	 * nameprep has made U+FF0E '.' and U+FF61 U+3002 already. */
	for (p = out; (p = strstr(p, "\xe3\x80\x82")) != NULL; p++) {
		*p = '.';
		memmove(p + 1, p + 3, strlen(p + 3) + 1);
	}
	/* A trailing dot names the same domain (RFC 6122 2.2). */
	n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
	for (i = 0; out[i] != '\0'; i++) {
		unsigned char c = (unsigned char)out[i];

		/* STD3 ASCII rules, relaxed for '_' as deployed servers do. */
		if (c < 0x80 && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c != '.' &&
		    c != '_' && !(c >= 'A' && c <= 'Z') && c != '[' &&
		    c != ']' && c != ':') {
			*why = "invalid character in domain";
			return -1;
		}
		if (c == '.') {
			if (label == 0) {
				*why = "empty domain label";
				return -1;
			}
			label = 0;
		} else if (++label > 63) {
			*why = "domain label too long";
			return -1;
		}
	}
	if (label == 0) {
		*why = "empty domain label";
		return -1;
	}
	return 0;
}

int
jid_compose(char *out, size_t outlen, const char *node, const char *domain,
    const char *resource)
{
	int n;

	n = snprintf(out, outlen, "%s%s%s%s%s",
	    node && *node ? node : "", node && *node ? "@" : "", domain,
	    resource && *resource ? "/" : "",
	    resource && *resource ? resource : "");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* lax: the resource is prepared as a query (unassigned code points). */
static int
parse(struct jid *j, const char *s, bool lax, const char **why)
{
	char part[JID_MAX + 2];
	const char *slash, *at, *dom;
	size_t dlen;

	j->node[0] = j->resource[0] = j->domain[0] = j->bare[0] = j->full[0] = '\0';
	if (s == NULL || *s == '\0') {
		*why = "empty JID";
		return -1;
	}
	if (strlen(s) > JID_MAX) {
		*why = "JID too long";
		return -1;
	}
	slash = strchr(s, '/');
	at = strchr(s, '@');
	if (at != NULL && slash != NULL && at > slash)
		at = NULL;	/* '@' inside the resource */
	if (at != NULL) {
		if (at == s) {
			*why = "empty localpart";
			return -1;
		}
		memcpy(part, s, (size_t)(at - s));
		part[at - s] = '\0';
		if (jid_nodeprep(part, j->node, sizeof(j->node), why) == -1)
			return -1;
		dom = at + 1;
	} else
		dom = s;
	dlen = slash ? (size_t)(slash - dom) : strlen(dom);
	if (dlen == 0) {
		*why = "empty domain";
		return -1;
	}
	memcpy(part, dom, dlen);
	part[dlen] = '\0';
	if (jid_nameprep(part, j->domain, sizeof(j->domain), why) == -1)
		return -1;
	if (slash != NULL) {
		if (slash[1] == '\0') {
			*why = "empty resource";
			return -1;
		}
		if (prep(stringprep_xmpp_resourceprep,
		    lax ? 0 : STRINGPREP_NO_UNASSIGNED, slash + 1, j->resource,
		    sizeof(j->resource), why) == -1)
			return -1;
	}
	if (jid_compose(j->bare, sizeof(j->bare), j->node, j->domain, NULL) ||
	    jid_compose(j->full, sizeof(j->full), j->node, j->domain,
	    j->resource)) {
		*why = "JID too long";
		return -1;
	}
	return 0;
}

int
jid_parse(struct jid *j, const char *s, const char **why)
{
	return parse(j, s, false, why);
}

int
jid_parse_lax(struct jid *j, const char *s, const char **why)
{
	return parse(j, s, true, why);
}

int
jid_prep_bare(const char *s, char *out, size_t outlen, const char **why)
{
	struct jid j;

	if (jid_parse(&j, s, why) == -1)
		return -1;
	if (strlen(j.bare) >= outlen) {
		*why = "JID too long";
		return -1;
	}
	memcpy(out, j.bare, strlen(j.bare) + 1);
	return 0;
}

int
jid_prep_full(const char *s, char *out, size_t outlen, const char **why)
{
	struct jid j;

	if (jid_parse(&j, s, why) == -1)
		return -1;
	if (strlen(j.full) >= outlen) {
		*why = "JID too long";
		return -1;
	}
	memcpy(out, j.full, strlen(j.full) + 1);
	return 0;
}
