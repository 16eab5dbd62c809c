# Unit tests of `popek disk`'s pure parts (tools/popek/disk.c): the disk's
# size, minidisk lookup, bounds, and the extent copy on temporary files.
UNIT_TESTS += disk
disk_SRCS := tests/unit/test_disk.c tools/popek/disk.c tools/popek/directory.c \
	tools/popek/diag.c tools/popek/units.c
disk_LIBS := $(shell pkg-config --libs inih)
