/* sensitivity.c: `careflow sensitivity` (see sensitivity.h).
 *
 * Phases of sens_run():
 *  1. outputs: --outputs parsed and checked against the figures of summary.csv;
 *  2. design: the unit design of the method (sim/sa.h) and each point's value texts,
 *     the --set values; the checkpoint key is a SHA-256 of everything they depend on;
 *  3. resume: rank 0 reads OUT/.checkpoint and tells every rank which points are done;
 *  4. sweep: the points left are dealt to ranks round-robin; each rank's threads take
 *     them from an atomic counter; a point is the scenario loaded with its values and
 *     run for all replications; each finished point is appended to the rank's
 *     checkpoint file;
 *  5. gather: every rank sends its points' values to rank 0;
 *  6. analyse and write (rank 0): per output, each point's mean over replications is
 *     the design's output; the spread over replications is the noise; the files are
 *     written through temporaries, then renamed, then plotted.
 *
 * Value mapping: a design coordinate u in [0, 1] becomes a value by the parameter's
 * inverse CDF. At exactly 0 and 1 (OAT ends, Morris grid ends) a bounded distribution
 * gives its bounds (min, max, first and last choice); OAT and Morris read u of an
 * unbounded distribution (lognormal, or normal without both bounds) on its 5th to
 * 95th percentiles, so their ends are finite. */
#include "models/commands/sensitivity.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/pathway/model.h"
#include "models/commands/plot.h"
#include "models/commands/runner.h"
#include "models/commands/version.h"
#include "sim/cal.h"
#include "sim/rng.h"
#include "sim/sa.h"
#include "sim/sha256.h"
#include "sim/stats.h"

#define DEFAULT_BOOT 1000
#define MAX_OUTPUTS 32
#define MAX_POINTS 4000000 /* design points of one sweep */
#define VALUE_LEN 64       /* a value's text */
#define UNBOUNDED_LO 0.05  /* OAT / Morris range of an unbounded distribution */
#define UNBOUNDED_HI 0.95
#define CKPT_DIR ".checkpoint"
#define CKPT_MAGIC "careflow-sensitivity-checkpoint 1"

static const char *const method_names[SENS_METHOD_N] = {
#define SENS_NAME(e, s) s,
    SENS_METHOD_MAP(SENS_NAME)
#undef SENS_NAME
};

int sens_method_from_name(const char *s)
{
    for (int i = 0; i < SENS_METHOD_N; i++)
        if (!strcmp(s, method_names[i]))
            return i;
    return -1;
}

const char *sens_method_name(sens_method_t m)
{
    return m >= 0 && m < SENS_METHOD_N ? method_names[m] : "?";
}

/* ---- values ------------------------------------------------------------------------ */

static int is_bounded(const sa_param_t *p)
{
    if (p->kind == SA_LOGNORMAL)
        return 0;
    if (p->kind == SA_NORMAL)
        return isfinite(p->min) && isfinite(p->max);
    return 1;
}

/* The value at design coordinate x (see the top comment); `ends`: OAT or Morris. */
static double param_value(const scn_uncertain_t *u, double x, int ends)
{
    const sa_param_t *p = &u->dist;
    if (is_bounded(p) && (x <= 0 || x >= 1)) {
        if (p->kind == SA_CHOICE)
            return x <= 0 ? 0 : p->n_choices - 1;
        return x <= 0 ? p->min : p->max;
    }
    if (ends && !is_bounded(p))
        x = UNBOUNDED_LO + (UNBOUNDED_HI - UNBOUNDED_LO) * x;
    return sa_param_quantile(p, x);
}

/* The shortest text that reads back as x. */
static void num_text(char *buf, size_t len, double x)
{
    if (x == 0)
        x = 0; /* no "-0" */
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

static void value_text(const scn_uncertain_t *u, double v, char *buf, size_t len)
{
    if (u->dist.kind == SA_CHOICE)
        snprintf(buf, len, "%s", u->choices[(int)v]);
    else if (u->is_int)
        snprintf(buf, len, "%.0f", v);
    else
        num_text(buf, len, v);
}

/* ---- checking the parameters -------------------------------------------------------- */

/* Loads sc->path with sets and path=value; 0, or -1 with the loader's message in err. */
static int load_with(const scenario_t *sc, const char *const *sets, int n_sets,
                     const char *const *more, int n_more, scenario_t **out, char *err,
                     size_t errlen)
{
    const char **all = malloc(((size_t)n_sets + (size_t)n_more + 1) * sizeof *all);
    if (!all) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n_sets; i++)
        all[i] = sets[i];
    for (int i = 0; i < n_more; i++)
        all[n_sets + i] = more[i];
    int rc = scenario_load(sc->path, all, n_sets + n_more, out, err, (unsigned)errlen);
    free(all);
    return rc;
}

/* "FILE:L:C: error: MSG" -> "FILE:L:C: MSG" (for quoting a message in another). */
static const char *drop_error_word(char *msg)
{
    char *e = strstr(msg, ": error: ");
    if (e)
        memmove(e + 2, e + 9, strlen(e + 9) + 1);
    return msg;
}

int sens_check(const scenario_t *sc, const char *const *sets, int n_sets, char *err,
               size_t errlen)
{
    for (int i = 0; i < sc->n_uncertain; i++) {
        const scn_uncertain_t *u = &sc->uncertain[i];
        for (int end = 0; end < 2; end++) {
            char text[VALUE_LEN], set[512], inner[1024];
            const char *one = set;
            scenario_t *t = NULL;
            value_text(u, param_value(u, end, 1), text, sizeof text);
            snprintf(set, sizeof set, "%s=%s", u->path, text);
            if (load_with(sc, sets, n_sets, &one, 1, &t, inner, sizeof inner) != 0) {
                snprintf(err, errlen,
                         "%s:%d:%d: error: uncertain '%s' at its %s value %s makes the "
                         "scenario invalid: %s",
                         u->file, u->line, u->col, u->path, end ? "high" : "low", text,
                         drop_error_word(inner));
                return SENS_INVALID;
            }
            scenario_free(t);
        }
    }
    return SENS_OK;
}

/* ---- outputs ------------------------------------------------------------------------ */

typedef struct outputs {
    int n;
    char *metric[MAX_OUTPUTS], *stage[MAX_OUTPUTS];
    int fig[MAX_OUTPUTS];    /* its index among the scenario's figures (runner__figure_find) */
    int ts_row[MAX_OUTPUTS]; /* stage row of its fan chart series, or -1 */
    int ts_m[MAX_OUTPUTS];   /* MT_* of that series */
} outputs_t;

static void outputs_free(outputs_t *op)
{
    for (int i = 0; i < op->n; i++) {
        free(op->metric[i]);
        free(op->stage[i]);
    }
    op->n = 0;
}

static int add_output(outputs_t *op, const char *m, size_t ml, const char *s, size_t sl)
{
    if (op->n >= MAX_OUTPUTS)
        return -2;
    if (!(op->metric[op->n] = strndup(m, ml)) || !(op->stage[op->n] = strndup(s, sl))) {
        free(op->metric[op->n]);
        return -1;
    }
    op->n++;
    return 0;
}

/* The series of the LHS fan chart for an output: the stage row's stock, waiting list
 * or entries over time. */
static void output_series(const scenario_t *sc, outputs_t *op, int i)
{
    const char *m = op->metric[i], *s = op->stage[i];
    int row = !strcmp(s, "all") ? sc->n_stages : scenario_stage_index(sc, s);
    op->ts_row[i] = -1;
    if (row < 0 || strncmp(m, "cost", 4) == 0)
        return;
    op->ts_row[i] = row;
    op->ts_m[i] = strstr(m, "wait") ? MT_WAITING : strstr(m, "entries") ? MT_ENTRIES : MT_STOCK;
}

