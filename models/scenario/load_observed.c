/* load_observed.c: `observed`: the counts the model is compared with (fit.csv), given
 * inline or as `file: PATH` CSV files (relative to the file that names them).
 *
 * CSV files are read by sim/csv, the project's one reader: RFC 4180 quoting (a quoted
 * field may span lines), spaces around unquoted fields trimmed, blank lines skipped, empty fields treated as absent; a header row names the columns
 * (the keys of an inline item). Each row becomes a map of scalars marked
 * CSVPATH:LINE:COLUMN-NUMBER and `data`, so no message ever shows the file's text (it
 * could be any file: /etc/shadow): errors name the line and column instead. At most
 * LD_MAX_OBSERVED items, inline and CSV rows together. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/csv.h"
#include "sim/err.h"
#include "sim/mem.h"

static const char *const obs_keys[] = {"stages", "metric", "date", "from", "to",
                                       "value", "source", NULL};

/* A new zeroed item at the end of sc->observed (which owns it at once). */
static scn_observed_t *obs_append(ld_t *L, const ytree_node_t *at, int *cap)
{
    scenario_t *sc = L->sc;
    if (sc->n_observed >= LD_MAX_OBSERVED) { /* inline and CSV rows count together */
        ld__fail(L, at, "too many observed items (more than %d)", LD_MAX_OBSERVED);
        return NULL;
    }
    if (sc->n_observed == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        scn_observed_t *o = mem_realloc(sc->observed, (size_t)nc * sizeof *o);
        if (!o) {
            ld__oom(L);
            return NULL;
        }
        sc->observed = o;
        *cap = nc;
    }
    scn_observed_t *o = &sc->observed[sc->n_observed++];
    memset(o, 0, sizeof *o);
    return o;
}

/* One item, inline or a CSV row turned into a map by load_csv. */
static int obs_item(ld_t *L, const ytree_node_t *n, scn_observed_t *o)
{
    const ytree_node_t *v, *st, *date, *from, *to;
    const ytree_node_t *const *items = NULL;
    int count = 0;
    size_t len = 1;
    long day = 0;
    const char *s = NULL;
    if (ld__want_map(L, n, "each observed item") < 0 ||
        ld__check_keys(L, n, obs_keys, "an observed item") < 0)
        return L->rc;
    if (!(st = ld__need(L, n, "stages", "an observed item")) ||
        ld__name_list(L, &st, "stages", &items, &count) < 0)
        return L->rc;
    if (count == 0)
        return ld__fail(L, st, "stages must name at least one stage");
    for (int i = 0; i < count; i++) {
        int s_idx = 0;
        if (ld__stage_ref(L, items[i], "observed stages", 0, &s_idx) < 0)
            return L->rc;
        if (o->stages >> s_idx & 1)
            return ld__fail(L, items[i], "stage '%s' is listed twice", ld__text(L, items[i]));
        o->stages |= (uint64_t)1 << s_idx;
        len += strlen(items[i]->str) + 1;
    }
    if (!(o->label = ld__calloc(L, len, 1)))
        return L->rc;
    for (int i = 0; i < count; i++) {
        if (i)
            strcat(o->label, "+");
        strcat(o->label, items[i]->str);
    }

    o->metric = SCN_OBS_STOCK;
    if ((v = ytree_get(n, "metric", NULL))) {
        if (ld__get_str(L, v, "metric", &s) < 0)
            return L->rc;
        if (!strcmp(s, "entries"))
            o->metric = SCN_OBS_ENTRIES;
        else if (strcmp(s, "stock") != 0)
            return ld__fail(L, v, "unknown metric '%s' (expected stock or entries)",
                            ld__text(L, v));
    }
    date = ytree_get(n, "date", NULL);
    from = ytree_get(n, "from", NULL);
    to = ytree_get(n, "to", NULL);
    if (o->metric == SCN_OBS_STOCK) {
        if (from || to)
            return ld__fail(L, from ? from : to, "from and to are for metric: entries; a stock "
                                             "is observed at a date");
        if (!(date = ld__need(L, n, "date", "an observed stock")) ||
            ld__get_date(L, date, "date", &day) < 0)
            return L->rc;
        o->day = (double)(day - L->sc->start);
        o->date = day;
    } else {
        long d0 = 0;
        if (date)
            return ld__fail(L, date, "date is for metric: stock; entries are observed from a "
                                 "date to a date");
        if (!(from = ld__need(L, n, "from", "observed entries")) ||
            !(to = ld__need(L, n, "to", "observed entries")) || ld__get_date(L, from, "from", &d0) < 0 ||
            ld__get_date(L, to, "to", &day) < 0)
            return L->rc;
        if (day < d0)
            return ld__fail(L, to, "to is before from");
        o->from = (double)(d0 - L->sc->start) - 1; /* the start of `from` */
        o->to = (double)(day - L->sc->start);       /* the end of `to` */
        o->date = day;
    }
    if (!(v = ld__need(L, n, "value", "an observed item")) || ld__get_ge0(L, v, "value", &o->value) < 0)
        return L->rc;
    if ((v = ytree_get(n, "source", NULL))) {
        if (ld__get_str(L, v, "source", &s) < 0 || !(o->source = ld__strdup(L, s)))
            return L->rc;
    }
    return 0;
}

#define CSV_MAX_COLS 7

/* observed `file: PATH`: a CSV with a header row naming columns among obs_keys; each
 * row becomes a map of plain scalars marked CSVPATH:LINE:COLUMN-NUMBER (empty fields
 * are left out) and is checked like an inline item. */
