/* validate.c: the paragraph `careflow validate` prints about a scenario (validate.h). */
#include "models/commands/validate.h"

#include "models/scenario/ytree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cal.h"
#include "sim/err.h"
#include "sim/sa.h"

/* Prints text word-wrapped at 78 columns, then a newline. */
static void print_wrapped(FILE *f, const char *text)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (!w)
            break;
        if (col > 0 && col + 1 + (int)w > 78) {
            fputc('\n', f);
            col = 0;
        } else if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += (int)w;
        p += w;
    }
    fputc('\n', f);
}

int validate_describe(FILE *f, const scenario_t *sc)
{
    char *text = NULL, d0[11], d1[11];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len); /* libc's memory: freed with free() */
    if (!m)
        return SIM_ENOMEM;
    cal_format(sc->start, d0);
    cal_format(sc->start + (long)sc->horizon, d1);
    fprintf(m, "%s (\"%s\"): from %s to %s (%g days", sc->name, sc->title, d0, d1, sc->horizon);
    if (sc->warmup > 0)
        fprintf(m, ", of which %g days of warm-up", sc->warmup);
    if (sc->report_monthly)
        fputs(", reported at each month end). ", m);
    else
        fprintf(m, ", reported every %g days). ", sc->report_every);

    fprintf(m, "%d stage%s:", sc->n_stages, sc->n_stages == 1 ? "" : "s");
    for (int i = 0; i < sc->n_stages; i++)
        fprintf(m, " %s%s%s", sc->stages[i].name, sc->stages[i].open_case ? "" : " (not open)",
                i + 1 < sc->n_stages ? "," : ".");
    fprintf(m, " %d arrival stream%s:", sc->n_arrivals, sc->n_arrivals == 1 ? "" : "s");
    for (int i = 0; i < sc->n_arrivals; i++) {
        const scn_arrival_t *a = &sc->arrivals[i];
        fprintf(m, " %s to %s, %.6g a year%s", a->name, sc->stages[a->to].name,
                a->rate * CAL_DAYS_PER_YEAR, a->regular ? " (regular)" : "");
        if (a->trend != 0)
            fprintf(m, " growing %+.3g%% a year", 100 * a->trend);
        fputs(i + 1 < sc->n_arrivals ? ";" : ".", m);
    }
    if (sc->n_initial > 0 || sc->n_open > 0) {
        /* count and steady entries, then the rows of `initial: {file:}` by stage */
        long total = sc->n_open, open = 0; /* open: in `open_case` stages */
        int parts = sc->n_initial, done = 0;
        for (int i = 0; i < sc->n_initial; i++) {
            total += sc->initial[i].count;
            open += sc->stages[sc->initial[i].stage].open_case ? sc->initial[i].count : 0;
        }
        for (int k = 0; k < sc->n_open; k++)
            open += sc->stages[sc->open[k].stage].open_case;
        for (int s = 0; s < sc->n_stages; s++)
            for (int k = 0; k < sc->n_open; k++)
                if (sc->open[k].stage == s) {
                    parts++;
                    break;
                }
        /* children in stages that are not open cases (early help, say) are counted apart,
         * so the open cases agree with summary.csv's `all` and the report */
        if (open == total)
            fprintf(m, " %ld open case%s at the start", total, total == 1 ? "" : "s");
        else
            fprintf(m, " %ld child%s at the start, %ld of them open cases", total,
                    total == 1 ? "" : "ren", open);
        if (sc->n_open > 0)
            fprintf(m, " (%d from the initial file)", sc->n_open);
        fputs(":", m);
        for (int i = 0; i < sc->n_initial; i++, done++)
            fprintf(m, " %ld in %s%s%s", sc->initial[i].count,
                    sc->stages[sc->initial[i].stage].name,
                    sc->stages[sc->initial[i].stage].open_case ? "" : " (not open)",
                    done + 1 < parts ? "," : ".");
        for (int s = 0; s < sc->n_stages; s++) {
            long c = 0;
            for (int k = 0; k < sc->n_open; k++)
                c += sc->open[k].stage == s;
            if (c > 0) {
                fprintf(m, " %ld in %s%s%s", c, sc->stages[s].name,
                        sc->stages[s].open_case ? "" : " (not open)", ++done < parts ? "," : ".");
            }
        }
    }
    if (sc->n_pools > 0) {
        fprintf(m, " %d workforce pool%s:", sc->n_pools, sc->n_pools == 1 ? "" : "s");
        for (int i = 0; i < sc->n_pools; i++) {
            const scn_pool_t *p = &sc->pools[i];
            fprintf(m, " %s (%g workers at the start, serving", p->name,
                    scenario_steps_at(&p->workers, 0, 0));
            for (int k = 0; k < p->n_serves; k++)
                fprintf(m, "%s %s", k ? "," : "", sc->stages[p->serves[k]].name);
            fprintf(m, "%s)%s", p->n_levels > 1 ? ", with priorities" : "",
                    i + 1 < sc->n_pools ? ";" : ".");
        }
    }
    if (sc->n_observed > 0)
        fprintf(m, " %d observed item%s to compare with.", sc->n_observed,
                sc->n_observed == 1 ? "" : "s");
    if (sc->n_strands > 0) {
        fprintf(m, " %d strand%s:", sc->n_strands, sc->n_strands == 1 ? "" : "s");
        for (int i = 0; i < sc->n_strands; i++)
            fprintf(m, " %s (%s)%s", sc->strands[i].name, sc->strands[i].type,
                    i + 1 < sc->n_strands ? "," : ".");
    }
    if (sc->n_costs > 0)
        fprintf(m, " %d cost item%s (%s).", sc->n_costs, sc->n_costs == 1 ? "" : "s", sc->currency);
    if (sc->n_uncertain > 0) {
        fprintf(m, " %d uncertain parameter%s:", sc->n_uncertain, sc->n_uncertain == 1 ? "" : "s");
        for (int i = 0; i < sc->n_uncertain; i++)
            fprintf(m, " %s (%s)%s", sc->uncertain[i].path,
                    sa_dist_name(sc->uncertain[i].dist.kind),
                    i + 1 < sc->n_uncertain ? "," : ".");
    }
    fprintf(m, " %d replication%s, seed %llu.", sc->replications, sc->replications == 1 ? "" : "s",
            (unsigned long long)sc->seed);
    if (fclose(m) != 0 || !text) {
        free(text);
        return SIM_ENOMEM;
    }
    print_wrapped(f, text);
    free(text);
    return 0;
}


