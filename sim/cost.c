// SPDX-License-Identifier: GPL-2.0-only
/*
 * The acceptance cost model (../shared/docs/accept-cost.md section 3): the
 * presets D1 (2022 claim fit), D2 (current TDX, 4K host), D3 (current SNP)
 * and "none", the boot-time formula, and loading a probe calibration file
 * over a preset.  The key -> parameter mapping is in docs/probe-format.md.
 */
#include <math.h>
#include <string.h>
#include "calib.h"
#include "cost.h"

G_DEFINE_QUARK(sim-cost-error-quark, cost_error)

#define PAGES_4K_PER_GIB	262144.0	/* 1 GiB / 4 KiB */
#define PAGES_2M_PER_GIB	512.0		/* 1 GiB / 2 MiB */
#define SZ_4K			4096ULL
#define SZ_2M			(2ULL << 20)
#define SZ_1G			(1ULL << 30)

struct preset {
	const char *name;
	const char *summary;		/* one line for the docs and describe() */
	double a_s_per_gib;		/* 4K-host acceptance rate, s/GiB */
	double t_fixed_s;		/* s */
	double c_mem_s_per_gib;		/* s/GiB */
	double k_fw_gib;		/* GiB */
	double w_gib;			/* GiB */
	double f_meta;			/* fraction of M */
};

/*
 * accept-cost.md 3.2.  D1 only fixes K_fw + W = 0.25 GiB: all of it is put
 * in w, the memory a lazy boot accepts for the kernel and its early
 * allocations, which the simulator reproduces from the boot workload (a
 * k_fw of 0.25 would count it twice: firmware-accepted memory is where
 * the kernel lands).  D2 and D3 split K = 2.25 GiB as TDVF's ~2 GiB below
 * 4G plus W = 0.25 GiB.
 */
static const struct preset presets[] = {
	{ "tdx-claim-2022", "D1: fit to the 2022 2.5x/4x lazy-accept claims",
	  0.655, 0.64, 0.19, 0.0, 0.25, 1.0 / 64 },
	{ "tdx-4k-host", "D2: current TDX, 1 vCPU, host maps private memory at 4K",
	  0.667, 8.0, 0.02, 2.0, 0.25, 1.0 / 64 },
	{ "snp", "D3: current SEV-SNP, fitted to 128 GiB lazy 22 s / eager 227 s",
	  1.64, 11.5, 0.02, 2.0, 0.25, 1.0 / 64 },
	{ "none", "no confidential computing: nothing to accept",
	  0.0, 8.0, 0.02, 0.0, 0.0, 0.0 },
};

static const char *const preset_names[] = {
	"tdx-claim-2022", "tdx-4k-host", "snp", "none", NULL,
};

static const char *const param_names[NR_COST_PARAMS] = {
	[COST_T_TDCALL_RT] = "t_tdcall_rt",
	[COST_T_VMM_RT] = "t_vmm_rt",
	[COST_T_ACC4K] = "t_acc4k",
	[COST_T_ACC2M_HOSTBIG] = "t_acc2m_hostbig",
	[COST_HOST_2M] = "host_2m",
	[COST_T_FAULT4K] = "t_fault4k",
	[COST_P_PAR] = "p_par",
	[COST_T_FIXED] = "t_fixed_s",
	[COST_C_MEM] = "c_mem_s_per_gib",
	[COST_K_FW] = "k_fw_gib",
	[COST_W] = "w_gib",
	[COST_F_META] = "f_meta",
};

const char *const *cost_model_preset_names(void)
{
	return preset_names;
}

const char *cost_param_name(enum cost_param p)
{
	g_return_val_if_fail(p < NR_COST_PARAMS, "?");
	return param_names[p];
}

const char *cost_origin_name(enum cost_origin o)
{
	switch (o) {
	case COST_MEASURED:
		return "measured";
	case COST_INFERRED:
		return "inferred";
	default:
		return "preset";
	}
}

double cost_accept_s_per_gib(const struct cost_model *cm)
{
	if (cm->host_2m)
		return PAGES_2M_PER_GIB * cm->t_acc2m_hostbig * 1e-9;
	return PAGES_4K_PER_GIB * cm->t_acc4k * 1e-9;
}

