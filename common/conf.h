/*
 * conf: mucd.conf, shared by mucd and mucctl.
 *
 * The file is "key = value" lines; '#' at the start of a line or after
 * whitespace starts a comment; blank lines are ignored. Every key is
 * described once in the table in conf.c (type, bounds, default) and
 * documented in mucd.conf(5). Unknown keys, repeated keys and bad values
 * are errors naming the file and line. Only a regular file of at most
 * CONF_MAX_SIZE bytes is read, with lines of at most CONF_MAX_LINE bytes
 * and no NUL byte.
 */
#ifndef MUCD_CONF_H
#define MUCD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

/* The GNUmakefile compiles in $(SYSCONFDIR)/mucd/mucd.conf where it is
 * used (mucd's and mucctl's -c); other builds (fuzzing) get this. */
#ifndef CONF_DEFAULT_PATH
#define CONF_DEFAULT_PATH	"/etc/mucd/mucd.conf"
#endif
#define CONF_MAX_SIZE		(1U << 20)
#define CONF_MAX_LINE		4094U
#define CONF_MIN_SECRET		16U	/* bytes */

#define CONF_HOST_MAX		255U	/* a replication site's host */
#define CONF_REPL_MAX_SITES	32U	/* this site and its peers */

enum room_creation { CREATE_ANYONE, CREATE_LOCAL, CREATE_ADMINS };
/* How many sites must have a change before it is acknowledged. */
enum repl_acks { ACKS_QUORUM, ACKS_ALL, ACKS_ONE, ACKS_NONE };
enum nick_policy { NICKS_OPEN, NICKS_ENFORCE, NICKS_ASSIGN };

struct conf {
	/* Link */
	char		*domain;
	char		*server;
	unsigned	 port;
	char		*secret;
	unsigned	 reconnect_max;		/* seconds */
	char		*multicast;		/* "auto", "no" or a service JID */
	unsigned	 multicast_max_addresses;
	/* Files */
	char		*datadir;
	char		*control;
	char		*control_group;
	char		*control_readonly_group;
	char		*backup_dir;
	char		*pidfile;
	char		*user;
	char		*group;
	bool		 allow_root;
	char		*log_level;
	/* Service */
	char	       **admins;		/* prepared bare JIDs */
	size_t		 nadmins;
	char		*service_name;
	enum room_creation room_creation;
	char	       **local_domains;		/* for room_creation=local */
	size_t		 nlocal_domains;
	enum nick_policy reserved_nicks;
	bool		 open_registration;	/* unaffiliated users may register */
	bool		 room_locking;
	unsigned	 room_lock_timeout;	/* seconds */
	unsigned	 tombstone_expiry;	/* seconds; 0: none kept */
	/* Room defaults */
	unsigned	 history_default;
	unsigned	 history_max;
	size_t		 history_max_bytes;
	bool		 history_persist;
	bool		 default_public;
	bool		 default_persistent;
	bool		 default_members_only;
	bool		 default_moderated;
	bool		 default_whois_anyone;
	bool		 default_allow_pm_visitors;
	char		*default_language;
	unsigned	 default_max_occupants;	/* 0: no limit */
	/* Archive (XEP-0313) */
	bool		 archive_default;	/* new rooms archive */
	bool		 archive_configurable;	/* owners may switch it */
	unsigned	 archive_max_age;	/* seconds; 0: forever */
	unsigned	 audit_max_age;		/* seconds; 0: forever */
	unsigned	 archive_max_messages;	/* per room; 0: no limit */
	unsigned	 archive_page_default;	/* MAM results without <max> */
	unsigned	 archive_page_max;	/* <max> capped to this */
	/* Storage */
	unsigned	 evict_idle;		/* seconds */
	unsigned	 checkpoint_interval;	/* seconds */
	size_t		 db_cache_size;
	/* Limits */
	size_t		 max_stanza_size;
	size_t		 max_stanza_out;	/* the largest stanza written */
	unsigned	 max_stanza_depth;
	size_t		 link_buffer_max;
	unsigned	 max_nick_length;	/* code points */
	unsigned	 max_roomname_length;
	size_t		 max_subject_length;
	size_t		 max_body_length;
	unsigned	 max_form_fields;
	unsigned	 max_occupants;		/* hard cap for any room */
	unsigned	 max_affiliations;	/* per room; 0: no limit */
	size_t		 room_fanout_rate;	/* bytes/s per room; 0: none */
	unsigned	 max_rooms;		/* in memory; 0: no limit */
	unsigned	 max_rooms_per_user;	/* 0: no limit */
	unsigned	 max_sessions_per_jid;
	unsigned	 max_hats_per_user;	/* in one room */
	size_t		 avatar_max_size;	/* bytes of image */
	unsigned	 rate_messages;		/* per second, per occupant */
	unsigned	 rate_presence;
	unsigned	 rate_iq;
	unsigned	 rate_burst;
	unsigned	 control_max_clients;
	size_t		 control_max_line;
	/* Metrics */
	char		*metrics_listen;	/* ADDRESS:PORT, or NULL: off */
	/* Replication (mucd(8), HIGH AVAILABILITY): off without repl_local */
	char		*repl_local;		/* HOST:PORT */
	char	       **repl_peers;		/* HOST:PORT each */
	size_t		 nrepl_peers;
	unsigned	 repl_priority;
	enum repl_acks	 repl_ack_policy;
	bool		 repl_2site_strict;
	/* The file as conf_load read it, for conf_check_service. */
	unsigned	 file_mode;		/* st_mode */
	unsigned	 file_uid;
	unsigned	 secret_line;		/* 0: not set in the file */
};

