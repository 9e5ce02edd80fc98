/* report.c: see report.h. The page builder: an HTML buffer and the blocks every page
 * is made of. Invariant: data (CSV texts, file names, comments, the command line) only
 * ever reach the buffer through esc(), so no text of an input can open an element. */
#include "models/commands/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/commands/plot_internal.h"
#include "models/commands/validate.h"
#include "models/commands/version.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/text.h"

struct report {
    const report_meta_t *meta; /* read-only: what the page is about */
    text_buf_t b;              /* the page so far (b.oom: an append failed, the page is
                                * incomplete) */
    int n_fig;                 /* figures so far (their ids) */
};

/* ---- the buffer ------------------------------------------------------------------------ */

static void put(report_t *r, const char *s, size_t n) { text_buf_put(&r->b, s, n); }

static void esc_n(report_t *r, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (e) {
            put(r, s + from, i - from);
            put(r, e, strlen(e));
            from = i + 1;
        }
    }
    put(r, s + from, n - from);
}

static void esc(report_t *r, const char *s)
{
    if (s)
        esc_n(r, s, strlen(s));
}

void report_raw(report_t *r, const char *html) { put(r, html, strlen(html)); }
void report_text(report_t *r, const char *s) { esc(r, s); }

static void vtextf(report_t *r, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vtextf(report_t *r, const char *fmt, va_list ap)
{
    char buf[4096];
    vsnprintf(buf, sizeof buf, fmt, ap);
    esc(r, buf);
}

void report_textf(report_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vtextf(r, fmt, ap);
    va_end(ap);
}

void report_para(report_t *r, const char *fmt, ...)
{
    va_list ap;
    report_raw(r, "<p>");
    va_start(ap, fmt);
    vtextf(r, fmt, ap);
    va_end(ap);
    report_raw(r, "</p>\n");
}

void report_heading(report_t *r, int level, const char *text)
{
    char tag[16];
    level = level < 2 ? 2 : level > 4 ? 4 : level;
    snprintf(tag, sizeof tag, "<h%d>", level);
    report_raw(r, tag);
    esc(r, text);
    snprintf(tag, sizeof tag, "</h%d>\n", level);
    report_raw(r, tag);
}

const report_meta_t *report_meta(const report_t *r) { return r->meta; }
void report_oom(report_t *r) { r->b.oom = 1; }
int report_is_oom(const report_t *r) { return r->b.oom; }

/* ---- numbers ---------------------------------------------------------------------------- */

/* The digits of |x| rounded to `dec` decimals with thousands separators. */
static void group(char *buf, size_t len, double x, int dec)
{
    char raw[64], out[96];
    snprintf(raw, sizeof raw, "%.*f", dec, fabs(x));
    const char *dot = strchr(raw, '.');
    size_t ni = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
    for (size_t i = 0; i < ni; i++) {
        if (i && (ni - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    snprintf(buf, len, "%s%s", out, dot ? dot : "");
}

char *report_count(char *buf, size_t len, double x)
{
    if (isnan(x)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    char g[96];
    int dec = fabs(x) >= 100 || x == floor(x) ? 0 : fabs(x) >= 10 ? 1 : 2;
    group(g, sizeof g, x, dec);
    int neg = strspn(g, "0.,") != strlen(g) && x < 0; /* -0.00 is 0.00 */
    snprintf(buf, len, "%s%s", neg ? "-" : "", g);
    return buf;
}

char *report_money(char *buf, size_t len, double x, const char *currency)
{
    if (isnan(x)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    char g[96];
    group(g, sizeof g, x, 0);
    int neg = x < 0 && strspn(g, "0,") != strlen(g);
    int gbp = !currency || !strcmp(currency, "GBP");
    snprintf(buf, len, "%s%s%s%s", neg ? "-" : "", gbp ? "\xc2\xa3" : currency, gbp ? "" : " ",
             g);
    return buf;
}

char *report_ratio(char *buf, size_t len, double x)
{
    if (isnan(x))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2f", fabs(x) < 0.005 ? 0.0 : x);
    return buf;
}

char *report_pct(char *buf, size_t len, double x)
{
    if (isnan(x))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.1f%%", fabs(x) < 0.05 ? 0.0 : x);
    return buf;
}

char *report_date(char *buf, size_t len, const char *iso)
{
    static const char *const month[12] = {"January", "February", "March",     "April",
                                          "May",     "June",     "July",      "August",
                                          "September", "October", "November", "December"};
    int y, m, d;
    char tail;
    if (iso && sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12)
        snprintf(buf, len, "%d %s %d", d, month[m - 1], y);
    else
        snprintf(buf, len, "%s", iso ? iso : "");
    return buf;
}

/* ---- key figures -------------------------------------------------------------------------- */

void report_figures_begin(report_t *r) { report_raw(r, "<dl class=\"key\">\n"); }

void report_figure(report_t *r, const char *label, const char *value, const char *interval)
{
    report_raw(r, "<div><dt>");
    esc(r, label);
    report_raw(r, "</dt><dd><strong>");
    esc(r, value);
    report_raw(r, "</strong>");
    if (interval && *interval) {
        report_raw(r, " <span class=\"ci\">");
        esc(r, interval);
        report_raw(r, "</span>");
    }
    report_raw(r, "</dd></div>\n");
}

void report_figures_end(report_t *r) { report_raw(r, "</dl>\n"); }

/* ---- tables -------------------------------------------------------------------------------- */

void report_table_begin(report_t *r, const char *caption, const char *const *cols, int n)
{
    report_raw(r, "<div class=\"tw\"><table>\n<caption>");
    esc(r, caption);
    report_raw(r, "</caption>\n<thead><tr>");
    for (int i = 0; i < n; i++) {
        report_raw(r, "<th scope=\"col\">");
        esc(r, cols[i]);
        report_raw(r, "</th>");
    }
    report_raw(r, "</tr></thead>\n<tbody>\n");
}

static int numeric_text(const char *s)
{
    return s && (strchr("0123456789-.+", s[0]) != NULL && s[0] != '\0' ? 1
                 : !strncmp(s, "\xc2\xa3", 2)                          ? 1
                                                                        : 0);
}

void report_table_row(report_t *r, const char *const *cells, int n)
{
    report_raw(r, "<tr>");
    for (int i = 0; i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        report_raw(r, i == 0                ? "<th scope=\"row\">"
                      : numeric_text(c) ? "<td class=\"n\">"
                                        : "<td>");
        esc(r, c);
        report_raw(r, i == 0 ? "</th>" : "</td>");
    }
    report_raw(r, "</tr>\n");
}

void report_table_end(report_t *r) { report_raw(r, "</tbody>\n</table></div>\n"); }

void report_table_csv(report_t *r, const char *name, const char *caption, long max_rows)
{
    char path[PLOT_PATH_LEN], err[512];
    plot__table_t t;
    int rc = plot__path_fmt(path, "%s/%s", r->meta->dir, name) != 0
                 ? SIM_EINVAL
                 : plot__table_load(&t, path, name, NULL, "", err, sizeof err);
    if (rc == SIM_ENOMEM)
        r->b.oom = 1;
    if (rc != 0) {
        report_para(r, "(%s is not in this output set.)", name);
        return;
    }
    const char **cells = mem_calloc((size_t)t.ncols, sizeof *cells);
    if (!cells) {
        r->b.oom = 1;
        plot__table_free(&t);
        return;
    }
    for (int c = 0; c < t.ncols; c++)
        cells[c] = plot__thdr(&t, c);
    char cap[512];
    snprintf(cap, sizeof cap, "%s (%s)", caption, name);
    report_table_begin(r, cap, cells, t.ncols);
    long n = max_rows > 0 && t.nrows > max_rows ? max_rows : t.nrows;
    for (long i = 0; i < n; i++) {
        for (int c = 0; c < t.ncols; c++)
            cells[c] = plot__tcell(&t, i, c);
        report_table_row(r, cells, t.ncols);
    }
    report_table_end(r);
    if (n < t.nrows)
        report_para(r, "The first %ld of %ld rows; the rest are in %s.", n, t.nrows, name);
    mem_free(cells);
    plot__table_free(&t);
}

/* ---- plots ----------------------------------------------------------------------------------- */

/* The file's bytes, NUL-terminated (mem_free them), or NULL: missing or unreadable, or
 * out of memory (then r->b.oom is set). */
static char *slurp(report_t *r, const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = NULL;
    size_t len = 0, cap = 0, k;
    char chunk[8192];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + k + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            while (len + k + 1 > cap)
                cap *= 2;
            char *p = mem_realloc(s, cap);
            if (!p) {
                mem_free(s);
                fclose(f);
                r->b.oom = 1;
                return NULL;
            }
            s = p;
        }
        memcpy(s + len, chunk, k);
        len += k;
    }
    fclose(f);
    if (!s && (s = mem_alloc(1)) == NULL) {
        r->b.oom = 1;
        return NULL;
    }
    s[len] = '\0';
    *n = len;
    return s;
}

static int ci_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++)
        if ((*s | 32) != (*p | 32))
            return 0;
    return 1;
}

/* Appends one attribute a[0..al) with its value v..ve (quoted or not, or empty), the
 * ids made unique to figure `fig`: id="X" becomes id="fFIG-X", and the references to
 * it, href="#X" and url(#X), follow; gnuplot names its ids the same in every plot. */
static void put_attr(report_t *r, int fig, const char *a, size_t al, const char *v,
                     const char *ve)
{
    char pre[32];
    int is_id = al == 2 && !strncmp(a, "id", 2);
    int is_href = al >= 4 && !strncmp(a + al - 4, "href", 4);
    put(r, a, al);
    if (v == ve)
        return;
    snprintf(pre, sizeof pre, "f%d-", fig);
    put(r, "=", 1);
    const char *x = v;
    char q = *x == '"' || *x == '\'' ? *x : 0;
    if (q)
        put(r, x++, 1);
    const char *end = q && ve > x && ve[-1] == q ? ve - 1 : ve;
    if (is_id) {
        put(r, pre, strlen(pre));
    } else if (is_href && x < end && *x == '#') {
        put(r, "#", 1);
        put(r, pre, strlen(pre));
        x++;
    }
    while (x < end) {
        const char *u = NULL;
        for (const char *y = x; y + 5 <= end && !u; y++)
            if (!memcmp(y, "url(#", 5))
                u = y;
        if (!u) {
            put(r, x, (size_t)(end - x));
            break;
        }
        put(r, x, (size_t)(u + 5 - x));
        put(r, pre, strlen(pre));
        x = u + 5;
    }
    if (q)
        put(r, &q, 1);
}

/* Appends the SVG text s made safe: from its <svg, without <script>...</script> and
 * <foreignObject>...</foreignObject>, without its own <title> and <desc> (gnuplot's
 * "Gnuplot"), without on* attributes and javascript: links, its ids made unique
 * (put_attr), and with role="img", aria-labelledby and a <title> just after the
 * opening tag. */
static void put_svg(report_t *r, const char *s, const char *caption)
{
    const char *p = strstr(s, "<svg");
    if (!p)
        return;
    int id = ++r->n_fig, opened = 0;
    while (*p) {
        if (*p == '<' && (ci_prefix(p, "<script") || ci_prefix(p, "<foreignobject") ||
                          ci_prefix(p, "<title") || ci_prefix(p, "<desc"))) {
            const char *endtag = ci_prefix(p, "<script")   ? "</script"
                                 : ci_prefix(p, "<title") ? "</title"
                                 : ci_prefix(p, "<desc")  ? "</desc"
                                                          : "</foreignobject";
            const char *q = p + 1;
            while (*q && !ci_prefix(q, endtag))
                q++;
            p = *q ? strchr(q, '>') : q;
            p = p && *p ? p + 1 : q;
            continue;
        }
        if (*p == '<' && p[1] != '/' && p[1] != '!' && p[1] != '?') {
            /* a start tag: copy its name, then its attributes but on* and javascript: */
            const char *q = p + 1;
            while (*q && !strchr(" \t\r\n/>", *q))
                q++;
            put(r, p, (size_t)(q - p));
            int is_svg = !opened && q - p == 4 && !strncmp(p, "<svg", 4);
            while (*q && *q != '>') {
                if (strchr(" \t\r\n", *q)) {
                    q++;
                    continue;
                }
                if (*q == '/') {
                    put(r, "/", 1);
                    q++;
                    continue;
                }
                const char *a = q;
                while (*q && !strchr(" \t\r\n=/>", *q))
                    q++;
                const char *ae = q, *v = q, *ve = q, *w = q;
                while (*w && strchr(" \t\r\n", *w)) /* gnuplot writes fill = 'rgb(...)' */
                    w++;
                if (*w == '=') {
                    q = w + 1;
                    while (*q && strchr(" \t\r\n", *q))
                        q++;
                    if (*q == '"' || *q == '\'') {
                        char quote = *q;
                        v = q;
                        q = strchr(q + 1, quote);
                        q = q ? q + 1 : v + strlen(v);
                        ve = q;
                    } else {
                        v = q;
                        while (*q && !strchr(" \t\r\n>", *q))
                            q++;
                        ve = q;
                    }
                }
                size_t al = (size_t)(ae - a);
                int drop = (al > 2 && (a[0] | 32) == 'o' && (a[1] | 32) == 'n');
                for (const char *x = v; x + 11 <= ve && !drop; x++)
                    if (ci_prefix(x, "javascript:"))
                        drop = 1;
                if (is_svg && ((al == 4 && !strncmp(a, "role", 4)) ||
                               (al == 10 && !strncmp(a, "aria-label", 10))))
                    drop = 1;
                if (!drop) {
                    put(r, " ", 1);
                    put_attr(r, id, a, al, v, ve);
                }
            }
            if (is_svg) {
                char attr[96];
                snprintf(attr, sizeof attr, " role=\"img\" aria-labelledby=\"fig%d\"", id);
                report_raw(r, attr);
            }
            put(r, ">", 1);
            if (is_svg) {
                char t[64];
                snprintf(t, sizeof t, "<title id=\"fig%d\">", id);
                report_raw(r, t);
                esc(r, caption);
                report_raw(r, "</title>");
                opened = 1;
            }
            p = *q ? q + 1 : q;
            continue;
        }
        const char *q = strchr(p + 1, '<');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        put(r, p, n);
        p += n;
    }
}

void report_plot(report_t *r, const char *file, const char *caption)
{
    if (!r->meta->plotted) {
        return; /* said once, where the plots section begins (report_plots_note) */
    }
    char path[PLOT_PATH_LEN];
    size_t n = 0;
    char *s = NULL;
    if (plot__path_fmt(path, "%s/plots/%s", r->meta->dir, file) == 0)
        s = slurp(r, path, &n);
    if (!s) {
        report_para(r, "(The plot plots/%s was not drawn.)", file);
        return;
    }
    report_raw(r, "<figure>\n");
    put_svg(r, s, caption);
    report_raw(r, "\n<figcaption>");
    esc(r, caption);
    report_raw(r, " <span class=\"file\">(plots/");
    esc(r, file);
    report_raw(r, ")</span></figcaption>\n</figure>\n");
    mem_free(s);
}

/* ---- assumptions --------------------------------------------------------------------------- */

static int is_yaml(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml"));
}

/* Lines of text: starts[i], lens[i]; returns the count (NULL on out of memory). */
static long split_lines(const char *s, size_t n, const char ***starts, size_t **lens)
{
    long cnt = 1;
    for (size_t i = 0; i < n; i++)
        cnt += s[i] == '\n';
    *starts = mem_calloc((size_t)cnt, sizeof **starts);
    *lens = mem_calloc((size_t)cnt, sizeof **lens);
    if (!*starts || !*lens)
        return -1;
    long k = 0;
    size_t at = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '\n') {
            size_t e = i;
            if (e > at && s[e - 1] == '\r')
                e--;
            (*starts)[k] = s + at;
            (*lens)[k] = e - at;
            k++;
            at = i + 1;
        }
    return k;
}

static int blank_or_comment(const char *s, size_t n, int *comment)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    *comment = i < n && s[i] == '#';
    return i == n || *comment;
}

