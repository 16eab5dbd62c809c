# Unit tests of the guest device tree the launcher generates.
UNIT_TESTS += guestfdt
guestfdt_SRCS := tests/unit/test_guestfdt.c tools/popek/guestfdt.c
guestfdt_LIBS := -lfdt
