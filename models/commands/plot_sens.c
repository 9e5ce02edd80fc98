/* plot_sens.c: a sensitivity sweep's charts (plot_render_sensitivity, see plot.h).
 *
 * The method's CSVs are read whole with plot_table.c (RFC 4180, through sim/csv) and
 * checked: the documented columns, the same number of fields in every row, a number (or
 * nothing, or nan) wherever one is due. A malformed file is reported before gnuplot
 * starts, so OUT/plots is left as it was.
 *
 * Each plot then gets one small tab-separated file, pJ.tsv, in a folder
 * OUT/.plots.data.PID that plots/sensitivity.gp reads and that is removed afterwards.
 * Those files hold numbers and texts made here (numbers formatted for reading), never
 * a text from the CSVs: the parameters' labels go to gnuplot as one argument, a
 * tab-separated list, and the files name a parameter by its place in it. Sorting,
 * histogram bins, axis ranges and where the Morris labels go are worked out here;
 * sensitivity.gp and the sensitivity-KIND.gp it loads only draw. plot.c runs gnuplot,
 * checks every image (each plot's file must be drawn, complete, in both formats) and
 * installs them as OUT/plots. Nothing outside OUT is touched.
 *
 * Sections: numbers for reading; what the methods share (parameters, the plot list,
 * a method's data); then one section per method (oat, morris, sobol, lhs); the entry. */
#include "models/commands/plot.h"
#include "models/commands/figures.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/plot_internal.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/utf8.h"

#define OOM_TEXT "out of memory: plots skipped"

#define SA_SCRIPT "sensitivity.gp"
#define SA_DIGITS "%.10g" /* numbers written to the data files */

/* The Morris chart (plots/sensitivity-morris.gp): its size and plot area in pixels, and
 * the size of its labels, for placing them. */
#define MO_W 1000.0
#define MO_H 700.0
#define MO_PW ((0.965 - 0.085) * MO_W) /* lmargin/rmargin at screen 0.085 and 0.965 */
#define MO_PH ((0.865 - 0.215) * MO_H) /* bmargin/tmargin at screen 0.215 and 0.865 */
#define MO_CHAR_W 7.0                  /* width of a character at font size 10 (generous) */
#define MO_LINE_H 15.0                 /* height of a label */
#define MO_POINT_R 6.0                 /* a point's half-size */

/* v for a reader: millions and billions as "112.1m", "8.05m", "1.20bn"; thousands
 * grouped ("12,345"); below, `sig` significant digits (with 3, trailing zeros kept:
 * "523", "52.3", "3.00", "0.719"); "n/a" if not finite. */
static void fmt_num(double v, int sig, char *buf, size_t len)
{
    double a = fabs(v);

    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
    } else if (a >= 999.5e6) {
        snprintf(buf, len, "%.*fbn", a >= 9.995e9 ? 1 : 2, v / 1e9);
    } else if (a >= 999.5e3) {
        snprintf(buf, len, "%.*fm", a >= 9.995e6 ? 1 : 2, v / 1e6);
    } else if (a >= 999.5) {
        char digits[32], *q = buf;
        size_t n, k;

        snprintf(digits, sizeof digits, "%.0f", a);
        n = strlen(digits);
        if (len < n + n / 3 + 3) {
            snprintf(buf, len, "%.*g", sig, v);
            return;
        }
        if (v < 0)
            *q++ = '-';
        for (k = 0; k < n; k++) {
            if (k > 0 && (n - k) % 3 == 0)
                *q++ = ',';
            *q++ = digits[k];
        }
        *q = '\0';
    } else if (a >= 9.995 && sig == 3) {
        snprintf(buf, len, "%.*f", a >= 99.95 ? 0 : 1, v);
    } else {
        snprintf(buf, len, sig == 3 ? "%#.*g" : "%.*g", sig, v == 0 ? 0.0 : v); /* no "-0" */
    }
}


/* v with as many decimals as resolution res needs (say a twentieth of the range the
 * numbers span), in fmt_num's units: "113.69m" beside "113.72m", "540" beside "665";
 * fmt_num's form when res is not positive. */
static void fmt_res(double v, double res, char *buf, size_t len)
{
    double a = fabs(v), unit = a >= 999.5e6 ? 1e9 : a >= 999.5e3 ? 1e6 : 1;
    int d;

    if (!isfinite(v) || !isfinite(res) || !(res > 0)) {
        fmt_num(v, 3, buf, len);
        return;
    }
    d = (int)ceil(-log10(res / unit) - 1e-9);
    d = d < 0 ? 0 : d > 6 ? 6 : d;
    if (unit > 1)
        snprintf(buf, len, "%.*f%s", d < 1 ? 1 : d, v / unit, unit > 1e6 ? "bn" : "m");
    else if (d == 0 && a >= 999.5)
        fmt_num(round(v), 3, buf, len); /* an integer, grouped */
    else
        snprintf(buf, len, "%.*f", d, v);
}

/* v as fmt_num gives ref (the largest of numbers shown together), so that they share
 * a unit: 735,565 beside 1.96m is "0.74m"; with plus, a sign: "+52", "-3.10". */
static void fmt_num_as(double v, double ref, int plus, char *buf, size_t len)
{
    double a = fabs(ref);
    const char *sign = plus && isfinite(v) && v > 0 ? "+" : "";

    if (!isfinite(v) || a < 999.5e3) {
        snprintf(buf, len, "%s", sign);
        fmt_num(v, 3, buf + strlen(buf), len - strlen(buf));
    } else if (a >= 999.5e6) {
        snprintf(buf, len, "%s%.*fbn", sign, a >= 9.995e9 ? 1 : 2, v / 1e9);
    } else {
        snprintf(buf, len, "%s%.*fm", sign, a >= 9.995e6 ? 1 : 2, v / 1e6);
    }
}

/* A parameter's value from the CSV for a label: a number shortened ("0.4999999999" ->
 * "0.5"), anything else as it is. */
static void sb_value(plot__sb_t *b, const char *text)
{
    char buf[64];
    double v;

    if (plot__parse_num(text, &v) == 0 && isfinite(v)) {
        fmt_num(v, 4, buf, sizeof buf);
        plot__sb_text(b, buf);
    } else {
        plot__sb_text(b, text);
    }
}

/* A name made safe for a file name: characters other than A-Z a-z 0-9 _ - become _. */
static void sb_fname(plot__sb_t *b, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        plot__sb_putc(b, (char)((*p < 128 && (isalnum(*p) || *p == '_' || *p == '-')) ? *p : '_'));
}

static void put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, SA_DIGITS, v);
    else
        fputs("NaN", f);
}

/* The unit an output is drawn in: 1, or 1e3 (thousands: from 10,000, so that an axis
 * never reads 200000 or 2e+05), 1e6 (millions) or 1e9 (billions) when its largest value
 * is that big (the axis says so, as "thousands" or "£ thousands" for money; the texts
 * say "m" or "bn" and keep their thousands separators). */
static double display_scale(double maxabs)
{
    return maxabs >= 999.5e6 ? 1e9 : maxabs >= 999.5e3 ? 1e6 : maxabs >= 9999.5 ? 1e3 : 1;
}

/* a number scaled for drawing */
static void put_scaled(FILE *f, double v, double scale)
{
    put_num(f, v / scale);
}

/* ---- what the methods share ----------------------------------------------------------- */

/* The uncertain parameters, in the order they are first met. */
typedef struct sa_params {
    char **name;       /* [n] ids (their --set paths), owned */
    plot__sb_t labels; /* their labels as drawn, tab-separated, in the same order */
    int n;             /* parameters */
    int cap;           /* names allocated */
} sa_params_t;

static void params_free(sa_params_t *par)
{
    for (int i = 0; i < par->n; i++)
        mem_free(par->name[i]);
    mem_free(par->name);
    plot__sb_free(&par->labels);
}

