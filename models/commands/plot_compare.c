/* plot_compare.c: a comparison's plots (plot_render_compare, see plot.h), drawn by
 * plots/compare.gp from compare_timeseries.csv (per alternative: the difference in
 * children open over time with its band, the waiting lists of the served stages, the
 * pools' caseloads per worker) and, when it has cost rows, compare.csv (the difference
 * in each cost component with its 95% interval). The
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

/* What compare_timeseries.csv holds, for compare.gp's arguments. */
typedef struct cts_lists {
    plot__sb_t alts;    /* the alternatives, tab-separated, in file order */
    plot__sb_t expect;  /* the images always drawn: diffs-ALT, waiting-ALT, caseloads-ALT */
    plot__sb_t options; /* " waiting:STAGE" for each stage of the waiting chart, then
                         * " pool:POOL" for each pool of the caseload chart */
} cts_lists_t;

static void cts_lists_free(cts_lists_t *l)
{
    plot__sb_free(&l->alts);
    plot__sb_free(&l->expect);
    plot__sb_free(&l->options);
}

/* Appends item to the tab-separated list `expect` as PREFIX-NAME ('/' made '_'). */
static void expect_item(plot__sb_t *expect, const char *prefix, const char *name)
{
    plot__sb_item(expect, prefix);
    for (const char *p = name; *p; p++)
        plot__sb_putc(expect, *p == '/' ? '_' : *p);
}

/* Is s a name a word of compare.gp's OPTIONS may carry (letters, digits, _ and -: every
 * stage and pool name the loader accepts)? */
static int word_safe(const char *s)
{
    return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                     strlen(s);
}

/* Reads compare_timeseries.csv at path into l: the alternatives in the order the file
 * has them (control characters made spaces), the stages of the waiting chart (the
 * base's stages served by a pool, and any other stage with a waiting list in either
 * scenario; `all` aside), in file order, and the pools of the caseload chart (the
 * stages of caseload_per_worker rows), with the images compare.gp always draws. */
static int read_cts(const char *path, const scenario_t *base, cts_lists_t *l, char *err,
                    size_t errlen)
{
    plot__table_t t;
    plot__sb_t item = {0}, waiting = {0}, pools = {0};
    int rc;

    if ((rc = plot__table_load(&t, path, COMPARE_TS_CSV, COMPARE_TS_HEADER, "t", err,
                               errlen)) != 0)
        return rc;
    for (long r = 0; r < t.nrows && rc == 0; r++) {
        const char *alt = plot__tcell(&t, r, COMPARE_TS_ALT_COL);
        const char *stage = plot__tcell(&t, r, 2), *metric = plot__tcell(&t, r, 3);

        if (!*alt) {
            rc = sim_err_set(err, errlen, SIM_EINVAL,
                             "%s:%ld: a row has no alternative's name: plots skipped", path,
                             t.line[r]);
            break;
        }
        if (word_safe(stage) && !strcmp(metric, "waiting") && strcmp(stage, "all") &&
            !in_list(waiting.s, stage)) {
            int served = scenario_stage_index(base, stage) >= 0 &&
                         base->stages[scenario_stage_index(base, stage)].pool >= 0;
            double bm, am;
            if (served || (plot__parse_num(plot__tcell(&t, r, 5), &bm) == 0 && bm > 0) ||
                (plot__parse_num(plot__tcell(&t, r, 6), &am) == 0 && am > 0))
                plot__sb_item(&waiting, stage);
        }
        if (word_safe(stage) && !strcmp(metric, "caseload_per_worker") &&
            !in_list(pools.s, stage))
            plot__sb_item(&pools, stage);
        plot__sb_clear(&item);
        plot__sb_text(&item, alt);
        plot__sb_ensure(&item);
        if (item.oom || in_list(l->alts.s, item.s))
            continue;
        plot__sb_item(&l->alts, item.s);
    }
    /* the options: waiting stages in the base's order (the file's stage order) */
    for (const char *p = waiting.s; p && *p;) {
        size_t len = strcspn(p, "\t");
        plot__sb_text(&l->options, " waiting:");
        for (size_t i = 0; i < len; i++)
            plot__sb_putc(&l->options, p[i]);
        p += len + (p[len] == '\t');
    }
    for (const char *p = pools.s; p && *p;) {
        size_t len = strcspn(p, "\t");
        plot__sb_text(&l->options, " pool:");
        for (size_t i = 0; i < len; i++)
            plot__sb_putc(&l->options, p[i]);
        p += len + (p[len] == '\t');
    }
    plot__sb_ensure(&l->options);
    for (const char *p = l->alts.s; rc == 0 && p && *p;) {
        size_t len = strcspn(p, "\t");
        plot__sb_clear(&item);
        for (size_t i = 0; i < len; i++)
            plot__sb_putc(&item, p[i]);
        plot__sb_ensure(&item);
        if (item.oom)
            break;
        expect_item(&l->expect, "diffs-", item.s);
        if (waiting.len)
            expect_item(&l->expect, "waiting-", item.s);
        if (pools.len)
            expect_item(&l->expect, "caseloads-", item.s);
        p += len + (p[len] == '\t');
    }
    if (rc == 0 && (item.oom || waiting.oom || pools.oom || l->alts.oom || l->expect.oom ||
                    l->options.oom))
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    plot__sb_free(&item);
    plot__sb_free(&waiting);
    plot__sb_free(&pools);
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
    plot__sb_t title = {0}, names = {0}, titles = {0}, base_name = {0}, opts = {0};
    cts_lists_t l;
    int rc, costs = 0;

    memset(&l, 0, sizeof l);
    if (err && errlen)
        err[0] = '\0';
    if ((rc = plot__find_script(base, out_dir, scripts_dir, COMPARE_SCRIPT, script, err,
                                errlen)) != 0)
        return rc;
    if ((rc = plot__input_path(out_dir, COMPARE_TS_CSV, path, err, errlen)) <= 0)
        return rc < 0 ? rc
                      : sim_err_set(err, errlen, SIM_EIO, "%s/%s not found: plots skipped",
                                    out_dir, COMPARE_TS_CSV);
    if ((rc = read_cts(path, base, &l, err, errlen)) != 0)
        goto out;
    /* compare.csv is only needed for the costs: without it, no cost chart */
    if ((rc = plot__input_path(out_dir, COMPARE_CSV, path, err, errlen)) > 0)
        rc = has_costs(path, err, errlen);
    if (rc < 0)
        goto out;
    costs = rc;
    if (costs)
        plot__sb_item(&l.expect, "costs");

    /* the arguments: see the top of plots/compare.gp */
    plot__stage_lists(base, &title, &names, &titles);
    plot__title_footer(&title, base, "each, paired", "bands: spread of paired replications");
    plot__sb_text(&base_name, base->name ? base->name : "base");
    plot__sb_ensure(&base_name);
    plot__report_step(base, step, sizeof step);
    plot__sb_text(&opts, costs ? "png svg costs" : "png svg");
    plot__sb_text(&opts, l.options.s);
    if (title.oom || names.oom || titles.oom || base_name.oom || l.expect.oom || opts.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
    } else {
        const char *args[] = {title.s, names.s, titles.s, l.alts.s, base_name.s, step, opts.s,
                              NULL};

        rc = plot__draw(out_dir, NULL, script, args, l.expect.s, err, errlen);
    }

out:
    plot__sb_free(&title);
    plot__sb_free(&names);
    plot__sb_free(&titles);
    plot__sb_free(&base_name);
    plot__sb_free(&opts);
    cts_lists_free(&l);
    return rc;
}
