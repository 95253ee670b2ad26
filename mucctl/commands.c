/*
 * commands: the table of mucctl commands. Each maps 1:1 onto a control
 * protocol command (common/ctlproto.h), except the local `shell`, `help`
 * and `import prosody`. Argument parsing, help and completion read this
 * table; whether a command works offline is the protocol's flag
 * (CTL_ONLINE), and what it does is the daemon's alone.
 */
#include "mucctl.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define END	{ NULL, NULL, 0, 0 }
#define OEND	{ NULL, NULL, 0, NULL, NULL }

static const struct arg_spec no_args[] = { END };
static const struct opt_spec no_opts[] = { OEND };

static const struct arg_spec a_room[] = {
	{ "ROOM", "room", A_ROOM, 0 }, END
};
static const struct arg_spec a_room_settings[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "key=value", "config", A_SETTINGS, ARG_OPTIONAL }, END
};
static const struct arg_spec a_room_nick[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "NICK", "nick", A_NICK, 0 }, END
};
static const struct arg_spec a_room_text[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "TEXT", "text", A_TEXT, 0 }, END
};
static const struct arg_spec a_room_aff[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "AFFILIATION", "affiliation", A_AFF, ARG_OPTIONAL }, END
};
static const struct arg_spec a_aff_set[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "JID", "jid", A_JID, 0 },
	{ "AFFILIATION", "affiliation", A_AFF_NONE, 0 }, END
};
static const struct arg_spec a_room_jid[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "JID", "jid", A_JID, 0 }, END
};
static const struct arg_spec a_room_jid_nick[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "JID", "jid", A_JID, 0 },
	{ "NICK", "nick", A_NICK, 0 }, END
};
static const struct arg_spec a_room_jid_uri[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "JID", "jid", A_JID, 0 },
	{ "URI", "uri", A_WORD, 0 }, END
};
static const struct arg_spec a_room_jid_opt[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "JID", "jid", A_JID, ARG_OPTIONAL }, END
};
static const struct arg_spec a_room_image[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "FILE", "data", A_FILE_IN, 0 }, END
};
static const struct arg_spec a_room_save[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "FILE", "file", A_FILE_OUT, ARG_OPTIONAL }, END
};
static const struct arg_spec a_jid[] = {
	{ "JID", "jid", A_JID, 0 }, END
};
static const struct arg_spec a_dir[] = {
	{ "DIR", "dir", A_DIR, 0 }, END
};
static const struct arg_spec a_room_opt[] = {
	{ "ROOM", "room", A_ROOM, ARG_OPTIONAL }, END
};
static const struct arg_spec a_help[] = {
	{ "COMMAND", "command", A_TEXT, ARG_OPTIONAL }, END
};

