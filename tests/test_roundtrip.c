/* test_roundtrip.c: records made by a known scenario come back as that scenario.
 *
 * A truth scenario (below: referral -> assessment -> cin / cp -> care, Poisson
 * arrivals of 2000 a year, gamma and lognormal durations, routing shares, one flag,
 * eight years from 2016-03-31) is run through the command line with `--episodes`; its
 * records are read back (rec_read) and estimated (est_estimate) as of 2023-03-31 with a
 * 12-month window. Every check compares with the truth, never with numbers the code
 * printed before:
 *
 * - arrivals: one stream, into referral (no other stage has entries from outside),
 *   per_year within 3.29 Poisson standard errors of 2000 (a 99.9% interval: the test
 *   makes about 30 such checks, so 95% intervals would fail one in five runs of an
 *   honest estimator);
 * - routing: each share p-hat of n ended stays (the comment's "k of n") within
 *   3.29 sqrt(p (1 - p) / n) of the truth's p; no target the truth lacks;
 * - the flag's share within 3.29 sqrt(0.3 x 0.7 / n) of 0.3;
 * - durations: each Kaplan-Meier median (one per age group) within 3.29 standard
 *   errors (from its comment's 95% interval: se = width / 3.92) plus one day (the
 *   records hold whole days) of the truth's median: lognormal mean m, sd s: median
 *   m / sqrt(1 + s^2 / m^2); gamma shape k = (m / s)^2: median ~ m (1 - 1 / (9k))^3
 *   (Wilson and Hilferty's approximation, within 0.1% for k >= 4, as here);
 * - the forecast: the estimated scenario (from its open cases on 2023-03-31) and the
 *   truth continued from the same open cases (the truth's stages and arrivals, start
 *   2023-03-31, `initial: {file: open-cases.csv}`) are each run 20 replications to
 *   2024-03-31. The two differ only in their parameters, so the truth's mean stock
 *   12 months ahead, per stage, must lie inside the estimated forecast's 90% band
 *   (mean +- 1.645 sd over its replications), widened by the Monte Carlo error of the
 *   two means (3.29 sqrt(sd_e^2 / 20 + sd_t^2 / 20)). Parameter error moves the
 *   estimated forecast by a fraction of its spread (a 5% rate error on a stock of 110
 *   with sd 10.5 is half an sd); a wrong share or duration by more than that fails.
 *
 * And two identities. A census truth (referral -> assessment -> cin / cp, with
 * re-referrals cin -> referral, cin -> cp and cp -> cin, short CP plans so some stays
 * last no days, no open cases at the start) run for six years: every year's CIN census
 * read back gives exactly the stays (child, stage, start, end, next) and dates of birth
 * of its careflow episodes file: a re-referral is a referral, a section 47 enquiry on a
 * CIN plan adds no assessment, same-day stays keep their order; and each child's flags
 * come back as docs/records.md's table says the census holds them: `disabled` (a
 * disability) for every child, the factors identified at assessment (substance_misuse,
 * domestic_abuse, mental_health, uasc, cse_risk, cce_risk) for the children with an
 * assessment, and a flag the census has no place for (young_carer) never. And
 * the same run's records as SSDA903 returns (one per collection
 * year, episodes repeated while open), ISO and DD/MM/YYYY, read back, give exactly the
 * care stays (child, start, end) and dates of birth of its careflow episodes file. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/estimate/estimate.h"
#include "models/records/records.h"
#include "sim/cal.h"

#define Z999 3.29 /* two-sided 99.9% normal quantile */
#define REPS 20

