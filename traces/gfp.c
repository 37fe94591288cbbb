// SPDX-License-Identifier: GPL-2.0-only
/*
 * gfp flags in traces: kernel names (show_gfp_flags(), the table of
 * include/trace/events/mmflags.h) and raw kernel values, translated to our
 * own bits of sim/mm.h.
 *
 * Raw values assume the Linux 6.x layout of include/linux/gfp_types.h
 * (6.4 .. 6.18, the enum of ___GFP_*_BIT): bits 0-8 DMA .. ZERO, bit 9
 * unused (___GFP_ATOMIC until 6.3), bits 10-22 DIRECT_RECLAIM .. ACCOUNT,
 * then ZEROTAGS and the config-dependent SKIP_ZERO, SKIP_KASAN, NOLOCKDEP,
 * NO_OBJ_EXT, which we do not model.  Bits 0-22 have kept these positions
 * since 4.x, so 5.x values translate too, except bit 9.
 *
 * Names are read as sim/mm.h defines them.  One known skew: since ~6.16
 * the kernel's GFP_NOWAIT also holds __GFP_NOWARN, so a 6.18 text trace
 * printing "GFP_NOWAIT" gives KSWAPD_RECLAIM alone while its raw value
 * (trace.dat, report -R) also gives NOWARN, which the model ignores.
 */
#include <string.h>
#include "trace.h"

struct gfp_name {
	const char *name;
	gfp_t gfp;
};

#define GFP_KERNEL_ACCOUNT_BITS	(GFP_KERNEL | __GFP_ACCOUNT)

/*
 * In show_gfp_flags() order: compound names first, so formatting takes
 * the largest name that fits, as the kernel's __print_flags() does.
 */
static const struct gfp_name gfp_names[] = {
	{ "GFP_TRANSHUGE", GFP_TRANSHUGE },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_USER", GFP_USER },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT_BITS },
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_DMA", __GFP_DMA },
	{ "GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	/* pre-4.4 spellings of the same bits */
	{ "__GFP_WAIT", __GFP_DIRECT_RECLAIM },
	{ "__GFP_REPEAT", __GFP_RETRY_MAYFAIL },
	{ "GFP_IOFS", __GFP_IO | __GFP_FS },
};

/* Kernel 6.x bit number -> our flag; 0 = not modelled. */
static const gfp_t kernel_bits[] = {
	__GFP_DMA, __GFP_HIGHMEM, __GFP_DMA32, __GFP_MOVABLE,		/* 0-3 */
	__GFP_RECLAIMABLE, __GFP_HIGH, __GFP_IO, __GFP_FS,		/* 4-7 */
	__GFP_ZERO, 0, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM,	/* 8-11 */
	__GFP_WRITE, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL,	/* 12-15 */
	__GFP_NORETRY, __GFP_MEMALLOC, __GFP_COMP, __GFP_NOMEMALLOC,	/* 16-19 */
	__GFP_HARDWALL, __GFP_THISNODE, __GFP_ACCOUNT,			/* 20-22 */
};

gfp_t trace_gfp_from_kernel(uint64_t kgfp, bool *unmapped)
{
	gfp_t gfp = 0;

	for (unsigned int bit = 0; kgfp; bit++, kgfp >>= 1) {
		if (!(kgfp & 1))
			continue;
		if (bit < G_N_ELEMENTS(kernel_bits) && kernel_bits[bit])
			gfp |= kernel_bits[bit];
		else
			*unmapped = true;
	}
	return gfp;
}

static bool parse_hex(const char *s, size_t len, uint64_t *val)
{
	uint64_t v = 0;

	if (len < 3 || len > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	for (size_t i = 2; i < len; i++) {
		int d = g_ascii_xdigit_value(s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*val = v;
	return true;
}

static bool is_name_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

bool trace_gfp_parse(const char *s, size_t len, gfp_t *gfp, bool *unmapped)
{
	const char *e = s + len;
	gfp_t out = 0;

	if (len == 0)
		return false;
	if (len == 4 && !memcmp(s, "none", 4)) {
		*gfp = 0;
		return true;
	}
	while (s < e) {
		const char *bar = memchr(s, '|', (size_t)(e - s));
		size_t n = (size_t)((bar ? bar : e) - s);
		uint64_t kv;
		size_t i;

		if (parse_hex(s, n, &kv)) {
			out |= trace_gfp_from_kernel(kv, unmapped);
		} else {
			for (i = 0; i < n; i++)
				if (!is_name_char(s[i]))
					return false;
			if (n == 0 || !(g_ascii_isupper(s[0]) || s[0] == '_'))
				return false;
			for (i = 0; i < G_N_ELEMENTS(gfp_names); i++)
				if (strlen(gfp_names[i].name) == n && !memcmp(gfp_names[i].name, s, n))
					break;
			if (i < G_N_ELEMENTS(gfp_names))
				out |= gfp_names[i].gfp;
			else
				*unmapped = true;	/* __GFP_ZEROTAGS, __GFP_NOLOCKDEP, ... */
		}
		s += n + (bar ? 1 : 0);
		if (bar && s == e)
			return false;		/* trailing '|' */
	}
	*gfp = out;
	return true;
}

void trace_gfp_format(GString *out, gfp_t gfp)
{
	bool first = true;

	if (!gfp) {
		g_string_append(out, "none");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(gfp_names) && gfp; i++) {
		gfp_t m = gfp_names[i].gfp;

		if ((gfp & m) != m)
			continue;
		g_string_append_printf(out, "%s%s", first ? "" : "|", gfp_names[i].name);
		gfp &= ~m;
		first = false;
	}
	if (gfp)
		g_string_append_printf(out, "%s0x%x", first ? "" : "|", gfp);
}
