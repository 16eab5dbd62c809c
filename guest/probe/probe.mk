# guest/probe/probe.mk — the probe guest of `popek pg` (docs/pg.md): a tiny
# RV64 kernel, linked at 0x80200000 like the teaching kernel, that executes
# each instruction of its table once in S-mode and once in U-mode and prints
# what happened.  Included from the root Makefile.

PROBE_OBJ  := $(BUILD)/guest/obj/probe
PROBE_SRCS := $(wildcard guest/probe/*.c guest/probe/*.S)
PROBE_OBJS := $(patsubst guest/probe/%,$(PROBE_OBJ)/%.o,$(basename $(PROBE_SRCS)))

$(PROBE_OBJ)/%.o: guest/probe/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -Iguest/probe -c $< -o $@

$(PROBE_OBJ)/%.o: guest/probe/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -Iguest/probe -c $< -o $@

$(BUILD)/guest/probe.elf: $(PROBE_OBJS) guest/probe/probe.ld
	@mkdir -p $(dir $@)
	$(TCC) $(TLDFLAGS) -T guest/probe/probe.ld -o $@ $(PROBE_OBJS) -lgcc

ALL_TARGETS += $(BUILD)/guest/probe.elf
