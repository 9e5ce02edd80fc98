/* plot_internal.h: what the plot files share, private to models/commands/plot*.c.
 *
 *   plot.c          the driver: finds the scripts, runs gnuplot with a log, checks every
 *                   image it drew, installs them as OUT/plots (plot__draw), and the small
 *                   helpers below (growable strings, paths, the scenario's lists)
 *   plot_table.c    a CSV read whole into a table (plot__table_*), over sim/csv
 *   plot_run.c      plot_render: a run's plots
 *   plot_compare.c  plot_render_compare: a comparison's plots
 *   plot_sens.c     plot_render_sensitivity: a sweep's charts (tornado, Morris, Sobol,
 *                   histograms and fans), their data files and label placement
 *
 * Names here start with plot__ (shared inside the module only). Every function that can
 * fail returns 0 or a negative SIM_E* code with a one-line message in err (sim/err.h);
 * memory comes from sim/mem.h. */
#ifndef MODELS_PLOT_INTERNAL_H
#define MODELS_PLOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "models/scenario/scenario.h"

#define PLOT_PATH_LEN 4096 /* every path the plots build fits, or is refused as too long */

/* ---- growable strings: the tab-separated lists passed to gnuplot ---------------------- */

/* Appends never fail loudly: an allocation failure sets oom and later appends do nothing;
 * the owner checks oom once before using s. A zeroed plot__sb_t is an empty string with
 * s NULL (plot__sb_ensure makes it ""). */
typedef struct plot__sb {
    char *s;    /* NUL-terminated, owned (mem_free); NULL until the first append */
    size_t len; /* bytes, without the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* an append failed: s is incomplete */
} plot__sb_t;

void plot__sb_putc(plot__sb_t *b, char c);
/* Appends text with control characters (tab and newline included) made spaces: they
 * separate list items and lines for gnuplot. NULL appends nothing. */
void plot__sb_text(plot__sb_t *b, const char *text);
/* Appends an item to a tab-separated list (plot__sb_text, after a tab if not first). */
void plot__sb_item(plot__sb_t *b, const char *text);
/* Makes sure s holds at least "" (a valid, empty argument) unless oom. */
void plot__sb_ensure(plot__sb_t *b);
/* Empties b, keeping its memory (oom stays set). */
void plot__sb_clear(plot__sb_t *b);
/* Frees s and zeroes b. */
void plot__sb_free(plot__sb_t *b);

/* ---- paths and the scenario ----------------------------------------------------------- */

