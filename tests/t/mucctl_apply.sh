#!/bin/sh
# Rooms as code: mucctl apply and export, online (XMPP clients see the
# changes: tests/mucctl/apply_room.scs) and offline, text and --json;
# idempotent; --prune; export | apply round trips, also into another
# database; every kind of bad file refused with a clear error and
# nothing changed; changes recorded in the audit trail by path apply.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd

V1=$WORK/v1.json
cat > "$V1" <<'JSON'
{
  "format": "mucd-rooms/1",
  "rooms": [
    {
      "jid": "code",
      "config": { "name": "Code", "public": true },
      "affiliations": [
        { "jid": "romeo@localhost", "affiliation": "owner" },
        { "jid": "benvolio@localhost", "affiliation": "member",
          "nick": "Ben", "reason": "a friend" }
      ]
    },
    {
      "jid": "quiet@conference.localhost",
      "config": { "members_only": true, "moderated": true,
                  "presence_broadcast": ["moderator"],
                  "history_length": 5, "default_history": 2 },
      "subject": "Hush"
    }
  ]
}
JSON

# --- plan, apply, apply again ---------------------------------------------
expect 0 "apply --dry-run" mc apply "$V1" --dry-run
out_has "code@conference.localhost: create" "dry run: the room to create"
out_has "    affiliation benvolio@localhost: none -> member" \
	"dry run: change by change"
out_has "would be: 2 created, 0 changed, 0 unchanged, 0 destroyed" \
	"dry run: the summary"
expect 1 "dry run changed nothing" mc room show code
expect 0 "apply --dry-run --json" mc --json apply "$V1" --dry-run
jfield dry_run true "dry run --json: says so"
jfield rooms.0.created true "dry run --json: created"
jfield rooms.1.room quiet@conference.localhost "dry run --json: the JID"
expect 0 "apply" mc apply "$V1"
out_has "2 created, 0 changed, 0 unchanged, 0 destroyed" "apply: the summary"
expect 0 "room show code" mc --json room show code
jfield config.name Code "apply: the name"
jfield config.public true "apply: public"
jfield stored true "apply: stored"
expect 0 "room show quiet" mc --json room show quiet
jfield config.default_history 2 "apply: history_length before default_history"
jfield config.presence_broadcast.0 moderator "apply: a role list"
jfield subject.text Hush "apply: the subject"
expect 0 "nick show" mc --json nick show code benvolio@localhost
jfield nick Ben "apply: the reserved nick"
expect 0 "apply again" mc --json apply "$V1"
jcount rooms 0 "idempotent: nothing to change the second time"
jfield unchanged 2 "idempotent: both unchanged"

# --- export round trip ------------------------------------------------------
expect 0 "export" mc export
cp "$WORK/out" "$WORK/export1.json"
expect 0 "export | apply -" sh -c "'$MUCCTL' -c '$D/mucd.conf' export |
	'$MUCCTL' -c '$D/mucd.conf' apply -"
out_has "0 created, 0 changed, 2 unchanged, 0 destroyed" \
	"export | apply: a round trip changes nothing"
expect 0 "export one room" mc export quiet
if "$JGET" -n rooms < "$WORK/out" | grep -qx 1; then
	ok "export ROOM: that room only"
else
	not_ok "export ROOM: that room only"; evidence
fi
expect 1 "export of a room that does not exist" mc export nosuch
err_has "no room nosuch@conference.localhost" "export: names the room"

# --- with XMPP clients in the room -----------------------------------------
sed -e 's/"name": "Code"/"name": "Code v2"/' \
    -e 's/"nick": "Ben", "reason": "a friend" }/"nick": "Ben", "reason": "a friend" },\
        { "jid": "juliet@localhost", "affiliation": "member", "nick": "Jules" },\
        { "jid": "tybalt@localhost", "affiliation": "outcast", "reason": "feud" }/' \
    -e 's/"config": { "name": "Code v2", "public": true },/"config": { "name": "Code v2", "public": true }, "subject": "Managed as code",/' \
    "$V1" > "$WORK/v2.json"
