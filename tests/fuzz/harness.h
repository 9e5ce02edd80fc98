/* harness.h: the scenario loader's fuzz harnesses, shared by the libFuzzer drivers
 * (tests/fuzz/fuzz_main.c, built by `make fuzz`) and the regression test
 * (tests/test_fuzz_regressions.c, built by `make test`), so a saved reproducer goes
 * through exactly the path that found it.
 *
 * Each harness turns the fuzzer's bytes into files in its own folder, calls
 * scenario_load on them and checks the loader's contract (models/scenario/scenario.h),
 * not only that it does not crash:
 * - on failure the return is negative, *out is NULL, and the message is one line of
 *   text (no '\n', '\r' or other control character but tab, which would also
 *   garble a terminal), NUL-terminated within the buffer, and either "out of memory" or
 *   "FILE:LINE:COL: error: MESSAGE" with FILE a file that exists (or the pseudo-file
 *   "--set PATH=VALUE") and LINE, COL at least 1;
 * - on success the return is 0 and *out is a scenario, which is freed (with ASan's
 *   leak checker on, anything the loader forgets to free is reported).
 *
 * The harnesses, by name (the input's format):
 * - "load":    the bytes are the scenario file;
 * - "include": the bytes up to the first NUL are the top file (top.yaml), the rest
 *              the file it may include as inc.yaml (`include: [inc.yaml]`);
 * - "set":     the bytes, split at NULs, are up to HARNESS_MAX_SETS --set arguments
 *              applied to a fixed valid scenario (HARNESS_BASE, written at init);
 * - "csv":     the bytes are obs.csv, read by a fixed scenario's
 *              `observed: [{file: obs.csv}]`;
 * - "records": the bytes are one case-records file (models/records/records.h: its kind
 *              found from its content), read by rec_read strictly, then leniently;
 *              the same message contract, and a set read must keep its invariants;
 * - "initial": the bytes are open.csv, the open cases a fixed scenario reads with
 *              `initial: {file: open.csv}` (a stage of it has durations by_age).
 * NUL is the separator because neither a YAML file nor a command-line argument can
 * hold one. Failures of the harness itself (cannot write a file) are reported like
 * violations: they are not the loader's, but must not pass silently. */
#ifndef TESTS_FUZZ_HARNESS_H
#define TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define HARNESS_MAX_SETS 8 /* --set arguments taken from one input */
#define HARNESS_ERRLEN 1024 /* the error buffer given to scenario_load */

/* One harness's working folder. */
typedef struct harness {
    char dir[64];      /* mkdtemp() folder, "/tmp/careflow-fuzz-XXXXXX" */
    const char *mode;  /* harness name (harness_known) */
} harness_t;

/* Makes the folder and writes the fixed files the mode needs. Returns 0, or -1 with
 * the reason in why. */
int harness_init(harness_t *h, const char *mode, char *why, size_t whylen);

/* Runs one input. Returns 0 when the loader kept its contract, -1 with the violation
 * in why (one line). Leaves the input's files in the folder, overwritten next time. */
int harness_run(harness_t *h, const uint8_t *data, size_t size, char *why, size_t whylen);

/* Removes the folder and the files in it (no-op if harness_init failed). */
void harness_cleanup(harness_t *h);

/* Is this a harness name? */
int harness_known(const char *mode);

#endif
