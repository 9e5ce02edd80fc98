/* load_initial.c: `initial`, the cases open at day 0, in three forms that may be mixed:
 *   STAGE: N, or {count: N, age, flags | profiles, elapsed}   N children drawn like the
 *       first arrival stream (or as given), with equilibrium or fresh stays;
 *   STAGE: steady, or {count: steady, ...}   N computed here (ld__resolve_steady): the
 *       arrival rates at day 0 pushed through the base routing (`next`) give each
 *       stage's inflow (traffic equations), times the stage's mean duration (Little's
 *       law), rounded to the nearest integer;
 *   file: PATH   one open case per CSV row (child,stage,start,dob|age,flags,history),
 *       with its own start date: sc->open, sorted oldest start first.
 * A count or steady entry may not name a stage the file has rows for (they would add
 * up, which is almost surely a mistake). The key `file` means a stage when a stage is
 * named `file` (a scenario valid before keeps its meaning).
 *
 * The CSV is read by sim/csv like observed files (TRIM, blank lines skipped, CRLF
 * accepted) after an optional UTF-8 byte-order mark; cells become scalars marked
 * CSVPATH:LINE:COLUMN-NUMBER and `data`, so messages name the line and column and never
 * echo the file's text. Columns other than the six are ignored. Dates are YYYY-MM-DD or
 * DD/MM/YYYY. Failure: as every loader file (load_internal.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/cal.h"
#include "sim/csv.h"
#include "sim/mem.h"

static const char *const entry_keys[] = {"count", "age", "flags", "profiles", "elapsed",
                                          "source", NULL};

/* Is key k of `initial` the file form (no stage is named `file`)? */
static int is_file_key(const scenario_t *sc, const ytree_node_t *k)
{
    return !strcmp(k->str, "file") && scenario_stage_index(sc, "file") < 0;
}

/* One count or steady entry (key names the stage, n is its value). */
static int parse_entry(ld_t *L, scn_initial_t *in, const ytree_node_t *key,
                       const ytree_node_t *n, long long *total)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *c = n, *v;
    const scn_arrival_t *first = sc->n_arrivals ? &sc->arrivals[0] : NULL;
    long long count = 0;
    int given = 0;
    char ctx[96];
    if (ld__stage_ref(L, key, "initial", 0, &in->stage) < 0)
        return L->rc;
    snprintf(ctx, sizeof ctx, "initial '%s'", key->str);
    if (n->kind == YTREE_MAP) {
        if (ld__check_keys(L, n, entry_keys, ctx) < 0 || !(c = ld__need(L, n, "count", ctx)))
            return L->rc;
    } else if (n->kind != YTREE_SCALAR) {
        return ld__fail(L, n, "initial '%s' must be a count, steady or a map, not a list",
                        key->str);
    }
    if (c->kind == YTREE_SCALAR && !strcmp(c->str, "steady")) {
        in->steady = 1; /* the count comes later, from ld__resolve_steady */
    } else {
        if (ld__get_int(L, c, "count", 0, LD_MAX_INITIAL, &count) < 0)
            return L->rc;
        in->count = (long)count;
        if ((*total += count) > LD_MAX_INITIAL)
            return ld__fail(L, c, "initial children number more than %lld in all stages",
                            LD_MAX_INITIAL);
    }
    /* age and flags default, each on its own, to the first arrival stream's */
    if ((v = ytree_get(n, "age", NULL))) {
        if (ld__parse_dist(L, v, "age", 1, &in->attrs.age) < 0)
            return L->rc;
    } else if (first) {
        if (dist_copy(&in->attrs.age, &first->attrs.age) < 0)
            return ld__oom(L);
    } else if (ld__default_age(L, n, &in->attrs.age) < 0) {
        return L->rc;
    }
    if (n->kind == YTREE_MAP && ld__parse_attr_flags(L, n, &in->attrs, &given) < 0)
        return L->rc;
    if (!given && first && ld__copy_attr_flags(L, n, &in->attrs, &first->attrs) < 0)
        return L->rc;
    if ((v = ytree_get(n, "elapsed", NULL))) {
        const char *s = NULL;
        if (ld__get_str(L, v, "elapsed", &s) < 0)
            return L->rc;
        if (!strcmp(s, "fresh"))
            in->fresh = 1;
        else if (strcmp(s, "equilibrium") != 0)
            return ld__fail(L, v, "unknown elapsed '%s' (expected equilibrium or fresh)", s);
    }
    if ((v = ytree_get(n, "source", NULL))) {
        const char *s = NULL;
        if (ld__get_str(L, v, "source", &s) < 0 || !(in->source = ld__strdup(L, s)))
            return L->rc;
    }
    return 0;
}

