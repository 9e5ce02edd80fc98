/* test_load.c: the scenario loader (models/scenario/: load*.c, ytree.c, scenario.c).
 *
 * - full_scenario_every_key: a scenario using every key, every dist family,
 *   includes (nested, later wins), profiles, priority, observed inline and from CSV,
 *   aliases and --set (on a list item by name and on a nested key) loads with every
 *   field right;
 * - bad_inputs: one table row per class of defect, each checking the exact
 *   "FILE:LINE:COL: error:" prefix and a key phrase of the message;
 * - alias_bomb_refused_quickly: "billion laughs";
 * - mutations_never_crash: a deterministic fuzz loop over mutations of a valid file;
 * - when_matches / steps_at: the small helpers;
 * - fifo_refused, include_bomb_refused, include_bytes_budget: what the loader reads
 *   (regular files only, within one budget of files and bytes per load), each run in
 *   a child process under alarm() so a hang fails instead of hanging;
 * - node_budget: the YAML nodes of one load, all its files together;
 * - merge_large_maps: ytree_merge of two 20,000-key maps (linear, not quadratic);
 * - bounds_at_the_limits: each limit on rates and counts, just within and just past;
 * - csv_contents_never_echoed, long_path_keeps_message, long_user_text_keeps_message:
 *   what messages show (no data file's contents; their end, whatever the length of a
 *   path or of the user's text they quote);
 * - vary_equals_load, vary_in_threads: scenario_vary gives what scenario_load with
 *   all the --set gives, reading no file, in several threads at once;
 * - oom_every_allocation: a load failing at each allocation in turn.
 * Files are written under a mkdtemp() directory, removed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "models/scenario/scenario.h"
#include "models/scenario/ytree.h"
#include "sim/mem.h"
#include "sim/sha256.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "tests/failalloc.h"

/* cmocka 1.1 has no double comparison (assert_float_equal rounds to float) */
#define assert_double_equal(a, b, eps) \
    check_near((double)(a), (double)(b), (eps), #a, __FILE__, __LINE__)

static void check_near(double a, double b, double eps, const char *what, const char *file,
                       int line)
{
    if (!(a == b || fabs(a - b) <= eps))
        fail_msg("%s:%d: %s is %.17g, expected %.17g", file, line, what, a, b);
}

#define MAX_FILES 64
#define ERRLEN 1024

typedef struct fixture {
    char dir[64];              /* the mkdtemp() directory */
    char *files[MAX_FILES];    /* names written in it, to remove */
    int n_files;
} fixture_t;

static char *path_in(const fixture_t *fx, const char *name)
{
    size_t n = strlen(fx->dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", fx->dir, name);
    return p;
}

static void write_bytes(fixture_t *fx, const char *name, const char *data, size_t len)
{
    char *p = path_in(fx, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(p);
    for (int i = 0; i < fx->n_files; i++)
        if (!strcmp(fx->files[i], name))
            return;
    assert_true(fx->n_files < MAX_FILES);
    fx->files[fx->n_files] = strdup(name);
    assert_non_null(fx->files[fx->n_files]);
    fx->n_files++;
}

static void write_text(fixture_t *fx, const char *name, const char *text)
{
    write_bytes(fx, name, text, strlen(text));
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/careflow-test-load-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    for (int i = 0; i < fx->n_files; i++) {
        char *p = path_in(fx, fx->files[i]);
        unlink(p);
        free(p);
        free(fx->files[i]);
    }
    int rc = rmdir(fx->dir);
    free(fx);
    return rc;
}

static long day_of(const char *iso)
{
    long d;
    assert_int_equal(cal_parse(iso, &d), 0);
    return d;
}

/* ---- 1. a valid scenario with every key ------------------------------------------ */

static const char *const deep_yaml = "max_age: 17\n"
                                     "replications: 5\n";

static const char *const base_yaml =
    "include: [deep.yaml]\n"
    "title: From base\n"
    "seed: 7\n"
    "stages:\n"
    "  referral:\n"
    "    duration: {dist: exponential, mean: 2}\n"
    "    next: {assessment: 0.9, exit: 0.1}\n"
    "  care:\n"
    "    title: Looked after\n"
    "    duration: {dist: weibull, shape: 1.5, scale: 400}\n";

static const char *const over_yaml = "replications: 9\n";

static const char *const main_yaml =
    "include: [base.yaml, over.yaml]\n"
    "version: 1\n"
    "name: full-test_1\n"
    "start: 2015-04-01\n"
    "end: 2020-04-01\n"
    "warmup_days: 365\n"
    "report_every_days: 30.5\n"
    "seed: 18446744073709551615\n"
    "costs: {}\n"
    "strands: []\n"
    "stages:\n"
    "  referral:\n"
    "    open_case: false\n"
    "  assessment:\n"
    "    duration: &dur {dist: gamma, mean: 35, sd: 15}\n"
    "    next: {early_help: 0.2, cin: 0.5, cp: 0.2, care: 0.1}\n"
    "    adjust:\n"
    "      - when: {age: [14, 18], flag: edge_risk, not_flag: [cse_risk], history_min: 1}\n"
    "        odds: {care: 2.0, cin: 0.5}\n"
    "  early_help:\n"
    "    duration: {dist: lognormal, mean: 100, sd: 50}\n"
    "  cin:\n"
    "    duration: {dist: uniform, min: 10, max: 300}\n"
    "    next: {cp: 0.25, exit: 0.75}\n"
    "  cp:\n"
    "    duration: {dist: fixed, value: 200}\n"
    "    next: {care: 0.3, cin: 0.7}\n"
    "  review:\n"
    "    duration: *dur\n"
    "arrivals:\n"
    "  - name: referrals\n"
    "    to: referral\n"
    "    per_year: 9700\n"
    "    trend_per_year: 0.02\n"
    "    profile:\n"
    "      - {from: 2016-04-01, multiplier: 1.1}\n"
    "      - {from: 2017-04-01, multiplier: 0.9}\n"
    "    age: {dist: empirical, cdf: [[0, 0], [10, 0.6], [18, 1]]}\n"
    "    flags: {domestic_abuse: 0.74, edge_risk: 0.05}\n"
    "  - name: transfers\n"
    "    to: cin\n"
    "    per_month: 3\n"
    "    process: regular\n"
    "    profiles:\n"
    "      - {weight: 3, flags: [cse_risk, domestic_abuse]}\n"
    "      - {weight: 1, flags: []}\n"
    "  - name: direct\n"
    "    to: care\n"
    "    per_day: 0.01\n"
    "    process: poisson\n"
    "initial:\n"
    "  cin: 5576\n"
    "  care: {count: 1340, age: {dist: uniform, min: 0, max: 18}, elapsed: fresh,\n"
    "         flags: {unaccompanied: 0.1}}\n"
    "  cp: {count: 10, elapsed: equilibrium, profiles: [{weight: 1, flags: [edge_risk]}]}\n"
    "pools:\n"
    "  cin_teams:\n"
    "    workers: 210\n"
    "    absence: 0.05\n"
    "    caseload_cap: 18\n"
    "    serves: {assessment: 0.5, cin: 1.0, cp: 1.5}\n"
    "    priority: [cp, assessment]\n"
    "  care_teams:\n"
    "    workers:\n"
    "      - {from: 2015-04-01, value: 100}\n"
    "      - {from: 2016-04-01, value: 120}\n"
    "    caseload_cap: 15\n"
    "    serves: {care: 1}\n"
    "observed:\n"
    "  - {stages: [assessment, cin, cp, care], date: 2016-03-31, value: 6553,\n"
    "     source: \"RR587 Table 9\"}\n"
    "  - {stages: care, metric: entries, from: 2016-04-01, to: 2016-06-30, value: 160}\n"
    "  - file: obs.csv\n";

static const char *const obs_csv =
    "date,stages,metric,value,source,from,to\r\n"
    "2017-03-31,cin+cp,stock,5000,\"Table, 1\",,\r\n"
    "\r\n"
    ",care,entries,100,,2017-04-01,2017-04-30\r\n";

static void write_full(fixture_t *fx)
{
    write_text(fx, "deep.yaml", deep_yaml);
    write_text(fx, "base.yaml", base_yaml);
    write_text(fx, "over.yaml", over_yaml);
    write_text(fx, "main.yaml", main_yaml);
    write_text(fx, "obs.csv", obs_csv);
}

static void full_scenario_every_key(void **state)
{
    fixture_t *fx = *state;
    scenario_t *sc = NULL;
    char err[ERRLEN];
    const char *sets[] = {"arrivals.transfers.per_month=4", "stages.assessment.duration.mean=40",
                          "pools.cin_teams.workers=230"};
    write_full(fx);
    char *path = path_in(fx, "main.yaml");
    int rc = scenario_load(path, sets, 3, &sc, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_non_null(sc);
    double eps = 1e-12;

    /* top level, with include order: deep < base < over < main */
    assert_string_equal(sc->path, path);
    assert_string_equal(sc->name, "full-test_1");
    assert_string_equal(sc->title, "From base");
    assert_int_equal(sc->start, day_of("2015-04-01"));
    assert_double_equal(sc->horizon, 1827, 0);
    assert_double_equal(sc->warmup, 365, 0);
    assert_int_equal(sc->report_monthly, 0);
    assert_double_equal(sc->report_every, 30.5, 0);
    assert_int_equal(sc->replications, 9);
    assert_true(sc->seed == UINT64_MAX);
    assert_double_equal(sc->max_age, 17, 0);

    /* stages: base's keys first (referral, care), then main's new ones */
    assert_int_equal(sc->n_stages, 7);
    const char *order[] = {"referral", "care", "assessment", "early_help", "cin", "cp", "review"};
    for (int i = 0; i < 7; i++)
        assert_string_equal(sc->stages[i].name, order[i]);
    int ref = 0, care = 1, ass = 2, eh = 3, cin = 4, cp = 5, rev = 6;
    const scn_stage_t *st = &sc->stages[ref];
    assert_string_equal(st->title, "referral");
    assert_int_equal(st->open_case, 0);
    assert_int_equal(st->duration.kind, DIST_EXPONENTIAL);
    assert_double_equal(st->duration.mean, 2, 0);
    assert_int_equal(st->n_next, 2);
    assert_int_equal(st->next_stage[0], ass);
    assert_int_equal(st->next_stage[1], SCN_EXIT);
    assert_double_equal(st->next_p[0], 0.9, 0);
    assert_int_equal(st->is_entry, 1);
    assert_int_equal(st->pool, -1);

    st = &sc->stages[care];
    assert_string_equal(st->title, "Looked after");
    assert_int_equal(st->open_case, 1);
    assert_int_equal(st->duration.kind, DIST_WEIBULL);
    assert_double_equal(st->duration.shape, 1.5, 0);
    assert_double_equal(st->duration.scale, 400, 0);
    assert_int_equal(st->n_next, 1); /* default {exit: 1} */
    assert_int_equal(st->next_stage[0], SCN_EXIT);
    assert_double_equal(st->next_p[0], 1, 0);
    assert_int_equal(st->is_entry, 1);
    assert_int_equal(st->pool, 1);
    assert_int_equal(st->prio, 0);
    assert_double_equal(st->weight, 1, 0);

    st = &sc->stages[ass];
    assert_int_equal(st->duration.kind, DIST_GAMMA);
    assert_double_equal(st->duration.mean, 40, 0); /* --set */
    assert_double_equal(st->duration.sd, 15, 0);
    assert_int_equal(st->n_next, 4);
    int want_next[] = {eh, cin, cp, care};
    double want_p[] = {0.2, 0.5, 0.2, 0.1};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(st->next_stage[i], want_next[i]);
        assert_double_equal(st->next_p[i], want_p[i], 0);
    }
    assert_int_equal(st->n_adjust, 1);
    const scn_adjust_t *a = &st->adjust[0];
    assert_double_equal(a->when.age_min, 14, 0);
    assert_double_equal(a->when.age_max, 18, 0);
    assert_int_equal(a->when.history_min, 1);
    assert_int_equal(a->n, 2);
    assert_int_equal(a->target[0], 3); /* care is next[3] */
    assert_double_equal(a->odds[0], 2, 0);
    assert_int_equal(a->target[1], 1); /* cin is next[1] */
    assert_double_equal(a->odds[1], 0.5, 0);
    assert_int_equal(st->is_entry, 0);
    assert_int_equal(st->pool, 0);
    assert_int_equal(st->prio, 1);
    assert_double_equal(st->weight, 0.5, 0);

    st = &sc->stages[eh];
    assert_int_equal(st->duration.kind, DIST_LOGNORMAL);
    assert_double_equal(st->duration.mean, 100, 0);
    assert_double_equal(st->duration.sd, 50, 0);
    assert_int_equal(st->pool, -1);
    st = &sc->stages[cin];
    assert_int_equal(st->duration.kind, DIST_UNIFORM);
    assert_double_equal(st->duration.min, 10, 0);
    assert_double_equal(st->duration.max, 300, 0);
    assert_int_equal(st->next_stage[0], cp);
    assert_double_equal(st->next_p[1], 0.75, 0);
    assert_int_equal(st->is_entry, 1);
    assert_int_equal(st->prio, 2); /* unlisted: the shared level */
    st = &sc->stages[cp];
    assert_int_equal(st->duration.kind, DIST_FIXED);
    assert_double_equal(st->duration.value, 200, 0);
    assert_int_equal(st->prio, 0);
    assert_double_equal(st->weight, 1.5, 0);
    /* review shares the anchored gamma; the --set on assessment did not reach it */
    st = &sc->stages[rev];
    assert_int_equal(st->duration.kind, DIST_GAMMA);
    assert_double_equal(st->duration.mean, 35, 0);

    /* flags in order of first appearance */
    assert_int_equal(sc->n_flags, 4);
    assert_string_equal(sc->flags[0], "domestic_abuse");
    assert_string_equal(sc->flags[1], "edge_risk");
    assert_string_equal(sc->flags[2], "cse_risk");
    assert_string_equal(sc->flags[3], "unaccompanied");
    a = &sc->stages[ass].adjust[0];
    assert_true(a->when.flags_all == 2);
    assert_true(a->when.flags_none == 4);

    /* arrivals */
    assert_int_equal(sc->n_arrivals, 3);
    const scn_arrival_t *ar = &sc->arrivals[0];
    assert_string_equal(ar->name, "referrals");
    assert_int_equal(ar->to, ref);
    assert_double_equal(ar->rate, 9700 / 365.25, eps);
    assert_int_equal(ar->regular, 0);
    assert_double_equal(ar->trend, 0.02, 0);
    assert_int_equal(ar->profile.n, 2);
    assert_double_equal(ar->profile.day[0], 365, 0);
    assert_double_equal(ar->profile.day[1], 730, 0);
    assert_double_equal(ar->profile.value[0], 1.1, 0);
    assert_double_equal(ar->profile.value[1], 0.9, 0);
    assert_int_equal(ar->attrs.age.kind, DIST_EMPIRICAL);
    assert_int_equal(ar->attrs.age.n, 3);
    assert_double_equal(ar->attrs.age.x[1], 10, 0);
    assert_double_equal(ar->attrs.age.p[1], 0.6, 0);
    assert_int_equal(ar->attrs.n_flag, 2);
    assert_int_equal(ar->attrs.flag[0], 0);
    assert_int_equal(ar->attrs.flag[1], 1);
    assert_double_equal(ar->attrs.flag_p[0], 0.74, 0);
    assert_double_equal(ar->attrs.flag_p[1], 0.05, 0);
    assert_int_equal(ar->attrs.n_mix, 0);
    ar = &sc->arrivals[1];
    assert_string_equal(ar->name, "transfers");
    assert_int_equal(ar->to, cin);
    assert_double_equal(ar->rate, 4 * 12 / 365.25, eps); /* --set by name */
    assert_int_equal(ar->regular, 1);
    assert_int_equal(ar->profile.n, 0);
    assert_int_equal(ar->attrs.age.kind, DIST_UNIFORM); /* default 0..max_age */
    assert_double_equal(ar->attrs.age.min, 0, 0);
    assert_double_equal(ar->attrs.age.max, 17, 0);
    assert_int_equal(ar->attrs.n_flag, 0);
    assert_int_equal(ar->attrs.n_mix, 2);
    assert_double_equal(ar->attrs.mix[0].weight, 0.75, eps);
    assert_double_equal(ar->attrs.mix[1].weight, 0.25, eps);
    assert_true(ar->attrs.mix[0].flags == 5);
    assert_true(ar->attrs.mix[1].flags == 0);
    ar = &sc->arrivals[2];
    assert_int_equal(ar->to, care);
    assert_double_equal(ar->rate, 0.01, 0);
    assert_int_equal(ar->regular, 0);

    /* initial */
    assert_int_equal(sc->n_initial, 3);
    const scn_initial_t *in = &sc->initial[0];
    assert_int_equal(in->stage, cin);
    assert_int_equal(in->count, 5576);
    assert_int_equal(in->fresh, 0);
    assert_int_equal(in->attrs.age.kind, DIST_EMPIRICAL); /* a deep copy of referrals' */
    assert_int_equal(in->attrs.age.n, 3);
    assert_ptr_not_equal(in->attrs.age.x, sc->arrivals[0].attrs.age.x);
    assert_double_equal(in->attrs.age.x[2], 18, 0);
    assert_int_equal(in->attrs.n_flag, 2);
    assert_ptr_not_equal(in->attrs.flag, sc->arrivals[0].attrs.flag);
    assert_double_equal(in->attrs.flag_p[0], 0.74, 0);
    in = &sc->initial[1];
    assert_int_equal(in->stage, care);
    assert_int_equal(in->count, 1340);
    assert_int_equal(in->fresh, 1);
    assert_int_equal(in->attrs.age.kind, DIST_UNIFORM);
    assert_double_equal(in->attrs.age.max, 18, 0);
    assert_int_equal(in->attrs.n_flag, 1);
    assert_int_equal(in->attrs.flag[0], 3);
    assert_double_equal(in->attrs.flag_p[0], 0.1, 0);
    assert_int_equal(in->attrs.n_mix, 0);
    in = &sc->initial[2];
    assert_int_equal(in->stage, cp);
    assert_int_equal(in->count, 10);
    assert_int_equal(in->fresh, 0);
    assert_int_equal(in->attrs.age.kind, DIST_EMPIRICAL);
    assert_int_equal(in->attrs.n_flag, 0);
    assert_int_equal(in->attrs.n_mix, 1);
    assert_double_equal(in->attrs.mix[0].weight, 1, 0);
    assert_true(in->attrs.mix[0].flags == 2);

    /* pools */
    assert_int_equal(sc->n_pools, 2);
    const scn_pool_t *p = &sc->pools[0];
    assert_string_equal(p->name, "cin_teams");
    assert_int_equal(p->workers.n, 1);
    assert_true(isinf(p->workers.day[0]) && p->workers.day[0] < 0);
    assert_double_equal(p->workers.value[0], 230, 0); /* --set */
    assert_double_equal(p->absence, 0.05, 0);
    assert_double_equal(p->caseload_cap, 18, 0);
    assert_int_equal(p->n_serves, 3);
    assert_int_equal(p->serves[0], ass);
    assert_int_equal(p->serves[1], cin);
    assert_int_equal(p->serves[2], cp);
    assert_double_equal(p->serves_weight[2], 1.5, 0);
    assert_int_equal(p->n_levels, 3);
    p = &sc->pools[1];
    assert_string_equal(p->name, "care_teams");
    assert_int_equal(p->workers.n, 2);
    assert_true(isinf(p->workers.day[0]) && p->workers.day[0] < 0);
    assert_double_equal(p->workers.day[1], 365, 0);
    assert_double_equal(p->workers.value[0], 100, 0);
    assert_double_equal(p->workers.value[1], 120, 0);
    assert_double_equal(p->absence, 0, 0);
    assert_int_equal(p->n_levels, 1);

    /* observed: two inline, two from the CSV */
    assert_int_equal(sc->n_observed, 4);
    const scn_observed_t *o = &sc->observed[0];
    assert_true(o->stages == ((1u << ass) | (1u << cin) | (1u << cp) | (1u << care)));
    assert_string_equal(o->label, "assessment+cin+cp+care");
    assert_int_equal(o->metric, SCN_OBS_STOCK);
    assert_double_equal(o->day, 365, 0);
    assert_int_equal(o->date, day_of("2016-03-31"));
    assert_double_equal(o->value, 6553, 0);
    assert_string_equal(o->source, "RR587 Table 9");
    o = &sc->observed[1];
    assert_true(o->stages == (1u << care));
    assert_string_equal(o->label, "care");
    assert_int_equal(o->metric, SCN_OBS_ENTRIES);
    assert_double_equal(o->from, 365, 0);
    assert_double_equal(o->to, 456, 0);
    assert_int_equal(o->date, day_of("2016-06-30"));
    assert_null(o->source);
    o = &sc->observed[2];
    assert_true(o->stages == ((1u << cin) | (1u << cp)));
    assert_string_equal(o->label, "cin+cp");
    assert_int_equal(o->metric, SCN_OBS_STOCK);
    assert_double_equal(o->day, 730, 0);
    assert_double_equal(o->value, 5000, 0);
    assert_string_equal(o->source, "Table, 1");
    o = &sc->observed[3];
    assert_string_equal(o->label, "care");
    assert_int_equal(o->metric, SCN_OBS_ENTRIES);
    assert_double_equal(o->from, 730, 0);
    assert_double_equal(o->to, 760, 0);
    assert_int_equal(o->date, day_of("2017-04-30"));
    assert_double_equal(o->value, 100, 0);
    assert_null(o->source);

    scenario_free(sc);
    free(path);
}

/* Defaults of the optional top-level keys, and a stage list in file order. */
static void minimal_scenario_defaults(void **state)
{
    fixture_t *fx = *state;
    scenario_t *sc = NULL;
    char err[ERRLEN];
    write_text(fx, "min.yaml", "version: 1\nname: m\nstart: 2020-01-01\nhorizon_days: 100\n"
                               "stages: {b: {duration: {dist: fixed, value: 1}},\n"
                               "         a: {duration: {dist: fixed, value: 2}}}\n"
                               "arrivals: []\n"
                               "initial: {a: 3}\n");
    char *path = path_in(fx, "min.yaml");
    int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(sc->title, "m");
    assert_double_equal(sc->warmup, 0, 0);
    assert_int_equal(sc->report_monthly, 1);
    assert_int_equal(sc->replications, 20);
    assert_true(sc->seed == 1);
    assert_double_equal(sc->max_age, 18, 0);
    assert_int_equal(sc->n_stages, 2);
    assert_string_equal(sc->stages[0].name, "b");
    assert_int_equal(scenario_stage_index(sc, "a"), 1);
    assert_int_equal(scenario_stage_index(sc, "zz"), -1);
    assert_int_equal(sc->n_arrivals, 0);
    assert_int_equal(sc->n_initial, 1);
    /* no arrivals: uniform 0..max_age, no flags */
    assert_int_equal(sc->initial[0].attrs.age.kind, DIST_UNIFORM);
    assert_double_equal(sc->initial[0].attrs.age.max, 18, 0);
    assert_int_equal(sc->initial[0].attrs.n_flag + sc->initial[0].attrs.n_mix, 0);
    assert_int_equal(sc->n_pools + sc->n_observed + sc->n_flags, 0);
    scenario_free(sc);
    free(path);
}

/* A UTF-8 byte-order mark and CRLF line ends are text, not defects. */
static void bom_and_crlf_accepted(void **state)
{
    fixture_t *fx = *state;
    scenario_t *sc = NULL;
    char err[ERRLEN];
    write_text(fx, "bom.yaml", "\xef\xbb\xbfversion: 1\r\nname: b\r\nstart: 2020-01-01\r\n"
                               "horizon_days: 10\r\nstages: {a: {duration: {dist: fixed, "
                               "value: 1}}}\r\narrivals: []\r\ntitle: caf\xc3\xa9\r\n");
    char *path = path_in(fx, "bom.yaml");
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(sc->title, "caf\xc3\xa9");
    scenario_free(sc);
    free(path);
}

/* An override that changes a duration's `dist` replaces the map whole: the base's
 * weibull shape and scale must not be merged into the gamma (they would be refused
 * as unknown keys). Keys of the same family still merge key by key. */
static void include_dist_change_replaces_whole(void **state)
{
    fixture_t *fx = *state;
    scenario_t *sc = NULL;
    char err[ERRLEN];
    write_text(fx, "base.yaml", "version: 1\nname: b\nstart: 2020-01-01\nhorizon_days: 10\n"
                                "stages:\n  a: {duration: {dist: weibull, shape: 2, scale: 30}}\n"
                                "  b: {duration: {dist: gamma, mean: 10, sd: 5}}\n"
                                "arrivals: []\n");
    write_text(fx, "main.yaml", "include: [base.yaml]\n"
                                "stages:\n  a: {duration: {dist: gamma, mean: 20, sd: 4}}\n"
                                "  b: {duration: {sd: 2}}\n");
    char *path = path_in(fx, "main.yaml");
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    const dist_t *a = &sc->stages[scenario_stage_index(sc, "a")].duration;
    const dist_t *b = &sc->stages[scenario_stage_index(sc, "b")].duration;
    assert_int_equal(a->kind, DIST_GAMMA);
    assert_double_equal(a->mean, 20, 0);
    assert_double_equal(a->sd, 4, 0);
    assert_int_equal(b->kind, DIST_GAMMA); /* same family: merged key by key */
    assert_double_equal(b->mean, 10, 0);
    assert_double_equal(b->sd, 2, 0);
    scenario_free(sc);
    free(path);
}

/* ---- 2. bad inputs, one row per class -------------------------------------------- */

#define HEAD "version: 1\nname: t\nstart: 2020-01-01\nhorizon_days: 365\n" /* lines 1-4 */
#define STAGES "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n" /* 5-7 */
#define ARR "arrivals:\n  - {name: r, to: a, per_year: 100}\n"                 /* 8-9 */
#define POOL(serves) \
    "pools:\n  p:\n    workers: 10\n    caseload_cap: 5\n    serves: " serves "\n"

typedef struct bad_case {
    const char *probe;      /* what it probes */
    const char *text;       /* s.yaml, or NULL: gen() writes it */
    size_t len;             /* bytes of text, 0: strlen */
    char *(*gen)(fixture_t *fx); /* returns s.yaml's text (malloc'd), may write more */
    const char *extra_name, *extra_text; /* one more file, or NULL */
    const char *set;        /* one --set argument, or NULL */
    const char *where;      /* "FILE:LINE:COL" (FILE relative to the directory, or a
                             * pseudo-file starting with "--set") */
    const char *phrase;     /* in the message */
} bad_case_t;

/* growable text for the generators */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static char *cat(char *s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t a = s ? strlen(s) : 0, b = strlen(buf);
    char *r = realloc(s, a + b + 1);
    assert_non_null(r);
    memcpy(r + a, buf, b + 1);
    return r;
}

static char *gen_many_stages(fixture_t *fx)
{
    char *s = cat(NULL, HEAD "stages:\n"); /* line 5 */
    for (int i = 0; i < 65; i++)           /* stage i on line 6 + i */
        s = cat(s, "  s%d: {duration: {dist: fixed, value: 1}}\n", i);
    return cat(s, "arrivals: []\n");
}

static char *gen_many_flags(fixture_t *fx)
{
    char *s = cat(NULL, HEAD STAGES "arrivals:\n  - name: r\n    to: a\n    per_year: 1\n"
                                    "    flags:\n"); /* line 12 */
    for (int i = 0; i < 65; i++)                     /* flag i on line 13 + i */
        s = cat(s, "      f%d: 0.1\n", i);
    return s;
}

static char *gen_long_list(fixture_t *fx)
{
    char *s = cat(NULL, HEAD STAGES ARR "observed:\n"); /* line 10 */
    size_t n = strlen(s);
    s = realloc(s, n + 10001 * 6 + 1);
    assert_non_null(s);
    for (int i = 0; i < 10001; i++) /* item i on line 11 + i */
        memcpy(s + n + 6 * (size_t)i, "  - 1\n", 6);
    s[n + 10001 * 6] = 0;
    return s;
}

static char *gen_huge_file(fixture_t *fx)
{
    size_t n = (16u << 20) + 16;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, '#', n);
    s[n - 1] = '\n';
    s[n] = 0;
    return s;
}

static char *gen_deep_includes(fixture_t *fx)
{
    /* s.yaml includes d1.yaml ... d16.yaml includes d17.yaml: one level too many */
    for (int i = 1; i <= 17; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.yaml", i);
        snprintf(text, sizeof text, i < 17 ? "include: [d%d.yaml]\n" : "seed: 1\n", i + 1);
        write_text(fx, name, text);
    }
    return cat(NULL, "include: [d1.yaml]\n" HEAD STAGES ARR);
}

static char *gen_alias_bomb(fixture_t *fx)
{
    char *s = cat(NULL, HEAD STAGES ARR "costs:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) { /* level i on line 11 + i */
        s = cat(s, "  l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            s = cat(s, "*l%d%s", i - 1, j < 9 ? ", " : "]\n");
    }
    return s;
}

static const bad_case_t bad_cases[] = {
    /* unknown keys, with a suggestion */
    {"unknown_key", HEAD "stages:\n  a:\n    durration: {dist: exponential, mean: 10}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:7:5", "unknown key 'durration' in stage 'a' (did you mean "
                                           "'duration'?)"},
    {"unknown_top_key", HEAD STAGES ARR "sed: 3\n", 0, NULL, NULL, NULL, NULL, "s.yaml:10:1",
     "did you mean 'seed'"},
    {"unknown_dist_param", HEAD "stages:\n  a:\n    duration: {dist: gamma, mean: 10, sdd: 2}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:7:39", "unknown key 'sdd'"},
    {"unknown_dist", HEAD "stages:\n  a:\n    duration: {dist: gama, mean: 10}\n" ARR, 0, NULL,
     NULL, NULL, NULL, "s.yaml:7:22", "unknown distribution 'gama'"},
    /* wrong types */
    {"quoted_number", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: \"10\"}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:7:41", "expected a number"},
    {"word_for_number", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: ten}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:7:41", "expected a number"},
    {"map_for_number", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: {x: 1}}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:7:41", "expected a number for 'mean', not a map"},
    {"bool_yes", HEAD "stages:\n  a:\n    open_case: yes\n    duration: {dist: fixed, value: 1}\n"
                 ARR, 0, NULL, NULL, NULL, NULL, "s.yaml:7:16", "expected true or false"},
    {"float_for_int", HEAD STAGES ARR "replications: 2.5\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:15", "expected a whole number"},
    {"negative_seed", HEAD STAGES ARR "seed: -1\n", 0, NULL, NULL, NULL, NULL, "s.yaml:10:7",
     "expected a whole number >= 0"},
    {"stages_is_list", HEAD "stages: [a]\n" ARR, 0, NULL, NULL, NULL, NULL, "s.yaml:5:9",
     "stages must be a map"},
    /* dates */
    {"bad_date", "version: 1\nname: t\nstart: 2020-02-30\nhorizon_days: 365\n" STAGES ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:3:8", "invalid date '2020-02-30'"},
    {"end_before_start", "version: 1\nname: t\nstart: 2020-01-01\nend: 2019-01-01\n" STAGES ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:4:6", "end must be after start"},
    /* not finite */
    {"nan", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: nan}\n" ARR, 0, NULL,
     NULL, NULL, NULL, "s.yaml:7:41", "finite"},
    {"dot_inf", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: .inf}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:7:41", "expected a number"},
    {"inf", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: inf}\n" ARR, 0, NULL,
     NULL, NULL, NULL, "s.yaml:7:41", "finite"},
    {"overflow", HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 1e999}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:7:41", "finite"},
    /* probabilities, negative durations and rates */
    {"probability_above_1",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n    next: {exit: 1.5}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:8:18", "must be in [0, 1]"},
    {"flag_probability_negative", HEAD STAGES
     "arrivals:\n  - {name: r, to: a, per_year: 1, flags: {x: -0.1}}\n", 0, NULL, NULL, NULL,
     NULL, "s.yaml:9:46", "must be in [0, 1]"},
    {"negative_duration", HEAD "stages:\n  a:\n    duration: {dist: fixed, value: -1}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:7:15", "durations cannot be negative"},
    {"negative_rate", HEAD STAGES "arrivals:\n  - {name: r, to: a, per_year: -5}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:9:32", "cannot be negative"},
    {"absence_one", HEAD STAGES ARR POOL("{a: 1}") "    absence: 1\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:15:14", "absence must be in [0, 1)"},
    /* routing */
    {"next_sums_to_0.9",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n"
          "    next: {exit: 0.5, a: 0.4}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:8:11", "sum to 0.9, not 1"},
    {"adjust_zeroes_row",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n"
          "    adjust:\n      - odds: {exit: 0}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:9:15", "zero"},
    /* dangling names */
    {"next_unknown_stage",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n    next: {b: 1}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:8:12", "unknown stage 'b' in next"},
    {"arrival_to_unknown", HEAD STAGES "arrivals:\n  - {name: r, to: b, per_year: 100}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:9:19", "unknown stage 'b' in to"},
    {"when_unknown_flag",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n"
          "    next: {a: 0.5, exit: 0.5}\n    adjust:\n      - when: {flag: nope}\n"
          "        odds: {a: 2}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:10:22", "unknown flag 'nope'"},
    {"odds_target_not_in_next",
     HEAD "stages:\n  a:\n    duration: {dist: exponential, mean: 10}\n"
          "    next: {a: 0.5, exit: 0.5}\n    adjust:\n      - when: {age: [0, 5]}\n"
          "        odds: {zz: 2}\n" ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:11:16", "odds target 'zz' is not in the next"},
    {"pool_named_like_a_stage", HEAD STAGES ARR "pools:\n  a:\n    workers: 1\n    caseload_cap: 5\n    serves: {a: 1}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:11:3", "has the name of a stage"},
    {"serves_unknown_stage", HEAD STAGES ARR POOL("{b: 1}"), 0, NULL, NULL, NULL, NULL,
     "s.yaml:14:14", "unknown stage 'b' in serves"},
    {"priority_unknown_stage", HEAD STAGES ARR POOL("{a: 1}") "    priority: [b]\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:15:16", "unknown stage 'b' in priority"},
    {"priority_not_served",
     HEAD "stages:\n  a: {duration: {dist: fixed, value: 1}}\n  b: {duration: {dist: fixed, "
          "value: 1}}\n" ARR POOL("{a: 1}") "    priority: [a, b]\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:15:19", "priority stage 'b' is not served"},
    {"initial_unknown_stage", HEAD STAGES ARR "initial:\n  b: 5\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:11:3", "unknown stage 'b' in initial"},
    {"observed_unknown_stage",
     HEAD STAGES ARR "observed:\n  - {stages: b, date: 2020-06-01, value: 1}\n", 0, NULL, NULL,
     NULL, NULL, "s.yaml:11:14", "unknown stage 'b' in observed"},
    {"stage_served_twice",
     HEAD STAGES ARR POOL("{a: 1}") "  q: {workers: 1, caseload_cap: 1, serves: {a: 2}}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:15:45", "already served by pool 'p'"},
    /* duplicate keys */
    {"duplicate_key", "version: 1\nname: t\nname: u\n", 0, NULL, NULL, NULL, NULL, "s.yaml:3:1",
     "duplicate key 'name' (first at line 2)"},
    /* YAML syntax */
    {"syntax_error", HEAD STAGES ARR "seed: [1, 2\n", 0, NULL, NULL, NULL, NULL, "s.yaml:11:1",
     "did not find expected ',' or ']'"},
    {"tab_indent", "version: 1\n\tname: t\n", 0, NULL, NULL, NULL, NULL, "s.yaml:2:1",
     "tab character"},
    {"tab_indent_hint", "version: 1\n\tname: t\n", 0, NULL, NULL, NULL, NULL, "s.yaml:2:1",
     "replace the tab with spaces"},
    /* a tab inside a mapping: libyaml says only "cannot start any token" */
    {"tab_indent_in_map", "version: 1\nstages:\n  a:\n\tduration: 3\n", 0, NULL, NULL, NULL,
     NULL, "s.yaml:4:1", "cannot start any token (while scanning for the next token started "
     "at line 4); YAML indents with spaces: replace the tab with spaces"},
    {"share_as_percent", HEAD STAGES ARR POOL("{a: 1}") "    absence: 45%\n", 0, NULL, NULL,
     NULL, NULL, "s.yaml:15:14", "write a share as a fraction (0.45)"},
    {"set_stage_typo", HEAD STAGES ARR, 0, NULL, NULL, NULL, "stages.b.duration.mean=3",
     "--set stages.b.duration.mean=3:1:1", "no key 'b'"},
    {"set_stage_swap", HEAD STAGES "  xy:\n    duration: {dist: fixed, value: 1}\n" ARR, 0, NULL,
     NULL, NULL, "stages.yx.duration.mean=3", "--set stages.yx.duration.mean=3:1:1",
     "(did you mean 'xy'?)"},
    /* empty files */
    {"empty_file", "", 0, NULL, NULL, NULL, NULL, "s.yaml:1:1", "empty scenario"},
    {"only_comments", "# a scenario\n\n   # nothing yet\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:1:1", "empty scenario"},
    /* binary */
    {"nul_byte", "version: 1\nna\0me: t\n", 20, NULL, NULL, NULL, NULL, "s.yaml:2:3", "NUL byte"},
    {"invalid_utf8", "version: 1\nname: \xc3\xa9t\xff\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:2:9", "invalid UTF-8"},
    {"control_char", "version: 1\nname: t\x01\n", 0, NULL, NULL, NULL, NULL, "s.yaml:2:8",
     "control characters are not allowed"},
    /* alias bombs and recursive aliases */
    {"alias_bomb", NULL, 0, gen_alias_bomb, NULL, NULL, NULL, "s.yaml:15:47", "alias bomb"},
    {"recursive_alias", HEAD STAGES ARR "costs: &c [*c]\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:12", "unknown alias '*c'"},
    /* absurd sizes */
    {"too_many_stages", NULL, 0, gen_many_stages, NULL, NULL, NULL, "s.yaml:70:3",
     "too many stages (more than 64)"},
    {"too_many_flags", NULL, 0, gen_many_flags, NULL, NULL, NULL, "s.yaml:77:7",
     "too many flags (more than 64)"},
    {"too_many_replications", HEAD STAGES ARR "replications: 100001\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:15", "between 1 and 100000"},
    {"too_many_initial", HEAD STAGES ARR "initial:\n  a: 50000001\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:11:6", "between 0 and 50000000"},
    {"horizon_too_long", "version: 1\nname: t\nstart: 2020-01-01\nhorizon_days: 73051\n" STAGES ARR,
     0, NULL, NULL, NULL, NULL, "s.yaml:4:15", "too long"},
    {"list_too_long", NULL, 0, gen_long_list, NULL, NULL, NULL, "s.yaml:10011:5",
     "too many items (more than 10000)"},
    {"file_too_large", NULL, 0, gen_huge_file, NULL, NULL, NULL, "s.yaml:1:1",
     "too large (more than 16 MiB)"},
    {"nested_too_deep",
     HEAD STAGES ARR "costs: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:10:71", "nested too deeply"},
    /* document shape */
    {"two_documents", HEAD STAGES ARR "---\nversion: 1\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:1", "more than one YAML document"},
    {"top_level_list", "- version\n- 1\n", 0, NULL, NULL, NULL, NULL, "s.yaml:1:1",
     "top level must be a map"},
    {"top_level_string", "just words\n", 0, NULL, NULL, NULL, NULL, "s.yaml:1:1",
     "top level must be a map"},
    /* costs / strands */
    {"costs_unknown_key", HEAD STAGES ARR "costs: {social_worker: 1}\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:9", "unknown key 'social_worker' in costs"},
    {"costs_unknown_pool", HEAD STAGES ARR "costs:\n  pools: {q: {per_worker_year: 1}}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:11:11", "unknown pool 'q' in costs.pools"},
    {"costs_negative", HEAD STAGES ARR "costs:\n  stages: {a: {per_child_day: -5}}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:11:31", "'per_child_day' cannot be negative"},
    {"costs_shares", HEAD STAGES ARR "costs:\n  stages:\n    a:\n      by_type:\n"
     "        - {type: x, share: 0.5, per_child_day: 1}\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:14:9", "the shares in by_type of stage 'a' sum to 0.5, not 1"},
    {"strand_not_a_map", HEAD STAGES ARR "strands:\n  - x\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:11:5", "each strand must be a map"},
    {"strand_unknown_type", HEAD STAGES ARR "strands:\n  - {type: edge_of_cair}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:11:12", "unknown strand type 'edge_of_cair' (did you mean "
                                       "'edge_of_care'?)"},
    {"strand_unknown_key", HEAD STAGES ARR "strands:\n  - {type: willow, wokers: 3, stages: a}\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:11:20", "unknown key 'wokers' in a strand of type "
                                                "'willow' (did you mean 'workers'?)"},
    {"strand_default_stage_missing", HEAD STAGES ARR "strands:\n  - {type: willow}\n", 0, NULL,
     NULL, NULL, NULL, "s.yaml:11:5", "works on stage 'cin' by default"},
    {"strand_bad_share", HEAD STAGES ARR "strands:\n  - {type: willow, stages: a, referral_share: 1.5}\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:11:47", "'referral_share' must be between 0 and 1"},
    {"strand_same_name", HEAD STAGES ARR "strands:\n  - {type: willow, stages: a}\n"
     "  - {type: willow, stages: a}\n", 0, NULL, NULL, NULL, NULL, "s.yaml:12:12",
     "two strands are named 'willow'"},
    {"strand_stage_name", HEAD STAGES ARR "strands:\n  - {type: willow, name: a, stages: a}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:11:26", "has the name of a stage or pool"},
    {"strand_pa_no_pool", HEAD STAGES ARR "strands:\n  - {type: pa}\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:11:5", "missing required key 'pool'"},
    {"strand_ends_first", HEAD STAGES ARR "strands:\n  - {type: willow, stages: a, start: 2020-06-01, "
     "end: 2020-05-01}\n", 0, NULL, NULL, NULL, NULL, "s.yaml:11:50", "must end after it starts"},
    {"strand_engagement_sum", HEAD STAGES ARR "strands:\n  - {type: willow, stages: a, engagement: "
     "{well: 0.5, not: 0.2}}\n", 0, NULL, NULL, NULL, NULL, "s.yaml:11:43",
     "the shares in engagement sum to 0.7, not 1"},
    {"strand_odds_target", HEAD STAGES ARR "strands:\n  - {type: willow, stages: a, odds: {care: 0.5}}\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:11:38", "unknown stage 'care' in odds"},
    /* includes */
    {"include_missing", "include: [nope.yaml]\n" HEAD STAGES ARR, 0, NULL, NULL, NULL, NULL,
     "s.yaml:1:11", "cannot read"},
    {"include_cycle", "include: [c1.yaml]\n" HEAD STAGES ARR, 0, NULL, "c1.yaml",
     "seed: 3\ninclude: [s.yaml]\n", NULL, "c1.yaml:2:11", "include cycle"},
    {"include_too_deep", NULL, 0, gen_deep_includes, NULL, NULL, NULL, "d16.yaml:1:11",
     "nested too deeply (more than 16"},
    {"include_error_keeps_file", "include: [i1.yaml]\n" HEAD STAGES ARR, 0, NULL, "i1.yaml",
     "seed: 3\nmax_age: -1\n", NULL, "i1.yaml:2:10", "'max_age' must be greater than 0"},
    /* --set */
    {"set_no_equals", HEAD STAGES ARR, 0, NULL, NULL, NULL, "replications", "--set replications:1:1",
     "expected PATH=VALUE"},
    {"set_missing_path", HEAD STAGES ARR, 0, NULL, NULL, NULL, "stages.b.duration.mean=3",
     "--set stages.b.duration.mean=3:1:1", "no key 'b'"},
    {"set_into_map", HEAD STAGES ARR, 0, NULL, NULL, NULL, "stages.a.duration=3",
     "--set stages.a.duration=3:1:1", "not a single value"},
    {"set_unknown_item", HEAD STAGES ARR, 0, NULL, NULL, NULL, "arrivals.x.per_year=3",
     "--set arrivals.x.per_year=3:1:1", "no list item named 'x'"},
    {"set_bad_value", HEAD STAGES ARR, 0, NULL, NULL, NULL, "stages.a.duration.mean=abc",
     "--set stages.a.duration.mean=abc:1:30", "expected a number"},
    {"set_new_unknown_key", HEAD STAGES ARR, 0, NULL, NULL, NULL, "stages.a.durtion=3",
     "--set stages.a.durtion=3:1:1", "unknown key 'durtion'"},
    /* observed CSV */
    {"csv_bad_value", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "date,stages,value\n2020-01-31,a,12\n2020-02-29,a,abc\n", NULL, "o.csv:3:3",
     "expected a number"},
    {"csv_unknown_column", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "date,stage,value\n", NULL, "o.csv:1:2", "unknown column 2 (expected"},
    {"csv_unknown_stage", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "value,stages,date\n1,a+zz,2020-01-31\n", NULL, "o.csv:2:2", "unknown stage '[data not shown]'"},
    /* malformed rows, found by sim/csv at the line and character where they are */
    {"csv_open_quote", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "date,stages,value\n2020-01-31,\"a,12\n", NULL, "o.csv:2:12", "a quoted field is not closed"},
    {"csv_text_after_quote", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "date,stages,value\n2020-01-31,\"a\"b,12\n", NULL, "o.csv:2:15", "text after a closing quote"},
    {"csv_quoted_line_break", HEAD STAGES ARR "observed:\n  - file: o.csv\n", 0, NULL, "o.csv",
     "date,stages,value,source\n2020-01-31,a,12,\"two\nlines\"\n2020-02-29,a,abc,x\n", NULL,
     "o.csv:4:3", "expected a number"},
    {"csv_missing", HEAD STAGES ARR "observed:\n  - file: none.csv\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:11:11", "cannot read"},
    /* missing required keys: at the enclosing map */
    {"missing_duration", HEAD "stages:\n  a:\n    next: {exit: 1}\n" ARR, 0, NULL, NULL, NULL,
     NULL, "s.yaml:7:5", "missing required key 'duration' in stage 'a'"},
    {"missing_start", "version: 1\nname: t\nhorizon_days: 365\n" STAGES ARR, 0, NULL, NULL, NULL,
     NULL, "s.yaml:1:1", "missing required key 'start'"},
    {"missing_gamma_sd", HEAD "stages:\n  a:\n    duration: {dist: gamma, mean: 10}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:7:15", "missing required key 'sd'"},
    {"missing_rate", HEAD STAGES "arrivals:\n  - {name: r, to: a}\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:9:5", "missing required key 'per_year'"},
    /* other rules of the format */
    {"version_2", "version: 2\nname: t\n", 0, NULL, NULL, NULL, NULL, "s.yaml:1:10",
     "version must be 1"},
    {"name_not_slug", "version: 1\nname: Big Name\n", 0, NULL, NULL, NULL, NULL, "s.yaml:2:7",
     "invalid scenario name 'Big Name'"},
    {"reserved_stage_name", HEAD "stages:\n  exit: {duration: {dist: fixed, value: 1}}\n" ARR, 0,
     NULL, NULL, NULL, NULL, "s.yaml:6:3", "'exit' is reserved"},
    {"horizon_and_end", HEAD "end: 2021-01-01\n" STAGES ARR, 0, NULL, NULL, NULL, NULL,
     "s.yaml:5:1", "either horizon_days or end, not both"},
    {"warmup_past_horizon", HEAD STAGES ARR "warmup_days: 365\n", 0, NULL, NULL, NULL, NULL,
     "s.yaml:10:14", "less than the horizon"},
    {"two_rates", HEAD STAGES "arrivals:\n  - {name: r, to: a, per_year: 1, per_day: 1}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:9:35", "only one of per_year"},
    {"duplicate_arrival", HEAD STAGES ARR "  - {name: r, to: a, per_day: 1}\n", 0, NULL, NULL,
     NULL, NULL, "s.yaml:10:12", "arrival name 'r' is used twice"},
    {"flags_and_profiles",
     HEAD STAGES "arrivals:\n  - {name: r, to: a, per_year: 1, flags: {x: 1}, profiles: []}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:9:50", "flags or profiles, not both"},
    {"profile_weights_zero",
     HEAD STAGES "arrivals:\n  - {name: r, to: a, per_year: 1, profiles: [{weight: 0}]}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:9:45", "sum to 0"},
    {"profile_not_ascending",
     HEAD STAGES "arrivals:\n  - name: r\n    to: a\n    per_year: 1\n    profile:\n"
                 "      - {from: 2021-01-01, multiplier: 1}\n"
                 "      - {from: 2021-01-01, multiplier: 2}\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:14:16", "strictly ascending"},
    {"trend_minus_one", HEAD STAGES "arrivals:\n  - {name: r, to: a, per_year: 1, trend_per_year: -1}\n",
     0, NULL, NULL, NULL, NULL, "s.yaml:9:51", "greater than -1"},
    {"entries_without_to",
     HEAD STAGES ARR "observed:\n  - {stages: a, metric: entries, from: 2020-01-01, value: 1}\n", 0,
     NULL, NULL, NULL, NULL, "s.yaml:11:5", "missing required key 'to'"},
};

/* Checks err is "WHERE: error: ..." with the phrase in the message. */
static void check_error(const fixture_t *fx, const bad_case_t *c, const char *err)
{
    char want[512];
    if (!strncmp(c->where, "--set", 5))
        snprintf(want, sizeof want, "%s: error: ", c->where);
    else
        snprintf(want, sizeof want, "%s/%s: error: ", fx->dir, c->where);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("%s: expected prefix \"%s\", got \"%s\"", c->probe, want, err);
    if (!strstr(err + strlen(want), c->phrase))
        fail_msg("%s: expected \"%s\" in \"%s\"", c->probe, c->phrase, err);
    if (strchr(err, '\n'))
        fail_msg("%s: newline in \"%s\"", c->probe, err);
}

static void bad_inputs(void **state)
{
    fixture_t *fx = *state;
    char *path = path_in(fx, "s.yaml");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *c = &bad_cases[i];
        char err[ERRLEN] = "untouched";
        scenario_t *sc = (scenario_t *)&err; /* must come back NULL */
        if (c->gen) {
            char *text = c->gen(fx);
            write_text(fx, "s.yaml", text);
            free(text);
        } else {
            write_bytes(fx, "s.yaml", c->text, c->len ? c->len : strlen(c->text));
        }
        if (c->extra_name)
            write_text(fx, c->extra_name, c->extra_text);
        const char *sets[1] = {c->set};
        int rc = scenario_load(path, sets, c->set ? 1 : 0, &sc, err, sizeof err);
        if (rc != SIM_EINVAL)
            fail_msg("%s: loaded (rc %d), expected an error at %s", c->probe, rc, c->where);
        assert_null(sc);
        if (getenv("CAREFLOW_TEST_VERBOSE"))
            print_message("%-28s %s\n", c->probe, err);
        check_error(fx, c, err);
    }
    free(path);
}

/* The valid scenario body the bad cases are made from loads: so each case fails for
 * the defect it adds, not for something in the common text. */
static void bad_inputs_base_is_valid(void **state)
{
    fixture_t *fx = *state;
    char err[ERRLEN];
    scenario_t *sc = NULL;
    char *path = path_in(fx, "s.yaml");
    write_text(fx, "s.yaml", HEAD STAGES ARR POOL("{a: 1}") "    priority: [a]\n"
                             "observed:\n  - file: o.csv\n");
    write_text(fx, "o.csv", "date,stages,value\n2020-01-31,a,12\n");
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(sc->n_observed, 1);
    scenario_free(sc);
    free(path);
}

/* ---- 3. alias bomb ------------------------------------------------------------- */

static void alias_bomb_refused_quickly(void **state)
{
    fixture_t *fx = *state;
    char err[ERRLEN];
    scenario_t *sc = NULL;
    /* the classic: nine levels of ten aliases, 10^9 strings when expanded */
    const char *bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                       "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                       "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                       "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    write_text(fx, "bomb.yaml", bomb);
    char *path = path_in(fx, "bomb.yaml");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(rc, SIM_EINVAL);
    assert_null(sc);
    assert_non_null(strstr(err, "alias bomb"));
    assert_non_null(strstr(err, "bomb.yaml:"));
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    assert_true(secs < 1.0);
    free(path);
}

/* ---- 4. mutations never crash -------------------------------------------------- */

/* Is err one line "FILE:LINE:COL: error: MESSAGE" with LINE, COL >= 1? */
static int well_formed(const char *err)
{
    const char *e = strstr(err, ": error: ");
    if (!e || strchr(err, '\n') || !e[9])
        return 0;
    const char *p = e;
    int fields = 0;
    while (fields < 2) { /* walk back over ":digits" twice */
        const char *q = p;
        while (q > err && q[-1] >= '0' && q[-1] <= '9')
            q--;
        if (q == p || q == err || q[-1] != ':' || q[0] == '0')
            return 0;
        p = q - 1;
        fields++;
    }
    return p > err;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void mutations_never_crash(void **state)
{
    fixture_t *fx = *state;
    write_full(fx);
    char *path = path_in(fx, "fuzz.yaml");
    size_t n0 = strlen(main_yaml);
    char *buf = malloc(2 * n0 + 64);
    assert_non_null(buf);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int loaded = 0, refused = 0;
    static const char tokens[] = "{}[],:&*!|>'\"#-?%@`\t\n \x00\xff\xc3";
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = n0;
        memcpy(buf, main_yaml, n0);
        int edits = 1 + (int)(next_rand(&seed) % 4);
        for (int k = 0; k < edits && n > 0; k++) {
            size_t at = next_rand(&seed) % n;
            switch (next_rand(&seed) % 6) {
            case 0: /* flip a byte */
                buf[at] = (char)next_rand(&seed);
                break;
            case 1: /* truncate */
                n = at;
                break;
            case 2: /* insert a YAML-meaningful byte */
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = tokens[next_rand(&seed) % (sizeof tokens - 1)];
                n++;
                break;
            case 3: { /* delete a run */
                size_t len = 1 + next_rand(&seed) % 16;
                if (at + len > n)
                    len = n - at;
                memmove(buf + at, buf + at + len, n - at - len);
                n -= len;
                break;
            }
            case 4: /* replace a digit by another */
                if (buf[at] >= '0' && buf[at] <= '9')
                    buf[at] = (char)('0' + next_rand(&seed) % 10);
                else
                    buf[at] = '9';
                break;
            default: { /* duplicate a run (lines, keys) */
                size_t len = 1 + next_rand(&seed) % 40;
                if (at + len > n)
                    len = n - at;
                if (n + len > 2 * n0 + 32)
                    break;
                memmove(buf + at + len, buf + at, n - at);
                n += len;
                break;
            }
            }
        }
        write_bytes(fx, "fuzz.yaml", buf, n);
        char err[ERRLEN] = "";
        scenario_t *sc = NULL;
        int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
        if (rc == 0) {
            assert_non_null(sc);
            scenario_free(sc);
            loaded++;
        } else {
            assert_int_equal(rc, SIM_EINVAL);
            assert_null(sc);
            if (!well_formed(err))
                fail_msg("iteration %d: malformed error \"%s\"", iter, err);
            refused++;
        }
    }
    if (getenv("CAREFLOW_TEST_VERBOSE"))
        print_message("mutations: %d loaded, %d refused\n", loaded, refused);
    /* the mutations exercised both outcomes */
    assert_true(loaded > 0);
    assert_true(refused > 0);
    free(buf);
    free(path);
}

/* ---- helpers ------------------------------------------------------------------- */

static void when_matches(void **state)
{
    scn_when_t w = {.age_min = 14, .age_max = 18, .flags_all = 3, .flags_none = 8,
                    .history_min = 1};
    assert_true(scenario_when_matches(&w, 14, 3, 1));
    assert_true(scenario_when_matches(&w, 17.99, 7, 5));
    assert_false(scenario_when_matches(&w, 18, 3, 1));   /* age_max is open */
    assert_false(scenario_when_matches(&w, 13.9, 3, 1));
    assert_false(scenario_when_matches(&w, 15, 1, 1));   /* a required flag missing */
    assert_false(scenario_when_matches(&w, 15, 11, 1));  /* an excluded flag set */
    assert_false(scenario_when_matches(&w, 15, 3, 0));   /* history too short */
    scn_when_t all = {.age_min = -INFINITY, .age_max = INFINITY};
    assert_true(scenario_when_matches(&all, 0, 0, 0));
    assert_true(scenario_when_matches(&all, 99, ~(uint64_t)0, 7));
}

static void steps_at(void **state)
{
    double day[] = {-INFINITY, 10, 20}, value[] = {1, 2, 3};
    scn_steps_t s = {3, day, value};
    assert_double_equal(scenario_steps_at(&s, -1e300, -7), 1, 0);
    assert_double_equal(scenario_steps_at(&s, 9.999, -7), 1, 0);
    assert_double_equal(scenario_steps_at(&s, 10, -7), 2, 0);
    assert_double_equal(scenario_steps_at(&s, 19, -7), 2, 0);
    assert_double_equal(scenario_steps_at(&s, 1e9, -7), 3, 0);
    scn_steps_t t = {2, day + 1, value + 1};
    assert_double_equal(scenario_steps_at(&t, 5, -7), -7, 0); /* before the first */
    assert_double_equal(scenario_steps_at(&t, 20, -7), 3, 0);
    scn_steps_t none = {0, NULL, NULL};
    assert_double_equal(scenario_steps_at(&none, 5, 4), 4, 0);
}

/* ---- 6. files: FIFOs, the include budget, linear merges ------------------------ */

/* Runs fn(fx) in a child process stopped by SIGALRM after `secs` seconds: a load that
 * hangs (a FIFO read with no writer) or runs away fails the test instead of hanging
 * it. fn returns 0 when its checks pass; it prints what failed. */
static void in_child(fixture_t *fx, int (*fn)(fixture_t *fx), unsigned secs, const char *what)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(secs);
        _exit(fn(fx) == 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("%s: killed by signal %d (hung for more than %u s?)", what,
                 WTERMSIG(status), secs);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s: failed (see above)", what);
}

/* Loads name in fx and expects SIM_EINVAL with `phrase` and the prefix `where`
 * (relative to fx->dir). Returns 0 when so; prints and returns 1 otherwise. */
static int expect_refused(fixture_t *fx, const char *name, const char *where,
                          const char *phrase)
{
    char err[ERRLEN] = "", want[512];
    scenario_t *sc = NULL;
    char *path = path_in(fx, name);
    int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
    free(path);
    snprintf(want, sizeof want, "%s/%s: error: ", fx->dir, where);
    if (rc != SIM_EINVAL || sc || strncmp(err, want, strlen(want)) || !strstr(err, phrase)) {
        fprintf(stderr, "%s: rc %d, expected \"%s...%s\", got \"%s\"\n", name, rc, want,
                phrase, err);
        scenario_free(sc);
        return 1;
    }
    return 0;
}

static int fifo_loads(fixture_t *fx)
{
    return expect_refused(fx, "fifo.yaml", "fifo.yaml:1:1", "not a regular file") |
           expect_refused(fx, "inc.yaml", "inc.yaml:1:11", "not a regular file") |
           expect_refused(fx, "obs.yaml", "obs.yaml:11:11", "not a regular file");
}

/* A FIFO given as the scenario, an include or an observed file is refused at once:
 * opening it must not wait for a writer, nor reading it for data. */
static void fifo_refused(void **state)
{
    fixture_t *fx = *state;
    char *fifo = path_in(fx, "fifo.yaml");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fx->files[fx->n_files++] = strdup("fifo.yaml");
    write_text(fx, "inc.yaml", "include: [fifo.yaml]\n");
    write_text(fx, "obs.yaml", HEAD STAGES ARR "observed:\n  - file: fifo.yaml\n");
    in_child(fx, fifo_loads, 5, "fifo_refused");
    free(fifo);
}

/* level N lists 100 copies of level N+1: 10^6 files if nothing stops it */
static int include_bomb_load(fixture_t *fx)
{
    return expect_refused(fx, "bomb0.yaml", "bomb2.yaml:53:5", "too many files");
}

static void include_bomb_refused(void **state)
{
    fixture_t *fx = *state;
    for (int level = 0; level < 3; level++) {
        char *text = NULL, name[32];
        text = cat(text, "%sinclude:\n", level == 0 ? HEAD STAGES ARR : "");
        for (int i = 0; i < 100; i++)
            text = cat(text, "  - bomb%d.yaml\n", level + 1);
        snprintf(name, sizeof name, "bomb%d.yaml", level);
        write_text(fx, name, text);
        free(text);
    }
    write_text(fx, "bomb3.yaml", "max_age: 17\n");
    /* files read: bomb0, bomb1, bomb2 and 100 bomb3 (103), bomb2 + 100 (204), bomb2 +
     * 51 (256): the 52nd item of the third bomb2.yaml (line 53) is file 257 */
    in_child(fx, include_bomb_load, 10, "include_bomb_refused");
}

static int big_include_load(fixture_t *fx)
{
    return expect_refused(fx, "bigmain.yaml", "bigmain.yaml:10:51", "at most 64 MiB");
}

/* Five includes of a 15 MiB file: each is within the per-file limit, together they
 * pass the 64 MiB budget of one load, refused at the fifth. */
static void include_bytes_budget(void **state)
{
    fixture_t *fx = *state;
    size_t n = 15u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "max_age: 17 # padding", 21);
    big[n - 1] = '\n';
    write_bytes(fx, "big.yaml", big, n);
    free(big);
    write_text(fx, "bigmain.yaml", HEAD STAGES ARR
               "include: [big.yaml, big.yaml, big.yaml, big.yaml, big.yaml]\n");
    in_child(fx, big_include_load, 20, "include_bytes_budget");
}

/* "x:" then `lines` lines "- [0, 0, ...]" of 10,000 scalars each, the last of `last`:
 * 3 + lines * 10,001 - (10,000 - last) nodes (the map, x, the list, each line's list and
 * its scalars). */
static void write_nodes(fixture_t *fx, const char *name, int lines, int last)
{
    size_t cap = 4 + (size_t)lines * (5 + 2 * 10000);
    char *s = malloc(cap), *p = s;
    assert_non_null(s);
    p += sprintf(p, "x:\n");
    for (int i = 0; i < lines; i++) {
        int n = i == lines - 1 ? last : 10000;
        p += sprintf(p, "- [");
        for (int j = 0; j < n; j++)
            p += sprintf(p, j < n - 1 ? "0," : "0]\n");
    }
    write_bytes(fx, name, s, (size_t)(p - s));
    free(s);
}

/* The node budget of one load, YTREE_MAX_NODES: a file one node past it is refused at
 * that node; so is the second include of a file holding half of it (the budget is per
 * load, every file counted each time it is read), where the four includes of a 15 MiB
 * file used to build gigabytes of nodes within the byte budget. */
static void node_budget(void **state)
{
    fixture_t *fx = *state;
    char where[64];
    _Static_assert(YTREE_MAX_NODES == 2000000UL, "the counts below assume 2,000,000");
    /* 3 + 199 * 10,001 + 1 + 9,798 = 2,000,001: the last scalar, line 201, column 4 +
     * 2 * 9,797 */
    write_nodes(fx, "n1.yaml", 200, 9798);
    snprintf(where, sizeof where, "n1.yaml:201:%d", 4 + 2 * 9797);
    assert_int_equal(expect_refused(fx, "n1.yaml", where, "too many YAML nodes"), 0);
    /* top: 5 nodes; each n2.yaml: 3 + 100 * 10,001 = 1,000,103; node 2,000,001 is the
     * second n2.yaml's 999,893rd: line 2 + 99, its 9,791st node, scalar 9,790 */
    write_nodes(fx, "n2.yaml", 100, 10000);
    write_text(fx, "n2main.yaml", "include: [n2.yaml, n2.yaml]\n");
    snprintf(where, sizeof where, "n2.yaml:101:%d", 4 + 2 * 9789);
    assert_int_equal(expect_refused(fx, "n2main.yaml", where, "at most 2000000"), 0);
}

/* ytree_merge of two maps of 20,000 keys each, half of them shared: right, and
 * (not asserted) fast, where it was quadratic. */
static void merge_large_maps(void **state)
{
    (void)state;
    enum { N = 20000 };
    ytree_t *t = ytree_new();
    assert_non_null(t);
    ytree_node_t *a = ytree_container(t, YTREE_MAP, "a", 1, 1, N);
    ytree_node_t *b = ytree_container(t, YTREE_MAP, "b", 1, 1, N);
    assert_non_null(a);
    assert_non_null(b);
    char key[32];
    for (int i = 0; i < N; i++) { /* a: k0..k19999; b: k10000..k29999 */
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(ytree_append(a, ytree_scalar(t, "a", 1, 1, key, 1),
                                      ytree_scalar(t, "a", 1, 1, "a", 1)), 0);
        snprintf(key, sizeof key, "k%d", i + N / 2);
        assert_int_equal(ytree_append(b, ytree_scalar(t, "b", 1, 1, key, 1),
                                      ytree_scalar(t, "b", 1, 1, "b", 1)), 0);
    }
    ytree_node_t *m = ytree_merge(t, a, b, "dist");
    assert_non_null(m);
    assert_int_equal(m->n, N + N / 2);
    for (int i = 0; i < N + N / 2; i++) { /* a's order, then b's new keys */
        snprintf(key, sizeof key, "k%d", i);
        assert_string_equal(m->key[i]->str, key);
        assert_string_equal(m->val[i]->str, i < N / 2 ? "a" : "b");
    }
    ytree_free(t);
}

/* ---- 7. limits on what a scenario may ask for, at their boundaries -------------- */

typedef struct bound_case {
    const char *probe;
    const char *text;   /* s.yaml */
    const char *phrase; /* NULL: loads; else in the message */
} bound_case_t;

#define HEAD4 "version: 1\nname: t\nstart: 2020-01-01\nhorizon_days: 1461\n"
#define STAGES2 STAGES "  b:\n    duration: {dist: exponential, mean: 10}\n"
#define ARRIVAL(rate) HEAD4 STAGES "arrivals:\n  - {name: r, to: a, " rate "}\n"
#define INITIAL(a, b) HEAD4 STAGES2 ARR "initial: {a: " a ", b: " b "}\n"

static const bound_case_t bound_cases[] = {
    {"per_year_at_limit", ARRIVAL("per_year: 10000000"), NULL},
    {"per_year_over", ARRIVAL("per_year: 10000001"), "per_year is too high"},
    {"per_year_1e300", ARRIVAL("per_year: 1e300"), "per_year is too high"},
    {"per_day_at_limit", ARRIVAL("per_day: 27378"), NULL},
    {"per_day_over", ARRIVAL("per_day: 27379"), "per_day is too high"},
    {"per_month_at_limit", ARRIVAL("per_month: 833333"), NULL},
    {"per_month_over", ARRIVAL("per_month: 833334"), "per_month is too high"},
    /* four years: 1e6 x 1.5^4 = 5.06e6 fits; 1e6 x 2^4 = 1.6e7 does not */
    {"trend_within", ARRIVAL("per_year: 1000000, trend_per_year: 0.5"), NULL},
    {"trend_over", ARRIVAL("per_year: 1000000, trend_per_year: 1"), "at its peak"},
    {"profile_at_limit",
     ARRIVAL("per_year: 1000000, profile: [{from: 2021-01-01, multiplier: 10}]"), NULL},
    {"profile_over",
     ARRIVAL("per_year: 1000000, profile: [{from: 2021-01-01, multiplier: 10.5}]"),
     "at its peak"},
    {"streams_at_limit",
     HEAD4 STAGES "arrivals:\n  - {name: r, to: a, per_year: 5000000}\n"
                  "  - {name: s, to: a, per_year: 5000000}\n", NULL},
    {"streams_over",
     HEAD4 STAGES "arrivals:\n  - {name: r, to: a, per_year: 5000000}\n"
                  "  - {name: s, to: a, per_year: 5000001}\n", "streams together"},
    {"initial_at_limit", INITIAL("50000000", "0"), NULL},
    {"initial_over", INITIAL("50000001", "0"), "between 0 and 50000000"},
    {"initial_total_at_limit", INITIAL("25000000", "25000000"), NULL},
    {"initial_total_over", INITIAL("25000000", "25000001"), "in all stages"},
    {"workers_at_limit", HEAD4 STAGES ARR POOL("{a: 1}") , NULL},
    {"workers_over", HEAD4 STAGES ARR
     "pools:\n  p:\n    workers: 1000001\n    caseload_cap: 5\n    serves: {a: 1}\n",
     "workers must be at most 1000000"},
    {"workers_step_over", HEAD4 STAGES ARR
     "pools:\n  p:\n    workers: [{from: 2020-01-01, value: 1000001}]\n"
     "    caseload_cap: 5\n    serves: {a: 1}\n", "workers must be at most 1000000"},
    {"caseload_cap_at_limit", HEAD4 STAGES ARR
     "pools:\n  p:\n    workers: 1000000\n    caseload_cap: 1000000\n    serves: {a: 1}\n",
     NULL},
    {"caseload_cap_over", HEAD4 STAGES ARR
     "pools:\n  p:\n    workers: 1\n    caseload_cap: 1000001\n    serves: {a: 1}\n",
     "caseload_cap must be at most 1000000"},
    {"replications_at_limit", HEAD4 STAGES ARR "replications: 100000\n", NULL},
    {"replications_over", HEAD4 STAGES ARR "replications: 100001\n", "between 1 and 100000"},
    {"horizon_at_limit", "version: 1\nname: t\nstart: 2020-01-01\nhorizon_days: 73050\n"
                         STAGES ARR, NULL},
    {"horizon_over", "version: 1\nname: t\nstart: 2020-01-01\nhorizon_days: 73051\n"
                     STAGES ARR, "too long"},
};

static void bounds_at_the_limits(void **state)
{
    fixture_t *fx = *state;
    char *path = path_in(fx, "s.yaml");
    for (size_t i = 0; i < sizeof bound_cases / sizeof bound_cases[0]; i++) {
        const bound_case_t *c = &bound_cases[i];
        char err[ERRLEN] = "";
        scenario_t *sc = NULL;
        write_text(fx, "s.yaml", c->text);
        int rc = scenario_load(path, NULL, 0, &sc, err, sizeof err);
        if (!c->phrase && rc != 0)
            fail_msg("%s: expected to load, got \"%s\"", c->probe, err);
        if (c->phrase && (rc != SIM_EINVAL || !strstr(err, c->phrase)))
            fail_msg("%s: rc %d, expected \"%s\" in \"%s\"", c->probe, rc, c->phrase, err);
        scenario_free(sc);
    }
    free(path);
}

/* ---- 8. messages: no file contents, and their end survives a long path ---------- */

static void csv_contents_never_echoed(void **state)
{
    fixture_t *fx = *state;
    char *path = path_in(fx, "s.yaml");
    static const char *const csvs[] = {
        "root:SECRET-hash-1:19000:0:99999:7:::\n",                 /* the header */
        "date,stages,value\n2020-01-31,a,SECRET-2\n",             /* a number */
        "date,stages,value\n2020-01-31,a+SECRET-3,1\n",           /* a stage */
        "date,stages,value\nSECRET-4,a,1\n",                      /* a date */
        "date,stages,metric,value\n2020-01-31,a,SECRET-5,1\n",    /* a metric */
    };
    write_text(fx, "s.yaml", HEAD STAGES ARR "observed:\n  - file: o.csv\n");
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++) {
        char err[ERRLEN] = "";
        scenario_t *sc = NULL;
        write_text(fx, "o.csv", csvs[i]);
        assert_int_equal(scenario_load(path, NULL, 0, &sc, err, sizeof err), SIM_EINVAL);
        if (!strstr(err, "o.csv:") || strstr(err, "SECRET"))
            fail_msg("case %zu: the message shows the file: \"%s\"", i, err);
    }
    free(path);
}

/* A scenario ~3,000 characters deep in folders: the message is longer than err, and
 * keeps its end (the position and the message) rather than its start. */
static void long_path_keeps_message(void **state)
{
    fixture_t *fx = *state;
    char path[4096], comp[201];
    memset(comp, 'd', 200);
    comp[200] = 0;
    snprintf(path, sizeof path, "%s", fx->dir);
    for (int i = 0; i < 15; i++) {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "/%s", comp);
        assert_int_equal(mkdir(path, 0700), 0);
    }
    size_t dirlen = strlen(path);
    snprintf(path + dirlen, sizeof path - dirlen, "/s.yaml");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("version: 2\nname: t\n", f);
    fclose(f);
    char err[ERRLEN] = "";
    scenario_t *sc = NULL;
    assert_int_equal(scenario_load(path, NULL, 0, &sc, err, sizeof err), SIM_EINVAL);
    assert_null(sc);
    unlink(path);
    for (int i = 0; i < 15; i++) { /* first, so that a failure leaves nothing behind */
        path[dirlen] = 0;
        assert_int_equal(rmdir(path), 0);
        dirlen -= 201;
    }
    const char *want = "s.yaml:1:10: error: version must be 1 (got '2')";
    size_t n = strlen(err), w = strlen(want);
    if (n < w || strcmp(err + n - w, want) != 0)
        fail_msg("expected the message to end with \"%s\", got \"%s\"", want, err);
}

/* User text as long as 17,000 characters (a --set, a key, a value) or a --set past its
 * limit: the message is one line, still ends with its own end, and quotes the text
 * clipped (no more than SIM_ERR_CLIP characters of it in a row). */
static void long_user_text_keeps_message(void **state)
{
    fixture_t *fx = *state;
    enum { LONG = 17000, BIG = 70000 };
    char *set_path = malloc(LONG + 32), *set_seed = malloc(LONG + 32), *big = malloc(BIG + 1);
    char *key_yaml = malloc(LONG + 256);
    assert_true(set_path && set_seed && big && key_yaml);
    snprintf(set_path, LONG + 32, "nosuchkey.x=%0*d", LONG, 9);
    snprintf(set_seed, LONG + 32, "seed=1%0*d", LONG, 0);
    snprintf(big, BIG + 1, "seed=%0*d", BIG - 5, 1);
    snprintf(key_yaml, LONG + 256, HEAD STAGES ARR "? x%0*d\n: 1\n", LONG, 0);
    const struct {
        const char *probe, *yaml, *set, *tail;
    } cases[] = {
        {"set_unknown_path", HEAD STAGES ARR, set_path,
         ":1:1: error: no key 'nosuchkey' at 'nosuchkey.x'"},
        {"set_value_too_big", HEAD STAGES ARR, set_seed, ")"},
        {"file_unknown_key", key_yaml, NULL, "' in the scenario"},
        {"set_too_long", HEAD STAGES ARR, big, ":1:1: error: --set argument is too long: "
                                               "70000 bytes (at most 65536)"},
    };
    char *path = path_in(fx, "s.yaml");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[ERRLEN] = "";
        scenario_t *sc = NULL;
        write_text(fx, "s.yaml", cases[i].yaml);
        const char *sets[1] = {cases[i].set};
        int rc = scenario_load(path, sets, cases[i].set ? 1 : 0, &sc, err, sizeof err);
        assert_null(sc);
        if (getenv("CAREFLOW_TEST_VERBOSE"))
            print_message("%-20s %s\n", cases[i].probe, err);
        size_t n = strlen(err), w = strlen(cases[i].tail);
        if (rc != SIM_EINVAL || !well_formed(err) || n < w ||
            strcmp(err + n - w, cases[i].tail) != 0)
            fail_msg("%s: rc %d, expected a message ending \"%s\", got \"%s\"",
                     cases[i].probe, rc, cases[i].tail, err);
        if (cases[i].set && strncmp(err, "--set ", 6) != 0)
            fail_msg("%s: expected the --set pseudo-file first, got \"%s\"", cases[i].probe,
                     err);
        const char *run = strstr(err, "000");
        if (run && strspn(run, "0") > SIM_ERR_CLIP)
            fail_msg("%s: quotes more than %d characters: \"%s\"", cases[i].probe,
                     SIM_ERR_CLIP, err);
    }
    free(path);
    free(key_yaml);
    free(set_path);
    free(set_seed);
    free(big);
}

