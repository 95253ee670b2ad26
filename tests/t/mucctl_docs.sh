#!/bin/sh
# mucctl's documentation: man/mucctl.8 is clean under mandoc -Tlint and
# covers every command (with an example), every room option and every
# command of the control protocol the daemon serves; the bash completion
# parses and completes commands, subcommands, options and (from a running
# daemon) room JIDs.
. "$(dirname "$0")/../mucctl/lib.sh"

MAN=$ROOT/man/mucctl.8
COMPLETION=$ROOT/mucctl/mucctl.bash-completion

# --- the man page -------------------------------------------------------
if command -v mandoc > /dev/null 2>&1; then
	# Only what depends on the manuals installed here is tolerated.
	mandoc -Tlint "$MAN" 2>&1 | grep -v -e 'referenced manual not found' \
		-e 'outdated mandoc.db' > "$WORK/lint"
	if [ -s "$WORK/lint" ]; then
		not_ok "mandoc -Tlint is clean"; sed 's/^/  | /' "$WORK/lint"
	else
		ok "mandoc -Tlint is clean"
	fi
	# Plain text: drop the overstrike of bold and underlined words.
	mandoc -Tascii "$MAN" | LC_ALL=C sed "s/.\x08//g" > "$WORK/man.txt"
else
	not_ok "mandoc is installed (make deps)"
	: > "$WORK/man.txt"
fi

# The commands, from mucctl's own list.
"$MUCCTL" help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' \
	> "$WORK/commands"
[ "$(wc -l < "$WORK/commands")" -ge 20 ] && ok "mucctl help lists commands" ||
	not_ok "mucctl help lists commands"
while read -r c; do
	if grep -q -E "^     $c( |$)" "$WORK/man.txt"; then
		ok "man: command '$c' documented"
	else
		not_ok "man: command '$c' documented"
	fi
	if grep -q -E "^ +mucctl ([-a-z]+ )*$c( |$)" "$WORK/man.txt"; then
		ok "man: example of '$c'"
	else
		not_ok "man: example of '$c'"
	fi
done < "$WORK/commands"

# Room options: every key roomcfg_set accepts.
sed -n '/^const char \*const roomcfg_keys/,/};/p' "$ROOT/common/roomcfg.c" |
	grep -o '"[a-z_]*"' | tr -d '"' > "$WORK/keys"
[ -s "$WORK/keys" ] || not_ok "room option keys found in common/roomcfg.c"
while read -r k; do
	grep -q "^\.It Ic $k\$" "$MAN" && ok "man: room option $k" ||
		not_ok "man: room option $k"
done < "$WORK/keys"

# Protocol: mucctl(8)'s PROTOCOL section against the one definition
# (common/ctlproto.h): every command with its class, every error code
# with its exit status, and nothing the protocol does not have.
build_helpers
"$PROTODUMP" > "$WORK/proto.tab"
sed -n 's/^cmd //p' "$WORK/proto.tab" > "$WORK/proto"
[ "$(wc -l < "$WORK/proto")" -ge 20 ] &&
	ok "protocol commands from common/ctlproto.h" ||
	not_ok "protocol commands from common/ctlproto.h"
sed -n '/^\.Sh PROTOCOL/,/^\.Sh /p' "$MAN" > "$WORK/protocol.8"
while read -r p rw where; do
	case $rw in read) want="Read-only" ;; *) want="Changes state" ;; esac
	case $where in
	offline) want="$want; works offline too." ;;
	*) want="$want; needs the running daemon." ;;
	esac
	got=$(sed -n "/^\.It Cm $p\$/{n;p;}" "$WORK/protocol.8")
	if [ "$got" = "$want" ]; then
		ok "man PROTOCOL: $p ($want)"
	else
		not_ok "man PROTOCOL: $p: '$got', wanted '$want'"
	fi
done < "$WORK/proto"
sed -n 's/^\.It Cm \([a-z.]*\)$/\1/p' "$WORK/protocol.8" | while read -r p; do
	grep -q "^$p " "$WORK/proto" || echo "$p"
done > "$WORK/extra"
[ -s "$WORK/extra" ] && not_ok "man PROTOCOL documents commands the \
protocol lacks: $(tr '\n' ' ' < "$WORK/extra")" ||
	ok "man PROTOCOL: no command the protocol lacks"
sed -n 's/^err //p' "$WORK/proto.tab" > "$WORK/errs"
while read -r code status; do
	got=$(sed -n "/^\.It Ql $code\$/{n;p;}" "$WORK/protocol.8")
	if [ "$got" = "Exit status $status." ]; then
		ok "man PROTOCOL: error $code (exit $status)"
	else
		not_ok "man PROTOCOL: error $code: '$got', wanted 'Exit status $status.'"
	fi
done < "$WORK/errs"
while read -r c; do
	# shellcheck disable=SC2086
	p=$("$MUCCTL" help $c | sed -n 's/.*(protocol command "\([a-z.]*\)".*/\1/p')
	[ -z "$p" ] && continue
	if grep -q "^$p .* offline$" "$WORK/proto"; then
		where="works offline too"
	else
		where="needs the daemon"
	fi
	# shellcheck disable=SC2086
	"$MUCCTL" help $c | grep -q "^$where (protocol command \"$p\"" &&
		ok "'$c' sends '$p' and says it $where" ||
		not_ok "'$c' sends '$p' and says it $where"
done < "$WORK/commands"

# --- bash completion ----------------------------------------------------
if bash -n "$COMPLETION"; then
	ok "bash completion parses"
else
	not_ok "bash completion parses"
fi

start_prosody
start_mucd
mc room create lobby > /dev/null 2>&1
mc room create lounge > /dev/null 2>&1

# complete WORDS...: COMPREPLY for the last word, space-separated.
complete_words() {
	PATH=$(dirname "$MUCCTL"):$PATH bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_mucctl; echo "${COMPREPLY[*]}"' _ "$COMPLETION" mucctl "$@"
}

check_completion() {
	_want=$1; shift
	_got=$(complete_words "$@" 2>&1)
	if [ "$_got" = "$_want" ]; then
		ok "bash completion of '$*'"
	else
		not_ok "bash completion of '$*': '$_got', wanted '$_want'"
	fi
}

check_completion "rooms room role" ro
check_completion "show create config destroy forget avatar" room ""
check_completion "set show" room avatar s
check_completion "reserve release" nick re
check_completion "--match" rooms --m
check_completion "--reason --alternate --keep-archive --help --json" \
	room destroy x --
check_completion "visitor participant moderator" occupants lobby --role ""
check_completion "moderator" role set lobby Nick mo
check_completion "show export import purge stats" archive ""
check_completion "--actor --since --limit --before --help --json" audit --
check_completion "--dry-run --prune --help --json" apply f.json --
check_completion "metrics" met
check_completion "--format --help --json" metrics --
check_completion "openmetrics" metrics --format o
check_completion "lobby@conference.localhost lounge@conference.localhost" \
	-c "$D/mucd.conf" room show lo
check_completion "lobby@conference.localhost" -c "$D/mucd.conf" kick lob
check_completion "member" affiliations lobby mem
check_completion "none" affiliation set lobby a@b no
check_completion "prosody" import pr
check_completion "--data --domain" import prosody --d
check_completion "whois=" room config lobby who
stop_mucd
finish
