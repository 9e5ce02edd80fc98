/* sweep.c: `careflow sweep`, the driver (see sweep.h; the pieces in sweep_internal.h).
 *
 * Phases of sweep_run(), on every MPI rank alike:
 *  1. parse: each --vary into an axis (its values LOW + i x STEP as shortest texts),
 *     --target into a figure, a bound and a direction, the figures to sweep; every
 *     value of every axis is tried on the scenario (in memory), so a path the scenario
 *     lacks or a value it refuses is a usage error before anything is simulated or
 *     written;
 *  2. evaluate: the grid's points by sensitivity's machinery (sens__evaluate: resume
 *     from OUT/.checkpoint, points dealt over ranks and threads, common random numbers,
 *     gathered on rank 0);
 *  3. rank 0: each figure's mean, 95% interval and 5th-95th percentiles at each point,
 *     the share of replications meeting the target and the answer; the table and the
 *     answer on stdout; the files (sweep_write.c).
 *
 * The answer, for "<=": the smallest value of the first axis at which the target holds
 * in at least 90% of replications (for ">=": the largest). A larger (for ">=": smaller)
 * value that fails again does not take the answer away: the figure is not monotone
 * there (noise, or a sweep the other way round), and a warning names those values. With
 * two axes, one answer per value of the second. */
#include "models/commands/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/commands/cluster.h"
#include "models/commands/figures.h"
#include "models/commands/sweep_internal.h"
#include "sim/mem.h"
#include "sim/progress.h"
#include "sim/signals.h"
#include "sim/text.h"

/* ---- --vary ------------------------------------------------------------------------- */

/* s (the whole text, len bytes) as a finite number into *v: 0 or -1. */
static int parse_num(const char *s, size_t len, double *v)
{
    char buf[64], *end;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (buf[0] == ' ' || buf[0] == '\t')
        return -1;
    *v = strtod(buf, &end);
    return *end == 0 && isfinite(*v) ? 0 : -1;
}

/* The shortest text (%.Ng, N = 1..17) of v that reads back within tol of it, and the
 * value it reads back as; no exponent between 1e-4 and 1e15 ("60", not "6e+01"). */
static double shortest(double v, double tol, char *buf, size_t len)
{
    int plain = v == 0 || (fabs(v) >= 1e-4 && fabs(v) < 1e15);
    if (v == 0)
        v = 0; /* no "-0" */
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        double back = strtod(buf, NULL);
        if ((fabs(back - v) <= tol || back == v) && !(plain && strchr(buf, 'e')))
            return back;
    }
    snprintf(buf, len, "%.17g", v);
    return v;
}

/* The loader's message about `--set SET` (set: "PATH=VALUE"), without its pseudo-file
 * position "--set PATH=VALUE:L:C: " (whose ":1:1:" would read as LOW:HIGH:STEP) and
 * without the word "error: ". */
static const char *loader_msg(char *inner, const char *set)
{
    const char *m = sens__drop_error_word(inner);
    size_t n = strlen(set);
    if (!strncmp(m, "--set ", 6) && !strncmp(m + 6, set, n) && m[6 + n] == ':') {
        const char *q = m + 6 + n + 1;
        q += strspn(q, "0123456789");
        if (*q == ':') {
            q++;
            q += strspn(q, "0123456789");
            if (q[0] == ':' && q[1] == ' ')
                return q + 2;
        }
    }
    return m;
}

/* 1 if the loader's message (as loader_msg gives it) is about the path, whatever the
 * value: a key the scenario lacks. */
static int about_path(const char *msg) { return !strncmp(msg, "no key ", 7); }