static const struct arg_spec a_role_set[] = {
	{ "ROOM", "room", A_ROOM, 0 }, { "NICK", "nick", A_NICK, 0 },
	{ "ROLE", "role", A_ROLE, 0 }, END
};
static const struct arg_spec a_subject[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "TEXT", "text", A_TEXT, ARG_OPTIONAL }, END
};
static const struct opt_spec o_occupants[] = {
	{ "role", "role", O_STR, "ROLE",
	  "only occupants with this role (visitor, participant, moderator)" },
	{ "match", "match", O_STR, "REGEX",
	  "only occupants whose nick or JID matches (case-insensitive)" },
	OEND
};
static const struct opt_spec o_nicks[] = {
	{ "match", "match", O_STR, "REGEX",
	  "only reservations whose nick, JID or room matches "
	  "(case-insensitive)" },
	{ "limit", "limit", O_UINT, "N", "at most N (default 10000)" },
	OEND
};
static const struct opt_spec o_rooms[] = {
	{ "match", "match", O_STR, "REGEX",
	  "only rooms whose JID matches the extended regular expression "
	  "(case-insensitive)" },
	{ "empty", "empty", O_FLAG, NULL, "only rooms without occupants" },
	{ "unused", "unused_days", O_UINT, "DAYS",
	  "only empty rooms not used for DAYS days" },
	{ "public", "public", O_FLAG, NULL, "only public rooms" },
	{ "limit", "limit", O_UINT, "N", "at most N rooms (default 10000)" },
	{ "after", "after", O_STR, "JID",
	  "start after this room JID (paging)" },
	{ "tombstones", "tombstones", O_FLAG, NULL,
	  "list the tombstones of destroyed rooms instead (--match, --limit "
	  "and --after apply)" },
	{ "destroy", "destroy", O_FLAG, NULL,
	  "destroy every room listed (with --unused only)" },
	{ "dry-run", "dry_run", O_FLAG, NULL,
	  "with --destroy: only say which rooms would go" },
	OEND
};
static const struct opt_spec o_reason[] = {
	{ "reason", "reason", O_STR, "R", "the reason given to the user" },
	OEND
};
static const struct opt_spec o_destroy[] = {
	{ "reason", "reason", O_STR, "R", "the reason given to occupants" },
	{ "alternate", "alternate", O_JID, "JID",
	  "a room occupants are invited to move to" },
	{ "keep-archive", "keep_archive", O_FLAG, NULL,
	  "keep the room's archive for a room created later with this JID" },
	OEND
};
static const struct opt_spec o_arch_show[] = {
	{ "since", "since", O_STR, "TIME",
	  "only messages from TIME on (2026-01-31T12:00:00Z, or seconds)" },
	{ "before", "before", O_STR, "TIME", "only messages before TIME" },
	{ "with", "with", O_STR, "NICK", "only messages from this nick" },
	{ "limit", "limit", O_UINT, "N",
	  "the newest N messages (default 20, at most 1000)" },
	OEND
};
static const struct arg_spec a_file[] = {
	{ "FILE", "file", A_FILE, 0 }, END
};
static const struct arg_spec a_room_file[] = {
	{ "ROOM", "room", A_ROOM, 0 },
	{ "FILE", "file", A_FILE, 0 }, END
};
static const struct opt_spec o_dry_run[] = {
	{ "dry-run", "dry_run", O_FLAG, NULL,
	  "count what would be imported, change nothing" },
	OEND
};
static const struct arg_spec a_rooms[] = {
	{ "ROOM...", "rooms", A_ROOMS, ARG_OPTIONAL }, END
};
static const struct opt_spec o_apply[] = {
	{ "dry-run", "dry_run", O_FLAG, NULL,
	  "show what would change, change nothing" },
	{ "prune", "prune", O_FLAG, NULL,
	  "also remove the affiliations and rooms the file does not name" },
	OEND
};
static const struct opt_spec o_export[] = {
	{ "with-archive", "with_archive", O_FLAG, NULL,
	  "add each room's archived messages as JSON lines" },
	OEND
};
static const struct opt_spec o_audit[] = {
	{ "actor", "actor", O_STR, "JID",
	  "only changes by this JID (and its resources), or unix:USER" },
	{ "since", "since", O_STR, "TIME",
	  "only changes from TIME on (2026-01-31T12:00:00Z, seconds, or an "
	  "age: 7d, 12h, 30m)" },
	{ "limit", "limit", O_UINT, "N",
	  "the newest N changes (default 50, at most 1000)" },
	{ "before", "before", O_STR, "ID",
	  "only changes older than the event ID (paging)" },
	OEND
};
static const struct opt_spec o_arch_purge[] = {
	{ "before", "before", O_STR, "TIME", "purge the messages before TIME" },
	{ "all", "all", O_FLAG, NULL, "purge every message" },
	OEND
};
static const struct opt_spec o_create[] = {
	{ "owner", "owners", O_JIDS, "JID",
	  "make JID an owner of the new room (repeatable)" },
	OEND
};
static const struct opt_spec o_hat[] = {
	{ "title", "title", O_STR, "T", "the hat's title, shown by clients" },
	OEND
};
static const struct opt_spec o_history[] = {
	{ "limit", "limit", O_UINT, "N", "the newest N messages (default 20)" },
	OEND
};
static const struct opt_spec o_import[] = {
	{ "data", "data", O_STR, "DIR",
	  "Prosody's data directory (default: its own, /var/lib/prosody on "
	  "Debian)" },
	{ "host", "host", O_STR, "HOST",
	  "the MUC host to read, when DIR holds several" },
	{ "domain", "domain", O_STR, "DOMAIN",
	  "put the rooms on this domain instead of HOST" },
	OEND
};
static const struct opt_spec o_metrics[] = {
	{ "format", "format", O_STR, "FORMAT",
	  "prometheus (the text format 0.0.4, the default) or openmetrics" },
	OEND
};
static const struct opt_spec o_aff_set[] = {
	{ "nick", "nick", O_STR, "N", "also reserve this nick for the JID" },
	{ "reason", "reason", O_STR, "R", "the reason given to the user" },
	OEND
};

