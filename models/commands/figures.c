/* figures.c: see figures.h. */
#include "models/commands/figures.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/cal.h"
#include "sim/err.h"
#include "sim/mem.h"

static const char *const cost_components[] = {"pool", "placement", "strand"};

const char *figures_row_name(const scenario_t *sc, int row)
{
    return row < sc->n_stages ? sc->stages[row].name : "all";
}

/* 1 if a pool serves stage row r (the row `all`: if a pool serves any stage): only
 * those rows have waiting lists, so only they get final_waiting and max_waiting. */
static int row_served(const scenario_t *sc, int r)
{
    if (r < sc->n_stages)
        return sc->stages[r].pool >= 0;
    for (int s = 0; s < sc->n_stages; s++)
        if (sc->stages[s].pool >= 0)
            return 1;
    return 0;
}

int figures_list(const scenario_t *sc, const model_plan_t *plan, figure_t **out, int *n_out)
{
    size_t cap = (size_t)plan->n_rows * MS_N + (size_t)sc->n_pools * MP_N +
                 (size_t)sc->n_strands * MX_N + (size_t)sc->n_costs + 8;
    figure_t *f = mem_calloc(cap, sizeof *f);
    int n = 0;
    *out = NULL;
    *n_out = 0;
    if (!f)
        return SIM_ENOMEM;
    for (int r = 0; r < plan->n_rows; r++)
        for (int m = 0; m < MS_N; m++)
            if ((m != MS_FINAL_WAITING && m != MS_MAX_WAITING) || row_served(sc, r))
                f[n++] = (figure_t){model_stage_metric_names[m], figures_row_name(sc, r),
                                    FIG_STAGE, (size_t)r * MS_N + (size_t)m, NULL, 1};
    for (int p = 0; p < sc->n_pools; p++)
        for (int m = 0; m < MP_N; m++)
            f[n++] = (figure_t){model_pool_metric_names[m], sc->pools[p].name, FIG_POOL,
                                (size_t)p * MP_N + (size_t)m, NULL, 1};
    for (int k = 0; k < sc->n_strands; k++) {
        const scn_strand_t *sp = &sc->strands[k];
        for (int m = 0; m < MX_N; m++) {
            if (m == MX_AVERTED ? sp->arrival < 0 : !sp->stages)
                continue; /* a mechanism the strand does not have */
            f[n++] = (figure_t){model_strand_metric_names[m], sp->name, FIG_STRAND,
                                (size_t)k * MX_N + (size_t)m, NULL, 1};
        }
    }
    if (sc->n_costs) {
        double years = (sc->horizon - sc->warmup) / CAL_DAYS_PER_YEAR;
        size_t base = (size_t)plan->n_periods * (size_t)sc->n_costs;
        for (int i = 0; i < sc->n_costs; i++)
            f[n++] = (figure_t){"cost_per_year", sc->costs[i].item, FIG_COST, base + (size_t)i,
                                NULL, 1 / years};
        for (int c = 0; c < 3; c++) {
            int any = 0;
            for (int i = 0; i < sc->n_costs; i++)
                any |= !strcmp(sc->costs[i].component, cost_components[c]);
            if (any)
                f[n++] = (figure_t){"component_cost_per_year", cost_components[c],
                                    FIG_COST_COMPONENT, base, cost_components[c], 1 / years};
        }
        f[n++] = (figure_t){"cost_per_year", "all", FIG_COST_COMPONENT, base, NULL, 1 / years};
    }
    *out = f;
    *n_out = n;
    return 0;
}

double figures_value(const scenario_t *sc, const model_result_t *r, const figure_t *f)
{
    switch (f->kind) {
    case FIG_STAGE: return r->stage[f->idx];
    case FIG_POOL: return r->pool[f->idx];
    case FIG_STRAND: return r->strand[f->idx];
    case FIG_COST: return r->cost[f->idx] * f->scale;
    case FIG_COST_COMPONENT: {
        double sum = 0;
        for (int i = 0; i < sc->n_costs; i++)
            if (!f->component || !strcmp(sc->costs[i].component, f->component))
                sum += r->cost[f->idx + (size_t)i];
        return sum * f->scale;
    }
    }
    return NAN;
}

