/* load.c: scenario_load() and scenario_vary(): YAML files -> one merged tree ->
 * --set overrides -> a checked scenario_t (models/scenario/scenario.h,
 * docs/scenario-reference.md). This file owns the entry points, reading files (through
 * sim/input, with the budget of one load), includes and their merging, --set, and
 * what a scenario keeps for scenario_vary; each section of the format has its own
 * file (load_internal.h lists them).
 *
 * Phases, each refusing the first defect it meets with "FILE:LINE:COL: error: MESSAGE"
 * (SIM_EINVAL), or "out of memory" (SIM_ENOMEM), or a read error (SIM_EIO):
 *  1. load_file(): read the file (a regular file of at most 16 MiB of UTF-8 text: a
 *     FIFO or a device is refused before anything is read), parse it into a ytree
 *     (models/scenario/ytree.h: syntax, duplicate keys, aliases, depth and size
 *     limits), load its `include:` list (paths relative to the including file) depth
 *     first, and deep-merge: includes in order (later wins over earlier), then the file
 *     itself; then the file's own `set:` map (PATH: VALUE, as --set) is applied to
 *     that merged result and removed (apply_file_sets). Maps merge key by key; lists
 *     and scalars are replaced whole. Every node
 *     keeps the mark of the file it was written in. One load reads at most
 *     LD_MAX_FILES files and LD_MAX_TOTAL_BYTES bytes in all (includes and CSV files
 *     together): an include bomb is refused at the include that exceeds the budget.
 *  2. apply_set(): each `--set PATH=VALUE` replaces (or adds, as the last segment of a
 *     map path) one scalar in the merged tree, copying the nodes on the path so shared
 *     (aliased) nodes elsewhere do not change; the merged tree itself is never changed.
 *  3. convert (build()): check and copy every key into the scenario, section by
 *     section: top-level scalars, the pathway (stage names, arrivals, which name the
 *     flags, initial, stage details), pools, observed (which reads the CSV files),
 *     costs, strands, uncertain.
 * The scenario keeps the merged tree (before any --set), the bytes of its CSV files
 * and its --set list (struct scn_source): scenario_vary runs phases 2 and 3 again on
 * them with more overrides, reading no file, so it gives exactly what scenario_load
 * with all the overrides gives. The kept tree is never written after the load, so
 * scenario_vary may run in several threads at once on one base.
 *
 * Where errors point: the value for a wrong value, the key for an unknown key or a
 * name that points nowhere when the name is a key, the enclosing map for a missing
 * required key. A value reached through an alias is marked where its anchor was
 * written. Nothing is printed; err holds one line without a newline, whose end
 * (":LINE:COL: error: MESSAGE") survives however long the path.
 *
 * Decisions where the format leaves room (each also noted where it is made):
 * - merged maps keep the base's key order, then the override's new keys: stage indices
 *   follow that order. A map whose `dist` an override changes (weibull -> gamma) is
 *   replaced whole: the old family's parameters would not belong to the new one;
 * - the alias budget counts only nodes reached through aliases (YTREE_MAX_ALIASED per
 *   load, all files together); plain nodes have their own budget (YTREE_MAX_NODES per
 *   load, all files together), as the byte budget alone would let 64 MiB of short
 *   flow-list items grow to gigabytes of nodes;
 * - `--set` cannot change `include` (an added key is refused as unknown). */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/scenario/load_internal.h"
#include "sim/err.h"
#include "sim/input.h"
#include "sim/mem.h"

/* ---- reading files, within the budget ------------------------------------------ */

/* Appends a record of a file read to sc->inputs. */
static int record_input(ld_t *L, const char *path, const input_t *in)
{
    scenario_t *sc = L->sc;
    if (sc->n_inputs == L->cap_inputs) {
        int nc = L->cap_inputs ? 2 * L->cap_inputs : 8;
        scn_input_t *a = mem_reallocarray(sc->inputs, (size_t)nc, sizeof *a);
        if (!a)
            return ld__oom(L);
        sc->inputs = a;
        L->cap_inputs = nc;
    }
    scn_input_t *r = &sc->inputs[sc->n_inputs];
    memset(r, 0, sizeof *r);
    if (!(r->path = ld__strdup(L, path)))
        return L->rc;
    memcpy(r->sha256, in->sha256, sizeof r->sha256);
    r->bytes = (long long)in->len;
    sc->n_inputs++;
    return 0;
}

