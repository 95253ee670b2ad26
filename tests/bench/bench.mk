# Benchmarks: tests/bench/mucbench and the targets that run it.
# Included by the top-level GNUmakefile (which defines CC, WARN, PKG_*).
#
#   make bench            component mode: fan-out N=10..10000 (N=1000 with
#                         and without the archive, and replicated to two
#                         more sites: rate and lag), join storm, idle rooms,
#                         presence churn, admin churn (also replicated to
#                         two more sites, quorum), the archive at a
#                         million messages (mam-fill, mam-query, mam-disk)
#   make bench-e2e        mucd vs Prosody's own MUC, through Prosody: fan-out
#                         and MAM catch-up
#   make bench-e2e-ejabberd  the same through ejabberd (its fixture,
#                         tests/ejabberd/ejabberd.sh), vs ejabberd's mod_muc
#   make bench-callgrind  fixed fan-out under callgrind: instructions per
#                         delivered stanza (stable on a noisy machine)
# Results: a table on stdout, one JSON line per run in bench/results.json.

BENCH_SRC     := $(wildcard tests/bench/*.c)
BENCH_COMMON  := common/buf.c common/sha1.c
BENCH_OBJS    := $(patsubst tests/bench/%.c,tests/bench/obj/%.o,$(BENCH_SRC)) \
                 $(patsubst common/%.c,tests/bench/obj/common/%.o,$(BENCH_COMMON))
BENCH_CFLAGS   = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(PKG_CFLAGS) \
                 -Icommon -Itests/bench \
                 -DMUCBENCH_MODDIR='"$(CURDIR)/packaging/prosody"' \
                 -DMUCBENCH_EJABBERD='"$(CURDIR)/tests/ejabberd/ejabberd.sh"'
BENCH_GIT     := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BENCH_RESULTS ?= bench/results.json
BENCH_ARGS    ?=
# callgrind: a small fixed fan-out; the "fanout" dump holds exactly the
# messages' cost, so Ir / delivered stanzas compares before/after a change.
BENCH_CG_N    ?= 100
BENCH_CG_DELIV ?= 200000
BENCH_CG_DIR  := bench/results-callgrind

tests/bench/mucbench: $(BENCH_OBJS)
	$(CC) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $^ -lsodium -lm

tests/bench/obj/%.o: tests/bench/%.c tests/bench/mucbench.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -c -o $@ $<

tests/bench/obj/common/%.o: common/%.c common/%.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -c -o $@ $<

bench-build:
	@$(MAKE) --no-print-directory SANITIZE=0 mucd/mucd tests/bench/mucbench

bench: deps deps-bench bench-build
	@mkdir -p bench
	MUCBENCH_GIT=$(BENCH_GIT) tests/bench/mucbench \
	    --results $(BENCH_RESULTS) $(BENCH_ARGS) component

bench-e2e: deps deps-bench bench-build
	@mkdir -p bench
	MUCBENCH_GIT=$(BENCH_GIT) tests/bench/mucbench \
	    --results $(BENCH_RESULTS) $(BENCH_ARGS) e2e

# ejabberd.sh logs in with scsrun to know that ejabberd is up.
bench-e2e-ejabberd: deps bench-build
	@sh tests/deps.sh ejabberd
	@$(MAKE) --no-print-directory tests/bin/scsrun
	@mkdir -p bench
	MUCBENCH_GIT=$(BENCH_GIT) tests/bench/mucbench \
	    --results $(BENCH_RESULTS) $(BENCH_ARGS) e2e-ejabberd

bench-callgrind: deps deps-bench bench-build
	@mkdir -p $(BENCH_CG_DIR)
	rm -f $(BENCH_CG_DIR)/callgrind.out.*
	MUCBENCH_GIT=$(BENCH_GIT) tests/bench/mucbench --no-pin \
	    --results $(BENCH_CG_DIR)/results.json --only fanout \
	    --sizes $(BENCH_CG_N) --deliveries $(BENCH_CG_DELIV) --half-secs 0 \
	    --archive-size 0 \
	    --callgrind-phases --wrap "valgrind --tool=callgrind \
	    --callgrind-out-file=$(CURDIR)/$(BENCH_CG_DIR)/callgrind.out" \
	    $(BENCH_ARGS) component
	@sh tests/bench/cgsummary.sh $(BENCH_CG_DIR) $(BENCH_CG_N) $(BENCH_CG_DELIV)

# valgrind for bench-callgrind, prosody for bench-e2e: install if missing.
deps-bench:
	@command -v valgrind >/dev/null 2>&1 && command -v prosody >/dev/null 2>&1 \
	    || sh tests/deps.sh valgrind prosody

.PHONY: bench bench-e2e bench-e2e-ejabberd bench-callgrind bench-build \
	deps-bench

# make soak: a long churn against the sanitized daemon, RSS must stay flat
# (tests/bench/soak.sh; SOAK_SECONDS, SOAK_STABLE, SOAK_CHURNERS).
soak: deps
	@$(MAKE) --no-print-directory tests/bin/mucd-san tests/bench/mucbench
	@sh tests/bench/soak.sh

.PHONY: soak

# make bench-rooms: the large-scale test of the store — BENCH_ROOMS
# (default 1,000,000) persistent rooms made once in BENCH_ROOMS_DIR, then
# mucd's start-up time, RSS at idle and first-join latency into rooms that
# are not in memory.
BENCH_ROOMS     ?= 1000000
BENCH_ROOMS_DIR ?= /var/tmp/mucd-bench-rooms-$(BENCH_ROOMS)
MKROOMS_SRC     := tests/bench/mkrooms/mkrooms.c common/store.c \
                   common/roomcfg.c common/conf.c common/jid.c common/log.c \
                   common/utf8.c common/words.c
tests/bench/mkrooms/mkrooms: $(MKROOMS_SRC)
	$(CC) $(BENCH_CFLAGS) -o $@ $(MKROOMS_SRC) $(PKG_LIBS) -ldb

bench-rooms: deps bench-build tests/bench/mkrooms/mkrooms
	@test -e $(BENCH_ROOMS_DIR)/rooms.db || \
	    tests/bench/mkrooms/mkrooms $(BENCH_ROOMS_DIR) muc.bench.example \
	    $(BENCH_ROOMS)
	@mkdir -p bench
	MUCBENCH_GIT=$(BENCH_GIT) tests/bench/mucbench --results $(BENCH_RESULTS) \
	    --only cold --datadir $(BENCH_ROOMS_DIR) --cold-rooms $(BENCH_ROOMS) \
	    $(BENCH_ARGS) component

.PHONY: bench-rooms

# Rooms as code at scale: 10,000 rooms applied, re-applied, exported.
bench-apply: deps bench-build
	sh tests/bench/apply.sh mucd/mucd mucctl/mucctl $(or $(BENCH_APPLY_N),10000)
