#!/bin/sh
# High availability, the quick case (mucd(8), HIGH AVAILABILITY): three
# mucd sites in one replication group on loopback and one private
# Prosody. One master serves; a replica refuses a change with not-master
# and names the master; the master is killed (-9) right after a change
# it acknowledged; another site becomes the master and answers disco
# within seconds, with the rooms, the affiliations and that change; the
# old master, restarted, rejoins as a replica.
set -u
. "$(dirname "$0")/halib.sh"

ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
echo "$T_NAME: master $master"

ctl "$master" room create "$ROOM" > /dev/null || t_fail "room create"
ctl "$master" affiliation set "$ROOM" alice@localhost owner > /dev/null ||
	t_fail "affiliation set"

# A replica: reads its copy, refuses changes and names the master.
replica=
for s in $sites; do
	[ "$s" != "$master" ] && { replica=$s; break; }
done
i=0
until ctl "$replica" affiliations "$ROOM" 2>/dev/null |
    grep -q alice@localhost; do
	i=$((i + 1))
	[ $i -lt 50 ] || t_fail "replica $replica never showed the affiliation"
	sleep 0.1
done
out=$(ctl "$replica" --json affiliation set "$ROOM" bob@localhost member \
    2>&1)
st=$?
[ $st -eq 1 ] || t_fail "a change on a replica: exit $st, not 1: $out"
echo "$out" | grep -q '"not-master"' ||
	t_fail "a change on a replica: no not-master: $out"
echo "$out" | grep -q "\"master\": *\"127.0.0.1:$(port_of "$master")\"" ||
	t_fail "a change on a replica does not name the master: $out"
out=$(ctl "$replica" affiliation set "$ROOM" bob@localhost member 2>&1)
echo "$out" | grep -q "not the master; the master is 127.0.0.1:" ||
	t_fail "not-master message: $out"

# An acknowledged change, then the master dies at once.
ctl "$master" affiliation set "$ROOM" carol@localhost admin > /dev/null ||
	t_fail "the last change before the kill"
t0=$(date +%s%N)
ha_kill "$master"
rest=$(ha_others "$master")
ha_disco 30 "no master answered disco within 30 s"
t1=$(date +%s%N)
echo "$T_NAME: kill -9 to disco answered: $(( (t1 - t0) / 1000000 )) ms"
new=$(the_master "$rest" 50) || t_fail "no single new master"
[ "$new" != "$master" ] || t_fail "the dead master is master"
aff=$(ctl "$new" affiliations "$ROOM" 2>&1) || t_fail "affiliations on $new: $aff"
echo "$aff" | grep -q alice@localhost || t_fail "alice lost: $aff"
echo "$aff" | grep -q carol@localhost ||
	t_fail "the acknowledged change before the kill was lost: $aff"
ctl "$new" affiliation set "$ROOM" dave@localhost member > /dev/null ||
	t_fail "the new master refused a change"

# The old master rejoins as a replica and catches up.
start_site "$master" || t_fail "the old master did not restart"
i=0
until [ "$(role_of "$master")" = replica-ready ] &&
    ctl "$master" affiliations "$ROOM" 2>/dev/null | grep -q dave@localhost
do
	i=$((i + 1))
	[ $i -lt 100 ] || t_fail "the old master did not rejoin as a replica" \
	    "($(role_of "$master"))"
	sleep 0.1
done
[ "$(the_master "$sites" 10)" = "$new" ] ||
	t_fail "the master changed when the old one came back"

ha_done