/* Reads one file of the load into *in (the caller frees it with input_free), counting
 * it in the budget and recording it in sc->inputs. Errors at `at` (the node that named
 * the file), or at FILE:1:1 when at is NULL (the scenario itself). */
static int read_input(ld_t *L, const char *path, const ytree_node_t *at, input_t *in)
{
    char why[256];
    if (L->n_files >= LD_MAX_FILES) /* never the first file: at is set */
        return ld__fail(L, at, "too many files: one scenario may read at most %d files "
                               "(itself, its includes and CSV files together)",
                        LD_MAX_FILES);
    int rc = input_read(path, LD_MAX_FILE_BYTES, in, why, sizeof why);
    if (rc == SIM_ENOMEM)
        return ld__oom(L);
    if (rc == SIM_ERANGE)
        return ld__failat(L, path, 1, 1, "file is too large (more than 16 MiB)");
    if (rc < 0 && at)
        return ld__failcode(L, rc, at->file, at->line, at->col, "cannot read '%s': %s",
                            ld__quote(L, path), why);
    if (rc < 0)
        return ld__failcode(L, rc, path, 1, 1, "cannot read the file: %s", why);
    L->n_files++;
    L->bytes += (long long)in->len;
    if (L->bytes > LD_MAX_TOTAL_BYTES) {
        input_free(in);
        return ld__failat(L, at ? at->file : path, at ? at->line : 1, at ? at->col : 1,
                          "too much to read: one scenario's files may hold at most %ld MiB "
                          "together (itself, its includes and CSV files)",
                          LD_MAX_TOTAL_BYTES >> 20);
    }
    if (record_input(L, path, in) < 0) {
        input_free(in);
        return L->rc;
    }
    return 0;
}

int ld__read_data(ld_t *L, const char *path, const ytree_node_t *at, const char **data,
                  size_t *len)
{
    if (L->replay) { /* scenario_vary: what the first load read */
        for (int i = 0; i < L->replay->n_csv; i++)
            if (!strcmp(L->replay->csv[i].path, path)) {
                *data = L->replay->csv[i].data;
                *len = L->replay->csv[i].len;
                return 0;
            }
        return ld__fail(L, at, "cannot read '%s': the scenario this one is varied from "
                               "did not read it", ld__quote(L, path));
    }
    ld__core_t *core = L->core;
    ld__csv_t *a = mem_reallocarray(core->csv, (size_t)core->n_csv + 1, sizeof *a);
    if (!a)
        return ld__oom(L);
    core->csv = a;
    input_t in;
    if (read_input(L, path, at, &in) < 0)
        return L->rc;
    ld__csv_t *c = &core->csv[core->n_csv];
    if (!(c->path = ld__strdup(L, path))) {
        input_free(&in);
        return L->rc;
    }
    c->data = in.data; /* the core owns the bytes from now on */
    c->len = in.len;
    core->n_csv++;
    *data = c->data;
    *len = c->len;
    return 0;
}

/* `rel` relative to the directory of `file`, in the arena. */
char *ld__relative_to(ld_t *L, const char *file, const char *rel)
{
    const char *slash = strrchr(file, '/');
    if (rel[0] == '/' || !slash || strncmp(file, LD_SET_PREFIX, strlen(LD_SET_PREFIX)) == 0)
        return ytree_strdup(L->yt, rel);
    size_t d = (size_t)(slash - file) + 1, r = strlen(rel);
    char *p = ytree_alloc(L->yt, d + r + 1);
    if (p) {
        memcpy(p, file, d);
        memcpy(p + d, rel, r + 1);
    }
    return p;
}

/* ---- files and includes -------------------------------------------------------- */

/* realpath's failure, as a message at `at` (or FILE:1:1). */
static int fail_realpath(ld_t *L, const char *path, const ytree_node_t *at, int e)
{
    char why[256];
    int code = e == ENOMEM ? SIM_ENOMEM : e == EIO ? SIM_EIO : SIM_EINVAL;
    if (code == SIM_ENOMEM)
        return ld__oom(L);
    sim_errno_text(e, why, sizeof why);
    if (at)
        return ld__failcode(L, code, at->file, at->line, at->col, "cannot read '%s': %s",
                            ld__quote(L, path), why);
    return ld__failcode(L, code, path, 1, 1, "cannot read the file: %s", why);
}

