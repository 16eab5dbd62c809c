# `popek key`'s US layout (tools/popek/keymap.c).
UNIT_TESTS += keymap
keymap_SRCS := tests/unit/test_keymap.c tools/popek/keymap.c
