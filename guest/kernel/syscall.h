#ifndef SYSCALL_H
#define SYSCALL_H

#include "proc.h"
#include "trap.h"

#include "sysnum.h"

enum trap_action syscall_dispatch(struct proc *p, struct trapframe *tf);

#endif
