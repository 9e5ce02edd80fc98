/* report_pages.c: the pages of report.html, one function a command (see report.h).
 * Each reads the CSVs its command has just written into the staging folder
 * (meta->dir), so every figure on the page is a figure of a CSV, formatted for people.
 * A page for a new command: report_page_NAME(report_t *r) here, built from the blocks
 * of report.h, and one line in report_write's table (report.c). */
#include "models/commands/report.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/compare.h"
#include "models/commands/figures.h"
#include "models/commands/plot_internal.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/text.h"

/* ---- reading the CSVs ---------------------------------------------------------------- */

/* Loads dir/name with every column as text; 0, or -1 if it is missing or malformed or
 * memory ran out (then the page is marked incomplete). */
static int load(report_t *r, plot__table_t *t, const char *name)
{
    char path[PLOT_PATH_LEN], err[512];
    memset(t, 0, sizeof *t);
    if (plot__path_fmt(path, "%s/%s", report_meta(r)->dir, name) != 0)
        return -1;
    int rc = plot__table_load(t, path, name, NULL, "", err, sizeof err);
    if (rc == SIM_ENOMEM)
        report_oom(r);
    return rc == 0 ? 0 : -1;
}

static int col(const plot__table_t *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (!strcmp(plot__thdr(t, c), name))
            return c;
    return -1;
}

static const char *cell(const plot__table_t *t, long row, const char *name)
{
    int c = col(t, name);
    return c < 0 || row < 0 ? "" : plot__tcell(t, row, c);
}

static double num(const plot__table_t *t, long row, const char *name)
{
    double v;
    return plot__parse_num(cell(t, row, name), &v) == 0 ? v : NAN;
}

/* The first row whose columns c1 and c2 (names) hold v1 and v2 (c2 NULL: any), from
 * row `from`, with column "alt" holding alt if alt is not NULL; -1 if none. */
static long find(const plot__table_t *t, long from, const char *c1, const char *v1,
                 const char *c2, const char *v2, const char *alt)
{
    int a = col(t, c1), b = c2 ? col(t, c2) : -1, k = alt ? col(t, "alt") : -1;
    if (a < 0 || (c2 && b < 0) || (alt && k < 0))
        return -1;
    for (long i = from < 0 ? 0 : from; i < t->nrows; i++)
        if (!strcmp(plot__tcell(t, i, a), v1) && (!c2 || !strcmp(plot__tcell(t, i, b), v2)) &&
            (!alt || !strcmp(plot__tcell(t, i, k), alt)))
            return i;
    return -1;
}

/* "(95% interval LO to HI)" of two values formatted by fmt. */
typedef char *(*numfmt_fn)(char *buf, size_t len, double x);

static char *interval(char *buf, size_t len, double lo, double hi, numfmt_fn f)
{
    char a[64], b[64];
    if (isnan(lo) || isnan(hi))
        buf[0] = '\0';
    else
        snprintf(buf, len, "(95%% interval %s to %s)", f(a, sizeof a, lo), f(b, sizeof b, hi));
    return buf;
}

/* interval() of a count that cannot be negative (a stock, a waiting list, entries, a
 * caseload): its lower end shown at 0 when the normal interval of few replications
 * reaches below (the CSVs keep the interval as computed; docs/outputs.md). */
static char *interval0(char *buf, size_t len, double lo, double hi, numfmt_fn f)
{
    return interval(buf, len, lo < 0 ? 0 : lo, hi, f);
}

/* " " before a non-empty interval in a sentence, "" before an empty one. */
static const char *sp(const char *iv)
{
    return *iv ? " " : "";
}

static const char *stage_title(const scenario_t *sc, const char *stage)
{
    /* without a scenario (backtest reads records): the stages the records name */
    static const char *const records[][2] = {
        {"referral", "Referral"},         {"early_help", "Early help"},
        {"assessment", "Assessment"},     {"cin", "Child in Need plan"},
        {"cp", "Child Protection plan"}, {"care", "Looked after (in care)"}};
    if (!strcmp(stage, "all"))
        return "all open cases";
    for (int i = 0; sc && i < sc->n_stages; i++)
        if (!strcmp(sc->stages[i].name, stage))
            return sc->stages[i].title ? sc->stages[i].title : stage;
    for (size_t i = 0; !sc && i < sizeof records / sizeof records[0]; i++)
        if (!strcmp(records[i][0], stage))
            return records[i][1];
    return stage;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a plot's file name after its prefix names, as people read it, into buf: a
 * stage ("cin": its title), a date and a stage ("2022-03-31-assessment": "31 March 2022,
 * Assessment"), a fan chart's stage and series ("all-stock": "All open cases, children
 * open"), a figure ("cost_per_year-all": figures_words' "Cost a year of everything"),
 * else the name as it is. */
static void stem_words(char *buf, size_t len, const scenario_t *sc, const char *stem)
{
    char d[64];
    int y, mo, dd, n = 0;
    if (strlen(stem) > 11 && sscanf(stem, "%4d-%2d-%2d-%n", &y, &mo, &dd, &n) == 3 && n == 11) {
        char iso[11];
        snprintf(iso, sizeof iso, "%.10s", stem);
        snprintf(buf, len, "%s, %s", report_date(d, sizeof d, iso), stage_title(sc, stem + 11));
        return;
    }
    const char *dash = strchr(stem, '-');
    static const char *const series[][2] = {{"stock", "children open"},
                                            {"waiting", "children waiting"},
                                            {"entries", "entries"}};
    for (size_t i = 0; dash && i < sizeof series / sizeof series[0]; i++)
        if (!strcmp(dash + 1, series[i][0])) { /* a fan chart's STAGE-SERIES */
            char st[128];
            snprintf(st, sizeof st, "%.*s", (int)(dash - stem), stem);
            const char *t = stage_title(sc, st);
            snprintf(buf, len, "%c%s, %s", !strcmp(st, "all") ? 'A' : t[0],
                     t[0] ? t + 1 : "", series[i][1]);
            return;
        }
    if (dash) {
        char metric[128];
        snprintf(metric, sizeof metric, "%.*s", (int)(dash - stem), stem);
        figures_words(buf, len, sc, metric, dash + 1);
        char raw[300];
        snprintf(raw, sizeof raw, "%s of ", metric);
        if (strncmp(buf, raw, strlen(raw))) /* a figure it knows */
            return;
    }
    snprintf(buf, len, "%s", stage_title(sc, stem));
}

/* Every plots/PREFIX*.svg but SKIP*.svg (skip NULL: none), sorted by name, each as a
 * figure captioned "WHAT: NAME" (NAME: the file name after PREFIX in words,
 * stem_words). */
static void plots_matching_but(report_t *r, const char *prefix, const char *skip,
                               const char *what)
{
    const report_meta_t *m = report_meta(r);
    char path[PLOT_PATH_LEN];
    if (!m->plotted || plot__path_fmt(path, "%s/plots", m->dir) != 0)
        return;

    DIR *d = opendir(path);
    if (!d)
        return;
    int n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    size_t pl = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 4, ".svg") || strncmp(e->d_name, prefix, pl) ||
            (skip && !strncmp(e->d_name, skip, strlen(skip))))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **p = mem_reallocarray(names, (size_t)cap, sizeof *names);
            if (!p) {
                report_oom(r);
                break;
            }
            names = p;
        }
        if (!(names[n] = mem_strdup(e->d_name))) {
            report_oom(r);
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, cmp_name);
    for (int i = 0; i < n; i++) {
        char cap_[1024], stem[256], words[512];
        snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
        stem_words(words, sizeof words, m->sc, stem + pl);
        snprintf(cap_, sizeof cap_, "%s: %s", what, words);
        report_plot(r, names[i], cap_);
        mem_free(names[i]);
    }
    mem_free(names);
}

static void plots_matching(report_t *r, const char *prefix, const char *what)
{
    plots_matching_but(r, prefix, NULL, what);
}

/* The h2 of the plots and, when none were drawn, why. Returns 1 if there are plots. */
static int plots_section(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    report_heading(r, 2, "Plots");
    if (!m->plotted)
        report_para(r, "No plots in this output set: %s. The figures above and the tables "
                       "below are complete.",
                    m->no_plots_why && *m->no_plots_why ? m->no_plots_why
                                                        : "they were not drawn");
    return m->plotted;
}