/* ---- the file ------------------------------------------------------------------- */

enum { C_CHILD, C_STAGE, C_START, C_DOB, C_AGE, C_FLAGS, C_HISTORY, C_N };
static const char *const col_names[C_N + 1] = {"child", "stage", "start", "dob", "age",
                                               "flags", "history", NULL};

/* A date cell: YYYY-MM-DD, or DD/MM/YYYY (day and month of one or two digits). */
static int get_date(ld_t *L, const ytree_node_t *n, const char *what, long *day)
{
    if (cal_parse(n->str, day) == 0 || cal_parse_dmy(n->str, day) == 0)
        return 0;
    return ld__fail(L, n, "invalid date '%s' in column '%s' (expected a real date YYYY-MM-DD "
                          "or DD/MM/YYYY)",
                    ld__text(L, n), what);
}

/* A new zeroed row at the end of sc->open (which owns it at once). */
static scn_open_t *open_append(ld_t *L, const ytree_node_t *at, int *cap)
{
    scenario_t *sc = L->sc;
    if (sc->n_open >= LD_MAX_INITIAL) {
        ld__fail(L, at, "too many open cases (more than %lld)", LD_MAX_INITIAL);
        return NULL;
    }
    if (sc->n_open == *cap) {
        int nc = *cap ? 2 * *cap : 64;
        scn_open_t *o = mem_reallocarray(sc->open, (size_t)nc, sizeof *o);
        if (!o) {
            ld__oom(L);
            return NULL;
        }
        sc->open = o;
        *cap = nc;
    }
    scn_open_t *o = &sc->open[sc->n_open++];
    memset(o, 0, sizeof *o);
    return o;
}

/* `flags` cell: names separated by ';' (spaces around a name and empty names ignored),
 * each added to the scenario's flags when new. */
static int cell_flags(ld_t *L, const char *path, int line, int col, const char *s,
                      uint64_t *flags)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strcspn(s, ";");
        size_t k = n;
        while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
            k--;
        if (k > 0) {
            char *name = ytree_alloc(L->yt, k + 1);
            if (!name)
                return ld__oom(L);
            memcpy(name, s, k);
            ytree_node_t *v = ytree_scalar(L->yt, path, line, col, name, 1);
            int bit = 0;
            if (!v)
                return ld__oom(L);
            v->data = 1;
            if (ld__flag_intern(L, v, &bit) < 0)
                return L->rc;
            *flags |= (uint64_t)1 << bit;
        }
        s += n;
        if (*s == ';')
            s++;
    }
    return 0;
}

/* One data row (fields f[0..n), already matched to the header) into *o. */
static int open_row(ld_t *L, const char *path, int line, const int *col, const char *const *f,
                    scn_open_t *o)
{
    scenario_t *sc = L->sc;
    ytree_node_t *cell[C_N] = {0};
    for (int c = 0; c < C_N; c++) {
        if (col[c] < 0)
            continue;
        if (!(cell[c] = ytree_scalar(L->yt, path, line, col[c] + 1, f[col[c]], 1)))
            return ld__oom(L);
        cell[c]->data = 1;
    }
    static const int required[] = {C_CHILD, C_STAGE, C_START};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cell[required[i]]->str[0])
            return ld__fail(L, cell[required[i]], "empty %s", col_names[required[i]]);
    long start = 0, dob = 0;
    if (ld__stage_ref(L, cell[C_STAGE], "the open cases file", 0, &o->stage) < 0 ||
        get_date(L, cell[C_START], "start", &start) < 0)
        return L->rc;
    if (start > sc->start)
        return ld__fail(L, cell[C_START], "start is after the scenario's start date (a case "
                                          "open at day 0 began on or before it)");
    o->elapsed = (double)(sc->start - start);
    if (cell[C_DOB]) {
        if (!cell[C_DOB]->str[0])
            return ld__fail(L, cell[C_DOB], "empty dob");
        if (get_date(L, cell[C_DOB], "dob", &dob) < 0)
            return L->rc;
        if (dob > sc->start)
            return ld__fail(L, cell[C_DOB], "dob is after the scenario's start date");
        o->born = (double)(dob - sc->start);
    } else {
        double age = 0;
        if (!cell[C_AGE]->str[0])
            return ld__fail(L, cell[C_AGE], "empty age");
        if (ld__get_ge0(L, cell[C_AGE], "age", &age) < 0)
            return L->rc;
        o->born = -age * CAL_DAYS_PER_YEAR;
    }
    if (!(-o->born < sc->max_age * CAL_DAYS_PER_YEAR))
        return ld__fail(L, cell[C_DOB] ? cell[C_DOB] : cell[C_AGE],
                        "the child is max_age (%g) or older on the scenario's start date: it "
                        "cannot be open",
                        sc->max_age);
    if (cell[C_FLAGS] && cell_flags(L, path, line, col[C_FLAGS] + 1, cell[C_FLAGS]->str,
                                    &o->flags) < 0)
        return L->rc;
    if (cell[C_HISTORY] && cell[C_HISTORY]->str[0]) {
        long long h = 0;
        if (ld__get_int(L, cell[C_HISTORY], "history", 0, 65535, &h) < 0)
            return L->rc;
        o->history = (int)h;
    }
    return 0;
}

