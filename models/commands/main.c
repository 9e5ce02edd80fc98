/* main.c: the `careflow` command line: `run`, `validate`, `--help`, `--version`.
 *
 * Parses the arguments (usage errors: exit 2 before anything is read), loads the
 * scenario with its --set overrides (invalid scenario: the loader's one line
 * "FILE:LINE:COL: error: ..." and exit 2), applies --reps and --seed, and hands over
 * to the runner (runtime failure: exit 1). Signals during a run are handled by the
 * runner (models/runner.c): no temporary file is left behind and the exit status is 1. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/commands/runner.h"
#include "models/scenario/scenario.h"
#include "models/commands/sens.h"
#include "sim/err.h"
#include "models/strands/strand.h"
#include "models/commands/version.h"
#include "sim/cal.h"

#define EXIT_USAGE 2
#define REPS_MAX 100000
#define THREADS_MAX 1024

static const char help_main[] =
    "careflow " CAREFLOW_VERSION " - a discrete-event demand simulator for children's social care\n"
    "\n"
    "Usage:\n"
    "  careflow run SCENARIO.yaml [--reps N] [--seed S] [--threads T] [--out DIR]\n"
    "               [--set PATH=VALUE]... [--no-plots] [--quiet]\n"
    "  careflow validate SCENARIO.yaml [--set PATH=VALUE]...\n"
    "  careflow compare BASE.yaml ALT.yaml [ALT2.yaml ...] [--reps N] [--seed S]\n"
    "               [--threads T] [--out DIR] [--set PATH=VALUE]... [--no-plots] [--quiet]\n"
    "  careflow sensitivity SCENARIO.yaml [--method oat|morris|sobol|lhs] [--samples N]\n"
    "               [--outputs METRIC:STAGE,...] [options as for run]\n"
    "  careflow strands\n"
    "  careflow --help | careflow COMMAND --help | careflow --version\n"
    "\n"
    "Commands:\n"
    "  run       simulate the scenario's replications and write summary.csv,\n"
    "            timeseries.csv, replications.csv, fit.csv (if the scenario has\n"
    "            observed data), costs.csv (if it has costs), manifest.json and\n"
    "            plots/ into out/NAME/\n"
    "            (see 'careflow run --help' for every option and file)\n"
    "  validate  check a scenario without simulating it and describe it in one\n"
    "            paragraph (see 'careflow validate --help')\n"
    "  compare   simulate a base scenario and alternatives with common random\n"
    "            numbers and write the paired differences, costs and savings\n"
    "            (compare.csv; see 'careflow compare --help')\n"
    "  sensitivity  run the scenario over a design of its `uncertain:` parameters\n"
    "            and report which drive the results: one-at-a-time (tornado),\n"
    "            Morris, Sobol indices or Latin hypercube uncertainty (see\n"
    "            'careflow sensitivity --help')\n"
    "  strands   list the strand types a scenario's `strands:` may use\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help, or a command's help after the command\n"
    "  --version      print the version and exit\n"
    "Options take their value as the next argument or after '=' (--reps=50).\n"
    "\n"
    "Exit status: 0 success; 1 runtime failure (cannot write outputs, out of memory,\n"
    "interrupted); 2 usage error or invalid scenario (reported on stderr as\n"
    "FILE:LINE:COL: error: MESSAGE, with no output written).\n"
    "\n"
    "Example:\n"
    "  careflow validate scenarios/hampshire-baseline.yaml\n"
    "  careflow run scenarios/hampshire-baseline.yaml --reps 50 --seed 7\n"
    "\n"
    "Docs: README.md (overview, building, a first run), docs/scenario-reference.md\n"
    "(every scenario key), docs/strands.md (strands and costs) and docs/outputs.md\n"
    "(every output file and column).\n";

static const char help_run[] =
    "Usage: careflow run SCENARIO.yaml [--reps N] [--seed S] [--threads T] [--out DIR]\n"
    "                    [--set PATH=VALUE]... [--no-plots] [--quiet]\n"
    "\n"
    "Simulates the scenario's replications (each one the whole horizon, from its own\n"
    "random streams) in parallel threads, then writes the results. The CSVs are\n"
    "byte-identical for the same scenario, seed and replications, whatever --threads is.\n"
    "\n"
    "Options:\n"
    "  --reps N          replications, 1..100000 (default: the scenario's\n"
    "                    `replications`, itself 20 when not given)\n"
    "  --seed S          random seed, an integer 0..18446744073709551615 (default: the\n"
    "                    scenario's `seed`, itself 1 when not given)\n"
    "  --threads T       worker threads, 1..1024 (default: the number of online CPU\n"
    "                    cores; never more than the replications)\n"
    "  --out DIR         output folder, created if missing (default: out/NAME, NAME\n"
    "                    being the scenario's `name`, relative to the current folder)\n"
    "  --set PATH=VALUE  override one scalar of the scenario by its path, e.g.\n"
    "                    --set arrivals.referrals.per_year=10500\n"
    "                    --set stages.cin.duration.mean=200\n"
    "                    --set pools.cin_teams.workers=230\n"
    "                    (list items are addressed by their `name`, or by their\n"
    "                    `type` when they have no name); may be repeated\n"
    "  --no-plots        do not draw plots/ (default: draw them with gnuplot); a\n"
    "                    plots/ folder from an earlier run is left as it was\n"
    "  --quiet           no progress bar, closing report or warning about observed\n"
    "                    data outside the horizon on stderr (errors, and a warning\n"
    "                    when plots cannot be drawn, are still reported)\n"
    "  -h, --help        show this help\n"
    "Options may come before or after SCENARIO.yaml, and take their value as the next\n"
    "argument or after '=' (--reps=50).\n"
    "\n"
    "Outputs, in DIR:\n"
    "  summary.csv       metric,stage,mean,sd,ci95_low,ci95_high,replications: per\n"
    "                    stage and for `all` open-case stages (avg_stock, final_stock,\n"
    "                    entries_per_year, exits_per_year, mean_duration_days,\n"
    "                    avg_waiting, mean_wait_days, aged_out_per_year), then per pool\n"
    "                    (avg_used, avg_utilisation, avg_caseload_per_worker), per\n"
    "                    strand those of its mechanisms (referred_per_year,\n"
    "                    started_per_year, turned_away_per_year, avg_in_service,\n"
    "                    avg_waiting, mean_wait_days, avg_places, averted_per_year)\n"
    "                    and, with costs, cost_per_year of each cost item and `all`\n"
    "                    and component_cost_per_year of pool, placement and strand;\n"
    "                    mean and 95% Student-t interval over replications;\n"
    "                    statistics ignore the warm-up; empty fields where a value\n"
    "                    is undefined\n"
    "  timeseries.csv    day,date,stage,metric,mean,p05,p25,p50,p75,p95: stock,\n"
    "                    waiting and entries of each stage and `all` at each report\n"
    "                    instant, then each pool's used and utilisation, with\n"
    "                    percentiles over replications\n"
    "  replications.csv  replication,metric,stage,value: the per-replication values\n"
    "                    behind summary.csv\n"
    "  fit.csv           date,stages,metric,observed,mean,ci95_low,ci95_high,pct_error:\n"
    "                    the scenario's `observed` data against the simulation (only\n"
    "                    when it has some; items outside the horizon are skipped with\n"
    "                    a warning)\n"
    "  costs.csv         period,from,to,component,item,mean,sd,ci95_low,ci95_high,\n"
    "                    replications: each cost item (quantity x rate) and the\n"
    "                    total, per 12-month period from the end of the warm-up and\n"
    "                    for the whole window (`all`); only when the scenario has\n"
    "                    costs (a `costs` block, or strands with costs)\n"
    "  manifest.json     version, scenario path and SHA-256, seed, replications,\n"
    "                    threads, command line, wall seconds, events, events per\n"
    "                    second, peak memory\n"
    "  plots/            PNG and SVG charts drawn by gnuplot from the CSVs (scripts in\n"
    "                    plots/*.gp beside the executable, or $CAREFLOW_PLOTS). If\n"
    "                    gnuplot is missing or fails, careflow prints a warning and\n"
    "                    still succeeds: the CSVs are the results.\n"
    "Every file is written under a temporary name (.NAME.tmp.PID) and renamed only when\n"
    "all are complete: a failed or interrupted run leaves no partial file and does not\n"
    "replace the results of an earlier run.\n"
    "\n"
    "Progress: on a terminal, a progress bar on stderr after the first second.\n"
    "Interrupting (Ctrl-C, SIGINT, SIGTERM, SIGHUP): while simulating, careflow stops\n"
    "after the replications in progress (a second Ctrl-C stops at once); while writing,\n"
    "it removes its temporary files. Either way nothing is replaced and the exit\n"
    "status is 1.\n"
    "\n"
    "Exit status: 0 success; 1 runtime failure (outputs cannot be written, out of\n"
    "memory, interrupted); 2 usage error or invalid scenario (FILE:LINE:COL: error: ...\n"
    "on stderr, nothing written).\n"
    "\n"
    "Example:\n"
    "  careflow run scenarios/hampshire-baseline.yaml --reps 50 --threads 4 \\\n"
    "      --set arrivals.referrals.per_year=10500 --out out/more-referrals\n"
    "\n"
    "Docs: docs/outputs.md (every output file and column), docs/scenario-reference.md\n"
    "(scenario keys), docs/strands.md (strands and costs) and README.md.\n";

static const char help_compare[] =
    "Usage: careflow compare BASE.yaml ALT.yaml [ALT2.yaml ...] [--reps N] [--seed S]\n"
    "                        [--threads T] [--out DIR] [--set PATH=VALUE]...\n"
    "                        [--no-plots] [--quiet]\n"
    "\n"
    "Simulates the base scenario and each alternative with the same seed and number of\n"
    "replications: replication i of every scenario meets the same children with the\n"
    "same random draws (common random numbers), and a strand's own draws come from its\n"
    "own streams. So the difference between two scenarios is measured replication by\n"
    "replication, and its interval is much narrower than the difference of two\n"
    "independent runs. The scenarios should share start and end dates and stage\n"
    "names. The seed and replications are the base's unless --seed and --reps are\n"
    "given. A scenario that prices no pool or placement borrows those unit costs\n"
    "(the base from the first alternative that has them, an alternative from the\n"
    "base), so that net costs compare like with like.\n"
    "\n"
    "Options: as for 'careflow run' (--set applies to every scenario); the default\n"
    "--out is out/compare-BASE-ALT (the scenarios' names).\n"
    "\n"
    "Outputs, in DIR:\n"
    "  compare.csv       metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,\n"
    "                    diff_ci95_high,unpaired_ci95_low,unpaired_ci95_high,\n"
    "                    replications,alt: every figure of summary.csv, base and\n"
    "                    alternative means, the paired difference alt - base with its\n"
    "                    95% t interval, and the unpaired (Welch) interval for\n"
    "                    reference; then, with costs, per year: net_cost_per_year,\n"
    "                    strand_cost_per_year, care_days_avoided_per_year,\n"
    "                    cost_per_care_day_avoided (strand cost / care days avoided)\n"
    "                    and benefit_cost_ratio (other costs saved / strand cost),\n"
    "                    the last two as ratios of means in diff_mean with a\n"
    "                    delta-method interval\n"
    "  compare_timeseries.csv  day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,\n"
    "                    diff_p05..diff_p95: the paired difference of stock and waiting\n"
    "                    at each report, with percentiles over replications\n"
    "  plots/            the difference over time with its bands, and costs by component\n"
    "\n"
    "Exit status: as for 'careflow run'.\n"
    "\n"
    "Example:\n"
    "  careflow compare scenarios/hampshire-baseline.yaml scenarios/hampshire-pa-rollout.yaml\n"
    "\n"
    "Docs: docs/strands.md (strands, costs and a worked comparison), docs/outputs.md.\n";

static const char help_validate[] =
    "Usage: careflow validate SCENARIO.yaml [--set PATH=VALUE]...\n"
    "\n"
    "Loads the scenario (with its includes and any --set overrides) and checks it\n"
    "without simulating anything or writing any file. If it is valid, prints a\n"
    "one-paragraph description on stdout (name, title, dates, stages, arrivals,\n"
    "initial cases, pools, observed data, strands, cost items, uncertain parameters,\n"
    "replications and seed) and a last line\n"
    "\"SCENARIO.yaml: ok\". If not, prints the first defect as\n"
    "FILE:LINE:COL: error: MESSAGE on stderr. With `uncertain:` parameters it also\n"
    "loads the scenario at each one's low and high value and reports one that makes\n"
    "it invalid at the parameter's line.\n"
    "\n"
    "Options:\n"
    "  --set PATH=VALUE  override one scalar by its path, as for `run`, e.g.\n"
    "                    --set stages.cin.duration.mean=200 (may be repeated)\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 valid; 2 usage error or invalid scenario.\n"
    "\n"
    "Example:\n"
    "  careflow validate scenarios/hampshire-baseline.yaml --set pools.cin_teams.workers=230\n"
    "\n"
    "Docs: docs/scenario-reference.md (every scenario key) and README.md.\n";

static const char help_sensitivity[] =
    "Usage: careflow sensitivity SCENARIO.yaml [--method oat|morris|sobol|lhs]\n"
    "               [--samples N] [--outputs METRIC:STAGE,...] [--reps R] [--seed S]\n"
    "               [--levels L] [--bootstrap B] [--threads T] [--out DIR]\n"
    "               [--set PATH=VALUE]... [--fresh] [--no-plots] [--quiet]\n"
    "\n"
    "Finds which of the scenario's `uncertain:` parameters drive its results. Each\n"
    "parameter is a --set path with a distribution (docs/scenario-reference.md). The\n"
    "method builds a design of parameter values; careflow runs the scenario at every\n"
    "design point with R replications and the same seed (common random numbers), takes\n"
    "each output's mean over the replications, and analyses the means. The spread over\n"
    "replications at each point is reported apart as noise (noise.csv), with a warning\n"
    "when it could swamp an index.\n"
    "\n"
    "Methods (--method, default oat):\n"
    "  oat     one at a time: every parameter at its low and high value, the others at\n"
    "          their medians (1 + 2k points); a tornado chart. Low and high are a\n"
    "          bounded distribution's ends, an unbounded one's 5th and 95th percentiles.\n"
    "  morris  Morris elementary effects: --samples trajectories (default 10) on a\n"
    "          --levels grid (default 4), N(k+1) points; mu* (importance) and sigma\n"
    "          (interaction or non-linearity) with a mu*-sigma plot\n"
    "  sobol   Sobol first-order (S1, Saltelli 2010) and total (ST, Jansen) indices\n"
    "          with bootstrap 95% intervals, on a scrambled Sobol sequence: --samples N\n"
    "          base rows (default 64; a power of 2), N(k+2) points; a convergence plot\n"
    "          of the indices against N\n"
    "  lhs     Latin hypercube propagation: --samples points (default 100); each\n"
    "          output's distribution over the parameters' uncertainty, fan charts,\n"
    "          and rank correlations\n"
    "\n"
    "Options:\n"
    "  --outputs M:S,...  figures of summary.csv to analyse, as metric:stage, e.g.\n"
    "                    entries_per_year:care,cost_per_year:all (default:\n"
    "                    avg_stock:all, entries_per_year:all and, with costs,\n"
    "                    cost_per_year:all)\n"
    "  --reps R          replications per design point (default: the scenario's)\n"
    "  --seed S          seed of every point's replications and of the design\n"
    "  --bootstrap B     bootstrap resamples for intervals (default 1000)\n"
    "  --threads T       threads (default: the online cores; under mpirun: 1 a rank)\n"
    "  --out DIR         output folder (default: out/NAME/sensitivity-METHOD)\n"
    "  --set PATH=VALUE  as for run, applied before each design point's values\n"
    "  --fresh           start again, ignoring the checkpoint of an interrupted sweep\n"
    "  --no-plots, --quiet, -h, --help   as for run\n"
    "\n"
    "Outputs, in DIR (CSV in SALib's layout, so they can be checked in Python):\n"
    "  params.csv        each parameter: distribution, low, median and high values\n"
    "  design.csv        the design points' values (one column per parameter, named\n"
    "                    by its path), in SALib's sample order\n"
    "  design_unit.csv   the same points in the unit hypercube\n"
    "  Y.csv             each output's mean over replications at each point\n"
    "  noise.csv         metric,stage,var_points,var_noise,noise_share,rep_sd,\n"
    "                    replications: the variance of the point means, the part of it\n"
    "                    that is replication noise, and the replications' sd\n"
    "  oat.csv           ...,low_value,high_value,base,y_low,y_high,swing and its\n"
    "                    paired 95% interval, largest swing first\n"
    "  morris.csv        ...,mu,mu_star,sigma,mu_star_conf,noise_ee\n"
    "  sobol.csv         ...,S1,S1_conf,ST,ST_conf,noise_swamped; and\n"
    "  sobol_convergence.csv  the same at N/16, N/8, N/4, N/2 and N\n"
    "  lhs.csv           ...,mean,sd,p05,p25,p50,p75,p95,noise_sd; lhs_correlation.csv\n"
    "                    (Spearman); lhs_timeseries.csv (fan charts' percentiles)\n"
    "  manifest.json, plots/\n"
    "Files are written through temporaries and renamed when all are complete.\n"
    "\n"
    "Parallel and resumable: design points are shared among threads, and among MPI\n"
    "ranks when built with `make MPI=1` and started with `mpirun -n K`; the results are\n"
    "byte-identical whatever the threads and ranks. Finished points are kept in\n"
    "DIR/.checkpoint/ as they finish: after an interruption (exit status 1), the same\n"
    "command resumes where it stopped.\n"
    "\n"
    "Exit status: 0 success; 1 runtime failure or interrupted; 2 usage error, invalid\n"
    "scenario, or an uncertain value that makes it invalid (FILE:LINE:COL: error: ...).\n"
    "\n"
    "Example:\n"
    "  careflow sensitivity scenarios/hampshire-innovation-uncertain.yaml --method sobol \\\n"
    "      --samples 64 --reps 5 --outputs entries_per_year:care,cost_per_year:all\n"
    "\n"
    "Docs: docs/sensitivity.md (the evaluator's guide, with a worked example).\n";

typedef enum { CMD_RUN, CMD_VALIDATE, CMD_COMPARE, CMD_SENSITIVITY } cmd_t;

typedef struct cli {
    cmd_t cmd;
    const char *path;      /* SCENARIO.yaml (compare: the base) */
    const char **paths;    /* compare: every scenario, [n_paths] */
    int n_paths;
    const char **sets;     /* --set values, [n_sets] */
    int n_sets;
    int reps;              /* 0: the scenario's */
    int have_seed;
    uint64_t seed;
    int threads;           /* 0: online cores */
    const char *out;       /* NULL: out/NAME */
    int no_plots;
    int quiet;
    int help;
    int method;            /* sensitivity: SENS_* */
    int samples;           /* sensitivity: 0: the method's default */
    int levels;            /* sensitivity: Morris levels, 0: 4 */
    int n_boot;            /* sensitivity: 0: 1000 */
    const char *outputs;   /* sensitivity: NULL: the defaults */
    int fresh;             /* sensitivity: ignore a checkpoint */
} cli_t;

