#!/bin/sh
# mucctl's exit statuses — 0 success, 1 refused, 2 usage, 3 unreachable —
# one class per protocol error code (common/ctlproto.h), whether mucctl
# or the daemon finds the fault; its messages, and the help every command
# has.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers

# --- 2: usage (no daemon needed) ----------------------------------------
NOCONF="-c $WORK/none.conf"
# shellcheck disable=SC2086
{
expect 2 "unknown command" "$MUCCTL" $NOCONF frobnicate
err_has "unknown command 'frobnicate'" "unknown command: named"
expect 2 "unknown subcommand" "$MUCCTL" $NOCONF room frob x
err_has "room: unknown subcommand 'frob'" "unknown subcommand: named"
expect 2 "a typo" "$MUCCTL" $NOCONF ocupants lobby
err_has "did you mean 'occupants'?" "a typo: did you mean"
expect 2 "a typo in a subcommand" "$MUCCTL" $NOCONF room destory lobby
err_has "did you mean 'room destroy'?" "a subcommand typo: did you mean"
expect 2 "a typo in a group" "$MUCCTL" $NOCONF afiliation set
err_has "did you mean 'affiliation" "a group typo: did you mean"
if grep -q "did you mean" "$WORK/err" && "$MUCCTL" $NOCONF frobnicate 2>&1 |
    grep -q "did you mean"; then
	not_ok "no suggestion for a word far from every command"
else
	ok "no suggestion for a word far from every command"
fi
expect 2 "group without subcommand" "$MUCCTL" $NOCONF nick
expect 2 "missing argument" "$MUCCTL" $NOCONF room show
err_has "mucctl: room show: missing ROOM" "missing argument: named"
err_has "usage: mucctl room show ROOM" "missing argument: usage line"
expect 2 "too many arguments" "$MUCCTL" $NOCONF occupants a b
expect 2 "unknown option" "$MUCCTL" $NOCONF rooms --bogus
expect 2 "option without its value" "$MUCCTL" $NOCONF rooms --limit
expect 2 "non-numeric --limit" "$MUCCTL" $NOCONF rooms --limit ten
expect 2 "bad affiliation word" "$MUCCTL" $NOCONF affiliations r boss
expect 2 "setting without '='" "$MUCCTL" $NOCONF room create r public
expect 2 "unknown setting" "$MUCCTL" $NOCONF room create r colour=red
expect 2 "control characters in text" "$MUCCTL" $NOCONF say r "$(printf 'a\001b')"
err_has "text: control characters cannot be sent over XMPP" \
	"control characters: the argument is named"
expect 2 "control characters in a setting" "$MUCCTL" $NOCONF room config r \
	"name=$(printf 'a\033[2Jb')"
expect 2 "unknown global option" "$MUCCTL" -Z status
err_has "mucctl: unknown option '-Z'" "getopt: names the program, not its path"
expect 2 "unknown global long option" "$MUCCTL" --frob status
err_has "mucctl: unknown option '--frob'" "getopt: long option named"
expect 2 "global option without its value" "$MUCCTL" -s
err_has "mucctl: option '-s' needs a value" "getopt: missing value named"
expect 2 "no command and no terminal" "$MUCCTL" $NOCONF < /dev/null
expect 2 "help on no such command" "$MUCCTL" help frob

# --- 0: help ------------------------------------------------------------
expect 0 "--help" "$MUCCTL" --help
out_has "room create" "--help lists commands"
expect 0 "help" "$MUCCTL" help
expect 0 "room --help" "$MUCCTL" $NOCONF room --help
out_has "room destroy" "room --help lists subcommands"
expect 0 "help room create" "$MUCCTL" help room create
out_has "usage: mucctl room create ROOM [key=value ...]" "help: usage line"
out_has "examples:" "help: examples"
expect 0 "room create --help" "$MUCCTL" $NOCONF room create --help
out_has "usage: mucctl room create" "--help after a command"
for c in status rooms "room show" "room create" "room config" \
    "room destroy" occupants kick say history affiliations \
    "affiliation set" ban "nick reserve" "nick release" "nick show" \
    "user rooms" reload shutdown backup shell help; do
	# shellcheck disable=SC2086
	run "$MUCCTL" $NOCONF $c --help
	if [ $RC -eq 0 ] && grep -q "^usage: mucctl $c" "$WORK/out" &&
	    grep -q "^examples:" "$WORK/out"; then
		ok "$c --help"
	else
		not_ok "$c --help"; evidence
	fi
done
expect 0 "-V" "$MUCCTL" -V
out_has "mucctl " "-V: version"

# --- 3: unreachable -----------------------------------------------------
expect 3 "no daemon at -s" "$MUCCTL" -s "$WORK/no.sock" status
err_has "mucctl: status: cannot connect to mucd at $WORK/no.sock" \
	"no daemon: says where"
expect 3 "unreadable config, default socket" "$MUCCTL" $NOCONF status
err_has "configuration was not usable: $WORK/none.conf" \
	"unreadable config: says why the socket is a guess"
printf 'domain = \n' > "$WORK/bad.conf"
expect 3 "broken config" "$MUCCTL" -c "$WORK/bad.conf" status
err_has "$WORK/bad.conf:1" "broken config: points at the line"
expect 3 "offline without a data directory" "$MUCCTL" -s "$WORK/no.sock" \
	$NOCONF rooms
err_has "data directory is unknown" "offline: says the data dir is unknown"
expect 3 "-D on a directory without a database" "$MUCCTL" -D "$WORK" rooms
mkdir -p "$WORK/fresh"
expect 3 "-D with an online-only command" "$MUCCTL" $NOCONF -D "$WORK/fresh" \
	status
err_has "'status' needs the running daemon" "-D status: the daemon's reason"
}

