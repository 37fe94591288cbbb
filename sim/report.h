/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a run shows: /proc/buddyinfo and /proc/pagetypeinfo in the
 * kernel's own layout, debugfs extfrag indices, mixed pageblocks, and the
 * model's JSON summary.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <json-glib/json-glib.h>
#include "mm.h"

void zone_nr_free(const struct zone *zone, uint64_t nr_free[NR_PAGE_ORDERS]);
void report_buddyinfo(const struct pgdat *pgdat, GString *out);
void report_pagetypeinfo(const struct pgdat *pgdat, GString *out);
void report_unusable_index(const struct pgdat *pgdat, GString *out);
void report_extfrag_index(const struct pgdat *pgdat, GString *out);

/*
 * Pageblocks holding an allocation whose migratetype differs from the
 * block's (the page_owner "mixed" count); per block type in @per_type.
 */
uint64_t pgdat_mixed_pageblocks(const struct pgdat *pgdat, uint64_t per_type[MIGRATE_TYPES]);

/* Members describing the model's state and counters, into an open object. */
void report_json_members(const struct pgdat *pgdat, JsonBuilder *b);

/* A human summary of counters and zones. */
void report_summary(const struct pgdat *pgdat, GString *out);

/* Serialise @root, pretty-printed, with a trailing newline. */
char *json_to_string_nl(JsonNode *root);

#endif /* SIM_REPORT_H */
