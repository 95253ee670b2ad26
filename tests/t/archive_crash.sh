#!/bin/sh
# kill -9 while messages flow, twice: after the restarts every message a
# client received a copy of is in the room's archive (a MAM query finds
# its stanza-id, with its body), and no stanza-id is given to a second
# message. The clients are tests/slix/archive_crash.py. mucd only: it is
# mucd's archive that must survive the crash.
set -u
. "$(dirname "$0")/lib.sh"

ROUNDS=${CRASH_ROUNDS:-2}
# One sender floods; one reader pages through thousands of messages.
MUCD_CONF_EXTRA='rate_messages = 0
rate_iq = 0'
export MUCD_CONF_EXTRA
t_setup
"$T_PYTHON" -c 'import slixmpp' > /dev/null 2>&1 ||
	t_fail "$T_PYTHON cannot import slixmpp (make deps installs" \
	    "python3-slixmpp)"
t_start_prosody component
t_start_mucd
ids=$T_DIR/delivered
: > "$ids"

crash_client() {
	C2S_PORT=$C2S_PORT MUC_MODE=mucd PYTHONDONTWRITEBYTECODE=1 \
	    CRASH_IDS=$ids CRASH_PHASE=$1 CRASH_ROUND=${2:-0} \
	    timeout -k 5 60 "$T_PYTHON" "$T_ROOT/tests/slix/archive_crash.py"
}

# Copies of this round's messages (not join history) Bob has received.
copies() {
	grep -c " round $1 message " "$ids"
}

round=1
while [ "$round" -le "$ROUNDS" ]; do
	crash_client flood "$round" > "$T_DIR/flood.out" 2>&1 &
	flood=$!
	# Messages are flowing once copies arrive: then a random moment
	# within the next half second.
	i=0
	while [ "$(copies $round)" -lt 20 ]; do
		kill -0 "$flood" 2>/dev/null || break
		[ $i -lt 100 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(copies $round)" -ge 20 ] || {
		kill "$flood" 2>/dev/null
		wait "$flood"
		cat "$T_DIR/flood.out" >&2
		t_fail "round $round: Bob got no copies with the room's stanza-id" \
		    "within 10 s"
	}
	sleep "$(awk -v s="$(od -An -tu2 -N2 /dev/urandom)" \
		'BEGIN { printf "%.2f", (s % 50) / 100 }')"
	. "$T_DIR/env"
	kill -KILL "$MUCD_PID" 2>/dev/null
	wait "$flood" || {
		cat "$T_DIR/flood.out" >&2
		t_fail "round $round: the flooding clients failed"
	}
	echo "round $round: $(copies $round) copies delivered before kill -9"
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
	t_check_log
	t_start_mucd
	round=$((round + 1))
done

crash_client verify > "$T_DIR/verify.out" 2>&1 || {
	cat "$T_DIR/verify.out" >&2
	t_fail "after $ROUNDS kills, the archive is not what was delivered"
}
echo "$T_NAME: $(cut -d' ' -f1 "$ids" | sort -u | wc -l) messages" \
    "delivered over $ROUNDS kills, all archived, no id reused"
t_done
