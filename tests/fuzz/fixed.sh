#!/bin/sh
# tests/fuzz/fixed.sh: build the fuzz targets from a copy of the tree with
# the proposed fixes in tests/fuzz/fixes/*.patch applied, so a campaign can
# go past findings that are known but not fixed yet (a shallow crash that
# every run hits again hides everything behind it). The copy lives in
# tests/fuzz/work/fixed/ (or $FIXED_DIR); its binaries in
# <that>/tests/fuzz/bin. Do not rebuild a copy that a running fork-mode
# campaign executes from: use another FIXED_DIR. It also says which patches
# no longer apply to the current sources (fixed upstream, or to be redone).
#
#   sh tests/fuzz/fixed.sh            build
#   sh tests/fuzz/fixed.sh --check    only check that the patches apply
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dst=${FIXED_DIR:-$here/work/fixed}
rm -rf "$dst.new"
mkdir -p "$dst.new/tests/fuzz"
cp -r "$root/GNUmakefile" "$root/common" "$root/mucd" "$dst.new/"
cp "$here"/*.c "$here"/*.h "$here"/fuzz.mk "$dst.new/tests/fuzz/"
for p in "$here"/fixes/*.patch; do
	[ -f "$p" ] || continue
	if ! patch -s -p1 -d "$dst.new" --dry-run < "$p" > /dev/null; then
		echo "fixed.sh: $(basename "$p") no longer applies (fixed upstream?)" >&2
		continue
	fi
	patch -s -p1 -d "$dst.new" < "$p"
done
[ "${1:-}" = --check ] && { rm -rf "$dst.new"; exit 0; }
# Keep objects from an earlier build when the sources did not change.
if [ -d "$dst/tests/fuzz/obj" ]; then
	mv "$dst/tests/fuzz/obj" "$dst.new/tests/fuzz/obj"
	touch -d '1970-01-01' "$dst.new/tests/fuzz/obj" 2>/dev/null || :
fi
rm -rf "$dst"
mv "$dst.new" "$dst"
make -s -C "$dst" fuzz-build
echo "fixed.sh: binaries in $dst/tests/fuzz/bin"
