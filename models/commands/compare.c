/* compare.c: see compare.h. */
#include "models/commands/compare.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/commands/figures.h"
#include "models/commands/outputs.h"
#include "models/commands/plot.h"
#include "models/commands/reps.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/progress.h"
#include "sim/signals.h"
#include "sim/stats.h"

/* One scenario of the comparison and its replications. */
typedef struct cmp_run {
    scenario_t *sc;       /* the scenario (the caller's) */
    model_plan_t plan;    /* its plan */
    model_result_t *res;  /* [replications]: slot i is replication i */
    int n_init;           /* slots initialised (to free) */
    figure_t *figs;       /* its figures (figures.h) */
    int n_figs;           /* how many */
    char folder[COMPARE_FOLDER_MAX]; /* its folder in OUT (compare_folders) */
    double sim_wall;      /* seconds spent simulating it */
    uint64_t events;      /* events over its replications */
    uint64_t children;    /* children over its replications */
} cmp_run_t;

/* What the writers get. */
typedef struct cmp_ctx {
    cmp_run_t *runs;   /* [n]: the base, then the alternatives */
    int n;             /* scenarios */
    double *a, *b, *d; /* scratch, [replications] each */
    const char *cmdline; /* the command line (manifests) */
    int threads;       /* threads that simulated */
    double t_start;    /* progress_now() when the command began */
} cmp_ctx_t;

/* The figure of run r named (metric, stage), or NULL. */
static const figure_t *fig_find(const cmp_run_t *r, const char *metric, const char *stage)
{
    for (int i = 0; i < r->n_figs; i++)
        if (!strcmp(r->figs[i].metric, metric) && !strcmp(r->figs[i].stage, stage))
            return &r->figs[i];
    return NULL;
}

/* One compare.csv row from paired per-replication values a (base) and b (alt), NaN
 * where missing; `ratio` rows give mean(b) / mean(a) as alt_mean and their interval
 * by the delta method (no unpaired interval). */
static void cmp_row(FILE *f, const char *metric, const char *stage, const double *a,
                    const double *b, int n, const char *alt, double *d)
{
    double *x = d, *y = d + n; /* base, alt values kept where both are defined */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(a[i]) && !isnan(b[i])) {
            x[k] = a[i];
            y[k] = b[i];
            k++;
        }
    fmt_field(f, metric);
    fputc(',', f);
    fmt_field(f, stage);
    if (k == 0) {
        fputs(",,,,,,,,0,", f);
        fmt_field(f, alt);
        fputc('\n', f);
        return;
    }
    summ_t sa, sb, sd;
    stats_summarise(x, k, &sa);
    stats_summarise(y, k, &sb);
    double *diff = d + 2 * n;
    for (int i = 0; i < k; i++)
        diff[i] = y[i] - x[i];
    stats_summarise(diff, k, &sd);
    /* unpaired (Welch) interval, for reference */
    double lo = NAN, hi = NAN;
    if (k > 1) {
        double va = sa.sd * sa.sd / k, vb = sb.sd * sb.sd / k, se = sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (k - 1) + vb * vb / (k - 1));
        int idf = !(df >= 1) ? k - 1 : df > 1e6 ? 1000000 : (int)df;
        double t = stats_t_quantile(0.975, idf);
        lo = sd.mean - t * se;
        hi = sd.mean + t * se;
        if (se == 0)
            lo = hi = sd.mean;
    }
    double v[7] = {sa.mean, sb.mean, sd.mean, sd.lo, sd.hi, lo, hi};
    for (int i = 0; i < 7; i++) {
        fputc(',', f);
        fmt_num(f, v[i]);
    }
    fprintf(f, ",%d,", k);
    fmt_field(f, alt);
    fputc('\n', f);
}

/* A ratio row: mean(num) / mean(den) over replications with a delta-method interval;
 * base_mean, alt_mean and the unpaired interval are left empty. */
