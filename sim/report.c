// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reports in the kernel's own text layouts (mm/vmstat.c: frag_show_print(),
 * pagetypeinfo_showfree_print(), pagetypeinfo_showblockcount_print(),
 * debugfs extfrag files) and the JSON summary of a run.
 */
#include <string.h>
#include "internal.h"
#include "frag.h"
#include "report.h"

/* The kernel names six types; the model has no CMA or Isolate blocks. */
#define KERNEL_MIGRATE_TYPES 6

void zone_nr_free(const struct zone *zone, uint64_t nr_free[NR_PAGE_ORDERS])
{
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = zone->free_area[o].nr_free;
}

void report_buddyinfo(const struct pgdat *pgdat, GString *out)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];

		if (!zone_populated(zone))
			continue;
		g_string_append_printf(out, "Node %d, zone %8s ", 0, zone_name(z));
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			g_string_append_printf(out, "%6" G_GUINT64_FORMAT " ", zone->free_area[o].nr_free);
		g_string_append_c(out, '\n');
	}
}

/* A list's length as pagetypeinfo prints it: capped at 100000 (">100000"). */
static uint64_t list_length_capped(const struct free_list *fl, bool *overflow)
{
	*overflow = fl->nr >= 100000;
	return MIN(fl->nr, 100000U);
}

static void count_pageblocks(const struct pgdat *pgdat, const struct zone *zone,
			     uint64_t count[MIGRATE_TYPES])
{
	uint32_t end = zone->zone_start_pfn + zone->spanned_pages;

	memset(count, 0, sizeof(uint64_t) * MIGRATE_TYPES);
	for (uint32_t pfn = zone->zone_start_pfn & ~(PAGEBLOCK_NR_PAGES - 1); pfn < end;
	     pfn += PAGEBLOCK_NR_PAGES) {
		uint32_t p = MAX(pfn, zone->zone_start_pfn);
		unsigned int nr;
		const struct mem_range *r = pgdat_ranges(pgdat, &nr);
		bool present = false;

		for (unsigned int i = 0; i < nr && !present; i++)
			present = p >= r[i].start_pfn && p < r[i].end_pfn;
		if (present)
			count[get_pageblock_migratetype(pgdat, pfn)]++;
	}
}

void report_pagetypeinfo(const struct pgdat *pgdat, GString *out)
{
	g_string_append_printf(out, "Page block order: %d\nPages per block:  %u\n\n",
			       PAGEBLOCK_ORDER, PAGEBLOCK_NR_PAGES);
	g_string_append_printf(out, "%-43s ", "Free pages count per migrate type at order");
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		g_string_append_printf(out, "%6d ", o);
	g_string_append_c(out, '\n');
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];

		if (!zone_populated(zone))
			continue;
		for (int mt = 0; mt < KERNEL_MIGRATE_TYPES; mt++) {
			g_string_append_printf(out, "Node %4d, zone %8s, type %12s ", 0, zone_name(z),
					       migratetype_name(mt));
			for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
				bool overflow = false;
				uint64_t n = mt < MIGRATE_TYPES ?
					list_length_capped(&zone->free_area[o].free_list[mt],
							   &overflow) : 0;

				g_string_append_printf(out, "%s%6" G_GUINT64_FORMAT " ",
						       overflow ? ">" : "", n);
			}
			g_string_append_c(out, '\n');
		}
	}
	g_string_append_printf(out, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < KERNEL_MIGRATE_TYPES; mt++)
		g_string_append_printf(out, "%12s ", migratetype_name(mt));
	g_string_append_c(out, '\n');
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];
		uint64_t count[MIGRATE_TYPES];

		if (!zone_populated(zone))
			continue;
		count_pageblocks(pgdat, zone, count);
		g_string_append_printf(out, "Node %d, zone %8s ", 0, zone_name(z));
		for (int mt = 0; mt < KERNEL_MIGRATE_TYPES; mt++)
			g_string_append_printf(out, "%12" G_GUINT64_FORMAT " ",
					       mt < MIGRATE_TYPES ? count[mt] : 0);
		g_string_append_c(out, '\n');
	}
}

void report_unusable_index(const struct pgdat *pgdat, GString *out)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		uint64_t nr_free[NR_PAGE_ORDERS];

		if (!zone_populated(&pgdat->zones[z]))
			continue;
		zone_nr_free(&pgdat->zones[z], nr_free);
		frag_print_unusable_line(out, 0, zone_name(z), nr_free);
	}
}

void report_extfrag_index(const struct pgdat *pgdat, GString *out)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		uint64_t nr_free[NR_PAGE_ORDERS];

		if (!zone_populated(&pgdat->zones[z]))
			continue;
		zone_nr_free(&pgdat->zones[z], nr_free);
		frag_print_extfrag_line(out, 0, zone_name(z), nr_free);
	}
}