/* ---- 9. scenario_vary: the same scenario as a load with all the --set ----------- */

/* A canonical text of everything a scenario holds (%a: doubles exactly). */
static char *dump(const scenario_t *sc)
{
    char *s = NULL;
#define D(d) s = cat(s, "dist %d %a %a %a %a %a %a %a %d\n", (int)(d).kind, (d).mean, (d).sd, \
                     (d).shape, (d).scale, (d).min, (d).max, (d).value, (d).n);            \
    for (int q = 0; q < (d).n; q++) s = cat(s, " %a %a\n", (d).x[q], (d).p[q])
#define ATTRS(a)                                                                         \
    D((a).age);                                                                          \
    for (int q = 0; q < (a).n_flag; q++) s = cat(s, "flag %d %a\n", (a).flag[q], (a).flag_p[q]); \
    for (int q = 0; q < (a).n_mix; q++) s = cat(s, "mix %a %llx\n", (a).mix[q].weight,   \
                                                (unsigned long long)(a).mix[q].flags)
    s = cat(s, "%s|%s|%s|%ld %a %a %d %a %d %llu %a\n", sc->path, sc->name, sc->title,
            sc->start, sc->horizon, sc->warmup, sc->report_monthly, sc->report_every,
            sc->replications, (unsigned long long)sc->seed, sc->max_age);
    for (int i = 0; i < sc->n_flags; i++)
        s = cat(s, "flag %s\n", sc->flags[i]);
    for (int i = 0; i < sc->n_stages; i++) {
        const scn_stage_t *st = &sc->stages[i];
        s = cat(s, "stage %s|%s %d %d %a %d %d\n", st->name, st->title, st->open_case,
                st->pool, st->weight, st->prio, st->is_entry);
        D(st->duration);
        for (int j = 0; j < st->n_next; j++)
            s = cat(s, " next %d %a\n", st->next_stage[j], st->next_p[j]);
        for (int j = 0; j < st->n_adjust; j++) {
            const scn_adjust_t *a = &st->adjust[j];
            s = cat(s, " adjust %a %a %llx %llx %d\n", a->when.age_min, a->when.age_max,
                    (unsigned long long)a->when.flags_all,
                    (unsigned long long)a->when.flags_none, a->when.history_min);
            for (int k = 0; k < a->n; k++)
                s = cat(s, "  %d %a\n", a->target[k], a->odds[k]);
        }
    }
    for (int i = 0; i < sc->n_arrivals; i++) {
        const scn_arrival_t *a = &sc->arrivals[i];
        s = cat(s, "arrival %s %d %a %d %a\n", a->name, a->to, a->rate, a->regular, a->trend);
        for (int j = 0; j < a->profile.n; j++)
            s = cat(s, " step %a %a\n", a->profile.day[j], a->profile.value[j]);
        ATTRS(a->attrs);
    }
    for (int i = 0; i < sc->n_initial; i++) {
        const scn_initial_t *in = &sc->initial[i];
        s = cat(s, "initial %d %ld %d\n", in->stage, in->count, in->fresh);
        ATTRS(in->attrs);
    }
    for (int i = 0; i < sc->n_pools; i++) {
        const scn_pool_t *p = &sc->pools[i];
        s = cat(s, "pool %s %a %a %d\n", p->name, p->absence, p->caseload_cap, p->n_levels);
        for (int j = 0; j < p->workers.n; j++)
            s = cat(s, " w %a %a\n", p->workers.day[j], p->workers.value[j]);
        for (int j = 0; j < p->n_serves; j++)
            s = cat(s, " serves %d %a\n", p->serves[j], p->serves_weight[j]);
    }
    for (int i = 0; i < sc->n_observed; i++) {
        const scn_observed_t *o = &sc->observed[i];
        s = cat(s, "obs %llx %s %d %a %a %a %ld %a %s\n", (unsigned long long)o->stages,
                o->label, (int)o->metric, o->day, o->from, o->to, o->date, o->value,
                o->source ? o->source : "-");
    }
    for (int i = 0; i < sc->n_strands; i++) {
        const scn_strand_t *t = &sc->strands[i];
        s = cat(s, "strand %s %s %a %a %a %llx %a %a %a %d %d %a %d %a %a %a %d %a %a %a\n",
                t->name, t->type, t->start, t->stop, t->ramp, (unsigned long long)t->stages,
                t->refer_p, t->takeup_p, t->places, t->turn_away, t->n_odds, t->dur_factor,
                t->pool, t->covered, t->cap_gain, t->absence_cut, t->arrival,
                t->arrival_share, t->arrival_cut, t->engage_p[0]);
        if (t->duration.kind != DIST_KIND_N) {
            D(t->duration);
        }
        for (int j = 0; j < t->n_odds; j++)
            s = cat(s, " odds %d %a\n", t->odds_stage[j], t->odds[j]);
    }
    for (int i = 0; i < sc->n_costs; i++)
        s = cat(s, "cost %s %s %d %d %a\n", sc->costs[i].component, sc->costs[i].item,
                (int)sc->costs[i].kind, sc->costs[i].ref, sc->costs[i].rate);
    s = cat(s, "currency %s\n", sc->currency);
    for (int i = 0; i < sc->n_uncertain; i++)
        s = cat(s, "uncertain %s|%s %d %a %a\n", sc->uncertain[i].path,
                sc->uncertain[i].label, (int)sc->uncertain[i].dist.kind,
                sc->uncertain[i].dist.min, sc->uncertain[i].dist.max);
    for (int i = 0; i < sc->n_inputs; i++)
        s = cat(s, "input %s %s %lld\n", sc->inputs[i].path, sc->inputs[i].sha256,
                sc->inputs[i].bytes);
