# Interop with ejabberd: the scenario tests with mucd attached to Debian's
# ejabberd instead of Prosody. Included by the GNUmakefile.
#
#   make check-ejabberd        install ejabberd if missing, build the test
#                              tools, run tests/ejabberd/check.sh
#
# check.sh takes JOBS, ONLY, VERBOSE, KEEP, SCS_DIR, SCS_TIMEOUT (as
# tests/check.sh does); see tests/ejabberd/README.md.

check-ejabberd:
	@sh tests/deps.sh ejabberd
	@$(MAKE) --no-print-directory tests/bin/mucd-san tests/bin/scsrun
	@sh tests/ejabberd/check.sh

.PHONY: check-ejabberd
