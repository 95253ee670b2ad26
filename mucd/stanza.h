/*
 * stanza: building replies and errors, the vocabulary every handler uses.
 */
#ifndef MUCD_STANZA_H
#define MUCD_STANZA_H

#include <stdbool.h>
#include <stddef.h>

#include "jid.h"
#include "xml.h"

struct mucd;

/* Error types (RFC 6120 8.3.2). */
#define ERR_CANCEL	"cancel"
#define ERR_MODIFY	"modify"
#define ERR_AUTH	"auth"
#define ERR_WAIT	"wait"

/* A refusal on its way to an error reply: type, condition, optional text. */
struct muc_err {
	const char	*type;
	const char	*cond;
	const char	*text;
};

/* Fill e and return -1, so a check can "return st_refuse(...)". */
int		 st_refuse(struct muc_err *e, const char *etype,
		    const char *cond, const char *text);

/* rc -1: the refusal in e as an error reply; otherwise an empty result. */
void		 st_send_outcome(struct mucd *, const struct xnode *req, int rc,
		    const struct muc_err *e);

/* A new stanza of the request's kind, from/to swapped, id copied. */
struct xnode	*st_reply(const struct xnode *req, const char *type);
/* An IQ result; NULL if req is not a get/set IQ. */
struct xnode	*st_iq_result(const struct xnode *req);
/*
 * An error reply: from/to swapped, id kept, type='error', with
 * <error type by><cond/><text/></error>. text and by may be NULL.
 */
struct xnode	*st_error(const struct xnode *req, const char *etype,
		    const char *cond, const char *text, const char *by);
/* Send an error reply unless req is itself an error (never answer those). */
void		 st_send_error(struct mucd *, const struct xnode *req,
		    const char *etype, const char *cond, const char *text,
		    const char *by);
/*
 * Send an IQ result with an optional payload (taken over). A result over
 * max_stanza_out (a list grown by users: affiliations, occupants, items)
 * would cost the link: the request gets <resource-constraint/> instead.
 */
void		 st_send_result(struct mucd *, const struct xnode *req,
		    struct xnode *payload);
/* Does st, serialized, leave room bytes under max_stanza_out? */
bool		 st_fits_out(const struct mucd *, const struct xnode *st,
		    size_t room);
/* Room to leave for what the service adds to a stanza it relays:
 * addresses, the MUC <x/> with a real JID, an occupant id. */
#define ST_RELAY_ROOM	(2 * JID_MAX + 1024)
/* " to='jid'", escaped, malloc'd into *attr (*len bytes): spliced into a
 * serialized stanza to address it (fanout.h). -1 out of memory. */
int		 st_to_attr(const char *jid, char **attr, size_t *len);
/* The error condition name of an error stanza, or NULL. */
const char	*st_error_condition(const struct xnode *);
/* The stanza's type attribute, "" when absent. */
const char	*st_type(const struct xnode *);
/* The first child element (an IQ's payload), or NULL. */
struct xnode	*st_payload(const struct xnode *);
/* The XEP-0082 UTC timestamp for t, into out (at least 21 bytes). */
void		 st_stamp(long long t, char *out, size_t outlen);
/* Parse a XEP-0082 date-time; -1 if malformed. */
int		 st_parse_stamp(const char *, long long *);

#endif
