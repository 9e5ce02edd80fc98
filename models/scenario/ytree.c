/* ytree.c: libyaml events -> ytree nodes (see ytree.h for the invariants).
 *
 * The parser keeps a stack of open containers; each frame gathers its children in a
 * mem_alloc'd array that is copied into the arena when the container closes, so the arena
 * only ever holds finished nodes. A node's anchor is registered when the node is
 * finished, which is what makes a recursive alias (`&a [*a]`) an unknown alias instead
 * of a cycle. Every alias charges the expanded size of its target to the arena's
 * budget, so the cost of walking the tree later is bounded by the file size plus
 * YTREE_MAX_ALIASED; every node parsed is charged to a second budget, YTREE_MAX_NODES,
 * so the arena's size is bounded too, however often a load includes a file. Every allocation goes through sim/mem.h (libyaml allocates for
 * itself); errors are SIM_EINVAL "FILE:LINE:COL: error: MESSAGE" or SIM_ENOMEM "out of
 * memory" (sim/err.h). UTF-8 is decoded by sim/utf8. */
#include "models/scenario/ytree.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/err.h"
#include "sim/mem.h"
#include "sim/utf8.h"

#define BLOCK_SIZE 65536
#define ALIGN 16

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(ALIGN) unsigned char data[]; /* cap bytes */
} block_t;

typedef struct anchor {
    char *name;          /* mem_strdup'd; NULL for an empty slot */
    ytree_node_t *node;
} anchor_t;

struct ytree {
    block_t *blocks;       /* arena, newest first */
    unsigned long aliased; /* nodes charged by aliases so far (the budget) */
    unsigned long parsed;  /* nodes ytree_parse made so far (the node budget) */
    anchor_t *anchors;     /* open addressing, per document */
    size_t n_anchors, cap_anchors;
};

typedef struct frame {
    ytree_node_t *node;    /* the open container (its arrays not yet set) */
    ytree_node_t **kids;   /* mem_alloc'd: seq items, or key, value, key, value... */
    int n, cap;            /* kids used and room */
    char *anchor;          /* mem_strdup'd copy of its anchor, or NULL */
} frame_t;

ytree_t *ytree_new(void)
{
    return mem_calloc(1, sizeof(ytree_t));
}

static void anchors_clear(ytree_t *t)
{
    for (size_t i = 0; i < t->cap_anchors; i++)
        mem_free(t->anchors[i].name);
    mem_free(t->anchors);
    t->anchors = NULL;
    t->n_anchors = t->cap_anchors = 0;
}

void ytree_free(ytree_t *t)
{
    if (!t)
        return;
    anchors_clear(t);
    for (block_t *b = t->blocks, *nx; b; b = nx) {
        nx = b->next;
        mem_free(b);
    }
    mem_free(t);
}

