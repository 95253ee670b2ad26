/*
 * fuzz_jid: JID preparation (common/jid.c, libidn stringprep profiles).
 *
 * A prepared JID is every hash key in the daemon, so preparation must be
 * idempotent (a stored, prepared JID prepared again is the same key), the
 * parts must respect RFC 6122's limits, and bare/full must be consistent.
 * The per-part functions get the raw input too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jid.h"
#include "utf8.h"

static void
die(const char *what, const char *in, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_jid: %s\n  input: '%s'\n  1: '%s'\n  2: '%s'\n",
	    what, in, a ? a : "(null)", b ? b : "(null)");
	abort();
}

static void
check_part(const char *in, const char *part, size_t max)
{
	size_t n = strlen(part);

	if (n > max)
		die("part too long", in, part, NULL);
	if (!utf8_valid(part, n))
		die("part is not valid UTF-8", in, part, NULL);
}

typedef int (*prep_fn)(const char *, char *, size_t, const char **);

/* A prepared part prepared again is itself. */
static void
idempotent(prep_fn fn, const char *in, const char *prepped)
{
	char again[JID_PART_MAX + 1];
	const char *why = NULL;

	if (fn(prepped, again, sizeof(again), &why) == -1)
		die("prepared part does not prepare again", in, prepped, why);
	if (strcmp(again, prepped) != 0)
		die("part preparation is not idempotent", in, prepped, again);
}

static void
check_jid(const char *s)
{
	struct jid j, k;
	char buf[JID_MAX + 1], want[JID_MAX + 1];
	const char *why = NULL;
	size_t nb;

	if (jid_parse(&j, s, &why) == -1) {
		if (why == NULL)
			die("failure without a reason", s, NULL, NULL);
		if (jid_prep_bare(s, buf, sizeof(buf), &why) != -1 ||
		    jid_prep_full(s, buf, sizeof(buf), &why) != -1)
			die("prep_bare/full accept what jid_parse refuses", s,
			    NULL, NULL);
		return;
	}
	check_part(s, j.node, JID_PART_MAX);
	check_part(s, j.domain, JID_PART_MAX);
	check_part(s, j.resource, JID_PART_MAX);
	if (j.domain[0] == '\0')
		die("empty domain accepted", s, NULL, NULL);
	if (strpbrk(j.node, "@/\"&':<>") != NULL)
		die("node has a character nodeprep prohibits", s, j.node, NULL);
	if (strpbrk(j.domain, "@/") != NULL)
		die("domain has '@' or '/'", s, j.domain, NULL);
	/* bare is node@domain, full is bare[/resource]. */
	snprintf(want, sizeof(want), "%s%s%s", j.node, j.node[0] ? "@" : "",
	    j.domain);
	if (strcmp(want, j.bare) != 0)
		die("bare is not node@domain", s, j.bare, want);
	nb = strlen(j.bare);
	if (strncmp(j.full, j.bare, nb) != 0)
		die("bare is not a prefix of full", s, j.bare, j.full);
	if (j.resource[0] == '\0' ? j.full[nb] != '\0' :
	    (j.full[nb] != '/' || strcmp(j.full + nb + 1, j.resource) != 0))
		die("full is not bare/resource", s, j.full, j.resource);
	if (jid_has_node(&j) != (j.node[0] != '\0') ||
	    jid_has_resource(&j) != (j.resource[0] != '\0'))
		die("has_node/has_resource disagree", s, NULL, NULL);
	/* The prepared JID is a fixed point. */
	if (jid_parse(&k, j.full, &why) == -1)
		die("prepared full JID does not parse", s, j.full, why);
	if (strcmp(k.full, j.full) != 0 || strcmp(k.bare, j.bare) != 0 ||
	    strcmp(k.node, j.node) != 0 || strcmp(k.domain, j.domain) != 0 ||
	    strcmp(k.resource, j.resource) != 0)
		die("JID preparation is not idempotent", s, j.full, k.full);
	if (jid_parse(&k, j.bare, &why) == -1 || strcmp(k.full, j.bare) != 0)
		die("prepared bare JID is not a fixed point", s, j.bare, k.full);
	/* Each part on its own. */
	if (j.node[0] != '\0')
		idempotent(jid_nodeprep, s, j.node);
	idempotent(jid_nameprep, s, j.domain);
	if (j.resource[0] != '\0')
		idempotent(jid_resourceprep, s, j.resource);
	/* The helpers agree with jid_parse. */
	if (jid_prep_bare(s, buf, sizeof(buf), &why) == -1 ||
	    strcmp(buf, j.bare) != 0)
		die("jid_prep_bare disagrees", s, buf, j.bare);
	if (jid_prep_full(s, buf, sizeof(buf), &why) == -1 ||
	    strcmp(buf, j.full) != 0)
		die("jid_prep_full disagrees", s, buf, j.full);
	/* Too small an output buffer is refused, never overrun. */
	if (nb > 0 && jid_prep_bare(s, buf, nb, &why) != -1)
		die("jid_prep_bare fit into too small a buffer", s, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, out[JID_PART_MAX + 1];
	const char *why;

	if (size > 4 * JID_MAX)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_jid(s);
	/* The part functions on the raw input. */
	if (jid_nodeprep(s, out, sizeof(out), &why) == 0) {
		check_part(s, out, JID_PART_MAX);
		idempotent(jid_nodeprep, s, out);
	}
	if (jid_nameprep(s, out, sizeof(out), &why) == 0) {
		check_part(s, out, JID_PART_MAX);
		idempotent(jid_nameprep, s, out);
	}
	if (jid_resourceprep(s, out, sizeof(out), &why) == 0) {
		check_part(s, out, JID_PART_MAX);
		idempotent(jid_resourceprep, s, out);
	}
	free(s);
	return 0;
}
