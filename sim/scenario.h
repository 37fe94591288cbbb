/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario files: a workload and its machine in GKeyFile (INI) form under
 * workloads/scenarios/.  [machine] and [run] keys are run_spec_set()
 * settings, [workload] keys are workload options, [scenario] describes.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <glib.h>
#include "runspec.h"

/* Apply scenario @name (a name from the scenario directory, or a path). */
bool scenario_apply(struct run_spec *rs, const char *name, GError **error);

/* Names and descriptions of the shipped scenarios, sorted by name. */
GPtrArray *scenario_list(GPtrArray **descriptions, GError **error);

/* Where shipped scenarios are read from ($ACCEPTSIM_SCENARIOS overrides). */
const char *scenario_dir(void);

#endif /* SIM_SCENARIO_H */
