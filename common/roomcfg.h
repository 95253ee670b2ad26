/*
 * roomcfg: a room's configuration and its stored record.
 *
 * Shared by the daemon (which maps it to the muc#roomconfig data form) and
 * by mucctl (which edits it offline with key=value pairs), so both agree on
 * defaults, validation and the stored encoding.
 *
 * Stored room record, version 1 (the value in rooms.db, see store.h):
 *   {"v":1,"created":<unix>,"last_used":<unix>,
 *    "config":{"name":..., "description":..., "language":..., "password":...,
 *              "persistent":bool, "public":bool, "members_only":bool,
 *              "moderated":bool, "allow_member_invites":bool,
 *              "change_subject":bool, "logging":bool,
 *              "whois":"moderators"|"anyone",
 *              "allow_pm":"anyone"|"participants"|"moderators"|"none",
 *              "max_occupants":n, "history_length":n, "default_history":n,
 *              "presence_broadcast":["visitor",...],
 *              "get_member_list":["moderator",...], "archiving":bool,
 *              "archive_days":n, "archive_messages":n,
 *              "slow_mode_duration":n},
 *    "subject":{"text":..., "from":..., "time":<unix>},
 *    "salt":"<64 hex digits: key for XEP-0421 occupant ids>"}
 * Unknown keys are ignored on read so a newer writer's additions survive a
 * read by this version (they are not written back, though).
 */
#ifndef MUCD_ROOMCFG_H
#define MUCD_ROOMCFG_H

#include <stdbool.h>
#include <stddef.h>

struct conf;

enum whois { WHOIS_MODERATORS, WHOIS_ANYONE };
enum allowpm { PM_ANYONE, PM_PARTICIPANTS, PM_MODERATORS, PM_NONE };

/* Role bits for presence_broadcast and get_member_list. */
#define ROLEBIT_NONE		0x1
#define ROLEBIT_VISITOR		0x2
#define ROLEBIT_PARTICIPANT	0x4
#define ROLEBIT_MODERATOR	0x8
#define ROLEBIT_ALL_PRESENT	(ROLEBIT_VISITOR | ROLEBIT_PARTICIPANT | \
				 ROLEBIT_MODERATOR)

struct room_config {
	char		*name;
	char		*desc;
	char		*lang;
	char		*password;
	bool		 persistent;
	bool		 public;
	bool		 members_only;
	bool		 moderated;
	bool		 allow_member_invites;
	bool		 changesubject;
	bool		 logging;
	enum whois	 whois;
	enum allowpm	 allowpm;
	unsigned	 max_occupants;		/* 0: service limit only */
	unsigned	 history_length;	/* messages kept */
	unsigned	 default_history;	/* sent on join by default */
	unsigned	 presence_broadcast;	/* ROLEBIT_* */
	unsigned	 getmemberlist;		/* ROLEBIT_* */
	bool		 archiving;		/* XEP-0313 archive */
	unsigned	 archive_days;		/* retention; 0: the service's */
	unsigned	 archive_messages;	/* ditto, by count */
	unsigned	 slow_mode;		/* seconds between two messages
						   of a non-moderator; 0: off */
};

/* The longest slow mode (XEP-0500's muc#roomconfig_slow_mode_duration). */
#define ROOMCFG_SLOW_MAX	86400
#define ROOMCFG_SLOW_MAX_TEXT	"86400"

struct room_subject {
	char		*text;	/* NULL: none */
	char		*from;	/* occupant JID or room JID; NULL: room */
	long long	 time;
};

struct room_record {
	struct room_config	 cfg;
	struct room_subject	 subject;
	long long		 created;
	long long		 last_used;
	char			 salt[65];	/* hex; "" when none yet */
};

void	 roomcfg_defaults(struct room_config *, const struct conf *);
void	 roomcfg_free(struct room_config *);
int	 roomcfg_copy(struct room_config *, const struct room_config *);
bool	 roomcfg_equal(const struct room_config *, const struct room_config *);
/* Set one option by its key (see mucctl(8)); -1 with a message. */
int	 roomcfg_set(struct room_config *, const struct conf *, const char *key,
	    const char *value, char *err, size_t errlen);
/* Names of the keys roomcfg_set accepts, NULL-terminated. */
extern const char *const roomcfg_keys[];
bool	 roomcfg_known(const char *key);
/* Print one option's value into out. */
int	 roomcfg_get(const struct room_config *, const char *key, char *out,
	    size_t outlen);

/*
 * The configuration as the control protocol shows it (mucctl(8)): typed
 * values (booleans, numbers, strings, role lists as arrays) under the
 * keys roomcfg_set accepts, with the password replaced by
 * "password_protected". A jansson json_t *, returned as void * so this
 * header does not need jansson's.
 */
void	*roomcfg_json(const struct room_config *);
/* The same with the password itself ("" when none): what roomcfg_set
 * takes back, for export. */
void	*roomcfg_json_full(const struct room_config *);

void	 roomrec_init(struct room_record *, const struct conf *);
void	 roomrec_free(struct room_record *);
/* Encode to the stored JSON text (malloc'd), NULL on OOM. */
char	*roomrec_encode(const struct room_record *);
/* Decode stored JSON over the defaults; -1 with a message. */
int	 roomrec_decode(struct room_record *, const struct conf *,
	    const char *json, char *err, size_t errlen);

const char *role_bits_name(unsigned bit);
const char *whois_name(enum whois);
const char *allowpm_name(enum allowpm);

#endif