#undef D
#undef ATTRS
    return s;
}

/* the full scenario, a strand, costs and an uncertain item in an include */
static void write_vary(fixture_t *fx)
{
    write_full(fx);
    write_text(fx, "extra.yaml",
               "costs: {pools: {cin_teams: {per_worker_year: 50000}}}\n"
               "strands:\n"
               "  - {type: intervention, name: mentors, stages: cin, places: 20,\n"
               "     duration: {dist: fixed, value: 90}, odds: {exit: 1.5},\n"
               "     cost_per_year: 1000}\n"
               "uncertain:\n"
               "  - {path: stages.referral.duration.mean, dist: uniform, min: 1, max: 3}\n");
    write_text(fx, "vary.yaml", "include: [main.yaml, extra.yaml]\n");
}

static const char *const vary_base_sets[] = {"seed=5", "arrivals.transfers.per_month=4"};
/* each row: more --set; the first reaches into base.yaml (an include of an include) */
static const char *const vary_more[][2] = {
    {"stages.referral.duration.mean=3", NULL},
    {"replications=3", "strands.mentors.places=7"},
    {"pools.cin_teams.workers=230", "stages.assessment.duration.mean=40"},
    {NULL, NULL},
};

/* scenario_load(path, base sets + more) */
static char *load_dump(fixture_t *fx, const char *const *more, char *err, int *rc)
{
    const char *all[4];
    int n = 0;
    for (int i = 0; i < 2; i++)
        all[n++] = vary_base_sets[i];
    for (int i = 0; i < 2 && more[i]; i++)
        all[n++] = more[i];
    scenario_t *sc = NULL;
    char *path = path_in(fx, "vary.yaml");
    *rc = scenario_load(path, all, n, &sc, err, ERRLEN);
    free(path);
    char *d = sc ? dump(sc) : NULL;
    scenario_free(sc);
    return d;
}

