/* load.c: scenario_load(): YAML files -> one merged tree -> --set overrides -> a
 * checked scenario_t (models/scenario.h, /work/shared/SCENARIO-FORMAT.md).
 *
 * Phases, each refusing the first defect it meets with "FILE:LINE:COL: error: MESSAGE":
 *  1. load_file(): read the file (at most 16 MiB of UTF-8 text), parse it into a ytree
 *     (models/ytree.h: syntax, duplicate keys, aliases, depth and size limits), load
 *     its `include:` list (paths relative to the including file) depth first, and
 *     deep-merge: includes in order (later wins over earlier), then the file itself.
 *     Maps merge key by key; lists and scalars are replaced whole. Every node keeps the
 *     mark of the file it was written in.
 *  2. apply_set(): each `--set PATH=VALUE` replaces (or adds, as the last segment of a
 *     map path) one scalar in the merged tree, copying the nodes on the path so shared
 *     (aliased) nodes elsewhere do not change.
 *  3. convert: check and copy every key into the scenario, which owns all its memory
 *     from the moment each array is allocated, so any failure just frees the whole
 *     scenario. Order: top-level scalars, stage names, arrivals (which name the flags),
 *     initial, stage details (whose `when:` may name flags), pools, observed.
 *
 * Where errors point: the value for a wrong value, the key for an unknown key or a
 * name that points nowhere when the name is a key, the enclosing map for a missing
 * required key. A value reached through an alias is marked where its anchor was
 * written. Nothing is printed; err holds one line without a newline.
 *
 * Decisions where the format leaves room (each also noted where it is made):
 * - types are strict: numbers and integers are plain (unquoted) scalars read whole by
 *   strtod / strtoll / strtoull and finite; booleans are plain true / false; strings
 *   (names, titles, dates, `month`) may be quoted or not;
 * - merged maps keep the base's key order, then the override's new keys: stage indices
 *   follow that order. A map whose `dist` an override changes (weibull -> gamma) is
 *   replaced whole: the old family's parameters would not belong to the new one;
 * - the alias budget counts only nodes reached through aliases (YTREE_MAX_ALIASED per
 *   load, all files together); plain nodes are bounded by the 16 MiB file limit;
 * - `adjust` items may leave out `when` (then they apply to every child);
 * - `initial` entries default age and flags each on its own from the first arrival;
 * - pool names follow the stage name rule [A-Za-z0-9_-]+; workers.day[0] is always
 *   -INFINITY (a list's first step holds from the beginning of time);
 * - report_every_days may not give more than 1e6 report steps over the horizon, and
 *   observed may not hold more than 10000 items, CSV rows included;
 * - `--set` cannot change `include` (an added key is refused as unknown).
 * - CSV files: RFC 4180 quoting within one line, spaces around unquoted fields
 *   trimmed, blank lines skipped, empty fields treated as absent. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/scenario/scenario.h"
#include "models/strands/strand.h"
#include "models/scenario/ytree.h"
#include "sim/cal.h"

#define MAX_FILE_BYTES (16L << 20) /* a scenario, include or CSV file */
#define MAX_INCLUDE_DEPTH 16       /* includes of includes of ... */
#define MAX_REPLICATIONS 100000
#define MAX_INITIAL 50000000LL     /* initial children per stage */
#define MAX_HORIZON 73050.0        /* 200 years of days */
#define MAX_REPORT_STEPS 1000000.0 /* horizon / report_every_days */
#define MAX_CSV_ROWS YTREE_MAX_ITEMS
#define MAX_OBSERVED YTREE_MAX_ITEMS /* observed items, inline and from files */
#define SET_PREFIX "--set "        /* pseudo-file of an override: "--set PATH=VALUE" */
#define ROUTE_TOL 1e-9             /* `next` must sum to 1 within this */

struct ld {
    ytree_t *yt;                        /* arena of every tree of this load */
    scenario_t *sc;                     /* being filled; owns what it points to */
    char *err;
    size_t errlen;
    char *chain[MAX_INCLUDE_DEPTH + 1]; /* realpath of each file being loaded */
    int n_chain;
    int strand;                         /* index of the strand being parsed */
};

/* ---- errors -------------------------------------------------------------------- */

#if defined(__GNUC__)
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF(a, b)
#endif

static PRINTF(5, 6) int failat(ld_t *L, const char *file, int line, int col,
                               const char *fmt, ...)
{
    int k = snprintf(L->err, L->errlen, "%s:%d:%d: error: ", file, line, col);
    if (k >= 0 && (size_t)k < L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err + k, L->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static PRINTF(3, 4) int fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return failat(L, n->file, n->line, n->col, "%s", msg);
}

static const char *kind_name(const ytree_node_t *n)
{
    return n->kind == YTREE_MAP ? "a map" : n->kind == YTREE_SEQ ? "a list" : "a string";
}

static void *xcalloc(ld_t *L, const ytree_node_t *at, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fail(L, at, "out of memory");
    return p;
}

static char *xstrdup(ld_t *L, const ytree_node_t *at, const char *s)
{
    char *d = strdup(s);
    if (!d)
        fail(L, at, "out of memory");
    return d;
}

/* ---- suggestions --------------------------------------------------------------- */

/* Edit distance, or a large number for long strings (no suggestion then). */
static int distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    int row[65];
    if (na > 64 || nb > 64)
        return 1000;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* Writes " (did you mean 'X'?)" for the closest candidate within a small distance,
 * else "". cands[0..n) (NULL entries skipped). */
static const char *suggest(char *buf, size_t size, const char *s, const char *const *cands,
                           int n)
{
    const char *best = NULL;
    int bd = strlen(s) <= 3 ? 1 : strlen(s) <= 8 ? 2 : 3;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int d = distance(s, cands[i]);
        if (d <= bd && (!best || d < distance(s, best)))
            best = cands[i];
    }
    buf[0] = 0;
    if (best)
        snprintf(buf, size, " (did you mean '%s'?)", best);
    return buf;
}

static int count_of(const char *const *list)
{
    int n = 0;
    while (list[n])
        n++;
    return n;
}

/* ---- shapes and keys ----------------------------------------------------------- */

static int want_map(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_MAP)
        return fail(L, n, "%s must be a map of keys, not %s", what, kind_name(n));
    return 0;
}

static int want_seq(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_SEQ)
        return fail(L, n, "%s must be a list, not %s", what, kind_name(n));
    return 0;
}

/* Refuses a key of map m not in allowed (NULL-terminated), at the key. */
static int check_keys(ld_t *L, const ytree_node_t *m, const char *const *allowed,
                      const char *what)
{
    int na = count_of(allowed);
    for (int i = 0; i < m->n; i++) {
        const char *k = m->key[i]->str;
        int ok = 0;
        for (int j = 0; j < na && !ok; j++)
            ok = strcmp(k, allowed[j]) == 0;
        if (!ok) {
            char s[96];
            return fail(L, m->key[i], "unknown key '%s' in %s%s", k, what,
                        suggest(s, sizeof s, k, allowed, na));
        }
    }
    return 0;
}

/* The value of a required key, or NULL after reporting it missing at the map. */
static const ytree_node_t *need(ld_t *L, const ytree_node_t *m, const char *key,
                                const char *what)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    if (!v)
        fail(L, m, "missing required key '%s' in %s", key, what);
    return v;
}

static const ytree_node_t *key_of(const ytree_node_t *m, const char *key)
{
    int at = 0;
    return ytree_get(m, key, &at) ? m->key[at] : NULL;
}

/* "NAME or [NAMES]": the items, in *items (a one-item view of n for a scalar). */
static int name_list(ld_t *L, const ytree_node_t *const *np, const char *what,
                     const ytree_node_t *const **items, int *count)
{
    const ytree_node_t *n = *np;
    if (n->kind == YTREE_SCALAR) {
        *items = np;
        *count = 1;
        return 0;
    }
    if (n->kind != YTREE_SEQ)
        return fail(L, n, "%s must be a name or a list of names, not a map", what);
    for (int i = 0; i < n->n; i++)
        if (n->val[i]->kind != YTREE_SCALAR)
            return fail(L, n->val[i], "%s must be a name or a list of names", what);
    *items = (const ytree_node_t *const *)n->val;
    *count = n->n;
    return 0;
}

/* ---- scalars ------------------------------------------------------------------- */

/* Numbers are plain scalars read whole by strtod and finite: a quoted "35" is a
 * string, and nan, inf and overflowing values like 1e999 are refused. */
static int get_num(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (n->kind != YTREE_SCALAR)
        return fail(L, n, "expected a number for '%s', not %s", what, kind_name(n));
    if (!n->plain)
        return fail(L, n, "expected a number for '%s', not a quoted string \"%s\"", what,
                    n->str);
    char *end;
    errno = 0;
    double x = strtod(n->str, &end);
    if (end == n->str || *end)
        return fail(L, n, "expected a number for '%s', got '%s'", what, n->str);
    if (!isfinite(x))
        return fail(L, n, "'%s' must be a finite number, got '%s'", what, n->str);
    *v = x;
    return 0;
}

static int get_ge0(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (get_num(L, n, what, v) < 0)
        return -1;
    if (*v < 0)
        return fail(L, n, "'%s' cannot be negative (got %s)", what, n->str);
    return 0;
}

static int get_gt0(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (get_num(L, n, what, v) < 0)
        return -1;
    if (!(*v > 0))
        return fail(L, n, "'%s' must be greater than 0 (got %s)", what, n->str);
    return 0;
}

static int get_prob(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (get_num(L, n, what, v) < 0)
        return -1;
    if (*v < 0 || *v > 1)
        return fail(L, n, "probability '%s' must be in [0, 1] (got %s)", what, n->str);
    return 0;
}

/* Integers: plain, decimal, read whole by strtoll, within [lo, hi]. */
static int get_int(ld_t *L, const ytree_node_t *n, const char *what, long long lo,
                   long long hi, long long *v)
{
    if (n->kind != YTREE_SCALAR || !n->plain)
        return fail(L, n, "expected a whole number for '%s', not %s", what,
                    n->kind == YTREE_SCALAR ? "a quoted string" : kind_name(n));
    char *end;
    errno = 0;
    long long x = strtoll(n->str, &end, 10);
    if (end == n->str || *end)
        return fail(L, n, "expected a whole number for '%s', got '%s'", what, n->str);
    if (errno == ERANGE || x < lo || x > hi)
        return fail(L, n, "'%s' must be between %lld and %lld (got %s)", what, lo, hi,
                    n->str);
    *v = x;
    return 0;
}

static int get_u64(ld_t *L, const ytree_node_t *n, const char *what, uint64_t *v)
{
    if (n->kind != YTREE_SCALAR || !n->plain)
        return fail(L, n, "expected a whole number for '%s', not %s", what,
                    n->kind == YTREE_SCALAR ? "a quoted string" : kind_name(n));
    char *end;
    errno = 0;
    unsigned long long x = strtoull(n->str, &end, 10);
    if (n->str[0] < '0' || n->str[0] > '9' || *end)
        return fail(L, n, "expected a whole number >= 0 for '%s', got '%s'", what, n->str);
    if (errno == ERANGE || x > UINT64_MAX)
        return fail(L, n, "'%s' must be at most %llu (got %s)", what,
                    (unsigned long long)UINT64_MAX, n->str);
    *v = (uint64_t)x;
    return 0;
}

static int get_bool(ld_t *L, const ytree_node_t *n, const char *what, int *v)
{
    if (n->kind == YTREE_SCALAR && n->plain && strcmp(n->str, "true") == 0)
        *v = 1;
    else if (n->kind == YTREE_SCALAR && n->plain && strcmp(n->str, "false") == 0)
        *v = 0;
    else
        return fail(L, n, "expected true or false for '%s', got %s%s%s", what,
                    n->kind == YTREE_SCALAR ? "'" : "",
                    n->kind == YTREE_SCALAR ? n->str : kind_name(n),
                    n->kind == YTREE_SCALAR ? "'" : "");
    return 0;
}

static int get_str(ld_t *L, const ytree_node_t *n, const char *what, const char **s)
{
    if (n->kind != YTREE_SCALAR)
        return fail(L, n, "expected a string for '%s', not %s", what, kind_name(n));
    *s = n->str;
    return 0;
}

