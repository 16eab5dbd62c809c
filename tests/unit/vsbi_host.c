/* The host stand-in of vsbi_host.h. */
#include "vsbi_host.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/memlayout.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/shadow.h"
#include "core/console.h"

struct vsbi_host vsbi_host;

static void host_out(void *arg, char c)
{
	(void)arg;
	(void)c;
	vsbi_host.n.out_bytes++;
}

void vsbi_host_reset(uint64_t ram_size)
{
	free(vsbi_host.ram);
	memset(&vsbi_host, 0, sizeof(vsbi_host));
	vsbi_host.ram = calloc(1, ram_size);
	if (!vsbi_host.ram)
		abort();
	struct vm *vm = &vsbi_host.vm;
	strcpy(vm->name, "host");
	vm->input_byte = -1;
	vm->ram_gpa = 0x80000000;
	vm->ram_size = ram_size;
	/* pa_to_va(ram_hpa) is the malloc'd RAM, so vm_gpa_to_hva() leads there. */
	vm->ram_hpa = (uint64_t)(uintptr_t)vsbi_host.ram - DIRECT_MAP_BASE;
	vm->vcpu.vm = vm;
	vm->vcpu.mode = VMODE_S;
	/* The VM's UART as the firmware leaves it (FIFOs on); no PLIC behind it. */
	vuart_init(&vm->uart, NULL, 0, host_out, NULL);
	vuart_firmware_setup(&vm->uart);
	vm->vcpu.pc = 0x80200000;
}

enum trap_action vsbi_host_ecall(uint64_t ext, uint64_t fid, const uint64_t a[6])
{
	struct vcpu *v = &vsbi_host.vm.vcpu;
	for (int i = 0; i < 6; i++)
		v->x[10 + i] = a[i];
	v->x[16] = fid;
	v->x[17] = ext;
	unsigned held = vsbi_host.vm.uart.count;
	enum trap_action next = vsbi_handle(v);
	vsbi_host.n.in_taken += held - vsbi_host.vm.uart.count; /* nothing arrives during a call */
	return next;
}

void vsbi_host_type(uint64_t n)
{
	struct vuart *u = &vsbi_host.vm.uart;

	vsbi_host.n.in_left = n;
	while (vsbi_host.n.in_left && vuart_can_accept(u)) {
		vuart_input(u, (char)('a' + vsbi_host.n.in_typed++ % 26));
		vsbi_host.n.in_left--;
	}
}

/* What the handlers call. */

void vm_reboot(struct vm *vm, const char *why)
{
	(void)why;
	vm->vcpu.state = VCPU_HALTED;
	vm->restart = VM_RESTART_REBOOT;
}

void shadow_flush(struct vcpu *v, bool all, uint64_t va)
{
	(void)v;
	(void)va;
	if (all)
		vsbi_host.n.flush_alls++;
	else
		vsbi_host.n.flushes++;
}

/* As shadow_flush(), one page at a time: what the RFENCE tests count. */
void shadow_fence(struct vcpu *v, bool all_va, uint64_t va, uint64_t pages, bool all_asid,
                  uint64_t asid)
{
	(void)v, (void)va, (void)all_asid, (void)asid;
	if (all_va)
		vsbi_host.n.flush_alls++;
	else
		vsbi_host.n.flushes += pages;
}

void vsbi_host_fence_i(void)
{
	vsbi_host.n.fence_is++;
}

struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)ext;
	(void)fid;
	(void)a0;
	(void)a1;
	(void)a2;
	vsbi_host.n.firmware_calls++;
	return (struct sbiret){0, 0};
}

int kprintf(const char *fmt, ...)
{
	(void)fmt;
	vsbi_host.n.messages++;
	return 0;
}
