/* load_internal.h: what the loader's files share (private to models/scenario/load*.c).
 *
 * The loader (scenario_load, scenario_vary) is one module in several files, one per
 * section of the format:
 *   load.c            the entry points; reading files (through sim/input), includes and
 *                     their merging, the include budget, --set, what is kept for
 *                     scenario_vary (ld__source_t);
 *   load_values.c     errors, the value readers (ld__get_*), shapes and keys, names of
 *                     stages and flags, distributions;
 *   load_top.c        the top-level scalars (name, dates, horizon, replications, ...);
 *   load_pathway.c    stages, durations (by_age too), routing, adjust, arrivals;
 *   load_initial.c    initial: counts, `steady` (traffic equations), `file:` rows;
 *   load_pools.c      pools;
 *   load_observed.c   observed, inline and from CSV files;
 *   load_costs.c      costs;
 *   load_strands.c    the ld_* API strand types call (models/strands/strand.h), strands;
 *   load_uncertain.c  uncertain.
 *
 * Conventions of every function here: it returns 0, or a negative SIM_E* code after
 * writing the one-line message to L->err and the code to L->rc (the first failure
 * wins: nothing is tried after it, every caller returns L->rc at once). A failure is
 * SIM_EINVAL with "FILE:LINE:COL: error: MESSAGE" (ld__fail, ld__failat), SIM_ENOMEM
 * with "out of memory" (ld__oom), or SIM_EIO when a file could not be read. Values
 * are copied into L->sc, which owns each array from the moment it is allocated, so a
 * failure anywhere just frees the scenario. Nodes marked `data` (rows of a CSV file)
 * are never echoed in a message: it names their line and column instead. */
#ifndef MODELS_SCENARIO_LOAD_INTERNAL_H
#define MODELS_SCENARIO_LOAD_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include "models/scenario/scenario.h"
#include "models/scenario/ytree.h"
#include "models/strands/strand.h"
#include "sim/err.h"

/* ---- limits (docs/scenario-reference.md, "Limits") ------------------------------ */
#define LD_MAX_FILE_BYTES (16L << 20)     /* one scenario, include or CSV file */
#define LD_MAX_FILES 256                  /* files read by one load, all kinds */
#define LD_MAX_TOTAL_BYTES (64L << 20)    /* bytes read by one load, all files */
#define LD_MAX_INCLUDE_DEPTH 16           /* includes of includes of ... */
#define LD_MAX_REPLICATIONS 100000
#define LD_MAX_INITIAL 50000000LL         /* initial children, per stage and in all */
#define LD_MAX_HORIZON 73050.0            /* 200 years of days */
#define LD_MAX_REPORT_STEPS 1000000.0     /* horizon / report_every_days */
#define LD_MAX_ARRIVALS_PER_YEAR 1e7      /* children a year, one stream or all at peak */
#define LD_MAX_WORKERS 1e6                /* FTE in one pool */
#define LD_MAX_CASELOAD_CAP 1e6           /* weighted cases per worker */
#define LD_MAX_CSV_ROWS YTREE_MAX_ITEMS
#define LD_MAX_OBSERVED YTREE_MAX_ITEMS   /* observed items, inline and from files */
#define LD_MAX_SET_BYTES 65536           /* one --set PATH=VALUE argument */
#define LD_MAX_FILE_NAME 4096             /* longer names in messages are clipped */
#define LD_MAX_MESSAGE 1024               /* bytes of one message, after FILE:LINE:COL */
#define LD_SET_PREFIX "--set "            /* pseudo-file of an override: "--set PATH=VALUE" */
#define LD_ROUTE_TOL 1e-9                 /* `next` and shares must sum to 1 within this */

/* One CSV file as the first load read it: scenario_vary reads it from here. */
typedef struct ld__csv {
    char *path;            /* as the loader named it (relative to the scenario) */
    char *data;            /* its bytes, NUL-terminated */
    size_t len;            /* bytes, without the NUL */
} ld__csv_t;

/* What a load read, shared (read-only, reference counted) by the scenario it made and
 * every scenario varied from it. */
typedef struct ld__core {
    atomic_int refs;       /* scenarios holding it */
    ytree_t *yt;           /* the arena of the tree; nothing is allocated in it after
                            * the load that made it */
    ytree_node_t *root;    /* the merged tree of every file, before any --set */
    int n_csv;
    ld__csv_t *csv;        /* CSV files in read order */
} ld__core_t;

/* scenario_t.source: how to make the scenario again (scenario_vary). */
struct scn_source {
    ld__core_t *core;      /* shared */
    int n_sets;
    char **sets;           /* every --set applied, in order (own copies) */
    const struct ytree_node *as_set; /* scenario_load: the merged tree with the --set
                                      * applied (in core's arena); NULL for a varied one */
};

