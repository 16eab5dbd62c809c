# tests/devdiff/devdiff.mk — the device differential (tests/devdiff/README.md):
# the runtime every generated image starts with.  Included from the root Makefile.

DEVDIFF_OBJ := $(BUILD)/tests/devdiff

$(DEVDIFF_OBJ)/%.o: tests/devdiff/rt/%.c tests/devdiff/layout.h
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -c $< -o $@

$(DEVDIFF_OBJ)/%.o: tests/devdiff/rt/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -c $< -o $@

$(DEVDIFF_OBJ)/rt.elf: $(DEVDIFF_OBJ)/entry.o $(DEVDIFF_OBJ)/rt.o tests/devdiff/rt/rt.ld
	$(TCC) $(TLDFLAGS) -Wl,--no-warn-rwx-segments -T tests/devdiff/rt/rt.ld -o $@ $(DEVDIFF_OBJ)/entry.o $(DEVDIFF_OBJ)/rt.o

$(DEVDIFF_OBJ)/rt.bin: $(DEVDIFF_OBJ)/rt.elf
	$(TOBJCOPY) -O binary $< $@

ALL_TARGETS += $(DEVDIFF_OBJ)/rt.bin

.PHONY: devdiff
devdiff: $(DEVDIFF_OBJ)/rt.bin $(BUILD)/popek.bin $(BUILD)/check/popek.bin $(BUILD)/bin/popek
	@tests/devdiff/run --seconds $(or $(DEVDIFF_SECONDS),60)
