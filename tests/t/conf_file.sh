#!/bin/sh
# What mucd accepts as its configuration file, for "mucd -t", at start
# and on reload (SIGHUP) alike, and what mucctl survives:
# - only a regular file, of at most 1 MiB, without NUL bytes: /dev/zero
#   (directly or through a symbolic link) and a FIFO are refused at once
#   instead of spinning or blocking (timeouts catch both);
# - as ssh requires of private keys: owned by root or mucd's user, not
#   writable by group or others, not readable by everyone when it holds
#   the secret;
# - a real secret: not the shipped placeholder nor any secret the
#   documentation shows, and at least 16 bytes; the error names the line.
set -u
. "$(dirname "$0")/lib.sh"

MUCCTL=${MUCCTL:-$T_ROOT/mucctl/mucctl}
t_setup
umask 077
SECRET=0123456789abcdef-tests

# conf FILE [SECRET]: a configuration that would work, mode 0600.
conf() {
	cat > "$1" <<CONF
domain = conference.localhost
secret = ${2:-$SECRET}
datadir = $T_DIR/data-t
control = $T_DIR/t.sock
pidfile = $T_DIR/t.pid
allow_root = yes
CONF
	chmod 600 "$1"
}

# refused LABEL PATTERN FILE: "mucd -t", then a start, fail at once (status
# 1, within the timeout) with an error matching PATTERN.
refused() {
	for how in -t -f; do
		timeout 10 "$MUCD" $how -c "$3" > "$T_DIR/out" 2>&1
		rc=$?
		[ $rc -eq 124 ] && t_fail "$1: mucd $how hangs"
		[ $rc -eq 1 ] || t_fail "$1: mucd $how: status $rc, want 1:" \
			"$(cat "$T_DIR/out")"
		grep -q -e "$2" "$T_DIR/out" ||
			t_fail "$1: mucd $how: unclear error: $(cat "$T_DIR/out")"
	done
	[ -e "$T_DIR/t.sock" ] && t_fail "$1: a socket was created"
}

accepted() {
	timeout 10 "$MUCD" -t -c "$2" > "$T_DIR/out" 2>&1 ||
		t_fail "$1: refused: $(cat "$T_DIR/out")"
}

# --- only a regular file, bounded, no NUL -----------------------------------
refused "/dev/zero" "/dev/zero: a device, not a regular file" /dev/zero
ln -s /dev/zero "$T_DIR/zero.conf"
refused "a link to /dev/zero" "zero.conf: a device" "$T_DIR/zero.conf"
mkfifo "$T_DIR/fifo.conf"
refused "a FIFO" "fifo.conf: a FIFO" "$T_DIR/fifo.conf"
refused "a directory" "a directory" "$T_DIR"
conf "$T_DIR/nul.conf"
printf 'service_name = a\000bcdef\n' >> "$T_DIR/nul.conf"
refused "a NUL byte" "nul.conf:7: NUL byte" "$T_DIR/nul.conf"
conf "$T_DIR/big.conf"
head -c 1100000 /dev/zero | tr '\0' '#' | fold -w 100 >> "$T_DIR/big.conf"
refused "a file over 1 MiB" "big.conf: larger than" "$T_DIR/big.conf"
conf "$T_DIR/link-target.conf"
ln -s "$T_DIR/link-target.conf" "$T_DIR/link.conf"
accepted "a link to a regular file" "$T_DIR/link.conf"

# mucctl reads the configuration too: neither may make it hang.
for f in "$T_DIR/fifo.conf" "$T_DIR/zero.conf"; do
	timeout 10 "$MUCCTL" -c "$f" -s "$T_DIR/none.sock" status \
		> "$T_DIR/out" 2>&1
	[ $? -eq 124 ] && t_fail "mucctl -c $f hangs"
done

# --- permissions ------------------------------------------------------------
conf "$T_DIR/perm.conf"
accepted "mode 0600" "$T_DIR/perm.conf"
chmod 640 "$T_DIR/perm.conf"
accepted "mode 0640" "$T_DIR/perm.conf"
chmod 644 "$T_DIR/perm.conf"
refused "readable by everyone" \
	"perm.conf:2: the component secret is readable by everyone" \
	"$T_DIR/perm.conf"
chmod 660 "$T_DIR/perm.conf"
refused "writable by the group" "perm.conf: writable by its group" \
	"$T_DIR/perm.conf"
