#!/bin/sh
# make check-ha: high availability under load, minutes rather than the
# seconds of make check's quick cases (tests/t/ha_*.sh), on loopback with
# three sites and one private Prosody (tests/t/halib.sh).
#
#  1. FAILOVERS rounds (20): a writer makes changes through the master's
#     control socket, one after the other, and notes each acknowledged
#     one; the master is killed (-9) while it writes; the time from the
#     kill to the service answering disco is measured; every acknowledged
#     change must be on the new master; two clients in a room (one
#     talking all along, the other making members through XMPP: every
#     change acknowledged so far must be there too) must be served by
#     the new master without rejoining; the killed site restarts and rejoins as a replica. The
#     times' p50, p99 and maximum are printed.
#  2. Partition: the master is stopped (SIGSTOP); the others elect a new
#     one, whose link Prosody refuses while the old one's component
#     connection is open (<conflict/>, retried); resumed, the old master
#     must step down at once, its link closed (a server that took two
#     connections, as ejabberd does, would otherwise share the domain
#     between two masters), and the new one then serves.
#  3. Garbage on every site's replication port (random bytes, an HTTP
#     request, a megabyte of zeros, a connection left half-open): no site
#     dies or changes role, and a change made afterwards reaches every
#     replica.
set -u
HA_TDIR=$(cd "$(dirname "$0")/../t" && pwd)
. "$HA_TDIR/halib.sh"
FAILOVERS=${FAILOVERS:-20}
# The writers add thousands of members to one room.
HA_CONF_EXTRA='max_affiliations = 0'

ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
ctl "$master" room create "$ROOM" > /dev/null || t_fail "room create"

# Two clients sit in a room through every failover, one talking all
# along (tests/slix/ha_occupants.py, HA_ROUNDS): after each, a message
# each way gets through without a rejoin.
ha_clients "$FAILOVERS"

# writer SITE ROUND: changes until the site stops answering; each
# acknowledged one is appended to T_DIR/acked.ROUND, and why the last one
# was not acknowledged is in T_DIR/stop.ROUND.
writer() {
	_n=0
	while ctl "$1" affiliation set "$ROOM" "w$2-$_n@localhost" member \
	    > "$T_DIR/stop.$2" 2>&1; do
		echo "w$2-$_n@localhost" >> "$T_DIR/acked.$2"
		_n=$((_n + 1))
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
	new=$(the_master "$(ha_others "$master")" 100) ||
		t_fail "round $round: no single new master"
	ctl "$new" affiliations "$ROOM" > "$T_DIR/affs" 2>&1 ||
		t_fail "round $round: affiliations: $(cat "$T_DIR/affs")"
	n=$(wc -l < "$T_DIR/acked.$round")
	[ "$n" -gt 0 ] || t_fail "round $round: the writer made no change:" \
	    "$(cat "$T_DIR/stop.$round")"
	while read -r jid; do
		grep -q "$jid" "$T_DIR/affs" ||
			t_fail "round $round: acknowledged $jid lost"
	done < "$T_DIR/acked.$round"
	touch "$D/served.$round"
	t_wait 300 test -e "$D/ok.$round" ||
		client_failed "round $round: the clients in the room were not" \
		    "served without rejoining"
	# Every change acknowledged through XMPP so far, on the new master.
	cp "$D/xacked" "$T_DIR/xacked" 2>/dev/null || : > "$T_DIR/xacked"
	ctl "$new" affiliations stay@conference.localhost > "$T_DIR/xaffs" 2>&1 ||
		t_fail "round $round: affiliations of stay: $(cat "$T_DIR/xaffs")"
	while read -r jid; do
		grep -q -F "$jid" "$T_DIR/xaffs" ||
			client_failed "round $round: $jid, acknowledged over" \
			    "XMPP, lost"
	done < "$T_DIR/xacked"
	xn=$(wc -l < "$T_DIR/xacked")
	echo "$T_NAME: round $round: $master killed after $n acknowledged" \
	    "changes, none lost (nor $xn over XMPP so far); the occupants stayed; $new serves after $(tail -n 1 \
	    "$T_DIR/times") ms"
	start_site "$master" || t_fail "round $round: $master did not restart"
	ha_settled 300 "round $round"
	master=$new
	round=$((round + 1))
done
wait "$client" || client_failed "the clients' checks failed"
sort -n "$T_DIR/times" | awk '{ t[NR] = $1 } END {
	p99 = int(NR * 0.99 + 0.999); if (p99 < 1) p99 = 1
	printf "kill -9 to disco answered, %d failovers: p50 %d ms, " \
	    "p99 %d ms, max %d ms\n", NR, t[int((NR + 1) / 2)], t[p99], t[NR] }'

# --- partition: the master stopped, then resumed ------------------------
id=$(cat "$T_DIR/$master/mucd.fixture-pid")
kill -STOP "${id%% *}"
new=$(the_master "$(ha_others "$master")" 150) ||
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
got=$(the_master "$sites" 10); [ "$got" = "$new" ] || t_fail "two masters, or none: got [$got] want [$new] roles $(ha_roles)"
echo "$T_NAME: $master resumed, stepped down (link closed); $new serves"

ha_settled 300 "the group did not settle after the partition"
roles=$(ha_roles)
for s in $sites; do
	"$T_PYTHON" - "$(port_of "$s")" <<'PY' || t_fail "garbage to $s: $?"
import os, socket, sys, time
port = int(sys.argv[1])
def send(data, close=True):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        c.sendall(data)
    except OSError:
        pass  # refused midway: what a site should do with garbage
    if close:
        c.close()
    return c
send(os.urandom(65536))
send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
send(b"\0" * (1 << 20))
half = send(b"\x01\x02", close=False)
time.sleep(1)
half.close()
PY
done
sleep 1
[ "$(ha_roles)" = "$roles" ] ||
	t_fail "garbage on the replication ports changed the roles:" \
	    "$(ha_roles), were $roles"
new=$(the_master "$sites" 10) || t_fail "no single master after garbage"
ctl "$new" affiliation set "$ROOM" garbage@localhost member > /dev/null ||
	t_fail "no change accepted after the garbage"
for s in $sites; do
	[ "$s" = "$new" ] && continue
	t_wait 100 eval 'ctl "$s" affiliations "$ROOM" 2>/dev/null |
	    grep -q garbage@localhost' ||
		t_fail "the change after the garbage did not reach $s"
done
echo "$T_NAME: garbage on every replication port: roles unchanged," \
    "the next change replicated"
ha_done