static int has_assumption(const char *s, size_t n)
{
    const char *hash = memchr(s, '#', n);
    if (!hash)
        return 0;
    size_t m = n - (size_t)(hash - s);
    for (size_t i = 0; i + 10 <= m; i++)
        if (!memcmp(hash + i, "ASSUMPTION", 10))
            return 1;
    return 0;
}

/* One file's ASSUMPTION comments as list items; returns how many. */
static int file_assumptions(report_t *r, const char *path)
{
    size_t n = 0;
    char *s = slurp(r, path, &n);
    if (!s)
        return 0;
    const char **ls = NULL;
    size_t *ll = NULL;
    long nl = split_lines(s, n, &ls, &ll), found = 0;
    if (nl < 0)
        r->b.oom = 1;
    for (long i = 0; i < nl; i++) {
        int comment;
        if (!has_assumption(ls[i], ll[i]))
            continue;
        /* the comment block holding line i, and the key line it annotates */
        long a = i, b = i;
        blank_or_comment(ls[i], ll[i], &comment);
        if (comment) {
            int c2;
            while (a > 0 && blank_or_comment(ls[a - 1], ll[a - 1], &c2) && c2)
                a--;
            while (b + 1 < nl && blank_or_comment(ls[b + 1], ll[b + 1], &c2) && c2)
                b++;
            if (b + 1 < nl && !blank_or_comment(ls[b + 1], ll[b + 1], &c2))
                b++; /* the key line the block annotates */
        }
        char where[64];
        snprintf(where, sizeof where, ":%ld", a + 1);
        report_raw(r, "<li><span class=\"file\">");
        esc(r, path);
        esc(r, where);
        report_raw(r, "</span><pre>");
        for (long j = a; j <= b; j++) {
            esc_n(r, ls[j], ll[j]);
            report_raw(r, "\n");
        }
        report_raw(r, "</pre></li>\n");
        found++;
        i = b; /* a block is listed once */
    }
    mem_free(ls);
    mem_free(ll);
    mem_free(s);
    return (int)found;
}

