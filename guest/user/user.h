/* user.h — the system calls and the little C library user programs get. */
#ifndef USER_H
#define USER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* system calls (usys.S) */
void exit(int status) __attribute__((noreturn));
int fork(void);
int wait(int *status);
long read(int fd, void *buf, size_t n);
long write(int fd, const void *buf, size_t n);
int getpid(void);
void *sbrk(long n);
int sleep(long ms);
int yield(void);
int spawn(const char *name, long arg);
long uptime(void);
int bench(const char *name, long ops, uint64_t cycles, uint64_t instret, uint64_t time);
uint64_t trapinfo(void);

/* ulib.c */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long atol(const char *s);
uint64_t median(uint64_t *v, int n);

static inline uint64_t rdtime(void)
{
	uint64_t v;
	asm volatile("rdtime %0" : "=r"(v));
	return v;
}

static inline uint64_t rdcycle(void)
{
	uint64_t v;
	asm volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline uint64_t rdinstret(void)
{
	uint64_t v;
	asm volatile("rdinstret %0" : "=r"(v));
	return v;
}

#endif
