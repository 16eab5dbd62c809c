# libFuzzer harnesses (tests/fuzz/README.md).  Each tests/fuzz/NAME.mk fragment adds one:
#
#   FUZZ_TARGETS += NAME
#   fuzz_NAME_SRCS := tests/fuzz/fuzz_NAME.c hyp/dev/vblk.c ...   (clang, ASan + UBSan)
#   fuzz_NAME_LIBS := -lfdt                                       (optional)
#
# Binaries go to build/fuzz/NAME; objects to build/fuzzobj/.  popek's own
# invariant checks (POPEK_CHECK) are on, so a broken invariant is a crash.
# `make test` replays tests/fuzz/corpus/NAME/ through each; `make fuzz` grows it.

FUZZ_TARGETS :=
include $(filter-out tests/fuzz/fuzz.mk,$(wildcard tests/fuzz/*.mk))

FUZZCC     ?= clang
FUZZ_SAN   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZCFLAGS := $(WARN) -O1 -g -std=gnu11 -D_GNU_SOURCE -MMD -MP -fno-omit-frame-pointer \
	-Wno-missing-field-initializers -DPOPEK_HOST -DPOPEK_CHECK -DPOPEK_FUZZ \
	-Ihyp -Itools/popek -Itests/unit -Itests/fuzz

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZCFLAGS) $(FUZZ_SAN) -c $< -o $@

define fuzz_rule
$(BUILD)/fuzz/$(1): $$(patsubst %.c,$(BUILD)/fuzzobj/%.o,$$(fuzz_$(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$(FUZZCC) $(FUZZ_SAN) -o $$@ $$^ $$(fuzz_$(1)_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_TARGETS))

.PHONY: fuzz-build fuzz
fuzz-build: $(FUZZ_BINS)

# FUZZ_SECONDS of wall time in all, shared by every target, FUZZ_JOBS at once.
FUZZ_SECONDS ?= 60
fuzz: setup
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run $(FUZZ_ONLY)
