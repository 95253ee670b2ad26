#!/bin/sh
# A second mucd never takes the control socket from the first. The first
# is stopped (SIGSTOP) with its listen queue full, so it cannot even
# accept a probe. Then: a second mucd with the same configuration exits
# with a clear error before it touches the socket; one with the same data
# directory and another 'control' path leaves no socket behind; one with
# another data directory and the same 'control' path does not replace the
# busy socket. The first, resumed, still serves "mucctl status".
set -u
. "$(dirname "$0")/lib.sh"

MUCCTL=${MUCCTL:-$T_ROOT/mucctl/mucctl}
PY=/usr/bin/python3
t_setup
# The configurations made here hold the secret: mucd wants them private.
umask 077
filler=
cleanup_stopped() {
	[ -n "$filler" ] && kill "$filler" 2>/dev/null
	[ -r "$T_DIR/env" ] && . "$T_DIR/env" &&
		kill -CONT "$MUCD_PID" 2>/dev/null
	t_cleanup
}
trap cleanup_stopped EXIT
t_start_prosody component
t_start_mucd
. "$T_DIR/env"
SOCK=$T_DIR/mucd.sock
inode() { stat -c %i "$SOCK" 2>/dev/null; }
before=$(inode)
[ -n "$before" ] || t_fail "no control socket"

kill -STOP "$MUCD_PID"
# Connect until the stopped daemon's listen queue is full.
"$PY" -c '
import socket, sys, time
held = []
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
print(len(held), flush=True)
time.sleep(60)
' "$SOCK" > "$T_DIR/filler.out" 2>&1 &
filler=$!
i=0
until [ -s "$T_DIR/filler.out" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || t_fail "could not fill the listen queue"
	sleep 0.1
done
echo "$T_NAME: listen queue full after $(cat "$T_DIR/filler.out") connections"

# second NAME CONFIG: run a second mucd; it must fail, quickly.
second() {
	timeout 20 "$MUCD" -f -c "$2" > "$T_DIR/$1.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] || t_fail "$1: exit status $rc, want 1:" \
		"$(tail -3 "$T_DIR/$1.log")"
	[ "$(inode)" = "$before" ] ||
		t_fail "$1: the first mucd's control socket was replaced"
}

second same "$T_DIR/mucd.conf"
grep -q "$T_DIR/data: database in use by another process" \
	"$T_DIR/same.log" ||
	t_fail "same configuration: unclear error: $(tail -3 "$T_DIR/same.log")"

sed "s#^control = .*#control = $T_DIR/other.sock#" "$T_DIR/mucd.conf" \
	> "$T_DIR/other.conf"
second other "$T_DIR/other.conf"
[ -e "$T_DIR/other.sock" ] &&
	t_fail "another 'control' path: its socket was left behind"

mkdir -p "$T_DIR/data2"
sed "s#^datadir = .*#datadir = $T_DIR/data2#" "$T_DIR/mucd.conf" \
	> "$T_DIR/data2.conf"
second data2 "$T_DIR/data2.conf"
grep -q "another process is listening on it" "$T_DIR/data2.log" ||
	t_fail "same socket, other data: unclear error:" \
	    "$(tail -3 "$T_DIR/data2.log")"

kill "$filler" 2>/dev/null
wait "$filler" 2>/dev/null
filler=
kill -CONT "$MUCD_PID"
"$MUCCTL" -c "$T_DIR/mucd.conf" status > "$T_DIR/status.out" 2>&1 ||
	t_fail "the first mucd no longer serves mucctl status:" \
	    "$(cat "$T_DIR/status.out")"
t_done
