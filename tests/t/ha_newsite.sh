#!/bin/sh
# High availability, a new site (mucd(8), HIGH AVAILABILITY): three sites
# serve, with rooms, affiliations, reserved nicks, history and an
# archive; a fourth site starts with an empty data directory, naming the
# three in repl_peers (their configurations do not name it). The master
# adds it to the group and Berkeley DB initialises its copy: its
# read-only control commands answer exactly what the master's do. The
# master is killed; the new site, first in the elections, becomes the
# master and serves XMPP from that copy.
set -u
. "$(dirname "$0")/halib.sh"

HA_CONF_EXTRA='history_persist = yes'
ha_start
master=$(the_master "$sites" 100) || t_fail "no single master"
ctl "$master" room create "$ROOM" > /dev/null || t_fail "room create"
ctl "$master" room config "$ROOM" name="The Lobby" public=yes > /dev/null ||
	t_fail "room config"
ctl "$master" room create attic@conference.localhost > /dev/null ||
	t_fail "room create attic"
ctl "$master" affiliation set "$ROOM" romeo@localhost owner > /dev/null ||
	t_fail "affiliation set owner"
ctl "$master" affiliation set "$ROOM" tybalt@localhost outcast > /dev/null ||
	t_fail "affiliation set outcast"
ctl "$master" nick reserve "$ROOM" juliet@localhost Juliet > /dev/null ||
	t_fail "nick reserve"
for n in 1 2 3; do
	ctl "$master" say "$ROOM" "before the new site, $n" > /dev/null ||
		t_fail "say $n"
done

sites="$sites s4"
start_site s4 || t_fail "the new site did not start"
t_wait 150 eval '[ "$(role_of s4)" = replica-ready ]' ||
	t_fail "the new site was not initialised: $(role_of s4);" \
	    "$(ctl s4 replication status 2>&1)"

# answers SITE ARGS...: the read-only command's --json answer on SITE in
# T_DIR/SITE.json, less "loaded" (whether the room is in the master's
# memory: a replica keeps none).
answers() {
	_s=$1
	shift
	ctl "$_s" --json "$@" > "$T_DIR/$_s.raw" 2>&1 || return 1
	"$T_PYTHON" -c '
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k != "loaded"}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
print(json.dumps(strip(json.load(sys.stdin)), indent=1, sort_keys=True))
' < "$T_DIR/$_s.raw" > "$T_DIR/$_s.json"
}

# same WHAT ARGS...: the read-only command answers the same on both.
same() {
	_what=$1
	shift
	answers "$master" "$@" ||
		t_fail "$_what on the master: $(cat "$T_DIR/$master.raw")"
	t_wait 50 same_on_s4 "$@" ||
		t_fail "$_what on the new site differs from the master's:" \
		    "$(cat "$T_DIR/s4.raw"; diff "$T_DIR/$master.json" \
		    "$T_DIR/s4.json")"
}
same_on_s4() {
	answers s4 "$@" && cmp -s "$T_DIR/$master.json" "$T_DIR/s4.json"
}
same rooms rooms
same "room show" room show "$ROOM"
same affiliations affiliations "$ROOM"
same nicks nicks
same history history "$ROOM"
same "archive stats" archive stats
same archive archive show "$ROOM"
grep -q '"before the new site, 3"' "$T_DIR/s4.json" ||
	t_fail "the new site's archive lacks the messages"
ctl s4 affiliation set "$ROOM" paris@localhost member > /dev/null 2>&1 &&
	t_fail "the new site, a replica, accepted a change"

# The master dies: the new site, first in the elections, takes over.
ha_kill "$master"
rest=$(ha_others "$master")
ha_disco 30 "no master answered disco within 30 s"
new=$(the_master "$rest" 100) || t_fail "no single new master"
[ "$new" = s4 ] || t_fail "$new is the master, not the new site"
t_play ha/newsite_serve.scs
ctl s4 affiliation set "$ROOM" paris@localhost member > /dev/null ||
	t_fail "the new site, now the master, refused a change"
ha_done
