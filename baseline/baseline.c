// SPDX-License-Identifier: GPL-2.0-only
/*
 * The jemalloc baseline, the model's side (baseline.h): stream generation
 * from a workload, the timed replay through the buddy model, stranded
 * free memory, and running acceptsim-jebaseline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "baseline.h"
#include "sim/cli.h"
#include "sim/debug.h"
#include "sim/frag.h"
#include "sim/report.h"
#include "workloads/workload.h"

#ifndef ACCEPTSIM_JEBASELINE_BUILT
#define ACCEPTSIM_JEBASELINE_BUILT 0
#endif

#define HELPER_NAME "acceptsim-jebaseline"

void baseline_stream_init(struct baseline_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->bytes = g_byte_array_sized_new(1 << 16);
	g_byte_array_set_size(s->bytes, BSTREAM_HEADER_SIZE);
	baseline_stream_finish(s);
}

void baseline_stream_clear(struct baseline_stream *s)
{
	if (s->bytes)
		g_byte_array_unref(s->bytes);
	g_free(s->cpu);
	g_free(s->gfp);
	memset(s, 0, sizeof(*s));
}

void baseline_stream_add(struct baseline_stream *s, enum bstream_op op, unsigned int order,
			 uint32_t slot, uint16_t cpu, gfp_t gfp)
{
	guint len = s->bytes->len;

	g_return_if_fail(order <= MAX_PAGE_ORDER);
	if (s->nr_records == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->cpu = g_renew(uint16_t, s->cpu, s->cap);
		s->gfp = g_renew(gfp_t, s->gfp, s->cap);
	}
	g_byte_array_set_size(s->bytes, len + BSTREAM_RECORD_SIZE);
	bstream_record_put(s->bytes->data + len, op, order, slot);
	s->cpu[s->nr_records] = cpu;
	s->gfp[s->nr_records] = gfp;
	s->nr_records++;
	if (slot >= s->nr_slots)
		s->nr_slots = slot + 1;
}

void baseline_stream_finish(struct baseline_stream *s)
{
	bstream_header_put(s->bytes->data, s->nr_slots, s->nr_records);
}

bool baseline_managed_pages(const struct sim_config *cfg, uint64_t *pages, GError **error)
{
	struct sim_config c = *cfg;
	struct pgdat *pgdat;

	c.unaccepted = NULL;
	pgdat = pgdat_create(&c, error);
	if (!pgdat)
		return false;
	*pages = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		*pages += pgdat->zones[z].managed_pages;
	pgdat_destroy(pgdat);
	return true;
}

bool baseline_stream_generate(const struct run_spec *rs, uint64_t managed_pages,
			      struct baseline_stream *s, GError **error)
{
	const struct workload_ops *wops = workload_lookup(rs->workload);
	struct wl_params wp = {
		.seed = rs->seed,
		.cpus = rs->cfg.cpus,
		.managed_pages = managed_pages,
		.kv = rs->wl_kv,
	};
	uint8_t *live = NULL;			/* per slot: order + 1 while allocated */
	uint32_t nr_live_slots = 0;
	uint32_t fake_pfn = 0;
	struct workload *wl;
	struct wl_event ev;
	bool ok = false;

	if (!wops) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "unknown workload '%s' (see 'acceptsim list workloads')", rs->workload);
		return false;
	}
	wl = wops->create(&wp, error);
	if (!wl)
		return false;
	while (wl->ops->next(wl, &ev)) {
		if (ev.op == WL_ALLOC_AT) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
				    "workload %s places allocations at pfns: the baseline needs "
				    "requests (trace mode=request)", rs->workload);
			goto out;
		}
		if (ev.op != WL_ALLOC && ev.op != WL_FREE) {
			s->skipped++;
			continue;
		}
		if (ev.slot >= nr_live_slots) {
			uint32_t n = MAX(MAX(wl->nr_slots, ev.slot + 1), nr_live_slots * 2);

			live = g_realloc(live, n);
			memset(live + nr_live_slots, 0, n - nr_live_slots);
			nr_live_slots = n;
		}
		if (ev.cpu >= rs->cfg.cpus || ev.order > MAX_PAGE_ORDER) {
			g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
				    "workload %s: request on cpu %u of order %u (cpus %u)",
				    rs->workload, ev.cpu, ev.order, rs->cfg.cpus);
			goto out;
		}
		if (ev.op == WL_ALLOC) {
			if (live[ev.slot]) {
				g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
					    "workload %s allocated into live slot %u",
					    rs->workload, ev.slot);
				goto out;
			}
			live[ev.slot] = (uint8_t)(ev.order + 1);
			baseline_stream_add(s, BSTREAM_ALLOC, ev.order, ev.slot, ev.cpu, ev.gfp);
			if (wl->ops->result) {
				/* a made-up, aligned, never PFN_NONE page: the request succeeded */
				fake_pfn = (fake_pfn + (1U << ev.order)) & ~((1U << ev.order) - 1) &
					   0x3fffffff;
				wl->ops->result(wl, ev.slot, fake_pfn);
			}
		} else if (live[ev.slot]) {
			baseline_stream_add(s, BSTREAM_FREE, live[ev.slot] - 1U, ev.slot, ev.cpu, 0);
			live[ev.slot] = 0;
		} else {
			s->skipped++;
		}
	}
	if (wl->error) {
		g_propagate_error(error, g_steal_pointer(&wl->error));
		goto out;
	}
	ok = true;