const struct command mc_commands[] = {
	{ "status", CTL_STATUS, no_args, no_opts,
	  "show the daemon's state and counters",
	  "Shows mucd's version, uptime, the state of its link to the XMPP "
	  "server, whether broadcasts go through the server's multicast "
	  "service (and if not, why), room and occupant counts and its "
	  "statistics counters.",
	  "mucctl status\nmucctl --json status",
	  render_status },
	{ "metrics", CTL_METRICS, no_args, o_metrics,
	  "print the daemon's metrics for Prometheus",
	  "Prints every metric of mucd(8), METRICS, as metrics_listen serves "
	  "them over HTTP: in the Prometheus text format that "
	  "node_exporter's textfile collector reads, or with --format "
	  "openmetrics in OpenMetrics 1.0. Offline it shows what a daemon "
	  "without a link has (the database's figures).",
	  "mucctl metrics > /var/lib/node_exporter/mucd.prom.$$ && "
	  "mv /var/lib/node_exporter/mucd.prom.$$ "
	  "/var/lib/node_exporter/mucd.prom\n"
	  "mucctl metrics --format openmetrics",
	  render_metrics },
	{ "rooms", CTL_ROOMS, no_args, o_rooms,
	  "list rooms, stored and in memory",
	  "Lists rooms in JID order: persistent rooms from the database and "
	  "temporary rooms in memory. Filters combine. When more rooms match "
	  "than --limit allows, a note says how to continue with --after.",
	  "mucctl rooms\nmucctl rooms --match '^team-' --public\n"
	  "mucctl rooms --unused 90\nmucctl rooms --limit 100 "
	  "--after team-c@conference.example.org\nmucctl rooms --tombstones",
	  render_rooms },
	{ "room show", CTL_ROOM_SHOW, a_room, no_opts,
	  "show a room: configuration, subject, occupants",
	  "Shows a room's configuration, subject, times and occupants.",
	  "mucctl room show lobby\n"
	  "mucctl --json room show lobby@conference.example.org",
	  render_room_show },
	{ "room create", CTL_ROOM_CREATE, a_room_settings, o_create,
	  "create a persistent room",
	  "Creates a persistent room with the service defaults, changed by "
	  "the key=value settings (see ROOM OPTIONS in mucctl(8); `help "
	  "room config` lists the keys), owned by the --owner JIDs. The room "
	  "is unlocked at once.",
	  "mucctl room create lobby\n"
	  "mucctl room create team --owner alice@example.org "
	  "name='The Team' members_only=yes public=no",
	  render_done },
	{ "room config", CTL_ROOM_CONFIG, a_room_settings, no_opts,
	  "show or change a room's configuration",
	  "Applies the key=value settings and shows the resulting "
	  "configuration; without settings it only shows it. Occupants see "
	  "the change as with a configuration form (status 104 and others). "
	  "Keys: name, description, language, password, persistent, public, "
	  "members_only, moderated, allow_member_invites, change_subject, "
	  "logging, whois (moderators|anyone), allow_pm "
	  "(anyone|participants|moderators|none), max_occupants, "
	  "history_length, default_history, presence_broadcast and "
	  "get_member_list (comma-separated roles), archiving, archive_days, "
	  "archive_messages, slow_mode_duration (seconds between two "
	  "messages of a participant; 0: off). Booleans take yes/no.",
	  "mucctl room config lobby\n"
	  "mucctl room config lobby name=Lobby moderated=yes\n"
	  "mucctl room config lobby password=",
	  render_config },
	{ "room destroy", CTL_ROOM_DESTROY, a_room, o_destroy,
	  "destroy a room",
	  "Destroys a room: occupants are removed (told the reason and the "
	  "alternate venue) and the room is deleted with its affiliations, "
	  "history and archive (--keep-archive keeps the archive for a room "
	  "created later under the same JID).",
	  "mucctl room destroy old-room --reason 'moved' "
	  "--alternate new-room@conference.example.org",
	  render_done },
	{ "room forget", CTL_ROOM_FORGET, a_room, no_opts,
	  "drop the tombstone of a destroyed room",
	  "A destroyed persistent room leaves a tombstone for tombstone_expiry "
	  "(mucd.conf(5)): whoever enters the room's JID is told it is gone "
	  "(and where it went). Forgetting the tombstone lets anyone create a "
	  "room of that JID again; `rooms --tombstones` lists them.",
	  "mucctl room forget old-room",
	  render_done },
	{ "room avatar set", CTL_ROOM_AVATAR_SET, a_room_image, no_opts,
	  "set a room's avatar from an image file",
	  "Makes the image in FILE (PNG, JPEG, GIF or WebP, at most "
	  "avatar_max_size, mucd.conf(5)) the room's avatar (XEP-0486): the "
	  "room's vCard holds it, room information gives its hash, and the "
	  "occupants are told. mucctl reads the file and sends it in the "
	  "request, whose line must fit control_max_line.",
	  "mucctl room avatar set lobby lobby.png",
	  render_done },
	{ "room avatar clear", CTL_ROOM_AVATAR_CLEAR, a_room, no_opts,
	  "remove a room's avatar",
	  "Removes the room's avatar; the occupants are told.",
	  "mucctl room avatar clear lobby",
	  render_done },
	{ "room avatar show", CTL_ROOM_AVATAR_SHOW, a_room_save, no_opts,
	  "show a room's avatar, or save it to a file",
	  "Shows the type, size and SHA-1 hash of the room's avatar, and "
	  "writes the image to FILE if one is given.",
	  "mucctl room avatar show lobby\n"
	  "mucctl room avatar show lobby /tmp/lobby.png",
	  render_avatar },
	{ "occupants", CTL_OCCUPANTS, a_room, o_occupants,
	  "list the occupants of a room",
	  "Lists a room's occupants: nick, role, affiliation, real JID and "
	  "connected resources; filters combine.",
	  "mucctl occupants lobby\nmucctl occupants lobby --role moderator\n"
	  "mucctl occupants lobby --match '@example\\.net$'",
	  render_occupants },
	{ "kick", CTL_KICK, a_room_nick, o_reason,
	  "kick an occupant out of a room",
	  "Removes the occupant with this nick from the room (status 307).",
	  "mucctl kick lobby troll --reason 'be nice'",
	  render_done },
	{ "say", CTL_SAY, a_room_text, no_opts,
	  "send a message to a room, from the room",
	  "Sends a groupchat message from the room's own JID to every "
	  "occupant. The remaining words form the text, joined by spaces.",
	  "mucctl say lobby 'Maintenance at 22:00 UTC'",
	  render_done },
	{ "history", CTL_HISTORY, a_room, o_history,
	  "show a room's recent messages",
	  "Shows the newest messages of the room's history, oldest first.",
	  "mucctl history lobby --limit 5",
	  render_history },
	{ "affiliations", CTL_AFFILIATIONS, a_room_aff, no_opts,
	  "list a room's affiliations",
	  "Lists owners, admins, members and outcasts with reserved nicks and "
	  "reasons, or only those with the given affiliation.",
	  "mucctl affiliations lobby\nmucctl affiliations lobby outcast",
	  render_affiliations },
	{ "affiliation set", CTL_AFFILIATION_SET, a_aff_set, o_aff_set,
	  "set a JID's affiliation with a room",
	  "Sets the affiliation (owner, admin, member, outcast or none) of a "
	  "bare JID or a domain. Occupants are told as in XEP-0045. A room "
	  "that has an owner always keeps one.",
	  "mucctl affiliation set lobby alice@example.org owner\n"
	  "mucctl affiliation set lobby bob@example.org member --nick Bob\n"
	  "mucctl affiliation set lobby carol@example.org none",
	  render_aff_change },
	{ "ban", CTL_BAN, a_room_jid, o_reason,
	  "ban a JID (or a domain) from a room",
	  "Makes the JID an outcast; an occupant with it is removed (status "
	  "301). A domain bans everyone on it.",
	  "mucctl ban lobby troll@example.net --reason spam\n"
	  "mucctl ban lobby spam.example",
	  render_aff_change },
	{ "nick reserve", CTL_NICK_RESERVE, a_room_jid_nick, no_opts,
	  "reserve a nick in a room for a JID",
	  "Reserves the nick for the bare JID; nobody else may use it in the "
	  "room. Someone without an affiliation becomes a member. A nick can "
	  "be reserved by only one JID per room.",
	  "mucctl nick reserve lobby alice@example.org Alice",
	  render_aff_change },
	{ "nick release", CTL_NICK_RELEASE, a_room_jid, no_opts,
	  "release a JID's reserved nick",
	  "Drops the JID's nick reservation; its affiliation stays.",
	  "mucctl nick release lobby alice@example.org",
	  render_aff_change },
	{ "nick show", CTL_NICK_SHOW, a_room_jid, no_opts,
	  "show the nick a JID has reserved in a room",
	  "Shows the JID's reserved nick, if any.",
	  "mucctl nick show lobby alice@example.org",
	  render_nick_show },
	{ "user rooms", CTL_USER_ROOMS, a_jid, no_opts,
	  "list the rooms where a JID has an affiliation or is present",
	  "Lists rooms where the bare JID has an affiliation, and (with the "
	  "daemon running) rooms where it is present, with its nicks.",
	  "mucctl user rooms alice@example.org",
	  render_user_rooms },
	{ "hats add", CTL_HATS_ADD, a_room_jid_uri, o_hat,
	  "give a user a hat in a room",
	  "Gives the bare JID the hat (XEP-0317) named by URI, an absolute "
	  "URI, in the room; a hat the JID wears already gets the new title. "
	  "Everyone in the room sees the hats in the wearer's presence. As "
	  "the room's ad-hoc command urn:xmpp:hats:commands:don does for its "
	  "owners and admins.",
	  "mucctl hats add lecture alice@example.org "
	  "urn:example:hats:teacher --title Teacher",
	  render_done },
	{ "hats remove", CTL_HATS_REMOVE, a_room_jid_uri, no_opts,
	  "take a hat away from a user",
	  "Takes the hat named by URI away from the bare JID in the room.",
	  "mucctl hats remove lecture alice@example.org "
	  "urn:example:hats:teacher",
	  render_done },
	{ "hats list", CTL_HATS_LIST, a_room_jid_opt, no_opts,
	  "list who wears which hat in a room",
	  "Lists the hats given in the room, by JID then URI, or only those of "
	  "one JID.",
	  "mucctl hats list lecture\n"
	  "mucctl hats list lecture alice@example.org",
	  render_hats },
	{ "blocklist add", CTL_BLOCKLIST_ADD, a_jid, o_reason,
	  "ban a JID or a domain from every room",
	  "Bans the bare JID, or everyone on a domain, from every room of the "
	  "service, whatever the rooms' affiliations say: whoever it bans is "
	  "removed from the rooms at once (status 301, with the reason) and "
	  "refused entry. The ban is stored; service administrators cannot be "
	  "banned. Banning again replaces the reason.",
	  "mucctl blocklist add spammer@example.net --reason spam\n"
	  "mucctl blocklist add spam.example",
	  render_done },
	{ "blocklist remove", CTL_BLOCKLIST_REMOVE, a_jid, no_opts,
	  "lift a service-wide ban",
	  "Lifts the ban of a JID or domain from the whole service; the rooms' "
	  "own affiliations apply again.",
	  "mucctl blocklist remove spam.example",
	  render_done },
	{ "blocklist list", CTL_BLOCKLIST_LIST, no_args, no_opts,
	  "list the service-wide bans",
	  "Lists the JIDs and domains banned from every room: since when, by "
	  "whom (a JID, or \"control\" for mucctl) and why.",
	  "mucctl blocklist list",
	  render_blocklist },
	{ "reload", CTL_RELOAD, no_args, no_opts,
	  "reload mucd's configuration",
	  "Makes mucd read its configuration file again (like SIGHUP); "
	  "settings that need a restart are reported.",
	  "mucctl reload",
	  render_done },
	{ "shutdown", CTL_SHUTDOWN, no_args, no_opts,
	  "stop mucd",
	  "Makes mucd leave every room cleanly, save and exit.",
	  "mucctl shutdown",
	  render_done },
	{ "backup", CTL_BACKUP, a_dir, no_opts,
	  "write a consistent copy of the database",
	  "Copies the database environment into DIR, which must be empty or "
	  "not exist yet; the copy opens as a data directory at once. DIR "
	  "must be under backup_dir (mucd.conf(5), default /var/backups/mucd); "
	  "a relative DIR is taken under it. The daemon (or, offline, mucd "
	  "in maintenance mode) writes the copy as its own user.",
	  "mucctl backup $(date +%F)\nmucctl backup /var/backups/mucd/nightly",
	  render_done },
	{ "role set", CTL_ROLE_SET, a_role_set, o_reason,
	  "change an occupant's role",
	  "Makes the occupant with this nick a visitor, participant or "
	  "moderator, or kicks it (none), as a moderator's muc#admin request "
	  "would; everyone is told.",
	  "mucctl role set lobby Bob visitor --reason 'cool down'\n"
	  "mucctl role set lobby Alice moderator",
	  render_done },
	{ "subject set", CTL_SUBJECT_SET, a_subject, no_opts,
	  "set or clear a room's subject",
	  "Sets the room's subject from the room itself and tells the "
	  "occupants; without TEXT it clears it. The words form the text, "
	  "joined by spaces.",
	  "mucctl subject set lobby 'Release day: questions here'\n"
	  "mucctl subject set lobby",
	  render_done },
	{ "invite", CTL_INVITE, a_room_jid, o_reason,
	  "invite a JID into a room, from the room",
	  "Sends a mediated invitation (XEP-0045 7.8.2) from the room, with "
	  "the password of a protected room; in a members-only room the "
	  "invitee becomes a member.",
	  "mucctl invite team carol@example.org --reason 'weekly sync'",
	  render_done },
	{ "nicks", CTL_NICKS, no_args, o_nicks,
	  "list the reserved nicks of every room",
	  "Lists every nick reservation of the service: room, nick and the "
	  "JID that holds it.",
	  "mucctl nicks\nmucctl nicks --match '^admin'",
	  render_nicks },
	{ "archive show", CTL_ARCHIVE_SHOW, a_room, o_arch_show,
	  "show a room's archived messages",
	  "Shows the newest archived messages of a room (XEP-0313), oldest "
	  "first, with their stanza-ids; retracted ones are marked. Filters "
	  "combine.",
	  "mucctl archive show lobby\nmucctl archive show lobby --with Alice "
	  "--since 2026-11-01T00:00:00Z --limit 100",
	  render_archive_show },
	{ "archive export", CTL_ARCHIVE_EXPORT, a_room, no_opts,
	  "write a room's whole archive as JSON lines",
	  "Writes every archived message of the room, oldest first, one JSON "
	  "object per line (id, stamp, nick, jid, retracted, body, xml), "
	  "fetched a page at a time.",
	  "mucctl archive export lobby > lobby.jsonl",
	  render_archive_export },
	{ "archive import", CTL_ARCHIVE_IMPORT, a_room_file, o_dry_run,
	  "add messages from an archive export to a room's archive",
	  "Reads archived messages as `mucctl archive export` writes them "
	  "(one JSON object per line; FILE - is standard input) and adds them "
	  "to the room's archive, after its newest message, from the room's "
	  "own address whatever room they were archived in. The room must "
	  "archive. A message whose id the room holds already is skipped, so "
	  "a second run adds nothing. Messages are sent in batches, each "
	  "checked whole and stored in one transaction.",
	  "mucctl archive export lobby > lobby.jsonl\n"
	  "mucctl archive import lobby lobby.jsonl",
	  NULL },
	{ "archive purge", CTL_ARCHIVE_PURGE, a_room, o_arch_purge,
	  "delete a room's archived messages",
	  "Purges the room's archive before a time, or all of it. The "
	  "messages disappear from queries and join history at once and are "
	  "deleted from the database in the background, a batch at a time.",
	  "mucctl archive purge lobby --before 2026-01-01T00:00:00Z\n"
	  "mucctl archive purge lobby --all",
	  render_done },
	{ "archive stats", CTL_ARCHIVE_STATS, a_room_opt, no_opts,
	  "show what the archive holds, per room",
	  "Lists the rooms with an archive: messages, bytes and the oldest "
	  "message a reader can see; or one room's.",
	  "mucctl archive stats\nmucctl archive stats lobby",
	  render_archive_stats },
	{ "apply", CTL_ROOM_APPLY, a_file, o_apply,
	  "make rooms what a JSON file says (rooms as code)",
	  "Reads a rooms document (see ROOMS AS CODE in mucctl(8); `mucctl "
	  "export` writes one; FILE - is standard input) and makes each room "
	  "it names what it says: settings, subject, affiliations with "
	  "reserved nicks and reasons. Every room is checked first: one error "
	  "anywhere and nothing changes. Each room changes in one "
	  "transaction, as an owner's request would (occupants are told). A "
	  "second run changes nothing.",
	  "mucctl apply rooms.json --dry-run\nmucctl apply rooms.json\n"
	  "mucctl export | ssh new mucctl apply -",
	  NULL },
	{ "export", CTL_ROOM_EXPORT, a_rooms, o_export,
	  "write rooms as a JSON document for apply",
	  "Writes the persistent rooms (or those named) as a rooms document: "
	  "settings (the password too), subject, affiliations with reserved "
	  "nicks and reasons. With --with-archive, each room's archived "
	  "messages follow the document as JSON lines naming their room. "
	  "`mucctl apply` takes either back.",
	  "mucctl export > rooms.json\nmucctl export lobby team\n"
	  "mucctl export --with-archive | ssh new mucctl apply -",
	  NULL },
	{ "audit", CTL_AUDIT, a_room_opt, o_audit,
	  "show who changed what: the audit trail",
	  "Lists administrative changes (affiliations, roles, kicks, bans, "
	  "configuration, subjects, nick reservations, destruction, archive "
	  "purges, moderation), oldest first: the time, the room, who (a JID, "
	  "or unix:USER for the control socket) and by which path (xmpp, "
	  "adhoc, control, offline, apply), what changed from what to what, "
	  "and the reason.",
	  "mucctl audit lobby\nmucctl audit --actor alice@example.org "
	  "--since 7d",
	  render_audit },
	{ "replication status", CTL_REPLICATION_STATUS, no_args, no_opts,
	  "show this site's role in the replication group",
	  "Shows this site's role (master, replica, or none while it joins "
	  "or an election runs), the master's address, whether replies wait "
	  "for the group's acknowledgement, the last election, the log "
	  "bytes not acknowledged yet (on the master) or missing (on a "
	  "replica), every site of the group with its connection, and how "
	  "this site's configuration differs from the master's. Only "
	  "for a mucd with repl_local set; see mucd(8), HIGH AVAILABILITY.",
	  "mucctl replication status\nmucctl --json replication status",
	  render_replication },
	{ "import prosody", MC_LOCAL, no_args, o_import,
	  "a Prosody MUC's rooms as a rooms document",
	  "Reads the rooms, their configuration, affiliations and reserved "
	  "nicks from a Prosody MUC service's file storage, with Prosody's "
	  "own Lua and libraries (" MUCCTL_PROSODY_IMPORT_PATH "), and "
	  "writes them to standard output as a rooms document, for `mucctl "
	  "apply`. What has no mucd equivalent is named on standard error. "
	  "Needs neither the daemon nor its database.",
	  "mucctl import prosody > rooms.json\n"
	  "mucctl import prosody --data /var/lib/prosody --host "
	  "conference.example.org --domain rooms.example.org > rooms.json",
	  NULL },
	{ "shell", MC_LOCAL, no_args, no_opts,
	  "interactive shell",
	  "Reads commands with line editing, history and tab completion "
	  "(commands, options, room JIDs, nicks). Quote arguments with "
	  "spaces. `quit` or end-of-file leaves.",
	  "mucctl shell",
	  NULL },
	{ "help", MC_LOCAL, a_help, no_opts,
	  "help on mucctl or on one command",
	  "Shows the commands, or the usage, options and examples of one "
	  "command.",
	  "mucctl help\nmucctl help room create",
	  NULL },
	{ NULL, MC_LOCAL, NULL, NULL, NULL, NULL, NULL, NULL }
};

