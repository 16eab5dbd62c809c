FUZZ_TARGETS += vcsr
fuzz_vcsr_SRCS := tests/fuzz/fuzz_vcsr.c hyp/arch/riscv/vcsr.c