/* ---- run ------------------------------------------------------------------------------------ */

/* The largest mean waiting list of a stage over the report instants of timeseries.csv
 * from day `from` on (the warm-up's end, as summary.csv's max_waiting): its value and
 * date (ISO), or NaN. */
static double waiting_peak(const plot__table_t *ts, const char *stage, double from,
                           const char **date)
{
    double best = NAN;
    *date = "";
    for (long i = find(ts, 0, "stage", stage, "metric", "waiting", NULL); i >= 0;
         i = find(ts, i + 1, "stage", stage, "metric", "waiting", NULL)) {
        double v = num(ts, i, "mean");
        if (num(ts, i, "day") < from)
            continue;
        if (!isnan(v) && (isnan(best) || v > best)) {
            best = v;
            *date = cell(ts, i, "date");
        }
    }
    return best;
}

/* The report periods the growth of a waiting list is measured over: the recent slope,
 * not the average since day 0 (which counts the months before anyone waited). */
#define GROWTH_PERIODS 6

/* How fast a stage's mean waiting list grew over its last GROWTH_PERIODS report
 * periods from day `from` on (fewer if there are fewer): children a month, with the
 * first row of the stretch in *row0 and its number of periods in *periods; NaN if the
 * stretch is under 28 days. */
static double waiting_growth(const plot__table_t *ts, const char *stage, double from,
                             long *row0, int *periods)
{
    long ring[GROWTH_PERIODS + 1];
    int n = 0;
    for (long i = find(ts, 0, "stage", stage, "metric", "waiting", NULL); i >= 0;
         i = find(ts, i + 1, "stage", stage, "metric", "waiting", NULL))
        if (num(ts, i, "day") >= from)
            ring[n++ % (GROWTH_PERIODS + 1)] = i;
    *row0 = -1;
    *periods = 0;
    if (n < 2)
        return NAN;
    int k = n - 1 < GROWTH_PERIODS ? n - 1 : GROWTH_PERIODS;
    long i0 = ring[(n - 1 - k) % (GROWTH_PERIODS + 1)], i1 = ring[(n - 1) % (GROWTH_PERIODS + 1)];
    double days = num(ts, i1, "day") - num(ts, i0, "day");
    if (!(days >= 28))
        return NAN;
    *row0 = i0;
    *periods = k;
    return (num(ts, i1, "mean") - num(ts, i0, "mean")) / days * (365.25 / 12);
}

/* A pool as people read it: its name with spaces for underscores, and the stages it
 * serves by their titles ("cin teams, serving Child in need and Child protection"). */
static char *pool_title(char *buf, size_t len, const scenario_t *sc, const char *pool)
{
    size_t at = 0;
    for (const char *p = pool; *p && at + 1 < len; p++)
        buf[at++] = *p == '_' ? ' ' : *p;
    buf[at] = '\0';
    for (int i = 0; sc && i < sc->n_pools; i++) {
        const scn_pool_t *pl = &sc->pools[i];
        if (strcmp(pl->name, pool))
            continue;
        for (int j = 0; j < pl->n_serves && at < len; j++)
            at += (size_t)snprintf(buf + at, len - at, "%s%s",
                                   j == 0 ? ", serving " : j + 1 == pl->n_serves ? " and "
                                                                               : ", ",
                                   stage_title(sc, sc->stages[pl->serves[j]].name));
    }
    return buf;
}

