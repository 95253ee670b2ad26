#!/bin/sh
# Room avatars through mucctl, online and offline: `room avatar set`
# from a file makes the room's vCard and hash (seen by an XMPP client,
# tests/t/avatar/seen.scs), stored with the room (it survives a
# restart); `room avatar show` gives type, size and hash and saves the
# image; `room avatar clear`; a file that is no image, an empty one, one
# over avatar_max_size or too large to send back, and a missing
# subcommand are clear refusals.
. "$(dirname "$0")/../mucctl/lib.sh"

build_helpers
start_prosody
MUCD_CONF_EXTRA='avatar_max_size = 2K'
export MUCD_CONF_EXTRA
start_mucd


HASH=2732f12a8f18d27cf0fa78ef41091bfa1ccec9ce
printf '%s' 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' |
	base64 -d > "$WORK/dot.png"
printf 'not an image at all\n' > "$WORK/note.txt"
: > "$WORK/empty.png"
{ printf '\211PNG\r\n\032\n'; head -c 4096 /dev/zero; } > "$WORK/big.png"

expect 0 "room create" mc room create lobby
expect 0 "room avatar set" mc room avatar set lobby "$WORK/dot.png"
out_has "lobby@conference.localhost: avatar set ($HASH)" "set: says the hash"
expect 0 "room avatar show --json" mc --json room avatar show lobby
jfield avatar.hash "$HASH" "show: hash"
jfield avatar.type image/png "show: type"
jfield avatar.size 69 "show: size"
expect 0 "room avatar show FILE" mc room avatar show lobby "$WORK/out.png"
out_has "$HASH" "show: human output"
cmp -s "$WORK/dot.png" "$WORK/out.png" && ok "show FILE saves the image" ||
	not_ok "show FILE saves the image"
scs_play avatar seen "a client sees the hash on entering, and the vCard"

expect 2 "a file that is no image" mc room avatar set lobby "$WORK/note.txt"
err_has "Not a PNG, JPEG, GIF or WebP image" "says what it wants"
expect 2 "an empty file" mc room avatar set lobby "$WORK/empty.png"
expect 2 "a missing file" mc room avatar set lobby "$WORK/none.png"
expect 1 "an image over avatar_max_size" mc room avatar set lobby \
	"$WORK/big.png"
err_has "avatar_max_size" "says which limit"
expect 2 "a missing subcommand" mc room avatar
err_has "room avatar: missing subcommand" "names the group"
expect 0 "room avatar --help" mc room avatar --help
out_has "room avatar set" "help lists the subcommands"
expect 0 "show after the refusals" mc --json room avatar show lobby
jfield avatar.hash "$HASH" "the refusals changed nothing"

stop_mucd
start_mucd
scs_play avatar seen "the avatar survives a restart"
stop_mucd

# Offline, through the daemon in maintenance mode.
expect 0 "room avatar show offline" mc --json room avatar show lobby
jfield avatar.hash "$HASH" "offline: the hash"
expect 0 "room avatar clear offline" mc room avatar clear lobby
out_has "avatar removed" "clear: says so"
expect 0 "room avatar show offline (2)" mc room avatar show lobby
out_has "has no avatar" "cleared"
expect 1 "show FILE without an avatar" mc room avatar show lobby \
	"$WORK/none.png"
expect 0 "room avatar set offline" mc room avatar set lobby "$WORK/dot.png"
start_mucd
scs_play avatar seen "set offline, seen online"
stop_mucd

# An image within avatar_max_size whose vCard would not fit
# max_stanza_out could never be fetched: refused when set.
MUCD_CONF_EXTRA='avatar_max_size = 64K
max_stanza_out = 16K'
start_mucd
{ printf '\211PNG\r\n\032\n'; head -c 14000 /dev/zero; } > "$WORK/wide.png"
expect 1 "an image whose vCard would exceed max_stanza_out" \
	mc room avatar set lobby "$WORK/wide.png"
err_has "max_stanza_out" "says which limit"
stop_mucd
finish
