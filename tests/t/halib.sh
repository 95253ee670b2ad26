# Shared by the high-availability tests (tests/t/ha_*.sh; sourced, not
# run): a private Prosody and three mucd sites of one replication group
# on loopback, each in its own directory T_DIR/s1..s3 (with mucd.sh's
# files there), site 1 first in the elections. A script outside tests/t
# sets HA_TDIR to tests/t first.
. "${HA_TDIR:-$(dirname "$0")}/lib.sh"

MUCCTL=${MUCCTL:-$T_ROOT/mucctl/mucctl}
ROOM=lobby@conference.localhost
sites="s1 s2 s3"
cleanup_sites() {
	for s in $sites; do
		sh "$FIXTURE/mucd.sh" stop "$T_DIR/$s" > /dev/null 2>&1
	done
	t_cleanup
}

# Free loopback ports for the group: P1, P2, P3, and P4 for a site that
# joins later (ha_newsite.sh).
ha_ports() {
	set -- $("$T_PYTHON" -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
	P1=$1 P2=$2 P3=$3 P4=$4
}
port_of() {
	case $1 in s1) echo $P1 ;; s2) echo $P2 ;; s3) echo $P3 ;; s4) echo $P4 ;;
	esac
}
prio_of() {
	case $1 in s1) echo 300 ;; s2) echo 200 ;; s3) echo 100 ;; s4) echo 400 ;;
	esac
}

# site_conf NAME: its configuration's replication lines: repl_peers the
# other sites, or HA_PEERS_NAME if set; then HA_CONF_EXTRA (the same for
# every site) and HA_CONF_NAME (this one's).
site_conf() {
	peers=
	for o in $sites; do
		[ "$o" = "$1" ] && continue
		peers="$peers${peers:+, }127.0.0.1:$(port_of "$o")"
	done
	eval "peers=\${HA_PEERS_$1:-\$peers}"
	printf 'repl_local = 127.0.0.1:%s\nrepl_peers = %s\nrepl_priority = %s\n' \
	    "$(port_of "$1")" "$peers" "$(prio_of "$1")"
	[ -z "${HA_CONF_EXTRA:-}" ] || printf '%s\n' "$HA_CONF_EXTRA"
	eval "_own=\${HA_CONF_$1:-}"
	[ -z "$_own" ] || printf '%s\n' "$_own"
}

# start_site NAME: start it (again), as mucd.sh does, which waits until
# the service answers disco (whichever site is the master).
start_site() {
	mkdir -p "$T_DIR/$1"
	cp "$T_DIR/env" "$T_DIR/$1/env"
	MUCD_CONF_EXTRA=$(site_conf "$1") \
	    sh "$FIXTURE/mucd.sh" start "$T_DIR/$1" "$MUCD"
}

# ctl SITE ARGS...: mucctl on that site's control socket.
ctl() {
	_s=$1
	shift
	"$MUCCTL" -s "$T_DIR/$_s/mucd.sock" "$@"
}

# role_of SITE: master, replica or none, with "-ready" when its
# databases are open.
role_of() {
	ctl "$1" --json replication status 2>/dev/null |
	    "$T_PYTHON" -c 'import json,sys
r = json.load(sys.stdin)
print(r["role"] + ("-ready" if r["ready"] else ""))' 2>/dev/null
}

# the_master "SITES" N: wait up to N tenths of a second for exactly one
# master among SITES; print it.
the_master() {
	_i=0
	while [ $_i -lt "$2" ]; do
		_m=
		_n=0
		for s in $1; do
			if [ "$(role_of "$s")" = master-ready ]; then
				_m=$s
				_n=$((_n + 1))
			fi
		done
		[ $_n -eq 1 ] && { echo "$_m"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ha_start: Prosody, then the three sites together (a lone site cannot
# elect itself), until one is the master and two are replicas with their
# copies; fails the test if they do not get there.
ha_start() {
	t_setup
	umask 077
	trap cleanup_sites EXIT
	t_start_prosody component
	ha_ports
	start_site s1 &
	_w1=$!
	start_site s2 &
	_w2=$!
	start_site s3 &
	_w3=$!
	wait $_w1 || t_fail "site s1 did not start"
	wait $_w2 || t_fail "site s2 did not start"
	wait $_w3 || t_fail "site s3 did not start"
	# Until the replicas have their copies, they cannot vote.
	ha_settled 200 "the group did not settle"
}

# ha_settled TENTHS WHAT: wait up to TENTHS tenths of a second for one
# ready master and two ready replicas; else fail with WHAT and the roles.
ha_settled() {
	t_wait "$1" ha_is_settled || t_fail "$2: $(ha_roles)"
}

ha_is_settled() {
	[ "$(ha_roles)" = "master-ready replica-ready replica-ready" ]
}

# ha_disco TRIES WHAT: wait for the service to answer disco through
# Prosody (a master serves), up to TRIES probes of a second; else fail
# with WHAT.
ha_disco() {
	_i=0
	until "$SCSRUN" --probe conference.localhost --port "$C2S_PORT" \
	    --timeout 1 > "$T_DIR/probe.out" 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt "$1" ] || t_fail "$2"
	done
}

# ha_roles: every site's role_of, sorted.
ha_roles() {
	for s in $sites; do
		role_of "$s"
	done | sort | tr '\n' ' ' | sed 's/ $//'
}

# ha_others SITE: the other sites.
ha_others() {
	for _o in $sites; do
		[ "$_o" != "$1" ] && printf '%s ' "$_o"
	done
	return 0
}

# ha_kill SITE: kill -9, as a host dies.
ha_kill() {
	proc_kill "$(cat "$T_DIR/$1/mucd.fixture-pid")" 5 ||
		t_fail "could not kill $1"
	rm -f "$T_DIR/$1/mucd.fixture-pid"
}

# ha_clients [ROUNDS]: the clients of tests/slix/ha_occupants.py in the
# background (HA_ROUNDS=ROUNDS when given), their phase files in $D; back
# once they are in their rooms. client_failed WHY...: fail the test with
# their output.
ha_clients() {
	D=$T_DIR/phases
	mkdir -p "$D"
	C2S_PORT=$C2S_PORT MUC_MODE=mucd HA_DIR=$D HA_ROUNDS=${1:-} \
	    PYTHONDONTWRITEBYTECODE=1 SLIX_TIMEOUT=10 \
	    SLIX_HARD_TIMEOUT=$(( ${1:-1} * 60 + 90 )) \
	    "$T_PYTHON" "$T_ROOT/tests/slix/ha_occupants.py" \
	    > "$T_DIR/slix.out" 2>&1 &
	client=$!
	t_wait 300 test -e "$D/joined" ||
		client_failed "the clients did not join"
}

client_failed() {
	kill "$client" 2>/dev/null
	cat "$T_DIR/slix.out" >&2
	t_fail "$@"
}

# ha_done: every site still running stops cleanly, without a sanitizer
# report.
ha_done() {
	for s in $sites; do
		[ -r "$T_DIR/$s/mucd.fixture-pid" ] || continue
		sh "$FIXTURE/mucd.sh" stop "$T_DIR/$s" ||
			t_fail "site $s did not stop cleanly"
		if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    "$T_DIR/$s/mucd.log"; then
			tail -n 40 "$T_DIR/$s/mucd.log" >&2
			t_fail "sanitizer report in $s/mucd.log"
		fi
	done
	echo "$T_NAME: ok"
}