int report_page_run(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    const scenario_t *sc = m->sc;
    const double warm = sc ? sc->warmup : 0;
    plot__table_t su, ts, fit;
    int have_ts = load(r, &ts, "timeseries.csv") == 0;
    int have_fit = load(r, &fit, "fit.csv") == 0;
    if (load(r, &su, "summary.csv") != 0) {
        report_para(r, "summary.csv could not be read: no figures to report.");
        goto out;
    }
    char a[64], b[64], c[64], iv[160], d1[64], d2[64];
    const char *first = have_ts && ts.nrows ? cell(&ts, 0, "date") : "";
    long fin = find(&su, 0, "metric", "final_stock", "stage", "all", NULL);
    const char *last = "";
    if (have_ts && ts.nrows) /* the last report instant */
        for (long i = 0; i < ts.nrows; i++)
            if (strcmp(cell(&ts, i, "date"), last) > 0)
                last = cell(&ts, i, "date");

    /* the answer first: the waiting peak (summary.csv's max_waiting: the mean over the
     * replications of each one's highest list), then the stocks */
    report_heading(r, 2, "The forecast in brief");
    report_raw(r, "<div class=\"answer\">\n");
    const char *peak_stage = NULL;
    double peak = NAN;
    long pr = -1; /* the peak's max_waiting row */
    for (long i = find(&su, 0, "metric", "max_waiting", NULL, NULL, NULL); i >= 0;
         i = find(&su, i + 1, "metric", "max_waiting", NULL, NULL, NULL)) {
        const char *st = cell(&su, i, "stage");
        double v = num(&su, i, "mean");
        if (strcmp(st, "all") && !isnan(v) && (isnan(peak) || v > peak)) {
            peak = v;
            peak_stage = st;
            pr = i;
        }
    }
    if (peak_stage && peak > 0.5) {
        long fw = find(&su, 0, "metric", "final_waiting", "stage", peak_stage, NULL);
        const char *dt = "";
        if (have_ts)
            waiting_peak(&ts, peak_stage, warm, &dt);
        char when[600] = "";
        if (*dt)
            snprintf(when, sizeof when, "; the mean list is longest on %s",
                     report_date(d1, sizeof d1, dt));
        /* a list still at its longest at the horizon is growing: say how fast lately */
        long g0;
        int np;
        double g = *dt && !strcmp(dt, last) ? waiting_growth(&ts, peak_stage, warm, &g0, &np)
                                            : NAN;
        if (!isnan(g) && g > 0) {
            size_t at = strlen(when);
            snprintf(when + at, sizeof when - at,
                     ", the end of the forecast, and still growing: %s more a month over the "
                     "last %d report periods (from %s on %s)",
                     report_count(c, sizeof c, g), np,
                     report_count(b, sizeof b, num(&ts, g0, "mean")),
                     report_date(d2, sizeof d2, cell(&ts, g0, "date")));
        }
        interval0(iv, sizeof iv, num(&su, pr, "ci95_low"), num(&su, pr, "ci95_high"),
                  report_count);
        /* the interval inside the parenthesis: "; 95% interval LO to HI" */
        report_para(r, "Waiting list: the longest is for %s, peaking at %s children waiting "
                       "(the mean of each replication's highest%s%.*s)%s.",
                    stage_title(sc, peak_stage), report_count(a, sizeof a, peak),
                    *iv ? "; " : "", *iv ? (int)strlen(iv) - 2 : 0, *iv ? iv + 1 : "", when);
        report_para(r, "At the end of the forecast, %s, %s children wait for %s%s%s.",
                    report_date(d2, sizeof d2, last),
                    report_count(b, sizeof b, num(&su, fw, "mean")),
                    stage_title(sc, peak_stage), sp(iv),
                    interval0(iv, sizeof iv, num(&su, fw, "ci95_low"),
                              num(&su, fw, "ci95_high"), report_count));
    } else if (peak_stage) {
        report_para(r, "Waiting list: no stage has a waiting list to speak of (each "
                       "replication's longest list is at most %s children on average).",
                    report_count(a, sizeof a, peak));
    } else {
        report_para(r, "Waiting list: no stage is served by a pool of workers, so no child "
                       "waits.");
    }
    if (fin >= 0 && have_ts) {
        long s0 = find(&ts, 0, "stage", "all", "metric", "stock", NULL);
        interval0(iv, sizeof iv, num(&su, fin, "ci95_low"), num(&su, fin, "ci95_high"),
                  report_count);
        report_para(r, "Open cases: %s on %s, forecast %s on %s%s%s.",
                    report_count(a, sizeof a, num(&ts, s0, "mean")),
                    report_date(d1, sizeof d1, first),
                    report_count(b, sizeof b, num(&su, fin, "mean")),
                    report_date(d2, sizeof d2, last), sp(iv), iv);
    }
    long ent = find(&su, 0, "metric", "entries_per_year", "stage", "all", NULL);
    if (ent >= 0) {
        interval0(iv, sizeof iv, num(&su, ent, "ci95_low"), num(&su, ent, "ci95_high"),
                  report_count);
        report_para(r, "Entries to open cases: %s a year%s%s.",
                    report_count(a, sizeof a, num(&su, ent, "mean")), sp(iv), iv);
    }
    if (have_fit) {
        long worst = -1, outside = 0, with_iv = 0;
        for (long i = 0; i < fit.nrows; i++) {
            double e = num(&fit, i, "pct_error"), o = num(&fit, i, "observed");
            double lo = num(&fit, i, "ci95_low"), hi = num(&fit, i, "ci95_high");
            if (!isnan(e) && (worst < 0 || fabs(e) > fabs(num(&fit, worst, "pct_error"))))
                worst = i;
            if (isnan(lo) || isnan(hi)) /* one replication: no interval */
                continue;
            with_iv++;
            if (o < lo || o > hi)
                outside++;
        }
        char tail[160];
        if (with_iv)
            snprintf(tail, sizeof tail, "%ld lie outside the forecast's 95%% interval of the "
                                        "mean", outside);
        else
            snprintf(tail, sizeof tail, "one replication gives no interval to set them "
                                        "against");
        if (worst >= 0)
            report_para(r, "Fit to observed: of %ld observed figures, the largest gap is %s "
                           "(%s %s on %s: observed %s, forecast %s); %s.",
                        fit.nrows, report_pct(a, sizeof a, num(&fit, worst, "pct_error")),
                        cell(&fit, worst, "stages"), cell(&fit, worst, "metric"),
                        report_date(d1, sizeof d1, cell(&fit, worst, "date")),
                        report_count(b, sizeof b, num(&fit, worst, "observed")),
                        report_count(c, sizeof c, num(&fit, worst, "mean")), tail);
    }
    report_raw(r, "</div>\n");

    /* key figures */
    report_heading(r, 2, "Key figures");
    report_figures_begin(r);
    for (long i = find(&su, 0, "metric", "max_waiting", NULL, NULL, NULL); i >= 0;
         i = find(&su, i + 1, "metric", "max_waiting", NULL, NULL, NULL)) {
        const char *st = cell(&su, i, "stage"), *dt = "";
        if (!strcmp(st, "all"))
            continue;
        char label[600];
        if (have_ts)
            waiting_peak(&ts, st, warm, &dt);
        size_t at = (size_t)snprintf(label, sizeof label, "Waiting peak, %s (the mean of "
                                     "each replication's highest",
                                     stage_title(sc, st));
        if (*dt && at < sizeof label)
            snprintf(label + at, sizeof label - at, "; the mean list is longest on %s)",
                     report_date(d1, sizeof d1, dt));
        else if (at < sizeof label)
            snprintf(label + at, sizeof label - at, ")");
        report_figure(r, label, report_count(a, sizeof a, num(&su, i, "mean")),
                      interval0(iv, sizeof iv, num(&su, i, "ci95_low"),
                                num(&su, i, "ci95_high"), report_count));
        long fw = find(&su, 0, "metric", "final_waiting", "stage", st, NULL);
        snprintf(label, sizeof label, "Waiting at the end, %s", stage_title(sc, st));
        report_figure(r, label, report_count(a, sizeof a, num(&su, fw, "mean")),
                      interval0(iv, sizeof iv, num(&su, fw, "ci95_low"),
                                num(&su, fw, "ci95_high"), report_count));
    }
    if (fin >= 0)
        report_figure(r, "Open cases at the end (all stages)",
                      report_count(a, sizeof a, num(&su, fin, "mean")),
                      interval0(iv, sizeof iv, num(&su, fin, "ci95_low"),
                                num(&su, fin, "ci95_high"), report_count));
    for (long i = find(&su, 0, "metric", "avg_caseload_per_worker", NULL, NULL, NULL); i >= 0;
         i = find(&su, i + 1, "metric", "avg_caseload_per_worker", NULL, NULL, NULL)) {
        char label[600], pt[512];
        snprintf(label, sizeof label, "Caseload per worker, %s",
                 pool_title(pt, sizeof pt, sc, cell(&su, i, "stage")));
        report_figure(r, label, report_count(a, sizeof a, num(&su, i, "mean")),
                      interval0(iv, sizeof iv, num(&su, i, "ci95_low"),
                                num(&su, i, "ci95_high"), report_count));
    }
    report_figures_end(r);

    /* per stage */
    static const char *const hdr[] = {"Stage", "At the start", "At the end",
                                      "End: 95% interval", "Entries a year",
                                      "Waiting peak", "Mean list longest on",
                                      "Waiting at the end"};
    char caption[256];
    snprintf(caption, sizeof caption, "Each stage from %s to %s (means over replications; "
                                      "the waiting peak is each replication's highest)",
             report_date(d1, sizeof d1, first), report_date(d2, sizeof d2, last));
    report_table_begin(r, caption, hdr, 8);
    for (long i = find(&su, 0, "metric", "final_stock", NULL, NULL, NULL); i >= 0;
         i = find(&su, i + 1, "metric", "final_stock", NULL, NULL, NULL)) {
        const char *st = cell(&su, i, "stage"), *dt = "";
        char s0[64], s1[64], ci[160], en[64], pk[64], pd[64], fw_[64], lo[64], hi[64];
        long t0 = have_ts ? find(&ts, 0, "stage", st, "metric", "stock", NULL) : -1;
        long e = find(&su, 0, "metric", "entries_per_year", "stage", st, NULL);
        long fw = find(&su, 0, "metric", "final_waiting", "stage", st, NULL);
        long mw = find(&su, 0, "metric", "max_waiting", "stage", st, NULL);
        if (mw >= 0 && have_ts)
            waiting_peak(&ts, st, warm, &dt);
        double clo = num(&su, i, "ci95_low");
        snprintf(ci, sizeof ci, "%s to %s", report_count(lo, sizeof lo, clo < 0 ? 0 : clo),
                 report_count(hi, sizeof hi, num(&su, i, "ci95_high")));
        const char *cells[8] = {stage_title(sc, st),
                                report_count(s0, sizeof s0, num(&ts, t0, "mean")),
                                report_count(s1, sizeof s1, num(&su, i, "mean")),
                                ci,
                                report_count(en, sizeof en, num(&su, e, "mean")),
                                mw >= 0 ? report_count(pk, sizeof pk, num(&su, mw, "mean")) : "",
                                mw >= 0 && *dt ? report_date(pd, sizeof pd, dt) : "",
                                fw >= 0 ? report_count(fw_, sizeof fw_, num(&su, fw, "mean"))
                                        : ""};
        report_table_row(r, cells, 8);
    }
    report_table_end(r);

    if (plots_section(r)) {
        report_plot(r, "stocks.svg", "Every stage's stock over time");
        report_plot(r, "entries.svg", "Entries to each stage per report period");
        report_plot(r, "pools.svg", "Workers' pools: cases held and utilisation");
        if (have_fit)
            report_plot(r, "fit.svg", "The forecast against the observed figures");
        plots_matching(r, "stock-", "Stock over time with its percentile bands");
    }
    report_heading(r, 2, "All figures");
    report_table_csv(r, "summary.csv", "Every figure of the forecast, with its 95% interval", 0);
    if (have_fit)
        report_table_csv(r, "fit.csv", "The forecast against each observed figure", 0);
    if (sc && sc->n_costs > 0)
        report_table_csv(r, "costs.csv", "Costs per period and over the whole forecast", 200);
out:
    plot__table_free(&su);
    plot__table_free(&ts);
    plot__table_free(&fit);
    return 0;
}

/* ---- compare ---------------------------------------------------------------------------------- */

/* compare.csv's row (metric, stage) of alternative alt: its diff_mean and interval. */
static long cmp_row(const plot__table_t *t, const char *metric, const char *stage,
                    const char *alt, double *d, double *lo, double *hi)
{
    long i = find(t, 0, "metric", metric, "stage", stage, alt);
    *d = num(t, i, "diff_mean");
    *lo = num(t, i, "diff_ci95_low");
    *hi = num(t, i, "diff_ci95_high");
    return i;
}

