# Unit tests of the launcher's pure logic: directory parsing and validation,
# sizes, kernel images, placement, the bundle and the QEMU command lines.
UNIT_TESTS += directory
directory_SRCS := tests/unit/test_directory.c tools/popek/directory.c tools/popek/diag.c \
	tools/popek/units.c tools/popek/image.c tools/popek/plan.c tools/popek/pack.c \
	tools/popek/guestfdt.c tools/popek/qemu.c hyp/core/bundle.c
directory_LIBS := $(shell pkg-config --libs inih) -lfdt
