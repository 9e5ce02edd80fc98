/* test_plot.c: plot_render() and plot_render_compare() draw every plot from CSVs of the
 * documented layouts, into OUT/plots and nowhere else, and fail cleanly. Runs from the repository root (the
 * scripts are taken from ./plots); the gnuplot cases are skipped when gnuplot is not
 * on PATH. Each case works in its own mkdtemp() folder, removed at the end. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "models/plot.h"

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
 * serving cin; rows by stage, then metric, then day. */
static void write_timeseries(const char *dir, int with_pool)
{
    static const char *const stage[] = {"cin", "care", "all"};
    static const double base[] = {3800, 1340, 5140};
    static const double entries[] = {260, 38, 270};
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
    join(plots, sizeof plots, fx->dir, "plots");
    assert_false(exists(plots, "gnuplot.log"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
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
    assert_int_equal(plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), -1);
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
    assert_int_equal(plot_render(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), -1);
    assert_non_null(strstr(err, "gnuplot failed"));
    assert_true(exists(plots, "good.png"));
    assert_false(has_entry_prefix(fx->dir, ".plots."));
}

static void render_missing_scripts_fails_clean(void **state)
{
    fixture_t *fx = *state;
    char err[256] = "";

    write_timeseries(fx->dir, 1);
    assert_int_equal(plot_render(&fx->sc, fx->dir, "no/such/folder", err, sizeof err), -1);
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
    assert_int_equal(rc, -1);
    assert_string_equal(err, "gnuplot not found: plots skipped");
    assert_false(exists(fx->dir, "plots"));
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
    }
    assert_plot(fx->dir, "costs");
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
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), -1);
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
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), -1);
    assert_non_null(strstr(err, "wrong columns"));

    write_file(fx->dir, "compare_timeseries.csv",
               "day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,"
               "diff_p50,diff_p75,diff_p95\n");
    err[0] = '\0';
    assert_int_equal(plot_render_compare(&fx->sc, fx->dir, SCRIPTS, err, sizeof err), -1);
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
    assert_int_equal(rc, -1);
    assert_string_equal(err, "gnuplot not found: plots skipped");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(render_draws_every_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(render_without_pools_or_fit_skips_them, setup, teardown),
        cmocka_unit_test_setup_teardown(render_replaces_older_plots, setup, teardown),
        cmocka_unit_test_setup_teardown(render_missing_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(render_gnuplot_failure_keeps_older_plots, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(render_missing_scripts_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(render_hostile_titles_are_text, setup, teardown),
        cmocka_unit_test_setup_teardown(render_without_gnuplot_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_draws_every_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_without_costs_skips_them, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_missing_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_wrong_timeseries_fails_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_hostile_titles_are_text, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_without_gnuplot_fails_clean, setup, teardown),
        cmocka_unit_test(scripts_dir_from_environment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
