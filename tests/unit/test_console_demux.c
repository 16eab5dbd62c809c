/*
 * Unit tests of the operator console's demultiplexer
 * (tools/popek/console_demux.c).  Each case is a framed stream, given in
 * pieces as the pipe might deliver it, with what the terminal must show and
 * what each VM's log must hold.  Every case runs three ways: in its pieces,
 * whole, and one byte at a time; the results must not depend on the cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_demux.h"

/* Markers.  Octal escapes stop after three digits, so "\036" "0" cannot merge. */
#define RS        "\036"
#define TO_POPEK  RS "@"
#define TO(i)     RS #i
#define MAX_PIECE 8

struct demux_case {
	const char *name;
	unsigned nvms; /* named a, bb, c3, ... by default */
	const char *pieces[MAX_PIECE];
	const char *term;
	const char *logs[CONSOLE_MAX_VMS]; /* NULL: expect an empty log */
	bool finish;                       /* call console_demux_finish() at the end */
};

static const char *const default_names[CONSOLE_MAX_VMS] = {
    "a", "bb", "c3", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
};

static const struct demux_case cases[] = {
    {
        .name = "popek_only_untouched",
        .nvms = 2,
        .pieces = {"OpenSBI v1.1\r\n", "popek 0.1: 2 VMs\r\n"},
        .term = "OpenSBI v1.1\r\npopek 0.1: 2 VMs\r\n",
    },
    {
        .name = "tag_every_line",
        .nvms = 2,
        .pieces = {TO(0) "hello\nworld\n"},
        .term = "a | hello\na | world\n",
        .logs = {"hello\nworld\n"},
    },
    {
        .name = "crlf_passes_through",
        .nvms = 1,
        .pieces = {TO(0) "x\r\ny\r\n"},
        .term = "a | x\r\na | y\r\n",
        .logs = {"x\r\ny\r\n"},
    },
    {
        .name = "empty_lines_tagged",
        .nvms = 1,
        .pieces = {TO(0) "\n\n"},
        .term = "a | \na | \n",
        .logs = {"\n\n"},
    },
    {
        .name = "mid_line_switch_between_vms",
        .nvms = 2,
        .pieces = {TO(0) "abc", TO(1) "xyz\n", TO(0) "def\n"},
        .term = "a | abc\r\nbb | xyz\na | def\n",
        .logs = {"abcdef\n", "xyz\n"},
    },
    {
        .name = "popek_message_inside_vm_line",
        .nvms = 1,
        .pieces = {TO(0) "login: ", TO_POPEK "popek: tick\r\n", TO(0) "root\n"},
        .term = "a | login: \r\npopek: tick\r\na | root\n",
        .logs = {"login: root\n"},
    },
    {
        .name = "vm_after_partial_popek_line",
        .nvms = 1,
        .pieces = {"popek: starting", TO(0) "hi\n", TO_POPEK " done\r\n"},
        .term = "popek: starting\r\na | hi\n done\r\n",
        .logs = {"hi\n"},
    },
    {
        .name = "switch_without_bytes_keeps_line",
        .nvms = 2,
        .pieces = {TO(0) "ab", TO(1) TO_POPEK TO(0) "cd\n"},
        .term = "a | abcd\n",
        .logs = {"abcd\n"},
    },
    {
        .name = "vm_line_state_per_terminal",
        .nvms = 2,
        .pieces = {TO(0) "one\n", TO(1) "two", TO(0) "three\n"},
        .term = "a | one\nbb | two\r\na | three\n",
        .logs = {"one\nthree\n", "two"},
    },
    {
        .name = "escaped_rs_in_vm",
        .nvms = 1,
        .pieces = {TO(0) "a" RS RS "b\n"},
        .term = "a | a\036b\n",
        .logs = {"a\036b\n"},
    },
    {
        .name = "escaped_rs_in_popek",
        .nvms = 1,
        .pieces = {"x" RS RS "y\r\n"},
        .term = "x\036y\r\n",
    },
    {
        .name = "escaped_rs_only_byte",
        .nvms = 1,
        .pieces = {TO(0) RS RS},
        .term = "a | \036",
        .logs = {"\036"},
    },
    {
        .name = "marker_split_across_reads",
        .nvms = 2,
        .pieces = {"boot\r\n" RS, "0hi\n" RS, "1yo\n"},
        .term = "boot\r\na | hi\nbb | yo\n",
        .logs = {"hi\n", "yo\n"},
    },
    {
        .name = "escape_split_across_reads",
        .nvms = 1,
        .pieces = {TO(0) "p" RS, RS "q\n"},
        .term = "a | p\036q\n",
        .logs = {"p\036q\n"},
    },
    {
        .name = "unknown_selector_is_popek",
        .nvms = 1,
        .pieces = {TO(0) "ab",
                   RS "~"
                      "cd\r\n",
                   TO(0) "e\n"},
        .term = "a | ab\r\ncd\r\na | e\n",
        .logs = {"abe\n"},
    },
    {
        .name = "selector_past_last_vm_is_popek",
        .nvms = 2,
        .pieces = {TO(2) "not a vm\r\n", TO(1) "vm1\n",
                   RS "?"
                      "x\r\n"},
        .term = "not a vm\r\nbb | vm1\nx\r\n",
        .logs = {NULL, "vm1\n"},
    },
    {
        .name = "odd_selector_bytes",
        .nvms = 1,
        .pieces = {RS "\001"
                      "a",
                   RS "\377"
                      "b",
                   RS "\n"
                      "c",
                   RS "/"
                      "d\r\n"},
        .term = "abcd\r\n",
    },
    {
        .name = "sixteen_vms",
        .nvms = 16,
        .pieces = {TO(0) "0\n" TO(1) "1\n" TO(2) "2\n" TO(3) "3\n" TO(4) "4\n" TO(5) "5\n" TO(
                       6) "6\n" TO(7) "7\n",
                   TO(8) "8\n" TO(9) "9\n" RS ":"
                                     "10\n" RS ";"
                                     "11\n" RS "<"
                                     "12\n" RS "="
                                     "13\n" RS ">"
                                     "14\n" RS "?"
                                     "15\n",
                   TO_POPEK "all\r\n"},
        .term = "a | 0\nbb | 1\nc3 | 2\nd | 3\ne | 4\nf | 5\ng | 6\nh | 7\n"
                "i | 8\nj | 9\nk | 10\nl | 11\nm | 12\nn | 13\no | 14\np | 15\nall\r\n",
        .logs = {"0\n", "1\n", "2\n", "3\n", "4\n", "5\n", "6\n", "7\n", "8\n", "9\n", "10\n",
                 "11\n", "12\n", "13\n", "14\n", "15\n"},
    },
    {
        .name = "interleaved_vms_mid_line",
        .nvms = 3,
        .pieces = {TO(0) "a1", TO(1) "b1", TO(2) "c1\n", TO(1) "b2\n", TO(0) "a2\n"},
        .term = "a | a1\r\nbb | b1\r\nc3 | c1\nbb | b2\na | a2\n",
        .logs = {"a1a2\n", "b1b2\n", "c1\n"},
    },
    {
        .name = "lone_cr_retags",
        .nvms = 1,
        .pieces = {TO(0) "10%\r20%\r\n"},
        .term = "a | 10%\ra | 20%\r\n",
        .logs = {"10%\r20%\r\n"},
    },
    {
        .name = "cr_at_line_start_needs_no_tag",
        .nvms = 1,
        .pieces = {TO(0) "bye\n\r"},
        .term = "a | bye\n\r",
        .logs = {"bye\n\r"},
        .finish = true,
    },
    {
        .name = "empty_crlf_line",
        .nvms = 1,
        .pieces = {TO(0) "x\r\n\r\ny\r\n"},
        .term = "a | x\r\n\ra | \na | y\r\n",
        .logs = {"x\r\n\r\ny\r\n"},
    },
    {
        .name = "other_source_after_cr",
        .nvms = 1,
        .pieces = {TO(0) "50%\r", TO_POPEK "note\r\n"},
        .term = "a | 50%\r\r\nnote\r\n",
        .logs = {"50%\r"},
    },
    {
        .name = "prompt_without_newline_shows",
        .nvms = 1,
        .pieces = {TO(0) "login: "},
        .term = "a | login: ",
        .logs = {"login: "},
    },
    {
        .name = "finish_ends_vm_line",
        .nvms = 1,
        .pieces = {TO(0) "# "},
        .term = "a | # \r\n",
        .logs = {"# "},
        .finish = true,
    },
    {
        .name = "finish_at_line_start_adds_nothing",
        .nvms = 1,
        .pieces = {TO(0) "bye\n" RS},
        .term = "a | bye\n",
        .logs = {"bye\n"},
        .finish = true,
    },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* What the callbacks received. */
struct record {
	char term[1024];
	size_t term_len;
	char log[CONSOLE_MAX_VMS][256];
	size_t log_len[CONSOLE_MAX_VMS];
};

static void append(char *dst, size_t *len, size_t cap, const char *buf, size_t n)
{
	assert_true(n > 0); /* no empty calls */
	assert_true(*len + n <= cap);
	memcpy(dst + *len, buf, n);
	*len += n;
}

static void on_term(void *arg, const char *buf, size_t n)
{
	struct record *r = arg;
	append(r->term, &r->term_len, sizeof(r->term), buf, n);
}

static void on_vm(void *arg, unsigned vm, const char *buf, size_t n)
{
	struct record *r = arg;
	assert_true(vm < CONSOLE_MAX_VMS);
	append(r->log[vm], &r->log_len[vm], sizeof(r->log[vm]), buf, n);
}

/* The case's stream in one piece. */
static size_t join(const struct demux_case *c, char *out, size_t cap)
{
	size_t len = 0;
	for (int i = 0; i < MAX_PIECE && c->pieces[i]; i++) {
		size_t n = strlen(c->pieces[i]);
		assert_true(len + n <= cap);
		memcpy(out + len, c->pieces[i], n);
		len += n;
	}
	return len;
}

static void check(const struct demux_case *c, const struct record *r, const char *how)
{
	size_t want = strlen(c->term);
	if (r->term_len != want || memcmp(r->term, c->term, want) != 0)
		fail_msg("%s (%s): terminal shows '%.*s', want '%s'", c->name, how,
		         (int)r->term_len, r->term, c->term);
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		const char *log = c->logs[i] ? c->logs[i] : "";
		want = strlen(log);
		if (r->log_len[i] != want || memcmp(r->log[i], log, want) != 0)
			fail_msg("%s (%s): VM %u's log is '%.*s', want '%s'", c->name, how, i,
			         (int)r->log_len[i], r->log[i], log);
	}
}

