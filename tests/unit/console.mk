# Unit tests of the operator console's demultiplexer (the launcher's side of
# popek's console framing).
UNIT_TESTS += console_demux
console_demux_SRCS := tests/unit/test_console_demux.c tools/popek/console_demux.c
console_demux_LIBS :=
