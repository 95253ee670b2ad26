#!/bin/sh
# A broadcast through the Prosody module whose multicast stanza would
# exceed max_stanza_out is split further, never dropped
# (tests/slix/multicast_large.py). mucd only: it is mucd's multicast.
. "$(dirname "$0")/lib.sh"
t_setup
PROSODY_MULTICAST=conference.localhost
MUCD_CONF_EXTRA='max_stanza_out = 16K'
export PROSODY_MULTICAST MUCD_CONF_EXTRA
t_slix multicast_large mucd
t_done
