// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the trace reader on the acceptsim binary format.
 * Inputs detected as another format are rejected (return -1) so the
 * corpus stays in this format; good traces go through the binary-format
 * round trip of fuzz_trace_read().
 */
#include "fuzz.h"
#include "traces/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace_read(fuzz_write_file(0, ".trace", data, size), TRACE_FMT_NATIVE);
}