/* Oldest start first (the largest elapsed), file order within a date. */
static int cmp_open(const void *pa, const void *pb)
{
    const scn_open_t *a = pa, *b = pb;
    if (a->elapsed != b->elapsed)
        return a->elapsed > b->elapsed ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* `file: PATH`: reads the rows into sc->open. */
static int load_open(ld_t *L, const ytree_node_t *at)
{
    const char *path = NULL, *what = NULL, *buf = NULL;
    csv_t *r = NULL;
    const csv_field_t *fld;
    size_t len = 0;
    int l = 0, c = 0, n, nh = -1, cap = 0;
    int col[C_N];
    const char **f = NULL;
    const csv_opts_t opts = {.flags = CSV_TRIM | CSV_SKIP_BLANK};
    long rows = 0;

    if (ld__get_str(L, at, "file", &path) < 0)
        return L->rc;
    if (!(path = ld__relative_to(L, at->file, path)))
        return ld__oom(L);
    if (ld__read_data(L, path, at, &buf, &len) < 0)
        return L->rc;
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* a UTF-8 byte-order mark */
        buf += 3;
        len -= 3;
    }
    if (ytree_check_text(buf, len, &l, &c, &what) < 0)
        return ld__failat(L, path, l, c, "%s", what);
    if (csv_open_mem(&r, buf, len, &opts) < 0)
        return ld__oom(L);
    if (!(f = mem_reallocarray(NULL, CSV_MAX_FIELDS, sizeof *f))) {
        ld__oom(L);
        goto done;
    }
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    while ((n = csv_next(r, &fld)) != 0) {
        if (n < 0) {
            ld__csv_fail(L, r, path, n);
            goto done;
        }
        int line = (int)fld[0].line;
        for (int i = 0; i < n; i++)
            f[i] = fld[i].s;
        if (nh < 0) { /* the header: known columns found, others ignored */
            for (int i = 0; i < n; i++)
                for (int k = 0; k < C_N; k++) {
                    if (strcmp(f[i], col_names[k]) != 0)
                        continue;
                    if (col[k] >= 0) {
                        ld__failat(L, path, line, i + 1, "column '%s' appears twice",
                                   col_names[k]);
                        goto done;
                    }
                    col[k] = i;
                }
            for (int k = C_CHILD; k <= C_START; k++)
                if (col[k] < 0) {
                    ld__failat(L, path, line, 1, "missing column '%s' (the open cases file "
                                                 "needs child, stage, start and dob or age)",
                               col_names[k]);
                    goto done;
                }
            if (col[C_DOB] >= 0 && col[C_AGE] >= 0) {
                ld__failat(L, path, line, col[C_AGE] + 1, "give column dob or age, not both");
                goto done;
            }
            if (col[C_DOB] < 0 && col[C_AGE] < 0) {
                ld__failat(L, path, line, 1, "missing column 'dob' (or 'age', in years on the "
                                             "scenario's start date)");
                goto done;
            }
            nh = n;
            continue;
        }
        if (n != nh) {
            ld__failat(L, path, line, (n < nh ? n : nh) + 1, "row has %d fields, the header %d",
                       n, nh);
            goto done;
        }
        scn_open_t *o = open_append(L, at, &cap);
        if (!o)
            goto done;
        o->row = rows++;
        if (open_row(L, path, line, col, f, o) < 0)
            goto done;
    }
    if (nh < 0) {
        ld__failat(L, path, 1, 1, "empty CSV file: expected a header row");
        goto done;
    }
    if (L->sc->n_open > 1)
        qsort(L->sc->open, (size_t)L->sc->n_open, sizeof *L->sc->open, cmp_open);
done:
    mem_free(f);
    csv_close(r);
    return L->rc;
}

/* ---- initial ------------------------------------------------------------------- */

