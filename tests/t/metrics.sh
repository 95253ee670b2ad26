#!/bin/sh
# Metrics, as a scraper and an operator get them: mucd with
# metrics_listen on a free loopback port, scraped with curl while a
# scansion client joins a room, talks and asks for a room that does not
# exist, then speaks twice in a room in slow mode. The counters move by
# what was sent (messages, the error by its condition, the messages
# archived, the slow mode's refusal, the audit trail's events), the
# occupant gauges follow the client, and `status` reads the same numbers. Each scrape passes a format checker: the Prometheus
# text format (what curl gets without asking) through promtool, and
# OpenMetrics (what Prometheus asks for) through tests/t/metrics/
# omcheck.py, a strict checker of its ABNF checked first on expositions
# it must refuse. Then: other paths and methods, a listener that was
# full serves again once its connections close, `mucctl metrics` online
# and offline, bad metrics_listen values refused by -t, at start and on
# reload (and a good one kept until a restart), a second mucd on a port
# in use failing clearly, and a server's error text, with a quote, a
# backslash and a newline, escaped in the last-error label.
set -u
. "$(dirname "$0")/lib.sh"

MUCCTL=$T_ROOT/mucctl/mucctl
MUCCTL_MUCD=$MUCD
export MUCCTL_MUCD
OMCHECK="$T_PYTHON $T_ROOT/tests/t/metrics/omcheck.py"
# What Prometheus 2.x sends.
OM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

t_setup
for tool in curl promtool; do
	command -v $tool > /dev/null || t_fail "$tool not found (make deps)"
done
$OMCHECK --selftest > "$T_DIR/selftest.out" 2>&1 || {
	cat "$T_DIR/selftest.out" >&2
	t_fail "omcheck.py misjudges expositions"
}

# try_scrape FILE [ACCEPT]: GET /metrics into FILE, headers into FILE.h;
# true if that worked. scrape: the same, or the test fails.
try_scrape() {
	curl -s -m 5 -D "$1.h" -o "$1" ${2:+-H "Accept: $2"} \
	    "http://127.0.0.1:$MPORT/metrics" && grep -q '^HTTP/1.1 200' "$1.h"
}
scrape() {
	try_scrape "$@" || t_fail "could not scrape $MPORT: $(head -n 1 "$1.h")"
}

# val FILE SAMPLE: the value of the sample written exactly so.
val() {
	awk -v k="$2" 'index($0, k " ") == 1 {
		print substr($0, length(k) + 2) }' "$1"
}

# valid_prom FILE / valid_om FILE: the exposition passes the checker.
valid_prom() {
	promtool check metrics < "$1" > "$1.lint" 2>&1 || {
		cat "$1.lint" >&2
		t_fail "promtool refuses $1"
	}
}
valid_om() {
	$OMCHECK "$1" >&2 || t_fail "omcheck.py refuses $1"
}

content_type() {
	tr -d '\r' < "$1.h" | sed -n 's/^Content-Type: //p'
}

MPORT=$("$SCSRUN" --free-port) || t_fail "no free port"
export MUCD_CONF_EXTRA="metrics_listen = 127.0.0.1:$MPORT"
t_start_prosody component
t_start_mucd
mc() {
	"$MUCCTL" -c "$T_DIR/mucd.conf" "$@"
}
mc room create talk > /dev/null || t_fail "mucctl room create failed"

# --- both formats, checked -----------------------------------------------
scrape "$T_DIR/p0"
[ "$(content_type "$T_DIR/p0")" = "text/plain; version=0.0.4; charset=utf-8" ] ||
	t_fail "Prometheus format: Content-Type '$(content_type "$T_DIR/p0")'"
valid_prom "$T_DIR/p0"
grep -q '^# EOF' "$T_DIR/p0" && t_fail "the Prometheus format has no # EOF"
scrape "$T_DIR/o0" "$OM_ACCEPT"
[ "$(content_type "$T_DIR/o0")" = \
    "application/openmetrics-text; version=1.0.0; charset=utf-8" ] ||
	t_fail "OpenMetrics: Content-Type '$(content_type "$T_DIR/o0")'"