/* Reports a usage error on stderr; returns the exit status for it. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("careflow: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'careflow --help'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* A decimal integer made only of digits, in [lo, hi]. Returns 0 or -1. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end || v < lo || v > hi)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

typedef enum {
    O_REPS, O_SEED, O_THREADS, O_OUT, O_SET, O_NO_PLOTS, O_QUIET, O_HELP,
    O_METHOD, O_SAMPLES, O_LEVELS, O_BOOT, O_OUTPUTS, O_FRESH
} opt_id_t;

typedef struct opt {
    const char *name; /* with the dashes */
    opt_id_t id;
    int takes_value;
    int run_only;     /* 1: not for `validate`; 2: `sensitivity` only */
} opt_t;

static const opt_t opts[] = {
    {"--reps", O_REPS, 1, 1},        {"--seed", O_SEED, 1, 1},
    {"--threads", O_THREADS, 1, 1},  {"--out", O_OUT, 1, 1},
    {"--set", O_SET, 1, 0},          {"--no-plots", O_NO_PLOTS, 0, 1},
    {"--quiet", O_QUIET, 0, 1},      {"--help", O_HELP, 0, 0},
    {"-h", O_HELP, 0, 0},            {"--method", O_METHOD, 1, 2},
    {"--samples", O_SAMPLES, 1, 2},  {"--levels", O_LEVELS, 1, 2},
    {"--bootstrap", O_BOOT, 1, 2},   {"--outputs", O_OUTPUTS, 1, 2},
    {"--fresh", O_FRESH, 0, 2},
};