scs_start apply_room
wait_occupant code Juliet
expect 0 "apply v2 --dry-run" mc apply "$WORK/v2.json" --dry-run
out_has "    config name: Code -> Code v2" "v2: the rename"
out_has "    nick juliet@localhost: (none) -> Jules" "v2: the nick"
out_has "would be: 0 created, 1 changed, 1 unchanged, 0 destroyed" \
	"v2: one room changes"
expect 0 "apply v2" mc apply "$WORK/v2.json"
scs_wait apply_room
expect 0 "audit of the apply" mc --json audit code --limit 3
jfield events.0.path apply "audit: path apply"

# --- prune -----------------------------------------------------------------
expect 0 "room create stray" mc room create stray
expect 0 "affiliation set outside the file" mc affiliation set code \
	mercutio@localhost member
expect 0 "apply v2 --prune --dry-run" mc apply "$WORK/v2.json" --prune \
	--dry-run
out_has "    affiliation mercutio@localhost: member -> none" \
	"prune: the affiliation the file does not name"
out_has "stray@conference.localhost: destroy (--prune)" \
	"prune: the room the file does not name"
expect 0 "without --prune they stay" mc apply "$WORK/v2.json"
out_has "0 created, 0 changed, 2 unchanged, 0 destroyed" \
	"without --prune: nothing removed"
expect 0 "apply --prune" mc apply "$WORK/v2.json" --prune
out_has "stray@conference.localhost: destroyed" "prune: destroyed"
expect 1 "the stray room is gone" mc room show stray
expect 0 "affiliations after prune" mc --json affiliations code member
if grep -q mercutio "$WORK/out"; then
	not_ok "prune: the affiliation is gone"; evidence
else
	ok "prune: the affiliation is gone"
fi

# --- bad files: a clear error, nothing changed -------------------------------
expect 0 "export before the bad files" mc export
cp "$WORK/out" "$WORK/before.json"
bad() {
	_what=$1 _msg=$2
	shift 2
	printf '%s\n' "$@" > "$WORK/bad.json"
	expect 2 "bad file: $_what" mc apply "$WORK/bad.json"
	err_has "$_msg" "bad file: $_what: the error"
}
bad "not JSON" "bad.json:2:0: unexpected token near end of file" '{ "format": '
bad "truncated" "bad.json:3:" '{ "format": "mucd-rooms/1",' '  "rooms": [ { "jid": "x"'
bad "no format" '"format" must be "mucd-rooms/1"' '{ "rooms": [] }'
bad "unknown top-level field" "unknown field 'room' at the top" \
	'{ "format": "mucd-rooms/1", "rooms": [], "room": 1 }'
bad "the same key twice" "duplicate object key" \
	'{ "format": "mucd-rooms/1", "rooms": [], "rooms": [] }'
bad "unknown room field" "rooms[0]: new@conference.localhost: unknown field 'owners'" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "owners": [] } ] }'
bad "unknown setting" "unknown room option 'colour'" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "config": { "colour": "red" } } ] }'
bad "bad value" "whois: 'sometimes' is not moderators or anyone" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "config": { "whois": "sometimes" } } ] }'
bad "bad JID" "affiliations[0]: jid: '@@' is not a JID" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "affiliations": [ { "jid": "@@", "affiliation": "member" } ] } ] }'
bad "bad affiliation" "is not owner, admin, member or outcast" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "affiliations": [ { "jid": "a@b", "affiliation": "king" } ] } ] }'
bad "duplicate nick" "the nick 'Same' is given to a@b and c@d" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "affiliations": [ { "jid": "a@b", "affiliation": "member", "nick": "Same" }, { "jid": "c@d", "affiliation": "member", "nick": "Same" } ] } ] }'
bad "a nick held by someone else" "That nickname is reserved by someone else" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "code", "affiliations": [ { "jid": "iago@localhost", "affiliation": "member", "nick": "Ben" } ] } ] }'
bad "the same room twice" "code@conference.localhost is named twice (also in rooms[0])" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "code" }, { "jid": "code@conference.localhost" } ] }'
bad "a room elsewhere" "is not on conference.localhost" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "x@conference.elsewhere" } ] }'
bad "temporary" "rooms as code are persistent" \
	'{ "format": "mucd-rooms/1", "rooms": [ { "jid": "new", "config": { "persistent": false } } ] }'