/* Whole 2M units at t_acc2m_hostbig with host_2m, the rest in 4K pages. */
uint64_t cost_accept_ns(const struct cost_model *cm, uint64_t bytes)
{
	double ns = 0;

	if (cm->host_2m) {
		ns += (double)(bytes / SZ_2M) * cm->t_acc2m_hostbig;
		bytes %= SZ_2M;
	}
	ns += (double)((bytes + SZ_4K - 1) / SZ_4K) * cm->t_acc4k;
	return (uint64_t)llround(ns);
}

double cost_parallel_speedup(const struct cost_model *cm, unsigned int n)
{
	if (n < 1)
		n = 1;
	return 1.0 / ((1.0 - cm->p_par) + cm->p_par / n);
}

double cost_boot_time_s(const struct cost_model *cm, double mem_gib, bool lazy,
			unsigned int vcpus)
{
	double accepted = lazy ? cm->k_fw_gib + cm->w_gib + cm->f_meta * mem_gib : mem_gib;

	return cm->t_fixed_s + cm->c_mem_s_per_gib * mem_gib +
	       cost_accept_s_per_gib(cm) * accepted / cost_parallel_speedup(cm, vcpus);
}

bool cost_model_preset(const char *name, struct cost_model *cm, GError **error)
{
	const struct preset *p = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(presets); i++)
		if (name && !strcmp(presets[i].name, name))
			p = &presets[i];
	if (!p) {
		g_autofree char *list = g_strjoinv(", ", (char **)preset_names);

		g_set_error(error, COST_ERROR, COST_ERROR_UNKNOWN,
			    "unknown cost-model preset '%s' (presets: %s)", name ? name : "", list);
		return false;
	}
	memset(cm, 0, sizeof(*cm));
	g_strlcpy(cm->name, p->name, sizeof(cm->name));
	cm->t_tdcall_rt = p->a_s_per_gib > 0 ? 1000.0 : 0.0;
	cm->t_vmm_rt = p->a_s_per_gib > 0 ? 3500.0 : 0.0;
	cm->t_acc4k = p->a_s_per_gib * 1e9 / PAGES_4K_PER_GIB;
	cm->t_acc2m_hostbig = p->a_s_per_gib > 0 ? 200000.0 : 0.0;
	cm->host_2m = false;
	cm->t_fault4k = 250.0;
	cm->p_par = 0.44;
	cm->t_fixed_s = p->t_fixed_s;
	cm->c_mem_s_per_gib = p->c_mem_s_per_gib;
	cm->k_fw_gib = p->k_fw_gib;
	cm->w_gib = p->w_gib;
	cm->f_meta = p->f_meta;
	for (int i = 0; i < NR_COST_PARAMS; i++)
		cm->origin[i] = COST_PRESET;
	return true;
}

const char *cost_model_default_fallback(const char *platform)
{
	if (platform && !strcmp(platform, "snp"))
		return "snp";
	return "tdx-4k-host";	/* tdx, and none: its file only brings fault costs */
}

/* ---- from a calibration file ---- */

static enum cost_origin origin_of(const struct calib_entry *e)
{
	return e->origin == CALIB_INFERRED ? COST_INFERRED : COST_MEASURED;
}

/* The first of @keys the file has: a NUMBER's value or a DIST's p50. */
static const struct calib_entry *pick(const struct calib_file *cf, const char *const *keys,
				      double *v)
{
	for (; *keys; keys++) {
		const struct calib_entry *e = calib_file_lookup(cf, *keys);

		if (!e || !e->nr)
			continue;
		*v = e->kind == CALIB_DIST ? e->v[CALIB_P50] : e->v[0];
		return e;
	}
	return NULL;
}

static void set_param(struct cost_model *cm, enum cost_param p, double *field, double v,
		      enum cost_origin o)
{
	*field = v;
	cm->origin[p] = o;
}

static bool check_fraction(const struct calib_file *cf, const struct calib_entry *e, double v,
			   GError **error)
{
	if (v >= 0 && v <= 1)
		return true;
	g_set_error(error, COST_ERROR, COST_ERROR_VALUE, "%s:%u: key '%s': %g is outside 0..1",
		    calib_file_name(cf), e->line, e->key, v);
	return false;
}

