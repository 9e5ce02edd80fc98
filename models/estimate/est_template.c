/* est_template.c: an estimate written into a template scenario (est_internal.h).
 *
 * The template is loaded as `careflow run` would load it (its includes merged; a
 * template that fails to load is refused with its loader error) and its merged tree
 * written back key by key (models/scenario/ytree.h's emitter), self-contained: no
 * `include:`, so keys the template had but the estimate drops cannot come back through
 * a deep merge. What the records inform is replaced; the rest is the template's:
 * - top level: `start` and `end` become the as-of date and the horizon, `title` says
 *   what the scenario was estimated from; every other key (name, replications, seed,
 *   max_age, ...) is kept;
 * - stages the records hold: `duration`, `next` and `adjust` are the estimates; every
 *   other key (title, open_case, pool, ...) is kept;
 * - stages of the template the records do not hold: kept whole, with a comment;
 * - stages of the records the template lacks (a routing target, say): added with
 *   their estimates, after the template's, with a comment;
 * - arrivals: the template's streams into stages the records hold are replaced by the
 *   estimated ones, each named as the template's first stream into its stage (strands
 *   name the streams they act on), else after the stage (STAGE_estimated when a kept
 *   stream has that name); streams into other stages are kept;
 * - initial: `file:` the open cases; the template's entries for stages the records do
 *   not hold are kept, those for stages they hold dropped (the file fills those);
 * - uncertain: items whose path points into what was replaced (stages.S.duration,
 *   .next or .adjust of a stage the records hold, `arrivals`, `initial`, `start`,
 *   `end`) are dropped, with a comment; the others kept;
 * - observed: kept; a `file:` item's relative path (relative to the file that named it)
 *   is written absolute, as the estimate may be written anywhere;
 * - pools, costs, strands and anything else: kept as they are.
 * Nothing here fails but loading the template and allocation. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/estimate/est_internal.h"
#include "models/scenario/scenario.h"
#include "models/scenario/ytree.h"
#include "sim/cal.h"
#include "sim/err.h"

static void put_cb(void *ctx, const char *s, size_t n)
{
    est__text_putn(ctx, s, n);
}

static int rec_stage(const est__t *E, const char *name)
{
    return rec_stage_index(E->rs, name);
}

/* Does an `uncertain` path point into what the estimate replaced? */
static int path_replaced(const est__t *E, const char *path)
{
    static const char *const top[] = {"arrivals", "initial", "start", "end", NULL};
    for (int i = 0; top[i]; i++) {
        size_t n = strlen(top[i]);
        if (!strncmp(path, top[i], n) && (path[n] == 0 || path[n] == '.'))
            return 1;
    }
    if (strncmp(path, "stages.", 7) != 0)
        return 0;
    const char *s = path + 7, *dot = strchr(s, '.');
    if (!dot)
        return 0;
    char name[256];
    size_t n = (size_t)(dot - s);
    if (n >= sizeof name)
        return 0;
    memcpy(name, s, n);
    name[n] = 0;
    if (rec_stage(E, name) < 0)
        return 0;
    const char *k = dot + 1;
    static const char *const keys[] = {"duration", "next", "adjust", NULL};
    for (int i = 0; keys[i]; i++) {
        size_t m = strlen(keys[i]);
        if (!strncmp(k, keys[i], m) && (k[m] == 0 || k[m] == '.'))
            return 1;
    }
    return 0;
}

static void put_stages(const est__t *E, const ytree_node_t *stages, est__text_t *t)
{
    const rec_set_t *rs = E->rs;
    est__text_put(t, "stages:\n");
    int n = stages && stages->kind == YTREE_MAP ? stages->n : 0;
    for (int i = 0; i < n; i++) {
        const char *name = stages->key[i]->str;
        const ytree_node_t *st = stages->val[i];
        int r = rec_stage(E, name);
        if (r < 0 || st->kind != YTREE_MAP) {
            est__text_put(t, "  # not in the records: as the template has it\n");
            ytree_emit_pair(name, st, 2, put_cb, t);
            continue;
        }
        ytree_emit_key(name, 2, put_cb, t);
        est__text_put(t, "\n");
        for (int k = 0; k < st->n; k++) {
            const char *key = st->key[k]->str;
            if (strcmp(key, "duration") && strcmp(key, "next") && strcmp(key, "adjust"))
                ytree_emit_pair(key, st->val[k], 4, put_cb, t);
        }
        est__put_stage_estimates(E, r, 4, t);
    }
    for (int r = 0; r < rs->n_stages; r++) {
        int found = 0;
        for (int i = 0; i < n && !found; i++)
            found = !strcmp(stages->key[i]->str, rs->stages[r]);
        if (found)
            continue;
        est__text_put(t, "  # in the records, not in the template: added\n");
        ytree_emit_key(rs->stages[r], 2, put_cb, t);
        est__text_put(t, "\n");
        est__put_stage_estimates(E, r, 4, t);
    }
}

