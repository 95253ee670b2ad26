#!/bin/sh
# Acknowledged means replicated (mucd(8), HIGH AVAILABILITY): three sites
# with repl_ack_policy quorum. Both replicas die; the master commits a
# change it cannot get acknowledged: its reply waits (no false success),
# as do its XMPP answers, while a read-only control command is served
# and says the replies are held. A replica comes back, catches up and
# acknowledges: the reply arrives, a success, and the replica has the
# change.
set -u
. "$(dirname "$0")/halib.sh"

ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
ctl "$master" room create "$ROOM" > /dev/null || t_fail "room create"
gone=
for s in $sites; do
	[ "$s" = "$master" ] && continue
	ha_kill "$s"
	gone="$gone $s"
done
set -- $gone
back=$1

ctl "$master" affiliation set "$ROOM" erin@localhost member \
    > "$T_DIR/change.out" 2>&1 &
change=$!
sleep 3
kill -0 $change 2>/dev/null ||
	t_fail "a change was answered without the group's acknowledgement:" \
	    "$(cat "$T_DIR/change.out")"
ctl "$master" --json replication status > "$T_DIR/status.out" ||
	t_fail "replication status while holding"
grep -q '"holding_replies": true' "$T_DIR/status.out" ||
	t_fail "status does not say the replies are held: $(cat "$T_DIR/status.out")"
"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 2 \
    > "$T_DIR/probe.out" 2>&1 &&
	t_fail "the master answered XMPP while its changes were unacknowledged"

start_site "$back" || t_fail "$back did not come back"
t_wait 100 eval '! kill -0 $change 2>/dev/null' ||
	t_fail "the reply never came after $back returned"
wait $change || t_fail "the held change failed: $(cat "$T_DIR/change.out")"
ctl "$back" affiliations "$ROOM" | grep -q erin@localhost ||
	t_fail "$back does not have the acknowledged change"
ha_done
