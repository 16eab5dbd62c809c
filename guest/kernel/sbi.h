#ifndef SBI_H
#define SBI_H

#include <stdint.h>
#include <stddef.h>

/* SBI spec v2.0 §3: every call returns an error code and a value. */
struct sbiret {
	long error;
	long value;
};

#define SBI_SUCCESS           0
#define SBI_ERR_NOT_SUPPORTED -2

#define SBI_EXT_BASE          0x10
#define SBI_EXT_TIME          0x54494D45
#define SBI_EXT_SRST          0x53525354
#define SBI_EXT_DBCN          0x4442434E

struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2);
void sbi_init(void);
long sbi_probe(long eid);
void sbi_set_timer(uint64_t deadline);
void sbi_console_write(const char *buf, size_t n);
void sbi_shutdown(void) __attribute__((noreturn));

#endif
