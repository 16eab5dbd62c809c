# firmware/firmware.mk — popek's firmware: build/firmware/fw_dynamic.bin,
# OpenSBI 1.1 with opensbi-popek.patch (docs/firmware.md).  Built by
# build-opensbi.sh in the cache outside the tree (${POPEK_CACHE:-~/.cache/popek}),
# keyed on its inputs: when the cache has it, this rule only copies.

FW_OUT := $(BUILD)/firmware

.PHONY: firmware
firmware: $(FW_OUT)/fw_dynamic.bin

$(FW_OUT)/fw_dynamic.bin: firmware/build-opensbi.sh firmware/opensbi-popek.patch \
		scripts/build-lib.sh firmware/firmware.mk
	@V=$(V) firmware/build-opensbi.sh $@

ALL_TARGETS += $(FW_OUT)/fw_dynamic.bin

# The probe: a stock S-mode payload that calls the extension and prints the
# answers (tests/e2e/firmware.toml).
$(FW_OUT)/probe.elf: firmware/probe.c firmware/probe.ld firmware/firmware.mk
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(TLDFLAGS) -Wl,--no-warn-rwx-segments -T firmware/probe.ld -o $@ firmware/probe.c

ALL_TARGETS += $(FW_OUT)/probe.elf