void *ytree_alloc(ytree_t *t, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    block_t *b = t->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
        b = mem_alloc(sizeof(block_t) + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        if (cap == n && t->blocks) { /* a big one: keep the current block current */
            b->next = t->blocks->next;
            t->blocks->next = b;
        } else {
            b->next = t->blocks;
            t->blocks = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *ytree_strdup(ytree_t *t, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ytree_alloc(t, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---- text check ---------------------------------------------------------------- */

/* 1-based line and column (in characters) of byte offset `off`; stops counting
 * characters at invalid bytes, each of which counts as one column. */
static void locate(const char *buf, size_t off, int *line, int *col)
{
    const unsigned char *s = (const unsigned char *)buf;
    int l = 1, c = 1;
    for (size_t i = 0; i < off;) {
        if (s[i] == '\n') {
            l++, c = 1, i++;
            continue;
        }
        size_t k = utf8_len(s + i, off - i);
        i += k ? k : 1;
        c++;
    }
    *line = l;
    *col = c;
}

int ytree_check_text(const char *buf, size_t len, int *line, int *col, const char **what)
{
    const unsigned char *s = (const unsigned char *)buf;
    for (size_t i = 0; i < len;) {
        if (s[i] == 0) {
            locate(buf, i, line, col);
            *what = "NUL byte: this is not a text file";
            return SIM_EINVAL;
        }
        size_t k = utf8_len(s + i, len - i);
        if (!k) {
            locate(buf, i, line, col);
            *what = "invalid UTF-8: this is not a UTF-8 text file";
            return SIM_EINVAL;
        }
        i += k;
    }
    return 0;
}

/* ---- nodes --------------------------------------------------------------------- */

ytree_node_t *ytree_scalar(ytree_t *t, const char *file, int line, int col,
                           const char *str, int plain)
{
    ytree_node_t *n = ytree_alloc(t, sizeof *n);
    if (!n || !(n->str = ytree_strdup(t, str)))
        return NULL;
    n->kind = YTREE_SCALAR;
    n->file = file;
    n->line = line;
    n->col = col;
    n->plain = plain;
    n->size = 1;
    return n;
}

ytree_node_t *ytree_container(ytree_t *t, ytree_kind_t kind, const char *file, int line,
                              int col, int cap)
{
    ytree_node_t *n = ytree_alloc(t, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = file;
    n->line = line;
    n->col = col;
    n->size = 1;
    n->str = "";
    if (cap > 0) {
        n->val = ytree_alloc(t, (size_t)cap * sizeof *n->val);
        if (!n->val)
            return NULL;
        if (kind == YTREE_MAP && !(n->key = ytree_alloc(t, (size_t)cap * sizeof *n->key)))
            return NULL;
    }
    n->cap = cap;
    return n;
}

static unsigned long add_size(unsigned long a, unsigned long b)
{
    return a > ULONG_MAX - b ? ULONG_MAX : a + b;
}

int ytree_append(ytree_node_t *c, ytree_node_t *key, ytree_node_t *val)
{
    if (c->n >= c->cap)
        return SIM_ERANGE;
    if (c->kind == YTREE_MAP) {
        c->key[c->n] = key;
        c->size = add_size(c->size, key->size);
    }
    c->val[c->n++] = val;
    c->size = add_size(c->size, val->size);
    return 0;
}

ytree_node_t *ytree_clone(ytree_t *t, const ytree_node_t *n)
{
    if (n->kind == YTREE_SCALAR) {
        ytree_node_t *c = ytree_alloc(t, sizeof *c);
        if (c)
            *c = *n;
        return c;
    }
    ytree_node_t *c = ytree_container(t, n->kind, n->file, n->line, n->col, n->n + 1);
    if (!c)
        return NULL;
    for (int i = 0; i < n->n; i++)
        ytree_append(c, n->key ? n->key[i] : NULL, n->val[i]);
    return c;
}

ytree_node_t *ytree_get(const ytree_node_t *m, const char *key, int *at)
{
    if (!m || m->kind != YTREE_MAP)
        return NULL;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->key[i]->str, key) == 0) {
            if (at)
                *at = i;
            return m->val[i];
        }
    return NULL;
}

static size_t hash_str(const char *s);

/* An index of map m's keys: open addressing over slots (a power of two, at least twice
 * m->n), each holding a key's position + 1 (0: empty). */
static int *key_index(const ytree_node_t *m, size_t *slots)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)m->n)
        cap *= 2;
    int *tab = mem_calloc(cap, sizeof *tab);
    if (!tab)
        return NULL;
    for (int i = 0; i < m->n; i++) {
        size_t h = hash_str(m->key[i]->str) & (cap - 1);
        while (tab[h])
            h = (h + 1) & (cap - 1);
        tab[h] = i + 1;
    }
    *slots = cap;
    return tab;
}

/* Position of `key` in the map indexed by tab, or -1. */
static int key_find(const ytree_node_t *m, const int *tab, size_t slots, const char *key)
{
    for (size_t h = hash_str(key) & (slots - 1); tab[h]; h = (h + 1) & (slots - 1))
        if (strcmp(m->key[tab[h] - 1]->str, key) == 0)
            return tab[h] - 1;
    return -1;
}

/* Linear in the sizes of base and over: over's keys are looked up in a hash index, and
 * marked when base has them, so its new keys are those left unmarked. */
ytree_node_t *ytree_merge(ytree_t *t, ytree_node_t *base, ytree_node_t *over, const char *tag)
{
    if (!base)
        return over;
    if (!over)
        return base;
    if (base->kind != YTREE_MAP || over->kind != YTREE_MAP)
        return over;
    if (tag) {
        const ytree_node_t *bt = ytree_get(base, tag, NULL), *ot = ytree_get(over, tag, NULL);
        if (bt && ot && bt->kind == YTREE_SCALAR && ot->kind == YTREE_SCALAR &&
            strcmp(bt->str, ot->str) != 0)
            return over;
    }
    size_t slots = 0;
    int *tab = key_index(over, &slots);
    unsigned char *taken = mem_calloc((size_t)over->n + 1, 1);
    ytree_node_t *m = tab && taken ? ytree_container(t, YTREE_MAP, over->file, over->line,
                                                     over->col, base->n + over->n)
                                   : NULL;
    for (int i = 0; m && i < base->n; i++) {
        int j = key_find(over, tab, slots, base->key[i]->str);
        if (j < 0) {
            ytree_append(m, base->key[i], base->val[i]);
            continue;
        }
        taken[j] = 1;
        ytree_node_t *v = ytree_merge(t, base->val[i], over->val[j], tag);
        if (!v)
            m = NULL;
        else
            ytree_append(m, over->key[j], v);
    }
    for (int j = 0; m && j < over->n; j++)
        if (!taken[j])
            ytree_append(m, over->key[j], over->val[j]);
    mem_free(tab);
    mem_free(taken);
    return m;
}

/* ---- anchors ------------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL & SIZE_MAX;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
    return h;
}

static anchor_t *anchor_slot(anchor_t *tab, size_t cap, const char *name)
{
    size_t i = hash_str(name) & (cap - 1);
    while (tab[i].name && strcmp(tab[i].name, name) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Registers (or re-binds, as YAML allows) an anchor. Takes ownership of name. */
static int anchor_put(ytree_t *t, char *name, ytree_node_t *node)
{
    if (2 * (t->n_anchors + 1) > t->cap_anchors) {
        size_t cap = t->cap_anchors ? 2 * t->cap_anchors : 64;
        anchor_t *tab = mem_calloc(cap, sizeof *tab);
        if (!tab) {
            mem_free(name);
            return SIM_ENOMEM;
        }
        for (size_t i = 0; i < t->cap_anchors; i++)
            if (t->anchors[i].name)
                *anchor_slot(tab, cap, t->anchors[i].name) = t->anchors[i];
        mem_free(t->anchors);
        t->anchors = tab;
        t->cap_anchors = cap;
    }
    anchor_t *a = anchor_slot(t->anchors, t->cap_anchors, name);
    if (a->name) {
        mem_free(name);
    } else {
        a->name = name;
        t->n_anchors++;
    }
    a->node = node;
    return 0;
}

static ytree_node_t *anchor_get(ytree_t *t, const char *name)
{
    if (!t->cap_anchors)
        return NULL;
    anchor_t *a = anchor_slot(t->anchors, t->cap_anchors, name);
    return a->name ? a->node : NULL;
}

/* ---- the parser ---------------------------------------------------------------- */

typedef struct parse {
    ytree_t *t;
    const char *file;       /* arena copy */
    char *err;
    size_t errlen;
    frame_t stack[YTREE_MAX_DEPTH + 1];
    int depth;
    ytree_node_t *root;
    int rc;                 /* 0, or the code of the error reported */
} parse_t;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int perr(parse_t *p, const char *file, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* sim_err_at keeps "FILE:LINE:COL: error: MESSAGE"'s shape when it is too long */
    p->rc = sim_err_at(p->err, p->errlen, SIM_EINVAL, file, line, col, "%s", msg);
    return p->rc;
}

/* Out of memory: SIM_ENOMEM, the message without a place. */
static int oom(parse_t *p)
{
    p->rc = sim_err_set(p->err, p->errlen, SIM_ENOMEM, "out of memory");
    return p->rc;
}

static int nerr(parse_t *p, const ytree_node_t *n, const char *msg)
{
    return perr(p, n->file, n->line, n->col, "%s", msg);
}

/* Charges one new node at line:col to the arena's node budget. */
static int count_node(parse_t *p, int line, int col)
{
    if (++p->t->parsed <= YTREE_MAX_NODES)
        return 0;
    return perr(p, p->file, line, col,
                "too many YAML nodes: the files of one scenario may hold at most %lu "
                "(keys, values and lists together)",
                YTREE_MAX_NODES);
}

static int cmp_keys(const void *a, const void *b)
{
    const ytree_node_t *const *x = a, *const *y = b;
    int c = strcmp((*x)->str, (*y)->str);
    if (c)
        return c;
    /* ties by position in the file, so the later duplicate is the one reported */
    if ((*x)->line != (*y)->line)
        return (*x)->line < (*y)->line ? -1 : 1;
    return ((*x)->col > (*y)->col) - ((*x)->col < (*y)->col);
}

/* Refuses duplicate keys in a finished frame (kids are key, value pairs). */
static int check_dups(parse_t *p, frame_t *f)
{
    int n = f->n / 2;
    if (n < 2)
        return 0;
    ytree_node_t **keys = mem_alloc((size_t)n * sizeof *keys);
    if (!keys)
        return oom(p);
    for (int i = 0; i < n; i++)
        keys[i] = f->kids[2 * i];
    qsort(keys, (size_t)n, sizeof *keys, cmp_keys);
    int rc = 0;
    char clip[SIM_ERR_CLIP + 1];
    for (int i = 1; i < n && !rc; i++)
        if (strcmp(keys[i - 1]->str, keys[i]->str) == 0)
            rc = perr(p, keys[i]->file, keys[i]->line, keys[i]->col,
                      "duplicate key '%s' (first at line %d)",
                      sim_err_clip(clip, sizeof clip, keys[i]->str), keys[i - 1]->line);
    mem_free(keys);
    return rc;
}

/* Adds a finished node to the open container (or makes it the root). */
static int add_child(parse_t *p, ytree_node_t *n)
{
    if (p->depth == 0) {
        p->root = n;
        return 0;
    }
    frame_t *f = &p->stack[p->depth - 1];
    int is_key = f->node->kind == YTREE_MAP && f->n % 2 == 0;
    if (is_key && n->kind != YTREE_SCALAR)
        return nerr(p, n, "map keys must be plain strings, not maps or lists");
    if ((f->node->kind == YTREE_SEQ || is_key) &&
        (f->node->kind == YTREE_SEQ ? f->n : f->n / 2) >= YTREE_MAX_ITEMS)
        return perr(p, n->file, n->line, n->col, "too many items (more than %d)",
                    YTREE_MAX_ITEMS);
    if (f->n == f->cap) {
        int cap = f->cap ? 2 * f->cap : 8;
        ytree_node_t **k = mem_realloc(f->kids, (size_t)cap * sizeof *k);
        if (!k)
            return oom(p);
        f->kids = k;
        f->cap = cap;
    }
    f->kids[f->n++] = n;
    return 0;
}

static char *dup_anchor(const yaml_char_t *a)
{
    if (!a)
        return NULL;
    return mem_strdup((const char *)a);
}

static int finish(parse_t *p, ytree_node_t *n, char *anchor)
{
    if (anchor && anchor_put(p->t, anchor, n) < 0)
        return oom(p);
    return add_child(p, n);
}

static int on_scalar(parse_t *p, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (strlen(s) != ev->data.scalar.length)
        return perr(p, p->file, line, col, "string contains a NUL character");
    if (count_node(p, line, col) < 0)
        return p->rc;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
    ytree_node_t *n = ytree_scalar(p->t, p->file, line, col, s, plain);
    if (!n)
        return oom(p);
    char *anchor = dup_anchor(ev->data.scalar.anchor);
    if (ev->data.scalar.anchor && !anchor)
        return oom(p);
    return finish(p, n, anchor);
}

static int on_start(parse_t *p, const yaml_event_t *ev, ytree_kind_t kind)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (p->depth >= YTREE_MAX_DEPTH)
        return perr(p, p->file, line, col, "nested too deeply (more than %d levels)",
                    YTREE_MAX_DEPTH);
    if (count_node(p, line, col) < 0)
        return p->rc;
    ytree_node_t *n = ytree_alloc(p->t, sizeof *n);
    if (!n)
        return oom(p);
    n->kind = kind;
    n->file = p->file;
    n->line = line;
    n->col = col;
    n->str = "";
    const yaml_char_t *a = kind == YTREE_MAP ? ev->data.mapping_start.anchor
                                             : ev->data.sequence_start.anchor;
    frame_t *f = &p->stack[p->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    if (a && !(f->anchor = dup_anchor(a)))
        return oom(p);
    return 0;
}

static int on_end(parse_t *p)
{
    frame_t *f = &p->stack[p->depth - 1];
    ytree_node_t *n = f->node;
    if (n->kind == YTREE_MAP && check_dups(p, f) < 0)
        return p->rc;
    int items = n->kind == YTREE_MAP ? f->n / 2 : f->n;
    if (items) {
        n->val = ytree_alloc(p->t, (size_t)items * sizeof *n->val);
        if (!n->val)
            return oom(p);
        if (n->kind == YTREE_MAP && !(n->key = ytree_alloc(p->t, (size_t)items * sizeof *n->key)))
            return oom(p);
    }
    n->cap = items;
    n->size = 1;
    for (int i = 0; i < f->n; i++)
        n->size = add_size(n->size, f->kids[i]->size);
    for (int i = 0; i < items; i++) {
        if (n->kind == YTREE_MAP) {
            n->key[i] = f->kids[2 * i];
            n->val[i] = f->kids[2 * i + 1];
        } else {
            n->val[i] = f->kids[i];
        }
    }
    n->n = items;
    char *anchor = f->anchor;
    mem_free(f->kids);
    memset(f, 0, sizeof *f);
    p->depth--;
    return finish(p, n, anchor);
}

static int on_alias(parse_t *p, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    ytree_node_t *n = anchor_get(p->t, name);
    char clip[SIM_ERR_CLIP + 1];
    if (!n)
        return perr(p, p->file, line, col, "unknown alias '*%s'",
                    sim_err_clip(clip, sizeof clip, name));
    p->t->aliased = add_size(p->t->aliased, n->size);
    if (p->t->aliased > YTREE_MAX_ALIASED)
        return perr(p, p->file, line, col,
                    "aliases expand to too many nodes (more than %lu): refusing an alias "
                    "bomb",
                    YTREE_MAX_ALIASED);
    return add_child(p, n);
}

/* 1 if line (1-based) of buf[0..len) has a tab among its leading blanks: libyaml then
 * mostly says only "found character that cannot start any token". */
static int tab_indents(const char *buf, size_t len, int line)
{
    size_t i = 0;
    for (int l = 1; l < line && i < len; i++)
        if (buf[i] == '\n')
            l++;
    for (; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
        if (buf[i] == '\t')
            return 1;
    return 0;
}

static int yaml_error(parse_t *p, const yaml_parser_t *yp, const char *buf, size_t len)
{
    int line, col;
    if (yp->error == YAML_MEMORY_ERROR)
        return oom(p);
    if (yp->error == YAML_READER_ERROR) {
        size_t off = yp->problem_offset < len ? yp->problem_offset : len;
        locate(buf, off, &line, &col);
    } else {
        line = (int)yp->problem_mark.line + 1;
        col = (int)yp->problem_mark.column + 1;
    }
    const char *problem = yp->problem ? yp->problem : "invalid YAML";
    /* a tab where YAML wants spaces: the commonest slip of an editor; say what to do */
    const char *hint = strstr(problem, "tab") || tab_indents(buf, len, line)
                           ? "; YAML indents with spaces: replace the tab with spaces"
                           : "";
    if (yp->context)
        return perr(p, p->file, line, col, "%s (%s started at line %d)%s", problem, yp->context,
                    (int)yp->context_mark.line + 1, hint);
    return perr(p, p->file, line, col, "%s%s", problem, hint);
}

int ytree_parse(ytree_t *t, const char *file, const char *buf, size_t len,
                ytree_node_t **root, char *err, size_t errlen)
{
    parse_t p = {.t = t, .err = err, .errlen = errlen};
    yaml_parser_t yp;
    yaml_event_t ev;
    int docs = 0, done = 0, line, col;
    const char *what;

    *root = NULL;
    if (!(p.file = ytree_strdup(t, file)))
        return oom(&p);
    if (ytree_check_text(buf, len, &line, &col, &what) < 0)
        return perr(&p, p.file, line, col, "%s", what);
    anchors_clear(t);
    if (!yaml_parser_initialize(&yp))
        return oom(&p);
    yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&yp, &ev)) {
            yaml_error(&p, &yp, buf, len);
            goto err;
        }
        int r = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                r = perr(&p, p.file, (int)ev.start_mark.line + 1,
                         (int)ev.start_mark.column + 1,
                         "more than one YAML document in the file");
            break;
        case YAML_SCALAR_EVENT:
            r = on_scalar(&p, &ev);
            break;
        case YAML_ALIAS_EVENT:
            r = on_alias(&p, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            r = on_start(&p, &ev, YTREE_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            r = on_start(&p, &ev, YTREE_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            r = on_end(&p);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (r < 0)
            goto err;
    }
    *root = p.root;
err:
    for (int i = 0; i < p.depth; i++) {
        mem_free(p.stack[i].kids);
        mem_free(p.stack[i].anchor);
    }
    anchors_clear(t);
    yaml_parser_delete(&yp);
    return p.rc;
}

/* ---- writing a tree back as YAML text ------------------------------------------ */

static void put_s(ytree_put_fn *put, void *ctx, const char *s)
{
    put(ctx, s, strlen(s));
}

static void put_ind(ytree_put_fn *put, void *ctx, int n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        int k = n < 32 ? n : 32;
        put(ctx, sp, (size_t)k);
        n -= k;
    }
}

/* Can s be written plain (unquoted) and read back as the same plain scalar, in a block
 * map value or sequence item? It came from a plain scalar (or is a key), so its first
 * character is already fine, except for what only flow or multi-line context allowed. */
static int plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || strchr("!&*|>'\"%@`#,[]{}?:", s[0]))
        return 0;
    if (s[0] == '-' && (n == 1 || s[1] == ' '))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c == ':' && (i + 1 == n || s[i + 1] == ' '))
            return 0;
        if (c == '#' && i > 0 && s[i - 1] == ' ')
            return 0;
    }
    return 1;
}

