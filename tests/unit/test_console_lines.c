/*
 * popek's side of the operator console (hyp/core/console.c) compiled for the
 * host, its stream fed through the launcher's demultiplexer
 * (tools/popek/console_demux.c): what the operator's terminal shows when
 * popek's messages and two VMs' lines meet.  A VM's half-written line must
 * not be cut by popek's message about another VM (a trace line), only by
 * what the VM running says or by the scheduler's own flushes.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "console_demux.h"
#include "core/console.h"

/* The real UART and its neighbours, as console.c sees them: only SBI output. */
static char stream[4096];
static size_t stream_len;

void sbi_putchar(char c)
{
	if (stream_len < sizeof(stream))
		stream[stream_len++] = c;
}
void uart_init(volatile uint8_t *regs, uint32_t shift)
{
	(void)regs;
	(void)shift;
}
void uart_putc(char c)
{
	sbi_putchar(c);
}
int uart_getc(void)
{
	return -1;
}
void uart_enable_rx_irq(void)
{
}
int plic_register(uint32_t irq, void (*fn)(void *arg), void *arg)
{
	(void)irq;
	(void)fn;
	(void)arg;
	return -1;
}
void monitor_input(char c)
{
	(void)c;
}
uint64_t vcpu_now(void)
{
	return 0;
}

static char term[4096];
static size_t term_len;

static void to_term(void *arg, const char *buf, size_t n)
{
	(void)arg;
	memcpy(term + term_len, buf, n);
	term_len += n;
	term[term_len] = 0;
}

/* What the terminal showed of the stream since the last call (one stream for all cases). */
static const char *shown(void)
{
	static const char *const names[] = {"hello", "image"};
	static struct console_demux d;
	static bool started;
	if (!started)
		console_demux_init(&d, names, 2, to_term, NULL, NULL);
	started = true;
	term_len = 0;
	term[0] = 0;
	console_demux_feed(&d, stream, stream_len);
	stream_len = 0;
	return term;
}

static void vm_puts(int id, const char *s)
{
	while (*s)
		console_vm_putc(id, *s++);
}

/* hello's slice ends mid-line; image runs, traced: hello's line stays whole. */
static void test_trace_of_another_vm_keeps_half_line(void **state)
{
	(void)state;
	console_vm_running(0);
	vm_puts(0, "popek-hello: a tiny");
	console_vm_running(-1);
	console_vm_running(1);
	kprintf("trace image U pc=80000000\n");
	vm_puts(1, "image: boot\n");
	console_vm_running(-1);
	console_vm_running(0);
	vm_puts(0, " guest says hello\n");
	console_vm_running(-1);
	assert_string_equal(shown(), "trace image U pc=80000000\r\n"
	                             "image | image: boot\n"
	                             "hello | popek-hello: a tiny guest says hello\n");
}

/* popek's message while a VM runs is about it: the VM's words go first. */
static void test_message_about_running_vm_follows_its_line(void **state)
{
	(void)state;
	console_vm_running(0);
	vm_puts(0, "bye");
	kprintf("popek: vm hello: shutdown requested\n");
	console_vm_running(-1);
	assert_string_equal(shown(), "hello | bye\r\npopek: vm hello: shutdown requested\r\n");
}

/* A control record pushes out no other VM's half line either. */
static void test_ctl_record_keeps_half_line(void **state)
{
	(void)state;
	vm_puts(0, "login: ");
	console_ctl_printf("event hello input\n");
	console_vm_running(1);
	vm_puts(1, "image: up\n");
	console_vm_running(-1);
	vm_puts(0, "root\n");
	assert_string_equal(shown(), "image | image: up\nhello | login: root\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace_of_another_vm_keeps_half_line),
	    cmocka_unit_test(test_message_about_running_vm_follows_its_line),
	    cmocka_unit_test(test_ctl_record_keeps_half_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
