#!/bin/sh
# Private ejabberd instances for the interop tests: the ejabberd
# counterpart of tests/fixture/prosody.sh (component mode only).
#
#   ejabberd.sh start DIR
#   ejabberd.sh restart DIR [kill]  same configuration, node, ports, secret
#                                   and database; with "kill", SIGKILL
#                                   instead of a clean stop
#   ejabberd.sh stop DIR
#
# start creates DIR, picks free loopback ports, writes DIR/ejabberd.yml,
# runs Debian's ejabberd in the background (its files under DIR/ejabberd/:
# Mnesia spool in db/, logs in log/, Erlang cookie, crash dumps), waits
# until c2s logins work and writes DIR/env with the variables prosody.sh
# writes, so tests/fixture/mucd.sh works unchanged:
#   C2S_PORT=...  COMPONENT_PORT=...  COMPONENT_SECRET=...
#   EJABBERD_PID=...  EJABBERD_NODE=...  EJABBERD_DIST_PORT=...
#
# What the instance is:
# - hosts: [localhost]; c2s on 127.0.0.1:C2S_PORT without TLS (no
#   certificate at all) and without shapers, with a listen backlog of
#   1 024 (ejabberd's default, 5, drops the SYNs of a benchmark's
#   hundreds of simultaneous logins); any user@localhost exists
#   and logs in with SASL PLAIN and any password (auth_method: external,
#   with extauth.escript beside this file answering yes to everything:
#   anonymous login_anon would also accept any password, but anonymous
#   accounts are wiped, vCard included, at their last logout);
#   admin@localhost is in the admin ACL.
# - conference.localhost is an external component (ejabberd_service on
#   127.0.0.1:COMPONENT_PORT, random secret; EJABBERD_MUC below makes
#   it ejabberd's own MUC instead). No s2s, no HTTP,
#   no pubsub, no offline storage; disco, ping, vcard (+ vcard-temp:x:
#   update), roster, version, last, time, carbons, private, privacy,
#   blocking, adhoc.
# - Erlang runs as the calling user straight from /usr/bin/erl (not via
#   ejabberdctl, which as root would su to the ejabberd user and default
#   to /etc/ejabberd and /var/lib/ejabberd). The node has a unique name
#   (ejabberd-mucdtest-XXXX@localhost) and a cookie of its own in
#   DIR/ejabberd/.erlang.cookie; distribution listens on 127.0.0.1 at a
#   private port, with -start_epmd false: no epmd is started or used.
#   The system instance, its node name, /etc/ejabberd and
#   /var/lib/ejabberd are never touched.
#
# stop sends TERM to exactly the process start launched (the Erlang VM;
# /usr/bin/erl execs into it), waits (KILL after a grace period), then
# stops any leftover process carrying this instance's unique node name
# (the extauth helper has it on its command line). Idempotent.
#
# ctl runs an ejabberdctl command against the instance, e.g.
#   sh tests/ejabberd/ejabberd.sh ctl DIR connected_users
#
# EJABBERD_USERS (space-separated user names or bare JIDs): these
# accounts get an empty vCard once ejabberd is up (see seed_vcards).
#
# EJABBERD_MULTICAST=1: mod_multicast (XEP-0033) at multicast.localhost,
# set up for mucd as README.md says: only conference.localhost may use it
# (access), and it accepts 100 addresses from local and remote senders
# (limits; a component is a remote sender, with 20 by default;
# EJABBERD_MULTICAST_LIMIT=N sets another number, for experiments).
#
# EJABBERD_MUC=1: ejabberd's own MUC (mod_muc) at conference.localhost
# instead of the component listener, for the benchmark's reference runs
# (tests/bench/e2e.c): rooms of up to 1 000 000 occupants, anyone may
# create them, 20 messages of history, every room archived (mod_mam in
# Mnesia; the room form's field for it is "mam").
#
# Environment: SCSRUN (default tests/bin/scsrun), EJABBERD_ERL (default
# erl), EJABBERD_LIBS (default /usr/lib/x86_64-linux-gnu, as Debian's
# ejabberdctl sets ERL_LIBS), EJABBERD_READY_TIMEOUT (seconds, default
# 30), EJABBERD_STOP_TIMEOUT (default 10), EJABBERD_LOGLEVEL (default
# info; debug logs every stanza).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../fixture/proc.sh"
SCSRUN=${SCSRUN:-$here/../bin/scsrun}
ERL=${EJABBERD_ERL:-erl}
READY_TIMEOUT=${EJABBERD_READY_TIMEOUT:-30}
STOP_TIMEOUT=${EJABBERD_STOP_TIMEOUT:-10}
LOGLEVEL=${EJABBERD_LOGLEVEL:-info}

