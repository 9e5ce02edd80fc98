/* sens.h: `careflow sensitivity`: which uncertain parameters drive the answers.
 *
 * A sweep takes the scenario's `uncertain:` parameters, builds a design (sim/sa.h:
 * one-at-a-time, Morris, Sobol/Saltelli or Latin hypercube), and runs the scenario at
 * every design point: the loaded scenario varied in memory (scenario_vary) by one
 * `--set PATH=VALUE` per parameter, reading no file again. Every point runs the same
 * replications with the same seed (common random numbers), so differences between
 * points are the parameters' doing, and the spread over replications at a point measures the
 * replication noise, reported apart (noise.csv) and compared with each index.
 *
 * Invariant (byte-identical results): a point's values depend only on the scenario,
 * the design and the seed, never on which thread, rank or earlier interrupted run
 * computed them; the outputs are written by rank 0 from the values in point order.
 *
 * Files go to o->out_dir as one set (nothing half-written). Finished points are
 * appended to OUT/.checkpoint/points-RANK.txt as they finish (exact hexadecimal
 * doubles); a sweep started again with the same command and the same input files
 * (the scenario, every include and every CSV it read, by SHA-256) skips them; a
 * changed input starts afresh, said on stderr. The folder is removed once the outputs
 * are written.
 *
 * The code: sens.c (this interface: the phases), sens_design.c, sens_sweep.c,
 * sens_checkpoint.c, sens_analysis.c, sens_write.c, sharing sens_internal.h. */
#ifndef MODELS_SENS_H
#define MODELS_SENS_H

#include <stddef.h>

#include "models/scenario/scenario.h"
#include "sim/err.h"

#define SENS_METHOD_MAP(X)          \
    X(SENS_OAT, "oat")              \
    X(SENS_MORRIS, "morris")        \
    X(SENS_SOBOL, "sobol")          \
    X(SENS_LHS, "lhs")

typedef enum sens_method {
#define SENS_ENUM(e, s) e,
    SENS_METHOD_MAP(SENS_ENUM)
#undef SENS_ENUM
    SENS_METHOD_N
} sens_method_t;

int sens_method_from_name(const char *s); /* the method, or SIM_EINVAL if unknown */
const char *sens_method_name(sens_method_t m);

typedef struct sens_opts {
    sens_method_t method;
    int samples;          /* 0: the method's default (morris: 10 trajectories; sobol: 64
                           * base rows; lhs: 100 points; oat: not used) */
    int levels;           /* Morris grid levels, even >= 2 (0: 4) */
    int n_boot;           /* bootstrap resamples for intervals (0: 1000) */
    const char *outputs;  /* "METRIC:STAGE,..." (summary.csv's figures), or NULL */
    int threads;          /* threads in this process, >= 1 */
    const char *out_dir;  /* folder of the outputs (created if missing) */
    const char *const *sets; /* the user's --set overrides, applied before each point's */
    int n_sets;
    int no_plots, quiet;
    int fresh;            /* ignore (and remove) a checkpoint instead of resuming */
    const char *cmdline;  /* for the manifest */
    int stop_after;       /* tests: stop as if interrupted once this process has finished
                           * this many points (0: never) */
} sens_opts_t;

/* Checks the uncertain parameters: each must be settable at its low and high values
 * (sc, as loaded with the user's --set, varied with each must be valid). Returns 0,
 * SIM_EINVAL with "FILE:LINE:COL: error: ..." (the parameter's item) in err, or
 * SIM_ENOMEM. Reads no file. */
int sens_check(const scenario_t *sc, char *err, size_t errlen);

/* Runs the sweep on sc (loaded with o->sets; its replications and seed are each
 * point's). Returns 0, or SIM_EINVAL (a bad --outputs, or a design point whose
 * scenario is invalid), SIM_ENOMEM, SIM_EIO (cannot write), SIM_EINTR (interrupted, or
 * stop_after) or SIM_EPEER (another MPI rank failed: err is empty), with one line in
 * err. Every rank returns; none waits for a rank that failed. */
int sens_run(const scenario_t *sc, const sens_opts_t *o, char *err, size_t errlen);

#endif
