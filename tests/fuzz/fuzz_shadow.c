/*
 * The guest page-table walk and the shadow fill (shadow.c, gwalk.c, pmp.c):
 * random guest Sv39 tables (any V/R/W/X/U/G/A/D, superpages, pointers out of
 * RAM), random PMP entries (TOR/NA4/NAPOT, L, the reserved R = 0, W = 1),
 * SUM/MXR/MPRV, every mode and so every view; then faults, sfence.vma and
 * PMP writes as the guest would cause them (with the leaves popek fills
 * ahead: fault-around after a fill, the page a one-page fence names).  After every step every view is
 * walked (hostvm_check_shadow: R/W/X on every leaf, U = 1, inside the VM's
 * RAM, tables in the vCPU's pool, no leaks); while the guest's tables are
 * as last fenced, every leaf of the current view also allows no more than
 * the guest's walk and its PMP do (a global leaf: the walk of one of its
 * tables, since spaces share them).
 */
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/pmp.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "fuzz_reader.h"
#include "hostvm.h"

#define MIB    (1UL << 20)
#define RAM    HOSTVM_RAM_GPA
#define TABLES (RAM + 0x10000) /* eight guest table pages */

static struct vcpu *v;
static bool fenced; /* no PTE written since the last full flush */

static uint64_t pick_gpa(struct reader *r)
{
	uint8_t k = reader_u8(r);
	switch (k & 7) {
	case 0:
	case 1:
		return TABLES + (k >> 3) % 8 * 4096; /* another table */
	case 2:
		return RAM; /* 2 MiB and 1 GiB aligned */
	case 3:
		return RAM + 2 * MIB;
	case 4:
		return RAM + (uint64_t)reader_u16(r) * 64 % (4 * MIB);
	case 5:
		return HOSTVM_MMIO_BASE;
	default:
		return (uint64_t)reader_u32(r) << 12; /* anywhere */
	}
}

static uint64_t pick_va(struct reader *r)
{
	uint8_t k = reader_u8(r);
	uint64_t lo = (uint64_t)(k & 7) << 30 | (uint64_t)(reader_u8(r) & 3) << 21 |
	              (uint64_t)reader_u16(r) % 1024 << 12 | (reader_u8(r) & 0xf8);
	switch (k >> 6) {
	case 0:
		/* Sv48 root slots 0-7 (1-7 no Sv39 address), Sv57 root slot 0 or 1 */
		return lo | (uint64_t)(k >> 3 & 7) << 39 | (uint64_t)(k >> 5 & 1) << 48;
	case 1:
		return RAM + lo % (4 * MIB);
	case 2: /* upper half; or popek's root slot, which an Sv48 guest can name */
		return k & 0x20 ? lo | 0xffffff0000000000UL : lo | ~0UL << 38;
	default:
		return reader_u64(r);
	}
}

static void set_pmp(struct reader *r)
{
	unsigned i = reader_u8(r) % VPMP_ENTRIES;
	uint8_t cfg = reader_u8(r);
	uint64_t addr;
	switch (reader_u8(r) & 3) {
	case 0: /* NAPOT of 4 KiB .. 4 MiB at a RAM address */
		addr =
		    (RAM + (reader_u16(r) % 1024) * 4096) >> 2 | ((1UL << (reader_u8(r) % 20)) - 1);
		break;
	case 1:
		addr = (RAM + reader_u16(r) * 64UL % (4 * MIB)) >> 2; /* TOR boundary */
		break;
	case 2:
		addr = ~0UL;
		break;
	default:
		addr = reader_u64(r);
	}
	uint64_t old;
	vcsr_rmw(&v->csr, VMODE_M, CSR_PMPADDR0 + i, VCSR_RW, addr, true, &old);
	uint64_t cfgs = 0;
	vcsr_rmw(&v->csr, VMODE_M, CSR_PMPCFG0 + (i / 8) * 2, VCSR_RS, 0, false, &cfgs);
	cfgs = (cfgs & ~(0xffUL << (8 * (i % 8)))) | (uint64_t)cfg << (8 * (i % 8));
	vcsr_rmw(&v->csr, VMODE_M, CSR_PMPCFG0 + (i / 8) * 2, VCSR_RW, cfgs, true, &old);
	shadow_flush_all(v); /* what emulate_csr() does on VCSR_PMP */
	fenced = true;
}

