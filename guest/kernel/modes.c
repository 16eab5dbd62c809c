/*
 * modes.c — what the kernel does once booted, chosen by "mode=NAME" in the
 * device tree's bootargs.  A new mode is one line in the table.
 */
#include "modes.h"
#include "attack.h"
#include "badqueue.h"
#include "netattack.h"
#include "bench.h"
#include "board.h"
#include "bootargs.h"
#include "codesum.h"
#include "console.h"
#include "csrdump.h"
#include "disk.h"
#include "dmacode.h"
#include "display.h"
#include "printf.h"
#include "proc.h"
#include "reboot.h"
#include "spin.h"
#include "string.h"
#include "tests.h"
#include "ticker.h"
#include "timer.h"
#include "wedge.h"

/* No mode: the shell; reap whatever gets orphaned until everything is gone. */
static void shell_run(void)
{
	console_echo = 1;
	proc_report_kills = 1;
	timer_start();
	if (proc_spawn("sh", 0, myproc()) < 0)
		panic("cannot start sh");
	while (proc_wait(0) >= 0)
		;
}

static const struct mode {
	const char *name;
	void (*run)(void);
} modes[] = {
    {"test", tests_run},
    {"bench", bench_run},
    {"attack", attack_run},
    {"spin", spin_run},
    {"wedge", wedge_run},
    {"disk", disk_run},
    {"badqueue", badqueue_run},
    {"csrdump", csrdump_run},
    {"reboot", reboot_run},
    {"ticker", ticker_run},
    {"board", board_run},
    {"netattack", netattack_run},
    {"display", display_run},
    {"gpuattack", gpuattack_run},
    {"codesum", codesum_run},
    {"dmacode", dmacode_run},
    {"", shell_run}, /* default */
};

void mode_run(void)
{
	char name[16];
	bootarg_value("mode", name, sizeof(name));
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(modes[i].name, name) == 0) {
			modes[i].run();
			return;
		}
	}
	kprintf("teach: unknown mode \"%s\"\n", name);
}