/* Is input i of scenario j already listed: an input of scs[0..j) or of scs[j] before i? */
static int listed(const scenario_t *const *scs, int j, int i)
{
    const char *path = scs[j]->inputs[i].path;
    for (int a = 0; a <= j; a++)
        for (int b = 0; b < (a < j ? scs[a]->n_inputs : i); b++)
            if (!strcmp(scs[a]->inputs[b].path, path))
                return 1;
    return 0;
}

/* The start check of `careflow validate` (validate_warn_start) on each scenario, its
 * warnings and notes as a list: a stock that drifts in the first months because of
 * where it starts (an empty stage, a count far from the level its inflows sustain, as
 * with --set initial.care.count=0) is part of what the answer rests on. */
static void start_findings(report_t *r, const scenario_t *const *scs, int k)
{
    report_heading(r, 3, "The start");
    int lines = 0;
    for (int j = 0; j < k; j++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len); /* libc's memory: freed with free() */
        if (!f) {
            r->b.oom = 1;
            return;
        }
        int rc = validate_warn_start(f, scs[j]);
        if (fclose(f) != 0 || !text || rc < 0) {
            free(text);
            r->b.oom = 1;
            return;
        }
        for (char *l = text; *l;) {
            char *e = strchr(l, '\n');
            size_t n = e ? (size_t)(e - l) : strlen(l);
            static const char pre[] = "careflow: ";
            if (n >= sizeof pre - 1 && !strncmp(l, pre, sizeof pre - 1)) {
                l += sizeof pre - 1;
                n -= sizeof pre - 1;
            }
            report_raw(r, lines++ ? "<li>" : "<ul>\n<li>");
            if (k > 1) {
                esc(r, scs[j]->name);
                report_raw(r, ": ");
            }
            esc_n(r, l, n);
            report_raw(r, "</li>\n");
            l += n + (e != NULL);
        }
        free(text);
    }
    if (lines)
        report_raw(r, "</ul>\n");
    else
        report_para(r, "The start check of careflow validate finds no stage starting empty "
                       "or far from the level its inflows sustain.");
}

