// SPDX-License-Identifier: GPL-2.0-only
/*
 * background: the kernel's watermark behaviour plus a worker that accepts
 * memory on idle CPUs after boot, at a configurable rate, until nothing
 * is left -- option #3 of the unaccepted-memory patch description, which
 * no kernel merged.  The worker takes chunks from the highest zone first
 * (where allocations go first) and accepts at most rate bytes per second
 * per idle CPU, in one-chunk steps every tick.
 *
 * Parameters: rate=SIZE per second per CPU (default 256M), tick=MS (10),
 * cpus=N idle CPUs it may use (default all), target= as watermark.
 */
#include "policy.h"
#include "sim/unaccepted.h"
#include "sim/cli.h"

struct policy_background {
	struct policy base;
	int target;
	uint64_t rate;			/* bytes per second per CPU */
	unsigned int max_cpus;		/* CPUs the worker may use, 0 = all */
	double budget[1024];		/* per-CPU bytes it may still accept */
};

bool watermark_parse_target(GHashTable *params, int *target, GError **error);

static struct policy *background_create(GHashTable *params, GError **error)
{
	static const char *const known[] = { "target", "rate", "tick", "cpus", NULL };
	struct policy_background *b;
	uint64_t rate = 256ULL << 20, tick_ms = 10, cpus = 0;
	const char *v;
	int target;

	if (!policy_params_check(params, "background", known, error) ||
	    !watermark_parse_target(params, &target, error))
		return NULL;
	if ((v = policy_param(params, "rate")) && !parse_size(v, &rate, error))
		goto bad;
	if ((v = policy_param(params, "tick")) && !parse_uint(v, 1, 60000, &tick_ms, error))
		goto bad;
	if ((v = policy_param(params, "cpus")) && !parse_uint(v, 1, 1024, &cpus, error))
		goto bad;
	if (!rate) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "policy parameter rate must be > 0");
		return NULL;
	}
	b = g_new0(struct policy_background, 1);
	b->base.ops = &policy_background_ops;
	b->base.tick_ns = tick_ms * 1000000ULL;
	b->target = target;
	b->rate = rate;
	b->max_cpus = (unsigned int)cpus;
	return &b->base;
bad:
	g_prefix_error(error, "policy background: ");
	return NULL;
}

static void background_destroy(struct policy *p)
{
	g_free(p);
}

static bool background_accept(struct policy *p, struct zone *zone, unsigned int order,
			      unsigned int alloc_flags, enum accept_site site)
{
	(void)alloc_flags;
	return kernel_accept_memory(zone, order, site, ((struct policy_background *)p)->target);
}

static uint64_t background_idle(struct policy *p, struct pgdat *pgdat, int cpu, uint64_t now_ns)
{
	struct policy_background *b = (struct policy_background *)p;
	uint64_t before;

	(void)now_ns;
	if (!pgdat->unaccepted || (b->max_cpus && (unsigned int)cpu >= b->max_cpus) || cpu >= 1024)
		return 0;
	b->budget[cpu] += (double)b->rate * (double)p->tick_ns / 1e9;
	before = pgdat->unaccepted->pending_ns;
	while (b->budget[cpu] >= (double)(MAX_ORDER_NR_PAGES * PAGE_SIZE)) {
		bool done = false;

		for (int z = MAX_NR_ZONES - 1; z >= 0 && !done; z--)
			done = try_to_accept_memory_one(&pgdat->zones[z]);
		if (!done) {
			b->budget[cpu] = 0;
			break;
		}
		b->budget[cpu] -= (double)(MAX_ORDER_NR_PAGES * PAGE_SIZE);
	}
	return pgdat->unaccepted->pending_ns - before;
}

const struct policy_ops policy_background_ops = {
	.name = "background",
	.summary = "watermark plus a worker accepting memory on idle CPUs after boot",
	.params = "rate=256M (per second per CPU) tick=10 (ms) cpus=all target=high|promo",
	.boot = POLICY_BOOT_LAZY,
	.create = background_create,
	.destroy = background_destroy,
	.accept = background_accept,
	.idle = background_idle,
};
