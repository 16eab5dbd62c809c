/*
 * The operator's side of the console, like CP's own commands beside the
 * virtual machines' terminals.  Typed input goes to one VM at a time; the
 * attention key (Ctrl-]) moves it to the next VM, and after the last one
 * to popek's monitor, which takes commands: help, vms, stats NAME,
 * stop NAME.
 */
#ifndef POPEK_CORE_MONITOR_H
#define POPEK_CORE_MONITOR_H

struct vm;

#define MONITOR_ATTENTION 0x1d /* Ctrl-] */

void monitor_init(struct vm *vms, int n);
/* One byte typed on the operator console. */
void monitor_input(char c);

#endif
