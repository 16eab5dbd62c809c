# Trap-and-emulate pure logic: the virtual supervisor CSRs and the guest Sv39 walker.
UNIT_TESTS += vcsr gwalk
vcsr_SRCS  := tests/unit/test_vcsr.c hyp/arch/riscv/vcsr.c
gwalk_SRCS := tests/unit/test_gwalk.c hyp/arch/riscv/gwalk.c