static int get_date(ld_t *L, const ytree_node_t *n, const char *what, long *day)
{
    const char *s = NULL;
    if (get_str(L, n, what, &s) < 0)
        return -1;
    if (cal_parse(s, day) < 0)
        return fail(L, n, "invalid date '%s' for '%s' (expected a real date YYYY-MM-DD)",
                    s, what);
    return 0;
}

static int is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int is_slug(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-'))
            return 0;
    return 1;
}

static int get_slug(ld_t *L, const ytree_node_t *n, const char *what, const char **s)
{
    if (get_str(L, n, what, s) < 0)
        return -1;
    if (!is_slug(*s))
        return fail(L, n, "invalid %s '%s': use lower-case letters, digits, '_' and '-', "
                          "starting with a letter or digit", what, *s);
    return 0;
}

static int check_name(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_SCALAR)
        return fail(L, n, "expected a %s name, not %s", what, kind_name(n));
    if (!is_name(n->str))
        return fail(L, n, "invalid %s name '%s': use letters, digits, '_' and '-'", what,
                    n->str);
    return 0;
}

/* ---- names: stages and flags --------------------------------------------------- */

/* Stage named by scalar n: its index, or SCN_EXIT for `exit` when allowed. */
static int stage_ref(ld_t *L, const ytree_node_t *n, const char *what, int allow_exit,
                     int *idx)
{
    const scenario_t *sc = L->sc;
    if (n->kind != YTREE_SCALAR)
        return fail(L, n, "expected a stage name in %s, not %s", what, kind_name(n));
    if (allow_exit && strcmp(n->str, "exit") == 0) {
        *idx = SCN_EXIT;
        return 0;
    }
    *idx = scenario_stage_index(sc, n->str);
    if (*idx >= 0)
        return 0;
    const char *names[SCN_MAX_STAGES + 1];
    int k = 0;
    for (int i = 0; i < sc->n_stages; i++)
        names[k++] = sc->stages[i].name;
    if (allow_exit)
        names[k++] = "exit";
    char s[96];
    return fail(L, n, "unknown stage '%s' in %s%s", n->str, what,
                suggest(s, sizeof s, n->str, names, k));
}

static int flag_find(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_flags; i++)
        if (strcmp(sc->flags[i], name) == 0)
            return i;
    return -1;
}

/* A flag named by an arrival or initial entry: its bit, adding it when new. */
static int flag_intern(ld_t *L, const ytree_node_t *n, int *bit)
{
    scenario_t *sc = L->sc;
    if (check_name(L, n, "flag") < 0)
        return -1;
    if ((*bit = flag_find(sc, n->str)) >= 0)
        return 0;
    if (sc->n_flags >= SCN_MAX_FLAGS)
        return fail(L, n, "too many flags (more than %d)", SCN_MAX_FLAGS);
    if (!(sc->flags[sc->n_flags] = xstrdup(L, n, n->str)))
        return -1;
    *bit = sc->n_flags++;
    return 0;
}

/* A flag used in `when:`: must be one the arrivals or initial entries name. */
static int flag_ref(ld_t *L, const ytree_node_t *n, int *bit)
{
    const scenario_t *sc = L->sc;
    if (n->kind != YTREE_SCALAR)
        return fail(L, n, "expected a flag name, not %s", kind_name(n));
    if ((*bit = flag_find(sc, n->str)) >= 0)
        return 0;
    char s[96];
    return fail(L, n, "unknown flag '%s' (flags are named by arrivals and initial)%s",
                n->str, suggest(s, sizeof s, n->str, (const char *const *)sc->flags,
                                sc->n_flags));
}

/* ---- distributions ------------------------------------------------------------- */

static const char *const dist_names[] = {
#define DIST_NAME(e, s) s,
    DIST_KIND_MAP(DIST_NAME)
#undef DIST_NAME
    NULL};

/* Parameter keys of each family, as in the format's table. */
static const char *const dist_params[DIST_KIND_N][3] = {
    [DIST_EXPONENTIAL] = {"mean"},       [DIST_GAMMA] = {"mean", "sd"},
    [DIST_LOGNORMAL] = {"mean", "sd"},   [DIST_WEIBULL] = {"shape", "scale"},
    [DIST_UNIFORM] = {"min", "max"},     [DIST_FIXED] = {"value"},
    [DIST_EMPIRICAL] = {"cdf"},
};

static double *dist_field(dist_t *d, const char *key)
{
    if (!strcmp(key, "mean"))
        return &d->mean;
    if (!strcmp(key, "sd"))
        return &d->sd;
    if (!strcmp(key, "shape"))
        return &d->shape;
    if (!strcmp(key, "scale"))
        return &d->scale;
    if (!strcmp(key, "min"))
        return &d->min;
    if (!strcmp(key, "max"))
        return &d->max;
    return &d->value;
}

/* cdf: [[days, p], ...]; the arrays belong to d as soon as they exist. */
static int parse_cdf(ld_t *L, const ytree_node_t *n, dist_t *d)
{
    if (want_seq(L, n, "cdf") < 0)
        return -1;
    if (n->n) {
        if (!(d->x = xcalloc(L, n, (size_t)n->n, sizeof *d->x)) ||
            !(d->p = xcalloc(L, n, (size_t)n->n, sizeof *d->p)))
            return -1;
    }
    d->n = n->n;
    for (int i = 0; i < n->n; i++) {
        const ytree_node_t *pt = n->val[i];
        if (pt->kind != YTREE_SEQ || pt->n != 2)
            return fail(L, pt, "each cdf point must be a list [days, p]");
        if (get_num(L, pt->val[0], "cdf days", &d->x[i]) < 0 ||
            get_prob(L, pt->val[1], "cdf p", &d->p[i]) < 0)
            return -1;
    }
    return 0;
}

/* A dist map ({dist: NAME, params...}) into d (zeroed by the caller), checked by
 * dist_init(d, nonneg); its errors are reported at the map. */
static int parse_dist(ld_t *L, const ytree_node_t *n, const char *what, int nonneg,
                      dist_t *d)
{
    const ytree_node_t *k;
    const char *name = NULL;
    char s[96];
    if (want_map(L, n, what) < 0 || !(k = need(L, n, "dist", what)) ||
        get_str(L, k, "dist", &name) < 0)
        return -1;
    int kind = dist_kind_from_name(name);
    if (kind < 0)
        return fail(L, k, "unknown distribution '%s' (expected exponential, gamma, "
                          "lognormal, weibull, uniform, fixed or empirical)%s",
                    name, suggest(s, sizeof s, name, dist_names, DIST_KIND_N));
    const char *allowed[5] = {"dist"};
    int na = 1;
    for (int i = 0; i < 3 && dist_params[kind][i]; i++)
        allowed[na++] = dist_params[kind][i];
    char ctx[96];
    snprintf(ctx, sizeof ctx, "%s (dist: %s)", what, name);
    if (check_keys(L, n, allowed, ctx) < 0)
        return -1;
    d->kind = (dist_kind_t)kind;
    for (int i = 1; i < na; i++) {
        const ytree_node_t *v = need(L, n, allowed[i], ctx);
        if (!v)
            return -1;
        if (kind == DIST_EMPIRICAL ? parse_cdf(L, v, d) < 0
                                   : get_num(L, v, allowed[i], dist_field(d, allowed[i])) < 0)
            return -1;
    }
    int rc = dist_init(d, nonneg);
    if (rc < 0)
        return fail(L, n, "invalid %s: %s", what, dist_strerror(rc));
    return 0;
}

/* uniform(0, max_age): the default age of arrivals. */
static int default_age(ld_t *L, const ytree_node_t *at, dist_t *d)
{
    memset(d, 0, sizeof *d);
    d->kind = DIST_UNIFORM;
    d->min = 0;
    d->max = L->sc->max_age;
    int rc = dist_init(d, 1);
    if (rc < 0)
        return fail(L, at, "default age: %s", dist_strerror(rc));
    return 0;
}

/* ---- top level ----------------------------------------------------------------- */

static const char *const top_keys[] = {
    "version", "name", "title", "start", "horizon_days", "end", "warmup_days",
    "report_every_days", "replications", "seed", "max_age", "stages", "arrivals",
    "initial", "pools", "observed", "costs", "strands", "uncertain", NULL};

static int parse_top(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *v, *h, *e;
    const char *s = NULL;
    long long ll = 0;
    long end = 0;

    if (check_keys(L, root, top_keys, "the scenario") < 0)
        return -1;
    if (!(v = need(L, root, "version", "the scenario")))
        return -1;
    if (v->kind != YTREE_SCALAR || !v->plain || strcmp(v->str, "1") != 0)
        return fail(L, v, "version must be 1 (got %s%s%s)", v->kind == YTREE_SCALAR ? "'" : "",
                    v->kind == YTREE_SCALAR ? v->str : kind_name(v),
                    v->kind == YTREE_SCALAR ? "'" : "");
    if (!(v = need(L, root, "name", "the scenario")) || get_slug(L, v, "scenario name", &s) < 0 ||
        !(sc->name = xstrdup(L, v, s)))
        return -1;
    s = sc->name;
    if ((v = ytree_get(root, "title", NULL)) && get_str(L, v, "title", &s) < 0)
        return -1;
    if (!(sc->title = xstrdup(L, root, s)))
        return -1;
    if (!(v = need(L, root, "start", "the scenario")) || get_date(L, v, "start", &sc->start) < 0)
        return -1;

    /* exactly one of horizon_days and end */
    h = ytree_get(root, "horizon_days", NULL);
    e = ytree_get(root, "end", NULL);
    if (h && e)
        return fail(L, key_of(root, "end"), "give either horizon_days or end, not both");
    if (!h && !e)
        return fail(L, root, "missing required key 'horizon_days' (or 'end') in the scenario");
    if (h) {
        if (get_gt0(L, h, "horizon_days", &sc->horizon) < 0)
            return -1;
        if (sc->horizon > MAX_HORIZON)
            return fail(L, h, "horizon_days is too long (more than %.0f days, 200 years)",
                        MAX_HORIZON);
    } else {
        if (get_date(L, e, "end", &end) < 0)
            return -1;
        if (end <= sc->start)
            return fail(L, e, "end must be after start");
        if (end - sc->start > MAX_HORIZON)
            return fail(L, e, "end is too far after start (more than %.0f days, 200 years)",
                        MAX_HORIZON);
        sc->horizon = (double)(end - sc->start);
    }
    if ((v = ytree_get(root, "warmup_days", NULL))) {
        if (get_ge0(L, v, "warmup_days", &sc->warmup) < 0)
            return -1;
        if (sc->warmup >= sc->horizon)
            return fail(L, v, "warmup_days must be less than the horizon (%g days)",
                        sc->horizon);
    }
    sc->report_monthly = 1;
    if ((v = ytree_get(root, "report_every_days", NULL)) &&
        !(v->kind == YTREE_SCALAR && strcmp(v->str, "month") == 0)) {
        if (get_gt0(L, v, "report_every_days", &sc->report_every) < 0)
            return -1;
        /* refuse absurd output sizes */
        if (sc->horizon / sc->report_every > MAX_REPORT_STEPS)
            return fail(L, v, "report_every_days gives too many report steps (more than %.0f)",
                        MAX_REPORT_STEPS);
        sc->report_monthly = 0;
    }
    sc->replications = 20;
    if ((v = ytree_get(root, "replications", NULL))) {
        if (get_int(L, v, "replications", 1, MAX_REPLICATIONS, &ll) < 0)
            return -1;
        sc->replications = (int)ll;
    }
    sc->seed = 1;
    if ((v = ytree_get(root, "seed", NULL)) && get_u64(L, v, "seed", &sc->seed) < 0)
        return -1;
    sc->max_age = 18;
    if ((v = ytree_get(root, "max_age", NULL)) && get_gt0(L, v, "max_age", &sc->max_age) < 0)
        return -1;

    return 0;
}

/* ---- stages -------------------------------------------------------------------- */

static const char *const stage_keys[] = {"title", "open_case", "duration", "next", "adjust",
                                         NULL};