static void ratio_row(FILE *f, const char *metric, const char *stage, const double *num,
                      const double *den, int n, const char *alt)
{
    double mx = 0, my = 0, vxx = 0, vyy = 0, vxy = 0;
    for (int i = 0; i < n; i++) {
        mx += num[i];
        my += den[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        vxx += (num[i] - mx) * (num[i] - mx);
        vyy += (den[i] - my) * (den[i] - my);
        vxy += (num[i] - mx) * (den[i] - my);
    }
    fmt_field(f, metric);
    fputc(',', f);
    fmt_field(f, stage);
    fputs(",,,", f);
    if (my != 0 && n > 1) {
        double r = mx / my;
        vxx /= n - 1;
        vyy /= n - 1;
        vxy /= n - 1;
        double var = (vxx - 2 * r * vxy + r * r * vyy) / (n * my * my);
        double t = stats_t_quantile(0.975, n - 1), se = sqrt(var > 0 ? var : 0);
        fmt_num(f, r);
        fputc(',', f);
        fmt_num(f, r - t * se);
        fputc(',', f);
        fmt_num(f, r + t * se);
    } else {
        fputs(",,", f);
    }
    fprintf(f, ",,,%d,", n);
    fmt_field(f, alt);
    fputc('\n', f);
}

static double comp_cost(const scenario_t *sc, const model_result_t *r, const char *component,
                        int strand, double years, size_t base)
{
    double s = 0;
    for (int i = 0; i < sc->n_costs; i++) {
        int is_strand = !strcmp(sc->costs[i].component, "strand");
        if (component ? !strcmp(sc->costs[i].component, component) : is_strand == strand)
            s += r->cost[base + (size_t)i];
    }
    return s / years;
}

static int write_compare(FILE *f, void *vctx)
{
    cmp_ctx_t *c = vctx;
    const cmp_run_t *b = &c->runs[0];
    int n = b->sc->replications;
    fputs("metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high,"
          "unpaired_ci95_low,unpaired_ci95_high,replications,alt\n", f);
    for (int j = 1; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        const char *alt = r->folder;
        /* the base's figures, then those only the alternative has; a strand or cost
         * figure that one side lacks is 0 there (no such strand, no such cost) */
        for (int pass = 0; pass < 2; pass++) {
            const cmp_run_t *own = pass ? r : b, *other = pass ? b : r;
            for (int i = 0; i < own->n_figs; i++) {
                const figure_t *fo = &own->figs[i], *ft = fig_find(other, fo->metric, fo->stage);
                if (pass && ft)
                    continue; /* written in the first pass */
                if (!ft && fo->kind == FIG_STAGE)
                    continue; /* a stage the other does not have */
                if (!ft && fo->kind == FIG_POOL)
                    continue;
                for (int k = 0; k < n; k++) {
                    double x = figures_value(own->sc, &own->res[k], fo);
                    double y = ft ? figures_value(other->sc, &other->res[k], ft) : isnan(x) ? NAN : 0;
                    c->a[k] = pass ? y : x;
                    c->b[k] = pass ? x : y;
                }
                cmp_row(f, fo->metric, fo->stage, c->a, c->b, n, alt, c->d);
            }
        }
        /* the economics, per year of the window */
        if (!b->sc->n_costs && !r->sc->n_costs)
            continue;
        double years = (b->sc->horizon - b->sc->warmup) / CAL_DAYS_PER_YEAR;
        size_t bb = (size_t)b->plan.n_periods * (size_t)b->sc->n_costs;
        size_t rb = (size_t)r->plan.n_periods * (size_t)r->sc->n_costs;
        double *invest = c->d + 3 * n, *saving = c->d + 4 * n, *avoided = c->d + 5 * n;
        for (int k = 0; k < n; k++) {
            c->a[k] = comp_cost(b->sc, &b->res[k], NULL, 0, years, bb) +
                      comp_cost(b->sc, &b->res[k], NULL, 1, years, bb);
            c->b[k] = comp_cost(r->sc, &r->res[k], NULL, 0, years, rb) +
                      comp_cost(r->sc, &r->res[k], NULL, 1, years, rb);
        }
        cmp_row(f, "net_cost_per_year", "all", c->a, c->b, n, alt, c->d);
        for (int k = 0; k < n; k++) {
            c->a[k] = comp_cost(b->sc, &b->res[k], NULL, 1, years, bb);
            c->b[k] = comp_cost(r->sc, &r->res[k], NULL, 1, years, rb);
            invest[k] = c->b[k] - c->a[k];
            saving[k] = comp_cost(b->sc, &b->res[k], NULL, 0, years, bb) -
                        comp_cost(r->sc, &r->res[k], NULL, 0, years, rb);
        }
        cmp_row(f, "strand_cost_per_year", "all", c->a, c->b, n, alt, c->d);
        int care = scenario_stage_index(b->sc, "care"), care_r = scenario_stage_index(r->sc, "care");
        if (care >= 0 && care_r >= 0) {
            for (int k = 0; k < n; k++) {
                c->a[k] = 0;
                c->b[k] = (b->res[k].stage[(size_t)care * MS_N + MS_AVG_STOCK] -
                           r->res[k].stage[(size_t)care_r * MS_N + MS_AVG_STOCK]) *
                          CAL_DAYS_PER_YEAR;
                avoided[k] = c->b[k];
            }
            cmp_row(f, "care_days_avoided_per_year", "care", c->a, c->b, n, alt, c->d);
            ratio_row(f, "cost_per_care_day_avoided", "care", invest, avoided, n, alt);
        }
        ratio_row(f, "benefit_cost_ratio", "all", saving, invest, n, alt);
    }
    return 0;
}

/* One pool row of compare_timeseries.csv: the base's pool p against the alternative's
 * pool rp (either -1: that scenario has no such pool) at report k, metric m (0
 * utilisation, 1 caseload_per_worker), over the replications where the values are
 * defined (a pool with no available worker has none). A side with no pool or no
 * value has its mean empty, and then the difference and its percentiles are empty. */
static void pool_ts_row(FILE *f, cmp_ctx_t *c, const cmp_run_t *r, int p, int rp, int m, int k)
{
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    const cmp_run_t *b = &c->runs[0];
    int n = b->sc->replications, nb = b->sc->n_pools, na = r->sc->n_pools;
    int ka = 0, kb = 0, kd = 0;
    double capb = m && p >= 0 ? b->sc->pools[p].caseload_cap : 1;
    double capa = m && rp >= 0 ? r->sc->pools[rp].caseload_cap : 1;
    double sa = 0, sb = 0, sd = 0;
    for (int i = 0; i < n; i++) {
        double x = p < 0 ? NAN
                         : b->res[i].pool_ts[((size_t)k * nb + (size_t)p) * MPT_N + MPT_UTILISATION] * capb;
        double y = rp < 0 ? NAN
                          : r->res[i].pool_ts[((size_t)k * na + (size_t)rp) * MPT_N + MPT_UTILISATION] * capa;
        if (!isnan(x)) {
            sa += x;
            ka++;
        }
        if (!isnan(y)) {
            sb += y;
            kb++;
        }
        if (!isnan(x) && !isnan(y)) {
            sd += y - x;
            c->d[kd++] = y - x;
        }
    }
    char date[11];
    cal_format(b->sc->start + (long)floor(b->plan.report_day[k]), date);
    fmt_num(f, b->plan.report_day[k]);
    fprintf(f, ",%s,", date);
    fmt_field(f, p >= 0 ? b->sc->pools[p].name : r->sc->pools[rp].name);
    fprintf(f, ",%s,", m ? "caseload_per_worker" : "utilisation");
    fmt_field(f, r->folder);
    fputc(',', f);
    if (ka)
        fmt_num(f, sa / ka);
    fputc(',', f);
    if (kb)
        fmt_num(f, sb / kb);
    if (kd == 0 || ka != kd || kb != kd) { /* the difference only where both have every value */
        fputs(",,,,,,\n", f);
        return;
    }
    stats_sort(c->d, kd);
    fputc(',', f);
    fmt_num(f, sd / kd);
    for (int qi = 0; qi < 5; qi++) {
        fputc(',', f);
        fmt_num(f, stats_quantile_sorted(c->d, kd, q[qi]));
    }
    fputc('\n', f);
}

/* compare_timeseries.csv: the paired difference alt - base of each stage's stock and
 * waiting at each report instant, with percentiles over replications; then the pool
 * rows (pool_ts_row), after every stage row so that those keep their order. */
static int write_compare_ts(FILE *f, void *vctx)
{
    cmp_ctx_t *c = vctx;
    const cmp_run_t *b = &c->runs[0];
    int n = b->sc->replications, nr = b->plan.n_rows;
    static const double q[] = {0.05, 0.25, 0.50, 0.75, 0.95};
    fputs("day,date,stage,metric,alt,base_mean,alt_mean,diff_mean,diff_p05,diff_p25,"
          "diff_p50,diff_p75,diff_p95\n", f);
    for (int j = 1; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        for (int s = 0; s < nr; s++) {
            const char *stage = figures_row_name(b->sc, s);
            int rs = s < b->sc->n_stages ? scenario_stage_index(r->sc, stage) : r->plan.n_rows - 1;
            if (rs < 0)
                continue;
            for (int m = 0; m < MT_N; m++) {
                if (m == MT_ENTRIES)
                    continue;
                for (int k = 0; k < b->plan.n_reports && k < r->plan.n_reports; k++) {
                    double sa = 0, sb = 0;
                    for (int i = 0; i < n; i++) {
                        double x = b->res[i].ts[((size_t)k * nr + (size_t)s) * MT_N + (size_t)m];
                        double y = r->res[i].ts[((size_t)k * r->plan.n_rows + (size_t)rs) * MT_N + (size_t)m];
                        sa += x;
                        sb += y;
                        c->d[i] = y - x;
                    }
                    char date[11];
                    cal_format(b->sc->start + (long)floor(b->plan.report_day[k]), date);
                    fmt_num(f, b->plan.report_day[k]);
                    fprintf(f, ",%s,", date);
                    fmt_field(f, stage);
                    fprintf(f, ",%s,", model_ts_metric_names[m]);
                    fmt_field(f, r->folder);
                    double mean_d = (sb - sa) / n;
                    stats_sort(c->d, n);
                    fputc(',', f);
                    fmt_num(f, sa / n);
                    fputc(',', f);
                    fmt_num(f, sb / n);
                    fputc(',', f);
                    fmt_num(f, mean_d);
                    for (int qi = 0; qi < 5; qi++) {
                        fputc(',', f);
                        fmt_num(f, stats_quantile_sorted(c->d, n, q[qi]));
                    }
                    fputc('\n', f);
                }
            }
        }
    }
    /* then, after every stage row, each pool of the base or the alternative (matched
     * by name): utilisation, then caseload_per_worker (utilisation x the pool's
     * caseload_cap: weighted cases per available worker) */
    for (int j = 1; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        for (int p = 0; p < b->sc->n_pools + r->sc->n_pools; p++) {
            /* the base's pools, then those only the alternative has */
            int bp = p < b->sc->n_pools ? p : -1;
            int rp = bp >= 0 ? scenario_pool_index(r->sc, b->sc->pools[bp].name)
                             : p - b->sc->n_pools;
            if (bp < 0 && scenario_pool_index(b->sc, r->sc->pools[rp].name) >= 0)
                continue; /* written with the base's */
            for (int m = 0; m < 2; m++)
                for (int k = 0; k < b->plan.n_reports && k < r->plan.n_reports; k++)
                    pool_ts_row(f, c, r, bp, rp, m, k);
        }
    }
    return 0;
}


/* manifest.json of the comparison: what was compared (each scenario's path, SHA-256,
 * every input it read, and its folder), the common seed and replications, the
 * threads, the command line, the wall time and the events over every scenario. */
static int write_manifest(FILE *f, void *vctx)
{
    cmp_ctx_t *c = vctx;
    const scenario_t *b = c->runs[0].sc;
    double sim = 0;
    uint64_t events = 0, children = 0;
    fputs("{\n  \"careflow_version\": ", f);
    fmt_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"compare\",\n  \"scenarios\": [", f);
    for (int j = 0; j < c->n; j++) {
        const cmp_run_t *r = &c->runs[j];
        const scenario_t *sc = r->sc;
        sim += r->sim_wall;
        events += r->events;
        children += r->children;
        fputs(j ? ",\n  {\n  \"role\": " : "\n  {\n  \"role\": ", f);
        fmt_json_str(f, j ? "alternative" : "base");
        fputs(",\n  \"name\": ", f);
        fmt_json_str(f, sc->name);
        fputs(",\n  \"folder\": ", f);
        fmt_json_str(f, r->folder);
        fputs(",\n  \"scenario\": ", f);
        fmt_json_str(f, sc->path);
        fputs(",\n  \"scenario_sha256\": ", f); /* the top file: read first */
        fmt_json_str(f, sc->n_inputs ? sc->inputs[0].sha256 : "");
        outputs_put_inputs(f, sc);
        fprintf(f, ",\n  \"simulation_seconds\": %.3f", r->sim_wall);
        fprintf(f, ",\n  \"events\": %llu", (unsigned long long)r->events);
        fputs("\n  }", f);
    }
    fputs("\n  ]", f);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)b->seed);
    fprintf(f, ",\n  \"replications\": %d", b->replications);
    fprintf(f, ",\n  \"threads\": %d", c->threads);
    fprintf(f, ",\n  \"ranks\": %d", cluster_size());
    fputs(",\n  \"command_line\": ", f);
    fmt_json_str(f, c->cmdline ? c->cmdline : "");
    fprintf(f, ",\n  \"wall_seconds\": %.3f", progress_now() - c->t_start);
    fprintf(f, ",\n  \"simulation_seconds\": %.3f", sim);
    fprintf(f, ",\n  \"events\": %llu", (unsigned long long)events);
    fprintf(f, ",\n  \"events_per_second\": %.0f", sim > 0 ? (double)events / sim : 0.0);
    fprintf(f, ",\n  \"children\": %llu\n}\n", (unsigned long long)children);
    return 0;
}

