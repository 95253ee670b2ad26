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
. "$(dirname "$0")/limits/lib.sh"

t_setup
t_start_prosody component
cap=2000
export MUCD_CONF_EXTRA="max_affiliations = $cap"
t_start_mucd
. "$T_DIR/env"
mc() { "$T_ROOT/mucctl/mucctl" -c "$T_DIR/mucd.conf" "$@"; }
limits_drive capped.out biglist "$T_ROOT/mucctl/mucctl" \
	-c "$T_DIR/mucd.conf" --cap "$cap"
sed -i 's/^max_affiliations = .*/max_affiliations = 0/' "$T_DIR/mucd.conf"
mc reload > /dev/null || t_fail "reload failed"
limits_drive open.out biglist "$T_ROOT/mucctl/mucctl" \
	-c "$T_DIR/mucd.conf" --members 12000
limits_link_kept
t_done
