#!/bin/sh
# Tombstones of destroyed persistent rooms through mucctl, online and
# offline: `room destroy` leaves one that answers a rejoin with <gone/>
# (tests/t/tombstone/gone.scs, the error counted among the metrics),
# lists with `rooms --tombstones`, survives a restart, and `room forget`
# drops it so the room can be created again (created.scs); one past
# tombstone_expiry no longer answers and is deleted in the background.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd


expect 0 "room create" mc room create chapel --owner alice@localhost
expect 0 "room destroy" mc room destroy chapel --reason Moved \
	--alternate cathedral@conference.localhost
expect 0 "rooms --tombstones --json" mc --json rooms --tombstones
jcount tombstones 1 "one tombstone"
jfield tombstones.0.jid chapel@conference.localhost "its room"
jfield tombstones.0.alternate cathedral@conference.localhost "its venue"
jfield tombstones.0.reason Moved "its reason"
jfield tombstones.0.expired false "in force"
expect 0 "rooms --tombstones" mc rooms --tombstones
out_has "cathedral@conference.localhost" "human listing names the venue"
expect 0 "rooms without --tombstones" mc --json rooms
jcount rooms 0 "a tombstone is not a room"
expect 0 "rooms --tombstones --match" mc --json rooms --tombstones \
	--match '^nave'
jcount tombstones 0 "--match applies to tombstones"
expect 1 "room show of a tombstone" mc room show chapel
scs_play tombstone gone "a rejoin gets gone, with the venue and the reason"

stop_mucd
start_mucd
scs_play tombstone gone "the tombstone survives a restart"
# The rejoin's <gone/> is counted by its condition, once: the presence
# of Bob's leaving (his server tells the room when he disconnects; give
# it a moment to arrive) gets no answer.
sleep 1
expect 0 "metrics" mc metrics
if grep -q -E '^mucd_errors_sent_total\{condition="gone"\} 1$' \
    "$WORK/out"; then
	ok "the gone error is counted by its condition, once a rejoin"
else
	not_ok "the gone error is counted by its condition, once a rejoin"
	evidence
fi
stop_mucd

# Offline, through the daemon in maintenance mode.
expect 0 "rooms --tombstones offline" mc --json rooms --tombstones
jcount tombstones 1 "offline: one tombstone"
expect 0 "room forget offline" mc room forget chapel
out_has "forgot the tombstone of chapel@conference.localhost" \
	"room forget: confirmation"
expect 1 "room forget of nothing" mc room forget chapel
err_has "has no tombstone" "room forget of nothing: says why"
expect 2 "room forget of a bad JID" mc room forget 'a@b@c'

start_mucd
scs_play tombstone created "forgotten: entering creates the room"

# room create over a tombstone replaces it.
expect 0 "room create (2)" mc room create vestry
expect 0 "room destroy (2)" mc room destroy vestry
expect 0 "room create over a tombstone" mc room create vestry
expect 0 "rooms --tombstones after re-creating" mc --json rooms --tombstones
jcount tombstones 0 "room create replaced the tombstone"
stop_mucd

# Expiry.
MUCD_CONF_EXTRA='tombstone_expiry = 1s'
export MUCD_CONF_EXTRA
start_mucd
expect 0 "room create (3)" mc room create chapel
expect 0 "room destroy (3)" mc room destroy chapel --reason Moved \
	--alternate cathedral@conference.localhost
sleep 2
expect 0 "an expired tombstone is listed as such" mc --json rooms --tombstones
jfield tombstones.0.expired true "expired"
scs_play tombstone created "an expired tombstone does not answer"
i=0
while mc --json rooms --tombstones > "$WORK/out" 2> "$WORK/err" &&
    [ "$("$JGET" -n tombstones < "$WORK/out")" != 0 ] && [ $i -lt 40 ]; do
	sleep 0.25
	i=$((i + 1))
done
jcount tombstones 0 "expired tombstones are deleted in the background"

# 0 keeps none.
stop_mucd
MUCD_CONF_EXTRA='tombstone_expiry = 0'
start_mucd
expect 0 "room create (4)" mc room create nave
expect 0 "room destroy (4)" mc room destroy nave
expect 0 "rooms --tombstones with tombstone_expiry 0" mc --json rooms \
	--tombstones
jcount tombstones 0 "tombstone_expiry = 0 keeps none"
stop_mucd
finish