/* The truth. %s: the top lines (dates, replications, initial). */
static const char truth_fmt[] =
    "version: 1\n"
    "name: roundtrip\n"
    "title: \"Round trip truth\"\n"
    "%s"
    "max_age: 18\n"
    "stages:\n"
    "  referral:\n"
    "    duration: {dist: gamma, mean: 20, sd: 10}\n"
    "    next: {assessment: 0.7, exit: 0.3}\n"
    "  assessment:\n"
    "    duration: {dist: gamma, mean: 35, sd: 15}\n"
    "    next: {cin: 0.4, cp: 0.15, exit: 0.45}\n"
    "  cin:\n"
    "    duration: {dist: lognormal, mean: 200, sd: 150}\n"
    "    next: {care: 0.05, exit: 0.95}\n"
    "  cp:\n"
    "    duration: {dist: gamma, mean: 280, sd: 140}\n"
    "    next: {cin: 0.5, care: 0.1, exit: 0.4}\n"
    "  care:\n"
    "    duration: {dist: lognormal, mean: 500, sd: 400}\n"
    "    next: {exit: 1}\n"
    "arrivals:\n"
    "  - name: referrals\n"
    "    to: referral\n"
    "    per_year: 2000\n"
    "    age: {dist: uniform, min: 0, max: 6}\n"
    "    flags: {domestic_abuse: 0.3}\n";

typedef struct truth_stage {
    const char *name;   /* stage */
    int lognormal;      /* 1 lognormal, 0 gamma */
    double mean, sd;    /* duration, days */
    const char *to[4];  /* next targets */
    double p[4];        /* their shares */
} truth_stage_t;

static const truth_stage_t truth[5] = {
    {"referral", 0, 20, 10, {"assessment", "exit"}, {0.7, 0.3}},
    {"assessment", 0, 35, 15, {"cin", "cp", "exit"}, {0.4, 0.15, 0.45}},
    {"cin", 1, 200, 150, {"care", "exit"}, {0.05, 0.95}},
    {"cp", 0, 280, 140, {"cin", "care", "exit"}, {0.5, 0.1, 0.4}},
    {"care", 1, 500, 400, {"exit"}, {1}},
};

static double true_median(const truth_stage_t *t)
{
    if (t->lognormal)
        return t->mean / sqrt(1 + t->sd * t->sd / (t->mean * t->mean));
    double k = (t->mean / t->sd) * (t->mean / t->sd);
    return t->mean * pow(1 - 1 / (9 * k), 3);
}

static int stage_of(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(truth[i].name, name))
            return i;
    return -1;
}

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", bin(), args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_truth(const char *path, const char *top)
{
    char text[4096];
    int n = snprintf(text, sizeof text, truth_fmt, top);
    assert_true(n > 0 && n < (int)sizeof text);
    write_file(path, text, (size_t)n);
}

typedef struct dir {
    char path[64]; /* the temporary folder */
} dir_t;

static int setup(void **state)
{
    dir_t *d = calloc(1, sizeof *d);
    snprintf(d->path, sizeof d->path, "/tmp/careflow-test-roundtrip-XXXXXX");
    assert_non_null(mkdtemp(d->path));
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    dir_t *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->path);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

static rec_set_t *read_records(const char *path)
{
    const char *paths[] = {path};
    rec_opts_t o = {0};
    rec_set_t *rs = NULL;
    char err[512] = "";
    if (rec_read(paths, 1, &o, &rs, err, sizeof err) != 0)
        fail_msg("rec_read %s: %s", path, err);
    return rs;
}

/* Stage means and sds of final_stock over replications in DIR/replications.csv. */
static void final_stock(const char *dir, double mean[5], double sd[5])
{
    char p[256], line[512];
    double s1[5] = {0}, s2[5] = {0};
    int n[5] = {0};
    snprintf(p, sizeof p, "%s/replications.csv", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char metric[64], stage[64];
        int rep;
        double v;
        if (sscanf(line, "%d,%63[^,],%63[^,],%lf", &rep, metric, stage, &v) != 4 ||
            strcmp(metric, "final_stock"))
            continue;
        int s = stage_of(stage);
        if (s < 0)
            continue;
        s1[s] += v;
        s2[s] += v * v;
        n[s]++;
    }
    fclose(f);
    for (int s = 0; s < 5; s++) {
        assert_int_equal(n[s], REPS);
        mean[s] = s1[s] / n[s];
        sd[s] = sqrt((s2[s] - n[s] * mean[s] * mean[s]) / (n[s] - 1));
    }
}

