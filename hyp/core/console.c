#include "core/console.h"
#include "arch/riscv/vcpu.h"
#include "core/machine.h"
#include "core/monitor.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/sbi.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "lib/printf.h"

#include <stddef.h>

#define INPUT_SIZE 256
#define LINE_SIZE  128

static int have_uart;
static int source = CONSOLE_POPEK; /* whose bytes the stream carries now */
static int running = -1;           /* the VM whose slice runs (console_vm_running) */
static struct {
	char buf[INPUT_SIZE];
	unsigned head, tail; /* free-running; head - tail bytes waiting */
} input[CONSOLE_MAX_VMS];
static struct {
	char buf[LINE_SIZE];
	unsigned len;
	uint64_t since; /* when its first byte came */
} line[CONSOLE_MAX_VMS];

void console_init(const struct machine *m)
{
	if (!m->uart.present)
		return;
	uart_init(pa_to_va(m->uart.base), m->uart.reg_shift);
	have_uart = 1;
}

/* Every byte typed goes to the monitor, which routes it. */
static void poll_uart(void)
{
	for (int c; have_uart && (c = uart_getc()) >= 0;)
		monitor_input((char)c);
}

static void uart_irq(void *arg)
{
	(void)arg;
	poll_uart();
}

void console_enable_input(const struct machine *m)
{
	if (!have_uart || plic_register(m->uart.irq, uart_irq, NULL) < 0)
		return;
	uart_enable_rx_irq();
	poll_uart(); /* what was typed before the interrupt was on */
}

void console_push(int id, char c)
{
	if (id < 0 || id >= CONSOLE_MAX_VMS || input[id].head - input[id].tail == INPUT_SIZE)
		return; /* a full queue drops, as a UART's overrun would */
	input[id].buf[input[id].head++ % INPUT_SIZE] = c;
}

unsigned console_waiting(int id)
{
	return id < 0 || id >= CONSOLE_MAX_VMS ? 0 : input[id].head - input[id].tail;
}

int console_getc(int id)
{
	if (id < 0 || id >= CONSOLE_MAX_VMS || input[id].head == input[id].tail)
		return -1;
	return (unsigned char)input[id].buf[input[id].tail++ % INPUT_SIZE];
}

static void out(char c)
{
	if (have_uart)
		uart_putc(c);
	else
		sbi_putchar(c);
}

static void select_source(int s)
{
	if (s == source)
		return;
	out(CONSOLE_SWITCH);
	out((char)s);
	source = s;
}

void console_vm_flush(int id)
{
	for (int i = 0; i < CONSOLE_MAX_VMS; i++) {
		if ((id >= 0 && i != id) || !line[i].len)
			continue;
		select_source('0' + i);
		for (unsigned k = 0; k < line[i].len; k++) {
			if (line[i].buf[k] == CONSOLE_SWITCH)
				out(CONSOLE_SWITCH);
			out(line[i].buf[k]);
		}
		line[i].len = 0;
	}
}

void console_vm_flush_older(uint64_t before)
{
	for (int i = 0; i < CONSOLE_MAX_VMS; i++) {
		if (line[i].len && line[i].since < before)
			console_vm_flush(i);
	}
}

void console_vm_running(int id)
{
	running = id;
}

/*
 * Before popek's message: the unfinished line of the VM it is about, the one
 * running, so that the VM's words come first.  Another VM's half line waits
 * for its own end: flushed now, the launcher would show it cut in two.
 */
static void console_flush_running(void)
{
	if (running >= 0)
		console_vm_flush(running);
}

void console_putc(char c)
{
	console_flush_running();
	select_source(CONSOLE_POPEK);
	if (c == '\n')
		out('\r');
	if (c == CONSOLE_SWITCH)
		out(CONSOLE_SWITCH);
	out(c);
}

void console_vm_putc(int id, char c)
{
	if (id < 0 || id >= CONSOLE_MAX_VMS)
		return;
	if (!line[id].len)
		line[id].since = vcpu_now();
	line[id].buf[line[id].len++] = c;
	if (c == '\n' || line[id].len == LINE_SIZE)
		console_vm_flush(id);
}

void console_gdb_write(int id, const char *buf, size_t n)
{
	if (id < 0 || id >= CONSOLE_MAX_VMS)
		return;
	select_source(CONSOLE_GDB0 + id);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == CONSOLE_SWITCH)
			out(CONSOLE_SWITCH);
		out(buf[i]);
	}
}

static void console_sink(void *arg, char c)
{
	(void)arg;
	console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(console_sink, 0, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void ctl_sink(void *arg, char c)
{
	(void)arg;
	select_source(CONSOLE_CTL);
	if (c == CONSOLE_SWITCH)
		out(CONSOLE_SWITCH);
	out(c);
}

int console_ctl_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_flush_running(); /* in order with what the running VM said before it */
	int n = fmt_vformat(ctl_sink, 0, fmt, ap);
	va_end(ap);
	return n;
}
