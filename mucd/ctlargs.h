/*
 * ctlargs: the structured arguments of control requests (settings,
 * owner lists), read one way for every command that takes them.
 */
#ifndef MUCD_CTLARGS_H
#define MUCD_CTLARGS_H

#include <jansson.h>
#include <stddef.h>

#include "jid.h"
#include "roomcfg.h"

#define CTLARG_BAD	(-1)	/* the request is wrong: "bad-request" */
#define CTLARG_NOMEM	(-2)	/* "internal" */

/*
 * args.config, an object of settings (strings, booleans, integers, role
 * lists as arrays: as roomcfg_json shows them), applied with roomcfg_set
 * in the order of roomcfg_keys. Absent is no change; an unknown key is
 * refused before anything is set. 0 or CTLARG_BAD with a message in err.
 */
int	 ctlargs_config(json_t *args, struct room_config *,
	    const struct conf *, char *err, size_t errlen);

/*
 * args.owners, an optional array of JIDs, prepared as bare JIDs into a
 * new array *out (NULL when there are none) of *n entries; the caller
 * frees it. 0, CTLARG_BAD or CTLARG_NOMEM with a message in err.
 */
int	 ctlargs_owners(json_t *args, char (**out)[JID_BARE_MAX + 1],
	    size_t *n, char *err, size_t errlen);

#endif
