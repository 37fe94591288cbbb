// SPDX-License-Identifier: GPL-2.0-only
/* sim_bug(): report a broken invariant with what is needed to reproduce it. */
#include <stdio.h>
#include <stdlib.h>
#include "debug.h"

/* per thread: studies run simulations on several threads */
static __thread guint64 bug_seed;
static __thread const guint64 *bug_event;

void sim_bug_set_context(guint64 seed, const guint64 *event_counter)
{
	bug_seed = seed;
	bug_event = event_counter;
}

void sim_bug(const char *cond, const char *file, int line)
{
	fprintf(stderr, "acceptsim: BUG at %s:%d: %s (seed %" G_GUINT64_FORMAT
		", event %" G_GUINT64_FORMAT ")\n", file, line, cond, bug_seed,
		bug_event ? *bug_event : 0);
	fflush(stderr);
	abort();
}