/* Applies one option. Returns 0, or an exit status after reporting a usage error. */
static int apply_opt(cli_t *c, const opt_t *o, const char *val)
{
    uint64_t v;
    switch (o->id) {
    case O_REPS:
        if (parse_u64(val, 1, REPS_MAX, &v) != 0)
            return usage_error("--reps must be an integer from 1 to 100000, not '%s'", val);
        c->reps = (int)v;
        break;
    case O_SEED:
        if (parse_u64(val, 0, UINT64_MAX, &v) != 0)
            return usage_error("--seed must be an integer from 0 to 18446744073709551615, "
                               "not '%s'", val);
        c->seed = v;
        c->have_seed = 1;
        break;
    case O_THREADS:
        if (parse_u64(val, 1, THREADS_MAX, &v) != 0)
            return usage_error("--threads must be an integer from 1 to 1024, not '%s'", val);
        c->threads = (int)v;
        break;
    case O_OUT:
        if (!*val)
            return usage_error("--out needs a folder name");
        c->out = val;
        break;
    case O_SET: {
        const char *eq = strchr(val, '=');
        if (!eq || eq == val)
            return usage_error("--set expects PATH=VALUE, e.g. --set stages.cin.duration.mean=200; "
                               "got '%s'", val);
        c->sets[c->n_sets++] = val;
        break;
    }
    case O_NO_PLOTS: c->no_plots = 1; break;
    case O_QUIET: c->quiet = 1; break;
    case O_HELP: c->help = 1; break;
    case O_METHOD:
        if ((c->method = sens_method_from_name(val)) < 0)
            return usage_error("--method must be oat, morris, sobol or lhs, not '%s'", val);
        break;
    case O_SAMPLES:
        if (parse_u64(val, 2, 1000000, &v) != 0)
            return usage_error("--samples must be an integer from 2 to 1000000, not '%s'", val);
        c->samples = (int)v;
        break;
    case O_LEVELS:
        if (parse_u64(val, 2, 100, &v) != 0 || v % 2)
            return usage_error("--levels must be an even integer from 2 to 100, not '%s'", val);
        c->levels = (int)v;
        break;
    case O_BOOT:
        if (parse_u64(val, 10, 100000, &v) != 0)
            return usage_error("--bootstrap must be an integer from 10 to 100000, not '%s'", val);
        c->n_boot = (int)v;
        break;
    case O_OUTPUTS:
        if (!*val)
            return usage_error("--outputs needs METRIC:STAGE[,METRIC:STAGE...]");
        c->outputs = val;
        break;
    case O_FRESH: c->fresh = 1; break;
    }
    return 0;
}

