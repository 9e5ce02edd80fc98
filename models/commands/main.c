/* main.c: the `careflow` command line: parsing and dispatch of `run`, `validate`,
 * `compare`, `sensitivity`, `sweep`, `calibrate`, `strands`, `--help` and `--version`
 * (`estimate` and `backtest` parse their own arguments).
 *
 * Parses the arguments (usage errors: exit 2 before anything is read), loads the
 * scenario with its --set overrides (invalid scenario: the loader's one line
 * "FILE:LINE:COL: error: ..." and exit 2), applies --reps and --seed, and hands over
 * to the command (run.c, compare.c, sens.c, sweep.c, calib.c), whose SIM_E* code becomes the exit
 * status through sim_exit_status (runtime failure: 1). The help texts are in help.c,
 * validate's description in validate.c; signals and the output transaction are
 * handled by the commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/calib.h"
#include "models/commands/cluster.h"
#include "models/commands/reps.h"
#include "models/commands/compare.h"
#include "models/commands/help.h"
#include "models/commands/records_cmd.h"
#include "models/records/rec_write.h"
#include "models/commands/run.h"
#include "models/scenario/scenario.h"
#include "models/commands/sens.h"
#include "models/commands/sweep.h"
#include "models/commands/validate.h"
#include "models/strands/strand.h"
#include "models/commands/version.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/text.h"

#define EXIT_USAGE 2
#define REPS_MAX 100000
#define THREADS_MAX 1024

typedef enum { CMD_RUN, CMD_VALIDATE, CMD_COMPARE, CMD_SENSITIVITY, CMD_SWEEP, CMD_CALIBRATE } cmd_t;

/* Which commands take an option: a mask of CMD_* bits. */
#define C_(cmd) (1u << (cmd))
#define C_ALL 0xffu
#define C_SIM (C_ALL & ~C_(CMD_VALIDATE)) /* every command that simulates */
#define C_POINTS (C_(CMD_SENSITIVITY) | C_(CMD_SWEEP) | C_(CMD_CALIBRATE))

typedef struct cli {
    cmd_t cmd;
    const char *name;      /* the command as typed (for "Try 'careflow NAME --help'") */
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
    int fresh;             /* sensitivity, sweep, calibrate: ignore a checkpoint */
    const char *vary[3];   /* sweep: --vary PATH=LOW:HIGH:STEP, as given */
    int n_vary;
    const char *target;    /* sweep: --target METRIC:STAGE<=X, or NULL */
    int dump;              /* validate: print the merged scenario */
    const char *episodes;  /* run: --episodes FILE, or NULL */
    int ep_format;         /* run: RUN_EP_* (-1: not given) */
    int ep_returns;        /* run: --episodes-returns */
    int ep_dates;          /* run: RECW_ISO or RECW_DMY (-1: not given) */
} cli_t;