/* ---- --dump ------------------------------------------------------------------------ */

static void put_file(void *ctx, const char *s, size_t n)
{
    fwrite(s, 1, n, ctx);
}

int validate_dump(FILE *f, const scenario_t *sc)
{
    const struct ytree_node *root = scenario_tree_as_set(sc);
    fprintf(f, "# %s as careflow reads it: includes merged, --set overrides applied.\n"
               "# file: paths are relative to the folder of %s.\n",
            sc->path, sc->path);
    if (root)
        ytree_emit(root, 0, put_file, f);
    return ferror(f) ? SIM_EIO : 0;
}

/* ---- the start ---------------------------------------------------------------------- */

#define START_MIN_STAY 14.0  /* days: shorter stays settle within a fortnight */
#define START_FAR 0.25       /* a start further than this from the sustained level */

int validate_warn_start(FILE *f, const scenario_t *sc)
{
    double rate[SCN_MAX_STAGES], have[SCN_MAX_STAGES] = {0};
    const char *source[SCN_MAX_STAGES] = {0};
    int bad, n = 0;
    int rc = scenario_traffic(sc, rate, &bad);
    if (rc < 0)
        return rc;
    if (rc > 0 || sc->n_arrivals == 0)
        return 0;
    for (int i = 0; i < sc->n_initial; i++) {
        have[sc->initial[i].stage] += (double)sc->initial[i].count;
        if (sc->initial[i].source && !source[sc->initial[i].stage])
            source[sc->initial[i].stage] = sc->initial[i].source;
    }
    for (int i = 0; i < sc->n_open; i++)
        have[sc->open[i].stage] += 1;
    for (int s = 0; s < sc->n_stages; s++) {
        const scn_stage_t *st = &sc->stages[s];
        double stay;
        if (!(rate[s] > 0))
            continue;
        if ((rc = scenario_stage_stay(sc, s, &stay)) < 0)
            return rc;
        if (!isfinite(stay) || stay < START_MIN_STAY)
            continue;
        double level = rate[s] * stay;
        if (level < 1)
            continue;
        if (have[s] == 0)
            fprintf(f, "careflow: warning: stage '%s' starts empty, but its inflows (%.0f a "
                       "year at the start) sustain about %.0f children (entries x mean stay "
                       "of %.0f days): its stock climbs from 0 over the first months because "
                       "of the start, not because of anything forecast; give its count on the "
                       "start date, or `initial: {%s: steady}`\n",
                    st->name, rate[s] * 365.25, level, stay, st->name);
        else if (fabs(have[s] - level) > START_FAR * level && source[s]) {
            /* a count with its source: the drift is the data's, not the start's */
            fprintf(f, "careflow: note: stage '%s' starts with %.0f children, %.0f%% %s the "
                       "%.0f its inflows sustain (%.0f a year x a mean stay of %.0f days), "
                       "a gap its count's source vouches for: %s\n",
                    st->name, have[s], 100 * fabs(have[s] - level) / level,
                    have[s] < level ? "below" : "above", level, rate[s] * 365.25, stay,
                    source[s]);
            continue;
        } else if (fabs(have[s] - level) > START_FAR * level)
            fprintf(f, "careflow: warning: stage '%s' starts with %.0f children, %.0f%% %s the "
                       "%.0f its inflows sustain (%.0f a year x a mean stay of %.0f days): "
                       "expect it to drift towards that level in the first months because of "
                       "the start; check the count, the inflows and the stay, or use "
                       "`initial: {%s: steady}`\n",
                    st->name, have[s], 100 * fabs(have[s] - level) / level,
                    have[s] < level ? "below" : "above", level, rate[s] * 365.25, stay,
                    st->name);
        else
            continue;
        n++;
    }
    return n;
}
