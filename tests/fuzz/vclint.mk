# The virtual CLINT: msip, mtimecmp and mtime at every offset and width.
FUZZ_TARGETS += vclint
fuzz_vclint_SRCS := tests/fuzz/fuzz_vclint.c hyp/dev/vclint.c
