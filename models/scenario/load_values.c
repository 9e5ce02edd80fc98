/* load_values.c: the loader's common parts (see load_internal.h): errors, the value
 * readers (ld__get_*: numbers, integers, booleans, strings, dates, names), shapes and
 * keys (ld__want_*, ld__check_keys with its "did you mean" suggestion, ld__need),
 * stage and flag names, and distributions. No section of the format is read here.
 *
 * Decisions where the format leaves room: types are strict: numbers and integers are
 * plain (unquoted) scalars read whole by strtod / strtoll / strtoull and finite;
 * booleans are plain true / false; strings (names, titles, dates, `month`) may be
 * quoted or not. A node from a data file (`data`, a CSV cell) is never echoed. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/cal.h"
#include "sim/csv.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/text.h"

/* ---- errors -------------------------------------------------------------------- */

/* Copies the end of src[0..len) that fits in dst[0..size) after a head of it and "...":
 * the head and the tail are cut on UTF-8 character boundaries. */
static void keep_ends(char *dst, size_t size, const char *src, size_t len)
{
    size_t head = size / 4, tail = size - head - sizeof "...";
    while (head > 0 && ((unsigned char)src[head] & 0xc0) == 0x80)
        head--;
    size_t from = len - tail;
    while (from < len && ((unsigned char)src[from] & 0xc0) == 0x80)
        from++;
    memcpy(dst, src, head);
    memcpy(dst + head, "...", 3);
    memcpy(dst + head + 3, src + from, len - from + 1); /* with the NUL */
}

/* The message is formatted whole first, then written by sim_err_set with the file and
 * place in front. Callers clip what they quote (ld__quote, ld__text); a message still
 * longer than LD_MAX_MESSAGE (a long name in a strand's message) keeps its head and its
 * end, the middle becoming "..." (its full text is formatted into a mem_alloc'd
 * buffer; out of memory, the end is lost). A file name of LD_MAX_FILE_NAME bytes or
 * more (one that could not be read) is clipped like user text. So "FILE:LINE:COL: error: " is always there
 * and the message's end nearly always. */
static LD_PRINTF(6, 0) int vfailcode(ld_t *L, int code, const char *file, int line,
                                     int col, const char *fmt, va_list ap)
{
    char msg[LD_MAX_MESSAGE];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n >= (int)sizeof msg) {
        char *full = mem_alloc((size_t)n + 1);
        if (full) {
            vsnprintf(full, (size_t)n + 1, fmt, again);
            keep_ends(msg, sizeof msg, full, (size_t)n);
            mem_free(full);
        } else {
            memcpy(msg + sizeof msg - sizeof "...", "...", sizeof "...");
        }
    }
    va_end(again);
    if (strlen(file) >= LD_MAX_FILE_NAME) /* not a file that was read: clip it too */
        file = ld__quote(L, file);
    L->rc = sim_err_at(L->err, L->errlen, code, file, line, col, "%s", msg);
    return L->rc;
}