/* Pass 1: names, so that anything may refer to any stage. */
static int parse_stage_names(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *m = need(L, root, "stages", "the scenario");
    if (!m || want_map(L, m, "stages") < 0)
        return -1;
    if (m->n == 0)
        return fail(L, m, "stages must name at least one stage");
    if (m->n > SCN_MAX_STAGES)
        return fail(L, m->key[SCN_MAX_STAGES], "too many stages (more than %d)",
                    SCN_MAX_STAGES);
    if (!(sc->stages = xcalloc(L, m, (size_t)m->n, sizeof *sc->stages)))
        return -1;
    sc->n_stages = m->n;
    for (int i = 0; i < m->n; i++) {
        scn_stage_t *st = &sc->stages[i];
        st->pool = -1;
        if (check_name(L, m->key[i], "stage") < 0)
            return -1;
        if (!strcmp(m->key[i]->str, "exit") || !strcmp(m->key[i]->str, "all"))
            return fail(L, m->key[i], "'%s' is reserved and cannot name a stage",
                        m->key[i]->str);
        if (!(st->name = xstrdup(L, m->key[i], m->key[i]->str)))
            return -1;
    }
    return 0;
}

static const char *const when_keys[] = {"age", "flag", "not_flag", "history_min", NULL};

static int parse_when(ld_t *L, const ytree_node_t *n, scn_when_t *w)
{
    const ytree_node_t *v;
    const ytree_node_t *const *items = NULL;
    int count = 0, bit = 0;
    w->age_min = -INFINITY;
    w->age_max = INFINITY;
    if (want_map(L, n, "when") < 0 || check_keys(L, n, when_keys, "when") < 0)
        return -1;
    if ((v = ytree_get(n, "age", NULL))) {
        if (v->kind != YTREE_SEQ || v->n != 2)
            return fail(L, v, "age in when must be a list [min, max) of two numbers (years)");
        if (get_num(L, v->val[0], "age", &w->age_min) < 0 ||
            get_num(L, v->val[1], "age", &w->age_max) < 0)
            return -1;
        if (!(w->age_min < w->age_max))
            return fail(L, v, "age range [%s, %s) in when is empty", v->val[0]->str,
                        v->val[1]->str);
    }
    static const char *const fk[2] = {"flag", "not_flag"};
    for (int k = 0; k < 2; k++) {
        const ytree_node_t *fn = ytree_get(n, fk[k], NULL);
        if (!fn)
            continue;
        if (name_list(L, &fn, fk[k], &items, &count) < 0)
            return -1;
        for (int i = 0; i < count; i++) {
            if (flag_ref(L, items[i], &bit) < 0)
                return -1;
            if (k == 1 && (w->flags_all >> bit & 1))
                return fail(L, items[i], "flag '%s' is both required and excluded",
                            items[i]->str);
            *(k == 0 ? &w->flags_all : &w->flags_none) |= (uint64_t)1 << bit;
        }
    }
    if ((v = ytree_get(n, "history_min", NULL))) {
        long long h = 0;
        if (get_int(L, v, "history_min", 0, INT_MAX, &h) < 0)
            return -1;
        w->history_min = (int)h;
    }
    return 0;
}

static int parse_adjust(ld_t *L, scn_stage_t *st, const ytree_node_t *n, scn_adjust_t *a)
{
    static const char *const keys[] = {"when", "odds", NULL};
    const ytree_node_t *v, *odds;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "an adjust of stage '%s'", st->name);
    if (want_map(L, n, "each adjust") < 0 || check_keys(L, n, keys, ctx) < 0)
        return -1;
    a->when.age_min = -INFINITY;
    a->when.age_max = INFINITY;
    /* `when` may be left out: the odds then apply to every child */
    if ((v = ytree_get(n, "when", NULL)) && parse_when(L, v, &a->when) < 0)
        return -1;
    if (!(odds = need(L, n, "odds", ctx)) || want_map(L, odds, "odds") < 0)
        return -1;
    if (odds->n) {
        if (!(a->target = xcalloc(L, odds, (size_t)odds->n, sizeof *a->target)) ||
            !(a->odds = xcalloc(L, odds, (size_t)odds->n, sizeof *a->odds)))
            return -1;
    }
    a->n = odds->n;
    for (int i = 0; i < odds->n; i++) {
        const char *t = odds->key[i]->str;
        int j;
        for (j = 0; j < st->n_next; j++) {
            int s = st->next_stage[j];
            if (!strcmp(t, s == SCN_EXIT ? "exit" : L->sc->stages[s].name))
                break;
        }
        if (j == st->n_next)
            return fail(L, odds->key[i], "odds target '%s' is not in the next of stage '%s'",
                        t, st->name);
        a->target[i] = j;
        if (get_ge0(L, odds->val[i], "odds", &a->odds[i]) < 0)
            return -1;
    }
    /* the row must keep some weight */
    double sum = 0;
    for (int j = 0; j < st->n_next; j++) {
        double w = st->next_p[j];
        for (int i = 0; i < a->n; i++)
            if (a->target[i] == j)
                w *= a->odds[i];
        sum += w;
    }
    if (!(sum > 0))
        return fail(L, odds, "these odds make the weight of every target of stage '%s' zero",
                    st->name);
    return 0;
}

/* Pass 2: everything else about a stage (after flags are known). */
static int parse_stage(ld_t *L, scn_stage_t *st, const ytree_node_t *n)
{
    const ytree_node_t *v;
    const char *s = NULL;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "stage '%s'", st->name);
    if (want_map(L, n, ctx) < 0 || check_keys(L, n, stage_keys, ctx) < 0)
        return -1;
    s = st->name;
    if ((v = ytree_get(n, "title", NULL)) && get_str(L, v, "title", &s) < 0)
        return -1;
    if (!(st->title = xstrdup(L, n, s)))
        return -1;
    st->open_case = 1;
    if ((v = ytree_get(n, "open_case", NULL)) && get_bool(L, v, "open_case", &st->open_case) < 0)
        return -1;
    if (!(v = need(L, n, "duration", ctx)) || parse_dist(L, v, "duration", 1, &st->duration) < 0)
        return -1;

    /* next: default {exit: 1} */
    const ytree_node_t *nx = ytree_get(n, "next", NULL);
    int nn = nx ? nx->n : 1;
    if (nx && want_map(L, nx, "next") < 0)
        return -1;
    if (nn == 0)
        return fail(L, nx, "next must list at least one target");
    if (!(st->next_stage = xcalloc(L, n, (size_t)nn, sizeof *st->next_stage)) ||
        !(st->next_p = xcalloc(L, n, (size_t)nn, sizeof *st->next_p)))
        return -1;
    st->n_next = nn;
    if (!nx) {
        st->next_stage[0] = SCN_EXIT;
        st->next_p[0] = 1;
    } else {
        double sum = 0;
        for (int i = 0; i < nn; i++) {
            if (stage_ref(L, nx->key[i], "next", 1, &st->next_stage[i]) < 0 ||
                get_prob(L, nx->val[i], nx->key[i]->str, &st->next_p[i]) < 0)
                return -1;
            sum += st->next_p[i];
        }
        if (fabs(sum - 1) > ROUTE_TOL)
            return fail(L, nx, "the probabilities in next of stage '%s' sum to %.10g, not 1",
                        st->name, sum);
    }

    const ytree_node_t *adj = ytree_get(n, "adjust", NULL);
    if (adj) {
        if (want_seq(L, adj, "adjust") < 0)
            return -1;
        if (adj->n && !(st->adjust = xcalloc(L, adj, (size_t)adj->n, sizeof *st->adjust)))
            return -1;
        st->n_adjust = adj->n;
        for (int i = 0; i < adj->n; i++)
            if (parse_adjust(L, st, adj->val[i], &st->adjust[i]) < 0)
                return -1;
    }
    return 0;
}

/* ---- attributes (arrivals and initial) ----------------------------------------- */

/* `flags: {NAME: p}` or `profiles: [{weight, flags: [NAMES]}]` of map m (the caller
 * has checked that not both are given). Sets *given when either is present. */
static int parse_attr_flags(ld_t *L, const ytree_node_t *m, scn_attrs_t *a, int *given)
{
    const ytree_node_t *f = ytree_get(m, "flags", NULL);
    const ytree_node_t *p = ytree_get(m, "profiles", NULL);
    *given = f || p;
    if (f && p)
        return fail(L, key_of(m, "profiles"), "give flags or profiles, not both");
    if (f) {
        if (want_map(L, f, "flags") < 0)
            return -1;
        if (f->n && (!(a->flag = xcalloc(L, f, (size_t)f->n, sizeof *a->flag)) ||
                     !(a->flag_p = xcalloc(L, f, (size_t)f->n, sizeof *a->flag_p))))
            return -1;
        a->n_flag = f->n;
        for (int i = 0; i < f->n; i++)
            if (flag_intern(L, f->key[i], &a->flag[i]) < 0 ||
                get_prob(L, f->val[i], f->key[i]->str, &a->flag_p[i]) < 0)
                return -1;
    }
    if (p) {
        static const char *const keys[] = {"weight", "flags", NULL};
        double sum = 0;
        if (want_seq(L, p, "profiles") < 0)
            return -1;
        if (p->n == 0)
            return fail(L, p, "profiles must list at least one profile");
        if (!(a->mix = xcalloc(L, p, (size_t)p->n, sizeof *a->mix)))
            return -1;
        a->n_mix = p->n;
        for (int i = 0; i < p->n; i++) {
            const ytree_node_t *it = p->val[i], *w, *fl;
            const ytree_node_t *const *items = NULL;
            int count = 0, bit = 0;
            if (want_map(L, it, "each profile") < 0 || check_keys(L, it, keys, "a profile") < 0 ||
                !(w = need(L, it, "weight", "a profile")) ||
                get_ge0(L, w, "weight", &a->mix[i].weight) < 0)
                return -1;
            sum += a->mix[i].weight;
            if (!(fl = ytree_get(it, "flags", NULL)))
                continue;
            if (fl->kind == YTREE_SEQ && fl->n == 0)
                continue;
            if (name_list(L, &fl, "flags", &items, &count) < 0)
                return -1;
            for (int j = 0; j < count; j++) {
                if (flag_intern(L, items[j], &bit) < 0)
                    return -1;
                a->mix[i].flags |= (uint64_t)1 << bit;
            }
        }
        if (!(sum > 0))
            return fail(L, p, "the weights of profiles sum to 0");
        for (int i = 0; i < p->n; i++)
            a->mix[i].weight /= sum;
    }
    return 0;
}

/* Deep copy of src's flags and profiles into dst (whose arrays are empty). */
static int copy_attr_flags(ld_t *L, const ytree_node_t *at, scn_attrs_t *dst,
                           const scn_attrs_t *src)
{
    if (src->n_flag) {
        if (!(dst->flag = xcalloc(L, at, (size_t)src->n_flag, sizeof *dst->flag)) ||
            !(dst->flag_p = xcalloc(L, at, (size_t)src->n_flag, sizeof *dst->flag_p)))
            return -1;
        memcpy(dst->flag, src->flag, (size_t)src->n_flag * sizeof *dst->flag);
        memcpy(dst->flag_p, src->flag_p, (size_t)src->n_flag * sizeof *dst->flag_p);
        dst->n_flag = src->n_flag;
    }
    if (src->n_mix) {
        if (!(dst->mix = xcalloc(L, at, (size_t)src->n_mix, sizeof *dst->mix)))
            return -1;
        memcpy(dst->mix, src->mix, (size_t)src->n_mix * sizeof *dst->mix);
        dst->n_mix = src->n_mix;
    }
    return 0;
}

/* ---- arrivals ------------------------------------------------------------------ */

static const char *const arrival_keys[] = {
    "name", "to", "per_year", "per_day", "per_month", "process", "trend_per_year",
    "profile", "age", "flags", "profiles", NULL};

static int parse_profile(ld_t *L, const ytree_node_t *n, scn_steps_t *s)
{
    static const char *const keys[] = {"from", "multiplier", NULL};
    if (want_seq(L, n, "profile") < 0)
        return -1;
    if (n->n && (!(s->day = xcalloc(L, n, (size_t)n->n, sizeof *s->day)) ||
                 !(s->value = xcalloc(L, n, (size_t)n->n, sizeof *s->value))))
        return -1;
    s->n = n->n;
    for (int i = 0; i < n->n; i++) {
        const ytree_node_t *it = n->val[i], *f, *m;
        long day = 0;
        if (want_map(L, it, "each profile step") < 0 ||
            check_keys(L, it, keys, "a profile step") < 0 ||
            !(f = need(L, it, "from", "a profile step")) ||
            !(m = need(L, it, "multiplier", "a profile step")) ||
            get_date(L, f, "from", &day) < 0 ||
            get_ge0(L, m, "multiplier", &s->value[i]) < 0)
            return -1;
        s->day[i] = (double)(day - L->sc->start) - 1; /* from the start of that day */
        if (i > 0 && !(s->day[i] > s->day[i - 1]))
            return fail(L, f, "profile dates must be strictly ascending");
    }
    return 0;
}

