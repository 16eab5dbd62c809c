#include "core/console.h"
#include "core/machine.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/sbi.h"
#include "drivers/uart.h"
#include "lib/printf.h"

static int have_uart;

void console_init(const struct machine *m)
{
	if (!m->uart.present)
		return;
	uart_init(pa_to_va(m->uart.base), m->uart.reg_shift);
	have_uart = 1;
}

void console_putc(char c)
{
	void (*out)(char) = have_uart ? uart_putc : sbi_putchar;
	if (c == '\n')
		out('\r');
	out(c);
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