/* Parses "M:S,M:S" (or the defaults) and checks each against sc's figures. */
static int parse_outputs(const scenario_t *sc, const char *text, outputs_t *op, char *err,
                         size_t errlen)
{
    int rc = 0;
    memset(op, 0, sizeof *op);
    if (!text) {
        rc = add_output(op, "avg_stock", 9, "all", 3);
        if (!rc)
            rc = add_output(op, "entries_per_year", 16, "all", 3);
        if (!rc && sc->n_costs)
            rc = add_output(op, "cost_per_year", 13, "all", 3);
    } else {
        for (const char *p = text; *p && !rc;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            const char *colon = memchr(p, ':', len);
            if (!colon || colon == p || colon == p + len - 1) {
                snprintf(err, errlen, "--outputs: expected METRIC:STAGE, got '%.*s'", (int)len, p);
                outputs_free(op);
                return SENS_INVALID;
            }
            rc = add_output(op, p, (size_t)(colon - p), colon + 1, len - (size_t)(colon - p) - 1);
            p = end ? end + 1 : p + len;
        }
        if (!rc && op->n == 0) {
            snprintf(err, errlen, "--outputs: give at least one METRIC:STAGE");
            return SENS_INVALID;
        }
    }
    if (rc) {
        snprintf(err, errlen, rc == -2 ? "--outputs: at most %d outputs" : "out of memory",
                 MAX_OUTPUTS);
        outputs_free(op);
        return rc == -2 ? SENS_INVALID : SENS_FAIL;
    }
    /* check the names against the scenario's figures */
    model_plan_t plan;
    if (model_plan_init(&plan, sc) != 0) {
        snprintf(err, errlen, "out of memory");
        outputs_free(op);
        return SENS_FAIL;
    }
    int status = SENS_OK;
    for (int i = 0; i < op->n && status == SENS_OK; i++) {
        for (int j = 0; j < i; j++)
            if (!strcmp(op->metric[i], op->metric[j]) && !strcmp(op->stage[i], op->stage[j])) {
                snprintf(err, errlen, "--outputs: %s:%s is given twice", op->metric[i],
                         op->stage[i]);
                status = SENS_INVALID;
            }
        if (status == SENS_OK &&
            (op->fig[i] = runner__figure_find(sc, &plan, op->metric[i], op->stage[i])) < 0) {
            char names[400];
            runner__figure_names(sc, &plan, names, sizeof names, op->metric[i]);
            if (!names[0])
                runner__figure_names(sc, &plan, names, sizeof names, NULL);
            snprintf(err, errlen,
                     "--outputs: no figure %s:%s in this scenario (outputs are summary.csv's "
                     "metric:stage pairs: %s)",
                     op->metric[i], op->stage[i], names);
            status = SENS_INVALID;
        }
        output_series(sc, op, i);
    }
    model_plan_free(&plan);
    if (status != SENS_OK)
        outputs_free(op);
    return status;
}

/* ---- the sweep ---------------------------------------------------------------------- */

typedef struct sweep {
    const scenario_t *sc;    /* the scenario as loaded with the user's --set */
    const sens_opts_t *o;
    int k;                   /* uncertain parameters */
    int n_pts;               /* design points */
    int reps;                /* replications per point */
    int levels;              /* Morris */
    int samples;             /* the method's N (trajectories, base rows, points) */
    outputs_t out;
    double *U;               /* [n_pts * k] the unit design */
    char *vtext;             /* [n_pts * k * VALUE_LEN] each point's values as text */
    int n_series;            /* fan chart series: distinct (row, metric) of outputs */
    int ser_row[MAX_OUTPUTS], ser_m[MAX_OUTPUTS];
    model_plan_t plan;       /* the base scenario's report instants */
    int have_plan;
    size_t block;            /* doubles per point: reps * n_out, then the series */
    double *val;             /* [n_pts * block]: per point, replication-major values,
                              * then each series' mean over replications per report */
    unsigned char *done;     /* [n_pts] 1 once val holds the point */
    int n_resumed;           /* points read from a checkpoint */
    char key[65];            /* checkpoint key */
    /* this process's share */
    int *todo, n_todo;
    atomic_int next, n_done, stop, running;
    pthread_mutex_t mu;      /* the checkpoint file and the first error */
    pthread_cond_t cv;       /* a worker's return wakes the main thread */
    FILE *ckpt;              /* this rank's checkpoint, appended */
    int status;              /* SENS_*: the first failure */
    char err[1536];
} sweep_t;

static char *vt(const sweep_t *w, int p, int i)
{
    return w->vtext + ((size_t)p * (size_t)w->k + (size_t)i) * VALUE_LEN;
}

static void fail_once(sweep_t *w, int status, const char *msg)
{
    pthread_mutex_lock(&w->mu);
    if (w->status == SENS_OK) {
        w->status = status;
        snprintf(w->err, sizeof w->err, "%s", msg);
    }
    pthread_mutex_unlock(&w->mu);
    atomic_store(&w->stop, 1);
}

/* Builds the unit design and the value texts. */
static int make_design(sweep_t *w, char *err, size_t errlen)
{
    const scenario_t *sc = w->sc;
    int k = w->k, rc = 0;
    sens_method_t m = w->o->method;
    rng_t r;
    rng_derive(&r, sc->seed, rng_hash_str("careflow sensitivity design"), (uint64_t)m, 0);
    switch (m) {
    case SENS_OAT: w->n_pts = 1 + 2 * k; break;
    case SENS_MORRIS: w->n_pts = w->samples * (k + 1); break;
    case SENS_SOBOL: w->n_pts = w->samples * (k + 2); break;
    case SENS_LHS: w->n_pts = w->samples; break;
    case SENS_METHOD_N: break;
    }
    if ((double)w->n_pts * (double)k > MAX_POINTS * 10.0 || w->n_pts > MAX_POINTS) {
        snprintf(err, errlen, "the design has too many points (%d, at most %d): use fewer "
                              "--samples", w->n_pts, MAX_POINTS);
        return SENS_INVALID;
    }
    if (!(w->U = calloc((size_t)w->n_pts * (size_t)k, sizeof *w->U)) ||
        !(w->vtext = calloc((size_t)w->n_pts * (size_t)k, VALUE_LEN))) {
        snprintf(err, errlen, "out of memory");
        return SENS_FAIL;
    }
    switch (m) {
    case SENS_OAT:
        for (int p = 0; p < w->n_pts; p++)
            for (int i = 0; i < k; i++)
                w->U[(size_t)p * k + i] = p == 1 + 2 * i ? 0 : p == 2 + 2 * i ? 1 : 0.5;
        break;
    case SENS_MORRIS: rc = sa_morris_design(k, w->samples, w->levels, &r, w->U); break;
    case SENS_SOBOL: rc = sa_saltelli_design(k, w->samples, &r, w->U); break;
    case SENS_LHS: rc = sa_lhs_design(k, w->samples, &r, w->U); break;
    case SENS_METHOD_N: break;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot make the %s design: %s", sens_method_name(m),
                 sa_strerror(rc));
        return rc == -SA_ENOMEM ? SENS_FAIL : SENS_INVALID;
    }
    int ends = m == SENS_OAT || m == SENS_MORRIS;
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < k; i++) {
            const scn_uncertain_t *u = &sc->uncertain[i];
            value_text(u, param_value(u, w->U[(size_t)p * k + i], ends), vt(w, p, i),
                       VALUE_LEN);
        }
    return SENS_OK;
}

/* The checkpoint key: what a point's values depend on. */
static void make_key(sweep_t *w)
{
    sha256_t c;
    uint8_t d[32];
    char sha[65] = "", line[256];
    sha256_init(&c);
#define ADD(s) sha256_update(&c, (s), strlen(s) + 1)
    ADD(CAREFLOW_VERSION);
    if (sha256_file_hex(w->sc->path, sha) == 0)
        ADD(sha);
    ADD(w->sc->path);
    for (int i = 0; i < w->o->n_sets; i++)
        ADD(w->o->sets[i]);
    snprintf(line, sizeof line, "%s %d %d %d %llu %d", sens_method_name(w->o->method), w->n_pts,
             w->k, w->reps, (unsigned long long)w->sc->seed, w->plan.n_reports);
    ADD(line);
    for (int i = 0; i < w->out.n; i++) {
        ADD(w->out.metric[i]);
        ADD(w->out.stage[i]);
    }
    for (int i = 0; i < w->k; i++)
        ADD(w->sc->uncertain[i].path);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++)
            ADD(vt(w, p, i));
#undef ADD
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++)
        snprintf(w->key + 2 * i, 3, "%02x", d[i]);
}