struct ld {
    ytree_t *yt;           /* arena of every tree this load makes */
    scenario_t *sc;        /* being filled; owns what it points to */
    char *err;             /* the message of a failure (never NULL) */
    size_t errlen;         /* room in err (> 0) */
    int rc;                /* 0, or the code of the failure reported */
    char *chain[LD_MAX_INCLUDE_DEPTH + 1]; /* realpath of each file being loaded */
    int n_chain;
    int n_files;           /* files read so far (the budget) */
    long long bytes;       /* bytes read so far (the budget) */
    const ld__core_t *replay; /* scenario_vary: CSV files come from here, none is read */
    ld__core_t *core;      /* scenario_load: what is kept for scenario_vary */
    int cap_inputs;        /* room in sc->inputs */
    int strand;            /* index of the strand being parsed */
    char quote[4][SIM_ERR_CLIP + 1]; /* ld__quote's clipped copies, used in turn */
    unsigned n_quote;      /* ld__quote calls so far (picks the next of quote) */
};

/* ---- errors (load_values.c) ---------------------------------------------------- */
#if defined(__GNUC__)
#define LD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LD_PRINTF(a, b)
#endif
/* "FILE:LINE:COL: error: MESSAGE" (the end kept when too long), SIM_EINVAL. */
int ld__failat(ld_t *L, const char *file, int line, int col, const char *fmt, ...)
    LD_PRINTF(5, 6);
int ld__fail(ld_t *L, const ytree_node_t *n, const char *fmt, ...) LD_PRINTF(3, 4);
int ld__vfail(ld_t *L, const ytree_node_t *n, const char *fmt, va_list ap) LD_PRINTF(3, 0);
/* "out of memory", SIM_ENOMEM. */
int ld__oom(ld_t *L);
/* A message with the code: SIM_EIO for a file that could not be read. */
int ld__failcode(ld_t *L, int code, const char *file, int line, int col, const char *fmt,
                 ...) LD_PRINTF(6, 7);
const char *ld__kind_name(const ytree_node_t *n);
/* What csv_next's negative return n means for a data file `path` read by r (an
 * opaque csv_t *, sim/csv.h): "out of memory", or the reader's reason at the line and
 * column it names. Returns L->rc. */
struct csv;
int ld__csv_fail(ld_t *L, struct csv *r, const char *path, int n);
/* A user's text for a message, at most SIM_ERR_CLIP bytes ("..." ends a longer one,
 * sim_err_clip): valid until three more calls; the message quoting it must be
 * formatted before then. Every message clips what the user wrote (keys, values,
 * paths), so the whole line fits and keeps its end. */
const char *ld__quote(ld_t *L, const char *s);
/* A scalar's text for a message: ld__quote(n->str), or "[data not shown]" for a data
 * file's cell. */
const char *ld__text(ld_t *L, const ytree_node_t *n);
/* mem_calloc (at least 1 byte) / mem_strdup, reporting "out of memory". */
void *ld__calloc(ld_t *L, size_t n, size_t size);
char *ld__strdup(ld_t *L, const char *s);
/* " (did you mean 'X'?)" for the closest of cands[0..n) (NULL skipped), else "". */
const char *ld__suggest(char *buf, size_t size, const char *s, const char *const *cands,
                        int n);
int ld__count_of(const char *const *list);

/* ---- shapes and keys ----------------------------------------------------------- */
int ld__want_map(ld_t *L, const ytree_node_t *n, const char *what);
int ld__want_seq(ld_t *L, const ytree_node_t *n, const char *what);
/* Refuses a key of map m not in allowed (NULL-terminated), at the key. */
int ld__check_keys(ld_t *L, const ytree_node_t *m, const char *const *allowed,
                   const char *what);
/* The value of a required key, or NULL after reporting it missing at the map. */
const ytree_node_t *ld__need(ld_t *L, const ytree_node_t *m, const char *key,
                             const char *what);
const ytree_node_t *ld__key_of(const ytree_node_t *m, const char *key);
/* "NAME or [NAMES]": the items, in *items (a one-item view of n for a scalar). */
int ld__name_list(ld_t *L, const ytree_node_t *const *np, const char *what,
                  const ytree_node_t *const **items, int *count);
/* Is r an empty document (no node, or a plain empty / ~ / null scalar)? */
int ld__is_empty_doc(const ytree_node_t *r);

