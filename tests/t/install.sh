#!/bin/sh
# make install into a DESTDIR with a PREFIX other than the default: the
# systemd unit starts the installed mucd on the configuration file that
# mucd and mucctl read by default (mucd -h, mucd -t, mucctl -h), where the
# example lands and the manuals say; mucctl's offline mode runs the
# installed mucd, and `import prosody` the installed exporter; PREFIX=/usr
# gives the packages' /usr/sbin, /etc and /usr/share. make uninstall then
# removes everything it wrote.
#
# It builds in a copy of the tree (sources and the objects make check has
# just built), so only what holds the paths is compiled again and the
# tree's own binaries keep theirs.
. "$(dirname "$0")/lib.sh"
t_setup

SRC=$T_DIR/src
mkdir -p "$SRC"
(cd "$T_ROOT" && tar -cf - GNUmakefile common mucd mucctl man packaging \
    mucd.conf.example $(ls -d obj 2>/dev/null)) | tar -C "$SRC" -xpf - ||
	t_fail "cannot copy the tree"

# install PREFIX DESTDIR: make install (quiet unless it fails).
install_to() {
	make -C "$SRC" -s PREFIX="$1" DESTDIR="$2" \
	    SYSTEMDUNITDIR=/lib/systemd/system install > "$T_DIR/make.out" 2>&1 ||
		{ cat "$T_DIR/make.out" >&2; t_fail "make install PREFIX=$1"; }
}

# check_paths PREFIX DESTDIR SBIN CONF: the installed files agree on where
# mucd is (SBIN), which configuration it reads (CONF) and where its
# Prosody module is (PREFIX/share/mucd/prosody, for Prosody's
# plugin_paths, as mucd(8) says).
check_paths() {
	d=$2 sbin=$3 conf=$4
	unit=$d/lib/systemd/system/mucd.service
	moddir=$1/share/mucd/prosody
	for f in "$d$sbin/mucd" "$d$sbin/mucctl" "$unit" \
	    "$d${conf%/*}/mucd.conf.example" "$d$1/share/man/man8/mucd.8" \
	    "$d$1/share/man/man8/mucctl.8" "$d$1/share/man/man5/mucd.conf.5" \
	    "$d$1/share/bash-completion/completions/mucctl" \
	    "$d$1/share/mucd/mucd-import.lua" \
	    "$d$moddir/mod_mucd_multicast.lua"; do
		[ -f "$f" ] || t_fail "PREFIX=$1: $f not installed"
	done
	grep -q -F "plugin_paths = { \"$moddir\" }" \
	    "$d$1/share/man/man8/mucd.8" ||
		t_fail "PREFIX=$1: mucd(8) does not name $moddir for plugin_paths"
	for what in "ExecStartPre=$sbin/mucd -t -c $conf" \
	    "ExecStart=$sbin/mucd -f -c $conf" \
	    "ExecReload=$sbin/mucd -t -c $conf"; do
		grep -q -x -F "$what" "$unit" ||
			t_fail "PREFIX=$1: the unit lacks '$what':" \
			    "$(grep ^Exec "$unit")"
	done
	"$d$sbin/mucd" -h 2>&1 | grep -q -F "(default $conf)" ||
		t_fail "PREFIX=$1: mucd -h does not name $conf:" \
		    "$("$d$sbin/mucd" -h 2>&1 | grep -e -c)"
	"$d$sbin/mucctl" -h 2>&1 | grep -q -F "(default $conf)" ||
		t_fail "PREFIX=$1: mucctl -h does not name $conf"
	"$d$sbin/mucctl" help import prosody | tr '\n' ' ' |
	    grep -q -F "($1/share/mucd/mucd-import.lua)" ||
		t_fail "PREFIX=$1: mucctl's import prosody does not run" \
		    "$1/share/mucd/mucd-import.lua"
	# Offline mode runs the installed mucd (not there without DESTDIR).
	if [ ! -e "$sbin/mucd" ]; then
		out=$(env -u MUCCTL_MUCD "$d$sbin/mucctl" -D "$T_DIR" rooms 2>&1)
		case $out in
		*"cannot run $sbin/mucd:"*) ;;
		*) t_fail "PREFIX=$1: offline mode does not run $sbin/mucd: $out" ;;
		esac
	fi
	# Nothing there: mucd -t must say which file it wanted.
	if [ ! -e "$conf" ]; then
		out=$("$d$sbin/mucd" -t 2>&1) &&
			t_fail "PREFIX=$1: mucd -t passed without $conf"
		case $out in
		*"$conf"*) ;;
		*) t_fail "PREFIX=$1: mucd -t does not name $conf: $out" ;;
		esac
	fi
	for f in "$d$1/share/man/man8/mucd.8" "$d$1/share/man/man8/mucctl.8" \
	    "$d$1/share/man/man5/mucd.conf.5"; do
		grep -q -F "$conf" "$f" ||
			t_fail "PREFIX=$1: ${f##*/} does not name $conf"
	done
	grep -q -F "$1/share/mucd/mucd-import.lua" \
	    "$d$1/share/man/man8/mucctl.8" ||
		t_fail "PREFIX=$1: mucctl.8 does not name" \
		    "$1/share/mucd/mucd-import.lua"
}

D=$T_DIR/root
install_to /opt/mucd-test "$D"
check_paths /opt/mucd-test "$D" /opt/mucd-test/sbin \
    /opt/mucd-test/etc/mucd/mucd.conf
grep -q -e '=/usr/sbin/' -e ' /etc/mucd/' \
    "$D/lib/systemd/system/mucd.service" &&
	t_fail "PREFIX=/opt/mucd-test: the unit still names /usr/sbin or /etc"

# An operator's configuration survives make uninstall; nothing else does.
echo "domain = conference.example.org" > "$D/opt/mucd-test/etc/mucd/mucd.conf"
make -C "$SRC" -s PREFIX=/opt/mucd-test DESTDIR="$D" \
    SYSTEMDUNITDIR=/lib/systemd/system uninstall > "$T_DIR/make.out" 2>&1 ||
	{ cat "$T_DIR/make.out" >&2; t_fail "make uninstall"; }
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./opt/mucd-test/etc/mucd/mucd.conf" ] ||
	t_fail "make uninstall left: $left"

# The packages' layout.
D=$T_DIR/usr
install_to /usr "$D"
check_paths /usr "$D" /usr/sbin /etc/mucd/mucd.conf
t_done
