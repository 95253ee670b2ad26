#!/bin/sh
# tests/package/check.sh: the Debian package end to end ("make
# check-package"). Needs root and a machine without mucd installed; it
# leaves the machine as it found it.
#
#   1. build the .deb (make deb) and run lintian on it (no errors allowed)
#   2. install it with apt-get, check the account, modes, conffile, unit,
#      manuals, "mucd -t" refusing the shipped configuration's placeholder
#      secret, systemd-analyze
#   3. start a private Prosody (tests/fixture/prosody.sh, component mode),
#      point /etc/mucd/mucd.conf at it as an operator would (domain, port,
#      secret), and start the installed mucd as the unit does, without
#      systemctl: /run/mucd created like RuntimeDirectory=, the unit's
#      ExecStartPre and ExecStart run as its User/Group with its UMask, no
#      new privileges, a clean environment and a NOTIFY_SOCKET we listen on
#   4. as root: mucctl status (link up), room create, rooms; an XMPP client
#      gets a disco#info answer; ExecReload; mucctl backup; SIGTERM
#      stops it cleanly; a backup restored as mucd(8) says comes back
#      with the room
#   5. apt-get purge, and check that nothing is left
#
# Every check prints "PASS <label>" or "FAIL <label>"; the last line is
# "N passed, M failed" and the exit status is 0 iff M is 0.
#
# Environment:
#   MUCD_DEB=file  test this .deb instead of building one
#   KEEP=1         keep the work directory (logs) and print its path
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
FIXTURE=$ROOT/tests/fixture
SCSRUN=$ROOT/tests/bin/scsrun
export SCSRUN
. "$FIXTURE/proc.sh"

VERSION=$(sed -n 's/^VERSION *:= *//p' GNUmakefile)
CONF=/etc/mucd/mucd.conf
BACKUPS=/var/backups/mucd
DOMAIN=conference.localhost
PY=/usr/bin/python3

PASSED=0
FAILED=0
WORK=
INSTALLED=
MUCD_ID=
T0=$(date +%s)

pass() {
	echo "PASS $1"
	PASSED=$((PASSED + 1))
}

# fail LABEL [DETAILS_FILE]
fail() {
	echo "FAIL $1"
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		tail -n 40 "$2" | sed 's/^/  | /'
	fi
	FAILED=$((FAILED + 1))
}

# check LABEL COMMAND...: run it, output kept in $WORK/last.
check() {
	_label=$1
	shift
	if "$@" > "$WORK/last" 2>&1; then
		pass "$_label"
		return 0
	fi
	fail "$_label" "$WORK/last"
	return 1
}

# expect LABEL ACTUAL WANTED
expect() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		echo "  wanted '$3', got '$2'" > "$WORK/last"
		fail "$1" "$WORK/last"
	fi
}

note() {
	echo "  $*"
}

