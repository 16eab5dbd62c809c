/*
 * The debugger stub of a VM: gdb_rsp.c's protocol on top of the vCPU's
 * registers, the guest's own translation, and address watches (watch.h).
 * Everything here runs between the VM's instructions: the VM is either off
 * the CPU, or inside one of its traps, with its registers saved.
 */
#include "core/gdbstub.h"
#include "arch/riscv/emulate.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/watch.h"
#include "core/console.h"
#include "core/gdb_rsp.h"
#include "core/vm.h"
#include "lib/printf.h"
#include "lib/string.h"

#define GDB_POINTS 32 /* breakpoints and watchpoints of one debugger */

struct gdbstub {
	struct gdb_rsp rsp;
	struct vm *vm;
	struct {
		enum gdb_break type;
		uint64_t addr, len;
		int watch; /* its watch id; -1: unused */
	} point[GDB_POINTS];
	enum gdb_stop why; /* what the stop asked for will be */
	uint64_t why_addr;
};

static struct gdbstub stubs[CONSOLE_MAX_VMS];

static void stub_out(void *t, const char *buf, size_t n)
{
	struct gdbstub *s = t;
	console_gdb_write(s->vm->id, buf, n);
}

/* ---- registers ---- */

/* The privilege a debugger's CSR accesses are made with: the highest the VM has. */
static enum vmode top_mode(const struct vcpu *v)
{
	return v->csr.has_m ? VMODE_M : VMODE_S;
}

static int stub_reg_read(void *t, unsigned regno, uint64_t *val)
{
	struct vcpu *v = &((struct gdbstub *)t)->vm->vcpu;
	if (regno < 32) {
		*val = v->x[regno];
	} else if (regno == GDB_REG_PC) {
		*val = v->pc;
	} else if (regno >= GDB_REG_F0 && regno < GDB_REG_F0 + 32) {
		vcpu_fp_spill(v);
		*val = v->fp[regno - GDB_REG_F0];
	} else if (regno >= GDB_REG_FFLAGS && regno <= GDB_REG_FCSR) {
		static const uint64_t mask[] = {0x1f, 0xe0, 0xff}, shift[] = {0, 5, 0};
		vcpu_fp_spill(v);
		*val = (v->fp[32] & mask[regno - GDB_REG_FFLAGS]) >> shift[regno - GDB_REG_FFLAGS];
	} else if (regno == GDB_REG_PRIV) {
		*val = v->mode;
	} else if (regno >= GDB_REG_CSR0 && regno < GDB_REG_CSR0 + 4096) {
		return emulate_csr_rmw(v, top_mode(v), regno - GDB_REG_CSR0, VCSR_RS, 0, false,
		                       val);
	} else {
		return -1;
	}
	return 0;
}

static int stub_reg_write(void *t, unsigned regno, uint64_t val)
{
	struct vcpu *v = &((struct gdbstub *)t)->vm->vcpu;
	uint64_t old;
	v->irq_stale = true; /* what is pending or enabled may have changed */
	if (regno < 32) {
		if (regno)
			v->x[regno] = val;
	} else if (regno == GDB_REG_PC) {
		v->pc = val;
	} else if (regno >= GDB_REG_F0 && regno <= GDB_REG_FCSR && regno != GDB_REG_CSR0) {
		vcpu_fp_spill(v);
		if (regno < GDB_REG_F0 + 32)
			v->fp[regno - GDB_REG_F0] = val;
		else if (regno == GDB_REG_FFLAGS)
			v->fp[32] = (v->fp[32] & ~0x1fUL) | (val & 0x1f);
		else if (regno == GDB_REG_FRM)
			v->fp[32] = (v->fp[32] & ~0xe0UL) | (val & 7) << 5;
		else
			v->fp[32] = val & 0xff;
		vcpu_fp_fill(v);
	} else if (regno == GDB_REG_PRIV) {
		if (val != VMODE_U && val != VMODE_S && !(val == VMODE_M && v->csr.has_m))
			return -1;
		v->mode = (enum vmode)val;
		shadow_switch(v);
	} else if (regno >= GDB_REG_CSR0 && regno < GDB_REG_CSR0 + 4096) {
		return emulate_csr_rmw(v, top_mode(v), regno - GDB_REG_CSR0, VCSR_RW, val, true,
		                       &old);
	} else {
		return -1;
	}
	return 0;
}