/* Is a template arrival stream kept (its `to` is not a stage the records hold)? */
static int arr_kept(const est__t *E, const ytree_node_t *a)
{
    const ytree_node_t *to = ytree_get(a, "to", NULL);
    return !(to && to->kind == YTREE_SCALAR && rec_stage(E, to->str) >= 0);
}

static void put_arrivals(const est__t *E, const ytree_node_t *arr, est__text_t *t)
{
    const rec_set_t *rs = E->rs;
    est__text_put(t, "arrivals:   # the template's streams into stages the records do not "
                     "hold, then the estimated ones: entries from outside (no stay of the "
                     "child ends on the day with this stage as its next)\n");
    int n = arr && arr->kind == YTREE_SEQ ? arr->n : 0;
    for (int i = 0; i < n; i++) {
        if (!arr_kept(E, arr->val[i]))
            continue;
        est__text_put(t, "  -\n");
        ytree_emit(arr->val[i], 4, put_cb, t);
    }
    for (int st = 0; st < rs->n_stages; st++) {
        if (E->arr[st].n == 0)
            continue;
        /* the name of the template's first stream into the stage (strands name the
         * streams they act on), else the stage's (STAGE_estimated when taken) */
        const char *tname = NULL;
        int clash = 0;
        for (int i = 0; i < n; i++) {
            const ytree_node_t *nm = ytree_get(arr->val[i], "name", NULL);
            const ytree_node_t *to = ytree_get(arr->val[i], "to", NULL);
            if (!nm || nm->kind != YTREE_SCALAR)
                continue;
            if (!tname && !arr_kept(E, arr->val[i]) && !strcmp(to->str, rs->stages[st]))
                tname = nm->str;
            clash |= arr_kept(E, arr->val[i]) && !strcmp(nm->str, rs->stages[st]);
        }
        char name[300];
        snprintf(name, sizeof name, "%s%s", tname ? tname : rs->stages[st],
                 !tname && clash ? "_estimated" : "");
        est__put_arrival(E, st, name, 2, t);
    }
}

static void put_initial(const est__t *E, const ytree_node_t *init, est__text_t *t)
{
    est__put_initial(E, t);
    if (!init || init->kind != YTREE_MAP)
        return;
    for (int i = 0; i < init->n; i++) {
        const char *key = init->key[i]->str;
        if (!strcmp(key, "file") || rec_stage(E, key) >= 0)
            continue;
        est__text_put(t, "  # the template's, for a stage the records do not hold\n");
        ytree_emit_pair(key, init->val[i], 2, put_cb, t);
    }
}

static void put_uncertain(const est__t *E, const ytree_node_t *u, est__text_t *t)
{
    int n = u->kind == YTREE_SEQ ? u->n : 0, kept = 0;
    for (int i = 0; i < n; i++) {
        const ytree_node_t *p = ytree_get(u->val[i], "path", NULL);
        kept += !(p && p->kind == YTREE_SCALAR && path_replaced(E, p->str));
    }
    if (kept == 0) {
        est__text_put(t, "# the template's `uncertain` items all varied what the records "
                         "now inform: dropped\n");
        return;
    }
    est__text_put(t, "uncertain:\n");
    for (int i = 0; i < n; i++) {
        const ytree_node_t *p = ytree_get(u->val[i], "path", NULL);
        if (p && p->kind == YTREE_SCALAR && path_replaced(E, p->str)) {
            est__text_put(t, "  # dropped: ");
            est__text_comment(t, p->str);
            est__text_put(t, " is estimated from the records now\n");
            continue;
        }
        est__text_put(t, "  -\n");
        ytree_emit(u->val[i], 4, put_cb, t);
    }
}

/* `observed`, each `file:` made absolute (relative to the folder of the file its node
 * came from). */
