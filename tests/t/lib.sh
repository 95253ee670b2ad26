# Shared helpers for the tests in tests/t (sourced, not run).
# check.sh runs each executable tests/t/*.sh from the repository root with
# SCSRUN, FIXTURE and MUCD in the environment; exit 0 means pass.

T_ROOT=$(pwd)
SCSRUN=${SCSRUN:-$T_ROOT/tests/bin/scsrun}
FIXTURE=${FIXTURE:-$T_ROOT/tests/fixture}
MUCD=${MUCD:-$T_ROOT/tests/bin/mucd-san}
# Debian's, which has python3-slixmpp (the one on PATH may not).
T_PYTHON=${T_PYTHON:-/usr/bin/python3}
T_NAME=$(basename "$0" .sh)
. "$FIXTURE/proc.sh"

t_fail() {
	echo "$T_NAME: FAIL: $*" >&2
	if [ -n "${T_DIR:-}" ] && [ -r "$T_DIR/mucd.log" ]; then
		echo "--- tail of mucd.log" >&2
		tail -n 40 "$T_DIR/mucd.log" >&2
	fi
	exit 1
}

t_cleanup() {
	[ -n "${T_DIR:-}" ] || return 0
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
	sh "$FIXTURE/prosody.sh" stop "$T_DIR" > /dev/null 2>&1
	proc_reap "$T_DIR"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "$T_NAME: kept $T_DIR" >&2
	else
		rm -rf "$T_DIR"
	fi
}

t_setup() {
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mucd-$T_NAME.XXXXXX") ||
		t_fail "mktemp"
	trap t_cleanup EXIT
	trap 'exit 1' INT TERM HUP PIPE
}

t_start_prosody() {
	sh "$FIXTURE/prosody.sh" start "$T_DIR" "$1" ||
		t_fail "prosody did not start"
	. "$T_DIR/env"
}

t_start_mucd() {
	sh "$FIXTURE/mucd.sh" start "$T_DIR" "$MUCD" ||
		t_fail "mucd did not start"
}

# A clean stop (TERM, exit status 0, no sanitizer report), then a start
# on the same data directory.
t_restart_mucd() {
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" || t_fail "mucd did not stop cleanly"
	t_check_log
	t_start_mucd
}

t_check_log() {
	if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T_DIR/mucd.log" 2>/dev/null; then
		t_fail "sanitizer report in mucd.log"
	fi
}

t_play_abs() {
	"$SCSRUN" --port "$C2S_PORT" "$@" > "$T_DIR/play.out" 2>&1 || {
		cat "$T_DIR/play.out" >&2
		t_fail "scenario $* failed"
	}
}

t_play() {
	script=$1
	shift
	t_play_abs "$@" "$T_ROOT/tests/t/$script"
}

# t_slix TEST [MODE...]: run the real-client test tests/slix/TEST.py (see
# tests/slix/README.md) against a fresh Prosody in each MODE, by default
# "reference" (Prosody's own MUC) then "mucd" (mucd attached as the
# component, with MUCD_CONF_EXTRA); "component" is Prosody as for mucd,
# with nothing attached. The PROSODY_* variables of tests/fixture/
# prosody.sh apply. The test also gets COMPONENT_PORT and MUCD_CONF (for
# mucctl -c). The test's report is shown on failure.
t_slix() {
	_slix=$1
	shift
	[ $# -gt 0 ] || set -- reference mucd
	"$T_PYTHON" -c 'import slixmpp' > /dev/null 2>&1 ||
		t_fail "$T_PYTHON cannot import slixmpp (make deps installs" \
		    "python3-slixmpp)"
	for _mode; do
		case $_mode in
		reference) t_start_prosody reference ;;
		component) t_start_prosody component ;;
		mucd)	t_start_prosody component
			t_start_mucd ;;
		*)	t_fail "t_slix: unknown mode '$_mode'" ;;
		esac
		# The test has its own deadline; this one is for a stuck Python.
		C2S_PORT=$C2S_PORT COMPONENT_PORT=$COMPONENT_PORT \
		    MUCD_CONF=$T_DIR/mucd.conf MUC_MODE=$_mode \
		    PYTHONDONTWRITEBYTECODE=1 timeout -k 5 120 \
		    "$T_PYTHON" "$T_ROOT/tests/slix/$_slix.py" \
		    > "$T_DIR/slix.out" 2>&1 || {
			cat "$T_DIR/slix.out" >&2
			t_fail "tests/slix/$_slix.py [$_mode] failed"
		}
		if [ "$_mode" = mucd ]; then
			sh "$FIXTURE/mucd.sh" stop "$T_DIR" ||
				t_fail "mucd did not stop cleanly"
			t_check_log
		fi
		sh "$FIXTURE/prosody.sh" stop "$T_DIR"
	done
}

# t_wait TRIES COMMAND...: run COMMAND every 0.1 s until it succeeds, at
# most TRIES times; 1 if it never did (the caller says what it waited for).
t_wait() {
	_tries=$1
	shift
	until "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

t_done() {
	if [ -r "$T_DIR/mucd.log" ]; then
		sh "$FIXTURE/mucd.sh" stop "$T_DIR" ||
			t_fail "mucd did not stop cleanly"
		t_check_log
	fi
	echo "$T_NAME: ok"
	exit 0
}
