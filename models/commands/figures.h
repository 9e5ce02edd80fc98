/* figures.h: the table of summary.csv's figures: each (metric, stage) pair and how to
 * compute it from one replication's model_result_t.
 *
 * One list, in output order: per stage row (stages in scenario order, then `all`)
 * each stage metric; per pool each pool metric; per strand the metrics of the
 * mechanisms it has; with costs, cost_per_year of each cost item, then
 * component_cost_per_year of each component present and cost_per_year of `all`. The
 * list depends only on the scenario's shape (stages, pools, strands, costs), so design
 * points of one sweep, which differ only in values, share the indices. summary.csv,
 * replications.csv (outputs.c), compare.csv (compare.c) and sensitivity's outputs read
 * figures only through this module. Errors: 0 or SIM_ENOMEM; nothing is printed. */
#ifndef MODELS_FIGURES_H
#define MODELS_FIGURES_H

#include <stddef.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"

typedef enum {
    FIG_STAGE,         /* result->stage[idx] */
    FIG_POOL,          /* result->pool[idx] */
    FIG_STRAND,        /* result->strand[idx] */
    FIG_COST,          /* result->cost[idx] * scale */
    FIG_COST_COMPONENT /* the sum of cost[idx + i] over the items of `component` */
} figures_kind_t;

typedef struct figure {
    const char *metric;    /* the metric column (points into static or scenario text) */
    const char *stage;     /* the stage column: a stage, pool, strand, item or "all" */
    figures_kind_t kind;   /* where the value is */
    size_t idx;            /* index in the kind's array (FIG_COST_COMPONENT: the base) */
    const char *component; /* FIG_COST_COMPONENT: the component summed; NULL: all */
    double scale;          /* multiplies the value (costs: per year of the window) */
} figure_t;

/* The figures of sc in output order into a new array *out (the caller frees it with
 * mem_free) of *n entries. 0, or SIM_ENOMEM with *out NULL. */
int figures_list(const scenario_t *sc, const model_plan_t *plan, figure_t **out, int *n);

/* The value of figure f in one replication's result (NaN when undefined). */
double figures_value(const scenario_t *sc, const model_result_t *r, const figure_t *f);

/* The name of stage row `row` (a stage, or `all` for the last). */
const char *figures_row_name(const scenario_t *sc, int row);

/* *index = the index of figure (metric, stage) among sc's figures, or -1 if there is
 * none. 0, or SIM_ENOMEM. */
int figures_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                 const char *stage, int *index);

/* v[i] = the value of figure idx[i] in result r (NaN for an index out of range), for
 * i < n. 0, or SIM_ENOMEM. */
int figures_values(const scenario_t *sc, const model_plan_t *plan, const model_result_t *r,
                   const int *idx, int n, double *v);

/* "metric:stage, ..." of every figure (of `metric` only, if not NULL) into buf, cut
 * with "..." to fit len. 0, or SIM_ENOMEM. */
int figures_names(const scenario_t *sc, const model_plan_t *plan, char *buf, size_t len,
                  const char *metric);

/* Figure (metric, stage) in plain words into buf (as snprintf: the length it needed):
 * "Entries a year to Looked after (in care)", "Cost a year of everything" (every money
 * figure's words begin "Cost a year"), "Utilisation of cin teams (average)"; a metric
 * it does not know as "METRIC of STAGE". sc may be NULL (stage names as they are). */
int figures_words(char *buf, size_t len, const scenario_t *sc, const char *metric,
                  const char *stage);

#endif
