/* test_plot.c: plot_render(), plot_render_compare() and plot_render_sensitivity() draw
 * every plot from CSVs of the documented layouts, into OUT/plots and nowhere else, and
 * fail cleanly. Runs from the repository root (the scripts are taken from ./plots);
 * the gnuplot cases are skipped when gnuplot is not on PATH. Each case works in its
 * own mkdtemp() folder, removed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/plot.h"
#include "models/commands/version.h"
#include "sim/err.h"

#define SCRIPTS "plots"
#define N_REPORTS 13
#define MIN_PNG_BYTES 4000

/* 13 month ends, day 0 first, as a monthly run starting 2023-03-31 reports them */
static const struct {
    int day;
    const char *date;
} reports[N_REPORTS] = {
    {0, "2023-03-31"},   {30, "2023-04-30"},  {61, "2023-05-31"},  {91, "2023-06-30"},
    {122, "2023-07-31"}, {153, "2023-08-31"}, {183, "2023-09-30"}, {214, "2023-10-31"},
    {244, "2023-11-30"}, {275, "2023-12-31"}, {306, "2024-01-31"}, {335, "2024-02-29"},
    {366, "2024-03-31"},
};

/* ---- helpers -------------------------------------------------------------------------- */

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];

    if (!path)
        return 0;
    while (*path) {
        size_t n = strcspn(path, ":");

        if (snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog) <
                (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

static void remove_tree(const char *path)
{
    struct stat st;
    struct dirent *de;
    DIR *d;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d) {
        while ((de = readdir(d)) != NULL) {
            char child[4096];

            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                snprintf(child, sizeof child, "%s/%s", path, de->d_name) < (int)sizeof child)
                remove_tree(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static void join(char *buf, size_t len, const char *dir, const char *name)
{
    assert_true(snprintf(buf, len, "%s/%s", dir, name) < (int)len);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    FILE *f;

    join(path, sizeof path, dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;

    join(path, sizeof path, dir, name);
    return lstat(path, &st) == 0;
}

/* Does dir hold any entry whose name starts with prefix? */
static int has_entry_prefix(const char *dir, const char *prefix)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int found = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        found |= strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return found;
}

/* The first `len` bytes of a file and its size; -1 if it cannot be read. */
static long read_head(const char *path, char *head, size_t len)
{
    FILE *f = fopen(path, "rb");
    long size;

    if (!f)
        return -1;
    memset(head, 0, len);
    if (fread(head, 1, len - 1, f) == 0 || fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    size = ftell(f);
    fclose(f);
    return size;
}

/* A plot written by plot_render: a real PNG of some size, or an SVG document. */
static void assert_plot(const char *out, const char *base)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char path[4096], head[4096];
    long size;

    assert_true(snprintf(path, sizeof path, "%s/plots/%s.png", out, base) < (int)sizeof path);
    size = read_head(path, head, sizeof head);
    if (size < 0)
        fail_msg("%s: missing", path);
    assert_memory_equal(head, png_sig, sizeof png_sig);
    if (size < MIN_PNG_BYTES)
        fail_msg("%s: only %ld bytes", path, size);

    assert_true(snprintf(path, sizeof path, "%s/plots/%s.svg", out, base) < (int)sizeof path);
    size = read_head(path, head, sizeof head);
    if (size < 0)
        fail_msg("%s: missing", path);
    assert_non_null(strstr(head, "<svg"));
}

/* The whole file at path, NUL-terminated (free it). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (!f)
        fail_msg("%s: cannot open", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return buf;
}

/* Does the SVG text s show a number in exponent notation (2e+05) or a plain one of five
 * digits or more (200000, never written so on an axis: units.gp)? Returns where, or
 * NULL. */
static const char *unreadable_number(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (p[0] >= '0' && p[0] <= '9' && p[1] == 'e' && (p[2] == '+' || p[2] == '-') &&
            p[3] >= '0' && p[3] <= '9')
            return p;
        if (p[0] == '>') { /* a text: >[ -]DIGITS< */
            const char *q = p + 1;
            size_t n;

            while (*q == ' ' || *q == '-')
                q++;
            n = strspn(q, "0123456789");
            if (n >= 5 && q[n] == '<')
                return p;
        }
    }
    return NULL;
}

/* The footer line the fixture's scenario gives every plot (plot__footer) */
#define MIDDOT " \xc2\xb7 "
#define FOOTER_HEAD "careflow " CAREFLOW_VERSION MIDDOT "test-borough" MIDDOT "seed 1" MIDDOT \
                    "20 replications"

/* Every SVG in out/plots shows the footer line exactly once, holding head and then
 * tail (NULL: none), and no number that is hard to read (unreadable_number). */
static void assert_footers(const char *out, const char *head, const char *tail)
{
    char dir[4096], path[4096];
    struct dirent *de;
    DIR *d;
    int n = 0;

    join(dir, sizeof dir, out, "plots");
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        const char *dot = strrchr(de->d_name, '.');
        char *svg, *at;
        const char *bad;

        if (!dot || strcmp(dot, ".svg") != 0)
            continue;
        join(path, sizeof path, dir, de->d_name);
        svg = slurp(path);
        /* a text of its own (">" before it): not glued to the end of a title */
        if (!(at = strstr(svg, head)) || at == svg || at[-1] != '>')
            fail_msg("%s: no footer '%s'", path, head);
        if (strstr(at + 1, head))
            fail_msg("%s: the footer is drawn more than once", path);
        if (tail && !strstr(at, tail))
            fail_msg("%s: the footer lacks '%s'", path, tail);
        if ((bad = unreadable_number(svg)))
            fail_msg("%s: a number hard to read: %.40s", path, bad);
        free(svg);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

/* ---- the data: 2 stages + all + 1 pool, 13 month ends --------------------------------- */

static void put_row(FILE *f, int k, const char *stage, const char *metric, double mean,
                    double sd)
{
    static const double z[5] = {-1.645, -0.674, 0.0, 0.674, 1.645};

    fprintf(f, "%d,%s,%s,%s,%.10g", reports[k].day, reports[k].date, stage, metric, mean);
    for (int q = 0; q < 5; q++)
        fprintf(f, ",%.10g", fmax(0.0, mean + z[q] * sd));
    fputc('\n', f);
}

/* timeseries.csv: stages cin and care, `all`, then (if with_pool) pool social_workers
 * serving cin; rows by stage, then metric, then day. Stocks and entries times scale
 * (100: England's size, stocks of 380,000). */
static void write_timeseries_scaled(const char *dir, int with_pool, double scale)
{
    static const char *const stage[] = {"cin", "care", "all"};
    const double base[] = {3800 * scale, 1340 * scale, 5140 * scale};
    const double entries[] = {260 * scale, 38 * scale, 270 * scale};
    char path[4096];
    FILE *f;

    join(path, sizeof path, dir, "timeseries.csv");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("day,date,stage,metric,mean,p05,p25,p50,p75,p95\n", f);
    for (int s = 0; s < 3; s++) {
        for (int k = 0; k < N_REPORTS; k++)
            put_row(f, k, stage[s], "stock", base[s] * (1 + 0.004 * k + 0.01 * sin(k)),
                    base[s] * 0.01 * sqrt(k + 1.0));
        for (int k = 0; k < N_REPORTS; k++)
            put_row(f, k, stage[s], "waiting", s == 1 ? 0 : 3.0 * k, s == 1 ? 0 : 1.0 + k);
        for (int k = 1; k < N_REPORTS; k++) /* no entries row at day 0 */
            put_row(f, k, stage[s], "entries", entries[s] * (1 + 0.1 * sin(k / 2.0)),
                    sqrt(entries[s]));
    }
    if (with_pool) {
        for (int k = 0; k < N_REPORTS; k++)
            put_row(f, k, "social_workers", "used", 3300 + 20.0 * k, 40);
        for (int k = 0; k < N_REPORTS; k++)
            put_row(f, k, "social_workers", "utilisation", (3300 + 20.0 * k) / 3600, 0.011);
    }
    assert_int_equal(fclose(f), 0);
}

static void write_timeseries(const char *dir, int with_pool)
{
    write_timeseries_scaled(dir, with_pool, 1);
}

static void write_summary(const char *dir)
{
    write_file(dir, "summary.csv",
               "metric,stage,mean,sd,ci95_low,ci95_high,replications\n"
               "avg_stock,cin,3880.5,35.2,3864.0,3897.0,20\n"
               "avg_stock,care,1362.1,12.9,1356.1,1368.1,20\n"
               "avg_stock,all,5242.6,40.1,5223.8,5261.4,20\n"
               "avg_used,social_workers,3420,30,3406,3434,20\n");
}

static void write_fit(const char *dir)
{
    write_file(dir, "fit.csv",
               "date,stages,metric,observed,mean,ci95_low,ci95_high,pct_error\n"
               "2023-03-31,care+cin,stock,5100,5140,5120,5160,0.7843137255\n"
               "2023-09-30,care,stock,1390,1372.5,1364.2,1380.8,-1.258992806\n"
               "2024-03-31,care,entries,450,441.2,430.5,451.9,-1.955555556\n");
}

/* ---- a comparison's CSVs: 2 alternatives against the base ----------------------------- */

static const char *const alts[] = {"more-workers", "edge-of-care"};
#define N_ALTS 2

/* compare_timeseries.csv: for each alternative, stages cin, care and `all`, stock then
 * waiting, by day; the difference grows from 0 with a widening spread. */
static void write_compare_ts(const char *dir)
{
    static const char *const stage[] = {"cin", "care", "all"};
    static const double base[] = {3800, 1340, 5140};
    static const double z[5] = {-1.645, -0.674, 0.0, 0.674, 1.645};
    static const char *const metric[] = {"stock", "waiting"};
    char path[4096];
    FILE *f;

    join(path, sizeof path, dir, "compare_timeseries.csv");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,diff_p50,"
          "diff_p75,diff_p95\n", f);
    for (int a = 0; a < N_ALTS; a++)
        for (int s = 0; s < 3; s++)
            for (int m = 0; m < 2; m++)
                for (int k = 0; k < N_REPORTS; k++) {
                    double b = m == 0 ? base[s] * (1 + 0.004 * k) : 2.0 * k;
                    double d = (m == 0 ? -0.004 : -0.05) * (a + 1) * b * k / N_REPORTS;
                    double sd = 0.002 * b * sqrt((double)k);

                    fprintf(f, "%d,%s,%s,%s,%s,%.10g,%.10g,%.10g", reports[k].day,
                            reports[k].date, stage[s], metric[m], alts[a], b, b + d, d);
                    for (int q = 0; q < 5; q++)
                        fprintf(f, ",%.10g", d + z[q] * sd);
                    fputc('\n', f);
                }
    /* then the pool rows: utilisation, then caseload per worker (cap 18, the
     * alternatives' caseloads falling below the base's) */
    for (int a = 0; a < N_ALTS; a++)
        for (int m = 0; m < 2; m++)
            for (int k = 0; k < N_REPORTS; k++) {
                double u = 0.8 + 0.01 * k, ua = u - 0.02 * (a + 1) * k / N_REPORTS;
                double x = m ? 18 * u : u, y = m ? 18 * ua : ua;
                fprintf(f, "%d,%s,social_workers,%s,%s,%.10g,%.10g,%.10g", reports[k].day,
                        reports[k].date, m ? "caseload_per_worker" : "utilisation", alts[a], x,
                        y, y - x);
                for (int q = 0; q < 5; q++)
                    fprintf(f, ",%.10g", y - x + 0.01 * z[q]);
                fputc('\n', f);
            }
    assert_int_equal(fclose(f), 0);
}

/* compare.csv: stage figures for each alternative, then (with costs) the cost rows */
static void write_compare(const char *dir, int with_costs)
{
    char path[4096];
    FILE *f;

    join(path, sizeof path, dir, "compare.csv");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high,"
          "unpaired_ci95_low,unpaired_ci95_high,replications,alt\n", f);
    for (int a = 0; a < N_ALTS; a++) {
        double g = a + 1.0;

        fprintf(f, "avg_stock,cin,3880.5,%g,%g,%g,%g,%g,%g,20,%s\n", 3880.5 - 40 * g, -40 * g,
                -45 * g, -35 * g, -60 * g, -20 * g, alts[a]);
        fprintf(f, "avg_stock,care,1362.1,%g,%g,%g,%g,%g,%g,20,%s\n", 1362.1 - 9 * g, -9 * g,
                -11 * g, -7 * g, -15 * g, -3 * g, alts[a]);
        if (!with_costs)
            continue;
        fprintf(f, "cost_per_year,social_workers,9737294,%g,%g,0,%g,-1e5,3e5,20,%s\n",
                9737294 + 1.5e5 * g, 1.5e5 * g, 3e5 * g, alts[a]);
        fprintf(f, "component_cost_per_year,pool,9737294,%g,%g,0,%g,-1e5,3e5,20,%s\n",
                9737294 + 1.5e5 * g, 1.5e5 * g, 3e5 * g, alts[a]);
        fprintf(f, "component_cost_per_year,placement,102391483.9,%g,%g,%g,%g,,,20,%s\n",
                102391483.9 - 2.1e6 * g, -2.1e6 * g, -2.5e6 * g, -1.7e6 * g, alts[a]);
        fprintf(f, "cost_per_year,all,112128777.9,%g,%g,%g,%g,,,20,%s\n",
                112128777.9 - 1.95e6 * g, -1.95e6 * g, -2.4e6 * g, -1.5e6 * g, alts[a]);
        fprintf(f, "strand_cost_per_year,all,0,%g,%g,%g,%g,,,20,%s\n", 1.8e6 * g, 1.8e6 * g,
                1.7e6 * g, 1.9e6 * g, alts[a]);
        fprintf(f, "benefit_cost_ratio,all,,,1.08,0.9,1.3,,,20,%s\n", alts[a]);
    }
    assert_int_equal(fclose(f), 0);
}

/* ---- the scenario, filled by hand ----------------------------------------------------- */

typedef struct fixture {
    char dir[64];        /* the mkdtemp() folder: the run's output folder */
    scn_stage_t stages[2];
    scn_pool_t pool;
    int serves[1];
    double serves_weight[1];
    scenario_t sc;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);

    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/careflow-test-plot-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    fx->stages[0] = (scn_stage_t){.name = "cin", .title = "Child in need", .open_case = 1,
                                  .pool = 0, .weight = 1.0};
    fx->stages[1] = (scn_stage_t){.name = "care", .title = "Looked after", .open_case = 1,
                                  .pool = -1};
    fx->serves[0] = 0;
    fx->serves_weight[0] = 1.0;
    fx->pool = (scn_pool_t){.name = "social_workers", .absence = 0.0, .caseload_cap = 18,
                            .n_serves = 1, .serves = fx->serves,
                            .serves_weight = fx->serves_weight, .n_levels = 1};
    fx->sc = (scenario_t){.name = "test-borough", .title = "Test Borough baseline",
                          .report_monthly = 1, .replications = 20, .seed = 1,
                          .horizon = 366, .n_stages = 2, .stages = fx->stages,
                          .n_pools = 1, .pools = &fx->pool};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;

    remove_tree(fx->dir);
    free(fx);
    return 0;
}

static void skip_without_gnuplot(void)
{
    if (!on_path("gnuplot"))
        skip();
}

/* ---- cases ---------------------------------------------------------------------------- */

static void render_draws_every_plot(void **state)
{
    fixture_t *fx = *state;
    char err[256], plots[4096];
    static const char *const bases[] = {"stock-cin", "stock-care", "stock-all", "stocks",
                                        "entries",   "pools",      "fit"};

    skip_without_gnuplot();
    write_timeseries(fx->dir, 1);
    write_summary(fx->dir);
    write_fit(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
        assert_plot(fx->dir, bases[i]);
    assert_footers(fx->dir, FOOTER_HEAD, MIDDOT "bands: spread of replications");
    join(plots, sizeof plots, fx->dir, "plots");
    assert_false(exists(plots, "gnuplot.log"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* England's size (stocks of 380,000, entries of 26,000 a month): every axis of counts
 * reads 380,000, never 380000 or 3.8e+05 */
static void render_england_size_axes_have_separators(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[4096];
    char *svg;

    skip_without_gnuplot();
    write_timeseries_scaled(fx->dir, 1, 100);
    write_summary(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    assert_footers(fx->dir, FOOTER_HEAD, NULL); /* and nothing hard to read */
    join(path, sizeof path, fx->dir, "plots/stock-cin.svg");
    svg = slurp(path);
    assert_non_null(strstr(svg, ",000</text>")); /* the stock axis's ticks */
    free(svg);
    join(path, sizeof path, fx->dir, "plots/entries.svg");
    svg = slurp(path);
    assert_non_null(strstr(svg, ",000</text>"));
    free(svg);
}

/* each pool's panels are titled with its name and cap; two pools give two pairs */
static void render_titles_each_pool(void **state)
{
    fixture_t *fx = *state;
    scn_pool_t pools[2];
    int serves[1] = {1};
    double weight[1] = {1.0};
    char err[256], path[4096];
    FILE *f;
    char *svg;

    skip_without_gnuplot();
    pools[0] = fx->pool;
    pools[1] = (scn_pool_t){.name = "care_team", .caseload_cap = 12.5, .n_serves = 1,
                            .serves = serves, .serves_weight = weight, .n_levels = 1};
    fx->sc.n_pools = 2;
    fx->sc.pools = pools;
    write_timeseries(fx->dir, 1);
    join(path, sizeof path, fx->dir, "timeseries.csv");
    assert_non_null(f = fopen(path, "a"));
    for (int k = 0; k < N_REPORTS; k++)
        put_row(f, k, "care_team", "utilisation", 0.8 + 0.01 * k, 0.02);
    assert_int_equal(fclose(f), 0);
    write_summary(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    join(path, sizeof path, fx->dir, "plots/pools.svg");
    svg = slurp(path);
    assert_non_null(strstr(svg, "social_workers (caseload cap 18 per worker): weighted"));
    assert_non_null(strstr(svg, "social_workers: children waiting for a worker"));
    assert_non_null(strstr(svg, "care_team (caseload cap 12.5 per worker): weighted"));
    assert_non_null(strstr(svg, "care_team: children waiting for a worker"));
    free(svg);
    fx->sc.n_pools = 1;
    fx->sc.pools = &fx->pool;
}

static void render_without_pools_or_fit_skips_them(void **state)
{
    fixture_t *fx = *state;
    char err[256], plots[4096];

    skip_without_gnuplot();
    fx->sc.n_pools = 0;
    fx->sc.pools = NULL;
    write_timeseries(fx->dir, 0);
    write_summary(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    assert_plot(fx->dir, "stock-all");
    assert_plot(fx->dir, "stocks");
    assert_plot(fx->dir, "entries");
    join(plots, sizeof plots, fx->dir, "plots");
    assert_false(exists(plots, "pools.png"));
    assert_false(exists(plots, "fit.png"));
}

static void render_replaces_older_plots(void **state)
{
    fixture_t *fx = *state;
    char err[256], plots[4096];

    skip_without_gnuplot();
    join(plots, sizeof plots, fx->dir, "plots");
    assert_int_equal(mkdir(plots, 0777), 0);
    write_file(plots, "stale.png", "from an earlier run\n");
    write_timeseries(fx->dir, 1);
    write_summary(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    assert_false(exists(plots, "stale.png"));
    assert_plot(fx->dir, "stock-cin");
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void render_missing_timeseries_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";

    skip_without_gnuplot();
    write_summary(fx->dir);
    assert_int_equal(plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), SIM_EIO);
    assert_true(strlen(err) > 0);
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* gnuplot itself fails (a timeseries.csv with no rows): the earlier plots survive */
static void render_gnuplot_failure_keeps_older_plots(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "", plots[4096];

    skip_without_gnuplot();
    join(plots, sizeof plots, fx->dir, "plots");
    assert_int_equal(mkdir(plots, 0777), 0);
    write_file(plots, "good.png", "from an earlier run\n");
    write_file(fx->dir, "timeseries.csv", "day,date,stage,metric,mean,p05,p25,p50,p75,p95\n");
    assert_int_equal(plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), SIM_EIO);
    assert_non_null(strstr(err, "gnuplot failed"));
    assert_true(exists(plots, "good.png"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void render_missing_scripts_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";

    write_timeseries(fx->dir, 1);
    assert_int_equal(plot_render(&fx->sc, fx->dir, "no/such/folder", err, sizeof err), SIM_EIO);
    assert_true(strlen(err) > 0);
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* titles with quotes, semicolons, gnuplot commands, tabs and newlines are only text */
static void render_hostile_titles_are_text(void **state)
{
    fixture_t *fx = *state;
    char err[256], marker[4096];

    skip_without_gnuplot();
    join(marker, sizeof marker, fx->dir, "PWNED");
    fx->sc.title = "Kids' \"care\" & <co>; system('touch PWNED'); print `touch PWNED`";
    fx->stages[0].title = "Child\tin \"need\"'\nsystem(\"touch PWNED\")";
    fx->stages[1].title = "$(touch PWNED) @macro {looked_after}^2";
    write_timeseries(fx->dir, 1);
    write_summary(fx->dir);
    write_fit(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    assert_plot(fx->dir, "stocks");
    assert_plot(fx->dir, "fit");
    assert_false(exists(fx->dir, "PWNED"));
    assert_false(exists(".", "PWNED"));
}

/* no gnuplot on PATH: a clear message, no plots folder, no temporary folder */
static void render_without_gnuplot_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    int rc;

    write_timeseries(fx->dir, 1);
    assert_int_equal(setenv("PATH", fx->dir, 1), 0); /* a folder without gnuplot */
    rc = plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    } else {
        unsetenv("PATH");
    }
    assert_int_equal(rc, SIM_EIO);
    assert_string_equal(err, "gnuplot not found: plots skipped");
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* A full disk, simulated without root: RLIMIT_FSIZE caps every file gnuplot writes at
 * `limit` bytes and SIGXFSZ is ignored, so its writes fail (EFBIG) as on a full disk
 * (ENOSPC) and, as there, gnuplot still exits 0 with empty (limit 0) or cut files.
 * The limit and the signal's disposition go to gnuplot through fork and exec; only the
 * soft limit is lowered, and both are put back before returning. */
typedef int (*render_fn)(const scenario_t *, const char *, const char *, char *, size_t);

static int render_on_full_disk(render_fn render, fixture_t *fx, rlim_t limit, char *err,
                               size_t errlen)
{
    struct rlimit saved, lim;
    struct sigaction ign = {0}, old;
    int rc;

    ign.sa_handler = SIG_IGN;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = limit;
    assert_int_equal(sigaction(SIGXFSZ, &ign, &old), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rc = render(&fx->sc, fx->dir, SCRIPTS, err, errlen);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(sigaction(SIGXFSZ, &old, NULL), 0);
    return rc;
}

/* Defect 8: on a full disk gnuplot exits 0 with empty or cut images. That is an error
 * naming the image, and the good plots drawn before stay as they were. */
static void render_full_disk_keeps_older_plots(void **state)
{
    static const rlim_t limits[] = {0, 3000}; /* empty files; files cut short */
    static const char *const bases[] = {"stock-cin", "stock-care", "stock-all", "stocks",
                                        "entries",   "pools",      "fit"};
    fixture_t *fx = *state;
    char err[256];

    skip_without_gnuplot();
    write_timeseries(fx->dir, 1);
    write_summary(fx->dir);
    write_fit(fx->dir);
    if (plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render: %s", err);
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        err[0] = '\0';
        assert_int_equal(render_on_full_disk(plot_render, fx, limits[i], err, sizeof err),
                         SIM_EIO);
        if (!strstr(err, "is empty or incomplete"))
            fail_msg("limit %ld: message \"%s\"", (long)limits[i], err);
        assert_true(strncmp(err, "plot ", 5) == 0);
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
            assert_plot(fx->dir, bases[b]);
        assert_false(has_entry_prefix(fx->dir, ".plots."));
    }
}

/* The same for a comparison's plots. */
static void compare_full_disk_keeps_older_plots(void **state)
{
    fixture_t *fx = *state;
    char err[256];

    skip_without_gnuplot();
    write_compare_ts(fx->dir);
    write_compare(fx->dir, 1);
    if (plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render_compare: %s", err);
    assert_int_equal(render_on_full_disk(plot_render_compare, fx, 0, err, sizeof err),
                     SIM_EIO);
    assert_non_null(strstr(err, "is empty or incomplete"));
    assert_plot(fx->dir, "costs");
    assert_plot(fx->dir, "diffs-more-workers");
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* ---- plot_render_compare ---------------------------------------------------------------- */

static void compare_draws_every_plot(void **state)
{
    fixture_t *fx = *state;
    char err[256], plots[4096], base[256];
    static const char *const stages[] = {"cin", "care", "all"};

    skip_without_gnuplot();
    write_compare_ts(fx->dir);
    write_compare(fx->dir, 1);
    if (plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render_compare: %s", err);
    for (int a = 0; a < N_ALTS; a++) {
        for (int s = 0; s < 3; s++) {
            snprintf(base, sizeof base, "diff-%s-%s", alts[a], stages[s]);
            assert_plot(fx->dir, base);
        }
        snprintf(base, sizeof base, "diffs-%s", alts[a]);
        assert_plot(fx->dir, base);
        snprintf(base, sizeof base, "waiting-%s", alts[a]); /* cin is served */
        assert_plot(fx->dir, base);
        snprintf(base, sizeof base, "caseloads-%s", alts[a]); /* social_workers' rows */
        assert_plot(fx->dir, base);
    }
    assert_plot(fx->dir, "costs");
    assert_footers(fx->dir, FOOTER_HEAD " each, paired",
                   MIDDOT "bands: spread of paired replications");
    join(plots, sizeof plots, fx->dir, "plots");
    assert_false(exists(plots, "gnuplot.log"));
    assert_false(exists(plots, "diff-more-workers-referral.png")); /* not a stage */
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* no cost rows in compare.csv, or no compare.csv at all: every plot but costs */
static void compare_without_costs_skips_them(void **state)
{
    fixture_t *fx = *state;
    char err[256], plots[4096], path[4096];

    skip_without_gnuplot();
    join(plots, sizeof plots, fx->dir, "plots");
    write_compare_ts(fx->dir);
    write_compare(fx->dir, 0);
    if (plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render_compare: %s", err);
    assert_plot(fx->dir, "diff-more-workers-all");
    assert_plot(fx->dir, "diffs-edge-of-care");
    assert_false(exists(plots, "costs.png"));

    join(path, sizeof path, fx->dir, "compare.csv");
    assert_int_equal(unlink(path), 0);
    if (plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render_compare: %s", err);
    assert_plot(fx->dir, "diff-edge-of-care-cin");
    assert_false(exists(plots, "costs.png"));
}

static void compare_missing_timeseries_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";

    skip_without_gnuplot();
    write_compare(fx->dir, 1);
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), SIM_EIO);
    assert_non_null(strstr(err, "compare_timeseries.csv"));
    assert_null(strchr(err, '\n'));
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* a file of other columns (a run's timeseries.csv renamed) or with no rows: an error,
 * and the earlier plots survive */
static void compare_wrong_timeseries_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "", plots[4096], path[4096], path2[4096];

    join(plots, sizeof plots, fx->dir, "plots");
    assert_int_equal(mkdir(plots, 0777), 0);
    write_file(plots, "good.png", "from an earlier run\n");
    write_timeseries(fx->dir, 0);
    join(path, sizeof path, fx->dir, "timeseries.csv");
    join(path2, sizeof path2, fx->dir, "compare_timeseries.csv");
    assert_int_equal(rename(path, path2), 0);
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "wrong columns"));

    write_file(fx->dir, "compare_timeseries.csv",
               "day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,"
               "diff_p50,diff_p75,diff_p95\n");
    err[0] = '\0';
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "no rows"));
    assert_true(exists(plots, "good.png"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* titles with quotes, semicolons and gnuplot commands are only text here too */
static void compare_hostile_titles_are_text(void **state)
{
    fixture_t *fx = *state;
    char err[256];

    skip_without_gnuplot();
    fx->sc.title = "Kids' \"care\" & <co>; system('touch PWNED'); print `touch PWNED`";
    fx->stages[0].title = "Child\tin \"need\"'\nsystem(\"touch PWNED\")";
    write_compare_ts(fx->dir);
    write_compare(fx->dir, 1);
    if (plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err) != 0)
        fail_msg("plot_render_compare: %s", err);
    assert_plot(fx->dir, "diff-more-workers-cin");
    assert_false(exists(fx->dir, "PWNED"));
    assert_false(exists(".", "PWNED"));
}

static void compare_without_gnuplot_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    int rc;

    write_compare_ts(fx->dir);
    write_compare(fx->dir, 1);
    assert_int_equal(setenv("PATH", fx->dir, 1), 0); /* a folder without gnuplot */
    rc = plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    } else {
        unsetenv("PATH");
    }
    assert_int_equal(rc, SIM_EIO);
    assert_string_equal(err, "gnuplot not found: plots skipped");
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

/* ---- plot_render_sensitivity ------------------------------------------------------------ */

/* Six uncertain parameters with labels as an evaluator writes them (the fifth holds a
 * comma and quotes) and three outputs; effect[p][o] is parameter p's effect on output o
 * as a share of its base value, from which every fixture below is made. */
#define SA_NP 6
#define SA_NO 3
#define SA_NSETS 64
#define SA_QUOTED_LABEL "Referral rate growth (\"demand\", % a year)"

static const struct {
    const char *name, *label, *low, *high;
} sa_par[SA_NP] = {
    {"strands.edge.effect", "Edge of care: effect on care entry (odds ratio)", "0.5",
     "0.9999999999"},
    {"strands.pa.hours_freed", "PA: hours freed per social worker", "2", "6"},
    {"strands.fit.takeup", "FIT: take-up", "0.3", "0.7"},
    {"strands.volunteers.places", "Volunteers: places", "10", "40"},
    {"arrivals.referrals.growth", SA_QUOTED_LABEL, "-0.02", "0.06"},
    {"pools.cin_teams.workers", "Social workers in post", "220", "260"},
};

static const struct {
    const char *metric, *stage;
    double base;
} sa_out[SA_NO] = {
    {"entries_per_year", "care", 596.36},
    {"avg_waiting", "cin", 149.83},
    {"cost_per_year", "all", 112128777.9},
};

static const double sa_effect[SA_NP][SA_NO] = {
    {0.21, 0.04, 0.05},   {-0.01, -0.30, 0.012}, {-0.06, -0.02, -0.02},
    {-0.025, -0.01, -0.004}, {0.13, 0.26, 0.08}, {0.002, -0.62, 0.07},
};

/* A field as RFC 4180 (quoted when it holds a comma, quote or line break), then a
 * comma or, for the last, a line end. */
static void put_field(FILE *f, const char *text, int last)
{
    if (strpbrk(text, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(text, f);
    }
    fputs(last ? "\n" : ",", f);
}

/* metric,stage,name,label and then the numbers given, as sensitivity CSVs start */
static void put_sa_row(FILE *f, int o, int p, int n, const double *v)
{
    put_field(f, sa_out[o].metric, 0);
    put_field(f, sa_out[o].stage, 0);
    put_field(f, sa_par[p].name, 0);
    put_field(f, sa_par[p].label, 0);
    for (int i = 0; i < n; i++)
        fprintf(f, "%.10g%s", v[i], i + 1 < n ? "," : "\n");
}

static FILE *open_csv(const char *dir, const char *name, const char *header)
{
    char path[4096];
    FILE *f;

    join(path, sizeof path, dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(header, f);
    fputc('\n', f);
    return f;
}

/* oat.csv: rows in parameter order (not by swing: the sort is plot_render's) */
static void write_oat(const char *dir)
{
    FILE *f = open_csv(dir, "oat.csv",
                       "metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,"
                       "swing_ci95_low,swing_ci95_high");

    for (int o = 0; o < SA_NO; o++)
        for (int p = 0; p < SA_NP; p++) {
            double b = sa_out[o].base, e = sa_effect[p][o];
            double lo = b * (1 - 0.45 * e), hi = b * (1 + 0.55 * e), sw = hi - lo;

            put_field(f, sa_out[o].metric, 0);
            put_field(f, sa_out[o].stage, 0);
            put_field(f, sa_par[p].name, 0);
            put_field(f, sa_par[p].label, 0);
            put_field(f, sa_par[p].low, 0);
            put_field(f, sa_par[p].high, 0);
            fprintf(f, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", b, lo, hi, sw,
                    sw - 0.12 * fabs(sw) - 0.004 * b, sw + 0.12 * fabs(sw) + 0.004 * b);
        }
    assert_int_equal(fclose(f), 0);
}

static void write_morris(const char *dir)
{
    static const double ratio[SA_NP] = {0.25, 0.9, 0.35, 1.3, 0.55, 0.12};
    FILE *f = open_csv(dir, "morris.csv",
                       "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee");

    for (int o = 0; o < SA_NO; o++)
        for (int p = 0; p < SA_NP; p++) {
            double b = sa_out[o].base, ms = 2 * fabs(sa_effect[p][o]) * b;
            double v[5] = {2 * sa_effect[p][o] * b * 0.9, ms, ms * ratio[p], 0.18 * ms,
                           0.03 * b};

            put_sa_row(f, o, p, 5, v);
        }
    assert_int_equal(fclose(f), 0);
}

/* sobol.csv and sobol_convergence.csv: ST the parameter's share of the squared effects,
 * S1 a little less; the convergence rows wander less as N grows */
static void write_sobol(const char *dir)
{
    FILE *f = open_csv(dir, "sobol.csv",
                       "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped");
    FILE *g = open_csv(dir, "sobol_convergence.csv",
                       "metric,stage,name,label,N,S1,S1_conf,ST,ST_conf");

    for (int o = 0; o < SA_NO; o++) {
        double total = 0;

        for (int p = 0; p < SA_NP; p++)
            total += sa_effect[p][o] * sa_effect[p][o];
        for (int p = 0; p < SA_NP; p++) {
            double st = sa_effect[p][o] * sa_effect[p][o] / total + 0.02;
            double s1 = st > 0.05 ? 0.82 * st : -0.012;
            double v[4] = {s1, 0.05, st, 0.035};

            fprintf(f, "%s,%s,", sa_out[o].metric, sa_out[o].stage);
            put_field(f, sa_par[p].name, 0);
            put_field(f, sa_par[p].label, 0);
            fprintf(f, "%.10g,%.10g,%.10g,%.10g,%s\n", v[0], v[1], v[2], v[3],
                    st < 0.03 ? "yes" : "no");
            for (int k = 0; k < 5; k++) {
                double n = 64 << k, wobble = 0.25 * sin(3.0 * p + k) / (k + 1);
                double c[5] = {n, s1 + 0.8 * wobble, 0.4 / sqrt(n / 64), st + wobble,
                               0.3 / sqrt(n / 64)};

                put_sa_row(g, o, p, 5, c);
            }
        }
    }
    assert_int_equal(fclose(f), 0);
    assert_int_equal(fclose(g), 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Y.csv (SA_NSETS parameter sets), lhs.csv (its summaries) and lhs_timeseries.csv
 * (stock of care and all, waiting in cin: 13 month ends) */
static void write_lhs(const char *dir)
{
    static double y[SA_NO][SA_NSETS], sorted[SA_NSETS];
    static const struct {
        const char *stage, *metric;
        double base;
    } fans[] = {{"care", "stock", 1340}, {"all", "stock", 5140}, {"cin", "waiting", 150}};
    static const double z[5] = {-1.645, -0.674, 0.0, 0.674, 1.645};
    FILE *f = open_csv(dir, "Y.csv", "entries_per_year:care,avg_waiting:cin,cost_per_year:all");

    for (int i = 0; i < SA_NSETS; i++)
        for (int o = 0; o < SA_NO; o++) {
            double g = 0;

            /* the sum of three well-spread points in [0, 1): bell-shaped */
            for (int p = 0; p < 3; p++)
                g += fmod((i + 0.5) * (0.6180339887 + 0.1 * p + 0.05 * o), 1.0) - 0.5;
            y[o][i] = sa_out[o].base * (1 + 0.08 * g);
            fprintf(f, "%.10g%s", y[o][i], o + 1 < SA_NO ? "," : "\n");
        }
    assert_int_equal(fclose(f), 0);

    f = open_csv(dir, "lhs.csv", "metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd");
    for (int o = 0; o < SA_NO; o++) {
        double mean = 0, ss = 0;

        for (int i = 0; i < SA_NSETS; i++)
            mean += (sorted[i] = y[o][i]) / SA_NSETS;
        for (int i = 0; i < SA_NSETS; i++)
            ss += (y[o][i] - mean) * (y[o][i] - mean);
        qsort(sorted, SA_NSETS, sizeof sorted[0], cmp_double);
        fprintf(f, "%s,%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", sa_out[o].metric,
                sa_out[o].stage, mean, sqrt(ss / (SA_NSETS - 1)), sorted[3], sorted[16],
                sorted[32], sorted[48], sorted[60], 0.01 * sa_out[o].base);
    }
    assert_int_equal(fclose(f), 0);

    f = open_csv(dir, "lhs_timeseries.csv", "day,date,stage,metric,mean,p05,p25,p50,p75,p95");
    for (size_t s = 0; s < sizeof fans / sizeof fans[0]; s++)
        for (int k = 0; k < N_REPORTS; k++) {
            double m = fans[s].base * (1 + 0.01 * k), sd = fans[s].base * 0.012 * sqrt(k + 0.5);

            fprintf(f, "%d,%s,%s,%s,%.10g", reports[k].day, reports[k].date, fans[s].stage,
                    fans[s].metric, m);
            for (int q = 0; q < 5; q++)
                fprintf(f, ",%.10g", fmax(0.0, m + z[q] * sd));
            fputc('\n', f);
        }
    assert_int_equal(fclose(f), 0);
}

/* The plots a method draws: PREFIX-METRIC-STAGE for each output (fans: STAGE-METRIC). */
static void assert_sa_plots(const char *out, const char *prefix)
{
    char base[256];

    for (int o = 0; o < SA_NO; o++) {
        snprintf(base, sizeof base, "%s-%s-%s", prefix, sa_out[o].metric, sa_out[o].stage);
        assert_plot(out, base);
    }
}

/* Is text somewhere in the file? */
static int file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    int found;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    found = strstr(buf, text) != NULL;
    free(buf);
    return found;
}

static void sensitivity_oat_draws_tornados(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[4096];

    skip_without_gnuplot();
    write_oat(fx->dir);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "oat", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "tornado");
    assert_footers(fx->dir, FOOTER_HEAD " per point", MIDDOT "one at a time");
    /* the label with a comma and quotes, and the range after it, reach the image whole
     */
    join(path, sizeof path, fx->dir, "plots/tornado-avg_waiting-cin.svg");
    assert_true(file_has(path, "Referral rate growth (\"demand\", % a year) (-0.02 to 0.06)"));
    assert_true(file_has(path, "Edge of care: effect on care entry (odds ratio) (0.5 to 1)"));
    /* the output in words, not "avg_waiting (cin)" */
    assert_true(file_has(path, "Children waiting for Child in need (average)"));
    assert_false(file_has(path, "avg_waiting (cin)"));
    /* money: the axis in £ and the swings with £ too */
    join(path, sizeof path, fx->dir, "plots/tornado-cost_per_year-all.svg");
    assert_true(file_has(path, "Cost a year of everything (\xc2\xa3 millions)"));
    assert_true(file_has(path, "+\xc2\xa3") || file_has(path, "-\xc2\xa3"));
    assert_false(file_has(path, "cost_per_year (all)"));
    join(path, sizeof path, fx->dir, "plots");
    assert_false(exists(path, "gnuplot.log"));
    assert_false(exists(path, "p1.tsv"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void sensitivity_morris_draws_screening(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[4096];

    skip_without_gnuplot();
    write_morris(fx->dir);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "morris", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "morris");
    assert_footers(fx->dir, FOOTER_HEAD " per point", MIDDOT "Morris screening");
    join(path, sizeof path, fx->dir, "plots/morris-entries_per_year-care.svg");
    assert_true(file_has(path, "Referral rate growth (\"demand\", % a year)"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void sensitivity_sobol_draws_indices_and_convergence(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[4096];

    skip_without_gnuplot();
    write_sobol(fx->dir);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "sobol", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "sobol");
    assert_sa_plots(fx->dir, "sobol-convergence");
    /* a parameter within replication noise is starred, with the footnote */
    join(path, sizeof path, fx->dir, "plots/sobol-avg_waiting-cin.svg");
    assert_true(file_has(path, "Volunteers: places *"));
    assert_true(file_has(path, "* within replication noise"));

    /* without sobol_convergence.csv: the indices only */
    join(path, sizeof path, fx->dir, "sobol_convergence.csv");
    assert_int_equal(unlink(path), 0);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "sobol", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "sobol");
    join(path, sizeof path, fx->dir, "plots");
    assert_false(exists(path, "sobol-convergence-avg_waiting-cin.png"));
}

static void sensitivity_lhs_draws_histograms_and_fans(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[4096];
    static const char *const fans[] = {"lhs-fan-care-stock", "lhs-fan-all-stock",
                                       "lhs-fan-cin-waiting"};

    skip_without_gnuplot();
    write_lhs(fx->dir);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "lhs", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "lhs-hist");
    for (int i = 0; i < 3; i++)
        assert_plot(fx->dir, fans[i]);
    assert_footers(fx->dir, FOOTER_HEAD " per parameter set", MIDDOT "Latin hypercube");
    join(path, sizeof path, fx->dir, "plots/lhs-hist-cost_per_year-all.svg");
    assert_true(file_has(path, "over 64 parameter sets"));
    join(path, sizeof path, fx->dir, "plots");
    assert_false(exists(path, "lhs-fan-cin-stock.png")); /* not in lhs_timeseries.csv */

    /* without lhs_timeseries.csv: the histograms only */
    join(path, sizeof path, fx->dir, "lhs_timeseries.csv");
    assert_int_equal(unlink(path), 0);
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "lhs", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_sa_plots(fx->dir, "lhs-hist");
    join(path, sizeof path, fx->dir, "plots");
    assert_false(exists(path, "lhs-fan-care-stock.png"));
}

/* a label with quotes, a tab, a line break and gnuplot commands is only text */
static void sensitivity_hostile_labels_are_text(void **state)
{
    fixture_t *fx = *state;
    char err[256];

    skip_without_gnuplot();
    write_file(fx->dir, "morris.csv",
               "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee\n"
               "stock,care,a.b,\"x\"\"); system(\"\"touch PWNED\"\"); print (\"\"\","
               "1,1,0.5,0.1,0.2\n"
               "stock,care,c.d,\"tab\there\nnew line `touch PWNED` @x {y}^2\",-2,2,1,0.2,0.2\n");
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "morris", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_plot(fx->dir, "morris-stock-care");
    assert_false(exists(fx->dir, "PWNED"));
    assert_false(exists(".", "PWNED"));
}

/* rows with no numbers (an output whose indices are undefined) give a plot that says so,
 * and empty or nan cells are allowed */
static void sensitivity_output_without_values_still_drawn(void **state)
{
    fixture_t *fx = *state;
    char err[256];

    skip_without_gnuplot();
    write_file(fx->dir, "sobol.csv",
               "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped\n"
               "avg_stock,care,a,A,nan,nan,nan,nan,yes\n"
               "avg_stock,care,b,B,,,,,yes\n"
               "avg_stock,cin,a,A,0.5,,0.6,,no\n");
    if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "sobol", err, sizeof err) != 0)
        fail_msg("plot_render_sensitivity: %s", err);
    assert_plot(fx->dir, "sobol-avg_stock-care");
    assert_plot(fx->dir, "sobol-avg_stock-cin");
}

/* one parameter whose bar lies on one side of the base, a Morris label of each
 * alignment but one, an output with S1 but no ST: label layers with no point are left
 * out (gnuplot 5.4 can crash on them) */
static void sensitivity_one_parameter_draws(void **state)
{
    static const struct {
        const char *method, *file, *text, *plot;
    } cases[] = {
        {"oat", "oat.csv",
         "metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,swing_ci95_low,"
         "swing_ci95_high\nstock,all,a,A,1,2,10,11,12,1,0.5,1.5\n",
         "tornado-stock-all"},
        {"morris", "morris.csv",
         "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee\n"
         "stock,all,a,A,1,1,0.5,0.1,\n",
         "morris-stock-all"},
        {"sobol", "sobol.csv",
         "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped\n"
         "stock,all,a,A,0.5,,nan,,no\n",
         "sobol-stock-all"},
    };
    fixture_t *fx = *state;

    skip_without_gnuplot();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256];

        write_file(fx->dir, cases[i].file, cases[i].text);
        if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, cases[i].method, err,
                                    sizeof err) != 0)
            fail_msg("%s: %s", cases[i].method, err);
        assert_plot(fx->dir, cases[i].plot);
    }
}

/* A malformed CSV: -1 with a one-line message naming the problem, before gnuplot runs;
 * the earlier plots survive and nothing temporary is left. */
static void sensitivity_malformed_csv_fails_clean(void **state)
{
    static const char oat_header[] =
        "metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,swing_ci95_low,"
        "swing_ci95_high\n";
    static const struct {
        const char *method, *file, *text, *message;
    } cases[] = {
        {"oat", "oat.csv", "an unclosed quote", "a quoted field is not closed"},
        {"oat", "oat.csv", "an unquoted comma", "13 fields where the header has 12"},
        {"oat", "oat.csv", "a word for a number", "y_high is \"high\", not a number"},
        {"oat", "oat.csv", "a stray quote", "a quote inside a field"},
        {"oat", "oat.csv", "other columns", "wrong columns"},
        {"oat", "oat.csv", "no rows", "has no rows"},
        {"oat", NULL, "no file", "oat.csv: No such file"},
        {"sobol", "sobol.csv", "noise_swamped maybe", "not yes or no"},
        {"lhs", "lhs.csv", "Y.csv without the column", "Y.csv has no column avg_stock:care"},
        {"lhs", "lhs.csv", "lhs_timeseries.csv with a bad date", "not YYYY-MM-DD"},
    };
    fixture_t *fx = *state;
    char plots[4096];

    join(plots, sizeof plots, fx->dir, "plots");
    assert_int_equal(mkdir(plots, 0777), 0);
    write_file(plots, "good.png", "from an earlier run\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "", path[4096], text[1024];
        const char *bad = cases[i].text;

        /* each case starts from a clean folder but for plots/ */
        for (const char *const *n = (const char *const[]){"oat.csv", "sobol.csv", "lhs.csv",
                                                          "Y.csv", "lhs_timeseries.csv", NULL};
             *n; n++) {
            join(path, sizeof path, fx->dir, *n);
            unlink(path);
        }
        if (strcmp(bad, "an unclosed quote") == 0)
            snprintf(text, sizeof text, "%sa,b,x,\"Edge, of care,0.5,1,1,0,2,2,1,3\n", oat_header);
        else if (strcmp(bad, "an unquoted comma") == 0)
            snprintf(text, sizeof text, "%sa,b,x,Edge, of care,0.5,1,1,0,2,2,1,3\n", oat_header);
        else if (strcmp(bad, "a word for a number") == 0)
            snprintf(text, sizeof text, "%sa,b,x,Edge,0.5,1,1,0,high,2,1,3\n", oat_header);
        else if (strcmp(bad, "a stray quote") == 0)
            snprintf(text, sizeof text, "%sa,b,x,Edge \"x\",0.5,1,1,0,2,2,1,3\n", oat_header);
        else if (strcmp(bad, "other columns") == 0)
            snprintf(text, sizeof text, "metric,stage,name,label,low,high\na,b,x,E,0,1\n");
        else if (strcmp(bad, "no rows") == 0)
            snprintf(text, sizeof text, "%s", oat_header);
        else if (strcmp(bad, "noise_swamped maybe") == 0)
            snprintf(text, sizeof text,
                     "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped\n"
                     "a,b,x,E,0.1,0.01,0.2,0.01,maybe\n");
        else
            snprintf(text, sizeof text,
                     "metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd\n"
                     "avg_stock,care,10,1,8,9,10,11,12,0.5\n");
        if (cases[i].file)
            write_file(fx->dir, cases[i].file, text);
        if (strcmp(bad, "Y.csv without the column") == 0)
            write_file(fx->dir, "Y.csv", "avg_stock:cin\n10\n11\n");
        if (strcmp(bad, "lhs_timeseries.csv with a bad date") == 0) {
            write_file(fx->dir, "Y.csv", "avg_stock:care\n10\n11\n");
            write_file(fx->dir, "lhs_timeseries.csv",
                       "day,date,stage,metric,mean,p05,p25,p50,p75,p95\n"
                       "0,31/03/2023,care,stock,1,1,1,1,1,1\n");
        }
        if (plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, cases[i].method, err,
                                    sizeof err) >= 0)
            fail_msg("%s: accepted", bad);
        if (!strstr(err, cases[i].message))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad, err, cases[i].message);
        assert_null(strchr(err, '\n'));
        assert_true(exists(plots, "good.png"));
        assert_false(has_entry_prefix(fx->dir, ".plots."));
    }
}

static void sensitivity_unknown_method_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";

    write_oat(fx->dir);
    assert_int_equal(plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, "fast", err, sizeof err),
                     SIM_EINVAL);
    assert_string_equal(
        err, "unknown sensitivity method 'fast' (oat, morris, sobol or lhs): plots skipped");
    err[0] = '\0';
    assert_int_equal(plot_render_sensitivity(&fx->sc, fx->dir, SCRIPTS, NULL, err, sizeof err),
                     SIM_EINVAL);
    assert_non_null(strstr(err, "unknown sensitivity method"));
    assert_false(exists(fx->dir, "plots"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void scripts_dir_from_environment(void **state)
{
    char buf[4096], small[4];
    const char *dir;
    char *saved = getenv("CAREFLOW_PLOTS") ? strdup(getenv("CAREFLOW_PLOTS")) : NULL;

    assert_int_equal(setenv("CAREFLOW_PLOTS", "/opt/careflow plots", 1), 0);
    assert_string_equal(plot_scripts_dir(buf, sizeof buf), "/opt/careflow plots");
    assert_null(plot_scripts_dir(small, sizeof small)); /* does not fit: NULL, not cut */

    /* unset: beside or above the executable, or nothing; never a folder without it */
    assert_int_equal(unsetenv("CAREFLOW_PLOTS"), 0);
    dir = plot_scripts_dir(buf, sizeof buf);
    if (dir) {
        char main_script[4096];
        struct stat st;

        join(main_script, sizeof main_script, dir, "careflow.gp");
        assert_int_equal(stat(main_script, &st), 0);
    }
    if (saved) {
        setenv("CAREFLOW_PLOTS", saved, 1);
        free(saved);
    }
}

/* ---- calibrate and backtest ---------------------------------------------------------- */

/* a parameter in the tens of thousands (referrals a year): its axis has separators */
static void calibrate_plots_carry_footer(void **state)
{
    fixture_t *fx = *state;
    scn_uncertain_t unc = {.label = "Referrals a year"};
    double est = 52000, lo = 47000, hi = 57000;
    char err[256], data[4096], path[4096];
    FILE *f;
    char *svg;

    skip_without_gnuplot();
    join(data, sizeof data, fx->dir, "data");
    assert_int_equal(mkdir(data, 0777), 0);
    join(path, sizeof path, data, "p1.tsv");
    assert_non_null(f = fopen(path, "w"));
    for (int b = 0; b < 20; b++) { /* centre, prior, posterior */
        double x = 40000 + 1000 * (b + 0.5);
        fprintf(f, "%.10g\t%.10g\t%.10g\n", x, 1.0 / 20000, exp(-0.5 * pow((x - est) / 3000, 2)) / 7520);
    }
    assert_int_equal(fclose(f), 0);
    fx->sc.n_uncertain = 1;
    fx->sc.uncertain = &unc;
    if (plot_render_calibrate(&fx->sc, fx->dir, data, SCRIPTS, 1, &est, &lo, &hi, 12.0, err,
                              sizeof err) != 0)
        fail_msg("plot_render_calibrate: %s", err);
    fx->sc.n_uncertain = 0;
    fx->sc.uncertain = NULL;
    assert_plot(fx->dir, "posterior-1");
    assert_footers(fx->dir, FOOTER_HEAD " per point", NULL);
    join(path, sizeof path, fx->dir, "plots/posterior-1.svg");
    svg = slurp(path);
    assert_non_null(strstr(svg, "Test Borough baseline (effective sample size 12)"));
    assert_non_null(strstr(svg, ",000</text>"));
    free(svg);
}

/* England-size stocks; the title names the cutoff's scenario, the footer the records */
static void backtest_plots_carry_footer(void **state)
{
    fixture_t *fx = *state;
    static const char *const months[] = {"2022-11-30", "2022-12-31", "2023-01-31",
                                         "2023-02-28", "2023-03-31", "2023-04-30",
                                         "2023-05-31", "2023-06-30"};
    char err[256], path[4096];
    FILE *f;
    char *svg;

    skip_without_gnuplot();
    join(path, sizeof path, fx->dir, "backtest.csv");
    assert_non_null(f = fopen(path, "w"));
    fputs("cutoff,date,months_ahead,stage,metric,actual,mean,p05,p25,p50,p75,p95,pct_error,"
          "persistence,rates\n", f);
    for (int k = 5; k < 8; k++) {
        double m = 380000 + 1500.0 * (k - 4);
        fprintf(f, "2023-03-31,%s,%d,cin,stock,%g,%g,%g,%g,%g,%g,%g,1.0,,\n", months[k], k - 4,
                m + 900, m, m - 4000, m - 2000, m, m + 2000, m + 4000);
    }
    assert_int_equal(fclose(f), 0);
    join(path, sizeof path, fx->dir, "actual.csv");
    assert_non_null(f = fopen(path, "w"));
    fputs("date,stage,metric,value\n", f);
    for (int k = 0; k < 8; k++)
        fprintf(f, "%s,cin,stock,%g\n", months[k], 379000 + 700.0 * k);
    assert_int_equal(fclose(f), 0);
    if (plot_render_backtest(fx->dir, SCRIPTS, "records.csv", 7, 12, err, sizeof err) != 0)
        fail_msg("plot_render_backtest: %s", err);
    assert_plot(fx->dir, "backtest-2023-03-31-cin");
    assert_footers(fx->dir, "careflow " CAREFLOW_VERSION MIDDOT "records records.csv" MIDDOT
                   "seed 7" MIDDOT "12 replications per cutoff", NULL);
    join(path, sizeof path, fx->dir, "plots/backtest-2023-03-31-cin.svg");
    svg = slurp(path);
    assert_non_null(strstr(svg, "Cutoff 2023-03-31: the scenario estimated from the records"));
    /* the stage by its title, not its name */
    assert_non_null(strstr(svg, "Child in Need plan: its forecast against what happened"));
    assert_non_null(strstr(svg, ",000</text>"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(render_draws_every_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(render_without_pools_or_fit_skips_them, setup, teardown),
        cmocka_unit_test_setup_teardown(render_england_size_axes_have_separators, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(render_titles_each_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(calibrate_plots_carry_footer, setup, teardown),
        cmocka_unit_test_setup_teardown(backtest_plots_carry_footer, setup, teardown),
        cmocka_unit_test_setup_teardown(render_replaces_older_plots, setup, teardown),
        cmocka_unit_test_setup_teardown(render_missing_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(render_gnuplot_failure_keeps_older_plots, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(render_missing_scripts_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(render_hostile_titles_are_text, setup, teardown),
        cmocka_unit_test_setup_teardown(render_without_gnuplot_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(render_full_disk_keeps_older_plots, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_full_disk_keeps_older_plots, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_draws_every_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_without_costs_skips_them, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_missing_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_wrong_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_hostile_titles_are_text, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_without_gnuplot_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_oat_draws_tornados, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_morris_draws_screening, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_sobol_draws_indices_and_convergence, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sensitivity_lhs_draws_histograms_and_fans, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sensitivity_hostile_labels_are_text, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_output_without_values_still_drawn, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sensitivity_one_parameter_draws, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_malformed_csv_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(sensitivity_unknown_method_fails_clean, setup, teardown),
        cmocka_unit_test(scripts_dir_from_environment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
