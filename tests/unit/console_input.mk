# Unit tests of typed input toward popek: the launcher's framer and the
# console client's detach key (tools/popek/console_input.c), and popek's
# parser of the same framing (hyp/core/monitor.c, with stubs for the rest
# of popek).
UNIT_TESTS += console_input
console_input_SRCS := tests/unit/test_console_input.c tools/popek/console_input.c \
	hyp/core/monitor.c
console_input_LIBS :=
