#!/bin/sh
# tests/check.sh: run every test (what `make check` runs after building).
#
#   1. unit tests          tests/bin/test_*, one result per test case
#   2. runner self-test    tests/runner/selftest/*.scs: scsrun must pass
#                          what matches (pass_*), fail readably what does
#                          not (fail_*) and refuse broken scripts before
#                          they run (error_*)
#   3. our scenarios       tests/scenarios/*.scs against mucd, against mucd
#                          with multicast (Prosody loads mucd's XEP-0033
#                          module; the run fails unless mucd used it for
#                          its broadcasts throughout) and against
#                          Prosody's own MUC (reference mode)
#   4. conformance         $SCS_DIR/*.scs (Prosody's MUC scripts), same
#   5. extra programs      executable tests/t/*.sh, in the same pool of
#                          JOBS slots as the scenarios
#
# Every test prints "PASS <label>" or "FAIL <label>" (with the runner's
# report and log tails); the last line is always "N passed, M failed" and
# the exit status is 0 iff M is 0.
#
# Environment:
#   JOBS=n       scenario runs in parallel (default 2); each run has its
#                own Prosody, mucd, ports and directory
#   ONLY=text    run only tests whose label contains text
#   VERBOSE=1    pass -v to scsrun (traces end up in failure reports)
#   KEEP=1       keep the work directory and print its path
#   SCS_DIR=dir  conformance scripts (default ../shared/conformance/
#                prosody-0.12 next to the repository, if present)
#   SCS_TIMEOUT  seconds scsrun waits for a stanza (default 5)
#   UNIT_TIMEOUT seconds one unit-test binary may run (default 120)
#   T_TIMEOUT    seconds one tests/t program may run (default 300)
#
# Scenario directives, in the leading comment lines of a .scs file:
#   # mucd-only: <reason>   do not run in reference mode
#   # mucd-conf: <line>     append <line> to mucd.conf (repeatable)
#   # strict: yes           also run against mucd with scsrun --strict
#
# Skip parity: every script run in both modes must not make the runner
# skip more stanzas against mucd than against Prosody's MUC at any
# "receives" step — mucd sends nothing a script does not expect where the
# reference does not either. (Plain --strict cannot serve for scripts like
# muc_register.scs, which leave a stanza unexpected under any server.)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
SCSRUN=$ROOT/tests/bin/scsrun
FIXTURE=$ROOT/tests/fixture
. "$FIXTURE/proc.sh"
. "$ROOT/tests/checklib.sh"
# CHECK_MUCD: test the harness itself with another binary.
MUCD=${CHECK_MUCD:-$ROOT/tests/bin/mucd-san}
export SCSRUN FIXTURE MUCD
# Known leaks in libraries, not ours (see the file).
LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
JOBS=${JOBS:-2}
ONLY=${ONLY:-}
VERBOSE=${VERBOSE:-}
KEEP=${KEEP:-}
SCS_TIMEOUT=${SCS_TIMEOUT:-5}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
T_TIMEOUT=${T_TIMEOUT:-300}
case $JOBS in ''|*[!0-9]*|0) JOBS=1 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mucd-check.XXXXXX") || exit 1
TALLY=$WORK/tally
: > "$TALLY"
PIDS=
STARTED=0
CLEANED=
T0=$(date +%s)

# --- output (the rest is in tests/checklib.sh) -----------------------------

# Prosody's log up to our SIGTERM: its shutdown chatter explains nothing.
prosody_tail() {
	[ -s "$1/prosody.log" ] || return 0
	echo "  --- prosody.log before shutdown ($1/prosody.log)"
	sed '/mod_posix.*Received SIGTERM/,$d' "$1/prosody.log" |
		tail -n "$2" | sed 's/^/  | /'
}

# --- teardown ---------------------------------------------------------------

