/* strand.h: strand types, the interventions a scenario can switch on (`strands:`).
 *
 * A strand type is a name, a one-line summary, the list of its own YAML keys and a
 * parser. The parser reads the strand's block (defaults are the evaluation's figures,
 * docs/strands.md) and compiles it into the mechanisms of an scn_strand_t
 * (models/scenario/scenario.h): places with eligibility, take-up, engagement and routing odds;
 * a pool's capacity and absence; an arrival stream's volume; and cost items. The model
 * applies those mechanisms; it never sees the type. Types are found by name in one
 * static table (strand.c): adding a type is one .c file with a strand_type_t and one
 * line in that table.
 *
 * Keys every strand has, parsed before the type's parser is called: `name` (default:
 * the type), `type`, `start` and `end` (dates), `ramp_months` (linear ramp-up from
 * `start` to full effect). */
#ifndef MODELS_STRAND_H
#define MODELS_STRAND_H

#include <stdint.h>

#include "models/scenario/scenario.h"
#include "models/scenario/ytree.h"

typedef struct ld ld_t; /* the loader's state (load_internal.h), opaque to strand types */

typedef struct strand_type {
    const char *name;        /* `type:` in YAML */
    const char *summary;     /* one line, for `careflow strands` and the docs */
    const char *const *keys; /* the type's own keys, NULL-terminated */
    /* Fills s (zeroed, with name, type, start, stop and ramp set, pool and arrival
     * -1) from block n; may add cost items with ld_cost(). Returns 0, or the negative
     * SIM_E* code an ld_* call returned (ld_fail, ld_oom, or a reader that failed),
     * after which it calls nothing more; the scenario owns whatever s points to, even
     * on failure. Allocates with sim/mem.h only. */
    int (*parse)(ld_t *L, const ytree_node_t *n, scn_strand_t *s);
} strand_type_t;

/* The registry: the type of that name, or NULL; the i-th type, or NULL past the end. */
const strand_type_t *strand_type_find(const char *name);
const strand_type_t *strand_type_at(int i);

/* ---- for type parsers: provided by the loader (load_strands.c) -------------------
 * Each reads an optional key of map m: when the key is absent the value is left as it
 * is (the caller's default). On a bad value they report "FILE:LINE:COL: error: ..."
 * at it and return SIM_EINVAL; when out of memory, SIM_ENOMEM (sim/err.h). */
const scenario_t *ld_scenario(const ld_t *L);
/* Reports "FILE:LINE:COL: error: MESSAGE" at node n; returns SIM_EINVAL. */
int ld_fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports "out of memory"; returns SIM_ENOMEM. */
int ld_oom(ld_t *L);
/* A number in [lo, hi]. */
int ld_number(ld_t *L, const ytree_node_t *m, const char *key, double lo, double hi,
              double *v);
/* A duration map ({dist: ...}, non-negative), replacing *d (freed first). */
int ld_dist(ld_t *L, const ytree_node_t *m, const char *key, dist_t *d);
/* A stage name or a list of them, as a bit set. */
int ld_stages(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set);
/* A flag name or a list of them, as a bit set (flags the arrivals or initial name). */
int ld_flags(ld_t *L, const ytree_node_t *m, const char *key, uint64_t *set);
/* An age range [min, max) in years, into w->age_min and w->age_max. */
int ld_age(ld_t *L, const ytree_node_t *m, const char *key, scn_when_t *w);
/* A pool or arrival stream by name: its index. */
int ld_pool(ld_t *L, const ytree_node_t *m, const char *key, int *idx);
int ld_arrival(ld_t *L, const ytree_node_t *m, const char *key, int *idx);
/* One of `choices` (NULL-terminated): its index. */
int ld_choice(ld_t *L, const ytree_node_t *m, const char *key, const char *const *choices,
              int *v);
/* `{TARGET: odds, ...}`: routing targets (stages or exit) and their multipliers, into
 * s->odds_stage / s->odds (replacing any earlier ones). */
int ld_odds(ld_t *L, const ytree_node_t *m, const char *key, scn_strand_t *s);
/* Stages named in the text "a,b" (a type's default), as a bit set, unless map `at`
 * gives `key` (then nothing is done); an error at `at` if the scenario lacks one,
 * telling the user to give `key`. */
int ld_default_stages(ld_t *L, const ytree_node_t *at, const char *names, const char *key,
                      uint64_t *set);
/* Appends a cost item of component "strand" for strand s (its index in the scenario is
 * taken from the loader); item is "NAME" or "NAME:part" (part may be NULL). A rate of
 * 0 adds nothing. Returns 0, or SIM_ENOMEM. */
int ld_cost(ld_t *L, const ytree_node_t *at, const scn_strand_t *s, const char *part,
            scn_cost_kind_t kind, double rate);

/* ---- shared pieces of the types (strand.c) -------------------------------------- */

/* `engagement: {well, partly, not}` (shares summing to 1) and `partial_effect` (the
 * share of the odds effect a partly engaged child gets), into s. */
int strand_parse_engagement(ld_t *L, const ytree_node_t *n, scn_strand_t *s);
/* places = workers x caseload, from keys `workers` and `caseload` (defaults given),
 * and duration fixed at 365.25 x caseload / per_worker_year unless `duration` given:
 * a worker holding `caseload` places and seeing per_worker_year children a year keeps
 * each for caseload / per_worker_year of a year (Little's law). */
int strand_parse_places(ld_t *L, const ytree_node_t *n, scn_strand_t *s, double workers,
                        double caseload, double per_worker_year);
/* Odds multiplier for a target share moving from p0 (without) to p1 (with): the odds
 * ratio (p1 / (1 - p1)) / (p0 / (1 - p0)). */
double strand_odds_ratio(double p1, double p0);

extern const strand_type_t strand_intervention, strand_pa, strand_fit, strand_volunteers,
    strand_edge_of_care, strand_willow, strand_surgeries;

#endif