/* X(file name, writer): compare's files, in the order written (manifest.json is
 * written last, after the scenarios' folders). */
#define COMPARE_FILES(X)                               \
    X("compare.csv", write_compare)                    \
    X("compare_timeseries.csv", write_compare_ts)

typedef struct cmp_file {
    const char *name;      /* in OUT */
    outtx_writer_fn write; /* its text, from a cmp_ctx_t */
} cmp_file_t;

static const cmp_file_t cmp_files[] = {
#define CMP_FILE_ROW(name, fn) {name, fn},
    COMPARE_FILES(CMP_FILE_ROW)
#undef CMP_FILE_ROW
};

const char *const compare_names[] = {
#define CMP_FILE_NAME(name, fn) name,
    COMPARE_FILES(CMP_FILE_NAME)
#undef CMP_FILE_NAME
    "manifest.json", "plots", "report.html", NULL};

#define N_COMPARE_NAMES (sizeof compare_names / sizeof compare_names[0] - 1)
#define OLD_FOLDERS_MAX 64 /* an earlier comparison's folders taken over (see below) */

static int name_taken(const char *name, char (*folders)[COMPARE_FOLDER_MAX], int n)
{
    for (const char *const *o = compare_names; *o; o++)
        if (!strcmp(*o, name))
            return 1;
    for (int i = 0; i < n; i++)
        if (!strcmp(folders[i], name))
            return 1;
    return 0;
}

