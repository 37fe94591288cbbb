// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim_exit: times a trivial TDCALL (TDG.VP.INFO) and a no-op KVM
 * hypercall (KVM_HC_VAPIC_POLL_IRQ) inside a TDX or SEV-SNP guest, which
 * user space cannot issue (accept-cost.md 4.4 b), and prints them to the
 * kernel log as calibration lines that acceptsim-probe copies into its
 * file.  Loads only in a TDX or SNP guest.  It never issues
 * TDG.MEM.PAGE.ACCEPT or PVALIDATE: accepting a page the kernel still
 * tracks as unaccepted would make the kernel's own accept fail later.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/cpufeature.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#define TDG_VP_INFO	1		/* TDCALL leaf: read TD execution info */
#define BATCH		1000		/* calls per timed batch */
#define WARMUP		10000		/* calls before timing */

static unsigned int batches = 200;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "Timed batches of 1000 calls per operation (default 200)");

/* TDCALL TDG.VP.INFO: RAX = 1 in, status in RAX; RCX, RDX, R8-R11 get the info. */
static u64 tdcall_vp_info(void)
{
	u64 rax = TDG_VP_INFO;

	asm volatile(".byte 0x66, 0x0f, 0x01, 0xcc"	/* tdcall */
		     : "+a"(rax)
		     :
		     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
	return rax;
}

static void op_tdcall(void)
{
	tdcall_vp_info();
}

static void op_hypercall(void)
{
	kvm_hypercall0(KVM_HC_VAPIC_POLL_IRQ);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile @p (per mille) of sorted @v. */
static u64 pct(const u64 *v, unsigned int n, unsigned int p)
{
	unsigned int i = DIV_ROUND_UP(n * p, 1000);

	return v[clamp(i, 1U, n) - 1];
}

#define TENTHS(x)	(x) / 10, (x) % 10

/*
 * Time @op in batches of BATCH calls with interrupts off, and print
 * "@key = n p05 p50 p90 p99 max" of the per-call means in ns.
 */
static int time_op(const char *key, void (*op)(void))
{
	u64 *v = kcalloc(batches, sizeof(*v), GFP_KERNEL);
	unsigned long flags;

	if (!v)
		return -ENOMEM;
	for (unsigned int i = 0; i < WARMUP; i++)
		op();
	for (unsigned int b = 0; b < batches; b++) {
		u64 t0, t1;

		local_irq_save(flags);
		t0 = rdtsc_ordered();
		for (unsigned int i = 0; i < BATCH; i++)
			op();
		t1 = rdtsc_ordered();
		local_irq_restore(flags);
		/* tenths of ns per call: cycles * 10^7 / (tsc_khz * BATCH) */
		v[b] = div64_u64((t1 - t0) * 10000000ULL, (u64)tsc_khz * BATCH);
		cond_resched();
	}
	sort(v, batches, sizeof(*v), cmp_u64, NULL);
	pr_info("%s = %u %llu.%llu %llu.%llu %llu.%llu %llu.%llu %llu.%llu\n", key, batches,
		TENTHS(pct(v, batches, 50)), TENTHS(pct(v, batches, 500)),
		TENTHS(pct(v, batches, 900)), TENTHS(pct(v, batches, 990)),
		TENTHS(v[batches - 1]));
	kfree(v);
	return 0;
}

static int __init acceptsim_exit_init(void)
{
	bool tdx = cpu_feature_enabled(X86_FEATURE_TDX_GUEST);
	bool snp = cc_platform_has(CC_ATTR_GUEST_SEV_SNP);
	int err = 0;

	if (!tdx && !snp) {
		pr_err("not a TDX or SEV-SNP guest; refusing to load\n");
		return -ENODEV;
	}
	if (!tsc_khz || !batches || batches > 100000) {
		pr_err("no TSC frequency, or batches outside 1..100000\n");
		return -EINVAL;
	}
	pr_info("platform = %s ; cpu = %d ; tsc_khz = %u\n", tdx ? "tdx" : "snp",
		raw_smp_processor_id(), tsc_khz);
	if (tdx) {
		if (tdcall_vp_info()) {
			pr_err("TDG.VP.INFO failed\n");
			return -EIO;
		}
		err = time_op("tdcall.vp_info", op_tdcall);
	}
	if (!err && kvm_para_available())
		err = time_op("hcall.vmm_rt", op_hypercall);
	else if (!err)
		pr_info("no KVM hypervisor: hcall.vmm_rt not measured\n");
	return err;
}

static void __exit acceptsim_exit_exit(void)
{
}

module_init(acceptsim_exit_init);
module_exit(acceptsim_exit_exit);
MODULE_DESCRIPTION("acceptsim probe: TDCALL and hypercall round trips in a TDX/SNP guest");
MODULE_LICENSE("GPL");
