// SPDX-License-Identifier: GPL-2.0-only
/* Fragmentation indices against hand-computed values (checklist 59, 60). */
#include <string.h>
#include "helpers.h"
#include "sim/frag.h"
#include "sim/mm.h"
#include "sim/report.h"

static int unusable(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(nr_free, order, &info);
	return unusable_free_index(order, &info);
}

static int fragidx(const uint64_t nr_free[NR_PAGE_ORDERS], unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(nr_free, order, &info);
	return fragmentation_index(order, &info);
}

/* 59: floor((F - S_r * 2^r) * 1000 / F); 1000 when nothing is free. */
static void test_item59_unusable_index(void)
{
	uint64_t none[NR_PAGE_ORDERS] = { 0 };
	/* 4 order-0 + 1 order-5 = 36 pages */
	uint64_t mix[NR_PAGE_ORDERS] = { 4, 0, 0, 0, 0, 1 };

	ASSERT_EQ(unusable(none, 0), 1000);
	ASSERT_EQ(unusable(mix, 0), 0);
	ASSERT_EQ(unusable(mix, 1), 4 * 1000 / 36);		/* 111 */
	ASSERT_EQ(unusable(mix, 5), 4 * 1000 / 36);
	ASSERT_EQ(unusable(mix, 6), 1000);
}

/* 60: -1000 if a block >= r is free, 0 without free blocks, else the formula. */
static void test_item60_fragmentation_index(void)
{
	uint64_t none[NR_PAGE_ORDERS] = { 0 };
	uint64_t mix[NR_PAGE_ORDERS] = { 4, 0, 0, 0, 0, 1 };

	ASSERT_EQ(fragidx(none, 3), 0);
	ASSERT_EQ(fragidx(mix, 5), -1000);
	/* r = 6: 1000 - (1000 + 36000/64) / 5 = 1000 - 1562/5 = 1000 - 312 */
	ASSERT_EQ(fragidx(mix, 6), 688);
}

static void test_debugfs_layout(void)
{
	uint64_t mix[NR_PAGE_ORDERS] = { 4, 0, 0, 0, 0, 1 };
	g_autoptr(GString) u = g_string_new(NULL);
	g_autoptr(GString) e = g_string_new(NULL);

	frag_print_unusable_line(u, 0, "DMA32", mix);
	frag_print_extfrag_line(e, 0, "DMA32", mix);
	CU_ASSERT_STRING_EQUAL(u->str, "Node 0, zone    DMA32 0.000 0.111 0.111 0.111 0.111 "
			       "0.111 1.000 1.000 1.000 1.000 1.000 \n");
	CU_ASSERT_STRING_EQUAL(e->str, "Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 "
			       "-1.000  0.688  0.744  0.772  0.786  0.793 \n");
}

/*
 * 59, 60 on the model's zones: the indices read the buddy lists only
 * (section 8), so pages cached on PCP lists count as not free.
 */
static void test_frag_item59_buddy_lists_only(void)
{
	struct sim_config cfg;
	struct pgdat *pgdat;
	const struct zone *dma32;
	uint64_t nr_free[NR_PAGE_ORDERS], pages = 0;
	struct mm_page_census c;
	g_autoptr(GString) model = g_string_new(NULL);
	g_autoptr(GString) want = g_string_new(NULL);
	uint32_t pfn;

	sim_config_init(&cfg);
	cfg.mem_bytes = 128ULL << 20;
	cfg.reserved_bytes = 0;
	pgdat = pgdat_create(&cfg, NULL);
	CU_ASSERT_FATAL(pgdat != NULL);
	dma32 = &pgdat->zones[ZONE_DMA32];
	pfn = sim_alloc_pages(pgdat, 0, GFP_HIGHUSER_MOVABLE, 0);
	CU_ASSERT_FATAL(pfn != PFN_NONE);
	pgdat_census(pgdat, &c);
	CU_ASSERT(c.pcp > 0);

	zone_nr_free(dma32, nr_free);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		pages += nr_free[o] << o;
	ASSERT_EQ(pages, dma32->nr_free_pages);
	ASSERT_EQ(pages + c.pcp + 1, dma32->managed_pages);
	/* the DMA32 line of the model's unusable_index is that of its buddy lists */
	report_unusable_index(pgdat, model);
	frag_print_unusable_line(want, 0, "DMA32", nr_free);
	CU_ASSERT_PTR_NOT_NULL(strstr(model->str, want->str));
	g_string_truncate(model, 0);
	g_string_truncate(want, 0);
	report_extfrag_index(pgdat, model);
	frag_print_extfrag_line(want, 0, "DMA32", nr_free);
	CU_ASSERT_PTR_NOT_NULL(strstr(model->str, want->str));

	sim_free_pages(pgdat, 0, pfn, 0);
	CU_ASSERT(pgdat_is_valid(pgdat, NULL));
	pgdat_destroy(pgdat);
}

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("frag");

	tests_add(s, "59: unusable free space index", test_item59_unusable_index);
	tests_add(s, "60: fragmentation index", test_item60_fragmentation_index);
	tests_add(s, "frag: debugfs line layout", test_debugfs_layout);
	tests_add(s, "59, 60: the model's indices read the buddy lists, not the PCP lists",
		  test_frag_item59_buddy_lists_only);
}