/* snprintf into a PLOT_PATH_LEN buffer: 0, or -1 if it did not fit. */
int plot__path_fmt(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Removes path and, if it is a folder, everything under it (symbolic links are removed,
 * never followed). 0, or -1 with errno set; a missing path is not an error. */
int plot__remove_tree(const char *path);

/* out_dir/name into path[PLOT_PATH_LEN]: 1 if it is a regular file, 0 if not, or
 * SIM_EINVAL (too long) with err set. */
int plot__input_path(const char *out_dir, const char *name, char *path, char *err,
                     size_t errlen);

/* Checks that sc can be plotted and that out_dir is given, and finds script `name` in
 * scripts_dir (NULL: the folder plot_scripts_dir() finds), into script[PLOT_PATH_LEN].
 * 0, or SIM_EINVAL (no scenario or folder) / SIM_EIO (no script) with err set. */
int plot__find_script(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                      const char *name, char *script, char *err, size_t errlen);

/* The scenario's title and its stages' names and titles, as tab-separated lists
 * (appended; check oom). */
void plot__stage_lists(const scenario_t *sc, plot__sb_t *title, plot__sb_t *names,
                       plot__sb_t *titles);

/* The report step as a noun: "month", "day", "week", "14 days". */
void plot__report_step(const scenario_t *sc, char *step, size_t len);

/* The scenario's title for a plot: its title, else its name, else "careflow". */
const char *plot__title(const scenario_t *sc);

/* The footer line every plot carries (plots/footer.gp draws it), appended to b:
 * "careflow VERSION · NAME · seed SEED · N replications[ PER][ · NOTE]", e.g. "careflow
 * 0.1.0 · hampshire-baseline · seed 20150930 · 20 replications · bands: spread of
 * replications". PER says what the replications are of ("per point"); NULL or "" for
 * none, as NOTE. Control characters become spaces (plot__sb_text). */
void plot__footer(plot__sb_t *b, const char *name, uint64_t seed, int reps, const char *per,
                  const char *note);

/* Appends a tab and sc's footer (its name, seed and replications; per and note as
 * plot__footer) to title, a script's TITLE argument: every script takes "TITLE<TAB>
 * FOOTER" there and footer.gp splits it (a title's own tabs are spaces already). */
void plot__title_footer(plot__sb_t *title, const scenario_t *sc, const char *per,
                        const char *note);

#define PLOT_MAX_SCRIPT_ARGS 7 /* gnuplot -c takes ARG1..ARG9: DATA and TMP, then these */

/* Runs `gnuplot -d -c script DATA TMP args...` (args NULL-terminated, at most
 * PLOT_MAX_SCRIPT_ARGS) with DATA the folder the script reads (data_dir, or out_dir if
 * NULL) and TMP a new folder out_dir/.plots.tmp.PID, then checks what it drew: every
 * file there complete (a PNG from its signature to its IEND chunk, an SVG ending in
 * </svg>), each image in both formats, at least one image, and each base name of the
 * tab-separated list `expect` (NULL: none named) present. Then installs TMP as
 * out_dir/plots, replacing an older one. 0, or a negative SIM_E* code with err set and
 * out_dir/plots as it was; nothing outside out_dir is touched. */
int plot__draw(const char *out_dir, const char *data_dir, const char *script,
               const char *const args[], const char *expect, char *err, size_t errlen);

/* ---- a CSV read whole ----------------------------------------------------------------- */

/* A table: the header and every row of a CSV with the same number of fields, each a
 * text (and, in a numeric column, its number). Texts live in one buffer. */
typedef struct plot__table {
    int ncols;    /* fields in every row: the header's */
    long nrows;   /* rows (blank lines are not rows) */
    long cap;     /* rows allocated */
    char *text;   /* every field's text, NUL-terminated, one after another, owned */
    size_t tlen;  /* bytes used in text */
    size_t tcap;  /* bytes allocated */
    size_t *hdr;  /* [ncols] where the header's names start in text */
    size_t *cell; /* [nrows * ncols] where each field starts in text */
    double *num;  /* [nrows * ncols] a numeric column's number (NaN if empty or nan),
                   * NaN in a text column */
    long *line;   /* [nrows] the line each row starts on, for messages */
} plot__table_t;

/* Reads the CSV at path (its name for messages: `name`) into t (zeroed first). cols:
 * its header's first columns, comma-separated (more may follow, as text), or NULL to
 * take any header. types: one letter per column of cols, 'n' a number and 't' a text;
 * NULL: every column a number. 0, or with err set ("...: plots skipped") and t empty:
 * SIM_EIO (missing, unreadable), SIM_EINVAL (malformed, wrong columns, a row of
 * another width, a text where a number is due, no rows), SIM_ENOMEM. */
int plot__table_load(plot__table_t *t, const char *path, const char *name, const char *cols,
                     const char *types, char *err, size_t errlen);
void plot__table_free(plot__table_t *t);

static inline const char *plot__tcell(const plot__table_t *t, long r, int c)
{
    return t->text + t->cell[r * t->ncols + c];
}

static inline const char *plot__thdr(const plot__table_t *t, int c)
{
    return t->text + t->hdr[c];
}

static inline double plot__tnum(const plot__table_t *t, long r, int c)
{
    return t->num[r * t->ncols + c];
}

/* s as a number: 0 and *v set (NaN if s is empty or blank), or SIM_EINVAL if s is not
 * one. */
int plot__parse_num(const char *s, double *v);

/* The distinct pairs of columns c1 and c2 of t (metric and stage, or stage and metric),
 * in the order they first appear. */
typedef struct plot__pairs {
    int n;       /* pairs */
    int *of_row; /* [t->nrows] row r's pair */
    long *first; /* [n] the first row of each pair */
} plot__pairs_t;

/* Fills p (zeroed first; free with plot__pairs_free). 0, or with err set: SIM_EINVAL
 * (a row with an empty name), SIM_ENOMEM. */
int plot__table_pairs(const plot__table_t *t, const char *name, int c1, int c2,
                      plot__pairs_t *p, char *err, size_t errlen);
void plot__pairs_free(plot__pairs_t *p);

#endif
