# Each device model's reset, as a VM's restart does it (hyp/core/vm.c vm_boot).
UNIT_TESTS += reset
reset_SRCS := tests/unit/test_reset.c hyp/dev/vplic.c hyp/dev/vuart.c hyp/dev/vclint.c \
	hyp/dev/vblk.c hyp/dev/virtio_mmio.c hyp/core/vclock.c