/* The view's privilege and status, as shadow.c fills it. */
struct view_ctx {
	enum vmode mode;
	bool sum, mxr, paged;
	enum vmode pmp_mode;
};

static void check_leaf(void *ctx, int view, uint64_t va, int level, uint64_t pte)
{
	const struct view_ctx *c = ctx;
	(void)view;
	uint64_t size = 4096UL << (9 * level), hpa = (pte >> 10) << 12;
	static const struct {
		uint64_t bit;
		enum gwalk_access acc;
		unsigned pmp;
	} perms[] = {{PTE_R, GW_LOAD, PMP_R}, {PTE_W, GW_STORE, PMP_W}, {PTE_X, GW_FETCH, PMP_X}};
	for (int i = 0; i < 3; i++) {
		if (!(pte & perms[i].bit))
			continue;
		uint64_t gpa = va;
		if (c->paged) {
			uint64_t saved = v->csr.mstatus, satp = v->csr.satp;
			v->csr.mstatus = (saved & ~(SSTATUS_SUM | SSTATUS_MXR)) |
			                 (c->sum ? SSTATUS_SUM : 0) | (c->mxr ? SSTATUS_MXR : 0);
			enum gwalk_status st =
			    shadow_walk(v, va, perms[i].acc, c->mode, false, &gpa);
			/*
			 * A global leaf (shared between spaces) may come from any
			 * space's table (§4.3.1): one of the guest's roots allows it.
			 */
			for (int k = 0; (pte & SHADOW_PTE_GLOBAL) && k < 8; k++) {
				if (st == GW_OK && hpa == v->vm->ram_hpa + (gpa - v->vm->ram_gpa))
					break;
				v->csr.satp = (satp & 0xfUL << 60) | ((TABLES >> 12) + k);
				st = shadow_walk(v, va, perms[i].acc, c->mode, false, &gpa);
			}
			v->csr.satp = satp;
			v->csr.mstatus = saved;
			REQUIRE(st == GW_OK);
		}
		/* the leaf maps what the guest maps */
		REQUIRE(hpa == v->vm->ram_hpa + (gpa - v->vm->ram_gpa));
		int pp = pmp_perms(&v->csr, c->pmp_mode, gpa, size);
		REQUIRE(pp >= 0 && (pp & perms[i].pmp));
	}
}

/*
 * Every leaf of every cached space is allowed by that space's own guest
 * table (its key), as the current one is by the guest's satp.
 */
static void check_spaces(void)
{
	uint64_t satp = v->csr.satp, status = v->csr.mstatus;
	enum vmode mode = v->mode;
	for (int i = 0; i < SHADOW_SPACES; i++) {
		if (v->shadow.space[i].key == SHADOW_NO_KEY)
			continue;
		v->csr.satp = v->shadow.space[i].key;
		static const struct {
			enum shadow_view view;
			enum vmode mode;
			bool sum;
		} views[] = {{VIEW_U, VMODE_U, false},
		             {VIEW_S, VMODE_S, false},
		             {VIEW_S_SUM, VMODE_S, true}};
		for (int p = 0; p < 3; p++) {
			struct view_ctx c = {.mode = views[p].mode,
			                     .sum = views[p].sum,
			                     .mxr = status & SSTATUS_MXR,
			                     .paged = true,
			                     .pmp_mode = views[p].mode};
			hostvm_each_space_leaf(v, i, views[p].view, check_leaf, &c);
		}
	}
	v->csr.satp = satp;
	v->mode = mode;
}

