#include "core/monitor.h"
#include "core/display.h"
#include "core/netif.h"
#include "core/screen.h"
#include "core/console.h"
#include "core/gdbstub.h"
#include "core/vm.h"
#include "lib/string.h"

#include <stdbool.h>

#define MONITOR_FOCUS -1
#define LINE_MAX      64

/* Where framed input goes (docs/console.md, "Input framing"). */
enum {
	DEST_FOCUS = -1,   /* wherever the attention key has put the focus */
	DEST_MONITOR = -2, /* popek's monitor */
	DEST_NONE = -3,    /* a selector naming nothing: its bytes are dropped */
	DEST_CTL = -4,     /* the control channel's requests */
	DEST_GDB0 = -16,   /* - i: VM i's debugger stub */
};

static struct vm *vms;
static int nvms;
static uint64_t hz;           /* the timebase, for the VMs' clocks */
static int focus;             /* VM index, or MONITOR_FOCUS */
static int dest = DEST_FOCUS; /* DEST_* or a VM index */
static bool marker;           /* the last byte was an unpaired CONSOLE_SWITCH */
static char line[LINE_MAX];
static unsigned len;

void monitor_init(struct vm *list, int n, uint64_t timebase_hz)
{
	vms = list;
	nvms = n;
	hz = timebase_hz;
	focus = n > 0 ? 0 : MONITOR_FOCUS;
	dest = DEST_FOCUS;
	marker = false;
	if (n > 1)
		kprintf("popek: typing goes to vm %s; Ctrl-] moves it to the next VM, then to "
		        "popek's monitor\n",
		        vms[0].name);
}

static struct vm *find(const char *name)
{
	for (int i = 0; i < nvms; i++) {
		if (strcmp(vms[i].name, name) == 0)
			return &vms[i];
	}
	return NULL;
}

/* The VM a command names, or NULL having said why. */
static struct vm *find_named(const char *cmd, const char *name)
{
	struct vm *vm = find(name);
	if (!*name)
		kprintf("%s needs the name of a VM (vms lists them)\n", cmd);
	else if (!vm)
		kprintf("no vm named '%s' (vms lists them)\n", name);
	return vm;
}

