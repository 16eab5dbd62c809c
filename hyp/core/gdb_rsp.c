/*
 * The GDB remote serial protocol (gdb_rsp.h).  Every field of a packet is
 * checked as it is read: a packet that does not parse gets "E01", one that
 * names nothing popek serves gets the empty reply (unsupported).
 */
#include "core/gdb_rsp.h"
#include "lib/printf.h"
#include "lib/string.h"

#define NX 32 /* x registers, then the pc */

static const char *const xnames[NX] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "fp", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};
static const char *const fnames[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1",  "fa0",
    "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4",  "fs5",
    "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* The virtual CSRs a debugger sees (priv spec 1.12 §2.2); those a VM lacks read as unavailable. */
static const struct {
	const char *name;
	uint16_t csr;
} csrs[] = {
    {"sstatus", 0x100},  {"sie", 0x104},        {"stvec", 0x105},     {"scounteren", 0x106},
    {"senvcfg", 0x10a},  {"sscratch", 0x140},   {"sepc", 0x141},      {"scause", 0x142},
    {"stval", 0x143},    {"sip", 0x144},        {"satp", 0x180},      {"mstatus", 0x300},
    {"misa", 0x301},     {"medeleg", 0x302},    {"mideleg", 0x303},   {"mie", 0x304},
    {"mtvec", 0x305},    {"mcounteren", 0x306}, {"menvcfg", 0x30a},   {"mscratch", 0x340},
    {"mepc", 0x341},     {"mcause", 0x342},     {"mtval", 0x343},     {"mip", 0x344},
    {"pmpcfg0", 0x3a0},  {"pmpcfg2", 0x3a2},    {"pmpaddr0", 0x3b0},  {"pmpaddr1", 0x3b1},
    {"pmpaddr2", 0x3b2}, {"pmpaddr3", 0x3b3},   {"mvendorid", 0xf11}, {"marchid", 0xf12},
    {"mimpid", 0xf13},   {"mhartid", 0xf14},    {"cycle", 0xc00},     {"time", 0xc01},
    {"instret", 0xc02},
};
#define NCSRS (sizeof(csrs) / sizeof(csrs[0]))

/* Bytes of register regno in packets; 0: no such register. */
static unsigned reg_size(unsigned regno)
{
	if (regno <= GDB_REG_PC || (regno >= GDB_REG_F0 && regno < GDB_REG_F0 + 32) ||
	    regno == GDB_REG_PRIV)
		return 8;
	if (regno >= GDB_REG_FFLAGS && regno <= GDB_REG_FCSR)
		return 4;
	for (size_t i = 0; i < NCSRS; i++) {
		if (regno == GDB_REG_CSR0 + (unsigned)csrs[i].csr)
			return 8;
	}
	return 0;
}

/* ---- the target description ---- */

static char xml[8192];
static size_t xml_len;

static void xml_str(const char *str)
{
	size_t n = strlen(str);
	if (n < sizeof(xml) - xml_len) {
		memcpy(xml + xml_len, str, n);
		xml_len += n;
	}
}

static void xml_reg(const char *name, unsigned bits, const char *type, unsigned regno)
{
	int n = fmt_snprintf(xml + xml_len, sizeof(xml) - xml_len,
	                     "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"/>", name,
	                     bits, type, regno);
	if (n > 0 && (size_t)n < sizeof(xml) - xml_len)
		xml_len += (size_t)n;
}

static void xml_build(void)
{
	static const char *const xtypes[NX] = {[1] = "code_ptr", [2] = "data_ptr"};
	if (xml_len)
		return;
	xml_str("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	        "<target version=\"1.0\"><architecture>riscv:rv64</architecture>"
	        "<feature name=\"org.gnu.gdb.riscv.cpu\">");
	for (unsigned i = 0; i < NX; i++)
		xml_reg(xnames[i], 64, xtypes[i] ? xtypes[i] : "int", i);
	xml_reg("pc", 64, "code_ptr", GDB_REG_PC);
	xml_str("</feature><feature name=\"org.gnu.gdb.riscv.fpu\">");
	for (unsigned i = 0; i < 32; i++)
		xml_reg(fnames[i], 64, "ieee_double", GDB_REG_F0 + i);
	xml_reg("fflags", 32, "int", GDB_REG_FFLAGS);
	xml_reg("frm", 32, "int", GDB_REG_FRM);
	xml_reg("fcsr", 32, "int", GDB_REG_FCSR);
	xml_str("</feature><feature name=\"org.gnu.gdb.riscv.virtual\">");
	xml_reg("priv", 64, "int", GDB_REG_PRIV);
	xml_str("</feature><feature name=\"org.gnu.gdb.riscv.csr\">");
	for (size_t i = 0; i < NCSRS; i++)
		xml_reg(csrs[i].name, 64, "int", GDB_REG_CSR0 + (unsigned)csrs[i].csr);
	xml_str("</feature></target>");
}

/* ---- replies ---- */

static const char hexd[] = "0123456789abcdef";

static void put(struct gdb_rsp *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n && r->rlen < sizeof(r->reply) - 4; i++) {
		char c = s[i];
		/* binary-safe: $ # } * are escaped (they only come from qXfer data) */
		if (c == '$' || c == '#' || c == '}' || c == '*') {
			r->reply[r->rlen++] = '}';
			c ^= 0x20;
		}
		r->reply[r->rlen++] = c;
	}
}

