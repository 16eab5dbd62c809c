# The virtual CLINT (boot = firmware): the accesses the board's takes.
UNIT_TESTS += vclint
vclint_SRCS := tests/unit/test_vclint.c hyp/dev/vclint.c