bool cost_model_from_calib(const struct calib_file *cf, const char *fallback,
			   struct cost_model *cm, GError **error)
{
	static const char *const k_tdcall[] = { "model.t_tdcall_rt", "tdcall.vp_info",
						"exit.module_rt", NULL };
	static const char *const k_hcall[] = { "model.t_vmm_rt", "hcall.vmm_rt", NULL };
	static const char *const k_fault[] = { "model.t_fault4k", "fault4k.accepted", NULL };
	static const char *const k_ppar[] = { "model.p_par", "accept.p_par", "p_par", NULL };
	static const char *const k_acc4k[] = { "model.t_acc4k", "accept.per_4k_equiv", NULL };
	static const char *const k_acc2m[] = { "model.t_acc2m_hostbig", NULL };
	static const char *const k_rate[] = { "accept.per_gib_s", NULL };
	static const char *const k_host2m[] = { "model.host_2m", "host_2m", NULL };
	static const struct {
		const char *key;
		enum cost_param param;
		size_t offset;
	} boot[] = {
		{ "model.t_fixed_s", COST_T_FIXED, G_STRUCT_OFFSET(struct cost_model, t_fixed_s) },
		{ "model.c_mem_s_per_gib", COST_C_MEM,
		  G_STRUCT_OFFSET(struct cost_model, c_mem_s_per_gib) },
		{ "model.k_fw_gib", COST_K_FW, G_STRUCT_OFFSET(struct cost_model, k_fw_gib) },
		{ "model.w_gib", COST_W, G_STRUCT_OFFSET(struct cost_model, w_gib) },
		{ "model.f_meta", COST_F_META, G_STRUCT_OFFSET(struct cost_model, f_meta) },
	};
	const char *platform = calib_file_string(cf, "platform", "none");
	bool cvm = strcmp(platform, "none") != 0;
	const struct calib_entry *e;
	g_autofree char *base = g_path_get_basename(calib_file_name(cf));
	double v;

	if (!fallback)
		fallback = cost_model_default_fallback(platform);
	if (!cost_model_preset(fallback, cm, error))
		return false;
	g_snprintf(cm->name, sizeof(cm->name), "file:%s", base);
	g_strlcpy(cm->fallback, fallback, sizeof(cm->fallback));

	/* Exits: only a confidential guest has a TDX module or #VC handler to time. */
	e = pick(cf, k_tdcall, &v);
	if (e && (cvm || g_str_has_prefix(e->key, "model.") || !strcmp(e->key, "tdcall.vp_info")))
		set_param(cm, COST_T_TDCALL_RT, &cm->t_tdcall_rt, v, origin_of(e));
	e = pick(cf, k_hcall, &v);
	if (e) {
		set_param(cm, COST_T_VMM_RT, &cm->t_vmm_rt, v, origin_of(e));
	} else if (cvm && (e = calib_file_lookup(cf, "exit.vmm_rt"))) {
		/* Subtract what the exit shares with the local one (#VE or #VC handling). */
		const struct calib_entry *local = calib_file_lookup(cf, "exit.ve_local");
		double vmm = e->v[CALIB_P50];
		enum cost_origin o = origin_of(e);

		if (!local)
			local = calib_file_lookup(cf, "exit.module_rt");
		if (local && local->v[CALIB_P50] < vmm) {
			vmm -= local->v[CALIB_P50];
			if (local->origin == CALIB_INFERRED)
				o = COST_INFERRED;
		}
		set_param(cm, COST_T_VMM_RT, &cm->t_vmm_rt, vmm, o);
	}

	e = pick(cf, k_fault, &v);
	if (e)
		set_param(cm, COST_T_FAULT4K, &cm->t_fault4k, v, origin_of(e));

	e = pick(cf, k_ppar, &v);
	if (e) {
		if (!check_fraction(cf, e, v, error))
			return false;
		set_param(cm, COST_P_PAR, &cm->p_par, v, origin_of(e));
	}

	e = pick(cf, k_host2m, &v);
	if (e && v >= 0) {
		cm->host_2m = v > 0;
		cm->origin[COST_HOST_2M] = origin_of(e);
	}

