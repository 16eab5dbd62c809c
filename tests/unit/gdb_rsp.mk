# Unit tests of the debugger stub's remote protocol (hyp/core/gdb_rsp.c).
UNIT_TESTS += gdb_rsp
gdb_rsp_SRCS := tests/unit/test_gdb_rsp.c hyp/core/gdb_rsp.c hyp/lib/printf.c
gdb_rsp_LIBS :=
