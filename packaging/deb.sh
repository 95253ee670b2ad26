#!/bin/sh
# Build the Debian packages (what "make deb" runs).
#
# Copies the source tree (without build products) to a temporary directory,
# installs packaging/debian there as ./debian, runs
# "dpkg-buildpackage -us -uc -b" and copies the results to $DIST (default
# ./dist). The tree itself is never modified, except for $DIST.
#
# Environment: VERSION (the GNUmakefile's), DIST, KEEP=1 to keep the
# temporary directory (kept anyway when the build fails).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DIST=${DIST:-dist}
VERSION=${VERSION:-$(sed -n 's/^VERSION *:= *//p' GNUmakefile)}

die() {
	echo "deb.sh: $*" >&2
	exit 1
}

# Keep the versions in step.
debver=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
[ "${debver%%-*}" = "$VERSION" ] ||
	die "packaging/debian/changelog is at $debver, the GNUmakefile at $VERSION"
rpmver=$(sed -n 's/^Version: *//p' packaging/rpm/mucd.spec)
[ "$rpmver" = "$VERSION" ] ||
	die "packaging/rpm/mucd.spec is at $rpmver, the GNUmakefile at $VERSION"
[ ! -e debian ] || die "./debian exists: remove it (the packaging is in packaging/debian)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mucd-deb.XXXXXX")
cleanup() {
	if [ -n "${KEEP:-}" ]; then
		echo "deb.sh: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SRC=$TMP/mucd-$VERSION
mkdir -p "$SRC"
tar -C "$ROOT" -cf - \
	--exclude=./.git --exclude=./obj --exclude=./obj-san \
	--exclude=./tests/bin --exclude="./$DIST" --exclude=./dist \
	--exclude=./mucd/mucd --exclude=./mucctl/mucctl \
	--exclude=./packaging/systemd/mucd.service \
	--exclude='*.o' --exclude='*.d' --exclude='./bench/results*' . |
	tar -C "$SRC" -xf -
cp -R packaging/debian "$SRC/debian"

echo "deb.sh: building mucd $VERSION in $SRC"
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b) > "$TMP/build.log" 2>&1; then
	tail -n 60 "$TMP/build.log" >&2
	KEEP=1	# for the full log
	die "dpkg-buildpackage failed (full log: $TMP/build.log)"
fi

mkdir -p "$ROOT/$DIST"
rm -f "$ROOT/$DIST/mucd_${VERSION}_"* "$ROOT/$DIST/mucd-dbgsym_${VERSION}_"*
for f in "$TMP"/*.deb "$TMP"/*.ddeb "$TMP"/*.buildinfo "$TMP"/*.changes; do
	[ -e "$f" ] || continue
	cp "$f" "$ROOT/$DIST/"
	echo "deb.sh: $DIST/${f##*/}"
done
cp "$TMP/build.log" "$ROOT/$DIST/mucd_${VERSION}_build.log"
