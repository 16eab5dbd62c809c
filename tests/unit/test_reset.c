/*
 * A VM's restart (hyp/core/vm.c vm_boot, docs/operating.md) resets each of
 * its device models by initialising it again.  For each model: bring it
 * into a state a running guest leaves (registers written, input queued,
 * interrupts raised), reset it, and check that it is byte for byte the
 * device it was when new, and that the guest reads the board's reset values with no
 * interrupt pending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/vclock.h"
#include "dev/vblk.h"
#include "dev/vclint.h"
#include "dev/vplic.h"
#include "dev/vuart.h"

static uint64_t rd(const struct mmio_ops *ops, void *dev, uint64_t off, unsigned width)
{
	uint64_t v = ~0UL;
	assert_int_equal(ops->read(dev, off, width, &v), 0);
	return v;
}

static void wr(const struct mmio_ops *ops, void *dev, uint64_t off, unsigned width, uint64_t v)
{
	assert_int_equal(ops->write(dev, off, width, v), 0);
}

static void test_vplic_reset(void **state)
{
	(void)state;
	static struct vplic p, fresh;
	vplic_init(&fresh);
	vplic_init(&p);
	wr(&vplic_ops, &p, 4 * 10, 4, 5);              /* priority of source 10 */
	wr(&vplic_ops, &p, 0x2000 + 0x80, 4, 1 << 10); /* enabled for context 1 */
	vplic_set_level(&p, 10, 1);
	assert_true(vplic_pending(&p, 1));
	assert_int_equal(rd(&vplic_ops, &p, 0x200004 + 0x1000, 4), 10); /* claimed */
	vplic_init(&p);
	assert_memory_equal(&p, &fresh, sizeof(p));
	assert_false(vplic_pending(&p, 0));
	assert_false(vplic_pending(&p, 1));
	assert_int_equal(rd(&vplic_ops, &p, 4 * 10, 4), 0);
	assert_int_equal(rd(&vplic_ops, &p, 0x1000, 4), 0); /* pending bits */
}

static char out_bytes[64];
static unsigned nout;
static void out(void *arg, char c)
{
	(void)arg;
	if (nout < sizeof(out_bytes))
		out_bytes[nout++] = c;
}

static void test_vuart_reset(void **state)
{
	(void)state;
	static struct vplic plic;
	static struct vuart u, fresh;
	vplic_init(&plic);
	vuart_init(&u, &plic, 10, out, NULL);
	fresh = u;
	wr(&vuart_ops, &u, 2, 1, 0x01); /* FCR: FIFOs on */
	wr(&vuart_ops, &u, 3, 1, 0x80); /* LCR.DLAB: the divisor */
	wr(&vuart_ops, &u, 0, 1, 0x12);
	wr(&vuart_ops, &u, 3, 1, 0x03);
	wr(&vuart_ops, &u, 1, 1, 0x01); /* IER: received data */
	wr(&vuart_ops, &u, 7, 1, 0x5a); /* SCR */
	assert_int_equal(vuart_input(&u, 'x'), 0);
	assert_int_equal(vuart_input(&u, 'y'), 0);
	wr(&vuart_ops, &u, 0, 1, 'z');
	vplic_init(&plic);
	vuart_init(&u, &plic, 10, out, NULL);
	assert_memory_equal(&u, &fresh, sizeof(u));
	assert_int_equal(rd(&vuart_ops, &u, 5, 1), 0x60); /* LSR: empty, no data */
	assert_int_equal(rd(&vuart_ops, &u, 2, 1), 0x01); /* IIR: nothing pending */
	assert_int_equal(rd(&vuart_ops, &u, 1, 1), 0);
	assert_int_equal(rd(&vuart_ops, &u, 7, 1), 0);
	assert_false(vplic_pending(&plic, 1));
}

static uint64_t clint_now(void *arg)
{
	(void)arg;
	return 1000;
}

static void clint_changed(void *arg)
{
	(void)arg;
}

