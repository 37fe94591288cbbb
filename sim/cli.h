/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command-line plumbing shared by every subcommand: the error domain for
 * bad input, value parsers, and atomic output files.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define SIM_CLI_ERROR (sim_cli_error_quark())
GQuark sim_cli_error_quark(void);

enum sim_cli_error {
	SIM_CLI_ERROR_USAGE,		/* unknown option, bad value */
	SIM_CLI_ERROR_IO,		/* reading or writing a file failed */
	SIM_CLI_ERROR_PARSE,		/* malformed input file */
	SIM_CLI_ERROR_LIMIT,		/* input would exceed a resource limit */
};

/* Exit codes of every command. */
#define EXIT_USAGE	2		/* bad option or value */

/* "16G", "512M", "4096K", "1T", "12345" (bytes); power-of-two units. */
bool parse_size(const char *s, uint64_t *bytes, GError **error);

/* Unsigned decimal integer in [min, max]. */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **error);

/*
 * Write @len bytes to @path through a temporary file in the same directory
 * and rename(), so a reader never sees a half-written file and an older
 * good file survives a crash.
 */
bool write_file_atomic(const char *path, const char *data, size_t len, GError **error);

/*
 * Parse @argv with @ctx.  On failure print one line "acceptsim CMD: message"
 * to stderr and return false; the caller exits with EXIT_USAGE.
 */
bool cli_parse(GOptionContext *ctx, const char *cmd, int *argc, char ***argv);

/* Print "acceptsim CMD: message" for @error to stderr. */
void cli_report(const char *cmd, const GError *error);

#endif /* SIM_CLI_H */