/* A file's `set:` map (PATH: VALUE, as --set PATH=VALUE), applied to the file's merged
 * tree (its includes, then its own keys) and removed from it, so that each file's
 * overrides apply to what it includes and an including file's keys and sets still win
 * (`careflow calibrate` writes calibrated.yaml this way: the original included, the
 * estimates set). Errors point at the item. 0, or L->rc. */
static int apply_file_sets(ld_t *L, ytree_node_t **root)
{
    int at = -1;
    const ytree_node_t *set = ytree_get(*root, "set", &at);
    if (!set)
        return 0;
    if (set->kind != YTREE_MAP)
        return ld__fail(L, set, "set must be a map of PATH: VALUE (as --set PATH=VALUE), "
                                "not %s", ld__kind_name(set));
    ytree_node_t *rest = ytree_container(L->yt, YTREE_MAP, (*root)->file, (*root)->line,
                                         (*root)->col, (*root)->n);
    if (!rest)
        return ld__oom(L);
    for (int i = 0; i < (*root)->n; i++)
        if (i != at)
            ytree_append(rest, (*root)->key[i], (*root)->val[i]);
    *root = rest;
    for (int i = 0; i < set->n; i++) {
        const ytree_node_t *k = set->key[i];
        ytree_node_t *v = set->val[i];
        if (v->kind != YTREE_SCALAR)
            return ld__fail(L, v, "each value of set must be a single value, not %s",
                            ld__kind_name(v));
        if (!strcmp(k->str, "include") || !strncmp(k->str, "include.", 8) ||
            !strcmp(k->str, "set") || !strncmp(k->str, "set.", 4))
            return ld__fail(L, k, "set cannot change '%s'", ld__quote(L, k->str));
        if (ld__set_path(L, root, k->str, v, k, k->file) < 0)
            return L->rc;
    }
    return 0;
}

/* Loads `path` and, first, its includes; *out is the merged top-level map. `at` is the
 * include item naming the file (NULL for the scenario itself). */
static int load_file(ld_t *L, const char *path, const ytree_node_t *at, ytree_node_t **out)
{
    input_t in = {0};
    char *rp;
    ytree_node_t *root, *merged = NULL, *self;
    const ytree_node_t *inc;
    int rc, at_inc = -1;

    if (L->n_chain > LD_MAX_INCLUDE_DEPTH)
        return ld__fail(L, at, "includes are nested too deeply (more than %d levels)",
                        LD_MAX_INCLUDE_DEPTH);
    if (!(rp = realpath(path, NULL))) /* malloc'd by the C library: free() */
        return fail_realpath(L, path, at, errno);
    for (int i = 0; i < L->n_chain; i++)
        if (!strcmp(L->chain[i], rp)) {
            free(rp);
            return ld__fail(L, at, "include cycle: '%s' is already being loaded",
                            ld__quote(L, path));
        }
    L->chain[L->n_chain++] = rp;

    if (read_input(L, path, at, &in) < 0)
        goto done;
    if ((rc = ytree_parse(L->yt, path, in.data, in.len, &root, L->err, L->errlen)) < 0) {
        L->rc = rc;
        goto done;
    }
    if (ld__is_empty_doc(root)) {
        ld__failat(L, path, 1, 1, "empty scenario: the file holds no keys");
        goto done;
    }
    if (root->kind != YTREE_MAP) {
        ld__fail(L, root, "the top level must be a map of keys, not %s", ld__kind_name(root));
        goto done;
    }
    if ((inc = ytree_get(root, "include", &at_inc))) {
        if (inc->kind != YTREE_SEQ) {
            ld__fail(L, inc, "include must be a list of paths, not %s", ld__kind_name(inc));
            goto done;
        }
        for (int i = 0; i < inc->n; i++) {
            const ytree_node_t *item = inc->val[i];
            ytree_node_t *sub;
            char *p;
            if (item->kind != YTREE_SCALAR || !item->str[0]) {
                ld__fail(L, item, "each include must be a path");
                goto done;
            }
            if (!(p = ld__relative_to(L, path, item->str))) {
                ld__oom(L);
                goto done;
            }
            if (load_file(L, p, item, &sub) < 0)
                goto done;
            if (!(merged = ytree_merge(L->yt, merged, sub, "dist"))) {
                ld__oom(L);
                goto done;
            }
        }
    }
    /* the file itself, without its include key, wins over its includes */
    self = root;
    if (at_inc >= 0) {
        if (!(self = ytree_container(L->yt, YTREE_MAP, root->file, root->line, root->col,
                                     root->n))) {
            ld__oom(L);
            goto done;
        }
        for (int i = 0; i < root->n; i++)
            if (i != at_inc)
                ytree_append(self, root->key[i], root->val[i]);
    }
    if (!(*out = ytree_merge(L->yt, merged, self, "dist")))
        ld__oom(L);
    else
        apply_file_sets(L, out);
done:
    input_free(&in);
    free(L->chain[--L->n_chain]);
    return L->rc;
}

