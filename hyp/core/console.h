/*
 * popek's operator console: the real UART once console_init() has found it,
 * the SBI console before that.
 *
 * Output from popek and from every VM shares it, framed so that the
 * launcher can tell the sources apart (docs/console.md): the byte 0x1E
 * followed by '@' switches to popek's own output, followed by '0' + i to
 * the output of VM i, followed by '!' to the control channel's records
 * (docs/operating.md); 0x1E 0x1E is a literal 0x1E.  popek's messages end
 * lines with "\r\n"; a VM's bytes pass exactly as the guest wrote them.
 *
 * Input goes to one VM at a time, or to popek's monitor (core/monitor.c
 * decides which); each VM has its own queue of typed bytes.
 */
#ifndef POPEK_CORE_CONSOLE_H
#define POPEK_CORE_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

#define CONSOLE_SWITCH  0x1e
#define CONSOLE_POPEK   '@'
#define CONSOLE_CTL     '!' /* the control channel: records for the launcher (monitor.h) */
#define CONSOLE_MAX_VMS 16
#define CONSOLE_GDB0    'P' /* + i: VM i's debugger stub, both ways (core/gdbstub.h) */

void console_init(const struct machine *m);
/* Routes the UART's receive interrupt to popek through the real PLIC (plic_init first). */
void console_enable_input(const struct machine *m);
/* Queues a typed byte for VM `id`; console_getc(id) takes the next, or -1. */
void console_push(int id, char c);
/* Bytes typed for VM id that it has not taken yet. */
unsigned console_waiting(int id);
int console_getc(int id);

void console_putc(char c);
/*
 * One byte of VM `id`'s terminal output.  A VM's bytes go out a line at a
 * time, so that two VMs printing at once do not cut each other's lines on
 * the operator's terminal: a line goes out at its '\n', when it is long, when
 * popek prints while the VM runs, or through console_vm_flush() (the
 * scheduler's: when the VM waits or stops, and for a line left unfinished too
 * long).  popek's messages and records never push out another VM's half line.
 */
void console_vm_putc(int id, char c);
/* VM id's slice runs now (-1: none runs); popek's messages meanwhile are about it. */
void console_vm_running(int id);
/* Sends VM id's unfinished line now (id -1: every VM's). */
void console_vm_flush(int id);
/* Sends every unfinished line begun before time `before`. */
void console_vm_flush_older(uint64_t before);
/* Bytes of VM id's debugger stub, under their own marker: no line buffering, no log. */
void console_gdb_write(int id, const char *buf, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * One record of the control channel, under its own marker (0x1E '!'): the
 * launcher takes these lines for itself and never shows them.
 */
int console_ctl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif
