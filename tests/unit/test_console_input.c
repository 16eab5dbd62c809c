/*
 * Unit tests of typed input toward popek (docs/console.md, "Input"):
 *
 *  - the launcher's framer, console_input_encode(): a table of chunks, each
 *    typed on the terminal or sent by a VM's console client, and the exact
 *    bytes that must go to QEMU;
 *  - the client's detach key, console_escape_feed();
 *  - popek's parser, monitor_input() in hyp/core/monitor.c, linked with
 *    stubs that record where each byte goes;
 *  - the whole path: framer, QEMU's mux (its Ctrl-A escape, modelled
 *    here), popek's parser.  Every byte value a client sends reaches its
 *    VM, and only its VM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "console_input.h"
#include "core/display.h"
#include "core/monitor.h"
#include "core/screen.h"
#include "core/vm.h"

#define RS       "\036"
#define CTRL_A   "\001"
#define CTRL_RB  "\035" /* Ctrl-] */
#define TERM     CONSOLE_INPUT_TERM
#define MAX_STEP 6

/* ---- stubs for the rest of popek, recording what the monitor does ---- */

#define NVMS 3
static struct vm vms[NVMS];
static char pushed[NVMS][1024]; /* bytes console_push() got, per VM */
static size_t npushed[NVMS];
static char printed[4096];        /* what the monitor printed */
static char debugged[NVMS][1024]; /* bytes gdbstub_input() got, per VM */
static size_t ndebugged[NVMS];

void gdbstub_input(struct vm *vm, char c)
{
	int id = vm->id;
	assert_true(id >= 0 && id < NVMS);
	assert_true(ndebugged[id] < sizeof(debugged[id]));
	debugged[id][ndebugged[id]++] = c;
}

void console_push(int id, char c)
{
	assert_true(id >= 0 && id < NVMS);
	assert_true(npushed[id] < sizeof(pushed[id]));
	pushed[id][npushed[id]++] = c;
}

int kprintf(const char *fmt, ...)
{
	size_t len = strlen(printed);
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(printed + len, sizeof(printed) - len, fmt, ap);
	va_end(ap);
	return n;
}

void vm_stop(struct vm *vm, const char *why)
{
	(void)why;
	vm->vcpu.state = VCPU_HALTED;
}

void vm_report(const struct vm *vm, uint64_t hz)
{
	(void)hz;
	kprintf("report %s\n", vm->name);
}

void netif_list(void)
{
	kprintf("net\n");
}

int screen_focus(const char *name)
{
	(void)name;
	return -3;
}

const char *screen_focus_why(int r)
{
	(void)r;
	return "there is no real screen";
}

static char keyed[256]; /* display_key()'s and display_pointer()'s calls, in order */

bool display_key(struct vm *vm, uint16_t code, uint16_t with)
{
	size_t len = strlen(keyed);

	snprintf(keyed + len, sizeof(keyed) - len, "%s %u %u;", vm->name, code, with);
	return vm->id != 2; /* gamma has no display */
}

bool display_pointer(struct vm *vm, uint32_t x, uint32_t y, uint32_t buttons)
{
	size_t len = strlen(keyed);

	snprintf(keyed + len, sizeof(keyed) - len, "%s @%u,%u/%u;", vm->name, x, y, buttons);
	return vm->id != 2;
}

void display_screenshot(struct vm *vm, const char *id)
{
	(void)vm;
	(void)id;
}

void vm_clock_print(const struct vm *vm, uint64_t hz)
{
	(void)vm;
	(void)hz;
	kprintf("real time");
}

const char *vcpu_mode_name(enum vmode m)
{
	return m == VMODE_M ? "vM" : m == VMODE_S ? "vS" : "vU";
}

static char ctl_printed[4096]; /* the control channel's records */

int console_ctl_printf(const char *fmt, ...)
{
	size_t len = strlen(ctl_printed);
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(ctl_printed + len, sizeof(ctl_printed) - len, fmt, ap);
	va_end(ap);
	return n;
}