static void puts_(struct gdb_rsp *r, const char *s)
{
	put(r, s, strlen(s));
}

static void put_hex(struct gdb_rsp *r, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char h[2] = {hexd[b[i] >> 4], hexd[b[i] & 15]};
		put(r, h, 2);
	}
}

static void put_num(struct gdb_rsp *r, uint64_t v)
{
	char buf[17];
	int n = 0;
	do {
		buf[16 - ++n] = hexd[v & 15];
		v >>= 4;
	} while (v);
	put(r, buf + 16 - n, (size_t)n);
}

static void send(struct gdb_rsp *r)
{
	uint8_t sum = 0;
	char tail[3] = {'#'};
	for (size_t i = 0; i < r->rlen; i++)
		sum += (uint8_t)r->reply[i];
	tail[1] = hexd[sum >> 4];
	tail[2] = hexd[sum & 15];
	r->ops->out(r->t, "$", 1);
	r->ops->out(r->t, r->reply, r->rlen);
	r->ops->out(r->t, tail, 3);
	r->rlen = 0;
}

static void reply(struct gdb_rsp *r, const char *s)
{
	r->rlen = 0;
	puts_(r, s);
	send(r);
}

/* ---- parsing ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex number at *p (at least one digit, at most 16); sets hex_error otherwise. */
static uint64_t num(struct gdb_rsp *r, const char **p)
{
	uint64_t v = 0;
	int n = 0;
	for (; hexval(**p) >= 0; (*p)++, n++)
		v = v << 4 | (uint64_t)hexval(**p);
	if (n == 0 || n > 16)
		r->hex_error = true;
	return v;
}

static void expect(struct gdb_rsp *r, const char **p, char c)
{
	if (**p != c)
		r->hex_error = true;
	else
		(*p)++;
}