die() {
	echo "ejabberd.sh: $*" >&2
	exit 1
}

# Where Debian puts ejabberd's Erlang applications (ejabberdctl's ERL_LIBS).
ejabberd_libs() {
	if [ -n "${EJABBERD_LIBS:-}" ]; then
		echo "$EJABBERD_LIBS"
		return
	fi
	l=$(sed -n "s/^ERL_LIBS='\(.*\)'$/\1/p" /usr/sbin/ejabberdctl 2>/dev/null)
	echo "${l:-/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null ||
		echo x86_64-linux-gnu)}"
}

installed() {
	command -v "$ERL" > /dev/null || return 1
	ESCRIPT=$(command -v escript) || return 1
	for d in "$(ejabberd_libs)"/ejabberd-*/ebin; do
		[ -r "$d/ejabberd.app" ] && return 0
	done
	return 1
}

random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# Three distinct free loopback ports: c2s, component, Erlang distribution.
pick_ports() {
	C2S_PORT=$("$SCSRUN" --free-port) || die "cannot find a free port"
	COMPONENT_PORT=$("$SCSRUN" --free-port) || die "cannot find a free port"
	while [ "$COMPONENT_PORT" = "$C2S_PORT" ]; do
		COMPONENT_PORT=$("$SCSRUN" --free-port) ||
			die "cannot find a free port"
	done
	DIST_PORT=$("$SCSRUN" --free-port) || die "cannot find a free port"
	while [ "$DIST_PORT" = "$C2S_PORT" ] ||
	    [ "$DIST_PORT" = "$COMPONENT_PORT" ]; do
		DIST_PORT=$("$SCSRUN" --free-port) || die "cannot find a free port"
	done
}

# mod_multicast for mucd (EJABBERD_MULTICAST), as README.md shows it.
multicast_acl() {
	[ -n "${EJABBERD_MULTICAST:-}" ] || return 0
	cat <<EOF
  mucd:
    server: conference.localhost
EOF
}

multicast_rule() {
	[ -n "${EJABBERD_MULTICAST:-}" ] || return 0
	cat <<EOF
  mucd_multicast:
    allow: mucd
EOF
}

multicast_module() {
	[ -n "${EJABBERD_MULTICAST:-}" ] || return 0
	cat <<EOF
  mod_multicast:
    access: mucd_multicast
    limits:
      local:
        message: ${EJABBERD_MULTICAST_LIMIT:-100}
        presence: ${EJABBERD_MULTICAST_LIMIT:-100}
      remote:
        message: ${EJABBERD_MULTICAST_LIMIT:-100}
        presence: ${EJABBERD_MULTICAST_LIMIT:-100}
EOF
}

# The component listener, or nothing with EJABBERD_MUC (the domain is
# mod_muc's then).
component_listener() {
	[ -z "${EJABBERD_MUC:-}" ] || return 0
	cat <<EOF
  -
    port: $COMPONENT_PORT
    ip: "127.0.0.1"
    module: ejabberd_service
    access: all
    shaper: component_shaper
    check_from: true
    hosts:
      conference.localhost:
        password: "$COMPONENT_SECRET"
EOF
}

# ejabberd's own MUC (EJABBERD_MUC), sized like mucd in the benchmark.
muc_modules() {
	[ -n "${EJABBERD_MUC:-}" ] || return 0
	cat <<EOF
  mod_mam:
    default: never
  mod_muc:
    host: conference.localhost
    access_create: all
    max_users: 1000000
    max_user_conferences: 1000
    history_size: 20
    default_room_options:
      max_users: 1000000
      mam: true
EOF
}

