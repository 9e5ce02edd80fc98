/* bench_draws.c: how much of an England run is its random draws alone.
 *
 * Every output must stay byte-identical (same seed, same bytes), so every number a
 * run draws must still be drawn, by the same algorithm, with the same libm calls: the
 * time those draws take is a floor that no event set, memory layout or other change
 * keeping the same bytes can go below. This measures it.
 *
 * 1. Runs the scenario (default scenarios/england.yaml, one replication) once with
 *    the stay log, counting what the model drew: one stream seeded and one age drawn
 *    per child; one duration per stay from its stage's distribution (the residual
 *    draw for a stay open on day 0); one uniform per stay that ended and routed
 *    among more than one target.
 * 2. Times, 3 times in turn: the run itself (model_run, no log), and the same draws
 *    and nothing else (the same number of streams seeded and draws made from the
 *    same distributions, into a sum so that none is optimised away).
 * Prints the medians, the draws' share of the run, and what a target time would
 * leave for everything else per event. Asserts nothing.
 * Usage: bench_draws [SCENARIO [TARGET_SECONDS]] (default england.yaml, 1.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/dist.h"
#include "sim/mem.h"
#include "sim/rng.h"
#include "sim/progress.h"

#define REPEATS 3

typedef struct counts {
    const scenario_t *sc;
    unsigned long *stays;   /* [n_stages] stays begun during the run: a duration each */
    unsigned long *initial; /* [n_stages] stays open on day 0: a residual draw each */
    unsigned long routes;   /* stays that ended and drew their next stage */
    unsigned long children; /* streams seeded */
} counts_t;

static int count_stay(void *ctx, const model_stay_t *s)
{
    counts_t *k = ctx;
    const scn_stage_t *st = &k->sc->stages[s->stage];
    if (s->entered < 0) k->initial[s->stage]++;
    else k->stays[s->stage]++;
    if (s->next != MODEL_STAY_OPEN && !s->aged_out &&
        !(st->n_next == 1 && st->next_stage[0] == SCN_EXIT))
        k->routes++;
    if (s->child > k->children) k->children = s->child;
    return 0;
}

/* The draws of one run and nothing else; returns their sum (to be printed). */
static double draws_only(const scenario_t *sc, const counts_t *k)
{
    double sum = 0;
    rng_t r;
    rng_family_t fam = rng_family(sc->seed, 0, 12345);
    const dist_t *age = sc->n_arrivals ? &sc->arrivals[0].attrs.age : NULL;
    for (unsigned long i = 0; i < k->children; i++) { /* a stream and an age a child */
        rng_derive_in(&r, fam, i);
        sum += age ? dist_sample(age, &r) : rng_uniform(&r);
    }
    for (int s = 0; s < sc->n_stages; s++) {
        const dist_t *d = &sc->stages[s].duration;
        for (unsigned long i = 0; i < k->stays[s]; i++) sum += dist_sample(d, &r);
        for (unsigned long i = 0; i < k->initial[s]; i++) {
            double e, rem;
            dist_sample_residual(d, &r, &e, &rem);
            sum += rem;
        }
    }
    for (unsigned long i = 0; i < k->routes; i++) sum += rng_uniform(&r);
    return sum;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "scenarios/england.yaml";
    double target = argc > 2 ? atof(argv[2]) : 1.5;
    scenario_t *sc = NULL;
    char err[512];
    if (scenario_load(path, NULL, 0, &sc, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    model_plan_t plan;
    model_result_t res;
    counts_t k = {.sc = sc};
    k.stays = calloc((size_t)sc->n_stages, sizeof *k.stays);
    k.initial = calloc((size_t)sc->n_stages, sizeof *k.initial);
    if (!k.stays || !k.initial || model_plan_init(&plan, sc) != 0 ||
        model_result_init(&res, sc, &plan) != 0) {
        fprintf(stderr, "bench_draws: out of memory\n");
        return 1;
    }
    model_log_t log = {.stay = count_stay, .ctx = &k};
    if (model_run_logged(sc, &plan, 0, &res, NULL, &log) != 0) {
        fprintf(stderr, "bench_draws: the run failed\n");
        return 1;
    }
    unsigned long events = res.events, durations = 0;
    for (int s = 0; s < sc->n_stages; s++) durations += k.stays[s] + k.initial[s];

    double trun[REPEATS], tdraw[REPEATS], sink = 0;
    for (int i = 0; i < REPEATS; i++) {
        double t0 = progress_now();
        if (model_run(sc, &plan, 0, &res, NULL) != 0) return 1;
        trun[i] = progress_now() - t0;
        t0 = progress_now();
        sink += draws_only(sc, &k);
        tdraw[i] = progress_now() - t0;
    }
    qsort(trun, REPEATS, sizeof *trun, cmp_double);
    qsort(tdraw, REPEATS, sizeof *tdraw, cmp_double);
    double run = trun[REPEATS / 2], draw = tdraw[REPEATS / 2];
    printf("%s, 1 replication, %.0f days (%d runs each, in turn: median, min-max)\n", sc->name,
           sc->horizon, REPEATS);
    printf("  the run:          %.2f s (%.2f-%.2f), %lu events\n", run, trun[0],
           trun[REPEATS - 1], events);
    printf("  its draws alone:  %.2f s (%.2f-%.2f), %.0f%% of the run: %lu streams seeded, "
           "%lu durations, %lu routing draws\n",
           draw, tdraw[0], tdraw[REPEATS - 1], 100 * draw / run, k.children, durations,
           k.routes);
    if (target > draw)
        printf("  at %.2f s a run would leave %.2f s for everything but the draws: %.0f ns an "
               "event (now %.0f)\n",
               target, target - draw, 1e9 * (target - draw) / (double)events,
               1e9 * (run - draw) / (double)events);
    else
        printf("  the draws alone take longer than %.2f s\n", target);
    if (sink == 12345.678) printf("(%g)\n", sink); /* keeps the draws */
    model_result_free(&res);
    model_plan_free(&plan);
    free(k.stays);
    free(k.initial);
    scenario_free(sc);
    return 0;
}
