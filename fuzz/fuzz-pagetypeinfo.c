// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: a snapshot directory (what capture-frag.sh saves)
 * through snapshot_load().  The input up to its first NUL byte becomes the
 * directory's pagetypeinfo, the rest (if any) its buddyinfo, so zones of
 * both files are merged; then the indices 'acceptsim frag' prints.
 */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "fuzz.h"
#include "fuzz-procfs.h"

static char *dir, *pti_path, *buddy_path;

static void remove_dir(void)
{
	g_unlink(pti_path);
	g_unlink(buddy_path);
	g_rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	fuzz_init();
	dir = g_dir_make_tmp("acceptsim-fuzz-XXXXXX", &error);
	g_assert_no_error(error);
	pti_path = g_build_filename(dir, "pagetypeinfo", NULL);
	buddy_path = g_build_filename(dir, "buddyinfo", NULL);
	atexit(remove_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t pti_len = nul ? (size_t)(nul - data) : size;
	g_autoptr(GError) error = NULL;
	struct snapshot snap = { 0 };

	if (!g_file_set_contents(pti_path, (const char *)data, (gssize)pti_len, NULL))
		abort();
	if (nul) {
		if (!g_file_set_contents(buddy_path, (const char *)nul + 1,
					 (gssize)(size - pti_len - 1), NULL))
			abort();
	} else {
		g_unlink(buddy_path);
	}
	if (snapshot_load(&snap, dir, &error)) {
		g_assert(!error);
		fuzz_snapshot_use(&snap);
	} else {
		g_assert(error && error->message);
	}
	snapshot_clear(&snap);
	return 0;
}
