#!/bin/sh
# Issue 13 item 1 through a real Prosody: stanzas under Prosody's client
# limit that arrive over max_stanza_size once Prosody has escaped them
# (200,000 '"', 1.2 MB as &quot;), as a non-occupant IQ, as a room
# message, then 100 in a row: each gets its sender a policy-violation
# error; the link stays up (no reconnect, `connects` unchanged), another
# user's round trip in another room keeps working, RSS stays bounded.
# The driver, tests/t/limits/oversized.py, also serves as the
# measurement (see its header).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/limits/lib.sh"

t_setup
t_start_prosody component
# A small ASan quarantine, so RSS shows what mucd holds, not what ASan
# keeps of what it freed.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:quarantine_size_mb=8
t_start_mucd
. "$T_DIR/env"
limits_drive oversized.out oversized "$MUCD_PID" "$T_ROOT/mucctl/mucctl" \
	-c "$T_DIR/mucd.conf"
limits_link_kept
# Bounded: the parser's budget for the 1M limit is 12 MB; nothing else
# may grow with 120 MB of refused input.
growth=$(sed -n 's/^mucd RSS: .*(+\(-*[0-9]*\) kB).*/\1/p' "$T_DIR/oversized.out")
[ -n "$growth" ] && [ "$growth" -lt 32768 ] ||
	t_fail "mucd RSS grew by ${growth:-?} kB"
t_done