static int parse_arrival(ld_t *L, int idx, const ytree_node_t *n)
{
    scenario_t *sc = L->sc;
    scn_arrival_t *ar = &sc->arrivals[idx];
    const ytree_node_t *v, *rate = NULL;
    const char *s = NULL;
    int given = 0;
    char ctx[96];
    static const char *const rates[3] = {"per_year", "per_day", "per_month"};
    static const double per_day[3] = {1 / CAL_DAYS_PER_YEAR, 1, 12 / CAL_DAYS_PER_YEAR};
    double factor = 1;

    if (want_map(L, n, "each arrival") < 0)
        return -1;
    if (!(v = need(L, n, "name", "an arrival")) || get_slug(L, v, "arrival name", &s) < 0)
        return -1;
    for (int i = 0; i < idx; i++)
        if (!strcmp(sc->arrivals[i].name, s))
            return fail(L, v, "arrival name '%s' is used twice", s);
    if (!(ar->name = xstrdup(L, v, s)))
        return -1;
    snprintf(ctx, sizeof ctx, "arrival '%s'", s);
    if (check_keys(L, n, arrival_keys, ctx) < 0)
        return -1;
    if (!(v = need(L, n, "to", ctx)) || stage_ref(L, v, "to", 0, &ar->to) < 0)
        return -1;
    sc->stages[ar->to].is_entry = 1;

    for (int i = 0; i < 3; i++) {
        if (!(v = ytree_get(n, rates[i], NULL)))
            continue;
        if (rate)
            return fail(L, key_of(n, rates[i]),
                        "give only one of per_year, per_day and per_month");
        rate = v;
        factor = per_day[i];
        if (get_ge0(L, v, rates[i], &ar->rate) < 0)
            return -1;
    }
    if (!rate)
        return fail(L, n, "missing required key 'per_year' (or 'per_day' or 'per_month') in %s",
                    ctx);
    ar->rate *= factor;

    if ((v = ytree_get(n, "process", NULL))) {
        if (get_str(L, v, "process", &s) < 0)
            return -1;
        if (!strcmp(s, "regular"))
            ar->regular = 1;
        else if (strcmp(s, "poisson") != 0)
            return fail(L, v, "unknown process '%s' (expected poisson or regular)", s);
    }
    if ((v = ytree_get(n, "trend_per_year", NULL))) {
        if (get_num(L, v, "trend_per_year", &ar->trend) < 0)
            return -1;
        if (!(ar->trend > -1))
            return fail(L, v, "trend_per_year must be greater than -1 (got %s)", v->str);
    }
    if ((v = ytree_get(n, "profile", NULL)) && parse_profile(L, v, &ar->profile) < 0)
        return -1;
    if ((v = ytree_get(n, "age", NULL)) ? parse_dist(L, v, "age", 1, &ar->attrs.age) < 0
                                        : default_age(L, n, &ar->attrs.age) < 0)
        return -1;
    return parse_attr_flags(L, n, &ar->attrs, &given);
}

static int parse_arrivals(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = need(L, root, "arrivals", "the scenario");
    if (!m || want_seq(L, m, "arrivals") < 0)
        return -1;
    if (m->n && !(L->sc->arrivals = xcalloc(L, m, (size_t)m->n, sizeof *L->sc->arrivals)))
        return -1;
    L->sc->n_arrivals = m->n;
    for (int i = 0; i < m->n; i++)
        if (parse_arrival(L, i, m->val[i]) < 0)
            return -1;
    return 0;
}

/* ---- initial ------------------------------------------------------------------- */

static int parse_initial(ld_t *L, const ytree_node_t *root)
{
    static const char *const keys[] = {"count", "age", "flags", "profiles", "elapsed", NULL};
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "initial", NULL);
    if (!m)
        return 0;
    if (want_map(L, m, "initial") < 0)
        return -1;
    if (m->n && !(sc->initial = xcalloc(L, m, (size_t)m->n, sizeof *sc->initial)))
        return -1;
    sc->n_initial = m->n;
    for (int i = 0; i < m->n; i++) {
        scn_initial_t *in = &sc->initial[i];
        const ytree_node_t *n = m->val[i], *c = n, *v;
        const scn_arrival_t *first = sc->n_arrivals ? &sc->arrivals[0] : NULL;
        long long count = 0;
        int given = 0;
        char ctx[96];
        if (stage_ref(L, m->key[i], "initial", 0, &in->stage) < 0)
            return -1;
        snprintf(ctx, sizeof ctx, "initial '%s'", m->key[i]->str);
        if (n->kind == YTREE_MAP) {
            if (check_keys(L, n, keys, ctx) < 0 || !(c = need(L, n, "count", ctx)))
                return -1;
        } else if (n->kind != YTREE_SCALAR) {
            return fail(L, n, "initial '%s' must be a count or a map, not a list",
                        m->key[i]->str);
        }
        if (get_int(L, c, "count", 0, MAX_INITIAL, &count) < 0)
            return -1;
        in->count = (long)count;
        /* age and flags default, each on its own, to the first arrival stream's */
        if ((v = ytree_get(n, "age", NULL))) {
            if (parse_dist(L, v, "age", 1, &in->attrs.age) < 0)
                return -1;
        } else if (first) {
            if (dist_copy(&in->attrs.age, &first->attrs.age) < 0)
                return fail(L, n, "out of memory");
        } else if (default_age(L, n, &in->attrs.age) < 0) {
            return -1;
        }
        if (n->kind == YTREE_MAP && parse_attr_flags(L, n, &in->attrs, &given) < 0)
            return -1;
        if (!given && first && copy_attr_flags(L, n, &in->attrs, &first->attrs) < 0)
            return -1;
        if ((v = ytree_get(n, "elapsed", NULL))) {
            const char *s = NULL;
            if (get_str(L, v, "elapsed", &s) < 0)
                return -1;
            if (!strcmp(s, "fresh"))
                in->fresh = 1;
            else if (strcmp(s, "equilibrium") != 0)
                return fail(L, v, "unknown elapsed '%s' (expected equilibrium or fresh)", s);
        }
    }
    return 0;
}

/* ---- pools --------------------------------------------------------------------- */

static const char *const pool_keys[] = {"workers", "absence", "caseload_cap", "serves",
                                        "priority", NULL};

/* workers: a number (one step at -infinity) or [{from, value}, ...] ascending. The
 * first step's day is stored as -infinity too: workers before the first date are the
 * first value, so workers.day[0] is always -INFINITY. */
static int parse_workers(ld_t *L, const ytree_node_t *n, scn_steps_t *s)
{
    static const char *const keys[] = {"from", "value", NULL};
    int k = n->kind == YTREE_SEQ ? n->n : 1;
    if (n->kind == YTREE_MAP)
        return fail(L, n, "workers must be a number or a list of {from, value}, not a map");
    if (k == 0)
        return fail(L, n, "workers must list at least one step");
    if (!(s->day = xcalloc(L, n, (size_t)k, sizeof *s->day)) ||
        !(s->value = xcalloc(L, n, (size_t)k, sizeof *s->value)))
        return -1;
    s->n = k;
    if (n->kind == YTREE_SCALAR) {
        s->day[0] = -INFINITY;
        return get_ge0(L, n, "workers", &s->value[0]);
    }
    for (int i = 0; i < k; i++) {
        const ytree_node_t *it = n->val[i], *f, *v;
        long day = 0;
        if (want_map(L, it, "each workers step") < 0 ||
            check_keys(L, it, keys, "a workers step") < 0 ||
            !(f = need(L, it, "from", "a workers step")) ||
            !(v = need(L, it, "value", "a workers step")) || get_date(L, f, "from", &day) < 0 ||
            get_ge0(L, v, "value", &s->value[i]) < 0)
            return -1;
        s->day[i] = (double)(day - L->sc->start) - 1; /* from the start of that day */
        if (i > 0 && !(s->day[i] > s->day[i - 1]))
            return fail(L, f, "workers dates must be strictly ascending");
    }
    s->day[0] = -INFINITY;
    return 0;
}

static int parse_pool(ld_t *L, int idx, const ytree_node_t *kn, const ytree_node_t *n)
{
    scenario_t *sc = L->sc;
    scn_pool_t *p = &sc->pools[idx];
    const ytree_node_t *v, *sv, *pr;
    char ctx[96];
    if (check_name(L, kn, "pool") < 0)
        return -1;
    /* pools share the `stage` column of the outputs with stages and `all` */
    if (strcmp(kn->str, "all") == 0 || scenario_stage_index(sc, kn->str) >= 0)
        return fail(L, kn, "pool '%s' has the name of a stage%s; outputs could not tell "
                           "them apart", kn->str, strcmp(kn->str, "all") == 0 ? " (all)" : "");
    if (!(p->name = xstrdup(L, kn, kn->str)))
        return -1;
    snprintf(ctx, sizeof ctx, "pool '%s'", p->name);
    if (want_map(L, n, ctx) < 0 || check_keys(L, n, pool_keys, ctx) < 0)
        return -1;
    if (!(v = need(L, n, "workers", ctx)) || parse_workers(L, v, &p->workers) < 0)
        return -1;
    if ((v = ytree_get(n, "absence", NULL))) {
        if (get_num(L, v, "absence", &p->absence) < 0)
            return -1;
        if (p->absence < 0 || p->absence >= 1)
            return fail(L, v, "absence must be in [0, 1) (got %s)", v->str);
    }
    if (!(v = need(L, n, "caseload_cap", ctx)) ||
        get_gt0(L, v, "caseload_cap", &p->caseload_cap) < 0)
        return -1;
    if (!(sv = need(L, n, "serves", ctx)) || want_map(L, sv, "serves") < 0)
        return -1;
    if (sv->n == 0)
        return fail(L, sv, "serves must name at least one stage");
    if (!(p->serves = xcalloc(L, sv, (size_t)sv->n, sizeof *p->serves)) ||
        !(p->serves_weight = xcalloc(L, sv, (size_t)sv->n, sizeof *p->serves_weight)))
        return -1;
    p->n_serves = sv->n;
    for (int i = 0; i < sv->n; i++) {
        int s = 0;
        if (stage_ref(L, sv->key[i], "serves", 0, &s) < 0)
            return -1;
        if (sc->stages[s].pool >= 0)
            return fail(L, sv->key[i], "stage '%s' is already served by pool '%s'",
                        sc->stages[s].name, sc->pools[sc->stages[s].pool].name);
        p->serves[i] = s;
        if (get_gt0(L, sv->val[i], "weight", &p->serves_weight[i]) < 0)
            return -1;
        sc->stages[s].pool = idx;
        sc->stages[s].weight = p->serves_weight[i];
        sc->stages[s].prio = -1; /* set below */
    }
    int n_prio = 0;
    if ((pr = ytree_get(n, "priority", NULL))) {
        if (want_seq(L, pr, "priority") < 0)
            return -1;
        for (int i = 0; i < pr->n; i++) {
            int s = 0;
            if (stage_ref(L, pr->val[i], "priority", 0, &s) < 0)
                return -1;
            if (sc->stages[s].pool != idx)
                return fail(L, pr->val[i], "priority stage '%s' is not served by pool '%s'",
                            pr->val[i]->str, p->name);
            if (sc->stages[s].prio >= 0)
                return fail(L, pr->val[i], "stage '%s' is listed twice in priority",
                            pr->val[i]->str);
            sc->stages[s].prio = i;
        }
        n_prio = pr->n;
    }
    for (int i = 0; i < p->n_serves; i++)
        if (sc->stages[p->serves[i]].prio < 0)
            sc->stages[p->serves[i]].prio = n_prio;
    p->n_levels = n_prio + 1;
    return 0;
}

static int parse_pools(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "pools", NULL);
    if (!m)
        return 0;
    if (want_map(L, m, "pools") < 0)
        return -1;
    if (m->n && !(L->sc->pools = xcalloc(L, m, (size_t)m->n, sizeof *L->sc->pools)))
        return -1;
    L->sc->n_pools = m->n;
    for (int i = 0; i < m->n; i++)
        if (parse_pool(L, i, m->key[i], m->val[i]) < 0)
            return -1;
    return 0;
}

