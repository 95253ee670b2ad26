# Sourced by tests/t/mucctl_*.sh: a private Prosody + mucd, the helper
# programs (jget for JSON, ptydrive for the shell), and small assertions.
#
# Environment (set by tests/check.sh; defaults for running by hand from
# the repository root): SCSRUN, FIXTURE, MUCD (the daemon, sanitized by
# default), MUCCTL (default mucctl/mucctl), KEEP=1 keeps the work
# directory, CC for the helpers.
#
# Every check prints "ok - what" or "not ok - what" with the evidence;
# finish() exits 1 if any failed. Each test cleans up through its trap.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURE=${FIXTURE:-$ROOT/tests/fixture}
SCSRUN=${SCSRUN:-$ROOT/tests/bin/scsrun}
MUCD=${MUCD:-$ROOT/tests/bin/mucd-san}
MUCCTL=${MUCCTL:-$ROOT/mucctl/mucctl}
# Offline mode runs the daemon in maintenance mode: the one under test.
MUCCTL_MUCD=${MUCCTL_MUCD:-$MUCD}
export MUCCTL_MUCD
HERE=$ROOT/tests/mucctl
CC=${CC:-cc}
# scsrun waits this long for a stanza; mucctl runs in between.
SCS_WAIT=${SCS_WAIT:-20}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mucctl-t.XXXXXX") || exit 1
D=$WORK/run
FAILED=0
BG_PIDS=
CLEAN_DIRS=	# more directories to remove at the end