/* Simulates point p: its scenario at every replication. */
static int run_point(sweep_t *w, int p, atomic_int *progress)
{
    const scenario_t *sc = w->sc;
    int k = w->k, n_out = w->out.n, status = SENS_OK;
    char *sets = malloc((size_t)k * 512), msg[1536], inner[1024];
    const char **sp = calloc((size_t)(k ? k : 1), sizeof *sp);
    scenario_t *ps = NULL;
    model_plan_t plan;
    int have_plan = 0;
    double *blk = &w->val[(size_t)p * w->block];
    if (!sets || !sp) {
        fail_once(w, SENS_FAIL, "out of memory");
        free(sets);
        free(sp);
        return SENS_FAIL;
    }
    for (int i = 0; i < k; i++) {
        snprintf(sets + (size_t)i * 512, 512, "%s=%s", sc->uncertain[i].path, vt(w, p, i));
        sp[i] = sets + (size_t)i * 512;
    }
    if (load_with(sc, w->o->sets, w->o->n_sets, sp, k, &ps, inner, sizeof inner) != 0) {
        int at = snprintf(msg, sizeof msg, "design point %d (", p + 1);
        for (int i = 0; i < k && at < (int)sizeof msg - 64; i++)
            at += snprintf(msg + at, sizeof msg - (size_t)at, "%s%s", i ? ", " : "", sp[i]);
        snprintf(msg + at, sizeof msg - (size_t)at, ") makes the scenario invalid: %s",
                 drop_error_word(inner));
        status = SENS_INVALID;
        goto out;
    }
    ps->replications = w->reps;
    ps->seed = sc->seed;
    if (model_plan_init(&plan, ps) != 0) {
        snprintf(msg, sizeof msg, "out of memory");
        status = SENS_FAIL;
        goto out;
    }
    have_plan = 1;
    if (plan.n_reports != w->plan.n_reports) {
        snprintf(msg, sizeof msg, "design point %d changes the report instants (start, "
                                  "horizon or report step): these cannot be uncertain", p + 1);
        status = SENS_INVALID;
        goto out;
    }
    size_t nk = (size_t)plan.n_reports;
    double *ser = blk + (size_t)w->reps * (size_t)n_out;
    for (size_t j = 0; j < (size_t)w->n_series * nk; j++)
        ser[j] = 0;
    for (int r = 0; r < w->reps; r++) {
        model_result_t res;
        if (atomic_load(&w->stop)) {
            status = -1; /* stopped: the point is not finished */
            goto out;
        }
        int rc = model_result_init(&res, ps, &plan);
        if (rc == 0) rc = model_run(ps, &plan, r, &res, NULL);
        if (rc != 0) {
            model_result_free(&res);
            snprintf(msg, sizeof msg, "%s at design point %d", sim_strerror(rc), p + 1);
            status = SENS_FAIL;
            goto out;
        }
        if (runner__figure_values(ps, &plan, &res, w->out.fig, n_out,
                                  &blk[(size_t)r * n_out]) != 0) {
            model_result_free(&res);
            snprintf(msg, sizeof msg, "out of memory at design point %d", p + 1);
            status = SENS_FAIL;
            goto out;
        }
        for (int s = 0; s < w->n_series; s++)
            for (size_t j = 0; j < nk; j++)
                ser[(size_t)s * nk + j] +=
                    res.ts[(j * (size_t)plan.n_rows + (size_t)w->ser_row[s]) * MT_N +
                           (size_t)w->ser_m[s]];
        model_result_free(&res);
        atomic_store(progress, r + 1);
    }
    for (size_t j = 0; j < (size_t)w->n_series * nk; j++)
        ser[j] /= w->reps;
out:
    if (status > 0)
        fail_once(w, status, msg);
    if (have_plan)
        model_plan_free(&plan);
    scenario_free(ps);
    free(sets);
    free(sp);
    return status;
}

/* ---- checkpoint ---------------------------------------------------------------------- */

static int ckpt_path(const sweep_t *w, char *buf, size_t len, const char *name)
{
    char dir[PATH_MAX];
    if (runner__join_path(dir, sizeof dir, w->o->out_dir, "", CKPT_DIR, ""))
        return -1;
    return name ? runner__join_path(buf, len, dir, "", name, "")
                : (snprintf(buf, len, "%s", dir) >= (int)len ? -1 : 0);
}

/* Appends point p's values: "P HEX HEX ...\n", then flushes. Called under w->mu. */
static int ckpt_write(sweep_t *w, int p)
{
    if (!w->ckpt)
        return 0;
    const double *blk = &w->val[(size_t)p * w->block];
    fprintf(w->ckpt, "%d", p);
    for (size_t j = 0; j < w->block; j++)
        fprintf(w->ckpt, " %a", blk[j]);
    fputc('\n', w->ckpt);
    return fflush(w->ckpt) != 0 || ferror(w->ckpt) ? -1 : 0;
}

/* The checkpoint folder, opened (NULL if it is not there), its path in dir. */
static DIR *ckpt_opendir(const sweep_t *w, char *dir, size_t len)
{
    return ckpt_path(w, dir, len, NULL) == 0 ? opendir(dir) : NULL;
}

/* The path of the next points-*.txt of the open folder d; 0 when there are no more. */
static int ckpt_next(DIR *d, const char *dir, char *path, size_t len)
{
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "points-", 7) &&
            !runner__join_path(path, len, dir, "", e->d_name, ""))
            return 1;
    return 0;
}

/* Rank 0: reads every points-*.txt of the checkpoint folder whose key matches into val
 * and done; removes the ones of another sweep. A torn last line is ignored. */
static void ckpt_read(sweep_t *w)
{
    char dir[PATH_MAX], path[PATH_MAX];
    DIR *d = ckpt_opendir(w, dir, sizeof dir);
    if (!d)
        return;
    size_t cap = 64 + w->block * 32;
    char *line = malloc(cap), *head = malloc(256);
    double *tmp = malloc(w->block * sizeof *tmp);
    while (line && head && tmp && ckpt_next(d, dir, path, sizeof path)) {
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char want[160];
        snprintf(want, sizeof want, "%s %s\n", CKPT_MAGIC, w->key);
        if (!fgets(head, 256, f) || strcmp(head, want) != 0) {
            fclose(f);
            if (!w->o->quiet)
                fprintf(stderr, "careflow: note: removing %s, a checkpoint of another sweep\n",
                        path);
            unlink(path);
            continue;
        }
        while (fgets(line, (int)cap, f)) {
            size_t n = strlen(line);
            if (n == 0 || line[n - 1] != '\n')
                break; /* torn */
            char *s = line, *end;
            long p = strtol(s, &end, 10);
            if (end == s || p < 0 || p >= w->n_pts)
                break;
            size_t j = 0;
            for (s = end; j < w->block; j++, s = end) {
                tmp[j] = strtod(s, &end);
                if (end == s)
                    break;
            }
            if (j < w->block)
                break;
            memcpy(&w->val[(size_t)p * w->block], tmp, w->block * sizeof *tmp);
            if (!w->done[p])
                w->n_resumed++;
            w->done[p] = 1;
        }
        fclose(f);
    }
    closedir(d);
    free(line);
    free(head);
    free(tmp);
}

static void ckpt_remove(const sweep_t *w)
{
    char dir[PATH_MAX], path[PATH_MAX];
    DIR *d = ckpt_opendir(w, dir, sizeof dir);
    if (!d)
        return;
    while (ckpt_next(d, dir, path, sizeof path))
        unlink(path);
    closedir(d);
    rmdir(dir);
}

/* Opens this rank's checkpoint for appending (with its header when new). */
static int ckpt_open(sweep_t *w, int rank, char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX], name[32];
    snprintf(name, sizeof name, "points-%d.txt", rank);
    if (ckpt_path(w, dir, sizeof dir, NULL) || ckpt_path(w, path, sizeof path, name)) {
        snprintf(err, errlen, "output folder name too long: %s", w->o->out_dir);
        return -1;
    }
    if (runner__mkdir_p(dir) != 0 || !(w->ckpt = fopen(path, "a"))) {
        snprintf(err, errlen, "cannot write the checkpoint %.1000s: %s", path, strerror(errno));
        return -1;
    }
    if (ftell(w->ckpt) == 0)
        fprintf(w->ckpt, "%s %s\n", CKPT_MAGIC, w->key);
    fflush(w->ckpt);
    return 0;
}

/* ---- threads ---------------------------------------------------------------------- */

typedef struct worker {
    sweep_t *w;
    pthread_t tid;
    atomic_int progress; /* replications done of the running point */
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *me = arg;
    sweep_t *w = me->w;
    for (;;) {
        if (atomic_load(&w->stop))
            break;
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n_todo)
            break;
        int p = w->todo[i];
        atomic_store(&me->progress, 0);
        if (run_point(w, p, &me->progress) != SENS_OK)
            break;
        pthread_mutex_lock(&w->mu);
        w->done[p] = 1;
        int bad = ckpt_write(w, p);
        pthread_mutex_unlock(&w->mu);
        if (bad)
            fail_once(w, SENS_FAIL, "cannot write the checkpoint (disk full?)");
        int n = atomic_fetch_add(&w->n_done, 1) + 1;
        atomic_store(&me->progress, 0);
        if (w->o->stop_after > 0 && n >= w->o->stop_after) {
            fail_once(w, SENS_FAIL, "stopped after the design points asked for (stop_after)");
            break;
        }
    }
    atomic_store(&me->progress, 0);
    runner__worker_done(&w->mu, &w->cv, &w->running);
    return NULL;
}