/* ---- observed ------------------------------------------------------------------ */

static const char *const obs_keys[] = {"stages", "metric", "date", "from", "to",
                                       "value", "source", NULL};

/* A new zeroed item at the end of sc->observed (which owns it at once). */
static scn_observed_t *obs_append(ld_t *L, const ytree_node_t *at, int *cap)
{
    scenario_t *sc = L->sc;
    if (sc->n_observed >= MAX_OBSERVED) { /* inline and CSV rows count together */
        fail(L, at, "too many observed items (more than %d)", MAX_OBSERVED);
        return NULL;
    }
    if (sc->n_observed == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        scn_observed_t *o = realloc(sc->observed, (size_t)nc * sizeof *o);
        if (!o) {
            fail(L, at, "out of memory");
            return NULL;
        }
        sc->observed = o;
        *cap = nc;
    }
    scn_observed_t *o = &sc->observed[sc->n_observed++];
    memset(o, 0, sizeof *o);
    return o;
}

/* One item, inline or a CSV row turned into a map by load_csv. */
static int obs_item(ld_t *L, const ytree_node_t *n, scn_observed_t *o)
{
    const ytree_node_t *v, *st, *date, *from, *to;
    const ytree_node_t *const *items = NULL;
    int count = 0;
    size_t len = 1;
    long day = 0;
    const char *s = NULL;
    if (want_map(L, n, "each observed item") < 0 ||
        check_keys(L, n, obs_keys, "an observed item") < 0)
        return -1;
    if (!(st = need(L, n, "stages", "an observed item")) ||
        name_list(L, &st, "stages", &items, &count) < 0)
        return -1;
    if (count == 0)
        return fail(L, st, "stages must name at least one stage");
    for (int i = 0; i < count; i++) {
        int s_idx = 0;
        if (stage_ref(L, items[i], "observed stages", 0, &s_idx) < 0)
            return -1;
        if (o->stages >> s_idx & 1)
            return fail(L, items[i], "stage '%s' is listed twice", items[i]->str);
        o->stages |= (uint64_t)1 << s_idx;
        len += strlen(items[i]->str) + 1;
    }
    if (!(o->label = xcalloc(L, st, len, 1)))
        return -1;
    for (int i = 0; i < count; i++) {
        if (i)
            strcat(o->label, "+");
        strcat(o->label, items[i]->str);
    }

    o->metric = SCN_OBS_STOCK;
    if ((v = ytree_get(n, "metric", NULL))) {
        if (get_str(L, v, "metric", &s) < 0)
            return -1;
        if (!strcmp(s, "entries"))
            o->metric = SCN_OBS_ENTRIES;
        else if (strcmp(s, "stock") != 0)
            return fail(L, v, "unknown metric '%s' (expected stock or entries)", s);
    }
    date = ytree_get(n, "date", NULL);
    from = ytree_get(n, "from", NULL);
    to = ytree_get(n, "to", NULL);
    if (o->metric == SCN_OBS_STOCK) {
        if (from || to)
            return fail(L, from ? from : to, "from and to are for metric: entries; a stock "
                                             "is observed at a date");
        if (!(date = need(L, n, "date", "an observed stock")) ||
            get_date(L, date, "date", &day) < 0)
            return -1;
        o->day = (double)(day - L->sc->start);
        o->date = day;
    } else {
        long d0 = 0;
        if (date)
            return fail(L, date, "date is for metric: stock; entries are observed from a "
                                 "date to a date");
        if (!(from = need(L, n, "from", "observed entries")) ||
            !(to = need(L, n, "to", "observed entries")) || get_date(L, from, "from", &d0) < 0 ||
            get_date(L, to, "to", &day) < 0)
            return -1;
        if (day < d0)
            return fail(L, to, "to is before from");
        o->from = (double)(d0 - L->sc->start) - 1; /* the start of `from` */
        o->to = (double)(day - L->sc->start);       /* the end of `to` */
        o->date = day;
    }
    if (!(v = need(L, n, "value", "an observed item")) || get_ge0(L, v, "value", &o->value) < 0)
        return -1;
    if ((v = ytree_get(n, "source", NULL))) {
        if (get_str(L, v, "source", &s) < 0 || !(o->source = xstrdup(L, v, s)))
            return -1;
    }
    return 0;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer. Errors at `at` (the node
 * that named the file), or at FILE:1:1 when at is NULL. */
static int read_file(ld_t *L, const char *path, const ytree_node_t *at, char **buf,
                     size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t n = 0, cap = 4096;
    struct stat st;
    int e;
    if (!f)
        goto fail_errno;
    /* the size is a hint (the file may change): read until EOF or past the limit */
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < MAX_FILE_BYTES)
        cap = (size_t)st.st_size + 2;
    for (;;) {
        char *nb = realloc(b, cap);
        if (!nb)
            goto fail_errno;
        b = nb;
        n += fread(b + n, 1, cap - 1 - n, f);
        if (ferror(f))
            goto fail_errno;
        if (feof(f) || n > (size_t)MAX_FILE_BYTES)
            break;
        cap = 2 * cap > (size_t)MAX_FILE_BYTES + 2 ? (size_t)MAX_FILE_BYTES + 2 : 2 * cap;
    }
    fclose(f);
    if (n > (size_t)MAX_FILE_BYTES) {
        free(b);
        return failat(L, path, 1, 1, "file is too large (more than 16 MiB)");
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
fail_errno:
    e = errno;
    if (f)
        fclose(f);
    free(b);
    if (at)
        return fail(L, at, "cannot read '%s': %s", path, strerror(e));
    return failat(L, path, 1, 1, "cannot read the file: %s", strerror(e));
}

/* `rel` relative to the directory of `file`, in the arena. */
static char *relative_to(ld_t *L, const char *file, const char *rel)
{
    const char *slash = strrchr(file, '/');
    if (rel[0] == '/' || !slash || strncmp(file, SET_PREFIX, strlen(SET_PREFIX)) == 0)
        return ytree_strdup(L->yt, rel);
    size_t d = (size_t)(slash - file) + 1, r = strlen(rel);
    char *p = ytree_alloc(L->yt, d + r + 1);
    if (p) {
        memcpy(p, file, d);
        memcpy(p + d, rel, r + 1);
    }
    return p;
}

static void trim(char **s, char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Splits one line (without its newline) into fields, unquoting "..." ("" is a quote).
 * Fields are written NUL-terminated into `out` (as long as the line) and pointed to
 * by f[]; returns the number of fields, or -1 with *bad the 1-based column of a
 * malformed field. */
static int csv_split(char *line, char *end, char *out, char **f, int max, int *bad)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            *bad = n + 1;
            return -1;
        }
        char *s = p, *e;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        f[n] = out;
        if (s < end && *s == '"') {
            for (s++;; s++) {
                if (s >= end) {
                    *bad = n + 1;
                    return -1;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"')
                        s++;
                    else
                        break;
                }
                *out++ = *s;
            }
            for (s++; s < end && (*s == ' ' || *s == '\t'); s++)
                ;
            if (s < end && *s != ',') {
                *bad = n + 1;
                return -1;
            }
            e = s;
        } else {
            for (e = s; e < end && *e != ','; e++)
                ;
            char *a = s, *b = e;
            trim(&a, &b);
            memcpy(out, a, (size_t)(b - a));
            out += b - a;
        }
        *out++ = 0;
        n++;
        if (e >= end)
            return n;
        p = e + 1;
    }
}

#define CSV_MAX_COLS 7

/* observed `file: PATH`: a CSV with a header row naming columns among obs_keys; each
 * row becomes a map of plain scalars marked CSVPATH:LINE:COLUMN-NUMBER (empty fields
 * are left out) and is checked like an inline item. */
static int load_csv(ld_t *L, const ytree_node_t *at, int *cap)
{
    const char *path = NULL, *what = NULL;
    char *buf = NULL, *fields = NULL;
    size_t len;
    int rc = -1, line = 0, l, c, nh = -1, rows = 0;
    char *f[CSV_MAX_COLS];
    ytree_node_t *hdr[CSV_MAX_COLS];

    if (get_str(L, at, "file", &path) < 0)
        return -1;
    if (!(path = relative_to(L, at->file, path)))
        return fail(L, at, "out of memory");
    if (read_file(L, path, at, &buf, &len) < 0)
        return -1;
    if (ytree_check_text(buf, len, &l, &c, &what) < 0) {
        failat(L, path, l, c, "%s", what);
        goto done;
    }
    if (!(fields = malloc(len + 1))) {
        fail(L, at, "out of memory");
        goto done;
    }
    for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
        char *end;
        int bad = 0, n;
        line++;
        if (!(nl = memchr(p, '\n', (size_t)(buf + len - p))))
            nl = buf + len;
        end = nl;
        if (end > p && end[-1] == '\r')
            end--;
        char *a = p, *b = end;
        trim(&a, &b);
        if (a == b)
            continue; /* blank line */
        if ((n = csv_split(p, end, fields, f, CSV_MAX_COLS, &bad)) < 0) {
            if (bad > CSV_MAX_COLS)
                failat(L, path, line, bad, "too many columns (at most %d)", CSV_MAX_COLS);
            else
                failat(L, path, line, bad, "malformed quoted field");
            goto done;
        }
        if (nh < 0) { /* the header */
            for (int i = 0; i < n; i++) {
                char s[96];
                if (!(hdr[i] = ytree_scalar(L->yt, path, line, i + 1, f[i], 1))) {
                    fail(L, at, "out of memory");
                    goto done;
                }
                int known = 0;
                for (int j = 0; obs_keys[j]; j++)
                    known |= !strcmp(f[i], obs_keys[j]);
                if (!known) {
                    fail(L, hdr[i], "unknown column '%s' (expected date, stages, metric, "
                                    "value, source, from, to)%s",
                         f[i], suggest(s, sizeof s, f[i], obs_keys, count_of(obs_keys)));
                    goto done;
                }
                for (int j = 0; j < i; j++)
                    if (!strcmp(f[i], f[j])) {
                        fail(L, hdr[i], "column '%s' appears twice", f[i]);
                        goto done;
                    }
            }
            nh = n;
            continue;
        }
        if (n != nh) {
            failat(L, path, line, (n < nh ? n : nh) + 1, "row has %d fields, the header %d",
                   n, nh);
            goto done;
        }
        if (++rows > MAX_CSV_ROWS) {
            failat(L, path, line, 1, "too many rows (more than %d)", MAX_CSV_ROWS);
            goto done;
        }
        ytree_node_t *m = ytree_container(L->yt, YTREE_MAP, path, line, 1, n);
        if (!m) {
            fail(L, at, "out of memory");
            goto done;
        }
        for (int i = 0; i < n; i++) {
            ytree_node_t *v;
            if (!f[i][0])
                continue;
            if (!strcmp(hdr[i]->str, "stages")) { /* a+b+c -> [a, b, c] */
                int parts = 1;
                for (char *q = f[i]; *q; q++)
                    parts += *q == '+';
                v = ytree_container(L->yt, YTREE_SEQ, path, line, i + 1, parts);
                for (char *q = f[i], *e; v; q = e + 1) {
                    e = strchr(q, '+');
                    if (e)
                        *e = 0;
                    ytree_node_t *it = ytree_scalar(L->yt, path, line, i + 1, q, 1);
                    if (!it) {
                        v = NULL;
                        break;
                    }
                    if (!q[0]) {
                        fail(L, it, "empty stage name in stages");
                        goto done;
                    }
                    ytree_append(v, NULL, it);
                    if (!e)
                        break;
                }
            } else {
                v = ytree_scalar(L->yt, path, line, i + 1, f[i], 1);
            }
            if (!v) {
                fail(L, at, "out of memory");
                goto done;
            }
            ytree_node_t *k = ytree_scalar(L->yt, path, 1, i + 1, hdr[i]->str, 1);
            if (!k) {
                fail(L, at, "out of memory");
                goto done;
            }
            ytree_append(m, k, v);
        }
        scn_observed_t *o = obs_append(L, m, cap);
        if (!o || obs_item(L, m, o) < 0)
            goto done;
    }
    if (nh < 0) {
        failat(L, path, 1, 1, "empty CSV file: expected a header row");
        goto done;
    }
    rc = 0;