int compare_folders(const char *const *names, int n, char (*folders)[COMPARE_FOLDER_MAX])
{
    for (int j = 0; j < n; j++) {
        int w = snprintf(folders[j], COMPARE_FOLDER_MAX, "%s", names[j]);
        for (int k = 2; w >= 0 && w < COMPARE_FOLDER_MAX && name_taken(folders[j], folders, j);
             k++)
            w = snprintf(folders[j], COMPARE_FOLDER_MAX, "%s-%d", names[j], k);
        if (w < 0 || w >= COMPARE_FOLDER_MAX)
            return SIM_EINVAL;
    }
    return 0;
}

/* The folders an earlier comparison in OUT made, from its manifest.json ("folder"
 * members), into old[0..] (at most OLD_FOLDERS_MAX, names kept in buf); returns how
 * many. The caller adds them to what it owns, so the swap replaces them rather than
 * carrying them into the new set (sim/outtx.h carries entries the command does not
 * own), and checks against them that it replaces only a comparison's folders
 * (foreign_folder). Called with OUT locked. A missing or unreadable manifest gives 0. */
static int old_folders(const char *out, const char **old, char *buf, size_t len)
{
    char path[PATH_MAX], line[1024];
    if (snprintf(path, sizeof path, "%s/manifest.json", out) >= (int)sizeof path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t used = 0;
    int n = 0;
    static const char key[] = "\"folder\": \"";
    while (n < OLD_FOLDERS_MAX && fgets(line, sizeof line, f)) {
        char *p = strstr(line, key);
        if (!p)
            continue;
        p += sizeof key - 1;
        size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
        if (k == 0 || k >= COMPARE_FOLDER_MAX || p[k] != '"' || used + k + 1 > len)
            continue;
        p[k] = '\0';
        memcpy(buf + used, p, k + 1);
        old[n++] = buf + used;
        used += k + 1;
    }
    fclose(f);
    return n;
}

/* Refuses (SIM_EINVAL, nothing written) when OUT already holds an entry named like a
 * scenario's folder that no earlier comparison wrote (not among its old[n_old] folders,
 * read from its manifest.json): a `careflow run` set or the user's own folder is kept,
 * never replaced. Called with OUT locked. */
static int foreign_folder(const outtx_t *tx, const char *out_dir, const cmp_run_t *runs,
                          const char *const *names, int n_sc, const char *const *old,
                          int n_old, char *err, size_t errlen)
{
    char path[PATH_MAX];
    for (int j = 0; j < n_sc; j++) {
        const char *f = runs[j].folder;
        int was_ours = 0;
        for (int i = 0; i < n_old; i++)
            was_ours |= !strcmp(old[i], f);
        if (was_ours || snprintf(path, sizeof path, "%s/%s", tx->out, f) >= (int)sizeof path ||
            access(path, F_OK) != 0)
            continue;
        size_t dl = strlen(out_dir);
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s%s%s already exists and no earlier comparison wrote it: compare "
                           "would put scenario %s's outputs there and will not replace it; "
                           "move it or give another --out",
                           out_dir, dl && out_dir[dl - 1] == '/' ? "" : "/", f, names[j]);
    }
    return 0;
}