/* Reports a usage error on stderr; returns the exit status for it. */
static int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    if (cluster_rank() != 0)
        return EXIT_USAGE; /* every rank meets it alike: rank 0 says it */
    va_start(ap, fmt);
    fputs("careflow: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    if (cmd)
        fprintf(stderr, "\nTry 'careflow %s --help'.\n", cmd);
    else
        fputs("\nTry 'careflow --help'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

typedef enum {
    O_REPS, O_SEED, O_THREADS, O_OUT, O_SET, O_NO_PLOTS, O_QUIET, O_HELP,
    O_METHOD, O_SAMPLES, O_LEVELS, O_BOOT, O_OUTPUTS, O_FRESH,
    O_EPISODES, O_EP_FORMAT, O_EP_RETURNS, O_EP_DATES, O_VARY, O_TARGET, O_DUMP
} opt_id_t;

typedef struct opt {
    const char *name; /* with the dashes */
    opt_id_t id;
    int takes_value;
    unsigned cmds;    /* the commands that take it: C_(CMD_*) bits */
} opt_t;

static const opt_t opts[] = {
    {"--reps", O_REPS, 1, C_SIM},        {"--seed", O_SEED, 1, C_SIM},
    {"--threads", O_THREADS, 1, C_SIM},  {"--out", O_OUT, 1, C_SIM},
    {"--set", O_SET, 1, C_ALL},          {"--no-plots", O_NO_PLOTS, 0, C_SIM},
    {"--quiet", O_QUIET, 0, C_SIM},      {"--help", O_HELP, 0, C_ALL},
    {"-h", O_HELP, 0, C_ALL},            {"--method", O_METHOD, 1, C_(CMD_SENSITIVITY)},
    {"--samples", O_SAMPLES, 1, C_(CMD_SENSITIVITY) | C_(CMD_CALIBRATE)},
    {"--levels", O_LEVELS, 1, C_(CMD_SENSITIVITY)},
    {"--bootstrap", O_BOOT, 1, C_(CMD_SENSITIVITY)},
    {"--outputs", O_OUTPUTS, 1, C_(CMD_SENSITIVITY) | C_(CMD_SWEEP)},
    {"--fresh", O_FRESH, 0, C_POINTS},
    {"--episodes", O_EPISODES, 1, C_(CMD_RUN)},
    {"--episodes-format", O_EP_FORMAT, 1, C_(CMD_RUN)},
    {"--episodes-returns", O_EP_RETURNS, 0, C_(CMD_RUN)},
    {"--episodes-dates", O_EP_DATES, 1, C_(CMD_RUN)},
    {"--vary", O_VARY, 1, C_(CMD_SWEEP)},
    {"--target", O_TARGET, 1, C_(CMD_SWEEP)},
    {"--dump", O_DUMP, 0, C_(CMD_VALIDATE)},
};

/* Applies one option. Returns 0, or an exit status after reporting a usage error. */
static int apply_opt(cli_t *c, const opt_t *o, const char *val)
{
    uint64_t v;
    switch (o->id) {
    case O_REPS:
        if (text_parse_u64(val, 1, REPS_MAX, &v) != 0)
            return usage_error(c->name, "--reps must be an integer from 1 to 100000, not '%s'", val);
        c->reps = (int)v;
        break;
    case O_SEED:
        if (text_parse_u64(val, 0, UINT64_MAX, &v) != 0)
            return usage_error(c->name, "--seed must be an integer from 0 to 18446744073709551615, "
                               "not '%s'", val);
        c->seed = v;
        c->have_seed = 1;
        break;
    case O_THREADS:
        if (text_parse_u64(val, 1, THREADS_MAX, &v) != 0)
            return usage_error(c->name, "--threads must be an integer from 1 to 1024, not '%s'", val);
        c->threads = (int)v;
        break;
    case O_OUT:
        if (!*val)
            return usage_error(c->name, "--out needs a folder name");
        c->out = val;
        break;
    case O_SET: {
        const char *eq = strchr(val, '=');
        if (!eq || eq == val)
            return usage_error(c->name, "--set expects PATH=VALUE, e.g. --set stages.cin.duration.mean=200; "
                               "got '%s'", val);
        c->sets[c->n_sets++] = val;
        break;
    }
    case O_NO_PLOTS: c->no_plots = 1; break;
    case O_QUIET: c->quiet = 1; break;
    case O_HELP: c->help = 1; break;
    case O_METHOD:
        if ((c->method = sens_method_from_name(val)) < 0)
            return usage_error(c->name, "--method must be oat, morris, sobol or lhs, not '%s'", val);
        break;
    case O_SAMPLES:
        if (text_parse_u64(val, 2, 1000000, &v) != 0)
            return usage_error(c->name, "--samples must be an integer from 2 to 1000000, not '%s'", val);
        c->samples = (int)v;
        break;
    case O_LEVELS:
        if (text_parse_u64(val, 2, 100, &v) != 0 || v % 2)
            return usage_error(c->name, "--levels must be an even integer from 2 to 100, not '%s'", val);
        c->levels = (int)v;
        break;
    case O_BOOT:
        if (text_parse_u64(val, 10, 100000, &v) != 0)
            return usage_error(c->name, "--bootstrap must be an integer from 10 to 100000, not '%s'", val);
        c->n_boot = (int)v;
        break;
    case O_OUTPUTS:
        if (!*val)
            return usage_error(c->name, "--outputs needs METRIC:STAGE[,METRIC:STAGE...]");
        c->outputs = val;
        break;
    case O_FRESH: c->fresh = 1; break;
    case O_EPISODES:
        if (!*val)
            return usage_error(c->name, "--episodes needs a file name");
        c->episodes = val;
        break;
    case O_EP_FORMAT:
        if (!strcmp(val, "careflow")) c->ep_format = RUN_EP_CAREFLOW;
        else if (!strcmp(val, "ssda903")) c->ep_format = RUN_EP_SSDA903;
        else if (!strcmp(val, "cin")) c->ep_format = RUN_EP_CIN;
        else
            return usage_error(c->name, "--episodes-format must be careflow, ssda903 or cin, not '%s'",
                               val);
        break;
    case O_EP_RETURNS: c->ep_returns = 1; break;
    case O_EP_DATES:
        if (!strcmp(val, "iso")) c->ep_dates = RECW_ISO;
        else if (!strcmp(val, "dmy")) c->ep_dates = RECW_DMY;
        else return usage_error(c->name, "--episodes-dates must be iso or dmy, not '%s'", val);
        break;
    case O_DUMP: c->dump = 1; break;
    case O_VARY:
        if (c->n_vary == 2)
            return usage_error(c->name, "--vary is given at most twice (a two-way grid)");
        if (!*val)
            return usage_error(c->name, "--vary expects PATH=LOW:HIGH:STEP, e.g. --vary "
                               "pools.cin_teams.workers=90:130:5");
        c->vary[c->n_vary++] = val;
        break;
    case O_TARGET:
        if (c->target)
            return usage_error(c->name, "--target is given once");
        if (!*val)
            return usage_error(c->name, "--target expects METRIC:STAGE<=X or METRIC:STAGE>=X, e.g. "
                               "--target mean_wait_days:cin<=10");
        c->target = val;
        break;
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
                return usage_error(c->name, "unexpected argument '%s' (one scenario per %s)", a, cmd);
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
        if (!o || !(o->cmds & C_(c->cmd))) {
            char name[64], sg[96];
            const char *mine[sizeof opts / sizeof opts[0]];
            int n_mine = 0;
            for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
                if (opts[k].cmds & C_(c->cmd))
                    mine[n_mine++] = opts[k].name;
            snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), a);
            return usage_error(c->name, "unknown option '%s' for '%s'%s", name, cmd,
                               text_suggest(sg, sizeof sg, name, mine, n_mine));
        }
        const char *val = NULL;
        if (o->takes_value) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage_error(c->name, "option %s needs a value", o->name);
        } else if (eq) {
            return usage_error(c->name, "option %s takes no value", o->name);
        }
        int rc = apply_opt(c, o, val);
        if (rc)
            return rc;
    }
    return 0;
}