/* Parses argv[2..] for command c->cmd. Returns 0, or an exit status (usage error
 * already reported). */
static int parse_args(cli_t *c, int argc, char **argv)
{
    const char *cmd = argv[1];
    int only_pos = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            if (c->cmd == CMD_COMPARE) {
                c->paths[c->n_paths++] = a;
                c->path = c->paths[0];
                continue;
            }
            if (c->path)
                return usage_error("unexpected argument '%s' (one scenario per %s)", a, cmd);
            c->path = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const opt_t *o = NULL;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a, len) == 0)
                o = &opts[k];
        if (!o || (o->run_only && c->cmd == CMD_VALIDATE) ||
            (o->run_only == 2 && c->cmd != CMD_SENSITIVITY)) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), a);
            return usage_error("unknown option '%s' for '%s'", name, cmd);
        }
        const char *val = NULL;
        if (o->takes_value) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage_error("option %s needs a value", o->name);
        } else if (eq) {
            return usage_error("option %s takes no value", o->name);
        }
        int rc = apply_opt(c, o, val);
        if (rc)
            return rc;
    }
    return 0;
}

/* The command line as one string, shell-quoted where needed (for the manifest).
 * Returns a new string, or NULL (no memory). */
static char *join_cmdline(int argc, char **argv)
{
    size_t cap = 1;
    for (int i = 0; i < argc; i++)
        cap += strlen(argv[i]) * 4 + 3;
    char *s = malloc(cap), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i)
            *p++ = ' ';
        int plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./=+,:@%") == strlen(a);
        if (plain) {
            p += strlen(strcpy(p, a));
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *a;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* Prints text word-wrapped at 78 columns, then a newline. */
static void print_wrapped(FILE *f, const char *text)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (!w)
            break;
        if (col > 0 && col + 1 + (int)w > 78) {
            fputc('\n', f);
            col = 0;
        } else if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += (int)w;
        p += w;
    }
    fputc('\n', f);
}

