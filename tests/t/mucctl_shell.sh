#!/bin/sh
# mucctl's interactive shell on a pseudo-terminal (tests/mucctl/ptydrive):
# tab completion of a room, an option, a nick with a space (quoted), a
# setting; history recall with the up arrow, also across sessions; a
# line starting with a space is not kept; output as in one-shot mode;
# ^C drops the line. Juliet (tests/mucctl/shell_room.scs) checks that
# the completed and recalled commands really went to the room. Then the
# shell without a terminal reads commands from stdin.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd
expect 0 "room create lobby" mc room create lobby
expect 0 "room create lounge" mc room create lounge

scs_start shell_room
wait_occupant lobby "Juliet Capulet"

HIST=$WORK/history
export MUCCTL_HISTORY="$HIST"
if "$PTYDRIVE" -t 10 -l "$WORK/pty1.log" "$HERE/shell1.pty" -- \
    "$MUCCTL" -c "$D/mucd.conf" > "$WORK/pty1.out" 2>&1; then
	ok "shell session 1 (completion, history, output, ^C)"
else
	not_ok "shell session 1 (completion, history, output, ^C)"
	sed 's/^/  | /' "$WORK/pty1.out"
fi
scs_wait shell_room

if grep -q -x -F "say lobby@conference.localhost 'hello  world'" "$HIST"
then
	ok "history file keeps the completed line"
else
	not_ok "history file keeps the completed line"
	sed 's/^/  | /' "$HIST"
fi
if grep -q "password=secret" "$HIST"; then
	not_ok "a line starting with a space is not kept"
else
	ok "a line starting with a space is not kept"
fi
[ "$(stat -c %a "$HIST")" = 600 ] && ok "history file is private" ||
	not_ok "history file is private ($(stat -c %a "$HIST"))"

if "$PTYDRIVE" -t 10 -l "$WORK/pty2.log" "$HERE/shell2.pty" -- \
    "$MUCCTL" -c "$D/mucd.conf" shell > "$WORK/pty2.out" 2>&1; then
	ok "shell session 2 (history from session 1)"
else
	not_ok "shell session 2 (history from session 1)"
	sed 's/^/  | /' "$WORK/pty2.out"
fi

# Without a terminal: commands from stdin, quoting as on a terminal.
printf '%s\n' "say lobby 'a  b'" "# a comment" "" "rooms" "room show nowhere" |
	mc shell > "$WORK/out" 2> "$WORK/err"
RC=$?
[ $RC -eq 1 ] && ok "shell from stdin: status of the last command" ||
	{ not_ok "shell from stdin: exit $RC, wanted 1"; evidence; }
out_has "sent to lobby" "shell from stdin: say"
out_has "lounge@conference.localhost" "shell from stdin: rooms"
err_has "no room nowhere@conference.localhost" "shell from stdin: errors"
expect 0 "history has the message" mc --json history lobby
jfield history.2.xml "$(mc --json history lobby | "$JGET" history.2.xml)" \
	"history: three messages"
if mc --json history lobby | "$JGET" history.2.xml | grep -q '>a  b<'
then
	ok "shell from stdin: quoted text kept"
else
	not_ok "shell from stdin: quoted text kept"
fi
stop_mucd
finish