int
command_nwords(const struct command *c)
{
	const char *p;
	int n = 1;

	for (p = c->words; (p = strchr(p, ' ')) != NULL; p++)
		n++;
	return n;
}

/* Does the command's word number i equal w? */
static bool
word_is(const struct command *c, int i, const char *w)
{
	const char *p = c->words;
	size_t n;

	for (; i > 0 && p != NULL; i--)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL)
		return false;
	n = strcspn(p, " ");
	return strlen(w) == n && strncmp(p, w, n) == 0;
}

/* Are the n words the first words of c, which has more? */
static bool
leads(const struct command *c, int n, char **words)
{
	int i;

	if (command_nwords(c) <= n)
		return false;
	for (i = 0; i < n; i++)
		if (!word_is(c, i, words[i]))
			return false;
	return true;
}

bool
command_is_group(const char *word)
{
	char *w[1] = { (char *)word };

	return command_group_words(1, w) == 1;
}

const struct command *
command_of(enum ctl_cmd id, struct command *buf)
{
	const struct command *c;

	for (c = mc_commands; c->words != NULL; c++)
		if (c->cmd == id)
			return c;
	/* Not a mucctl command of its own: enough for exec_request. */
	memset(buf, 0, sizeof(*buf));
	buf->words = ctl_cmds[id].name;
	buf->cmd = id;
	return buf;
}