/* The number (from 1) of the parameter called name, added with label `label` if new;
 * -1 if out of memory. */
static int param_number(sa_params_t *par, const char *name, const char *label)
{
    for (int i = 0; i < par->n; i++)
        if (strcmp(par->name[i], name) == 0)
            return i + 1;
    if (par->n == par->cap) {
        int cap = par->cap ? 2 * par->cap : 16;
        char **p = mem_reallocarray(par->name, (size_t)cap, sizeof *p);

        if (!p)
            return -1;
        par->name = p;
        par->cap = cap;
    }
    if (!(par->name[par->n] = mem_strdup(name)))
        return -1;
    if (par->n > 0)
        plot__sb_putc(&par->labels, '\t');
    plot__sb_text(&par->labels, *label ? label : name);
    if (par->labels.oom)
        return -1;
    return ++par->n;
}

/* The plots to draw, as plots/sensitivity.gp takes them. */
typedef struct sa_plots {
    const char *data_dir; /* where pJ.tsv are written */
    plot__sb_t list;      /* KIND, FILE, SUBJECT, NOTES, NUMBERS per plot, tab-separated */
    plot__sb_t expect;    /* FILE of each plot, tab-separated: the images gnuplot must draw */
    int n;                /* plots */
} sa_plots_t;

/* Adds a plot: kind, file name `prefix` + METRIC-STAGE (a and b made safe), the
 * subject for its title (a buffer: its failure is reported here), texts made here for it (notes: "|"-separated, or NULL), and
 * its numbers (n of them; one not finite is written NaN). Opens its data file for
 * writing into *f: the caller writes the rows and closes it with plot_close(). 0, or
 * SIM_ENOMEM / SIM_EIO with err set. */
static int plot_add(sa_plots_t *pl, FILE **f, const char *kind, const char *prefix,
                    const char *a, const char *b, const plot__sb_t *subject,
                    const char *notes, const double *nums, int n, char *err, size_t errlen)
{
    char path[PLOT_PATH_LEN], buf[40];
    size_t at = pl->list.len;

    *f = NULL;
    if (subject->oom)
        return sim_err_set(err, errlen, SIM_ENOMEM, OOM_TEXT);
    if (pl->n > 0)
        plot__sb_putc(&pl->list, '\t');
    plot__sb_text(&pl->list, kind);
    plot__sb_putc(&pl->list, '\t');
    plot__sb_text(&pl->list, prefix);
    sb_fname(&pl->list, a);
    plot__sb_putc(&pl->list, '-');
    sb_fname(&pl->list, b);
    if (!pl->list.oom) /* the file name just written, for the check after gnuplot */
        plot__sb_item(&pl->expect, pl->list.s + at + (pl->n > 0) + strlen(kind) + 1);
    plot__sb_putc(&pl->list, '\t');
    plot__sb_text(&pl->list, subject->s);
    plot__sb_putc(&pl->list, '\t');
    plot__sb_text(&pl->list, notes ? notes : "");
    plot__sb_putc(&pl->list, '\t');
    for (int i = 0; i < n; i++) {
        /* %e: gnuplot's real() reads "3.0e+04" but not "3e+04" */
        if (isfinite(nums[i]))
            snprintf(buf, sizeof buf, "%s%.10e", i ? " " : "", nums[i]);
        else
            snprintf(buf, sizeof buf, "%sNaN", i ? " " : "");
        plot__sb_text(&pl->list, buf);
    }
    if (pl->list.oom || pl->expect.oom)
        return sim_err_set(err, errlen, SIM_ENOMEM, OOM_TEXT);
    pl->n++;
    if (plot__path_fmt(path, "%s/p%d.tsv", pl->data_dir, pl->n) != 0 || !(*f = fopen(path, "w")))
        return sim_err_set(err, errlen, SIM_EIO, "%s/p%d.tsv: %s: plots skipped", pl->data_dir,
                           pl->n, sim_errno_text(errno, buf, sizeof buf));
    return 0;
}

static int plot_close(sa_plots_t *pl, FILE *f, char *err, size_t errlen)
{
    int bad = ferror(f);

    if (fclose(f) != 0 || bad)
        return sim_err_set(err, errlen, SIM_EIO, "%s/p%d.tsv: cannot write: plots skipped",
                           pl->data_dir, pl->n);
    return 0;
}

/* The figure (metric, stage) in plain words ("Entries a year to Looked after (in
 * care)", figures_words) into b, emptied first. sensitivity.gp takes words that begin
 * "Cost a year" for money. */
static void subject_of(plot__sb_t *b, const scenario_t *sc, const char *metric,
                       const char *stage)
{
    char words[512];
    figures_words(words, sizeof words, sc, metric, stage);
    plot__sb_clear(b);
    plot__sb_text(b, words);
    plot__sb_ensure(b);
}

/* The rows of pair k (table_pairs) for which keep() holds, into rows; their count. */
static long rows_of(const plot__table_t *t, const int *of_row, int k, long *rows,
                    int (*keep)(const plot__table_t *, long))
{
    long n = 0;

    for (long r = 0; r < t->nrows; r++)
        if (of_row[r] == k && (!keep || keep(t, r)))
            rows[n++] = r;
    return n;
}

/* Sorts rows by key descending (not finite last), keeping the file's order on ties:
 * an insertion sort (a few dozen parameters). */