# --- 1: refused; 0: done (with a daemon) --------------------------------
start_prosody
start_mucd
expect 0 "a command that works" mc room create here
expect 1 "not found" mc room show nowhere
err_has "mucctl: room show: no room nowhere@conference.localhost" \
	"not found: the daemon's message"
expect 1 "conflict" mc room create here
expect 2 "bad request from the daemon" mc rooms --match '('
err_has "invalid regular expression '(': " "bad request: message with detail"
expect 2 "bad value, found by the daemon" mc room config here moderated=maybe
expect 2 "bad number, found by the daemon" mc room config here \
	max_occupants=-5
expect 2 "bad word, found by the daemon" mc room config here whois=sometimes
expect 2 "bad room JID" mc room show 'a@b@c'
expect 2 "room on another domain" mc room show here@elsewhere.example
expect 2 "bad --after" mc rooms --after 'x@y@z'
expect 1 "kick of an absent nick" mc kick here Nobody
err_has "no occupant with the nick 'Nobody' in here@conference.localhost" \
	"kick: says it in words"
expect 1 "kick of an absent nick, --json" mc --json kick here Nobody
jfield error.code not-found "kick --json: the code"
expect 1 "backup outside backup_dir" mc backup /etc/mucd-backup
err_has "backups are written only under" "backup: confined to backup_dir"
expect 0 "backup" mc backup b1
expect 1 "backup into a non-empty directory" mc backup b1
if grep -q "backup: backup:" "$WORK/err"; then
	not_ok "backup error: the command is named once"; evidence
else
	ok "backup error: the command is named once"
fi
mc ban here evil.example > /dev/null 2>&1
expect 1 "banned JID cannot reserve" mc nick reserve here x@evil.example X
expect 0 "--json prints one document" mc --json status
"$JGET" . < "$WORK/out" > /dev/null 2>&1 && ok "--json: valid JSON" ||
	not_ok "--json: valid JSON"
expect 3 "-D while mucd runs" mc -D "$D/data" rooms
err_has "mucd is running; use the control socket" "-D: the clear message"
stop_mucd
expect 3 "online-only command with mucd stopped" mc kick here someone
err_has "(is mucd running?)" "stopped: suggests why"
finish