static int parse_vary(const scenario_t *sc, const char *arg, sweep__axis_t *a, char *err,
                      size_t errlen)
{
    const char *eq = strchr(arg, '=');
    memset(a, 0, sizeof *a);
    a->given = arg;
    if (!eq || eq == arg)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary: expected PATH=LOW:HIGH:STEP, got '%s'", arg);
    const char *r = eq + 1, *c1 = strchr(r, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':'))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary %.*s: expected LOW:HIGH:STEP after '=', got '%s'",
                           (int)(eq - arg), arg, r);
    const char *part[3] = {r, c1 + 1, c2 + 1};
    size_t plen[3] = {(size_t)(c1 - r), (size_t)(c2 - c1 - 1), strlen(c2 + 1)};
    static const char *const what[3] = {"LOW", "HIGH", "STEP"};
    double x[3];
    for (int i = 0; i < 3; i++)
        if (parse_num(part[i], plen[i], &x[i]) != 0)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--vary %.*s: %s '%.*s' is not a finite number", (int)(eq - arg),
                               arg, what[i], (int)plen[i], part[i]);
    a->low = x[0], a->high = x[1], a->step = x[2];
    if (!(a->path = mem_strndup(arg, (size_t)(eq - arg))))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    if (a->low > a->high)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary %s: LOW %.*s is above HIGH %.*s (give the range upwards)",
                           a->path, (int)plen[0], part[0], (int)plen[1], part[1]);
    if (!(a->step > 0))
        return sim_err_set(err, errlen, SIM_EINVAL, "--vary %s: STEP must be above 0 (got %.*s)",
                           a->path, (int)plen[2], part[2]);
    if (!strcmp(a->path, "seed") || !strcmp(a->path, "replications"))
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary %s: every value runs the same %s (common random numbers); "
                           "set it with --%s", a->path, a->path,
                           a->path[0] == 's' ? "seed" : "reps");
    static const char *const dates[] = {"horizon_days", "start", "end", "report_every_days"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(a->path, dates[i]))
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--vary %s: horizon_days, start, end and report_every_days "
                               "cannot be swept (every value must report at the same dates); "
                               "set them with --set", a->path);
    double span = (a->high - a->low) / a->step;
    if (!(span < SWEEP__MAX_AXIS)) { /* also catches an overflowing span */
        char count[40] = "too many";
        if (isfinite(span))
            snprintf(count, sizeof count, "%.3g", floor(span) + 1);
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary %s: %s values from %.*s to %.*s in steps of %.*s; at most "
                           "%d (give a larger STEP)", a->path, count, (int)plen[0], part[0],
                           (int)plen[1], part[1], (int)plen[2], part[2], SWEEP__MAX_AXIS);
    }
    a->n = (int)floor(span + 1e-9) + 1; /* HIGH itself when it is on the grid, rounding aside */
    if (!(a->v = mem_calloc((size_t)a->n, sizeof *a->v)) ||
        !(a->text = mem_calloc((size_t)a->n, SENS__VALUE_LEN)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int i = 0; i < a->n; i++) {
        a->v[i] = shortest(a->low + i * a->step, 1e-9 * a->step, a->text + (size_t)i * SENS__VALUE_LEN,
                           SENS__VALUE_LEN);
        if (i > 0 && !(a->v[i] > a->v[i - 1])) /* a STEP below the numbers' resolution */
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--vary %s: STEP %.*s is too small to change the value (%s "
                               "twice); give a larger STEP", a->path, (int)plen[2], part[2],
                               sweep__vt(a, i));
    }
    /* every value on the scenario: the loader's own message for a path it lacks or a
     * value it refuses (a negative count, a fraction where a whole number is due) */
    model_plan_t base;
    if (model_plan_init(&base, sc) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    int rc = 0;
    for (int i = 0; i < a->n && rc == 0; i++) {
        char set[1024], inner[1024];
        const char *one = set;
        scenario_t *t = NULL;
        model_plan_t plan;
        snprintf(set, sizeof set, "%s=%s", a->path, sweep__vt(a, i));
        rc = sens__vary(sc, &one, 1, &t, inner, sizeof inner);
        if (rc == SIM_EINVAL) {
            const char *m = loader_msg(inner, set);
            if (about_path(m))
                rc = sim_err_set(err, errlen, SIM_EINVAL, "--vary %s: %s", arg, m);
            else
                rc = sim_err_set(err, errlen, SIM_EINVAL, "--vary %s: at %s: %s", arg,
                                 sweep__vt(a, i), m);
        } else if (rc != 0)
            rc = sim_err_set(err, errlen, rc, "%s", inner);
        else if (model_plan_init(&plan, t) != 0)
            rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        else {
            if (plan.n_reports != base.n_reports)
                rc = sim_err_set(err, errlen, SIM_EINVAL,
                                 "--vary %s: it changes the report instants (start, horizon "
                                 "or report step), which every point must share", a->path);
            model_plan_free(&plan);
        }
        scenario_free(t);
    }
    model_plan_free(&base);
    return rc;
}

static void axis_free(sweep__axis_t *a)
{
    mem_free(a->path);
    mem_free(a->v);
    mem_free(a->text);
}

/* Every pair of values of two axes on the scenario (in memory): a pair the loader
 * refuses (a minimum age above the maximum) is a usage error before anything runs. */
static int check_pairs(const sweep__run_t *S, char *err, size_t errlen)
{
    const sweep__axis_t *a = &S->ax[0], *b = &S->ax[1];
    int rc = 0;
    for (int j = 0; j < b->n && rc == 0; j++)
        for (int i = 0; i < a->n && rc == 0; i++) {
            char s1[1024], s2[1024], inner[1024];
            const char *two[2] = {s1, s2};
            scenario_t *t = NULL;
            snprintf(s1, sizeof s1, "%s=%s", a->path, sweep__vt(a, i));
            snprintf(s2, sizeof s2, "%s=%s", b->path, sweep__vt(b, j));
            rc = sens__vary(S->sc, two, 2, &t, inner, sizeof inner);
            if (rc == SIM_EINVAL) {
                const char *m = loader_msg(inner, s2);
                m = m == sens__drop_error_word(inner) ? loader_msg(inner, s1) : m;
                rc = sim_err_set(err, errlen, SIM_EINVAL,
                                 "--vary %s --vary %s: at %s, %s: %s (every pair of values "
                                 "must make a valid scenario)",
                                 a->given, b->given, s1, s2, m);
            } else if (rc != 0)
                rc = sim_err_set(err, errlen, rc, "%s", inner);
            scenario_free(t);
        }
    return rc;
}

/* ---- --target and the figures ------------------------------------------------------- */

/* SIM_EINVAL with a message for a figure m:s the scenario lacks: a "did you mean" over
 * the names and the metrics that stage has (or the stages that metric has). */
static int no_figure(const sweep__run_t *S, const char *flag, const char *m, const char *st,
                     char *err, size_t errlen)
{
    figure_t *f = NULL;
    int n = 0, has_m = 0, has_s = 0;
    if (figures_list(S->sc, &S->w.plan, &f, &n) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    const char **names = mem_calloc((size_t)n + 1, sizeof *names);
    char list[1024] = "", hint[160] = "";
    size_t k = 0;
    if (!names) {
        mem_free(f);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        has_m |= !strcmp(f[i].metric, m);
        has_s |= !strcmp(f[i].stage, st);
    }
    /* the candidates: metrics (when the metric is unknown) or stages, each once */
    int nn = 0;
    for (int i = 0; i < n; i++) {
        const char *c = has_m ? f[i].stage : f[i].metric;
        if (has_m && strcmp(f[i].metric, m))
            continue;
        int dup = 0;
        for (int j = 0; j < nn && !dup; j++)
            dup = !strcmp(names[j], c);
        if (!dup)
            names[nn++] = c;
    }
    if (!(has_m && has_s)) /* both exist, not together: no spelling to mend */
        text_suggest(hint, sizeof hint, has_m ? st : m, names, nn);
    /* the list: the metrics of the stage (when it exists), else the stages of the metric,
     * else every metric */
    int by_stage = has_s;
    for (int i = 0, shown = 0; i < n; i++) {
        const char *c;
        if (by_stage) {
            if (strcmp(f[i].stage, st))
                continue;
            c = f[i].metric;
        } else if (has_m) {
            if (strcmp(f[i].metric, m))
                continue;
            c = f[i].stage;
        } else
            c = f[i].metric;
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = (by_stage ? !strcmp(f[j].stage, st) && !strcmp(f[j].metric, c)
                   : has_m  ? !strcmp(f[j].metric, m) && !strcmp(f[j].stage, c)
                            : !strcmp(f[j].metric, c));
        if (!dup && k < sizeof list)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", shown++ ? ", " : "", c);
    }
    int rc = sim_err_set(err, errlen, SIM_EINVAL, "%s: no figure %s:%s in this scenario%s; %s %s: %s",
                         flag, m, st, hint,
                         by_stage ? "the metrics of stage" : has_m ? "the stages with" : "the metrics are",
                         by_stage ? st : has_m ? m : "(METRIC:STAGE, as in summary.csv)", list);
    mem_free(names);
    mem_free(f);
    return rc;
}

/* Adds figure m:s unless it is there; a figure (a default) that the
 * scenario lacks is skipped. 0, or SIM_ERANGE (full) / SIM_ENOMEM. */
static int add_fig(sweep__run_t *S, const char *m, const char *s)
{
    sens__outputs_t *op = &S->w.out;
    for (int i = 0; i < op->n; i++)
        if (!strcmp(op->metric[i], m) && !strcmp(op->stage[i], s))
            return 0;
    int fig;
    if (figures_find(S->sc, &S->w.plan, m, s, &fig) != 0)
        return SIM_ENOMEM;
    if (fig < 0)
        return 0;
    if (op->n >= SENS__MAX_OUTPUTS)
        return SIM_ERANGE;
    int rc = sens__outputs_add(op, m, s);
    if (rc == 0)
        op->fig[op->n - 1] = fig, op->ts_row[op->n - 1] = -1;
    return rc == 0 ? 0 : SIM_ENOMEM;
}

/* The target (first), then --outputs, or the defaults: per pool its utilisation and
 * caseload per worker, per stage a pool serves its mean wait and waiting list, then
 * avg_stock:all, entries_per_year:all and, with costs, cost_per_year:all (at most
 * SENS__MAX_OUTPUTS figures: the defaults stop there). */
static int pick_figures(sweep__run_t *S, char *err, size_t errlen)
{
    const scenario_t *sc = S->sc;
    const sweep_opts_t *o = S->o;
    sweep__target_t *tg = &S->tg;
    sens__outputs_t given;
    int rc = 0;
    memset(&given, 0, sizeof given);
    if (o->target) {
        const char *t = o->target, *op = strstr(t, "<="), *op2 = strstr(t, ">=");
        if (!op || (op2 && op2 < op))
            op = op2;
        if (!op && strpbrk(t, "<>="))
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--target %s: only <= and >= are accepted (a bound is met "
                               "when the figure is at or below, or at or above, it)", t);
        if (!op || strstr(op + 2, "<=") || strstr(op + 2, ">="))
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--target: expected METRIC:STAGE<=X or METRIC:STAGE>=X, got '%s'",
                               t);
        tg->on = 1;
        tg->ge = op[0] == '>';
        /* spaces around the operator are allowed: 'mean_wait_days:cin <= 10' */
        const char *x = op + 2, *xe = x + strlen(x);
        while (*x == ' ')
            x++;
        while (xe > x && xe[-1] == ' ')
            xe--;
        if (parse_num(x, (size_t)(xe - x), &tg->x) != 0)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--target %s: the bound '%.*s' is not a finite number", t,
                               (int)(xe - x), x);
        char fig[256];
        const char *fe = op;
        while (fe > t && fe[-1] == ' ')
            fe--;
        if ((size_t)(fe - t) >= sizeof fig)
            return sim_err_set(err, errlen, SIM_EINVAL, "--target: figure name too long");
        memcpy(fig, t, (size_t)(fe - t));
        fig[fe - t] = 0;
        char *colon = strchr(fig, ':');
        if (colon && colon != fig && colon[1] && !strchr(colon + 1, ':') && !strchr(fig, ',')) {
            int idx;
            *colon = 0;
            if (figures_find(sc, &S->w.plan, fig, colon + 1, &idx) != 0)
                return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
            if (idx < 0)
                return no_figure(S, "--target", fig, colon + 1, err, errlen);
            *colon = ':';
        }
        if ((rc = sens__outputs_parse(sc, "--target", fig, &given, err, errlen)) != 0)
            return rc;
        if (given.n != 1) {
            sens__outputs_free(&given);
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--target: give one METRIC:STAGE, got '%s'", fig);
        }
        rc = add_fig(S, given.metric[0], given.stage[0]);
        sens__outputs_free(&given);
        char num[40];
        shortest(tg->x, 0, num, sizeof num);
        snprintf(tg->text, sizeof tg->text, "%s%s", tg->ge ? ">=" : "<=", num);
        if (rc != 0)
            return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    if (o->outputs) {
        if ((rc = sens__outputs_parse(sc, "--outputs", o->outputs, &given, err, errlen)) != 0)
            return rc;
        for (int i = 0; i < given.n && rc == 0; i++)
            rc = add_fig(S, given.metric[i], given.stage[i]);
        sens__outputs_free(&given);
        if (rc == SIM_ERANGE)
            return sim_err_set(err, errlen, SIM_EINVAL,
                               "--outputs: at most %d figures with the target",
                               SENS__MAX_OUTPUTS);
    } else {
        unsigned char served[SCN_MAX_STAGES] = {0};
        for (int p = 0; p < sc->n_pools && rc == 0; p++) {
            rc = add_fig(S, "avg_utilisation", sc->pools[p].name);
            if (rc == 0)
                rc = add_fig(S, "avg_caseload_per_worker", sc->pools[p].name);
            for (int j = 0; j < sc->pools[p].n_serves; j++)
                served[sc->pools[p].serves[j]] = 1;
        }
        for (int s = 0; s < sc->n_stages && rc == 0; s++)
            if (served[s]) {
                rc = add_fig(S, "mean_wait_days", sc->stages[s].name);
                if (rc == 0)
                    rc = add_fig(S, "avg_waiting", sc->stages[s].name);
                if (rc == 0)
                    rc = add_fig(S, "final_waiting", sc->stages[s].name);
                if (rc == 0)
                    rc = add_fig(S, "max_waiting", sc->stages[s].name);
            }
        if (rc == 0)
            rc = add_fig(S, "avg_stock", "all");
        if (rc == 0)
            rc = add_fig(S, "entries_per_year", "all");
        if (rc == 0 && sc->n_costs)
            rc = add_fig(S, "cost_per_year", "all");
        if (rc == SIM_ERANGE)
            rc = 0; /* the defaults stop at the limit */
    }
    /* a target on a wait or waiting list of a stage: that stage's final_waiting and
     * avg_stock too (at the end, when there is room), to see whether the list clears */
    if (rc == 0 && tg->on && strstr(S->w.out.metric[0], "wait") &&
        strcmp(S->w.out.metric[0], "final_waiting") != 0 && strcmp(S->w.out.stage[0], "all")) {
        const char *st = S->w.out.stage[0];
        rc = add_fig(S, "final_waiting", st);
        if (rc == 0)
            rc = add_fig(S, "avg_waiting", st);
        if (rc == 0)
            rc = add_fig(S, "avg_stock", st);
        if (rc == SIM_ERANGE)
            rc = 0;
        for (int i = 0; i < S->w.out.n; i++)
            if (!strcmp(S->w.out.stage[i], st)) {
                if (!strcmp(S->w.out.metric[i], "final_waiting"))
                    S->i_final = i;
                else if (!strcmp(S->w.out.metric[i], "avg_waiting"))
                    S->i_avgw = i;
                else if (!strcmp(S->w.out.metric[i], "avg_stock"))
                    S->i_stock = i;
            }
    }
    return rc == 0 ? 0 : sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
}

/* ---- setup -------------------------------------------------------------------------- */

static int setup(sweep__run_t *S, char *err, size_t errlen)
{
    const sweep_opts_t *o = S->o;
    sens__sweep_t *w = &S->w;
    int rc;
    if (o->n_vary < 1 || o->n_vary > 2)
        return sim_err_set(err, errlen, SIM_EINVAL, "give --vary once or twice");
    for (int i = 0; i < o->n_vary; i++) {
        if ((rc = parse_vary(S->sc, o->vary[i], &S->ax[i], err, errlen)) != 0)
            return rc;
        S->n_ax = i + 1;
        S->paths[i] = S->ax[i].path;
    }
    if (S->n_ax == 2 && !strcmp(S->ax[0].path, S->ax[1].path))
        return sim_err_set(err, errlen, SIM_EINVAL, "--vary: %s is given twice", S->ax[0].path);
    int n2 = S->n_ax == 2 ? S->ax[1].n : 1;
    if ((long)S->ax[0].n * n2 > SWEEP__MAX_POINTS)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "--vary: %d x %d = %ld points; at most %d (give larger steps)",
                           S->ax[0].n, n2, (long)S->ax[0].n * n2, SWEEP__MAX_POINTS);
    if (S->n_ax == 2 && (rc = check_pairs(S, err, errlen)) != 0)
        return rc;
    S->so = (sens_opts_t){.threads = o->threads,
                          .out_dir = o->out_dir,
                          .sets = o->sets,
                          .n_sets = o->n_sets,
                          .no_plots = o->no_plots,
                          .quiet = o->quiet,
                          .fresh = o->fresh,
                          .cmdline = o->cmdline,
                          .stop_after = o->stop_after};
    w->sc = S->sc;
    w->o = &S->so;
    w->k = S->n_ax;
    w->paths = S->paths;
    w->tag = "sweep";
    w->unit = "swept value";
    w->reps = S->sc->replications;
    w->n_pts = S->ax[0].n * n2;
    if (model_plan_init(&w->plan, S->sc) != 0)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    w->have_plan = 1;
    if ((rc = pick_figures(S, err, errlen)) != 0)
        return rc;
    if (w->out.n == 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "no figure to sweep: give --target or --outputs METRIC:STAGE");
    w->block = (size_t)w->reps * (size_t)w->out.n;
    if (!(w->vtext = mem_calloc((size_t)w->n_pts * (size_t)w->k, SENS__VALUE_LEN)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    for (int p = 0; p < w->n_pts; p++) {
        snprintf(sens__vt(w, p, 0), SENS__VALUE_LEN, "%s", sweep__vt(&S->ax[0], p % S->ax[0].n));
        if (S->n_ax == 2)
            snprintf(sens__vt(w, p, 1), SENS__VALUE_LEN, "%s",
                     sweep__vt(&S->ax[1], p / S->ax[0].n));
    }
    /* rank 0 writes the outputs: probe and lock the folder before simulating */
    if (cluster_rank() == 0) {
        if ((rc = outtx_begin(&w->tx, o->out_dir, "sweep", sweep__out_names, err, errlen)) != 0)
            return rc;
        w->have_tx = 1;
    }
    return 0;
}

/* ---- the summaries and the answer (rank 0) ------------------------------------------ */

static int summarise(sweep__run_t *S, char *err, size_t errlen)
{
    sens__sweep_t *w = &S->w;
    sweep__target_t *tg = &S->tg;
    int n1 = S->ax[0].n, n2 = w->n_pts / n1;
    double *v = mem_alloc((size_t)w->reps * sizeof *v);
    if (!v || !(S->st = mem_calloc((size_t)w->out.n * (size_t)w->n_pts, sizeof *S->st)) ||
        (tg->on && (!(tg->share = mem_calloc((size_t)w->n_pts, sizeof *tg->share)) ||
                    !(tg->met = mem_calloc((size_t)w->n_pts, sizeof *tg->met)) ||
                    !(tg->answer = mem_calloc((size_t)n2, sizeof *tg->answer)) ||
                    !(tg->n_beyond = mem_calloc((size_t)n2, sizeof *tg->n_beyond))))) {
        mem_free(v);
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    }
    for (int i = 0; i < w->out.n; i++)
        for (int p = 0; p < w->n_pts; p++) {
            int n = 0, met = 0;
            for (int r = 0; r < w->reps; r++) {
                double x = w->val[(size_t)p * w->block + (size_t)r * w->out.n + (size_t)i];
                if (isnan(x))
                    continue;
                v[n++] = x;
                met += tg->ge ? x >= tg->x : x <= tg->x;
            }
            summ_t s;
            sweep__stat_t *o = &S->st[(size_t)i * w->n_pts + p];
            stats_summarise(v, n, &s);
            stats_sort(v, n);
            *o = (sweep__stat_t){.mean = s.mean, .lo = s.lo, .hi = s.hi, .n = n,
                                 .p05 = n ? stats_quantile_sorted(v, n, 0.05) : NAN,
                                 .p95 = n ? stats_quantile_sorted(v, n, 0.95) : NAN};
            if (tg->on && i == 0) {
                tg->met[p] = met;
                tg->share[p] = (double)met / w->reps;
            }
        }
    mem_free(v);
    if (!tg->on)
        return 0;
    /* per row of the second axis: the first value meeting the target from the end the
     * direction starts at; n_beyond: values past it that fail again */
    for (int j = 0; j < n2; j++) {
        const double *sh = &tg->share[(size_t)j * n1];
        int ans = -1, beyond = 0;
        for (int k = 0; k < n1 && ans < 0; k++) {
            int i = tg->ge ? n1 - 1 - k : k;
            if (sh[i] >= SWEEP__SHARE)
                ans = i;
        }
        for (int i = 0; i < n1 && ans >= 0; i++)
            if (sh[i] < SWEEP__SHARE && (tg->ge ? i < ans : i > ans))
                beyond++;
        tg->answer[j] = ans;
        tg->n_beyond[j] = beyond;
        tg->n_answered += ans >= 0;
    }
    return 0;
}

/* A number for the terminal: 4 significant digits, "-" for none. */
static const char *num(double x, char *buf)
{
    if (isnan(x))
        return "-";
    snprintf(buf, 32, "%.4g", x);
    return buf;
}

/* " with PATH2=V2" for row j of a two-way sweep, else "". */
static const char *at2(const sweep__run_t *S, int j, char *buf, size_t len)
{
    buf[0] = 0;
    if (S->n_ax == 2)
        snprintf(buf, len, " with %s=%s", S->ax[1].path, sweep__vt(&S->ax[1], j));
    return buf;
}

static void evidence_line(const sweep__run_t *S, int p, const char *what)
{
    const sweep__stat_t *s = &S->st[p];
    char a[32], b[32], c[32], w2[SENS__VALUE_LEN + 300];
    printf("  at %s=%s%s: mean %s, 95%% interval %s to %s; met in %d of %d replications "
           "(%.0f%%)%s\n",
           S->ax[0].path, sweep__vt(&S->ax[0], p % S->ax[0].n),
           at2(S, p / S->ax[0].n, w2, sizeof w2), num(s->mean, a), num(s->lo, b), num(s->hi, c),
           S->tg.met[p], S->w.reps, 100 * S->tg.share[p], what);
}

/* Prints line (without its trailing spaces) and a newline. */
static void put_line(char *line)
{
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ')
        line[--n] = 0;
    puts(line);
}

/* The table of the target's figure (or the first figure) on stdout: the columns as wide
 * as their widest entry. */
static void table(const sweep__run_t *S)
{
    const sens__sweep_t *w = &S->w;
    const sweep__target_t *tg = &S->tg;
    int n1 = S->ax[0].n, wv = 5, wv2 = 6, wm = 4, wi = 12;
    char line[4 * SENS__VALUE_LEN + 256], a[32], b[32], c[32], iv[80];
    for (int p = 0; p < w->n_pts; p++) {
        const sweep__stat_t *s = &S->st[p];
        int l = (int)strlen(sweep__vt(&S->ax[0], p % n1));
        wv = l > wv ? l : wv;
        if (S->n_ax == 2) {
            l = (int)strlen(sweep__vt(&S->ax[1], p / n1));
            wv2 = l > wv2 ? l : wv2;
        }
        l = (int)strlen(num(s->mean, a));
        wm = l > wm ? l : wm;
        l = snprintf(iv, sizeof iv, "%s to %s", num(s->lo, b), num(s->hi, c));
        wi = l > wi ? l : wi;
    }
    printf("%s:%s%s%s at each value of %s%s%s (%d replications each, common random "
           "numbers)\n",
           w->out.metric[0], w->out.stage[0], tg->on ? ", target " : "", tg->on ? tg->text : "",
           S->ax[0].path, S->n_ax == 2 ? " and " : "", S->n_ax == 2 ? S->ax[1].path : "",
           w->reps);
    int k = snprintf(line, sizeof line, "  %-*s  ", wv, "value");
    if (S->n_ax == 2)
        k += snprintf(line + k, sizeof line - (size_t)k, "%-*s  ", wv2, "value2");
    snprintf(line + k, sizeof line - (size_t)k, "%-*s  %-*s  %s", wm, "mean", wi, "95% interval",
             tg->on ? "share met" : "");
    put_line(line);
    for (int p = 0; p < w->n_pts; p++) {
        const sweep__stat_t *s = &S->st[p];
        snprintf(iv, sizeof iv, "%s to %s", num(s->lo, b), num(s->hi, c));
        k = snprintf(line, sizeof line, "  %-*s  ", wv, sweep__vt(&S->ax[0], p % n1));
        if (S->n_ax == 2)
            k += snprintf(line + k, sizeof line - (size_t)k, "%-*s  ", wv2,
                          sweep__vt(&S->ax[1], p / n1));
        k += snprintf(line + k, sizeof line - (size_t)k, "%-*s  %-*s  ", wm, num(s->mean, a), wi,
                      iv);
        if (tg->on)
            snprintf(line + k, sizeof line - (size_t)k, "%.0f%%", 100 * tg->share[p]);
        put_line(line);
    }
}

/* 1 if output i has the same value in every replication at every point (NaN alike). */
static int constant_output(const sweep__run_t *S, int i)
{
    const sens__sweep_t *w = &S->w;
    for (int p = 1; p < w->n_pts; p++)
        for (int r = 0; r < w->reps; r++) {
            size_t at = (size_t)r * w->out.n + (size_t)i;
            double x0 = w->val[at], x = w->val[(size_t)p * w->block + at];
            if (!(x == x0 || (isnan(x) && isnan(x0))))
                return 0;
        }
    return 1;
}

/* The warnings at the answer of row j (answer index a): values beyond it that fail
 * again, and a waiting list still there at the horizon. */
static void answer_warnings(const sweep__run_t *S, int j, int a)
{
    const sens__sweep_t *w = &S->w;
    const sweep__target_t *tg = &S->tg;
    int n1 = S->ax[0].n;
    char w2[SENS__VALUE_LEN + 300], list[512] = "";
    if (tg->n_beyond[j] > 0) {
        size_t k = 0;
        int shown = 0;
        for (int i = 0; i < n1; i++) {
            int p = j * n1 + i;
            if (!(tg->share[p] < SWEEP__SHARE && (tg->ge ? i < a : i > a)))
                continue;
            if (shown < 5 && k < sizeof list)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s%s (%.0f%%)",
                                      shown ? ", " : "", sweep__vt(&S->ax[0], i),
                                      100 * tg->share[p]);
            shown++;
        }
        if (shown > 5 && k < sizeof list)
            snprintf(list + k, sizeof list - k, " and %d more", shown - 5);
        fflush(stdout);
        sens__warn(w, "answer %s=%s%s: %s:%s%s fails again at %s value%s: %s; the figure is "
                      "not monotone in %s here (noise, or the sweep runs the other way); more "
                      "replications (--reps) or a finer grid may settle it",
                   S->ax[0].path, sweep__vt(&S->ax[0], a), at2(S, j, w2, sizeof w2),
                   w->out.metric[0], w->out.stage[0], tg->text, tg->ge ? "smaller" : "larger",
                   shown == 1 ? "" : "s", list, S->ax[0].path);
    }
    /* the list still there at the horizon: at least 1 child and 1% of the stage's
     * average stock, and clearly above its own average over the window (the 95%
     * interval of final_waiting above the mean of avg_waiting): growing, or not cleared */
    if (S->i_final >= 0 && S->i_avgw >= 0 && S->i_stock >= 0) {
        int p = j * n1 + a;
        const sweep__stat_t *fin = &S->st[(size_t)S->i_final * w->n_pts + p];
        double avg = S->st[(size_t)S->i_avgw * w->n_pts + p].mean,
               stock = S->st[(size_t)S->i_stock * w->n_pts + p].mean,
               lo = isnan(fin->lo) ? fin->mean : fin->lo;
        if (fin->mean >= 1 && fin->mean > 0.01 * stock && lo > avg) {
            char b1[32];
            fflush(stdout);
            sens__warn(w, "answer %s=%s%s: the %s waiting list is still %.0f at the horizon "
                          "(final_waiting:%s, mean over replications), above its average of "
                          "%s over the window: it has not cleared, and children still waiting "
                          "do not count in %s:%s, so the answer may be too low (read "
                          "final_waiting and max_waiting in sweep.csv)",
                       S->ax[0].path, sweep__vt(&S->ax[0], a), at2(S, j, w2, sizeof w2),
                       w->out.stage[0], fin->mean, w->out.stage[0], num(avg, b1),
                       w->out.metric[0], w->out.stage[0]);
        }
    }
}

/* The table and the answers, on stdout (warnings on stderr). */
static void report(const sweep__run_t *S)
{
    const sens__sweep_t *w = &S->w;
    const sweep__target_t *tg = &S->tg;
    int n1 = S->ax[0].n, n2 = w->n_pts / n1;
    if (!S->o->quiet)
        table(S);
    if (!tg->on) {
        fflush(stdout);
        return;
    }
    if (constant_output(S, 0)) {
        fflush(stdout);
        sens__warn(w, "%s:%s is the same at every value swept: it does not depend on %s%s%s "
                      "(is the target the figure you meant?)",
                   w->out.metric[0], w->out.stage[0], S->ax[0].path,
                   S->n_ax == 2 ? " nor " : "", S->n_ax == 2 ? S->ax[1].path : "");
    }
    const char *dir = tg->ge ? "largest" : "smallest";
    for (int j = 0; j < n2; j++) {
        char w2[SENS__VALUE_LEN + 300];
        int a = tg->answer[j];
        at2(S, j, w2, sizeof w2);
        if (a < 0) {
            printf("no answer%s: no value of %s from %s to %s meets %s:%s%s in at least 90%% "
                   "of replications\n",
                   w2, S->ax[0].path, sweep__vt(&S->ax[0], 0), sweep__vt(&S->ax[0], n1 - 1),
                   w->out.metric[0], w->out.stage[0], tg->text);
            continue;
        }
        printf("answer: %s=%s%s\n", S->ax[0].path, sweep__vt(&S->ax[0], a), w2);
        printf("  the %s value where %s:%s%s holds in at least 90%% of replications:\n", dir,
               w->out.metric[0], w->out.stage[0], tg->text);
        int p = j * n1 + a, prev = tg->ge ? a + 1 : a - 1;
        evidence_line(S, p, "");
        if (prev >= 0 && prev < n1)
            evidence_line(S, j * n1 + prev, " (fails)");
        else
            printf("  (the %s end of the range: widen --vary to see where it fails)\n",
                   tg->ge ? "high" : "low");
        answer_warnings(S, j, a);
    }
    fflush(stdout);
}

/* ---- sweep_run ---------------------------------------------------------------------- */

int sweep_run(const scenario_t *sc, const sweep_opts_t *o, char *err, size_t errlen)
{
    sweep__run_t *S = mem_calloc(1, sizeof *S);
    signals_save_t sigs;
    int rank = cluster_rank(), size = cluster_size(), rc;
    double t0 = progress_now();
    if (!S)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    S->sc = sc;
    S->o = o;
    S->i_final = S->i_avgw = S->i_stock = -1;
    pthread_mutex_init(&S->w.mu, NULL);
    err[0] = 0;
    signals_catch(&sigs);
    rc = setup(S, err, errlen);
    if (rc == SIM_EINVAL && rank != 0)
        err[0] = 0; /* every rank finds the same; rank 0 says it */
    if ((rc = cluster_agree(rc)) != 0)
        goto out;
    if (!o->quiet && rank == 0)
        fprintf(stderr, "careflow: sweep: %d point%s x %d replications, %d figure%s%s\n",
                S->w.n_pts, S->w.n_pts == 1 ? "" : "s", S->w.reps, S->w.out.n,
                S->w.out.n == 1 ? "" : "s", size > 1 ? " over MPI ranks" : "");
    if ((rc = sens__evaluate(&S->w, err, errlen)) != 0) {
        if (rc == SIM_EINVAL && rank == 0)
            sens__ckpt_remove(&S->w); /* a value the scenario refuses: no resuming it */
        goto out;
    }
    if (rank == 0 && (rc = summarise(S, err, errlen)) == 0) {
        S->wall = progress_now() - t0;
        rc = sweep__write(S, err, errlen);
    }
    if (rank == 0 && rc == 0) {
        report(S);
        fflush(stdout); /* the table before "wrote" in 2>&1 */
        if (!o->quiet)
            fprintf(stderr, "wrote %s (%d points x %d replications, %.1f s)\n", o->out_dir,
                    S->w.n_pts, S->w.reps, progress_now() - t0);
        if (S->tg.on && S->tg.n_answered == 0)
            rc = sim_err_set(err, errlen, SIM_ERANGE,
                             "no value of %s meets the target %s:%s%s in at least 90%% of "
                             "replications (see %s/sweep.csv)",
                             S->ax[0].path, S->w.out.metric[0], S->w.out.stage[0], S->tg.text,
                             o->out_dir);
    }
    /* the other ranks learn how rank 0 ended (no value met: they exit 1 too) */
    {
        int st = cluster_agree(rank == 0 ? rc : 0);
        if (rank != 0)
            rc = st;
    }
out:
    if (rc == SIM_EPEER)
        err[0] = 0; /* the failing rank says what failed */
    sens__sweep_free(&S->w);
    for (int i = 0; i < 2; i++)
        axis_free(&S->ax[i]);
    mem_free(S->st);
    mem_free(S->tg.share);
    mem_free(S->tg.met);
    mem_free(S->tg.answer);
    mem_free(S->tg.n_beyond);
    mem_free(S);
    signals_restore(&sigs);
    return rc;
}
