#ifndef BOOTARGS_H
#define BOOTARGS_H

#include <stdint.h>

/*
 * The words of /chosen bootargs ("mode=test input=none spin=500").  A key
 * matches only at the start of a word.
 */
int bootarg_value(const char *key, char *buf, unsigned size);
uint64_t bootarg_u64(const char *key, uint64_t dflt);

#endif
