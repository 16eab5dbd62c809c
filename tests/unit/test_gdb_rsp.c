/*
 * Unit tests of the GDB remote protocol popek speaks (hyp/core/gdb_rsp.c),
 * against a recording target: framing, acknowledgements, checksums, every
 * packet popek serves, and the stop replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/gdb_rsp.h"

static struct gdb_rsp rsp;
static char out[65536];
static size_t out_len;
static uint64_t regs[GDB_REG_PRIV + 1];
static uint8_t mem[256];
static int resumed, stepped, interrupted, detached;
static struct {
	bool insert;
	enum gdb_break type;
	uint64_t addr, len;
} last_bp;

static void t_out(void *t, const char *buf, size_t n)
{
	(void)t;
	assert_true(out_len + n <= sizeof(out));
	memcpy(out + out_len, buf, n);
	out_len += n;
}

static int t_reg_read(void *t, unsigned regno, uint64_t *val)
{
	(void)t;
	if (regno == GDB_REG_CSR0 + 0x300)
		return -1; /* mstatus: a VM without vM */
	*val = regs[regno];
	return 0;
}

static int t_reg_write(void *t, unsigned regno, uint64_t val)
{
	(void)t;
	regs[regno] = val;
	return 0;
}

static size_t t_mem_read(void *t, uint64_t addr, uint8_t *buf, size_t len)
{
	(void)t;
	if (addr >= sizeof(mem))
		return 0;
	size_t n = len < sizeof(mem) - addr ? len : sizeof(mem) - addr;
	memcpy(buf, mem + addr, n);
	return n;
}

static size_t t_mem_write(void *t, uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)t;
	if (addr + len > sizeof(mem))
		return 0;
	memcpy(mem + addr, buf, len);
	return len;
}

static void t_resume(void *t, bool step)
{
	(void)t;
	resumed++;
	stepped += step;
}

static void t_interrupt(void *t)
{
	(void)t;
	interrupted++;
}

static int t_breakpoint(void *t, bool insert, enum gdb_break type, uint64_t addr, uint64_t len)
{
	(void)t;
	last_bp.insert = insert;
	last_bp.type = type;
	last_bp.addr = addr;
	last_bp.len = len;
	return addr == 0xbad ? -1 : 0;
}

static void t_detach(void *t)
{
	(void)t;
	detached++;
}