/* ---- memory ---- */

/*
 * The guest-physical address of va as the guest's own tables map it, in its
 * current mode first, then as its kernel (vS) or its programs (vU) would
 * see it: a debugger stopped in a program still reads the kernel, and back.
 */
static int translate(struct vcpu *v, uint64_t va, enum gwalk_access acc, uint64_t *gpa)
{
	static const enum vmode order[] = {VMODE_S, VMODE_U};
	if (shadow_walk(v, va, acc, v->mode, false, gpa) == GW_OK)
		return 0;
	for (unsigned i = 0; i < 2; i++) {
		if (order[i] != v->mode && shadow_walk(v, va, acc, order[i], false, gpa) == GW_OK)
			return 0;
	}
	return -1;
}

/* Bytes [va, va+len) one page at a time: how many were reached. */
static size_t mem_access(struct vcpu *v, uint64_t va, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;
	while (done < len) {
		uint64_t gpa, n = 4096 - ((va + done) & 4095);
		if (n > len - done)
			n = len - done;
		if (translate(v, va + done, GW_LOAD, &gpa) < 0)
			break;
		uint8_t *ram = vm_gpa_to_hva(v->vm, gpa, n);
		if (!ram)
			break;
		if (write) {
			memcpy(ram, buf + done, n);
			watch_stored(v->vm, gpa, (unsigned)n); /* a private copy follows */
			fence_i();
		} else {
			memcpy(buf + done, ram, n); /* the original: never a breakpoint's patch */
		}
		done += n;
	}
	return done;
}

static size_t stub_mem_read(void *t, uint64_t addr, uint8_t *buf, size_t len)
{
	return mem_access(&((struct gdbstub *)t)->vm->vcpu, addr, buf, len, false);
}

static size_t stub_mem_write(void *t, uint64_t addr, const uint8_t *buf, size_t len)
{
	return mem_access(&((struct gdbstub *)t)->vm->vcpu, addr, (uint8_t *)buf, len, true);
}

/* ---- running and stopping ---- */

/*
 * gdb steps a RISC-V target by a breakpoint at the next instruction and a
 * continue (its software single step): a continue with one of its
 * breakpoints where the instruction at the pc goes is taken for a step, so
 * that an instruction that traps stops at its handler, as a hardware step
 * would, instead of running the handler to the end.
 */
static bool looks_like_step(struct gdbstub *s)
{
	uint64_t next = watch_next_pc(&s->vm->vcpu);
	for (unsigned i = 0; i < GDB_POINTS; i++) {
		if (s->point[i].watch >= 0 && s->point[i].type <= GDB_BREAK_HW &&
		    s->point[i].addr == next)
			return true;
	}
	return false;
}

static void stub_resume(void *t, bool step)
{
	struct gdbstub *s = t;
	if (s->vm->vcpu.state == VCPU_HALTED) {
		gdb_rsp_stopped(&s->rsp, GDB_STOP_EXITED, 0);
		return;
	}
	step = step || looks_like_step(s);
	s->why = step ? GDB_STOP_STEP : GDB_STOP_INTERRUPT;
	if (step)
		watch_single_step(s->vm);
	else
		watch_resume(s->vm);
}

