#!/bin/sh
# mucd's Prosody module (packaging/prosody/mod_mucd_multicast.lua) in the
# Prosody fixture, without mucd: with two test components, one listed in
# mucd_multicast_senders and one not, and a limit of 3 addresses, it
# delivers the listed one's multicast stanzas as direct ones would be,
# and refuses everyone else (tests/slix/multicast_module.py).
. "$(dirname "$0")/lib.sh"
t_setup
MULTICAST_TEST_SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
PROSODY_MULTICAST=sender.localhost
PROSODY_GLOBAL_EXTRA='mucd_multicast_max_addresses = 3'
PROSODY_CONFIG_EXTRA="Component \"sender.localhost\"
	component_secret = \"$MULTICAST_TEST_SECRET\"
Component \"intruder.localhost\"
	component_secret = \"$MULTICAST_TEST_SECRET\""
export MULTICAST_TEST_SECRET PROSODY_MULTICAST PROSODY_GLOBAL_EXTRA \
    PROSODY_CONFIG_EXTRA
t_slix multicast_module component
t_done
