#!/bin/sh
# One implementation of every command: each offline-capable command of the
# protocol, run on two copies of one database — through the running
# daemon, and through `mucctl -D` (mucd in maintenance mode) — gives the
# same JSON and the same exit status, refusals included. Times and what
# happens to be loaded in memory are the only fields allowed to differ.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
start_mucd
# A database to start from, with rooms in several states.
mc room create lobby name=Lobby public=yes > /dev/null 2>&1 ||
	die "room create lobby"
mc room create team members_only=yes --owner alice@localhost \
	> /dev/null 2>&1 || die "room create team"
mc affiliation set team bob@localhost member --nick Bob > /dev/null 2>&1 ||
	die "affiliation set"
stop_mucd
cp -a "$D/data" "$WORK/offline-data"
rm -f "$WORK/offline-data/mucd.lock"

# An image for `room avatar set`.
printf '%s' 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' |
	base64 -d > "$WORK/dot.png"

# The commands, in order; a line is one mucctl command line (eval'd).
cat > "$WORK/script" <<'EOF'
rooms
rooms --after 'x@y@z'
rooms --unused 99999999
rooms --match '('
rooms --limit 1 --after lobby
room create r1 name=One --owner a@localhost
room create r1
room create r2 persistent=no
room create r3 colourful=yes
room config r1 moderated=yes description=Described
room config r1 moderated=maybe
room config r1 max_occupants=-5
room config nowhere public=yes
room show r1
room show team
affiliation set r1 b@localhost member --nick Bee
affiliation set r1 admin@localhost member
affiliation set r1 'bad@@jid' member
affiliation set r1 a@localhost member
ban r1 evil.example --reason spam
nick reserve r1 x@evil.example X
nick reserve r1 c@localhost Cee
nick reserve r1 d@localhost Cee
nick show r1 c@localhost
nick release r1 c@localhost
nick release r1 c@localhost
affiliations r1
affiliations r1 outcast
affiliations team
user rooms b@localhost
user rooms bob@localhost
hats add r1 b@localhost urn:x:hat --title Hat
hats add r1 b@localhost nouri
hats list r1
hats remove r1 b@localhost urn:x:hat
hats remove r1 b@localhost urn:x:hat
blocklist add spam.example --reason spam
blocklist add admin@localhost
blocklist list
blocklist remove spam.example
blocklist remove spam.example
room avatar set r1 "$WORK/dot.png"
room avatar set r1 "$WORK/script"
room avatar show r1
room avatar clear r1
room avatar show r1
room destroy r1 --reason bye --alternate lobby@conference.localhost
room show r1
room destroy r1
rooms
rooms --tombstones
room forget r1
room forget r1
backup same
backup same
backup /etc/not-here
metrics --format xml
EOF

# Exit status and --json output of each line, with times and memory
# state blanked.
play() {
	_n=0
	while IFS= read -r line; do
		_n=$((_n + 1))
		eval "set -- $line"
		"$@" --json > "$WORK/o" 2> /dev/null
		echo "[$_n] exit $? $line"
		sed -E -e 's/"(created|last_used|time|stamp|started|uptime|when|destroyed|expires)": *[0-9]+/"\1": T/g' \
			-e 's/"loaded": *(true|false)/"loaded": L/g' \
			-e 's/"locked": *(true|false)/"locked": L/g' "$WORK/o"
	done < "$WORK/script"
}
on() { "$MUCCTL" -c "$D/mucd.conf" "$@"; }
off() { "$MUCCTL" -c "$D/mucd.conf" -D "$WORK/offline-data" "$@"; }

start_mucd
sed 's/^/on /' "$WORK/script" > "$WORK/script.on"
sed 's/^/off /' "$WORK/script" > "$WORK/script.off"
cp "$WORK/script.on" "$WORK/script"
play > "$WORK/daemon.out"
stop_mucd
rm -rf "$D/backups/same"
cp "$WORK/script.off" "$WORK/script"
play > "$WORK/offline.out"
sed -i 's/^\(\[[0-9]*\] exit [0-9]*\) off /\1 /' "$WORK/offline.out"
sed -i 's/^\(\[[0-9]*\] exit [0-9]*\) on /\1 /' "$WORK/daemon.out"

n=$(grep -c '^\[' "$WORK/daemon.out")
[ "$n" -ge 35 ] && ok "$n commands run through the daemon" ||
	not_ok "commands run through the daemon: $n"
if diff "$WORK/daemon.out" "$WORK/offline.out" > "$WORK/diff"; then
	ok "daemon and offline mode agree on all $n commands"
else
	not_ok "daemon and offline mode disagree"
	sed 's/^/  | /' "$WORK/diff"
fi
# The answers are real ones, not two identical failures.
grep -q '^\[2\] exit 2 ' "$WORK/daemon.out" &&
	ok "an invalid --after is refused (exit 2)" ||
	not_ok "an invalid --after is refused (exit 2)"
grep -q '^\[6\] exit 0 ' "$WORK/daemon.out" &&
	ok "room create works" || not_ok "room create works"
grep -q '"code": "conflict"' "$WORK/daemon.out" &&
	ok "refusals carry their code" || not_ok "refusals carry their code"
finish
