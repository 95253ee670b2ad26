#!/bin/sh
# Occupants survive a failover (mucd(8), HIGH AVAILABILITY): three sites,
# clients in a persistent and a temporary room (tests/slix/ha_occupants.py);
# the master is killed (-9) and one client's connection cut meanwhile. The
# new master takes the occupants over: the others go on talking without
# rejoining, the cut one is found gone and removed, the temporary room is
# still there.
set -u
. "$(dirname "$0")/halib.sh"

"$T_PYTHON" -c 'import slixmpp' > /dev/null 2>&1 ||
	t_fail "$T_PYTHON cannot import slixmpp (make deps installs" \
	    "python3-slixmpp)"
ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
echo "$T_NAME: master $master"
ha_clients
# Who is in the rooms goes to the group with the next acknowledged change
# at the latest: this one.
ctl "$master" affiliation set stay@conference.localhost dave@localhost \
    member > /dev/null || client_failed "the change before the kill"
ha_kill "$master"
touch "$D/killed"
t_wait 100 test -e "$D/carol-gone" || client_failed "Carol's cut never came"
ha_disco 30 "no master answered disco within 30 s"
touch "$D/served"
wait "$client" || client_failed "the clients' checks failed"
rest=
for s in $sites; do
	[ "$s" != "$master" ] && rest="$rest $s"
done
new=$(the_master "$rest" 50) || t_fail "no single new master"
grep -q "took over 5 occupant(s) (1 temporary room(s))" \
    "$T_DIR/$new/mucd.log" ||
	t_fail "the new master's log does not say it took over 5 occupants" \
	    "and 1 temporary room"
ha_done