static void stub_interrupt(void *t)
{
	struct gdbstub *s = t;
	if (s->vm->watch.stopped || s->vm->vcpu.state == VCPU_HALTED) {
		gdb_rsp_stopped(
		    &s->rsp,
		    s->vm->vcpu.state == VCPU_HALTED ? GDB_STOP_EXITED : GDB_STOP_INTERRUPT, 0);
		return;
	}
	s->why = GDB_STOP_INTERRUPT;
	watch_stop(s->vm);
}

/* watch.c: the VM is off the CPU now. */
static void stub_stopped(struct vm *vm, void *arg)
{
	struct gdbstub *s = arg;
	enum gdb_stop why = vm->watch.caught ? GDB_STOP_CATCH : s->why;
	vm->watch.caught = 0;
	gdb_rsp_stopped(&s->rsp, why, s->why_addr);
	s->why = GDB_STOP_INTERRUPT;
}

/* ---- breakpoints and watchpoints ---- */

static const struct {
	unsigned kinds;
	enum gdb_stop stop;
} point_kinds[] = {
    [GDB_BREAK_SW] = {WATCH_EXEC, GDB_STOP_SWBREAK},
    [GDB_BREAK_HW] = {WATCH_EXEC, GDB_STOP_HWBREAK},
    [GDB_WATCH_WRITE] = {WATCH_STORE, GDB_STOP_WATCH},
    [GDB_WATCH_READ] = {WATCH_LOAD, GDB_STOP_RWATCH},
    [GDB_WATCH_ACCESS] = {WATCH_ACCESS, GDB_STOP_AWATCH},
};

/* A watch of this debugger's was reached: is it at the virtual address gdb asked for? */
static enum watch_verdict stub_hit(struct vcpu *v, const struct watch_hit *hit, void *arg)
{
	struct gdbstub *s = arg;
	for (unsigned i = 0; i < GDB_POINTS; i++) {
		uint64_t a = s->point[i].addr, len = s->point[i].len;
		if (s->point[i].watch < 0 || !(point_kinds[s->point[i].type].kinds & hit->kind))
			continue;
		if (hit->kind == WATCH_EXEC ? hit->va != a
		                            : hit->va >= a + len || a >= hit->va + hit->width)
			continue;
		s->why = point_kinds[s->point[i].type].stop;
		s->why_addr = a;
		watch_stop(v->vm);
		return hit->kind == WATCH_EXEC ? WATCH_BEFORE : WATCH_AFTER;
	}
	return WATCH_IGNORE; /* the same page under another address */
}

static int stub_breakpoint(void *t, bool insert, enum gdb_break type, uint64_t addr, uint64_t len)
{
	struct gdbstub *s = t;
	struct vcpu *v = &s->vm->vcpu;
	int free = -1;
	for (int i = 0; i < GDB_POINTS; i++) {
		if (s->point[i].watch < 0) {
			free = free < 0 ? i : free;
			continue;
		}
		if (s->point[i].type != type || s->point[i].addr != addr ||
		    (type >= GDB_WATCH_WRITE && s->point[i].len != len))
			continue;
		if (insert)
			return 0; /* there already */
		watch_remove(s->vm, s->point[i].watch);
		s->point[i].watch = -1;
		return 0;
	}
	if (!insert)
		return 0; /* gone already: gdb removes what a reboot took */
	uint64_t gpa;
	bool exec = type <= GDB_BREAK_HW;
	if (free < 0 || translate(v, addr, exec ? GW_FETCH : GW_LOAD, &gpa) < 0)
		return -1;
	int id = watch_add(s->vm, point_kinds[type].kinds, gpa, exec ? 2 : len, stub_hit, s);
	if (id < 0)
		return -1;
	s->point[free].type = type;
	s->point[free].addr = addr;
	s->point[free].len = len;
	s->point[free].watch = id;
	return 0;
}

static void points_forget(struct gdbstub *s)
{
	for (int i = 0; i < GDB_POINTS; i++)
		s->point[i].watch = -1;
}

static void stub_detach(void *t)
{
	struct gdbstub *s = t;
	watch_remove_all(s->vm, s);
	points_forget(s);
	watch_catch(s->vm, 0);
	watch_resume(s->vm);
}

