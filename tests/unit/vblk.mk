# The virtual virtio-blk device model, with a real vPLIC for its interrupt line.
UNIT_TESTS += vblk
vblk_SRCS := tests/unit/test_vblk.c hyp/dev/vblk.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c
# popek's own invariant checks (hyp/core/check.h) are on in the model under test.
$(BUILD)/host/hyp/dev/vblk.o: HCFLAGS += -DPOPEK_CHECK
$(BUILD)/host/hyp/dev/virtio_mmio.o: HCFLAGS += -DPOPEK_CHECK
