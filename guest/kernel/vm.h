#ifndef VM_H
#define VM_H

#include <stddef.h>
#include <stdint.h>
#include "riscv.h"

struct proc;

extern pte_t *kernel_pagetable;
extern uint64_t asid_mask;

void vm_init(uint64_t ram_end);
void vm_map_device(uint64_t pa, uint64_t size);
void vm_enable(void);
void vm_switch(pte_t *root, uint64_t asid);
pte_t *vm_walk(pte_t *root, uint64_t va, int alloc);
int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm);

pte_t *uvm_create(void);
void uvm_free(pte_t *root);
int uvm_copy(pte_t *from, pte_t *to);
int uvm_demand(struct proc *p, uint64_t va);
int copyin(struct proc *p, void *dst, uint64_t src, size_t n);
int copyout(struct proc *p, uint64_t dst, const void *src, size_t n);

#endif