static void stub_kill(void *t)
{
	struct gdbstub *s = t;
	stub_detach(t);
	vm_verb_stop(s->vm);
}

/* ---- monitor commands ---- */

static void say(struct gdb_rsp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct gdb_rsp *r, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	gdb_rsp_console(r, buf);
}

/* A number, decimal or 0x hex; false when there is none. */
static bool word_num(const char **p, uint64_t *v)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	s += base == 16 ? 2 : 0;
	uint64_t n = 0;
	const char *start = s;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9'                 ? *s - '0'
		        : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
		        : base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
		                                               : -1;
		if (d < 0)
			break;
		n = n * (uint64_t)base + (uint64_t)d;
	}
	*p = s;
	*v = n;
	return s != start;
}

static void mon_help(struct gdbstub *s, struct gdb_rsp *r, const char *arg)
{
	(void)s;
	(void)arg;
	gdb_rsp_console(r, "monitor pm ADDR [LEN]   guest-physical memory, LEN bytes (16)\n"
	                   "monitor catch [CAUSE...|none]   stop when an exception of scause "
	                   "CAUSE reaches the guest; without CAUSE: the ones caught\n"
	                   "monitor mode   the virtual privilege mode and the VM's state\n"
	                   "monitor trace on|off   one line per trap on popek's console\n");
}

static void mon_pm(struct gdbstub *s, struct gdb_rsp *r, const char *arg)
{
	uint64_t gpa, len = 16;
	if (!word_num(&arg, &gpa)) {
		gdb_rsp_console(r, "pm needs a guest-physical address\n");
		return;
	}
	word_num(&arg, &len);
	if (len > 256)
		len = 256;
	for (uint64_t off = 0; off < len; off += 16) {
		uint64_t n = len - off < 16 ? len - off : 16;
		const uint8_t *p = vm_gpa_to_hva(s->vm, gpa + off, n);
		if (!p) {
			say(r, "%lx: not RAM\n", gpa + off);
			return;
		}
		char line[80];
		int k = fmt_snprintf(line, sizeof(line), "%lx:", gpa + off);
		for (uint64_t i = 0; i < n; i++)
			k += fmt_snprintf(line + k, sizeof(line) - (size_t)k, " %02x", p[i]);
		fmt_snprintf(line + k, sizeof(line) - (size_t)k, "\n");
		gdb_rsp_console(r, line);
	}
}

static void mon_catch(struct gdbstub *s, struct gdb_rsp *r, const char *arg)
{
	struct watch *w = &s->vm->watch;
	uint64_t cause;
	while (*arg == ' ')
		arg++;
	uint64_t mask = w->catch_mask;
	if (strncmp(arg, "none", 4) == 0) {
		mask = 0;
	} else {
		while (word_num(&arg, &cause)) {
			if (cause >= 64) {
				say(r, "no exception has scause %lu\n", cause);
				return;
			}
			mask |= 1UL << cause;
		}
	}
	watch_catch(s->vm, mask);
	watch_catch(s->vm, w->catch_mask);
	gdb_rsp_console(r, "caught:");
	for (unsigned i = 0; i < 64; i++) {
		if (w->catch_mask >> i & 1)
			say(r, " %u", i);
	}
	gdb_rsp_console(r, w->catch_mask ? "\n" : " none\n");
}

static void mon_mode(struct gdbstub *s, struct gdb_rsp *r, const char *arg)
{
	(void)arg;
	say(r,
	    "vm %s: %s, in %s, pc %lx; typed input waiting: %u bytes for it, %u in its UART (ier "
	    "%x)\n",
	    s->vm->name, vm_state_name(s->vm), vcpu_mode_name(s->vm->vcpu.mode), s->vm->vcpu.pc,
	    console_waiting(s->vm->id), s->vm->uart.count, s->vm->uart.ier);
}