out:
	baseline_stream_finish(s);
	g_free(live);
	wl->ops->destroy(wl);
	return ok;
}

void baseline_stranded(const uint64_t nr_free[NR_PAGE_ORDERS], uint64_t stranded_pages[NR_PAGE_ORDERS])
{
	uint64_t below = 0;

	/* e.g. nr_free = {3, 1, 0, ...}: below order 1 are 3 pages, below 2 are 5 */
	for (int k = 0; k < NR_PAGE_ORDERS; k++) {
		stranded_pages[k] = below;
		below += nr_free[k] << k;
	}
}

void baseline_pgdat_nr_free(const struct pgdat *pgdat, uint64_t nr_free[NR_PAGE_ORDERS])
{
	memset(nr_free, 0, NR_PAGE_ORDERS * sizeof(nr_free[0]));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		uint64_t zn[NR_PAGE_ORDERS];

		zone_nr_free(&pgdat->zones[z], zn);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			nr_free[o] += zn[o];
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The timed part: every record, through the model.  Returns failures. */
static uint64_t model_replay(struct pgdat *pgdat, const struct baseline_stream *s, uint32_t *pfns)
{
	const uint8_t *recs = s->bytes->data + BSTREAM_HEADER_SIZE;
	uint64_t failed = 0;

	for (uint64_t i = 0; i < s->nr_records; i++) {
		unsigned int op, order;
		uint32_t slot;

		bstream_record_get(recs, i, &op, &order, &slot);
		if (op == BSTREAM_ALLOC) {
			pfns[slot] = sim_alloc_pages(pgdat, s->cpu[i], s->gfp[i], order);
			failed += pfns[slot] == PFN_NONE;
		} else if (pfns[slot] != PFN_NONE) {
			sim_free_pages(pgdat, s->cpu[i], pfns[slot], order);
			pfns[slot] = PFN_NONE;
		}
	}
	return failed;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void model_state(const struct pgdat *pgdat, const struct baseline_stream *s,
			const uint32_t *pfns, struct baseline_model_result *r)
{
	const uint8_t *recs = s->bytes->data + BSTREAM_HEADER_SIZE;
	struct mm_page_census c;
	struct contig_page_info info;
	uint8_t *order;

	pgdat_census(pgdat, &c);
	r->managed_pages = c.managed;
	r->buddy_free_pages = c.buddy;
	r->pcp_pages = c.pcp;
	baseline_pgdat_nr_free(pgdat, r->nr_free);
	baseline_stranded(r->nr_free, r->stranded_pages);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		fill_contig_page_info(r->nr_free, o, &info);
		r->unusable[o] = unusable_free_index(o, &info);
	}
	/* the order of each live slot is that of its last allocation */
	order = g_new0(uint8_t, MAX(s->nr_slots, 1));
	for (uint64_t i = 0; i < s->nr_records; i++) {
		unsigned int op, o;
		uint32_t slot;

		bstream_record_get(recs, i, &op, &o, &slot);
		if (op == BSTREAM_ALLOC)
			order[slot] = (uint8_t)o;
	}
	r->live_pages = 0;
	for (uint32_t slot = 0; slot < s->nr_slots; slot++)
		if (pfns[slot] != PFN_NONE)
			r->live_pages += 1ULL << order[slot];
	g_free(order);
}

bool baseline_model_run(const struct sim_config *cfg, const struct baseline_stream *s,
			unsigned int repeat, struct baseline_model_result *r, GError **error)
{
	struct sim_config c = *cfg;
	uint64_t sorted[BASELINE_MAX_REPEAT];
	uint32_t *pfns;

	g_return_val_if_fail(repeat >= 1 && repeat <= BASELINE_MAX_REPEAT, false);
	memset(r, 0, sizeof(*r));
	r->repeat = repeat;
	c.unaccepted = NULL;
	pfns = g_new(uint32_t, MAX(s->nr_slots, 1));
	for (unsigned int rep = 0; rep < repeat; rep++) {
		struct pgdat *pgdat = pgdat_create(&c, error);
		uint64_t t0, failed;

		if (!pgdat) {
			g_free(pfns);
			return false;
		}
		sim_bug_set_context(0, &pgdat->nr_events);
		for (uint32_t i = 0; i < s->nr_slots; i++)
			pfns[i] = PFN_NONE;
		t0 = now_ns();
		failed = model_replay(pgdat, s, pfns);
		r->ns[rep] = now_ns() - t0;
		if (rep == 0) {
			r->alloc_failures = failed;
			model_state(pgdat, s, pfns, r);
		}
		pgdat_destroy(pgdat);
	}
	g_free(pfns);
	memcpy(sorted, r->ns, repeat * sizeof(sorted[0]));
	qsort(sorted, repeat, sizeof(sorted[0]), cmp_u64);
	r->ns_median = repeat % 2 ? sorted[repeat / 2] : (sorted[repeat / 2 - 1] + sorted[repeat / 2]) / 2;
	r->ops_per_s = r->ns_median ? (double)s->nr_records * 1e9 / (double)r->ns_median : 0.0;
	return true;
}

bool baseline_je_built(void)
{
	return ACCEPTSIM_JEBASELINE_BUILT;
}

char *baseline_je_helper_path(GError **error)
{
	const char *env = g_getenv("ACCEPTSIM_JEBASELINE");
	g_autofree char *self = NULL, *dir = NULL;
	char *path;

	if (env && *env) {
		if (g_file_test(env, G_FILE_TEST_IS_EXECUTABLE))
			return g_strdup(env);
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "$ACCEPTSIM_JEBASELINE: '%s' is not an executable", env);
		return NULL;
	}
	self = g_file_read_link("/proc/self/exe", error);
	if (!self)
		return NULL;
	dir = g_path_get_dirname(self);
	path = g_build_filename(dir, HELPER_NAME, NULL);
	if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return path;
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
		    "%s not found next to %s (build it, or set $ACCEPTSIM_JEBASELINE)", HELPER_NAME,
		    self);
	g_free(path);
	return NULL;
}

