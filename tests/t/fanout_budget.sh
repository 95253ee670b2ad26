#!/bin/sh
# Issue 13 item 10 through a real Prosody: three occupants flood a room
# of thirty (100 messages of 2 KB per second each, 18 MB/s of fan-out
# asked for) while a user in another room measures round trips. With a
# room_fanout_rate of 256K the excess is refused with resource-constraint
# and every round trip comes back within 2 s (without the budget one
# took 19 s). Driver: tests/t/limits/fanout.py.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits/lib.sh"

t_setup
t_start_prosody component
# No per-occupant message rate: the room's budget alone must hold.
export MUCD_CONF_EXTRA="rate_messages = 0
room_fanout_rate = 256K"
t_start_mucd
. "$T_DIR/env"
limits_drive fanout.out fanout "$MUCD_PID" "$T_ROOT/mucctl/mucctl" \
	-c "$T_DIR/mucd.conf" --occupants 30 --senders 3 --rate 100 \
	--size 2000 --seconds 5 --bound 2
limits_link_kept
grep -q 'refused with resource-constraint' "$T_DIR/fanout.out" &&
	! grep -q ' 0 refused with' "$T_DIR/fanout.out" ||
	t_fail "the flood was not refused"
t_done
