/* report.h: report.html, the one page a command writes beside its CSVs: the question
 * answered first in plain words with the key figures and their intervals, then the
 * plots (inline SVG), the tables of figures, the assumptions the answer rests on and
 * a footer (careflow version, scenario and its SHA-256, seed, replications, command
 * line, date written).
 *
 * Two layers. The page builder (report.c, report_*): an HTML buffer with escaping,
 * headings, paragraphs, a key-figures list, tables (from arrays or straight from a
 * CSV of the staging folder, read with sim/csv), the plots' SVGs made safe and
 * accessible, the ASSUMPTION comments of the scenario's YAML files, the footer, and
 * report_write, which writes the page into the command's output transaction. The
 * pages (report_pages.c): report_page_run, _compare, _sensitivity, _backtest. Each
 * reads only the CSVs the command has already written into the staging folder, so the
 * page's figures are the CSVs' figures. A page for another command is one more
 * report_page_NAME function built from the blocks below.
 *
 * The page is self-contained: embedded CSS only (with print rules), no script, no
 * external resource, one h1, ordered headings, table headers with scope, every SVG
 * with role="img" and a <title> (its accessible name).
 *
 * Memory: a report_t is made by report_new and freed by report_free. Appends never
 * fail loudly: an allocation failure sets a flag and report_write returns SIM_ENOMEM.
 * Nothing here prints or exits. */
#ifndef MODELS_REPORT_H
#define MODELS_REPORT_H

#include <stddef.h>

#include "models/scenario/scenario.h"
#include "sim/outtx.h"

/* What a page is about; the caller owns every pointer (they outlive the report). */
typedef struct report_meta {
    const char *command;          /* "run", "compare", "sensitivity", "backtest" */
    const char *title;            /* the h1 */
    const scenario_t *sc;         /* the (base) scenario, or NULL (backtest) */
    const scenario_t *const *alts; /* compare: the alternatives, [n_alts] */
    int n_alts;
    const char *const *sets;      /* the --set overrides given, [n_sets] */
    int n_sets;
    const char *cmdline;          /* the command line */
    const char *source;           /* no scenario: what the command read (footer) */
    const char *dir;              /* the staging folder: its CSVs and plots/ */
    int plotted;                  /* 1: plots/ holds the SVGs */
    const char *no_plots_why;     /* plotted 0: why ("--no-plots was given") */
    const char *method;           /* sensitivity: "oat", "morris", "sobol" or "lhs" */
    const char *const *files;     /* no scenario: the files read (backtest's records) */
    const char (*files_sha)[65];  /* [n_files]: their SHA-256, listed in the footer */
    int n_files;
} report_meta_t;

typedef struct report report_t; /* a page being built (opaque) */

report_t *report_new(const report_meta_t *meta); /* NULL: out of memory */
void report_free(report_t *r);                   /* r may be NULL */

/* ---- text -------------------------------------------------------------------------- */
/* Appends text as HTML text (& < > " ' escaped). */
void report_text(report_t *r, const char *s);
/* Appends printf-formatted text, escaped. */
void report_textf(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends raw HTML (the caller's own markup only: never data). */
void report_raw(report_t *r, const char *html);
/* <hN id=...>text</hN> (level 2..4; h1 is the page title). */
void report_heading(report_t *r, int level, const char *text);
/* <p>printf text, escaped</p>. */
void report_para(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- numbers as people read them ----------------------------------------------------- */
/* A count with thousands separators ("1,234"; fractional below 100: "12.3"); "n/a" for
 * NaN. Returns buf (len >= 32). */
char *report_count(char *buf, size_t len, double x);
/* Money: "£1,234" or "-£40,000" (currency "GBP": £; other codes are prefixed). */
char *report_money(char *buf, size_t len, double x, const char *currency);
/* A ratio with 2 decimals ("0.25"). */
char *report_ratio(char *buf, size_t len, double x);
/* A percentage with one decimal ("12.3%"). */
char *report_pct(char *buf, size_t len, double x);
/* A date "2017-03-31" as "31 March 2017" (other text copied). */
char *report_date(char *buf, size_t len, const char *iso);

/* ---- key figures: a definition list --------------------------------------------------- */
void report_figures_begin(report_t *r);
/* One key figure: label, value, and an interval text (NULL or "" for none). */
void report_figure(report_t *r, const char *label, const char *value, const char *interval);
void report_figures_end(report_t *r);

/* ---- tables ------------------------------------------------------------------------- */
/* <table> with caption and column headers (scope="col"); cells then rows. */
void report_table_begin(report_t *r, const char *caption, const char *const *cols, int n);
/* One row: the first cell is a row header (scope="row"); numeric cells right-aligned
 * (a cell whose text starts with a digit, a minus, £ or a dot). */
void report_table_row(report_t *r, const char *const *cells, int n);
void report_table_end(report_t *r);
/* The CSV dir/name as a table (every column, at most max_rows rows; a note says how
 * many more are in the file). A missing file is a note, not an error. */
void report_table_csv(report_t *r, const char *name, const char *caption, long max_rows);

/* ---- plots -------------------------------------------------------------------------- */
/* The SVG dir/plots/file inline, as a <figure> with the caption as its accessible name
 * (the XML prolog and DOCTYPE dropped, any <script> element and on* attribute removed,
 * role="img" and a <title> added). When no plots were drawn, or the file is missing,
 * a sentence says so instead. */
void report_plot(report_t *r, const char *file, const char *caption);

/* ---- the closing sections ----------------------------------------------------------- */
/* "What the answer rests on": every ASSUMPTION comment of the scenario's YAML inputs
 * (and the alternatives'), each with the key line it annotates (file:line), every
 * --set override, and for sensitivity the `uncertain:` ranges. */
void report_assumptions(report_t *r);
/* The footer: careflow version, scenario path and SHA-256 (every input's), seed,
 * replications, command line, the date written. */
void report_footer(report_t *r);

/* ---- the pages ---------------------------------------------------------------------- */
const report_meta_t *report_meta(const report_t *r);
/* Marks the page incomplete (an allocation failed): report_write returns SIM_ENOMEM. */
void report_oom(report_t *r);
int report_is_oom(const report_t *r); /* 1 if an allocation failed */
int report_page_run(report_t *r);
int report_page_compare(report_t *r);
int report_page_sensitivity(report_t *r);
int report_page_backtest(report_t *r);
int report_page_sweep(report_t *r);
int report_page_calibrate(report_t *r); /* the calibrated values, then report_page_run */

/* Builds the page of meta->command (run, compare, sensitivity, backtest, sweep,
 * calibrate) from the CSVs
 * in meta->dir and writes it into tx as report.html. 0, SIM_EINVAL (an unknown
 * command), SIM_ENOMEM or outtx's SIM_EIO, with err. */
int report_write(outtx_t *tx, const report_meta_t *meta, char *err, size_t errlen);

/* The verdict of a comparison for the terminal: a few lines per alternative, from
 * dir/compare.csv ("ALT against BASE: net cost £X (95% interval ...) a year ..."),
 * each ending in a newline, the scenarios named by their titles (base, then
 * alts[n_alts], as given to compare: compare.csv's `alt` column holds their folders).
 * *out is a new string as long as it needs to be (mem_free it), "" when compare.csv
 * cannot be read. 0, or SIM_ENOMEM (then *out is NULL). */
int report_compare_verdict(const char *dir, const scenario_t *base,
                           const scenario_t *const *alts, int n_alts, char **out);

#endif
