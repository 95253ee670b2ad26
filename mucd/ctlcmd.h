/*
 * ctlcmd: the control protocol's commands (common/ctlproto.h), one
 * handler each; the dispatcher ctl.c calls for every request.
 */
#ifndef MUCD_CTLCMD_H
#define MUCD_CTLCMD_H

#include <jansson.h>

struct ctl_client;

/* A ctl_dispatch_fn; arg is the struct mucd. */
void	 ctlcmd_dispatch(void *arg, struct ctl_client *, json_t *id,
	    const char *cmd, json_t *args);

#endif