/* Does a list item answer to `seg` in a --set path: its `name`, or, when it has no
 * name, its `type` (a strand's name defaults to its type; a `by_type` share has a
 * type and no name)? When no item answers and seg is a number, ld__set_path takes it
 * as the item's index from 0 (by_age items have no name). */
static int item_named(const ytree_node_t *item, const char *seg)
{
    const ytree_node_t *nm = ytree_get(item, "name", NULL);
    if (!nm)
        nm = ytree_get(item, "type", NULL);
    return nm && nm->kind == YTREE_SCALAR && !strcmp(nm->str, seg);
}

/* ---- --set --------------------------------------------------------------------- */

/* " (did you mean 'X'?)" for the key of map m, or the name of an item of list m,
 * closest to seg; "" if none is close. */
static const char *path_suggest(char *buf, size_t size, const ytree_node_t *m, const char *seg)
{
    const char *names[64];
    int k = 0;
    for (int i = 0; i < m->n && k < 64; i++) {
        const ytree_node_t *nm = m->kind == YTREE_MAP ? m->key[i] : ytree_get(m->val[i], "name", NULL);
        if (m->kind == YTREE_SEQ && !nm)
            nm = ytree_get(m->val[i], "type", NULL);
        if (nm && nm->kind == YTREE_SCALAR)
            names[k++] = nm->str;
    }
    return ld__suggest(buf, size, seg, names, k);
}

/* Sets the scalar at `path` of *root to val, copying (ytree_clone) every container on
 * the path before it changes, so the tree *root pointed to before is left as it was.
 * The last segment may name a key its map does not have yet: it is added. Errors point
 * at `at` when it is given (an `uncertain:` item), else at line 1, column 1 of the
 * pseudo-file `file` ("--set PATH=VALUE"). */
#define PATH_FAIL(...) (at ? ld__fail(L, at, __VA_ARGS__) : ld__failat(L, file, 1, 1, __VA_ARGS__))
int ld__set_path(ld_t *L, ytree_node_t **root, const char *path, ytree_node_t *val,
                    const ytree_node_t *at, const char *file)
{
    size_t n = strlen(path);
    char *buf = ytree_alloc(L->yt, n + 1);
    ytree_node_t **slot = root;
    if (!buf || !(*slot = ytree_clone(L->yt, *slot)))
        return ld__oom(L);
    memcpy(buf, path, n + 1);
    for (char *seg = buf;;) {
        char *dot = strchr(seg, '.');
        int last = !dot;
        ytree_node_t *cur = *slot;
        if (dot)
            *dot = 0;
        if (!seg[0])
            return PATH_FAIL("empty name in path '%s'", ld__quote(L, path));
        if (cur->kind == YTREE_MAP) {
            int i = 0;
            if (!ytree_get(cur, seg, &i)) {
                char sg[96];
                if (!last)
                    return PATH_FAIL("no key '%s' at '%s'%s", ld__quote(L, seg), ld__quote(L, path),
                                     path_suggest(sg, sizeof sg, cur, seg));
                ytree_node_t *k = ytree_scalar(L->yt, val->file, 1, 1, seg, 1);
                if (!k)
                    return ld__oom(L);
                ytree_append(cur, k, val); /* room: clones have one spare entry */
                return 0;
            }
            slot = &cur->val[i];
        } else if (cur->kind == YTREE_SEQ) {
            int i;
            for (i = 0; i < cur->n; i++)
                if (item_named(cur->val[i], seg))
                    break;
            if (i == cur->n && seg[strspn(seg, "0123456789")] == 0 && strlen(seg) < 9) {
                i = atoi(seg); /* no item of that name: a number is the item's index */
                if (i >= cur->n)
                    return PATH_FAIL("no list item named '%s' at '%s' (the list has %d "
                                     "items, numbered from 0)",
                                     ld__quote(L, seg), ld__quote(L, path), cur->n);
            }
            char sg[96];
            if (i == cur->n)
                return PATH_FAIL("no list item named '%s' at '%s'%s", ld__quote(L, seg),
                                 ld__quote(L, path), path_suggest(sg, sizeof sg, cur, seg));
            slot = &cur->val[i];
        } else {
            return PATH_FAIL("cannot select '%s' at '%s': not a map or a list", ld__quote(L, seg),
                             ld__quote(L, path));
        }
        if (last) {
            if ((*slot)->kind != YTREE_SCALAR)
                return PATH_FAIL("'%s' is %s, not a single value", ld__quote(L, path),
                                 ld__kind_name(*slot));
            *slot = val;
            return 0;
        }
        if (!(*slot = ytree_clone(L->yt, *slot)))
            return ld__oom(L);
        seg = dot + 1;
    }
}
#undef PATH_FAIL