static int default_threads(int threads, int reps)
{
    if (threads == 0 && cluster_size() > 1)
        threads = 1; /* one rank per core is the usual MPI layout */
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
    }
    return threads > reps ? reps : threads;
}

static int cmd_compare(cli_t *c, int argc, char **argv)
{
    scenario_t **scs = mem_calloc((size_t)c->n_paths, sizeof *scs);
    char err[1024], out[4096];
    int rc = EXIT_USAGE, *own_costs = NULL, agreed = 0;
    char *cmdline = NULL;
    if (!scs) {
        fputs("careflow: error: out of memory\n", stderr);
        cluster_agree(SIM_ENOMEM);
        return 1;
    }
    for (int i = 0; i < c->n_paths; i++) {
        int lrc = scenario_load(c->paths[i], c->sets, c->n_sets, &scs[i], err, sizeof err);
        if (lrc != 0) {
            if (cluster_rank() == 0 || lrc == SIM_ENOMEM)
                fprintf(stderr, "%s\n", err);
            rc = sim_exit_status(lrc);
            goto out;
        }
    }
    for (int i = 0; i < c->n_paths; i++) {
        scs[i]->replications = c->reps ? c->reps : scs[0]->replications;
        scs[i]->seed = c->have_seed ? c->seed : scs[0]->seed;
        if (i > 0 && (scs[i]->start != scs[0]->start || scs[i]->horizon != scs[0]->horizon ||
                      scs[i]->warmup != scs[0]->warmup)) {
            rc = usage_error(c->name, "%s and %s cover different periods (start, end or warmup_days): "
                             "a comparison needs the same period", c->paths[0], c->paths[i]);
            goto out;
        }
    }
    /* like with like: the base borrows the first alternative's pool and placement costs
     * that prices them, and alternatives borrow the base's (each scenario's folder keeps
     * only its own: own_costs) */
    if (!(own_costs = mem_calloc((size_t)c->n_paths, sizeof *own_costs))) {
        fputs("careflow: error: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
    for (int i = 0; i < c->n_paths; i++)
        own_costs[i] = scs[i]->n_costs;
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
    if (!(cmdline = text_shell_join(argc, argv))) {
        fputs("careflow: error: out of memory\n", stderr);
        rc = 1;
        goto out;
    }
    run_opts_t o = {.threads = default_threads(c->threads, scs[0]->replications),
                       .out_dir = out,
                       .no_plots = c->no_plots,
                       .quiet = c->quiet,
                       .cmdline = cmdline,
                       .sets = c->sets,
                       .n_sets = c->n_sets,
                       .own_costs = own_costs};
    /* every rank got here, or the ranks stop together (a rank's own failure above) */
    agreed = 1;
    if (cluster_agree(0) != 0) {
        rc = 1;
        goto out;
    }
    int crc = compare_run(scs, c->n_paths, &o, err, sizeof err);
    if (reps_should_say(crc) && err[0])
        fprintf(stderr, "careflow: error: %s\n", err);
    rc = sim_exit_status(crc);
out:
    if (!agreed)
        cluster_agree(SIM_EINVAL); /* this rank failed before the comparison */
    for (int i = 0; i < c->n_paths; i++)
        scenario_free(scs[i]);
    mem_free(scs);
    mem_free(own_costs);
    mem_free(cmdline);
    return rc;
}

static int cmd_main(cli_t *c, int argc, char **argv)
{
    scenario_t *sc = NULL;
    char err[1024];
    int lrc = scenario_load(c->path, c->sets, c->n_sets, &sc, err, sizeof err);
    if (lrc != 0 && (cluster_rank() == 0 || lrc == SIM_ENOMEM)) /* once, not once a rank */
        fprintf(stderr, "%s\n", err);
    if (c->cmd == CMD_RUN && lrc == 0)
        lrc = cluster_agree(0); /* run: every rank loaded, or they all stop here */
    else if (c->cmd == CMD_RUN)
        cluster_agree(lrc);
    if (lrc != 0) {
        scenario_free(sc);
        return sim_exit_status(lrc); /* bad input 2; out of memory or unreadable 1 */
    }
    if (c->reps)
        sc->replications = c->reps;
    if (c->have_seed)
        sc->seed = c->seed;
    if (c->cmd == CMD_VALIDATE) {
        int st = sens_check(sc, err, sizeof err);
        if (st != 0) {
            fprintf(stderr, "%s\n", err);
            scenario_free(sc);
            return sim_exit_status(st);
        }
        if (c->dump) {
            int drc = validate_dump(stdout, sc);
            scenario_free(sc);
            return drc == 0 && fflush(stdout) == 0 ? 0 : 1;
        }
        if (validate_describe(stdout, sc) != 0 || validate_warn_start(stderr, sc) < 0) {
            fprintf(stderr, "careflow: error: out of memory\n");
            scenario_free(sc);
            return sim_exit_status(SIM_ENOMEM);
        }
        printf("%s: ok\n", c->path);
        scenario_free(sc);
        return fflush(stdout) == 0 ? 0 : 1;
    }

    int threads = default_threads(c->threads, sc->replications);
    char out[4096];
    if (c->out)
        snprintf(out, sizeof out, "%s", c->out);
    else
        snprintf(out, sizeof out, "out/%s", sc->name);
    char *cmdline = text_shell_join(argc, argv);
    if (cluster_agree(cmdline ? 0 : SIM_ENOMEM) != 0) {
        scenario_free(sc);
        if (!cmdline)
            fputs("careflow: error: out of memory\n", stderr);
        mem_free(cmdline);
        return 1;
    }
    /* the start check validate makes: a stage that starts empty or far from the level
     * its inflows sustain drifts because of the start (the report lists it too) */
    if (!c->quiet && cluster_rank() == 0 && validate_warn_start(stderr, sc) < 0) {
        fputs("careflow: error: out of memory\n", stderr);
        mem_free(cmdline);
        scenario_free(sc);
        return sim_exit_status(SIM_ENOMEM);
    }
    run_opts_t o = {.threads = threads,
                       .out_dir = out,
                       .no_plots = c->no_plots,
                       .quiet = c->quiet,
                       .cmdline = cmdline,
                       .sets = c->sets,
                       .n_sets = c->n_sets,
                       .episodes = c->episodes,
                       .ep_format = c->ep_format < 0 ? RUN_EP_CAREFLOW : c->ep_format,
                       .ep_returns = c->ep_returns,
                       .ep_dates = c->ep_dates < 0 ? RECW_ISO : c->ep_dates};
    int rrc = run_scenario(sc, &o, err, sizeof err);
    if (reps_should_say(rrc) && err[0])
        fprintf(stderr, "careflow: error: %s\n", err);
    int rc = sim_exit_status(rrc);
    mem_free(cmdline);
    scenario_free(sc);
    return rc;
}

/* `sensitivity`, `sweep` and `calibrate`: on every MPI rank alike; only rank 0 reports
 * what all ranks share. */
static int cmd_points(cli_t *c, int argc, char **argv)
{
    scenario_t *sc = NULL;
    char err[2048], out[4096], *cmdline = NULL;
    int rank = cluster_rank(), rc;
    /* every rank loads and checks; they agree before the sweep, so a rank that fails
     * here (a file it cannot read, no memory) does not leave the others waiting */
    if ((rc = scenario_load(c->path, c->sets, c->n_sets, &sc, err, sizeof err)) != 0) {
        /* rc as the loader gives it: SIM_EINVAL exits 2, the others 1 */
    } else {
        if (c->reps)
            sc->replications = c->reps;
        if (c->have_seed)
            sc->seed = c->seed;
        if (c->cmd == CMD_SENSITIVITY)
            rc = sens_check(sc, err, sizeof err);
    }
    if (rc == 0 && !(cmdline = text_shell_join(argc, argv)))
        rc = sim_err_set(err, sizeof err, SIM_ENOMEM, "careflow: error: out of memory");
    if (rc != 0 && (rank == 0 || rc != SIM_EINVAL)) /* EINVAL: every rank says the same */
        fprintf(stderr, "%s\n", err);
    if ((rc = cluster_agree(rc)) != 0) {
        scenario_free(sc);
        mem_free(cmdline);
        return sim_exit_status(rc);
    }
    if (c->out)
        snprintf(out, sizeof out, "%s", c->out);
    else if (c->cmd == CMD_SWEEP)
        snprintf(out, sizeof out, "out/%s/sweep", sc->name);
    else if (c->cmd == CMD_CALIBRATE)
        snprintf(out, sizeof out, "out/%s/calibrate", sc->name);
    else
        snprintf(out, sizeof out, "out/%s/sensitivity-%s", sc->name,
                 sens_method_name((sens_method_t)c->method));
    int threads = c->threads;
    if (threads == 0 && cluster_size() > 1)
        threads = 1; /* one rank per core is the usual MPI layout */
    else if (threads == 0)
        threads = default_threads(0, THREADS_MAX);
    if (c->cmd == CMD_SWEEP) {
        sweep_opts_t so = {.vary = c->vary,
                           .n_vary = c->n_vary,
                           .target = c->target,
                           .outputs = c->outputs,
                           .threads = threads,
                           .out_dir = out,
                           .sets = c->sets,
                           .n_sets = c->n_sets,
                           .no_plots = c->no_plots,
                           .quiet = c->quiet || rank != 0,
                           .fresh = c->fresh,
                           .cmdline = cmdline};
        rc = sweep_run(sc, &so, err, sizeof err);
    } else if (c->cmd == CMD_CALIBRATE) {
        calib_opts_t co = {.samples = c->samples,
                           .threads = threads,
                           .out_dir = out,
                           .sets = c->sets,
                           .n_sets = c->n_sets,
                           .no_plots = c->no_plots,
                           .quiet = c->quiet || rank != 0,
                           .fresh = c->fresh,
                           .cmdline = cmdline};
        rc = calib_run(sc, &co, err, sizeof err);
    } else {
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
    }
    if (rc != 0 && err[0])
        fprintf(stderr, "careflow: error: %s\n", err);
    if (rc == SIM_EINVAL && err[0] && rank == 0)
        fprintf(stderr, "Try 'careflow %s --help'.\n", argv[1]);
    mem_free(cmdline);
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
    /* only rank 0 speaks on stdout (help, validate, sweep's answer) */
    if (cluster_rank() != 0) {
        FILE *quiet = freopen("/dev/null", "w", stdout);
        (void)quiet; /* failing, stdout is closed: as silent */
    }
    int rc = dispatch(argc, argv);
    cluster_finalize();
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given (run, validate, --help or --version)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        const char *topic = argc > 2 ? argv[2] : "";
        fputs(help_text(topic), stdout);
        return 0;
    }
    if (strcmp(cmd, "strands") == 0) {
        if (argc > 2 && strcmp(argv[2], "--help") != 0 && strcmp(argv[2], "-h") != 0)
            return usage_error(NULL, "strands takes no arguments, not '%s'", argv[2]);
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

    if (strcmp(cmd, "estimate") == 0)
        return estimate_main(argc, argv);
    if (strcmp(cmd, "backtest") == 0)
        return backtest_main(argc, argv);

    static const char *const commands[] = {"run", "validate", "compare", "sensitivity", "sweep",
                                           "calibrate", "estimate", "backtest", "strands",
                                           "help"};
    static const char *const top_opts[] = {"--help", "--version", "-h", "-V"};
    char sg[96];
    cli_t c;
    memset(&c, 0, sizeof c);
    c.name = cmd;
    c.ep_format = c.ep_dates = -1;
    if (strcmp(cmd, "run") == 0)
        c.cmd = CMD_RUN;
    else if (strcmp(cmd, "validate") == 0)
        c.cmd = CMD_VALIDATE;
    else if (strcmp(cmd, "compare") == 0)
        c.cmd = CMD_COMPARE;
    else if (strcmp(cmd, "sensitivity") == 0)
        c.cmd = CMD_SENSITIVITY;
    else if (strcmp(cmd, "sweep") == 0)
        c.cmd = CMD_SWEEP;
    else if (strcmp(cmd, "calibrate") == 0)
        c.cmd = CMD_CALIBRATE;
    else if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'%s", cmd,
                           text_suggest(sg, sizeof sg, cmd, top_opts, 4));
    else
        return usage_error(NULL, "unknown command '%s'%s (the commands are run, validate, compare, "
                           "sensitivity, sweep, calibrate, estimate, backtest and strands)", cmd,
                           text_suggest(sg, sizeof sg, cmd, commands, 10));

    c.sets = mem_alloc((size_t)argc * sizeof *c.sets);
    c.paths = mem_alloc((size_t)argc * sizeof *c.paths);
    if (!c.sets || !c.paths) {
        mem_free(c.sets);
        mem_free(c.paths);
        fputs("careflow: error: out of memory\n", stderr);
        return 1;
    }
    int rc = parse_args(&c, argc, argv);
    if (rc == 0 && c.help) {
        fputs(help_text(cmd), stdout);
    } else if (rc == 0 && c.cmd == CMD_COMPARE && c.n_paths < 2) {
        rc = usage_error(c.name, "'compare' needs a base scenario and at least one alternative, e.g. "
                         "careflow compare scenarios/BASE.yaml scenarios/ALT.yaml");
    } else if (rc == 0 && c.cmd == CMD_COMPARE) {
        rc = cmd_compare(&c, argc, argv);
    } else if (rc == 0 && !c.path) {
        rc = usage_error(c.name, "'%s' needs a scenario file, e.g. careflow %s scenarios/NAME.yaml", cmd,
                         cmd);
    } else if (rc == 0 && !c.episodes &&
               (c.ep_format >= 0 || c.ep_returns || c.ep_dates >= 0)) {
        rc = usage_error(c.name, "--episodes-format, --episodes-returns and --episodes-dates go with "
                         "--episodes FILE");
    } else if (rc == 0 && c.ep_returns && c.ep_format != RUN_EP_SSDA903) {
        rc = usage_error(c.name, "--episodes-returns goes with --episodes-format ssda903 (cin "
                         "censuses are always one per collection year)");
    } else if (rc == 0 && c.cmd == CMD_SWEEP && c.n_vary == 0) {
        rc = usage_error(c.name, "'sweep' needs --vary PATH=LOW:HIGH:STEP, e.g. careflow sweep "
                         "scenarios/council-staffed.yaml --vary pools.cin_teams.workers=90:130:5");
    } else if (rc == 0 && (c.cmd == CMD_SENSITIVITY || c.cmd == CMD_SWEEP ||
                           c.cmd == CMD_CALIBRATE)) {
        rc = cmd_points(&c, argc, argv);
    } else if (rc == 0) {
        rc = cmd_main(&c, argc, argv);
    }
    mem_free(c.sets);
    mem_free(c.paths);
    return rc;
}
