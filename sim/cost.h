/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The acceptance cost model (../shared/docs/accept-cost.md section 3):
 * per-operation costs, the boot-time model and its presets, and loading a
 * calibration file written by the in-guest probe (section 4.6).
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/* Where a parameter's value came from. */
enum cost_origin {
	COST_PRESET,		/* the named preset */
	COST_MEASURED,		/* a probe file, measured */
	COST_INFERRED,		/* a probe file, inferred (e.g. host_fault_est) */
};

struct cost_model {
	char name[64];			/* preset name, or "file:<basename>" */
	char fallback[64];		/* preset used for keys a file lacks */

	/* Per-operation costs, ns (accept-cost.md 3.1). */
	double t_tdcall_rt;		/* trivial TDCALL / #VC round trip */
	double t_vmm_rt;		/* exit to the VMM and back */
	double t_acc4k;			/* accept one 4K page, host fault included */
	double t_acc2m_hostbig;		/* accept 2M when the host maps 2M */
	bool host_2m;			/* host backs private memory with 2M pages */
	double t_fault4k;		/* ordinary 4K fault on accepted memory */
	double p_par;			/* parallel fraction of acceptance (Amdahl) */

	/* Boot-time model (3.2), seconds and GiB. */
	double t_fixed_s;		/* fixed boot cost, s */
	double c_mem_s_per_gib;		/* boot cost growing with memory, s/GiB */
	double k_fw_gib;		/* accepted by firmware before the OS, GiB */
	double w_gib;			/* other memory accepted in a lazy boot, GiB */
	double f_meta;			/* memmap share of memory accepted anyway */

	/* Origin of each value above, in field order (for the summary). */
	enum cost_origin origin[14];
};

/* Indices into cost_model.origin[]. */
enum cost_param {
	COST_T_TDCALL_RT, COST_T_VMM_RT, COST_T_ACC4K, COST_T_ACC2M_HOSTBIG,
	COST_HOST_2M, COST_T_FAULT4K, COST_P_PAR, COST_T_FIXED, COST_C_MEM,
	COST_K_FW, COST_W, COST_F_META, NR_COST_PARAMS,
};

/*
 * Seconds to accept one GiB on one vCPU: 262144 * t_acc4k on a 4K-only
 * host, 512 * t_acc2m_hostbig with host_2m.
 */
double cost_accept_s_per_gib(const struct cost_model *cm);

/* Nanoseconds to accept @bytes on one vCPU. */
uint64_t cost_accept_ns(const struct cost_model *cm, uint64_t bytes);

/* Speed-up of acceptance on @n vCPUs: 1 / ((1 - p_par) + p_par / n). */
double cost_parallel_speedup(const struct cost_model *cm, unsigned int n);

/* Built-in presets: "tdx-claim-2022", "tdx-4k-host", "snp", "none". */
bool cost_model_preset(const char *name, struct cost_model *cm, GError **error);
const char *const *cost_model_preset_names(void);

/*
 * Load @spec: a preset name, or the path of a probe calibration file whose
 * missing keys fall back to preset @fallback.  Errors name file, line, key.
 */
bool cost_model_load(const char *spec, const char *fallback, struct cost_model *cm,
		     GError **error);

/* Human-readable description: one line per parameter with its origin. */
void cost_model_describe(const struct cost_model *cm, GString *out);

/* Errors of the cost model itself; a bad file reports CALIB_ERROR (calib.h). */
#define COST_ERROR (cost_error_quark())
GQuark cost_error_quark(void);

enum cost_error {
	COST_ERROR_UNKNOWN,		/* neither a preset nor a readable file */
	COST_ERROR_VALUE,		/* a value out of its range */
};

struct calib_file;

/*
 * Build @cm from a parsed calibration file (docs/probe-format.md lists
 * which key sets which parameter); parameters the file lacks come from
 * preset @fallback, or with @fallback NULL from
 * cost_model_default_fallback() of the file's platform.
 */
bool cost_model_from_calib(const struct calib_file *cf, const char *fallback,
			   struct cost_model *cm, GError **error);

/* The preset a file of @platform ("tdx", "snp", "none") falls back to. */
const char *cost_model_default_fallback(const char *platform);

/* Parameter names as cost_model_describe() prints them, by enum cost_param. */
const char *cost_param_name(enum cost_param p);
const char *cost_origin_name(enum cost_origin o);

/* Boot time of the 3.2 model, s: t_fixed + c_mem M + a A(M) / S(n). */
double cost_boot_time_s(const struct cost_model *cm, double mem_gib, bool lazy,
			unsigned int vcpus);

#endif /* SIM_COST_H */
