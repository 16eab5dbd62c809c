FUZZ_TARGETS += insn
fuzz_insn_SRCS := tests/fuzz/fuzz_insn.c hyp/arch/riscv/insn.c
