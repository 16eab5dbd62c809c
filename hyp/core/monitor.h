/*
 * The operator's side of the console, like CP's own commands beside the
 * virtual machines' terminals.  Typed input goes to one VM at a time; the
 * attention key (Ctrl-]) moves it to the next VM, and after the last one
 * to popek's monitor, which takes commands: help, vms, stats NAME,
 * stop, pause, resume, reset and ipl NAME (docs/operating.md).
 *
 * Typed bytes may come framed (the launcher merges the operator's terminal
 * and `popek console` clients into the one UART; docs/console.md):
 *
 *   0x1E '*'        the following bytes follow the focus (the stream starts so)
 *   0x1E '0'+i      ... are for VM i, whatever the focus
 *   0x1E '@'        ... are for the monitor's command line
 *   0x1E '!'        ... are the control channel's requests, one a line,
 *                   answered by records under the output marker '!'
 *   0x1E 0x1E       one literal 0x1E for the current destination
 *
 * A selector naming no VM drops the bytes up to the next marker.  Only
 * bytes that follow the focus know the attention key.
 */
#ifndef POPEK_CORE_MONITOR_H
#define POPEK_CORE_MONITOR_H

#include <stdint.h>

struct vm;

#define MONITOR_ATTENTION 0x1d /* Ctrl-] */
#define MONITOR_SEL_FOCUS '*'  /* input selector: back to the focus */

/* `timebase_hz`: for the VMs' clocks that `vms` and `stats` show. */
void monitor_init(struct vm *vms, int n, uint64_t timebase_hz);
/* One byte typed on the operator console: parses the framing, routes the byte. */
void monitor_input(char c);

#endif
