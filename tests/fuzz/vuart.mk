# The virtual 16550A, with a real vPLIC behind its interrupt line.
FUZZ_TARGETS += vuart
fuzz_vuart_SRCS := tests/fuzz/fuzz_vuart.c hyp/dev/vuart.c hyp/dev/vplic.c
