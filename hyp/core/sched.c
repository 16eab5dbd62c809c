#include "core/sched.h"
#include "core/console.h"
#include "core/gdbstub.h"
#include "core/lan.h"
#include "core/screen.h"
#include "core/vm.h"

/* A VM's unfinished line waits at most this long (1/50 s) for the rest of it. */
#define LINE_WAIT_DIVISOR 50

void sched_run(struct vm *vms, int n, uint64_t timebase_hz)
{
	int cur = n - 1;
	for (;;) {
		int live = 0, ran = 0;
		lan_poll();    /* frames queued for ports that can take them now */
		screen_poll(); /* the real keyboard's keys, the focused VM's screen */
		uint64_t wake = UINT64_MAX;
		for (int k = 1; k <= n && !ran; k++) {
			int i = (cur + k) % n;
			struct vcpu *v = &vms[i].vcpu;
			vm_restart_due(
			    &vms[i]); /* a reboot, reset or ipl, once its disks are idle */
			if (v->state == VCPU_HALTED) {
				vclock_stop(&v->clock, vcpu_now()); /* it may have stopped in wfi */
				if (vms[i].restart) {
					live++; /* it restarts when its last disk request is back */
					continue;
				}
				if (!vms[i].reported) {
					vm_report(&vms[i], timebase_hz);
					vm_event(&vms[i], VM_EVENT_STOPPED);
					gdbstub_exited(&vms[i]);
				}
				vms[i].reported = true;
				continue;
			}
			live++;
			if (vms[i].paused || vms[i].watch.stopped) {
				/* No CPU, and a virtual clock stands still, in wfi too (docs/operating.md). */
				vclock_stop(&v->clock, vcpu_now());
				continue;
			}
			if (!vcpu_ready(v)) {
				/* In wfi its clock runs: its deadline falls at a real time. */
				uint64_t at = vcpu_deadline_real(v);
				if (at < wake)
					wake = at;
				continue;
			}
			cur = i;
			ran = 1;
			uint64_t quantum = vms[i].quantum_us * timebase_hz / 1000000;
			console_vm_running(i);
			enum slice_end end = vcpu_run_slice(v, vcpu_now() + quantum);
			console_vm_running(-1);
			if (end != SLICE_EXPIRED)
				console_vm_flush(i); /* it waits or stopped: its prompt shows now */
			if (vms[i].watch_on)
				watch_slice_end(
				    &vms[i]); /* a debugger's stop asked for in the slice */
		}
		console_vm_flush_older(vcpu_now() - timebase_hz / LINE_WAIT_DIVISOR);
		if (!live) {
			console_vm_flush(-1);
			for (int i = 0; i < n; i++) {
				if (!vms[i].reported) {
					vm_report(&vms[i], timebase_hz);
					vm_event(&vms[i], VM_EVENT_STOPPED);
				}
				vms[i].reported = true;
			}
			return;
		}
		if (!ran) {
			console_vm_flush(-1); /* nothing runs: nothing more comes for a while */
			vcpu_idle(wake);
		}
	}
}
