# The test device (boot = firmware): the accesses the board's takes, and what they do.
UNIT_TESTS += vtest
vtest_SRCS := tests/unit/test_vtest.c hyp/dev/vtest.c
