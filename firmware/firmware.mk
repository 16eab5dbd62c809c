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
