#!/bin/sh
# mucctl offline mode: with mucd stopped, commands work on the database
# directly (same checks, same JSON shapes as online); the restarted daemon
# shows the changes to XMPP clients (tests/mucctl/offline_check.scs); with
# mucd running, direct database access (-D) is refused.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody

# A fresh install: offline mode creates the database in an empty data
# directory (rooms can be prepared before the service first starts), but
# never in a directory that holds something else (a typo in -D).
mkdir -p "$D/data"
sh "$FIXTURE/mucd.sh" start "$D" "$MUCD" > /dev/null 2>&1 # writes mucd.conf
sh "$FIXTURE/mucd.sh" stop "$D" > /dev/null 2>&1
rm -rf "$WORK/empty" "$WORK/other"
mkdir -p "$WORK/empty" "$WORK/other"
echo notes > "$WORK/other/notes.txt"
expect 0 "offline on an empty directory creates the database" \
	mc -D "$WORK/empty" --json rooms
jcount rooms 0 "fresh database: no rooms"
expect 3 "offline on a directory that is not empty and has no database" \
	mc -D "$WORK/other" rooms
err_has "no database here" "not a database: says so"
err_has "only in an empty directory" "not a database: says what to do"
[ "$(ls "$WORK/other")" = notes.txt ] &&
	ok "nothing left behind in a directory that is not a database" ||
	not_ok "nothing left behind in a directory that is not a database"
expect 3 "offline on a directory that does not exist" \
	mc -D "$WORK/nowhere" rooms
err_has "$WORK/nowhere: No such file or directory" "no directory: says so"

# --- offline changes, mucd stopped -------------------------------------
expect 0 "room create (offline fallback)" mc room create offroom \
	name=Offline members_only=yes
err_has "mucd is not running; working on the database" \
	"fallback: says it works offline"
out_has "created offroom@conference.localhost" "room create: human"
expect 0 "room create -D --json" mc -D "$D/data" --json room create second
jfield jid second@conference.localhost "room create -D: jid"
expect 1 "room create twice" mc room create offroom
err_has "room offroom@conference.localhost already exists" "room create: conflict"
expect 2 "room create persistent=no" mc room create third persistent=no
err_has "must be persistent" "room create: must be persistent"

expect 0 "affiliation set owner" mc --json affiliation set offroom \
	romeo@localhost owner
jfield affiliation owner "affiliation set: owner"
expect 0 "nick reserve makes a member" mc --json nick reserve offroom \
	juliet@localhost Jules
jfield affiliation member "nick reserve: member"
jfield nick Jules "nick reserve: nick"
expect 1 "nick reserve: once per room" mc nick reserve offroom \
	rosaline@localhost Jules
err_has "That nickname is reserved by someone else" \
	"nick reserve: the daemon's message"
expect 1 "nick reserve conflict, --json" mc --json nick reserve offroom \
	rosaline@localhost Jules
jfield error.code conflict "--json failure: the protocol's code on stdout"
jfield error.condition conflict "--json failure: the XMPP condition"
expect 1 "affiliation set --nick taken" mc affiliation set offroom \
	rosaline@localhost member --nick Jules
expect 1 "the last owner stays" mc affiliation set offroom romeo@localhost \
	member
err_has "The room must keep at least one owner" "last owner: message"
expect 1 "service admins stay owners" mc affiliation set offroom \
	admin@localhost member
expect 0 "ban a domain" mc ban offroom evil.example --reason spam
out_has "evil.example is banned from offroom" "ban: human"
expect 0 "the ban list --json" mc --json affiliations offroom outcast
jfield affiliations.0.reason spam "ban list: the reason"
expect 0 "the ban list" mc affiliations offroom outcast
out_has "evil.example  outcast      -     spam" "ban list: human, the reason"
expect 1 "nick reserve for a banned JID" mc nick reserve offroom \
	x@evil.example X
err_has "is banned from offroom@conference.localhost" "banned: message"
expect 2 "JIDs are checked" mc affiliation set offroom 'bad@@jid' member
expect 0 "JIDs are prepared" mc --json affiliation set offroom \
	Mercutio@LocalHost member
jfield jid mercutio@localhost "affiliation set: prepared JID"
expect 0 "affiliation none removes" mc affiliation set offroom \
	mercutio@localhost none
