# The control socket's requests (tools/popek/ctl_json.c) and the launcher's
# handling of them and of popek's records (tools/popek/ctl_server.c), on
# random request lines and record streams.
FUZZ_TARGETS += ctl
fuzz_ctl_SRCS := tests/fuzz/fuzz_ctl.c tools/popek/ctl_json.c tools/popek/ctl_server.c
