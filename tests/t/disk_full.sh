#!/bin/sh
# A full disk under the data directory: changes are refused with an
# error reply (and nothing in memory changes), the daemon stays up and
# keeps serving, and once space returns changes succeed again.
# Needs a small tmpfs, so root (CI runs as root); skipped otherwise.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
mkdir -p "$T_DIR/data"
if ! mount -t tmpfs -o size=8m tmpfs "$T_DIR/data" 2>/dev/null; then
	echo "$T_NAME: SKIP: cannot mount a tmpfs here"
	exit 0
fi
cleanup_mount() {
	sh "$FIXTURE/mucd.sh" stop "$T_DIR" > /dev/null 2>&1
	i=0
	while ! umount "$T_DIR/data" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	mountpoint -q "$T_DIR/data" && umount -l "$T_DIR/data"
	t_cleanup
}
trap cleanup_mount EXIT
cc -O1 -o "$T_DIR/ctl" "$T_ROOT/tests/t/crash/ackstorm.c" ||
	t_fail "cannot build the control client"
t_start_prosody component
t_start_mucd
ctl() {
	printf '%s\n' "$1" | "$T_DIR/ctl" "$T_DIR/mucd.sock" -
}

ctl '{"id":1,"cmd":"room.create","args":{"room":"full","config":{"persistent":"yes"}}}' |
	grep -q '"ok":true' || t_fail "room.create failed"
ctl '{"id":2,"cmd":"affiliation.set","args":{"room":"full","jid":"before@example.org","affiliation":"member"}}' |
	grep -q '"ok":true' || t_fail "a change before the disk filled failed"

# Fill the disk, then keep changing until the store refuses.
dd if=/dev/zero of="$T_DIR/data/filler" bs=64k > /dev/null 2>&1
refused=
i=0
while [ $i -lt 2000 ]; do
	reply=$(ctl "{\"id\":3,\"cmd\":\"affiliation.set\",\"args\":{\"room\":\"full\",\"jid\":\"u$i@example.org\",\"affiliation\":\"member\",\"reason\":\"$(printf '%0200d' 0)\"}}")
	case $reply in
	*'"ok":false'*) refused=$i; break ;;
	esac
	i=$((i + 1))
done
[ -n "$refused" ] || t_fail "the store never refused a change on a full disk"
echo "$reply" | grep -q '"code":"internal"' ||
	t_fail "unexpected refusal: $reply"
# The refused change is not in memory either.
ctl '{"id":4,"cmd":"affiliations","args":{"room":"full"}}' |
	grep -q "\"u$refused@example.org\"" &&
	t_fail "a refused change is visible in memory"
# Still serving: status over the control socket and disco over XMPP.
ctl '{"id":5,"cmd":"status"}' | grep -q '"ok":true' ||
	t_fail "status failed while the disk is full"
"$SCSRUN" --probe conference.localhost --port "$C2S_PORT" --timeout 5 \
	> /dev/null 2>&1 || t_fail "XMPP service gone while the disk is full"

# Space returns: changes work again.
rm -f "$T_DIR/data/filler"
ok=
j=0
while [ $j -lt 20 ]; do
	ctl "{\"id\":6,\"cmd\":\"affiliation.set\",\"args\":{\"room\":\"full\",\"jid\":\"after$j@example.org\",\"affiliation\":\"member\"}}" |
		grep -q '"ok":true' && { ok=1; break; }
	sleep 0.5
	j=$((j + 1))
done
[ -n "$ok" ] || t_fail "changes still refused after space returned"
# And the state is consistent after a restart.
t_restart_mucd
members=$(ctl '{"id":7,"cmd":"affiliations","args":{"room":"full","affiliation":"member"}}')
for who in before@example.org "after$j@example.org"; do
	echo "$members" | grep -q "\"$who\"" || t_fail "$who lost"
done
echo "$T_NAME: refused after $refused changes on a full disk; recovered"
t_done