# An error in the 300th room: the 299 before it are not created either.
{
	printf '{ "format": "mucd-rooms/1", "rooms": [\n'
	_i=1
	while [ $_i -lt 300 ]; do
		printf '  { "jid": "bulk%d" },\n' $_i
		_i=$((_i + 1))
	done
	printf '  { "jid": "bulk300", "config": { "max_occupants": -5 } }\n] }\n'
} > "$WORK/bulk.json"
expect 2 "an error in room 300" mc apply "$WORK/bulk.json"
err_has "rooms[299]: bulk300@conference.localhost: config: max_occupants" \
	"room 300: the error names the room and the field"
err_has "1 error; nothing was applied" "room 300: nothing applied"
expect 1 "room 1 of the bad file was not created" mc room show bulk1
# 100,000 rooms: more than one file may name.
/usr/bin/python3 -c '
import json
print(json.dumps({"format": "mucd-rooms/1",
    "rooms": [{"jid": "r%d" % i} for i in range(100000)]}))' > "$WORK/huge.json"
expect 1 "a file naming 100,000 rooms" mc apply "$WORK/huge.json"
err_has "names 100000 rooms; one file may name at most 50000" \
	"100,000 rooms: the limit"
expect 1 "none of them created" mc room show r0
expect 2 "a missing file" mc apply "$WORK/nosuch.json"
err_has "nosuch.json: No such file or directory" "missing file: says so"
expect 2 "bad file --json" mc --json apply "$WORK/bulk.json"
jfield error.code bad-request "--json: the error object"
jfield error.errors.0 "rooms[299]: bulk300@conference.localhost: config: max_occupants: '-5' is not a number (0 for the service limit)" \
	"--json: every error listed"
expect 0 "export after the bad files" mc export
if cmp -s "$WORK/out" "$WORK/before.json"; then
	ok "bad files changed nothing"
else
	not_ok "bad files changed nothing"
	diff "$WORK/before.json" "$WORK/out" | head -n 20 | sed 's/^/  | /'
fi

# --- offline, and into another database -------------------------------------
stop_mucd
expect 0 "apply offline" mc apply "$WORK/v2.json"
out_has "0 created, 0 changed, 2 unchanged, 0 destroyed" "offline: unchanged"
mkdir "$WORK/other"
expect 0 "apply into an empty database" mc -D "$WORK/other" apply \
	"$WORK/before.json"
out_has "2 created" "another database: created"
expect 0 "export from it" mc -D "$WORK/other" export
if cmp -s "$WORK/out" "$WORK/before.json"; then
	ok "moved: the other database exports the same document"
else
	not_ok "moved: the other database exports the same document"
	diff "$WORK/before.json" "$WORK/out" | head -n 20 | sed 's/^/  | /'
fi
# The example shipped for packagers: valid for a service of its domain.
mkdir "$WORK/example"
sed -e "s|^domain = .*|domain = conference.example.org|" "$D/mucd.conf" \
	> "$WORK/example.conf"
chmod 600 "$WORK/example.conf"
expect 0 "the shipped example applies" "$MUCCTL" -c "$WORK/example.conf" \
	-D "$WORK/example" apply "$ROOT/packaging/rooms.example.json" --dry-run
out_has "would be: 2 created" "the shipped example: two rooms"
finish