/* Runs this process's points on o->threads threads, with a progress bar (rank 0). */
static int run_threads(sweep_t *w, int show_bar)
{
    int threads = w->o->threads < 1 ? 1 : w->o->threads;
    if (threads > w->n_todo && w->n_todo > 0)
        threads = w->n_todo;
    worker_t *ws = calloc((size_t)threads, sizeof *ws);
    if (!ws) {
        fail_once(w, SENS_FAIL, "out of memory");
        return -1;
    }
    int started = 0;
    for (int t = 0; t < threads && w->n_todo > 0; t++) {
        ws[t].w = w;
        atomic_init(&ws[t].progress, 0);
        atomic_fetch_add(&w->running, 1);
        if (pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0) {
            atomic_fetch_sub(&w->running, 1);
            break;
        }
        started++;
    }
    if (started == 0 && w->n_todo > 0) {
        free(ws);
        fail_once(w, SENS_FAIL, "cannot start a thread");
        return -1;
    }
    double t0 = runner__now(), shown = 0;
    int width = 0, drawn = 0;
    for (;;) {
        int running = runner__wait_workers(&w->mu, &w->cv, &w->running);
        if (running == 0)
            break;
        if (runner__signal())
            atomic_store(&w->stop, 1);
        double elapsed = runner__now() - t0;
        if (!show_bar || elapsed <= 1.0)
            continue;
        double sum = atomic_load(&w->n_done);
        for (int t = 0; t < started; t++)
            sum += (double)atomic_load(&ws[t].progress) / w->reps;
        double frac = w->n_todo ? sum / w->n_todo : 1;
        frac = frac > 1 ? 1 : frac < shown ? shown : frac;
        shown = frac;
        runner__bar_draw(frac, atomic_load(&w->n_done), w->n_todo, "design points", elapsed,
                         &width);
        drawn = 1;
    }
    for (int t = 0; t < started; t++)
        pthread_join(ws[t].tid, NULL);
    free(ws);
    if (drawn) {
        fprintf(stderr, "\r%*s\r", width, "");
        fflush(stderr);
    }
    if (runner__signal() && w->status == SENS_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "interrupted by %s", runner__signal_name(runner__signal()));
        fail_once(w, SENS_FAIL, msg);
    }
    return w->status == SENS_OK ? 0 : -1;
}

/* The points rank `rank` of `size` computes: those not done, dealt round-robin. */
static int deal(const sweep_t *w, int rank, int size, int *todo)
{
    int n = 0, j = 0;
    for (int p = 0; p < w->n_pts; p++)
        if (!w->done[p] && j++ % size == rank)
            todo[n++] = p;
    return n;
}

/* ---- analysis ---------------------------------------------------------------------- */

/* Per output: each point's mean over replications (NaN values left out), its standard
 * error, and the noise summary. */
typedef struct outstat {
    double *y;          /* [n_pts] mean over replications */
    double *se2;        /* [n_pts] squared standard error of that mean */
    double var_points;  /* variance of y over points (divisor n - 1) */
    double var_noise;   /* the noise in a point's mean that differs between points: the
                         * residual variance of a two-way (point x replication) analysis
                         * of variance, over R. With common random numbers a replication's
                         * draws push every point alike; that part cancels in every
                         * comparison between points and is left out */
    double var_unpaired; /* mean of se2: the noise in one point's mean on its own */
    double rep_sd;      /* sqrt(mean within-point variance) */
    int undefined;      /* some point has no value */
} outstat_t;

static double rep_value(const sweep_t *w, int p, int r, int o)
{
    return w->val[(size_t)p * w->block + (size_t)r * w->out.n + (size_t)o];
}

static int out_stats(const sweep_t *w, int o, outstat_t *s)
{
    double *v = malloc((size_t)w->reps * sizeof *v);
    s->y = malloc((size_t)w->n_pts * sizeof *s->y);
    s->se2 = malloc((size_t)w->n_pts * sizeof *s->se2);
    if (!v || !s->y || !s->se2) {
        free(v);
        return -1;
    }
    double sum_var = 0, sum_se2 = 0;
    int n_var = 0;
    s->undefined = 0;
    for (int p = 0; p < w->n_pts; p++) {
        int n = 0;
        for (int r = 0; r < w->reps; r++) {
            double x = rep_value(w, p, r, o);
            if (!isnan(x))
                v[n++] = x;
        }
        summ_t su;
        stats_summarise(v, n, &su);
        s->y[p] = su.mean;
        s->se2[p] = n >= 2 ? su.sd * su.sd / n : NAN;
        if (n == 0)
            s->undefined = 1;
        if (n >= 2) {
            sum_var += su.sd * su.sd;
            sum_se2 += s->se2[p];
            n_var++;
        }
    }
    summ_t all;
    stats_summarise(s->y, w->n_pts, &all);
    s->var_points = all.sd * all.sd;
    s->var_unpaired = n_var ? sum_se2 / n_var : NAN;
    s->rep_sd = n_var ? sqrt(sum_var / n_var) : NAN;
    s->var_noise = s->var_unpaired; /* if a value is missing: the unpaired bound */
    /* two-way residual: y[p][r] - mean_p - mean_r + grand mean */
    double *col = calloc((size_t)w->reps, sizeof *col), grand = 0, ss = 0;
    int complete = col != NULL && w->reps >= 2 && w->n_pts >= 2;
    for (int p = 0; complete && p < w->n_pts; p++)
        for (int r = 0; r < w->reps; r++) {
            double x = rep_value(w, p, r, o);
            if (isnan(x))
                complete = 0;
            col[r] += x / w->n_pts;
        }
    if (complete) {
        for (int r = 0; r < w->reps; r++)
            grand += col[r] / w->reps;
        for (int p = 0; p < w->n_pts; p++)
            for (int r = 0; r < w->reps; r++) {
                double e = rep_value(w, p, r, o) - s->y[p] - col[r] + grand;
                ss += e * e;
            }
        s->var_noise = ss / ((double)(w->n_pts - 1) * (w->reps - 1)) / w->reps;
    }
    free(col);
    free(v);
    return 0;
}

static void out_stats_free(outstat_t *s)
{
    free(s->y);
    free(s->se2);
}

/* Paired differences point b - point a over replications: mean and 95% interval. */
static void paired(const sweep_t *w, int a, int b, int o, summ_t *su)
{
    double *d = malloc((size_t)w->reps * sizeof *d);
    int n = 0;
    if (!d) {
        stats_summarise(NULL, 0, su);
        return;
    }
    for (int r = 0; r < w->reps; r++) {
        double x = rep_value(w, b, r, o) - rep_value(w, a, r, o);
        if (!isnan(x))
            d[n++] = x;
    }
    stats_summarise(d, n, su);
    free(d);
}

static void bootstrap_rng(rng_t *r, const sweep_t *w, int o, int n_use)
{
    rng_derive(r, w->sc->seed, rng_hash_str("careflow sensitivity bootstrap"),
               (uint64_t)o, (uint64_t)n_use);
}

/* The files' context: everything the writers need. */
typedef struct results {
    sweep_t *w;
    outstat_t st[MAX_OUTPUTS];
    double *a[MAX_OUTPUTS][8]; /* per output: the method's per-parameter arrays */
    int n_conv;                /* sobol: convergence sizes */
    int conv_n[16];
    double *conv[MAX_OUTPUTS][16][4];
    int *order[MAX_OUTPUTS];   /* oat: parameters by |swing| */
    double wall;
} results_t;

/* ---- writers ---------------------------------------------------------------------- */

static void put_out_name(FILE *f, const sweep_t *w, int o)
{
    runner__put_field(f, w->out.metric[o]);
    fputc(',', f);
    runner__put_field(f, w->out.stage[o]);
}

static void put_param(FILE *f, const sweep_t *w, int i)
{
    fputc(',', f);
    runner__put_field(f, w->sc->uncertain[i].path);
    fputc(',', f);
    runner__put_field(f, w->sc->uncertain[i].label);
}

static void put_nums(FILE *f, int n, const double *x)
{
    for (int i = 0; i < n; i++) {
        fputc(',', f);
        runner__put_num(f, x[i]);
    }
}

