/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model options every simulating command takes (--mem, --cpus,
 * --kernel, ...), as a GOptionEntry table and its translation into a
 * struct sim_config.
 */
#ifndef SIM_OPTIONS_H
#define SIM_OPTIONS_H

#include <glib.h>
#include "mm.h"

struct model_opts {
	char *mem;			/* --mem SIZE */
	char *below_4g;			/* --below-4g SIZE */
	char *kernel;			/* --kernel ERA */
	int cpus;			/* --cpus N */
	gboolean no_pcp;		/* --no-pcp */
	gboolean no_thp;		/* --no-thp */
	int wsf;			/* --watermark-scale-factor */
	int boost_factor;		/* --watermark-boost-factor, -1 = default */
	char *min_free_kbytes;		/* --min-free-kbytes */
	char **holes;			/* --hole START:SIZE, repeatable */
	int check_every;		/* --check-every N (SIM_DEBUG 2) */
};

/* Entries bound to @o; defaults must be set by model_opts_init(). */
GOptionEntry *model_opts_entries(struct model_opts *o);
void model_opts_init(struct model_opts *o);
void model_opts_clear(struct model_opts *o);

/* Fill @cfg (already sim_config_init()ed) from the options. */
bool model_opts_apply(const struct model_opts *o, struct sim_config *cfg, GError **error);

#endif /* SIM_OPTIONS_H */