cleanup() {
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	sh "$FIXTURE/mucd.sh" stop "$D" > /dev/null 2>&1
	sh "$FIXTURE/prosody.sh" stop "$D" > /dev/null 2>&1
	if [ -n "${KEEP:-}" ]; then
		echo "# work directory kept: $WORK $CLEAN_DIRS"
	else
		# shellcheck disable=SC2086
		rm -rf "$WORK" $CLEAN_DIRS
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() {
	echo "ok - $*"
}

not_ok() {
	echo "not ok - $*"
	FAILED=$((FAILED + 1))
}

# Evidence for a failure: the last command's output.
evidence() {
	echo "  --- stdout:"; sed 's/^/  | /' "$WORK/out"
	echo "  --- stderr:"; sed 's/^/  | /' "$WORK/err"
}

die() {
	echo "Bail out! $*"
	exit 1
}

finish() {
	if [ "$FAILED" -gt 0 ]; then
		echo "# $FAILED check(s) failed"
		exit 1
	fi
	echo "# all checks passed"
	exit 0
}

build_helpers() {
	$CC -std=c11 -D_GNU_SOURCE -O1 -Wall -o "$WORK/jget" "$HERE/jget.c" \
		$(pkg-config --cflags --libs jansson) || die "cannot build jget"
	$CC -std=c11 -D_GNU_SOURCE -O1 -Wall -o "$WORK/ptydrive" \
		"$HERE/ptydrive.c" -lutil || die "cannot build ptydrive"
	$CC -std=c11 -D_GNU_SOURCE -O1 -Wall -I"$ROOT/common" \
		-o "$WORK/protodump" "$HERE/protodump.c" "$ROOT/common/ctlproto.c" ||
		die "cannot build protodump"
	JGET=$WORK/jget
	PTYDRIVE=$WORK/ptydrive
	PROTODUMP=$WORK/protodump
}

[ -x "$MUCCTL" ] || die "$MUCCTL is not built (make mucctl/mucctl)"

start_prosody() {
	mkdir -p "$D"
	sh "$FIXTURE/prosody.sh" start "$D" component > "$WORK/fixture.out" 2>&1 ||
		{ cat "$WORK/fixture.out"; die "prosody did not start"; }
	C2S_PORT=$(sed -n 's/^C2S_PORT=//p' "$D/env")
}

start_mucd() {
	sh "$FIXTURE/mucd.sh" start "$D" "$MUCD" >> "$WORK/fixture.out" 2>&1 ||
		{ cat "$WORK/fixture.out"; die "mucd did not start"; }
}

# Stop mucd and insist that it exited cleanly with no sanitizer report.
stop_mucd() {
	if sh "$FIXTURE/mucd.sh" stop "$D" >> "$WORK/fixture.out" 2>&1; then
		ok "mucd stopped cleanly"
	else
		not_ok "mucd stopped cleanly"
		tail -n 40 "$D/mucd.log" | sed 's/^/  | /'
	fi
	if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$D/mucd.log"; then
		not_ok "no sanitizer report from mucd"
		grep -A 30 -E 'Sanitizer|runtime error' "$D/mucd.log" |
			head -n 60 | sed 's/^/  | /'
	fi
}

# mucctl against this test's daemon.
mc() {
	"$MUCCTL" -c "$D/mucd.conf" "$@"
}

# run CMD...: output in $WORK/out and $WORK/err, status in $RC.
run() {
	"$@" > "$WORK/out" 2> "$WORK/err"
	RC=$?
}

# expect STATUS WHAT CMD...: run and check the exit status.
expect() {
	_want=$1 _what=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$_want" ]; then
		ok "$_what (exit $RC)"
		return 0
	fi
	not_ok "$_what: exit $RC, wanted $_want"
	evidence
	return 1
}

# out_has TEXT WHAT: the last stdout contains TEXT (fixed string).
out_has() {
	if grep -q -F -- "$1" "$WORK/out"; then
		ok "$2"
	else
		not_ok "$2: stdout lacks '$1'"
		evidence
	fi
}

err_has() {
	if grep -q -F -- "$1" "$WORK/err"; then
		ok "$2"
	else
		not_ok "$2: stderr lacks '$1'"
		evidence
	fi
}

# jfield PATH WANT WHAT: the last stdout is one JSON document whose value
# at PATH is WANT.
jfield() {
	_got=$("$JGET" "$1" < "$WORK/out" 2>&1)
	if [ "$_got" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3: $1 is '$_got', wanted '$2'"
		evidence
	fi
}

# jcount PATH WANT WHAT: number of elements at PATH.
jcount() {
	_got=$("$JGET" -n "$1" < "$WORK/out" 2>&1)
	if [ "$_got" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3: $1 has '$_got' elements, wanted '$2'"
		evidence
	fi
}

# Copy a scansion script from tests/mucctl, timeouts for mucctl's pace.
# scs_start NAME: play it in the background; scs_wait NAME checks it.
scs_start() {
	"$SCSRUN" --port "$C2S_PORT" --timeout "$SCS_WAIT" "$HERE/$1.scs" \
		> "$WORK/$1.scs.out" 2>&1 &
	eval "SCS_PID_$1=$!"
	BG_PIDS="$BG_PIDS $!"
}

# scs_play DIR NAME WHAT: play tests/t/DIR/NAME.scs to its end, now.
scs_play() {
	if "$SCSRUN" --port "$C2S_PORT" --timeout "$SCS_WAIT" \
	    "$ROOT/tests/t/$1/$2.scs" > "$WORK/play.out" 2>&1; then
		ok "$3"
	else
		not_ok "$3"; sed 's/^/  | /' "$WORK/play.out"
	fi
}

scs_wait() {
	eval "_pid=\$SCS_PID_$1"
	if wait "$_pid"; then
		ok "XMPP clients saw it: $1.scs"
	else
		not_ok "XMPP clients saw it: $1.scs"
		sed 's/^/  | /' "$WORK/$1.scs.out"
	fi
}

# scs_run NAME: play it in the foreground.
scs_run() {
	scs_start "$1"
	scs_wait "$1"
}

# wait_occupant ROOM NICK: until NICK is in ROOM (the background client
# has joined), at most SCS_WAIT seconds.
wait_occupant() {
	_i=0
	while [ $_i -lt $((SCS_WAIT * 10)) ]; do
		mc --json occupants "$1" 2>/dev/null |
			"$JGET" occupants 2>/dev/null | grep -q "\"nick\":\"$2\"" &&
			return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	not_ok "$2 joined $1 in time"
	return 1
}