int ld__parse_initial(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "initial", NULL), *file = NULL;
    if (!m)
        return 0;
    if (ld__want_map(L, m, "initial") < 0)
        return L->rc;
    int n_entries = 0;
    for (int i = 0; i < m->n; i++) {
        if (is_file_key(sc, m->key[i]))
            file = m->val[i];
        else
            n_entries++;
    }
    if (n_entries && !(sc->initial = ld__calloc(L, (size_t)n_entries, sizeof *sc->initial)))
        return L->rc;
    long long total = 0;
    for (int i = 0, j = 0; i < m->n; i++) {
        if (is_file_key(sc, m->key[i]))
            continue;
        sc->n_initial = j + 1; /* owned from now on, even if half filled */
        if (parse_entry(L, &sc->initial[j++], m->key[i], m->val[i], &total) < 0)
            return L->rc;
    }
    if (!file)
        return 0;
    if (load_open(L, file) < 0)
        return L->rc;
    if (total + sc->n_open > LD_MAX_INITIAL)
        return ld__fail(L, file, "initial children number more than %lld in all stages",
                        LD_MAX_INITIAL);
    /* a stage is filled by the file or by an entry, not both */
    for (int i = 0, j = 0; i < m->n; i++) {
        if (is_file_key(sc, m->key[i]))
            continue;
        int s = sc->initial[j++].stage;
        for (int k = 0; k < sc->n_open; k++)
            if (sc->open[k].stage == s)
                return ld__fail(L, m->key[i], "stage '%s' has open cases in the initial file; "
                                              "a count for it too would add to them (give "
                                              "each stage one or the other)",
                                sc->stages[s].name);
    }
    return 0;
}

/* ---- steady: traffic equations and Little's law ---------------------------------- */

/* Solves A x = b (n x n, row-major, destroyed) by Gaussian elimination with partial
 * pivoting. Returns 0, or -1 when A is singular to working precision. */
static int solve(double *A, double *b, int n)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[i * n + k]) > fabs(A[p * n + k]))
                p = i;
        if (!(fabs(A[p * n + k]) > 1e-12))
            return -1;
        if (p != k) {
            for (int j = 0; j < n; j++) {
                double t = A[k * n + j];
                A[k * n + j] = A[p * n + j];
                A[p * n + j] = t;
            }
            double t = b[k];
            b[k] = b[p];
            b[p] = t;
        }
        for (int i = k + 1; i < n; i++) {
            double f = A[i * n + k] / A[k * n + k];
            for (int j = k; j < n; j++)
                A[i * n + j] -= f * A[k * n + j];
            b[i] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        double s = b[k];
        for (int j = k + 1; j < n; j++)
            s -= A[k * n + j] * b[j];
        b[k] = s / A[k * n + k];
    }
    return 0;
}

/* The traffic equations fed by arrival stream `only` (every stream when -1). */
static int traffic(const scenario_t *sc, int only, double *rate, int *bad)
{
    int n = sc->n_stages;
    double a[SCN_MAX_STAGES] = {0}, lam[SCN_MAX_STAGES] = {0};
    int reach[SCN_MAX_STAGES] = {0}, exits[SCN_MAX_STAGES] = {0}, idx[SCN_MAX_STAGES];
    *bad = -1;
    /* external inflow at day 0: each stream's rate x its profile at day 0 (trend: x 1) */
    for (int j = 0; j < sc->n_arrivals; j++) {
        const scn_arrival_t *ar = &sc->arrivals[j];
        if (only >= 0 && j != only)
            continue;
        a[ar->to] += ar->rate * scenario_steps_at(&ar->profile, 0, 1.0);
    }
    /* stages the inflow reaches along routes of positive probability */
    for (int s = 0; s < n; s++)
        reach[s] = a[s] > 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int s = 0; s < n; s++)
            for (int j = 0; reach[s] && j < sc->stages[s].n_next; j++) {
                int t = sc->stages[s].next_stage[j];
                if (t >= 0 && sc->stages[s].next_p[j] > 0 && !reach[t])
                    reach[t] = changed = 1;
            }
    }
    /* stages from which `exit` can be reached */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int s = 0; s < n; s++)
            for (int j = 0; !exits[s] && j < sc->stages[s].n_next; j++) {
                int t = sc->stages[s].next_stage[j];
                if (sc->stages[s].next_p[j] > 0 && (t == SCN_EXIT || exits[t]))
                    exits[s] = changed = 1;
            }
    }
    int k = 0;
    for (int s = 0; s < n; s++)
        idx[s] = reach[s] ? k++ : -1;
    /* lam_s = a_s + sum_r lam_r P[r][s] over the reached stages: (I - P^T) lam = a */
    if (k > 0) {
        double *A = mem_calloc((size_t)k * (size_t)k, sizeof *A);
        if (!A)
            return SIM_ENOMEM;
        for (int s = 0; s < n && *bad < 0; s++)
            if (reach[s] && !exits[s])
                *bad = s;
        for (int s = 0; s < n; s++) {
            if (!reach[s])
                continue;
            A[idx[s] * k + idx[s]] += 1;
            lam[idx[s]] = a[s];
            for (int j = 0; j < sc->stages[s].n_next; j++) {
                int t = sc->stages[s].next_stage[j];
                if (t >= 0 && reach[t])
                    A[idx[t] * k + idx[s]] -= sc->stages[s].next_p[j];
            }
        }
        int rc = *bad < 0 ? solve(A, lam, k) : -1;
        mem_free(A);
        if (rc < 0)
            return 1;
    }
    for (int s = 0; s < n; s++)
        rate[s] = reach[s] ? lam[idx[s]] : 0;
    return 0;
}