# Stop what we started, remove what we installed. Idempotent.
cleanup() {
	[ -n "$WORK" ] || return 0
	stop_mucd > /dev/null 2>&1
	sh "$FIXTURE/prosody.sh" stop "$WORK/prosody" > /dev/null 2>&1
	[ -n "${NOTIFY_PID:-}" ] && kill "$NOTIFY_PID" 2> /dev/null
	if [ -n "$INSTALLED" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y mucd \
			> "$WORK/purge-cleanup.log" 2>&1
		INSTALLED=
	fi
	[ -n "${BACKUPS_OURS:-}" ] && rm -rf "$BACKUPS"
	if [ -n "${KEEP:-}" ]; then
		echo "check-package: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	WORK=
}

summary() {
	echo "check-package: $(($(date +%s) - T0)) s"
	cleanup
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

abort() {
	fail "$1" "${2:-}"
	summary
	exit 1
}

trap 'echo "check-package: interrupted"; FAILED=$((FAILED + 1)); summary; exit 130' INT TERM
trap 'cleanup > /dev/null 2>&1; exit 129' HUP

# --- 0. preconditions ------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "check-package: must run as root" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mucd-pkg.XXXXXX") || exit 1
# mucd (as _mucd) reaches the notify socket in here.
chmod 0755 "$WORK"

if dpkg-query -W -f='${Status}' mucd 2> /dev/null | grep -q 'installed'; then
	echo "  mucd is installed on this machine: 'apt-get purge mucd' first" \
		> "$WORK/last"
	abort "precondition: mucd not installed" "$WORK/last"
fi
for f in /usr/sbin/mucd /usr/sbin/mucctl /etc/mucd /var/lib/mucd /run/mucd; do
	if [ -e "$f" ]; then
		echo "  $f exists: not a clean machine" > "$WORK/last"
		abort "precondition: no mucd files" "$WORK/last"
	fi
done
if getent passwd _mucd > /dev/null || getent group _mucd > /dev/null; then
	echo "  user or group _mucd exists: not a clean machine" > "$WORK/last"
	abort "precondition: no _mucd account" "$WORK/last"
fi
[ -e "$BACKUPS" ] || BACKUPS_OURS=1

# --- 1. build and lint -----------------------------------------------------

if [ -n "${MUCD_DEB:-}" ]; then
	DEB=$MUCD_DEB
else
	if make --no-print-directory deb > "$WORK/deb.log" 2>&1; then
		pass "make deb"
	else
		abort "make deb" "$WORK/deb.log"
	fi
	DEB=$(ls dist/mucd_"$VERSION"_*.deb 2> /dev/null | head -n 1)
fi
[ -n "$DEB" ] && [ -f "$DEB" ] || abort "the .deb exists (dist/mucd_${VERSION}_*.deb)"
case $DEB in /*) ;; *) DEB=$ROOT/$DEB ;; esac
note "package: $DEB"
[ -d "$ROOT/debian" ] && fail "no ./debian left in the tree"

if command -v lintian > /dev/null; then
	lintian --info --fail-on error "$DEB" > "$WORK/lintian.log" 2>&1
	rc=$?
	sed 's/^/  lintian: /' "$WORK/lintian.log" | grep -v '^  lintian: N:' |
		head -n 40
	if [ $rc -eq 0 ]; then
		pass "lintian: no errors"
	else
		fail "lintian: no errors" "$WORK/lintian.log"
	fi
else
	fail "lintian installed (make deps-package)"
fi

make --no-print-directory tests/bin/scsrun > "$WORK/scsrun.log" 2>&1 ||
	abort "build tests/bin/scsrun" "$WORK/scsrun.log"

# --- 2. install ------------------------------------------------------------

# No daemon on this machine is started by the install (no systemd here,
# and the unit is --no-start anyway).
if DEBIAN_FRONTEND=noninteractive apt-get install -y "$DEB" \
    > "$WORK/install.log" 2>&1; then
	INSTALLED=1
	pass "apt-get install ./$(basename "$DEB")"
else
	INSTALLED=1
	abort "apt-get install ./$(basename "$DEB")" "$WORK/install.log"
fi

expect "dpkg: mucd installed" \
	"$(dpkg-query -W -f='${Status}' mucd)" "install ok installed"
check "mucd -V" sh -c "/usr/sbin/mucd -V | grep -qx 'mucd $VERSION'"
check "mucctl installed" test -x /usr/sbin/mucctl

# The account.
if getent passwd _mucd > /dev/null; then
	uid=$(id -u _mucd)
	if [ "$uid" -lt 1000 ]; then pass "_mucd is a system user (uid $uid)"
	else fail "_mucd is a system user (uid $uid)"; fi
	expect "_mucd's primary group is _mucd" "$(id -gn _mucd)" _mucd
	case $(getent passwd _mucd | cut -d: -f7) in
	*/nologin|/bin/false) pass "_mucd has no login shell" ;;
	*) fail "_mucd has no login shell" ;;
	esac
else
	abort "user _mucd created"
fi

expect "$CONF: 0640 root:_mucd" "$(stat -c '%a %U:%G' "$CONF")" "640 root:_mucd"
expect "/var/lib/mucd: 0750 _mucd:_mucd" \
	"$(stat -c '%a %U:%G' /var/lib/mucd)" "750 _mucd:_mucd"
expect "$BACKUPS: 0750 _mucd:_mucd" \
	"$(stat -c '%a %U:%G' "$BACKUPS")" "750 _mucd:_mucd"
check "$CONF is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' mucd |
	grep -q ' $CONF '"
for kv in 'user = _mucd' 'group = _mucd' 'datadir = /var/lib/mucd' \
    'control = /run/mucd/mucd.sock'; do
	check "$CONF: $kv" grep -qx "$kv" "$CONF"
done
# As installed, the secret is the placeholder: the service must not start
# before it is configured, and the error says which line to edit.
check "mucd -t -c $CONF (as installed) refuses the placeholder secret" sh -c \
	"! /usr/sbin/mucd -t -c $CONF > '$WORK/t.out' 2>&1 &&
	grep -q \"$CONF:[0-9]*: 'secret' is the example 'change-me'\" '$WORK/t.out'"
