# tests/diff/diff.mk — the differential test (tests/diff/README.md): the
# runtime every generated image starts with (build/tests/diff/rt.bin) and the
# host generator (build/tests/diff/gen).  Included from the root Makefile.

DIFF_OBJ := $(BUILD)/tests/diff

$(DIFF_OBJ)/%.o: tests/diff/rt/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -c $< -o $@

$(DIFF_OBJ)/%.o: tests/diff/rt/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -c $< -o $@

$(DIFF_OBJ)/rt.elf: $(DIFF_OBJ)/entry.o $(DIFF_OBJ)/rt.o tests/diff/rt/rt.ld
	$(TCC) $(TLDFLAGS) -Wl,--no-relax -Wl,--no-warn-rwx-segments -T tests/diff/rt/rt.ld -o $@ $(DIFF_OBJ)/entry.o $(DIFF_OBJ)/rt.o

$(DIFF_OBJ)/rt.bin: $(DIFF_OBJ)/rt.elf
	$(TOBJCOPY) -O binary $< $@

# the runtime's handler addresses, which generated code writes to mtvec and stvec
$(DIFF_OBJ)/rtsyms.h: $(DIFF_OBJ)/rt.elf
	$(CROSS)nm $< | awk '$$3 ~ /^(m_trap|m_vec|s_vec|s_trap)$$/ { print "#define SYM_" toupper($$3) " 0x" $$1 "ULL" }' > $@.tmp
	@test $$(wc -l < $@.tmp) -eq 4
	mv $@.tmp $@

$(DIFF_OBJ)/gen: tests/diff/gen.c tests/diff/layout.h $(DIFF_OBJ)/rtsyms.h
	$(HOSTCC) $(HCFLAGS) -I$(DIFF_OBJ) -o $@ $<

ALL_TARGETS += $(DIFF_OBJ)/gen $(DIFF_OBJ)/rt.bin

# make diff [DIFF_SECONDS=N]: new random seeds for N seconds (default FUZZ_SECONDS, else 60),
# under the checking build; `make fuzz` runs it too.
.PHONY: diff
diff: $(DIFF_OBJ)/gen $(DIFF_OBJ)/rt.bin $(BUILD)/check/popek.bin $(BUILD)/bin/popek
	@POPEK_IMAGE=$${POPEK_IMAGE:-$(BUILD)/check/popek.bin} tests/diff/run --known tests/diff/known.txt \
		--seconds $(or $(DIFF_SECONDS),$(FUZZ_SECONDS),60)

fuzz: diff
