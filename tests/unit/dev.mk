# Guest I/O pure logic: the instruction decoder and the vPLIC and vUART models.
UNIT_TESTS += insn vplic vuart
insn_SRCS  := tests/unit/test_insn.c hyp/arch/riscv/insn.c
vplic_SRCS := tests/unit/test_vplic.c hyp/dev/vplic.c
vuart_SRCS := tests/unit/test_vuart.c hyp/dev/vuart.c hyp/dev/vplic.c