int figures_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                 const char *stage, int *index)
{
    figure_t *figs;
    int nf, rc = figures_list(sc, plan, &figs, &nf);
    *index = -1;
    if (rc)
        return rc;
    for (int i = 0; i < nf && *index < 0; i++)
        if (!strcmp(figs[i].metric, metric) && !strcmp(figs[i].stage, stage))
            *index = i;
    mem_free(figs);
    return 0;
}

int figures_values(const scenario_t *sc, const model_plan_t *plan, const model_result_t *r,
                   const int *idx, int n, double *v)
{
    figure_t *figs;
    int nf, rc = figures_list(sc, plan, &figs, &nf);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        v[i] = idx[i] >= 0 && idx[i] < nf ? figures_value(sc, r, &figs[idx[i]]) : NAN;
    mem_free(figs);
    return 0;
}

int figures_names(const scenario_t *sc, const model_plan_t *plan, char *buf, size_t len,
                  const char *metric)
{
    figure_t *figs;
    int nf, rc = figures_list(sc, plan, &figs, &nf);
    size_t at = 0;
    if (rc)
        return rc;
    buf[0] = 0;
    for (int i = 0; i < nf; i++) {
        if (metric && strcmp(figs[i].metric, metric) != 0)
            continue;
        int w = snprintf(buf + at, len - at, "%s%s:%s", at ? ", " : "", figs[i].metric,
                         figs[i].stage);
        if (w < 0 || (size_t)w >= len - at) {
            if (len > 4)
                strcpy(buf + len - 4, "...");
            break;
        }
        at += (size_t)w;
    }
    mem_free(figs);
    return 0;
}

/* What stage-column name `name` is, as people read it: a stage's title, "all open
 * cases", a pool's or strand's name with spaces for underscores, a cost component. */
static void name_words(char *buf, size_t len, const scenario_t *sc, const char *metric,
                       const char *name)
{
    if (!strcmp(name, "all")) {
        snprintf(buf, len, "%s", strstr(metric, "cost") ? "everything" : "open cases");
        return;
    }
    if (!strcmp(metric, "component_cost_per_year")) {
        snprintf(buf, len, "%s", !strcmp(name, "pool")        ? "staff"
                                 : !strcmp(name, "placement") ? "placements"
                                 : !strcmp(name, "strand")    ? "the strands"
                                                              : name);
        return;
    }
    for (int i = 0; sc && i < sc->n_stages; i++)
        if (!strcmp(sc->stages[i].name, name)) {
            snprintf(buf, len, "%s", sc->stages[i].title ? sc->stages[i].title : name);
            return;
        }
    size_t at = 0;
    for (const char *p = name; *p && at + 1 < len; p++)
        buf[at++] = *p == '_' ? ' ' : *p;
    if (len)
        buf[at] = '\0';
}

int figures_words(char *buf, size_t len, const scenario_t *sc, const char *metric,
                  const char *stage)
{
    static const struct {
        const char *metric, *before, *after; /* the words around the stage's */
    } W[] = {
        {"avg_stock", "Children in ", " (average)"},
        {"final_stock", "Children in ", " at the end"},
        {"entries_per_year", "Entries a year to ", ""},
        {"exits_per_year", "Exits a year from ", ""},
        {"mean_duration_days", "Days in ", " (mean)"},
        {"avg_waiting", "Children waiting for ", " (average)"},
        {"mean_wait_days", "Days waiting for ", " (mean)"},
        {"aged_out_per_year", "Children reaching 18 in ", " a year"},
        {"final_waiting", "Children waiting for ", " at the end"},
        {"max_waiting", "Children waiting for ", " at the most"},
        {"avg_used", "Cases held by ", " (average)"},
        {"avg_utilisation", "Utilisation of ", " (average)"},
        {"avg_caseload_per_worker", "Caseload per worker of ", " (average)"},
        {"referred_per_year", "Referrals a year to ", ""},
        {"started_per_year", "Starts a year with ", ""},
        {"turned_away_per_year", "Turned away a year by ", ""},
        {"avg_in_service", "Children with ", " (average)"},
        {"avg_places", "Places of ", " (average)"},
        {"averted_per_year", "Averted a year by ", ""},
        {"cost_per_year", "Cost a year of ", ""},
        {"component_cost_per_year", "Cost a year of ", ""},
    };
    char name[256];
    name_words(name, sizeof name, sc, metric, stage);
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
        if (!strcmp(W[i].metric, metric))
            return snprintf(buf, len, "%s%s%s", W[i].before, name, W[i].after);
    return snprintf(buf, len, "%s of %s", metric, name);
}
