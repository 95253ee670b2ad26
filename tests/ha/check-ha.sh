#!/bin/sh
# make check-ha: high availability under load, minutes rather than the
# seconds of make check's quick cases (tests/t/ha_*.sh), on loopback with
# three sites and one private Prosody (tests/t/halib.sh).
#
#  1. FAILOVERS rounds (20): a writer makes changes through the master's
#     control socket, one after the other, and notes each acknowledged
#     one; the master is killed (-9) while it writes; the time from the
#     kill to the service answering disco is measured; every acknowledged
#     change must be on the new master; the killed site restarts and
#     rejoins as a replica. The times' p50, p99 and maximum are printed.
#  2. Partition: the master is stopped (SIGSTOP); the others elect a new
#     one, whose link Prosody refuses while the old one's component
#     connection is open (<conflict/>, retried); resumed, the old master
#     must step down at once, its link closed (a server that took two
#     connections, as ejabberd does, would otherwise share the domain
#     between two masters), and the new one then serves.
set -u
HA_TDIR=$(cd "$(dirname "$0")/../t" && pwd)
. "$HA_TDIR/halib.sh"
FAILOVERS=${FAILOVERS:-20}

ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
ctl "$master" room create "$ROOM" > /dev/null || t_fail "room create"

# writer SITE ROUND: changes until the site stops answering; each
# acknowledged one is appended to T_DIR/acked.ROUND.
writer() {
	_n=0
	while ctl "$1" affiliation set "$ROOM" "w$2-$_n@localhost" member \
	    > /dev/null 2>&1; do
		echo "w$2-$_n@localhost" >> "$T_DIR/acked.$2"
		_n=$((_n + 1))
	done
}

others() {
	for s in $sites; do
		[ "$s" != "$1" ] && printf '%s ' "$s"
	done
}

: > "$T_DIR/times"
round=1
while [ $round -le "$FAILOVERS" ]; do
	: > "$T_DIR/acked.$round"
	writer "$master" $round &
	wpid=$!
	sleep 0.5
	t0=$(date +%s%N)
	ha_kill "$master"
	ha_disco 60 "round $round: no master answered disco"
	t1=$(date +%s%N)
	wait $wpid
	echo $(( (t1 - t0) / 1000000 )) >> "$T_DIR/times"
	new=$(the_master "$(others "$master")" 100) ||
		t_fail "round $round: no single new master"
	ctl "$new" affiliations "$ROOM" > "$T_DIR/affs" 2>&1 ||
		t_fail "round $round: affiliations: $(cat "$T_DIR/affs")"
	n=$(wc -l < "$T_DIR/acked.$round")
	[ "$n" -gt 0 ] || t_fail "round $round: the writer made no change"
	while read -r jid; do
		grep -q "$jid" "$T_DIR/affs" ||
			t_fail "round $round: acknowledged $jid lost"
	done < "$T_DIR/acked.$round"
	echo "$T_NAME: round $round: $master killed after $n acknowledged" \
	    "changes, none lost; $new serves after $(tail -n 1 \
	    "$T_DIR/times") ms"
	start_site "$master" || t_fail "round $round: $master did not restart"
	ha_settled 300 "round $round"
	master=$new
	round=$((round + 1))
done
sort -n "$T_DIR/times" | awk '{ t[NR] = $1 } END {
	p99 = int(NR * 0.99 + 0.999); if (p99 < 1) p99 = 1
	printf "kill -9 to disco answered, %d failovers: p50 %d ms, " \
	    "p99 %d ms, max %d ms\n", NR, t[int((NR + 1) / 2)], t[p99], t[NR] }'

# --- partition: the master stopped, then resumed ------------------------
id=$(cat "$T_DIR/$master/mucd.fixture-pid")
kill -STOP "${id%% *}"
new=$(the_master "$(others "$master")" 150) ||
	{ kill -CONT "${id%% *}"; t_fail "no master elected while $master was stopped"; }
echo "$T_NAME: $master stopped; $new elected"
kill -CONT "${id%% *}"
i=0
until [ "$(role_of "$master")" = replica-ready ] &&
    ctl "$master" --json status | grep -q '"state": "disconnected"'; do
	i=$((i + 1))
	[ $i -lt 150 ] || t_fail "$master resumed but did not step down" \
	    "($(role_of "$master"))"
	sleep 0.1
done
ha_disco 30 "$new does not serve after the partition"
[ "$(the_master "$sites" 10)" = "$new" ] || t_fail "two masters, or none"
echo "$T_NAME: $master resumed, stepped down (link closed); $new serves"
ha_done
