#!/bin/sh
# The daemon's structure, from its object files (what the linker sees, so
# no comment or macro can hide a call):
#   - dependencies between the files of mucd/ run one way: no cycle;
#   - one way out to the link: only mucd.c calls link_send*;
#   - the wiring (lifecycle.c, main.c, maintenance.c) is called by nothing
#     else in mucd/.
set -u
cd "$(dirname "$0")/../.." || exit 1
OBJ=obj-san/mucd
[ -f "$OBJ/mucd.o" ] || { echo "layering: $OBJ not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/layering.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fail=0

# "file symbol" for each definition and each use.
for o in "$OBJ"/*.o; do
	f=$(basename "$o" .o)
	nm "$o" | awk -v f="$f" '$2 ~ /^[TDBR]$/ { print f, $3 }' >> "$T/defs"
	nm "$o" | awk -v f="$f" '$1 == "U" { print f, $2 }' >> "$T/uses"
done
# "user provider" edges between distinct files.
awk 'NR == FNR { def[$2] = $1; next }
    ($2 in def) && def[$2] != $1 { print $1, def[$2] }' \
	"$T/defs" "$T/uses" | sort -u > "$T/edges"
[ "$(wc -l < "$T/edges")" -ge 50 ] ||
	{ echo "layering: too few dependencies found; nm output changed?"; exit 1; }

if tsort "$T/edges" > /dev/null 2> "$T/loops"; then
	echo "ok   no dependency cycle among $(ls "$OBJ"/*.o | wc -l) files"
else
	echo "FAIL dependency cycle in mucd/:"
	sed 's/^/  | /' "$T/loops"
	fail=1
fi

senders=$(awk '$2 ~ /^link_send/ { print $1 }' "$T/uses" | sort -u |
	tr '\n' ' ')
if [ "$senders" = "mucd " ]; then
	echo "ok   only mucd.c sends on the link"
else
	echo "FAIL files that call link_send* directly: $senders"
	fail=1
fi

for top in lifecycle main maintenance; do
	callers=$(awk -v t="$top" '$2 == t { print $1 }' "$T/edges" |
		grep -v -x -e main -e lifecycle -e maintenance | tr '\n' ' ')
	if [ -z "$callers" ]; then
		echo "ok   nothing below calls $top.c"
	else
		echo "FAIL $top.c is called by: $callers"
		fail=1
	fi
done
exit $fail