static bool t_monitor(void *t, struct gdb_rsp *r, const char *cmd)
{
	(void)t;
	if (strcmp(cmd, "hello") != 0)
		return false;
	gdb_rsp_console(r, "hi\n");
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

static int setup(void **state)
{
	(void)state;
	gdb_rsp_init(&rsp, &ops, NULL);
	out_len = 0;
	memset(regs, 0, sizeof(regs));
	resumed = stepped = interrupted = detached = 0;
	for (unsigned i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)i;
	return 0;
}

static void feed(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gdb_rsp_input(&rsp, s[i]);
}

/* Sends DATA framed with its checksum; returns the reply's data (ack and framing checked). */
static const char *ask(const char *data)
{
	static char reply[65536];
	char frame[8192];
	unsigned sum = 0;
	for (const char *p = data; *p; p++)
		sum += (unsigned char)*p;
	int n = snprintf(frame, sizeof(frame), "$%s#%02x", data, sum & 0xff);
	out_len = 0;
	feed(frame, (size_t)n);
	out[out_len] = '\0';
	const char *p = out;
	if (!rsp.no_ack || strcmp(data, "QStartNoAckMode") == 0) {
		assert_int_equal(*p, '+');
		p++;
	}
	if (out_len == (size_t)(p - out))
		return ""; /* no reply (resume, k) */
	assert_int_equal(*p, '$');
	const char *hash = strrchr(p, '#');
	assert_non_null(hash);
	unsigned want = 0, got;
	for (const char *q = p + 1; q < hash; q++)
		want += (unsigned char)*q;
	assert_int_equal(sscanf(hash + 1, "%2x", &got), 1);
	assert_int_equal(got, want & 0xff);
	memcpy(reply, p + 1, (size_t)(hash - p - 1));
	reply[hash - p - 1] = '\0';
	return reply;
}

static void test_supported_and_attach(void **state)
{
	(void)state;
	assert_non_null(strstr(ask("qSupported:swbreak+;hwbreak+"), "qXfer:features:read+"));
	assert_int_equal(interrupted, 1); /* a debugger arriving stops the VM */
	assert_string_equal(ask("?"), "T02thread:1;");
	assert_string_equal(ask("QStartNoAckMode"), "OK");
	assert_string_equal(ask("qC"), "QC1");
	assert_string_equal(ask("vMustReplyEmpty"), "");
	assert_string_equal(ask("qfThreadInfo"), "m1");
	assert_string_equal(ask("Hg0"), "OK");
}

static void test_bad_checksum_nak(void **state)
{
	(void)state;
	feed("$g#00", 5);
	assert_int_equal(out_len, 1);
	assert_int_equal(out[0], '-');
	out_len = 0;
	feed("$g#zz", 5);
	assert_int_equal(out[0], '-');
}

static void test_registers(void **state)
{
	(void)state;
	regs[1] = 0x1122334455667788;
	regs[GDB_REG_PC] = 0x80200000;
	regs[GDB_REG_PRIV] = 1;
	const char *g = ask("g");
	assert_int_equal(strlen(g), 33 * 16);
	assert_memory_equal(g + 16, "8877665544332211", 16);
	assert_memory_equal(g + 32 * 16, "0000208000000000", 16);
	assert_string_equal(ask("p1041"), "0100000000000000");
	assert_string_equal(ask("p341"), "xxxxxxxxxxxxxxxx"); /* mstatus (65 + 0x300) unavailable */
	assert_string_equal(ask("p44"), "00000000");          /* fcsr: 32 bits */
	assert_string_equal(ask("p9999"), "E01");
	assert_string_equal(ask("P2=0100000000000080"), "OK");
	assert_int_equal(regs[2], 0x8000000000000001);
	assert_string_equal(ask("P44=ff000000"), "OK");
	assert_int_equal(regs[GDB_REG_FCSR], 0xff);
	assert_string_equal(ask("P20=01"), "E01"); /* too short */
}

static void test_memory(void **state)
{
	(void)state;
	assert_string_equal(ask("m10,4"), "10111213");
	assert_string_equal(ask("mfe,8"), "feff"); /* what is there */
	assert_string_equal(ask("m1000,4"), "E14");
	assert_string_equal(ask("M20,2:abcd"), "OK");
	assert_int_equal(mem[0x20], 0xab);
	assert_string_equal(ask("M20,2:abc"), "E01");
	/* X: binary, with } escaping # $ } and * */
	static const char x[] = "X30,3:}\x03}\x04}]";
	char frame[64];
	unsigned sum = 0;
	for (const char *p = x; *p; p++)
		sum += (unsigned char)*p;
	int n = snprintf(frame, sizeof(frame), "$%s#%02x", x, sum & 0xff);
	out_len = 0;
	feed(frame, (size_t)n);
	assert_memory_equal(out, "+$OK#9a", 7);
	assert_int_equal(mem[0x30], '#');
	assert_int_equal(mem[0x31], '$');
	assert_int_equal(mem[0x32], '}');
}

static void test_breakpoints_and_stops(void **state)
{
	(void)state;
	assert_string_equal(ask("Z0,80200010,2"), "OK");
	assert_true(last_bp.insert && last_bp.type == GDB_BREAK_SW && last_bp.addr == 0x80200010 &&
	            last_bp.len == 2);
	assert_string_equal(ask("Z2,bad,8"), "E0e");
	assert_string_equal(ask("z4,100,8"), "OK");
	assert_true(!last_bp.insert && last_bp.type == GDB_WATCH_ACCESS);
	assert_string_equal(ask("Z5,100,8"), "E01");
	assert_string_equal(ask("vCont?"), "vCont;c;C;s;S");
	assert_string_equal(ask("vCont;c"), "");
	assert_int_equal(resumed, 1);
	out_len = 0;
	gdb_rsp_stopped(&rsp, GDB_STOP_SWBREAK, 0);
	assert_memory_equal(out, "$T05swbreak:;thread:1;#", 23);
	assert_string_equal(ask("vCont;s:1;c"), "");
	assert_int_equal(stepped, 1);
	out_len = 0;
	gdb_rsp_stopped(&rsp, GDB_STOP_WATCH, 0x1234);
	assert_memory_equal(out, "$T05watch:1234;thread:1;#", 25);
	/* Ctrl-C while running asks the target; the reply comes once it has stopped */
	assert_string_equal(ask("c"), "");
	out_len = 0;
	feed("\003", 1);
	assert_int_equal(interrupted, 2);
	assert_int_equal(out_len, 0);
	gdb_rsp_stopped(&rsp, GDB_STOP_INTERRUPT, 0);
	assert_memory_equal(out, "$T02thread:1;#", 14);
	/* a stop nobody waits for sends nothing */
	out_len = 0;
	gdb_rsp_stopped(&rsp, GDB_STOP_STEP, 0);
	assert_int_equal(out_len, 0);
	assert_string_equal(ask("s80200000"), "");
	assert_int_equal(regs[GDB_REG_PC], 0x80200000);
	out_len = 0;
	gdb_rsp_stopped(&rsp, GDB_STOP_EXITED, 0);
	assert_memory_equal(out, "$W00#", 5);
}

static void test_target_xml(void **state)
{
	static char xml[16384];
	size_t len = 0;
	char req[64];
	(void)state;
	for (;;) {
		snprintf(req, sizeof(req), "qXfer:features:read:target.xml:%zx,200", len);
		const char *r = ask(req);
		assert_true(r[0] == 'm' || r[0] == 'l');
		memcpy(xml + len, r + 1, strlen(r + 1));
		len += strlen(r + 1);
		if (r[0] == 'l')
			break;
	}
	xml[len] = '\0';
	assert_non_null(strstr(xml, "<architecture>riscv:rv64</architecture>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"ft0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"33\"/>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\"/>"));
	assert_non_null(
	    strstr(xml, "<reg name=\"satp\" bitsize=\"64\" type=\"int\" regnum=\"449\"/>"));
	assert_non_null(strstr(xml, "</feature></target>"));
}

static void test_monitor_and_detach(void **state)
{
	(void)state;
	/* "hello" hex-encoded: its output as an O packet, then OK */
	out_len = 0;
	feed("$qRcmd,68656c6c6f#ca", 20);
	out[out_len] = '\0';
	assert_non_null(strstr(out, "$O68690a#"));
	assert_non_null(strstr(out, "$OK#9a"));
	out_len = 0;
	feed("$qRcmd,6e6f7065#2c", 18); /* "nope" */
	out[out_len] = '\0';
	assert_non_null(strstr(out, "$O"));
	assert_string_equal(ask("qRcmd,6"), "E01");
	assert_string_equal(ask("D"), "OK");
	assert_int_equal(detached, 1);
	assert_false(rsp.attached);
}

/*
 * A debugger killed in the middle of a packet, in no-ack mode: the
 * launcher's "$D#44" (tools/popek/gdb_server.c) still detaches, and the next
 * debugger finds the stub as new (acks on, the VM stopped when it attaches).
 */
static void test_detach_after_a_debugger_vanished(void **state)
{
	(void)state;
	assert_string_equal(ask("QStartNoAckMode"), "OK");
	assert_string_equal(ask("c"), "");
	assert_int_equal(resumed, 1);
	feed("$m10,4", 6); /* ... and gone */
	out_len = 0;
	feed("$D#44", 5);
	out[out_len] = '\0';
	assert_string_equal(out, "$OK#9a");
	assert_int_equal(detached, 1);
	assert_false(rsp.attached);
	assert_false(rsp.no_ack);
	/* a D with nobody attached (gdb had detached itself) stops nothing */
	interrupted = 0;
	assert_string_equal(ask("D"), "OK");
	assert_int_equal(interrupted, 0);
	/* the next debugger: acks again, and its arrival stops the VM */
	assert_string_equal(ask("?"), "T02thread:1;");
	assert_int_equal(interrupted, 1);
	/* a '$' in the checksum ends the torn packet there too */
	out_len = 0;
	feed("$g#", 3);
	feed("$?#3f", 5);
	out[out_len] = '\0';
	assert_string_equal(out, "+$T02thread:1;#d4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_supported_and_attach, setup),
	    cmocka_unit_test_setup(test_bad_checksum_nak, setup),
	    cmocka_unit_test_setup(test_registers, setup),
	    cmocka_unit_test_setup(test_memory, setup),
	    cmocka_unit_test_setup(test_breakpoints_and_stops, setup),
	    cmocka_unit_test_setup(test_target_xml, setup),
	    cmocka_unit_test_setup(test_monitor_and_detach, setup),
	    cmocka_unit_test_setup(test_detach_after_a_debugger_vanished, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
