#!/bin/sh
# mucctl import prosody, on data the real Prosody wrote: the fixture's
# Prosody in reference mode (its own MUC, rooms in files) gets rooms,
# options, affiliations, reserved nicks and subjects through XMPP
# (tests/slix/prosody_rooms.py), is killed, and the document mucctl makes
# of its data directory must be valid mucd-rooms/1 and equal, field by
# field, to what was created, with what does not move named on stderr.
# Then --domain and --host, and every way it can fail: an empty or
# missing data directory, a damaged room file, several MUC hosts, no
# Prosody, no Lua, no exporter: one clear line, the exit status of its
# class, nothing on stdout (a JSON error with --json).
. "$(dirname "$0")/../mucctl/lib.sh"

PYTHON=${T_PYTHON:-/usr/bin/python3}
"$PYTHON" -c 'import slixmpp' > /dev/null 2>&1 ||
	die "$PYTHON cannot import slixmpp (make deps installs python3-slixmpp)"
# The tree's exporter, as the installed mucctl runs the installed one.
MUCCTL_PROSODY_IMPORT=$ROOT/packaging/prosody/mucd-import.lua
export MUCCTL_PROSODY_IMPORT
build_helpers

# --- rooms made by Prosody ----------------------------------------------
# make_rooms DIR [OPTION]: Prosody's data directory DIR with the rooms of
# tests/slix/prosody_rooms.py, Prosody's MUC configured with OPTION too.
make_rooms() {
	PROSODY_MUC_STORAGE=internal PROSODY_MUC_OPTIONS="muc_room_cache_size = 2
${2:-}" sh "$FIXTURE/prosody.sh" start "$D" reference \
		> "$WORK/fixture.out" 2>&1 ||
		{ cat "$WORK/fixture.out"; die "prosody did not start"; }
	rm -f "$WORK/ready"
	C2S_PORT=$(sed -n 's/^C2S_PORT=//p' "$D/env") MUC_MODE=reference \
	    ROOMS_READY=$WORK/ready PYTHONDONTWRITEBYTECODE=1 timeout -k 5 90 \
	    "$PYTHON" "$ROOT/tests/slix/prosody_rooms.py" create \
	    > "$WORK/create.out" 2>&1 &
	_create=$!
	BG_PIDS="$BG_PIDS $_create"
	_tent=$D/data/conference%2elocalhost/config/tent.dat
	_i=0
	until [ -e "$WORK/ready" ] && [ -e "$_tent" ]; do
		kill -0 "$_create" 2>/dev/null && [ $_i -lt 300 ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e "$_tent" ] || not_ok "${1##*/}: Prosody saved the temporary" \
	    "room it pushed out of memory"
	sh "$FIXTURE/prosody.sh" stop "$D" kill
	if wait "$_create"; then
		ok "${1##*/}: rooms created on Prosody's MUC through XMPP"
	else
		not_ok "${1##*/}: rooms created on Prosody's MUC through XMPP"
		sed 's/^/  | /' "$WORK/create.out"
		die "nothing to import"
	fi
	mv "$D/data" "$1"
}

# import_check DIR: the document made of DIR is the rooms, and the
# warnings say what stayed behind.
import_check() {
	expect 0 "import prosody ($1)" "$MUCCTL" import prosody --data "$1"
	"$PYTHON" "$ROOT/tests/slix/prosody_rooms.py" check "$WORK/out" \
		"$WORK/err" || { FAILED=$((FAILED + 1)); evidence; }
}

# Prosody 0.12 writes rooms in its new format unless told otherwise;
# older versions (and new_muc_storage_format = false) in the old one.
make_rooms "$WORK/old" "new_muc_storage_format = false"
grep -q '\["_affiliations"\]' "$WORK/old/conference%2elocalhost/config/orchard.dat" &&
	ok "the old format has _affiliations" ||
	not_ok "the old format has _affiliations"
import_check "$WORK/old"
make_rooms "$WORK/data"
import_check "$WORK/data"
cp "$WORK/out" "$WORK/rooms.json"

# What Prosody had arrives in mucd: apply the document (offline, to a new
# database); a second apply changes nothing.
mkdir "$WORK/mucd-data"
(umask 077 && cat > "$WORK/mucd-import.conf" <<EOF
domain = conference.localhost
secret = import-test-secret-0123456789abcdef
datadir = $WORK/mucd-data
control = $WORK/mucd-import.sock
backup_dir = $WORK
allow_root = yes
EOF
)
expect 0 "apply the imported rooms" "$MUCCTL" -c "$WORK/mucd-import.conf" \
	-D "$WORK/mucd-data" apply "$WORK/rooms.json"
out_has "2 created, 0 changed, 0 unchanged, 0 destroyed" \
	"apply: Prosody's two rooms created"
expect 0 "apply them again" "$MUCCTL" -c "$WORK/mucd-import.conf" \
	-D "$WORK/mucd-data" apply "$WORK/rooms.json"
out_has "0 created, 0 changed, 2 unchanged" "apply: the second time no change"
expect 0 "the orchard in mucd" "$MUCCTL" -c "$WORK/mucd-import.conf" \
	-D "$WORK/mucd-data" --json room show orchard
