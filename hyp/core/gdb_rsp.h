/*
 * The GDB remote serial protocol, popek's side of one connection
 * (docs/debugging.md).  Pure: bytes in from the debugger, bytes out through
 * the target's `out`, and everything else through the target's operations,
 * so that the host fuzzes and tests it as it runs in popek.
 *
 * Framing (gdb manual, "Overview" of the remote protocol): $DATA#CS with CS
 * the two-hex-digit sum of DATA's bytes, acknowledged with + (or - for a bad
 * sum) until QStartNoAckMode; } escapes the next byte (XOR 0x20) in binary
 * data; a lone 0x03 outside a packet is an interrupt.  One thread, all-stop.
 */
#ifndef POPEK_CORE_GDB_RSP_H
#define POPEK_CORE_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_RSP_PACKET 4096 /* PacketSize we announce: the largest packet we take */

/* Register numbers of the target description (gdb's RISC-V numbering). */
#define GDB_REG_PC     32
#define GDB_REG_F0     33
#define GDB_REG_FFLAGS 66
#define GDB_REG_FRM    67
#define GDB_REG_FCSR   68
#define GDB_REG_CSR0   65   /* + the CSR's number */
#define GDB_REG_PRIV   4161 /* 65 + 4096: the virtual privilege mode */

/* Z and z packet types (gdb manual, "Packets"). */
enum gdb_break {
	GDB_BREAK_SW,
	GDB_BREAK_HW,
	GDB_WATCH_WRITE,
	GDB_WATCH_READ,
	GDB_WATCH_ACCESS,
};

/* Why the target stopped, for the stop reply. */
enum gdb_stop {
	GDB_STOP_INTERRUPT, /* Ctrl-C, or a debugger attaching: SIGINT */
	GDB_STOP_STEP,      /* a single step done: SIGTRAP */
	GDB_STOP_SWBREAK,
	GDB_STOP_HWBREAK,
	GDB_STOP_WATCH, /* `addr` is the watched address hit */
	GDB_STOP_RWATCH,
	GDB_STOP_AWATCH,
	GDB_STOP_CATCH, /* a caught trap: SIGTRAP */
	GDB_STOP_EXITED,
};

struct gdb_rsp;

/* What the protocol needs of its target. */
struct gdb_target {
	void (*out)(void *t, const char *buf, size_t n);
	/* 0, or -1: no such register or not readable now. */
	int (*reg_read)(void *t, unsigned regno, uint64_t *val);
	int (*reg_write)(void *t, unsigned regno, uint64_t val);
	/* Bytes of guest-virtual memory, through the guest's translation: how many were done. */
	size_t (*mem_read)(void *t, uint64_t addr, uint8_t *buf, size_t len);
	size_t (*mem_write)(void *t, uint64_t addr, const uint8_t *buf, size_t len);
	void (*resume)(void *t, bool step);
	void (*interrupt)(void *t); /* stop it; the target calls gdb_rsp_stopped() once it has */
	/* 0 done, -1 failed (no room, no such memory), 1 not supported. */
	int (*breakpoint)(void *t, bool insert, enum gdb_break type, uint64_t addr, uint64_t len);
	void (*detach)(void *t); /* every breakpoint gone, the target running */
	void (*kill)(void *t);
	/* A `monitor` command: output with gdb_rsp_console(); false: unknown command. */
	bool (*monitor)(void *t, struct gdb_rsp *r, const char *cmd);
};

enum gdb_rsp_state { RSP_IDLE, RSP_DATA, RSP_ESCAPE, RSP_SUM1, RSP_SUM2 };

struct gdb_rsp {
	const struct gdb_target *ops;
	void *t;
	bool attached;  /* a debugger has sent a packet since the last detach */
	bool running;   /* resumed: a stop reply is owed */
	bool no_ack;    /* QStartNoAckMode */
	bool hex_error; /* a malformed field in the packet being handled */
	enum gdb_rsp_state state;
	uint8_t sum, got_sum;
	size_t len;
	char pkt[GDB_RSP_PACKET + 1];
	/* the last stop, for `?` */
	enum gdb_stop stop;
	uint64_t stop_addr;
	/* a reply being built */
	char reply[2 * GDB_RSP_PACKET + 8];
	uint8_t mem[GDB_RSP_PACKET / 2]; /* memory being read or written */
	size_t rlen;
};

void gdb_rsp_init(struct gdb_rsp *r, const struct gdb_target *ops, void *t);
/* A byte from the debugger. */
void gdb_rsp_input(struct gdb_rsp *r, char c);
/* The target has stopped (after resume or interrupt): the stop reply goes out. */
void gdb_rsp_stopped(struct gdb_rsp *r, enum gdb_stop why, uint64_t addr);
/* Text for the debugger's console, during a monitor command. */
void gdb_rsp_console(struct gdb_rsp *r, const char *text);

#endif
