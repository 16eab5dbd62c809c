# popek's own string functions (hyp/lib/string.c), under other names beside the C library's.
UNIT_TESTS += string
string_SRCS := tests/unit/test_string.c
