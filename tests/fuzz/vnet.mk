# The virtio-net model on the shared transport, two devices on one switch,
# each with its own guard-banded fake RAM: the input drives one with random
# registers and rings, a well-behaved driver the other.
FUZZ_TARGETS += vnet
fuzz_vnet_SRCS := tests/fuzz/fuzz_vnet.c hyp/dev/vnet.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c \
	hyp/core/lan.c
