#!/bin/sh
# Issue 13 item 10 through a real Prosody: three occupants flood a room
# of thirty (100 messages of 2 KB per second each, 18 MB/s of fan-out
# asked for) while a user in another room measures round trips. With a
# room_fanout_rate of 256K the excess is refused with resource-constraint
# and every round trip comes back within 2 s (without the budget one
# took 19 s). Driver: tests/t/limits/fanout.py.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
t_start_prosody component
# No per-occupant message rate: the room's budget alone must hold.
export MUCD_CONF_EXTRA="rate_messages = 0
room_fanout_rate = 256K"
t_start_mucd
. "$T_DIR/env"
/usr/bin/python3 "$T_ROOT/tests/t/limits/fanout.py" "$C2S_PORT" \
	"$MUCD_PID" "$T_ROOT/mucctl/mucctl" -c "$T_DIR/mucd.conf" \
	--occupants 30 --senders 3 --rate 100 --size 2000 --seconds 5 \
	--bound 2 > "$T_DIR/fanout.out" 2>&1
rc=$?
cat "$T_DIR/fanout.out"
[ "$rc" -eq 0 ] || t_fail "see above"
grep -q 'refused with resource-constraint' "$T_DIR/fanout.out" &&
	! grep -q ' 0 refused with' "$T_DIR/fanout.out" ||
	t_fail "the flood was not refused"
t_done
