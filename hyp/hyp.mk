# popek itself: freestanding RV64, linked at its direct-map address (hyp/hyp.ld).

HYP_SRCS := $(wildcard hyp/arch/riscv/*.S hyp/arch/riscv/*.c hyp/core/*.c hyp/dev/*.c \
	hyp/drivers/*.c hyp/lib/*.c)
HYP_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(HYP_SRCS)))
HYP_INC  := -Ihyp

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(HYP_INC) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(HYP_INC) -D__ASSEMBLER__ -c $< -o $@

$(BUILD)/popek.elf: $(HYP_OBJS) hyp/hyp.ld
	$(TCC) $(TCFLAGS) $(TLDFLAGS) -T hyp/hyp.ld -o $@ $(HYP_OBJS) -lgcc

$(BUILD)/popek.bin: $(BUILD)/popek.elf
	$(TOBJCOPY) -O binary $< $@

ALL_TARGETS += $(BUILD)/popek.elf $(BUILD)/popek.bin