void report_assumptions(report_t *r)
{
    const report_meta_t *m = r->meta;
    const scenario_t *scs[64];
    int k = 0;
    if (m->sc)
        scs[k++] = m->sc;
    for (int j = 0; j < m->n_alts && k < 64; j++)
        scs[k++] = m->alts[j];
    report_heading(r, 2, "What the answer rests on");
    if (k == 0) {
        report_para(r, "This command reads case records, not a scenario: its figures rest "
                       "on those records and on the rates estimated from them.");
        return;
    }
    report_para(r, "Values the scenario files mark ASSUMPTION are plausible figures "
                   "chosen where the evidence gives none; each is listed with the line "
                   "it annotates (file:line). They belong in a sensitivity analysis.");
    report_raw(r, "<ul class=\"assume\">\n");
    int found = 0;
    for (int j = 0; j < k; j++)
        for (int i = 0; i < scs[j]->n_inputs; i++) {
            const char *p = scs[j]->inputs[i].path;
            if (is_yaml(p) && !listed(scs, j, i))
                found += file_assumptions(r, p);
        }
    report_raw(r, "</ul>\n");
    if (!found)
        report_para(r, "No value in the scenario files is marked ASSUMPTION.");
    report_heading(r, 3, "Overrides given on the command line");
    if (m->n_sets == 0) {
        report_para(r, "None: the scenario files as they are.");
    } else {
        report_raw(r, "<ul>\n");
        for (int i = 0; i < m->n_sets; i++) {
            report_raw(r, "<li><code>--set ");
            esc(r, m->sets[i]);
            report_raw(r, "</code></li>\n");
        }
        report_raw(r, "</ul>\n");
    }
    start_findings(r, scs, k);
    if (m->sc && m->sc->n_uncertain > 0 && !strcmp(m->command, "sensitivity")) {
        report_heading(r, 3, "The uncertain parameters and their ranges");
        report_table_csv(r, "params.csv", "Each uncertain parameter's distribution", 0);
    }
}

