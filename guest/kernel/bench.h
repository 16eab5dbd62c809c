#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

void bench_run(void);
void bench_report(const char *name, uint64_t ops, uint64_t cycles, uint64_t instret, uint64_t time);

#endif
