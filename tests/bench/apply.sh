#!/bin/sh
# Rooms as code at scale (issue 17): a generated rooms document of N
# rooms (default 10,000; each with a name, a description, three
# affiliations, one with a reserved nick, and archive settings) applied
# to a running mucd, then applied again (nothing to change), then
# exported; and the same first apply offline on an empty database.
#
#   sh tests/bench/apply.sh [MUCD [MUCCTL [N]]]     (make bench-apply)
#
# Prints the wall time of each step and rooms per second. A private
# Prosody (tests/fixture) is started with MUCD attached; KEEP=1 keeps
# the files.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
mucd=$(cd "$(dirname "${1:-mucd/mucd}")" && pwd)/$(basename "${1:-mucd/mucd}")
mucctl=$(cd "$(dirname "${2:-mucctl/mucctl}")" && pwd)/$(basename "${2:-mucctl/mucctl}")
n=${3:-10000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mucd-apply.XXXXXX") || exit 1
cleanup() {
	sh "$root/tests/fixture/mucd.sh" stop "$dir" > /dev/null 2>&1
	sh "$root/tests/fixture/prosody.sh" stop "$dir" > /dev/null 2>&1
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
export MUCCTL_MUCD="$mucd"

/usr/bin/python3 - "$n" > "$dir/rooms.json" <<'PY'
import json, sys
n = int(sys.argv[1])
rooms = []
for i in range(n):
    rooms.append({
        "jid": "room%05d" % i,
        "config": {"name": "Room %d" % i,
                   "description": "Generated room number %d" % i,
                   "public": i % 2 == 0, "members_only": i % 3 == 0,
                   "archiving": True, "archive_days": 90},
        "subject": "Topic %d" % i,
        "affiliations": [
            {"jid": "owner%d@example.org" % (i % 97), "affiliation": "owner"},
            {"jid": "member%d@example.org" % i, "affiliation": "member",
             "nick": "Member %d" % i},
            {"jid": "spammer%d@example.net" % (i % 13),
             "affiliation": "outcast", "reason": "spam"}]})
print(json.dumps({"format": "mucd-rooms/1", "rooms": rooms}))
PY

sh "$root/tests/fixture/prosody.sh" start "$dir" component > /dev/null ||
	{ echo "prosody did not start" >&2; exit 1; }
sh "$root/tests/fixture/mucd.sh" start "$dir" "$mucd" > /dev/null ||
	{ echo "mucd did not start" >&2; exit 1; }
mc() { "$mucctl" -c "$dir/mucd.conf" "$@"; }

# step NAME CMD...: run, print the time and the rate.
step() {
	_name=$1
	shift
	_t0=$(date +%s.%N)
	"$@" > "$dir/out" 2> "$dir/err" || { echo "$_name failed:" >&2;
		tail -n 5 "$dir/err" >&2; exit 1; }
	_t1=$(date +%s.%N)
	echo "$_t0 $_t1 $n $_name" | awk '{ s = $2 - $1; $1 = $2 = "";
		name = substr($0, length($3) + 4);
		printf "%-28s %8.2f s  %8.0f rooms/s\n", name, s, $3 / s }'
}

echo "rooms document: $n rooms, $(wc -c < "$dir/rooms.json") bytes"
step "apply (online, new)" mc apply "$dir/rooms.json"
tail -n 1 "$dir/out"
step "apply again (no change)" mc apply "$dir/rooms.json"
tail -n 1 "$dir/out"
step "export" mc export
echo "mucd rss after: $(ps -o rss= -p "$(pgrep -f "$dir/mucd.conf" |
	head -n 1)") KiB"
sh "$root/tests/fixture/mucd.sh" stop "$dir" > /dev/null 2>&1
mkdir "$dir/offline"
step "apply (offline, new)" mc -D "$dir/offline" apply "$dir/rooms.json"
tail -n 1 "$dir/out"
