# The control socket's request parser and JSON writer (tools/popek/ctl_json.c).
UNIT_TESTS += ctl_json
ctl_json_SRCS := tests/unit/test_ctl_json.c tools/popek/ctl_json.c