/* `--set PATH=VALUE` on the merged tree. The new scalar is marked "--set PATH=VALUE"
 * line 1, column of VALUE in that text; path errors point at column 1. The pseudo-file
 * name quotes the argument clipped to SIM_ERR_CLIP bytes (ld__quote), so every message
 * about it fits; an argument longer than LD_MAX_SET_BYTES is refused. */
static int apply_set(ld_t *L, ytree_node_t **root, const char *arg)
{
    size_t plen = strlen(LD_SET_PREFIX), alen = strlen(arg);
    const char *shown = ld__quote(L, arg);
    size_t slen = strlen(shown);
    char *file = ytree_alloc(L->yt, plen + slen + 1);
    if (!file)
        return ld__oom(L);
    memcpy(file, LD_SET_PREFIX, plen);
    memcpy(file + plen, shown, slen + 1);
    if (alen > LD_MAX_SET_BYTES)
        return ld__failat(L, file, 1, 1, "--set argument is too long: %zu bytes (at most %d)",
                          alen, LD_MAX_SET_BYTES);
    char *path = ytree_alloc(L->yt, alen + 1);
    if (!path)
        return ld__oom(L);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return ld__failat(L, file, 1, 1, "expected PATH=VALUE");
    size_t n = (size_t)(eq - arg);
    memcpy(path, arg, n);
    path[n] = 0;
    ytree_node_t *val = ytree_scalar(L->yt, file, 1, (int)(plen + n + 2), eq + 1, 1);
    if (!val)
        return ld__oom(L);
    return ld__set_path(L, root, path, val, NULL, file);
}

/* ---- building a scenario from a merged tree ----------------------------------- */

/* Applies sets[0..n) to *root in turn. */
static int apply_sets(ld_t *L, ytree_node_t **root, char *const *sets, int n)
{
    for (int i = 0; i < n; i++)
        if (apply_set(L, root, sets[i]) < 0)
            return L->rc;
    return 0;
}

/* Phase 3: every section of the (overridden) tree into L->sc. */
static int build(ld_t *L, const ytree_node_t *root)
{
    if (ld__parse_top(L, root) < 0 || ld__parse_pathway(L, root) < 0 ||
        ld__parse_pools(L, root) < 0 || ld__parse_observed(L, root) < 0 ||
        ld__parse_costs(L, root) < 0 || ld__parse_strands(L, root) < 0 ||
        ld__parse_uncertain(L, root) < 0)
        return L->rc;
    return 0;
}

static void core_free(ld__core_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_csv; i++) {
        mem_free(c->csv[i].path);
        mem_free(c->csv[i].data);
    }
    mem_free(c->csv);
    ytree_free(c->yt);
    mem_free(c);
}

/* A new source for L->sc: core (one more reference taken on success) and the sets
 * a[0..na) then b[0..nb), copied. */
static int make_source(ld_t *L, ld__core_t *core, char *const *a, int na,
                       const char *const *b, int nb)
{
    struct scn_source *s = ld__calloc(L, 1, sizeof *s);
    if (!s)
        return L->rc;
    L->sc->source = s; /* freed with the scenario from now on */
    if (na + nb > 0 && !(s->sets = ld__calloc(L, (size_t)(na + nb), sizeof *s->sets)))
        return L->rc;
    for (int i = 0; i < na + nb; i++) {
        if (!(s->sets[i] = ld__strdup(L, i < na ? a[i] : b[i - na])))
            return L->rc;
        s->n_sets = i + 1;
    }
    atomic_fetch_add_explicit(&core->refs, 1, memory_order_relaxed);
    s->core = core;
    return 0;
}

