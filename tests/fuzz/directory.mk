# The directory parser (tools/popek/directory.c, with inih), the plan and the
# pack on random INI text, in a scratch folder of tiny kernels and a disk.
FUZZ_TARGETS += directory
fuzz_directory_SRCS := tests/fuzz/fuzz_directory.c tools/popek/directory.c tools/popek/diag.c \
	tools/popek/units.c tools/popek/image.c tools/popek/plan.c tools/popek/pack.c \
	tools/popek/guestfdt.c hyp/core/bundle.c
fuzz_directory_LIBS := $(shell pkg-config --libs inih) -lfdt
