# Minidisks sharing the real disk (hyp/core/vdisk.c) over a fake real disk
# with the real driver's limits; the real virtio-blk model and vPLIC.
UNIT_TESTS += vdisk
vdisk_SRCS := tests/unit/test_vdisk.c tests/unit/vdisk_fakes.c hyp/core/vdisk.c hyp/dev/vblk.c hyp/dev/virtio_mmio.c \
	hyp/dev/vplic.c
$(BUILD)/host/hyp/core/vdisk.o: HCFLAGS += -DPOPEK_CHECK