static void sort_desc(const plot__table_t *t, long *rows, long n,
                      double (*key)(const plot__table_t *, long))
{
    for (long i = 1; i < n; i++) {
        long r = rows[i], j = i;
        double k = key(t, r);

        if (!isfinite(k))
            k = -INFINITY;
        while (j > 0) {
            double kp = key(t, rows[j - 1]);

            if (!isfinite(kp))
                kp = -INFINITY;
            if (kp >= k)
                break;
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = r;
    }
}

/* Everything a method needs: where its CSVs are, the parameters, the plots. */
typedef struct sa_ctx {
    const scenario_t *sc; /* the scenario swept (stage titles, report step) */
    const char *out_dir;  /* where the method's CSVs are */
    sa_params_t par;      /* the uncertain parameters met so far */
    sa_plots_t plots;     /* the plots added so far */
    plot__sb_t subject;   /* scratch: a plot's subject */
    plot__sb_t label;     /* scratch: a parameter's label */
    char *err;            /* the caller's message buffer */
    size_t errlen;        /* its size */
} sa_ctx_t;

/* One CSV of a method with its metric,stage pairs and a scratch list of rows. */
typedef struct sa_data {
    plot__table_t t;     /* the CSV */
    plot__pairs_t pairs; /* its distinct pairs of columns 0 and 1 (or as data_load says) */
    long *rows;          /* [t.nrows] scratch */
    long *sel;           /* [t.nrows] scratch */
} sa_data_t;

static void data_free(sa_data_t *d)
{
    plot__table_free(&d->t);
    plot__pairs_free(&d->pairs);
    mem_free(d->rows);
    mem_free(d->sel);
    memset(d, 0, sizeof *d);
}

/* Registers every row's parameter (columns name and label at c_name, c_name + 1). With
 * ranges, the label is followed by " (LOW to HIGH)" from the two columns after the
 * label. 0 or SIM_ENOMEM with err set. */
static int register_params(sa_ctx_t *cx, const plot__table_t *t, int c_name, int ranges)
{
    for (long r = 0; r < t->nrows; r++) {
        const char *name = plot__tcell(t, r, c_name), *label = plot__tcell(t, r, c_name + 1);

        plot__sb_clear(&cx->label);
        plot__sb_text(&cx->label, *label ? label : name);
        if (ranges && (*plot__tcell(t, r, c_name + 2) || *plot__tcell(t, r, c_name + 3))) {
            plot__sb_text(&cx->label, " (");
            sb_value(&cx->label, plot__tcell(t, r, c_name + 2));
            plot__sb_text(&cx->label, " to ");
            sb_value(&cx->label, plot__tcell(t, r, c_name + 3));
            plot__sb_text(&cx->label, ")");
        }
        plot__sb_ensure(&cx->label);
        if (cx->label.oom || param_number(&cx->par, name, cx->label.s) < 0)
            return sim_err_set(cx->err, cx->errlen, SIM_ENOMEM, OOM_TEXT);
    }
    return 0;
}

/* Loads OUT/name into d (zeroed first): the table (cols and types as plot__table_load),
 * its parameters registered (c_name >= 0: at column c_name, with ranges as
 * register_params), its pairs of columns c1 and c2 (c1 < 0: none), and the scratch
 * lists. 0, or a negative code with err set and d empty. */
static int data_load(sa_ctx_t *cx, sa_data_t *d, const char *name, const char *cols,
                     const char *types, int c_name, int ranges, int c1, int c2)
{
    char path[PLOT_PATH_LEN];
    int rc;

    memset(d, 0, sizeof *d);
    if ((rc = plot__input_path(cx->out_dir, name, path, cx->err, cx->errlen)) < 0 ||
        (rc = plot__table_load(&d->t, path, name, cols, types, cx->err, cx->errlen)) != 0)
        return rc;
    if (c_name >= 0)
        rc = register_params(cx, &d->t, c_name, ranges);
    if (rc == 0 && c1 >= 0)
        rc = plot__table_pairs(&d->t, name, c1, c2, &d->pairs, cx->err, cx->errlen);
    if (rc == 0 && (!(d->rows = mem_calloc((size_t)d->t.nrows, sizeof *d->rows)) ||
                    !(d->sel = mem_calloc((size_t)d->t.nrows, sizeof *d->sel))))
        rc = sim_err_set(cx->err, cx->errlen, SIM_ENOMEM, OOM_TEXT);
    if (rc != 0)
        data_free(d);
    return rc;
}

static int param_of(sa_ctx_t *cx, const plot__table_t *t, long r, int c_name)
{
    return param_number(&cx->par, plot__tcell(t, r, c_name), ""); /* registered: found */
}

/* ---- oat: tornado charts ------------------------------------------------------------- */

#define OAT_COLS                                                                           \
    "metric,stage,name,label,low_value,high_value,base,y_low,y_high,swing,swing_ci95_low,"  \
    "swing_ci95_high"
enum { OAT_BASE = 6, OAT_YLOW, OAT_YHIGH, OAT_SWING, OAT_CILO, OAT_CIHI };

static int oat_keep(const plot__table_t *t, long r)
{
    return isfinite(plot__tnum(t, r, OAT_BASE)) &&
           (isfinite(plot__tnum(t, r, OAT_YLOW)) || isfinite(plot__tnum(t, r, OAT_YHIGH)));
}

static double oat_key(const plot__table_t *t, long r)
{
    double s = plot__tnum(t, r, OAT_SWING);

    return fabs(isfinite(s) ? s : plot__tnum(t, r, OAT_YHIGH) - plot__tnum(t, r, OAT_YLOW));
}

/* "£" put after the sign of the number at s (buffer of len bytes), if it fits. */
static void pounds(char *s, size_t len)
{
    static const char gbp[] = "\xc2\xa3";
    size_t at = (*s == '+' || *s == '-') ? 1 : 0, n = strlen(s);
    if (n + sizeof gbp > len)
        return;
    memmove(s + at + sizeof gbp - 1, s + at, n - at + 1);
    memcpy(s + at, gbp, sizeof gbp - 1);
}

/* The swing of row r with its interval, in one unit: "+8.05m (7.45m to 10.5m)", each
 * number in £ when the output is money (its metric a cost a year): "+£8.05m (£7.45m
 * to £10.5m)", as the axis's "(£ millions)". */
static void oat_swing(const plot__table_t *t, long r, char *buf, size_t len)
{
    double lo = plot__tnum(t, r, OAT_YLOW), hi = plot__tnum(t, r, OAT_YHIGH);
    double swing = isfinite(plot__tnum(t, r, OAT_SWING)) ? plot__tnum(t, r, OAT_SWING) : hi - lo;
    double clo = plot__tnum(t, r, OAT_CILO), chi = plot__tnum(t, r, OAT_CIHI), ref = fabs(swing);
    char a[40], b[40];

    if (isfinite(clo) && isfinite(chi))
        ref = fmax(ref, fmax(fabs(clo), fabs(chi)));
    int money = strstr(plot__tcell(t, r, 0), "cost_per") != NULL;
    fmt_num_as(swing, ref, 1, buf, len);
    if (money)
        pounds(buf, len);
    if (isfinite(clo) && isfinite(chi)) {
        fmt_num_as(clo, ref, 0, a, sizeof a);
        fmt_num_as(chi, ref, 0, b, sizeof b);
        if (money) {
            pounds(a, sizeof a);
            pounds(b, sizeof b);
        }
        snprintf(buf + strlen(buf), len - strlen(buf), " (%s to %s)", a, b);
    }
}

/* One row of a tornado chart's data: pos, parameter, y_low, y_high, base, left end,
 * its text, right end, its text, the swing with its interval as text (the numbers
 * divided by scale, the texts not). */
static void oat_row(FILE *f, const plot__table_t *t, long r, long pos, int param, double scale,
                    double res)
{
    double lo = plot__tnum(t, r, OAT_YLOW), hi = plot__tnum(t, r, OAT_YHIGH), base = plot__tnum(t, r, OAT_BASE);
    double left = INFINITY, right = -INFINITY;
    char ltext[40] = "-", rtext[40] = "-", sw[128];

    /* the bar's ends, labelled with the value there, base excluded */
    if (isfinite(lo)) {
        left = fmin(left, lo);
        right = fmax(right, lo);
    }
    if (isfinite(hi)) {
        left = fmin(left, hi);
        right = fmax(right, hi);
    }
    if (left < base)
        fmt_res(left, res, ltext, sizeof ltext);
    else
        left = NAN;
    if (right > base)
        fmt_res(right, res, rtext, sizeof rtext);
    else
        right = NAN;
    oat_swing(t, r, sw, sizeof sw);
    fprintf(f, "%ld\t%d\t", pos, param);
    put_scaled(f, lo, scale);
    fputc('\t', f);
    put_scaled(f, hi, scale);
    fputc('\t', f);
    put_scaled(f, base, scale);
    fputc('\t', f);
    put_scaled(f, left, scale);
    fprintf(f, "\t%s\t", ltext);
    put_scaled(f, right, scale);
    fprintf(f, "\t%s\t%s\n", rtext, sw);
}

static int sa_oat(sa_ctx_t *cx)
{
    sa_data_t d;
    int rc = data_load(cx, &d, "oat.csv", OAT_COLS, "ttttttnnnnnn", 2, 1, 0, 1);
    const plot__table_t *t = &d.t;
    const long *first = d.pairs.first;
    long *rows = d.rows;

    for (int k = 0; rc == 0 && k < d.pairs.n; k++) {
        long n = rows_of(t, d.pairs.of_row, k, rows, oat_keep);
        double lo = INFINITY, hi = -INFINITY, base = NAN, scale = 1, res = 0, nums[8];
        char note[40], sw[128];
        size_t width = 0;
        FILE *f;

        sort_desc(t, rows, n, oat_key);
        for (long i = 0; i < n; i++)
            for (int c = OAT_BASE; c <= OAT_YHIGH; c++)
                if (isfinite(plot__tnum(t, rows[i], c))) {
                    lo = fmin(lo, plot__tnum(t, rows[i], c));
                    hi = fmax(hi, plot__tnum(t, rows[i], c));
                }
        if (n > 0) {
            double pad;

            base = plot__tnum(t, rows[0], OAT_BASE);
            scale = display_scale(fmax(fabs(lo), fabs(hi)));
            pad = hi > lo ? hi - lo : fmax(fabs(base) * 0.1, 1.0);
            res = pad / 20; /* the values at the bars' ends tell the bars apart */
            lo -= 0.2 * pad; /* room for the value at either end */
            hi += 0.2 * pad;
        }
        nums[0] = (double)n;
        nums[1] = lo / scale;
        nums[2] = hi / scale;
        nums[3] = base / scale;
        nums[4] = scale;
        for (long i = 0; i < n; i++) { /* the right margin holds the swings */
            oat_swing(t, rows[i], sw, sizeof sw);
            width = strlen(sw) > width ? strlen(sw) : width;
        }
        nums[5] = (double)width;
        /* how many bars reach left and right of the base: gnuplot 5.4 can crash on a
         * `with labels` plot that has no point, so it draws none then */
        nums[6] = nums[7] = 0;
        for (long i = 0; i < n; i++)
            for (int c = OAT_YLOW; c <= OAT_YHIGH; c++) {
                nums[6] += plot__tnum(t, rows[i], c) < base;
                nums[7] += plot__tnum(t, rows[i], c) > base;
            }
        fmt_res(base, res, note, sizeof note); /* the base, for the key */
        subject_of(&cx->subject, cx->sc, plot__tcell(t, first[k], 0), plot__tcell(t, first[k], 1));
        if ((rc = plot_add(&cx->plots, &f, "tornado", "tornado-", plot__tcell(t, first[k], 0),
                           plot__tcell(t, first[k], 1), &cx->subject, note, nums, 8, cx->err,
                           cx->errlen)) != 0)
            break;
        for (long i = 0; i < n; i++)
            oat_row(f, t, rows[i], n - i, param_of(cx, t, rows[i], 2), scale, res);
        rc = plot_close(&cx->plots, f, cx->err, cx->errlen);
    }
    data_free(&d);
    return rc;
}

/* ---- morris: mu* against sigma ------------------------------------------------------ */

#define MORRIS_COLS "metric,stage,name,label,mu,mu_star,sigma,mu_star_conf,noise_ee"
enum { MO_MU = 4, MO_MUSTAR, MO_SIGMA, MO_CONF, MO_NOISE };

static int morris_keep(const plot__table_t *t, long r)
{
    return isfinite(plot__tnum(t, r, MO_MUSTAR)) && isfinite(plot__tnum(t, r, MO_SIGMA));
}

static double morris_key(const plot__table_t *t, long r)
{
    return plot__tnum(t, r, MO_MUSTAR);
}

typedef struct box {
    double x0, y0, x1, y1; /* pixels in the plot area, y up */
} box_t;

static double box_overlap(box_t a, box_t b)
{
    double w = fmin(a.x1, b.x1) - fmax(a.x0, b.x0), h = fmin(a.y1, b.y1) - fmax(a.y0, b.y0);

    return w > 0 && h > 0 ? w * h : 0;
}

/* A point of the Morris chart and its label, in pixels of the plot area (y up). */
typedef struct mo_point {
    double px, py; /* the point */
    double ex;     /* its error bar's half-width */
    long chars;    /* its label's length in characters */
    double lx, ly; /* where its label goes */
    int align;     /* the label's alignment: 0 left, 1 right, 2 centre */
    int lead;      /* 1: a leader line joins the point and its label */
    box_t placed;  /* the label's box */
} mo_point_t;

/* Where the label of each point goes: a greedy search, points in order (the largest
 * mu* first), of a few places around the point for the one that covers the fewest
 * other labels (placed ones and the nfixed boxes in fixed), points and error bars and
 * stays in the plot area. In: each point's px, py, ex and chars; out: its lx, ly,
 * align and placed. */
static void place_labels(long n, mo_point_t *pt, const box_t *fixed, int nfixed)
{
    static const struct {
        double dx, dy;
        int align;
    } cand[] = {
        {9, 0, 0},   {-9, 0, 1},   {0, 15, 2},   {0, -15, 2},  {7, 13, 0},  {7, -13, 0},
        {-7, 13, 1}, {-7, -13, 1}, {9, 26, 0},   {9, -26, 0},  {-9, 26, 1}, {-9, -26, 1},
        {0, 30, 2},  {0, -30, 2},  {12, 40, 0},  {12, -40, 0}, {-12, 40, 1}, {-12, -40, 1},
    };
    const int ncand = (int)(sizeof cand / sizeof cand[0]);

    for (long i = 0; i < n; i++) {
        double w = (double)pt[i].chars * MO_CHAR_W + 6, best = INFINITY;

        for (int c = 0; c < ncand && best > 0; c++) {
            double x = pt[i].px + cand[c].dx, y = pt[i].py + cand[c].dy, cost = 0;
            box_t b;

            b.x0 = cand[c].align == 0 ? x : cand[c].align == 1 ? x - w : x - w / 2;
            b.x1 = b.x0 + w;
            b.y0 = y - MO_LINE_H / 2;
            b.y1 = y + MO_LINE_H / 2;
            for (long j = 0; j < i; j++)
                cost += box_overlap(b, pt[j].placed);
            for (int j = 0; j < nfixed; j++)
                cost += box_overlap(b, fixed[j]);
            for (long j = 0; j < n; j++) {
                box_t dot = {pt[j].px - MO_POINT_R, pt[j].py - MO_POINT_R, pt[j].px + MO_POINT_R,
                            pt[j].py + MO_POINT_R};
                box_t bar = {pt[j].px - pt[j].ex, pt[j].py - 1.5, pt[j].px + pt[j].ex, pt[j].py + 1.5};

                cost += 2 * box_overlap(b, dot) + box_overlap(b, bar);
            }
            /* outside the plot area: a label cut by the border is worst */
            cost += 4 * (w * MO_LINE_H - box_overlap(b, (box_t){0, 0, MO_PW, MO_PH}));
            if (cost < best) {
                best = cost;
                pt[i].lx = x;
                pt[i].ly = y;
                pt[i].align = cand[c].align;
                pt[i].placed = b;
            }
        }
    }
}

/* The length in characters (UTF-8) of the label of parameter `param` (from 1). */
static long label_len(const sa_params_t *par, int param)
{
    const char *p = par->labels.s ? par->labels.s : "";
    long n = 0;

    for (int i = 1; i < param && *p; i++) {
        p = strchr(p, '\t');
        if (!p)
            return 0;
        p++;
    }
    const char *e = strchr(p, '\t');
    n = (long)utf8_count(p, e ? (size_t)(e - p) : strlen(p));
    return n;
}

static int sa_morris(sa_ctx_t *cx)
{
    sa_data_t d;
    int rc = data_load(cx, &d, "morris.csv", MORRIS_COLS, "ttttnnnnn", 2, 0, 0, 1);
    const plot__table_t *t = &d.t;
    long *rows = d.rows;
    mo_point_t *pt = NULL;

    if (rc == 0 && !(pt = mem_calloc((size_t)t->nrows, sizeof *pt)))
        rc = sim_err_set(cx->err, cx->errlen, SIM_ENOMEM, OOM_TEXT);
    for (int k = 0; rc == 0 && k < d.pairs.n; k++) {
        long n = rows_of(t, d.pairs.of_row, k, rows, morris_keep);
        double xmax = 0, ymax = 0, noise = 0, scale, nums[21] = {0};
        const char *metric, *stage;
        box_t lines[3];
        int nlines;
        FILE *f;

        sort_desc(t, rows, n, morris_key);
        for (long i = 0; i < n; i++) {
            double conf = plot__tnum(t, rows[i], MO_CONF);

            xmax = fmax(xmax, plot__tnum(t, rows[i], MO_MUSTAR) + (isfinite(conf) ? conf : 0));
            ymax = fmax(ymax, plot__tnum(t, rows[i], MO_SIGMA));
            if (isfinite(plot__tnum(t, rows[i], MO_NOISE)))
                noise = fmax(noise, plot__tnum(t, rows[i], MO_NOISE));
        }
        xmax = fmax(xmax, noise) * 1.08;
        ymax *= 1.12;
        if (!(xmax > 0))
            xmax = 1;
        if (!(ymax > 0))
            ymax = 1;
        for (long i = 0; i < n; i++) {
            double conf = plot__tnum(t, rows[i], MO_CONF);

            pt[i].px = plot__tnum(t, rows[i], MO_MUSTAR) / xmax * MO_PW;
            pt[i].py = plot__tnum(t, rows[i], MO_SIGMA) / ymax * MO_PH;
            pt[i].ex = (isfinite(conf) ? conf : 0) / xmax * MO_PW;
            pt[i].chars = label_len(&cx->par, param_of(cx, t, rows[i], 2));
        }
        /* the labels of the lines sigma = k mu* ("σ/μ* = 0.5"), where each line leaves
         * the plot: beside it below the top, or above it at the right edge; one that
         * would cover another or stick out is left out */
        nlines = 0;
        for (int j = 0; j < 3; j++) {
            static const double ratio[3] = {1.0, 0.5, 0.1};
            double xe = fmin(xmax, ymax / ratio[j]) / xmax * MO_PW, w = 10 * MO_CHAR_W * 0.9 + 4;
            double ye = ratio[j] * fmin(xmax, ymax / ratio[j]) / ymax * MO_PH;
            box_t cand[2];
            int top = xe < MO_PW - 1, ok = -1;

            if (top) { /* right of the line, else left of it */
                cand[0] = (box_t){xe + 5, MO_PH - 17, xe + 5 + w, MO_PH - 3};
                cand[1] = (box_t){xe - 5 - w, MO_PH - 17, xe - 5, MO_PH - 3};
            } else { /* above the line at the right edge, else below it */
                cand[0] = (box_t){MO_PW - 3 - w, ye + 4, MO_PW - 3, ye + 18};
                cand[1] = (box_t){MO_PW - 3 - w, ye - 18, MO_PW - 3, ye - 4};
            }
            for (int c = 0; c < 2 && ok < 0; c++) {
                int clash = cand[c].x0 < 0 || cand[c].y0 < 0 || cand[c].x1 > MO_PW ||
                            cand[c].y1 > MO_PH;

                for (int m = 0; m < nlines && !clash; m++)
                    clash = box_overlap(cand[c], lines[m]) > 0;
                if (!clash)
                    ok = c;
            }
            nums[9 + 4 * j] = 0;
            if (ok < 0)
                continue;
            lines[nlines++] = cand[ok];
            /* where gnuplot puts it: the left end (left-aligned) or the right end, in the
             * middle of its height, in data units */
            nums[9 + 4 * j] = 1;
            nums[10 + 4 * j] = (top && ok == 0 ? cand[ok].x0 + 2 : cand[ok].x1 - 2) / MO_PW * xmax;
            nums[11 + 4 * j] = (cand[ok].y0 + cand[ok].y1) / 2 / MO_PH * ymax;
            nums[12 + 4 * j] = top && ok == 0 ? 0 : 1;
        }
        place_labels(n, pt, lines, nlines);
        scale = display_scale(fmax(xmax, ymax));
        nums[0] = (double)n;
        nums[1] = xmax / scale;
        nums[2] = ymax / scale;
        nums[3] = noise / scale;
        nums[4] = scale;
        for (int j = 0; j < 3; j++) {
            nums[10 + 4 * j] /= scale;
            nums[11 + 4 * j] /= scale;
        }
        for (long i = 0; i < n; i++) { /* labels of each alignment, and leader lines */
            double ax = fmin(fmax(pt[i].px, pt[i].placed.x0), pt[i].placed.x1);
            double ay = fmin(fmax(pt[i].py, pt[i].placed.y0), pt[i].placed.y1);

            pt[i].lead = hypot(ax - pt[i].px, ay - pt[i].py) > 12;
            nums[5 + pt[i].align]++;
            nums[8] += pt[i].lead;
        }
        metric = plot__tcell(t, d.pairs.first[k], 0);
        stage = plot__tcell(t, d.pairs.first[k], 1);
        subject_of(&cx->subject, cx->sc, metric, stage);
        if ((rc = plot_add(&cx->plots, &f, "morris", "morris-", metric, stage, &cx->subject,
                           NULL, nums, 21, cx->err, cx->errlen)) != 0)
            break;
        /* parameter, mu*, sigma, mu*_conf, label x, label y, label alignment, and the
         * end of a line from the point to its label if the label is not beside it */
        for (long i = 0; i < n; i++) {
            double conf = plot__tnum(t, rows[i], MO_CONF);
            double ax = fmin(fmax(pt[i].px, pt[i].placed.x0), pt[i].placed.x1);
            double ay = fmin(fmax(pt[i].py, pt[i].placed.y0), pt[i].placed.y1);

            fprintf(f, "%d\t", param_of(cx, t, rows[i], 2));
            put_scaled(f, plot__tnum(t, rows[i], MO_MUSTAR), scale);
            fputc('\t', f);
            put_scaled(f, plot__tnum(t, rows[i], MO_SIGMA), scale);
            fputc('\t', f);
            put_scaled(f, isfinite(conf) ? conf : 0, scale);
            fputc('\t', f);
            put_scaled(f, pt[i].lx / MO_PW * xmax, scale);
            fputc('\t', f);
            put_scaled(f, pt[i].ly / MO_PH * ymax, scale);
            fprintf(f, "\t%d\t", pt[i].align);
            put_scaled(f, pt[i].lead ? ax / MO_PW * xmax : NAN, scale);
            fputc('\t', f);
            put_scaled(f, pt[i].lead ? ay / MO_PH * ymax : NAN, scale);
            fputc('\n', f);
        }
        rc = plot_close(&cx->plots, f, cx->err, cx->errlen);
    }
    mem_free(pt);
    data_free(&d);
    return rc;
}

/* ---- sobol: indices and their convergence --------------------------------------------- */

#define SOBOL_COLS "metric,stage,name,label,S1,S1_conf,ST,ST_conf,noise_swamped"
#define SOBOL_CONV_COLS "metric,stage,name,label,N,S1,S1_conf,ST,ST_conf"
enum { SO_S1 = 4, SO_S1C, SO_ST, SO_STC, SO_SWAMPED };
enum { SC_N = 4, SC_S1, SC_S1C, SC_ST, SC_STC };

static int sobol_keep(const plot__table_t *t, long r)
{
    return isfinite(plot__tnum(t, r, SO_S1)) || isfinite(plot__tnum(t, r, SO_ST));
}

static double sobol_key(const plot__table_t *t, long r)
{
    return plot__tnum(t, r, SO_ST);
}

static double conf_or_0(double c)
{
    return isfinite(c) ? fabs(c) : 0;
}

/* noise_swamped as 1 or 0; -1 if it is neither yes nor no. */
static int yes_no(const char *s)
{
    if (!*s || strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
        return 0;
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
        return 1;
    return -1;
}

static int sobol_bars(sa_ctx_t *cx, sa_data_t *d)
{
    const plot__table_t *t = &d->t;
    const long *first = d->pairs.first;
    long *rows = d->rows;
    int rc;

    for (int k = 0; k < d->pairs.n; k++) {
        long n = rows_of(t, d->pairs.of_row, k, rows, sobol_keep);
        double lo = 0, hi = 1, swamped = 0, nums[7] = {0};
        FILE *f;

        sort_desc(t, rows, n, sobol_key);
        for (long i = 0; i < n; i++) {
            for (int c = SO_S1; c <= SO_ST; c += 2) {
                double v = plot__tnum(t, rows[i], c), e = conf_or_0(plot__tnum(t, rows[i], c + 1));

                if (isfinite(v)) {
                    lo = fmin(lo, v - e);
                    hi = fmax(hi, v + e);
                }
            }
            if (yes_no(plot__tcell(t, rows[i], SO_SWAMPED)) < 0) {
                return sim_err_set(cx->err, cx->errlen, SIM_EINVAL,
                                   "sobol.csv:%ld: noise_swamped is \"%.20s\", not yes or no: "
                                   "plots skipped",
                                   t->line[rows[i]], plot__tcell(t, rows[i], SO_SWAMPED));
            }
            swamped = fmax(swamped, yes_no(plot__tcell(t, rows[i], SO_SWAMPED)));
        }
        nums[0] = (double)n;
        nums[1] = lo < 0 ? floor(lo * 10 - 1e-9) / 10 : 0;
        nums[4] = ceil(hi * 10 - 1e-9) / 10; /* the last tick */
        nums[2] = nums[4] + 0.1;              /* room for the values */
        nums[3] = swamped;
        for (long i = 0; i < n; i++) { /* rows with S1, with ST (none: not drawn) */
            nums[5] += isfinite(plot__tnum(t, rows[i], SO_S1));
            nums[6] += isfinite(plot__tnum(t, rows[i], SO_ST));
        }
        subject_of(&cx->subject, cx->sc, plot__tcell(t, first[k], 0), plot__tcell(t, first[k], 1));
        if ((rc = plot_add(&cx->plots, &f, "sobol", "sobol-", plot__tcell(t, first[k], 0),
                           plot__tcell(t, first[k], 1), &cx->subject, NULL, nums, 7, cx->err,
                           cx->errlen)) != 0)
            return rc;
        /* pos, parameter, S1, S1_conf, ST, ST_conf, swamped, S1 text, ST text */
        for (long i = 0; i < n; i++) {
            double v1 = plot__tnum(t, rows[i], SO_S1), vt = plot__tnum(t, rows[i], SO_ST);
            char s1[40], st[40];

            snprintf(s1, sizeof s1, "%.2f", fabs(v1) < 0.005 ? 0.0 : v1); /* no "-0.00" */
            snprintf(st, sizeof st, "%.2f", fabs(vt) < 0.005 ? 0.0 : vt);
            fprintf(f, "%ld\t%d\t", n - i, param_of(cx, t, rows[i], 2));
            put_num(f, plot__tnum(t, rows[i], SO_S1));
            fputc('\t', f);
            put_num(f, conf_or_0(plot__tnum(t, rows[i], SO_S1C)));
            fputc('\t', f);
            put_num(f, plot__tnum(t, rows[i], SO_ST));
            fputc('\t', f);
            put_num(f, conf_or_0(plot__tnum(t, rows[i], SO_STC)));
            fprintf(f, "\t%d\t%s\t%s\n", yes_no(plot__tcell(t, rows[i], SO_SWAMPED)), s1, st);
        }
        if ((rc = plot_close(&cx->plots, f, cx->err, cx->errlen)) != 0)
            return rc;
    }
    return 0;
}

static int conv_keep(const plot__table_t *t, long r)
{
    return isfinite(plot__tnum(t, r, SC_N)) && plot__tnum(t, r, SC_N) > 0 &&
           (isfinite(plot__tnum(t, r, SC_S1)) || isfinite(plot__tnum(t, r, SC_ST)));
}

static int sobol_convergence(sa_ctx_t *cx, sa_data_t *d)
{
    const plot__table_t *t = &d->t;
    const long *first = d->pairs.first;
    long *rows = d->rows, *sel = d->sel;
    int rc;

    for (int k = 0; k < d->pairs.n; k++) {
        long n = rows_of(t, d->pairs.of_row, k, rows, conv_keep), m = 0;
        double nmin = INFINITY, nmax = 0, lo = 0, hi = 0, vlo = 0, vhi = 0, pad, *nums, *key;
        int npar = 0;
        FILE *f;

        /* the rows by parameter (in their order), then N */
        for (int p = 1; p <= cx->par.n; p++) {
            long m0 = m;

            for (long i = 0; i < n; i++) {
                if (param_of(cx, t, rows[i], 2) != p)
                    continue;
                long j = m++;

                while (j > m0 && plot__tnum(t, sel[j - 1], SC_N) > plot__tnum(t, rows[i], SC_N)) {
                    sel[j] = sel[j - 1];
                    j--;
                }
                sel[j] = rows[i];
            }
            npar += m > m0;
        }
        for (long i = 0; i < m; i++) {
            nmin = fmin(nmin, plot__tnum(t, sel[i], SC_N));
            nmax = fmax(nmax, plot__tnum(t, sel[i], SC_N));
            for (int c = SC_S1; c <= SC_ST; c += 2) {
                double v = plot__tnum(t, sel[i], c), e = conf_or_0(plot__tnum(t, sel[i], c + 1));

                if (isfinite(v)) {
                    lo = fmin(lo, v - e);
                    hi = fmax(hi, v + e);
                    vlo = fmin(vlo, v);
                    vhi = fmax(vhi, v);
                }
            }
        }
        nums = mem_alloc((size_t)(6 + npar) * sizeof *nums);
        key = mem_alloc((size_t)(npar + 1) * sizeof *key);
        if (!nums || !key) {
            mem_free(nums);
            mem_free(key);
            return sim_err_set(cx->err, cx->errlen, SIM_ENOMEM, OOM_TEXT);
        }
        nums[0] = (double)m;
        nums[1] = m ? nmin : 1;
        nums[2] = m ? nmax : 2;
        /* y: the indices and 0 to 1, and their intervals as far as -0.5 and 1.5 (an
         * interval of a small N can be huge: it is cut) */
        nums[3] = fmin(fmin(0, vlo), fmax(lo, -0.5));
        nums[4] = fmax(fmax(1, vhi), fmin(hi, 1.5));
        pad = 0.03 * (nums[4] - nums[3]);
        nums[3] -= pad;
        nums[4] += pad;
        nums[5] = npar;
        /* the parameters drawn, one panel each, by their ST at the largest N (the last
         * of their rows), largest first: an insertion sort on that ST */
        npar = 0;
        for (long i = 0; i < m; i++) {
            int j, p = param_of(cx, t, sel[i], 2);

            if (i + 1 < m && param_of(cx, t, sel[i + 1], 2) == p)
                continue;
            key[npar] = isfinite(plot__tnum(t, sel[i], SC_ST)) ? plot__tnum(t, sel[i], SC_ST) : -INFINITY;
            nums[6 + npar] = p;
            for (j = npar++; j > 0 && key[j - 1] < key[j]; j--) {
                double ks = key[j], ps = nums[6 + j];

                key[j] = key[j - 1];
                nums[6 + j] = nums[5 + j];
                key[j - 1] = ks;
                nums[5 + j] = ps;
            }
        }
        subject_of(&cx->subject, cx->sc, plot__tcell(t, first[k], 0), plot__tcell(t, first[k], 1));
        rc = plot_add(&cx->plots, &f, "convergence", "sobol-convergence-",
                      plot__tcell(t, first[k], 0), plot__tcell(t, first[k], 1), &cx->subject,
                      NULL, nums, 6 + npar, cx->err, cx->errlen);
        mem_free(nums);
        mem_free(key);
        if (rc != 0)
            return rc;
        /* parameter, N, S1, S1 low, S1 high, ST, ST low, ST high; a blank line between
         * parameters */
        for (long i = 0; i < m; i++) {
            double s1 = plot__tnum(t, sel[i], SC_S1), e1 = conf_or_0(plot__tnum(t, sel[i], SC_S1C));
            double st = plot__tnum(t, sel[i], SC_ST), et = conf_or_0(plot__tnum(t, sel[i], SC_STC));
            int p = param_of(cx, t, sel[i], 2);
            const double v[7] = {plot__tnum(t, sel[i], SC_N), s1, s1 - e1, s1 + e1,
                                 st, st - et, st + et};

            if (i > 0 && p != param_of(cx, t, sel[i - 1], 2))
                fputc('\n', f);
            fprintf(f, "%d", p);
            for (int c = 0; c < 7; c++) {
                fputc('\t', f);
                put_num(f, v[c]);
            }
            fputc('\n', f);
        }
        if ((rc = plot_close(&cx->plots, f, cx->err, cx->errlen)) != 0)
            return rc;
    }
    return 0;
}

static int sa_sobol(sa_ctx_t *cx)
{
    char path[PLOT_PATH_LEN];
    sa_data_t d;
    int rc = data_load(cx, &d, "sobol.csv", SOBOL_COLS, "ttttnnnnt", 2, 0, 0, 1);

    if (rc == 0)
        rc = sobol_bars(cx, &d);
    data_free(&d);
    /* the convergence curves, when the file is there */
    if (rc == 0 && (rc = plot__input_path(cx->out_dir, "sobol_convergence.csv", path, cx->err,
                                          cx->errlen)) > 0 &&
        (rc = data_load(cx, &d, "sobol_convergence.csv", SOBOL_CONV_COLS, "ttttnnnnn", 2, 0, 0,
                        1)) == 0) {
        rc = sobol_convergence(cx, &d);
        data_free(&d);
    }
    return rc;
}

/* ---- lhs: histograms and fan charts --------------------------------------------------- */

#define LHS_COLS "metric,stage,mean,sd,p05,p25,p50,p75,p95,noise_sd"
#define LHS_TS_COLS "day,date,stage,metric,mean,p05,p25,p50,p75,p95"
enum { LH_MEAN = 2, LH_SD, LH_P05, LH_P25, LH_P50, LH_P75, LH_P95, LH_NOISE };
enum { LT_DATE = 1, LT_STAGE, LT_METRIC, LT_MEAN, LT_P05, LT_P25, LT_P50, LT_P75, LT_P95 };

/* The histogram of output k: Y's column `col` in about sqrt(n) bins (at least 5). */
static int lhs_hist(sa_ctx_t *cx, const plot__table_t *t, long row, const plot__table_t *y, int col)
{
    double lo = INFINITY, hi = -INFINITY, w, span, scale, top = 0, nums[12];
    char notes[256], t1[40], t2[40], t3[40];
    long n = 0, nb, *count;
    FILE *f;
    int rc;

    for (long r = 0; r < y->nrows; r++)
        if (isfinite(plot__tnum(y, r, col))) {
            lo = fmin(lo, plot__tnum(y, r, col));
            hi = fmax(hi, plot__tnum(y, r, col));
            n++;
        }
    nb = n ? lround(sqrt((double)n)) : 0;
    if (nb < 5)
        nb = 5;
    if (n == 0) {
        lo = 0;
        hi = 1;
    } else if (!(hi > lo)) { /* every set gave the same value */
        double half = fmax(fabs(lo) * 0.05, 0.5);

        lo -= half;
        hi += half;
    }
    w = (hi - lo) / (double)nb;
    if (!(count = mem_calloc((size_t)nb, sizeof *count)))
        return sim_err_set(cx->err, cx->errlen, SIM_ENOMEM, OOM_TEXT);
    for (long r = 0; r < y->nrows; r++)
        if (isfinite(plot__tnum(y, r, col))) {
            long b = (long)floor((plot__tnum(y, r, col) - lo) / w);

            count[b < 0 ? 0 : b >= nb ? nb - 1 : b]++;
        }
    for (long b = 0; b < nb; b++)
        top = fmax(top, (double)count[b]);
    nums[0] = n ? (double)nb : 0;
    nums[1] = lo;
    nums[2] = hi;
    for (int c = LH_P05; c <= LH_P95; c += 2) { /* the quantile lines in view too */
        if (isfinite(plot__tnum(t, row, c))) {
            nums[1] = fmin(nums[1], plot__tnum(t, row, c));
            nums[2] = fmax(nums[2], plot__tnum(t, row, c));
        }
    }
    span = nums[2] - nums[1];
    nums[1] -= 0.04 * span;
    nums[2] += 0.04 * span;
    scale = display_scale(fmax(fabs(nums[1]), fabs(nums[2])));
    nums[1] /= scale;
    nums[2] /= scale;
    nums[3] = top > 0 ? top * 1.12 : 1;
    nums[4] = (double)n;
    nums[5] = plot__tnum(t, row, LH_P05);
    nums[6] = plot__tnum(t, row, LH_P50);
    nums[7] = plot__tnum(t, row, LH_P95);
    nums[8] = plot__tnum(t, row, LH_MEAN);
    nums[9] = plot__tnum(t, row, LH_SD);
    nums[10] = plot__tnum(t, row, LH_NOISE); /* (NaN if missing: not drawn) */
    for (int i = 5; i <= 8; i++)
        nums[i] /= scale;
    nums[11] = scale;
    /* the texts: median | 5th and 95th percentiles | the spread against the noise */
    fmt_res(plot__tnum(t, row, LH_P50), span / 20, t1, sizeof t1);
    snprintf(notes, sizeof notes, "median: %s|", t1);
    fmt_res(plot__tnum(t, row, LH_P05), span / 20, t1, sizeof t1);
    fmt_res(plot__tnum(t, row, LH_P95), span / 20, t2, sizeof t2);
    snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
             "5th and 95th percentiles: %s and %s|", t1, t2);
    fmt_res(plot__tnum(t, row, LH_MEAN), span / 20, t1, sizeof t1);
    fmt_num(plot__tnum(t, row, LH_SD), 3, t2, sizeof t2);
    fmt_num(plot__tnum(t, row, LH_NOISE), 3, t3, sizeof t3);
    snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
             "Across parameter sets: mean %s, standard deviation %s. Replication noise "
             "within a set: standard deviation %s.", t1, t2, t3);
    subject_of(&cx->subject, cx->sc, plot__tcell(t, row, 0), plot__tcell(t, row, 1));
    rc = plot_add(&cx->plots, &f, "hist", "lhs-hist-", plot__tcell(t, row, 0),
                  plot__tcell(t, row, 1), &cx->subject, notes, nums, 12, cx->err, cx->errlen);
    if (rc == 0 && n) { /* bin centre, count, low edge, high edge */
        for (long b = 0; b < nb; b++) {
            put_scaled(f, lo + (b + 0.5) * w, scale);
            fprintf(f, "\t%ld\t", count[b]);
            put_scaled(f, lo + b * w, scale);
            fputc('\t', f);
            put_scaled(f, lo + (b + 1) * w, scale);
            fputc('\n', f);
        }
    }
    mem_free(count);
    return rc != 0 ? rc : plot_close(&cx->plots, f, cx->err, cx->errlen);
}

