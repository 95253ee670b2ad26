#!/bin/sh
# The archive through mucctl: archive show (filters, --json), export
# (JSON lines, paged past one reply), import (twice, bad input), export --with-archive into apply,
# stats, purge (--before, --all),
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

# --- import: the export into another room, twice; bad input adds nothing ---
cp "$WORK/out" "$WORK/annals.jsonl"
_id0=$(head -n 1 "$WORK/annals.jsonl" | "$JGET" id)
expect 0 "room create annex" mc room create annex
expect 0 "archive import --dry-run" mc --json archive import annex \
	"$WORK/annals.jsonl" --dry-run
jfield imported 623 "import --dry-run: every message would be"
expect 0 "archive stats after the dry run" mc --json archive stats annex
jcount rooms 0 "import --dry-run: nothing stored"
expect 0 "archive import" mc archive import annex "$WORK/annals.jsonl"
out_has "623 messages imported, 0 already there" "import: human"
# One event per batch (one transaction each), saying how many it added.
expect 0 "audit of the import" mc --json audit annex --limit 100
if /usr/bin/python3 -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["events"]
      if e["action"] == "archive.import"]
sys.exit(0 if ev and sum(int(e["new"].split()[0]) for e in ev) == 623
         else 1)' "$WORK/out"; then
	ok "import: in the audit trail, 623 messages in all"
else
	not_ok "import: in the audit trail, 623 messages in all"; evidence
fi
expect 0 "archive import again" mc --json archive import annex - \
	< "$WORK/annals.jsonl"
jfield imported 0 "import again: nothing new"
jfield skipped 623 "import again: every message already there"
expect 0 "archive show annex --with Romeo" mc --json archive show annex \
	--with Romeo
jcount messages 3 "import: Romeo's three"
jfield messages.0.body "first from Romeo" "import: in their order"
jfield messages.0.id "$_id0" "import: the stanza-id kept"
case $("$JGET" messages.0.xml < "$WORK/out") in
*"from='annex@conference.localhost/Romeo'"*"by='annex@conference.localhost'"*)
	ok "import: from the new room, with its stanza-id" ;;
*)	not_ok "import: from the new room, with its stanza-id"; evidence ;;
esac
# A good new message, then a bad one: the batch is refused whole.
/usr/bin/python3 - "$WORK/annals.jsonl" > "$WORK/bad.jsonl" <<'PY'
import json, sys
m = json.loads(open(sys.argv[1]).readline())
m["id"] = "AAAAAAAAAAAAAAAA"
print(json.dumps(m))
m["id"] = "BBBBBBBBBBBBBBBB"
m["xml"] = "<iq xmlns='jabber:client' type='get'/>"
print(json.dumps(m))
PY
expect 2 "archive import of a non-message" mc archive import annex \
	"$WORK/bad.jsonl"
err_has "lines 1-2: message 2 (BBBBBBBBBBBBBBBB)" "import: names the line"
printf '{"id": "CCCCCCCCCCCCCCCC",\n' > "$WORK/broken.jsonl"
expect 2 "archive import of broken JSON" mc archive import annex \
	"$WORK/broken.jsonl"
err_has "broken.jsonl:1:" "import: names the line of broken JSON"
expect 1 "archive import into no room" \
	mc archive import nosuch "$WORK/annals.jsonl"
expect 0 "room create quiet" mc room create quiet archiving=no
expect 1 "archive import into a room that does not archive" \
	mc archive import quiet "$WORK/annals.jsonl"
err_has "does not archive" "import: why a room refuses"
expect 0 "archive stats annex" mc --json archive stats annex
jfield rooms.0.messages 623 "import: bad input added nothing"

# --- export --with-archive | apply: a room and its archive moved ------------
expect 0 "export --with-archive annex" mc export --with-archive annex
sed 's/annex@conference/moved@conference/g' "$WORK/out" > "$WORK/moved.json"
if [ "$(grep -c '^{"room":"moved@conference.localhost"' "$WORK/moved.json")" \
    -eq 623 ]; then
	ok "export --with-archive: 623 archive lines after the document"
else
	not_ok "export --with-archive: 623 archive lines after the document"
fi
sed 's/"room":"moved@/"room":"elsewhere@/' "$WORK/moved.json" \
	> "$WORK/stray.json"
expect 2 "apply with archive lines of a room it does not name" \
	mc apply "$WORK/stray.json"
err_has "a room the document does not name" "apply: names the stray line"
expect 1 "nothing applied" mc room show moved
expect 0 "apply --dry-run with the archive" mc apply --dry-run \
	"$WORK/moved.json"
out_has "archive: 623 messages to import" "apply --dry-run: the archive counted"
expect 0 "apply with the archive" mc --json apply "$WORK/moved.json"
jfield archive.imported 623 "apply: the archive imported"
expect 0 "apply with the archive again" mc apply "$WORK/moved.json"
out_has "archive: 0 messages imported, 623 already there" \
	"apply again: nothing new"
expect 0 "archive show moved --with Romeo" mc --json archive show moved \
	--with Romeo
jfield messages.2.body "third from Romeo" "apply: the moved room's archive"

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
expect 0 "archive import offline" mc --json archive import annex \
	"$WORK/annals.jsonl"
jfield skipped 623 "import offline: every message already there"
jfield room annex@conference.localhost "import: the room as the daemon names it"
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
