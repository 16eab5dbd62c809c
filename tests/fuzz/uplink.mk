# The uplink over the real switch and a fake NIC: frames from outside of
# every length the device could report, VMs' frames, busy ports.
FUZZ_TARGETS += uplink
fuzz_uplink_SRCS := tests/fuzz/fuzz_uplink.c hyp/core/uplink.c hyp/core/lan.c