static char *vary_dump(const scenario_t *base, const char *const *more, char *err, int *rc)
{
    int n = more[0] ? more[1] ? 2 : 1 : 0;
    scenario_t *sc = NULL;
    *rc = scenario_vary(base, more, n, &sc, err, ERRLEN);
    char *d = sc ? dump(sc) : NULL;
    scenario_free(sc);
    return d;
}

static void vary_equals_load(void **state)
{
    fixture_t *fx = *state;
    char err[ERRLEN], err2[ERRLEN];
    int rc, rc2;
    write_vary(fx);
    char *path = path_in(fx, "vary.yaml");
    scenario_t *base = NULL;
    if (scenario_load(path, vary_base_sets, 2, &base, err, sizeof err) != 0)
        fail_msg("%s", err);
    /* what it read, in read order */
    static const char *const read[] = {"vary.yaml", "main.yaml", "base.yaml", "deep.yaml",
                                       "over.yaml", "extra.yaml", "obs.csv"};
    assert_int_equal(base->n_inputs, 7);
    for (int i = 0; i < 7; i++) {
        char *p = path_in(fx, read[i]), hex[65];
        assert_string_equal(base->inputs[i].path, p);
        assert_int_equal(sha256_file_hex(p, hex), 0);
        assert_string_equal(base->inputs[i].sha256, hex);
        free(p);
    }
    char *want[4];
    for (int k = 0; k < 4; k++) {
        want[k] = load_dump(fx, vary_more[k], err, &rc);
        if (rc != 0)
            fail_msg("row %d: %s", k, err);
        char *got = vary_dump(base, vary_more[k], err, &rc);
        if (rc != 0)
            fail_msg("row %d: %s", k, err);
        assert_string_equal(got, want[k]);
        free(got);
    }
    assert_string_not_equal(want[0], want[3]); /* the set took effect */
    /* the same errors, in the same words */
    const char *const bad[2] = {"stages.referral.duration.mean=-3", NULL};
    char *d = load_dump(fx, bad, err, &rc);
    assert_null(d);
    d = vary_dump(base, bad, err2, &rc2);
    assert_null(d);
    assert_int_equal(rc, SIM_EINVAL);
    assert_int_equal(rc2, rc);
    assert_string_equal(err2, err);
    /* no file is read again: change and remove every one, then vary */
    write_text(fx, "obs.csv", "date,stages,value\n2099-01-01,zz,1\n");
    write_text(fx, "base.yaml", "max_age: nonsense\n");
    for (int i = 0; i < 7; i++) {
        char *p = path_in(fx, read[i]);
        assert_int_equal(unlink(p), 0);
        free(p);
    }
    for (int k = 0; k < 4; k++) {
        char *got = vary_dump(base, vary_more[k], err, &rc);
        if (rc != 0)
            fail_msg("row %d after the files went: %s", k, err);
        assert_string_equal(got, want[k]);
        free(got);
    }
    /* a varied scenario varies again, with both lists of sets */
    scenario_t *v1 = NULL, *v2 = NULL;
    assert_int_equal(scenario_vary(base, vary_more[1], 1, &v1, err, sizeof err), 0);
    assert_int_equal(scenario_vary(v1, vary_more[1] + 1, 1, &v2, err, sizeof err), 0);
    scenario_free(base); /* the varied ones keep what they need */
    scenario_free(v1);
    d = dump(v2);
    assert_string_equal(d, want[1]);
    free(d);
    scenario_free(v2);
    for (int k = 0; k < 4; k++)
        free(want[k]);
    free(path);
    /* write_full's files are gone: forget them */
    for (int i = 0; i < fx->n_files; i++)
        free(fx->files[i]);
    fx->n_files = 0;
}