/* The verbs that change a VM's state, shared with the control channel. */
static const struct {
	const char *name;
	enum vm_verb_result (*run)(struct vm *vm);
} verbs[] = {
    {"stop", vm_verb_stop},   {"pause", vm_verb_pause}, {"resume", vm_verb_resume},
    {"reset", vm_verb_reset}, {"ipl", vm_verb_ipl},     {"gdb", gdbstub_enable},
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static int verb_index(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++) {
		if (strcmp(verbs[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

static void cmd_help(const char *arg)
{
	(void)arg;
	kprintf("commands: help | vms | net | stats NAME | stop NAME | pause NAME | resume NAME | "
	        "reset NAME | ipl NAME | gdb NAME | focus NAME    (Ctrl-] leaves the monitor)\n");
}

static void cmd_vms(const char *arg)
{
	(void)arg;
	for (int i = 0; i < nvms; i++) {
		kprintf("  %-16s %4lu MiB  %-10s in %s  %lu traps  restarts %u  clock: ",
		        vms[i].name, vms[i].ram_size >> 20, vm_state_name(&vms[i]),
		        vcpu_mode_name(vms[i].vcpu.mode), vms[i].vcpu.stats.traps, vms[i].boots);
		vm_clock_print(&vms[i], hz);
		kprintf("\n");
	}
}

static void cmd_stats(const char *arg)
{
	struct vm *vm = find_named("stats", arg);
	if (vm)
		vm_report(vm, hz);
}

/* The real screen and keyboard go to VM NAME (core/screen.c). */
static void cmd_focus(const char *arg)
{
	int r = screen_focus(arg);
	if (r < 0)
		kprintf("focus %s: %s\n", arg, screen_focus_why(r));
}

/* The LANs, their ports, MACs and counters. */
static void cmd_net(const char *arg)
{
	(void)arg;
	netif_list();
}

static const struct {
	const char *name;
	void (*run)(const char *arg);
} commands[] = {
    {"help", cmd_help},   {"vms", cmd_vms},     {"net", cmd_net},
    {"stats", cmd_stats}, {"focus", cmd_focus},
};

/* Splits "WORD REST" in place: returns REST (empty when there is none). */
static char *split(char *s)
{
	while (*s && *s != ' ')
		s++;
	if (*s)
		*s++ = '\0';
	return s;
}

static void execute(void)
{
	line[len] = '\0';
	char *arg = split(line);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(line, commands[i].name) == 0) {
			commands[i].run(arg);
			return;
		}
	}
	int v = verb_index(line);
	if (v >= 0) {
		struct vm *vm = find_named(line, arg);
		enum vm_verb_result r = vm ? verbs[v].run(vm) : VM_VERB_OK;
		if (r != VM_VERB_OK)
			kprintf("vm %s %s\n", vm->name, vm_verb_why(r));
		return;
	}
	if (len)
		kprintf("unknown command '%s' (try help)\n", line);
}

#define KEY_CODE_MAX 0x2ff   /* KEY_MAX (input-event-codes.h) */
#define COORD_MAX    0xffff  /* a pointer's coordinate: past any screen, clamped to it */
#define NUMBER_BIG   1000000 /* what the digits below never grow past */

/* The decimal digits at p as *n (NUMBER_BIG or more when too long); the byte after them. */
static const char *number(const char *p, unsigned *n)
{
	for (*n = 0; *p >= '0' && *p <= '9'; p++) {
		if (*n < NUMBER_BIG)
			*n = *n * 10 + (unsigned)(*p - '0');
	}
	return p;
}

/* Exactly count numbers, one space apart, and nothing after them: into n[0..count). */
static bool numbers(const char *p, unsigned *n, int count)
{
	for (int i = 0; i < count; i++) {
		const char *q = number(p, &n[i]);
		if (q == p || *q != (i + 1 < count ? ' ' : '\0'))
			return false;
		p = q + 1;
	}
	return true;
}

/*
 * A request of the control channel (docs/operating.md): "ID list" or
 * "ID VERB NAME", ID a word the launcher chose.  The answer: for list one
 * "ID vm NAME STATE MODE TRAPS RESTARTS MIB" record per VM; then "ID ok",
 * or "ID err WHY" having changed nothing.
 */
static void ctl_execute(char *req)
{
	char *id = req, *cmd = split(id), *arg = split(cmd), *rest = split(arg);
	if (!*id)
		return;
	if (strcmp(cmd, "list") == 0 && !*arg) {
		for (int i = 0; i < nvms; i++)
			console_ctl_printf("%s vm %s %s %s %lu %u %lu\n", id, vms[i].name,
			                   vm_state_name(&vms[i]), vcpu_mode_name(vms[i].vcpu.mode),
			                   vms[i].vcpu.stats.traps, vms[i].boots,
			                   vms[i].ram_size >> 20);
		console_ctl_printf("%s ok\n", id);
		return;
	}
	int v = verb_index(cmd);
	struct vm *vm = find(arg);
	bool display_verb = strcmp(cmd, "focus") == 0 || strcmp(cmd, "screenshot") == 0 ||
	                    strcmp(cmd, "key") == 0 || strcmp(cmd, "pointer") == 0;
	if (display_verb && !vm) {
		console_ctl_printf("%s err no vm named '%s'\n", id, arg);
		return;
	}
	if (vm && strcmp(cmd, "focus") == 0 && !*rest) {
		int r = screen_focus(arg);
		if (r < 0)
			console_ctl_printf("%s err vm %s %s\n", id, arg, screen_focus_why(r));
		else
			console_ctl_printf("%s ok\n", id);
		return;
	}
	if (vm && strcmp(cmd, "screenshot") == 0 && !*rest) {
		display_screenshot(vm, id);
		return;
	}
	if (vm && strcmp(cmd, "key") == 0 && *rest) {
		/* CODE [WITH]: WITH, when not 0, is held down around CODE (Shift) */
		unsigned code = 0, with = 0;
		const char *p = number(rest, &code);
		if (*p == ' ')
			p = number(p + 1, &with);
		if (*p || code == 0 || code > KEY_CODE_MAX || with > KEY_CODE_MAX)
			console_ctl_printf("%s err bad key code '%s'\n", id, rest);
		else if (!display_key(vm, (uint16_t)code, (uint16_t)with))
			console_ctl_printf("%s err vm %s has no display\n", id, vm->name);
		else
			console_ctl_printf("%s ok\n", id);
		return;
	}
	if (vm && strcmp(cmd, "pointer") == 0 && *rest) {
		/* X Y BUTTONS: the tablet's position on the VM's screen, the buttons held */
		unsigned n[3];
		if (!numbers(rest, n, 3) || n[0] > COORD_MAX || n[1] > COORD_MAX ||
		    n[2] >> DISPLAY_BUTTONS)
			console_ctl_printf("%s err bad pointer '%s'\n", id, rest);
		else if (!display_pointer(vm, n[0], n[1], n[2]))
			console_ctl_printf("%s err vm %s has no display\n", id, vm->name);
		else
			console_ctl_printf("%s ok\n", id);
		return;
	}
	if (v < 0 || *rest)
		console_ctl_printf("%s err unknown request\n", id);
	else if (!vm)
		console_ctl_printf("%s err no vm named '%s'\n", id, arg);
	else if ((v = verbs[v].run(vm)) != VM_VERB_OK)
		console_ctl_printf("%s err vm %s %s\n", id, vm->name,
		                   vm_verb_why((enum vm_verb_result)v));
	else
		console_ctl_printf("%s ok\n", id);
}

/* A byte of the control channel's requests: whole lines only, any overlong one dropped. */
static void ctl_input(char c)
{
	static char req[LINE_MAX];
	static unsigned n;
	static bool bad; /* too long, or a byte no request holds */
	if (c == '\n') {
		req[n] = '\0';
		if (!bad)
			ctl_execute(req);
		n = 0;
		bad = false;
	} else if (n + 1 < LINE_MAX && c >= ' ' && c < 0x7f) {
		req[n++] = c;
	} else {
		bad = true;
	}
}

static void prompt(void)
{
	kprintf("popek> ");
}

static void next_focus(void)
{
	focus = focus + 1 >= nvms ? MONITOR_FOCUS : focus + 1;
	if (focus == MONITOR_FOCUS) {
		kprintf("\npopek: monitor (help lists the commands)\n");
		len = 0;
		prompt();
	} else {
		kprintf("\npopek: typing goes to vm %s\n", vms[focus].name);
	}
}

/* A byte for the monitor's command line. */
static void monitor_edit(char c)
{
	if (c == '\r' || c == '\n') {
		kprintf("\n");
		execute();
		len = 0;
		prompt();
	} else if ((c == 0x7f || c == '\b') && len > 0) {
		len--;
		kprintf("\b \b");
	} else if (c >= ' ' && c < 0x7f && len + 1 < LINE_MAX) {
		line[len++] = c;
		kprintf("%c", c);
	}
}

/* An unframed byte: the attention key, or a byte for whoever has the focus. */
static void focus_input(char c)
{
	if (c == MONITOR_ATTENTION)
		next_focus();
	else if (focus != MONITOR_FOCUS)
		console_push(focus, c);
	else
		monitor_edit(c);
}

/* The destination a marker's selector names. */
static int select_dest(char sel)
{
	if (sel == MONITOR_SEL_FOCUS)
		return DEST_FOCUS;
	if (sel == CONSOLE_POPEK)
		return DEST_MONITOR;
	if (sel == CONSOLE_CTL)
		return DEST_CTL;
	if (sel >= '0' && sel - '0' < nvms)
		return sel - '0';
	if (sel >= CONSOLE_GDB0 && sel - CONSOLE_GDB0 < nvms)
		return DEST_GDB0 - (sel - CONSOLE_GDB0);
	return DEST_NONE;
}

/*
 * The launcher frames input like output: CONSOLE_SWITCH then a selector
 * switches the destination, a doubled CONSOLE_SWITCH is one literal byte.
 * A framed byte is data for its VM or the monitor, Ctrl-] included; only
 * the focus's bytes (and a plain terminal's, which never sends a marker)
 * know the attention key.
 */
void monitor_input(char c)
{
	if (marker) {
		marker = false;
		if (c != CONSOLE_SWITCH) {
			dest = select_dest(c);
			return;
		}
	} else if (c == CONSOLE_SWITCH) {
		marker = true;
		return;
	}
	if (dest == DEST_FOCUS)
		focus_input(c);
	else if (dest == DEST_MONITOR)
		monitor_edit(c);
	else if (dest == DEST_CTL)
		ctl_input(c);
	else if (dest >= 0)
		console_push(dest, c);
	else if (dest <= DEST_GDB0)
		gdbstub_input(&vms[DEST_GDB0 - dest], c);
}
