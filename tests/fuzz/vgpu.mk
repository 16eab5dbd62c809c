# The virtio-gpu command layer: commands from the input over a guard-banded
# fake RAM, the arena allocated to its exact size.
FUZZ_TARGETS += vgpu
fuzz_vgpu_SRCS := tests/fuzz/fuzz_vgpu.c hyp/dev/vgpu.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c