enum cut { CUT_PIECES, CUT_WHOLE, CUT_BYTES };

static void run(const struct demux_case *c, enum cut cut)
{
	static const char *const how[] = {"in pieces", "whole", "byte by byte"};
	struct console_demux d;
	struct record r = {0};
	char stream[1024];
	size_t len = join(c, stream, sizeof(stream));

	console_demux_init(&d, default_names, c->nvms, on_term, on_vm, &r);
	switch (cut) {
	case CUT_PIECES:
		for (int i = 0; i < MAX_PIECE && c->pieces[i]; i++)
			console_demux_feed(&d, c->pieces[i], strlen(c->pieces[i]));
		break;
	case CUT_WHOLE:
		console_demux_feed(&d, stream, len);
		break;
	case CUT_BYTES:
		for (size_t i = 0; i < len; i++)
			console_demux_feed(&d, stream + i, 1);
		break;
	}
	if (c->finish)
		console_demux_finish(&d);
	check(c, &r, how[cut]);
}

static void test_case(void **state)
{
	const struct demux_case *c = *state;

	run(c, CUT_PIECES);
	run(c, CUT_WHOLE);
	run(c, CUT_BYTES);
}

/* Without a log callback the terminal shows the same and nothing breaks. */
static void test_no_logs(void **state)
{
	struct console_demux d;
	struct record r = {0};
	const char *s = TO(0) "x" RS RS "\n" TO(1) "y";

	(void)state;
	console_demux_init(&d, default_names, 2, on_term, NULL, &r);
	console_demux_feed(&d, s, strlen(s));
	console_demux_finish(&d);
	assert_int_equal(r.term_len, strlen("a | x\036\nbb | y\r\n"));
	assert_memory_equal(r.term, "a | x\036\nbb | y\r\n", r.term_len);
	assert_int_equal(r.log_len[0], 0);
}

