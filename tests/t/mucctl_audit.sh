#!/bin/sh
# The audit trail: administrative changes through mucctl online (path
# control, actor unix:USER), over XMPP (path xmpp, or adhoc for a
# command; actor the real JID) and offline (path offline) are recorded
# with what changed from what to what and why; `mucctl audit` filters by
# room, actor, time and count, pages, and speaks JSON; the log has each
# event at info; retention deletes old events.
. "$(dirname "$0")/../mucctl/lib.sh"

ME="unix:$(id -un)"
build_helpers
start_prosody
start_mucd

expect 0 "empty trail" mc --json audit
jcount events 0 "no events yet"
expect 0 "empty trail (human)" mc audit
out_has "no changes recorded" "empty trail: says so"

# --- through the control socket ----------------------------------------
expect 0 "room create" mc room create audit --owner romeo@localhost
expect 0 "affiliation set" mc affiliation set audit benvolio@localhost member \
	--reason 'a friend'
expect 0 "nick reserve" mc nick reserve audit benvolio@localhost Ben
expect 0 "room config" mc room config audit password=secret name=Audit
expect 0 "audit (control)" mc --json audit audit
jfield events.0.action create "create: first"
jfield events.0.actor "$ME" "create: the local user"
jfield events.0.path control "create: path control"
jfield events.1.action affiliation "the owner from --owner"
jfield events.1.target romeo@localhost "owner: target"
jfield events.1.new owner "owner: new"
jfield events.2.target persistent "create: the room made persistent"
jfield events.3.action affiliation "affiliation set: recorded"
jfield events.3.old none "affiliation set: old"
jfield events.3.new member "affiliation set: new"
jfield events.3.reason "a friend" "affiliation set: reason"
jfield events.4.action nick "nick reserve: recorded"
jfield events.4.new Ben "nick reserve: the nick"
# Configuration: one event per setting, in the order of the keys.
jfield events.5.target name "config: the key"
jfield events.5.new Audit "config: the new value"
jfield events.6.target password "config: password"
jfield events.6.new "(set)" "config: the password itself is not recorded"
if grep -q secret "$WORK/out"; then
	not_ok "config: the password appears nowhere"; evidence
else
	ok "config: the password appears nowhere"
fi

# --- over XMPP, and an ad-hoc command -----------------------------------
scs_run audit_room
expect 0 "audit --actor romeo@localhost" mc --json audit --actor romeo@localhost
jcount events 5 "xmpp: five changes by Romeo's sessions"
jfield events.0.action moderate "moderation: recorded"
jfield events.0.reason spam "moderation: the reason"
jfield events.0.path xmpp "moderation: path xmpp"
jfield events.1.action kick "kick: recorded"
jfield events.1.target "Juliet (juliet@localhost)" "kick: nick and JID"
jfield events.1.old participant "kick: the role before"
jfield events.1.reason "xmpp kick" "kick: the reason"
jfield events.2.action affiliation "ban: recorded"
jfield events.2.new outcast "ban: outcast"
jfield events.3.action subject "subject: recorded"
jfield events.3.new "Set over XMPP" "subject: the text"
jfield events.4.target moderated "config form: the setting"
case $("$JGET" events.0.actor < "$WORK/out") in
romeo@localhost/?*)
	ok "xmpp: the actor is Romeo's full JID" ;;
*)
	not_ok "xmpp: the actor is Romeo's full JID"; evidence ;;
esac
expect 0 "audit --actor admin@localhost" mc --json audit --actor admin@localhost
jcount events 1 "ad-hoc: one change by the administrator"
jfield events.0.path adhoc "ad-hoc command: path adhoc"
jfield events.0.target mercutio@localhost "ad-hoc command: target"
expect 0 "audit --actor of nobody" mc --json audit --actor nobody@localhost
jcount events 0 "--actor: only that actor"

# --- the log ------------------------------------------------------------
if grep -q "audit: audit@conference.localhost kick Juliet (juliet@localhost): participant -> none by romeo@localhost/.* via xmpp (reason: xmpp kick)" "$D/mucd.log"; then
	ok "log: the kick with actor and reason"
else
	not_ok "log: the kick with actor and reason"
	grep "audit:" "$D/mucd.log" | sed 's/^/  | /'
fi

# --- filters, paging, the human form ------------------------------------
expect 0 "audit --limit 2" mc --json audit --limit 2
jcount events 2 "--limit: two"
jfield more true "--limit: says there is more"
_before=$("$JGET" before < "$WORK/out")
jfield events.1.target moderated "--limit: the newest"
expect 0 "audit --before" mc --json audit --limit 2 --before "$_before"
jfield events.1.action subject "--before: the page before"
expect 0 "audit --since 1h" mc --json audit --since 1h
jcount events 13 "--since 1h: all of them"
expect 0 "audit --since tomorrow" mc --json audit --since 2099-01-01T00:00:00Z
jcount events 0 "--since in the future: none"
expect 2 "audit --since garbage" mc audit --since yesterday
err_has "not a time" "--since: a clear error"
expect 2 "audit --before garbage" mc audit --before x
expect 2 "audit of a room we do not serve" mc audit 'a@elsewhere.example'
expect 0 "audit (human)" mc audit audit --limit 3
out_has "audit@conference.localhost  affiliation mercutio@localhost: none -> member by admin@localhost/" "human: one line an event"
out_has "(adhoc), reason: by command" "human: path and reason"
err_has "continue with --before" "human: how to page"
expect 0 "audit for another room" mc --json audit nosuchroom
jcount events 0 "room filter: none for another room"

# --- destroy, and offline -------------------------------------------------
expect 0 "room destroy" mc room destroy audit --reason 'done'
stop_mucd
expect 0 "offline: room create" mc room create later
expect 0 "offline: ban" mc ban later iago@localhost --reason liar
expect 0 "offline: audit" mc --json audit --limit 4
jfield events.0.action destroy "destroy: recorded"
jfield events.0.reason done "destroy: the reason"
jfield events.0.path control "destroy: path control"
jfield events.1.action create "offline: create"
jfield events.1.path offline "offline: path offline"
jfield events.3.new outcast "offline: the ban"
jfield events.3.actor "$ME" "offline: the local user"

# --- retention ------------------------------------------------------------
MUCD_CONF_EXTRA="audit_max_age = 1" start_mucd
_i=0
while [ $_i -lt 150 ]; do
	mc --json audit > "$WORK/out" 2> "$WORK/err"
	[ "$("$JGET" -n events < "$WORK/out")" = 0 ] && break
	sleep 0.2
	_i=$((_i + 1))
done
jcount events 0 "retention: expired events are deleted"
stop_mucd
finish
