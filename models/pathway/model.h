/* model.h: the children's social care pathway as a discrete-event model on sim/.
 *
 * model_run() simulates one replication of a scenario and fills a model_result_t with
 * the per-replication figures behind summary.csv, timeseries.csv, replications.csv and
 * fit.csv. It reads the scenario and plan only, so replications can run in parallel
 * threads; all its randomness comes from streams derived from (seed, replication, ...)
 * and, per child, from (seed, replication, source, child number): one child's draws
 * never depend on another's. */
#ifndef MODELS_MODEL_H
#define MODELS_MODEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "models/scenario/scenario.h"
#include "sim/err.h"

/* Per-stage metrics, one row per stage and a last row `all` for the open-case stages
 * taken together as one system (an entry to `all` is a move from outside the open-case
 * stages into one of them; an exit is the reverse). X(enum, name in CSV). */
#define MODEL_STAGE_METRIC_MAP(X)             \
    X(MS_AVG_STOCK, "avg_stock")              \
    X(MS_FINAL_STOCK, "final_stock")          \
    X(MS_ENTRIES, "entries_per_year")         \
    X(MS_EXITS, "exits_per_year")             \
    X(MS_MEAN_DURATION, "mean_duration_days") \
    X(MS_AVG_WAITING, "avg_waiting")          \
    X(MS_MEAN_WAIT, "mean_wait_days")         \
    X(MS_AGED_OUT, "aged_out_per_year")       \
    X(MS_FINAL_WAITING, "final_waiting")      \
    X(MS_MAX_WAITING, "max_waiting")

#define MODEL_POOL_METRIC_MAP(X)            \
    X(MP_AVG_USED, "avg_used")              \
    X(MP_AVG_UTILISATION, "avg_utilisation") \
    X(MP_AVG_CASELOAD, "avg_caseload_per_worker")

#define MODEL_TS_METRIC_MAP(X) \
    X(MT_STOCK, "stock")       \
    X(MT_WAITING, "waiting")   \
    X(MT_ENTRIES, "entries")

/* Pool time series (timeseries.csv rows with the pool's name in `stage`). */
#define MODEL_POOL_TS_METRIC_MAP(X) \
    X(MPT_USED, "used")             \
    X(MPT_UTILISATION, "utilisation")

/* Strand metrics (summary.csv rows with the strand's name in `stage`). */
#define MODEL_STRAND_METRIC_MAP(X)                 \
    X(MX_REFERRED, "referred_per_year")            \
    X(MX_STARTED, "started_per_year")              \
    X(MX_TURNED_AWAY, "turned_away_per_year")      \
    X(MX_AVG_IN_SERVICE, "avg_in_service")         \
    X(MX_AVG_WAITING, "avg_waiting")               \
    X(MX_MEAN_WAIT, "mean_wait_days")              \
    X(MX_AVG_PLACES, "avg_places")                 \
    X(MX_AVERTED, "averted_per_year")

#define MODEL_ENUM(e, s) e,
enum { MODEL_STAGE_METRIC_MAP(MODEL_ENUM) MS_N };
enum { MODEL_POOL_METRIC_MAP(MODEL_ENUM) MP_N };
enum { MODEL_TS_METRIC_MAP(MODEL_ENUM) MT_N };
enum { MODEL_POOL_TS_METRIC_MAP(MODEL_ENUM) MPT_N };
enum { MODEL_STRAND_METRIC_MAP(MODEL_ENUM) MX_N };
#undef MODEL_ENUM

extern const char *const model_stage_metric_names[MS_N];
extern const char *const model_pool_metric_names[MP_N];
extern const char *const model_ts_metric_names[MT_N];
extern const char *const model_pool_ts_metric_names[MPT_N];
extern const char *const model_strand_metric_names[MX_N];

/* What every replication of a scenario shares: the report instants. */
typedef struct model_plan {
    int n_rows;          /* stage rows: n_stages + 1 (the last is `all`) */
    int n_reports;       /* report instants */
    double *report_day;  /* ascending; [0] is day 0; all <= horizon */
    int n_periods;       /* cost periods: years of the window from warmup, the last one
                          * ending at the horizon (it may be shorter) */
    double *period_day;  /* [n_periods + 1]: their boundaries, days */
} model_plan_t;

