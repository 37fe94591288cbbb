// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: a saved /proc/buddyinfo (or any single snapshot file)
 * through snapshot_load(), then the fragmentation indices 'acceptsim
 * frag' prints from it.
 */
#include "fuzz.h"
#include "fuzz-procfs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file(0, ".buddyinfo", data, size);
	g_autoptr(GError) error = NULL;
	struct snapshot snap = { 0 };

	if (snapshot_load(&snap, path, &error)) {
		g_assert(!error);
		fuzz_snapshot_use(&snap);
	} else {
		g_assert(error && error->message);
	}
	snapshot_clear(&snap);
	return 0;
}