static void put_quoted(ytree_put_fn *put, void *ctx, const char *s)
{
    put(ctx, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char buf[8];
        if (c == '"' || c == '\\') {
            buf[0] = '\\';
            buf[1] = (char)c;
            put(ctx, buf, 2);
        } else if (c == '\n') {
            put(ctx, "\\n", 2);
        } else if (c == '\t') {
            put(ctx, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(buf, sizeof buf, "\\x%02x", c);
            put(ctx, buf, 4);
        } else {
            put(ctx, p, 1);
        }
    }
    put(ctx, "\"", 1);
}

static void put_scalar(ytree_put_fn *put, void *ctx, const ytree_node_t *n)
{
    if (n->plain && plain_ok(n->str))
        put_s(put, ctx, n->str);
    else
        put_quoted(put, ctx, n->str);
}

static void put_key(ytree_put_fn *put, void *ctx, const char *k)
{
    size_t n = strlen(k), ok = n > 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
             (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || (k[i] == '-' && i > 0) ||
             (k[i] == '.' && i > 0);
    if (ok)
        put_s(put, ctx, k);
    else
        put_quoted(put, ctx, k);
}

/* After "key:" or "-": the value on the same line (scalar, empty container) or on the
 * next lines at indent. */
static void put_value(const ytree_node_t *v, int indent, ytree_put_fn *put, void *ctx)
{
    if (v->kind == YTREE_SCALAR) {
        put(ctx, " ", 1);
        put_scalar(put, ctx, v);
        put(ctx, "\n", 1);
    } else if (v->n == 0) {
        put_s(put, ctx, v->kind == YTREE_MAP ? " {}\n" : " []\n");
    } else {
        put(ctx, "\n", 1);
        ytree_emit(v, indent, put, ctx);
    }
}

void ytree_emit_key(const char *key, int indent, ytree_put_fn *put, void *ctx)
{
    put_ind(put, ctx, indent);
    put_key(put, ctx, key);
    put(ctx, ":", 1);
}

void ytree_emit_pair(const char *key, const ytree_node_t *val, int indent, ytree_put_fn *put,
                     void *ctx)
{
    ytree_emit_key(key, indent, put, ctx);
    put_value(val, indent + 2, put, ctx);
}

void ytree_emit(const ytree_node_t *n, int indent, ytree_put_fn *put, void *ctx)
{
    if (n->kind == YTREE_SCALAR) {
        put_scalar(put, ctx, n);
        return;
    }
    for (int i = 0; i < n->n; i++) {
        if (n->kind == YTREE_MAP) {
            ytree_emit_pair(n->key[i]->str, n->val[i], indent, put, ctx);
        } else {
            put_ind(put, ctx, indent);
            put(ctx, "-", 1);
            put_value(n->val[i], indent + 2, put, ctx);
        }
    }
}
