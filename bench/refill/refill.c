/*
 * bench/refill — what one QEMU software-TLB refill costs (bench/README.md).
 * A bare S-mode loop under QEMU 7.2 (-M virt -bios none): each iteration
 * writes satp (alternating two roots with the same mappings, so the value
 * changes and QEMU empties its TLB and jump cache) and loads one word from
 * each of N pages; the same loop without the satp write is the baseline.
 * Pages are mapped by 4 KiB leaves (a 3-level walk) or inside one 1 GiB
 * leaf (1 level).  Prints `refill MAP flush=F N=n ns_per_iter=X base=Y`.
 */
#include <stdint.h>

#define UART  ((volatile uint8_t *)0x10000000UL)
#define ITERS 4000
#define MAXN  256

static uint64_t root[2][512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static volatile uint64_t pages[MAXN][512] __attribute__((aligned(4096))); /* 1 MiB */

void enter_s(void (*fn)(void), uint64_t satp);

static void putc_(char c)
{
	while (!(UART[5] & 0x20))
		;
	UART[0] = (uint8_t)c;
}
static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}
static void putu(uint64_t v)
{
	char b[24];
	int i = 0;
	do
		b[i++] = (char)('0' + v % 10);
	while (v /= 10);
	while (i)
		putc_(b[--i]);
}

static inline uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* parameters of the S-mode run */
static volatile uint64_t arg_n, arg_flush, arg_base, arg_satp[2], result;

static void s_loop(void)
{
	uint64_t n = arg_n, base = arg_base, s0 = arg_satp[0], s1 = arg_satp[1];
	uint64_t t0 = rdtime();
	for (int it = 0; it < ITERS; it++) {
		if (arg_flush)
			__asm__ volatile("csrw satp, %0" ::"r"(it & 1 ? s1 : s0) : "memory");
		for (uint64_t i = 0; i < n; i++)
			(void)*(volatile uint64_t *)(base + i * 4096);
	}
	result = rdtime() - t0;
	__asm__ volatile("ecall");
}

#define PTE_V   1UL
#define PTE_RWX 0xeUL
#define PTE_AD  0xc0UL
#define LEAF    (PTE_V | PTE_RWX | PTE_AD)

static uint64_t run(uint64_t n, int flush, uint64_t base)
{
	uint64_t best = ~0UL;
	for (int r = 0; r < 7; r++) { /* the fastest of 7: the host is shared */
		arg_n = n, arg_flush = (uint64_t)flush, arg_base = base;
		enter_s(s_loop, arg_satp[0]);
		if (result < best)
			best = result;
	}
	return best * 100 / ITERS; /* 10 MHz timebase: ns per iteration */
}

void mmain(void)
{
	/* identity: 1 GiB leaves for 0 (devices) and 0x80000000 (this image) */
	for (int r = 0; r < 2; r++) {
		root[r][0] = (0UL >> 12) << 10 | LEAF;
		root[r][2] = (0x80000000UL >> 12) << 10 | LEAF;
		/* the pages again at 0xc0000000 + off, through 4 KiB leaves */
		root[r][3] = ((uint64_t)l1 >> 12) << 10 | PTE_V;
	}
	l1[0] = ((uint64_t)l0 >> 12) << 10 | PTE_V;
	for (int i = 0; i < MAXN; i++)
		l0[i] = ((uint64_t)pages[i] >> 12) << 10 | LEAF;
	arg_satp[0] = 8UL << 60 | (uint64_t)root[0] >> 12;
	arg_satp[1] = 8UL << 60 | (uint64_t)root[1] >> 12;
	__asm__ volatile("csrw mcounteren, %0" ::"r"(7UL));
	/* PMP: everything to S and U (QEMU checks PMP on every refill) */
	__asm__ volatile("csrw pmpaddr0, %0; csrw pmpcfg0, %1" ::"r"(~0UL >> 10), "r"(0x1fUL));
	static const uint64_t ns[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256};
	for (int m = 0; m < 2; m++) {
		uint64_t base = m ? 0xc0000000UL : (uint64_t)pages;
		for (unsigned k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
			uint64_t f = run(ns[k], 1, base), b = run(ns[k], 0, base);
			puts_("refill ");
			puts_(m ? "4k" : "1g");
			puts_(" N=");
			putu(ns[k]);
			puts_(" flush_ns_per_iter=");
			putu(f);
			puts_(" noflush_ns_per_iter=");
			putu(b);
			puts_("\n");
		}
	}
	*(volatile uint32_t *)0x100000UL = 0x5555; /* sifive,test: power off */
}