static const char *currency_of(const scenario_t *sc)
{
    return sc && sc->currency ? sc->currency : "GBP";
}

static char *money_gbp(char *buf, size_t len, double x) { return report_money(buf, len, x, "GBP"); }

/* The scenarios of a comparison as the page and the verdict name them: each one's
 * folder (compare_folders: the `alt` column of compare.csv) and its label (its title,
 * with the folder in parentheses when another scenario of the comparison shares it). */
typedef struct cmp_who {
    int n;                              /* scenarios: the base, then the alternatives */
    const scenario_t **sc;              /* [n] (the caller's) */
    char (*folder)[COMPARE_FOLDER_MAX]; /* [n] */
    char **label;                       /* [n], owned */
} cmp_who_t;

static void who_free(cmp_who_t *w)
{
    for (int j = 0; w->label && j < w->n; j++)
        mem_free(w->label[j]);
    mem_free(w->label);
    mem_free(w->folder);
    mem_free(w->sc);
    memset(w, 0, sizeof *w);
}

/* 0, SIM_ENOMEM, or SIM_EINVAL (a name too long for a folder); w is freed on failure. */
static int who_init(cmp_who_t *w, const scenario_t *base, const scenario_t *const *alts,
                    int n_alts)
{
    int n = n_alts + 1, rc = 0;
    memset(w, 0, sizeof *w);
    w->n = n;
    w->sc = mem_calloc((size_t)n, sizeof *w->sc);
    w->folder = mem_calloc((size_t)n, sizeof *w->folder);
    w->label = mem_calloc((size_t)n, sizeof *w->label);
    const char **names = mem_calloc((size_t)n, sizeof *names);
    if (!w->sc || !w->folder || !w->label || !names) {
        rc = SIM_ENOMEM;
        goto out;
    }
    for (int j = 0; j < n; j++) {
        w->sc[j] = j ? alts[j - 1] : base;
        names[j] = w->sc[j]->name;
    }
    if ((rc = compare_folders(names, n, w->folder)) != 0)
        goto out;
    for (int j = 0; j < n && rc == 0; j++) {
        const char *t = w->sc[j]->title ? w->sc[j]->title : w->sc[j]->name;
        int shared = 0;
        for (int k = 0; k < n; k++) {
            const char *u = w->sc[k]->title ? w->sc[k]->title : w->sc[k]->name;
            shared |= k != j && !strcmp(t, u);
        }
        size_t len = strlen(t) + strlen(w->folder[j]) + 4;
        if (!(w->label[j] = mem_alloc(len)))
            rc = SIM_ENOMEM;
        else if (shared && strcmp(t, w->folder[j]))
            snprintf(w->label[j], len, "%s (%s)", t, w->folder[j]);
        else
            snprintf(w->label[j], len, "%s", t);
    }
out:
    mem_free(names);
    if (rc)
        who_free(w);
    return rc;
}

/* The label of the scenario whose folder is `folder`, or the folder itself. */
static const char *who_label(const cmp_who_t *w, const char *folder)
{
    for (int j = 0; j < w->n; j++)
        if (!strcmp(w->folder[j], folder))
            return w->label[j];
    return folder;
}

/* The scenario whose folder is `folder`, or NULL. */
static const scenario_t *who_sc(const cmp_who_t *w, const char *folder)
{
    for (int j = 0; j < w->n; j++)
        if (!strcmp(w->folder[j], folder))
            return w->sc[j];
    return NULL;
}

/* What a compare.csv `stage` cell names, for people: a stage's title (base's or the
 * alternative's), "all open cases", "the NAME strand" for a strand, a pool's name, or
 * "placements", "staff" and "strands" for the cost components. */
static const char *where_label(const scenario_t *b, const scenario_t *a, const char *stage,
                               char *buf, size_t len)
{
    const scenario_t *sc[2] = {b, a};
    if (!strcmp(stage, "all"))
        return "all open cases";
    for (int s = 0; s < 2; s++)
        for (int i = 0; sc[s] && i < sc[s]->n_stages; i++)
            if (!strcmp(sc[s]->stages[i].name, stage))
                return sc[s]->stages[i].title ? sc[s]->stages[i].title : stage;
    for (int s = 0; s < 2; s++)
        for (int i = 0; sc[s] && i < sc[s]->n_strands; i++)
            if (!strcmp(sc[s]->strands[i].name, stage)) {
                snprintf(buf, len, "the %s strand", stage);
                return buf;
            }
    return stage;
}

/* compare.csv's metrics in words (the figures of summary.csv and the economics). */
static const char *metric_label(const char *metric)
{
    static const char *const L[][2] = {
        {"final_stock", "children in the stage at the end"},
        {"avg_stock", "children in the stage (average)"},
        {"entries_per_year", "entries a year"},
        {"exits_per_year", "exits a year"},
        {"mean_duration_days", "mean days in the stage"},
        {"avg_waiting", "children waiting (average)"},
        {"mean_wait_days", "mean days waiting"},
        {"final_waiting", "children waiting at the end"},
        {"max_waiting", "most children waiting at once"},
        {"aged_out_per_year", "aged out a year"},
        {"started_per_year", "children starting a year"},
        {"referred_per_year", "children referred a year"},
        {"turned_away_per_year", "children turned away a year"},
        {"avg_places", "places in use (average)"},
        {"avg_in_service", "children in service (average)"},
        {"averted_per_year", "arrivals averted a year"},
        {"avg_used", "workers' caseload in use (average)"},
        {"avg_utilisation", "utilisation (average)"},
        {"avg_caseload_per_worker", "cases per available worker (average)"},
        {"cost_per_year", "cost a year"},
        {"component_cost_per_year", "cost a year, by component"},
        {"net_cost_per_year", "net cost a year"},
        {"strand_cost_per_year", "cost of the strands a year"},
        {"care_days_avoided_per_year", "care days avoided a year"},
        {"cost_per_care_day_avoided", "cost per care day avoided"},
        {"benefit_cost_ratio", "benefit-cost ratio"},
    };
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++)
        if (!strcmp(L[i][0], metric))
            return L[i][1];
    return metric;
}

/* "VALUE (95% interval LO to HI)" of x formatted by f (NULL: money in cur) into buf;
 * without an interval (one replication: the verdict's first line says so) "VALUE (no
 * interval)". */
static char *value_iv(char *buf, size_t len, double x, double lo, double hi, numfmt_fn f,
                      const char *cur)
{
    char a[64], b[64], c[64];
#define FMT(o, v) (f ? f(o, sizeof o, v) : report_money(o, sizeof o, v, cur))
    if (isnan(lo) || isnan(hi))
        snprintf(buf, len, "%s (no interval)", FMT(a, x));
    else
        snprintf(buf, len, "%s (95%% interval %s to %s)", FMT(a, x), FMT(b, lo), FMT(c, hi));
#undef FMT
    return buf;
}

/* The verdict of alternative alt (its folder) in plain words: a few sentences, each
 * ending in a newline, appended to v. */
