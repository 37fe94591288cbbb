// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot: the allocations of a boot to the shell, after memblock hands
 * memory to the buddy allocator: kernel slab, page tables and stacks;
 * the initramfs unpacked into page cache; user space (systemd, udev, a
 * shell) with its anonymous memory, page cache, page tables and a few
 * THPs; the initramfs freed after switch_root; then "booted".  The CPU
 * time of booting is the cost model's fixed part, so the requests carry
 * no time of their own: what this workload adds to boot time is the
 * acceptance it forces.  After the shell it may idle for a while, so a
 * background policy's worker can be watched.
 *
 * Options (defaults sized on a small distribution guest):
 *   kernel=SIZE (24M) initrd=SIZE (48M) user=SIZE (112M) thp=N (4)
 *   idle=SECONDS (0)
 *   then=WORKLOAD: after the shell (and the idle time) run that workload;
 *   its options are given as then.KEY=VALUE
 */
#include <string.h>
#include "workload.h"
#include "sim/rng.h"
#include "sim/cli.h"

struct boot_req {
	enum wl_op op;
	uint8_t order;
	gfp_t gfp;
	uint32_t slot;
};

struct wl_boot {
	struct workload wl;
	GArray *reqs;			/* struct boot_req, in issue order */
	guint next;
	unsigned int cpus;
	uint64_t idle_ns;
	bool marked, idled;
	struct workload *then;		/* what runs after boot, or NULL */
	uint32_t boot_slots;		/* slots of the boot part; the child's follow */
};

/* Create the then= workload from the then.* options. */
static bool create_then(struct wl_boot *b, const struct wl_params *p, const char *name,
			GError **error)
{
	const struct workload_ops *ops = workload_lookup(name);
	struct wl_params cp = *p;
	GHashTableIter it;
	gpointer k, v;

	if (!ops || ops == &wl_boot_ops) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "workload boot: then=%s is not a workload to run after boot", name);
		return false;
	}
	cp.kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_iter_init(&it, p->kv);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_str_has_prefix(k, "then."))
			g_hash_table_replace(cp.kv, g_strdup((const char *)k + 5), g_strdup(v));
	b->then = ops->create(&cp, error);
	g_hash_table_unref(cp.kv);
	if (!b->then)
		g_prefix_error(error, "workload boot, then=%s: ", name);
	return b->then != NULL;
}

static void add_allocs(struct wl_boot *b, uint64_t bytes, unsigned int order, gfp_t gfp,
		       GArray *keep)
{
	uint64_t n = bytes >> (PAGE_SHIFT + order);

	for (uint64_t i = 0; i < n; i++) {
		struct boot_req r = { WL_ALLOC, (uint8_t)order, gfp, b->wl.nr_slots++ };

		g_array_append_val(b->reqs, r);
		if (keep)
			g_array_append_val(keep, r);
	}
}

/* Interleave kernel-type allocations so they do not come in one block. */
static void add_mix(struct wl_boot *b, struct rng *rng, uint64_t movable, uint64_t unmovable,
		    uint64_t reclaimable)
{
	uint64_t m = movable >> PAGE_SHIFT, u = unmovable >> PAGE_SHIFT, r = reclaimable >> PAGE_SHIFT;

	while (m + u + r) {
		uint64_t x = rng_below(rng, m + u + r);
		gfp_t gfp;

		if (x < m) {
			m--;
			gfp = GFP_HIGHUSER_MOVABLE;
		} else if (x < m + u) {
			u--;
			gfp = GFP_KERNEL;
		} else {
			r--;
			gfp = GFP_KERNEL | __GFP_RECLAIMABLE;
		}
		add_allocs(b, PAGE_SIZE, 0, gfp, NULL);
	}
}

static void wl_boot_destroy(struct workload *wl)
{
	struct wl_boot *b = (struct wl_boot *)wl;

	if (b->then)
		b->then->ops->destroy(b->then);
	g_clear_error(&b->wl.error);
	g_array_unref(b->reqs);
	g_free(b);
}

static struct workload *wl_boot_create(const struct wl_params *p, GError **error)
{
	static const char *const known[] = { "kernel", "initrd", "user", "thp", "idle", "then", NULL };
	const char *v;
	uint64_t kernel = 24ULL << 20, initrd = 48ULL << 20, user = 112ULL << 20, thp, idle;
	g_autoptr(GArray) initrd_reqs = g_array_new(FALSE, FALSE, sizeof(struct boot_req));
	struct wl_boot *b;
	struct rng rng;

