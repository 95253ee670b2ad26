#!/bin/sh
# Joining with an emoji nick (with a variation selector) gets the room's
# "Nickname must pass strict validation" from the address joined, so a
# real client (slixmpp) sees its join fail: against Prosody's MUC and
# against mucd (tests/slix/nick_strict.py).
. "$(dirname "$0")/lib.sh"
t_setup
t_slix nick_strict
t_done