# Stop whatever a run directory may hold; every step is idempotent.
teardown_dir() {
	[ -d "$1" ] || return 0
	sh "$FIXTURE/mucd.sh" stop "$1" > /dev/null 2>&1
	sh "$FIXTURE/prosody.sh" stop "$1" > /dev/null 2>&1
}

cleanup() {
	[ -n "$CLEANED" ] && return
	CLEANED=1
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	# Stop fixtures now so blocked runners fail fast, then again after
	# the jobs are gone in case one started something meanwhile.
	for d in "$WORK"/run/*; do teardown_dir "$d"; done
	wait
	for d in "$WORK"/run/* "$WORK/selftest" "$WORK/canary"; do
		teardown_dir "$d"
	done
	proc_reap "$WORK"
	if [ -n "$KEEP" ]; then
		echo "check: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

summary() {
	passed=$(grep -c '^PASS' "$TALLY")
	failed=$(grep -c '^FAIL' "$TALLY")
	echo "check: $(($(date +%s) - T0)) s"
	# Clean up before the last line so it really is the last line.
	cleanup
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

trap 'echo "check: interrupted"; record FAIL "check interrupted" ""; summary; exit 130' INT TERM
# Output gone (terminal closed, pipe reader quit): still clean up.
trap 'cleanup > /dev/null 2>&1; exit 129' HUP
trap 'cleanup > /dev/null 2>&1; exit 141' PIPE

# --- 1. unit tests ----------------------------------------------------------

unit_binary() {
	bin=$1 name=${1##*/}
	out=$WORK/unit-$name.out err=$WORK/unit-$name.err
	# Berkeley DB has no frame pointers: only the slow unwinder sees
	# far enough into its stacks for tests/lsan.supp to match.
	uopts=${ASAN_OPTIONS:-}
	[ "$name" = test_store ] && uopts="fast_unwind_on_malloc=0${uopts:+:$uopts}"
	ASAN_OPTIONS=$uopts timeout --foreground -k 5 "$UNIT_TIMEOUT" "$bin" \
		> "$out" 2> "$err"
	rc=$?
	nfail=0
	while read -r st tname; do
		case $st in
		ok)	record PASS "unit/$name/$tname" ;;
		FAIL)	record FAIL "unit/$name/$tname"
			nfail=$((nfail + 1)) ;;
		esac
	done < "$out"
	if [ $rc -ne 0 ] && [ $nfail -eq 0 ]; then
		why="exit status $rc"
		[ $rc -gt 128 ] && why="killed by signal $((rc - 128))"
		[ $rc -eq 124 ] && why="timed out after $UNIT_TIMEOUT s"
		{ echo "  $bin: $why without a FAIL line (crashed?)"
		  tail_of "$out" 10; tail_of "$err" 40; } > "$WORK/unit.report"
		record FAIL "unit/$name" "$WORK/unit.report"
	elif [ $nfail -gt 0 ]; then
		tail_of "$err" 60 > "$WORK/unit.report"
		emit "$WORK/unit.report"
	fi
}

run_unit_tests() {
	for bin in tests/bin/test_*; do
		[ -x "$bin" ] || continue
		selected "unit/${bin##*/}" || continue
		unit_binary "$bin"
	done
}

# --- 2. runner self-test ----------------------------------------------------

