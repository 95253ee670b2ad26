#!/bin/sh
# A room avatar (XEP-0486) set and read with slixmpp's own vCard plugin;
# bad vCards (a participant's, no image, too large, 10,000 fields) get
# clear errors and change nothing (tests/slix/room_avatar.py). mucd only:
# Prosody 0.12 keeps no vCard for rooms (mod_vcard_muc is a community
# module).
. "$(dirname "$0")/lib.sh"
t_setup
t_slix room_avatar mucd
t_done