	/* Acceptance: per 4K on a 4K host, per 2M when the host maps 2M. */
	if (!cm->host_2m) {
		e = pick(cf, k_acc4k, &v);
		if (!e && (e = pick(cf, k_rate, &v)))
			v = v * 1e9 / PAGES_4K_PER_GIB;
		if (e)
			set_param(cm, COST_T_ACC4K, &cm->t_acc4k, v, origin_of(e));
	}
	e = pick(cf, k_acc2m, &v);
	if (!e && cm->host_2m) {
		if ((e = pick(cf, k_rate, &v)))
			v = v * 1e9 / PAGES_2M_PER_GIB;
		else if ((e = pick(cf, k_acc4k, &v)))
			v *= SZ_2M / SZ_4K;
	}
	if (e)
		set_param(cm, COST_T_ACC2M_HOSTBIG, &cm->t_acc2m_hostbig, v, origin_of(e));

	for (gsize i = 0; i < G_N_ELEMENTS(boot); i++) {
		e = calib_file_lookup(cf, boot[i].key);
		if (!e)
			continue;
		set_param(cm, boot[i].param, G_STRUCT_MEMBER_P(cm, boot[i].offset), e->v[0],
			  origin_of(e));
	}
	return true;
}

bool cost_model_load(const char *spec, const char *fallback, struct cost_model *cm,
		     GError **error)
{
	struct calib_file *cf;
	bool ok;

	g_return_val_if_fail(spec != NULL, false);
	for (const char *const *n = preset_names; *n; n++)
		if (!strcmp(*n, spec))
			return cost_model_preset(spec, cm, error);
	if (!g_file_test(spec, G_FILE_TEST_EXISTS)) {
		g_autofree char *list = g_strjoinv(", ", (char **)preset_names);

		g_set_error(error, COST_ERROR, COST_ERROR_UNKNOWN,
			    "cost model '%s' is neither a preset (%s) nor an existing file",
			    spec, list);
		return false;
	}
	cf = calib_file_load(spec, error);
	if (!cf)
		return false;
	ok = cost_model_from_calib(cf, fallback, cm, error);
	calib_file_free(cf);
	return ok;
}

void cost_model_describe(const struct cost_model *cm, GString *out)
{
	static const char *const units[NR_COST_PARAMS] = {
		[COST_T_TDCALL_RT] = "ns", [COST_T_VMM_RT] = "ns", [COST_T_ACC4K] = "ns",
		[COST_T_ACC2M_HOSTBIG] = "ns", [COST_HOST_2M] = "", [COST_T_FAULT4K] = "ns",
		[COST_P_PAR] = "", [COST_T_FIXED] = "s", [COST_C_MEM] = "s/GiB",
		[COST_K_FW] = "GiB", [COST_W] = "GiB", [COST_F_META] = "",
	};
	const double values[NR_COST_PARAMS] = {
		cm->t_tdcall_rt, cm->t_vmm_rt, cm->t_acc4k, cm->t_acc2m_hostbig, cm->host_2m,
		cm->t_fault4k, cm->p_par, cm->t_fixed_s, cm->c_mem_s_per_gib, cm->k_fw_gib,
		cm->w_gib, cm->f_meta,
	};

	if (cm->fallback[0])
		g_string_append_printf(out, "cost model %s (missing values from preset %s)\n",
				       cm->name, cm->fallback);
	else
		g_string_append_printf(out, "cost model %s (preset)\n", cm->name);
	for (int p = 0; p < NR_COST_PARAMS; p++) {
		char num[32];

		if (p == COST_HOST_2M)
			g_strlcpy(num, cm->host_2m ? "yes" : "no", sizeof(num));
		else if (!strcmp(units[p], "ns"))
			g_snprintf(num, sizeof(num), "%.1f", values[p]);
		else
			g_snprintf(num, sizeof(num), "%.4g", values[p]);
		g_string_append_printf(out, "  %-16s %12s %-6s %s\n", param_names[p], num, units[p],
				       cost_origin_name(cm->origin[p]));
	}
	g_string_append_printf(out, "  accept rate      %12.3f s/GiB on one vCPU, at most %.2fx faster in parallel\n",
			       cost_accept_s_per_gib(cm),
			       cm->p_par < 1 ? 1.0 / (1.0 - cm->p_par) : INFINITY);
}