static void write_params(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    fputs("name,label,dist,min,mode,max,mean,sd,values,weights,low,median,high\n", f);
    for (int i = 0; i < w->k; i++) {
        const scn_uncertain_t *u = &w->sc->uncertain[i];
        const sa_param_t *p = &u->dist;
        char lo[VALUE_LEN], md[VALUE_LEN], hi[VALUE_LEN];
        int ends = w->o->method == SENS_OAT || w->o->method == SENS_MORRIS;
        runner__put_field(f, u->path);
        fputc(',', f);
        runner__put_field(f, u->label);
        fprintf(f, ",%s", sa_dist_name(p->kind));
        double mn = isfinite(p->min) && p->kind != SA_CHOICE ? p->min : NAN;
        double mx = isfinite(p->max) && p->kind != SA_CHOICE ? p->max : NAN;
        double x[3] = {mn, p->kind == SA_TRIANGULAR ? p->mode : NAN, mx};
        put_nums(f, 3, x);
        double y[2] = {p->kind == SA_NORMAL || p->kind == SA_LOGNORMAL ? p->mean : NAN,
                       p->kind == SA_NORMAL || p->kind == SA_LOGNORMAL ? p->sd : NAN};
        put_nums(f, 2, y);
        fputc(',', f);
        if (p->kind == SA_CHOICE) {
            char buf[1024];
            size_t at = 0;
            for (int j = 0; j < p->n_choices && at < sizeof buf - 1; j++)
                at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", j ? " " : "",
                                       u->choices[j]);
            runner__put_field(f, buf);
            fputc(',', f);
            for (int j = 0; u->weights && j < p->n_choices; j++) {
                if (j)
                    fputc(' ', f);
                runner__put_num(f, u->weights[j]);
            }
        } else {
            fputc(',', f);
        }
        value_text(u, param_value(u, 0, ends), lo, sizeof lo);
        value_text(u, param_value(u, 0.5, ends), md, sizeof md);
        value_text(u, param_value(u, 1, ends), hi, sizeof hi);
        fputc(',', f);
        runner__put_field(f, lo);
        fputc(',', f);
        runner__put_field(f, md);
        fputc(',', f);
        runner__put_field(f, hi);
        fputc('\n', f);
    }
}

static void design_header(FILE *f, const sweep_t *w)
{
    for (int i = 0; i < w->k; i++) {
        if (i)
            fputc(',', f);
        runner__put_field(f, w->sc->uncertain[i].path);
    }
    fputc('\n', f);
}

static void write_design(FILE *f, void *ctx)
{
    const sweep_t *w = ((const results_t *)ctx)->w;
    design_header(f, w);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++) {
            runner__put_field(f, vt(w, p, i));
            fputc(i + 1 < w->k ? ',' : '\n', f);
        }
}

static void write_design_unit(FILE *f, void *ctx)
{
    const sweep_t *w = ((const results_t *)ctx)->w;
    design_header(f, w);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++) {
            fprintf(f, "%.17g", w->U[(size_t)p * w->k + i]);
            fputc(i + 1 < w->k ? ',' : '\n', f);
        }
}

static void write_y(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    for (int o = 0; o < w->out.n; o++)
        fprintf(f, "%s%s:%s", o ? "," : "", w->out.metric[o], w->out.stage[o]);
    fputc('\n', f);
    for (int p = 0; p < w->n_pts; p++)
        for (int o = 0; o < w->out.n; o++) {
            fprintf(f, "%.17g", R->st[o].y[p]);
            fputc(o + 1 < w->out.n ? ',' : '\n', f);
        }
}

static void write_noise(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    fputs("metric,stage,var_points,var_noise,noise_share,var_noise_unpaired,rep_sd,"
          "replications\n", f);
    for (int o = 0; o < w->out.n; o++) {
        const outstat_t *s = &R->st[o];
        double x[5] = {s->var_points, s->var_noise,
                       s->var_points > 0 ? s->var_noise / s->var_points : NAN,
                       s->var_unpaired, s->rep_sd};
        put_out_name(f, w, o);
        put_nums(f, 5, x);
        fprintf(f, ",%d\n", w->reps);
    }
}

/* OAT: a[o][0..3]: y_low, y_high, swing lo, swing hi (per parameter). */
static void write_oat(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    fputs("metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,"
          "swing_ci95_low,swing_ci95_high\n", f);
    for (int o = 0; o < w->out.n; o++)
        for (int j = 0; j < w->k; j++) {
            int i = R->order[o][j];
            const double *y = R->st[o].y;
            put_out_name(f, w, o);
            put_param(f, w, i);
            fputc(',', f);
            runner__put_field(f, vt(w, 1 + 2 * i, i));
            fputc(',', f);
            runner__put_field(f, vt(w, 2 + 2 * i, i));
            double x[6] = {y[0], y[1 + 2 * i], y[2 + 2 * i], y[2 + 2 * i] - y[1 + 2 * i],
                           R->a[o][0][i], R->a[o][1][i]};
            put_nums(f, 6, x);
            fputc('\n', f);
        }
}

/* Rows "metric,stage,name,label," then a[o][0..n) of each parameter, and "yes" or
 * "no" for a[o][n] if yesno. */
static void per_param_rows(FILE *f, const results_t *R, const char *header, int n, int yesno)
{
    const sweep_t *w = R->w;
    fputs(header, f);
    for (int o = 0; o < w->out.n; o++)
        for (int i = 0; i < w->k; i++) {
            put_out_name(f, w, o);
            put_param(f, w, i);
            for (int j = 0; j < n; j++) {
                fputc(',', f);
                runner__put_num(f, R->a[o][j][i]);
            }
            if (yesno)
                fprintf(f, ",%s", R->a[o][n][i] > 0 ? "yes" : "no");
            fputc('\n', f);
        }
}

/* Morris: a[o][0..4]: mu, mu*, sigma, mu*_conf, noise_ee. */
static void write_morris(FILE *f, void *ctx)
{
    per_param_rows(f, ctx, "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee\n",
                   5, 0);
}

/* Sobol: a[o][0..4]: S1, S1_conf, ST, ST_conf, swamped (0/1). */
static void write_sobol(FILE *f, void *ctx)
{
    per_param_rows(f, ctx, "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped\n", 4,
                   1);
}

static void write_sobol_conv(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    fputs("metric,stage,name,label,N,S1,S1_conf,ST,ST_conf\n", f);
    for (int o = 0; o < w->out.n; o++)
        for (int i = 0; i < w->k; i++)
            for (int c = 0; c < R->n_conv; c++) {
                if (!R->conv[o][c][0])
                    continue;
                put_out_name(f, w, o);
                put_param(f, w, i);
                fprintf(f, ",%d", R->conv_n[c]);
                double x[4] = {R->conv[o][c][0][i], R->conv[o][c][1][i], R->conv[o][c][2][i],
                               R->conv[o][c][3][i]};
                put_nums(f, 4, x);
                fputc('\n', f);
            }
}