chmod 602 "$T_DIR/perm.conf"
refused "writable by everyone" "perm.conf: writable by everyone" \
	"$T_DIR/perm.conf"
chmod 600 "$T_DIR/perm.conf"
chown 54321 "$T_DIR/perm.conf"
refused "owned by someone else" "perm.conf: owned by uid 54321" \
	"$T_DIR/perm.conf"

# --- the secret -------------------------------------------------------------
conf "$T_DIR/s.conf" change-me
refused "the placeholder" "s.conf:2: 'secret' is the example 'change-me'" \
	"$T_DIR/s.conf"
conf "$T_DIR/s.conf" 0123456789abcde
refused "15 bytes" "s.conf:2: 'secret' is 15 bytes long" "$T_DIR/s.conf"
conf "$T_DIR/s.conf" 0123456789abcdef
accepted "16 bytes" "$T_DIR/s.conf"
# The shipped example, as an operator gets it.
sed -e "s#^datadir = .*#datadir = $T_DIR/data-t#" \
    -e "s#^control = .*#control = $T_DIR/t.sock#" \
    -e 's/^user = .*/allow_root = yes/' -e '/^group = /d' \
    "$T_ROOT/mucd.conf.example" > "$T_DIR/example.conf"
line=$(grep -n '^secret = ' "$T_DIR/example.conf" | cut -d: -f1)
refused "mucd.conf.example" "example.conf:$line: 'secret' is the example" \
	"$T_DIR/example.conf"
# Every secret the documentation shows is refused: no one copies a
# secret from it into a working service. (Values with spaces describe a
# secret, "THE SECRET"; they are not one.)
sed -n -e 's/^[[:space:]]*secret[[:space:]]*=[[:space:]]*\([^[:space:]#]*\).*/\1/p' \
    -e 's/.*component_secret = "\([^" ]*\)".*/\1/p' \
    -e 's/^[[:space:]]*password: "\([^" ]*\)".*/\1/p' \
    "$T_ROOT/README.md" "$T_ROOT/mucd.conf.example" "$T_ROOT"/man/*.[58] \
    "$T_ROOT/packaging/debian/mucd.README.Debian" | sort -u > "$T_DIR/docs"
[ -s "$T_DIR/docs" ] || t_fail "no secret found in the documentation"
while read -r s; do
	case $s in *'$'*|*'\'*) continue ;; esac
	conf "$T_DIR/d.conf" "$s"
	timeout 10 "$MUCD" -t -c "$T_DIR/d.conf" > "$T_DIR/out" 2>&1 &&
		t_fail "the documented secret '$s' is accepted"
done < "$T_DIR/docs"
echo "$T_NAME: $(wc -l < "$T_DIR/docs") documented secrets, all refused"

# --- reload -----------------------------------------------------------------
export MUCD_CONF_EXTRA="service_name = Before"
t_start_prosody component
t_start_mucd
. "$T_DIR/env"
CONF=$T_DIR/mucd.conf
cp "$CONF" "$T_DIR/saved.conf"
# reload_refused LABEL PATTERN: after SIGHUP mucd still serves mucctl at
# once, logged PATTERN, and kept its configuration.
reload_refused() {
	: > "$T_DIR/mark"
	kill -HUP "$MUCD_PID"
	timeout 10 "$MUCCTL" -s "$T_DIR/mucd.sock" status > "$T_DIR/out" 2>&1 ||
		t_fail "$1: mucd stopped serving after the reload:" \
		    "$(cat "$T_DIR/out")"
	i=0
	until grep -q -e "reload failed.*$2" "$T_DIR/mucd.log"; do
		i=$((i + 1))
		[ $i -lt 50 ] || t_fail "$1: no 'reload failed' matching '$2'"
		sleep 0.1
	done
	grep -q "configuration reloaded" "$T_DIR/mucd.log" &&
		t_fail "$1: the reload was applied"
	rm -f "$CONF"
	cp "$T_DIR/saved.conf" "$CONF"
	chmod 600 "$CONF"
}
ln -sf /dev/zero "$CONF"
reload_refused "a link to /dev/zero" "a device"
rm -f "$CONF"
mkfifo "$CONF"
reload_refused "a FIFO" "a FIFO"
sed -i 's/^service_name = Before/service_name = After/' "$CONF"
chmod 666 "$CONF"
reload_refused "writable by everyone" "writable by everyone"
sed -i "s/^secret = .*/secret = change-me/" "$CONF"
reload_refused "the placeholder" "'secret' is the example 'change-me'"
t_done