/* Is s a date as YYYY-MM-DD? */
static int is_date(const char *s)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    return s[10] == '\0';
}

/* "Looked after: children open at each month end" for a fan chart of metric in stage
 * (into cx->subject); *colour: the stage's place in the scenario from 1, 0 for `all` or
 * a name the scenario does not have. */
static void fan_subject(sa_ctx_t *cx, const char *stage, const char *metric, int *colour)
{
    const char *title = stage;
    char step[64];

    *colour = 0;
    if (strcmp(stage, "all") == 0)
        title = "All open cases";
    for (int i = 0; i < cx->sc->n_stages; i++)
        if (cx->sc->stages[i].name && strcmp(cx->sc->stages[i].name, stage) == 0) {
            title = cx->sc->stages[i].title ? cx->sc->stages[i].title : stage;
            *colour = i + 1;
        }
    plot__report_step(cx->sc, step, sizeof step);
    cx->subject.len = 0;
    if (cx->subject.s)
        cx->subject.s[0] = '\0';
    plot__sb_text(&cx->subject, title);
    if (strcmp(metric, "stock") == 0 || strcmp(metric, "waiting") == 0) {
        plot__sb_text(&cx->subject, strcmp(metric, "stock") == 0 ? ": children open "
                                                           : ": children waiting ");
        if (strcmp(step, "month") == 0) {
            plot__sb_text(&cx->subject, "at each month end");
        } else {
            plot__sb_text(&cx->subject, "every ");
            plot__sb_text(&cx->subject, step);
        }
    } else if (strcmp(metric, "entries") == 0) {
        plot__sb_text(&cx->subject, ": children entering per ");
        plot__sb_text(&cx->subject, step);
    } else {
        plot__sb_text(&cx->subject, ": ");
        plot__sb_text(&cx->subject, metric);
    }
    plot__sb_ensure(&cx->subject);
}