static void verdict(const plot__table_t *t, const cmp_who_t *w, const char *alt,
                    const char *cur, text_buf_t *v)
{
    double x, lo, hi;
    char v1[256], v2[256];
    const char *al = who_label(w, alt), *bl = w->label[0];
    long first = find(t, 0, "alt", alt, NULL, NULL, NULL);
    int one = first >= 0 && num(t, first, "replications") < 2;
    if (cmp_row(t, "net_cost_per_year", "all", alt, &x, &lo, &hi) < 0 || isnan(x)) {
        text_buf_printf(v, "%s against %s: the scenarios have no costs, so no net cost.\n", al,
                        bl);
    } else {
        int sure = !isnan(lo) && !isnan(hi) && (lo > 0 || hi < 0);
        const char *how =
            sure  ? (x > 0 ? ": it costs more" : ": it saves money")
            : one ? ": one replication gives no interval, so whether it costs or saves is "
                    "not known (run more replications)"
                  : ": the interval spans zero, so whether it costs or saves is not certain";
        text_buf_printf(v, "%s against %s: net cost %s a year%s.\n", al, bl,
                        value_iv(v1, sizeof v1, x, lo, hi, NULL, cur), how);
        double s, slo, shi, p, plo, phi;
        cmp_row(t, "strand_cost_per_year", "all", alt, &s, &slo, &shi);
        cmp_row(t, "component_cost_per_year", "placement", alt, &p, &plo, &phi);
        if (!isnan(s) && !isnan(p))
            text_buf_printf(v, "  Strands %s a year; placements %s a year.\n",
                            value_iv(v1, sizeof v1, s, slo, shi, NULL, cur),
                            value_iv(v2, sizeof v2, p, plo, phi, NULL, cur));
        if (cmp_row(t, "benefit_cost_ratio", "all", alt, &x, &lo, &hi) >= 0 && !isnan(x)) {
            char a[64];
            const char *pound = !strcmp(cur, "GBP") ? "\xc2\xa3" : "";
            /* a negative ratio: the strands add to the other costs rather than save */
            text_buf_printf(v, "  Benefit-cost ratio %s: each %s1 spent on the strands %s %s%s "
                               "%s other costs%s.\n",
                            value_iv(v1, sizeof v1, x, lo, hi, report_ratio, cur), pound,
                            x < 0 ? "adds" : "saves", pound,
                            report_ratio(a, sizeof a, fabs(x)), x < 0 ? "to" : "in",
                            x < 1 ? ", so the strands do not pay for themselves in money" : "");
        }
    }
    double e, elo, ehi, d, dlo, dhi;
    long ie = cmp_row(t, "entries_per_year", "care", alt, &e, &elo, &ehi);
    long id = cmp_row(t, "care_days_avoided_per_year", "care", alt, &d, &dlo, &dhi);
    if (ie >= 0) {
        text_buf_printf(v, "  Care entries %s a year",
                        value_iv(v1, sizeof v1, e, elo, ehi, report_count, cur));
        if (id >= 0)
            text_buf_printf(v, "; care days avoided %s a year",
                            value_iv(v2, sizeof v2, d, dlo, dhi, report_count, cur));
        text_buf_printf(v, ".\n");
    }
    /* waiting and open cases over every stage, whatever the stages are called */
    long iw = cmp_row(t, "final_waiting", "all", alt, &x, &lo, &hi);
    if (iw >= 0)
        text_buf_printf(v, "  Children waiting at the end %s",
                        value_iv(v1, sizeof v1, x, lo, hi, report_count, cur));
    long is = cmp_row(t, "final_stock", "all", alt, &x, &lo, &hi);
    if (is >= 0)
        text_buf_printf(v, "%s open at the end %s", iw >= 0 ? "; children" : "  Children",
                        value_iv(v1, sizeof v1, x, lo, hi, report_count, cur));
    if (iw >= 0 || is >= 0)
        text_buf_printf(v, ".\n");
}

/* The alternatives named in compare.csv's "alt" column, in order (at most 64). */
static int alts_of(const plot__table_t *t, const char **alts)
{
    int n = 0, k = col(t, "alt");
    for (long i = 0; k >= 0 && i < t->nrows && n < 64; i++) {
        const char *a = plot__tcell(t, i, k);
        int seen = 0;
        for (int j = 0; j < n; j++)
            seen |= !strcmp(alts[j], a);
        if (!seen)
            alts[n++] = a;
    }
    return n;
}

int report_compare_verdict(const char *dir, const scenario_t *base,
                           const scenario_t *const *alts, int n_alts, char **out)
{
    report_meta_t m = {.command = "compare", .title = "", .dir = dir};
    report_t *r = report_new(&m);
    plot__table_t t;
    cmp_who_t w;
    text_buf_t v = {0};
    *out = NULL;
    if (!r)
        return SIM_ENOMEM;
    int rc = who_init(&w, base, alts, n_alts);
    if (rc == 0 && load(r, &t, "compare.csv") == 0) {
        const char *names[64];
        int n = alts_of(&t, names);
        for (int j = 0; j < n; j++)
            verdict(&t, &w, names[j], currency_of(base), &v);
    }
    if (rc == 0) {
        plot__table_free(&t);
        who_free(&w);
    }
    text_buf_printf(&v, "%s", ""); /* "" rather than NULL when there is nothing to say */
    if (rc == SIM_EINVAL)
        rc = 0; /* compare named the folders: it cannot happen */
    if (rc == 0 && (report_is_oom(r) || v.oom))
        rc = SIM_ENOMEM;
    report_free(r);
    if (rc)
        mem_free(v.s);
    else
        *out = v.s;
    return rc;
}

/* "Each scenario's own outputs": the folder compare wrote for each scenario (named as
 * compare_folders names them), with links to its files. */
static void scenario_folders(report_t *r, const cmp_who_t *w)
{
    const report_meta_t *m = report_meta(r);
    report_heading(r, 2, "Each scenario's own outputs");
    report_para(r, "Each scenario's folder holds what careflow run writes for it, from the same "
                   "replications as this comparison (its own costs only): summary.csv, "
                   "timeseries.csv, replications.csv, costs.csv when it prices anything, "
                   "fit.csv when it has observed data, and manifest.json. This folder's "
                   "manifest.json lists every scenario's file and SHA-256.");
    static const char *const files[] = {"summary.csv", "timeseries.csv", "replications.csv",
                                        "costs.csv", "fit.csv", "manifest.json"};
    report_raw(r, "<ul>\n");
    for (int j = 0; j < w->n; j++) {
        char path[PLOT_PATH_LEN];
        report_raw(r, "<li><strong>");
        report_text(r, w->folder[j]);
        report_raw(r, "/</strong> (");
        report_text(r, j ? "alternative " : "the base, ");
        report_text(r, w->label[j]);
        report_raw(r, "):");
        for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
            if (plot__path_fmt(path, "%s/%s/%s", m->dir, w->folder[j], files[k]) != 0 ||
                access(path, F_OK) != 0)
                continue;
            report_raw(r, " <a href=\"");
            report_text(r, w->folder[j]);
            report_raw(r, "/");
            report_text(r, files[k]);
            report_raw(r, "\">");
            report_text(r, files[k]);
            report_raw(r, "</a>");
        }
        report_raw(r, "</li>\n");
    }
    report_raw(r, "</ul>\n");
}

/* A number of compare.csv for the page: 4 significant figures, whole numbers from
 * 10,000 up (the CSV keeps every digit); other text as it is. */
static const char *page_num(const char *s, char *buf, size_t len)
{
    double x;
    if (!*s || plot__parse_num(s, &x) != 0 || isnan(x))
        return s;
    if (fabs(x) >= 1e4)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%.4g", x);
    if (!strcmp(buf, "-0"))
        snprintf(buf, len, "0");
    return buf;
}

/* "All figures": compare.csv as a table, its numbers rounded for reading (page_num) and
 * the `alt` column only when there are several alternatives. */
static void all_figures(report_t *r, const plot__table_t *t, int n_alts)
{
    int ka = n_alts > 1 ? -1 : col(t, "alt"), n = 0;
    const char **cells = mem_calloc((size_t)t->ncols + 1, sizeof *cells);
    char(*buf)[32] = mem_calloc((size_t)t->ncols + 1, sizeof *buf);
    if (!cells || !buf) {
        mem_free(cells);
        mem_free(buf);
        report_oom(r);
        return;
    }
    for (int c = 0; c < t->ncols; c++)
        if (c != ka)
            cells[n++] = plot__thdr(t, c);
    report_table_begin(r, "Every paired difference, rounded to 4 significant figures "
                          "(compare.csv has every digit)", cells, n);
    for (long i = 0; i < t->nrows; i++) {
        n = 0;
        for (int c = 0; c < t->ncols; c++)
            if (c != ka) {
                cells[n] = page_num(plot__tcell(t, i, c), buf[n], sizeof buf[n]);
                n++;
            }
        report_table_row(r, cells, n);
    }
    report_table_end(r);
    mem_free(cells);
    mem_free(buf);
}