selftest_one() {
	scs=$1 port=$2 name=${1##*/}
	name=${name%.scs}
	out=$WORK/selftest/$name.out
	# fail_* scripts wait the whole timeout for what never comes.
	t=$SCS_TIMEOUT
	case $name in fail_*) t=1 ;; esac
	"$SCSRUN" --port "$port" --timeout "$t" "$scs" > "$out" 2>&1
	rc=$?
	case $name in
	pass_*)
		if [ $rc -eq 0 ]; then record PASS "selftest/$name"
		else record FAIL "selftest/$name (must pass)" "$out"; fi
		# A script that skipped something must fail in --strict mode.
		grep -q '^PASS .* (0 skipped)$' "$out" && return
		"$SCSRUN" --strict --port "$port" --timeout "$t" "$scs" \
			> "$out.strict" 2>&1
		if [ $? -eq 1 ] && grep -q 'unexpected stanza (--strict)' \
		    "$out.strict"; then
			record PASS "selftest/$name [--strict must fail]"
		else
			record FAIL "selftest/$name [--strict must fail]" \
				"$out.strict"
		fi ;;
	fail_*)
		want=$(sed -n '1s/^.*The report must say: //p' "$scs")
		if [ $rc -eq 1 ] && grep -qF -- "$want" "$out"; then
			record PASS "selftest/$name"
		else
			{ echo "  (must fail with exit 1 and say: $want; got exit $rc)"
			  cat "$out"; } > "$out.why"
			record FAIL "selftest/$name" "$out.why"
		fi ;;
	error_*)
		want=$(sed -n '1s/^.*The report must say: //p' "$scs")
		if [ $rc -eq 2 ] && grep -qF -- "$want" "$out"; then
			record PASS "selftest/$name"
		else
			{ echo "  (must be refused with exit 2 and say: $want;" \
			    "got exit $rc)"
			  cat "$out"; } > "$out.why"
			record FAIL "selftest/$name" "$out.why"
		fi ;;
	esac
}

run_selftest() {
	set --
	for scs in tests/runner/selftest/*.scs; do
		[ -e "$scs" ] || continue
		name=${scs##*/}
		selected "selftest/${name%.scs}" && set -- "$@" "$scs"
	done
	[ $# -gt 0 ] || return 0
	d=$WORK/selftest
	if ! sh "$FIXTURE/prosody.sh" start "$d" reference > "$WORK/st.out" 2>&1
	then
		record FAIL "selftest (prosody did not start)" "$WORK/st.out"
		return
	fi
	port=$(sed -n 's/^C2S_PORT=//p' "$d/env")
	for scs; do
		selftest_one "$scs" "$port"
	done
	sh "$FIXTURE/prosody.sh" stop "$d"
}

# --- 3./4. scenario runs (parallel jobs) ------------------------------------

# The report for a failed run: runner output, then the logs.
fail_report() {
	d=$1
	{
		[ -s "$d/fixture.out" ] && sed 's/^/  /' "$d/fixture.out"
		[ -s "$d/scsrun.out" ] && grep -v -e "^PASS " -e "^FAIL " "$d/scsrun.out"
		[ -s "$d/sanitizer" ] && { echo "  sanitizer report in mucd.log:"
			sed 's/^/  | /' "$d/sanitizer"; }
		grep -qF "tail of $d/mucd.log" "$d/fixture.out" 2>/dev/null ||
			tail_of "$d/mucd.log" 40
		prosody_tail "$d" 20
		[ -n "$KEEP" ] && echo "  (files in $d)"
	} > "$d/report"
}

