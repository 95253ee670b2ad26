#!/bin/sh
# Durable state survives a restart: rooms, configuration, affiliations,
# bans, reserved nicks, subject and (with history_persist) history — and,
# when the conformance scripts are present, the reservations the seed
# (muc_register.scs) makes, in a mucd whose rooms default to persistent.
set -u
. "$(dirname "$0")/lib.sh"

t_setup
export MUCD_CONF_EXTRA="history_persist = yes
default_persistent = yes"
t_start_prosody component
t_start_mucd
t_play restart/setup.scs
t_restart_mucd
t_play restart/verify.scs
seed=${SCS_DIR:-}/muc_register.scs
if [ -n "${SCS_DIR:-}" ] && [ -r "$seed" ]; then
	t_restart_mucd
	t_play_abs "$seed"
	t_restart_mucd
	t_play restart/seed_verify.scs
else
	echo "note: SCS_DIR not set or no muc_register.scs; seed part skipped"
fi
t_done