int report_page_compare(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    const char *cur = currency_of(m->sc);
    plot__table_t t;
    cmp_who_t w;
    if (!m->sc || (m->n_alts > 0 && !m->alts)) {
        report_para(r, "No scenarios were given: no figures to report.");
        return 0;
    }
    int rc = who_init(&w, m->sc, m->alts, m->n_alts);
    if (rc) {
        if (rc == SIM_ENOMEM)
            report_oom(r);
        report_para(r, "The scenarios' folders could not be named: no figures to report.");
        return 0;
    }
    const char *base = w.label[0];
    if (load(r, &t, "compare.csv") != 0) {
        report_para(r, "compare.csv could not be read: no figures to report.");
        plot__table_free(&t);
        who_free(&w);
        return 0;
    }
    const char *alts[64];
    int n = alts_of(&t, alts);
    char a[64], iv[200];
    numfmt_fn money = !strcmp(cur, "GBP") ? money_gbp : NULL;
    report_heading(r, 2, "The answer");
    report_raw(r, "<div class=\"answer\">\n");
    for (int j = 0; j < n; j++) {
        text_buf_t v = {0};
        verdict(&t, &w, alts[j], cur, &v);
        if (v.oom)
            report_oom(r);
        if (v.oom || !v.s) {
            mem_free(v.s);
            continue;
        }
        int k = 0; /* the first line in bold, the others as a list */
        for (char *p = v.s, *nl; *p; p = nl + 1, k++) {
            nl = strchr(p, '\n');
            if (!nl)
                nl = p + strlen(p) - 1;
            *nl = '\0';
            while (*p == ' ')
                p++;
            report_raw(r, k == 0 ? "<p><strong>" : k == 1 ? "<ul>\n<li>" : "<li>");
            report_text(r, p);
            report_raw(r, k == 0 ? "</strong></p>\n" : "</li>\n");
        }
        if (k > 1)
            report_raw(r, "</ul>\n");
        mem_free(v.s);
    }
    report_para(r, "Each figure is the mean over replications of the alternative minus the base, "
                   "run with common random numbers (the same children in both), with its 95%% "
                   "interval. Costs are a year over the forecast; a negative cost is a saving.");
    report_raw(r, "</div>\n");

    for (int j = 0; j < n; j++) {
        const char *al = who_label(&w, alts[j]);
        const scenario_t *asc = who_sc(&w, alts[j]);
        char h[1024];
        snprintf(h, sizeof h, "Key figures: %s against %s", al, base);
        report_heading(r, 2, h);
        report_figures_begin(r);
        static const struct {
            const char *metric, *stage, *label;
            int kind; /* 0 money, 1 count, 2 ratio */
        } rows[] = {
            {"net_cost_per_year", "all", "Net cost a year", 0},
            {"strand_cost_per_year", "all", "Cost of the strands a year", 0},
            {"component_cost_per_year", "placement", "Change in placement costs a year", 0},
            {"component_cost_per_year", "pool", "Change in staff costs a year", 0},
            {"benefit_cost_ratio", "all", "Benefit-cost ratio", 2},
            {"entries_per_year", "care", "Change in care entries a year", 1},
            {"care_days_avoided_per_year", "care", "Care days avoided a year", 1},
            {"cost_per_care_day_avoided", "care", "Cost per care day avoided", 0},
            {"final_stock", "care", "Change in children in care at the end", 1},
            {"final_stock", "all", "Change in children open at the end", 1},
            {"avg_waiting", "all", "Change in children waiting (average)", 1},
            {"final_waiting", "all", "Change in children waiting at the end", 1},
        };
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
            double d, lo, hi;
            if (cmp_row(&t, rows[k].metric, rows[k].stage, alts[j], &d, &lo, &hi) < 0)
                continue;
            numfmt_fn f = rows[k].kind == 1 ? report_count : rows[k].kind == 2 ? report_ratio
                                                                                : money;
            if (!f) { /* another currency: code and number */
                char x[64], y[64], z[64];
                snprintf(iv, sizeof iv, "(95%% interval %s to %s)",
                         report_money(y, sizeof y, lo, cur), report_money(z, sizeof z, hi, cur));
                report_figure(r, rows[k].label, report_money(x, sizeof x, d, cur), iv);
                continue;
            }
            report_figure(r, rows[k].label, f(a, sizeof a, d), interval(iv, sizeof iv, lo, hi, f));
        }
        report_figures_end(r);

        /* each stage: stock and waiting */
        static const char *const hdr[] = {"Stage", "Figure", "Base", "Alternative",
                                          "Difference", "95% interval"};
        snprintf(h, sizeof h, "Children in each stage, entries and waiting: %s against %s", al,
                 base);
        report_table_begin(r, h, hdr, 6);
        for (long i = 0; i < t.nrows; i++) {
            const char *mt = cell(&t, i, "metric");
            if (strcmp(cell(&t, i, "alt"), alts[j]) ||
                (strcmp(mt, "final_stock") && strcmp(mt, "entries_per_year") &&
                 strcmp(mt, "avg_waiting") && strcmp(mt, "final_waiting")))
                continue;
            char b0[64], b1[64], b2[64], lo[64], hi[64], ci[160], wl[160];
            snprintf(ci, sizeof ci, "%s to %s",
                     report_count(lo, sizeof lo, num(&t, i, "diff_ci95_low")),
                     report_count(hi, sizeof hi, num(&t, i, "diff_ci95_high")));
            const char *cells[6] = {where_label(m->sc, asc, cell(&t, i, "stage"), wl, sizeof wl),
                                    metric_label(mt),
                                    report_count(b0, sizeof b0, num(&t, i, "base_mean")),
                                    report_count(b1, sizeof b1, num(&t, i, "alt_mean")),
                                    report_count(b2, sizeof b2, num(&t, i, "diff_mean")), ci};
            report_table_row(r, cells, 6);
        }
        report_table_end(r);
    }
    if (plots_section(r)) {
        char file[300], capt[1400];
        char path[PLOT_PATH_LEN];
        /* the cost chart only when drawn (a comparison without costs has none) */
        if (plot__path_fmt(path, "%s/plots/costs.svg", m->dir) == 0 && access(path, F_OK) == 0) {
            snprintf(capt, sizeof capt, "Change in cost per year by component (workforce, "
                                        "placements, strands, total), with 95%% paired "
                                        "intervals: %s minus %s",
                     n == 1 ? who_label(&w, alts[0]) : "each alternative", base);
            report_plot(r, "costs.svg", capt);
        }
        /* waiting lists, caseloads, then the stocks: each alternative's in turn */
        static const struct {
            const char *prefix, *what;
        } kinds[] = {
            {"waiting-", "Children waiting for a worker in each served stage over time, the "
                         "base's and the alternative's"},
            {"caseloads-", "Weighted cases per available worker in each pool over time, the "
                           "base's and the alternative's, with the caseload cap"},
            {"diffs-", "Change in children open in every stage over time, with the middle 50% "
                       "and 90% of paired runs"},
        };
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            for (int j = 0; j < n; j++) {
                snprintf(file, sizeof file, "%s%s.svg", kinds[k].prefix, alts[j]);
                if (plot__path_fmt(path, "%s/plots/%s", m->dir, file) != 0 ||
                    access(path, F_OK) != 0)
                    continue;
                snprintf(capt, sizeof capt, "%s: %s %s %s", kinds[k].what,
                         who_label(&w, alts[j]), k == 2 ? "minus" : "against", base);
                report_plot(r, file, capt);
            }
        /* each stage's difference with its band: diff-ALT-STAGE, the base's stages and
         * `all` (plots/compare.gp) */
        for (int j = 0; j < n; j++)
            for (int i = 0; i <= m->sc->n_stages; i++) {
                const char *st = i < m->sc->n_stages ? m->sc->stages[i].name : "all";
                char wl[160];
                snprintf(file, sizeof file, "diff-%s-%s.svg", alts[j], st);
                if (plot__path_fmt(path, "%s/plots/%s", m->dir, file) != 0 ||
                    access(path, F_OK) != 0)
                    continue;
                snprintf(capt, sizeof capt,
                         "Change in children open over time, %s, with its band: %s minus %s",
                         where_label(m->sc, NULL, st, wl, sizeof wl), who_label(&w, alts[j]),
                         base);
                report_plot(r, file, capt);
            }
    }
    scenario_folders(r, &w);
    report_heading(r, 2, "All figures");
    all_figures(r, &t, n);
    plot__table_free(&t);
    who_free(&w);
    return 0;
}

