# bundle_check() (hyp/core/bundle.c) on random bundles: it reads nothing
# outside the buffer, and everything it accepts keeps popek's invariants.
FUZZ_TARGETS += bundle
fuzz_bundle_SRCS := tests/fuzz/fuzz_bundle.c hyp/core/bundle.c
