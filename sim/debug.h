/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Graded invariant checks, after mimalloc's MI_DEBUG levels and the
 * kernel's VM_BUG_ON(): a disabled check generates no code but is still
 * type-checked, so it cannot rot.
 *
 *   SIM_DEBUG 0  nothing
 *   SIM_DEBUG 1  SIM_BUG_ON(): O(1) checks at every entry point (default)
 *   SIM_DEBUG 2  SIM_BUG_ON_EXPENSIVE(): whole-zone validators after every
 *                event (tests and CI)
 */
#ifndef SIM_DEBUG_H
#define SIM_DEBUG_H

#include <glib.h>

#ifndef SIM_DEBUG
#define SIM_DEBUG 1
#endif

G_NORETURN void sim_bug(const char *cond, const char *file, int line);

#if SIM_DEBUG >= 1
#define SIM_BUG_ON(c) \
	do { if (G_UNLIKELY(c)) sim_bug(#c, __FILE__, __LINE__); } while (0)
#else
#define SIM_BUG_ON(c)	((void)sizeof(!(c)))	/* no code, still compiled */
#endif

#if SIM_DEBUG >= 2
#define SIM_BUG_ON_EXPENSIVE(c)	SIM_BUG_ON(c)
#define SIM_CHECKS_EXPENSIVE	1
#else
#define SIM_BUG_ON_EXPENSIVE(c)	((void)sizeof(!(c)))
#define SIM_CHECKS_EXPENSIVE	0
#endif

/*
 * Context printed by sim_bug(): the caller of a long run sets what it
 * knows (seed, event number) so an invariant failure can be reproduced.
 */
void sim_bug_set_context(guint64 seed, const guint64 *event_counter);

#endif /* SIM_DEBUG_H */
