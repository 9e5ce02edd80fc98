/* ytree.h: a YAML document as a small tree of maps, sequences and scalars, built from
 * libyaml's event parser, with a file:line:col mark on every node.
 *
 * Invariants of a tree returned by ytree_parse():
 * - every node lives in the ytree_t arena it was parsed into and dies with it
 *   (ytree_free); nothing in a tree is freed on its own;
 * - map keys are scalars, and no map holds the same key twice;
 * - aliases are expanded by sharing: `*a` puts the very node anchored by `&a` in the
 *   tree again, so a node may have several parents. Nothing in a parsed tree is ever
 *   modified in place; ytree_merge() and ytree_clone() make new nodes instead;
 * - the nodes reachable through aliases, counted with multiplicity, stay within
 *   YTREE_MAX_ALIASED per arena (all files parsed into it together), so a "billion
 *   laughs" document is refused while being parsed and every walk of a tree is cheap;
 * - ytree_parse makes at most YTREE_MAX_NODES nodes per arena (all files parsed into it
 *   together), so a load's memory stays bounded (about 100 bytes a node) however its
 *   files are included;
 * - nesting is at most YTREE_MAX_DEPTH deep and no map or sequence holds more than
 *   YTREE_MAX_ITEMS entries.
 * Marks are 1-based; columns count characters (code points), as libyaml does. */
#ifndef MODELS_YTREE_H
#define MODELS_YTREE_H

#include <stddef.h>

#include "sim/err.h"

#define YTREE_MAX_DEPTH 64         /* nested maps/sequences */
#define YTREE_MAX_ITEMS 10000      /* entries in one map or sequence */
#define YTREE_MAX_ALIASED 100000UL /* nodes reached through aliases, per arena */
#define YTREE_MAX_NODES 2000000UL  /* nodes ytree_parse makes, per arena */

typedef enum { YTREE_SCALAR, YTREE_MAP, YTREE_SEQ } ytree_kind_t;

typedef struct ytree_node ytree_node_t;
struct ytree_node {
    ytree_kind_t kind;   /* public, read-only */
    const char *file;    /* public: mark, the file (or pseudo-file) the node came from */
    int line, col;       /* public: mark, 1-based */
    int plain;           /* public: scalar written plain (unquoted, untagged) */
    int data;            /* public: made from a data file (a CSV cell): messages must not
                          * show str (set by its maker; 0 for parsed YAML) */
    const char *str;     /* public: scalar value, NUL-terminated (no NUL inside) */
    int n;               /* public: map: pairs; sequence: items */
    ytree_node_t **key;  /* public: map: key scalars [n] (NULL for a sequence) */
    ytree_node_t **val;  /* public: map: values [n]; sequence: items [n] */
    int cap;             /* private: room in key/val (nodes made by ytree_container) */
    unsigned long size;  /* private: nodes in the expanded subtree (saturates) */
};

typedef struct ytree ytree_t; /* opaque: the arena, the anchor table, the alias budget */

/* A new empty arena, or NULL (no memory). */
ytree_t *ytree_new(void);
/* Frees the arena and every node, string and array allocated from it. NULL is fine. */
void ytree_free(ytree_t *t);

/* Arena allocation, zeroed; NULL when out of memory. Freed by ytree_free only. */
void *ytree_alloc(ytree_t *t, size_t n);
char *ytree_strdup(ytree_t *t, const char *s);

/* Checks that buf[0..len) is UTF-8 text without NUL bytes. Returns 0, or SIM_EINVAL
 * with the 1-based *line and *col of the first bad byte and *what describing it. */
int ytree_check_text(const char *buf, size_t len, int *line, int *col, const char **what);

/* Parses one YAML document from buf[0..len), marking nodes with `file` (copied).
 * Returns 0 with *root the document's top node, or *root NULL when the stream holds
 * no document. On error returns SIM_EINVAL and writes "FILE:LINE:COL: error: MESSAGE"
 * to err (its end kept when err is short): bytes that are not UTF-8 text, libyaml
 * syntax errors, a second document, unknown aliases, non-scalar or duplicate keys,
 * and the limits above (the node budget at the node past it); or SIM_ENOMEM with "out of memory". What was allocated stays
 * in the arena (freed with it). */
int ytree_parse(ytree_t *t, const char *file, const char *buf, size_t len,
                ytree_node_t **root, char *err, size_t errlen);

/* New nodes, marked file:line:col (file is not copied: it must outlive the arena's
 * use, e.g. a string from ytree_strdup). NULL when out of memory. */
ytree_node_t *ytree_scalar(ytree_t *t, const char *file, int line, int col,
                           const char *str, int plain);
ytree_node_t *ytree_container(ytree_t *t, ytree_kind_t kind, const char *file, int line,
                              int col, int cap);
/* Appends to a node made by ytree_container (with room for cap entries); key is NULL
 * for a sequence. Returns 0, or SIM_ERANGE when full (nothing appended). */
int ytree_append(ytree_node_t *c, ytree_node_t *key, ytree_node_t *val);

/* A shallow copy of n (new arrays, same children), to modify without touching other
 * parents of n. NULL when out of memory. */
ytree_node_t *ytree_clone(ytree_t *t, const ytree_node_t *n);

/* Value of `key` in map m, or NULL (also when m is not a map). Its index in *at. */
ytree_node_t *ytree_get(const ytree_node_t *m, const char *key, int *at);

/* Deep merge: maps merge key by key (recursively; over's value wins, base's keys keep
 * their order, new keys follow); anything else is replaced whole by over. A map is
 * also replaced whole when both have the key `tag` (if not NULL) with different scalar
 * values: it is then another kind of thing (e.g. another `dist`), whose old keys would
 * not belong. New nodes are made where maps meet; base and over are not modified.
 * Time linear in the sizes of the maps (keys are found through a hash index). NULL
 * when out of memory. */
ytree_node_t *ytree_merge(ytree_t *t, ytree_node_t *base, ytree_node_t *over, const char *tag);

/* ---- writing a tree back as YAML text ---- */

/* Receives n bytes of emitted text (not NUL-terminated). */
typedef void ytree_put_fn(void *ctx, const char *s, size_t n);

/* Writes a map or sequence node in block style, each line starting with `indent`
 * spaces (a scalar: its text alone, no newline). Parsing the text gives the same tree
 * (marks and sharing aside): every scalar keeps its string and its plainness (plain
 * scalars are written plain when that reads back the same, else the whole tree could
 * not be read as before: such a scalar -- with a newline, a leading or trailing space,
 * or `: ` / ` #` inside -- is written double-quoted and so loses its plainness, which
 * only numbers and booleans need, and those never hold such text); other scalars are
 * double-quoted with escapes (\" \\ \n \t \xNN), UTF-8 kept. Empty maps and
 * sequences are {} and []. Nodes shared through aliases are written in full. */
void ytree_emit(const ytree_node_t *n, int indent, ytree_put_fn *put, void *ctx);

/* Writes `indent` spaces and `key:` (quoted when it is not a plain name), no newline. */
void ytree_emit_key(const char *key, int indent, ytree_put_fn *put, void *ctx);

/* Writes `key: value` (value a node as ytree_emit writes it) at `indent`, ending with
 * a newline. */
void ytree_emit_pair(const char *key, const ytree_node_t *val, int indent, ytree_put_fn *put,
                     void *ctx);

#endif
