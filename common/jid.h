/*
 * jid: parse, validate and prepare XMPP addresses (RFC 6122 stringprep
 * profiles via libidn: nodeprep, nameprep, resourceprep).
 *
 * A prepared JID is what every comparison and every hash key uses, so two
 * spellings of one address (case, width, compatibility forms) can never
 * name two different users, rooms or nicks.
 */
#ifndef MUCD_JID_H
#define MUCD_JID_H

#include <stdbool.h>
#include <stddef.h>

#define JID_PART_MAX	1023
#define JID_BARE_MAX	(2 * JID_PART_MAX + 1)
#define JID_MAX		(3 * JID_PART_MAX + 2)

struct jid {
	char	node[JID_PART_MAX + 1];		/* "" when absent */
	char	domain[JID_PART_MAX + 1];
	char	resource[JID_PART_MAX + 1];	/* "" when absent */
	char	bare[JID_BARE_MAX + 1];		/* node@domain or domain */
	char	full[JID_MAX + 1];		/* bare[/resource] */
};

/* Parse and prepare s; on failure returns -1 and sets *why. */
int	 jid_parse(struct jid *, const char *s, const char **why);
/*
 * The same, but with the resource prepared as a query (RFC 3454 7): code
 * points unassigned in Unicode 3.2, such as every emoji, pass, as in the
 * addresses servers route. Such a resource is never a valid nick; this
 * only tells what address a stanza was sent to.
 */
int	 jid_parse_lax(struct jid *, const char *s, const char **why);
/* Prepare a single part into out (size outlen); -1 with *why on failure. */
int	 jid_nodeprep(const char *in, char *out, size_t outlen, const char **why);
int	 jid_nameprep(const char *in, char *out, size_t outlen, const char **why);
int	 jid_resourceprep(const char *in, char *out, size_t outlen,
	    const char **why);
/* Compose: node and resource may be NULL or "". -1 if too long. */
int	 jid_compose(char *out, size_t outlen, const char *node,
	    const char *domain, const char *resource);
static inline bool jid_has_node(const struct jid *j) { return j->node[0] != '\0'; }
static inline bool jid_has_resource(const struct jid *j) { return j->resource[0] != '\0'; }
/* Prepare s and write its bare form to out; -1 with *why if s is not a JID. */
int	 jid_prep_bare(const char *s, char *out, size_t outlen, const char **why);
/* Prepare s and write its full form to out. */
int	 jid_prep_full(const char *s, char *out, size_t outlen, const char **why);

#endif