static void estimate_gives_back_the_truth(void **state)
{
    dir_t *d = *state;
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/truth.yaml", d->path);
    write_truth(p, "start: 2016-03-31\nend: 2024-03-31\nreplications: 1\nseed: 11\n");
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/eps.csv", p,
                         d->path, d->path), 0);
    snprintf(p, sizeof p, "%s/eps.csv", d->path);
    rec_set_t *rs = read_records(p);
    est_opts_t eo;
    est_result_t er;
    char err[512];
    est_opts_default(&eo);
    eo.as_of = cal_from_ymd(2023, 3, 31);
    eo.replications = REPS;
    eo.seed = 5;
    if (est_estimate(rs, &eo, &er, err, sizeof err) != 0)
        fail_msg("est_estimate: %s", err);
    rec_free(rs);

    /* ---- the estimates against the truth, from the YAML and its comments ---- */
    int stage = -1, in_next = 0, n_arrivals = 0, n_medians = 0, n_shares = 0, flag_ok = 0, rate_ok = 0;
    double window_years = 365.0 / 365.25; /* 2022-04-01..2023-03-31 */
    char *save = NULL, *text = strdup(er.yaml);
    assert_non_null(text);
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        double v, lo, hi, med;
        long k, n;
        if (sscanf(line, "  %63[a-z_]:", name) == 1 && line[2] != ' ' && stage_of(name) >= 0) {
            stage = stage_of(name);
            in_next = 0;
            continue;
        }
        if (!strncmp(line, "arrivals:", 9))
            stage = -1;
        if (stage >= 0 && !strncmp(line, "    ", 4) && line[4] != ' ')
            in_next = !strncmp(line + 4, "next:", 5);
        const char *km = strstr(line, "Kaplan-Meier over");
        const char *md = km ? strstr(km, "median ") : NULL;
        if (md && stage >= 0) {
            assert_int_equal(sscanf(md, "median %lf days, 95%% CI %lf-%lf", &med, &lo, &hi),
                             3);
            double m = true_median(&truth[stage]), se = (hi - lo) / 3.92;
            if (fabs(med - m) > Z999 * se + 1)
                fail_msg("%s: Kaplan-Meier median %g (95%% CI %g-%g), truth %g",
                         truth[stage].name, med, lo, hi, m);
            n_medians++;
        }
        if (stage >= 0 && in_next &&
            sscanf(line, "      %63[a-z_]: %lf # %ld of %ld", name, &v, &k, &n) == 4) {
            const truth_stage_t *t = &truth[stage];
            double pt = -1;
            for (int j = 0; j < 4 && t->to[j]; j++)
                if (!strcmp(t->to[j], name))
                    pt = t->p[j];
            if (pt < 0)
                fail_msg("%s -> %s: a share the truth does not have", t->name, name);
            if (fabs(v - pt) > Z999 * sqrt(pt * (1 - pt) / (double)n) + 1e-12)
                fail_msg("%s -> %s: %g (%ld of %ld), truth %g", t->name, name, v, k, n, pt);
            n_shares++;
        }
        if (sscanf(line, "  - name: %63s", name) == 1) {
            assert_string_equal(name, "referral");
            n_arrivals++;
        }
        if (sscanf(line, "    per_year: %lf # %ld entries", &v, &n) == 2) {
            double sd = sqrt(2000 * window_years) / window_years;
            if (fabs(v - 2000) > Z999 * sd)
                fail_msg("referral per_year %g, truth 2000 (sd %g)", v, sd);
            rate_ok = 1;
        }
        if (sscanf(line, "      domestic_abuse: %lf # %ld of %ld", &v, &k, &n) == 3) {
            assert_true(fabs(v - 0.3) <= Z999 * sqrt(0.21 / (double)n));
            flag_ok = 1;
        }
        if (strstr(line, "trend_per_year:") && !strstr(line, "#"))
            fail_msg("a trend was written: %s", line);
    }
    free(text);
    assert_int_equal(n_arrivals, 1);
    assert_true(flag_ok && rate_ok);
    assert_true(n_medians >= 5);
    assert_int_equal(n_shares, 2 + 3 + 2 + 3 + 1);

    /* ---- forecasts: estimated against the truth continued from the same cases ---- */
    snprintf(q, sizeof q, "mkdir -p %s/est", d->path);
    assert_int_equal(system(q), 0);
    snprintf(p, sizeof p, "%s/est/scenario.yaml", d->path);
    write_file(p, er.yaml, er.yaml_len);
    snprintf(p, sizeof p, "%s/est/open-cases.csv", d->path);
    write_file(p, er.open_cases, er.open_cases_len);
    est_result_free(&er);
    snprintf(p, sizeof p, "%s/est/truth.yaml", d->path);
    write_truth(p, "start: 2023-03-31\nend: 2024-03-31\nreplications: 20\nseed: 7\n"
                   "initial: {file: open-cases.csv}\n");
    assert_int_equal(run("run %s/est/scenario.yaml --no-plots --quiet --out %s/fe", d->path,
                         d->path), 0);
    assert_int_equal(run("run %s/est/truth.yaml --no-plots --quiet --out %s/ft", d->path,
                         d->path), 0);
    double me[5], se_[5], mt[5], st[5];
    snprintf(p, sizeof p, "%s/fe", d->path);
    final_stock(p, me, se_);
    snprintf(p, sizeof p, "%s/ft", d->path);
    final_stock(p, mt, st);
    for (int s = 0; s < 5; s++) {
        double tol = 1.645 * se_[s] + Z999 * sqrt((se_[s] * se_[s] + st[s] * st[s]) / REPS);
        fprintf(stderr, "test_roundtrip: %-10s stock on 2024-03-31: estimated %.1f (sd %.1f), "
                        "truth %.1f (sd %.1f), allowed %.1f\n",
                truth[s].name, me[s], se_[s], mt[s], st[s], tol);
        assert_true(fabs(me[s] - mt[s]) <= tol);
    }
}

