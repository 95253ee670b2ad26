# tests/fuzz/fuzz.mk — libFuzzer targets (clang), included by GNUmakefile.
#
#   make fuzz-build            build every target into tests/fuzz/bin/
#   make fuzz                  build, then run each target FUZZ_SECONDS (60)
#   make fuzz FUZZ_TARGETS='fuzz_jid fuzz_conf' FUZZ_SECONDS=600
#   make fuzz-regress          replay tests/fuzz/regress/ and the seed corpora
#
# Objects are built with clang from the same sources as the daemon, into
# tests/fuzz/obj/, so nothing here touches the gcc build. New corpus
# entries and crash artifacts go to tests/fuzz/work/ (not in git); the seed
# corpora in tests/fuzz/corpus/ and the crashers in tests/fuzz/regress/ are.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_DIR     := tests/fuzz
FUZZ_OBJDIR  := $(FUZZ_DIR)/obj
FUZZ_BINDIR  := $(FUZZ_DIR)/bin
FUZZ_WORK    := $(FUZZ_DIR)/work

FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra \
                -Wno-unused-parameter $(FUZZ_SAN) \
                -DMUCD_VERSION='"$(VERSION)"' -Icommon -Imucd
FUZZ_LIBS    := -lexpat -lsodium -ljansson -lidn -ldb

FUZZ_LIB_SRC  := $(wildcard common/*.c)
FUZZ_ENG_SRC  := $(filter-out mucd/main.c,$(wildcard mucd/*.c))
FUZZ_LIB_OBJ  := $(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_LIB_SRC))
FUZZ_ENG_OBJ  := $(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_ENG_SRC))
FUZZ_HARNESS  := $(FUZZ_OBJDIR)/$(FUZZ_DIR)/harness.o

# Library-level targets need common/ only; daemon-level ones the engine
# and the in-process daemon harness too.
FUZZ_LIB_TARGETS := fuzz_xml_stream fuzz_jid fuzz_conf fuzz_form fuzz_roomrec
FUZZ_ENG_TARGETS := fuzz_stanza fuzz_muc fuzz_ctl_json
FUZZ_ALL         := $(FUZZ_LIB_TARGETS) $(FUZZ_ENG_TARGETS)
FUZZ_TARGETS     ?= $(FUZZ_ALL)
FUZZ_BINS        := $(addprefix $(FUZZ_BINDIR)/,$(FUZZ_ALL))

# Library objects: instrumented for coverage, no libFuzzer main.
$(FUZZ_OBJDIR)/common/%.o $(FUZZ_OBJDIR)/mucd/%.o: FUZZ_MODE := -fsanitize=fuzzer-no-link
$(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_MODE) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(addprefix $(FUZZ_OBJDIR)/$(FUZZ_DIR)/,$(addsuffix .o,$(FUZZ_ALL) harness)): \
    FUZZ_MODE := -fsanitize=fuzzer

$(addprefix $(FUZZ_BINDIR)/,$(FUZZ_LIB_TARGETS)): $(FUZZ_BINDIR)/%: \
    $(FUZZ_OBJDIR)/$(FUZZ_DIR)/%.o $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(call say,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(FUZZ_LIBS)

$(addprefix $(FUZZ_BINDIR)/,$(FUZZ_ENG_TARGETS)): $(FUZZ_BINDIR)/%: \
    $(FUZZ_OBJDIR)/$(FUZZ_DIR)/%.o $(FUZZ_HARNESS) $(FUZZ_ENG_OBJ) $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(call say,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(MHD_LIBS) $(FUZZ_LIBS)

-include $(shell find $(FUZZ_OBJDIR) -name '*.d' 2>/dev/null)

fuzz-build: $(FUZZ_BINS)

# One run per target: new inputs go to work/<t>/corpus (listed first, so
# libFuzzer writes there), the committed seeds are read only, artifacts
# (crash-*, leak-*, timeout-*) land in work/<t>/.
fuzz: fuzz-build
	@failed=; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_WORK)/$$t/corpus $(FUZZ_DIR)/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		dict=$(FUZZ_DIR)/$$t.dict; \
		[ -f $$dict ] || dict=$(FUZZ_DIR)/xmpp.dict; \
		$(FUZZ_BINDIR)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		    -dict=$$dict -print_final_stats=1 \
		    -artifact_prefix=$(FUZZ_WORK)/$$t/ $(FUZZ_FLAGS) \
		    $(FUZZ_WORK)/$$t/corpus $(FUZZ_DIR)/corpus/$$t \
		    > $(FUZZ_WORK)/$$t/log 2>&1 || failed="$$failed $$t"; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: .*ft:' \
		    $(FUZZ_WORK)/$$t/log | tail -n 4 | sed 's/^/  /'; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: findings in:$$failed (see $(FUZZ_WORK)/<target>/log)"; exit 1; \
	fi

fuzz-regress:
	@sh tests/t/fuzz_regress.sh

fuzz-clean:
	rm -rf $(FUZZ_OBJDIR) $(FUZZ_BINDIR)

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean
