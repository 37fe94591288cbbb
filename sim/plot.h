/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Plots of a study, drawn by gnuplot.  Every plot is a NAME.dat and a
 * NAME.gp beside it (the .gp names its outputs, so "gnuplot NAME.gp" in
 * that directory re-renders it after a reviewer restyles it); gnuplot runs
 * as a child process with a timeout and its outputs are renamed into
 * place, so a failed render never leaves half a PNG.
 */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H

#include <stdbool.h>
#include <glib.h>

struct study;

#define PLOT_PNG	0x1u		/* pngcairo, 800x600 */
#define PLOT_SVG	0x2u		/* svg, 800x600 */
#define PLOT_DUMB	0x4u		/* ASCII, 79x24, NAME.txt */
#define PLOT_RENDER	0x8u		/* run gnuplot (else scripts and data only) */

#define PLOT_TIMEOUT_S	60		/* per gnuplot process */

/* "png,svg" (default), "png", "svg", "dumb", "none" (scripts and data only). */
bool plot_parse_formats(const char *s, unsigned int *formats, GError **error);

/*
 * Write every plot of @st into @dir as .dat and .gp and, with
 * PLOT_RENDER, render them.  Skipped plots and how to render by hand are
 * appended to @notes; ASCII plots (PLOT_DUMB) to @dumb.
 */
bool plot_study(const struct study *st, const char *dir, unsigned int formats,
		GString *notes, GString *dumb, GError **error);

/*
 * Render the existing scripts @dir/ *.gp as they are (a reviewer may have
 * edited them), outputs renamed into place; ASCII outputs to @dumb.
 */
bool plot_render_dir(const char *dir, GString *notes, GString *dumb, GError **error);

/* The gnuplot to run: $ACCEPTSIM_GNUPLOT ("" = none), else PATH; NULL if none. */
char *plot_find_gnuplot(void);

#endif /* SIM_PLOT_H */
