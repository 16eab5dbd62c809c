#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>
#include <stdint.h>

extern int console_echo;

void console_write(const char *buf, size_t n);
void console_input(char c);
long console_read(char *buf, size_t n, uint64_t timeout_ms);

#endif
