# Trap-and-emulate pure logic: the virtual supervisor CSRs and the guest Sv39 walker.
UNIT_TESTS += vcsr gwalk
vcsr_SRCS  := tests/unit/test_vcsr.c hyp/arch/riscv/vcsr.c
gwalk_SRCS := tests/unit/test_gwalk.c hyp/arch/riscv/gwalk.c
# Virtual M-mode: M-level CSRs, delegation, interrupt choice, MPRV; and PMP.
UNIT_TESTS += vmmode pmp
vmmode_SRCS := tests/unit/test_vmmode.c hyp/arch/riscv/vcsr.c
pmp_SRCS    := tests/unit/test_pmp.c hyp/arch/riscv/pmp.c hyp/arch/riscv/vcsr.c