static void put_observed(const ytree_node_t *obs, est__text_t *t)
{
    if (obs->kind != YTREE_SEQ) {
        ytree_emit_pair("observed", obs, 0, put_cb, t);
        return;
    }
    est__text_put(t, "observed:\n");
    for (int i = 0; i < obs->n; i++) {
        const ytree_node_t *it = obs->val[i];
        const ytree_node_t *f = ytree_get(it, "file", NULL);
        if (!f || f->kind != YTREE_SCALAR || f->str[0] == '/' || it->kind != YTREE_MAP) {
            est__text_put(t, "  -\n");
            ytree_emit(it, 4, put_cb, t);
            continue;
        }
        est__text_put(t, "  -   # file: relative to the template, written absolute\n");
        for (int k = 0; k < it->n; k++) {
            if (it->val[k] != f) {
                ytree_emit_pair(it->key[k]->str, it->val[k], 4, put_cb, t);
                continue;
            }
            char dir[PATH_MAX], *r = realpath(f->file, dir);
            char *slash = r ? strrchr(dir, '/') : NULL;
            if (slash)
                slash[1] = 0;
            est__text_put(t, "    file: ");
            char full[2 * PATH_MAX];
            snprintf(full, sizeof full, "%s%s", slash ? dir : "", f->str);
            est__text_yq(t, full);
            est__text_put(t, "\n");
        }
    }
}

int est__write_template(est__t *E, est__text_t *t, char *err, size_t errlen)
{
    scenario_t *sc = NULL;
    int rc = scenario_load(E->o->template_path, NULL, 0, &sc, err, errlen);
    if (rc)
        return rc;
    const ytree_node_t *root = scenario_tree(sc);
    if (!root || root->kind != YTREE_MAP) {
        scenario_free(sc);
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: the template is not a map",
                           E->o->template_path);
    }
    E->max_age = sc->max_age;
    char d0[11], d1[11], w0[11];
    cal_format(E->as_of, d0);
    cal_format(est__months_before(E->as_of, -E->o->horizon_months), d1);
    cal_format(E->win_from, w0);
    est__text_put(t, "# A scenario estimated by `careflow estimate` from ");
    est__text_comment(t, E->o->source_label ? E->o->source_label : "the records");
    est__text_printf(t, "\n# as of %s (window from %s), written into the template ", d0, w0);
    est__text_comment(t, E->o->template_path);
    est__text_put(t, ":\n# its stages, pools, costs and strands are kept; only what the "
                     "records inform is replaced.\n# docs/estimate.md says what each "
                     "estimate means and what is kept.\n");
    int seen_arr = 0, seen_init = 0, seen_start = 0, seen_end = 0;
    for (int i = 0; i < root->n; i++) {
        const char *key = root->key[i]->str;
        const ytree_node_t *v = root->val[i];
        if (!strcmp(key, "start")) {
            est__text_printf(t, "start: %s   # the as-of date\n", d0);
            seen_start = 1;
        } else if (!strcmp(key, "end")) {
            est__text_printf(t, "end: %s   # %d months on\n", d1, E->o->horizon_months);
            seen_end = 1;
        } else if (!strcmp(key, "title")) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s, estimated from %s as of %s",
                     v->kind == YTREE_SCALAR ? v->str : "the template",
                     E->o->source_label ? E->o->source_label : "the records", d0);
            est__text_put(t, "title: ");
            est__text_yq(t, buf);
            est__text_put(t, "\n");
        } else if (!strcmp(key, "stages")) {
            put_stages(E, v, t);
        } else if (!strcmp(key, "arrivals")) {
            put_arrivals(E, v, t);
            seen_arr = 1;
        } else if (!strcmp(key, "initial")) {
            put_initial(E, v, t);
            seen_init = 1;
        } else if (!strcmp(key, "uncertain")) {
            put_uncertain(E, v, t);
        } else if (!strcmp(key, "observed")) {
            put_observed(v, t);
        } else {
            ytree_emit_pair(key, v, 0, put_cb, t);
        }
    }
    if (!seen_start)
        est__text_printf(t, "start: %s   # the as-of date\n", d0);
    if (!seen_end)
        est__text_printf(t, "end: %s   # %d months on\n", d1, E->o->horizon_months);
    if (!seen_arr)
        put_arrivals(E, NULL, t);
    if (!seen_init)
        put_initial(E, NULL, t);
    scenario_free(sc);
    return 0;
}
