#!/bin/sh
# The server restarts repeatedly while someone is in a room — cleanly, and
# by crashing (SIGKILL: nobody is told anything): mucd reconnects each
# time, the room and its affiliations are intact, the client can come
# back, and an occupant who vanished with the old server does not linger
# as a ghost (mucd re-verifies its sessions after a reconnect).
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=${RESTART_ROUNDS:-4}
t_setup
cc -O1 -o "$T_DIR/ctl" "$T_ROOT/tests/t/crash/ackstorm.c" ||
	t_fail "cannot build the control client"
t_start_prosody component
t_start_mucd
t_play restart/hall_setup.scs

occupants() {
	printf '%s\n' '{"id":1,"cmd":"occupants","args":{"room":"hall"}}' |
		"$T_DIR/ctl" "$T_DIR/mucd.sock" -
}

round=1
while [ "$round" -le "$ROUNDS" ]; do
	"$SCSRUN" --port "$C2S_PORT" --timeout 30 \
		"$T_ROOT/tests/t/restart/hall_chatter.scs" > "$T_DIR/chatter.out" 2>&1 &
	chatter=$!
	# Wait until Juliet is in the room.
	i=0
	until occupants | grep -q '"nick":"Juliet"'; do
		i=$((i + 1))
		[ $i -lt 50 ] || t_fail "round $round: Juliet never entered"
		sleep 0.1
	done
	how=
	[ $((round % 2)) -eq 0 ] && how=kill
	sh "$FIXTURE/prosody.sh" restart "$T_DIR" $how ||
		t_fail "round $round: prosody did not restart"
	wait "$chatter" 2>/dev/null
	# mucd reconnects (backoff starts at 0.5 s) and checks its sessions.
	"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 10 \
		> /dev/null 2>&1 || t_fail "round $round: mucd did not reconnect"
	i=0
	while occupants | grep -q '"nick"'; do
		i=$((i + 1))
		[ $i -lt 50 ] || t_fail "round $round: a ghost occupant lingers:" \
			"$(occupants)"
		sleep 0.1
	done
	t_play restart/hall_rejoin.scs
	round=$((round + 1))
done
# status says why the link last went down, and since when it is up.
status=$(printf '{"id":1,"cmd":"status"}\n' | "$T_DIR/ctl" "$T_DIR/mucd.sock" -)
case $status in
*'"state":"up"'*'"since":'*'"last_error":"'*) ;;
*) t_fail "status does not show the link's last error and state: $status" ;;
esac
# The crashes left ghosts that only re-verification could remove.
grep -q "removed after its client bounced an error" "$T_DIR/mucd.log" ||
	t_fail "no ghost was ever re-verified away"
grep -c "link: connected" "$T_DIR/mucd.log" | {
	read -r n
	[ "$n" -ge $((ROUNDS + 1)) ] || t_fail "expected $((ROUNDS + 1)) connects, saw $n"
}
t_done
