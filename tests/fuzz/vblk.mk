# The virtio-blk model (modern and legacy) with a real vPLIC, random register
# traffic and rings in a guard-banded fake RAM, and a fake backend.
FUZZ_TARGETS += vblk
fuzz_vblk_SRCS := tests/fuzz/fuzz_vblk.c hyp/dev/vblk.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c
