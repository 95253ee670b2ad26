#!/bin/sh
# Install the Debian packages named as arguments that are missing.
# As root this runs apt-get; otherwise it prints the command to run.
set -u
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "mucd: missing Debian packages:$missing" >&2
	echo "mucd: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "mucd: installing:$missing"
# Keep daemons from the packages (prosody) from starting on install: the
# tests run their own instances on private ports.
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" &&
		made_policy=1
fi
install_pkgs() {
	apt-get install -y $missing
}
install_pkgs || { apt-get update && install_pkgs; }
rc=$?
[ -n "$made_policy" ] && rm -f "$policy"
exit $rc