valid_om "$T_DIR/o0"
[ "$(tail -n 1 "$T_DIR/o0")" = "# EOF" ] || t_fail "OpenMetrics: no # EOF"
# mucd(8) lists every metric, and no other.
sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$T_DIR/p0" | sort -u > "$T_DIR/exposed"
awk '/^\.Sh /{ p = $2 == "METRICS" } p' "$T_ROOT/man/mucd.8" |
	grep -o 'mucd_[a-z_]*' | sort -u > "$T_DIR/documented"
diff "$T_DIR/exposed" "$T_DIR/documented" > "$T_DIR/docdiff" || {
	cat "$T_DIR/docdiff" >&2
	t_fail "mucd(8) METRICS: < exposed, not documented; > the reverse"
}
[ "$(val "$T_DIR/p0" 'mucd_link_state{state="up"}')" = 1 ] ||
	t_fail "the link is not shown up"
[ "$(val "$T_DIR/p0" mucd_rooms_stored)" = 1 ] || t_fail "rooms stored"
for s in mucd_store_commits_total mucd_store_sync_duration_seconds_count \
    mucd_database_size_bytes mucd_resident_memory_bytes \
    mucd_control_connections_accepted_total; do
	[ "$(val "$T_DIR/p0" $s)" -gt 0 ] 2>/dev/null ||
		t_fail "$s is '$(val "$T_DIR/p0" $s)', wanted > 0"
done
# Every change recorded since the start: the room's creation, at least.
events() {
	mc --json audit | "$T_PYTHON" -c 'import json, sys
print(len(json.load(sys.stdin)["events"]))'
}
ev0=$(events) || t_fail "mucctl audit failed"
ae=$(val "$T_DIR/p0" mucd_audit_events_total)
[ "$ev0" -gt 0 ] && [ "$ae" = "$ev0" ] ||
	t_fail "audit events: $ae, the trail has $ev0"

# --- traffic -------------------------------------------------------------
msg='mucd_stanzas_received_total{kind="message"}'
pres='mucd_stanzas_received_total{kind="presence"}'
sent='mucd_stanzas_sent_total{kind="message"}'
nf='mucd_errors_sent_total{condition="item-not-found"}'
m0=$(val "$T_DIR/p0" "$msg") p0=$(val "$T_DIR/p0" "$pres")
s0=$(val "$T_DIR/p0" "$sent") e0=$(val "$T_DIR/p0" "$nf")
f0=$(val "$T_DIR/p0" mucd_fanout_bytes_total)
a0=$(val "$T_DIR/p0" mucd_archived_messages_total)
[ "$(val "$T_DIR/p0" mucd_occupants)" = 0 ] || t_fail "occupants before"
"$SCSRUN" --port "$C2S_PORT" --timeout 20 \
    "$T_ROOT/tests/t/metrics/talk.scs" \
    > "$T_DIR/talk.out" 2>&1 &
talk=$!
# Until the error reply is counted: Ann then waits in the room.
i=0
while :; do
	scrape "$T_DIR/p1"
	[ "$(val "$T_DIR/p1" "$nf")" = $((e0 + 1)) ] && break
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$T_DIR/talk.out" >&2
		t_fail "the item-not-found error was never counted"; }
	sleep 0.1
done
valid_prom "$T_DIR/p1"
[ "$(val "$T_DIR/p1" "$msg")" = $((m0 + 3)) ] ||
	t_fail "messages received: $m0 -> $(val "$T_DIR/p1" "$msg"), sent 3"
[ "$(val "$T_DIR/p1" "$pres")" -gt "$p0" ] || t_fail "the join not counted"
# Each message comes back to its one occupant, after the subject.
[ "$(val "$T_DIR/p1" "$sent")" = $((s0 + 4)) ] ||
	t_fail "messages sent: $s0 -> $(val "$T_DIR/p1" "$sent"), wanted +4"