static void quantiles_of(double *v, int n, double q[6])
{
    summ_t s;
    stats_summarise(v, n, &s);
    stats_sort(v, n);
    static const double ps[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    q[0] = s.mean;
    for (int j = 0; j < 5; j++)
        q[1 + j] = n ? stats_quantile_sorted(v, n, ps[j]) : NAN;
}

static void write_lhs(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    double *v = malloc((size_t)w->n_pts * sizeof *v);
    fputs("metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd\n", f);
    for (int o = 0; v && o < w->out.n; o++) {
        int n = 0;
        for (int p = 0; p < w->n_pts; p++)
            if (!isnan(R->st[o].y[p]))
                v[n++] = R->st[o].y[p];
        double q[6];
        summ_t s;
        stats_summarise(v, n, &s);
        quantiles_of(v, n, q);
        put_out_name(f, w, o);
        double x[8] = {q[0], s.sd, q[1], q[2], q[3], q[4], q[5], sqrt(R->st[o].var_noise)};
        put_nums(f, 8, x);
        fputc('\n', f);
    }
    free(v);
}

/* Spearman rank correlation of each parameter with each output (a[o][0]). */
static void write_lhs_corr(FILE *f, void *ctx)
{
    per_param_rows(f, ctx, "metric,stage,name,label,spearman\n", 1, 0);
}

static void write_lhs_ts(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    const scenario_t *sc = w->sc;
    size_t nk = (size_t)w->plan.n_reports;
    double *v = malloc((size_t)w->n_pts * sizeof *v);
    fputs("day,date,stage,metric,mean,p05,p25,p50,p75,p95\n", f);
    for (int s = 0; v && s < w->n_series; s++) {
        const char *stage = w->ser_row[s] < sc->n_stages ? sc->stages[w->ser_row[s]].name : "all";
        for (size_t j = w->ser_m[s] == MT_ENTRIES ? 1 : 0; j < nk; j++) {
            for (int p = 0; p < w->n_pts; p++)
                v[p] = w->val[(size_t)p * w->block + (size_t)w->reps * w->out.n +
                              (size_t)s * nk + j];
            double q[6], day = w->plan.report_day[j];
            char date[11];
            quantiles_of(v, w->n_pts, q);
            cal_format(sc->start + (long)floor(day), date);
            runner__put_num(f, day);
            fprintf(f, ",%s,", date);
            runner__put_field(f, stage);
            fprintf(f, ",%s", model_ts_metric_names[w->ser_m[s]]);
            put_nums(f, 6, q);
            fputc('\n', f);
        }
    }
    free(v);
}

static void write_manifest(FILE *f, void *ctx)
{
    const results_t *R = ctx;
    const sweep_t *w = R->w;
    const scenario_t *sc = w->sc;
    char sha[65] = "";
    sha256_file_hex(sc->path, sha);
    fputs("{\n  \"careflow_version\": ", f);
    runner__put_json_str(f, CAREFLOW_VERSION);
    fputs(",\n  \"command\": \"sensitivity\",\n  \"scenario\": ", f);
    runner__put_json_str(f, sc->path);
    fputs(",\n  \"scenario_sha256\": ", f);
    runner__put_json_str(f, sha);
    fputs(",\n  \"name\": ", f);
    runner__put_json_str(f, sc->name);
    fputs(",\n  \"method\": ", f);
    runner__put_json_str(f, sens_method_name(w->o->method));
    fprintf(f, ",\n  \"parameters\": %d", w->k);
    fprintf(f, ",\n  \"samples\": %d", w->samples);
    if (w->o->method == SENS_MORRIS)
        fprintf(f, ",\n  \"levels\": %d", w->levels);
    fprintf(f, ",\n  \"design_points\": %d", w->n_pts);
    fprintf(f, ",\n  \"replications_per_point\": %d", w->reps);
    fprintf(f, ",\n  \"seed\": %llu", (unsigned long long)sc->seed);
    fprintf(f, ",\n  \"bootstrap_resamples\": %d", w->o->n_boot > 0 ? w->o->n_boot : DEFAULT_BOOT);
    fputs(",\n  \"outputs\": [", f);
    for (int o = 0; o < w->out.n; o++) {
        char name[256];
        snprintf(name, sizeof name, "%s:%s", w->out.metric[o], w->out.stage[o]);
        fputs(o ? ", " : "", f);
        runner__put_json_str(f, name);
    }
    fputs("]", f);
    fputs(",\n  \"parallel\": ", f);
    runner__put_json_str(f, cluster_kind());
    fprintf(f, ",\n  \"ranks\": %d", cluster_size());
    fprintf(f, ",\n  \"threads_per_rank\": %d", w->o->threads);
    fprintf(f, ",\n  \"resumed_points\": %d", w->n_resumed);
    fputs(",\n  \"command_line\": ", f);
    runner__put_json_str(f, w->o->cmdline);
    fprintf(f, ",\n  \"wall_seconds\": %.3f\n}\n", R->wall);
}

/* ---- the analyses ------------------------------------------------------------------ */

static double *arr(results_t *R, int o, int j)
{
    if (!R->a[o][j])
        R->a[o][j] = calloc((size_t)R->w->k, sizeof(double));
    return R->a[o][j];
}

static void warn(results_t *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(results_t *R, const char *fmt, ...)
{
    va_list ap;
    if (R->w->o->quiet)
        return;
    fputs("careflow: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int analyse_oat(results_t *R, int o)
{
    sweep_t *w = R->w;
    double *lo = arr(R, o, 0), *hi = arr(R, o, 1), *sw = arr(R, o, 2);
    if (!lo || !hi || !sw || !(R->order[o] = malloc((size_t)w->k * sizeof(int))))
        return -1;
    double top = 0;
    for (int i = 0; i < w->k; i++) {
        summ_t su;
        paired(w, 1 + 2 * i, 2 + 2 * i, o, &su);
        lo[i] = su.lo;
        hi[i] = su.hi;
        sw[i] = fabs(R->st[o].y[2 + 2 * i] - R->st[o].y[1 + 2 * i]);
        if (sw[i] > top)
            top = sw[i];
        R->order[o][i] = i;
    }
    /* stable insertion sort by |swing| descending */
    for (int a = 1; a < w->k; a++)
        for (int b = a; b > 0 && sw[R->order[o][b]] > sw[R->order[o][b - 1]]; b--) {
            int t = R->order[o][b];
            R->order[o][b] = R->order[o][b - 1];
            R->order[o][b - 1] = t;
        }
    for (int i = 0; i < w->k; i++)
        if (sw[i] >= 0.1 * top && top > 0 && lo[i] <= 0 && hi[i] >= 0)
            warn(R, "%s:%s: the swing of '%s' (%g) is within replication noise (its 95%% "
                    "interval includes 0): use more --reps",
                 w->out.metric[o], w->out.stage[o], w->sc->uncertain[i].label, sw[i]);
    return 0;
}

static int analyse_morris(results_t *R, int o)
{
    sweep_t *w = R->w;
    int k = w->k;
    sa_morris_t m = {arr(R, o, 0), arr(R, o, 1), arr(R, o, 2), arr(R, o, 3)};
    double *noise = arr(R, o, 4), *cnt = arr(R, o, 5);
    rng_t r;
    if (!m.mu || !m.mu_star || !m.sigma || !m.mu_star_conf || !noise || !cnt)
        return -1;
    bootstrap_rng(&r, w, o, w->samples);
    int rc = sa_morris_analyze(k, w->samples, w->levels, w->U, R->st[o].y,
                               w->o->n_boot > 0 ? w->o->n_boot : DEFAULT_BOOT, &r, &m);
    if (rc != 0)
        return rc;
    /* noise of each elementary effect: the paired standard error of its step */
    double delta = w->levels / (2.0 * (w->levels - 1));
    for (int t = 0; t < w->samples; t++)
        for (int s = 0; s < k; s++) {
            int a = t * (k + 1) + s, b = a + 1, i = 0;
            for (int j = 0; j < k; j++)
                if (w->U[(size_t)a * k + j] != w->U[(size_t)b * k + j])
                    i = j;
            summ_t su;
            paired(w, a, b, o, &su);
            if (su.n >= 2) {
                noise[i] += su.sd / sqrt(su.n) / delta;
                cnt[i] += 1;
            }
        }
    double top = 0;
    for (int i = 0; i < k; i++) {
        noise[i] = cnt[i] > 0 ? noise[i] / cnt[i] : NAN;
        if (m.mu_star[i] > top)
            top = m.mu_star[i];
    }
    for (int i = 0; i < k; i++)
        if (m.mu_star[i] >= 0.1 * top && top > 0 && m.mu_star[i] < 2 * noise[i])
            warn(R, "%s:%s: mu* of '%s' (%g) is less than twice the replication noise of an "
                    "elementary effect (%g): use more --reps",
                 w->out.metric[o], w->out.stage[o], w->sc->uncertain[i].label, m.mu_star[i],
                 noise[i]);
    return 0;
}

static int analyse_sobol(results_t *R, int o)
{
    sweep_t *w = R->w;
    int k = w->k, n_boot = w->o->n_boot > 0 ? w->o->n_boot : DEFAULT_BOOT;
    sa_sobol_t s = {arr(R, o, 0), arr(R, o, 1), arr(R, o, 2), arr(R, o, 3)};
    double *sw = arr(R, o, 4);
    rng_t r;
    if (!s.S1 || !s.S1_conf || !s.ST || !s.ST_conf || !sw)
        return -1;
    bootstrap_rng(&r, w, o, w->samples);
    int rc = sa_sobol_analyze(k, w->samples, w->samples, R->st[o].y, n_boot, &r, &s);
    if (rc != 0)
        return rc;
    const outstat_t *st = &R->st[o];
    double share = st->var_points > 0 ? st->var_noise / st->var_points : NAN;
    char names[512] = "";
    size_t at = 0;
    for (int i = 0; i < k; i++) {
        sw[i] = !isnan(share) && share >= s.ST[i];
        /* name those that would otherwise look like they matter */
        if (sw[i] > 0 && s.ST[i] >= 0.05 && s.ST[i] - s.ST_conf[i] > 0 && at < sizeof names - 1)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s'%s'", at ? ", " : "",
                                   w->sc->uncertain[i].label);
    }
    if (names[0])
        warn(R, "%s:%s: replication noise is %.0f%% of the variance between design points, "
                "as much as the total index of %s: those indices cannot be told from noise; "
                "use more --reps",
             w->out.metric[o], w->out.stage[o], 100 * share, names);
    else if (share >= 0.1)
        warn(R, "%s:%s: replication noise is %.0f%% of the variance between design points: "
                "indices smaller than that cannot be told from noise (noise_swamped in "
                "sobol.csv); use more --reps to resolve them",
             w->out.metric[o], w->out.stage[o], 100 * share);
    /* convergence: the first N/16, N/8, ... base rows (at least 4) */
    for (int c = 0; c < R->n_conv; c++) {
        int nu = R->conv_n[c];
        for (int j = 0; j < 4; j++)
            if (!(R->conv[o][c][j] = calloc((size_t)k, sizeof(double))))
                return -1;
        sa_sobol_t cs = {R->conv[o][c][0], R->conv[o][c][1], R->conv[o][c][2],
                         R->conv[o][c][3]};
        bootstrap_rng(&r, w, o, nu);
        if (sa_sobol_analyze(k, w->samples, nu, st->y, n_boot, &r, &cs) != 0)
            for (int j = 0; j < 4; j++) {
                free(R->conv[o][c][j]);
                R->conv[o][c][j] = NULL;
            }
    }
    return 0;
}

/* Ranks (1..n, ties averaged) of x into rk. */
static void ranks(const double *x, int n, double *rk, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int a = 1; a < n; a++) /* insertion sort is fine for design sizes; stable */
        for (int b = a; b > 0 && x[idx[b]] < x[idx[b - 1]]; b--) {
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]])
            j++;
        for (int t = i; t <= j; t++)
            rk[idx[t]] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
}