/* The one-paragraph description printed by `validate`. */
static void describe(FILE *f, const scenario_t *sc)
{
    char *text = NULL, d0[11], d1[11];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return;
    cal_format(sc->start, d0);
    cal_format(sc->start + (long)sc->horizon, d1);
    fprintf(m, "%s (\"%s\"): from %s to %s (%g days", sc->name, sc->title, d0, d1, sc->horizon);
    if (sc->warmup > 0)
        fprintf(m, ", of which %g days of warm-up", sc->warmup);
    if (sc->report_monthly)
        fputs(", reported at each month end). ", m);
    else
        fprintf(m, ", reported every %g days). ", sc->report_every);

    fprintf(m, "%d stage%s:", sc->n_stages, sc->n_stages == 1 ? "" : "s");
    for (int i = 0; i < sc->n_stages; i++)
        fprintf(m, " %s%s%s", sc->stages[i].name, sc->stages[i].open_case ? "" : " (not open)",
                i + 1 < sc->n_stages ? "," : ".");
    fprintf(m, " %d arrival stream%s:", sc->n_arrivals, sc->n_arrivals == 1 ? "" : "s");
    for (int i = 0; i < sc->n_arrivals; i++) {
        const scn_arrival_t *a = &sc->arrivals[i];
        fprintf(m, " %s to %s, %.6g a year%s", a->name, sc->stages[a->to].name,
                a->rate * CAL_DAYS_PER_YEAR, a->regular ? " (regular)" : "");
        if (a->trend != 0)
            fprintf(m, " growing %+.3g%% a year", 100 * a->trend);
        fputs(i + 1 < sc->n_arrivals ? ";" : ".", m);
    }
    if (sc->n_initial > 0) {
        long total = 0;
        for (int i = 0; i < sc->n_initial; i++)
            total += sc->initial[i].count;
        fprintf(m, " %ld open case%s at the start:", total, total == 1 ? "" : "s");
        for (int i = 0; i < sc->n_initial; i++)
            fprintf(m, " %ld in %s%s", sc->initial[i].count, sc->stages[sc->initial[i].stage].name,
                    i + 1 < sc->n_initial ? "," : ".");
    }
    if (sc->n_pools > 0) {
        fprintf(m, " %d workforce pool%s:", sc->n_pools, sc->n_pools == 1 ? "" : "s");
        for (int i = 0; i < sc->n_pools; i++) {
            const scn_pool_t *p = &sc->pools[i];
            fprintf(m, " %s (%g workers at the start, serving", p->name,
                    scenario_steps_at(&p->workers, 0, 0));
            for (int k = 0; k < p->n_serves; k++)
                fprintf(m, "%s %s", k ? "," : "", sc->stages[p->serves[k]].name);
            fprintf(m, "%s)%s", p->n_levels > 1 ? ", with priorities" : "",
                    i + 1 < sc->n_pools ? ";" : ".");
        }
    }
    if (sc->n_observed > 0)
        fprintf(m, " %d observed item%s to compare with.", sc->n_observed,
                sc->n_observed == 1 ? "" : "s");
    if (sc->n_strands > 0) {
        fprintf(m, " %d strand%s:", sc->n_strands, sc->n_strands == 1 ? "" : "s");
        for (int i = 0; i < sc->n_strands; i++)
            fprintf(m, " %s (%s)%s", sc->strands[i].name, sc->strands[i].type,
                    i + 1 < sc->n_strands ? "," : ".");
    }
    if (sc->n_costs > 0)
        fprintf(m, " %d cost item%s (%s).", sc->n_costs, sc->n_costs == 1 ? "" : "s", sc->currency);
    if (sc->n_uncertain > 0) {
        fprintf(m, " %d uncertain parameter%s:", sc->n_uncertain, sc->n_uncertain == 1 ? "" : "s");
        for (int i = 0; i < sc->n_uncertain; i++)
            fprintf(m, " %s (%s)%s", sc->uncertain[i].path,
                    sa_dist_name(sc->uncertain[i].dist.kind),
                    i + 1 < sc->n_uncertain ? "," : ".");
    }
    fprintf(m, " %d replication%s, seed %llu.", sc->replications, sc->replications == 1 ? "" : "s",
            (unsigned long long)sc->seed);
    if (fclose(m) != 0 || !text) {
        free(text);
        return;
    }
    print_wrapped(f, text);
    free(text);
}

