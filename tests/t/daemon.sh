#!/bin/sh
# mucd as a Unix daemon: -t checks a configuration; a wrong component
# secret, or a domain the server does not know (Prosody 0.12 answers
# that with an id-less stream header, then host-unknown), is reported
# clearly, naming the domain, with exit status 3; without -f it detaches
# only once the first connection has an outcome (pid file written) and
# its exit status is that outcome: 0 connected, 3 refused, 1 could not
# start, and 0 with a message when the server is not there within the
# start-up wait; SIGHUP reloads (a broken file changes nothing); SIGTERM
# tells every occupant the service is shutting down (status 332) and
# exits 0.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
BIN=$T_ROOT/mucd/mucd
[ -x "$BIN" ] || BIN=$MUCD
# mucd refuses a configuration others may read: it holds the secret.
umask 077

# --- configuration check -----------------------------------------------
printf 'domain = conference.localhost\nsecret = a-secret-for-tests\nallow_root = yes\n' \
	> "$T_DIR/good.conf"
"$MUCD" -t -c "$T_DIR/good.conf" > "$T_DIR/t.out" 2>&1 ||
	t_fail "-t refused a good configuration: $(cat "$T_DIR/t.out")"
grep -q "is OK" "$T_DIR/t.out" || t_fail "-t did not say OK"
printf 'domain = conference.localhost\nsecret = a-secret-for-tests\nfrobnicate = 1\n' \
	> "$T_DIR/bad.conf"
"$MUCD" -t -c "$T_DIR/bad.conf" > "$T_DIR/t.out" 2>&1 &&
	t_fail "-t accepted an unknown key"
grep -q "bad.conf:3: unknown key 'frobnicate'" "$T_DIR/t.out" ||
	t_fail "-t error does not name file and line: $(cat "$T_DIR/t.out")"

t_start_prosody component

# --- a wrong secret ------------------------------------------------------
cat > "$T_DIR/wrong.conf" <<CONF
domain = conference.localhost
server = 127.0.0.1
port = $COMPONENT_PORT
secret = not-the-component-secret
datadir = $T_DIR/wrongdata
control = $T_DIR/wrong.sock
pidfile = $T_DIR/wrong.pid
allow_root = yes
CONF
# refused NAME CONFIG PATTERN: in the foreground, mucd stops with status
# 3 and PATTERN in its log.
refused() {
	timeout 20 "$MUCD" -f -c "$2" > "$T_DIR/$1.log" 2>&1
	rc=$?
	[ $rc -eq 3 ] || t_fail "$1: exit status $rc, want 3"
	grep -q -e "$3" "$T_DIR/$1.log" ||
		t_fail "$1: no clear message: $(tail -3 "$T_DIR/$1.log")"
}
refused wrong "$T_DIR/wrong.conf" \
	"rejected the component secret or does not know the domain conference.localhost"

# --- a domain the server does not know -------------------------------------
sed -e "s/^domain = .*/domain = nosuch.localhost/" \
    -e "s/^secret = .*/secret = $COMPONENT_SECRET/" \
    -e "s#wrongdata#nosuchdata#; s#wrong\\.#nosuch.#" \
    "$T_DIR/wrong.conf" > "$T_DIR/nosuch.conf"
refused nosuch "$T_DIR/nosuch.conf" \
	"does not know the component domain nosuch.localhost"

# --- detached: the exit status is the first connection's outcome ----------
# detached NAME CONFIG STATUS PATTERN: mucd without -f returns STATUS, with
# PATTERN on its standard error, within the start-up wait.
detached() {
	timeout 30 "$BIN" -c "$2" > "$T_DIR/$1.out" 2>&1
	rc=$?
	[ $rc -eq "$3" ] || t_fail "detached, $1: exit status $rc, want $3:" \
		"$(cat "$T_DIR/$1.out")"
	grep -q -e "$4" "$T_DIR/$1.out" ||
		t_fail "detached, $1: no clear message: $(cat "$T_DIR/$1.out")"
}
detached wrong "$T_DIR/wrong.conf" 3 "rejected the component secret or does not know the domain conference.localhost"
detached nosuch "$T_DIR/nosuch.conf" 3 "does not know the component domain nosuch.localhost"
# No server at all: the daemon runs and keeps trying; the parent says so
# after the start-up wait, with status 0.
port=$("$SCSRUN" --free-port) || t_fail "no free port"
sed -e "s/^port = .*/port = $port/" -e "s/^secret = .*/secret = $COMPONENT_SECRET/" \
    -e "s#wrongdata#nonedata#; s#wrong\\.#none.#" \
    "$T_DIR/wrong.conf" > "$T_DIR/none.conf"
