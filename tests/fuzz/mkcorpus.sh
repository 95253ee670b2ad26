#!/bin/sh
# tests/fuzz/mkcorpus.sh: (re)generate the XML seed corpora from scenario
# scripts (.scs): the stanzas of every "X sends:" block, with the sender's
# address added as a server would, in script order.
#
#   sh tests/fuzz/mkcorpus.sh [scs files...]
#   default: tests/scenarios/*.scs (the project's own)
#
# Writes corpus/fuzz_stanza/scs-<name> (the sends, one stream) and
# corpus/fuzz_xml_stream/scs-<name> (control byte 0x00, sends and receives).
# CORPUS_OUT=DIR writes under DIR instead: seeds from scripts that are not
# the project's (../shared/conformance) go to tests/fuzz/work/, never into
# the committed corpus.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -eq 0 ]; then
	set -- "$root"/tests/scenarios/*.scs
fi
out=${CORPUS_OUT:-$here/corpus}
mkdir -p "$out/fuzz_stanza" "$out/fuzz_xml_stream"
for scs; do
	[ -f "$scs" ] || continue
	name=$(basename "$scs" .scs)
	# mode=sends: only what clients send (with from=); mode=all: both.
	for mode in sends all; do
		awk -v mode="$mode" '
		function flush() { if (blk != "") { printf "%s", blk; blk = "" } }
		function subst(s,   m, who) {
			while (match(s, /\$\{[^}]*\}/)) {
				m = substr(s, RSTART + 2, RLENGTH - 3)
				who = m; sub(/'"'"'s .*/, "", who)
				if (m ~ /full JID/ && (who in jid)) m = jid[who] "/res"
				else if (who in jid) m = jid[who]
				else m = "x"
				s = substr(s, 1, RSTART - 1) m substr(s, RSTART + RLENGTH)
			}
			return s
		}
		/^\[Client\] / { cur = $2; next }
		/^[ \t]+jid: / && cur != "" { jid[cur] = $2; next }
		/^[^ \t#].* (sends|receives):[ \t]*$/ {
			flush()
			who = $1
			inblk = ($0 ~ /sends:/) || mode == "all"
			first = ($0 ~ /sends:/)
			next
		}
		/^[ \t]/ && inblk {
			line = subst($0); sub(/^[ \t]+/, "", line)
			if (first && (who in jid) && line ~ /^<(presence|message|iq)/ &&
			    line !~ /^<[a-z]+[^>]* from=/) {
				sub(/^<(presence|message|iq)/, "& from='"'"'" jid[who] "/res'"'"'", line)
			}
			first = 0
			blk = blk line "\n"
			next
		}
		{ inblk = 0; flush() }
		END { flush() }
		' "$scs" > "$here/.tmp.$$"
		if [ "$mode" = sends ]; then
			mv "$here/.tmp.$$" "$out/fuzz_stanza/scs-$name"
		else
			{ printf '\000'; cat "$here/.tmp.$$"; } \
				> "$out/fuzz_xml_stream/scs-$name"
			rm -f "$here/.tmp.$$"
		fi
	done
done