/* Frees own_view's results (the first n, each with its cost array); v may be NULL. */
static void own_view_free(model_result_t *v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        mem_free(v[i].cost);
    mem_free(v);
}

/* The scenario of run r as `careflow run` sees it: main.c may have lent it another's
 * pool and placement cost items (scenario_adopt_costs appends them after its own n_own),
 * which its folder leaves out. *view is a shallow copy with n_costs = n_own; when items
 * were lent, *res is a new copy of the results with the cost arrays cut to n_own items
 * (free with own_view_free), else NULL (use r->res). 0 or SIM_ENOMEM. */
static int own_view(const cmp_run_t *r, int n_own, scenario_t *view, model_result_t **res)
{
    const scenario_t *sc = r->sc;
    int n = sc->replications, nc = sc->n_costs;
    size_t rows = (size_t)r->plan.n_periods + 1;
    *view = *sc;
    *res = NULL;
    if (n_own < 0 || n_own >= nc)
        return 0;
    view->n_costs = n_own;
    model_result_t *v = mem_calloc((size_t)n, sizeof *v);
    if (!v)
        return SIM_ENOMEM;
    for (int i = 0; i < n; i++) {
        v[i] = r->res[i];
        v[i].cost = mem_calloc(rows * (size_t)n_own + 1, sizeof *v[i].cost);
        if (!v[i].cost) {
            own_view_free(v, i);
            return SIM_ENOMEM;
        }
        for (size_t k = 0; k < rows; k++)
            memcpy(&v[i].cost[k * (size_t)n_own], &r->res[i].cost[k * (size_t)nc],
                   (size_t)n_own * sizeof *v[i].cost);
    }
    *res = v;
    return 0;
}