static void test_vclint_reset(void **state)
{
	(void)state;
	static struct vclint c;
	vclint_init(&c, clint_now, clint_changed, NULL);
	wr(&vclint_ops, &c, 0, 4, 1);
	wr(&vclint_ops, &c, 0x4000, 8, 5000);
	assert_true(vclint_msip(&c));
	vclint_init(&c, clint_now, clint_changed, NULL);
	assert_false(vclint_msip(&c));
	assert_int_equal(c.msip, 0);
	assert_int_equal(c.mtimecmp, 0); /* the board's: MTIP pending until it is set */
	assert_int_equal(rd(&vclint_ops, &c, 0, 4), 0);
	assert_int_equal(rd(&vclint_ops, &c, 0x4000, 8), 0);
}

static uint8_t ram[1 << 16];
static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa < sizeof(ram) && len <= sizeof(ram) - gpa ? ram + gpa : NULL;
}
static int submit(void *ctx, struct vblk_io *io)
{
	(void)ctx;
	(void)io;
	return VBLK_BACKEND_BUSY;
}
static void commit(void *ctx)
{
	(void)ctx;
}

static void blk_init(struct vblk *d, struct vplic *plic)
{
	vblk_init(d, 0, 1 << 20, false, false, (struct virtio_mem){ram_at, NULL},
	          (struct vblk_backend){submit, commit, NULL}, plic, 8);
}

static void test_vblk_reset(void **state)
{
	(void)state;
	static struct vplic plic;
	static struct vblk d, fresh;
	vplic_init(&plic);
	blk_init(&d, &plic);
	fresh = d; /* its io slots point to the device itself: compare at one address */
	wr(&vblk_ops, &d, 0x070, 4, 1 | 2);         /* Status: ACKNOWLEDGE, DRIVER */
	wr(&vblk_ops, &d, 0x024, 4, 1);             /* DriverFeaturesSel */
	wr(&vblk_ops, &d, 0x020, 4, 1);             /* DriverFeatures: VERSION_1 */
	wr(&vblk_ops, &d, 0x070, 4, 1 | 2 | 8);     /* FEATURES_OK */
	wr(&vblk_ops, &d, 0x030, 4, 0);             /* QueueSel */
	wr(&vblk_ops, &d, 0x038, 4, 8);             /* QueueNum */
	wr(&vblk_ops, &d, 0x080, 4, 0x1000);        /* QueueDescLow */
	wr(&vblk_ops, &d, 0x090, 4, 0x2000);        /* QueueDriverLow */
	wr(&vblk_ops, &d, 0x0a0, 4, 0x3000);        /* QueueDeviceLow */
	wr(&vblk_ops, &d, 0x044, 4, 1);             /* QueueReady */
	wr(&vblk_ops, &d, 0x070, 4, 1 | 2 | 8 | 4); /* DRIVER_OK */
	assert_int_equal(rd(&vblk_ops, &d, 0x044, 4), 1);
	blk_init(&d, &plic);
	assert_memory_equal(&d, &fresh, sizeof(d));
	assert_int_equal(rd(&vblk_ops, &d, 0x070, 4), 0); /* Status */
	assert_int_equal(rd(&vblk_ops, &d, 0x044, 4), 0); /* QueueReady */
	assert_int_equal(rd(&vblk_ops, &d, 0x060, 4), 0); /* InterruptStatus */
	assert_false(vplic_pending(&plic, 1));
}

/* A virtual clock made anew reads 0 again, whatever the old one had counted. */
static void test_vclock_reset(void **state)
{
	(void)state;
	struct vclock c;
	vclock_init(&c, true, 100);
	vclock_start(&c, 200);
	vclock_stop(&c, 5000);
	assert_int_equal(vclock_read(&c, 9000), 4800);
	vclock_init(&c, true, 9000);
	assert_int_equal(vclock_read(&c, 9500), 0);
	vclock_start(&c, 9500);
	assert_int_equal(vclock_read(&c, 9600), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vplic_reset),  cmocka_unit_test(test_vuart_reset),
	    cmocka_unit_test(test_vclint_reset), cmocka_unit_test(test_vblk_reset),
	    cmocka_unit_test(test_vclock_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