[ "$(val "$T_DIR/p1" mucd_fanout_bytes_total)" -gt "$f0" ] ||
	t_fail "fan-out bytes did not grow"
ar=$(val "$T_DIR/p1" mucd_archived_messages_total)
[ "$ar" = $((a0 + 3)) ] || t_fail "archived: $a0 -> $ar, sent 3"
[ "$(val "$T_DIR/p1" mucd_occupants)" = 1 ] ||
	t_fail "occupants: $(val "$T_DIR/p1" mucd_occupants), Ann is in"
[ "$(val "$T_DIR/p1" mucd_sessions)" = 1 ] || t_fail "sessions"
[ "$(val "$T_DIR/p1" mucd_rooms_in_memory)" = 1 ] || t_fail "rooms in memory"
scrape "$T_DIR/o1" "$OM_ACCEPT"
valid_om "$T_DIR/o1"
[ "$(val "$T_DIR/o1" "$msg")" = $((m0 + 3)) ] ||
	t_fail "OpenMetrics: messages received"
# status reads the same table.
mc --json status > "$T_DIR/status.json" || t_fail "mucctl status failed"
for pair in "counters.messages $msg" "occupants mucd_occupants" \
    "counters.errors_sent" "link.connects mucd_link_connects_total"; do
	set -- $pair
	want=${2:+$(val "$T_DIR/p1" "$2")}
	[ -n "$want" ] || want=$(sed -n 's/^mucd_errors_sent_total{[^}]*} //p' \
	    "$T_DIR/p1" | awk '{ n += $1 } END { print n }')
	got=$("$T_PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$T_DIR/status.json" "$1") || t_fail "status has no $1"
	[ "$got" = "$want" ] || t_fail "status $1 is $got, metrics say $want"
done
mc say talk done > /dev/null || t_fail "mucctl say failed"
wait $talk || { cat "$T_DIR/talk.out" >&2; t_fail "talk.scs failed"; }
i=0
until scrape "$T_DIR/p2"; [ "$(val "$T_DIR/p2" mucd_occupants)" = 0 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || t_fail "occupants never went back to 0"
	sleep 0.1
done
valid_prom "$T_DIR/p2"

# --- slow mode -----------------------------------------------------------
mc room create slow slow_mode_duration=3600 > /dev/null ||
	t_fail "mucctl room create slow failed"
[ "$(val "$T_DIR/p2" mucd_slow_mode_refused_total)" = 0 ] ||
	t_fail "slow mode refusals before any"
t_play metrics/slow.scs
scrape "$T_DIR/p4"
sr=$(val "$T_DIR/p4" mucd_slow_mode_refused_total)
[ "$sr" = 1 ] || t_fail "slow mode refusals: $sr, wanted 1"
# The room said "done" after the talk: 3 + 1 + the first here.
ar=$(val "$T_DIR/p4" mucd_archived_messages_total)
[ "$ar" = $((a0 + 5)) ] || t_fail "archived: $a0 -> $ar, wanted +5"
ev1=$(events) || t_fail "mucctl audit failed"
ae=$(val "$T_DIR/p4" mucd_audit_events_total)
[ "$ev1" -gt "$ev0" ] && [ "$ae" = "$ev1" ] ||
	t_fail "audit events: $ae, the trail has $ev1 (had $ev0)"

# --- HTTP: paths, methods, HEAD ------------------------------------------
code() {
	curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"
}
[ "$(code "http://127.0.0.1:$MPORT/")" = 404 ] || t_fail "/ is not 404"
[ "$(code "http://127.0.0.1:$MPORT/metricsx")" = 404 ] ||
	t_fail "/metricsx is not 404"
[ "$(code -X POST -d x=1 "http://127.0.0.1:$MPORT/metrics")" = 405 ] ||
	t_fail "POST is not 405"
[ "$(code -I "http://127.0.0.1:$MPORT/metrics")" = 200 ] ||
	t_fail "HEAD is not 200"

# --- a full listener serves again ----------------------------------------
# More idle connections than it serves at once (16), closed together:
# libmicrohttpd must take its listening socket back.
"$T_PYTHON" - "$MPORT" <<'PY' || t_fail "could not hold connections"
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])),
                                 timeout=5) for _ in range(18)]
