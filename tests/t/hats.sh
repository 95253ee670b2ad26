#!/bin/sh
# XEP-0317 hats through mucctl, online and offline: `hats add` gives one
# that XMPP clients see in the wearer's presence (tests/t/hats/seen.scs),
# stored with the room (it survives a restart); `hats list` and `hats
# remove`; bad URIs, a hat nobody wears and max_hats_per_user are clear
# refusals that change nothing.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
MUCD_CONF_EXTRA='max_hats_per_user = 2'
export MUCD_CONF_EXTRA
start_mucd


expect 0 "room create" mc room create lecture --owner alice@localhost
expect 0 "hats add" mc hats add lecture alice@localhost \
	urn:example:hats:teacher --title Teacher
out_has "alice@localhost wears the hat urn:example:hats:teacher" \
	"hats add: confirmation"
expect 0 "hats add --json" mc --json hats add lecture bob@localhost \
	urn:example:hats:student
jfield uri urn:example:hats:student "hats add: result"
expect 0 "hats list --json" mc --json hats list lecture
jcount hats 2 "two hats"
jfield hats.0.jid alice@localhost "sorted by JID"
jfield hats.0.title Teacher "with the title"
expect 0 "hats list of one JID" mc --json hats list lecture bob@localhost
jcount hats 1 "one JID's hats"
expect 0 "hats list (human)" mc hats list lecture
out_has "urn:example:hats:student" "human listing"
scs_play hats seen "clients see the hat in the wearer's presence"

expect 2 "a URI that is no URI" mc hats add lecture bob@localhost nouri
err_has "absolute URI" "says what a URI must be"
expect 2 "a bad JID" mc hats add lecture 'a@b@c' urn:x:y
expect 1 "a room that does not exist" mc hats add nowhere bob@localhost \
	urn:x:y
expect 1 "removing a hat nobody wears" mc hats remove lecture \
	bob@localhost urn:example:hats:teacher
expect 0 "a second hat" mc hats add lecture alice@localhost urn:x:second
expect 1 "a third is over max_hats_per_user" mc hats add lecture \
	alice@localhost urn:x:third
err_has "max_hats_per_user" "says which limit"
expect 0 "a hat worn already gets a new title" mc hats add lecture \
	alice@localhost urn:x:second --title Renamed
expect 0 "hats list" mc --json hats list lecture alice@localhost
jcount hats 2 "still two: nothing stored by the refusals"

stop_mucd
start_mucd
scs_play hats seen "hats survive a restart"
stop_mucd

# Offline, through the daemon in maintenance mode.
expect 0 "hats list offline" mc --json hats list lecture
jcount hats 3 "offline: three hats"
expect 0 "hats remove offline" mc hats remove lecture bob@localhost \
	urn:example:hats:student
out_has "no longer wears" "hats remove: confirmation"
expect 0 "hats add offline" mc hats add lecture carol@localhost urn:x:c
expect 0 "hats list offline (2)" mc --json hats list lecture
jcount hats 3 "offline changes are stored"
finish
