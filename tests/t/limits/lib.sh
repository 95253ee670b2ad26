# Shared by the tests/t scripts that drive mucd through Prosody with the
# Python drivers in this directory (sourced after tests/t/lib.sh).

# limits_drive OUT DRIVER ARGS...: run tests/t/limits/DRIVER.py with
# ARGS after the c2s port, keep its report in $T_DIR/OUT, show it, and
# fail the test if a check failed.
limits_drive() {
	out=$T_DIR/$1
	driver=$2
	shift 2
	/usr/bin/python3 "$T_ROOT/tests/t/limits/$driver.py" "$C2S_PORT" \
		"$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || t_fail "$driver $*: see above"
}

# The link never went down: mucd.log shows no reconnect.
limits_link_kept() {
	if grep -q 'link: reconnecting' "$T_DIR/mucd.log"; then
		t_fail "mucd.log shows a reconnect"
	fi
}