time.sleep(0.5)
for s in held:
    s.close()
PY
sleep 0.3
[ "$(code "http://127.0.0.1:$MPORT/metrics")" = 200 ] ||
	t_fail "no answer after the connection limit was reached"

# --- mucctl metrics, online ----------------------------------------------
mc metrics > "$T_DIR/m.prom" || t_fail "mucctl metrics failed"
valid_prom "$T_DIR/m.prom"
[ "$(val "$T_DIR/m.prom" "$msg")" = $((m0 + 5)) ] ||
	t_fail "mucctl metrics: messages received (3 in talk, 2 in slow)"
mc metrics --format openmetrics > "$T_DIR/m.om" ||
	t_fail "mucctl metrics --format openmetrics failed"
valid_om "$T_DIR/m.om"
mc --json metrics > "$T_DIR/m.json" || t_fail "mucctl --json metrics"
"$T_PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["content_type"].startswith("text/plain; version=0.0.4"), r
assert "mucd_occupants 0\n" in r["text"], r["text"]' "$T_DIR/m.json" ||
	t_fail "mucctl --json metrics: not the result"
mc metrics --format xml > /dev/null 2> "$T_DIR/err" && t_fail "format xml"
grep -q "format: 'xml' is not prometheus or openmetrics" "$T_DIR/err" ||
	t_fail "a bad format is not refused clearly: $(cat "$T_DIR/err")"

# --- metrics_listen: bad values, reload, a port in use -------------------
cp "$T_DIR/mucd.conf" "$T_DIR/bad.conf"
echo "metrics_listen = localhost:$MPORT" >> "$T_DIR/bad.conf"
sed -i '/^# from MUCD_CONF_EXTRA/,/^metrics_listen = 127/d' "$T_DIR/bad.conf"
"$MUCD" -t -c "$T_DIR/bad.conf" > "$T_DIR/err" 2>&1 && t_fail "-t took it"
grep -q "metrics_listen: 'localhost' is not a numeric IP address" \
    "$T_DIR/err" || t_fail "-t: $(cat "$T_DIR/err")"
"$MUCD" -f -c "$T_DIR/bad.conf" > "$T_DIR/err" 2>&1 && t_fail "started"
grep -q "metrics_listen: 'localhost' is not a numeric IP address" \
    "$T_DIR/err" || t_fail "start: $(cat "$T_DIR/err")"
cp "$T_DIR/mucd.conf" "$T_DIR/good.conf"
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:70000/" \
    "$T_DIR/mucd.conf"
mc reload > /dev/null 2> "$T_DIR/err" && t_fail "reload took port 70000"
grep -q "metrics_listen: '127.0.0.1:70000': the port is out of range" \
    "$T_DIR/err" || t_fail "reload: $(cat "$T_DIR/err")"
NPORT=$("$SCSRUN" --free-port) || t_fail "no free port"
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$NPORT/" \
    "$T_DIR/mucd.conf"
mc reload > "$T_DIR/out" 2>&1 || t_fail "reload: $(cat "$T_DIR/out")"
grep -q "'metrics_listen' changed; it takes effect after a restart" \
    "$T_DIR/mucd.log" || t_fail "reload did not say metrics_listen waits"
[ "$(code "http://127.0.0.1:$MPORT/metrics")" = 200 ] ||
	t_fail "after reload, the old address no longer serves"
[ "$(code "http://127.0.0.1:$NPORT/metrics")" = 000 ] ||
	t_fail "after reload, the new address serves before a restart"
cp "$T_DIR/good.conf" "$T_DIR/mucd.conf"

# A second mucd (its own data and socket) on the same port.
sed -e "s|^datadir = .*|datadir = $T_DIR/data2|" \
    -e "s|^control = .*|control = $T_DIR/second.sock|" \
    -e "s|^pidfile = .*|pidfile = $T_DIR/second.pid|" \
    "$T_DIR/mucd.conf" > "$T_DIR/second.conf"
chmod 600 "$T_DIR/second.conf"
timeout 20 "$MUCD" -f -c "$T_DIR/second.conf" > "$T_DIR/second.log" 2>&1
rc=$?
[ $rc = 1 ] || t_fail "a second mucd on the port: exit $rc, wanted 1"
grep -q "metrics_listen 127.0.0.1:$MPORT: Address already in use" \
    "$T_DIR/second.log" || t_fail "second mucd: $(cat "$T_DIR/second.log")"
[ "$(code "http://127.0.0.1:$MPORT/metrics")" = 200 ] ||
	t_fail "the first mucd stopped serving"

# --- offline --------------------------------------------------------------
sh "$FIXTURE/mucd.sh" stop "$T_DIR" || t_fail "mucd did not stop cleanly"
t_check_log
mc metrics > "$T_DIR/off.prom" 2> "$T_DIR/err" ||
	t_fail "mucctl metrics offline: $(cat "$T_DIR/err")"
grep -q "working on the database" "$T_DIR/err" || t_fail "not offline"
valid_prom "$T_DIR/off.prom"
[ "$(val "$T_DIR/off.prom" 'mucd_link_state{state="disconnected"}')" = 1 ] ||
	t_fail "offline: the link is not disconnected"
[ "$(val "$T_DIR/off.prom" mucd_rooms_stored)" = 2 ] ||
	t_fail "offline: the two stored rooms are not counted"
"$MUCCTL" -D "$T_DIR/data" metrics --format openmetrics > "$T_DIR/off.om" ||
	t_fail "mucctl -D metrics failed"
valid_om "$T_DIR/off.om"

# --- the last error, escaped ----------------------------------------------
# A server that refuses the component with a stream error whose text has
# a quote, a backslash and a newline.
SPORT=$("$SCSRUN" --free-port) || t_fail "no free port"
"$T_PYTHON" "$T_ROOT/tests/t/metrics/badserver.py" "$SPORT" 60 \
    > "$T_DIR/badserver.log" 2>&1 &
bad=$!
sed -e "s/^port = .*/port = $SPORT/" \
    -e "s|^datadir = .*|datadir = $T_DIR/data3|" \
    -e "s|^control = .*|control = $T_DIR/third.sock|" \
    "$T_DIR/mucd.conf" > "$T_DIR/third.conf"
chmod 600 "$T_DIR/third.conf"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 "$MUCD" -f -c "$T_DIR/third.conf" \
    > "$T_DIR/third.log" 2>&1 &
third=$!
want='mucd_link_last_error_info{error="stream error <conflict/>: say \"hi\" to C:\\mucd\nnow"} 1'
i=0
until try_scrape "$T_DIR/p3" && grep -q -F -x "$want" "$T_DIR/p3"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { kill $third $bad; cat "$T_DIR/p3" >&2
		t_fail "no escaped last error"; }
	sleep 0.1
done
valid_prom "$T_DIR/p3"
scrape "$T_DIR/o3" "$OM_ACCEPT"
valid_om "$T_DIR/o3"
grep -q -F -x "$want" "$T_DIR/o3" || t_fail "OpenMetrics: last error"
kill -TERM $third
wait $third
rc=$?
kill $bad 2>/dev/null
wait $bad 2>/dev/null
[ $rc = 0 ] || { tail -n 30 "$T_DIR/third.log" >&2
	t_fail "the third mucd exited with $rc"; }
grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
    "$T_DIR/third.log" && t_fail "sanitizer report in third.log"
t_done
