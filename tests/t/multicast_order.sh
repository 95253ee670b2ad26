#!/bin/sh
# The occupant whose request makes a broadcast gets its copy of it before
# the answer to the request, even from a multicast service that makes its
# copies later than the component's next stanza arrives (as ejabberd's
# mod_multicast, a process of its own, can): multicast/order.scs through
# multicast/mod_test_multicast.lua ("late").
. "$(dirname "$0")/lib.sh"
t_setup
MUCCTL=$T_ROOT/mucctl/mucctl

PROSODY_GLOBAL_EXTRA="plugin_paths = { \"$T_ROOT/tests/t/multicast\" }" \
    PROSODY_CONFIG_EXTRA='Component "late.localhost" "test_multicast"
	test_multicast = "late"' \
    t_start_prosody component
MUCD_CONF_EXTRA='multicast = late.localhost' t_start_mucd
active() {
	"$MUCCTL" -c "$T_DIR/mucd.conf" status 2>&1 | grep -q '^multicast *active'
}
t_wait 100 active || t_fail "late.localhost not in use:" \
    "$("$MUCCTL" -c "$T_DIR/mucd.conf" status 2>&1 | grep multicast)"
t_play multicast/order.scs
grep -q "to='late.localhost'.*<addresses" "$T_DIR/mucd.log" ||
	t_fail "the role change did not go through late.localhost"
# A service without mucd's compact form gets XEP-0033's.
grep -q "<bcc xmlns='urn:x-mucd:bcc:0'>" "$T_DIR/mucd.log" &&
	t_fail "mucd sent its compact form to a service that does not list it"
t_done