/* n bytes of hex at p into b; false when they are not there. */
static bool unhex(const char *p, const char *end, uint8_t *b, size_t n)
{
	if ((size_t)(end - p) < 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---- commands ---- */

static void stop_reply(struct gdb_rsp *r)
{
	static const char *const kinds[] = {
	    [GDB_STOP_SWBREAK] = "swbreak:;", [GDB_STOP_HWBREAK] = "hwbreak:;",
	    [GDB_STOP_WATCH] = "watch:",      [GDB_STOP_RWATCH] = "rwatch:",
	    [GDB_STOP_AWATCH] = "awatch:",
	};
	r->rlen = 0;
	if (r->stop == GDB_STOP_EXITED) {
		puts_(r, "W00");
		send(r);
		return;
	}
	puts_(r, r->stop == GDB_STOP_INTERRUPT ? "T02" : "T05");
	if (r->stop < sizeof(kinds) / sizeof(kinds[0]) && kinds[r->stop]) {
		puts_(r, kinds[r->stop]);
		if (r->stop >= GDB_STOP_WATCH && r->stop <= GDB_STOP_AWATCH) {
			put_num(r, r->stop_addr);
			puts_(r, ";");
		}
	}
	puts_(r, "thread:1;");
	send(r);
}

static void put_reg(struct gdb_rsp *r, unsigned regno)
{
	unsigned size = reg_size(regno);
	uint64_t v;
	if (r->ops->reg_read(r->t, regno, &v) < 0) {
		for (unsigned i = 0; i < size; i++)
			puts_(r, "xx");
		return;
	}
	uint8_t b[8];
	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_hex(r, b, size);
}

static void cmd_read_regs(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)p;
	(void)end;
	r->rlen = 0;
	for (unsigned i = 0; i <= GDB_REG_PC; i++)
		put_reg(r, i);
	send(r);
}

/* Registers from hex at p, little-endian, for regnos [first, first + n). */
static bool write_regs(struct gdb_rsp *r, const char *p, const char *end, unsigned first,
                       unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		unsigned size = reg_size(i);
		uint8_t b[8] = {0};
		if (p == end)
			return true; /* a G shorter than all: the rest unchanged */
		if (!size || !unhex(p, end, b, size))
			return false;
		p += 2 * size;
		uint64_t v = 0;
		for (unsigned k = 0; k < size; k++)
			v |= (uint64_t)b[k] << (8 * k);
		if (r->ops->reg_write(r->t, i, v) < 0)
			return false;
	}
	return p == end;
}

static void cmd_write_regs(struct gdb_rsp *r, const char *p, const char *end)
{
	reply(r, write_regs(r, p, end, 0, GDB_REG_PC + 1) ? "OK" : "E01");
}

static void cmd_read_reg(struct gdb_rsp *r, const char *p, const char *end)
{
	unsigned regno = (unsigned)num(r, &p);
	if (r->hex_error || p != end || !reg_size(regno)) {
		reply(r, "E01");
		return;
	}
	r->rlen = 0;
	put_reg(r, regno);
	send(r);
}

static void cmd_write_reg(struct gdb_rsp *r, const char *p, const char *end)
{
	uint64_t regno = num(r, &p);
	expect(r, &p, '=');
	if (r->hex_error || regno > GDB_REG_PRIV || !reg_size((unsigned)regno)) {
		reply(r, "E01");
		return;
	}
	reply(r, write_regs(r, p, end, (unsigned)regno, 1) ? "OK" : "E01");
}

/* "ADDR,LEN" then `sep`. */
static bool addr_len(struct gdb_rsp *r, const char **p, uint64_t *addr, uint64_t *len)
{
	*addr = num(r, p);
	expect(r, p, ',');
	*len = num(r, p);
	return !r->hex_error;
}

static void cmd_read_mem(struct gdb_rsp *r, const char *p, const char *end)
{
	uint64_t addr, len;
	if (!addr_len(r, &p, &addr, &len) || p != end) {
		reply(r, "E01");
		return;
	}
	if (len > GDB_RSP_PACKET / 2 - 8)
		len = GDB_RSP_PACKET / 2 - 8;
	uint8_t *buf = r->mem;
	size_t got = r->ops->mem_read(r->t, addr, buf, (size_t)len);
	if (!got && len) {
		reply(r, "E14"); /* EFAULT */
		return;
	}
	r->rlen = 0;
	put_hex(r, buf, got);
	send(r);
}

static void mem_write_reply(struct gdb_rsp *r, uint64_t addr, const uint8_t *b, uint64_t len)
{
	reply(r, r->ops->mem_write(r->t, addr, b, (size_t)len) == len ? "OK" : "E14");
}

