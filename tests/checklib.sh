#!/bin/sh
# tests/checklib.sh: what the two test runners, tests/check.sh (make check)
# and tests/ejabberd/check.sh (make check-ejabberd), share: atomic output
# and the PASS/FAIL tally, ONLY selection, scenario directives, the
# sanitizer check of a run's mucd.log and whether it used multicast, the
# job count and the conformance directory. Sourced, after the runner has
# set ROOT, WORK, TALLY, ONLY and STARTED.

# Print a block atomically (parallel jobs must not interleave).
emit() {
	flock "$WORK/.out.lock" cat "$@"
}

# record STATUS LABEL [DETAILS_FILE]; STATUS is PASS, FAIL or XFAIL.
record() {
	_f=$(mktemp "$WORK/.rec.XXXXXX")
	printf '%s %s\n' "$1" "$2" > "$_f"
	[ "$1" = FAIL ] && [ -n "${3:-}" ] && [ -s "$3" ] && cat "$3" >> "$_f"
	emit "$_f"
	flock "$WORK/.tally.lock" sh -c 'printf "%s\n" "$1" >> "$2"' _ "$1" "$TALLY"
	rm -f "$_f"
}

selected() {
	[ -z "$ONLY" ] && return 0
	case $1 in *"$ONLY"*) return 0 ;; esac
	return 1
}

# Indented tail of a log for a failure report, after the log's own
# failure lines: a report that gets cut short (CI shows only part of it)
# still names what failed.
tail_of() {
	[ -s "$1" ] || return 0
	if grep -q -e '^FAIL' -e ': FAIL' -e '^not ok' "$1"; then
		echo "  --- failures in $1"
		grep -e '^FAIL' -e ': FAIL' -e '^not ok' "$1" | head -n 10 |
			sed 's/^/  ! /'
	fi
	echo "  --- last ${2:-30} lines of $1"
	tail -n "${2:-30}" "$1" | sed 's/^/  | /'
}

elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# Leading comment lines of a script.
header_comments() {
	awk '/^[ \t]*$/ { next } /^#/ { print; next } { exit }' "$1"
}

directive() {
	header_comments "$2" | sed -n "s/^#[ \t]*$1:[ \t]*//p"
}

# Sanitizer output in mucd.log fails the run, whatever the script said.
check_sanitizer() {
	[ -s "$1/mucd.log" ] || return 0
	grep -n -A 40 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' \
		"$1/mucd.log" | head -n 80 > "$1/sanitizer"
	[ ! -s "$1/sanitizer" ]
}

# multicast_used DIR SERVICE: a multicast run proves something only if
# broadcasts went through the server's service: mucd passed its check
# (milliseconds after connecting, while mucd.sh still waits for a client
# login to reach it) and never stopped using it. A script whose
# broadcasts all have one recipient sends no multicast stanza. Says why
# not in DIR/fixture.out.
multicast_used() {
	if ! grep -q "multicast: broadcasts go through $2," "$1/mucd.log"; then
		echo "  mucd did not use multicast (see mucd.log)" \
			>> "$1/fixture.out"
		return 1
	fi
	if grep -q 'mucd\[[a-z]*\] multicast: .*refused' "$1/mucd.log"; then
		echo "  the multicast service refused a stanza (see mucd.log)" \
			>> "$1/fixture.out"
		return 1
	fi
}

running_jobs() {
	set -- "$WORK"/run/*/done
	[ -e "$1" ] || set --
	echo $((STARTED - $#))
}

# The conformance directory: $SCS_DIR, else the default if present.
# Exported (absolute) for tests/t programs that use the scripts.
find_scs_dir() {
	if [ -n "${SCS_DIR:-}" ]; then
		SCS_DIR=$(cd "$SCS_DIR" 2>/dev/null && pwd) || {
			record FAIL "conformance (SCS_DIR not found)"
			SCS_DIR=
		}
	elif [ -d "$ROOT/../shared/conformance/prosody-0.12" ]; then
		SCS_DIR=$(cd "$ROOT/../shared/conformance/prosody-0.12" && pwd)
	else
		echo "NOTE: conformance scripts not found" \
			"(../shared/conformance/prosody-0.12); set SCS_DIR"
		SCS_DIR=
	fi
	export SCS_DIR
}
