/* backtest.h: the pure arithmetic of `careflow backtest` on a record set
 * (models/records/records.h): what the records show happened (the actual series), the
 * two baseline forecasts every careflow forecast is measured against, and the scores.
 * No files, no simulation: the command (models/commands/backtest.c) runs the estimator
 * and the model and hands the numbers here. bt_resample draws the bootstrap's
 * resamples from a stream the caller gives (nothing else here is random).
 *
 * Days are calendar day numbers (sim/cal.h). A stay [start, end) counts in its stage's
 * stock at the end of day d when start <= d < end (an open stay until the extract date
 * and beyond it: it is unknown there, see below); it is an entry on its start day.
 * Figures after the records' extract date are unknown: NaN. So are figures before a
 * stage's record is complete (rs->observed_from, F): the stock at the end of day d is
 * known from d = F - 1 (every stay still open then ended on or after F, so is listed),
 * entries on days a + 1 .. b from a = F - 1.
 *
 * The window before a cutoff C of W months is the days (C shifted back W calendar
 * months, C]: every count "in the window" is over those days, and every figure uses
 * only what an extract taken on C shows (starts and ends <= C), so the full records
 * give the same baselines as records cut at C. A stage whose record begins inside the
 * window (F - 1 > the window's first day - 1) has its own, shorter window: its days
 * F .. C; its counts and rates are over those days, and its persistence entries are
 * scaled to a whole month.
 *
 * Baselines (docs/backtest.md explains them to planners):
 *   persistence  each stage's stock stays as it was on the cutoff; its entries in a
 *                month are the window's mean monthly entries (window entries / W),
 *                times the share of the month's days forecast (a first month that
 *                starts after a mid-month cutoff gets its part);
 *   rates        the deterministic stock-and-flow projection: over the window, for each
 *                stage s, a_s = entries to s not straight from another stage's stay,
 *                per day, and q_{s->t} = stays of s ending in the window with next t (a
 *                stage, or exit) / stock-days of s in the window (the sum over the
 *                window's days of s's end-of-day stock); from the cutoff's stocks, day
 *                by day: in_s = a_s + sum_r x_r q_{r->s}; x_s <- x_s + in_s - x_s sum_t
 *                q_{s->t} (all stages at once, from the day's opening stocks); entries
 *                in a period = the sum of in_s over its days.
 * An entry "straight from another stay" is a stay starting on the day another stay of
 * the same child ends with next = this stage.
 *
 * Scores over the rows of several cutoffs, for each stage, metric, months_ahead and
 * model, over the cutoffs where the actual is known and > 0 and the model has a
 * forecast (n of them): mape = mean |f - a| / a x 100; bias_pct = mean (f - a) / a x 100;
 * coverage50 / coverage90 (careflow only) = share with p25 <= a <= p75 / p05 <= a <=
 * p95. f is the model's point forecast (careflow: the mean over replications). With
 * n == 0 every measure is NaN (written empty).
 *
 * Memory: each *_init pairs with its *_free; on failure (SIM_ENOMEM) nothing is left
 * allocated. Nothing here prints. */
#ifndef MODELS_BACKTEST_H
#define MODELS_BACKTEST_H

#include <stddef.h>

#include "models/records/records.h"

/* X(enum, name in backtest.csv) */
#define BT_METRIC_MAP(X)   \
    X(BT_STOCK, "stock")   \
    X(BT_ENTRIES, "entries")

/* X(enum, name in backtest_scores.csv) */
#define BT_MODEL_MAP(X)                  \
    X(BT_CAREFLOW, "careflow")           \
    X(BT_PERSISTENCE, "persistence")     \
    X(BT_RATES, "rates")

#define BT_ENUM(e, s) e,
typedef enum { BT_METRIC_MAP(BT_ENUM) BT_N_METRICS } bt_metric_t;
typedef enum { BT_MODEL_MAP(BT_ENUM) BT_N_MODELS } bt_model_t;
#undef BT_ENUM
extern const char *const bt_metric_names[BT_N_METRICS];
extern const char *const bt_model_names[BT_N_MODELS];

/* The quantiles kept of the careflow forecast: p05, p25, p50, p75, p95. */
#define BT_N_Q 5
extern const double bt_q_levels[BT_N_Q];

/* ---- the actual series ---------------------------------------------------------------- */

/* Each stage's stay starts and ends, sorted, for look-ups at any day in O(log n)
 * (memory linear in the stays, whatever span of dates the records cover). */
typedef struct bt_series {
    int n_stages;      /* the records' stages */
    long last;         /* the extract date: later figures are unknown */
    size_t *n_starts;  /* [n_stages] stays of each stage */
    long **starts;     /* [n_stages][n_starts[s]] their start days, ascending */
    size_t *n_ends;    /* [n_stages] closed stays of each stage */
    long **ends;       /* [n_stages][n_ends[s]] their end days, ascending */
    long *from;        /* [n_stages] the stage's observed_from (LONG_MIN when the set
                        * has none): earlier figures are unknown */
} bt_series_t;

/* 0, or SIM_ENOMEM (nothing to free). */
int bt_series_init(bt_series_t *s, const rec_set_t *rs);
void bt_series_free(bt_series_t *s);

/* Stage's stock at the end of day d: 0 before the first day, NaN after the extract or
 * before d = from - 1. */
double bt_stock(const bt_series_t *s, int stage, long d);
/* Entries to stage on days a + 1 .. b (a < b): NaN if b is after the extract or a is
 * before from - 1. */