static void check_view(void)
{
	if (!fenced)
		return;
	if (!v->csr.has_m)
		check_spaces();
	enum shadow_view view = shadow_view_of(v);
	struct view_ctx c = {
	    .mode = v->mode,
	    .sum = v->csr.mstatus & SSTATUS_SUM,
	    .mxr = v->csr.mstatus & SSTATUS_MXR,
	    .paged = view == VIEW_U || view == VIEW_S || view == VIEW_S_SUM,
	    .pmp_mode = view == VIEW_M || view == VIEW_M_MPRV ? VMODE_M : v->mode,
	};
	hostvm_each_leaf(v, view, check_leaf, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t setup = reader_u8(&r);
	v = hostvm_create(4 * MIB, setup & 1, 0);
	fenced = true;
	if (!(setup & 2) &&
	    v->csr.has_m) { /* usually: PMP open to S and U, as firmware leaves it */
		v->csr.pmpaddr[15] = ~0UL >> 10;
		v->csr.pmpcfg[15] = 0x1f;
	}
	for (int steps = 0; r.size && steps < 64; steps++) {
		uint8_t op = reader_u8(&r);
		uint64_t old;
		switch (op % 8) {
		case 0:
		case 1: { /* the guest writes a PTE */
			uint64_t *t = hostvm_gpa(TABLES + reader_u8(&r) % 8 * 4096);
			unsigned idx = reader_u8(&r) & 1 ? reader_u16(&r) % 512 : reader_u8(&r) % 4;
			t[idx] = (pick_gpa(&r) >> 12) << 10 | reader_u8(&r) |
			         (reader_u8(&r) == 0xff ? 1UL << 60 : 0);
			fenced = false;
			break;
		}
		case 2: {                          /* satp, mode, status */
			uint8_t k = reader_u8(&r); /* a root of eight, an ASID of four */
			uint64_t mode = k & 0x40   ? 10UL << 60
			                : k & 0x20 ? SATP_MODE_SV48
			                           : SATP_MODE_SV39;
			uint64_t satp = op & 0x80 ? 0
			                          : mode | (uint64_t)(k >> 3 & 3) << 44 |
			                                ((TABLES >> 12) + k % 8);
			uint64_t st = reader_u64(&r);
			vcsr_rmw(&v->csr, VMODE_M, CSR_SATP, VCSR_RW, satp, true, &old);
			unsigned fx = vcsr_rmw(&v->csr, v->csr.has_m ? VMODE_M : VMODE_S,
			                       v->csr.has_m ? CSR_MSTATUS : CSR_SSTATUS, VCSR_RW,
			                       (st & ~SSTATUS_FS) | SSTATUS_FS, true, &old);
			(void)fx;
			if (fx & VCSR_MXR) { /* as emulate_csr() */
				shadow_flush(v, true, 0);
				fenced = true;
			}
			shadow_switch(v); /* cached spaces survive: no flush */
			static const enum vmode modes[] = {VMODE_U, VMODE_S, VMODE_M, VMODE_S};
			v->mode = modes[(op >> 3) & 3];
			if (v->mode == VMODE_M && !v->csr.has_m)
				v->mode = VMODE_S;
			break;
		}
		case 3:
			if (v->csr.has_m)
				set_pmp(&r);
			break;
		case 4: { /* sfence.vma, every form; or an SBI RFENCE range */
			bool all_va = op & 0x10, all_asid = op & 0x20;
			uint64_t va = all_va ? 0 : pick_va(&r), asid = reader_u8(&r) % 5;
			uint64_t pages = op & 0x40 ? 1 + reader_u8(&r) % 64 : 1;
			uint64_t ahead = v->shadow.ahead;
			shadow_fence(v, all_va, va, pages, all_asid, asid);
			/* at most the one page a one-page fence names is filled ahead */
			REQUIRE(v->shadow.ahead - ahead <= (!all_va && pages == 1));
			if (all_va && all_asid)
				fenced = true;
			break;
		}
		default: { /* a fault */
			static const uint64_t causes[] = {CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE,
			                                  CAUSE_STORE_PAGE};
			uint64_t cause = causes[(op >> 3) % 3], va = pick_va(&r);
			uint64_t ahead = v->shadow.ahead;
			enum shadow_fault f = shadow_fault(v, cause, va);
			REQUIRE(f <= SHADOW_EMULATE);
			/* fault-around: only after a fill, within its 16-page window */
			REQUIRE(v->shadow.ahead - ahead <= (f == SHADOW_FILLED ? 15 : 0));
			if (f == SHADOW_FILLED) { /* progress: the access now goes through */
				uint64_t need = cause == CAUSE_FETCH_PAGE  ? PTE_X
				                : cause == CAUSE_LOAD_PAGE ? PTE_R
				                                           : PTE_W;
				uint64_t hpa;
				REQUIRE(shadow_lookup(v, va, need, &hpa) == 0);
			}
			break;
		}
		}
		hostvm_check_shadow(v);
		check_view();
	}
	return 0;
}
