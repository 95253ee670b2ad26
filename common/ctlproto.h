/*
 * ctlproto: the control protocol, defined once for mucd and mucctl.
 *
 * Newline-delimited JSON over a Unix stream socket (or, in maintenance
 * mode, the socket mucctl hands to `mucd -m`). A request is
 *	{"id": ANY, "cmd": NAME, "args": {...}}
 * and its reply, in order, exactly one per well-formed request line,
 *	{"id": ID, "ok": true, "result": ...}
 *	{"id": ID, "ok": false, "error": {"code": CODE, "message": TEXT
 *	    [, "condition": XMPP-CONDITION] [, "master": HOST:PORT]}}
 * Errors about the connection itself carry "id": null.
 *
 * The command and error tables below are X-macros: mucd builds its
 * handler table from CTL_COMMANDS, so a command without a handler does
 * not compile, and mucctl names commands and errors only through the
 * enums, so it cannot ask for one the protocol does not have. mucctl(8)'s
 * PROTOCOL section is checked against these tables by the test suite.
 */
#ifndef MUCD_CTLPROTO_H
#define MUCD_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

/* Bumped on any incompatible change to names, arguments or results. */
#define CTL_PROTOCOL_VERSION	1

/* Command flags. */
#define CTL_READ	0x0	/* read-only: allowed to the read-only group */
#define CTL_WRITE	0x1	/* changes state or writes files */
#define CTL_ONLINE	0x2	/* needs the running service (not -m) */
#define CTL_LOCAL	0x4	/* acts on this process, not on the data:
				   a replica runs it too */

/* X(ID, name, flags) */
#define CTL_COMMANDS(X)							\
	X(HELLO,		"hello",		CTL_READ)		\
	X(STATUS,		"status",		CTL_READ | CTL_ONLINE) \
	X(ROOMS,		"rooms",		CTL_READ)		\
	X(ROOM_SHOW,		"room.show",		CTL_READ)		\
	X(ROOM_CREATE,		"room.create",		CTL_WRITE)		\
	X(ROOM_CONFIG,		"room.config",		CTL_WRITE)		\
	X(ROOM_DESTROY,		"room.destroy",		CTL_WRITE)		\
	X(ROOM_FORGET,		"room.forget",		CTL_WRITE)		\
	X(ROOM_AVATAR_SET,	"room.avatar.set",	CTL_WRITE)		\
	X(ROOM_AVATAR_CLEAR,	"room.avatar.clear",	CTL_WRITE)		\
	X(ROOM_AVATAR_SHOW,	"room.avatar.show",	CTL_READ)		\
	X(OCCUPANTS,		"occupants",		CTL_READ | CTL_ONLINE) \
	X(KICK,			"kick",			CTL_WRITE | CTL_ONLINE) \
	X(SAY,			"say",			CTL_WRITE | CTL_ONLINE) \
	X(HISTORY,		"history",		CTL_READ | CTL_ONLINE) \
	X(AFFILIATIONS,		"affiliations",		CTL_READ)		\
	X(AFFILIATION_SET,	"affiliation.set",	CTL_WRITE)		\
	X(BAN,			"ban",			CTL_WRITE)		\
	X(NICK_RESERVE,		"nick.reserve",		CTL_WRITE)		\
	X(NICK_RELEASE,		"nick.release",		CTL_WRITE)		\
	X(NICK_SHOW,		"nick.show",		CTL_READ)		\
	X(USER_ROOMS,		"user.rooms",		CTL_READ)		\
	X(HATS_ADD,		"hats.add",		CTL_WRITE)		\
	X(HATS_REMOVE,		"hats.remove",		CTL_WRITE)		\
	X(HATS_LIST,		"hats.list",		CTL_READ)		\
	X(BLOCKLIST_ADD,	"blocklist.add",	CTL_WRITE)		\
	X(BLOCKLIST_REMOVE,	"blocklist.remove",	CTL_WRITE)		\
	X(BLOCKLIST_LIST,	"blocklist.list",	CTL_READ)		\
	X(RELOAD,		"reload",	CTL_WRITE | CTL_ONLINE | CTL_LOCAL) \
	X(SHUTDOWN,		"shutdown",	CTL_WRITE | CTL_ONLINE | CTL_LOCAL) \
	X(BACKUP,		"backup",		CTL_WRITE)		\
	X(ARCHIVE_SHOW,		"archive.show",		CTL_READ)		\
	X(ARCHIVE_EXPORT,	"archive.export",	CTL_READ)		\
	X(ARCHIVE_PURGE,	"archive.purge",	CTL_WRITE)		\
	X(ARCHIVE_IMPORT,	"archive.import",	CTL_WRITE)		\
	X(ARCHIVE_STATS,	"archive.stats",	CTL_READ)		\
	X(ROLE_SET,		"role.set",		CTL_WRITE | CTL_ONLINE) \
	X(SUBJECT_SET,		"subject.set",		CTL_WRITE)		\
	X(INVITE,		"invite",		CTL_WRITE | CTL_ONLINE) \
	X(NICKS,		"nicks",		CTL_READ)		\
	X(ROOMS_PRUNE,		"rooms.prune",		CTL_WRITE)		\
	X(AUDIT,		"audit",		CTL_READ)		\
	X(ROOM_APPLY,		"room.apply",		CTL_WRITE)		\
	X(ROOM_EXPORT,		"room.export",		CTL_READ)		\
	X(METRICS,		"metrics",		CTL_READ)		\
	X(REPLICATION_STATUS,	"replication.status",	CTL_READ | CTL_ONLINE)

