# The virtual PLIC: claims, completes, enables, thresholds, priorities, levels.
FUZZ_TARGETS += vplic
fuzz_vplic_SRCS := tests/fuzz/fuzz_vplic.c hyp/dev/vplic.c
