#!/bin/sh
# High availability, sites that do not agree (mucd(8), HIGH
# AVAILABILITY): each master records its domain, address, peers and
# acknowledgement settings in the data, and every site compares them
# with its own configuration.
#  - s3 has repl_ack_policy all, the others quorum: every replica whose
#    policy differs from the master's says so in its log and in
#    `mucctl replication status` (text and --json); the others do not;
#  - a replica whose repl_peers names the master on a wrong port says so;
#  - a replica restarted with another domain refuses to serve: it logs
#    both domains and the master's address and exits with status 1, and
#    the group serves on;
#  - a site whose repl_local is not an address of this host stops at
#    start-up and says so, and the group does not count it as a site.
set -u
. "$(dirname "$0")/halib.sh"

HA_CONF_s3='repl_ack_policy = all'
ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
maddr=127.0.0.1:$(port_of "$master")
policy_of() { if [ "$1" = s3 ]; then echo all; else echo quorum; fi; }

# mismatches SITE: "KEY HERE MASTER" per difference in its status.
mismatches() {
	ctl "$1" --json replication status 2>/dev/null | "$T_PYTHON" -c '
import json, sys
for d in json.load(sys.stdin)["mismatches"]:
    print(d["key"], d.get("here", "-"), d.get("master", "-"))'
}

for s in $sites; do
	[ "$s" = "$master" ] && continue
	here=$(policy_of "$s") there=$(policy_of "$master")
	if [ "$here" = "$there" ]; then
		want=
	else
		want="repl_ack_policy $here $there"
	fi
	# A replica compares once its copy holds the master's record.
	t_wait 50 eval '[ "$(mismatches "$s")" = "$want" ]' ||
		t_fail "$s ($here, master $master $there): mismatches" \
		    "[$(mismatches "$s")], want [$want]"
	[ -z "$want" ] && continue
	msg="repl_ack_policy is $here here but $there on the master $maddr"
	grep -q "replication: $msg" "$T_DIR/$s/mucd.log" ||
		t_fail "$s did not log the difference: $msg"
	ctl "$s" replication status | grep -q "^differs *$msg" ||
		t_fail "$s: replication status does not show the difference:" \
		    "$(ctl "$s" replication status)"
	echo "$T_NAME: $s reports: $msg"
done

# A replica naming the master on a wrong port.
for r in $sites; do
	[ "$r" != "$master" ] && [ "$r" != s3 ] && break
done
[ "$r" != "$master" ] || t_fail "no replica besides s3"
sh "$FIXTURE/mucd.sh" stop "$T_DIR/$r" || t_fail "$r did not stop"
peers=
for o in $sites; do
	[ "$o" = "$r" ] && continue
	p=$(port_of "$o")
	[ "$o" = "$master" ] && p=$P4
	peers="$peers${peers:+, }127.0.0.1:$p"
done
eval "HA_PEERS_$r=\$peers"
start_site "$r" || t_fail "$r did not restart"
want="repl_peers does not name the master $maddr"
t_wait 100 eval 'ctl "$r" --json replication status 2>/dev/null |
    grep -q "\"message\": \"$want"' ||
	t_fail "$r with a wrong port for the master: no mismatch:" \
	    "$(ctl "$r" replication status 2>&1)"
grep -q "replication: $want" "$T_DIR/$r/mucd.log" ||
	t_fail "$r did not log: $want"
echo "$T_NAME: $r reports: $want"

# A replica with another domain.
sh "$FIXTURE/mucd.sh" stop "$T_DIR/$r" || t_fail "$r did not stop"
MUCD_DOMAIN=elsewhere.localhost start_site "$r" > /dev/null 2>&1
t_wait 150 test -s "$T_DIR/$r/mucd.exit" ||
	t_fail "$r with another domain did not stop:" \
	    "$(ctl "$r" replication status 2>&1)"
rm -f "$T_DIR/$r/mucd.fixture-pid"
[ "$(cat "$T_DIR/$r/mucd.exit")" = 1 ] ||
	t_fail "$r with another domain: exit status" \
	    "$(cat "$T_DIR/$r/mucd.exit"), not 1"
want="this site's domain is elsewhere.localhost but the group's is"
want="$want conference.localhost (the domain of the master $maddr):"
want="$want refusing to serve"
grep -q "mucd\[error\] replication: $want" "$T_DIR/$r/mucd.log" ||
	t_fail "$r: no error naming both domains and the master:" \
	    "$(tail -n 5 "$T_DIR/$r/mucd.log")"
grep -q "the master: serving elsewhere.localhost" "$T_DIR/$r/mucd.log" &&
	t_fail "$r served elsewhere.localhost"
echo "$T_NAME: $r with another domain refused to serve and exited 1"
ha_disco 10 "the group stopped serving"

# A repl_local that is not this host's (192.0.2.1: TEST-NET-1).
mkdir -p "$T_DIR/bad"
cp "$T_DIR/env" "$T_DIR/bad/env"
MUCD_CONF_EXTRA="repl_local = 192.0.2.1:$P4
repl_peers = $maddr" MUCD_READY_TIMEOUT=1 \
    sh "$FIXTURE/mucd.sh" start "$T_DIR/bad" "$MUCD" > /dev/null 2>&1
t_wait 100 test -s "$T_DIR/bad/mucd.exit" ||
	t_fail "a site with a repl_local not of this host did not stop"
rm -f "$T_DIR/bad/mucd.fixture-pid"
[ "$(cat "$T_DIR/bad/mucd.exit")" = 1 ] ||
	t_fail "repl_local not ours: exit status $(cat "$T_DIR/bad/mucd.exit")"
want="cannot listen on repl_local 192.0.2.1:$P4: not an address of this host"
grep -q "$want" "$T_DIR/bad/mucd.log" ||
	t_fail "repl_local not ours: not said clearly:" \
	    "$(tail -n 3 "$T_DIR/bad/mucd.log")"
ctl "$master" replication status | grep -q 192.0.2.1 &&
	t_fail "the group counts the site that could not listen:" \
	    "$(ctl "$master" replication status)"
echo "$T_NAME: repl_local not ours: $want"
ha_done