/* ---- footer --------------------------------------------------------------------------------- */

void report_footer(report_t *r)
{
    const report_meta_t *m = r->meta;
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    report_raw(r, "<footer>\n<h2>About this report</h2>\n<dl class=\"meta\">\n");
    report_raw(r, "<div><dt>careflow version</dt><dd>");
    esc(r, CAREFLOW_VERSION);
    report_raw(r, "</dd></div>\n");
    const scenario_t *scs[64];
    int k = 0;
    if (m->sc)
        scs[k++] = m->sc;
    for (int j = 0; j < m->n_alts && k < 64; j++)
        scs[k++] = m->alts[j];
    for (int j = 0; j < k; j++) {
        report_raw(r, j ? "<div><dt>Alternative</dt><dd>" : "<div><dt>Scenario</dt><dd>");
        esc(r, scs[j]->path);
        report_raw(r, " <span class=\"hash\">SHA-256 ");
        esc(r, scs[j]->n_inputs ? scs[j]->inputs[0].sha256 : "");
        report_raw(r, "</span></dd></div>\n");
    }
    if (m->source) {
        report_raw(r, "<div><dt>Read</dt><dd>");
        esc(r, m->source);
        report_raw(r, "</dd></div>\n");
    }
    if (m->sc) {
        char t[64];
        snprintf(t, sizeof t, "%llu", (unsigned long long)m->sc->seed);
        report_raw(r, "<div><dt>Seed</dt><dd>");
        esc(r, t);
        report_raw(r, "</dd></div>\n<div><dt>Replications</dt><dd>");
        snprintf(t, sizeof t, "%d", m->sc->replications);
        esc(r, t);
        report_raw(r, "</dd></div>\n");
    }
    report_raw(r, "<div><dt>Command</dt><dd><code>");
    esc(r, m->cmdline);
    report_raw(r, "</code></dd></div>\n<div><dt>Written</dt><dd>");
    esc(r, date);
    report_raw(r, "</dd></div>\n</dl>\n");
    if (k && (m->sc->n_inputs > 1 || k > 1)) {
        report_raw(r, "<h3>Every input file and its SHA-256</h3>\n<ul>\n");
        for (int j = 0; j < k; j++)
            for (int i = 0; i < scs[j]->n_inputs; i++) {
                if (listed(scs, j, i))
                    continue;
                report_raw(r, "<li>");
                esc(r, scs[j]->inputs[i].path);
                report_raw(r, " <span class=\"hash\">");
                esc(r, scs[j]->inputs[i].sha256);
                report_raw(r, "</span></li>\n");
            }
        report_raw(r, "</ul>\n");
    }
    if (m->n_files > 0) {
        report_raw(r, "<h3>Every file read and its SHA-256</h3>\n<ul>\n");
        for (int i = 0; i < m->n_files; i++) {
            report_raw(r, "<li>");
            esc(r, m->files[i]);
            report_raw(r, " <span class=\"hash\">");
            esc(r, m->files_sha[i]);
            report_raw(r, "</span></li>\n");
        }
        report_raw(r, "</ul>\n");
    }
    report_raw(r, "<p>The CSV files beside this page hold every figure with full "
                  "precision; docs/outputs.md describes each column.</p>\n</footer>\n");
}

