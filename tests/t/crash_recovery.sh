#!/bin/sh
# kill -9 under write load, repeatedly: after each restart the database
# recovers by itself and every change mucd acknowledged is there.
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=${CRASH_ROUNDS:-5}
t_setup
cc -O1 -o "$T_DIR/ackstorm" "$T_ROOT/tests/t/crash/ackstorm.c" ||
	t_fail "cannot build ackstorm"
t_start_prosody component
t_start_mucd
sock=$T_DIR/mucd.sock

# A persistent room to write into, created through the control socket.
printf '%s\n' '{"id":1,"cmd":"room.create","args":{"room":"crash","config":{"persistent":"yes"}}}' |
	"$T_DIR/ackstorm" "$sock" - | grep -q '"ok":true' ||
	t_fail "room.create failed"

acks=$T_DIR/acks
: > "$acks"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	"$T_DIR/ackstorm" "$sock" crash "r${round}u" 100000 "$acks" \
		> /dev/null 2>&1 &
	storm=$!
	# A random moment between 0.3 and 1.5 s into the storm.
	sleep "$(awk -v s="$(od -An -tu2 -N2 /dev/urandom)" \
		'BEGIN { printf "%.2f", 0.3 + (s % 120) / 100 }')"
	. "$T_DIR/env"
	kill -KILL "$MUCD_PID" 2>/dev/null
	wait "$storm" 2>/dev/null
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
	t_check_log
	t_start_mucd
	round=$((round + 1))
done

# Every acknowledged JID must be a member now.
total=$(wc -l < "$acks")
[ "$total" -gt 0 ] || t_fail "no change was acknowledged at all"
printf '%s\n' '{"id":2,"cmd":"affiliations","args":{"room":"crash","affiliation":"member"}}' |
	"$T_DIR/ackstorm" "$sock" - > "$T_DIR/members.json"
missing=0
while read -r jid; do
	grep -q "\"$jid\"" "$T_DIR/members.json" || {
		echo "lost after kill -9: $jid" >&2
		missing=$((missing + 1))
	}
done < "$acks"
[ "$missing" -eq 0 ] || t_fail "$missing of $total acknowledged changes lost"
echo "$T_NAME: $total acknowledged changes over $ROUNDS kills, none lost"
t_done
