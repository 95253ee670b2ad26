#!/bin/sh
# Service-wide bans through mucctl, online and offline: `blocklist add`
# removes the banned user from the rooms at once (status 301, with the
# reason; tests/t/blocklist/present.scs) and keeps her out of every room,
# also after a restart (refused.scs); `blocklist list` and `blocklist
# remove` (welcome.scs); an administrator, a bad JID and a ban that does
# not exist are clear refusals; every change is logged with its actor.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd


expect 0 "room create" mc room create dock
"$SCSRUN" --port "$C2S_PORT" --timeout "$SCS_WAIT" \
    "$ROOT/tests/t/blocklist/present.scs" > "$WORK/present.out" 2>&1 &
SCS=$!
BG_PIDS="$BG_PIDS $SCS"
i=0
until mc --json occupants dock 2> /dev/null | grep -q '"Mal"'; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.1
done
expect 0 "blocklist add" mc blocklist add mallory@localhost --reason Phishing
out_has "mallory@localhost is banned from every room" "blocklist add: says so"
if wait $SCS; then
	ok "the banned occupant was removed with 301 and the reason"
else
	not_ok "the banned occupant was removed"; sed 's/^/  | /' "$WORK/present.out"
fi
if grep -q "mallory@localhost banned from every room by control: Phishing" \
    "$D/mucd.log"; then
	ok "the ban is logged with its actor and reason"
else
	not_ok "the ban is logged with its actor and reason"
fi
scs_play blocklist refused "she is refused entry"
expect 0 "blocklist list --json" mc --json blocklist list
jcount blocklist 1 "one ban"
jfield blocklist.0.jid mallory@localhost "its JID"
jfield blocklist.0.reason Phishing "its reason"
jfield blocklist.0.actor control "its actor"
expect 1 "an administrator cannot be banned" mc blocklist add admin@localhost
err_has "Service administrators cannot be banned" "says why"
expect 2 "a bad JID" mc blocklist add 'a@b@c'
expect 1 "lifting a ban that does not exist" mc blocklist remove \
	nobody@localhost

stop_mucd
start_mucd
scs_play blocklist refused "the ban survives a restart"
stop_mucd

# Offline, through the daemon in maintenance mode.
expect 0 "blocklist list offline" mc --json blocklist list
jcount blocklist 1 "offline: one ban"
expect 0 "blocklist add offline (a domain)" mc blocklist add spam.example
expect 0 "blocklist remove offline" mc blocklist remove mallory@localhost
out_has "no longer banned" "blocklist remove: says so"
expect 0 "blocklist list offline (2)" mc blocklist list
out_has "spam.example" "offline changes are listed"

start_mucd
scs_play blocklist welcome "the ban lifted offline, she may enter"
expect 0 "blocklist list online" mc --json blocklist list
jfield blocklist.0.jid spam.example "the offline ban is in force online"
stop_mucd
finish
