#!/bin/sh
# Issue 13's measurements (items 1, 4, 10) against any mucd binary, so
# the same run can be made on main's build and on this one:
#
#   sh tests/bench/limits.sh MUCD MUCCTL DRIVER [DRIVER OPTIONS]
#
# DRIVER is oversized, biglist or fanout (tests/t/limits/DRIVER.py; their
# headers say what each measures and its options). A private Prosody
# (tests/fixture) is started with MUCD attached as conference.localhost;
# MUCD_CONF_EXTRA adds mucd.conf lines. Prints the driver's report,
# mucd's RSS at start and at the end, and how often mucd.log shows the
# link reconnecting; KEEP=1 keeps the files.
#
# Examples (the issue's scale):
#   sh tests/bench/limits.sh mucd/mucd mucctl/mucctl oversized
#   sh tests/bench/limits.sh mucd/mucd mucctl/mucctl biglist
#   sh tests/bench/limits.sh mucd/mucd mucctl/mucctl fanout \
#       --occupants 300 --senders 10 --rate 10 --size 2000 --seconds 30
set -u
[ $# -ge 3 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
mucd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mucctl=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
driver=$3
shift 3
dir=$(mktemp -d "${TMPDIR:-/tmp}/mucd-limits.XXXXXX") || exit 1
cleanup() {
	sh "$root/tests/fixture/mucd.sh" stop "$dir" > /dev/null 2>&1
	sh "$root/tests/fixture/prosody.sh" stop "$dir" > /dev/null 2>&1
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
SCSRUN=${SCSRUN:-$root/tests/bin/scsrun}
export SCSRUN
sh "$root/tests/fixture/prosody.sh" start "$dir" component || exit 1
sh "$root/tests/fixture/mucd.sh" start "$dir" "$mucd" || exit 1
. "$dir/env"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$MUCD_PID/status"; }
rss0=$(rss)
case $driver in
oversized|fanout)
	/usr/bin/python3 "$root/tests/t/limits/$driver.py" "$C2S_PORT" \
	    "$MUCD_PID" "$mucctl" -c "$dir/mucd.conf" "$@" ;;
biglist)
	/usr/bin/python3 "$root/tests/t/limits/$driver.py" "$C2S_PORT" \
	    "$mucctl" -c "$dir/mucd.conf" "$@" ;;
*)
	echo "limits.sh: unknown driver $driver" >&2; exit 2 ;;
esac
rc=$?
echo "mucd RSS: $rss0 kB at start, $(rss) kB at the end"
echo "link reconnects in mucd.log: $(grep -c 'link: reconnecting' "$dir/mucd.log")"
exit $rc