static double pearson(const double *a, const double *b, int n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    for (int i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static int analyse_lhs(results_t *R, int o)
{
    sweep_t *w = R->w;
    int n = w->n_pts;
    double *c = arr(R, o, 0), *x = malloc((size_t)n * sizeof *x),
           *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    int *idx = malloc((size_t)n * sizeof *idx), rc = -1;
    if (c && x && rx && ry && idx) {
        ranks(R->st[o].y, n, ry, idx);
        for (int i = 0; i < w->k; i++) {
            for (int p = 0; p < n; p++)
                x[p] = w->U[(size_t)p * w->k + i];
            ranks(x, n, rx, idx);
            c[i] = pearson(rx, ry, n);
        }
        rc = 0;
        const outstat_t *st = &R->st[o];
        if (st->var_points > 0 && st->var_noise / st->var_points >= 0.1)
            warn(R, "%s:%s: replication noise is %.0f%% of the spread between parameter "
                    "sets: the spread overstates the parameters' uncertainty; use more --reps",
                 w->out.metric[o], w->out.stage[o], 100 * st->var_noise / st->var_points);
    }
    free(x);
    free(rx);
    free(ry);
    free(idx);
    return rc;
}

/* ---- writing -------------------------------------------------------------------------- */

typedef struct outfile {
    const char *name;
    runner__writer_fn fn;
    char tmp[PATH_MAX];
} outfile_t;

static int write_all(results_t *R, char *err, size_t errlen)
{
    sweep_t *w = R->w;
    outfile_t f[12];
    int n = 0, rc = 0;
#define FILE_(nm, fn_) f[n++] = (outfile_t){nm, fn_, ""}
    FILE_("params.csv", write_params);
    FILE_("design.csv", write_design);
    FILE_("design_unit.csv", write_design_unit);
    FILE_("Y.csv", write_y);
    FILE_("noise.csv", write_noise);
    switch (w->o->method) {
    case SENS_OAT: FILE_("oat.csv", write_oat); break;
    case SENS_MORRIS: FILE_("morris.csv", write_morris); break;
    case SENS_SOBOL:
        FILE_("sobol.csv", write_sobol);
        FILE_("sobol_convergence.csv", write_sobol_conv);
        break;
    case SENS_LHS:
        FILE_("lhs.csv", write_lhs);
        FILE_("lhs_correlation.csv", write_lhs_corr);
        if (w->n_series)
            FILE_("lhs_timeseries.csv", write_lhs_ts);
        break;
    case SENS_METHOD_N: break;
    }
    FILE_("manifest.json", write_manifest);
#undef FILE_
    if (runner__mkdir_p(w->o->out_dir) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", w->o->out_dir, strerror(errno));
        return -1;
    }
    runner__files_begun();
    for (int i = 0; i < n && rc == 0; i++)
        rc = runner__write_file(w->o->out_dir, f[i].name, f[i].fn, R, f[i].tmp,
                                sizeof f[i].tmp, err, errlen);
    if (rc == 0 && runner__signal()) {
        snprintf(err, errlen, "interrupted by %s; no output written",
                 runner__signal_name(runner__signal()));
        rc = -1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char final[PATH_MAX];
        if (runner__join_path(final, sizeof final, w->o->out_dir, "", f[i].name, "") ||
            rename(f[i].tmp, final) != 0) {
            snprintf(err, errlen, "cannot rename %s: %s", f[i].tmp, strerror(errno));
            rc = -1;
        } else {
            f[i].tmp[0] = 0;
        }
    }
    for (int i = 0; i < n; i++)
        if (f[i].tmp[0])
            unlink(f[i].tmp);
    return rc;
}

/* ---- sens_run -------------------------------------------------------------------------- */

static void sweep_free(sweep_t *w)
{
    outputs_free(&w->out);
    free(w->U);
    free(w->vtext);
    free(w->val);
    free(w->done);
    free(w->todo);
    if (w->have_plan)
        model_plan_free(&w->plan);
    if (w->ckpt)
        fclose(w->ckpt);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

static int setup(sweep_t *w, const scenario_t *sc, const sens_opts_t *o, char *err,
                 size_t errlen)
{
    w->sc = sc;
    w->o = o;
    w->k = sc->n_uncertain;
    w->reps = sc->replications;
    w->levels = o->levels > 0 ? o->levels : 4;
    if (w->k == 0) {
        snprintf(err, errlen, "%s:1:1: error: the scenario has no `uncertain:` parameters to "
                              "analyse (see docs/scenario-reference.md)", sc->path);
        return SENS_INVALID;
    }
    switch (o->method) {
    case SENS_OAT: w->samples = 1; break;
    case SENS_MORRIS: w->samples = o->samples > 0 ? o->samples : 10; break;
    case SENS_SOBOL: w->samples = o->samples > 0 ? o->samples : 64; break;
    case SENS_LHS: w->samples = o->samples > 0 ? o->samples : 100; break;
    case SENS_METHOD_N: break;
    }
    if (o->method == SENS_MORRIS && (w->samples < 2 || w->levels < 2 || w->levels % 2)) {
        snprintf(err, errlen, "morris needs --samples >= 2 trajectories and an even --levels "
                              ">= 2");
        return SENS_INVALID;
    }
    if (o->method == SENS_SOBOL && w->samples < 4) {
        snprintf(err, errlen, "sobol needs --samples >= 4 base rows");
        return SENS_INVALID;
    }
    if (o->method == SENS_SOBOL && 2 * w->k > 1024) {
        snprintf(err, errlen, "sobol handles at most 512 uncertain parameters");
        return SENS_INVALID;
    }
    if (o->method == SENS_LHS && w->samples < 2) {
        snprintf(err, errlen, "lhs needs --samples >= 2 points");
        return SENS_INVALID;
    }
    int st = parse_outputs(sc, o->outputs, &w->out, err, errlen);
    if (st != SENS_OK)
        return st;
    if (model_plan_init(&w->plan, sc) != 0) {
        snprintf(err, errlen, "out of memory");
        return SENS_FAIL;
    }
    w->have_plan = 1;
    if (o->method == SENS_LHS)
        for (int i = 0; i < w->out.n; i++) {
            int seen = w->out.ts_row[i] < 0;
            for (int s = 0; s < w->n_series && !seen; s++)
                seen = w->ser_row[s] == w->out.ts_row[i] && w->ser_m[s] == w->out.ts_m[i];
            if (!seen) {
                w->ser_row[w->n_series] = w->out.ts_row[i];
                w->ser_m[w->n_series++] = w->out.ts_m[i];
            }
        }
    if ((st = make_design(w, err, errlen)) != SENS_OK)
        return st;
    if (o->method == SENS_SOBOL && (w->samples & (w->samples - 1)) && !o->quiet &&
        cluster_rank() == 0)
        fprintf(stderr, "careflow: note: --samples %d is not a power of 2; Sobol points are "
                        "balanced only at powers of 2\n", w->samples);
    w->block = (size_t)w->reps * (size_t)w->out.n + (size_t)w->n_series * (size_t)w->plan.n_reports;
    if (!(w->val = calloc((size_t)w->n_pts * w->block, sizeof *w->val)) ||
        !(w->done = calloc((size_t)w->n_pts, 1)) ||
        !(w->todo = calloc((size_t)w->n_pts, sizeof *w->todo))) {
        snprintf(err, errlen, "out of memory (%d design points x %zu values)", w->n_pts,
                 w->block);
        return SENS_FAIL;
    }
    make_key(w);
    return SENS_OK;
}

static int analyse_and_write(sweep_t *w, double t0, char *err, size_t errlen)
{
    results_t *R = calloc(1, sizeof *R);
    int rc = SENS_FAIL;
    if (!R) {
        snprintf(err, errlen, "out of memory");
        return SENS_FAIL;
    }
    R->w = w;
    if (w->o->method == SENS_SOBOL)
        for (int d = 16; d >= 1; d /= 2) /* N/16, ..., N/2, N: at least 4 rows */
            if (w->samples / d >= 4)
                R->conv_n[R->n_conv++] = w->samples / d;
    for (int o = 0; o < w->out.n; o++) {
        if (out_stats(w, o, &R->st[o]) != 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        if (R->st[o].undefined) {
            snprintf(err, errlen, "%s:%s has no value at some design points (e.g. no exits "
                                  "to average over): choose other --outputs",
                     w->out.metric[o], w->out.stage[o]);
            rc = SENS_INVALID;
            goto out;
        }
        int a = 0;
        switch (w->o->method) {
        case SENS_OAT: a = analyse_oat(R, o); break;
        case SENS_MORRIS: a = analyse_morris(R, o); break;
        case SENS_SOBOL: a = analyse_sobol(R, o); break;
        case SENS_LHS: a = analyse_lhs(R, o); break;
        case SENS_METHOD_N: break;
        }
        if (a == -SA_EVAR) {
            /* a constant output: indices undefined; write NaN (empty) and say so */
            warn(R, "%s:%s does not vary over the design: its indices are undefined",
                 w->out.metric[o], w->out.stage[o]);
            for (int j = 0; j < 5; j++)
                for (int i = 0; i < w->k && arr(R, o, j); i++)
                    R->a[o][j][i] = j == 4 ? 0 : NAN;
        } else if (a != 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        if (w->reps < 2 && o == 0)
            warn(R, "with 1 replication per design point, replication noise cannot be "
                    "measured (noise.csv is empty): use --reps 2 or more");
    }
    R->wall = runner__now() - t0;
    if (write_all(R, err, errlen) != 0)
        goto out;
    rc = SENS_OK;
    if (!w->o->no_plots) {
        char dir[PATH_MAX], perr[512];
        const char *sd = plot_scripts_dir(dir, sizeof dir);
        if (!sd)
            warn(R, "no plots: cannot find the gnuplot scripts (plots/); set CAREFLOW_PLOTS");
        else if (plot_render_sensitivity(w->sc, w->o->out_dir, sd, sens_method_name(w->o->method),
                                         perr, sizeof perr) != 0)
            warn(R, "no plots: %s", perr);
    }
out:
    for (int o = 0; o < w->out.n; o++) {
        out_stats_free(&R->st[o]);
        for (int j = 0; j < 8; j++)
            free(R->a[o][j]);
        for (int c = 0; c < R->n_conv; c++)
            for (int j = 0; j < 4; j++)
                free(R->conv[o][c][j]);
        free(R->order[o]);
    }
    free(R);
    return rc;
}

int sens_run(const scenario_t *sc, const sens_opts_t *o, char *err, size_t errlen)
{
    sweep_t w;
    runner__sigsave_t sigs;
    unsigned char *dealt_from = NULL;
    int rank = cluster_rank(), size = cluster_size(), st;
    double t0 = runner__now();
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    err[0] = 0;
    runner__signals_catch(&sigs);
    if ((st = setup(&w, sc, o, err, errlen)) != SENS_OK)
        goto out;

    /* resume: rank 0 reads the checkpoint, every rank learns what is done */
    if (rank == 0) {
        if (o->fresh)
            ckpt_remove(&w);
        else
            ckpt_read(&w);
        if (w.n_resumed && !o->quiet)
            fprintf(stderr, "careflow: resuming: %d of %d design points already done\n",
                    w.n_resumed, w.n_pts);
    }
    if (cluster_bcast(w.done, (size_t)w.n_pts) != 0) {
        snprintf(err, errlen, "MPI broadcast failed");
        st = SENS_FAIL;
        goto out;
    }
    /* the mask as broadcast: rank 0 deals the other ranks' shares from it again */
    dealt_from = size > 1 ? malloc((size_t)w.n_pts) : NULL;
    if (size > 1 && !dealt_from) {
        snprintf(err, errlen, "out of memory");
        st = SENS_FAIL;
        goto out;
    }
    if (dealt_from)
        memcpy(dealt_from, w.done, (size_t)w.n_pts);
    w.n_todo = deal(&w, rank, size, w.todo);
    if (!o->quiet && rank == 0)
        fprintf(stderr, "careflow: %s: %d parameters, %d design points x %d replications%s\n",
                sens_method_name(o->method), w.k, w.n_pts, w.reps,
                size > 1 ? " over MPI ranks" : "");
    int local = SENS_OK;
    if (w.n_todo > 0 && ckpt_open(&w, rank, w.err, sizeof w.err) != 0)
        local = w.status = SENS_FAIL;
    if (local == SENS_OK && run_threads(&w, rank == 0 && !o->quiet && isatty(2)) != 0)
        local = w.status;
    st = local;
    if (cluster_max_int(&st) != 0) {
        snprintf(err, errlen, "MPI reduction failed");
        st = SENS_FAIL;
        goto out;
    }
    if (st != SENS_OK) {
        if (local != SENS_OK) {
            int interrupted = runner__signal() != 0 || o->stop_after > 0;
            snprintf(err, errlen, "%s%s", w.err,
                     interrupted ? "; finished design points are kept: run the same command "
                                   "again to resume" : "");
        }
        goto out;
    }

    /* gather on rank 0 */
    if (size > 1) {
        double *buf = malloc((size_t)(w.n_todo ? w.n_todo : 1) * w.block * sizeof *buf);
        int bad = !buf;
        if (rank != 0) {
            for (int i = 0; buf && i < w.n_todo; i++)
                memcpy(buf + (size_t)i * w.block, &w.val[(size_t)w.todo[i] * w.block],
                       w.block * sizeof *buf);
            bad = bad || cluster_send(buf, (size_t)w.n_todo * w.block) != 0;
        } else {
            int *their = malloc((size_t)w.n_pts * sizeof *their);
            bad = bad || !their;
            for (int r = 1; r < size && !bad; r++) {
                unsigned char *cur = w.done;
                w.done = dealt_from;
                int n = deal(&w, r, size, their);
                w.done = cur;
                double *b2 = realloc(buf, (size_t)(n ? n : 1) * w.block * sizeof *b2);
                if (!b2 || cluster_recv(r, b2, (size_t)n * w.block) != 0) {
                    bad = 1;
                    if (b2)
                        buf = b2;
                    break;
                }
                buf = b2;
                for (int i = 0; i < n; i++) {
                    memcpy(&w.val[(size_t)their[i] * w.block], buf + (size_t)i * w.block,
                           w.block * sizeof *buf);
                    w.done[their[i]] = 1;
                }
            }
            free(their);
        }
        free(buf);
        if (bad) {
            snprintf(err, errlen, "out of memory or MPI failure while gathering results");
            st = SENS_FAIL;
            goto out;
        }
    }
    if (rank == 0) {
        st = analyse_and_write(&w, t0, err, errlen);
        if (st == SENS_OK) {
            if (w.ckpt) {
                fclose(w.ckpt);
                w.ckpt = NULL;
            }
            ckpt_remove(&w);
            if (!o->quiet)
                fprintf(stderr, "wrote %s (%s results for %d output%s, %d design points x %d "
                                "replications, %.1f s)\n",
                        o->out_dir, sens_method_name(o->method), w.out.n,
                        w.out.n == 1 ? "" : "s", w.n_pts, w.reps,
                        runner__now() - t0);
        }
    }
out:
    free(dealt_from);
    sweep_free(&w);
    runner__signals_restore(&sigs);
    return st;
}