int model_plan_init(model_plan_t *p, const scenario_t *sc); /* 0, or SIM_ENOMEM */
void model_plan_free(model_plan_t *p);

/* One replication's figures. Stage metrics are over the window [warmup, horizon];
 * rates are per year of that window. A mean over no observations (e.g. no exits) is NaN. */
typedef struct model_result {
    double *stage;   /* [n_rows * MS_N]: stage[row * MS_N + metric] */
    double *pool;    /* [n_pools * MP_N] */
    double *ts;      /* [n_reports * n_rows * MT_N]: ts[(k * n_rows + row) * MT_N + m];
                      * MT_ENTRIES at k is the entries during (report k-1, report k];
                      * at k = 0 it is 0 and writers leave it out */
    double *pool_ts; /* [n_reports * n_pools * MPT_N]: pool_ts[(k * n_pools + p) * MPT_N + m],
                      * the pool's used weight and used / capacity at report k */
    double *strand;  /* [n_strands * MX_N] */
    double *cost;    /* [(n_periods + 1) * n_costs]: cost[k * n_costs + i] is cost item
                      * i (quantity x rate) in period k; k = n_periods is the whole
                      * window */
    double *obs;     /* [n_observed]: the simulated value of each observed item (NaN if
                      * its date is outside [0, horizon]) */
    uint64_t events;   /* events dispatched */
    uint64_t children; /* children created (initial + arrivals) */
    size_t peak_open;  /* most children alive at once */
} model_result_t;

/* Returns 0, or SIM_ENOMEM with nothing to free. */
int model_result_init(model_result_t *r, const scenario_t *sc, const model_plan_t *p);
void model_result_free(model_result_t *r);

/* Simulates replication `rep` (0-based) with seed sc->seed. If progress is not NULL it
 * is updated now and then with the share of the horizon simulated, in 1/1000ths.
 * Returns 0, or the SIM_E* code of what ended the run (sim_strerror names it):
 * SIM_ENOMEM (out of memory), SIM_ETIME (an event time NaN or before the clock, e.g. a
 * duration or arrival rate that evaluates to NaN). On failure `out` holds partial
 * figures and must not be written out; it is still freed with model_result_free. */
int model_run(const scenario_t *sc, const model_plan_t *p, int rep, model_result_t *out,
              atomic_uint *progress);

/* The stay log: one call per stay of a child in a stage, when it ends, and at the
 * horizon for every stay still open (in arena order). Days are simulation days (day t
 * is the end of calendar date start + t). Logging draws no random numbers and changes
 * nothing the run computes. */
typedef struct model_stay {
    uint32_t child;   /* the child's serial in the replication (1, 2, ... in order of
                       * creation: initial children first, then arrivals) */
    int stage;        /* stage index */
    int next;         /* stage index, SCN_EXIT, or MODEL_STAY_OPEN (open at the horizon) */
    int aged_out;     /* 1: it left by reaching max_age (next is SCN_EXIT) */
    double entered;   /* day it entered (negative for an initial child's past entry) */
    double left;      /* day it left; the horizon while open */
    double born;      /* day of birth (negative before day 0) */
    uint64_t flags;   /* attribute bits (scenario flags) */
    int history;      /* previous episodes (re-entries to an entry stage) */
} model_stay_t;

#define MODEL_STAY_OPEN (-2) /* next of a stay open at the horizon */

typedef struct model_log {
    /* called for every stay; a nonzero return (a SIM_E* code) ends the run with it */
    int (*stay)(void *ctx, const model_stay_t *s);
    void *ctx;        /* the callback's own */
} model_log_t;

/* model_run, reporting every stay of the replication to log (NULL: none, exactly
 * model_run). The figures in `out` are the same with or without a log. */
int model_run_logged(const scenario_t *sc, const model_plan_t *p, int rep,
                     model_result_t *out, atomic_uint *progress, const model_log_t *log);

#endif
