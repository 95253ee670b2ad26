#!/bin/sh
# The operators' everyday commands through mucctl: role set, subject set,
# invite, occupant filters, the service-wide list of reserved nicks and
# rooms --unused --destroy; online (XMPP clients see the effect:
# tests/mucctl/ops_room.scs) and offline, in --json and human form, with
# bad input refused and nothing changed.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd

expect 0 "room create ops" mc room create ops "name=Ops"
expect 0 "romeo owns ops" mc affiliation set ops romeo@localhost owner
expect 0 "nick reserve in ops" mc nick reserve ops tybalt@localhost Tybalt
expect 0 "room create other" mc room create other
expect 0 "nick reserve in other" mc nick reserve other mercutio@localhost Merc

# --- nicks: the whole service ------------------------------------------
expect 0 "nicks --json" mc --json nicks
jcount nicks 2 "nicks: both rooms' reservations"
jfield nicks.0.room ops@conference.localhost "nicks: in room order"
jfield nicks.0.nick Tybalt "nicks: the nick"
jfield nicks.0.jid tybalt@localhost "nicks: whose"
jfield nicks.1.nick Merc "nicks: the other room"
expect 0 "nicks --match (JID, any case)" mc --json nicks --match 'MERCUTIO'
jcount nicks 1 "nicks --match: one"
jfield nicks.0.room other@conference.localhost "nicks --match: the right one"
expect 0 "nicks --limit 1" mc --json nicks --limit 1
jfield truncated true "nicks --limit: says more exist"
expect 0 "nicks (human)" mc nicks
out_has "Tybalt" "nicks: human table"
expect 2 "nicks --match with a bad expression" mc nicks --match '('
err_has "invalid regular expression" "nicks --match: the reason"

# --- with XMPP clients in ops --------------------------------------------
scs_start ops_room
wait_occupant ops Juliet
expect 0 "occupants --role participant" mc --json occupants ops --role participant
jcount occupants 1 "occupants --role: Juliet only"
jfield occupants.0.nick Juliet "occupants --role: the participant"
expect 0 "occupants --match (real JID)" mc --json occupants ops --match 'ROMEO@'
jcount occupants 1 "occupants --match: Romeo only"
jfield occupants.0.nick Romeo "occupants --match: by JID"
expect 0 "occupants --match nobody" mc occupants ops --match zzz
expect 2 "occupants --role with a bad role" mc occupants ops --role king
err_has "king" "occupants --role: names the bad value"

expect 1 "role set of nobody" mc role set ops Nobody visitor
err_has "no occupant with the nick 'Nobody'" "role set: speaks the operator's language"
expect 1 "role set --json of nobody" mc --json role set ops Nobody visitor
jfield error.code not-found "role set --json: the error code"
expect 2 "role set with a bad role" mc role set ops Juliet king
expect 0 "role set visitor" mc --json role set ops Juliet visitor \
	--reason 'too loud'
jfield role visitor "role set: the new role"
jfield nick Juliet "role set: the nick"
expect 0 "occupants --role visitor" mc --json occupants ops --role visitor
jfield occupants.0.nick Juliet "role set: seen by occupants"
expect 0 "subject set" mc subject set ops 'Tonight at eight'
out_has "Tonight at eight" "subject set: human"
expect 0 "invite" mc --json invite ops rosaline@localhost --reason 'come along'
jfield jid rosaline@localhost "invite: the invitee"
expect 2 "invite of a bad JID" mc invite ops '@@'
expect 0 "role set moderator" mc role set ops Juliet moderator
out_has "Juliet" "role set: human"
scs_wait ops_room

expect 0 "room show: the subject stays" mc --json room show ops
jfield subject.text "Tonight at eight" "subject set: kept"

# --- rooms --unused --destroy, online: nothing is old yet ---------------
expect 0 "rooms --unused 1 --destroy" mc --json rooms --unused 1 --destroy
jcount rooms 0 "prune: fresh rooms stay"
expect 2 "rooms --destroy without --unused" mc rooms --destroy
err_has "--destroy needs --unused DAYS" "prune: --unused is required"
expect 2 "rooms --dry-run alone" mc rooms --dry-run
expect 2 "rooms --destroy --match" mc rooms --unused 1 --destroy --match x
expect 0 "subject set: empty clears" mc subject set other ''
stop_mucd

# --- offline ---------------------------------------------------------------
expect 3 "role set offline needs the daemon" mc role set ops Juliet visitor
err_has "needs the running daemon" "role set offline: says why"
expect 3 "invite offline needs the daemon" mc --json invite ops a@b
jfield error.code needs-daemon "invite offline --json: the code"
expect 0 "subject set offline" mc subject set ops 'Tomorrow'
expect 0 "room show offline" mc --json room show ops
jfield subject.text Tomorrow "subject set offline: stored"
expect 0 "nicks offline" mc --json nicks
jcount nicks 2 "nicks offline: both"

# Forty days on: both rooms unused for 30 days.
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$FT" ] || FT=$(find /usr/lib -name libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FT" ] && [ -f "$FT" ] || die "libfaketime is not installed (faketime)"
later() {
	# The sanitized daemon refuses a preload; the plain build has the
	# same code.
	LD_PRELOAD=$FT FAKETIME=+40d MUCCTL_MUCD=$ROOT/mucd/mucd "$@"
}
expect 0 "prune --dry-run, 40 days on" later "$MUCCTL" -c "$D/mucd.conf" \
	--json rooms --unused 30 --destroy --dry-run
jcount rooms 2 "prune --dry-run: both rooms"
jfield dry_run true "prune --dry-run: says so"
expect 0 "prune --dry-run (human)" later "$MUCCTL" -c "$D/mucd.conf" \
	rooms --unused 30 --destroy --dry-run
out_has "would destroy ops@conference.localhost" "prune --dry-run: human"
expect 0 "rooms: nothing went" mc --json rooms
jcount rooms 2 "prune --dry-run: changed nothing"
expect 0 "prune --limit 1, 40 days on" later "$MUCCTL" -c "$D/mucd.conf" \
	rooms --unused 30 --destroy --limit 1
out_has "destroyed ops@conference.localhost" "prune: human"
expect 0 "rooms after prune" mc --json rooms
jcount rooms 1 "prune --limit 1: one room went"
jfield rooms.0.jid other@conference.localhost "prune: the other stays"
expect 0 "nicks after prune" mc --json nicks
jcount nicks 1 "prune: the room's reservations went with it"

start_mucd
expect 0 "rooms online after prune" mc --json rooms
jcount rooms 1 "prune: lasting"
stop_mucd
finish
