#!/bin/sh
# mucd and mucctl build without a single warning under the Debian
# package's flags (dpkg-buildflags with hardening=+all, CPPFLAGS folded in
# as packaging/debian/rules does, upstream's -Werror kept: the package
# adds -Wno-error, so a warning there would go unseen), the verbose build
# log shows the hardening flags on every command, the binaries come out
# PIE with full RELRO, and the package builds with V=1 so that its log
# does too.
. "$(dirname "$0")/lib.sh"
t_setup

command -v dpkg-buildflags > /dev/null ||
	t_fail "dpkg-buildflags not found (make deps installs dpkg-dev)"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CF="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LF=$(dpkg-buildflags --get LDFLAGS)
case "$CF $LF" in
*-D_FORTIFY_SOURCE=*-z,relro*) ;;
*) t_fail "dpkg-buildflags gives no hardening flags: $CF $LF" ;;
esac

SRC=$T_DIR/src
mkdir -p "$SRC"
(cd "$T_ROOT" && tar -cf - GNUmakefile common mucd mucctl man packaging \
    mucd.conf.example) | tar -C "$SRC" -xf - || t_fail "cannot copy the tree"
make -C "$SRC" -j2 V=1 CFLAGS="$CF" LDFLAGS="$LF" mucd/mucd mucctl/mucctl \
    > "$T_DIR/build.log" 2>&1 || {
	grep -E -A6 'error:|warning:' "$T_DIR/build.log" | head -n 40 >&2
	t_fail "the build fails with the package's flags (above)"
}
grep -q -i 'warning' "$T_DIR/build.log" && {
	grep -i -A4 'warning' "$T_DIR/build.log" | head -n 20 >&2
	t_fail "the build warns with the package's flags"
}

# V=1 shows each command in full, with the flags that matter.
grep -E '(^| )-c -o obj/' "$T_DIR/build.log" > "$T_DIR/compiles"
n=$(wc -l < "$T_DIR/compiles")
[ "$n" -ge 40 ] || t_fail "V=1: only $n compiler commands in the log"
grep -v -e '-D_FORTIFY_SOURCE=' -e '-fstack-protector-strong' \
    "$T_DIR/compiles" | grep -q . &&
	t_fail "V=1: a compiler command without the hardening flags"
[ "$(grep -c -e '-o mucd/mucd ' -e '-o mucctl/mucctl ' \
    "$T_DIR/build.log")" -eq 2 ] || t_fail "V=1: the link commands are not shown"
grep -e '-o mucd/mucd ' -e '-o mucctl/mucctl ' "$T_DIR/build.log" |
    grep -v -e '-z,now' | grep -q . &&
	t_fail "V=1: a link command without the hardening flags"

for b in mucd/mucd mucctl/mucctl; do
	readelf -h "$SRC/$b" | grep -q 'Type: *DYN' || t_fail "$b is not PIE"
	readelf -l "$SRC/$b" | grep -q GNU_RELRO || t_fail "$b has no RELRO"
	readelf -d "$SRC/$b" | grep -q -E 'BIND_NOW|FLAGS.*NOW' ||
		t_fail "$b is not bound now (partial RELRO)"
done

# What debian/rules has dh_auto_build run.
cp -R "$SRC/packaging/debian" "$SRC/debian"
(cd "$SRC" && make -n -f debian/rules override_dh_auto_build) \
    > "$T_DIR/rules.out" 2>&1 || { cat "$T_DIR/rules.out" >&2
	t_fail "make -n -f debian/rules override_dh_auto_build"; }
grep -q '^dh_auto_build -- .*V=1' "$T_DIR/rules.out" ||
	t_fail "debian/rules does not build with V=1: $(head -n 1 "$T_DIR/rules.out")"
t_done
