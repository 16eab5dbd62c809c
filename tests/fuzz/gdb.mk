# The debugger stub's remote-protocol parser (hyp/core/gdb_rsp.c): every byte a
# debugger connected to a VM's port can send.
FUZZ_TARGETS += gdb
fuzz_gdb_SRCS := tests/fuzz/fuzz_gdb.c hyp/core/gdb_rsp.c hyp/lib/printf.c