/* ---- the page --------------------------------------------------------------------------------- */

/* Contrast: text #1a1a1a and #333 on white, links #0645ad, the interval text #4d4d4d
 * (7.6:1 on white): every pair above WCAG AA's 4.5:1. */
static const char css[] =
    "<style>\n"
    ":root{color:#1a1a1a;background:#fff}\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "line-height:1.45;max-width:62rem;margin:0 auto;padding:1rem 1.5rem}\n"
    "h1{font-size:1.7rem;margin:.5rem 0}h2{font-size:1.3rem;margin-top:2rem;"
    "border-bottom:1px solid #999}h3{font-size:1.1rem}\n"
    ".answer{font-size:1.1rem;background:#f2f5f9;border-left:4px solid #1f4e79;"
    "padding:.5rem 1rem}\n"
    "dl.key{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.5rem;"
    "padding:0}\n"
    "dl.key div{border:1px solid #bbb;border-radius:4px;padding:.4rem .6rem}\n"
    "dl.key dt{font-size:.9rem;color:#333}dl.key dd{margin:0;font-size:1.15rem}\n"
    ".ci{font-size:.9rem;color:#4d4d4d}\n"
    "dl.meta div{display:flex;gap:1rem}dl.meta dt{font-weight:bold;min-width:10rem}"
    "dl.meta dd{margin:0;overflow-wrap:anywhere}\n"
    ".hash,.file{font-family:monospace;font-size:.85rem;color:#333;overflow-wrap:anywhere}\n"
    "figure{margin:1rem 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figure svg{max-width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.9rem;color:#333}\n"
    ".tw{overflow-x:auto}\n"
    "table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}\n"
    "caption{text-align:left;font-weight:bold;padding:.3rem 0}\n"
    "th,td{border:1px solid #999;padding:.2rem .5rem;text-align:left;vertical-align:top}\n"
    "thead th{background:#e8e8e8}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr{break-inside:avoid;page-break-inside:avoid}\n"
    "ul.assume{padding-left:1rem}ul.assume li{margin:.5rem 0}\n"
    "pre{white-space:pre-wrap;background:#f6f6f6;padding:.3rem .5rem;margin:.2rem 0;"
    "font-size:.85rem}\n"
    "code{font-size:.9rem;overflow-wrap:anywhere}\n"
    "footer{margin-top:2rem;font-size:.9rem}\n"
    "@media print{@page{size:A4;margin:15mm}body{max-width:none;padding:0;font-size:10pt}"
    ".tw{overflow:visible}table{font-size:7.5pt;max-width:100%}"
    "th,td{padding:.1rem .25rem;overflow-wrap:anywhere}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "h3{break-after:avoid;page-break-after:avoid}"
    "figure,table,dl.key div,pre{break-inside:avoid;page-break-inside:avoid}}\n"
    "</style>\n";