done:
    free(fields);
    free(buf);
    return rc;
}

static int parse_observed(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "observed", NULL);
    int cap = 0;
    if (!m)
        return 0;
    if (want_seq(L, m, "observed") < 0)
        return -1;
    for (int i = 0; i < m->n; i++) {
        const ytree_node_t *it = m->val[i], *f;
        if (it->kind == YTREE_MAP && (f = ytree_get(it, "file", NULL))) {
            for (int j = 0; j < it->n; j++)
                if (strcmp(it->key[j]->str, "file") != 0)
                    return fail(L, it->key[j], "unknown key '%s' in an observed item with "
                                               "file: (the columns go in the CSV file)",
                                it->key[j]->str);
            if (load_csv(L, f, &cap) < 0)
                return -1;
            continue;
        }
        scn_observed_t *o = obs_append(L, it, &cap);
        if (!o || obs_item(L, it, o) < 0)
            return -1;
    }
    return 0;
}

/* ---- costs --------------------------------------------------------------------- */

/* A new zeroed cost item at the end of sc->costs (which owns it at once). */
static scn_cost_t *cost_append(ld_t *L, const ytree_node_t *at, const char *component,
                               const char *item)
{
    scenario_t *sc = L->sc;
    scn_cost_t *c = realloc(sc->costs, (size_t)(sc->n_costs + 1) * sizeof *c);
    if (!c) {
        fail(L, at, "out of memory");
        return NULL;
    }
    sc->costs = c;
    c = &sc->costs[sc->n_costs++];
    memset(c, 0, sizeof *c);
    if (!(c->component = xstrdup(L, at, component)) || !(c->item = xstrdup(L, at, item)))
        return NULL;
    return c;
}

/* costs.stages.STAGE: {per_child_day: X} or {by_type: [{type, share, per_child_day}]} */
static int parse_stage_cost(ld_t *L, int s, const ytree_node_t *n)
{
    static const char *const keys[] = {"per_child_day", "by_type", NULL};
    static const char *const type_keys[] = {"type", "share", "per_child_day", NULL};
    const char *stage = L->sc->stages[s].name;
    char ctx[96], item[256];
    const ytree_node_t *v, *bt;
    double rate = 0;
    snprintf(ctx, sizeof ctx, "the costs of stage '%s'", stage);
    if (want_map(L, n, ctx) < 0 || check_keys(L, n, keys, ctx) < 0)
        return -1;
    v = ytree_get(n, "per_child_day", NULL);
    bt = ytree_get(n, "by_type", NULL);
    if (v && bt)
        return fail(L, key_of(n, "by_type"), "give per_child_day or by_type, not both");
    if (!v && !bt)
        return fail(L, n, "missing required key 'per_child_day' (or 'by_type') in %s", ctx);
    if (v) {
        scn_cost_t *c;
        if (get_ge0(L, v, "per_child_day", &rate) < 0 ||
            !(c = cost_append(L, v, "placement", stage)))
            return -1;
        c->kind = SCN_COST_CHILD_DAYS;
        c->ref = s;
        c->rate = rate;
        return 0;
    }
    if (want_seq(L, bt, "by_type") < 0)
        return -1;
    if (bt->n == 0)
        return fail(L, bt, "by_type must list at least one placement type");
    double sum = 0;
    for (int i = 0; i < bt->n; i++) {
        const ytree_node_t *t = bt->val[i], *tn;
        const char *tname = NULL;
        double share = 0;
        scn_cost_t *c;
        if (want_map(L, t, "each placement type") < 0 ||
            check_keys(L, t, type_keys, "a placement type") < 0 ||
            !(tn = need(L, t, "type", "a placement type")) || check_name(L, tn, "placement type") < 0 ||
            !(v = need(L, t, "share", "a placement type")) || get_prob(L, v, "share", &share) < 0 ||
            !(v = need(L, t, "per_child_day", "a placement type")) ||
            get_ge0(L, v, "per_child_day", &rate) < 0)
            return -1;
        tname = tn->str;
        for (int j = 0; j < i; j++)
            if (!strcmp(ytree_get(bt->val[j], "type", NULL)->str, tname))
                return fail(L, tn, "placement type '%s' is listed twice", tname);
        snprintf(item, sizeof item, "%s:%s", stage, tname);
        if (!(c = cost_append(L, t, "placement", item)))
            return -1;
        c->kind = SCN_COST_CHILD_DAYS;
        c->ref = s;
        c->rate = rate * share;
        sum += share;
    }
    if (fabs(sum - 1) > ROUTE_TOL)
        return fail(L, bt, "the shares in by_type of stage '%s' sum to %.10g, not 1", stage, sum);
    return 0;
}

/* costs: {currency, pools: {POOL: {per_worker_year}}, stages: {STAGE: ...}} */
static int parse_costs(ld_t *L, const ytree_node_t *root)
{
    static const char *const keys[] = {"currency", "pools", "stages", NULL};
    static const char *const pool_cost_keys[] = {"per_worker_year", NULL};
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "costs", NULL), *v;
    const char *cur = "GBP";
    if (m && m->kind == YTREE_SCALAR && (!m->str[0] || !strcmp(m->str, "~") || !strcmp(m->str, "null")))
        m = NULL; /* `costs:` with no value */
    if (m && (want_map(L, m, "costs") < 0 || check_keys(L, m, keys, "costs") < 0))
        return -1;
    if (m && (v = ytree_get(m, "currency", NULL)) && get_str(L, v, "currency", &cur) < 0)
        return -1;
    if (!(sc->currency = xstrdup(L, m ? m : root, cur)))
        return -1;
    if (!m)
        return 0;
    if ((v = ytree_get(m, "pools", NULL))) {
        if (want_map(L, v, "costs.pools") < 0)
            return -1;
        for (int i = 0; i < v->n; i++) {
            int p = scenario_pool_index(sc, v->key[i]->str);
            double rate = 0;
            const ytree_node_t *r;
            scn_cost_t *c;
            if (p < 0) {
                const char *names[YTREE_MAX_ITEMS];
                char s[96];
                for (int j = 0; j < sc->n_pools && j < YTREE_MAX_ITEMS; j++)
                    names[j] = sc->pools[j].name;
                return fail(L, v->key[i], "unknown pool '%s' in costs.pools%s", v->key[i]->str,
                            suggest(s, sizeof s, v->key[i]->str, names, sc->n_pools));
            }
            if (want_map(L, v->val[i], "the costs of a pool") < 0 ||
                check_keys(L, v->val[i], pool_cost_keys, "the costs of a pool") < 0 ||
                !(r = need(L, v->val[i], "per_worker_year", "the costs of a pool")) ||
                get_ge0(L, r, "per_worker_year", &rate) < 0 ||
                !(c = cost_append(L, r, "pool", sc->pools[p].name)))
                return -1;
            c->kind = SCN_COST_WORKER_YEARS;
            c->ref = p;
            c->rate = rate;
        }
    }
    if ((v = ytree_get(m, "stages", NULL))) {
        if (want_map(L, v, "costs.stages") < 0)
            return -1;
        for (int i = 0; i < v->n; i++) {
            int s = 0;
            if (stage_ref(L, v->key[i], "costs.stages", 0, &s) < 0 ||
                parse_stage_cost(L, s, v->val[i]) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- strands: the loader's side of models/strand.h ----------------------------- */

const scenario_t *ld_scenario(const ld_t *L) { return L->sc; }

int ld_fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return failat(L, n->file, n->line, n->col, "%s", msg);
}

int ld_number(ld_t *L, const ytree_node_t *m, const char *key, double lo, double hi,
              double *v)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    double x = 0;
    if (!n)
        return 0;
    if (get_num(L, n, key, &x) < 0)
        return -1;
    if (x < lo || x > hi) {
        if (hi == INFINITY)
            return fail(L, n, "'%s' must be at least %g (got %s)", key, lo, n->str);
        return fail(L, n, "'%s' must be between %g and %g (got %s)", key, lo, hi, n->str);
    }
    *v = x;
    return 0;
}

int ld_dist(ld_t *L, const ytree_node_t *m, const char *key, dist_t *d)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    if (!n)
        return 0;
    dist_free(d);
    memset(d, 0, sizeof *d);
    return parse_dist(L, n, key, 1, d);
}

typedef int (*bit_ref_fn)(ld_t *L, const ytree_node_t *n, const char *what, int *bit);

static int stage_bit(ld_t *L, const ytree_node_t *n, const char *what, int *bit)
{
    return stage_ref(L, n, what, 0, bit);
}

static int flag_bit(ld_t *L, const ytree_node_t *n, const char *what, int *bit)
{
    return flag_ref(L, n, bit);
}

/* m[key], a name or a list of names, as a bit set through ref; absent: *set unchanged.
 * `one`: what to say of an empty list, or NULL if it may be empty. */
static int name_set(ld_t *L, const ytree_node_t *m, const char *key, const char *one,
                    bit_ref_fn ref, uint64_t *set)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    const ytree_node_t *const *items = NULL;
    int count = 0, bit = 0;
    if (!n)
        return 0;
    if (name_list(L, &n, key, &items, &count) < 0)
        return -1;
    if (count == 0 && one)
        return fail(L, n, "'%s' must name at least one %s", key, one);
    *set = 0;
    for (int i = 0; i < count; i++) {
        if (ref(L, items[i], key, &bit) < 0)
            return -1;
        *set |= (uint64_t)1 << bit;
    }
    return 0;
}

int ld_stages(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set)
{
    return name_set(L, m, key, "stage", stage_bit, set);
}

int ld_flags(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set)
{
    return name_set(L, m, key, NULL, flag_bit, set);
}

int ld_age(ld_t *L, const ytree_node_t *m, const char *key, scn_when_t *w)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    double lo = 0, hi = 0;
    if (!v)
        return 0;
    if (v->kind != YTREE_SEQ || v->n != 2)
        return fail(L, v, "%s must be a list [min, max) of two numbers (years)", key);
    if (get_num(L, v->val[0], key, &lo) < 0 || get_num(L, v->val[1], key, &hi) < 0)
        return -1;
    if (!(lo < hi))
        return fail(L, v, "%s range [%s, %s) is empty", key, v->val[0]->str, v->val[1]->str);
    w->age_min = lo;
    w->age_max = hi;
    return 0;
}

/* A name among names[0..n): its index, or an error with a suggestion. */
static int name_ref(ld_t *L, const ytree_node_t *m, const char *key, const char *what,
                    const char *const *names, int n, int *idx)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    const char *s = NULL;
    char sg[96];
    if (!v)
        return 0;
    if (get_str(L, v, key, &s) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s)) {
            *idx = i;
            return 0;
        }
    return fail(L, v, "unknown %s '%s' in '%s'%s", what, s, key, suggest(sg, sizeof sg, s, names, n));
}

int ld_pool(ld_t *L, const ytree_node_t *m, const char *key, int *idx)
{
    const char *names[SCN_MAX_STAGES * 4];
    int n = 0;
    for (int i = 0; i < L->sc->n_pools && n < (int)(sizeof names / sizeof *names); i++)
        names[n++] = L->sc->pools[i].name;
    return name_ref(L, m, key, "pool", names, n, idx);
}

int ld_arrival(ld_t *L, const ytree_node_t *m, const char *key, int *idx)
{
    const char *names[YTREE_MAX_ITEMS];
    int n = 0;
    for (int i = 0; i < L->sc->n_arrivals && n < YTREE_MAX_ITEMS; i++)
        names[n++] = L->sc->arrivals[i].name;
    return name_ref(L, m, key, "arrival stream", names, n, idx);
}

int ld_choice(ld_t *L, const ytree_node_t *m, const char *key, const char *const *choices,
              int *v)
{
    return name_ref(L, m, key, "value", choices, count_of(choices), v);
}

