/*
 * A GDB remote-protocol stub per VM (docs/debugging.md), for the VMs whose
 * directory entry says `gdb = on` (or `wait`: held at its first instruction
 * until a debugger resumes it), or switched on later by `gdb NAME` (the
 * monitor, `popek ctl gdb NAME`).  Its bytes travel on the one UART under
 * their own marker, 0x1E 'P' + i (docs/console.md); the launcher bridges
 * each VM's channel to a TCP port.
 */
#ifndef POPEK_CORE_GDBSTUB_H
#define POPEK_CORE_GDBSTUB_H

#include "core/vm.h"

/* The VM (re)starts from its directory entry: its stub, fresh, when the bundle asks for one. */
void gdbstub_boot(struct vm *vm);
/*
 * The monitor's and the control channel's `gdb NAME`: switches the VM's stub
 * on while it runs (as `gdb = on` would have), and says so on the control
 * channel, whose launcher then listens for a debugger.  It stays on across
 * the VM's restarts.  A stopped VM's stub is not switched on.
 */
enum vm_verb_result gdbstub_enable(struct vm *vm);
/* A byte from VM id's debugger. */
void gdbstub_input(struct vm *vm, char c);
/* The VM has stopped for good (powered off, stopped): a waiting debugger hears so. */
void gdbstub_exited(struct vm *vm);

#endif
