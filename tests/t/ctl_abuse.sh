#!/bin/sh
# Abuse of the control socket: a 1 MiB line without newline, invalid
# UTF-8, garbage, unknown commands, control characters, 1,000 idle
# connections, clients that leave requests half-written in every slot, a
# client that never reads its replies, thousands of pipelined requests, a
# peer whose uid is not allowed, and one in control_readonly_group that
# tries to change something. The daemon answers each with an error (the
# connection stays usable), keeps serving XMPP and other control
# clients, and its memory stays bounded.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
cc -O1 -o "$T_DIR/ctlabuse" "$T_ROOT/tests/t/ctl/ctlabuse.c" ||
	t_fail "cannot build ctlabuse"
# The socket lives in a directory anyone may enter (below), so that the
# daemon's own peer check is what a stranger meets, not file modes.
SOCKDIR=$(mktemp -d /tmp/mucd-ctl.XXXXXX) || t_fail "mktemp"
chmod 0755 "$SOCKDIR"
trap 'rm -rf "$SOCKDIR"; t_cleanup' EXIT
export MUCD_CONTROL=$SOCKDIR/mucd.sock
# Debian's "users" group (gid 100) stands for the operators who may
# only look.
RO_GROUP=
getent group users > /dev/null 2>&1 && RO_GROUP=users
[ -n "$RO_GROUP" ] &&
	export MUCD_CONF_EXTRA="control_readonly_group = $RO_GROUP"
t_start_prosody component
t_start_mucd
. "$T_DIR/env"
ulimit -n 4096 2>/dev/null
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$MUCD_PID/status"; }
before=$(rss)
"$T_DIR/ctlabuse" "$MUCD_CONTROL" all
rc=$?
[ "$rc" = 0 ] || t_fail "abuse checks failed (exit $rc)"
after=$(rss)
echo "mucd RSS: ${before} kB before, ${after} kB after"
# ASan's own bookkeeping grows too; the bound is generous but finite.
[ $((after - before)) -lt 65536 ] ||
	t_fail "RSS grew by $((after - before)) kB"
"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 5 \
	> /dev/null 2>&1 || t_fail "XMPP service gone after the abuse"

# Pipelining (mucctl(8) allows it): thousands of requests in one go (75 KB
# of them, past control_max_line), each reply ~10 KB (past the pause mark
# every few dozen), get every reply, in order, as fast as they are read —
# back-pressure pauses reading, it never drops or stalls.
"$T_DIR/ctlabuse" "$MUCD_CONTROL" pipeline 3000 40 ||
	t_fail "pipelined requests were not all answered in order"

# A peer from a disallowed uid: the socket is open to all when a read-only
# group is set (mode 0666), so the daemon's own check (SO_PEERCRED) is
# what refuses it.
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
	[ -n "$RO_GROUP" ] || chmod 0666 "$MUCD_CONTROL"
	cp "$T_DIR/ctlabuse" "$SOCKDIR/"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKDIR/ctlabuse" "$MUCD_CONTROL" hello 2>&1)
	case $out in
	*'"forbidden"'*'uid 65534'*) echo "ok   uid 65534 refused: $out" ;;
	*) t_fail "a disallowed uid was not refused: $out" ;;
	esac
	grep -q "refused a connection from uid 65534" "$T_DIR/mucd.log" ||
		t_fail "the refusal is not logged"
	# mucctl writes its hello first: it must still show the reason,
	# not the broken pipe the early close causes.
	cp "$T_ROOT/mucctl/mucctl" "$SOCKDIR/"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKDIR/mucctl" -s "$MUCD_CONTROL" status 2>&1)
	rc=$?
	case $rc:$out in
	3:*'uid 65534 may not use the mucd control socket'*)
		echo "ok   mucctl as uid 65534: exit 3 and the reason" ;;
	*) t_fail "mucctl as a refused uid: exit $rc: $out" ;;
	esac
else
	echo "note: not root or no setpriv; disallowed-uid check skipped"
fi

# control_readonly_group: its members read, and are refused every change.
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ] &&
    [ -n "$RO_GROUP" ]; then
	[ "$(stat -c %a "$MUCD_CONTROL")" = 666 ] ||
		t_fail "with a read-only group the socket is not mode 0666"
	ro() {
		setpriv --reuid=65534 --regid="$RO_GROUP" --clear-groups \
			"$SOCKDIR/ctlabuse" "$MUCD_CONTROL" ask "$1" 2>&1
	}
	out=$(ro '{"id":1,"cmd":"hello"}')
	case $out in
	*'"read_only":true'*) echo "ok   read-only member: hello says so" ;;
	*) t_fail "read-only member: hello: $out" ;;
	esac
	out=$(ro '{"id":2,"cmd":"rooms","args":{"limit":1}}')
	case $out in
	*'"ok":true'*) echo "ok   read-only member may list rooms" ;;
	*) t_fail "read-only member: rooms: $out" ;;
	esac
	for req in '{"id":3,"cmd":"room.create","args":{"room":"ro-made"}}' \
	    '{"id":4,"cmd":"shutdown"}' \
	    '{"id":5,"cmd":"backup","args":{"dir":"x"}}' \
	    '{"id":6,"cmd":"affiliation.set","args":{"room":"pipe000","jid":"a@b","affiliation":"owner"}}'; do
		out=$(ro "$req")
		case $out in
		*'"code":"read-only"'*) echo "ok   read-only member refused: $req" ;;
		*) t_fail "read-only member not refused: $req: $out" ;;
		esac
	done
	out=$("$SOCKDIR/ctlabuse" "$MUCD_CONTROL" ask \
		'{"id":7,"cmd":"room.show","args":{"room":"ro-made"}}')
	case $out in
	*'"not-found"'*) echo "ok   nothing was created by the refused request" ;;
	*) t_fail "the refused room.create left a room: $out" ;;
	esac
	kill -0 "$MUCD_PID" 2>/dev/null || t_fail "mucd stopped"
else
	echo "note: not root, no setpriv or no 'users' group; read-only checks skipped"
fi
t_done
