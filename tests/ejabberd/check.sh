#!/bin/sh
# tests/ejabberd/check.sh: the scenario tests with mucd attached to
# ejabberd instead of Prosody (what `make check-ejabberd` runs).
#
# For every tests/scenarios/*.scs and every $SCS_DIR/*.scs: a fresh
# private ejabberd (tests/ejabberd/ejabberd.sh) with mucd
# (tests/bin/mucd-san) attached as conference.localhost through
# tests/fixture/mucd.sh, one scsrun run, then both are stopped. Scripts
# with "# strict: yes" are run a second time with scsrun --strict. Every
# run is made twice: without and with ejabberd's mod_multicast set up for
# mucd as README.md says ("[ejabberd multicast]": it fails unless mucd
# used the service; EJABBERD_RUNS=plain or multicast makes only those).
# "# mucd-conf:" lines go to mucd.conf as in tests/check.sh; "# mucd-only:"
# means nothing here (every run is against mucd).
#
# Each run prints one line:
#   PASS <label> (<seconds> s)
#   FAIL <label>             then the runner's report and log tails
#   XFAIL <label>: <reason>  failed as tests/ejabberd/KNOWN-DIFFERENCES
#                            says it must, for a reason that is the
#                            server's, not mucd's
# An XFAIL run that fails some other way, or passes, is a FAIL (fix the
# list). The last lines are "K xfailed (...)" and "N passed, M failed";
# the exit status is 0 iff M is 0.
#
# tests/ejabberd/KNOWN-DIFFERENCES: "<label stem>: <reason>" lines (label
# stem as printed, without the " [...]" suffix, e.g.
# conformance/muc_register), each followed by indented lines:
#   must-say: <text>   the failed run's scsrun report must contain <text>
#                      (the script must fail exactly where the server
#                      differs); repeatable
#   when: <condition>  the entry applies only under <condition>;
#                      repeatable. Conditions: no-vcard-seed
#                      (EJABBERD_SEED_VCARDS=0), multicast (the runs
#                      with mod_multicast)
# Lines starting with # are comments.
#
# Environment: JOBS (parallel runs, default 1), ONLY (run labels that
# contain this text), VERBOSE=1 (scsrun -v), KEEP=1 (keep the work
# directory), SCS_DIR (conformance scripts, default
# ../shared/conformance/prosody-0.12 next to the repository, if present),
# SCS_TIMEOUT (seconds scsrun waits for a stanza, default 5),
# EJABBERD_LOGLEVEL (default info), EJABBERD_SEED_VCARDS=0 (do not give
# the script's accounts an empty vCard first: see ejabberd.sh),
# EJABBERD_KNOWN (another known-differences file, to test this script),
# CHECK_MUCD (another mucd binary), EJABBERD_RUNS (both, the default;
# plain; multicast).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SCSRUN=$ROOT/tests/bin/scsrun
FIXTURE=$ROOT/tests/fixture
EJ=$ROOT/tests/ejabberd
. "$ROOT/tests/checklib.sh"
KNOWN=${EJABBERD_KNOWN:-$EJ/KNOWN-DIFFERENCES}
MUCD=${CHECK_MUCD:-$ROOT/tests/bin/mucd-san}
export SCSRUN
JOBS=${JOBS:-1}
ONLY=${ONLY:-}
VERBOSE=${VERBOSE:-}
KEEP=${KEEP:-}
SCS_TIMEOUT=${SCS_TIMEOUT:-5}
SEED_VCARDS=${EJABBERD_SEED_VCARDS:-1}
RUNS=${EJABBERD_RUNS:-both}
case $RUNS in both) RUNS="plain multicast" ;; esac
case $JOBS in ''|*[!0-9]*|0) JOBS=1 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mucd-check-ejabberd.XXXXXX") || exit 1
TALLY=$WORK/tally
: > "$TALLY"
PIDS=
STARTED=0
CLEANED=
T0=$(date +%s)

# --- known differences ------------------------------------------------------

# The conditions this run is under, for "when:" lines.
CONDITIONS=
[ "$SEED_VCARDS" = 1 ] || CONDITIONS="$CONDITIONS no-vcard-seed"

# known_entry STEM [CONDITION]: "reason" and "must-say" lines of STEM's
# entry if it applies to this run (all its "when:" conditions hold, with
# CONDITION added to the run's), nothing if not.
known_entry() {
	[ -r "$KNOWN" ] || return 0
	awk -v stem="$1" -v conds=" $CONDITIONS ${2:-} " '
		/^[ \t]*#/ || /^[ \t]*$/ { next }
		/^[^ \t]/ {
			i = index($0, ":")
			on = (i && substr($0, 1, i - 1) == stem)
			if (on) {
				r = substr($0, i + 1); sub(/^[ \t]+/, "", r)
				n++; reason[n] = r; ok[n] = 1; texts[n] = ""
			}
			next
		}
		on && /^[ \t]+when:/ {
			c = $0; sub(/^[ \t]+when:[ \t]*/, "", c)
			if (index(conds, " " c " ") == 0) ok[n] = 0
			next
		}
		on && /^[ \t]+must-say:/ {
			t = $0; sub(/^[ \t]+must-say:[ \t]*/, "", t)
			texts[n] = texts[n] "must-say " t "\n"
		}
		END {
			for (k = 1; k <= n; k++)
				if (ok[k]) {
					printf "reason %s\n%s", reason[k], texts[k]
					exit
				}
		}' "$KNOWN"
}