/* ---- sensitivity ------------------------------------------------------------------------------- */

/* One parameter's index for an output: what the method ranks by, with its interval. */
typedef struct sens_item {
    long row;       /* its row in the method's CSV */
    double key;     /* what it is ranked by (larger first) */
} sens_item_t;

static int by_key(const void *a, const void *b)
{
    const sens_item_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

int report_page_sensitivity(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    const char *method = m->method ? m->method : "";
    static const struct {
        const char *method, *csv, *index, *lo, *hi, *conf, *what;
    } M[] = {
        {"oat", "oat.csv", "swing", "swing_ci95_low", "swing_ci95_high", NULL,
         "swing: the output at the parameter's high end minus at its low end, the others at "
         "their middle"},
        {"morris", "morris.csv", "mu_star", NULL, NULL, "mu_star_conf",
         "mu*: the mean absolute elementary effect (how much the output moves when the "
         "parameter moves over its range)"},
        {"sobol", "sobol.csv", "ST", NULL, NULL, "ST_conf",
         "ST: the total-effect index, the share of the output's variance the parameter "
         "accounts for, alone and with the others"},
        {"lhs", "lhs_correlation.csv", "spearman", NULL, NULL, NULL,
         "Spearman's rank correlation of the parameter with the output over the sample"},
    };
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(M[i].method, method))
            k = i;
    if (k < 0) {
        report_para(r, "Unknown method: no figures to report.");
        return 0;
    }
    plot__table_t t;
    if (load(r, &t, M[k].csv) != 0) {
        report_para(r, "%s could not be read: no figures to report.", M[k].csv);
        plot__table_free(&t);
        return 0;
    }
    sens_item_t *it = mem_calloc((size_t)t.nrows + 1, sizeof *it);
    if (!it) {
        plot__table_free(&t);
        return SIM_ENOMEM;
    }
    report_heading(r, 2, "Which parameters drive each output");
    report_raw(r, "<div class=\"answer\">\n");
    report_para(r, "Method: %s. Ranked by %s.", method, M[k].what);
    /* outputs in file order: (metric, stage) pairs */
    long *firsts = mem_calloc((size_t)t.nrows + 1, sizeof *firsts);
    int no = 0;
    if (!firsts)
        report_oom(r);
    for (long i = 0; firsts && i < t.nrows; i++) {
        int seen = 0;
        for (int j = 0; j < no && !seen; j++)
            seen = !strcmp(cell(&t, firsts[j], "metric"), cell(&t, i, "metric")) &&
                   !strcmp(cell(&t, firsts[j], "stage"), cell(&t, i, "stage"));
        if (!seen)
            firsts[no++] = i;
    }
    for (int o = 0; o < no; o++) {
        const char *mt = cell(&t, firsts[o], "metric"), *st = cell(&t, firsts[o], "stage");
        int n = 0;
        for (long i = firsts[o]; i >= 0; i = find(&t, i + 1, "metric", mt, "stage", st, NULL)) {
            double v = num(&t, i, M[k].index);
            it[n].row = i;
            it[n].key = isnan(v) ? -INFINITY : fabs(v);
            n++;
        }
        qsort(it, (size_t)n, sizeof *it, by_key);
        char line[2048];
        char words[512];
        figures_words(words, sizeof words, m->sc, mt, st);
        size_t at = (size_t)snprintf(line, sizeof line, "%s: ", words);
        for (int j = 0; j < n && j < 3 && at < sizeof line; j++) {
            long i = it[j].row;
            char v[64], lo[64], hi[64], ci[160] = "";
            double x = num(&t, i, M[k].index);
            report_count(v, sizeof v, x);
            if (M[k].lo)
                snprintf(ci, sizeof ci, " (95%% interval %s to %s)",
                         report_count(lo, sizeof lo, num(&t, i, M[k].lo)),
                         report_count(hi, sizeof hi, num(&t, i, M[k].hi)));
            else if (M[k].conf && !isnan(num(&t, i, M[k].conf)))
                snprintf(ci, sizeof ci, " (95%% interval %s to %s)",
                         report_count(lo, sizeof lo, x - num(&t, i, M[k].conf)),
                         report_count(hi, sizeof hi, x + num(&t, i, M[k].conf)));
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %s %s%s",
                                   j ? (j + 1 == (n < 3 ? n : 3) ? " and " : ", ") : "",
                                   cell(&t, i, "label"), M[k].index, v, ci);
        }
        if (at < sizeof line)
            snprintf(line + at, sizeof line - at, "%s", n > 3 ? " lead." : ".");
        report_para(r, "%s", line);
    }
    report_raw(r, "</div>\n");
    mem_free(firsts);
    mem_free(it);
    if (plots_section(r)) {
        static const struct {
            const char *method, *prefix, *skip, *what;
        } P[] = {{"oat", "tornado-", NULL, "Tornado: each parameter's swing"},
                 {"morris", "morris-", NULL, "Morris: mu* against sigma"},
                 {"sobol", "sobol-", "sobol-convergence-", "Sobol indices S1 and ST"},
                 {"sobol", "sobol-convergence-", NULL, "Sobol indices as the sample grows"},
                 {"lhs", "lhs-hist-", NULL, "The output's distribution over the sample"},
                 {"lhs", "lhs-fan-", NULL, "Fan chart over the sample"}};
        for (size_t i = 0; i < sizeof P / sizeof P[0]; i++)
            if (!strcmp(P[i].method, method))
                plots_matching_but(r, P[i].prefix, P[i].skip, P[i].what);
    }
    report_heading(r, 2, "All figures");
    report_table_csv(r, M[k].csv, "Every parameter's index for every output", 0);
    if (!strcmp(method, "lhs"))
        report_table_csv(r, "lhs.csv", "Each output's distribution over the sample", 0);
    report_table_csv(r, "noise.csv", "The noise of the replications, output by output", 0);
    plot__table_free(&t);
    return 0;
}

/* ---- backtest ---------------------------------------------------------------------------------- */