void	 conf_defaults(struct conf *);
/*
 * Load path over the defaults. On error returns -1 with "file:line: what"
 * in err; the struct is then freed and must not be used.
 */
int	 conf_load(struct conf *, const char *path, char *err, size_t errlen);
/* Check cross-key rules (required keys, consistency). */
int	 conf_validate(const struct conf *, char *err, size_t errlen);
/*
 * What mucd, not mucctl, requires of the file it runs with (after
 * conf_load): a real secret (no placeholder or documentation example, at
 * least CONF_MIN_SECRET bytes), and, as ssh requires of private keys, a
 * file owned by root or the user running mucd, writable by its owner
 * only, and not readable by everyone when it holds the secret. Errors
 * name the file (and the line of the secret).
 */
int	 conf_check_service(const struct conf *, const char *path, char *err,
	    size_t errlen);
void	 conf_free(struct conf *);
/*
 * Reload: every key that only a restart can change keeps its value from
 * old (which takes the new one, to be freed with it); changed() is told
 * each one the file changed. Returns how many.
 */
unsigned conf_keep_restart_keys(struct conf *nc, struct conf *old,
	    void (*changed)(void *, const char *key), void *arg);
bool	 conf_is_admin(const struct conf *, const char *barejid);
/*
 * A listening address as metrics_listen takes it: "ADDRESS:PORT", a
 * numeric IPv4 address or a bracketed IPv6 one ("[::1]:9127"), never a
 * name to resolve. Into *ss and *len; -1 with the reason in err.
 */
int	 conf_listen_addr(const char *, struct sockaddr_storage *ss,
	    socklen_t *len, char *err, size_t errlen);
/* A replication address, "HOST:PORT" or "[IPv6]:PORT", split; -1 with
 * *why saying what is wrong. */
int	 conf_addr_split(const char *, char *host, size_t hostlen,
	    unsigned *port, const char **why);
/* Two sites are the same when host (ignoring case) and port are. */
bool	 conf_same_site(const char *, const char *);
/* The repl_ack_policy value's name, as the file spells it. */
const char *conf_acks_name(enum repl_acks);

/* Table access for documentation checks and `mucd -t -d`. */
struct conf_key_info {
	const char	*name;
	const char	*type;
	const char	*dflt;
};
size_t	 conf_keys(const struct conf_key_info **);
/* Print the effective configuration as "key = value" lines. */
void	 conf_dump(const struct conf *, void (*out)(void *, const char *),
	    void *);

#endif