static void cmd_write_mem(struct gdb_rsp *r, const char *p, const char *end)
{
	uint64_t addr, len;
	uint8_t *buf = r->mem;
	if (!addr_len(r, &p, &addr, &len) || *p++ != ':' || len > sizeof(r->mem) ||
	    !unhex(p, end, buf, (size_t)len) || (size_t)(end - p) != 2 * len) {
		reply(r, "E01");
		return;
	}
	mem_write_reply(r, addr, buf, len);
}

/* X: binary data, already unescaped by the framing. */
static void cmd_write_bin(struct gdb_rsp *r, const char *p, const char *end)
{
	uint64_t addr, len;
	if (!addr_len(r, &p, &addr, &len) || *p++ != ':' || (uint64_t)(end - p) != len) {
		reply(r, "E01");
		return;
	}
	mem_write_reply(r, addr, (const uint8_t *)p, len);
}

static void resume(struct gdb_rsp *r, bool step, const char *p, const char *end)
{
	if (p != end) {
		/* c ADDR / s ADDR: resume at ADDR */
		uint64_t addr = num(r, &p);
		if (r->hex_error || p != end || r->ops->reg_write(r->t, GDB_REG_PC, addr) < 0) {
			reply(r, "E01");
			return;
		}
	}
	r->running = true;
	r->ops->resume(r->t, step);
}

static void cmd_continue(struct gdb_rsp *r, const char *p, const char *end)
{
	resume(r, false, p, end);
}

static void cmd_step(struct gdb_rsp *r, const char *p, const char *end)
{
	resume(r, true, p, end);
}

/* C sig / S sig: the signal means nothing to a VM; resume as c / s. */
static void cmd_continue_sig(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)num(r, &p);
	if (r->hex_error || (p != end && *p != ';')) {
		reply(r, "E01");
		return;
	}
	resume(r, false, end, end);
}

static void cmd_step_sig(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)num(r, &p);
	if (r->hex_error || (p != end && *p != ';')) {
		reply(r, "E01");
		return;
	}
	resume(r, true, end, end);
}

static void cmd_stop_reason(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)p;
	(void)end;
	stop_reply(r);
}

static void cmd_break(struct gdb_rsp *r, bool insert, const char *p, const char *end)
{
	uint64_t type = num(r, &p), addr, len;
	expect(r, &p, ',');
	if (!addr_len(r, &p, &addr, &len) || type > GDB_WATCH_ACCESS || (p != end && *p != ';')) {
		reply(r, "E01");
		return;
	}
	int e = r->ops->breakpoint(r->t, insert, (enum gdb_break)type, addr, len);
	reply(r, e == 0 ? "OK" : e < 0 ? "E0e" : "");
}

static void cmd_insert(struct gdb_rsp *r, const char *p, const char *end)
{
	cmd_break(r, true, p, end);
}

static void cmd_remove(struct gdb_rsp *r, const char *p, const char *end)
{
	cmd_break(r, false, p, end);
}

static void cmd_detach(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)p;
	(void)end;
	reply(r, "OK");
	r->attached = false;
	r->running = false;
	r->no_ack = false;
	r->ops->detach(r->t);
}

static void cmd_kill(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)p;
	(void)end;
	r->attached = false;
	r->running = false;
	r->no_ack = false;
	r->ops->kill(r->t); /* k has no reply */
}

static void cmd_thread(struct gdb_rsp *r, const char *p, const char *end)
{
	(void)p;
	(void)end;
	reply(r, "OK"); /* H and T: the one thread */
}

static bool prefix(const char *p, const char *end, const char *s, const char **rest)
{
	size_t n = strlen(s);
	if ((size_t)(end - p) < n || memcmp(p, s, n) != 0)
		return false;
	*rest = p + n;
	return true;
}