double bt_entries(const bt_series_t *s, int stage, long a, long b);

/* The k-th month end after day c (k >= 1): the first is c's own month end unless c is
 * one, then the next. Month k's figures cover the days (month end k-1, month end k],
 * with month end 0 = c. */
long bt_month_end_after(long c, int k);

/* ---- baselines ------------------------------------------------------------------------ */

/* The rates of the window before a cutoff (see the top). */
typedef struct bt_rates {
    int n_stages;       /* the records' stages */
    long cutoff;        /* the window's last day */
    long w0;            /* the window's days are w0 + 1 .. cutoff */
    long *w0s;          /* [n_stages] each stage's window: days w0s[s] + 1 .. cutoff, with
                         * w0s[s] = max(w0, observed_from[s] - 1) */
    int window_months;  /* W */
    double *stock0;     /* [n_stages] stock at the end of the cutoff */
    double *entries;    /* [n_stages] all entries in the window */
    double *outside;    /* [n_stages] entries not straight from another stay */
    double *stock_days; /* [n_stages] stock-days in the window */
    double *moves;      /* [n_stages * (n_stages + 1)] stays of s ending in the window
                         * with next t at [s * (n_stages + 1) + t]; t = n_stages: exit */
} bt_rates_t;

/* Cuts a record set down to the stages keep[s] != 0 (in place): stays of the other
 * stages are removed, a `next` naming one becomes REC_EXIT (leaving what the set
 * holds), the kept stages are renumbered in order (their names, observed_from and the
 * stays' stage and next follow), and children left with no stay are removed (the stays'
 * child indices follow). Entries from a removed stage become entries from outside.
 * Returns the number of stages kept; nothing is allocated. */
int bt_keep_stages(rec_set_t *rs, const unsigned char *keep);

/* The bootstrap resample of a record set (the parameter uncertainty of a scenario
 * estimated from it): n children drawn with replacement from the n children of rs that
 * have a stay, each draw uniform and independent, from r (the caller's stream: this is
 * the one function here that draws random numbers). The k-th draw becomes child k of
 * *out, with id "bK" (K = k + 1: a child drawn twice is two children) and that child's
 * date of birth, flags and sex, and carries every one of the child's stays (child
 * index rewritten); stays stay sorted by child, start, stage. Stages, flags, files,
 * observed_from (how far back the records are complete: a property of the extract, not
 * of the children in it), extract and quality are copied; first is the earliest start
 * drawn. 0 and *out (rec_free), or SIM_ENOMEM with *out NULL. */
struct rng;
int bt_resample(const rec_set_t *rs, struct rng *r, rec_set_t **out);

/* The day `months` calendar months before c (the same day of the month, or the month's
 * last day when it has fewer). */
long bt_months_before(long c, int months);

/* Counts the window of W months before cutoff (first <= cutoff <= extract) in rs.
 * 0, or SIM_ENOMEM (nothing to free). */
int bt_rates_init(bt_rates_t *r, const rec_set_t *rs, long cutoff, int window_months);
void bt_rates_free(bt_rates_t *r);

/* The two baselines for months 1..horizon after the cutoff, each into
 * [(k - 1) * n_stages + s] of out_stock (at month end k) and out_entries (in month k),
 * [horizon * n_stages] each. The rates projection runs day by day. 0 or SIM_ENOMEM. */
void bt_persistence(const bt_rates_t *r, int horizon, double *out_stock, double *out_entries);
int bt_project(const bt_rates_t *r, int horizon, double *out_stock, double *out_entries);

/* ---- rows and scores ------------------------------------------------------------------ */

/* One row of backtest.csv: a forecast of one figure set beside what happened. */
typedef struct bt_row {
    long cutoff;        /* the extract date the forecast starts from */
    long date;          /* the month end (stock) or the month's last day (entries) */
    int months_ahead;   /* 1 .. horizon */
    int stage;          /* index into the records' stages */
    bt_metric_t metric; /* stock or entries */
    double actual;      /* what the full records show; NaN beyond their extract date */
    double mean;        /* careflow: mean over replications (NaN: not forecast) */
    double q[BT_N_Q];   /* careflow: p05, p25, p50, p75, p95 over replications */
    double persistence; /* the persistence baseline */
    double rates;       /* the rates baseline */
} bt_row_t;

/* (f - a) / a x 100, or NaN when a is NaN or 0 or f is NaN. */
double bt_pct_error(double f, double a);

/* One line of backtest_scores.csv. */
typedef struct bt_score {
    int stage;          /* index into the records' stages */
    bt_metric_t metric;
    int months_ahead;   /* 1 .. horizon */
    bt_model_t model;
    double mape;        /* % (NaN when n == 0) */
    double bias_pct;    /* % (NaN when n == 0) */
    double coverage50;  /* share in [0, 1]; NaN for the baselines or n == 0 */
    double coverage90;  /* share in [0, 1]; NaN for the baselines or n == 0 */
    int n;              /* cutoffs scored */
} bt_score_t;

/* The scores of rows[0..n_rows), one per stage, metric, months_ahead (1..horizon) and
 * model, in that order (stage slowest, model fastest): n_stages * BT_N_METRICS *
 * horizon * BT_N_MODELS of them into *out (mem_free it). Rows with a stage or
 * months_ahead out of range are ignored. 0 or SIM_ENOMEM (*out NULL). */
int bt_scores(const bt_row_t *rows, size_t n_rows, int n_stages, int horizon,
              bt_score_t **out, size_t *n_out);

#endif