write_config() {
	cat > "$1/ejabberd.yml" <<EOF
# Generated by tests/ejabberd/ejabberd.sh. Test use only.
hosts:
  - localhost
loglevel: $LOGLEVEL
log_rotate_count: 0
hide_sensitive_log_data: false

# Everything on loopback; c2s without TLS (no certificate at all).
listen:
  -
    port: $C2S_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 1024
    starttls: false
    starttls_required: false
    max_stanza_size: 262144
    shaper: c2s_shaper
    access: c2s
$(component_listener)

# No s2s at all, ever.
s2s_access: none
s2s_use_starttls: false

# Any user@localhost exists and logs in with any password (SASL PLAIN):
# external authentication that says yes to everything. No cache, so
# nothing depends on what was asked before.
auth_method: external
extauth_program: "$ESCRIPT $here/extauth.escript $NODE"
extauth_pool_size: 1
auth_use_cache: false
disable_sasl_mechanisms:
  - "digest-md5"
  - "x-oauth2"

acl:
  admin:
    user:
      - "admin@localhost"
  local:
    user_regexp: ""
$(multicast_acl)

access_rules:
  local:
    allow: local
  c2s:
    allow: all
  announce:
    allow: admin
  configure:
    allow: admin
$(multicast_rule)

shaper_rules:
  c2s_shaper: none
  component_shaper: none
  max_user_sessions: 100
  max_user_offline_messages: 1

modules:
  mod_disco: {}
  mod_ping: {}
  mod_vcard:
    search: false
  mod_vcard_xupdate: {}
  mod_roster: {}
  mod_version:
    show_os: false
  mod_last: {}
  mod_time: {}
  mod_carboncopy: {}
  mod_private: {}
  mod_privacy: {}
  mod_blocking: {}
  mod_adhoc: {}
$(multicast_module)
$(muc_modules)
EOF
}

write_env() {
	cat > "$1/env" <<EOF
C2S_PORT=$C2S_PORT
COMPONENT_PORT=$COMPONENT_PORT
COMPONENT_SECRET=$COMPONENT_SECRET
EJABBERD_PID=${EJABBERD_PID:-}
EJABBERD_NODE=$NODE
EJABBERD_DIST_PORT=$DIST_PORT
EOF
}

# Probe in 1 s slices so an ejabberd that dies (it halts on a bad
# configuration or a port it cannot bind) is noticed at once.
wait_ready() {
	_t0=$(date +%s)
	while :; do
		"$SCSRUN" --probe localhost --port "$C2S_PORT" --timeout 1 \
		    > "$1/probe.log" 2>&1 && return 0
		proc_alive "$2" || return 1
		[ $(($(date +%s) - _t0)) -lt "$READY_TIMEOUT" ] || return 1
	done
}

# Start the VM on DIR's configuration (DIR/ejabberd/ejabberd.yml, node
# name, cookie); sets EJABBERD_PID and records "pid starttime" in
# DIR/ejabberd.fixture-pid. /usr/bin/erl execs erlexec, which execs the
# VM: $! is the VM itself. HOME: where the cookie is. The -kernel flag
# and -erl_epmd_port keep distribution on 127.0.0.1:DIST_PORT, and
# -start_epmd false keeps epmd out of it.
spawn_vm() {
	dir=$1 ej=$1/ejabberd
	echo "=== ejabberd.sh: starting node $NODE at $(date '+%F %T')" \
		>> "$ej/log/console.log"
	(
		cd "$ej" || exit 1
		exec env HOME="$ej" \
			ERL_LIBS="$(ejabberd_libs)" \
			ERL_INETRC="$ej/inetrc" \
			ERL_CRASH_DUMP="$ej/log/erl_crash.dump" \
			EJABBERD_CONFIG_PATH="$ej/ejabberd.yml" \
			EJABBERD_LOG_PATH="$ej/log/ejabberd.log" \
			CONTRIB_MODULES_PATH="$ej/contrib" \
			"$ERL" -sname "$NODE" \
			-start_epmd false -erl_epmd_port "$DIST_PORT" \
			-kernel inet_dist_use_interface '{127,0,0,1}' \
			+K true +P 250000 -noinput -noshell \
			-mnesia dir "\"$ej/db\"" \
			-s ejabberd
	) >> "$ej/log/console.log" 2>&1 < /dev/null &
	EJABBERD_PID=$!
	id=$(proc_id "$EJABBERD_PID") || return 1
	echo "$id" > "$dir/ejabberd.fixture-pid"
}

