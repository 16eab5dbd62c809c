# Counter reads emulated from vU and vS (emulate.c, vcsr.c), on the host VM of tests/fuzz/hostvm.c.
UNIT_TESTS += counters
counters_SRCS = tests/unit/test_counters.c $(SHADOW_HOST_SRCS)
$(BUILD)/host/tests/unit/test_counters.o: HCFLAGS += -Itests/fuzz
