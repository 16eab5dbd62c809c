# The virtio-gpu command layer: commands, resources, backing and rectangles.
UNIT_TESTS += vgpu
vgpu_SRCS := tests/unit/test_vgpu.c hyp/dev/vgpu.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c
# popek's own invariant checks (hyp/core/check.h) are on in the model under test.
$(BUILD)/host/hyp/dev/vgpu.o: HCFLAGS += -DPOPEK_CHECK
