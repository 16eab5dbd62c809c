/*
 * A GDB remote-protocol stub per VM (docs/debugging.md), for the VMs whose
 * directory entry says `gdb = on` (or `wait`: held at its first instruction
 * until a debugger resumes it).  Its bytes travel on the one UART under
 * their own marker, 0x1E 'P' + i (docs/console.md); the launcher bridges
 * each VM's channel to a TCP port.
 */
#ifndef POPEK_CORE_GDBSTUB_H
#define POPEK_CORE_GDBSTUB_H

struct vm;

/* The VM (re)starts from its directory entry: its stub, fresh, when the bundle asks for one. */
void gdbstub_boot(struct vm *vm);
/* A byte from VM id's debugger. */
void gdbstub_input(struct vm *vm, char c);
/* The VM has stopped for good (powered off, stopped): a waiting debugger hears so. */
void gdbstub_exited(struct vm *vm);

#endif