known_reason() {
	known_entry "$1" "${2:-}" | sed -n 's/^reason //p'
}

# --- teardown ---------------------------------------------------------------

teardown_dir() {
	[ -d "$1" ] || return 0
	sh "$FIXTURE/mucd.sh" stop "$1" > /dev/null 2>&1
	sh "$EJ/ejabberd.sh" stop "$1" > /dev/null 2>&1
}

cleanup() {
	[ -n "$CLEANED" ] && return
	CLEANED=1
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for d in "$WORK"/run/*; do teardown_dir "$d"; done
	wait
	for d in "$WORK"/run/* "$WORK/canary"; do teardown_dir "$d"; done
	if [ -n "$KEEP" ]; then
		echo "check-ejabberd: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

summary() {
	passed=$(grep -c '^PASS' "$TALLY")
	failed=$(grep -c '^FAIL' "$TALLY")
	xfailed=$(grep -c '^XFAIL' "$TALLY")
	echo "check-ejabberd: $(($(date +%s) - T0)) s"
	cleanup
	echo "$xfailed xfailed (known server differences:" \
		"tests/ejabberd/KNOWN-DIFFERENCES)"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

trap 'echo "check-ejabberd: interrupted"; record FAIL "check-ejabberd interrupted" ""; summary; exit 130' INT TERM
trap 'cleanup > /dev/null 2>&1; exit 129' HUP
trap 'cleanup > /dev/null 2>&1; exit 141' PIPE

# --- runs -------------------------------------------------------------------

# The accounts a script logs in as (bare JIDs of its [Client] blocks).
script_users() {
	sed -n 's/^[ \t][ \t]*jid:[ \t]*\([^/ \t]*\).*$/\1/p' "$1" | sort -u |
		tr '\n' ' '
}

fail_report() {
	d=$1
	{
		[ -s "$d/fixture.out" ] && sed 's/^/  /' "$d/fixture.out"
		[ -s "$d/scsrun.out" ] &&
			grep -v -e "^PASS " -e "^FAIL " "$d/scsrun.out"
		[ -s "$d/sanitizer" ] && { echo "  sanitizer report in mucd.log:"
			sed 's/^/  | /' "$d/sanitizer"; }
		grep -qF "tail of $d/mucd.log" "$d/fixture.out" 2>/dev/null ||
			tail_of "$d/mucd.log" 40
		tail_of "$d/ejabberd/log/error.log" 20
		# ejabberd.log up to our SIGTERM: the shutdown explains nothing.
		if [ -s "$d/ejabberd/log/ejabberd.log" ]; then
			echo "  --- ejabberd.log before shutdown" \
				"($d/ejabberd/log/ejabberd.log)"
			sed '/SIGTERM received/,$d' "$d/ejabberd/log/ejabberd.log" |
				tail -n 20 | sed 's/^/  | /'
		fi
		[ -n "$KEEP" ] && echo "  (files in $d)"
	} > "$d/report"
}

# run_job DIR LABEL SCRIPT STRICT(0|1) CONF_EXTRA RUN(plain|multicast)
run_job() {
	d=$1 label=$2 scs=$3 strict=$4 extra=$5 run=$6
	cond=
	[ "$run" = multicast ] && cond=multicast
	t0=$(date +%s.%N)
	trap 'teardown_dir "$d"; : > "$d/done"; exit 143' TERM
	printf '%s\n%s\n' "$label" "$scs" > "$d/label"
	flags="--timeout $SCS_TIMEOUT"
	if [ "$strict" = 1 ]; then
		flags="$flags --strict"
	else
		# Kept (KEEP=1) to compare with tests/check.sh's skip logs.
		flags="$flags --skip-log $d/skips"
	fi
	[ -n "$VERBOSE" ] && flags="$flags -v"
	ok='' ran=''
	users=
	[ "$SEED_VCARDS" = 1 ] && users=$(script_users "$scs")
	if ! EJABBERD_USERS=$users EJABBERD_MULTICAST=$cond \
	    sh "$EJ/ejabberd.sh" start "$d" > "$d/fixture.out" 2>&1; then
		echo "ejabberd did not start" >> "$d/fixture.out"
	elif ! MUCD_CONF_EXTRA=$extra \
	    sh "$FIXTURE/mucd.sh" start "$d" "$MUCD" >> "$d/fixture.out" 2>&1
	then
		:
	else
		ran=1
		port=$(sed -n 's/^C2S_PORT=//p' "$d/env")
		# shellcheck disable=SC2086
		"$SCSRUN" --port "$port" $flags "$scs" > "$d/scsrun.out" 2>&1 &&
			ok=1
		sh "$FIXTURE/mucd.sh" stop "$d" >> "$d/fixture.out" 2>&1 ||
			{ ok='' ran=''; }
	fi
	teardown_dir "$d"
	check_sanitizer "$d" || { ok='' ran=''; }
	[ -n "$cond" ] && [ -n "$ok" ] &&
		! multicast_used "$d" multicast.localhost && ok=''
	stem=${label% \[*}
	why=$(known_reason "$stem" "$cond")
	if [ -n "$ok" ] && [ -z "$why" ]; then
		record PASS "$label ($(elapsed "$t0") s)"
	elif [ -n "$ok" ]; then
		echo "  passes, but KNOWN-DIFFERENCES says it fails: $why" \
			> "$d/report"
		echo "  (remove it from tests/ejabberd/KNOWN-DIFFERENCES)" \
			>> "$d/report"
		record FAIL "$label [unexpected pass]" "$d/report"
	elif [ -n "$why" ] && [ -n "$ran" ] &&
	    xfail_matches "$d" "$stem" "$cond"; then
		record XFAIL "$label: $why"
	else
		fail_report "$d"
		if [ -n "$why" ]; then
			{ echo "  (listed in KNOWN-DIFFERENCES, but this is not" \
				"the known failure: $why)"
			  cat "$d/report"; } > "$d/report.x"
			mv "$d/report.x" "$d/report"
		fi
		record FAIL "$label" "$d/report"
	fi
	: > "$d/done"
}

# A known failure must fail where KNOWN-DIFFERENCES says (every must-say
# text in the scsrun report); with no must-say line any failure counts.
xfail_matches() {
	known_entry "$2" "${3:-}" | sed -n 's/^must-say //p' > "$1/must-say"
	while IFS= read -r t; do
		grep -qF -- "$t" "$1/scsrun.out" || return 1
	done < "$1/must-say"
	return 0
}

# submit LABEL SCRIPT STRICT CONF_EXTRA RUN
submit() {
	selected "$1" || return 0
	[ -z "$CANARY_DONE" ] && canary
	if [ -n "$BROKEN" ]; then
		echo "  $BROKEN" > "$WORK/.broken"
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

# One start before the runs: if ejabberd or mucd cannot even come up, say
# so once instead of timing out in every run.
BROKEN=
CANARY_DONE=
canary() {
	CANARY_DONE=1
	if [ ! -x "$MUCD" ]; then
		BROKEN="not run: $MUCD is not built"
		return
	fi
	if [ ! -x "$SCSRUN" ]; then
		BROKEN="not run: $SCSRUN is not built"
		return
	fi
	d=$WORK/canary
	mkdir -p "$d"
	if sh "$EJ/ejabberd.sh" start "$d" > "$d/fixture.out" 2>&1 &&
	    sh "$FIXTURE/mucd.sh" start "$d" "$MUCD" >> "$d/fixture.out" 2>&1 &&
	    sh "$FIXTURE/mucd.sh" stop "$d" >> "$d/fixture.out" 2>&1; then
		teardown_dir "$d"
		return
	fi
	teardown_dir "$d"
	fail_report "$d"
	record FAIL "ejabberd + mucd start-up (canary)" "$d/report"
	BROKEN="not run: ejabberd + mucd do not start (see the canary)"
}

# The label's suffix for a run: "ejabberd" or "ejabberd multicast".
suffix() {
	[ "$1" = multicast ] && echo "ejabberd multicast" || echo ejabberd
}

submit_scenarios() {
	for scs in tests/scenarios/*.scs; do
		[ -e "$scs" ] || continue
		name=${scs##*/}
		name=${name%.scs}
		extra=$(directive mucd-conf "$scs")
		for run in $RUNS; do
			submit "$name [$(suffix $run)]" "$ROOT/$scs" 0 "$extra" $run
			[ "$(directive strict "$scs")" = yes ] &&
				submit "$name [$(suffix $run) --strict]" \
				    "$ROOT/$scs" 1 "$extra" $run
		done
	done
}

submit_conformance() {
	[ -n "$SCS_DIR" ] || return 0
	for scs in "$SCS_DIR"/*.scs; do
		[ -e "$scs" ] || continue
		name=${scs##*/}
		for run in $RUNS; do
			submit "conformance/${name%.scs} [$(suffix $run)]" "$scs" \
			    0 "" $run
		done
	done
}

# --- main -------------------------------------------------------------------

if [ -x "$SCSRUN" ]; then
	find_scs_dir
	mkdir -p "$WORK/run"
	submit_scenarios
	submit_conformance
	wait
	PIDS=
else
	record FAIL "not run: $SCSRUN is not built"
fi
summary
