# packaging/packaging.mk: distribution packages (included by GNUmakefile).
#
#   make deps-package   install what building and checking packages needs
#   make deb            build the Debian packages into ./dist/
#   make deb-lint       make deb, then lintian on the .deb (fails on errors)
#   make check-package  build, install, run, purge the .deb (tests/package)
#
# The Debian packaging lives in packaging/debian; "make deb" copies the
# tree to a temporary directory, puts packaging/debian there as ./debian
# and runs dpkg-buildpackage, so no ./debian is ever left in the tree.

DIST        ?= dist
DEB_PACKAGE := debhelper dpkg-dev lintian

deps-package:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_PACKAGE)

deb: deps-package
	@VERSION='$(VERSION)' DIST='$(DIST)' sh packaging/deb.sh

deb-lint: deb
	lintian --fail-on error --info $(DIST)/mucd_$(VERSION)_*.deb

check-package: deps-package deps
	@sh tests/package/check.sh

.PHONY: deps-package deb deb-lint check-package
