// SPDX-License-Identifier: GPL-2.0-only
/* Fragmentation indices against hand-computed values (checklist 59, 60). */
#include "helpers.h"
#include "sim/frag.h"

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

void tests_register(void)
{
	CU_pSuite s = tests_add_suite("frag");

	tests_add(s, "59: unusable free space index", test_item59_unusable_index);
	tests_add(s, "60: fragmentation index", test_item60_fragmentation_index);
	tests_add(s, "frag: debugfs line layout", test_debugfs_layout);
}
