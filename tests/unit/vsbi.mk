# The SBI popek serves, through the real dispatch, with a host stand-in for
# the VM (tests/unit/vsbi_host.c); popek's invariant checks are on.
UNIT_TESTS += vsbi
VSBI_SRCS := $(wildcard hyp/arch/riscv/vsbi*.c)
vsbi_SRCS := tests/unit/test_vsbi.c tests/unit/vsbi_host.c $(VSBI_SRCS) hyp/dev/vuart.c hyp/dev/vplic.c
$(patsubst %.c,$(BUILD)/host/%.o,$(VSBI_SRCS)): HCFLAGS += -DPOPEK_CHECK