int ld_odds(ld_t *L, const ytree_node_t *m, const char *key, scn_strand_t *s)
{
    const ytree_node_t *n = ytree_get(m, key, NULL);
    if (!n)
        return 0;
    if (want_map(L, n, key) < 0)
        return -1;
    free(s->odds_stage);
    free(s->odds);
    s->odds_stage = NULL;
    s->odds = NULL;
    s->n_odds = 0;
    if (n->n && (!(s->odds_stage = xcalloc(L, n, (size_t)n->n, sizeof *s->odds_stage)) ||
                 !(s->odds = xcalloc(L, n, (size_t)n->n, sizeof *s->odds))))
        return -1;
    s->n_odds = n->n;
    for (int i = 0; i < n->n; i++)
        if (stage_ref(L, n->key[i], key, 1, &s->odds_stage[i]) < 0 ||
            get_ge0(L, n->val[i], "odds", &s->odds[i]) < 0)
            return -1;
    return 0;
}

int ld_default_stages(ld_t *L, const ytree_node_t *at, const char *names, const char *key,
                      uint64_t *set)
{
    char buf[256];
    if (ytree_get(at, key, NULL))
        return 0; /* given: the caller reads it */
    snprintf(buf, sizeof buf, "%s", names);
    *set = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int s = scenario_stage_index(L->sc, t);
        if (s < 0)
            return fail(L, at, "strand '%s' works on stage '%s' by default, which this "
                               "scenario does not have: give '%s'",
                        L->sc->strands[L->strand].name, t, key);
        *set |= (uint64_t)1 << s;
    }
    return 0;
}

int ld_cost(ld_t *L, const ytree_node_t *at, const scn_strand_t *s, const char *part,
            scn_cost_kind_t kind, double rate)
{
    char item[256];
    scn_cost_t *c;
    if (rate == 0)
        return 0;
    snprintf(item, sizeof item, "%s%s%s", s->name, part ? ":" : "", part ? part : "");
    if (!(c = cost_append(L, at, "strand", item)))
        return -1;
    c->kind = kind;
    c->ref = L->strand;
    c->rate = rate;
    return 0;
}

/* ---- strands ------------------------------------------------------------------- */

static const char *const strand_common_keys[] = {"name", "type", "start", "end",
                                                 "ramp_months", NULL};

/* A date key of a strand: the start of that date, in days (day D - start - 1). */
static int strand_date(ld_t *L, const ytree_node_t *m, const char *key, double *day)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    long d = 0;
    if (!v)
        return 0;
    if (get_date(L, v, key, &d) < 0)
        return -1;
    *day = (double)(d - L->sc->start - 1);
    return 0;
}

static int parse_strand(ld_t *L, int idx, const ytree_node_t *n)
{
    scenario_t *sc = L->sc;
    scn_strand_t *s = &sc->strands[idx];
    const ytree_node_t *tv;
    const char *tname = NULL, *name = NULL;
    const strand_type_t *type;
    char sg[96];
    if (want_map(L, n, "each strand") < 0 || !(tv = need(L, n, "type", "a strand")) ||
        get_str(L, tv, "type", &tname) < 0)
        return -1;
    if (!(type = strand_type_find(tname))) {
        const char *names[64];
        int k = 0;
        for (const strand_type_t *t; k < 64 && (t = strand_type_at(k)); k++)
            names[k] = t->name;
        return fail(L, tv, "unknown strand type '%s'%s", tname,
                    suggest(sg, sizeof sg, tname, names, k));
    }
    /* the allowed keys: the common ones, then the type's own */
    const char *allowed[128];
    int na = 0;
    for (int i = 0; strand_common_keys[i]; i++)
        allowed[na++] = strand_common_keys[i];
    for (int i = 0; type->keys[i] && na < 127; i++)
        allowed[na++] = type->keys[i];
    allowed[na] = NULL;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "a strand of type '%s'", type->name);
    if (check_keys(L, n, allowed, ctx) < 0)
        return -1;
    name = type->name;
    const ytree_node_t *nv = ytree_get(n, "name", NULL);
    if (nv && check_name(L, nv, "strand") < 0)
        return -1;
    if (nv)
        name = nv->str;
    const ytree_node_t *at = nv ? nv : tv;
    if (scenario_strand_index(sc, name) >= 0)
        return fail(L, at, "two strands are named '%s': give each a distinct name", name);
    if (scenario_stage_index(sc, name) >= 0 || scenario_pool_index(sc, name) >= 0 ||
        !strcmp(name, "all"))
        return fail(L, at, "strand '%s' has the name of a stage or pool; outputs could not "
                           "tell them apart: give it another name", name);
    if (!(s->name = xstrdup(L, at, name)))
        return -1;
    s->type = type->name;
    s->start = -INFINITY;
    s->stop = INFINITY;
    s->pool = s->arrival = -1;
    s->when.age_min = -INFINITY;
    s->when.age_max = INFINITY;
    s->refer_p = s->takeup_p = 1;
    s->places = INFINITY;
    s->engage_p[SCN_ENGAGE_WELL] = 1;
    s->engage_effect[SCN_ENGAGE_WELL] = 1;
    s->engage_effect[SCN_ENGAGE_PARTLY] = 0.5;
    s->dur_factor = 1;
    double months = 0;
    if (strand_date(L, n, "start", &s->start) < 0 || strand_date(L, n, "end", &s->stop) < 0 ||
        ld_number(L, n, "ramp_months", 0, 1200, &months) < 0)
        return -1;
    if (s->stop <= s->start)
        return fail(L, key_of(n, "end"), "strand '%s' must end after it starts", name);
    s->ramp = months * CAL_DAYS_PER_YEAR / 12;
    L->strand = idx;
    if (type->parse(L, n, s) < 0)
        return -1;
    if (s->stages && s->duration.kind == DIST_KIND_N)
        return fail(L, n, "strand '%s' has places but no duration", name);
    return 0;
}

static int parse_strands(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "strands", NULL);
    if (!m || (m->kind == YTREE_SCALAR && (!m->str[0] || !strcmp(m->str, "~") || !strcmp(m->str, "null"))))
        return 0;
    if (want_seq(L, m, "strands") < 0)
        return -1;
    if (m->n > SCN_MAX_STRANDS)
        return fail(L, m->val[SCN_MAX_STRANDS], "too many strands (more than %d)", SCN_MAX_STRANDS);
    if (m->n && !(L->sc->strands = xcalloc(L, m, (size_t)m->n, sizeof *L->sc->strands)))
        return -1;
    for (int i = 0; i < m->n; i++) {
        L->sc->n_strands = i + 1; /* owned (and freed) from now on */
        L->sc->strands[i].duration.kind = DIST_KIND_N; /* "no duration yet" */
        if (parse_strand(L, i, m->val[i]) < 0)
            return -1;
    }
    return 0;
}

/* ---- uncertain ----------------------------------------------------------------- */

/* Does a list item answer to `seg` in a --set path: its `name`, or, when it has no
 * name, its `type` (a strand's name defaults to its type; a `by_type` share has a
 * type and no name)? */
static int item_named(const ytree_node_t *item, const char *seg)
{
    const ytree_node_t *nm = ytree_get(item, "name", NULL);
    if (!nm)
        nm = ytree_get(item, "type", NULL);
    return nm && nm->kind == YTREE_SCALAR && !strcmp(nm->str, seg);
}

static int is_empty_doc(const ytree_node_t *r);
static int set_path(ld_t *L, ytree_node_t **root, const char *path, ytree_node_t *val,
                    const ytree_node_t *at, const char *file);

/* Checks that `path` could be a --set path of the merged tree, by setting it in a copy
 * (set_path copies what it changes): every segment but the last names a map key or a
 * list item, and the last a scalar or a key its map does not have yet (an optional key,
 * checked when a design point sets it). Whether a value is valid there is checked by
 * loading the scenario with it (careflow sensitivity and validate do, at each
 * parameter's low and high values). Errors point at `at`. */
static int check_set_path(ld_t *L, const ytree_node_t *root, const ytree_node_t *at,
                          const char *path)
{
    size_t first = strcspn(path, ".");
    if ((first == 9 && !strncmp(path, "uncertain", 9)) || (first == 7 && !strncmp(path, "include", 7)))
        return fail(L, at, "'%.*s' cannot be uncertain", (int)first, path);
    ytree_node_t *copy = (ytree_node_t *)root; /* set_path clones before it writes */
    ytree_node_t *val = ytree_scalar(L->yt, at->file, at->line, at->col, "0", 1);
    if (!val)
        return fail(L, at, "out of memory");
    return set_path(L, &copy, path, val, at, NULL);
}

static int is_int_text(const char *s)
{
    char *end;
    errno = 0;
    (void)strtoll(s, &end, 10);
    return end != s && !*end && errno != ERANGE;
}

static int parse_uncertain_item(ld_t *L, const ytree_node_t *root, const ytree_node_t *n,
                                scn_uncertain_t *u)
{
    static const char *const keys[SA_DIST_N][8] = {
        [SA_UNIFORM] = {"path", "label", "dist", "min", "max", NULL},
        [SA_TRIANGULAR] = {"path", "label", "dist", "min", "mode", "max", NULL},
        [SA_NORMAL] = {"path", "label", "dist", "mean", "sd", "min", "max", NULL},
        [SA_LOGNORMAL] = {"path", "label", "dist", "mean", "sd", NULL},
        [SA_CHOICE] = {"path", "label", "dist", "values", "weights", NULL},
        [SA_INTEGER] = {"path", "label", "dist", "min", "max", NULL},
    };
    const ytree_node_t *v, *d;
    const char *s = NULL;
    sa_param_t *p = &u->dist;
    if (want_map(L, n, "an uncertain parameter") < 0)
        return -1;
    if (!(u->file = xstrdup(L, n, n->file)))
        return -1;
    u->line = n->line;
    u->col = n->col;
    if (!(v = need(L, n, "path", "an uncertain parameter")) || get_str(L, v, "path", &s) < 0 ||
        check_set_path(L, root, v, s) < 0 || !(u->path = xstrdup(L, v, s)))
        return -1;
    if ((v = ytree_get(n, "label", NULL)) && get_str(L, v, "label", &s) < 0)
        return -1;
    if (!(u->label = xstrdup(L, n, s)))
        return -1;
    if (!(d = need(L, n, "dist", "an uncertain parameter")) || get_str(L, d, "dist", &s) < 0)
        return -1;
    int kind = sa_dist_from_name(s);
    if (kind < 0) {
        const char *names[SA_DIST_N];
        char sug[96];
        for (int k = 0; k < SA_DIST_N; k++)
            names[k] = sa_dist_name((sa_dist_kind_t)k);
        return fail(L, d, "unknown distribution '%s' for an uncertain parameter (one of "
                          "uniform, triangular, normal, lognormal, choice, integer)%s",
                    s, suggest(sug, sizeof sug, s, names, SA_DIST_N));
    }
    p->kind = (sa_dist_kind_t)kind;
    p->min = -INFINITY;
    p->max = INFINITY;
    if (check_keys(L, n, keys[kind], "an uncertain parameter") < 0)
        return -1;
    const char *what = "an uncertain parameter";
    switch (p->kind) {
    case SA_UNIFORM:
    case SA_TRIANGULAR:
        if (!(v = need(L, n, "min", what)) || get_num(L, v, "min", &p->min) < 0 ||
            !(v = need(L, n, "max", what)) || get_num(L, v, "max", &p->max) < 0)
            return -1;
        if (!(p->min < p->max))
            return fail(L, v, "max must be greater than min (%g)", p->min);
        if (p->kind == SA_TRIANGULAR) {
            if (!(v = need(L, n, "mode", what)) || get_num(L, v, "mode", &p->mode) < 0)
                return -1;
            if (p->mode < p->min || p->mode > p->max)
                return fail(L, v, "mode must be between min and max (%g to %g)", p->min,
                            p->max);
        }
        break;
    case SA_NORMAL:
    case SA_LOGNORMAL:
        if (!(v = need(L, n, "mean", what)) || get_num(L, v, "mean", &p->mean) < 0 ||
            !(v = need(L, n, "sd", what)) || get_gt0(L, v, "sd", &p->sd) < 0)
            return -1;
        if (p->kind == SA_LOGNORMAL && !(p->mean > 0))
            return fail(L, key_of(n, "mean"), "a lognormal's mean must be greater than 0");
        if ((v = ytree_get(n, "min", NULL)) && get_num(L, v, "min", &p->min) < 0)
            return -1;
        if ((v = ytree_get(n, "max", NULL)) && get_num(L, v, "max", &p->max) < 0)
            return -1;
        if (!(p->min < p->max))
            return fail(L, v, "max must be greater than min (%g)", p->min);
        break;
    case SA_INTEGER: {
        long long lo = 0, hi = 0;
        if (!(v = need(L, n, "min", what)) || get_int(L, v, "min", -1000000000LL, 1000000000LL, &lo) < 0 ||
            !(v = need(L, n, "max", what)) || get_int(L, v, "max", -1000000000LL, 1000000000LL, &hi) < 0)
            return -1;
        if (hi <= lo)
            return fail(L, v, "max must be greater than min (%lld)", lo);
        p->min = (double)lo;
        p->max = (double)hi;
        u->is_int = 1;
        break;
    }
    case SA_CHOICE: {
        const ytree_node_t *w;
        if (!(v = need(L, n, "values", what)) || want_seq(L, v, "values") < 0)
            return -1;
        if (v->n < 2)
            return fail(L, v, "a choice needs at least 2 values");
        p->n_choices = v->n;
        if (!(u->choices = xcalloc(L, v, (size_t)v->n, sizeof *u->choices)))
            return -1;
        u->is_int = 1;
        for (int i = 0; i < v->n; i++) {
            const ytree_node_t *c = v->val[i];
            if (c->kind != YTREE_SCALAR || !c->str[0])
                return fail(L, c, "each choice must be a single value, not %s",
                            c->kind == YTREE_SCALAR ? "empty" : kind_name(c));
            for (int j = 0; j < i; j++)
                if (!strcmp(u->choices[j], c->str))
                    return fail(L, c, "choice '%s' is given twice", c->str);
            if (!(u->choices[i] = xstrdup(L, c, c->str)))
                return -1;
            u->is_int &= is_int_text(c->str);
        }
        if ((w = ytree_get(n, "weights", NULL))) {
            if (want_seq(L, w, "weights") < 0)
                return -1;
            if (w->n != v->n)
                return fail(L, w, "weights must have one weight per value (%d), not %d",
                            v->n, w->n);
            if (!(u->weights = xcalloc(L, w, (size_t)w->n, sizeof *u->weights)))
                return -1;
            for (int i = 0; i < w->n; i++)
                if (get_gt0(L, w->val[i], "weights", &u->weights[i]) < 0)
                    return -1;
            p->weights = u->weights;
        }
        break;
    }
    case SA_DIST_N:
        break;
    }
    if (sa_param_check(p) != 0)
        return fail(L, d, "invalid parameters for the %s distribution", s);
    return 0;
}

