#!/bin/sh
# mucctl against a control socket that misbehaves (tests/mucctl/fakectl):
# wrong protocol version, refusal, over-long and invalid replies, a reply
# for another request, a connection closed mid-request. Each is a clean
# error with exit status 3 (an error reply: 1), never a hang or a crash;
# a large valid reply (10 MiB) is read whole.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
$CC -std=c11 -D_GNU_SOURCE -O1 -Wall -o "$WORK/fakectl" \
	"$HERE/fakectl.c" || die "cannot build fakectl"
SOCK=$WORK/fake.sock

# fake MODE STATUS WHAT [TEXT]: mucctl --json status against fakectl MODE.
fake() {
	rm -f "$SOCK"
	"$WORK/fakectl" "$SOCK" "$1" > "$WORK/fakectl.out" 2>&1 &
	_pid=$!
	BG_PIDS="$BG_PIDS $_pid"
	_i=0
	while [ ! -S "$SOCK" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if expect "$2" "$3" timeout 20 "$MUCCTL" -s "$SOCK" -c /nonexistent \
	    --json status && [ -n "${4:-}" ]; then
		err_has "$4" "$3: says so"
	fi
	wait "$_pid" 2>/dev/null
}

fake proto2 3 "another protocol version" "speaks control protocol 2"
fake forbidden 3 "socket refused" "may not use the mucd control socket"
fake huge 3 "reply over 64 MiB" "larger than 64 MiB"
fake garbage 3 "reply not JSON" "invalid JSON"
fake idmismatch 3 "reply for another request" "id mismatch"
fake close 3 "connection closed" "closed the connection"
fake error 1 "an error reply" "mucctl: status: nope"
fake oldcmds 2 "a command this mucd lacks" \
	"this mucd does not have the command 'status' (mucd 0.0.9"
[ ! -s "$WORK/fakectl.out" ] || cat "$WORK/fakectl.out"
fake big 0 "a 10 MiB reply"
_n=$("$JGET" pad < "$WORK/out" | wc -c)
[ "$_n" -eq $((10 * 1024 * 1024 + 1)) ] && ok "10 MiB reply read whole" ||
	not_ok "10 MiB reply read whole ($_n bytes)"
finish