uint64_t pgdat_mixed_pageblocks(const struct pgdat *pgdat, uint64_t per_type[MIGRATE_TYPES])
{
	uint32_t nr_blocks = (pgdat->node_spanned_pages + PAGEBLOCK_NR_PAGES - 1) >> PAGEBLOCK_ORDER;
	uint64_t total = 0;

	memset(per_type, 0, sizeof(uint64_t) * MIGRATE_TYPES);
	for (uint32_t b = 0; b < nr_blocks; b++) {
		int block_mt = pgdat->pb_mt[b];

		/* highatomic blocks serve any type: not "mixed" */
		if (block_mt >= MIGRATE_PCPTYPES)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
			if (mt != block_mt && pgdat->pb_alloc[b][mt]) {
				per_type[block_mt]++;
				total++;
				break;
			}
		}
	}
	return total;
}

static void add_uint(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)v);
}

static void add_extfrag(const struct pgdat *pgdat, JsonBuilder *b)
{
	static const char *const short_names[MIGRATE_PCPTYPES] = { "unmovable", "movable", "reclaimable" };
	const struct vm_stats *s = &pgdat->stats;

	json_builder_set_member_name(b, "extfrag");
	json_builder_begin_object(b);
	add_uint(b, "events", s->extfrag);
	add_uint(b, "fragmenting", s->extfrag_fragmenting);
	add_uint(b, "change_ownership", s->extfrag_change_ownership);
	json_builder_set_member_name(b, "by_pair");
	json_builder_begin_object(b);
	for (int a = 0; a < MIGRATE_PCPTYPES; a++) {
		for (int f = 0; f < MIGRATE_PCPTYPES; f++) {
			g_autofree char *key = NULL;

			if (a == f)
				continue;
			key = g_strdup_printf("%s_from_%s", short_names[a], short_names[f]);
			add_uint(b, key, s->extfrag_pair[a][f]);
		}
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static void add_zone(const struct pgdat *pgdat, const struct zone *zone, JsonBuilder *b)
{
	uint64_t nr_free[NR_PAGE_ORDERS], blocks[MIGRATE_TYPES];
	struct contig_page_info info;
	static const char *const wmark_names[NR_WMARK] = { "min", "low", "high", "promo" };

	zone_nr_free(zone, nr_free);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, zone_name(zone->idx));
	add_uint(b, "start_pfn", zone->zone_start_pfn);
	add_uint(b, "spanned", zone->spanned_pages);
	add_uint(b, "present", zone->present_pages);
	add_uint(b, "managed", zone->managed_pages);
	add_uint(b, "nr_free_pages", (uint64_t)zone->nr_free_pages);
	add_uint(b, "nr_unaccepted", (uint64_t)zone->nr_unaccepted);
	json_builder_set_member_name(b, "watermarks");
	json_builder_begin_object(b);
	for (int w = 0; w < NR_WMARK; w++)
		add_uint(b, wmark_names[w], (uint64_t)zone->_watermark[w]);
	add_uint(b, "boost", (uint64_t)zone->watermark_boost);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "lowmem_reserve");
	json_builder_begin_array(b);
	for (int j = 0; j < MAX_NR_ZONES; j++)
		json_builder_add_int_value(b, zone->lowmem_reserve[j]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "buddyinfo");
	json_builder_begin_array(b);
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		json_builder_add_int_value(b, (gint64)nr_free[o]);
	json_builder_end_array(b);
	/* thousandths, as the kernel computes them: 734 is printed "0.734" */
	json_builder_set_member_name(b, "unusable_index");
	json_builder_begin_array(b);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fill_contig_page_info(nr_free, o, &info);
		json_builder_add_int_value(b, unusable_free_index(o, &info));
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "fragmentation_index");
	json_builder_begin_array(b);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fill_contig_page_info(nr_free, o, &info);
		json_builder_add_int_value(b, fragmentation_index(o, &info));
	}
	json_builder_end_array(b);
	count_pageblocks(pgdat, zone, blocks);
	json_builder_set_member_name(b, "pageblocks");
	json_builder_begin_object(b);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		add_uint(b, migratetype_name(mt), blocks[mt]);
	json_builder_end_object(b);
	json_builder_end_object(b);
}