report_t *report_new(const report_meta_t *meta)
{
    report_t *r = mem_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->meta = meta;
    report_raw(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'unsafe-inline'; img-src data:\">\n<title>");
    esc(r, meta->title);
    report_raw(r, "</title>\n");
    report_raw(r, css);
    report_raw(r, "</head>\n<body>\n<main>\n<h1>");
    esc(r, meta->title);
    report_raw(r, "</h1>\n");
    if (r->b.oom) {
        report_free(r);
        return NULL;
    }
    return r;
}

void report_free(report_t *r)
{
    if (!r)
        return;
    mem_free(r->b.s);
    mem_free(r);
}

static int put_page(FILE *f, void *ctx)
{
    const report_t *r = ctx;
    fwrite(r->b.s, 1, r->b.len, f);
    return 0;
}

int report_write(outtx_t *tx, const report_meta_t *meta, char *err, size_t errlen)
{
    static const struct {
        const char *command;
        int (*page)(report_t *r);
    } pages[] = {{"run", report_page_run},
                 {"compare", report_page_compare},
                 {"sensitivity", report_page_sensitivity},
                 {"backtest", report_page_backtest},
                 {"sweep", report_page_sweep},
                 {"calibrate", report_page_calibrate}};
    int (*page)(report_t *) = NULL;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (!strcmp(pages[i].command, meta->command))
            page = pages[i].page;
    if (!page)
        return sim_err_set(err, errlen, SIM_EINVAL, "report.html: no page for `%s`",
                           meta->command);
    report_t *r = report_new(meta);
    if (!r)
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    int rc = page(r);
    if (rc == 0) {
        report_assumptions(r);
        report_raw(r, "</main>\n");
        report_footer(r);
        report_raw(r, "</body>\n</html>\n");
    }
    if (rc == 0 && r->b.oom)
        rc = SIM_ENOMEM;
    if (rc)
        sim_err_set(err, errlen, rc, "report.html: %s", sim_strerror(rc));
    else
        rc = outtx_write(tx, "report.html", put_page, r, err, errlen);
    report_free(r);
    return rc;
}
