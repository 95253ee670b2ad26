/*
 * ctlcmd: the control protocol's commands. Each takes a JSON args object
 * and replies through ctl_reply_ok / ctl_reply_error. Changes go through
 * the same functions as XMPP requests (admin.c, owner.c, …) with the
 * service as actor: no permission checks, all the validation.
 */
#ifndef MUCD_CTLCMD_H
#define MUCD_CTLCMD_H

#include <jansson.h>

struct mucd;
struct ctl_client;

void	 ctlcmd_dispatch(struct mucd *, struct ctl_client *, json_t *id,
	    const char *cmd, json_t *args);

void	 ctl_reply_ok(struct ctl_client *, json_t *id, json_t *result);
void	 ctl_reply_error(struct ctl_client *, json_t *id, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
unsigned ctl_client_uid(const struct ctl_client *);

#endif
