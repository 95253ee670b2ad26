#!/bin/sh
# An interrupted backup: mucd is killed (SIGKILL) while it writes the
# copy — at its third file, deterministically (tests/t/backup/killopen.c
# holds the open(2) and kills the process). No directory that looks like
# a backup is left at the target, and a retry to the same target works
# and gives a copy that opens, with the room in it.
# Needs root (a tmpfs for the target, fanotify); skipped otherwise.
set -u
. "$(dirname "$0")/lib.sh"

MUCCTL=${MUCCTL:-$T_ROOT/mucctl/mucctl}
# Offline, mucctl runs mucd in maintenance mode.
export MUCCTL_MUCD="$MUCD"
t_setup
# The fixture's backup_dir, on a tmpfs of its own.
BK=$T_DIR/backups
mkdir -p "$BK"
if ! mount -t tmpfs -o size=64m tmpfs "$BK" 2>/dev/null; then
	echo "$T_NAME: SKIP: cannot mount a tmpfs here"
	exit 0
fi
cleanup_mount() {
	[ -n "${watcher:-}" ] && kill "$watcher" 2>/dev/null
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
	umount "$BK" 2>/dev/null || umount -l "$BK"
	t_cleanup
}
trap cleanup_mount EXIT
cc -O1 -o "$T_DIR/ctl" "$T_ROOT/tests/t/crash/ackstorm.c" ||
	t_fail "cannot build the control client"
cc -O1 -o "$T_DIR/killopen" "$T_ROOT/tests/t/backup/killopen.c" ||
	t_fail "cannot build killopen"
ctl() {
	printf '%s\n' "$1" | "$T_DIR/ctl" "$T_DIR/mucd.sock" -
}

t_start_prosody component
t_start_mucd
ctl '{"id":1,"cmd":"room.create","args":{"room":"kept","config":{"persistent":"yes"}}}' |
	grep -q '"ok":true' || t_fail "room.create failed"
i=0
while [ $i -lt 50 ]; do
	ctl "{\"id\":2,\"cmd\":\"affiliation.set\",\"args\":{\"room\":\"kept\",\"jid\":\"m$i@example.org\",\"affiliation\":\"member\"}}" |
		grep -q '"ok":true' || t_fail "affiliation.set failed"
	i=$((i + 1))
done

. "$T_DIR/env"
"$T_DIR/killopen" "$BK" "$MUCD_PID" 3 "$T_DIR/watching" \
	2> "$T_DIR/killopen.err" &
watcher=$!
i=0
while [ ! -e "$T_DIR/watching" ]; do
	if ! kill -0 "$watcher" 2>/dev/null; then
		wait "$watcher"
		[ $? -eq 2 ] && { echo "$T_NAME: SKIP: no fanotify here"; exit 0; }
		t_fail "killopen: $(cat "$T_DIR/killopen.err")"
	fi
	i=$((i + 1))
	[ $i -lt 100 ] || t_fail "killopen never started watching"
	sleep 0.1
done
ctl "{\"id\":3,\"cmd\":\"backup\",\"args\":{\"dir\":\"$BK/b1\"}}" \
	> "$T_DIR/backup1.json"
wait "$watcher" ||
	t_fail "mucd was not killed during the backup: $(cat "$T_DIR/killopen.err")"
watcher=
grep -q '"ok":true' "$T_DIR/backup1.json" &&
	t_fail "a backup killed half way was acknowledged"
sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
t_check_log
[ -e "$BK/b1" ] &&
	t_fail "the interrupted backup left $BK/b1: $(ls "$BK/b1" | tr '\n' ' ')"
echo "$T_NAME: killed at the third file; left: $(ls "$BK" | tr '\n' ' ')"

# The retry, to the same directory, over what the first one left.
t_start_mucd
ctl "{\"id\":4,\"cmd\":\"backup\",\"args\":{\"dir\":\"$BK/b1\"}}" \
	> "$T_DIR/backup2.json"
grep -q '"ok":true' "$T_DIR/backup2.json" ||
	t_fail "the retry failed: $(cat "$T_DIR/backup2.json")"
[ -e "$BK/b1.partial" ] && t_fail "the retry left $BK/b1.partial behind"
"$MUCCTL" -D "$BK/b1" --json affiliations kept@conference.localhost member > "$T_DIR/copy.json" \
	2>&1 || t_fail "the backup does not open: $(cat "$T_DIR/copy.json")"
n=$(grep -o '"m[0-9]*@example.org"' "$T_DIR/copy.json" | wc -l)
[ "$n" -eq 50 ] || t_fail "the backup has $n of the room's 50 members"
t_done
