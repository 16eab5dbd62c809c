/*
 * bench/insn-count.c — a QEMU TCG plugin (QEMU 7.2, plugin API version 1)
 * that counts the guest instructions QEMU executes, for the "share of guest
 * instructions executed directly" rows of `make bench` (bench/README.md).
 *
 * Used on the *bare* machine only (popek run --bare with POPEK_QEMU set to
 * a wrapper that adds -plugin; bench/run builds both in build/bench/).  Every
 * executed instruction adds one to a counter (an inline add per instruction,
 * so an instruction that faults before it completes is not counted twice: its
 * retranslated TB counts it when it finally runs).  Instructions whose TB
 * starts in [fw_lo, fw_hi) are counted apart as "firmware": that is where
 * OpenSBI runs in M-mode (physical addresses, no translation), so bench/run
 * can leave the firmware out of the guest's count.
 *
 *   -plugin build/bench/insn-count.so,out=FILE[,fw_lo=0x80000000,fw_hi=0x80200000]
 *
 * At exit it writes to FILE one line:
 *   insn-count total=N firmware=F
 *
 * No QEMU header is needed: the handful of declarations below are the
 * plugin API of QEMU 7.2 (include/qemu/qemu-plugin.h, QEMU_PLUGIN_VERSION 1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
                                                void *, uint64_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t total, firmware; /* one vCPU (-smp 1): plain adds are exact */
static uint64_t fw_lo = 0x80000000, fw_hi = 0x80200000;
static char *out_path;

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	uint64_t *ctr = pc >= fw_lo && pc < fw_hi ? &firmware : &total;
	size_t n = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < n; i++)
		qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i),
		                                           QEMU_PLUGIN_INLINE_ADD_U64, ctr, 1);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	(void)id, (void)p;
	FILE *f = fopen(out_path, "w");
	if (!f)
		return;
	/* total counts every instruction, firmware's included */
	fprintf(f, "insn-count total=%" PRIu64 " firmware=%" PRIu64 "\n", total + firmware,
	        firmware);
	fclose(f);
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out_path = strdup(argv[i] + 4);
		else if (!strncmp(argv[i], "fw_lo=", 6))
			fw_lo = strtoull(argv[i] + 6, NULL, 0);
		else if (!strncmp(argv[i], "fw_hi=", 6))
			fw_hi = strtoull(argv[i] + 6, NULL, 0);
		else {
			fprintf(stderr, "insn-count: unknown argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (!out_path) {
		fprintf(stderr, "insn-count: needs out=FILE\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