/* "child start end dob" of each care stay of a set, sorted. */
static char **care_rows(const rec_set_t *rs, size_t *n)
{
    int care = rec_stage_index(rs, "care");
    assert_true(care >= 0);
    char **v = calloc(rs->n_stays + 1, sizeof *v);
    assert_non_null(v);
    *n = 0;
    for (size_t i = 0; i < rs->n_stays; i++) {
        const rec_stay_t *y = &rs->stays[i];
        if (y->stage != care)
            continue;
        char a[11], b[11] = "open", c[11];
        cal_format(y->start, a);
        if (y->end != REC_OPEN)
            cal_format(y->end, b);
        cal_format(rs->children[y->child].dob, c);
        char row[128];
        snprintf(row, sizeof row, "%s %s %s %s", rs->children[y->child].id, a, b, c);
        v[(*n)++] = strdup(row);
    }
    qsort(v, *n, sizeof *v, (int (*)(const void *, const void *))strcmp);
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ssda903_returns_are_the_care_stays(void **state)
{
    dir_t *d = *state;
    char p[256];
    snprintf(p, sizeof p, "%s/truth.yaml", d->path);
    write_truth(p, "start: 2016-03-31\nend: 2024-03-31\nreplications: 1\nseed: 13\n");
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/e.csv", p,
                         d->path, d->path), 0);
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/i/la.csv "
                         "--episodes-format ssda903 --episodes-returns", p, d->path, d->path),
                     0);
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/d/la.csv "
                         "--episodes-format ssda903 --episodes-returns --episodes-dates dmy",
                         p, d->path, d->path), 0);
    snprintf(p, sizeof p, "%s/e.csv", d->path);
    rec_set_t *e = read_records(p);
    size_t ne;
    char **we = care_rows(e, &ne);
    assert_true(ne > 300);
    const char *sub[] = {"i", "d"};
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof p, "%s/%s", d->path, sub[k]);
        rec_set_t *x = read_records(p);
        assert_int_equal(x->n_stages, 1);
        assert_int_equal(x->extract, e->extract);
        size_t nx;
        char **wx = care_rows(x, &nx);
        qsort(wx, nx, sizeof *wx, cmp_str);
        qsort(we, ne, sizeof *we, cmp_str);
        assert_int_equal(nx, ne);
        for (size_t i = 0; i < ne; i++)
            assert_string_equal(wx[i], we[i]);
        for (size_t i = 0; i < nx; i++)
            free(wx[i]);
        free(wx);
        rec_free(x);
    }
    for (size_t i = 0; i < ne; i++)
        free(we[i]);
    free(we);
    rec_free(e);
}