int ld__failat(ld_t *L, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfailcode(L, SIM_EINVAL, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

int ld__failcode(ld_t *L, int code, const char *file, int line, int col, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfailcode(L, code, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

int ld__vfail(ld_t *L, const ytree_node_t *n, const char *fmt, va_list ap)
{
    return vfailcode(L, SIM_EINVAL, n->file, n->line, n->col, fmt, ap);
}

int ld__fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfailcode(L, SIM_EINVAL, n->file, n->line, n->col, fmt, ap);
    va_end(ap);
    return rc;
}

int ld__csv_fail(ld_t *L, struct csv *r, const char *path, int n)
{
    if (n == SIM_ENOMEM)
        return ld__oom(L);
    long line, col;
    const char *why = csv_why(r, &line, &col);
    return ld__failat(L, path, (int)line, (int)col, "%s", why);
}

int ld__oom(ld_t *L)
{
    L->rc = sim_err_set(L->err, L->errlen, SIM_ENOMEM, "out of memory");
    return L->rc;
}

const char *ld__quote(ld_t *L, const char *s)
{
    char *buf = L->quote[L->n_quote++ % (sizeof L->quote / sizeof L->quote[0])];
    return sim_err_clip(buf, sizeof L->quote[0], s);
}

const char *ld__text(ld_t *L, const ytree_node_t *n)
{
    return n->data ? "[data not shown]" : ld__quote(L, n->str);
}

const char *ld__kind_name(const ytree_node_t *n)
{
    return n->kind == YTREE_MAP ? "a map" : n->kind == YTREE_SEQ ? "a list" : "a string";
}

void *ld__calloc(ld_t *L, size_t n, size_t size)
{
    void *p = mem_calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ld__oom(L);
    return p;
}

char *ld__strdup(ld_t *L, const char *s)
{
    char *d = mem_strdup(s);
    if (!d)
        ld__oom(L);
    return d;
}

/* ---- suggestions --------------------------------------------------------------- */

const char *ld__suggest(char *buf, size_t size, const char *s, const char *const *cands,
                           int n)
{
    return text_suggest(buf, size, s, cands, n);
}

int ld__count_of(const char *const *list)
{
    int n = 0;
    while (list[n])
        n++;
    return n;
}

/* ---- shapes and keys ----------------------------------------------------------- */

int ld__want_map(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_MAP)
        return ld__fail(L, n, "%s must be a map of keys, not %s", what, ld__kind_name(n));
    return 0;
}

int ld__want_seq(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_SEQ)
        return ld__fail(L, n, "%s must be a list, not %s", what, ld__kind_name(n));
    return 0;
}

/* Refuses a key of map m not in allowed (NULL-terminated), at the key. */
int ld__check_keys(ld_t *L, const ytree_node_t *m, const char *const *allowed,
                      const char *what)
{
    int na = ld__count_of(allowed);
    for (int i = 0; i < m->n; i++) {
        const char *k = m->key[i]->str;
        int ok = 0;
        for (int j = 0; j < na && !ok; j++)
            ok = strcmp(k, allowed[j]) == 0;
        if (!ok) {
            char s[96];
            return ld__fail(L, m->key[i], "unknown key '%s' in %s%s", ld__text(L, m->key[i]), what,
                        ld__suggest(s, sizeof s, k, allowed, na));
        }
    }
    return 0;
}

/* The value of a required key, or NULL after reporting it missing at the map. */
const ytree_node_t *ld__need(ld_t *L, const ytree_node_t *m, const char *key,
                                const char *what)
{
    const ytree_node_t *v = ytree_get(m, key, NULL);
    if (!v)
        ld__fail(L, m, "missing required key '%s' in %s", key, what);
    return v;
}

const ytree_node_t *ld__key_of(const ytree_node_t *m, const char *key)
{
    int at = 0;
    return ytree_get(m, key, &at) ? m->key[at] : NULL;
}

/* "NAME or [NAMES]": the items, in *items (a one-item view of n for a scalar). */
int ld__name_list(ld_t *L, const ytree_node_t *const *np, const char *what,
                     const ytree_node_t *const **items, int *count)
{
    const ytree_node_t *n = *np;
    if (n->kind == YTREE_SCALAR) {
        *items = np;
        *count = 1;
        return 0;
    }
    if (n->kind != YTREE_SEQ)
        return ld__fail(L, n, "%s must be a name or a list of names, not a map", what);
    for (int i = 0; i < n->n; i++)
        if (n->val[i]->kind != YTREE_SCALAR)
            return ld__fail(L, n->val[i], "%s must be a name or a list of names", what);
    *items = (const ytree_node_t *const *)n->val;
    *count = n->n;
    return 0;
}

/* ---- scalars ------------------------------------------------------------------- */

/* Numbers are plain scalars read whole by strtod and finite: a quoted "35" is a
 * string, and nan, inf and overflowing values like 1e999 are refused. */
int ld__get_num(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (n->kind != YTREE_SCALAR)
        return ld__fail(L, n, "expected a number for '%s', not %s", what, ld__kind_name(n));
    if (!n->plain)
        return ld__fail(L, n, "expected a number for '%s', not a quoted string \"%s\"", what,
                    ld__text(L, n));
    char *end;
    errno = 0;
    double x = strtod(n->str, &end);
    if (end != n->str && !strcmp(end, "%"))
        return ld__fail(L, n, "expected a number for '%s', got '%s': write a share as a "
                        "fraction (%g) and a percentage without the %% sign where the key "
                        "asks for one", what, ld__text(L, n), x / 100);
    if (end == n->str || *end)
        return ld__fail(L, n, "expected a number for '%s', got '%s'", what, ld__text(L, n));
    if (!isfinite(x))
        return ld__fail(L, n, "'%s' must be a finite number, got '%s'", what, ld__text(L, n));
    *v = x;
    return 0;
}

int ld__get_ge0(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (ld__get_num(L, n, what, v) < 0)
        return L->rc;
    if (*v < 0)
        return ld__fail(L, n, "'%s' cannot be negative (got %s)", what, ld__text(L, n));
    return 0;
}

int ld__get_gt0(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (ld__get_num(L, n, what, v) < 0)
        return L->rc;
    if (!(*v > 0))
        return ld__fail(L, n, "'%s' must be greater than 0 (got %s)", what, ld__text(L, n));
    return 0;
}

int ld__get_prob(ld_t *L, const ytree_node_t *n, const char *what, double *v)
{
    if (ld__get_num(L, n, what, v) < 0)
        return L->rc;
    if (*v < 0 || *v > 1)
        return ld__fail(L, n, "probability '%s' must be in [0, 1] (got %s)", what, ld__text(L, n));
    return 0;
}

/* Integers: plain, decimal, read whole by strtoll, within [lo, hi]. */
int ld__get_int(ld_t *L, const ytree_node_t *n, const char *what, long long lo,
                   long long hi, long long *v)
{
    if (n->kind != YTREE_SCALAR || !n->plain)
        return ld__fail(L, n, "expected a whole number for '%s', not %s", what,
                    n->kind == YTREE_SCALAR ? "a quoted string" : ld__kind_name(n));
    char *end;
    errno = 0;
    long long x = strtoll(n->str, &end, 10);
    if (end == n->str || *end)
        return ld__fail(L, n, "expected a whole number for '%s', got '%s'", what,
                        ld__text(L, n));
    if (errno == ERANGE || x < lo || x > hi)
        return ld__fail(L, n, "'%s' must be between %lld and %lld (got %s)", what, lo, hi,
                    ld__text(L, n));
    *v = x;
    return 0;
}

int ld__get_u64(ld_t *L, const ytree_node_t *n, const char *what, uint64_t *v)
{
    if (n->kind != YTREE_SCALAR || !n->plain)
        return ld__fail(L, n, "expected a whole number for '%s', not %s", what,
                    n->kind == YTREE_SCALAR ? "a quoted string" : ld__kind_name(n));
    char *end;
    errno = 0;
    unsigned long long x = strtoull(n->str, &end, 10);
    if (n->str[0] < '0' || n->str[0] > '9' || *end)
        return ld__fail(L, n, "expected a whole number >= 0 for '%s', got '%s'", what,
                        ld__text(L, n));
    if (errno == ERANGE || x > UINT64_MAX)
        return ld__fail(L, n, "'%s' must be at most %llu (got %s)", what,
                    (unsigned long long)UINT64_MAX, ld__text(L, n));
    *v = (uint64_t)x;
    return 0;
}

int ld__get_bool(ld_t *L, const ytree_node_t *n, const char *what, int *v)
{
    if (n->kind == YTREE_SCALAR && n->plain && strcmp(n->str, "true") == 0)
        *v = 1;
    else if (n->kind == YTREE_SCALAR && n->plain && strcmp(n->str, "false") == 0)
        *v = 0;
    else
        return ld__fail(L, n, "expected true or false for '%s', got %s%s%s", what,
                    n->kind == YTREE_SCALAR ? "'" : "",
                    n->kind == YTREE_SCALAR ? ld__text(L, n) : ld__kind_name(n),
                    n->kind == YTREE_SCALAR ? "'" : "");
    return 0;
}

int ld__get_str(ld_t *L, const ytree_node_t *n, const char *what, const char **s)
{
    if (n->kind != YTREE_SCALAR)
        return ld__fail(L, n, "expected a string for '%s', not %s", what, ld__kind_name(n));
    *s = n->str;
    return 0;
}

int ld__get_date(ld_t *L, const ytree_node_t *n, const char *what, long *day)
{
    const char *s = NULL;
    if (ld__get_str(L, n, what, &s) < 0)
        return L->rc;
    if (cal_parse(s, day) < 0)
        return ld__fail(L, n, "invalid date '%s' for '%s' (expected a real date YYYY-MM-DD)",
                        ld__text(L, n), what);
    return 0;
}

int ld__get_slug(ld_t *L, const ytree_node_t *n, const char *what, const char **s)
{
    if (ld__get_str(L, n, what, s) < 0)
        return L->rc;
    if (!text_is_slug(*s))
        return ld__fail(L, n, "invalid %s '%s': use lower-case letters, digits, '_' and '-', "
                          "starting with a letter or digit", what, ld__text(L, n));
    return 0;
}

int ld__check_name(ld_t *L, const ytree_node_t *n, const char *what)
{
    if (n->kind != YTREE_SCALAR)
        return ld__fail(L, n, "expected a %s name, not %s", what, ld__kind_name(n));
    if (!text_is_name(n->str))
        return ld__fail(L, n, "invalid %s name '%s': use letters, digits, '_' and '-'", what,
                    ld__text(L, n));
    return 0;
}

/* ---- names: stages and flags --------------------------------------------------- */

/* Stage named by scalar n: its index, or SCN_EXIT for `exit` when allowed. */
int ld__stage_ref(ld_t *L, const ytree_node_t *n, const char *what, int allow_exit,
                     int *idx)
{
    const scenario_t *sc = L->sc;
    if (n->kind != YTREE_SCALAR)
        return ld__fail(L, n, "expected a stage name in %s, not %s", what, ld__kind_name(n));
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
    return ld__fail(L, n, "unknown stage '%s' in %s%s", ld__text(L, n), what,
                ld__suggest(s, sizeof s, n->str, names, k));
}

static int flag_find(const scenario_t *sc, const char *name)
{
    for (int i = 0; i < sc->n_flags; i++)
        if (strcmp(sc->flags[i], name) == 0)
            return i;
    return -1;
}

/* A flag named by an arrival or initial entry: its bit, adding it when new. */
int ld__flag_intern(ld_t *L, const ytree_node_t *n, int *bit)
{
    scenario_t *sc = L->sc;
    if (ld__check_name(L, n, "flag") < 0)
        return L->rc;
    if ((*bit = flag_find(sc, n->str)) >= 0)
        return 0;
    if (sc->n_flags >= SCN_MAX_FLAGS)
        return ld__fail(L, n, "too many flags (more than %d)", SCN_MAX_FLAGS);
    if (!(sc->flags[sc->n_flags] = ld__strdup(L, n->str)))
        return L->rc;
    *bit = sc->n_flags++;
    return 0;
}

/* A flag used in `when:`: must be one the arrivals or initial entries name. */
int ld__flag_ref(ld_t *L, const ytree_node_t *n, int *bit)
{
    const scenario_t *sc = L->sc;
    if (n->kind != YTREE_SCALAR)
        return ld__fail(L, n, "expected a flag name, not %s", ld__kind_name(n));
    if ((*bit = flag_find(sc, n->str)) >= 0)
        return 0;
    char s[96];
    return ld__fail(L, n, "unknown flag '%s' (flags are named by arrivals and initial)%s",
                ld__text(L, n), ld__suggest(s, sizeof s, n->str, (const char *const *)sc->flags,
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
    if (ld__want_seq(L, n, "cdf") < 0)
        return L->rc;
    if (n->n) {
        if (!(d->x = ld__calloc(L, (size_t)n->n, sizeof *d->x)) ||
            !(d->p = ld__calloc(L, (size_t)n->n, sizeof *d->p)))
            return L->rc;
    }
    d->n = n->n;
    for (int i = 0; i < n->n; i++) {
        const ytree_node_t *pt = n->val[i];
        if (pt->kind != YTREE_SEQ || pt->n != 2)
            return ld__fail(L, pt, "each cdf point must be a list [days, p]");
        if (ld__get_num(L, pt->val[0], "cdf days", &d->x[i]) < 0 ||
            ld__get_prob(L, pt->val[1], "cdf p", &d->p[i]) < 0)
            return L->rc;
    }
    return 0;
}

/* A dist map ({dist: NAME, params...}) into d (zeroed by the caller), checked by
 * dist_init(d, nonneg); its errors are reported at the map. */
int ld__parse_dist(ld_t *L, const ytree_node_t *n, const char *what, int nonneg,
                      dist_t *d)
{
    const ytree_node_t *k;
    const char *name = NULL;
    char s[96];
    if (ld__want_map(L, n, what) < 0 || !(k = ld__need(L, n, "dist", what)) ||
        ld__get_str(L, k, "dist", &name) < 0)
        return L->rc;
    int kind = dist_kind_from_name(name);
    if (kind < 0)
        return ld__fail(L, k, "unknown distribution '%s' (expected exponential, gamma, "
                          "lognormal, weibull, uniform, fixed or empirical)%s",
                    ld__text(L, k), ld__suggest(s, sizeof s, name, dist_names, DIST_KIND_N));
    const char *allowed[5] = {"dist"};
    int na = 1;
    for (int i = 0; i < 3 && dist_params[kind][i]; i++)
        allowed[na++] = dist_params[kind][i];
    char ctx[96];
    snprintf(ctx, sizeof ctx, "%s (dist: %s)", what, name);
    if (ld__check_keys(L, n, allowed, ctx) < 0)
        return L->rc;
    d->kind = (dist_kind_t)kind;
    for (int i = 1; i < na; i++) {
        const ytree_node_t *v = ld__need(L, n, allowed[i], ctx);
        if (!v)
            return L->rc;
        if (kind == DIST_EMPIRICAL ? parse_cdf(L, v, d) < 0
                                   : ld__get_num(L, v, allowed[i], dist_field(d, allowed[i])) < 0)
            return L->rc;
    }
    int rc = dist_init(d, nonneg);
    if (rc < 0)
        return ld__fail(L, n, "invalid %s: %s", what, dist_strerror(rc));
    return 0;
}

/* uniform(0, max_age): the default age of arrivals. */
int ld__default_age(ld_t *L, const ytree_node_t *at, dist_t *d)
{
    memset(d, 0, sizeof *d);
    d->kind = DIST_UNIFORM;
    d->min = 0;
    d->max = L->sc->max_age;
    int rc = dist_init(d, 1);
    if (rc < 0)
        return ld__fail(L, at, "default age: %s", dist_strerror(rc));
    return 0;
}

int ld__is_empty_doc(const ytree_node_t *r)
{
    return !r || (r->kind == YTREE_SCALAR && r->plain &&
                  (!r->str[0] || !strcmp(r->str, "~") || !strcmp(r->str, "null")));
}
