/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the libFuzzer harnesses of fuzz/: a scratch file per process
 * for the readers that take a path, a GLib log setup that turns criticals
 * (API misuse) into crashes, and the trace reading loop with its
 * round-trip check through the binary format.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Criticals abort; debug and info messages are dropped. */
void fuzz_init(void);

/*
 * Write @size bytes of @data to this process's scratch file number @slot
 * (0..3, each with its own @suffix, e.g. ".ini") and return its path.
 * The files live in $TMPDIR and are removed at exit.
 */
const char *fuzz_write_file(unsigned int slot, const char *suffix, const void *data,
			    size_t size);
/* The path of scratch file @slot without writing it (for outputs). */
const char *fuzz_scratch_path(unsigned int slot, const char *suffix);

/*
 * Read the trace at @path to its end or first error.  If @want_format is
 * not -1 and the file is detected as another format, returns -1 (libFuzzer:
 * do not add to the corpus).  Every trace read without error is written to
 * the binary format and read back twice: the second copy must equal the
 * first event for event, and both must keep type, time, cpu and pid of the
 * input; a difference aborts.  Returns 0 otherwise.
 */
int fuzz_trace_read(const char *path, int want_format);

/* Read @path fully; the events, or NULL with the error message in *@msg. */
GArray *fuzz_trace_events(const char *path, char **msg);

#endif /* FUZZ_FUZZ_H */
