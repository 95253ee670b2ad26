#!/bin/sh
# mucd's multicast (XEP-0033) in every configuration it can meet: it uses
# a service only after checking it, and whatever it finds, every
# broadcast reaches everyone (multicast/chatter.scs, each time):
#   - no service: one copy per recipient;
#   - the Prosody module, but not for mucd's domain: refused, per copy;
#   - the module with a lower limit than mucd's: used, at its limit, in
#     mucd's compact form (the module lists urn:x-mucd:bcc:0);
#     then multicast = no and back on reload, then found again after the
#     server restarts and after it is killed;
#   - a service found through the domain's items that leaves the bcc
#     addresses in the copies (multicast/mod_test_multicast.lua, "leaky"):
#     refused;
#   - multicast = a JID: that one; multicast = no: none.
. "$(dirname "$0")/lib.sh"
t_setup
MUCCTL=$T_ROOT/mucctl/mucctl

status_line() {
	"$MUCCTL" -c "$T_DIR/mucd.conf" status 2>&1 | sed -n 's/^multicast *//p'
}

says() {
	status_line | grep -q -F -- "$1"
}

# expect WHAT TEXT: the status line says TEXT (discovery is asynchronous).
expect() {
	t_wait 100 says "$2" ||
		t_fail "$1: multicast is '$(status_line)', expected '$2'"
	t_play multicast/chatter.scs
}

# checked_since N: the log has more than N successful checks.
checked_since() {
	[ "$(grep -c 'multicast: broadcasts go through' "$T_DIR/mucd.log")" \
	    -gt "$1" ]
}

# start [PROSODY_MULTICAST [GLOBAL [EXTRA [MUCD_CONF_EXTRA]]]]
start() {
	PROSODY_MULTICAST=${1:-} PROSODY_GLOBAL_EXTRA=${2:-} \
	    PROSODY_CONFIG_EXTRA=${3:-} t_start_prosody component
	MUCD_CONF_EXTRA=${4:-} t_start_mucd
}

stop() {
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" || t_fail "mucd did not stop cleanly"
	t_check_log
	sh "$FIXTURE/prosody.sh" stop "$T_DIR"
}

start
expect "no service" "unavailable: no multicast service (XEP-0033) on localhost"
stop

start other.localhost
expect "module for another component" \
    "unavailable: localhost refused the check (forbidden"
stop

start conference.localhost 'mucd_multicast_max_addresses = 2'
expect "module with a limit of 2" \
    "active: broadcasts go through localhost, up to 2 addresses a message and 2 a presence (compact addresses, urn:x-mucd:bcc:0)"
grep -q "to='localhost'.*<bcc xmlns='urn:x-mucd:bcc:0'>" "$T_DIR/mucd.log" ||
	t_fail "the module lists the compact form, but mucd did not use it"
echo "multicast = no" >> "$T_DIR/mucd.conf"
"$MUCCTL" -c "$T_DIR/mucd.conf" reload > /dev/null || t_fail "reload"
expect "multicast = no after a reload" "off: not used (multicast = no)"
sed -i '/^multicast = no$/d' "$T_DIR/mucd.conf"
"$MUCCTL" -c "$T_DIR/mucd.conf" reload > /dev/null || t_fail "reload"
expect "multicast = auto again" "active: broadcasts go through localhost"
for how in "" kill; do
	n=$(grep -c 'multicast: broadcasts go through' "$T_DIR/mucd.log")
	sh "$FIXTURE/prosody.sh" restart "$T_DIR" $how ||
		t_fail "prosody did not restart"
	t_wait 100 checked_since "$n" ||
		t_fail "not checked again after a restart $how"
	expect "after a server restart $how" "active: broadcasts go through"
done
stop

start "" "plugin_paths = { \"$T_ROOT/tests/t/multicast\" }" \
    'Component "leaky.localhost" "test_multicast"
	test_multicast = "leaky"'
expect "a service that shows bcc addresses" \
    "unavailable: leaky.localhost leaves the bcc addresses in the copies"
stop

start conference.localhost "" "" "multicast = localhost"
expect "multicast = localhost" "active: broadcasts go through localhost"
stop

: > "$T_DIR/mucd.log"	# checked by stop; this round's alone below
start conference.localhost "" "" "multicast = no"
expect "multicast = no" "off: not used (multicast = no)"
grep -q "to='localhost'.*<\(addresses\|bcc\) " "$T_DIR/mucd.log" &&
	t_fail "multicast = no, but mucd sent a multicast stanza"
t_done
