#!/bin/sh
# mucctl against a running mucd: every command, in --json (fields checked
# with jget) and in human form, with XMPP clients in the room seeing what
# the commands do (tests/mucctl/online_room.scs).
. "$(dirname "$0")/../mucctl/lib.sh"

ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

build_helpers
start_prosody
start_mucd

# --- hello (the raw protocol) -------------------------------------------
$CC -O1 -o "$WORK/ctlraw" "$ROOT/tests/t/crash/ackstorm.c" ||
	die "cannot build the raw control client"
printf '%s\n' '{"id":1,"cmd":"hello"}' |
	"$WORK/ctlraw" "$D/mucd.sock" - > "$WORK/out" 2>&1
if grep -q '"commands":\[[^]]*"affiliation.set"' "$WORK/out"; then
	ok "hello: lists the commands"
else
	not_ok "hello: lists the commands"; evidence
fi

# --- status ------------------------------------------------------------
expect 0 "status --json" mc --json status
jfield domain conference.localhost "status: domain"
jfield link.state up "status: link is up"
jfield rooms.stored 0 "status: no stored rooms yet"
expect 0 "status" mc status
out_has "conference.localhost" "status: human output names the domain"
if grep -q -E "^started +$ISO \\(up " "$WORK/out"; then
	ok "status: start time in ISO 8601 UTC"
else
	not_ok "status: start time in ISO 8601 UTC"; evidence
fi

# --- room create / show / config / rooms --------------------------------
expect 0 "room create (human)" mc room create lobby "name=The Lobby" public=yes
out_has "created lobby@conference.localhost" "room create: confirmation"
expect 0 "room create --json" mc --json room create \
	side@conference.localhost members_only=yes
jfield jid side@conference.localhost "room create: result jid"
expect 0 "room create --owner" mc --json room create owned \
	--owner alice@example.org --owner bob@example.org
expect 0 "owners of a room created with --owner" mc --json affiliations owned owner
jcount affiliations 2 "room create --owner: two owners"
jfield affiliations.0.jid alice@example.org "affiliations: sorted by JID"
jfield affiliations.1.jid bob@example.org "affiliations: sorted by JID (2)"
expect 0 "room destroy (owned)" mc room destroy owned
expect 1 "room create of an existing room is refused" mc room create lobby
err_has "mucctl: room create: room lobby@conference.localhost already exists" \
	"room create: error names what failed"

expect 0 "room show --json" mc --json room show lobby
jfield jid lobby@conference.localhost "room show: jid"
jfield config.name "The Lobby" "room show: name"
jfield config.public true "room show: public"
jfield config.persistent true "room show: created persistent"
jfield stored true "room show: stored"
jfield locked false "room show: not locked"
expect 0 "room show (human)" mc room show lobby
out_has "The Lobby" "room show: human output"
if grep -q -E "^created +$ISO$" "$WORK/out"; then
	ok "room show: created in ISO 8601 UTC"
else
	not_ok "room show: created in ISO 8601 UTC"; evidence
fi

expect 0 "room config (show only)" mc --json room config lobby
jfield config.whois moderators "room config: whois default"
expect 0 "room config (human)" mc room config lobby
if grep -q -E '^whois +moderators$' "$WORK/out"; then
	ok "room config: human key/value lines"
else
	not_ok "room config: human key/value lines"; evidence
fi
expect 2 "room config with a bad value" mc room config lobby whois=sometimes
err_has "whois: 'sometimes' is not moderators or anyone" \
	"room config: the daemon's reason"

expect 0 "rooms --json" mc --json rooms
jcount rooms 2 "rooms: two rooms"
jfield rooms.0.jid lobby@conference.localhost "rooms: JID order"
jfield truncated false "rooms: not truncated"
expect 0 "rooms --public" mc --json rooms --public
jcount rooms 1 "rooms --public: one"
expect 0 "rooms --match" mc --json rooms --match '^SIDE@'
jfield rooms.0.jid side@conference.localhost "rooms --match: case-insensitive"
expect 0 "rooms --limit 1" mc rooms --limit 1
err_has "continue with --after lobby@conference.localhost" \
	"rooms --limit: tells how to go on"