static GHashTable *parse_kv(const char *text)
{
	GHashTable *kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');

		if (eq && eq != *l)
			g_hash_table_replace(kv, g_strndup(*l, (gsize)(eq - *l)), g_strdup(eq + 1));
	}
	return kv;
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

GHashTable *baseline_je_run(const char *helper, const struct baseline_stream *s,
			    unsigned int repeat, int decay_ms, GError **error)
{
	g_autofree char *tmp = NULL, *out = NULL, *err = NULL;
	g_autofree char *repeat_s = g_strdup_printf("%u", repeat);
	g_autofree char *decay_s = g_strdup_printf("%d", decay_ms);
	GHashTable *kv = NULL;
	int status, fd;
	bool written;

	fd = g_file_open_tmp("acceptsim-stream-XXXXXX", &tmp, error);
	if (fd < 0)
		return NULL;
	written = write_all(fd, s->bytes->data, s->bytes->len);
	if (!written)
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO, "writing %s: %s", tmp,
			    g_strerror(errno));
	close(fd);
	if (written) {
		char *argv[] = { (char *)helper, "--repeat", repeat_s, "--decay-ms", decay_s, tmp, NULL };

		if (g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
				 error)) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				kv = parse_kv(out);
			} else {
				g_strchomp(err);
				g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_IO,
					    "%s failed (%s %d): %s", helper,
					    WIFEXITED(status) ? "exit status" : "signal",
					    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					    *err ? err : "no message");
			}
		}
	}
	unlink(tmp);
	if (kv && !g_hash_table_contains(kv, "ops_per_s")) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_PARSE,
			    "%s printed no ops_per_s", helper);
		g_clear_pointer(&kv, g_hash_table_unref);
	}
	return kv;
}

uint64_t baseline_je_u64(GHashTable *kv, const char *key)
{
	const char *v = g_hash_table_lookup(kv, key);

	return v ? g_ascii_strtoull(v, NULL, 10) : 0;
}
