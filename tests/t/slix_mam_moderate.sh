#!/bin/sh
# slixmpp's XEP-0425 plugin moderates a room message; slixmpp sees the
# broadcast as a moderation and its XEP-0313 plugin finds the tombstone
# (tests/slix/mam_moderate.py). mucd only: Prosody 0.12's MUC has no
# message moderation.
. "$(dirname "$0")/lib.sh"
t_setup
t_slix mam_moderate mucd
t_done
