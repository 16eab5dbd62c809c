#include "core/monitor.h"
#include "core/console.h"
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
};

static struct vm *vms;
static int nvms;
static uint64_t hz;           /* the timebase, for the VMs' clocks */
static int focus;             /* VM index, or MONITOR_FOCUS */
static int dest = DEST_FOCUS; /* DEST_* or a VM index */
static bool marker;           /* the last byte was an unpaired CONSOLE_SWITCH */
static char line[LINE_MAX];
static unsigned len;

static const char *const state_names[] = {
    [VCPU_RUNNABLE] = "running", [VCPU_WFI] = "waiting (wfi)", [VCPU_HALTED] = "stopped"};

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
	kprintf("no vm named '%s'\n", name);
	return NULL;
}

static void cmd_help(const char *arg)
{
	(void)arg;
	kprintf("commands: help | vms | stats NAME | stop NAME    (Ctrl-] leaves the monitor)\n");
}

static void cmd_vms(const char *arg)
{
	(void)arg;
	for (int i = 0; i < nvms; i++) {
		kprintf("  %-16s %4lu MiB  %-14s in %s  %lu traps  clock: ", vms[i].name,
		        vms[i].ram_size >> 20, state_names[vms[i].vcpu.state],
		        vcpu_mode_name(vms[i].vcpu.mode), vms[i].vcpu.stats.traps);
		vm_clock_print(&vms[i], hz);
		kprintf("\n");
	}
}

static void cmd_stats(const char *arg)
{
	struct vm *vm = find(arg);
	if (vm)
		vm_report(vm, hz);
}

static void cmd_stop(const char *arg)
{
	struct vm *vm = find(arg);
	if (vm && vm->vcpu.state != VCPU_HALTED)
		vm_stop(vm, "stopped from the monitor");
}

static const struct {
	const char *name;
	void (*run)(const char *arg);
} commands[] = {
    {"help", cmd_help},
    {"vms", cmd_vms},
    {"stats", cmd_stats},
    {"stop", cmd_stop},
};

static void execute(void)
{
	line[len] = '\0';
	char *arg = line;
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = '\0';
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(line, commands[i].name) == 0) {
			commands[i].run(arg);
			return;
		}
	}
	if (len)
		kprintf("unknown command '%s' (try help)\n", line);
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
	if (sel >= '0' && sel - '0' < nvms)
		return sel - '0';
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
	else if (dest >= 0)
		console_push(dest, c);
}
