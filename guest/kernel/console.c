/*
 * console.c — the console: output goes out through the SBI console (one
 * path for kernel and user text); input arrives from the UART interrupt
 * handler one character at a time and is handed out a line at a time.
 */
#include "console.h"
#include "proc.h"
#include "sbi.h"
#include "timer.h"

#define INBUF 128

static struct {
	char buf[INBUF];
	unsigned r, w; /* read and write counts; buf index is count % INBUF */
	unsigned lines;
} in;

int console_echo;

void console_write(const char *buf, size_t n)
{
	sbi_console_write(buf, n);
}

/* Called by the UART interrupt handler for each received character. */
void console_input(char c)
{
	if (c == '\r')
		c = '\n';
	if ((c == 0x7f || c == '\b') && in.w != in.r && in.buf[(in.w - 1) % INBUF] != '\n') {
		in.w--;
		if (console_echo)
			console_write("\b \b", 3);
		return;
	}
	if (in.w - in.r >= INBUF - 1 && c != '\n')
		return; /* full: keep room for the newline */
	in.buf[in.w++ % INBUF] = c;
	if (console_echo)
		console_write(&c, 1);
	if (c == '\n') {
		in.lines++;
		wakeup(&in);
	}
}

/*
 * Up to n characters of the next line (including its '\n').  Sleeps until a
 * whole line is there; with timeout_ms != 0 gives up after that long and
 * returns 0.
 */
long console_read(char *buf, size_t n, uint64_t timeout_ms)
{
	uint64_t until = time_ms() + timeout_ms;
	while (!in.lines) {
		if (timeout_ms && time_ms() >= until)
			return 0;
		sleep_on(timeout_ms ? (void *)&ticks : (void *)&in);
	}
	size_t got = 0;
	while (got < n && in.r != in.w) {
		char c = in.buf[in.r++ % INBUF];
		buf[got++] = c;
		if (c == '\n') {
			in.lines--;
			break;
		}
	}
	return got;
}