/* A truth whose every stage the CIN census holds. */
static const char census_truth[] =
    "version: 1\n"
    "name: census\n"
    "title: \"Census round trip\"\n"
    "start: 2017-04-01\n"
    "end: 2023-03-31\n"
    "replications: 1\n"
    "seed: 29\n"
    "max_age: 18\n"
    "stages:\n"
    "  referral:\n"
    "    duration: {dist: gamma, mean: 2, sd: 1.5}\n"
    "    next: {assessment: 0.85, exit: 0.15}\n"
    "  assessment:\n"
    "    duration: {dist: gamma, mean: 30, sd: 12}\n"
    "    next: {cin: 0.35, cp: 0.15, exit: 0.5}\n"
    "  cin:\n"
    "    duration: {dist: exponential, mean: 150}\n"
    "    next: {cp: 0.15, referral: 0.1, exit: 0.75}\n"
    "  cp:\n"
    "    duration: {dist: exponential, mean: 60}\n"
    "    next: {cin: 0.6, exit: 0.4}\n"
    "arrivals:\n"
    "  - name: referrals\n"
    "    to: referral\n"
    "    per_year: 1500\n"
    "    age: {dist: uniform, min: 0, max: 17}\n"
    "    flags: {domestic_abuse: 0.4, substance_misuse: 0.2, mental_health: 0.25,\n"
    "            cse_risk: 0.05, cce_risk: 0.05, uasc: 0.02, disabled: 0.1,\n"
    "            young_carer: 0.1}\n";

/* The census's flags of child `id` of set e, by name, as docs/records.md's table says
 * the census holds them: `disabled` for every child, the assessment factors' flags for
 * a child with an assessment, no other flag. */
static void census_flags_match(const rec_set_t *e, const rec_set_t *c)
{
    static const char *const factor[] = {"substance_misuse", "domestic_abuse", "mental_health",
                                         "uasc", "cse_risk", "cce_risk"};
    int ass = rec_stage_index(e, "assessment");
    unsigned char *assessed = calloc(e->n_children + 1, 1);
    assert_non_null(assessed);
    for (size_t i = 0; i < e->n_stays; i++)
        if (e->stays[i].stage == ass)
            assessed[e->stays[i].child] = 1;
    long with[8] = {0}; /* children of e holding each factor flag, and disabled */
    for (size_t i = 0; i < e->n_children; i++) {
        const rec_child_t *ce = &e->children[i];
        const rec_child_t *cc = NULL;
        for (size_t j = 0; j < c->n_children && !cc; j++) /* ids are unique per set */
            if (!strcmp(c->children[j].id, ce->id))
                cc = &c->children[j];
        assert_non_null(cc);
        for (int f = 0; f < e->n_flags; f++) {
            const char *name = e->flags[f];
            int has = (int)(ce->flags >> f & 1), want = 0;
            if (!strcmp(name, "disabled"))
                want = has, with[6] += has;
            for (int k = 0; k < 6; k++)
                if (!strcmp(name, factor[k]))
                    want = has && assessed[i], with[k] += has && assessed[i];
            int cf = rec_flag_index(c, name);
            int got = cf >= 0 && (cc->flags >> cf & 1);
            if (got != want)
                fail_msg("child %s flag %s: episodes %d (assessed %d), census %d", ce->id,
                         name, has, assessed[i], got);
        }
    }
    for (int k = 0; k < 7; k++) /* every mapped flag was tried, on a few children at least */
        assert_true(with[k] >= 20);
    assert_true(rec_flag_index(e, "young_carer") >= 0);
    free(assessed);
}