expect 0 "rooms --after (local part)" mc --json rooms --after lobby
jfield rooms.0.jid side@conference.localhost "rooms --after: the next page"
expect 0 "rooms --empty --unused 0" mc --json rooms --empty --unused 0
expect 0 "rooms (human)" mc rooms
out_has "lobby@conference.localhost  The Lobby" "rooms: aligned table"

# --- affiliations and nicks (no occupants yet) --------------------------
expect 0 "affiliation set --json" mc --json affiliation set lobby \
	romeo@localhost owner
jfield affiliation owner "affiliation set: owner"
expect 0 "nick reserve" mc --json nick reserve lobby tybalt@localhost Tybalt
jfield affiliation member "nick reserve: makes a member"
jfield nick Tybalt "nick reserve: the nick"
expect 1 "nick reserve: a nick once per room" \
	mc nick reserve lobby mercutio@localhost Tybalt
err_has "That nickname is reserved by someone else" "nick reserve: conflict"
expect 0 "nick show --json" mc --json nick show lobby tybalt@localhost
jfield nick Tybalt "nick show: the nick"
expect 0 "nick show (human)" mc nick show lobby tybalt@localhost
out_has "Tybalt" "nick show: human"
expect 0 "nick release" mc nick release lobby tybalt@localhost
out_has "no longer has a reserved nick" "nick release: human"
expect 0 "nick reserve and release --json" sh -c "'$MUCCTL' -c '$D/mucd.conf' \
	nick reserve lobby tybalt@localhost Tybalt > /dev/null &&
	'$MUCCTL' -c '$D/mucd.conf' --json nick release lobby tybalt@localhost"
jfield nick null "nick release --json: no nick"
jfield affiliation member "nick release --json: affiliation stays"
expect 0 "nick show after release" mc --json nick show lobby tybalt@localhost
jfield nick null "nick show: none left"
expect 1 "nick release twice" mc nick release lobby tybalt@localhost
expect 1 "the last owner stays" mc affiliation set lobby romeo@localhost none
err_has "at least one owner" "affiliation set: last owner refused"
expect 0 "affiliations --json" mc --json affiliations lobby owner
jcount affiliations 1 "affiliations owner: one"
jfield affiliations.0.jid romeo@localhost "affiliations: romeo"
expect 0 "affiliations (human)" mc affiliations lobby
out_has "romeo@localhost" "affiliations: human table"
out_has "tybalt@localhost" "affiliations: member kept after release"

# --- with XMPP clients in the room --------------------------------------
scs_start online_room
wait_occupant lobby Juliet
_i=0
until mc history lobby 2>/dev/null | grep -q "<Romeo> hi from Romeo"; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && break
	sleep 0.1
done
expect 0 "history (human)" mc history lobby
out_has "<Romeo> hi from Romeo" "history: the message with its nick"
expect 0 "history --json --limit 1" mc --json history lobby --limit 1
jcount history 1 "history --limit: one"
jfield history.0.from lobby@conference.localhost/Romeo "history: from"
jfield history.0.body "hi from Romeo" "history: body"
expect 0 "occupants --json" mc --json occupants lobby
jcount occupants 2 "occupants: two"
expect 0 "occupants (human)" mc occupants lobby
out_has "Juliet" "occupants: human table"
out_has "juliet@localhost" "occupants: real JIDs"
expect 0 "user rooms --json" mc --json user rooms juliet@localhost
jfield rooms.0.present_as.0 Juliet "user rooms: present as Juliet"
expect 0 "user rooms (human)" mc user rooms romeo@localhost
out_has "owner" "user rooms: human"

expect 0 "affiliation set on an absent user" \
	mc affiliation set lobby rosaline@localhost member
out_has "rosaline@localhost is now member" "affiliation set: human"
wait_occupant lobby Rosa
# status counts what goes out on the link, whoever sends it: a message
# from the room is one stanza per live session.
expect 0 "status before say" mc --json status
_out0=$("$JGET" link.stanzas_out < "$WORK/out")
_sessions=$("$JGET" sessions < "$WORK/out")
expect 0 "say (words joined)" mc say lobby hello from mucctl
out_has "sent to lobby" "say: human"
expect 0 "status after say" mc --json status
_out1=$("$JGET" link.stanzas_out < "$WORK/out")
if [ "$_sessions" -gt 0 ] 2>/dev/null &&
    [ $((_out1 - _out0)) -eq "$_sessions" ]; then
	ok "status: one stanza out per session for a broadcast ($_sessions)"
