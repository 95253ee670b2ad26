#!/bin/sh
# Summarise a bench-callgrind run: instructions (Ir) per phase, Ir per
# delivered stanza for the fan-out and per join, and the top functions of
# the fan-out phase. Instruction counts are stable on a busy machine;
# compare them before and after a change to mucd.
#
#   cgsummary.sh DIR N DELIVERIES
set -u
dir=$1 n=$2 deliv=$3
msgs=$((deliv / n))
[ "$msgs" -lt 50 ] && msgs=50
for f in "$dir"/callgrind.out.*; do
	[ -f "$f" ] || continue
	phase=$(sed -n 's/^desc: Trigger: dump //p' "$f")
	ir=$(sed -n 's/^summary: //p' "$f")
	case $phase in
	fanout) per=$(awk -v i="$ir" -v d="$((msgs * n))" \
		'BEGIN { printf "%.1f Ir per delivered stanza (%d messages x %d)", i / d, d / '"$n"', '"$n"' }')
		fan=$f ;;
	joins) per=$(awk -v i="$ir" -v j="$((n - 1))" \
		'BEGIN { printf "%.0f Ir per join", i / j }') ;;
	*) per= ;;
	esac
	printf 'callgrind %-8s %12s Ir  %s\n' "$phase" "$ir" "$per"
done
[ -n "${fan:-}" ] || exit 0
echo "--- fan-out phase, top functions by inclusive Ir ($fan)"
callgrind_annotate --inclusive=yes "$fan" 2>/dev/null |
	grep -E '^ *[0-9,]+ \(' | head -n 25
echo "--- fan-out phase, top functions by self Ir"
callgrind_annotate "$fan" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -n 15
