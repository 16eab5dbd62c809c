/*
 * Saving and restoring a guest's floating-point registers when the real hart
 * passes from one vCPU to another.  popek itself is built without F and D;
 * these two routines enable D locally, and run with sstatus.FS on (the
 * caller's job: FS = Off would make them trap).
 *
 * void fp_save(uint64_t area[33]);     f0-f31, then fcsr
 * void fp_restore(const uint64_t area[33]);
 */
	.option push
	.option arch, +d
	.section .text
	.globl fp_save
fp_save:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, (8 * \n)(a0)
	.endr
	frcsr	t0
	sd	t0, 256(a0)
	ret

	.globl fp_restore
fp_restore:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, (8 * \n)(a0)
	.endr
	ld	t0, 256(a0)
	fscsr	t0
	ret
	.option pop
