# popek — top-level build.  `make` builds everything into build/.
#
#   make          build popek, the launcher and the guests
#   make run      set up, build, and run the demo directory (dirs/demo.ini)
#   make test     set up, build, run unit and end-to-end tests
#   make bench    benchmarks, bare and under popek (never part of `make test`)
#   make fuzz     libFuzzer on every guest-facing parser for FUZZ_SECONDS (tests/fuzz/)
#   make format   clang-format the tree
#
# Each part of the tree contributes a fragment: hyp/hyp.mk, tools/popek/popek.mk,
# guest/guest.mk, firmware/firmware.mk, tests/unit/unit.mk, tests/e2e/e2e.mk.

BUILD  := build
CROSS  ?= riscv64-linux-gnu-
HOSTCC ?= gcc
TCC    := $(CROSS)gcc
TOBJCOPY := $(CROSS)objcopy

WARN := -Wall -Wextra -Werror

# Target (RV64, freestanding).  popek and the guests use no floating point
# themselves; assembly that saves guest FP registers enables D locally.
TCFLAGS := $(WARN) -O2 -g -std=gnu11 -ffreestanding -fno-builtin -nostdlib \
	-fno-pic -fno-pie -mcmodel=medany -march=rv64imac_zicsr_zifencei -mabi=lp64 \
	-fno-omit-frame-pointer -fno-stack-protector -fno-common -MMD -MP
TLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none

# Host.
HCFLAGS := $(WARN) -O2 -g -std=gnu11 -D_GNU_SOURCE -MMD -MP

.PHONY: all setup run test unit e2e bench format clean check-build
all:

setup:
	@./scripts/setup.sh

include hyp/hyp.mk
-include tools/popek/popek.mk
-include guest/guest.mk
-include guest/probe/probe.mk
include guest/linux/linux.mk
include firmware/firmware.mk
-include tests/unit/unit.mk
-include tests/e2e/e2e.mk
-include tests/fuzz/fuzz.mk
-include tests/diff/diff.mk
-include tests/devdiff/devdiff.mk

# Linux and busybox build in a cache outside the tree (guest/linux/README.md).
ALL_TARGETS += $(BUILD)/guest/linux/Image $(BUILD)/guest/linux/initramfs.cpio.gz

all: $(ALL_TARGETS)

run: setup
	@$(MAKE) --no-print-directory all
	@$(BUILD)/bin/popek disk create dirs/demo.ini
	$(BUILD)/bin/popek run --window dirs/demo.ini

test: setup
	@$(MAKE) --no-print-directory all check-build fuzz-build
	@./tests/run-all

bench: setup
	@$(MAKE) --no-print-directory all fuzz-build
	@./bench/run

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