enum ctl_cmd {
#define CTL_X_ENUM(id, name, flags)	CTL_##id,
	CTL_COMMANDS(CTL_X_ENUM)
#undef CTL_X_ENUM
	CTL_NCMDS
};

/*
 * What a failed command means for the one who asked: mucctl's exit
 * status (mucctl(8), EXIT STATUS) is the class of the error.
 */
enum ctl_class {
	CTL_CLASS_OK = 0,		/* success */
	CTL_CLASS_REFUSED = 1,		/* well-formed, refused by the rules
					   or the state of the service */
	CTL_CLASS_USAGE = 2,		/* the request itself is wrong */
	CTL_CLASS_UNREACHABLE = 3	/* not served at all: no daemon, no
					   database, not allowed to connect */
};

/* X(ID, code, class, meaning) */
#define CTL_ERRORS(X)							\
	X(BAD_REQUEST,	"bad-request",	CTL_CLASS_USAGE,		\
	    "the request or one of its arguments is invalid")		\
	X(UNKNOWN_COMMAND, "unknown-command", CTL_CLASS_USAGE,		\
	    "this mucd has no such command")				\
	X(NOT_FOUND,	"not-found",	CTL_CLASS_REFUSED,		\
	    "the room, occupant, nick or user does not exist")		\
	X(CONFLICT,	"conflict",	CTL_CLASS_REFUSED,		\
	    "the change collides with what exists (room, nick)")	\
	X(NOT_ALLOWED,	"not-allowed",	CTL_CLASS_REFUSED,		\
	    "the rules of the room or service refuse the change")	\
	X(TOO_LARGE,	"too-large",	CTL_CLASS_REFUSED,		\
	    "the request line or its result is over the limit")		\
	X(INTERNAL,	"internal",	CTL_CLASS_REFUSED,		\
	    "the daemon failed (storage, memory); nothing was changed") \
	X(READ_ONLY,	"read-only",	CTL_CLASS_REFUSED,		\
	    "this connection may only run read-only commands")		\
	X(NEEDS_DAEMON,	"needs-daemon",	CTL_CLASS_UNREACHABLE,		\
	    "the command needs the running service (not offline mode)") \
	X(FORBIDDEN,	"forbidden",	CTL_CLASS_UNREACHABLE,		\
	    "this user may not use the control socket")		\
	X(BUSY,		"busy",		CTL_CLASS_UNREACHABLE,		\
	    "too many control clients")					\
	X(UNAVAILABLE,	"unavailable",	CTL_CLASS_UNREACHABLE,		\
	    "the database cannot be opened (locked by the running mucd, "\
	    "or not accessible)")					\
	X(NOT_MASTER,	"not-master",	CTL_CLASS_REFUSED,		\
	    "this site is a replica; changes go to the master (the "	\
	    "error's \"master\" field, null while there is none)")

enum ctl_err {
#define CTL_X_ENUM(id, code, class, meaning)	CTL_E_##id,
	CTL_ERRORS(CTL_X_ENUM)
#undef CTL_X_ENUM
	CTL_NERRS
};

struct ctl_cmd_info {
	const char	*name;
	unsigned	 flags;
};

struct ctl_err_info {
	const char	*code;
	enum ctl_class	 class;
	const char	*meaning;
};

extern const struct ctl_cmd_info ctl_cmds[CTL_NCMDS];
extern const struct ctl_err_info ctl_errs[CTL_NERRS];

/* The command named name, or CTL_NCMDS. */
enum ctl_cmd	 ctl_cmd_lookup(const char *name);
/* The error with this code, or CTL_NERRS (an unknown code: a newer mucd). */
enum ctl_err	 ctl_err_lookup(const char *code);
/* The class of a code as received: unknown codes are refusals. */
enum ctl_class	 ctl_err_class(const char *code);

#endif
