#!/bin/sh
# slixmpp's XEP-0313 plugin pages a room archive of 120 messages end to
# end, forwards and backwards, with the default and capped page sizes and
# start/end, against Prosody's MUC with mod_muc_mam and against mucd
# (tests/slix/mam_paging.py). One sender posts the 120 messages at once:
# no rate limit.
. "$(dirname "$0")/lib.sh"
MUCD_CONF_EXTRA='rate_messages = 0'
export MUCD_CONF_EXTRA
t_setup
t_slix mam_paging
t_done
