# A VM's clock (timer = real or virtual): its readings and deadline conversions, with
# popek's invariant checks on.
UNIT_TESTS += vclock
vclock_SRCS := tests/unit/test_vclock.c hyp/core/vclock.c
$(BUILD)/host/hyp/core/vclock.o: HCFLAGS += -DPOPEK_CHECK
