#!/bin/sh
# tests/t/fuzz_regress.sh: replay the fuzzers' saved inputs (run by
# `make check`, and by `make fuzz-regress`).
#
# Builds the libFuzzer targets (tests/fuzz/fuzz.mk) and runs each once over
#   tests/fuzz/regress/<target>/*   inputs that once crashed (fixed since)
#   tests/fuzz/corpus/<target>/*    the seed corpus
# A crash, sanitizer report, leak or failed check fails the test.
#
# Inputs of findings not fixed yet live in tests/fuzz/pending/<target>/;
# FUZZ_PENDING=1 replays them too (to confirm a fix: then move them to
# regress/). Without clang (and its libFuzzer runtime) the test is skipped.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${FUZZ_CC:-clang}
if ! command -v "$CC" > /dev/null 2>&1 ||
    ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
    "$CC" -x c -fsanitize=fuzzer -o /dev/null - > /dev/null 2>&1; then
	echo "SKIP: $CC with libFuzzer is not installed" \
	    "(Debian: apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
log=${TMPDIR:-/tmp}/fuzz-build.$$
if ! make -s -C "$ROOT" fuzz-build > "$log" 2>&1; then
	echo "FAIL: building the fuzz targets"
	tail -n 40 "$log"
	rm -f "$log"
	exit 1
fi
rm -f "$log"
dirs="regress corpus"
[ -n "${FUZZ_PENDING:-}" ] && dirs="$dirs pending"
failed=0
for bin in "$ROOT"/tests/fuzz/bin/fuzz_*; do
	[ -x "$bin" ] || continue
	t=${bin##*/}
	set --
	for d in $dirs; do
		for f in "$ROOT/tests/fuzz/$d/$t"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
	done
	if [ $# -eq 0 ]; then
		echo "SKIP: $t (no saved inputs)"
		continue
	fi
	out=${TMPDIR:-/tmp}/fuzz-replay.$$
	if "$bin" -timeout=60 -rss_limit_mb=4096 "$@" \
	    > "$out" 2>&1; then
		echo "PASS: $t ($# inputs)"
	else
		echo "FAIL: $t"
		grep -E '^Running: ' "$out" | tail -n 1
		grep -E -A 30 'ERROR:|runtime error|fuzz harness|fuzz_[a-z_]+: ' \
		    "$out" | head -n 60
		failed=$((failed + 1))
	fi
	rm -f "$out"
done
if [ -z "${FUZZ_PENDING:-}" ]; then
	n=$(find "$ROOT/tests/fuzz/pending" -type f 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && echo "NOTE: $n input(s) of open findings in" \
	    "tests/fuzz/pending/ not replayed (FUZZ_PENDING=1 to replay)"
fi
[ "$failed" -eq 0 ]