else
	not_ok "status: stanzas out $_out0 -> $_out1 for $_sessions sessions"
fi
jfield counters.stanzas_out "$_out1" "status: the counters agree with the link"
expect 0 "say --json" mc --json say lobby again
jfield . null "say --json: null result"
expect 0 "room config change" mc --json room config lobby description=Changed
jfield config.description Changed "room config: applied"
expect 0 "kick --json" mc kick lobby Juliet --reason 'bye Juliet' --json
jfield . null "kick --json: null result"
expect 1 "kick of nobody" mc kick lobby Nobody
expect 0 "ban --json" mc --json ban lobby rosaline@localhost --reason spam
jfield affiliation outcast "ban: outcast"
expect 0 "the ban list --json" mc --json affiliations lobby outcast
jfield affiliations.0.reason spam "ban list: the reason"
expect 0 "the ban list" mc affiliations lobby outcast
out_has "rosaline@localhost  outcast      -     spam" \
	"ban list: human, the reason"
expect 0 "room destroy" mc room destroy lobby --reason closing \
	--alternate hall@conference.localhost
out_has "destroyed lobby" "room destroy: human"
expect 0 "room destroy --json" mc --json room destroy side
jfield . null "room destroy --json: null result"
scs_wait online_room
expect 1 "room show after destroy" mc room show lobby
err_has "mucctl: room show: no room lobby@conference.localhost" \
	"room show: error names the room"

# --- text from users reaches the terminal defused ------------------------
# A right-to-left override makes "room-gnp.exe" read "room-exe.png".
RLO=$(printf '\342\200\256')
expect 0 "room with a bidi override in its name" mc room create bidi \
	"name=evil${RLO}gnp.exe"
expect 0 "say a bidi override" mc say bidi "look ${RLO}txt.exe"
expect 0 "rooms (human)" mc rooms --match '^bidi@'
if grep -q "$RLO" "$WORK/out"; then
	not_ok "rooms: the override does not reach the terminal"; evidence
else
	ok "rooms: the override does not reach the terminal"
fi
out_has "evil?gnp.exe" "rooms: the override shows as ?"
expect 0 "room show (human)" mc room show bidi
out_has "evil?gnp.exe" "room show: the override shows as ?"
expect 0 "history (human)" mc history bidi
out_has "look ?txt.exe" "history: the override shows as ?"
expect 0 "rooms --json keeps the text" mc --json rooms --match '^bidi@'
jfield rooms.0.name "evil${RLO}gnp.exe" "--json: the name as it is"

# --- reload, backup, shutdown -------------------------------------------
expect 0 "reload" mc reload
out_has "configuration reloaded" "reload: human"
expect 0 "reload --json" mc --json reload
jfield message "0 setting(s) need a restart" "reload: message"
expect 0 "backup (relative DIR: under backup_dir)" sh -c \
	"cd '$WORK' && '$MUCCTL' -c '$D/mucd.conf' --json backup bk"
jfield dir "$D/backups/bk" "backup: under backup_dir"
[ -f "$D/backups/bk/rooms.db" ] && ok "backup: files written" ||
	not_ok "backup: files written"
expect 1 "backup into a non-empty directory" mc backup "$D/backups/bk"

expect 0 "shutdown" mc shutdown
out_has "mucd is shutting down" "shutdown: human"
_i=0
while [ ! -s "$D/mucd.exit" ] && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if [ "$(cat "$D/mucd.exit" 2>/dev/null)" = 0 ]; then
	ok "mucd exited 0 after shutdown"
else
	not_ok "mucd exited 0 after shutdown"
	tail -n 30 "$D/mucd.log" | sed 's/^/  | /'
fi
if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$D/mucd.log"
then
	not_ok "no sanitizer report from mucd"
	grep -A 30 -E 'Sanitizer|runtime error' "$D/mucd.log" | head -n 60
else
	ok "no sanitizer report from mucd"
fi
finish