void ld__source_free(struct scn_source *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_sets; i++)
        mem_free(s->sets[i]);
    mem_free(s->sets);
    if (s->core && atomic_fetch_sub_explicit(&s->core->refs, 1, memory_order_acq_rel) == 1)
        core_free(s->core);
    mem_free(s);
}

/* The state of a new load writing to err (a 1-byte dummy when there is no room). */
static int start(ld_t *L, char *err, size_t errlen, char *dummy)
{
    memset(L, 0, sizeof *L);
    L->err = err && errlen ? err : dummy;
    L->errlen = err && errlen ? errlen : 1;
    L->err[0] = 0;
    if (!(L->sc = mem_calloc(1, sizeof *L->sc)) ||
        !(L->sc->flags = mem_calloc(SCN_MAX_FLAGS, sizeof *L->sc->flags)))
        return ld__oom(L);
    return 0;
}

/* ---- entry points -------------------------------------------------------------- */

int scenario_load(const char *path, const char *const *sets, int n_sets, scenario_t **out,
                  char *err, size_t errlen)
{
    ld_t L;
    char dummy[1];
    ytree_node_t *root = NULL;
    ld__core_t *core = NULL;
    *out = NULL;
    if (start(&L, err, errlen, dummy) < 0)
        goto err;
    if (!(core = mem_calloc(1, sizeof *core)) || !(core->yt = ytree_new()) ||
        !(L.sc->path = mem_strdup(path))) {
        ld__oom(&L);
        goto err;
    }
    L.yt = core->yt;
    L.core = core;
    if (load_file(&L, path, NULL, &root) < 0)
        goto err;
    core->root = root; /* the merged tree, kept as it is for scenario_vary */
    if (apply_sets(&L, &root, (char *const *)sets, n_sets) < 0 || build(&L, root) < 0 ||
        make_source(&L, core, NULL, 0, sets, n_sets) < 0)
        goto err;
    L.sc->source->as_set = root;
    *out = L.sc;
    return 0;
err:
    scenario_free(L.sc); /* drops its reference to core, if it took one */
    if (core && atomic_load(&core->refs) == 0)
        core_free(core);
    return L.rc ? L.rc : SIM_EINVAL;
}

const struct ytree_node *scenario_tree(const scenario_t *sc)
{
    return sc && sc->source && sc->source->core ? sc->source->core->root : NULL;
}

const struct ytree_node *scenario_tree_as_set(const scenario_t *sc)
{
    return sc && sc->source && sc->source->as_set ? sc->source->as_set : scenario_tree(sc);
}

int scenario_vary(const scenario_t *base, const char *const *sets, int n_sets,
                  scenario_t **out, char *err, size_t errlen)
{
    ld_t L;
    char dummy[1];
    const struct scn_source *src = base->source;
    ytree_node_t *root;
    *out = NULL;
    if (start(&L, err, errlen, dummy) < 0)
        goto err;
    if (!src || !src->core) {
        sim_err_at(L.err, L.errlen, SIM_EINVAL, base->path, 1, 1,
                   "the scenario was not loaded from a file: it cannot be varied");
        L.rc = SIM_EINVAL;
        goto err;
    }
    if (!(L.yt = ytree_new()) || !(L.sc->path = mem_strdup(base->path))) {
        ld__oom(&L);
        goto err;
    }
    L.replay = src->core;
    root = src->core->root;
    /* the inputs are the base's: no file is read */
    if (base->n_inputs) {
        if (!(L.sc->inputs = ld__calloc(&L, (size_t)base->n_inputs, sizeof *L.sc->inputs)))
            goto err;
        for (int i = 0; i < base->n_inputs; i++) {
            L.sc->inputs[i] = base->inputs[i];
            if (!(L.sc->inputs[i].path = ld__strdup(&L, base->inputs[i].path)))
                goto err;
            L.sc->n_inputs = i + 1;
        }
    }
    if (apply_sets(&L, &root, src->sets, src->n_sets) < 0 ||
        apply_sets(&L, &root, (char *const *)sets, n_sets) < 0 || build(&L, root) < 0 ||
        make_source(&L, src->core, src->sets, src->n_sets, sets, n_sets) < 0)
        goto err;
    ytree_free(L.yt);
    *out = L.sc;
    return 0;
err:
    ytree_free(L.yt);
    scenario_free(L.sc);
    return L.rc ? L.rc : SIM_EINVAL;
}