static int lhs_fans(sa_ctx_t *cx, sa_data_t *d, long nsets)
{
    const plot__table_t *t = &d->t;
    int rc;

    for (long r = 0; r < t->nrows; r++)
        if (!is_date(plot__tcell(t, r, LT_DATE)))
            return sim_err_set(cx->err, cx->errlen, SIM_EINVAL,
                               "lhs_timeseries.csv:%ld: date is \"%.20s\", not YYYY-MM-DD: "
                               "plots skipped", t->line[r], plot__tcell(t, r, LT_DATE));
    for (int k = 0; k < d->pairs.n; k++) {
        const char *stage = plot__tcell(t, d->pairs.first[k], LT_STAGE);
        const char *metric = plot__tcell(t, d->pairs.first[k], LT_METRIC);
        double nums[3] = {0, 0, (double)nsets};
        int colour;
        FILE *f;

        for (long r = 0; r < t->nrows; r++)
            nums[0] += d->pairs.of_row[r] == k && isfinite(plot__tnum(t, r, LT_P50));
        fan_subject(cx, stage, metric, &colour);
        nums[1] = colour;
        if ((rc = plot_add(&cx->plots, &f, "fan", "lhs-fan-", stage, metric, &cx->subject, NULL,
                           nums, 3, cx->err, cx->errlen)) != 0)
            return rc;
        /* date, mean, p05, p25, p50, p75, p95 */
        for (long r = 0; r < t->nrows; r++) {
            if (d->pairs.of_row[r] != k)
                continue;
            fputs(plot__tcell(t, r, LT_DATE), f);
            for (int c = LT_MEAN; c <= LT_P95; c++) {
                fputc('\t', f);
                put_num(f, plot__tnum(t, r, c));
            }
            fputc('\n', f);
        }
        if ((rc = plot_close(&cx->plots, f, cx->err, cx->errlen)) != 0)
            return rc;
    }
    return 0;
}