static void free_runs(cmp_run_t *runs, int n_sc)
{
    if (!runs)
        return;
    for (int j = 0; j < n_sc; j++) {
        for (int i = 0; i < runs[j].n_init; i++)
            model_result_free(&runs[j].res[i]);
        mem_free(runs[j].res);
        mem_free(runs[j].figs);
        model_plan_free(&runs[j].plan);
    }
    mem_free(runs);
}

/* One replication of a scenario of the comparison (reps_run's job). */
static int compare_rep_job(void *ctx, int i, atomic_uint *progress)
{
    cmp_run_t *r = ctx;
    int rc = model_run(r->sc, &r->plan, i, &r->res[i], progress);
    return rc < 0 ? rc : 0;
}

int compare_run(scenario_t **scs, int n_sc, const run_opts_t *o, char *err, size_t errlen)
{
    int rc = 0, n = scs[0]->replications, n_owned = 0, rank = cluster_rank();
    int threads = o->threads < 1 ? 1 : o->threads > n ? n : o->threads;
    cmp_ctx_t ctx = {.n = n_sc, .cmdline = o->cmdline, .threads = threads};
    outtx_t tx = {0};
    signals_save_t sigs;
    double t0 = progress_now();
    uint64_t events = 0;
    const char **owned = NULL, **names = NULL;
    char *old_buf = NULL, *verdict = NULL;
    size_t old_len = (size_t)OLD_FOLDERS_MAX * COMPARE_FOLDER_MAX;
    err[0] = '\0';
    ctx.t_start = t0;
    ctx.runs = mem_calloc((size_t)n_sc, sizeof *ctx.runs);
    names = mem_calloc((size_t)n_sc, sizeof *names);
    owned = mem_calloc(N_COMPARE_NAMES + (size_t)n_sc + OLD_FOLDERS_MAX + 1, sizeof *owned);
    old_buf = mem_alloc(old_len);
    if (!ctx.runs || !names || !owned || !old_buf) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        goto probed;
    }
    /* each scenario's folder: its name, made unique (compare_folders) */
    for (int j = 0; j < n_sc; j++)
        names[j] = scs[j]->name;
    {
        char (*folders)[COMPARE_FOLDER_MAX] = mem_calloc((size_t)n_sc, sizeof *folders);
        if (!folders) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            goto probed;
        }
        rc = compare_folders(names, n_sc, folders);
        for (int j = 0; j < n_sc && rc == 0; j++)
            memcpy(ctx.runs[j].folder, folders[j], COMPARE_FOLDER_MAX);
        mem_free(folders);
        if (rc) {
            rc = sim_err_set(err, errlen, SIM_EINVAL,
                             "a scenario name is too long to name a folder of --out (at "
                             "most %d characters)", COMPARE_FOLDER_MAX - 8);
            goto probed;
        }
    }
    for (const char *const *c = compare_names; *c; c++)
        owned[n_owned++] = *c;
    for (int j = 0; j < n_sc; j++)
        owned[n_owned++] = ctx.runs[j].folder;
    owned[n_owned] = NULL;
    /* Probe the output folder before simulating: busy or unwritable fails now. Rank 0
     * alone writes; every rank learns whether it can (cluster_agree). */
    if (rank == 0 && (rc = outtx_begin(&tx, o->out_dir, "compare", owned, err, errlen)) == 0) {
        /* OUT is locked: an earlier comparison's folders are ours to replace */
        const char *old[OLD_FOLDERS_MAX];
        int n_old = old_folders(tx.out, old, old_buf, old_len);
        for (int i = 0; i < n_old; i++) {
            int dup = 0;
            for (int k = 0; k < n_owned; k++)
                dup |= !strcmp(owned[k], old[i]);
            if (!dup)
                owned[n_owned++] = old[i];
        }
        owned[n_owned] = NULL;
        rc = foreign_folder(&tx, o->out_dir, ctx.runs, names, n_sc, old, n_old, err, errlen);
    }
