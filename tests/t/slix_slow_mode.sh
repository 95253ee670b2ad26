#!/bin/sh
# Slow mode set with slixmpp's own room configuration; the error for a
# message sent too early says how long to wait (tests/slix/slow_mode.py).
# mucd only: Prosody 0.12 has no slow mode (mod_muc_slow_mode is a
# community module).
. "$(dirname "$0")/lib.sh"
t_setup
t_slix slow_mode mucd
t_done
