# The uplink's host-testable parts: the real NIC's received-length check, the
# bridge over the real switch and a fake NIC, the QEMU command lines of an
# uplinked LAN.
UNIT_TESTS += uplink
uplink_SRCS := tests/unit/test_uplink.c tools/popek/directory.c tools/popek/diag.c \
	tools/popek/units.c tools/popek/image.c tools/popek/qemu.c hyp/core/bundle.c \
	hyp/core/lan.c hyp/core/uplink.c
uplink_LIBS := $(shell pkg-config --libs inih)
