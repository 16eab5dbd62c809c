# The virtual LAN switch, and the virtio-net model on the shared transport
# with a real vPLIC and switch (docs/network.md).
UNIT_TESTS += lan vnet
lan_SRCS := tests/unit/test_lan.c hyp/core/lan.c
vnet_SRCS := tests/unit/test_vnet.c hyp/dev/vnet.c hyp/dev/virtio_mmio.c hyp/dev/vplic.c \
	hyp/core/lan.c
$(BUILD)/host/hyp/core/lan.o: HCFLAGS += -DPOPEK_CHECK
$(BUILD)/host/hyp/dev/vnet.o: HCFLAGS += -DPOPEK_CHECK
