#!/bin/sh
# The manuals and the README against what they describe: every manual
# renders without nested quotes, with mandoc and with man-db (groff) alike
# (an mdoc quoting macro runs to the end of its line); mucd(8) names the
# systemd unit where the Debian package installs it; and make run's banner
# gives the mucctl command the README shows, that command works, and the
# temporary directory goes away when make run stops unless KEEP=1, as the
# README says.
. "$(dirname "$0")/lib.sh"
t_setup

for tool in mandoc man; do
	command -v $tool > /dev/null || t_fail "$tool not found (make deps)"
done

# Text of a manual as a reader sees it, on one line: quotes can nest
# across a line break.
render() {
	case $1 in
	mandoc)	mandoc -Tutf8 "$2" ;;
	man)	LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$2" 2> /dev/null ;;
	esac | sed 's/.\x08//g' | tr '\n' ' '
}

for page in "$T_ROOT"/man/*.[1-9]; do
	for r in mandoc man; do
		render $r "$page" > "$T_DIR/page.txt"
		[ -s "$T_DIR/page.txt" ] || t_fail "$r renders nothing for $page"
		# An opening quote before the last one closed.
		bad=$(grep -o -e '‘[^’]*‘' -e '“[^”]*“' "$T_DIR/page.txt" |
		    head -n 3)
		[ -z "$bad" ] ||
			t_fail "${page##*/} ($r): nested quotes: $bad"
	done
done

# The unit's path, as the package's lintian overrides name it.
unit=/$(sed -n 's/.*\[\(.*systemd\/system\/mucd\.service\)\].*/\1/p' \
    "$T_ROOT/packaging/debian/mucd.lintian-overrides")
[ "$unit" != / ] || t_fail "no unit path in debian/mucd.lintian-overrides"
named=$(awk '/^\.Sh FILES/ { f = 1 } /^\.Sh / && !/FILES/ { f = 0 }
    f && /^\.It Pa .*mucd\.service/ { print $3 }' "$T_ROOT/man/mucd.8")
[ "$named" = "$unit" ] ||
	t_fail "mucd(8) FILES names the unit '$named'; the package has $unit"

# make run: the banner's mucctl command is the README's, and it works.
grep -q -F 'mucctl -c <dir>/mucd.conf status' "$T_ROOT/README.md" ||
	t_fail "README.md: no 'mucctl -c <dir>/mucd.conf status'"
grep -q -F 'make run KEEP=1' "$T_ROOT/README.md" ||
	t_fail "README.md does not say how to keep make run's directory"

# run_start [KEEP]: what make run runs, in the background, its banner in
# $T_DIR/run.out and its directory under $T_DIR.
run_start() {
	KEEP=${1:-} C2S_PORT=$("$SCSRUN" --free-port) \
	    COMPONENT_PORT=$("$SCSRUN" --free-port) TMPDIR=$T_DIR \
	    sh "$T_ROOT/tests/run.sh" > "$T_DIR/run.out" 2>&1 < /dev/null &
	RUN_PID=$!
	i=0
	until grep -q 'Stop with Ctrl-C' "$T_DIR/run.out"; do
		i=$((i + 1))
		[ $i -lt 150 ] && kill -0 $RUN_PID 2> /dev/null || {
			cat "$T_DIR/run.out" >&2
			t_fail "make run printed no banner"
		}
		sleep 0.1
	done
	RUN_DIR=$(sed -n 's/^ files: *\([^ ]*\).*/\1/p' "$T_DIR/run.out")
	[ -d "$RUN_DIR" ] || t_fail "make run: no directory '$RUN_DIR'"
}

# run_stop: TERM, as closing the terminal does (Ctrl-C is INT, which a
# background job ignores; run.sh handles both alike).
run_stop() {
	kill -TERM $RUN_PID
	i=0
	while kill -0 $RUN_PID 2> /dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || t_fail "make run did not stop on TERM"
		sleep 0.1
	done
}

run_start
cmd=$(sed -n 's/^ *e\.g\. \(.*mucctl -c .* status\)$/\1/p' "$T_DIR/run.out")
[ "$cmd" = "$T_ROOT/mucctl/mucctl -c $RUN_DIR/mucd.conf status" ] ||
	t_fail "make run's banner does not suggest the README's" \
	    "'mucctl -c <dir>/mucd.conf status':" \
	    "$(grep -A1 'control:' "$T_DIR/run.out")"
# mucd may still be connecting: the command must work within seconds.
i=0
until $cmd > "$T_DIR/status.out" 2>&1; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat "$T_DIR/status.out" >&2
		t_fail "the banner's command fails: $cmd"; }
	sleep 0.2
done
grep -q conference.localhost "$T_DIR/status.out" ||
	t_fail "the banner's command does not show the service"
grep -q -i 'deleted when this stops.*KEEP=1' "$T_DIR/run.out" ||
	t_fail "make run's banner does not say its directory is deleted"
run_stop
[ ! -e "$RUN_DIR" ] || t_fail "make run left $RUN_DIR behind"

run_start 1
run_stop
[ -f "$RUN_DIR/mucd.conf" ] || t_fail "make run KEEP=1 did not keep $RUN_DIR"
t_done
