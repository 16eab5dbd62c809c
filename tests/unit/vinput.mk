# The virtio-input keyboard: configuration space, events, LEDs.
UNIT_TESTS += vinput
vinput_SRCS := tests/unit/test_vinput.c hyp/dev/vinput.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c
$(BUILD)/host/hyp/dev/vinput.o: HCFLAGS += -DPOPEK_CHECK