probed:
    if ((rc = cluster_agree(rc)) != 0) {
        if (rc == SIM_EPEER)
            err[0] = '\0'; /* the failing rank says what failed */
        goto early;
    }
    signals_catch(&sigs);
    ctx.a = mem_calloc((size_t)n, sizeof *ctx.a);
    ctx.b = mem_calloc((size_t)n, sizeof *ctx.b);
    ctx.d = mem_calloc((size_t)n * 6, sizeof *ctx.d);
    rc = ctx.a && ctx.b && ctx.d ? 0 : SIM_ENOMEM;
    for (int j = 0; j < n_sc && rc == 0; j++) {
        cmp_run_t *r = &ctx.runs[j];
        r->sc = scs[j];
        if (model_plan_init(&r->plan, r->sc) != 0 ||
            !(r->res = mem_calloc((size_t)n, sizeof *r->res)))
            rc = SIM_ENOMEM;
        for (; rc == 0 && r->n_init < n; r->n_init++)
            if (model_result_init(&r->res[r->n_init], r->sc, &r->plan) != 0)
                rc = SIM_ENOMEM;
        if (rc == 0 && figures_list(r->sc, &r->plan, &r->figs, &r->n_figs) != 0)
            rc = SIM_ENOMEM;
    }
    if (rc)
        sim_err_set(err, errlen, rc, "out of memory");
    if ((rc = cluster_agree(rc)) != 0) {
        if (rc == SIM_EPEER)
            err[0] = '\0';
        goto out;
    }
    for (int j = 0; j < n_sc; j++) {
        cmp_run_t *r = &ctx.runs[j];
        if (!o->quiet && rank == 0)
            fprintf(stderr, "simulating %s (%d of %d)\n", r->sc->name, j + 1, n_sc);
        double ts = progress_now();
        const scenario_t *one_sc = r->sc;
        const model_plan_t *one_plan = &r->plan;
        reps_task_t rt = {.n = n, .threads = threads, .job = compare_rep_job, .ctx = r,
                          .res = r->res, .sc = &one_sc, .plan = &one_plan, .n_sc = 1,
                          .show_bar = !o->quiet && rank == 0 && isatty(2)};
        if ((rc = reps_run(&rt, err, errlen)) != 0)
            goto out;
        r->sim_wall = progress_now() - ts;
        for (int i = 0; i < n; i++) {
            r->events += r->res[i].events;
            r->children += r->res[i].children;
        }
        events += r->events;
    }
    if (rank != 0) { /* ranks other than 0 write nothing */
        rc = 0;
        goto out;
    }
    signals_writing();
    for (size_t i = 0; i < sizeof cmp_files / sizeof cmp_files[0]; i++)
        if ((rc = outtx_write(&tx, cmp_files[i].name, cmp_files[i].write, &ctx, err,
                              errlen)) != 0)
            goto out;
    /* each scenario's own set, as `careflow run` writes it, from the same replications */
    for (int j = 0; j < n_sc; j++) {
        cmp_run_t *r = &ctx.runs[j];
        scenario_t own;
        model_result_t *res = NULL;
        if ((rc = own_view(r, o->own_costs ? o->own_costs[j] : r->sc->n_costs, &own, &res)) != 0)
            goto nomem;
        outputs_run_t in = {.sc = &own,
                            .plan = &r->plan,
                            .res = res ? res : r->res,
                            .cmdline = o->cmdline,
                            .threads = threads,
                            .t_start = t0,
                            .sim_wall = r->sim_wall,
                            .events = r->events,
                            .children = r->children,
                            .subdir = r->folder};
        if ((rc = outtx_mkdir(&tx, r->folder, err, errlen)) == 0)
            rc = outputs_write_run(&tx, &in, err, errlen);
        own_view_free(res, n);
        if (rc)
            goto out;
    }
    if ((rc = outtx_write(&tx, "manifest.json", write_manifest, &ctx, err, errlen)) != 0)
        goto out;
    int plotted;
    char title[1024];
    /* the verdict from compare.csv in the staging folder: printed once the set is in */
    if ((rc = report_compare_verdict(outtx_dir(&tx), scs[0],
                                     (const scenario_t *const *)(scs + 1), n_sc - 1,
                                     &verdict)) != 0) {
        sim_err_set(err, errlen, rc, "out of memory");
        goto out;
    }
    {
        /* the scenarios by their titles, as the run page is; the folder beside a title
         * two scenarios share */
        const char *bt = scs[0]->title ? scs[0]->title : scs[0]->name;
        const char *at = n_sc == 2 ? scs[1]->title ? scs[1]->title : scs[1]->name : NULL;
        int same = at && !strcmp(at, bt);
        char ab[COMPARE_FOLDER_MAX + 4] = "", bb[COMPARE_FOLDER_MAX + 4] = "";
        if (same) {
            snprintf(ab, sizeof ab, " (%s)", ctx.runs[1].folder);
            snprintf(bb, sizeof bb, " (%s)", ctx.runs[0].folder);
        }
        snprintf(title, sizeof title, "Comparison: %s%s against %s%s%s",
                 at ? at : "the alternatives", ab, bt, bb, at ? "" : " (the base)");
    }
    report_meta_t page = {.command = "compare",
                          .title = title,
                          .sc = scs[0],
                          .alts = (const scenario_t *const *)(scs + 1),
                          .n_alts = n_sc - 1,
                          .sets = o->sets,
                          .n_sets = o->n_sets,
                          .cmdline = o->cmdline};
    if ((rc = outputs_finish_report(&tx, scs[0], plot_render_compare, o->no_plots, &page,
                                    &plotted, err, errlen)) != 0)
        goto out;
    if (!o->quiet) {
        size_t dl = strlen(o->out_dir);
        const char *sl = dl && o->out_dir[dl - 1] == '/' ? "" : "/";
        fprintf(stderr, "wrote %s%s (compare.csv, compare_timeseries.csv, manifest.json, "
                        "report.html%s; each scenario's run outputs in",
                o->out_dir, sl, plotted ? ", plots/" : "");
        for (int j = 0; j < n_sc; j++)
            fprintf(stderr, "%s %s/", j ? "," : "", ctx.runs[j].folder);
        fprintf(stderr, "): %d scenarios x %d replications with common random numbers, "
                        "%llu events in %.2f s\n",
                n_sc, n, (unsigned long long)events, progress_now() - t0);
    }
    if (!o->quiet && verdict)
        fputs(verdict, stderr);
    rc = 0;
    goto out;
nomem:
    rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
out:
    outtx_abort(&tx);
    signals_restore(&sigs);
early:
    free_runs(ctx.runs, n_sc);
    mem_free(ctx.a);
    mem_free(ctx.b);
    mem_free(ctx.d);
    mem_free(names);
    mem_free(owned);
    mem_free(old_buf);
    mem_free(verdict);
    return rc;
}
