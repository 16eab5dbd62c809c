# Shadow page tables, PMP and emulation, for real on the host (tests/fuzz/hostvm.c).
UNIT_TESTS += shadow
SHADOW_HOST_SRCS := tests/fuzz/hostvm.c hyp/arch/riscv/shadow.c hyp/arch/riscv/watch.c hyp/arch/riscv/vtrig.c hyp/arch/riscv/gwalk.c \
	hyp/arch/riscv/pmp.c hyp/arch/riscv/vcsr.c hyp/arch/riscv/emulate.c hyp/arch/riscv/emulate_atomic.c hyp/arch/riscv/insn.c \
	hyp/arch/riscv/inject.c hyp/core/emul.c
shadow_SRCS := tests/unit/test_shadow.c $(SHADOW_HOST_SRCS)
$(BUILD)/host/tests/unit/test_shadow.o: HCFLAGS += -Itests/fuzz
$(BUILD)/host/tests/fuzz/hostvm.o: HCFLAGS += -Itests/fuzz
