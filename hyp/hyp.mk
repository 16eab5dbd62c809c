# popek itself: freestanding RV64, linked at its direct-map address (hyp/hyp.ld).

HYP_SRCS := $(wildcard hyp/arch/riscv/*.S hyp/arch/riscv/*.c hyp/core/*.c hyp/dev/*.c \
	hyp/drivers/*.c hyp/lib/*.c)
HYP_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(HYP_SRCS)))
HYP_INC  := -Ihyp
# A section per function and per variable, so that hyp/hyp.ld can pack the
# trap path's code and data into as few pages as possible (bench/README.md,
# *TLB refills*).
HYP_SECTIONS := -ffunction-sections -fdata-sections

# The status bar's text: the console font build/gen/font8x16.h (guest/guest.mk makes it).
$(BUILD)/obj/hyp/core/screen.o $(BUILD)/objcheck/hyp/core/screen.o: $(BUILD)/gen/font8x16.h
$(BUILD)/obj/hyp/core/screen.o $(BUILD)/objcheck/hyp/core/screen.o: HYP_INC += -I$(BUILD)/gen

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(HYP_SECTIONS) $(HYP_INC) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(HYP_INC) -D__ASSEMBLER__ -c $< -o $@

$(BUILD)/popek.elf: $(HYP_OBJS) hyp/hyp.ld
	$(TCC) $(TCFLAGS) $(TLDFLAGS) -T hyp/hyp.ld -o $@ $(HYP_OBJS) -lgcc

$(BUILD)/popek.bin: $(BUILD)/popek.elf
	$(TOBJCOPY) -O binary $< $@

ALL_TARGETS += $(BUILD)/popek.elf $(BUILD)/popek.bin

# The same popek with its invariant checks on (POPEK_CHECK: docs/security.md),
# which `make test` runs every end-to-end case with; `make run` and `make bench`
# run the plain build.
HYP_CHECK_OBJS := $(patsubst %,$(BUILD)/objcheck/%.o,$(basename $(HYP_SRCS)))
$(HYP_OBJS) $(HYP_CHECK_OBJS): hyp/hyp.mk

$(BUILD)/objcheck/%.o: %.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(HYP_SECTIONS) -DPOPEK_CHECK $(HYP_INC) -c $< -o $@

$(BUILD)/objcheck/%.o: %.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -DPOPEK_CHECK $(HYP_INC) -D__ASSEMBLER__ -c $< -o $@

$(BUILD)/check/popek.elf: $(HYP_CHECK_OBJS) hyp/hyp.ld
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) $(TLDFLAGS) -T hyp/hyp.ld -o $@ $(HYP_CHECK_OBJS) -lgcc

$(BUILD)/check/popek.bin: $(BUILD)/check/popek.elf
	$(TOBJCOPY) -O binary $< $@

check-build: $(BUILD)/check/popek.bin
