#!/bin/sh
# The archive through mucctl: archive show (filters, --json), export
# (JSON lines, paged past one reply), stats, purge (--before, --all),
# offline, bad input; the stored record holds the message without its
# stanza-id (kept apart, added back when shown: the bytes on disk), and
# a destroyed room's archive is kept only when asked.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd

expect 0 "room create annals" mc room create annals
scs_run archive_room
_i=0
while [ $_i -lt 620 ]; do
	echo "say annals line $_i"
	_i=$((_i + 1))
done > "$WORK/says"
expect 0 "620 messages from the room (the shell)" mc shell < "$WORK/says"

# --- show ------------------------------------------------------------------
expect 0 "archive show --json --limit 3" mc --json archive show annals --limit 3
jcount messages 3 "show --limit: three"
jfield messages.2.body "line 619" "show: the newest last"
jfield truncated true "show: more exist"
expect 0 "archive show --with Romeo" mc --json archive show annals --with Romeo
jcount messages 3 "show --with: Romeo's three"
jfield messages.0.body "first from Romeo" "show --with: oldest first"
jfield messages.0.nick Romeo "show: the nick"
jfield messages.0.jid romeo@localhost "show: the real JID"
case $("$JGET" messages.0.xml < "$WORK/out") in
*"<stanza-id xmlns='urn:xmpp:sid:0' by='annals@conference.localhost' id='"*)
	ok "show: the stanza as forwarded, with its stanza-id" ;;
*)	not_ok "show: the stanza as forwarded, with its stanza-id"; evidence ;;
esac
expect 0 "archive show (human)" mc archive show annals --with Romeo
out_has "<Romeo> second from Romeo" "show: human lines"
expect 0 "archive show --since the future" mc --json archive show annals \
	--since 2099-01-01T00:00:00Z
jcount messages 0 "show --since: nothing later"
expect 2 "archive show --limit 0" mc archive show annals --limit 0
expect 1 "archive show of no room" mc archive show nosuch

# --- export: JSON lines, every message, across replies ----------------------
expect 0 "archive export" mc archive export annals
if [ "$(wc -l < "$WORK/out")" -eq 623 ]; then
	ok "export: 623 lines (more than one reply's 500)"
else
	not_ok "export: $(wc -l < "$WORK/out") lines, wanted 623"
fi
if /usr/bin/python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
sys.exit(0 if len(set(ids)) == len(ids) == 623 else 1)' "$WORK/out"; then
	ok "export: each line JSON, every id once"
else
	not_ok "export: each line JSON, every id once"
fi

# --- stats, and what is on disk -----------------------------------------------
expect 0 "archive stats" mc --json archive stats annals
jfield rooms.0.messages 623 "stats: the count"
_bytes=$("$JGET" rooms.0.bytes < "$WORK/out")
stop_mucd
if db_dump -p -h "$D/data" "$D/data/archive.db" > "$WORK/dump" 2>&1 &&
    grep -q "first from Romeo" "$WORK/dump"; then
	if grep -q "stanza-id" "$WORK/dump"; then
		not_ok "on disk: records without their stanza-id"
	else
		ok "on disk: records without their stanza-id"
	fi
else
	not_ok "on disk: archive.db readable"; head -n 5 "$WORK/dump"
fi
expect 0 "archive stats offline" mc --json archive stats annals
jfield rooms.0.bytes "$_bytes" "offline: the same bytes"
expect 0 "archive purge offline --before the future" mc archive purge annals \
	--before 2099-01-01T00:00:00Z
out_has "annals@conference.localhost: archive purged" "purge: human"
expect 0 "show after purge" mc --json archive show annals
jcount messages 0 "purge: nothing shown"
start_mucd
expect 2 "purge with neither --before nor --all" mc archive purge annals
expect 2 "purge with a bad time" mc archive purge annals --before yesterday
err_has "not a time" "purge: the reason"
# A purge "before" a time still to come took what there was, not what
# was still to be said.
expect 0 "say after purge" mc say annals after the purge
expect 0 "show after purge and say" mc --json archive show annals
jfield messages.0.body "after the purge" "purge: later messages are kept"
expect 0 "purge --all" mc --json archive purge annals --all
jfield purged true "purge --all: purged"

# --- destroy: the archive goes, or stays when asked ----------------------------
expect 0 "say before destroy" mc say annals kept for later
expect 0 "destroy --keep-archive" mc room destroy annals --keep-archive
expect 0 "room create annals again" mc room create annals
expect 0 "the kept archive is back" mc --json archive show annals
jfield messages.0.body "kept for later" \
	"--keep-archive: the new room shows it"
expect 0 "destroy" mc room destroy annals
expect 0 "room create annals once more" mc room create annals
expect 0 "no archive this time" mc --json archive show annals
jcount messages 0 "destroy: the archive went with the room"
stop_mucd
finish