/* The column of Y.csv named METRIC:STAGE, or -1. */
static int y_column(const plot__table_t *y, const char *metric, const char *stage)
{
    size_t lm = strlen(metric);

    for (int c = 0; c < y->ncols; c++) {
        const char *h = plot__thdr(y, c);

        if (strncmp(h, metric, lm) == 0 && h[lm] == ':' && strcmp(h + lm + 1, stage) == 0)
            return c;
    }
    return -1;
}

static int sa_lhs(sa_ctx_t *cx)
{
    char path[PLOT_PATH_LEN];
    sa_data_t d, y, ts;
    long nsets;
    int rc;

    if ((rc = data_load(cx, &d, "lhs.csv", LHS_COLS, "ttnnnnnnnn", -1, 0, 0, 1)) != 0)
        return rc;
    if ((rc = data_load(cx, &y, "Y.csv", NULL, NULL, -1, 0, -1, 0)) != 0) {
        data_free(&d);
        return rc;
    }
    for (int k = 0; rc == 0 && k < d.pairs.n; k++) {
        long row = d.pairs.first[k];
        const char *metric = plot__tcell(&d.t, row, 0), *stage = plot__tcell(&d.t, row, 1);
        int col = y_column(&y.t, metric, stage);

        if (col < 0)
            rc = sim_err_set(cx->err, cx->errlen, SIM_EINVAL,
                             "Y.csv has no column %s:%s for lhs.csv:%ld: plots skipped", metric,
                             stage, d.t.line[row]);
        else
            rc = lhs_hist(cx, &d.t, row, &y.t, col);
    }
    nsets = y.t.nrows;
    data_free(&d);
    data_free(&y);
    /* the fan charts, when the file is there */
    if (rc == 0 && (rc = plot__input_path(cx->out_dir, "lhs_timeseries.csv", path, cx->err,
                                          cx->errlen)) > 0 &&
        (rc = data_load(cx, &ts, "lhs_timeseries.csv", LHS_TS_COLS, "ntttnnnnnn", -1, 0,
                        LT_STAGE, LT_METRIC)) == 0) {
        rc = lhs_fans(cx, &ts, nsets);
        data_free(&ts);
    }
    return rc;
}