# run_job DIR LABEL SCRIPT MODE(mucd|multicast|reference) STRICT(0|1)
# CONF_EXTRA
run_job() {
	d=$1 label=$2 scs=$3 mode=$4 strict=$5 extra=$6
	t0=$(date +%s.%N)
	trap 'teardown_dir "$d"; : > "$d/done"; exit 143' TERM
	flags="--timeout $SCS_TIMEOUT"
	if [ "$strict" = 1 ]; then
		flags="$flags --strict"
	else
		flags="$flags --skip-log $d/skips"
	fi
	[ -n "$VERBOSE" ] && flags="$flags -v"
	ok= multicast= withmucd=1
	case $mode in
	mucd)		pmode=component ;;
	multicast)	pmode=component multicast=conference.localhost ;;
	*)		pmode=reference withmucd= ;;
	esac
	if ! PROSODY_MULTICAST=$multicast sh "$FIXTURE/prosody.sh" start "$d" \
	    "$pmode" > "$d/fixture.out" 2>&1; then
		echo "prosody did not start" >> "$d/fixture.out"
	elif [ -n "$withmucd" ] && ! MUCD_CONF_EXTRA=$extra \
	    sh "$FIXTURE/mucd.sh" start "$d" "$MUCD" >> "$d/fixture.out" 2>&1
	then
		:
	else
		port=$(sed -n 's/^C2S_PORT=//p' "$d/env")
		# shellcheck disable=SC2086
		"$SCSRUN" --port "$port" $flags "$scs" > "$d/scsrun.out" 2>&1 &&
			ok=1
		if [ -n "$withmucd" ] &&
		    ! sh "$FIXTURE/mucd.sh" stop "$d" >> "$d/fixture.out" 2>&1
		then
			ok=
		fi
	fi
	teardown_dir "$d"
	[ -n "$withmucd" ] && ! check_sanitizer "$d" && ok=
	[ -n "$multicast" ] && [ -n "$ok" ] && ! multicast_used "$d" localhost &&
		ok=
	if [ -n "$ok" ]; then
		record PASS "$label ($(elapsed "$t0") s)"
		# Keep the skip log of a passing lenient run for parity.
		if [ "$strict" = 0 ]; then
			key=$(printf '%s' "${label% \[*}" | tr '/ ' '%+')
			touch "$d/skips"
			cp "$d/skips" "$WORK/skips/$key.$mode"
		fi
	else
		fail_report "$d"
		record FAIL "$label" "$d/report"
	fi
	: > "$d/done"
}

# submit LABEL SCRIPT MODE STRICT CONF_EXTRA: start a job when a slot frees.
submit() {
	selected "$1" || return 0
	[ "$3" != reference ] && [ -z "$CANARY_DONE" ] && mucd_canary
	if [ "$3" != reference ] && [ -n "$MUCD_BROKEN" ]; then
		echo "  $MUCD_BROKEN" > "$WORK/.broken"
		record FAIL "$1" "$WORK/.broken"
		return
	fi
	while [ "$(running_jobs)" -ge "$JOBS" ]; do
		sleep 0.1
	done
	STARTED=$((STARTED + 1))
	d=$WORK/run/$(printf '%03d' $STARTED)
	mkdir -p "$d"
	run_job "$d" "$@" &
	PIDS="$PIDS $!"
}

# One mucd start before the mucd runs: if mucd cannot even come up, say
# so once instead of waiting for its readiness timeout in every run.
MUCD_BROKEN=
CANARY_DONE=
mucd_canary() {
	CANARY_DONE=1
	if [ ! -x "$MUCD" ]; then
		MUCD_BROKEN="not run: $MUCD is not built"
		return
	fi
	d=$WORK/canary
	mkdir -p "$d"
	if sh "$FIXTURE/prosody.sh" start "$d" component > "$d/fixture.out" 2>&1 &&
	    sh "$FIXTURE/mucd.sh" start "$d" "$MUCD" >> "$d/fixture.out" 2>&1 &&
	    sh "$FIXTURE/mucd.sh" stop "$d" >> "$d/fixture.out" 2>&1; then
		teardown_dir "$d"
		return
	fi
	teardown_dir "$d"
	fail_report "$d"
	record FAIL "mucd start-up (canary)" "$d/report"
	MUCD_BROKEN="not run: mucd does not start (see 'mucd start-up (canary)')"
}

skip() {
	selected "$1" || return 0
	echo "SKIP $1: $2" > "$WORK/.skip"
	emit "$WORK/.skip"
}

submit_scenarios() {
	for scs in tests/scenarios/*.scs; do
		[ -e "$scs" ] || continue
		name=${scs##*/}
		name=${name%.scs}
		extra=$(directive mucd-conf "$scs")
		submit "$name [mucd]" "$ROOT/$scs" mucd 0 "$extra"
		submit "$name [multicast]" "$ROOT/$scs" multicast 0 "$extra"
		if [ "$(directive strict "$scs")" = yes ]; then
			submit "$name [mucd --strict]" "$ROOT/$scs" mucd 1 "$extra"
			submit "$name [multicast --strict]" "$ROOT/$scs" \
				multicast 1 "$extra"
		fi
		why=$(directive mucd-only "$scs")
		if [ -n "$why" ]; then
			skip "$name [reference]" "$why"
		else
			submit "$name [reference]" "$ROOT/$scs" reference 0 ""
		fi
	done
}