int scenario_traffic(const scenario_t *sc, double *rate, int *bad)
{
    return traffic(sc, -1, rate, bad);
}

int scenario_stage_stay(const scenario_t *sc, int s, double *stay)
{
    const scn_stage_t *st = &sc->stages[s];
    double sum = 0, wsum = 0, rate[SCN_MAX_STAGES];
    int bad;
    for (int j = 0; j < sc->n_arrivals; j++) {
        int rc = traffic(sc, j, rate, &bad);
        if (rc < 0)
            return rc;
        if (rc > 0 || !(rate[s] > 0))
            continue;
        sum += rate[s] * scenario_stage_mean_stay(sc, st, &sc->arrivals[j].attrs.age);
        wsum += rate[s];
    }
    if (wsum > 0) {
        *stay = sum / wsum;
        return 0;
    }
    /* no stream reaches the stage: the first stream's ages, or uniform from 0 to max_age */
    dist_t age = {.kind = DIST_UNIFORM, .min = 0, .max = sc->max_age};
    if (sc->n_arrivals > 0)
        *stay = scenario_stage_mean_stay(sc, st, &sc->arrivals[0].attrs.age);
    else if (dist_init(&age, 1) == 0)
        *stay = scenario_stage_mean_stay(sc, st, &age);
    else
        *stay = NAN;
    return 0;
}

int ld__resolve_steady(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    int any = 0, bad;
    double lam[SCN_MAX_STAGES];
    for (int i = 0; i < sc->n_initial; i++)
        any |= sc->initial[i].steady;
    if (!any)
        return 0;
    const ytree_node_t *m = ytree_get(root, "initial", NULL);
    int rc = scenario_traffic(sc, lam, &bad);
    if (rc < 0)
        return ld__oom(L);
    if (rc > 0) { /* reported at the first steady entry */
        for (int i = 0, j = 0; i < m->n; i++) {
            if (is_file_key(sc, m->key[i]) || !sc->initial[j++].steady)
                continue;
            if (bad < 0)
                return ld__fail(L, m->key[i], "steady: the traffic equations have no "
                                              "solution (singular routing)");
            return ld__fail(L, m->key[i], "steady: the traffic equations have no "
                                          "solution: from stage '%s' the routing never "
                                          "reaches exit",
                            sc->stages[bad].name);
        }
    }
    long long total = sc->n_open;
    for (int i = 0, j = 0; i < m->n; i++) {
        if (is_file_key(sc, m->key[i]))
            continue;
        scn_initial_t *in = &sc->initial[j++];
        if (!in->steady) {
            total += in->count;
            continue;
        }
        const scn_stage_t *st = &sc->stages[in->stage];
        double l = lam[in->stage];
        if (!(l > 0))
            return ld__fail(L, m->key[i], "steady: stage '%s' has no inflow at the start (no "
                                          "arrival stream reaches it at day 0)",
                            st->name);
        double mean;
        if (scenario_stage_stay(sc, in->stage, &mean) < 0)
            return ld__oom(L);
        if (!isfinite(mean))
            return ld__fail(L, m->key[i], "steady: the ages of stage '%s''s children fall in "
                                          "none of its by_age bands",
                            st->name);
        double c = round(l * mean);
        if (!(c <= (double)LD_MAX_INITIAL) || (total += (long long)c) > LD_MAX_INITIAL)
            return ld__fail(L, m->key[i], "steady: stage '%s' would hold %.4g children (at "
                                          "most %lld initial children in all)",
                            st->name, l * mean, LD_MAX_INITIAL);
        in->count = (long)c;
    }
    return 0;
}
