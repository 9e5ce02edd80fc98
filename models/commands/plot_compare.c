/* plot_compare.c: a comparison's plots (plot_render_compare, see plot.h), drawn by
 * plots/compare.gp from compare_timeseries.csv (the difference over time with its band,
 * per alternative) and, when it has cost rows, compare.csv (cost components). The
 * CSVs are read with plot_table.c and checked before gnuplot starts; plot.c runs
 * gnuplot, checks the images and installs them as OUT/plots. */
#include "models/commands/plot.h"

#include <string.h>

#include "models/commands/plot_internal.h"
#include "sim/err.h"

#define COMPARE_SCRIPT "compare.gp"
#define COMPARE_CSV "compare.csv"
#define COMPARE_TS_CSV "compare_timeseries.csv"
#define COMPARE_HEADER                                                                     \
    "metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high,"              \
    "unpaired_ci95_low,unpaired_ci95_high,replications,alt"
#define COMPARE_TS_HEADER                                                                  \
    "day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,diff_p50,"   \
    "diff_p75,diff_p95"
#define COMPARE_ALT_COL 10   /* the `alt` column of compare.csv, from 0 */
#define COMPARE_TS_ALT_COL 4 /* and of compare_timeseries.csv */
#define COSTS_METRIC "component_cost_per_year" /* compare.csv's rows of the cost chart */

/* Is text an item of the tab-separated list? */
static int in_list(const char *list, const char *text)
{
    size_t n = strlen(text);

    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, "\t");

        if (len == n && strncmp(p, text, n) == 0)
            return 1;
        p += len + (p[len] == '\t');
    }
    return 0;
}

/* The alternatives of compare_timeseries.csv at path in the order the file has them,
 * into alts (tab-separated; control characters made spaces), with the images
 * compare.gp always draws for them (diffs-ALT, '/' made '_') into expect. */
static int read_alts(const char *path, plot__sb_t *alts, plot__sb_t *expect, char *err,
                     size_t errlen)
{
    plot__table_t t;
    plot__sb_t item = {0};
    int rc;

    if ((rc = plot__table_load(&t, path, COMPARE_TS_CSV, COMPARE_TS_HEADER, "t", err,
                               errlen)) != 0)
        return rc;
    for (long r = 0; r < t.nrows && rc == 0; r++) {
        const char *alt = plot__tcell(&t, r, COMPARE_TS_ALT_COL);

        if (!*alt) {
            rc = sim_err_set(err, errlen, SIM_EINVAL,
                             "%s:%ld: a row has no alternative's name: plots skipped", path,
                             t.line[r]);
            break;
        }
        plot__sb_clear(&item);
        plot__sb_text(&item, alt);
        plot__sb_ensure(&item);
        if (item.oom || in_list(alts->s, item.s))
            continue;
        plot__sb_item(alts, item.s);
        plot__sb_item(expect, "diffs-");
        for (const char *p = item.s; *p; p++)
            plot__sb_putc(expect, *p == '/' ? '_' : *p);
    }
    if (rc == 0 && (item.oom || alts->oom || expect->oom))
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    plot__sb_free(&item);
    plot__table_free(&t);
    return rc;
}

/* Has compare.csv at path a cost component row? 1, 0, or a negative code (err set). */
static int has_costs(const char *path, char *err, size_t errlen)
{
    plot__table_t t;
    int rc, found = 0;

    if ((rc = plot__table_load(&t, path, COMPARE_CSV, COMPARE_HEADER, "t", err, errlen)) != 0)
        return rc;
    for (long r = 0; r < t.nrows && !found; r++)
        found = strcmp(plot__tcell(&t, r, 0), COSTS_METRIC) == 0;
    plot__table_free(&t);
    return found;
}

int plot_render_compare(const scenario_t *base, const char *out_dir, const char *scripts_dir,
                        char *err, size_t errlen)
{
    char script[PLOT_PATH_LEN], path[PLOT_PATH_LEN], step[64];
    plot__sb_t title = {0}, names = {0}, titles = {0}, alts = {0}, base_name = {0};
    plot__sb_t expect = {0};
    int rc, costs = 0;

    if (err && errlen)
        err[0] = '\0';
    if ((rc = plot__find_script(base, out_dir, scripts_dir, COMPARE_SCRIPT, script, err,
                                errlen)) != 0)
        return rc;
    if ((rc = plot__input_path(out_dir, COMPARE_TS_CSV, path, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/%s not found: plots skipped",
                                    out_dir, COMPARE_TS_CSV);
    if ((rc = read_alts(path, &alts, &expect, err, errlen)) != 0)
        goto out;
    /* compare.csv is only needed for the costs: without it, no cost chart */
    if ((rc = plot__input_path(out_dir, COMPARE_CSV, path, err, errlen)) > 0)
        rc = has_costs(path, err, errlen);
    if (rc < 0)
        goto out;
    costs = rc;
    if (costs)
        plot__sb_item(&expect, "costs");

    /* the arguments: see the top of plots/compare.gp */
    plot__stage_lists(base, &title, &names, &titles);
    plot__title_footer(&title, base, "each, paired", "bands: spread of paired replications");
    plot__sb_text(&base_name, base->name ? base->name : "base");
    plot__sb_ensure(&base_name);
    plot__report_step(base, step, sizeof step);
    if (title.oom || names.oom || titles.oom || base_name.oom || expect.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    } else {
        const char *args[] = {title.s,     names.s, titles.s,
                              alts.s,      base_name.s, step,
                              costs ? "png svg costs" : "png svg", NULL};

        rc = plot__draw(out_dir, NULL, script, args, expect.s, err, errlen);
    }

out:
    plot__sb_free(&title);
    plot__sb_free(&names);
    plot__sb_free(&titles);
    plot__sb_free(&alts);
    plot__sb_free(&base_name);
    plot__sb_free(&expect);
    return rc;
}
