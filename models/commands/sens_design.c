/* sens_design.c: the design of a sweep (see sens_internal.h): which points, and the
 * parameter values at each.
 *
 * Value mapping: a design coordinate u in [0, 1] becomes a value by the parameter's
 * inverse CDF. At exactly 0 and 1 (OAT ends, Morris grid ends) a bounded distribution
 * gives its bounds (min, max, first and last choice); OAT and Morris read u of an
 * unbounded distribution (lognormal, or normal without both bounds) on its 5th to
 * 95th percentiles, so their ends are finite.
 *
 * A value is passed on as text (a --set value); the text is the shortest that reads
 * back as the value, so the design's texts, the checkpoint key and design.csv agree.
 * On failure nothing is kept beyond what sens.c frees with the sweep. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/commands/sens_internal.h"
#include "sim/mem.h"
#include "sim/sa.h"

#define UNBOUNDED_LO 0.05 /* OAT / Morris range of an unbounded distribution */
#define UNBOUNDED_HI 0.95

static int is_bounded(const sa_param_t *p)
{
    if (p->kind == SA_LOGNORMAL)
        return 0;
    if (p->kind == SA_NORMAL)
        return isfinite(p->min) && isfinite(p->max);
    return 1;
}

double sens__param_value(const scn_uncertain_t *u, double x, int ends)
{
    const sa_param_t *p = &u->dist;
    if (is_bounded(p) && (x <= 0 || x >= 1)) {
        if (p->kind == SA_CHOICE)
            return x <= 0 ? 0 : p->n_choices - 1;
        return x <= 0 ? p->min : p->max;
    }
    if (ends && !is_bounded(p))
        x = UNBOUNDED_LO + (UNBOUNDED_HI - UNBOUNDED_LO) * x;
    return sa_param_quantile(p, x);
}

/* The shortest text that reads back as x. */
static void num_text(char *buf, size_t len, double x)
{
    if (x == 0)
        x = 0; /* no "-0" */
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

void sens__value_text(const scn_uncertain_t *u, double v, char *buf, size_t len)
{
    if (u->dist.kind == SA_CHOICE)
        snprintf(buf, len, "%s", u->choices[(int)v]);
    else if (u->is_int)
        snprintf(buf, len, "%.0f", v);
    else
        num_text(buf, len, v);
}

char *sens__vt(const sens__sweep_t *w, int p, int i)
{
    return w->vtext + ((size_t)p * (size_t)w->k + (size_t)i) * SENS__VALUE_LEN;
}

int sens__design_make(sens__sweep_t *w, char *err, size_t errlen)
{
    const scenario_t *sc = w->sc;
    int k = w->k, rc = 0;
    sens_method_t m = w->o->method;
    rng_t r;
    rng_derive(&r, sc->seed, rng_hash_str("careflow sensitivity design"), (uint64_t)m, 0);
    switch (m) {
    case SENS_OAT: w->n_pts = 1 + 2 * k; break;
    case SENS_MORRIS: w->n_pts = w->samples * (k + 1); break;
    case SENS_SOBOL: w->n_pts = w->samples * (k + 2); break;
    case SENS_LHS: w->n_pts = w->samples; break;
    case SENS_METHOD_N: break;
    }
    if ((double)w->n_pts * (double)k > SENS__MAX_POINTS * 10.0 || w->n_pts > SENS__MAX_POINTS)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "the design has too many points (%d, at most %d): use fewer "
                           "--samples", w->n_pts, SENS__MAX_POINTS);
    if (!(w->U = mem_calloc((size_t)w->n_pts * (size_t)k, sizeof *w->U)) ||
        !(w->vtext = mem_calloc((size_t)w->n_pts * (size_t)k, SENS__VALUE_LEN)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    switch (m) {
    case SENS_OAT:
        for (int p = 0; p < w->n_pts; p++)
            for (int i = 0; i < k; i++)
                w->U[(size_t)p * k + i] = p == 1 + 2 * i ? 0 : p == 2 + 2 * i ? 1 : 0.5;
        break;
    case SENS_MORRIS: rc = sa_morris_design(k, w->samples, w->levels, &r, w->U); break;
    case SENS_SOBOL: rc = sa_saltelli_design(k, w->samples, &r, w->U); break;
    case SENS_LHS: rc = sa_lhs_design(k, w->samples, &r, w->U); break;
    case SENS_METHOD_N: break;
    }
    if (rc != 0)
        return sim_err_set(err, errlen, rc == -SA_ENOMEM ? SIM_ENOMEM : SIM_EINVAL,
                           "cannot make the %s design: %s", sens_method_name(m),
                           sa_strerror(rc));
    int ends = m == SENS_OAT || m == SENS_MORRIS;
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < k; i++) {
            const scn_uncertain_t *u = &sc->uncertain[i];
            sens__value_text(u, sens__param_value(u, w->U[(size_t)p * k + i], ends),
                             sens__vt(w, p, i), SENS__VALUE_LEN);
        }
    return 0;
}
