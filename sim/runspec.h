/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One simulation, fully described: guest, kernel era, acceptance policy,
 * cost model, firmware behaviour, workload and seed.  'run' executes one;
 * studies execute many.  The result is a JSON object of metrics.
 */
#ifndef SIM_RUNSPEC_H
#define SIM_RUNSPEC_H

#include <json-glib/json-glib.h>
#include "mm.h"
#include "options.h"

/*
 * Whether a run generates its requests on a second thread, overlapping
 * with the model (batchable workloads only; the results are the same).
 * Auto: when a core is spare for it (run_spec_execute(), study_execute()).
 */
enum pipeline_mode {
	PIPELINE_AUTO,
	PIPELINE_ON,
	PIPELINE_OFF,
};

/* Should each of @in_flight concurrent runs have a producer thread? */
bool pipeline_wanted(enum pipeline_mode mode, uint64_t in_flight);

struct run_spec {
	struct sim_config cfg;
	char *policy;			/* "watermark:target=high" */
	char *cost_model;		/* preset name or probe file */
	char *firmware_accept;		/* "below-4g", "none", "all" or a size; NULL = cost model's */
	uint64_t fake_unaccepted_start;	/* bytes, 0 = off */
	char *workload;
	GHashTable *wl_kv;		/* workload options */
	uint64_t seed;
	bool reclaim;			/* memory pressure model (reclaim, compaction, OOM) */
	bool compaction;		/* ... with compaction */
	unsigned int proactiveness;	/* vm.compaction_proactiveness */
	uint64_t swap_bytes;		/* anon reclaimable into this much swap */
	uint64_t max_mem_bytes;		/* simulator memory allowed, bytes; 0 = 80% of RAM */
	enum pipeline_mode pipeline;	/* generate requests on a second thread (same
					   results); auto: when a core is spare */
};

/* Everything a simulating command takes besides the model options. */
struct run_opts {
	char *policy;
	char *cost_model;
	char *firmware_accept;
	char *fake_unaccepted_start;
	char *workload;
	char **wl_opts;
	gint64 seed;
	char *swap;
	char *scenario;
	gboolean no_reclaim;
	gboolean no_compaction;
	gboolean pipeline;
	gboolean no_pipeline;
	int proactiveness;
	char *max_mem;
};

/* The defaults: policy none, cost tdx-4k-host, workload random, seed 1, reclaim on. */
void run_spec_init(struct run_spec *rs);
/* --pipeline / --no-pipeline as a mode; both at once is a usage error. */
bool run_opts_pipeline(const struct run_opts *ro, enum pipeline_mode *mode, GError **error);

GOptionEntry *run_opts_entries(struct run_opts *o);
void run_opts_init(struct run_opts *o);
void run_opts_clear(struct run_opts *o);
bool run_spec_from_opts(struct run_spec *rs, const struct model_opts *mo,
			const struct run_opts *ro, GError **error);
void run_spec_clear(struct run_spec *rs);

/*
 * Set one setting by name, the vocabulary shared by scenario files,
 * "compare --config NAME:key=value,..." and the command line: mem,
 * below-4g, kernel, cpus, pcp, thp, watermark-scale-factor,
 * watermark-boost-factor, min-free-kbytes, policy, cost-model,
 * firmware-accept, fake-unaccepted-start, workload, seed, reclaim,
 * compaction, compaction-proactiveness, swap, and wl.KEY for a workload
 * option.  Errors name the key.
 */
bool run_spec_set(struct run_spec *rs, const char *key, const char *value, GError **error);

/* The keys run_spec_set() knows, NULL-terminated (wl.* aside). */
const char *const *run_spec_keys(void);

enum run_output {
	RUN_OUTPUT_JSON,		/* metrics object */
	RUN_OUTPUT_TEXT,		/* human summary */
};

/*
 * Execute @rs.  On success *@json holds the metrics object and, if @text
 * is not NULL, a human summary is appended to it.
 */
bool run_spec_execute(const struct run_spec *rs, JsonNode **json, GString *text,
		      bool pagetypeinfo, GError **error);

#endif /* SIM_RUNSPEC_H */