# One attempt: 0 ready, 1 ejabberd died early (e.g. port taken), 2 not ready.
launch() {
	dir=$1
	pick_ports
	write_config "$dir/ejabberd"
	spawn_vm "$dir" || return 1
	wait_ready "$dir" "$id" && return 0
	proc_alive "$id" && return 2
	return 1
}

# Give each account in $EJABBERD_USERS an empty vCard, over c2s like any
# client would. Why: for a user with no stored vCard, mod_vcard_xupdate
# puts <x xmlns='vcard-temp:x:update'/> (XEP-0153 "not ready to advertise")
# in the user's presence, where Prosody (mod_vcard_legacy) puts
# <x xmlns='vcard-temp:x:update'><photo/></x> ("no avatar"). With an
# empty vCard stored, ejabberd says "no avatar" as well.
seed_vcards() {
	dir=$1
	[ -n "${EJABBERD_USERS:-}" ] || return 0
	scs=$dir/ejabberd/seed-vcards.scs
	n=0
	{
		echo "# Generated by tests/ejabberd/ejabberd.sh: empty vCards."
		for u in $EJABBERD_USERS; do
			n=$((n + 1))
			printf '[Client] U%d\n\tjid: %s/seed-vcard\n' "$n" \
				"${u%%@*}@localhost"
			printf '\tpassword: seed\n\n'
		done
		echo "-----"
		i=0
		while [ $i -lt $n ]; do
			i=$((i + 1))
			printf '\nU%d connects\n\nU%d sends:\n' $i $i
			printf '\t<iq type="set" id="seed%d"><vCard xmlns="vcard-temp"/></iq>\n' $i
			printf '\nU%d receives:\n\t<iq type="result" id="seed%d"/>\n' $i $i
			printf '\nU%d disconnects\n' $i
		done
	} > "$scs"
	"$SCSRUN" --port "$C2S_PORT" --settle 0 --timeout 10 "$scs" \
	    > "$dir/ejabberd/seed-vcards.out" 2>&1 && return 0
	echo "ejabberd.sh: could not store the empty vCards:" >&2
	sed 's/^/  /' "$dir/ejabberd/seed-vcards.out" >&2
	return 1
}

