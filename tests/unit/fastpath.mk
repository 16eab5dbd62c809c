# The trap path's fast lane and fetch cache (emulate.c), on the host VM of tests/fuzz/hostvm.c.
UNIT_TESTS += fastpath
fastpath_SRCS = tests/unit/test_fastpath.c $(SHADOW_HOST_SRCS)
$(BUILD)/host/tests/unit/test_fastpath.o: HCFLAGS += -Itests/fuzz
