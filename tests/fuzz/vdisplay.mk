# A VM's GPU and keyboard through their virtio-mmio slots, rings in a
# guard-banded fake RAM, with a real vPLIC.
FUZZ_TARGETS += vdisplay
fuzz_vdisplay_SRCS := tests/fuzz/fuzz_vdisplay.c hyp/dev/vgpu.c hyp/dev/vinput.c \
	hyp/dev/virtio_mmio.c hyp/dev/vplic.c
