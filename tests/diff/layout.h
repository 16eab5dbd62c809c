/*
 * layout.h — the memory map and blob format shared by the differential
 * generator (gen.c, host) and the runtime it links with (rt/, target).
 *
 *   0x8000_0000  the runtime: entry, trap handlers, reset, dump (rt/)
 *   0x8030_0000  page tables of the program running (DIFF_PT_PAGES pages)
 *   0x8040_0000  the data region programs load from and store to (2 MiB)
 *   0x8080_0000  the blob: header, program records, generated code
 *
 * Programs run their S-mode code at its physical address (an identity
 * gigapage, root entry 2, U = 0) and their U-mode code, under Sv39, at
 * the alias DIFF_UALIAS higher (root entry 3, U = 1).  An Sv48 program's
 * root (DIFF_PT_ROOT48) leads to the same tables through its entry 0, and
 * an Sv57 program's (DIFF_PT_ROOT57) to the Sv48 root through its own.  Data accesses
 * under translation go to DIFF_DATA_VA, which the generated tables map;
 * as a physical address it is nothing on the board (no RAM, no device),
 * so that an untranslated access there faults alike everywhere.
 */
#ifndef DIFF_LAYOUT_H
#define DIFF_LAYOUT_H

#define DIFF_RT_BASE     0x80000000
#define DIFF_PT_BASE     0x80300000
#define DIFF_PT_PAGES    6
#define DIFF_PT_ROOT48   (DIFF_PT_BASE + 0x4000) /* an Sv48 program's root: entry 0 -> PT */
#define DIFF_PT_ROOT57   (DIFF_PT_BASE + 0x5000) /* an Sv57 program's: entry 0 -> ROOT48 */
#define DIFF_DATA_BASE   0x80400000
#define DIFF_DATA_SIZE   0x200000
#define DIFF_BLOB_BASE   0x80800000
#define DIFF_UALIAS      0x40000000
#define DIFF_DATA_VA     0x140400000        /* root[5] -> L1 at PT+0x1000: entries 2, 3 */
#define DIFF_MAGIC       0x4649444b45504f50 /* "POPEKDIF" */
#define DIFF_LOG_MAX     256
#define DIFF_BLOCK_TRAPS 64 /* a block that traps more often ends */

#define DIFF_UART        0x10000000
#define DIFF_TEST        0x100000
#define DIFF_CLINT       0x2000000
#define DIFF_MTIMECMP    (DIFF_CLINT + 0x4000)

/* offsets in struct diff_ctx, for rt/entry.S */
#define CTX_X     0
#define CTX_RT    256 /* ra, sp, s0-s11 of the runtime, while a block runs */
#define CTX_MST   368 /* mstatus as the trap found it (MPRV before clearing) */
#define CTX_STACK 376

#ifndef __ASSEMBLER__
#include <stdint.h>

/* blob header at DIFF_BLOB_BASE, then nprog offsets of program records */
struct diff_hdr {
	uint64_t magic, nprog, verbose, reserved;
};

/* a program record; its ptes and blocks follow it */
struct diff_prog {
	uint64_t seed, satp, npte, nblock;
	uint64_t x[32];
};

struct diff_pte {
	uint64_t pa, val;
};

struct diff_block {
	uint64_t mode, entry, end; /* end: the address of the closing ecall */
};

struct diff_ctx {
	uint64_t x[32];
	uint64_t rt[14];
	uint64_t mst;
	uint64_t stack;
};
#endif
#endif