/* More names than selectors: the extra VMs are never selected, and '0'+16 is '@'. */
static void test_too_many_vms(void **state)
{
	const char *names[CONSOLE_MAX_VMS + 1];
	struct console_demux d;
	struct record r = {0};
	const char *s = RS "?"
	                   "last\n" TO_POPEK "p\r\n";

	(void)state;
	for (unsigned i = 0; i < CONSOLE_MAX_VMS + 1; i++)
		names[i] = default_names[i % CONSOLE_MAX_VMS];
	console_demux_init(&d, names, CONSOLE_MAX_VMS + 1, on_term, on_vm, &r);
	assert_int_equal(d.nvms, CONSOLE_MAX_VMS);
	console_demux_feed(&d, s, strlen(s));
	assert_memory_equal(r.term, "p | last\np\r\n", r.term_len);
	assert_int_equal(r.term_len, strlen("p | last\np\r\n"));
	assert_memory_equal(r.log[15], "last\n", 5);
}

/* Every byte value as a VM's output: the log gets exactly the bytes. */
static void test_all_bytes_exact(void **state)
{
	struct console_demux d;
	struct record *r = calloc(1, sizeof(*r));
	char in[2 + 256 + 1], want[256];
	size_t n = 0, w = 0;

	(void)state;
	in[n++] = CONSOLE_RS;
	in[n++] = '0';
	for (int b = 128; b < 256 + 128; b++) { /* 128 first: a log of 256 bytes, no '\n' early */
		char c = (char)(b & 0xff);
		in[n++] = c;
		if (c == CONSOLE_RS)
			in[n++] = CONSOLE_RS;
		want[w++] = c;
	}
	console_demux_init(&d, default_names, 1, on_term, on_vm, r);
	console_demux_feed(&d, in, n);
	assert_int_equal(r->log_len[0], 256);
	assert_memory_equal(r->log[0], want, 256);
	free(r);
}