/* "child dob stage start end next" of every stay of a set, sorted. */
static char **stay_rows(const rec_set_t *rs)
{
    char **v = calloc(rs->n_stays + 1, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < rs->n_stays; i++) {
        const rec_stay_t *y = &rs->stays[i];
        char a[11], b[11] = "open", c[11];
        cal_format(y->start, a);
        if (y->end != REC_OPEN)
            cal_format(y->end, b);
        cal_format(rs->children[y->child].dob, c);
        const char *nx = y->next >= 0 ? rs->stages[y->next] : y->next == REC_EXIT ? "exit" : "";
        char row[160];
        snprintf(row, sizeof row, "%s %s %s %s %s %s", rs->children[y->child].id, c,
                 rs->stages[y->stage], a, b, nx);
        v[i] = strdup(row);
    }
    qsort(v, rs->n_stays, sizeof *v, cmp_str);
    return v;
}

static void cin_census_gives_the_episodes_stays(void **state)
{
    dir_t *d = *state;
    char p[256];
    snprintf(p, sizeof p, "%s/census.yaml", d->path);
    write_file(p, census_truth, sizeof census_truth - 1);
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/e.csv", p,
                         d->path, d->path), 0);
    assert_int_equal(run("run %s --no-plots --quiet --out %s/o --episodes %s/c/cin.xml "
                         "--episodes-format cin", p, d->path, d->path), 0);
    snprintf(p, sizeof p, "%s/e.csv", d->path);
    rec_set_t *e = read_records(p);
    snprintf(p, sizeof p, "%s/c", d->path);
    rec_set_t *c = read_records(p);
    assert_int_equal(c->extract, e->extract);
    /* the moves the census once lost are there */
    int from[3][2] = {{rec_stage_index(e, "cin"), rec_stage_index(e, "referral")},
                      {rec_stage_index(e, "cin"), rec_stage_index(e, "cp")},
                      {rec_stage_index(e, "cp"), rec_stage_index(e, "cin")}};
    int zero_days = 0;
    for (int k = 0; k < 3; k++) {
        int n = 0;
        for (size_t i = 0; i < e->n_stays; i++)
            n += e->stays[i].stage == from[k][0] && e->stays[i].next == from[k][1];
        assert_true(n > 50);
    }
    for (size_t i = 0; i < e->n_stays; i++)
        zero_days += e->stays[i].end == e->stays[i].start && e->stays[i].stage != 0;
    assert_true(zero_days > 5);
    char **we = stay_rows(e), **wc = stay_rows(c);
    for (size_t i = 0; i < e->n_stays && i < c->n_stays; i++)
        if (strcmp(we[i], wc[i]))
            fail_msg("stay %zu: episodes '%s', census '%s'", i, we[i], wc[i]);
    assert_int_equal(c->n_stays, e->n_stays);
    census_flags_match(e, c);
    for (size_t i = 0; i < e->n_stays; i++) {
        free(we[i]);
        free(wc[i]);
    }
    free(we);
    free(wc);
    rec_free(c);
    rec_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(estimate_gives_back_the_truth, setup, teardown),
        cmocka_unit_test_setup_teardown(ssda903_returns_are_the_care_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(cin_census_gives_the_episodes_stays, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
