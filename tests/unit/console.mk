# Unit tests of the operator console's demultiplexer (the launcher's side of
# popek's console framing).
UNIT_TESTS += console_demux
console_demux_SRCS := tests/unit/test_console_demux.c tools/popek/console_demux.c
console_demux_LIBS :=

# popek's console (hyp/core/console.c) on the host, its stream through the
# demultiplexer: whose lines popek's messages may push out.
UNIT_TESTS += console_lines
console_lines_SRCS := tests/unit/test_console_lines.c hyp/core/console.c hyp/lib/printf.c \
	tools/popek/console_demux.c
console_lines_LIBS :=