start=$(date +%s)
detached none "$T_DIR/none.conf" 0 "running, but not connected to 127.0.0.1:$port after 10 s"
[ $(($(date +%s) - start)) -ge 9 ] || t_fail "detached, none: did not wait"
pid=$(cat "$T_DIR/none.pid" 2>/dev/null)
kill -0 "$pid" 2>/dev/null || t_fail "detached, none: the daemon is not running"
kill -TERM "$pid"

# --- detaching -----------------------------------------------------------
sed -e "s/^secret = .*/secret = $COMPONENT_SECRET/" \
    -e "s#wrongdata#bgdata#; s#wrong\\.#bg.#" "$T_DIR/wrong.conf" \
	> "$T_DIR/bg.conf"
"$BIN" -c "$T_DIR/bg.conf" > "$T_DIR/bg.out" 2>&1 ||
	t_fail "detaching start failed: $(cat "$T_DIR/bg.out")"
[ -s "$T_DIR/bg.pid" ] || t_fail "no pid file after a detached start"
pid=$(cat "$T_DIR/bg.pid")
kill -0 "$pid" 2>/dev/null || t_fail "the detached daemon is not running"
"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 5 \
	> /dev/null 2>&1 || t_fail "the detached daemon does not answer"
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && t_fail "the detached daemon ignored SIGTERM"
[ ! -e "$T_DIR/bg.pid" ] || t_fail "pid file left behind"
# A start that cannot work is reported by the parent, with status 1.
sed "s#^datadir = .*#datadir = /proc/mucd-cannot-be-here#" "$T_DIR/bg.conf" \
	> "$T_DIR/bad-dir.conf"
"$BIN" -c "$T_DIR/bad-dir.conf" > "$T_DIR/bad-dir.out" 2>&1 &&
	t_fail "a detached start with an impossible datadir succeeded"
grep -q "mucd-cannot-be-here" "$T_DIR/bad-dir.out" ||
	t_fail "the parent did not report why: $(cat "$T_DIR/bad-dir.out")"

# --- reload --------------------------------------------------------------
export MUCD_CONF_EXTRA="service_name = Before"
t_start_mucd
. "$T_DIR/env"
cat > "$T_DIR/name.scs" <<'SCS'
# The service's name as disco shows it.
[Client] Eve
	jid: eve@localhost
	password: pw
-----
Eve connects
Eve sends:
	<iq type='get' id='n' to='conference.localhost'>
		<query xmlns='http://jabber.org/protocol/disco#info'/>
	</iq>
Eve receives:
	<iq type='result' id='n'>
		<query xmlns='http://jabber.org/protocol/disco#info'>
			<identity category='conference' name='NAME'/>
		</query>
	</iq>
SCS
sed 's/NAME/Before/' "$T_DIR/name.scs" > "$T_DIR/before.scs"
sed 's/NAME/After/' "$T_DIR/name.scs" > "$T_DIR/after.scs"
t_play_abs "$T_DIR/before.scs"
sed -i 's/^service_name = Before/service_name = After/' "$T_DIR/mucd.conf"
kill -HUP "$MUCD_PID"
sleep 0.3
t_play_abs "$T_DIR/after.scs"
# A broken file: logged, the running configuration stays.
echo "this line is not key = value" >> "$T_DIR/mucd.conf"
kill -HUP "$MUCD_PID"
sleep 0.3
grep -q "reload failed, configuration unchanged" "$T_DIR/mucd.log" ||
	t_fail "a broken reload was not reported"
t_play_abs "$T_DIR/after.scs"

# --- shutdown with occupants: status 332 -----------------------------------
cat > "$T_DIR/stay.scs" <<'SCS'
# Someone in a room when the service shuts down.
[Client] Zoe
	jid: zoe@localhost
	password: pw
-----
Zoe connects
Zoe sends:
	<presence to='bye@conference.localhost/Zoe'>
		<x xmlns='http://jabber.org/protocol/muc'/>
	</presence>
Zoe receives:
	<presence from='bye@conference.localhost/Zoe'>
		<x xmlns='http://jabber.org/protocol/muc#user'>
			<status code='110'/>
		</x>
	</presence>
Zoe receives:
	<presence type='unavailable' from='bye@conference.localhost/Zoe'>
		<x xmlns='http://jabber.org/protocol/muc#user'>
			<item role='none'/>
			<status code='332'/>
			<status code='110'/>
		</x>
	</presence>
SCS
"$SCSRUN" --port "$C2S_PORT" --timeout 20 "$T_DIR/stay.scs" \
	> "$T_DIR/stay.out" 2>&1 &
stay=$!
i=0
until grep -q "room bye@conference.localhost created" "$T_DIR/mucd.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || t_fail "Zoe never entered"; sleep 0.1
done
sh "$FIXTURE/mucd.sh" stop "$T_DIR" || t_fail "mucd did not stop cleanly"
wait "$stay" || { cat "$T_DIR/stay.out" >&2; t_fail "no 332 at shutdown"; }
t_check_log
echo "$T_NAME: ok"
exit 0