expect 2 "room config: bad value" mc room config offroom max_occupants=-1
expect 0 "room config" mc --json room config offroom whois=anyone \
	'description=Made offline'
jfield config.whois anyone "room config: whois"
jfield config.description "Made offline" "room config: description"
expect 0 "room destroy" mc room destroy second --reason gone
expect 1 "room destroy twice" mc room destroy second
expect 0 "rooms" mc --json rooms
jcount rooms 1 "rooms: one left"
jfield rooms.0.loaded false "rooms: not loaded"
expect 0 "nick release and show" mc nick release offroom juliet@localhost
expect 0 "nick show" mc --json nick show offroom juliet@localhost
jfield nick null "nick show: released"
expect 0 "nick reserve again" mc nick reserve offroom juliet@localhost Jules
out_has 'juliet@localhost reserved "Jules" in offroom' "nick reserve: human"
expect 0 "backup offline" mc backup bk
out_has "backup written to $D/backups/bk" "backup: human"
[ -f "$D/backups/bk/affs.db" ] && ok "backup: written" ||
	not_ok "backup: written"
expect 1 "backup outside backup_dir" mc backup "$WORK/bk"
err_has "backups are written only under $D/backups" "backup: confined"
[ ! -e "$WORK/bk" ] && ok "backup: nothing written outside" ||
	not_ok "backup: nothing written outside"
expect 3 "online-only commands need the daemon" mc occupants offroom
err_has "cannot connect to mucd" "occupants offline: says why"
expect 3 "-D with an online-only command" mc -D "$D/data" say offroom hi
err_has "'say' needs the running daemon" "-D say: the daemon's refusal"
expect 3 "-D with an online-only command, --json" mc -D "$D/data" --json \
	kick offroom Nobody
jfield error.code needs-daemon "-D kick: needs-daemon in JSON"

# As root on the daemon's data directory (owned by its user), mucctl
# must not leave files the daemon cannot open.
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	# Under /tmp: the owner must be able to reach its directory, and
	# $TMPDIR (check.sh's) is private to root.
	OWNED=$(mktemp -d /tmp/mucctl-owned.XXXXXX) || die "mktemp"
	CLEAN_DIRS="$CLEAN_DIRS $OWNED"
	chmod 755 "$OWNED"
	cp -a "$D/data" "$OWNED/data"
	rm -f "$OWNED/data/mucd.lock" "$OWNED/data"/__db.*
	chown -R nobody "$OWNED/data"
	expect 0 "offline as root on a datadir owned by another user" \
		mc -D "$OWNED/data" room create owned
	_other=$(find "$OWNED/data" ! -user nobody)
	if [ -z "$_other" ]; then
		ok "offline as root: every file still belongs to the owner"
	else
		not_ok "offline as root: files not owned by the owner: $_other"
	fi
fi

# The offline answers, to compare with the daemon's below.
for c in "rooms" "room show offroom" "affiliations offroom owner" \
    "nick show offroom juliet@localhost" "user rooms juliet@localhost" \
    "affiliations offroom member"; do
	f=$(echo "$c" | tr ' @' '__')
	# shellcheck disable=SC2086
	mc --json $c > "$WORK/off.$f" 2> /dev/null ||
		not_ok "offline: $c"
done

# --- the daemon sees it all --------------------------------------------
start_mucd
for c in "rooms" "room show offroom" "affiliations offroom owner" \
    "nick show offroom juliet@localhost" "user rooms juliet@localhost" \
    "affiliations offroom member"; do
	f=$(echo "$c" | tr ' @' '__')
	# shellcheck disable=SC2086
	mc --json $c > "$WORK/on.$f" 2> /dev/null
	if cmp -s "$WORK/off.$f" "$WORK/on.$f"; then
		ok "same JSON offline and online: $c"
	else
		not_ok "same JSON offline and online: $c"
		diff "$WORK/off.$f" "$WORK/on.$f" | sed 's/^/  | /'
	fi
done
expect 3 "-D refused while mucd runs" mc -D "$D/data" rooms
err_has "mucd is running; use the control socket" "-D: the clear message"
scs_run offline_check
stop_mucd
finish