typedef struct vary_job {
    const scenario_t *base;
    const char *want[4]; /* dumps */
    int failures;
} vary_job_t;

static void *vary_thread(void *arg)
{
    vary_job_t *j = arg;
    char err[ERRLEN];
    for (int r = 0; r < 20; r++)
        for (int k = 0; k < 4; k++) {
            int rc;
            char *got = vary_dump(j->base, vary_more[k], err, &rc);
            if (rc != 0 || strcmp(got, j->want[k]) != 0)
                j->failures++;
            free(got);
        }
    return NULL;
}

/* Four threads vary one base at once: each result is what one thread alone gets. */
static void vary_in_threads(void **state)
{
    fixture_t *fx = *state;
    char err[ERRLEN];
    int rc;
    write_vary(fx);
    char *path = path_in(fx, "vary.yaml");
    scenario_t *base = NULL;
    if (scenario_load(path, vary_base_sets, 2, &base, err, sizeof err) != 0)
        fail_msg("%s", err);
    vary_job_t jobs[4];
    char *want[4];
    for (int k = 0; k < 4; k++) {
        want[k] = vary_dump(base, vary_more[k], err, &rc);
        assert_int_equal(rc, 0);
    }
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t].base = base;
        jobs[t].failures = 0;
        for (int k = 0; k < 4; k++)
            jobs[t].want[k] = want[k];
        assert_int_equal(pthread_create(&th[t], NULL, vary_thread, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(jobs[t].failures, 0);
    }
    for (int k = 0; k < 4; k++)
        free(want[k]);
    scenario_free(base);
    free(path);
}

