#!/bin/sh
# tests/fuzz/triage.sh TARGET [BIN_DIR]: replay every crash-/leak-/timeout-
# artifact in tests/fuzz/work/TARGET/ and group them by signature (the
# sanitizer's summary and the first frames in common/ or mucd/), smallest
# input first, so each distinct finding is looked at once.
set -u
here=$(cd "$(dirname "$0")" && pwd)
t=$1
bin=${2:-$here/bin}/$t
for f in "$here"/work/"$t"/crash-* "$here"/work/"$t"/leak-* \
    "$here"/work/"$t"/timeout-*; do
	[ -f "$f" ] || continue
	sig=$("$bin" "$f" 2>&1 |
	    grep -E '^(SUMMARY|fuzz harness|fuzz_[a-z_]+:)|#[0-9]+ 0x[0-9a-f]+ in [a-zA-Z_0-9]+ [^ ]*/(mucd|common)/' |
	    sed -E 's/#[0-9]+ 0x[0-9a-f]+ in //; s/ \(.*//; s/:[0-9]+$//; s/output \(.*//' |
	    head -n 4 | tr '\n' '|')
	printf '%s\t%s\t%s\n' "${sig:-NO-REPRO}" "$(wc -c < "$f")" "$f"
done | sort -t "$(printf '\t')" -k1,1 -k2,2n |
awk -F '\t' '$1 != last { n++; print "== " $1; last = $1 } { print "   " $2 " bytes  " $3 }'