/* ---- plot_render_sensitivity ---------------------------------------------------------- */

static const struct {
    const char *name;
    int (*read)(sa_ctx_t *cx);
} sa_methods[] = {
    {"oat", sa_oat},
    {"morris", sa_morris},
    {"sobol", sa_sobol},
    {"lhs", sa_lhs},
};

int plot_render_sensitivity(const scenario_t *sc, const char *out_dir, const char *scripts_dir,
                            const char *method, char *err, size_t errlen)
{
    const int nmethods = (int)(sizeof sa_methods / sizeof sa_methods[0]);
    char script[PLOT_PATH_LEN], data[PLOT_PATH_LEN], ebuf[128];
    plot__sb_t title = {0};
    sa_ctx_t cx = {0};
    int m, rc;

    if (err && errlen)
        err[0] = '\0';
    for (m = 0; m < nmethods; m++)
        if (method && strcmp(method, sa_methods[m].name) == 0)
            break;
    if (m == nmethods && out_dir)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "unknown sensitivity method '%.40s' (oat, morris, sobol or lhs): "
                           "plots skipped", method ? method : "(none)");
    if ((rc = plot__find_script(sc, out_dir, scripts_dir, SA_SCRIPT, script, err, errlen)))
        return rc;
    if (plot__path_fmt(data, "%s/.plots.data.%ld", out_dir, (long)getpid()) != 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: path too long: plots skipped",
                           out_dir);
    plot__remove_tree(data); /* left over from an interrupted run of the same pid */
    if (mkdir(data, 0777) != 0)
        return sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", data,
                           sim_errno_text(errno, ebuf, sizeof ebuf));
    cx.sc = sc;
    cx.out_dir = out_dir;
    cx.plots.data_dir = data;
    cx.err = err;
    cx.errlen = errlen;
    if ((rc = sa_methods[m].read(&cx)) == 0) {
        /* the arguments: see the top of plots/sensitivity.gp */
        plot__sb_text(&title, plot__title(sc));
        plot__title_footer(&title, sc, strcmp(sa_methods[m].name, "lhs") == 0
                                           ? "per parameter set" : "per point",
                           strcmp(sa_methods[m].name, "oat") == 0      ? "one at a time"
                           : strcmp(sa_methods[m].name, "morris") == 0 ? "Morris screening"
                           : strcmp(sa_methods[m].name, "sobol") == 0  ? "Sobol indices"
                                                                       : "Latin hypercube");
        plot__sb_ensure(&title);
        plot__sb_ensure(&cx.par.labels);
        plot__sb_ensure(&cx.plots.list);
        plot__sb_ensure(&cx.plots.expect);
        if (title.oom || cx.par.labels.oom || cx.plots.list.oom || cx.plots.expect.oom) {
            rc = sim_err_set(err, errlen, SIM_ENOMEM, OOM_TEXT);
        } else {
            const char *args[] = {title.s, cx.par.labels.s, cx.plots.list.s, "png svg", NULL};

            rc = plot__draw(out_dir, data, script, args, cx.plots.expect.s, err, errlen);
        }
    }
    plot__remove_tree(data);
    plot__sb_free(&title);
    plot__sb_free(&cx.subject);
    plot__sb_free(&cx.label);
    plot__sb_free(&cx.plots.list);
    plot__sb_free(&cx.plots.expect);
    params_free(&cx.par);
    return rc;
}
