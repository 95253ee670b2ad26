/*
 * ctlreq: one control request on its way through its handler — the
 * reply helpers and the argument readers every command shares, so a
 * room name, a JID or a refusal means the same in each (ctlcmd.c holds
 * the command table; groups of commands have files of their own).
 */
#ifndef MUCD_CTLREQ_H
#define MUCD_CTLREQ_H

#include <regex.h>
#include <stddef.h>

#include <jansson.h>

#include "ctlproto.h"

struct mucd;
struct ctl_client;
struct room;
struct muc_err;

struct req {
	struct mucd		*m;
	struct ctl_client	*c;
	json_t			*id;
	json_t			*args;
};

typedef void (*cmd_fn)(struct req *);

void	 req_fail(struct req *, enum ctl_err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* A refusal from the rules XMPP requests share (with its condition). */
void	 req_fail_muc(struct req *, const struct muc_err *);
void	 req_ok(struct req *, json_t *result);

/* A string argument, or NULL. */
const char *req_str(struct req *, const char *name);
/* The same, required: NULL after replying bad-request. */
const char *req_need_str(struct req *, const char *name);
/* A room JID (or its local part, on our domain) into out; -1 after
 * replying. */
int	 req_room_jid(struct req *, const char *s, char *out, size_t outlen);
/* args.room, which must exist (loaded if need be); NULL after replying. */
struct room *req_need_room(struct req *);
/* A bare JID argument, prepared; -1 after replying. */
int	 req_need_bare(struct req *, const char *name, char *out,
	    size_t outlen);

/* Handlers in ctltombstone.c: `rooms` with "tombstones" lists them. */
void	 ctl_tombstones(struct req *, const char *after, size_t limit,
	    const regex_t *match);
void	 cmd_room_forget(struct req *);

/* Handlers in ctlavatar.c. */
void	 cmd_room_avatar_set(struct req *);
void	 cmd_room_avatar_clear(struct req *);
void	 cmd_room_avatar_show(struct req *);

/* Handlers in ctlhats.c. */
void	 cmd_hats_add(struct req *);
void	 cmd_hats_remove(struct req *);
void	 cmd_hats_list(struct req *);

/* Handlers in ctlblock.c. */
void	 cmd_blocklist_add(struct req *);
void	 cmd_blocklist_remove(struct req *);
void	 cmd_blocklist_list(struct req *);

/* A time argument: seconds since the epoch, an XEP-0082 string or an age
 * ("7d": seven days ago). 0 when absent, -1 after replying. */
int	 req_time(struct req *, const char *name, long long *t);
/* The list (taken over) sorted by a string field of its objects, so
 * output is stable across runs (hash order is not). */
json_t	*req_sorted(json_t *list, const char *key);
/* A count from 1 to max, dflt when absent; -1 after replying. */
long	 req_count(struct req *, const char *name, long dflt, long max);

/* Handlers in ctlarchive.c. */
void	 cmd_archive_show(struct req *);
void	 cmd_archive_export(struct req *);
void	 cmd_archive_purge(struct req *);
void	 cmd_archive_import(struct req *);
void	 cmd_archive_stats(struct req *);
/* Handlers in ctlapply.c. */
void	 cmd_room_apply(struct req *);
void	 cmd_room_export(struct req *);
/* Handler in ctlaudit.c. */
void	 cmd_audit(struct req *);
/* Handlers in ctlops.c. */
void	 cmd_role_set(struct req *);
void	 cmd_subject_set(struct req *);
void	 cmd_invite(struct req *);
void	 cmd_nicks(struct req *);
/* Handler in ctlrepl.c. */
void	 cmd_replication_status(struct req *);

#endif
