FUZZ_TARGETS += emulate
fuzz_emulate_SRCS := tests/fuzz/fuzz_emulate.c tests/fuzz/hostvm.c hyp/arch/riscv/shadow.c hyp/arch/riscv/watch.c hyp/arch/riscv/vtrig.c \
	hyp/arch/riscv/gwalk.c hyp/arch/riscv/pmp.c hyp/arch/riscv/vcsr.c hyp/arch/riscv/emulate.c hyp/arch/riscv/emulate_atomic.c \
	hyp/arch/riscv/insn.c hyp/arch/riscv/inject.c hyp/core/emul.c