for m in man8/mucd.8 man5/mucd.conf.5 man8/mucctl.8; do
	check "manual /usr/share/man/$m.gz" test -f "/usr/share/man/$m.gz"
done
check "example in /usr/share/doc/mucd/examples" \
	test -f /usr/share/doc/mucd/examples/mucd.conf.example

UNIT=
for u in /lib/systemd/system/mucd.service /usr/lib/systemd/system/mucd.service; do
	[ -f "$u" ] && { UNIT=$u; break; }
done
[ -n "$UNIT" ] || abort "systemd unit installed"
pass "systemd unit installed ($UNIT)"
check "unit enabled (multi-user.target.wants)" \
	test -L /etc/systemd/system/multi-user.target.wants/mucd.service
if command -v systemd-analyze > /dev/null; then
	# "man:" Documentation= lookups fail without man-db's index: not ours.
	systemd-analyze verify "$UNIT" > "$WORK/verify.log" 2>&1
	grep -v "Command 'man " "$WORK/verify.log" > "$WORK/verify.real"
	if [ -s "$WORK/verify.real" ]; then
		fail "systemd-analyze verify" "$WORK/verify.real"
	else
		pass "systemd-analyze verify"
	fi
	if systemd-analyze security --offline=true "$UNIT" \
	    > "$WORK/security.log" 2>&1; then
		note "$(grep -i 'overall exposure' "$WORK/security.log")"
	fi
fi

# --- 3. configure and start as the unit would ------------------------------

unit_value() {
	sed -n "s/^$1=//p" "$UNIT"
}

if sh "$FIXTURE/prosody.sh" start "$WORK/prosody" component \
    > "$WORK/prosody.out" 2>&1; then
	pass "private Prosody started"
else
	abort "private Prosody started" "$WORK/prosody.out"
fi
. "$WORK/prosody/env"

# What an operator edits: the domain, the port, the secret.
sed -i -e "s|^domain *=.*|domain = $DOMAIN|" \
	-e "s|^port *=.*|port = $COMPONENT_PORT|" \
	-e "s|^secret *=.*|secret = $COMPONENT_SECRET|" \
	-e "s|^server *=.*|server = 127.0.0.1|" "$CONF"
grep -q "^admins *=" "$CONF" || echo "admins = admin@localhost" >> "$CONF"
expect "$CONF still 0640 root:_mucd after editing" \
	"$(stat -c '%a %U:%G' "$CONF")" "640 root:_mucd"

USER_=$(unit_value User)
GROUP_=$(unit_value Group)
UMASK_=$(unit_value UMask)
PRE=$(unit_value ExecStartPre)
START=$(unit_value ExecStart)
expect "unit ExecStart" "$START" "/usr/sbin/mucd -f -c /etc/mucd/mucd.conf"
expect "unit User/Group" "$USER_:$GROUP_" "_mucd:_mucd"

# RuntimeDirectory=mucd, RuntimeDirectoryMode=; StateDirectory=mucd.
install -d -o "$USER_" -g "$GROUP_" -m "$(unit_value RuntimeDirectoryMode)" \
	/run/mucd
chown "$USER_:$GROUP_" /var/lib/mucd

# A notify socket, as systemd gives a Type=notify service.
NOTIFY=$WORK/notify.sock
NOTIFY_PID=
if [ -x "$PY" ]; then
	"$PY" -u -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a") as log:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        for line in msg.splitlines():
            print(line, file=log, flush=True)