static int parse_uncertain(ld_t *L, const ytree_node_t *root)
{
    scenario_t *sc = L->sc;
    const ytree_node_t *m = ytree_get(root, "uncertain", NULL);
    if (!m || is_empty_doc(m))
        return 0;
    if (want_seq(L, m, "uncertain") < 0)
        return -1;
    if (m->n > SCN_MAX_UNCERTAIN)
        return fail(L, m, "at most %d uncertain parameters (got %d)", SCN_MAX_UNCERTAIN,
                    m->n);
    if (!(sc->uncertain = xcalloc(L, m, (size_t)m->n, sizeof *sc->uncertain)))
        return -1;
    for (int i = 0; i < m->n; i++) {
        sc->n_uncertain = i + 1;
        if (parse_uncertain_item(L, root, m->val[i], &sc->uncertain[i]) < 0)
            return -1;
        for (int j = 0; j < i; j++)
            if (!strcmp(sc->uncertain[j].path, sc->uncertain[i].path))
                return fail(L, ytree_get(m->val[i], "path", NULL),
                            "'%s' is already uncertain (item %d)", sc->uncertain[i].path,
                            j + 1);
    }
    return 0;
}

/* ---- files and includes -------------------------------------------------------- */

static int is_empty_doc(const ytree_node_t *r)
{
    return !r || (r->kind == YTREE_SCALAR && r->plain &&
                  (!r->str[0] || !strcmp(r->str, "~") || !strcmp(r->str, "null")));
}

/* Loads `path` and, first, its includes; *out is the merged top-level map. `at` is the
 * include item naming the file (NULL for the scenario itself). */
static int load_file(ld_t *L, const char *path, const ytree_node_t *at, ytree_node_t **out)
{
    char *buf = NULL, *rp;
    size_t len;
    ytree_node_t *root, *merged = NULL, *self;
    const ytree_node_t *inc;
    int rc = -1, at_inc = -1;

    if (L->n_chain > MAX_INCLUDE_DEPTH)
        return fail(L, at, "includes are nested too deeply (more than %d levels)",
                    MAX_INCLUDE_DEPTH);
    if (!(rp = realpath(path, NULL))) {
        if (at)
            return fail(L, at, "cannot read '%s': %s", path, strerror(errno));
        return failat(L, path, 1, 1, "cannot read the file: %s", strerror(errno));
    }
    for (int i = 0; i < L->n_chain; i++)
        if (!strcmp(L->chain[i], rp)) {
            free(rp);
            return fail(L, at, "include cycle: '%s' is already being loaded", path);
        }
    L->chain[L->n_chain++] = rp;

    if (read_file(L, path, at, &buf, &len) < 0)
        goto done;
    if (ytree_parse(L->yt, path, buf, len, &root, L->err, L->errlen) < 0)
        goto done;
    if (is_empty_doc(root)) {
        failat(L, path, 1, 1, "empty scenario: the file holds no keys");
        goto done;
    }
    if (root->kind != YTREE_MAP) {
        fail(L, root, "the top level must be a map of keys, not %s", kind_name(root));
        goto done;
    }
    if ((inc = ytree_get(root, "include", &at_inc))) {
        if (inc->kind != YTREE_SEQ) {
            fail(L, inc, "include must be a list of paths, not %s", kind_name(inc));
            goto done;
        }
        for (int i = 0; i < inc->n; i++) {
            const ytree_node_t *item = inc->val[i];
            ytree_node_t *sub;
            char *p;
            if (item->kind != YTREE_SCALAR || !item->str[0]) {
                fail(L, item, "each include must be a path");
                goto done;
            }
            if (!(p = relative_to(L, path, item->str))) {
                fail(L, item, "out of memory");
                goto done;
            }
            if (load_file(L, p, item, &sub) < 0)
                goto done;
            if (!(merged = ytree_merge(L->yt, merged, sub, "dist"))) {
                fail(L, item, "out of memory");
                goto done;
            }
        }
    }
    /* the file itself, without its include key, wins over its includes */
    self = root;
    if (at_inc >= 0) {
        if (!(self = ytree_container(L->yt, YTREE_MAP, root->file, root->line, root->col,
                                     root->n))) {
            fail(L, root, "out of memory");
            goto done;
        }
        for (int i = 0; i < root->n; i++)
            if (i != at_inc)
                ytree_append(self, root->key[i], root->val[i]);
    }
    if (!(*out = ytree_merge(L->yt, merged, self, "dist"))) {
        fail(L, root, "out of memory");
        goto done;
    }
    rc = 0;
done:
    free(buf);
    free(L->chain[--L->n_chain]);
    return rc;
}

/* ---- --set --------------------------------------------------------------------- */

/* Sets the scalar at `path` of *root to val, copying (ytree_clone) every container on
 * the path before it changes, so the tree *root pointed to before is left as it was.
 * The last segment may name a key its map does not have yet: it is added. Errors point
 * at `at` when it is given (an `uncertain:` item), else at line 1, column 1 of the
 * pseudo-file `file` ("--set PATH=VALUE"). */
#define PATH_FAIL(...) (at ? fail(L, at, __VA_ARGS__) : failat(L, file, 1, 1, __VA_ARGS__))
static int set_path(ld_t *L, ytree_node_t **root, const char *path, ytree_node_t *val,
                    const ytree_node_t *at, const char *file)
{
    size_t n = strlen(path);
    char *buf = ytree_alloc(L->yt, n + 1);
    ytree_node_t **slot = root;
    if (!buf || !(*slot = ytree_clone(L->yt, *slot)))
        return PATH_FAIL("out of memory");
    memcpy(buf, path, n + 1);
    for (char *seg = buf;;) {
        char *dot = strchr(seg, '.');
        int last = !dot;
        ytree_node_t *cur = *slot;
        if (dot)
            *dot = 0;
        if (!seg[0])
            return PATH_FAIL("empty name in path '%s'", path);
        if (cur->kind == YTREE_MAP) {
            int i = 0;
            if (!ytree_get(cur, seg, &i)) {
                if (!last)
                    return PATH_FAIL("no key '%s' at '%s'", seg, path);
                ytree_node_t *k = ytree_scalar(L->yt, val->file, 1, 1, seg, 1);
                if (!k)
                    return PATH_FAIL("out of memory");
                ytree_append(cur, k, val); /* room: clones have one spare entry */
                return 0;
            }
            slot = &cur->val[i];
        } else if (cur->kind == YTREE_SEQ) {
            int i;
            for (i = 0; i < cur->n; i++)
                if (item_named(cur->val[i], seg))
                    break;
            if (i == cur->n)
                return PATH_FAIL("no list item named '%s' at '%s'", seg, path);
            slot = &cur->val[i];
        } else {
            return PATH_FAIL("cannot select '%s' at '%s': not a map or a list", seg, path);
        }
        if (last) {
            if ((*slot)->kind != YTREE_SCALAR)
                return PATH_FAIL("'%s' is %s, not a single value", path, kind_name(*slot));
            *slot = val;
            return 0;
        }
        if (!(*slot = ytree_clone(L->yt, *slot)))
            return PATH_FAIL("out of memory");
        seg = dot + 1;
    }
}
#undef PATH_FAIL

/* `--set PATH=VALUE` on the merged tree. The new scalar is marked "--set PATH=VALUE"
 * line 1, column of VALUE in that text; path errors point at column 1. */
static int apply_set(ld_t *L, ytree_node_t **root, const char *arg)
{
    size_t plen = strlen(SET_PREFIX), alen = strlen(arg);
    char *file = ytree_alloc(L->yt, plen + alen + 1);
    char *path = ytree_alloc(L->yt, alen + 1);
    if (!file || !path)
        return failat(L, arg, 1, 1, "out of memory");
    memcpy(file, SET_PREFIX, plen);
    memcpy(file + plen, arg, alen + 1);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return failat(L, file, 1, 1, "expected PATH=VALUE");
    size_t n = (size_t)(eq - arg);
    memcpy(path, arg, n);
    path[n] = 0;
    ytree_node_t *val = ytree_scalar(L->yt, file, 1, (int)(plen + n + 2), eq + 1, 1);
    if (!val)
        return failat(L, file, 1, 1, "out of memory");
    return set_path(L, root, path, val, NULL, file);
}

/* ---- entry point --------------------------------------------------------------- */

int scenario_load(const char *path, const char *const *sets, int n_sets,
                  scenario_t **out, char *err, unsigned errlen)
{
    ld_t L = {.err = err, .errlen = errlen};
    ytree_node_t *root = NULL;
    char dummy[1];
    if (!err || errlen == 0) {
        L.err = dummy;
        L.errlen = sizeof dummy;
    }
    L.err[0] = 0;
    *out = NULL;
    if (!(L.yt = ytree_new()) || !(L.sc = calloc(1, sizeof *L.sc)) ||
        !(L.sc->flags = calloc(SCN_MAX_FLAGS, sizeof *L.sc->flags)) ||
        !(L.sc->path = strdup(path))) {
        failat(&L, path, 1, 1, "out of memory");
        goto err;
    }
    if (load_file(&L, path, NULL, &root) < 0)
        goto err;
    for (int i = 0; i < n_sets; i++)
        if (apply_set(&L, &root, sets[i]) < 0)
            goto err;
    if (parse_top(&L, root) < 0 || parse_stage_names(&L, root) < 0 ||
        parse_arrivals(&L, root) < 0 || parse_initial(&L, root) < 0)
        goto err;
    const ytree_node_t *stages = ytree_get(root, "stages", NULL);
    for (int i = 0; i < L.sc->n_stages; i++)
        if (parse_stage(&L, &L.sc->stages[i], stages->val[i]) < 0)
            goto err;
    if (parse_pools(&L, root) < 0 || parse_observed(&L, root) < 0 ||
        parse_costs(&L, root) < 0 || parse_strands(&L, root) < 0 ||
        parse_uncertain(&L, root) < 0)
        goto err;
    ytree_free(L.yt);
    *out = L.sc;
    return 0;
err:
    ytree_free(L.yt);
    scenario_free(L.sc);
    return -1;
}
