# Every SBI extension popek serves, through the real dispatch, with the
# host stand-in of tests/unit/vsbi_host.c for the VM.
FUZZ_TARGETS += sbi
fuzz_sbi_SRCS := tests/fuzz/fuzz_sbi.c tests/unit/vsbi_host.c $(wildcard hyp/arch/riscv/vsbi*.c) \
                  hyp/dev/vuart.c hyp/dev/vplic.c