static int default_threads(int threads, int reps)
{
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
    }
    return threads > reps ? reps : threads;
}

static int cmd_compare(cli_t *c, int argc, char **argv)
{
    scenario_t **scs = calloc((size_t)c->n_paths, sizeof *scs);
    char err[1024], out[4096];
    int rc = EXIT_USAGE;
    char *cmdline = NULL;
    if (!scs) {
        fputs("careflow: error: out of memory\n", stderr);
        return 1;
    }
    for (int i = 0; i < c->n_paths; i++)
        if (scenario_load(c->paths[i], c->sets, c->n_sets, &scs[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
    for (int i = 0; i < c->n_paths; i++) {
        scs[i]->replications = c->reps ? c->reps : scs[0]->replications;
        scs[i]->seed = c->have_seed ? c->seed : scs[0]->seed;
        if (i > 0 && (scs[i]->start != scs[0]->start || scs[i]->horizon != scs[0]->horizon ||
                      scs[i]->warmup != scs[0]->warmup)) {
            rc = usage_error("%s and %s cover different periods (start, end or warmup_days): "
                             "a comparison needs the same period", c->paths[0], c->paths[i]);
            goto out;
        }
    }
    /* like with like: the base borrows the first alternative's pool and placement costs
     * that prices them, and alternatives borrow the base's */
    for (int i = 1; i < c->n_paths; i++)
        if (scenario_adopt_costs(scs[0], scs[i]) != 0) {
            fputs("careflow: error: out of memory\n", stderr);
            rc = 1;
            goto out;
        }
    for (int i = 1; i < c->n_paths; i++)
        if (scenario_adopt_costs(scs[i], scs[0]) != 0) {
            fputs("careflow: error: out of memory\n", stderr);
            rc = 1;
            goto out;
        }
    if (c->out)
        snprintf(out, sizeof out, "%s", c->out);
    else
        snprintf(out, sizeof out, "out/compare-%s-%s", scs[0]->name, scs[1]->name);
    if (!(cmdline = join_cmdline(argc, argv))) {
        fputs("careflow: error: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
    runner_opts_t o = {.threads = default_threads(c->threads, scs[0]->replications),
                       .out_dir = out,
                       .no_plots = c->no_plots,
                       .quiet = c->quiet,
                       .cmdline = cmdline};
    rc = 0;
    if (runner_compare(scs, c->n_paths, &o, err, sizeof err) != 0) {
        fprintf(stderr, "careflow: error: %s\n", err);
        rc = 1;
    }
out:
    for (int i = 0; i < c->n_paths; i++)
        scenario_free(scs[i]);
    free(scs);
    free(cmdline);
    return rc;
}

static int cmd_main(cli_t *c, int argc, char **argv)
{
    scenario_t *sc = NULL;
    char err[1024];
    if (scenario_load(c->path, c->sets, c->n_sets, &sc, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    if (c->reps)
        sc->replications = c->reps;
    if (c->have_seed)
        sc->seed = c->seed;
    if (c->cmd == CMD_VALIDATE) {
        int st = sens_check(sc, c->sets, c->n_sets, err, sizeof err);
        if (st != 0) {
            fprintf(stderr, "%s\n", err);
            scenario_free(sc);
            return sim_exit_status(st);
        }
        describe(stdout, sc);
        printf("%s: ok\n", c->path);
        scenario_free(sc);
        return fflush(stdout) == 0 ? 0 : 1;
    }

    int threads = c->threads;
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
    }
    if (threads > sc->replications)
        threads = sc->replications;
    char out[4096];
    if (c->out)
        snprintf(out, sizeof out, "%s", c->out);
    else
        snprintf(out, sizeof out, "out/%s", sc->name);
    char *cmdline = join_cmdline(argc, argv);
    if (!cmdline) {
        scenario_free(sc);
        fputs("careflow: error: out of memory\n", stderr);
        return 1;
    }
    runner_opts_t o = {.threads = threads,
                       .out_dir = out,
                       .no_plots = c->no_plots,
                       .quiet = c->quiet,
                       .cmdline = cmdline};
    int rc = runner_run(sc, &o, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "careflow: error: %s\n", err);
    free(cmdline);
    scenario_free(sc);
    return rc == 0 ? 0 : 1;
}

/* `sensitivity`: on every MPI rank alike; only rank 0 reports what all ranks share. */
static int cmd_sensitivity(cli_t *c, int argc, char **argv)
{
    scenario_t *sc = NULL;
    char err[2048], out[4096], *cmdline = NULL;
    int rank = cluster_rank(), rc;
    /* every rank loads and checks; they agree before the sweep, so a rank that fails
     * here (a file it cannot read, no memory) does not leave the others waiting */
    if (scenario_load(c->path, c->sets, c->n_sets, &sc, err, sizeof err) != 0) {
        rc = SIM_EINVAL;
    } else {
        if (c->reps)
            sc->replications = c->reps;
        if (c->have_seed)
            sc->seed = c->seed;
        rc = sens_check(sc, c->sets, c->n_sets, err, sizeof err);
    }
    if (rc == 0 && !(cmdline = join_cmdline(argc, argv)))
        rc = sim_err_set(err, sizeof err, SIM_ENOMEM, "careflow: error: out of memory");
    if (rc != 0 && (rank == 0 || rc != SIM_EINVAL)) /* EINVAL: every rank says the same */
        fprintf(stderr, "%s\n", err);
    if ((rc = cluster_agree(rc)) != 0) {
        scenario_free(sc);
        free(cmdline);
        return sim_exit_status(rc);
    }
    if (c->out)
        snprintf(out, sizeof out, "%s", c->out);
    else
        snprintf(out, sizeof out, "out/%s/sensitivity-%s", sc->name,
                 sens_method_name((sens_method_t)c->method));
    int threads = c->threads;
    if (threads == 0 && cluster_size() > 1)
        threads = 1; /* one rank per core is the usual MPI layout */
    else if (threads == 0)
        threads = default_threads(0, THREADS_MAX);
    sens_opts_t o = {.method = (sens_method_t)c->method,
                     .samples = c->samples,
                     .levels = c->levels,
                     .n_boot = c->n_boot,
                     .outputs = c->outputs,
                     .threads = threads,
                     .out_dir = out,
                     .sets = c->sets,
                     .n_sets = c->n_sets,
                     .no_plots = c->no_plots,
                     .quiet = c->quiet || rank != 0,
                     .fresh = c->fresh,
                     .cmdline = cmdline};
    rc = sens_run(sc, &o, err, sizeof err);
    if (rc != 0 && err[0])
        fprintf(stderr, "careflow: error: %s\n", err);
    free(cmdline);
    scenario_free(sc);
    return sim_exit_status(rc);
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    if (cluster_init(&argc, &argv) != 0) {
        fputs("careflow: error: cannot start MPI\n", stderr);
        return 1;
    }
    int rc = dispatch(argc, argv);
    cluster_finalize();
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given (run, validate, --help or --version)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        const char *topic = argc > 2 ? argv[2] : "";
        fputs(strcmp(topic, "run") == 0        ? help_run
              : strcmp(topic, "validate") == 0 ? help_validate
              : strcmp(topic, "compare") == 0  ? help_compare
              : strcmp(topic, "sensitivity") == 0 ? help_sensitivity
                                               : help_main,
              stdout);
        return 0;
    }
    if (strcmp(cmd, "strands") == 0) {
        puts("Strand types (`type:` of an item of `strands:`; docs/strands.md has their keys,\n"
             "defaults and evidence):");
        for (int i = 0; strand_type_at(i); i++)
            printf("  %-13s %s\n", strand_type_at(i)->name, strand_type_at(i)->summary);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("careflow %s\n", CAREFLOW_VERSION);
        return 0;
    }

    cli_t c;
    memset(&c, 0, sizeof c);
    if (strcmp(cmd, "run") == 0)
        c.cmd = CMD_RUN;
    else if (strcmp(cmd, "validate") == 0)
        c.cmd = CMD_VALIDATE;
    else if (strcmp(cmd, "compare") == 0)
        c.cmd = CMD_COMPARE;
    else if (strcmp(cmd, "sensitivity") == 0)
        c.cmd = CMD_SENSITIVITY;
    else if (cmd[0] == '-')
        return usage_error("unknown option '%s'", cmd);
    else
        return usage_error("unknown command '%s' (the commands are run, validate, compare, "
                           "sensitivity and strands)", cmd);

    c.sets = malloc((size_t)argc * sizeof *c.sets);
    c.paths = malloc((size_t)argc * sizeof *c.paths);
    if (!c.sets || !c.paths) {
        free(c.sets);
        free(c.paths);
        fputs("careflow: error: out of memory\n", stderr);
        return 1;
    }
    int rc = parse_args(&c, argc, argv);
    if (rc == 0 && c.help) {
        fputs(c.cmd == CMD_RUN           ? help_run
              : c.cmd == CMD_COMPARE     ? help_compare
              : c.cmd == CMD_SENSITIVITY ? help_sensitivity
                                         : help_validate,
              stdout);
    } else if (rc == 0 && c.cmd == CMD_COMPARE && c.n_paths < 2) {
        rc = usage_error("'compare' needs a base scenario and at least one alternative, e.g. "
                         "careflow compare scenarios/BASE.yaml scenarios/ALT.yaml");
    } else if (rc == 0 && c.cmd == CMD_COMPARE) {
        rc = cmd_compare(&c, argc, argv);
    } else if (rc == 0 && !c.path) {
        rc = usage_error("'%s' needs a scenario file, e.g. careflow %s scenarios/NAME.yaml", cmd,
                         cmd);
    } else if (rc == 0 && c.cmd == CMD_SENSITIVITY) {
        rc = cmd_sensitivity(&c, argc, argv);
    } else if (rc == 0) {
        rc = cmd_main(&c, argc, argv);
    }
    free(c.sets);
    free(c.paths);
    return rc;
}
