# Unit tests of popek's pure logic (compiled for the host).

UNIT_TESTS += dt pmem printf bundle
dt_SRCS     := tests/unit/test_dt.c hyp/lib/dt.c hyp/core/machine.c hyp/lib/printf.c hyp/lib/chacha.c
pmem_SRCS   := tests/unit/test_pmem.c hyp/core/pmem.c
printf_SRCS := tests/unit/test_printf.c hyp/lib/printf.c
bundle_SRCS := tests/unit/test_bundle.c hyp/core/bundle.c

# Device trees for test_dt: QEMU's own (dumped from the virt board as the
# tests' machine would see it) and a few written by hand.
DT_DIR := $(BUILD)/tests/unit/dtb
DT_QEMU := qemu-system-riscv64 -M virt -cpu rv64,h=false -bios default -nographic
$(DT_DIR)/virt-1g.dtb:
	@mkdir -p $(dir $@)
	$(DT_QEMU) -m 1G -machine dumpdtb=$@ >/dev/null 2>&1
$(DT_DIR)/virt-smp2-initrd.dtb:
	@mkdir -p $(dir $@)
	head -c 12345 /dev/zero > $(DT_DIR)/initrd.bin
	$(DT_QEMU) -m 3G -smp 2 -kernel $(DT_DIR)/initrd.bin -initrd $(DT_DIR)/initrd.bin \
		-append "console=ttyS0 popek.trace" -machine dumpdtb=$@ >/dev/null 2>&1
$(DT_DIR)/%.dtb: tests/unit/dts/%.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

DT_FIXTURES := $(DT_DIR)/virt-1g.dtb $(DT_DIR)/virt-smp2-initrd.dtb $(DT_DIR)/two-memory.dtb \
	$(DT_DIR)/no-memory.dtb $(DT_DIR)/no-timebase.dtb
ALL_TARGETS += $(DT_FIXTURES)
