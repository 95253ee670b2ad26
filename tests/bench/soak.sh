#!/bin/sh
# make soak: a long run of thousands of occupants chatting, joining,
# changing nick and leaving, against mucd under AddressSanitizer and
# UBSan. Passes when mucd reported no error, exited cleanly (no leak or
# sanitizer report: mucbench keeps its log otherwise), and its RSS stayed
# flat: the last sample within 10% (plus 8 MB of slack) of the first,
# taken one minute in.
#
# Environment: SOAK_SECONDS (default 1800), SOAK_STABLE (default 2000),
# SOAK_CHURNERS (default 500), SOAK_RESULTS (default bench/soak.json).
set -u
secs=${SOAK_SECONDS:-1800}
stable=${SOAK_STABLE:-2000}
churners=${SOAK_CHURNERS:-500}
results=${SOAK_RESULTS:-bench/soak.json}

mkdir -p "$(dirname "$results")"
: > "$results.new"
echo "soak: $stable occupants and $churners churners for $secs s," \
	"mucd under ASan/UBSan"
tests/bench/mucbench --mucd tests/bin/mucd-san --no-pin --only churn \
	--churn-stable "$stable" --churn-users "$churners" \
	--churn-secs "$secs" --results "$results.new" component
rc=$?
cat "$results.new" >> "$results"
line=$(tail -n 1 "$results.new")
rm -f "$results.new"
[ $rc -eq 0 ] || { echo "soak: FAIL: mucbench or mucd failed (status $rc)"; exit 1; }
field() {
	printf '%s' "$line" | sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p"
}
first=$(field rss_kb_first)
last=$(field rss_kb_last)
max=$(field rss_kb_max)
errors=$(field errors)
[ -n "$first" ] && [ -n "$last" ] || {
	echo "soak: FAIL: no RSS samples (run at least 2 minutes)"; exit 1; }
echo "soak: mucd RSS ${first%.*} kB after a minute, ${last%.*} kB at the" \
	"end (max ${max%.*} kB); errors: ${errors%.*}"
awk -v f="$first" -v l="$last" -v e="$errors" 'BEGIN {
	if (e + 0 > 0) { print "soak: FAIL: mucd answered with errors"; exit 1 }
	if (l > f * 1.10 + 8192) { print "soak: FAIL: RSS grew"; exit 1 }
	print "soak: ok"
}'