static int load_csv(ld_t *L, const ytree_node_t *at, int *cap)
{
    const char *path = NULL, *what = NULL, *buf = NULL;
    csv_t *r = NULL;
    const csv_field_t *fld;
    char *split = NULL; /* a copy of a `stages` field, cut at each + */
    size_t len;
    int l, c, n, nh = -1, rows = 0;
    const char *f[CSV_MAX_COLS];
    ytree_node_t *hdr[CSV_MAX_COLS];
    const csv_opts_t opts = {.max_fields = CSV_MAX_COLS, .flags = CSV_TRIM | CSV_SKIP_BLANK};

    if (ld__get_str(L, at, "file", &path) < 0)
        return L->rc;
    if (!(path = ld__relative_to(L, at->file, path)))
        return ld__oom(L);
    if (ld__read_data(L, path, at, &buf, &len) < 0)
        return L->rc;
    if (ytree_check_text(buf, len, &l, &c, &what) < 0) {
        ld__failat(L, path, l, c, "%s", what);
        goto done;
    }
    if (csv_open_mem(&r, buf, len, &opts) < 0) {
        ld__oom(L);
        goto done;
    }
    while ((n = csv_next(r, &fld)) != 0) {
        if (n < 0) {
            ld__csv_fail(L, r, path, n);
            goto done;
        }
        int line = (int)fld[0].line;
        for (int i = 0; i < n; i++)
            f[i] = fld[i].s;
        if (nh < 0) { /* the header */
            for (int i = 0; i < n; i++) {
                char s[96];
                if (!(hdr[i] = ytree_scalar(L->yt, path, line, i + 1, f[i], 1))) {
                    ld__oom(L);
                    goto done;
                }
                hdr[i]->data = 1;
                int known = 0;
                for (int j = 0; obs_keys[j]; j++)
                    known |= !strcmp(f[i], obs_keys[j]);
                if (!known) { /* named by its number: the file's text is never echoed */
                    ld__fail(L, hdr[i], "unknown column %d (expected date, stages, metric, "
                                        "value, source, from, to)%s",
                             i + 1, ld__suggest(s, sizeof s, f[i], obs_keys,
                                                ld__count_of(obs_keys)));
                    goto done;
                }
                for (int j = 0; j < i; j++)
                    if (!strcmp(f[i], f[j])) {
                        ld__fail(L, hdr[i], "column '%s' appears twice", f[i]);
                        goto done;
                    }
            }
            nh = n;
            continue;
        }
        if (n != nh) {
            ld__failat(L, path, line, (n < nh ? n : nh) + 1, "row has %d fields, the header %d",
                   n, nh);
            goto done;
        }
        if (++rows > LD_MAX_CSV_ROWS) {
            ld__failat(L, path, line, 1, "too many rows (more than %d)", LD_MAX_CSV_ROWS);
            goto done;
        }
        ytree_node_t *m = ytree_container(L->yt, YTREE_MAP, path, line, 1, n);
        if (!m) {
            ld__oom(L);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            ytree_node_t *v;
            if (!f[i][0])
                continue;
            if (!strcmp(hdr[i]->str, "stages")) { /* a+b+c -> [a, b, c] */
                int parts = 1;
                for (const char *q = f[i]; *q; q++)
                    parts += *q == '+';
                mem_free(split);
                if (!(split = mem_strdup(f[i]))) {
                    ld__oom(L);
                    goto done;
                }
                v = ytree_container(L->yt, YTREE_SEQ, path, line, i + 1, parts);
                for (char *q = split, *e; v; q = e + 1) {
                    e = strchr(q, '+');
                    if (e)
                        *e = 0;
                    ytree_node_t *it = ytree_scalar(L->yt, path, line, i + 1, q, 1);
                    if (!it) {
                        v = NULL;
                        break;
                    }
                    it->data = 1;
                    if (!q[0]) {
                        ld__fail(L, it, "empty stage name in stages");
                        goto done;
                    }
                    ytree_append(v, NULL, it);
                    if (!e)
                        break;
                }
            } else {
                v = ytree_scalar(L->yt, path, line, i + 1, f[i], 1);
            }
            if (!v) {
                ld__oom(L);
                goto done;
            }
            v->data = 1;
            ytree_node_t *k = ytree_scalar(L->yt, path, 1, i + 1, hdr[i]->str, 1);
            if (!k) {
                ld__oom(L);
                goto done;
            }
            ytree_append(m, k, v);
        }
        scn_observed_t *o = obs_append(L, m, cap);
        if (!o || obs_item(L, m, o) < 0)
            goto done;
    }
    if (nh < 0) {
        ld__failat(L, path, 1, 1, "empty CSV file: expected a header row");
        goto done;
    }
    csv_close(r);
    mem_free(split);
    return 0;
done:
    csv_close(r);
    mem_free(split);
    return L->rc;
}

int ld__parse_observed(ld_t *L, const ytree_node_t *root)
{
    const ytree_node_t *m = ytree_get(root, "observed", NULL);
    int cap = 0;
    if (!m)
        return 0;
    if (ld__want_seq(L, m, "observed") < 0)
        return L->rc;
    for (int i = 0; i < m->n; i++) {
        const ytree_node_t *it = m->val[i], *f;
        if (it->kind == YTREE_MAP && (f = ytree_get(it, "file", NULL))) {
            for (int j = 0; j < it->n; j++)
                if (strcmp(it->key[j]->str, "file") != 0)
                    return ld__fail(L, it->key[j], "unknown key '%s' in an observed item with "
                                               "file: (the columns go in the CSV file)",
                                it->key[j]->str);
            if (load_csv(L, f, &cap) < 0)
                return L->rc;
            continue;
        }
        scn_observed_t *o = obs_append(L, it, &cap);
        if (!o || obs_item(L, it, o) < 0)
            return L->rc;
    }
    return 0;
}