static void mon_trace(struct gdbstub *s, struct gdb_rsp *r, const char *arg)
{
	while (*arg == ' ')
		arg++;
	bool on = strcmp(arg, "on") == 0;
	if (!on && strcmp(arg, "off") != 0) {
		gdb_rsp_console(r, "trace on or trace off\n");
		return;
	}
	s->vm->trace = on;
	s->vm->fast_off = on || s->vm->watch_on;
	say(r, "vm %s: trace %s\n", s->vm->name, on ? "on (popek's console)" : "off");
}

static const struct {
	const char *name;
	void (*run)(struct gdbstub *s, struct gdb_rsp *r, const char *arg);
} monitor_cmds[] = {
    {"help", mon_help}, {"pm", mon_pm},       {"catch", mon_catch},
    {"mode", mon_mode}, {"trace", mon_trace},
};

static bool stub_monitor(void *t, struct gdb_rsp *r, const char *cmd)
{
	for (size_t i = 0; i < sizeof(monitor_cmds) / sizeof(monitor_cmds[0]); i++) {
		size_t n = strlen(monitor_cmds[i].name);
		if (strncmp(cmd, monitor_cmds[i].name, n) == 0 && (cmd[n] == ' ' || !cmd[n])) {
			monitor_cmds[i].run(t, r, cmd + n);
			return true;
		}
	}
	return false;
}

static const struct gdb_target stub_ops = {
    .out = stub_out,
    .reg_read = stub_reg_read,
    .reg_write = stub_reg_write,
    .mem_read = stub_mem_read,
    .mem_write = stub_mem_write,
    .resume = stub_resume,
    .interrupt = stub_interrupt,
    .breakpoint = stub_breakpoint,
    .detach = stub_detach,
    .kill = stub_kill,
    .monitor = stub_monitor,
};

void gdbstub_boot(struct vm *vm)
{
	const struct bundle_vm *bv = vm->entry;
	if ((bv->gdb == BUNDLE_GDB_OFF && !vm->gdb) || vm->id < 0 || vm->id >= CONSOLE_MAX_VMS)
		return;
	struct gdbstub *s = &stubs[vm->id];
	bool first = !vm->gdb;
	if (first) {
		s->vm = vm;
		gdb_rsp_init(&s->rsp, &stub_ops, s);
		vm->gdb = s;
	}
	points_forget(s); /* watch_init() has dropped their watches with the old RAM */
	vm->watch.on_stop = stub_stopped;
	vm->watch.on_stop_arg = s;
	s->why = GDB_STOP_INTERRUPT;
	if (first && bv->gdb == BUNDLE_GDB_WAIT)
		watch_stop(vm); /* its first instruction waits for the debugger's continue */
}

enum vm_verb_result gdbstub_enable(struct vm *vm)
{
	if (vm->vcpu.state == VCPU_HALTED && !vm->restart)
		return VM_VERB_STOPPED;
	if (!vm->gdb && vm->id >= 0 && vm->id < CONSOLE_MAX_VMS) {
		struct gdbstub *s = &stubs[vm->id];
		s->vm = vm;
		gdb_rsp_init(&s->rsp, &stub_ops, s);
		vm->gdb = s;
		points_forget(s);
		vm->watch.on_stop = stub_stopped;
		vm->watch.on_stop_arg = s;
		s->why = GDB_STOP_INTERRUPT;
	}
	vm_event(vm, VM_EVENT_GDB);
	return VM_VERB_OK;
}

void gdbstub_input(struct vm *vm, char c)
{
	if (vm->gdb)
		gdb_rsp_input(&((struct gdbstub *)vm->gdb)->rsp, c);
}

void gdbstub_exited(struct vm *vm)
{
	if (vm->gdb)
		gdb_rsp_stopped(&((struct gdbstub *)vm->gdb)->rsp, GDB_STOP_EXITED, 0);
}
