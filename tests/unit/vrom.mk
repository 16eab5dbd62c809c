# The board's mask ROM (boot = firmware): the reset vector and fw_dynamic information.
UNIT_TESTS += vrom
vrom_SRCS := tests/unit/test_vrom.c hyp/dev/vrom.c