static void cmd_vcont(struct gdb_rsp *r, const char *p, const char *end)
{
	const char *rest;
	if (prefix(p, end, "Cont?", &rest) && rest == end) {
		reply(r, "vCont;c;C;s;S");
	} else if (prefix(p, end, "Cont;", &rest) && rest < end) {
		/* one thread: the first action is the one that applies to it */
		char a = *rest;
		if (a == 'c' || a == 'C')
			resume(r, false, end, end);
		else if (a == 's' || a == 'S')
			resume(r, true, end, end);
		else
			reply(r, "E01");
	} else if (prefix(p, end, "MustReplyEmpty", &rest)) {
		reply(r, "");
	} else {
		reply(r, "");
	}
}

static void cmd_monitor(struct gdb_rsp *r, const char *p, const char *end)
{
	char cmd[256];
	size_t n = (size_t)(end - p) / 2;
	if ((end - p) % 2 || n >= sizeof(cmd) || !unhex(p, end, (uint8_t *)cmd, n) ||
	    memchr(cmd, 0, n)) {
		reply(r, "E01");
		return;
	}
	cmd[n] = '\0';
	if (!r->ops->monitor(r->t, r, cmd))
		gdb_rsp_console(r, "unknown monitor command (monitor help lists them)\n");
	reply(r, "OK");
}

static void cmd_xfer(struct gdb_rsp *r, const char *p, const char *end)
{
	uint64_t off, len;
	if (!addr_len(r, &p, &off, &len) || p != end) {
		reply(r, "E01");
		return;
	}
	xml_build();
	if (off > xml_len) {
		reply(r, "E01");
		return;
	}
	if (len > GDB_RSP_PACKET - 16)
		len = GDB_RSP_PACKET - 16;
	size_t n = xml_len - off < len ? xml_len - off : len;
	r->rlen = 0;
	put(r, off + n < xml_len ? "m" : "l", 1);
	put(r, xml + off, n);
	send(r);
}

static void cmd_query(struct gdb_rsp *r, const char *p, const char *end)
{
	const char *rest;
	if (prefix(p, end, "Supported", &rest))
		reply(r, "PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+;"
		         "QStartNoAckMode+;vContSupported+");
	else if (prefix(p, end, "Xfer:features:read:target.xml:", &rest))
		cmd_xfer(r, rest, end);
	else if (prefix(p, end, "Rcmd,", &rest))
		cmd_monitor(r, rest, end);
	else if (prefix(p, end, "fThreadInfo", &rest))
		reply(r, "m1");
	else if (prefix(p, end, "sThreadInfo", &rest))
		reply(r, "l");
	else if (prefix(p, end, "C", &rest) && rest == end)
		reply(r, "QC1");
	else if (prefix(p, end, "Attached", &rest))
		reply(r, "1");
	else if (prefix(p, end, "Symbol::", &rest))
		reply(r, "OK");
	else
		reply(r, "");
}

static void cmd_set(struct gdb_rsp *r, const char *p, const char *end)
{
	const char *rest;
	if (prefix(p, end, "StartNoAckMode", &rest) && rest == end) {
		reply(r, "OK"); /* acknowledged itself, then no more */
		r->no_ack = true;
	} else {
		reply(r, "");
	}
}

typedef void (*gdb_cmd)(struct gdb_rsp *r, const char *p, const char *end);

static void cmd_v(struct gdb_rsp *r, const char *p, const char *end)
{
	cmd_vcont(r, p, end);
}

static const gdb_cmd commands[128] = {
    ['?'] = cmd_stop_reason, ['g'] = cmd_read_regs, ['G'] = cmd_write_regs,   ['p'] = cmd_read_reg,
    ['P'] = cmd_write_reg,   ['m'] = cmd_read_mem,  ['M'] = cmd_write_mem,    ['X'] = cmd_write_bin,
    ['c'] = cmd_continue,    ['s'] = cmd_step,      ['C'] = cmd_continue_sig, ['S'] = cmd_step_sig,
    ['Z'] = cmd_insert,      ['z'] = cmd_remove,    ['D'] = cmd_detach,       ['k'] = cmd_kill,
    ['H'] = cmd_thread,      ['T'] = cmd_thread,    ['q'] = cmd_query,        ['Q'] = cmd_set,
    ['v'] = cmd_v,
};

