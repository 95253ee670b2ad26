#!/bin/sh
# Persistent rooms are loaded on first use and evicted from memory when
# idle and empty (evict_idle); the store keeps them, and the next use
# loads them again, configuration intact.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
cc -O1 -o "$T_DIR/ctl" "$T_ROOT/tests/t/crash/ackstorm.c" ||
	t_fail "cannot build the control client"
export MUCD_CONF_EXTRA="evict_idle = 1s"
t_start_prosody component
t_start_mucd
ctl() {
	printf '%s\n' "$1" | "$T_DIR/ctl" "$T_DIR/mucd.sock" -
}
num() {	# num JSON KEY: the first integer value of KEY
	printf '%s' "$1" | sed -n "s/.*\"$2\":\\([0-9]*\\).*/\\1/p"
}

ctl '{"id":1,"cmd":"room.create","args":{"room":"attic","config":{"name":"The Attic"}}}' |
	grep -q '"ok":true' || t_fail "room.create failed"
st=$(ctl '{"id":2,"cmd":"status"}')
[ "$(num "$st" in_memory)" -ge 1 ] || t_fail "the new room is not in memory"
# Housekeeping runs every 5 s; idle for 1 s is enough to go.
i=0
until [ "$(num "$(ctl '{"id":3,"cmd":"status"}')" in_memory)" = 0 ]; do
	i=$((i + 1))
	[ $i -lt 150 ] || t_fail "the idle room was never evicted"
	sleep 0.1
done
st=$(ctl '{"id":4,"cmd":"status"}')
[ "$(num "$st" rooms_evicted)" -ge 1 ] || t_fail "no eviction counted"
[ "$(num "$st" stored)" -ge 1 ] || t_fail "the evicted room is not stored"
loaded=$(num "$st" rooms_loaded)

# First use loads it again, as it was.
cat > "$T_DIR/back.scs" <<'SCS'
# Entering a room that was evicted: it exists (no 201), named as before.
[Client] Ann
	jid: ann@localhost
	password: pw
-----
Ann connects
Ann sends:
	<presence to='attic@conference.localhost/Ann'>
		<x xmlns='http://jabber.org/protocol/muc'/>
	</presence>
Ann receives:
	<presence from='attic@conference.localhost/Ann'>
		<x xmlns='http://jabber.org/protocol/muc#user' scansion:strict='true'>
			<item affiliation='none' role='participant'/>
			<status code='110'/>
		</x>
	</presence>
Ann sends:
	<iq type='get' id='i' to='attic@conference.localhost'>
		<query xmlns='http://jabber.org/protocol/disco#info'/>
	</iq>
Ann receives:
	<iq type='result' id='i'>
		<query xmlns='http://jabber.org/protocol/disco#info'>
			<identity category='conference' name='The Attic'/>
			<feature var='muc_persistent'/>
		</query>
	</iq>
SCS
t_play_abs "$T_DIR/back.scs"
st=$(ctl '{"id":5,"cmd":"status"}')
[ "$(num "$st" rooms_loaded)" -gt "$loaded" ] ||
	t_fail "the room was not loaded from the store"
t_done
