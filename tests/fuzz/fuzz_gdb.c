/*
 * The GDB remote protocol as popek parses it (hyp/core/gdb_rsp.c), fed
 * whatever a debugger could send, with a target that checks every call:
 * register numbers the description names, memory requests within what was
 * asked and what a reply can carry, breakpoint types in range.  Every packet
 * the stub sends must be framed with the right checksum and fit the
 * PacketSize it announces.  Input: chunks of bytes, each followed by one
 * control byte (the target stopping or not).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/gdb_rsp.h"
#include "fuzz_reader.h"

static struct gdb_rsp rsp;
static uint64_t regs[GDB_REG_PRIV + 1];
static uint8_t mem[8192];
static bool running;
/* the output stream, checked packet by packet */
static enum { OUT_IDLE, OUT_DATA, OUT_SUM1, OUT_SUM2 } out_state;
static uint8_t out_sum, out_got;
static size_t out_len;

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void t_out(void *t, const char *buf, size_t n)
{
	(void)t;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		switch (out_state) {
		case OUT_IDLE:
			REQUIRE(c == '$' || c == '+' || c == '-');
			if (c == '$') {
				out_state = OUT_DATA;
				out_sum = 0;
				out_len = 0;
			}
			break;
		case OUT_DATA:
			if (c == '#') {
				out_state = OUT_SUM1;
				break;
			}
			REQUIRE(c != '$');
			out_sum += (uint8_t)c;
			REQUIRE(++out_len <= 2 * GDB_RSP_PACKET + 8);
			break;
		case OUT_SUM1:
			REQUIRE(hexv(c) >= 0);
			out_got = (uint8_t)(hexv(c) << 4);
			out_state = OUT_SUM2;
			break;
		case OUT_SUM2:
			REQUIRE(hexv(c) >= 0 && (uint8_t)(out_got | hexv(c)) == out_sum);
			out_state = OUT_IDLE;
			break;
		}
	}
}

static bool reg_ok(unsigned regno)
{
	return regno <= GDB_REG_PRIV;
}

static int t_reg_read(void *t, unsigned regno, uint64_t *val)
{
	(void)t;
	REQUIRE(reg_ok(regno));
	if (regno % 7 == 3)
		return -1; /* some unavailable */
	*val = regs[regno];
	return 0;
}

static int t_reg_write(void *t, unsigned regno, uint64_t val)
{
	(void)t;
	REQUIRE(reg_ok(regno));
	regs[regno] = val;
	return regno == 0 ? -1 : 0;
}

static size_t t_mem(uint64_t addr, size_t len)
{
	REQUIRE(len <= GDB_RSP_PACKET);
	if (addr >= sizeof(mem))
		return 0;
	return len < sizeof(mem) - addr ? len : sizeof(mem) - addr;
}

static size_t t_mem_read(void *t, uint64_t addr, uint8_t *buf, size_t len)
{
	(void)t;
	size_t n = t_mem(addr, len);
	memcpy(buf, mem + addr, n);
	return n;
}

static size_t t_mem_write(void *t, uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)t;
	size_t n = t_mem(addr, len);
	memcpy(mem + addr, buf, n);
	return n;
}

static void t_resume(void *t, bool step)
{
	(void)t;
	(void)step;
	running = true;
}

static void t_interrupt(void *t)
{
	(void)t;
	running = false;
}

static int t_breakpoint(void *t, bool insert, enum gdb_break type, uint64_t addr, uint64_t len)
{
	(void)t;
	(void)insert;
	REQUIRE(type <= GDB_WATCH_ACCESS);
	return (int)((addr ^ len) % 3) - 1;
}

static void t_detach(void *t)
{
	(void)t;
	running = false;
}

static bool t_monitor(void *t, struct gdb_rsp *r, const char *cmd)
{
	(void)t;
	REQUIRE(strlen(cmd) < 256);
	if (cmd[0] != 'h')
		return false;
	gdb_rsp_console(r, cmd);
	return true;
}

static const struct gdb_target ops = {
    .out = t_out,
    .reg_read = t_reg_read,
    .reg_write = t_reg_write,
    .mem_read = t_mem_read,
    .mem_write = t_mem_write,
    .resume = t_resume,
    .interrupt = t_interrupt,
    .breakpoint = t_breakpoint,
    .detach = t_detach,
    .kill = t_detach,
    .monitor = t_monitor,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	gdb_rsp_init(&rsp, &ops, NULL);
	running = false;
	out_state = OUT_IDLE;
	while (r.size) {
		unsigned n = reader_u8(&r) % 64 + 1;
		for (unsigned i = 0; i < n && r.size; i++)
			gdb_rsp_input(&rsp, (char)reader_u8(&r));
		uint8_t ctl = reader_u8(&r);
		if (ctl & 1) {
			running = false;
			gdb_rsp_stopped(&rsp, (enum gdb_stop)(ctl >> 1) % (GDB_STOP_EXITED + 1),
			                ctl * 0x1234567ULL);
		}
	}
	REQUIRE(out_state == OUT_IDLE); /* no packet left half sent */
	return 0;
}
