#!/bin/sh
# A room configured with slixmpp's own set_room_config, which submits the
# whole form back (labels of 'fixed' fields included, one without var or
# type), is unlocked: a second client enters it. Against Prosody's MUC and
# against mucd (tests/slix/room_config.py).
. "$(dirname "$0")/lib.sh"
t_setup
t_slix room_config
t_done
