#!/bin/sh
# Abuse of the control socket: a 1 MiB line without newline, invalid
# UTF-8, garbage, unknown commands, control characters, 1,000 idle
# connections, a client that never reads its replies, a peer whose uid
# is not allowed. The daemon answers each with an error (the connection
# stays usable), keeps serving XMPP and other control clients, and its
# memory stays bounded.
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
t_start_prosody component
t_start_mucd
. "$T_DIR/env"
ulimit -n 4096 2>/dev/null
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$MUCD_PID/status"; }
before=$(rss)
"$T_DIR/ctlabuse" "$MUCD_CONTROL" all || t_fail "abuse checks failed"
after=$(rss)
echo "mucd RSS: ${before} kB before, ${after} kB after"
# ASan's own bookkeeping grows too; the bound is generous but finite.
[ $((after - before)) -lt 65536 ] ||
	t_fail "RSS grew by $((after - before)) kB"
"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 5 \
	> /dev/null 2>&1 || t_fail "XMPP service gone after the abuse"

# A peer from a disallowed uid: open the socket's mode so the daemon's
# own check (SO_PEERCRED) is what refuses it.
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
	chmod 0666 "$MUCD_CONTROL"
	cp "$T_DIR/ctlabuse" "$SOCKDIR/"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SOCKDIR/ctlabuse" "$MUCD_CONTROL" hello 2>&1)
	case $out in
	*'"forbidden"'*'uid 65534'*) echo "ok   uid 65534 refused: $out" ;;
	*) t_fail "a disallowed uid was not refused: $out" ;;
	esac
	grep -q "refused a connection from uid 65534" "$T_DIR/mucd.log" ||
		t_fail "the refusal is not logged"
else
	echo "note: not root or no setpriv; disallowed-uid check skipped"
fi
t_done
