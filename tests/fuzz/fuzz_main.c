/* fuzz_main.c: the libFuzzer driver of one loader harness (tests/fuzz/harness.h).
 * `make fuzz` compiles it once per harness with -DFUZZ_HARNESS="load" (or "include",
 * "set", "csv") into build/fuzz/fuzz_<harness>.
 *
 * libFuzzer calls LLVMFuzzerInitialize once, then LLVMFuzzerTestOneInput per input,
 * and gives neither a context: the harness's folder lives in the one file-level
 * variable below, set once in LLVMFuzzerInitialize (the exception STYLE.md allows for
 * process-wide set-up; a fuzzer runs one input at a time). A contract violation is
 * printed and abort()ed, so libFuzzer saves the input as a crash. (A sanitizer's crash
 * leaves the folder, /tmp/careflow-fuzz-*, behind.) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/harness.h"

#ifndef FUZZ_HARNESS
#error "compile with -DFUZZ_HARNESS=\"load\" (or include, set, csv)"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static harness_t the_harness; /* this process's folder, made once */

static void cleanup(void)
{
    harness_cleanup(&the_harness);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char why[256];
    (void)argc;
    (void)argv;
    if (harness_init(&the_harness, FUZZ_HARNESS, why, sizeof why) < 0) {
        fprintf(stderr, "fuzz_%s: %s\n", FUZZ_HARNESS, why);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[2 * HARNESS_ERRLEN];
    if (harness_run(&the_harness, data, size, why, sizeof why) < 0) {
        fprintf(stderr, "fuzz_%s: contract violated: %s\n", FUZZ_HARNESS, why);
        harness_cleanup(&the_harness); /* abort() skips atexit */
        abort();
    }
    return 0;
}
