/*
 * Typed input toward popek.  See console_input.h.
 */
#include "console_input.h"

#include "console_demux.h"

void console_input_init(struct console_input *e)
{
	e->dest = CONSOLE_INPUT_TERM;
	e->term_escape = false;
	e->quit = false;
	e->qemu_monitor = false;
}

/* Before the first byte of a chunk for `dest`: the marker, if popek needs one. */
static size_t console_input_select(struct console_input *e, int dest, char *out)
{
	if (e->dest == dest)
		return 0;
	e->dest = dest;
	out[0] = CONSOLE_RS;
	out[1] = dest == CONSOLE_INPUT_TERM   ? CONSOLE_IN_SEL_FOCUS
	         : dest == CONSOLE_INPUT_CTL  ? CONSOLE_IN_SEL_CTL
	         : dest <= CONSOLE_INPUT_GDB0 ? (char)(CONSOLE_SEL_GDB0 + CONSOLE_INPUT_GDB0 - dest)
	                                      : (char)(CONSOLE_SEL_VM0 + dest);
	return 2;
}

size_t console_input_encode(struct console_input *e, int dest, const char *in, size_t n, char *out)
{
	size_t k = 0;

	if (dest != CONSOLE_INPUT_TERM && e->qemu_monitor)
		return 0; /* QEMU's monitor would read them: a client never types there */
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (dest == CONSOLE_INPUT_TERM && !e->term_escape && c == CONSOLE_QEMU_ESCAPE) {
			e->term_escape = true; /* sent with the next byte, which the mux takes */
			continue;
		}
		k += console_input_select(e, dest, out + k);
		if (dest == CONSOLE_INPUT_TERM && e->term_escape) {
			e->term_escape = false;
			e->quit |= c == 'x';
			/* the mux's Ctrl-A c moves its input between the serial and the monitor */
			e->qemu_monitor ^= c == 'c';
			out[k++] = CONSOLE_QEMU_ESCAPE;
			out[k++] = c; /* as typed: the mux, not popek, reads it */
			continue;
		}
		if (c == CONSOLE_RS || (dest != CONSOLE_INPUT_TERM && c == CONSOLE_QEMU_ESCAPE))
			out[k++] = c;
		out[k++] = c;
	}
	return k;
}

bool console_escape_feed(struct console_escape *e, const char *in, size_t n, char *out,
                         size_t *outn)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (!e->armed && c == CONSOLE_DETACH_KEY) {
			e->armed = true;
			continue;
		}
		if (e->armed) {
			e->armed = false;
			if (c == 'q' || c == '.') {
				*outn = k;
				return true;
			}
			if (c != CONSOLE_DETACH_KEY)
				out[k++] = CONSOLE_DETACH_KEY;
		}
		out[k++] = c;
	}
	*outn = k;
	return false;
}