submit_conformance() {
	[ -n "$SCS_DIR" ] || return 0
	for scs in "$SCS_DIR"/*.scs; do
		[ -e "$scs" ] || continue
		name=${scs##*/}
		name=conformance/${name%.scs}
		submit "$name [mucd]" "$scs" mucd 0 ""
		submit "$name [multicast]" "$scs" multicast 0 ""
		submit "$name [reference]" "$scs" reference 0 ""
	done
}

# --- skip parity ------------------------------------------------------------

# One comparison: REF and RUN are skip logs, LABEL the result's label.
compare_one() {
	awk 'NR == FNR { ref[$1] = $2; next }
	    $2 > ref[$1] + 0 {
		printf "  line %s: %d stanza(s) skipped against mucd, " \
		    "%d against the reference\n", $1, $2, ref[$1] + 0
		bad = 1
	    }
	    END { exit bad }' "$1" "$2" > "$WORK/parity.report"
	if [ $? -eq 0 ]; then
		record PASS "$3"
	else
		echo "  (run with VERBOSE=1 KEEP=1 to see the stanzas)" \
			>> "$WORK/parity.report"
		record FAIL "$3" "$WORK/parity.report"
	fi
}

# For each script that passed against mucd (with and without multicast)
# and in reference mode: at no "receives" step may mucd make the runner
# skip more stanzas than Prosody's MUC did.
compare_skips() {
	for ref in "$WORK"/skips/*.reference; do
		[ -e "$ref" ] || continue
		key=${ref##*/}
		key=${key%.reference}
		name=$(printf '%s' "$key" | tr '%+' '/ ')
		[ -e "$WORK/skips/$key.mucd" ] &&
			compare_one "$ref" "$WORK/skips/$key.mucd" \
			    "$name [skips vs reference]"
		[ -e "$WORK/skips/$key.multicast" ] &&
			compare_one "$ref" "$WORK/skips/$key.multicast" \
			    "$name [multicast skips vs reference]"
	done
}

# --- 5. extra test programs -------------------------------------------------

# One program in its own run directory (a job of the pool).
extra_job() {
	t=$1 name=$2 d=$3
	t0=$(date +%s.%N)
	TMPDIR=$d timeout --foreground -k 5 "$T_TIMEOUT" "$t" > "$d/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		record PASS "$name ($(elapsed "$t0") s)"
	else
		why="exit status $rc"
		[ $rc -eq 124 ] && why="timed out after $T_TIMEOUT s"
		{ echo "  $why"; tail_of "$d/out" 60; } > "$d/report"
		record FAIL "$name" "$d/report"
	fi
	: > "$d/done"
}

# The programs share the scenarios' pool of JOBS slots: each has its own
# directory, ports and fixtures.
run_extra() {
	for t in tests/t/*.sh; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		name=t/${t##*/}
		name=${name%.sh}
		selected "$name" || continue
		while [ "$(running_jobs)" -ge "$JOBS" ]; do
			sleep 0.1
		done
		STARTED=$((STARTED + 1))
		d=$WORK/run/$(printf '%03d' $STARTED)
		mkdir -p "$d"
		extra_job "$t" "$name" "$d" &
		PIDS="$PIDS $!"
	done
}

# --- main -------------------------------------------------------------------

find_scs_dir
run_unit_tests
mkdir -p "$WORK/run" "$WORK/skips"
if [ -x "$SCSRUN" ]; then
	run_selftest
	submit_scenarios
	submit_conformance
else
	record FAIL "scenarios not run: $SCSRUN is not built"
fi
run_extra
wait
PIDS=
compare_skips
summary
