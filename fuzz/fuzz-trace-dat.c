// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: the trace.dat reader (libtracecmd for v7 and
 * instances, our in-place fast path for v6), the input written to a
 * temporary file since the reader maps and seeks it.  Inputs that are not
 * trace.dat are rejected (return -1); a zstd- or gzip-compressed trace.dat
 * is inflated by the reader and stays in the corpus.
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
	return fuzz_trace_read(fuzz_write_file(0, ".dat", data, size), TRACE_FMT_DAT);
}
