// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptsim trace stats FILE   -- summary of a kmem trace (text, trace.dat, binary)
 * acceptsim trace convert IN OUT -- rewrite any trace as our binary format
 */
#include <stdio.h>
#include <string.h>
#include "sim/cli.h"
#include "sim/commands.h"
#include "sim/report.h"
#include "traces/stats.h"

static void trace_usage(FILE *f)
{
	fprintf(f, "Usage: acceptsim trace SUBCOMMAND [OPTION...]\n\n"
		   "Read kmem traces: kernel ftrace text (trace, trace_pipe), trace-cmd report\n"
		   "text, perf script text, trace.dat (v6/v7) and acceptsim binary; gzip or\n"
		   "zstd compressed inputs are read directly.\n\n"
		   "Subcommands:\n"
		   "  stats FILE        counts, allocations by order and type, gfp, extfrag, rates\n"
		   "  convert IN OUT    write IN as an acceptsim binary trace (docs/trace-format.md)\n\n"
		   "Run 'acceptsim trace SUBCOMMAND --help' for its options.\n");
}

static int trace_stats_cmd(int argc, char **argv)
{
	gboolean json = FALSE;
	gint top = 10;
	const GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
		{ "top", 0, 0, G_OPTION_ARG_INT, &top, "gfp flag sets to list (default 10)", "N" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("FILE - summarise a kmem trace");
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	struct trace_stats st;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cli_parse(ctx, "trace stats", &argc, &argv))
		return EXIT_USAGE;
	if (argc != 2 || top < 0) {
		fprintf(stderr, "acceptsim trace stats: expected one FILE (see --help)\n");
		return EXIT_USAGE;
	}
	trace_stats_init(&st);
	if (!trace_stats_read(&st, argv[1], &error)) {
		cli_report("trace stats", error);
		trace_stats_clear(&st);
		return EXIT_USAGE;
	}
	if (json) {
		g_autoptr(JsonNode) root = trace_stats_to_json(&st, (unsigned int)top);
		g_autofree char *s = json_to_string_nl(root);

		g_string_append(out, s);
	} else {
		trace_stats_print(&st, out, (unsigned int)top);
	}
	fwrite(out->str, 1, out->len, stdout);
	trace_stats_clear(&st);
	return 0;
}

static int trace_convert_cmd(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("IN OUT - write a trace in acceptsim binary format");
	g_autoptr(GError) error = NULL;
	struct trace_reader *r;
	struct trace_writer *w;
	struct trace_event ev;
	uint64_t n = 0;
	int ret;

	g_option_context_set_description(ctx, "OUT is written to a temporary file in the same "
					       "directory and renamed when complete.\n");
	if (!cli_parse(ctx, "trace convert", &argc, &argv))
		return EXIT_USAGE;
	if (argc != 3) {
		fprintf(stderr, "acceptsim trace convert: expected IN and OUT (see --help)\n");
		return EXIT_USAGE;
	}
	r = trace_reader_open(argv[1], &error);
	if (!r) {
		cli_report("trace convert", error);
		return EXIT_USAGE;
	}
	w = trace_writer_open(argv[2], &error);
	if (!w) {
		trace_reader_close(r);
		cli_report("trace convert", error);
		return EXIT_USAGE;
	}
	while ((ret = trace_reader_next(r, &ev, &error)) > 0) {
		if (n++ == 0)
			trace_writer_set_counter_clock(w, trace_reader_counter_clock(r));
		if (!trace_writer_add(w, &ev, &error)) {
			ret = -1;
			break;
		}
	}
	if (ret < 0) {
		trace_writer_abort(w);
		trace_reader_close(r);
		cli_report("trace convert", error);
		return EXIT_USAGE;
	}
	trace_reader_close(r);
	if (!trace_writer_commit(w, &error)) {
		cli_report("trace convert", error);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	g_autofree char *name = NULL;

	if (argc < 2) {
		trace_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		trace_usage(stdout);
		return 0;
	}
	name = g_strdup_printf("acceptsim trace %s", argv[1]);
	if (!strcmp(argv[1], "stats")) {
		argv[1] = name;
		return trace_stats_cmd(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "convert")) {
		argv[1] = name;
		return trace_convert_cmd(argc - 1, argv + 1);
	}
	fprintf(stderr, "acceptsim trace: unknown subcommand '%s' (stats, convert)\n", argv[1]);
	return EXIT_USAGE;
}