/* The verbs, as far as the monitor can tell them apart (hyp/core/vm.c has the real ones). */
enum vm_verb_result vm_verb_stop(struct vm *vm)
{
	if (vm->vcpu.state == VCPU_HALTED)
		return VM_VERB_STOPPED;
	vm_stop(vm, "stopped by the operator");
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_pause(struct vm *vm)
{
	if (vm->vcpu.state == VCPU_HALTED)
		return VM_VERB_STOPPED;
	if (vm->paused)
		return VM_VERB_PAUSED;
	vm->paused = true;
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_resume(struct vm *vm)
{
	if (!vm->paused)
		return VM_VERB_NOT_PAUSED;
	vm->paused = false;
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_reset(struct vm *vm)
{
	return vm->vcpu.state == VCPU_HALTED ? VM_VERB_STOPPED : VM_VERB_OK;
}

enum vm_verb_result vm_verb_ipl(struct vm *vm)
{
	return vm->vcpu.state == VCPU_HALTED ? VM_VERB_OK : VM_VERB_RUNNING;
}

enum vm_verb_result gdbstub_enable(struct vm *vm)
{
	return vm->vcpu.state == VCPU_HALTED ? VM_VERB_STOPPED : VM_VERB_OK;
}

const char *vm_verb_why(enum vm_verb_result r)
{
	return r == VM_VERB_STOPPED  ? "is stopped"
	       : r == VM_VERB_PAUSED ? "is paused already"
	                             : "refuses";
}

const char *vm_state_name(const struct vm *vm)
{
	return vm->vcpu.state == VCPU_HALTED ? "stopped" : vm->paused ? "paused" : "running";
}

static void monitor_reset(void)
{
	static const char *const names[NVMS] = {"alpha", "beta", "gamma"};

	memset(vms, 0, sizeof(vms));
	for (int i = 0; i < NVMS; i++) {
		strcpy(vms[i].name, names[i]);
		vms[i].id = i;
	}
	memset(npushed, 0, sizeof(npushed));
	memset(ndebugged, 0, sizeof(ndebugged));
	monitor_init(vms, NVMS, 10000000);
	printed[0] = '\0';
}

static void monitor_feed(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		monitor_input(s[i]);
}

static void assert_pushed(int vm, const char *want, size_t n)
{
	assert_int_equal(npushed[vm], n);
	assert_memory_equal(pushed[vm], want, n);
}
#define ASSERT_PUSHED(vm, lit) assert_pushed(vm, lit, sizeof(lit) - 1)
#define FEED(lit)              monitor_feed(lit, sizeof(lit) - 1)

/* ---- the framer ---- */

struct step {
	int dest; /* TERM or a VM */
	const char *in;
	size_t len; /* 0: strlen(in) */
};

struct encode_case {
	const char *name;
	struct step steps[MAX_STEP]; /* ends at in == NULL */
	const char *out;             /* the bytes for QEMU */
	size_t out_len;              /* 0: strlen(out) */
	bool quit;                   /* Ctrl-A x was typed */
};

static const struct encode_case encode_cases[] = {
    {"terminal_unframed", {{TERM, "hello\nworld\n"}}, "hello\nworld\n"},
    {"terminal_attention_key_as_typed", {{TERM, CTRL_RB "ls\r"}}, CTRL_RB "ls\r"},
    {"terminal_rs_doubled", {{TERM, "a" RS "b"}}, "a" RS RS "b"},
    {"terminal_ctrl_a_x_quits", {{TERM, "ab" CTRL_A "x"}}, "ab" CTRL_A "x", 0, true},
    {"terminal_ctrl_a_c_as_typed", {{TERM, CTRL_A "c" CTRL_A CTRL_A}}, CTRL_A "c" CTRL_A CTRL_A},
    /* the mux takes the byte after Ctrl-A: it must not be escaped for popek */
    {"terminal_ctrl_a_then_rs_raw", {{TERM, CTRL_A RS "z"}}, CTRL_A RS "z"},
    {"vm_framed", {{1, "ls\n"}}, RS "1ls\n"},
    {"vm_one_marker_per_switch",
     {{1, "a"}, {1, "b"}, {0, "c"}, {2, "d"}},
     RS "1ab" RS "0c" RS "2d"},
    {"vm_escapes_rs_and_ctrl_a",
     {{0, "a" RS CTRL_A "x" CTRL_RB}},
     RS "0a" RS RS CTRL_A CTRL_A "x" CTRL_RB},
    {"vm_then_terminal_back_to_focus", {{1, "a"}, {TERM, "b"}, {TERM, "c"}}, RS "1a" RS "*bc"},
    {"vm_nul_byte", {{1, "\0", 1}}, RS "1\0", 3},
    {"empty_chunks_write_nothing", {{1, ""}, {TERM, ""}}, ""},
    /* a Ctrl-A at the end of the terminal's chunk waits for its partner */
    {"terminal_ctrl_a_held_across_client_input",
     {{TERM, "ab" CTRL_A}, {1, "ls\n"}, {TERM, "x"}},
     "ab" RS "1ls\n" RS "*" CTRL_A "x",
     0,
     true},
    {"terminal_lone_ctrl_a_writes_nothing_yet", {{1, "a"}, {TERM, CTRL_A}}, RS "1a"},
    /* after Ctrl-A c the mux feeds QEMU's monitor: a client's "quit" must not reach it */
    {"client_dropped_while_qemu_monitor",
     {{TERM, CTRL_A "c"}, {1, "quit\n"}, {TERM, "info\n"}},
     CTRL_A "c"
            "info\n"},
    {"client_dropped_after_split_ctrl_a_c",
     {{TERM, CTRL_A}, {TERM, "c"}, {0, "quit\n"}},
     CTRL_A "c"},
    {"client_again_after_second_ctrl_a_c",
     {{TERM, CTRL_A "c"}, {1, "q"}, {TERM, CTRL_A "c"}, {1, "ls\n"}},
     CTRL_A "c" CTRL_A "c" RS "1ls\n"},
    {"ctrl_a_ctrl_a_c_is_no_switch",
     {{TERM, CTRL_A CTRL_A "c"}, {1, "a"}},
     CTRL_A CTRL_A "c" RS "1a"},
    {"client_before_ctrl_a_c_passes", {{1, "a"}, {TERM, CTRL_A "c"}}, RS "1a" RS "*" CTRL_A "c"},
};

static void test_encode(void **state)
{
	const struct encode_case *c = *state;
	struct console_input e;
	char out[256];
	size_t k = 0;

	console_input_init(&e);
	for (const struct step *s = c->steps; s->in; s++) {
		size_t n = s->len ? s->len : strlen(s->in);
		assert_true(k + CONSOLE_INPUT_MAX(n) <= sizeof(out));
		size_t w = console_input_encode(&e, s->dest, s->in, n, out + k);
		assert_true(w <= CONSOLE_INPUT_MAX(n));
		k += w;
	}
	size_t want = c->out_len ? c->out_len : strlen(c->out);
	assert_int_equal(k, want);
	assert_memory_equal(out, c->out, want);
	assert_int_equal(e.quit, c->quit);
}

/* ---- the client's detach key ---- */

struct escape_case {
	const char *name;
	const char *chunks[MAX_STEP];
	const char *sent;
	bool detach;
};

static const struct escape_case escape_cases[] = {
    {"plain", {"ls -l\r"}, "ls -l\r", false},
    {"detach_q",
     {"ab" CTRL_RB "q"
      "cd"},
     "ab",
     true},
    {"detach_dot", {CTRL_RB "."}, "", true},
    {"detach_split", {"a" CTRL_RB, "q"}, "a", true},
    {"doubled_sends_one", {CTRL_RB CTRL_RB "z"}, CTRL_RB "z", false},
    {"doubled_split", {CTRL_RB, CTRL_RB, "z"}, CTRL_RB "z", false},
    {"other_key_sends_both", {CTRL_RB "x", CTRL_RB, "y"}, CTRL_RB "x" CTRL_RB "y", false},
    {"q_alone_is_data", {"q."}, "q.", false},
};

static void test_escape(void **state)
{
	const struct escape_case *c = *state;
	struct console_escape e = {0};
	char sent[64];
	size_t k = 0;
	bool detach = false;

	for (int i = 0; i < MAX_STEP && c->chunks[i] && !detach; i++) {
		size_t n = strlen(c->chunks[i]), w;
		assert_true(k + n + 1 <= sizeof(sent));
		detach = console_escape_feed(&e, c->chunks[i], n, sent + k, &w);
		assert_true(w <= n + 1);
		k += w;
	}
	assert_int_equal(detach, c->detach);
	assert_int_equal(k, strlen(c->sent));
	assert_memory_equal(sent, c->sent, k);
}

/* ---- popek's parser ---- */

static void test_monitor_unframed_follows_focus(void **state)
{
	(void)state;
	monitor_reset();
	FEED("hi\n");
	ASSERT_PUSHED(0, "hi\n");
	FEED(CTRL_RB "x"); /* the attention key: on to beta */
	ASSERT_PUSHED(0, "hi\n");
	ASSERT_PUSHED(1, "x");
	assert_non_null(strstr(printed, "typing goes to vm beta"));
}

static void test_monitor_framed_ignores_focus(void **state)
{
	(void)state;
	monitor_reset();
	FEED(RS "2"
	        "ls" CTRL_RB "\n"); /* Ctrl-] framed is gamma's data */
	FEED(RS "*"
	        "a");
	FEED(RS "1"
	        "b");
	ASSERT_PUSHED(0, "a");
	ASSERT_PUSHED(1, "b");
	ASSERT_PUSHED(2, "ls" CTRL_RB "\n");
	assert_null(strstr(printed, "typing goes to"));
}

static void test_monitor_literal_rs(void **state)
{
	(void)state;
	monitor_reset();
	FEED(RS RS "a" RS "1" RS RS);
	ASSERT_PUSHED(0, RS "a");
	ASSERT_PUSHED(1, RS);
}

static void test_monitor_unknown_selector_drops(void **state)
{
	(void)state;
	monitor_reset();
	FEED(RS "3"
	        "lost" RS "z"
	        "lost" RS "*"
	        "kept"); /* only 3 VMs: '3' is none */
	ASSERT_PUSHED(0, "kept");
	ASSERT_PUSHED(1, "");
	ASSERT_PUSHED(2, "");
}

static void test_monitor_framed_command_line(void **state)
{
	(void)state;
	monitor_reset();
	FEED(RS "@"
	        "stop beta\r" RS "*"
	        "z");
	assert_int_equal(vms[1].vcpu.state, VCPU_HALTED);
	assert_int_not_equal(vms[0].vcpu.state, VCPU_HALTED);
	ASSERT_PUSHED(0, "z"); /* the focus never moved */
}

/* The control channel: whole lines of "ID VERB [NAME]", answered by records. */
static void test_monitor_control_channel(void **state)
{
	(void)state;
	monitor_reset();
	ctl_printed[0] = '\0';
	FEED(RS "!"
	        "1 pause beta\n"
	        "2 pause beta\n"
	        "3 pause nosuch\n"
	        "4 frobnicate beta\n"
	        "5 list\n"
	        "6 stop gamma extra\n"
	        "7 resume\001beta\n"
	        "8 stop gamma\n" RS "*"
	        "z");
	assert_string_equal(ctl_printed, "1 ok\n"
	                                 "2 err vm beta is paused already\n"
	                                 "3 err no vm named 'nosuch'\n"
	                                 "4 err unknown request\n"
	                                 "5 vm alpha running vU 0 0 0\n"
	                                 "5 vm beta paused vU 0 0 0\n"
	                                 "5 vm gamma running vU 0 0 0\n"
	                                 "5 ok\n"
	                                 "6 err unknown request\n"
	                                 "8 ok\n");
	assert_true(vms[1].paused); /* request 7 held a byte no request has: dropped whole */
	assert_int_equal(vms[2].vcpu.state, VCPU_HALTED);
	ASSERT_PUSHED(0, "z");
	ASSERT_PUSHED(1, "");
	assert_string_equal(printed, ""); /* nothing for the operator's terminal */
}

/* "ID key NAME CODE [WITH]": WITH held around CODE (Shift for upper case), 0 for none. */
static void test_monitor_key(void **state)
{
	(void)state;
	monitor_reset();
	ctl_printed[0] = keyed[0] = '\0';
	FEED(RS "!"
	        "1 key alpha 30\n"
	        "2 key alpha 30 42\n"
	        "3 key beta 2 0\n"
	        "4 key alpha 30 768\n"
	        "5 key alpha 0 42\n"
	        "6 key alpha 30 42 1\n"
	        "7 key alpha 30 x\n"
	        "8 key alpha 99999999999999999999 42\n"
	        "9 key gamma 30 42\n" RS "*");
	assert_string_equal(keyed, "alpha 30 0;alpha 30 42;beta 2 0;gamma 30 42;");
	assert_string_equal(ctl_printed, "1 ok\n"
	                                 "2 ok\n"
	                                 "3 ok\n"
	                                 "4 err bad key code '30 768'\n"
	                                 "5 err bad key code '0 42'\n"
	                                 "6 err bad key code '30 42 1'\n"
	                                 "7 err bad key code '30 x'\n"
	                                 "8 err bad key code '99999999999999999999 42'\n"
	                                 "9 err vm gamma has no display\n");
}

/* "ID pointer NAME X Y BUTTONS": three numbers, one space apart, nothing else. */
static void test_monitor_pointer(void **state)
{
	(void)state;
	monitor_reset();
	ctl_printed[0] = keyed[0] = '\0';
	FEED(RS "!"
	        "1 pointer alpha 100 50 1\n"
	        "2 pointer beta 65535 0 0\n"
	        "3 pointer alpha 100 50\n"
	        "4 pointer alpha 100 50 8\n"
	        "5 pointer alpha 65536 50 0\n"
	        "6 pointer alpha 100  50 0\n"
	        "7 pointer alpha 100 50 0 \n"
	        "8 pointer alpha x 50 0\n"
	        "9 pointer gamma 1 2 3\n"
	        "10 pointer nosuch 1 2 3\n" RS "*");
	assert_string_equal(keyed, "alpha @100,50/1;beta @65535,0/0;gamma @1,2/3;");
	assert_string_equal(ctl_printed, "1 ok\n"
	                                 "2 ok\n"
	                                 "3 err bad pointer '100 50'\n"
	                                 "4 err bad pointer '100 50 8'\n"
	                                 "5 err bad pointer '65536 50 0'\n"
	                                 "6 err bad pointer '100  50 0'\n"
	                                 "7 err bad pointer '100 50 0 '\n"
	                                 "8 err bad pointer 'x 50 0'\n"
	                                 "9 err vm gamma has no display\n"
	                                 "10 err no vm named 'nosuch'\n");
}

/* ---- the whole path ---- */

/* QEMU's mux (chardev/char-mux.c): Ctrl-A Ctrl-A is one Ctrl-A, Ctrl-A c is a command. */
static void mux_feed(const char *s, size_t n)
{
	static bool escape;

	for (size_t i = 0; i < n; i++) {
		if (escape) {
			escape = false;
			if (s[i] == CTRL_A[0])
				monitor_input(s[i]);
		} else if (s[i] == CTRL_A[0]) {
			escape = true;
		} else {
			monitor_input(s[i]);
		}
	}
}

static void test_round_trip_every_byte(void **state)
{
	struct console_input e;
	char all[256], out[CONSOLE_INPUT_MAX(256)];

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	monitor_reset();
	console_input_init(&e);
	/* interleaved: the terminal (focus alpha), beta's client, gamma's client */
	mux_feed(out, console_input_encode(&e, TERM, "t1", 2, out));
	mux_feed(out, console_input_encode(&e, 1, all, 128, out));
	mux_feed(out, console_input_encode(&e, 2, all + 128, 128, out));
	mux_feed(out, console_input_encode(&e, TERM, "t2" CTRL_A, 3, out)); /* Ctrl-A held */
	mux_feed(out, console_input_encode(&e, 1, all + 128, 128, out));
	mux_feed(out, console_input_encode(&e, 2, all, 128, out));
	mux_feed(out, console_input_encode(&e, TERM, CTRL_A "t3", 3, out)); /* Ctrl-A Ctrl-A: one */
	ASSERT_PUSHED(0, "t1t2" CTRL_A "t3");
	assert_pushed(1, all, 256);
	char gamma[256];
	memcpy(gamma, all + 128, 128);
	memcpy(gamma + 128, all, 128);
	assert_pushed(2, gamma, 256);
	assert_false(e.quit);
}

/* A debugger's bytes (every value, Ctrl-C and the framing's own included) reach its VM's stub only. */
static void test_round_trip_debugger(void **state)
{
	struct console_input e;
	char all[256], out[CONSOLE_INPUT_MAX(256)];

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	monitor_reset();
	console_input_init(&e);
	mux_feed(out, console_input_encode(&e, TERM, "t1", 2, out));
	mux_feed(out, console_input_encode(&e, CONSOLE_INPUT_GDB0 - 1, all, 256, out));
	mux_feed(out, console_input_encode(&e, 1, "b", 1, out));
	mux_feed(out, console_input_encode(&e, CONSOLE_INPUT_GDB0 - 2, "$?#3f\003", 6, out));
	mux_feed(out, console_input_encode(&e, TERM, "t2", 2, out));
	ASSERT_PUSHED(0, "t1t2");
	ASSERT_PUSHED(1, "b");
	ASSERT_PUSHED(2, "");
	assert_int_equal(ndebugged[0], 0);
	assert_int_equal(ndebugged[1], 256);
	assert_memory_equal(debugged[1], all, 256);
	assert_int_equal(ndebugged[2], 6);
	assert_memory_equal(debugged[2], "$?#3f\003", 6);
	/* a stub past the last VM's: dropped */
	monitor_feed(RS "S"
	                "x",
	             3);
	assert_int_equal(ndebugged[0] + ndebugged[1] + ndebugged[2], 262);
}

int main(void)
{
	struct CMUnitTest tests[64];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){.name = encode_cases[i].name,
		                                 .test_func = test_encode,
		                                 .initial_state = (void *)&encode_cases[i]};
	for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++)
		tests[n++] = (struct CMUnitTest){.name = escape_cases[i].name,
		                                 .test_func = test_escape,
		                                 .initial_state = (void *)&escape_cases[i]};
	const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_monitor_unframed_follows_focus),
	    cmocka_unit_test(test_monitor_framed_ignores_focus),
	    cmocka_unit_test(test_monitor_literal_rs),
	    cmocka_unit_test(test_monitor_unknown_selector_drops),
	    cmocka_unit_test(test_monitor_framed_command_line),
	    cmocka_unit_test(test_monitor_control_channel),
	    cmocka_unit_test(test_monitor_key),
	    cmocka_unit_test(test_monitor_pointer),
	    cmocka_unit_test(test_round_trip_every_byte),
	    cmocka_unit_test(test_round_trip_debugger),
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("console_input", tests, n, NULL, NULL);
}