start() {
	[ $# -eq 1 ] || die "usage: ejabberd.sh start DIR"
	dir=$1
	installed || die "ejabberd is not installed (sh tests/deps.sh ejabberd)"
	[ -x "$SCSRUN" ] || die "$SCSRUN not built (make tests/bin/scsrun)"
	mkdir -p "$dir/ejabberd/db" "$dir/ejabberd/log" "$dir/ejabberd/contrib" ||
		die "cannot create $dir"
	dir=$(cd "$dir" && pwd)
	ej=$dir/ejabberd
	COMPONENT_SECRET=$(random_hex 16)
	NODE=ejabberd-mucdtest-$(random_hex 6)@localhost
	echo "$NODE" > "$dir/ejabberd.node"
	umask_old=$(umask)
	umask 077
	random_hex 20 > "$ej/.erlang.cookie"
	umask "$umask_old"
	chmod 400 "$ej/.erlang.cookie"
	cat > "$ej/inetrc" <<EOF
{lookup,["file","native"]}.
{host,{127,0,0,1}, ["localhost"]}.
{file, resolv, "/etc/resolv.conf"}.
EOF
	for attempt in 1 2 3; do
		launch "$dir"
		rc=$?
		[ $rc -eq 1 ] || break
		echo "ejabberd.sh: ejabberd exited during start-up" \
			"(attempt $attempt), retrying with new ports" \
			>> "$ej/log/console.log"
	done
	write_env "$dir"
	if [ "$rc" -eq 0 ]; then
		seed_vcards "$dir" && return 0
		stop "$dir"
		return 1
	fi
	echo "ejabberd.sh: ejabberd did not accept logins within" \
		"${READY_TIMEOUT} s: $(tail -n 1 "$dir/probe.log")" >&2
	for f in "$ej/log/console.log" "$ej/log/error.log"; do
		[ -s "$f" ] || continue
		echo "--- tail of $f" >&2
		tail -n 20 "$f" >&2
	done
	stop "$dir"
	return 1
}

# Processes still carrying this instance's unique node name (children of
# the VM that outlived it, e.g. erl_child_setup): certainly ours.
leftovers() {
	grep -laF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p'
}

stop() {
	[ $# -eq 1 ] || die "usage: ejabberd.sh stop DIR"
	dir=$1
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	[ -r "$dir/ejabberd.fixture-pid" ] || return 0
	id=$(cat "$dir/ejabberd.fixture-pid")
	proc_stop "$id" "$STOP_TIMEOUT" ||
		echo "ejabberd.sh: ejabberd ${id%% *} ignored SIGTERM; killed" >&2
	if [ -r "$dir/ejabberd.node" ]; then
		node=$(cat "$dir/ejabberd.node")
		case $node in
		ejabberd-mucdtest-*@localhost)
			for p in $(leftovers "$node"); do
				[ "$p" = "$$" ] && continue
				id=$(proc_id "$p") || continue
				echo "ejabberd.sh: stopping leftover process $p" >&2
				proc_stop "$id" 2
			done ;;
		esac
	fi
	rm -f "$dir/ejabberd.fixture-pid"
	return 0
}

# Stop and start again on the same configuration, node, ports, secret
# and database: what a server restart looks like to mucd and to clients.
restart() {
	[ $# -ge 1 ] || die "usage: ejabberd.sh restart DIR [kill]"
	dir=$(cd "$1" && pwd) || die "no such directory: $1"
	[ -r "$dir/env" ] || die "$dir/env missing: run ejabberd.sh start first"
	. "$dir/env"
	NODE=$EJABBERD_NODE DIST_PORT=$EJABBERD_DIST_PORT
	if [ "${2:-}" = kill ] && [ -r "$dir/ejabberd.fixture-pid" ]; then
		# A crash: nobody is told anything.
		id=$(cat "$dir/ejabberd.fixture-pid")
		proc_kill "$id" 5
	fi
	stop "$dir"
	spawn_vm "$dir" || die "ejabberd exited at once"
	sed -i "s/^EJABBERD_PID=.*/EJABBERD_PID=$EJABBERD_PID/" "$dir/env"
	wait_ready "$dir" "$id" && return 0
	echo "ejabberd.sh: ejabberd did not come back:" \
		"$(tail -n 1 "$dir/probe.log")" >&2
	return 1
}

# ejabberdctl's job, as the calling user and with DIR's cookie (Debian's
# ejabberdctl, run as root, would su to the ejabberd user, whose HOME has
# another cookie). The control node does not listen (-dist_listen false)
# and reaches the server straight at DIST_PORT.
ctl() {
	[ $# -ge 2 ] || die "usage: ejabberd.sh ctl DIR COMMAND [ARG...]"
	dir=$(cd "$1" && pwd) || die "no such directory: $1"
	shift
	[ -r "$dir/env" ] || die "$dir/env missing: run ejabberd.sh start first"
	. "$dir/env"
	HOME="$dir/ejabberd" ERL_LIBS="$(ejabberd_libs)" \
	ERL_INETRC="$dir/ejabberd/inetrc" \
		"$ERL" -sname "ctl-$(random_hex 4)@localhost" -hidden -noinput \
		-start_epmd false -erl_epmd_port "$EJABBERD_DIST_PORT" \
		-dist_listen false -s ejabberd_ctl -extra "$EJABBERD_NODE" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start)	start "$@" ;;
restart) restart "$@" ;;
stop)	stop "$@" ;;
ctl)	ctl "$@" ;;
*)	die "usage: ejabberd.sh start DIR | restart DIR [kill] | stop DIR |" \
	    "ctl DIR COMMAND [ARG...]" ;;
esac
