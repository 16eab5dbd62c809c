# A VM's clock (timer = real or virtual): any order of what the scheduler and the vCPU do to it.
FUZZ_TARGETS += vclock
fuzz_vclock_SRCS := tests/fuzz/fuzz_vclock.c hyp/core/vclock.c
