#!/bin/sh
# Issue 13 item 4 through a real Prosody: a member list of 6,500 JIDs of
# 50 characters (572 KB) is over Prosody's 512 KiB component limit. With
# max_affiliations at its default the additions past it are refused with
# not-allowed and the list arrives; without a cap (after a reload) all of
# 12,000 are accepted, as in the issue, and the list (1 MB; main's mucd
# wrote it and Prosody closed the link) is refused with
# resource-constraint instead. The link never drops. Driver:
# tests/t/limits/biglist.py.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
t_start_prosody component
cap=2000
export MUCD_CONF_EXTRA="max_affiliations = $cap"
t_start_mucd
. "$T_DIR/env"
mc() { "$T_ROOT/mucctl/mucctl" -c "$T_DIR/mucd.conf" "$@"; }
/usr/bin/python3 "$T_ROOT/tests/t/limits/biglist.py" "$C2S_PORT" \
	"$T_ROOT/mucctl/mucctl" -c "$T_DIR/mucd.conf" --cap "$cap" \
	> "$T_DIR/capped.out" 2>&1
rc=$?
cat "$T_DIR/capped.out"
[ "$rc" -eq 0 ] || t_fail "with max_affiliations: see above"
sed -i 's/^max_affiliations = .*/max_affiliations = 0/' "$T_DIR/mucd.conf"
mc reload > /dev/null || t_fail "reload failed"
/usr/bin/python3 "$T_ROOT/tests/t/limits/biglist.py" "$C2S_PORT" \
	"$T_ROOT/mucctl/mucctl" -c "$T_DIR/mucd.conf" --members 12000 \
	> "$T_DIR/open.out" 2>&1
rc=$?
cat "$T_DIR/open.out"
[ "$rc" -eq 0 ] || t_fail "without max_affiliations: see above"
grep -q 'link: reconnecting' "$T_DIR/mucd.log" &&
	t_fail "mucd.log shows a reconnect"
t_done
