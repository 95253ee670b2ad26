#!/bin/sh
# Hostile input straight on the component link, where no XMPP server
# filters it: entity tricks, deep nesting, huge attributes and text,
# invalid UTF-8, invalid and forged addresses, stanzas for other
# domains, type confusion, malformed forms, bad nicks, floods. Each gets
# the right error, is dropped, or (stream-level) closes the stream with
# the right stream error — and mucd keeps serving (checked after every
# case), reconnecting where it had to close.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
cc -O1 -I"$T_ROOT/common" -o "$T_DIR/linkserver" \
	"$T_ROOT/tests/t/hostile/linkserver.c" "$T_ROOT/common/sha1.c" ||
	t_fail "cannot build linkserver"
port=$("$SCSRUN" --free-port) || t_fail "no free port"
(umask 077 && : > "$T_DIR/mucd.conf")
cat > "$T_DIR/mucd.conf" <<CONF
domain = conference.example
server = 127.0.0.1
port = $port
secret = hostile-link-secret
datadir = $T_DIR/data
control = $T_DIR/mucd.sock
pidfile = $T_DIR/mucd.pid
allow_root = yes
log_level = debug
max_stanza_size = 64K
max_stanza_depth = 32
room_locking = no
reconnect_max = 1
CONF
"$T_DIR/linkserver" "$port" hostile-link-secret conference.example \
	"${HOSTILE_CASES:-$T_ROOT/tests/t/hostile/cases}" > "$T_DIR/cases.out" 2>&1 &
server=$!
sleep 0.2
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 "$MUCD" -f -c "$T_DIR/mucd.conf" \
	> "$T_DIR/mucd.log" 2>&1 &
mucd=$!
wait "$server"
rc=$?
cat "$T_DIR/cases.out"
kill -TERM "$mucd" 2>/dev/null
wait "$mucd"
mrc=$?
t_check_log
[ "$rc" -eq 0 ] || t_fail "some cases misbehaved"
[ "$mrc" -eq 0 ] || t_fail "mucd exited with status $mrc"
n=$(grep -c '^ok' "$T_DIR/cases.out")
echo "$T_NAME: $n cases ok"
exit 0
