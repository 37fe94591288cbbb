// SPDX-License-Identifier: GPL-2.0-only
/* Command-line plumbing: value parsers, atomic output, error reporting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

G_DEFINE_QUARK(sim-cli-error-quark, sim_cli_error)

bool parse_size(const char *s, uint64_t *bytes, GError **error)
{
	char *end;
	guint64 v;
	unsigned int shift = 0;

	if (!s || !g_ascii_isdigit(*s))
		goto bad;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		goto bad;
	}
	if (*end == 'i' || *end == 'I')		/* accept "GiB" as well as "G" */
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0')
		goto bad;
	if (shift && v > (UINT64_MAX >> shift))
		goto bad;
	*bytes = v << shift;
	return true;
bad:
	g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
		    "invalid size '%s' (expected a number with an optional K, M, G or T suffix)",
		    s ? s : "");
	return false;
}

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **error)
{
	guint64 v;
	g_autoptr(GError) e = NULL;

	if (!s || !g_ascii_string_to_unsigned(s, 10, min, max, &v, &e)) {
		g_set_error(error, SIM_CLI_ERROR, SIM_CLI_ERROR_USAGE,
			    "invalid number '%s' (expected %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
			    s ? s : "", (guint64)min, (guint64)max);
		return false;
	}
	*out = v;
	return true;
}

bool write_file_atomic(const char *path, const char *data, size_t len, GError **error)
{
	/* g_file_set_contents() writes a temporary file and renames it. */
	if (!g_file_set_contents(path, data, (gssize)len, error)) {
		g_prefix_error(error, "%s: ", path);
		return false;
	}
	return true;
}

void cli_report(const char *cmd, const GError *error)
{
	fprintf(stderr, "acceptsim %s: %s\n", cmd, error->message);
}

bool cli_parse(GOptionContext *ctx, const char *cmd, int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		cli_report(cmd, error);
		return false;
	}
	return true;
}
