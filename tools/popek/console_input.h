/*
 * Typed input toward popek, launcher side: pure logic, unit-tested in
 * tests/unit/test_console_input.c.
 *
 * `popek run` owns QEMU's standard input (a pipe) and merges into it the
 * operator's terminal and every `popek console` client.  popek's monitor
 * (hyp/core/monitor.c) parses the same framing as its output has:
 *
 *   0x1E '*'        the following bytes follow popek's input focus (the
 *                   stream starts so; the attention key Ctrl-] works there)
 *   0x1E '0'+i      ... are VM i's, whatever the focus (Ctrl-] included)
 *   0x1E '@'        ... are for the monitor's command line (unused here)
 *   0x1E '!'        ... are requests of the control channel (ctl_server.h)
 *   0x1E 'P'+i      ... are for VM i's debugger stub (gdb_server.h)
 *   0x1E 0x1E       one literal 0x1E
 *
 * QEMU's serial mux sits between us and popek and takes Ctrl-A (0x01) as its
 * escape: the terminal's Ctrl-A keys pass as typed (Ctrl-A x quits QEMU,
 * Ctrl-A c is QEMU's monitor), with the byte after a Ctrl-A never escaped and
 * never separated from it; a client's 0x01 is sent doubled, which the mux
 * turns back into one.  Between one Ctrl-A c and the next the mux gives
 * what it reads to QEMU's monitor, so a client's bytes are not encoded
 * then: the server does not read them (they wait in the client's socket),
 * and any handed in anyway are dropped.
 *
 * The client's side, console_escape: Ctrl-] is its detach prefix.  Ctrl-] q
 * (or Ctrl-] .) detaches, Ctrl-] Ctrl-] sends one Ctrl-], Ctrl-] followed by
 * anything else sends both bytes.
 */
#ifndef POPEK_TOOLS_CONSOLE_INPUT_H
#define POPEK_TOOLS_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_INPUT_TERM   (-1)          /* the operator's terminal: follows the focus */
#define CONSOLE_INPUT_CTL    (-2)          /* popek's control channel (ctl_server.h) */
#define CONSOLE_INPUT_GDB0   (-16)         /* - i: VM i's debugger stub (gdb_server.h) */
#define CONSOLE_IN_SEL_CTL   '!'           /* hyp/core/console.h CONSOLE_CTL */
#define CONSOLE_IN_SEL_FOCUS '*'           /* hyp/core/monitor.h MONITOR_SEL_FOCUS */
#define CONSOLE_QEMU_ESCAPE  0x01          /* Ctrl-A, QEMU's mux */
#define CONSOLE_DETACH_KEY   0x1d          /* Ctrl-] */
#define CONSOLE_INPUT_MAX(n) (2 * (n) + 4) /* encoded bytes for n typed, at most */

struct console_input {
	int dest;          /* where popek sends unmarked bytes now: a VM or CONSOLE_INPUT_TERM */
	bool term_escape;  /* the terminal's last byte was a Ctrl-A, held back for the next */
	bool quit;         /* the terminal has typed Ctrl-A x */
	bool qemu_monitor; /* after the terminal's Ctrl-A c: QEMU's monitor takes the input */
};

void console_input_init(struct console_input *e);

/*
 * Encodes n bytes typed for `dest` (CONSOLE_INPUT_TERM, CONSOLE_INPUT_CTL,
 * CONSOLE_INPUT_GDB0 - i or a VM index 0..15)
 * into out, which holds CONSOLE_INPUT_MAX(n) bytes; returns how many.
 * A marker is written only when the destination changes.  A VM's bytes
 * while e->qemu_monitor are dropped (returns 0).
 */
size_t console_input_encode(struct console_input *e, int dest, const char *in, size_t n, char *out);

struct console_escape {
	bool armed; /* the last byte was the detach key */
};

/*
 * Filters typed bytes of a `popek console` client.  out (n + 1 bytes) gets
 * what to send, *outn how many.  Returns true when the user asked to
 * detach: the bytes after the detach key are ignored.
 */
bool console_escape_feed(struct console_escape *e, const char *in, size_t n, char *out,
                         size_t *outn);

#endif