	if (p->kv) {
		/* then.* belong to the then= workload */
		g_autoptr(GHashTable) own = g_hash_table_new(g_str_hash, g_str_equal);
		struct wl_params mine = *p;
		GHashTableIter it;
		gpointer key, val;

		g_hash_table_iter_init(&it, p->kv);
		while (g_hash_table_iter_next(&it, &key, &val))
			if (!g_str_has_prefix(key, "then."))
				g_hash_table_insert(own, key, val);
		mine.kv = own;
		if (!wl_params_check(&mine, "boot", known, error))
			return NULL;
	}
	if (p->kv && (v = g_hash_table_lookup(p->kv, "kernel")) && !parse_size(v, &kernel, error))
		goto bad;
	if (p->kv && (v = g_hash_table_lookup(p->kv, "initrd")) && !parse_size(v, &initrd, error))
		goto bad;
	if (p->kv && (v = g_hash_table_lookup(p->kv, "user")) && !parse_size(v, &user, error))
		goto bad;
	if (!wl_param_u64(p, "thp", 4, 0, 1 << 20, &thp, error) ||
	    !wl_param_u64(p, "idle", 0, 0, 1000000, &idle, error))
		return NULL;
	if (kernel + initrd + user + (thp << 21) > (p->managed_pages << PAGE_SHIFT) / 2) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "boot workload needs more than half the guest's memory; shrink it");
		return NULL;
	}

	b = g_new0(struct wl_boot, 1);
	b->wl.ops = &wl_boot_ops;
	b->wl.has_boot_mark = true;
	b->cpus = p->cpus;
	b->idle_ns = idle * 1000000000ULL;
	b->reqs = g_array_new(FALSE, FALSE, sizeof(struct boot_req));
	rng_seed(&rng, p->seed, 0x626f6f74ULL);

	/* kernel init: slab, page tables (2/3 unmovable), dentries/inodes; stacks */
	add_mix(b, &rng, 0, kernel * 2 / 3, kernel / 3 - (2ULL << 20));
	add_allocs(b, 2ULL << 20, 2, GFP_KERNEL, NULL);
	/* initramfs unpacked into page cache, kept until switch_root */
	add_allocs(b, initrd, 0, GFP_HIGHUSER_MOVABLE, initrd_reqs);
	/* user space: anon and page cache, page tables and slab, a few THPs */
	add_mix(b, &rng, user * 7 / 8, user / 16, user / 16);
	add_allocs(b, thp << 21, PAGEBLOCK_ORDER, GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM, NULL);
	/* switch_root frees the initramfs */
	for (guint i = 0; i < initrd_reqs->len; i++) {
		struct boot_req r = g_array_index(initrd_reqs, struct boot_req, i);

		r.op = WL_FREE;
		g_array_append_val(b->reqs, r);
	}
	b->boot_slots = b->wl.nr_slots;
	if (p->kv && (v = g_hash_table_lookup(p->kv, "then")) && !create_then(b, p, v, error)) {
		wl_boot_destroy(&b->wl);
		return NULL;
	}
	if (b->then)
		b->wl.nr_slots += b->then->nr_slots;
	return &b->wl;
bad:
	g_prefix_error(error, "workload boot: ");
	return NULL;
}



static bool wl_boot_next(struct workload *wl, struct wl_event *ev)
{
	struct wl_boot *b = (struct wl_boot *)wl;

	memset(ev, 0, sizeof(*ev));
	if (b->next < b->reqs->len) {
		const struct boot_req *r = &g_array_index(b->reqs, struct boot_req, b->next);

		ev->op = r->op;
		ev->order = r->order;
		ev->gfp = r->gfp;
		ev->slot = r->slot;
		ev->cpu = (uint16_t)(b->next % b->cpus);
		b->next++;
		return true;
	}
	if (!b->marked) {
		b->marked = true;
		ev->op = WL_MARK_BOOTED;
		return true;
	}
	if (b->idle_ns && !b->idled) {
		b->idled = true;
		ev->op = WL_NOP;
		ev->time_ns = b->idle_ns;
		return true;
	}
	if (!b->then)
		return false;
	if (!b->then->ops->next(b->then, ev)) {
		if (b->then->error)
			g_propagate_error(&b->wl.error, g_steal_pointer(&b->then->error));
		return false;
	}
	ev->time_ns += b->idle_ns;
	ev->slot += b->boot_slots;
	b->wl.nr_slots = b->boot_slots + b->then->nr_slots;
	return true;
}

static void wl_boot_result(struct workload *wl, uint32_t slot, uint32_t pfn)
{
	struct wl_boot *b = (struct wl_boot *)wl;

	if (b->then && slot >= b->boot_slots && b->then->ops->result)
		b->then->ops->result(b->then, slot - b->boot_slots, pfn);
}

static void wl_boot_report(struct workload *wl, JsonBuilder *jb)
{
	struct wl_boot *b = (struct wl_boot *)wl;

	if (b->then && b->then->ops->report)
		b->then->ops->report(b->then, jb);
}

const struct workload_ops wl_boot_ops = {
	.name = "boot",
	.summary = "boot to the shell: kernel slab, initramfs, user space; then idle",
	.options = "kernel=24M initrd=48M user=112M thp=4 idle=0 (seconds after the shell) "
		   "then=WORKLOAD then.KEY=VALUE...",
	.create = wl_boot_create,
	.destroy = wl_boot_destroy,
	.next = wl_boot_next,
	.result = wl_boot_result,
	.report = wl_boot_report,
};