static char gdb_bytes[2][64];
static size_t gdb_len[2];

static void on_gdb(void *arg, unsigned vm, const char *buf, size_t n)
{
	(void)arg;
	assert_true(vm < 2 && gdb_len[vm] + n <= sizeof(gdb_bytes[vm]));
	memcpy(gdb_bytes[vm] + gdb_len[vm], buf, n);
	gdb_len[vm] += n;
}

/* A debugger stub's bytes (0x1E 'P'+i): to its hook, never shown, in no log; 'R' names no VM. */
static void test_gdb_channel(void **state)
{
	struct console_demux d;
	struct record r = {0};
	const char *s = TO(0) "ab" RS "Q"
	                      "$T05#b9" RS RS RS "1"
	                      "x\n" RS "P"
	                      "+$OK#9a" RS "R"
	                      "z";

	(void)state;
	memset(gdb_len, 0, sizeof(gdb_len));
	console_demux_init(&d, default_names, 2, on_term, on_vm, &r);
	d.gdb = on_gdb;
	console_demux_feed(&d, s, strlen(s));
	assert_int_equal(gdb_len[1], strlen("$T05#b9\036"));
	assert_memory_equal(gdb_bytes[1], "$T05#b9\036", gdb_len[1]);
	assert_int_equal(gdb_len[0], strlen("+$OK#9a"));
	assert_memory_equal(gdb_bytes[0], "+$OK#9a", gdb_len[0]);
	assert_int_equal(r.log_len[0], 2);
	assert_int_equal(r.log_len[1], 2);
	const char *term = "a | ab\r\nbb | x\nz";
	assert_int_equal(r.term_len, strlen(term));
	assert_memory_equal(r.term, term, r.term_len);
}

int main(void)
{
	struct CMUnitTest tests[NCASES + 4];
	size_t n = 0;

	for (size_t i = 0; i < NCASES; i++)
		tests[n++] = (struct CMUnitTest){
		    .name = cases[i].name,
		    .test_func = test_case,
		    .initial_state = (void *)&cases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_logs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_many_vms);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_all_bytes_exact);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gdb_channel);
	return _cmocka_run_group_tests("console_demux", tests, n, NULL, NULL);
}