jfield config.members_only true "mucd: members-only as in Prosody"
jfield config.password_protected true "mucd: the password came along"

# The one MUC host is found; naming it changes nothing; another domain.
expect 0 "--host" "$MUCCTL" import prosody --data "$WORK/data" \
	--host conference.localhost
cmp -s "$WORK/out" "$WORK/rooms.json" && ok "--host: the same document" ||
	not_ok "--host: the same document"
expect 0 "--domain" "$MUCCTL" import prosody --data "$WORK/data" \
	--domain Chat.Example.ORG
jfield rooms.0.jid market@chat.example.org "--domain moves the rooms"
jfield rooms.1.jid orchard@chat.example.org "--domain moves every room"
jfield rooms.1.affiliations.0.jid romeo@localhost \
	"--domain leaves the users' JIDs"
expect 2 "--domain that is a JID" "$MUCCTL" import prosody \
	--data "$WORK/data" --domain a@b.example
err_has "--domain: 'a@b.example' is not a domain" "--domain: why"

# --- failures -----------------------------------------------------------
# fails STATUS WHAT MESSAGE CMD...: that exit status, that one line on
# stderr, nothing on stdout.
fails() {
	_st=$1 _what=$2 _msg=$3
	shift 3
	expect "$_st" "$_what" "$@" || return
	err_has "mucctl: import prosody: $_msg" "$_what: says so"
	[ -s "$WORK/out" ] && { not_ok "$_what: nothing on stdout"; evidence; }
	[ "$(wc -l < "$WORK/err")" -eq 1 ] ||
		{ not_ok "$_what: one line on stderr"; evidence; }
}

mkdir "$WORK/empty"
fails 1 "an empty data directory" \
	"no Prosody MUC data in $WORK/empty: no host there has MUC rooms" \
	"$MUCCTL" import prosody --data "$WORK/empty"
fails 3 "a missing data directory" \
	"no Prosody data directory $WORK/nowhere: No such file or directory" \
	"$MUCCTL" import prosody --data "$WORK/nowhere"
fails 1 "--host without MUC data" \
	"no Prosody MUC data for localhost in $WORK/data (MUC hosts there: conference.localhost)" \
	"$MUCCTL" import prosody --data "$WORK/data" --host localhost

cp -r "$WORK/data" "$WORK/damaged"
printf 'return {\n\t["_jid"] = "orch' > \
	"$WORK/damaged/conference%2elocalhost/config/orchard.dat"
fails 3 "a damaged room file" \
	"cannot read Prosody's data: $WORK/damaged/conference%2elocalhost/config/orchard.dat:2: unfinished string" \
	"$MUCCTL" import prosody --data "$WORK/damaged"
expect 3 "--json: a damaged room file" "$MUCCTL" --json import prosody \
	--data "$WORK/damaged"
jfield error.code unavailable "--json: the error's code"

cp -r "$WORK/data" "$WORK/two"
cp -r "$WORK/two/conference%2elocalhost" "$WORK/two/rooms%2elocalhost"
fails 2 "several MUC hosts" \
	"$WORK/two holds several MUC hosts (conference.localhost, rooms.localhost): choose one with --host" \
	"$MUCCTL" import prosody --data "$WORK/two"
expect 0 "several MUC hosts, --host" "$MUCCTL" import prosody \
	--data "$WORK/two" --host rooms.localhost

# Prosody's launcher and its Lua are found as a shell finds them.
mkdir "$WORK/bin" "$WORK/nobin"
printf '#!/usr/bin/env lua9.9\n' > "$WORK/bin/prosody"
chmod +x "$WORK/bin/prosody"
fails 3 "no Prosody" "Prosody is not installed (no prosody in PATH)" \
	env PATH="$WORK/nobin" "$MUCCTL" import prosody --data "$WORK/data"
fails 3 "no Lua" \
	"Prosody's Lua, lua9.9 (named by $WORK/bin/prosody), is not installed" \
	env PATH="$WORK/bin:$PATH" "$MUCCTL" import prosody --data "$WORK/data"
printf '#!/usr/bin/env lua5.4\nreturn\n' > "$WORK/bin/prosody"
fails 3 "a Lua launcher that is not Prosody's" \
	"the Prosody exporter failed: mucd-import: $WORK/bin/prosody is not Prosody's launcher" \
	env PATH="$WORK/bin:$PATH" "$MUCCTL" import prosody --data "$WORK/data"
printf '#!/bin/sh\n' > "$WORK/bin/prosody"
fails 3 "a launcher that is no Lua script" \
	"$WORK/bin/prosody does not start with the line naming Prosody's Lua" \
	env PATH="$WORK/bin:$PATH" "$MUCCTL" import prosody --data "$WORK/data"
fails 3 "no exporter" \
	"cannot read the Prosody exporter $WORK/none.lua: No such file or directory (MUCCTL_PROSODY_IMPORT names another)" \
	env MUCCTL_PROSODY_IMPORT="$WORK/none.lua" "$MUCCTL" import prosody \
	--data "$WORK/data"
finish