' "$NOTIFY" "$WORK/notify.log" > "$WORK/notify.err" 2>&1 &
	NOTIFY_PID=$!
	i=0
	while [ ! -S "$NOTIFY" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi

# Exec a unit command line as the unit would: its user and groups, umask,
# no new privileges, nothing inherited from our environment. Call it in a
# subshell: it replaces the process, so "( exec_unit ... ) &" leaves $! the
# pid of the command itself, as systemd's MAINPID.
exec_unit() {
	umask "${UMASK_:-0022}"
	cd / || exit 1
	exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		${NOTIFY_PID:+NOTIFY_SOCKET=$NOTIFY} \
		setpriv --reuid="$USER_" --regid="$GROUP_" --init-groups \
		--no-new-privs -- "$@"
}

# start_mucd: ExecStartPre, then ExecStart in the background; a waiting
# subshell keeps its exit status in $WORK/mucd.exit.
start_mucd() {
	set -f
	# shellcheck disable=SC2086
	( exec_unit $PRE ) > "$WORK/execstartpre.log" 2>&1 || { set +f; return 1; }
	rm -f "$WORK/mucd.exit" "$WORK/mucd.id"
	(
		# shellcheck disable=SC2086
		( exec_unit $START ) >> "$WORK/mucd.log" 2>&1 < /dev/null &
		pid=$!
		proc_id $pid > "$WORK/mucd.id"
		wait $pid
		echo $? > "$WORK/mucd.exit"
	) > /dev/null 2>&1 < /dev/null &
	set +f
	i=0
	while [ ! -s "$WORK/mucd.id" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	MUCD_ID=$(cat "$WORK/mucd.id" 2> /dev/null)
	[ -n "$MUCD_ID" ]
}

# stop_mucd: KillSignal=SIGTERM, TimeoutStopSec=; 0 iff it exited 0.
stop_mucd() {
	[ -n "$MUCD_ID" ] || return 0
	proc_alive "$MUCD_ID" && kill -TERM "${MUCD_ID%% *}"
	proc_wait_gone "$MUCD_ID" 30 || { kill -KILL "${MUCD_ID%% *}"; sleep 0.5; }
	MUCD_ID=
	i=0
	while [ ! -s "$WORK/mucd.exit" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(cat "$WORK/mucd.exit" 2> /dev/null)" = 0 ]
}

# wait_for SECONDS COMMAND...: retry until it succeeds.
wait_for() {
	_n=$(($1 * 5))
	shift
	while [ $_n -gt 0 ]; do
		"$@" > "$WORK/last" 2>&1 && return 0
		proc_alive "$MUCD_ID" || return 1
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}

if start_mucd; then
	pass "ExecStartPre and ExecStart as $USER_"
else
	cat "$WORK/execstartpre.log" "$WORK/mucd.log" > "$WORK/last" 2>/dev/null
	abort "ExecStartPre and ExecStart as $USER_" "$WORK/last"
fi

if wait_for 10 test -S /run/mucd/mucd.sock; then
	pass "control socket created"
else
	abort "control socket created" "$WORK/mucd.log"
fi
expect "control socket 0660 _mucd:_mucd" \
	"$(stat -c '%a %U:%G' /run/mucd/mucd.sock)" "660 _mucd:_mucd"
if [ -n "$NOTIFY_PID" ]; then
	if wait_for 10 grep -qx READY=1 "$WORK/notify.log"; then
		pass "sd_notify READY=1"
	else
		fail "sd_notify READY=1" "$WORK/mucd.log"
	fi
fi
pid=${MUCD_ID%% *}
expect "mucd runs as $USER_" \
	"$(awk '/^Uid:/ { print $2 "," $3 "," $4 "," $5 }' "/proc/$pid/status")" \
	"$(id -u "$USER_"),$(id -u "$USER_"),$(id -u "$USER_"),$(id -u "$USER_")"
expect "mucd has no capabilities" \
	"$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000000000
check "no pid file in the foreground" test ! -e /run/mucd/mucd.pid

# --- 4. use it --------------------------------------------------------------

# mucctl status: link state up once the component is connected.
status_up() {
	/usr/sbin/mucctl --json status > "$WORK/status.out" 2>&1 &&
		tr -d ' \n' < "$WORK/status.out" | grep -q '"link":{[^}]*"state":"up"'
}
if wait_for 15 status_up; then
	pass "mucctl status (as root): link up"
else
	cat "$WORK/status.out" "$WORK/mucd.log" > "$WORK/last" 2> /dev/null
	fail "mucctl status (as root): link up" "$WORK/last"
fi
if [ -n "$NOTIFY_PID" ]; then
	check "sd_notify STATUS=connected" grep -qx STATUS=connected \
		"$WORK/notify.log"
fi

check "mucctl status (human output)" /usr/sbin/mucctl status
sed 's/^/  | /' "$WORK/last"
check "mucctl room create pkgtest" /usr/sbin/mucctl room create pkgtest
check "mucctl rooms lists pkgtest" sh -c \
	"/usr/sbin/mucctl rooms | grep -q 'pkgtest@$DOMAIN'"

check "XMPP client: disco#info of $DOMAIN" "$SCSRUN" --probe "$DOMAIN" \
	--port "$C2S_PORT" --timeout 5

# Others are kept out of the control socket.
if [ -x "$PY" ]; then
	check "control socket refuses other users" setpriv --reuid=nobody \
		--regid=nogroup --clear-groups -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect("/run/mucd/mucd.sock")
except PermissionError:
    sys.exit(0)
sys.exit("connected")'
fi

# ExecReload: the check, then SIGHUP.
reload_ok() {
	grep -q 'configuration reloaded' "$WORK/mucd.log"
}
set -f
# shellcheck disable=SC2046
if ( exec_unit $(sed -n 's/^ExecReload=//p' "$UNIT" | head -n 1) ) \
    > "$WORK/reload.out" 2>&1 && kill -HUP "$pid" && wait_for 5 reload_ok &&
    /usr/sbin/mucctl status > /dev/null 2>&1; then
	pass "ExecReload (mucd -t, SIGHUP): reloaded, still serving"
else
	cat "$WORK/reload.out" "$WORK/mucd.log" > "$WORK/last" 2> /dev/null
	fail "ExecReload (mucd -t, SIGHUP): reloaded, still serving" "$WORK/last"
fi
set +f

# Backups as mucd(8) describes them.
BK=$BACKUPS/pkgtest-mucctl
if check "mucctl backup $BK" /usr/sbin/mucctl backup "$BK"; then
	check "backup holds rooms.db, owned by _mucd" sh -c \
		"test -f $BK/rooms.db && test \"\$(stat -c %U $BK/rooms.db)\" = _mucd"
fi
check "no root-owned file in /var/lib/mucd" sh -c \
	"test -z \"\$(find /var/lib/mucd ! -user _mucd)\""

# SIGTERM: clean stop.
if stop_mucd; then
	pass "SIGTERM: mucd exits 0"
else
	echo "  exit status: $(cat "$WORK/mucd.exit" 2>/dev/null)" > "$WORK/last"
	tail -n 20 "$WORK/mucd.log" >> "$WORK/last"
	fail "SIGTERM: mucd exits 0" "$WORK/last"
fi
check "control socket removed on exit" test ! -e /run/mucd/mucd.sock
[ -n "$NOTIFY_PID" ] &&
	check "sd_notify STOPPING=1" grep -qx STOPPING=1 "$WORK/notify.log"

# Restore, as mucd(8) says: stop, replace the data directory, start.
if [ -d "$BK" ]; then
	mv /var/lib/mucd "$WORK/datadir.old"
	cp -a "$BK" /var/lib/mucd
	chown -R _mucd:_mucd /var/lib/mucd
	chmod 0750 /var/lib/mucd
	rm -f "$WORK/notify.log"
	if start_mucd && wait_for 15 status_up &&
	    /usr/sbin/mucctl rooms 2>&1 | grep -q "pkgtest@$DOMAIN"; then
		pass "restore from the mucctl backup: pkgtest is back"
	else
		tail -n 30 "$WORK/mucd.log" > "$WORK/last"
		fail "restore from the mucctl backup: pkgtest is back" "$WORK/last"
	fi
	stop_mucd || fail "SIGTERM after the restore: mucd exits 0"
fi

sh "$FIXTURE/prosody.sh" stop "$WORK/prosody" > /dev/null 2>&1
[ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2> /dev/null
NOTIFY_PID=
rm -rf /run/mucd	# RuntimeDirectory= goes away when the service stops

# --- 5. purge ---------------------------------------------------------------

if DEBIAN_FRONTEND=noninteractive apt-get purge -y mucd \
    > "$WORK/purge.log" 2>&1; then
	INSTALLED=
	pass "apt-get purge mucd"
else
	fail "apt-get purge mucd" "$WORK/purge.log"
fi
check "dpkg: mucd gone" sh -c "! dpkg-query -W -f='\${Status}' mucd 2>/dev/null |
	grep -q installed"
for f in /usr/sbin/mucd /usr/sbin/mucctl /etc/mucd /var/lib/mucd /run/mucd \
    /etc/systemd/system/multi-user.target.wants/mucd.service "$UNIT"; do
	check "purged: $f" test ! -e "$f"
done
check "purged: user and group _mucd" sh -c \
	'! getent passwd _mucd && ! getent group _mucd'
if [ -n "${BACKUPS_OURS:-}" ] && [ -d "$BACKUPS" ]; then
	expect "purge keeps backups, given to root" \
		"$(stat -c '%U:%G' "$BACKUPS")" "root:root"
fi

summary
