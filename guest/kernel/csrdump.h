#ifndef CSRDUMP_H
#define CSRDUMP_H

#include <stdint.h>

/* The registers the firmware entered _entry with, as entry.S stores them. */
struct entry_state {
	uint64_t a0, a1;
	uint64_t sstatus, sie, sip, stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, satp;
};
extern struct entry_state entry_state;

void csrdump_run(void); /* mode=csrdump */

#endif
