#!/bin/sh
# mucd with its Prosody module (multicast_max_addresses = 3): broadcasts
# cross the link in batches, moderators and participants get different
# presence stanzas, and a recipient whose copy bounces is removed
# (tests/slix/multicast.py). mucd only: it is mucd's multicast.
. "$(dirname "$0")/lib.sh"
t_setup
MULTICAST_TEST_SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
PROSODY_MULTICAST=conference.localhost
PROSODY_CONFIG_EXTRA="Component \"ghosts.localhost\"
	component_secret = \"$MULTICAST_TEST_SECRET\""
MUCD_CONF_EXTRA='multicast_max_addresses = 3'
export MULTICAST_TEST_SECRET PROSODY_MULTICAST PROSODY_CONFIG_EXTRA \
    MUCD_CONF_EXTRA
t_slix multicast mucd
t_done