/* ---- value readers: a scalar node into a C value, or an error at the node ------- */
int ld__get_num(ld_t *L, const ytree_node_t *n, const char *what, double *v);
int ld__get_ge0(ld_t *L, const ytree_node_t *n, const char *what, double *v);
int ld__get_gt0(ld_t *L, const ytree_node_t *n, const char *what, double *v);
int ld__get_prob(ld_t *L, const ytree_node_t *n, const char *what, double *v);
int ld__get_int(ld_t *L, const ytree_node_t *n, const char *what, long long lo,
                long long hi, long long *v);
int ld__get_u64(ld_t *L, const ytree_node_t *n, const char *what, uint64_t *v);
int ld__get_bool(ld_t *L, const ytree_node_t *n, const char *what, int *v);
int ld__get_str(ld_t *L, const ytree_node_t *n, const char *what, const char **s);
int ld__get_date(ld_t *L, const ytree_node_t *n, const char *what, long *day);
int ld__get_slug(ld_t *L, const ytree_node_t *n, const char *what, const char **s);
int ld__check_name(ld_t *L, const ytree_node_t *n, const char *what);

/* ---- names: stages and flags --------------------------------------------------- */
/* Stage named by scalar n: its index, or SCN_EXIT for `exit` when allowed. */
int ld__stage_ref(ld_t *L, const ytree_node_t *n, const char *what, int allow_exit,
                  int *idx);
/* A flag named by an arrival or initial entry: its bit, adding it when new. */
int ld__flag_intern(ld_t *L, const ytree_node_t *n, int *bit);
/* A flag used in `when:`: must be one the arrivals or initial entries name. */
int ld__flag_ref(ld_t *L, const ytree_node_t *n, int *bit);

/* ---- distributions ------------------------------------------------------------- */
int ld__parse_dist(ld_t *L, const ytree_node_t *n, const char *what, int nonneg,
                   dist_t *d);
/* uniform(0, max_age): the default age of arrivals. */
int ld__default_age(ld_t *L, const ytree_node_t *at, dist_t *d);

/* ---- attributes (load_pathway.c): arrivals' and initial entries' flags ---------- */
/* `flags: {NAME: p}` or `profiles: [...]` of map m into a; *given when either is. */
int ld__parse_attr_flags(ld_t *L, const ytree_node_t *m, scn_attrs_t *a, int *given);
/* Deep copy of src's flags and profiles into dst (whose arrays are empty). */
int ld__copy_attr_flags(ld_t *L, const ytree_node_t *at, scn_attrs_t *dst,
                        const scn_attrs_t *src);

/* ---- initial (load_initial.c) ---------------------------------------------------- */
/* `initial`: counts, `steady` markers and the `file:` rows (flags the file names are
 * added); called after arrivals and before the stages' details. */
int ld__parse_initial(ld_t *L, const ytree_node_t *root);
/* The counts of `steady` entries (traffic equations and Little's law), once every
 * stage's routing and duration is known. */
int ld__resolve_steady(ld_t *L, const ytree_node_t *root);

/* ---- files and paths (load.c) -------------------------------------------------- */
/* `rel` relative to the directory of `file`, in the arena (NULL: no memory). */
char *ld__relative_to(ld_t *L, const char *file, const char *rel);
/* Reads a data file `path` named by node `at` (counted in the budget, recorded in
 * sc->inputs and kept for scenario_vary; in a replay, taken from what was kept). On
 * success *data (owned by the loader: do not free) holds len bytes and a NUL. */
int ld__read_data(ld_t *L, const char *path, const ytree_node_t *at, const char **data,
                  size_t *len);
/* Sets the scalar at `path` of *root to val (load.c, used by --set and uncertain). */
int ld__set_path(ld_t *L, ytree_node_t **root, const char *path, ytree_node_t *val,
                 const ytree_node_t *at, const char *file);
/* Frees one reference to a source (scenario_free). */
void ld__source_free(struct scn_source *s);

/* ---- sections, in the order scenario_load calls them ---------------------------- */
int ld__parse_top(ld_t *L, const ytree_node_t *root);       /* load_top.c */
int ld__parse_pathway(ld_t *L, const ytree_node_t *root);   /* load_pathway.c */
int ld__parse_pools(ld_t *L, const ytree_node_t *root);     /* load_pools.c */
int ld__parse_observed(ld_t *L, const ytree_node_t *root);  /* load_observed.c */
int ld__parse_costs(ld_t *L, const ytree_node_t *root);     /* load_costs.c */
int ld__parse_strands(ld_t *L, const ytree_node_t *root);   /* load_strands.c */
int ld__parse_uncertain(ld_t *L, const ytree_node_t *root); /* load_uncertain.c */

/* A new zeroed cost item at the end of sc->costs (load_costs.c; strands add theirs). */
scn_cost_t *ld__cost_append(ld_t *L, const char *component, const char *item);

#endif
