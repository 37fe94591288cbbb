// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder until the checklist suite lands; exercises a short run under the validator. */
#include "helpers.h"
#include "sim/mm.h"

static void test_boot_is_valid(void)
{
	struct sim_config cfg;
	struct pgdat *pgdat;
	g_autoptr(GString) why = g_string_new(NULL);

	sim_config_init(&cfg);
	cfg.mem_bytes = 256ULL << 20;
	pgdat = pgdat_create(&cfg, NULL);
	CU_ASSERT_FATAL(pgdat != NULL);
	CU_ASSERT(pgdat_is_valid(pgdat, why));
	pgdat_destroy(pgdat);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("mm");

	tests_add(s, "mm: a fresh guest passes the validator", test_boot_is_valid);
}