void report_json_members(const struct pgdat *pgdat, JsonBuilder *b)
{
	const struct vm_stats *s = &pgdat->stats;
	uint64_t mixed_by_type[MIGRATE_TYPES];
	uint64_t mixed = pgdat_mixed_pageblocks(pgdat, mixed_by_type);

	add_uint(b, "allocs", s->allocs);
	add_uint(b, "frees", s->frees);
	add_uint(b, "failures", s->alloc_fail);
	add_uint(b, "alloc_pages", s->alloc_pages);
	json_builder_set_member_name(b, "allocs_by_order");
	json_builder_begin_array(b);
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		json_builder_add_int_value(b, (gint64)s->allocs_by_order[o]);
	json_builder_end_array(b);
	add_extfrag(pgdat, b);
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	add_uint(b, "zone_locked", s->zone_locked);
	add_uint(b, "pcpu_drain", s->pcpu_drain);
	add_uint(b, "pcp_hit", s->pcp_hit);
	add_uint(b, "pcp_refill", s->pcp_refill);
	add_uint(b, "slowpath", s->slowpath);
	add_uint(b, "nofragment_retry", s->nofragment_retry);
	add_uint(b, "watermark_boost", s->boost);
	add_uint(b, "kswapd_wake", s->kswapd_wake);
	add_uint(b, "pageblock_claims", s->pageblock_claims);
	add_uint(b, "merges_retype", s->merges_retype);
	add_uint(b, "highatomic_reserve", s->highatomic_reserve);
	add_uint(b, "highatomic_unreserve", s->highatomic_unreserve);
	json_builder_end_object(b);
	add_uint(b, "mixed_pageblocks", mixed);
	add_uint(b, "min_free_kbytes", pgdat->min_free_kbytes);
	json_builder_set_member_name(b, "zones");
	json_builder_begin_array(b);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (zone_populated(&pgdat->zones[z]))
			add_zone(pgdat, &pgdat->zones[z], b);
	json_builder_end_array(b);
}

void report_summary(const struct pgdat *pgdat, GString *out)
{
	const struct vm_stats *s = &pgdat->stats;
	uint64_t mixed_by_type[MIGRATE_TYPES];
	uint64_t mixed = pgdat_mixed_pageblocks(pgdat, mixed_by_type);

	g_string_append_printf(out,
		"kernel %s, %u CPUs, %" G_GUINT64_FORMAT " MiB, min_free_kbytes %lu, PCP %s\n",
		kernel_era_name(pgdat->cfg.era), pgdat->cfg.cpus, pgdat->cfg.mem_bytes >> 20,
		pgdat->min_free_kbytes, pgdat->pcp_enabled ? "on" : "off");
	g_string_append_printf(out,
		"allocs %" G_GUINT64_FORMAT "  frees %" G_GUINT64_FORMAT "  failures %"
		G_GUINT64_FORMAT "  slow path %" G_GUINT64_FORMAT "  kswapd wakes %" G_GUINT64_FORMAT "\n",
		s->allocs, s->frees, s->alloc_fail, s->slowpath, s->kswapd_wake);
	g_string_append_printf(out,
		"extfrag events %" G_GUINT64_FORMAT "  fragmenting %" G_GUINT64_FORMAT
		"  change_ownership %" G_GUINT64_FORMAT "  boosts %" G_GUINT64_FORMAT
		"  mixed pageblocks %" G_GUINT64_FORMAT "\n",
		s->extfrag, s->extfrag_fragmenting, s->extfrag_change_ownership, s->boost, mixed);
	g_string_append(out, "\n/proc/buddyinfo:\n");
	report_buddyinfo(pgdat, out);
	g_string_append(out, "\nextfrag/unusable_index:\n");
	report_unusable_index(pgdat, out);
	g_string_append(out, "\nzone      managed     min     low    high   promo   boost   free\n");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &pgdat->zones[z];

		if (!zone_populated(zone))
			continue;
		g_string_append_printf(out, "%-8s %8u %7ld %7ld %7ld %7ld %7ld %7ld\n", zone_name(z),
				       zone->managed_pages, zone->_watermark[WMARK_MIN],
				       zone->_watermark[WMARK_LOW], zone->_watermark[WMARK_HIGH],
				       zone->_watermark[WMARK_PROMO], zone->watermark_boost,
				       zone->nr_free_pages);
	}
}

/*
 * json-glib (1.6) appends ".0" to every double printed without a '.',
 * exponent or not: 1e+308 comes out as "1e+308.0" and 1e-05 as "1e-05.0",
 * which is not JSON and which no parser, json-glib's included, reads back.
 * Drop that ".0" from number tokens that have an exponent, in place,
 * leaving strings alone.
 */
static void json_fix_exponents(char *s)
{
	bool in_string = false;
	char *w = s;

	for (const char *r = s; *r;) {
		if (in_string) {
			if (*r == '\\' && r[1]) {
				*w++ = *r++;
			} else if (*r == '"') {
				in_string = false;
			}
			*w++ = *r++;
		} else if (*r == '"') {
			in_string = true;
			*w++ = *r++;
		} else if (*r == '-' || g_ascii_isdigit(*r)) {
			size_t len = 0, keep;
			bool exp = false;

			while (r[len] == '-' || r[len] == '+' || r[len] == '.' ||
			       g_ascii_isalnum(r[len])) {
				exp |= r[len] == 'e' || r[len] == 'E';
				len++;
			}
			keep = len;
			if (exp && len > 2 && r[len - 2] == '.' && r[len - 1] == '0' &&
			    !memchr(r, '.', len - 2))
				keep = len - 2;			/* without the ".0" */
			memmove(w, r, keep);
			w += keep;
			r += len;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

char *json_to_string_nl(JsonNode *root)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *s = NULL;

	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	s = json_generator_to_data(gen, NULL);
	json_fix_exponents(s);
	return g_strconcat(s, "\n", NULL);
}
