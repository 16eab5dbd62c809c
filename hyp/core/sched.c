#include "core/sched.h"
#include "core/vm.h"

void sched_run(struct vm *vms, int n, uint64_t timebase_hz)
{
	int cur = n - 1;
	for (;;) {
		int live = 0, ran = 0;
		uint64_t wake = UINT64_MAX;
		for (int k = 1; k <= n && !ran; k++) {
			int i = (cur + k) % n;
			struct vcpu *v = &vms[i].vcpu;
			if (v->state == VCPU_HALTED) {
				if (!vms[i].reported)
					vm_report(&vms[i]);
				vms[i].reported = true;
				continue;
			}
			live++;
			if (!vcpu_ready(v)) {
				if (v->timer_deadline < wake)
					wake = v->timer_deadline;
				continue;
			}
			cur = i;
			ran = 1;
			uint64_t quantum = vms[i].quantum_us * timebase_hz / 1000000;
			vcpu_run_slice(v, vcpu_now() + quantum);
		}
		if (!live) {
			for (int i = 0; i < n; i++) {
				if (!vms[i].reported)
					vm_report(&vms[i]);
				vms[i].reported = true;
			}
			return;
		}
		if (!ran)
			vcpu_idle(wake);
	}
}