static void dispatch(struct gdb_rsp *r)
{
	const char *p = r->pkt, *end = r->pkt + r->len;
	unsigned char c = r->len ? (unsigned char)p[0] : 0;
	gdb_cmd cmd = c < 128 ? commands[c] : NULL;
	r->hex_error = false;
	if (!r->attached &&
	    c != 'D') { /* a D with nobody attached: the launcher's, after a detach */
		r->attached = true;
		r->running = false;
		r->stop = GDB_STOP_INTERRUPT;
		r->ops->interrupt(r->t); /* a debugger arriving finds the VM stopped */
	}
	if (cmd)
		cmd(r, p + 1, end);
	else
		reply(r, "");
}

void gdb_rsp_init(struct gdb_rsp *r, const struct gdb_target *ops, void *t)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->t = t;
	r->stop = GDB_STOP_INTERRUPT;
}

void gdb_rsp_input(struct gdb_rsp *r, char ch)
{
	/*
	 * A '$' inside a packet is always escaped: a raw one starts a new packet,
	 * whatever a debugger that went away left unfinished.
	 */
	if (ch == '$' && r->state != RSP_IDLE) {
		r->state = RSP_DATA;
		r->len = 0;
		r->sum = 0;
		return;
	}
	switch (r->state) {
	case RSP_IDLE:
		if (ch == '$') {
			r->state = RSP_DATA;
			r->len = 0;
			r->sum = 0;
		} else if (ch == 0x03 && r->attached) {
			r->ops->interrupt(r->t); /* Ctrl-C: the stop reply follows once it is off */
		}
		return; /* '+', '-', and noise between packets */
	case RSP_DATA:
	case RSP_ESCAPE:
		if (ch == '#' && r->state == RSP_DATA) {
			r->state = RSP_SUM1;
			return;
		}
		r->sum += (uint8_t)ch;
		if (ch == '}' && r->state == RSP_DATA) {
			r->state = RSP_ESCAPE;
			return;
		}
		if (r->state == RSP_ESCAPE) {
			ch ^= 0x20;
			r->state = RSP_DATA;
		}
		if (r->len < GDB_RSP_PACKET)
			r->pkt[r->len++] = ch;
		else
			r->len = GDB_RSP_PACKET + 1; /* too long: dropped at the sum */
		if (r->len > GDB_RSP_PACKET)
			r->len = GDB_RSP_PACKET + 1;
		return;
	case RSP_SUM1: {
		int h = hexval(ch);
		r->state = h < 0 ? RSP_IDLE : RSP_SUM2;
		r->got_sum = h < 0 ? 0 : (uint8_t)(h << 4);
		if (r->state == RSP_IDLE && !r->no_ack)
			r->ops->out(r->t, "-", 1);
		return;
	}
	case RSP_SUM2:
		r->state = RSP_IDLE;
		if (hexval(ch) < 0 || (uint8_t)(r->got_sum | hexval(ch)) != r->sum ||
		    r->len > GDB_RSP_PACKET) {
			if (!r->no_ack)
				r->ops->out(r->t, "-", 1);
			return;
		}
		if (!r->no_ack)
			r->ops->out(r->t, "+", 1);
		r->pkt[r->len] = '\0';
		dispatch(r);
		return;
	}
}

void gdb_rsp_stopped(struct gdb_rsp *r, enum gdb_stop why, uint64_t addr)
{
	r->stop = why;
	r->stop_addr = addr;
	if (!r->attached || !r->running)
		return; /* nobody waits for it: `?` tells */
	r->running = false;
	stop_reply(r);
}

void gdb_rsp_console(struct gdb_rsp *r, const char *text)
{
	/* O packets: hex text, in pieces that fit */
	size_t n = strlen(text);
	while (n) {
		size_t k = n < 256 ? n : 256;
		r->rlen = 0;
		put(r, "O", 1);
		put_hex(r, (const uint8_t *)text, k);
		send(r);
		text += k;
		n -= k;
	}
}