/* ---- 10. out of memory: every allocation of a load fails in turn ---------------- */

/* A load that fails at allocation N, for every N until one succeeds, returns
 * SIM_ENOMEM with "out of memory" and leaves nothing allocated. */
static void oom_every_allocation(void **state)
{
    fixture_t *fx = *state;
    char *path = path_in(fx, "s.yaml");
    const char *sets[] = {"arrivals.r.per_year=50"};
    write_text(fx, "inc.yaml", "max_age: 17\nstages:\n  b: {duration: {dist: fixed, value: 2}}\n");
    write_text(fx, "o.csv", "date,stages,value\n2020-01-31,a+b,12\n");
    write_text(fx, "s.yaml", "include: [inc.yaml]\n" HEAD STAGES ARR POOL("{a: 1}")
               "observed:\n  - file: o.csv\n"
               "strands:\n  - {type: intervention, stages: a, places: 3,\n"
               "     duration: {dist: fixed, value: 9}, cost_per_year: 5}\n"
               "costs: {pools: {p: {per_worker_year: 1}}}\n"
               "uncertain:\n  - {path: max_age, dist: uniform, min: 16, max: 18}\n");
    failalloc_t a;
    int done = 0;
    for (long n = 1; !done && n < 100000; n++) {
        char err[ERRLEN] = "";
        scenario_t *sc = NULL, *v = NULL;
        failalloc_begin(&a, n);
        int rc = scenario_load(path, sets, 1, &sc, err, sizeof err);
        int rcv = rc == 0 ? scenario_vary(sc, sets, 1, &v, err, sizeof err) : 0;
        long calls = atomic_load(&a.calls);
        scenario_free(v);
        scenario_free(sc);
        failalloc_end();
        if (atomic_load(&a.live) != 0)
            fail_msg("failing allocation %ld: %ld blocks left allocated", n, atomic_load(&a.live));
        if (rc == 0 && rcv == 0) {
            assert_true(calls < n); /* nothing failed: every allocation was tried */
            done = 1;
            continue;
        }
        if ((rc ? rc : rcv) != SIM_ENOMEM || strcmp(err, "out of memory") != 0)
            fail_msg("failing allocation %ld: rc %d, \"%s\"", n, rc ? rc : rcv, err);
    }
    assert_true(done);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_scenario_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(minimal_scenario_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(bom_and_crlf_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(include_dist_change_replaces_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_inputs_base_is_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(alias_bomb_refused_quickly, setup, teardown),
        cmocka_unit_test_setup_teardown(mutations_never_crash, setup, teardown),
        cmocka_unit_test(when_matches),
        cmocka_unit_test(steps_at),
        cmocka_unit_test_setup_teardown(fifo_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(include_bomb_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(include_bytes_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(node_budget, setup, teardown),
        cmocka_unit_test(merge_large_maps),
        cmocka_unit_test_setup_teardown(bounds_at_the_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(csv_contents_never_echoed, setup, teardown),
        cmocka_unit_test_setup_teardown(long_path_keeps_message, setup, teardown),
        cmocka_unit_test_setup_teardown(long_user_text_keeps_message, setup, teardown),
        cmocka_unit_test_setup_teardown(vary_equals_load, setup, teardown),
        cmocka_unit_test_setup_teardown(vary_in_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(oom_every_allocation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