int
command_group_words(int argc, char **argv)
{
	const struct command *c;
	int n, best = 0;

	for (c = mc_commands; c->words != NULL; c++)
		for (n = best + 1; n <= argc; n++)
			if (leads(c, n, argv))
				best = n;
	return best;
}

void
command_join(int n, char **words, char *out, size_t len)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    i > 0 ? " " : "", words[i]);
}

const struct command *
command_find(int argc, char **argv, int *used)
{
	const struct command *c;
	int i, n;

	*used = 0;
	for (c = mc_commands; argc > 0 && c->words != NULL; c++) {
		if ((n = command_nwords(c)) > argc)
			continue;
		for (i = 0; i < n && word_is(c, i, argv[i]); i++)
			;
		if (i == n) {
			*used = n;
			return c;
		}
	}
	return NULL;
}

/* Edit distance, small words only (command words are). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, t;
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = row[j];
			t = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < t)
				t = row[j] + 1;
			if (row[j - 1] + 1 < t)
				t = row[j - 1] + 1;
			row[j] = t;
			prev = cur;
		}
	}
	return row[lb];
}

/* Word i (0 or 1) of c into out. */
static void
word_of(const struct command *c, int i, char *out, size_t outlen)
{
	const char *sp = strchr(c->words, ' ');

	if (i == 0)
		snprintf(out, outlen, "%.*s", sp ? (int)(sp - c->words) :
		    (int)strlen(c->words), c->words);
	else
		snprintf(out, outlen, "%s", sp ? sp + 1 : "");
}

const char *
command_suggest(const char *group, const char *word, char *out, size_t outlen)
{
	const struct command *c;
	size_t best = 3, d;	/* a suggestion is at most 2 edits away */
	size_t gl = group != NULL ? strlen(group) : 0;
	const char *next;
	char w[64];

	out[0] = '\0';
	for (c = mc_commands; c->words != NULL; c++) {
		if (group != NULL) {
			/* The word after the group's ("room avatar" too). */
			if (strncmp(c->words, group, gl) != 0 ||
			    c->words[gl] != ' ')
				continue;
			next = c->words + gl + 1;
			snprintf(w, sizeof(w), "%.*s", (int)strcspn(next, " "),
			    next);
		} else
			word_of(c, 0, w, sizeof(w));
		/* A prefix of a longer word counts as close too. */
		d = strncmp(w, word, strlen(word)) == 0 && *word != '\0' ? 1 :
		    distance(word, w);
		if (d < best) {
			best = d;
			snprintf(out, outlen, "%s", w);
		}
	}
	return out[0] != '\0' ? out : NULL;
}