int report_page_backtest(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    plot__table_t t;
    if (load(r, &t, "backtest_scores.csv") != 0) {
        report_para(r, "backtest_scores.csv could not be read: no figures to report.");
        plot__table_free(&t);
        return 0;
    }
    static const char *const models[3] = {"careflow", "persistence", "rates"};
    report_heading(r, 2, "How good the forecasts were");
    report_raw(r, "<div class=\"answer\">\n");
    report_para(r, "Each cutoff's forecast was made from the records up to that date only and "
                   "set beside what the records show happened next. MAPE: the typical error "
                   "as a share of the truth (8%% means forecasts were typically 8%% out); the "
                   "baselines are persistence (each stock stays as it was at the cutoff) "
                   "and rates (the deterministic stock-and-flow projection spreadsheet "
                   "models make, on the window's daily rates). Averages over the months "
                   "ahead.");
    static const char *const hdr[] = {"Stage", "Figure", "careflow MAPE", "persistence MAPE",
                                      "rates MAPE", "careflow bias", "90% band held"};
    /* (stage, metric) pairs in order */
    long *firsts = mem_calloc((size_t)t.nrows + 1, sizeof *firsts);
    int np = 0;
    for (long i = 0; firsts && i < t.nrows; i++) {
        int seen = 0;
        for (int j = 0; j < np && !seen; j++)
            seen = !strcmp(cell(&t, firsts[j], "stage"), cell(&t, i, "stage")) &&
                   !strcmp(cell(&t, firsts[j], "metric"), cell(&t, i, "metric"));
        if (!seen)
            firsts[np++] = i;
    }
    double (*sc_)[5] = mem_calloc((size_t)np + 1, sizeof *sc_);
    if (!firsts || !sc_) {
        mem_free(firsts);
        mem_free(sc_);
        plot__table_free(&t);
        return SIM_ENOMEM;
    }
    for (int p = 0; p < np; p++) {
        const char *st = cell(&t, firsts[p], "stage"), *mt = cell(&t, firsts[p], "metric");
        for (int q = 0; q < 5; q++) {
            const char *mdl = q < 3 ? models[q] : "careflow";
            const char *c = q < 3 ? "mape" : q == 3 ? "bias_pct" : "coverage90";
            double sum = 0;
            int n = 0;
            for (long i = find(&t, firsts[p], "stage", st, "metric", mt, NULL); i >= 0;
                 i = find(&t, i + 1, "stage", st, "metric", mt, NULL)) {
                double v = num(&t, i, c);
                if (!strcmp(cell(&t, i, "model"), mdl) && !isnan(v)) {
                    sum += v;
                    n++;
                }
            }
            sc_[p][q] = n ? sum / n : NAN;
        }
        if (!strcmp(mt, "stock") && !isnan(sc_[p][0])) {
            char a[64], b[64], c[64], d[64];
            double best = fmin(isnan(sc_[p][1]) ? INFINITY : sc_[p][1],
                               isnan(sc_[p][2]) ? INFINITY : sc_[p][2]);
            report_para(r, "%s, stock: careflow was typically %s out against %s for "
                           "persistence and %s for rates (%s); its 90%% band held the actual "
                           "%s of the time.",
                        stage_title(NULL, st), report_pct(a, sizeof a, sc_[p][0]),
                        report_pct(b, sizeof b, sc_[p][1]), report_pct(c, sizeof c, sc_[p][2]),
                        sc_[p][0] < best ? "better than both" : "not better than both",
                        report_pct(d, sizeof d, 100 * sc_[p][4]));
        }
    }
    report_raw(r, "</div>\n");
    report_table_begin(r, "The scores, averaged over the months ahead", hdr, 7);
    for (int p = 0; p < np; p++) {
        char v[5][64];
        for (int q = 0; q < 5; q++)
            report_pct(v[q], sizeof v[q], q == 4 ? 100 * sc_[p][q] : sc_[p][q]);
        const char *cells[7] = {stage_title(NULL, cell(&t, firsts[p], "stage")),
                                cell(&t, firsts[p], "metric"),
                                v[0], v[1], v[2], v[3], v[4]};
        report_table_row(r, cells, 7);
    }
    report_table_end(r);
    mem_free(firsts);
    mem_free(sc_);
    if (plots_section(r))
        plots_matching(r, "backtest-", "Forecast fan and what happened");
    report_heading(r, 2, "All figures");
    report_table_csv(r, "backtest_scores.csv", "Every score by months ahead", 0);
    (void)m;
    plot__table_free(&t);
    return 0;
}

/* ---- sweep ---------------------------------------------------------------------------------- */

int report_page_sweep(report_t *r)
{
    const report_meta_t *m = report_meta(r);
    plot__table_t a, t;
    int have_a = load(r, &a, "sweep_answer.csv") == 0;
    int have_t = load(r, &t, "sweep.csv") == 0;
    char v[64], lo[64], hi[64], sh[64];
    report_heading(r, 2, "The answer");
    report_raw(r, "<div class=\"answer\">\n");
    for (long i = 0; have_a && i < a.nrows; i++) {
        const char *path = cell(&a, i, "path"), *val = cell(&a, i, "value");
        const char *p2 = cell(&a, i, "path2"), *v2 = cell(&a, i, "value2");
        char with[256] = "";
        if (*p2)
            snprintf(with, sizeof with, " (with %s = %s)", p2, v2);
        if (*val)
            report_para(r, "%s = %s is the smallest value swept at which %s of %s stays %s in "
                           "at least 90%% of the replications (here %s), there and at every "
                           "larger value%s; its mean there is %s (95%% interval %s to %s).",
                        path, val, cell(&a, i, "metric"), stage_title(m->sc, cell(&a, i, "stage")),
                        cell(&a, i, "target"),
                        report_pct(sh, sizeof sh, 100 * num(&a, i, "share_met")), with,
                        report_count(v, sizeof v, num(&a, i, "mean")),
                        report_count(lo, sizeof lo, num(&a, i, "ci95_low")),
                        report_count(hi, sizeof hi, num(&a, i, "ci95_high")));
        else
            report_para(r, "No value of %s in the range swept keeps %s of %s %s in 90%% of the "
                           "replications%s.",
                        path, cell(&a, i, "metric"), stage_title(m->sc, cell(&a, i, "stage")),
                        cell(&a, i, "target"), with);
    }
    if (!have_a)
        report_para(r, "No target was given (--target): the figures at each value swept are "
                       "below, with their 95%% intervals.");
    report_raw(r, "</div>\n");
    if (plots_section(r)) {
        plots_matching_but(r, "sweep-", "sweep-heat-", "Against the swept value");
        plots_matching(r, "sweep-heat-", "Against the two swept values");
    }
    report_heading(r, 2, "All figures");
    if (have_a)
        report_table_csv(r, "sweep_answer.csv", "The answer", 0);
    if (have_t)
        report_table_csv(r, "sweep.csv", "Every figure at every value swept", 500);
    plot__table_free(&a);
    plot__table_free(&t);
    return 0;
}

/* ---- calibrate ---------------------------------------------------------------------------------- */

int report_page_calibrate(report_t *r)
{
    plot__table_t c, it;
    int have_it = load(r, &it, "calibrate_items.csv") == 0;
    char e[64], lo[64], hi[64], plo[64], phi[64];
    report_heading(r, 2, "The calibrated values");
    report_raw(r, "<div class=\"answer\">\n");
    if (load(r, &c, "calibrate.csv") == 0) {
        for (long i = 0; i < c.nrows; i++)
            report_para(r, "%s: %s (95%% interval %s to %s; the prior's 95%%: %s to %s)%s.",
                        cell(&c, i, "label"), report_count(e, sizeof e, num(&c, i, "estimate")),
                        report_count(lo, sizeof lo, num(&c, i, "low")),
                        report_count(hi, sizeof hi, num(&c, i, "high")),
                        report_count(plo, sizeof plo, num(&c, i, "prior_low")),
                        report_count(phi, sizeof phi, num(&c, i, "prior_high")),
                        num(&c, i, "at_prior_bound") > 0
                            ? ": the prior, not the data, bounds this interval"
                            : "");
    } else {
        report_para(r, "calibrate.csv could not be read: no figures to report.");
    }
    long worst = -1;
    for (long i = 0; have_it && i < it.nrows; i++)
        if (!isnan(num(&it, i, "z")) &&
            (worst < 0 || fabs(num(&it, i, "z")) > fabs(num(&it, worst, "z"))))
            worst = i;
    if (worst >= 0)
        report_para(r, "Fit at the estimate: the worst-fitted observed figure is %s %s on %s "
                       "(observed %s, fitted %s: %s noise standard deviations away).",
                    cell(&it, worst, "stages"), cell(&it, worst, "metric"),
                    report_date(e, sizeof e, cell(&it, worst, "date")),
                    report_count(lo, sizeof lo, num(&it, worst, "observed")),
                    report_count(hi, sizeof hi, num(&it, worst, "fitted")),
                    report_ratio(plo, sizeof plo, num(&it, worst, "z")));
    report_raw(r, "</div>\n");
    if (report_meta(r)->plotted) {
        /* posterior-I is calibrate.csv's row I (from 1): captioned by its label and
         * path, in that order (by name, posterior-10 came before posterior-2) */
        report_heading(r, 2, "Prior and posterior");
        for (long i = 0; i < c.nrows; i++) {
            char file[64], cap_[1024], path[PLOT_PATH_LEN];
            snprintf(file, sizeof file, "posterior-%ld.svg", i + 1);
            if (plot__path_fmt(path, "%s/plots/%s", report_meta(r)->dir, file) != 0 ||
                access(path, F_OK) != 0)
                continue;
            const char *lab = cell(&c, i, "label"), *nm = cell(&c, i, "name");
            if (!strcmp(lab, nm))
                snprintf(cap_, sizeof cap_, "Prior and posterior of %s", nm);
            else
                snprintf(cap_, sizeof cap_, "Prior and posterior of %s (%s)", lab, nm);
            report_plot(r, file, cap_);
        }
    }
    report_table_csv(r, "calibrate.csv", "Each calibrated value", 0);
    report_table_csv(r, "calibrate_items.csv", "Each observed figure at the estimate", 0);
    plot__table_free(&c);
    plot__table_free(&it);
    /* then the calibrated scenario's forecast, as `careflow run` reports it */
    return report_page_run(r);
}
