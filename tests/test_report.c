#define _GNU_SOURCE /* memmem */
/* test_report.c: report.html (models/commands/report.h), end to end.
 *
 * Runs the built binary ($CAREFLOW, default build/careflow) for run, compare,
 * sensitivity, backtest, sweep and calibrate on small inputs in a mkdtemp() folder and checks each page:
 * it is self-contained (no script, no external resource, no @import), has one h1,
 * every inline SVG has an accessible name, the key figures on the page are the CSVs'
 * figures (read here from the CSVs and formatted independently), every ASSUMPTION
 * comment of the scenario is listed, and input text is escaped. Then, when Debian's
 * `chromium` is installed, each page is loaded in headless Chromium: no console
 * message at all (the pages carry no script), the DOM parsed, and a screenshot of the
 * first screen well above a blank page's size. A page made to fail (a script error and
 * an external image) proves the browser check can fail. Without chromium those cases
 * are skipped with a message. */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* A blank 1200x900 page's screenshot is about 5 KB, a page with one heading and a line
 * about 7 KB; the reports' first screens, with text, tables and plots, 120 to 170 KB. */
#define SHOT_MIN_BYTES 40000

typedef struct ctx {
    char bin[PATH_MAX]; /* the binary, absolute */
    char dir[PATH_MAX]; /* the mkdtemp() folder */
} ctx_t;

static ctx_t *g; /* the group's context (set in setup; the cases run in order) */

/* ---- helpers ----------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *s = malloc(cap);
    while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
            }
            s = t;
        }
    }
    fclose(f);
    if (s)
        s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

static void pathf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, PATH_MAX, fmt, ap);
    va_end(ap);
}

/* Runs argv (argv[0] a path or a name on PATH) with stdout to OUT and stderr to ERR
 * (files under the test folder); returns the exit status (128+signal if killed). */
static int run(const char *out, const char *errf, char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs `careflow ARGS...` (NULL-terminated); asserts exit 0; stderr kept in
 * DIR/NAME.err. */
static void careflow(const char *name, ...)
{
    char *argv[64], o[PATH_MAX], e[PATH_MAX];
    int n = 0;
    va_list ap;
    argv[n++] = g->bin;
    va_start(ap, name);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 63)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    pathf(o, "%s/%s.out", g->dir, name);
    pathf(e, "%s/%s.err", g->dir, name);
    int rc = run(o, e, argv);
    if (rc != 0) {
        char *s = slurp(e, NULL);
        fprintf(stderr, "test_report: careflow %s exited %d: %s\n", argv[1], rc, s ? s : "");
        free(s);
    }
    assert_int_equal(rc, 0);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* HTML text as the page escapes it. */
static void html_esc(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                        : s[i] == '"' ? "&quot;" : s[i] == '\'' ? "&#39;" : NULL;
        if (e) {
            strcpy(out + o, e);
            o += strlen(e);
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

/* x rounded to `dec` decimals, with thousands separators (as a reader writes it). */
static void grouped(double x, int dec, char *out, size_t cap)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", dec, fabs(x));
    char *dot = strchr(raw, '.');
    size_t ni = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
    if (x < 0)
        out[o++] = '-';
    for (size_t i = 0; i < ni && o + 2 < cap; i++) {
        if (i && (ni - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    snprintf(out + o, cap - o, "%s", dot ? dot : "");
}

/* The value of column `c` of the first row of CSV text whose first fields are f1 (and
 * f2, and the last field alt when not NULL); NAN if none. Fields hold no quotes here. */
static double csv_value(const char *csv, const char *f1, const char *f2, int c,
                        const char *alt)
{
    char key[256];
    snprintf(key, sizeof key, "\n%s,%s,", f1, f2 ? f2 : "");
    for (const char *p = csv; (p = strstr(p, key)) != NULL; p++) {
        const char *e = strchr(p + 1, '\n');
        size_t len = e ? (size_t)(e - p - 1) : strlen(p + 1);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)len, p + 1);
        if (alt) {
            const char *last = strrchr(line, ',');
            if (!last || strcmp(last + 1, alt))
                continue;
        }
        char *s = line;
        for (int i = 0; i < c && s; i++)
            s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL;
        return s && *s != ',' ? strtod(s, NULL) : NAN;
    }
    return NAN;
}

/* 1 if every quoted attribute value in the start tags of the inline SVGs of page s
 * follows its name's '=' directly: a tag copied as gnuplot writes it (fill = 'rgb(..)')
 * with the spaces kept but the '=' lost reads as fill  'rgb(..)', which browsers drop,
 * and a fan chart loses its bands. */
static int svg_attrs_whole(const char *s)
{
    for (const char *v = s; (v = strstr(v, "<svg")) != NULL; v++) {
        const char *end = strstr(v, "</svg>");
        if (!end)
            return 0;
        for (const char *t = v; t < end && (t = strchr(t, '<')) != NULL && t < end; t++) {
            char q = 0;
            for (const char *c = t + 1; *c && (q || *c != '>'); c++) {
                if (q) {
                    q = *c == q ? 0 : q;
                } else if (*c == '"' || *c == '\'') {
                    if (c[-1] != '=') {
                        fprintf(stderr, "test_report: an attribute lost its '=': %.60s\n", t);
                        return 0;
                    }
                    q = *c;
                }
            }
        }
    }
    return 1;
}

/* The page's checks that hold for every report. */
static char *check_page(const char *dir)
{
    char p[PATH_MAX];
    pathf(p, "%s/report.html", dir);
    char *s = slurp(p, NULL);
    assert_non_null(s);
    assert_non_null(strstr(s, "<html lang=\"en\">"));
    assert_int_equal(count(s, "<h1"), 1);
    assert_int_equal(count(s, "<script"), 0);
    assert_int_equal(count(s, "<SCRIPT"), 0);
    assert_int_equal(count(s, "@import"), 0);
    assert_int_equal(count(s, "<link"), 0);
    assert_int_equal(count(s, "<iframe"), 0);
    assert_int_equal(count(s, "<img"), 0); /* plots are inline SVG, never images */
    static const char *const bad[] = {"src=\"http", "src='http", "href=\"http", "href='http",
                                      "url(http", "src=\"//", "href=\"//", "url(//"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(s, bad[i])) {
            fprintf(stderr, "test_report: %s/report.html refers outside: %s\n", dir, bad[i]);
            fail();
        }
    /* headings in order: no level skipped going down */
    int last = 1;
    for (const char *h = s; (h = strstr(h, "<h")) != NULL; h++)
        if (h[2] >= '1' && h[2] <= '6' && (h[3] == '>' || h[3] == ' ')) {
            int lv = h[2] - '0';
            assert_true(lv <= last + 1);
            last = lv;
        }
    /* every svg: role="img" and aria-labelledby naming its <title> */
    for (const char *v = s; (v = strstr(v, "<svg")) != NULL; v++) {
        const char *end = strchr(v, '>');
        assert_non_null(end);
        char tag[2048], id[64], want[96];
        snprintf(tag, sizeof tag, "%.*s", (int)(end - v), v);
        assert_non_null(strstr(tag, "role=\"img\""));
        const char *l = strstr(tag, "aria-labelledby=\"");
        assert_non_null(l);
        assert_int_equal(sscanf(l, "aria-labelledby=\"%63[^\"]\"", id), 1);
        snprintf(want, sizeof want, "<title id=\"%s\">", id);
        const char *t = strstr(end, want);
        assert_true(t == end + 1); /* the title comes first, and is not empty */
        assert_true(t[strlen(want)] != '<');
    }
    assert_true(svg_attrs_whole(s));
    /* every table header cell has a scope */
    assert_int_equal(count(s, "<th>"), 0);
    assert_non_null(strstr(s, "careflow version"));
    return s;
}

/* ---- cases ------------------------------------------------------------------------- */

static void run_page_answers_first_with_the_csv_figures(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/run", g->dir);
    careflow("run", "run", "scenarios/hampshire-baseline.yaml", "--reps", "4", "--out", out,
             "--quiet", NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/summary.csv", out);
    char *su = slurp(p, NULL);
    pathf(p, "%s/timeseries.csv", out);
    char *ts = slurp(p, NULL);
    assert_non_null(su);
    assert_non_null(ts);

    /* the open cases at the horizon and their interval */
    char want[128], lo[64], hi[64], iv[400];
    grouped(csv_value(su, "final_stock", "all", 2, NULL), 0, want, sizeof want);
    grouped(csv_value(su, "final_stock", "all", 4, NULL), 0, lo, sizeof lo);
    grouped(csv_value(su, "final_stock", "all", 5, NULL), 0, hi, sizeof hi);
    snprintf(iv, sizeof iv, "<strong>%s</strong> <span class=\"ci\">(95%% interval %s to %s)",
             want, lo, hi);
    assert_non_null(strstr(page, iv));

    /* the waiting peak of cin: summary.csv's max_waiting (each replication's highest,
     * averaged) with its interval, the lower end shown at 0 at least, and the date the
     * mean list of timeseries.csv is longest, in the first paragraph of the answer */
    double peak = -1, rows[64];
    int nrows = 0;
    char date[16] = "";
    for (const char *l = ts; (l = strstr(l, ",cin,waiting,")) != NULL; l++) {
        double v = strtod(l + strlen(",cin,waiting,"), NULL);
        if (nrows < 64)
            rows[nrows++] = v;
        if (v > peak) {
            peak = v;
            snprintf(date, sizeof date, "%.10s", l - 10);
        }
    }
    assert_true(peak > 100); /* the CIN waiting list grows (the planner) */
    static const char *const month[] = {"January", "February", "March", "April", "May",
                                        "June", "July", "August", "September", "October",
                                        "November", "December"};
    int y, m, d;
    assert_int_equal(sscanf(date, "%d-%d-%d", &y, &m, &d), 3);
    char sentence[512], pk[64];
    double mw = csv_value(su, "max_waiting", "cin", 2, NULL);
    grouped(mw, 0, pk, sizeof pk);
    grouped(fmax(0, csv_value(su, "max_waiting", "cin", 4, NULL)), 0, lo, sizeof lo);
    grouped(csv_value(su, "max_waiting", "cin", 5, NULL), 0, hi, sizeof hi);
    snprintf(sentence, sizeof sentence, "peaking at %s children waiting (the mean of each "
             "replication&#39;s highest; 95%% interval %s to %s); the mean list is longest on "
             "%d %s %d", pk, lo, hi, d, month[m - 1], y);
    const char *answer = strstr(page, "<div class=\"answer\">");
    assert_non_null(answer);
    const char *first_p = strstr(answer, "<p>"), *first_end = strstr(answer, "</p>");
    const char *found = strstr(answer, sentence);
    if (!found)
        fprintf(stderr, "test_report: no \"%s\"\n", sentence);
    assert_non_null(found);
    assert_true(found > first_p && found < first_end);
    /* and the key figure is the same max_waiting, not the mean list's peak */
    snprintf(sentence, sizeof sentence, "<strong>%s</strong> <span class=\"ci\">(95%% "
             "interval %s to %s)", pk, lo, hi);
    assert_non_null(strstr(page, sentence));
    /* the list still grows at the end: its slope over the last 6 monthly reports
     * (about 86 a month for Hampshire's CIN list), not the average since day 0 */
    assert_true(nrows > 7 && rows[nrows - 1] == peak);
    char slope[64];
    double gr = (rows[nrows - 1] - rows[nrows - 7]) / 182 * (365.25 / 12);
    grouped(gr, gr >= 100 ? 0 : 1, slope, sizeof slope);
    snprintf(sentence, sizeof sentence, "%s more a month over the last 6 report periods",
             slope);
    if (!strstr(answer, sentence))
        fprintf(stderr, "test_report: no \"%s\"\n", sentence);
    assert_true(strstr(answer, sentence) && strstr(answer, sentence) < first_end);
    /* CP's final waiting list: its interval's lower end, negative in the CSV with 4
     * replications, is shown as 0 */
    assert_true(csv_value(su, "final_waiting", "cp", 4, NULL) < 0);
    assert_null(strstr(page, "interval -"));

    /* every ASSUMPTION line of the scenario is listed, escaped */
    char *yaml = slurp("scenarios/hampshire-baseline.yaml", NULL);
    assert_non_null(yaml);
    int n_assume = 0;
    for (char *l = yaml; *l; ) {
        char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        if (memmem(l, len, "ASSUMPTION", 10)) {
            char esc[1024];
            html_esc(l, len, esc, sizeof esc);
            if (!strstr(page, esc)) {
                fprintf(stderr, "test_report: not listed: %s\n", esc);
                fail();
            }
            n_assume++;
        }
        l += len + (e != NULL);
    }
    assert_true(n_assume >= 10);
    assert_non_null(strstr(page, "scenarios/hampshire-baseline.yaml:"));
    /* the plots are inline, the fan charts with their filled bands */
    assert_true(count(page, "<svg") >= 5);
    assert_true(count(page, "<polygon fill='rgb(") >= 10);
    /* labels, not internal names: the pool by its name and stages, each stage's fan
     * chart by the stage's title */
    assert_non_null(strstr(page, "Caseload per worker, cin teams, serving Child in Need plan "
                                 "and Child Protection plan"));
    assert_null(strstr(page, "Caseload per worker, cin_teams"));
    assert_non_null(strstr(page, "percentile bands: Looked after (in care)"));
    assert_null(strstr(page, "percentile bands: care<"));
    free(yaml);
    free(su);
    free(ts);
    free(page);
}

/* One replication has no interval: the page says so rather than counting observed
 * figures outside an interval that does not exist, and leaves no gap where it would be.
 * With care started empty (--set), the start check's warning is listed. */
static void run_page_of_one_replication_says_there_is_no_interval(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/run1", g->dir);
    careflow("run1", "run", "scenarios/hampshire-baseline.yaml", "--reps", "1", "--out", out,
             "--quiet", "--no-plots", "--set", "initial.care.count=0", NULL);
    char *page = check_page(out);
    /* validate's start check is among what the answer rests on: care starts empty */
    const char *rests = strstr(page, "What the answer rests on");
    assert_non_null(rests);
    assert_non_null(strstr(rests, "<li>warning: stage &#39;care&#39; starts empty"));
    assert_non_null(strstr(page, "one replication gives no interval to set them against"));
    assert_null(strstr(page, "lie outside the forecast"));
    assert_null(strstr(page, " .</p>"));
    assert_null(strstr(page, " ;</p>"));
    free(page);
}

static void compare_page_and_terminal_give_the_verdict(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/compare", g->dir);
    careflow("compare", "compare", "scenarios/hampshire-innovation.yaml",
             "scenarios/hampshire-edge-12plus.yaml", "--reps", "4", "--out", out, NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/compare.csv", out);
    char *csv = slurp(p, NULL);
    pathf(p, "%s/compare.err", g->dir);
    char *err = slurp(p, NULL);
    assert_non_null(csv);
    assert_non_null(err);
    const char *alt = "hampshire-edge-12plus";
    double net = csv_value(csv, "net_cost_per_year", "all", 4, alt);
    double bcr = csv_value(csv, "benefit_cost_ratio", "all", 4, alt);
    double strands = csv_value(csv, "strand_cost_per_year", "all", 4, alt);
    double place = csv_value(csv, "component_cost_per_year", "placement", 4, alt);
    assert_false(isnan(net) || isnan(bcr) || isnan(strands) || isnan(place));
    char n[64], want[128];
    grouped(fabs(net), 0, n, sizeof n);
    snprintf(want, sizeof want, "net cost %s\xc2\xa3%s (95%% interval", net < 0 ? "-" : "", n);
    assert_non_null(strstr(page, want)); /* on the page */
    assert_non_null(strstr(err, want));  /* and on the terminal */
    /* two decimals, a value that rounds to zero shown as 0.00 (never -0.00) */
    double lo = csv_value(csv, "benefit_cost_ratio", "all", 5, alt);
    double hi = csv_value(csv, "benefit_cost_ratio", "all", 6, alt);
    snprintf(want, sizeof want, "Benefit-cost ratio %.2f (95%% interval %.2f to %.2f)",
             fabs(bcr) < 0.005 ? 0.0 : bcr, fabs(lo) < 0.005 ? 0.0 : lo,
             fabs(hi) < 0.005 ? 0.0 : hi);
    assert_non_null(strstr(page, want));
    assert_non_null(strstr(err, want));
    grouped(strands, 0, n, sizeof n);
    snprintf(want, sizeof want, "Strands \xc2\xa3%s", n);
    assert_non_null(strstr(page, want));
    grouped(fabs(place), 0, n, sizeof n);
    snprintf(want, sizeof want, "placements %s\xc2\xa3%s", place < 0 ? "-" : "", n);
    assert_non_null(strstr(page, want));
    /* the alternative's own ASSUMPTION is listed too */
    assert_non_null(strstr(page, "scenarios/hampshire-edge-12plus.yaml:1"));
    free(csv);
    free(err);
    free(page);
}

static void sensitivity_page_names_the_leading_parameter(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/sens", g->dir);
    careflow("sens", "sensitivity", "scenarios/hampshire-innovation-uncertain.yaml", "--method",
             "oat", "--samples", "4", "--reps", "2", "--out", out, "--quiet", NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/oat.csv", out);
    char *csv = slurp(p, NULL);
    assert_non_null(csv);
    /* the first output's parameters: the one with the largest |swing| leads its line */
    char metric[64], stage[64];
    const char *row = strchr(csv, '\n') + 1;
    assert_int_equal(sscanf(row, "%63[^,],%63[^,],", metric, stage), 2);
    double best = -1;
    char label[256] = "";
    size_t ml = strlen(metric) + strlen(stage) + 2;
    char prefix[160];
    snprintf(prefix, sizeof prefix, "%s,%s,", metric, stage);
    for (const char *l = row; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, prefix, ml))
            continue;
        char name[256], lab[256];
        const char *q = l + ml;
        if (sscanf(q, "%255[^,],%255[^,],", name, lab) != 2)
            continue;
        const char *c = q;
        for (int i = 0; i < 7; i++)
            c = strchr(c, ',') + 1; /* name,label,low,high,base,y_low,y_high, -> swing */
        double sw = fabs(strtod(c, NULL));
        if (sw > best) {
            best = sw;
            snprintf(label, sizeof label, "%s", lab);
        }
    }
    assert_true(best >= 0);
    char want[1024], esc[600];
    html_esc(label, strlen(label), esc, sizeof esc);
    /* the output in plain words, not its column names ("avg_stock of ...") */
    static const struct {
        const char *metric, *words;
    } W[] = {{"avg_stock", "Children in open cases (average)"},
             {"entries_per_year", "Entries a year to open cases"},
             {"cost_per_year", "Cost a year of everything"}};
    const char *words = NULL;
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
        if (!strcmp(W[i].metric, metric) && !strcmp(stage, "all"))
            words = W[i].words;
    assert_non_null(words);
    snprintf(want, sizeof want, "%s: %s swing", words, esc);
    if (!strstr(page, want)) {
        fprintf(stderr, "test_report: no \"%s\"\n", want);
        fail();
    }
    const char *answer = strstr(page, "<div class=\"answer\">");
    assert_non_null(answer);
    char raw[160];
    snprintf(raw, sizeof raw, "%s of ", metric);
    const char *hit = strstr(answer, raw);
    assert_true(!hit || hit > strstr(answer, "</div>"));
    /* the uncertain ranges are listed (params.csv) */
    assert_non_null(strstr(page, "(params.csv)"));
    free(csv);
    free(page);
}

static void backtest_page_scores_against_the_baselines(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/backtest", g->dir);
    careflow("backtest", "backtest", "scenarios/data/council-episodes/episodes.csv", "--cutoff",
             "2022-03-31", "--horizon-months", "6", "--reps", "4", "--out", out, "--quiet",
             NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/backtest_scores.csv", out);
    char *csv = slurp(p, NULL);
    assert_non_null(csv);
    /* cin's stock: careflow's MAPE averaged over the months ahead */
    double sum = 0;
    int n = 0;
    for (const char *l = csv; (l = strstr(l, "\ncin,stock,")) != NULL; l++) {
        int k;
        char model[32];
        double mape;
        if (sscanf(l + 1, "cin,stock,%d,%31[^,],%lf", &k, model, &mape) == 3 &&
            !strcmp(model, "careflow")) {
            sum += mape;
            n++;
        }
    }
    assert_int_equal(n, 6);
    char want[128];
    snprintf(want, sizeof want, "Child in Need plan, stock: careflow was typically %.1f%% out",
             sum / n);
    assert_non_null(strstr(page, want));
    /* the footer fingerprints the records read, as coreutils' sha256sum does */
    FILE *h = popen("sha256sum scenarios/data/council-episodes/episodes.csv", "r");
    char hex[128] = "", li[256];
    assert_non_null(h);
    assert_non_null(fgets(hex, sizeof hex, h));
    pclose(h);
    hex[64] = '\0';
    snprintf(li, sizeof li, "<li>scenarios/data/council-episodes/episodes.csv "
             "<span class=\"hash\">%s</span></li>", hex);
    assert_non_null(strstr(page, li));
    /* the plots' captions: the cutoff's date and the stage's title, not the file stem */
    assert_non_null(strstr(page, "Forecast fan and what happened: 31 March 2022, Child in "
                                 "Need plan"));
    assert_null(strstr(page, "happened: 2022-03-31-"));
    free(csv);
    free(page);
}

static void sweep_page_gives_the_answer_of_sweep_answer_csv(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/sweep", g->dir);
    careflow("sweep", "sweep", "scenarios/council-staffed.yaml", "--vary",
             "pools.social_workers.workers=54:62:4", "--target", "mean_wait_days:cin<=10",
             "--reps", "4", "--out", out, "--quiet", NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/sweep_answer.csv", out);
    char *csv = slurp(p, NULL);
    assert_non_null(csv);
    /* path,value,...: the answer's value, as the CSV has it */
    char path[128], value[64], want[256];
    assert_int_equal(sscanf(strchr(csv, '\n') + 1, "%127[^,],%63[^,],", path, value), 2);
    snprintf(want, sizeof want, "%s = %s is the smallest value swept", path, value);
    assert_non_null(strstr(page, want));
    /* the plots captioned by their figure in words, not their file names */
    assert_non_null(strstr(page, "Against the swept value: Days waiting for Child in Need "
                                 "plan (mean)"));
    assert_null(strstr(page, "value: sweep-"));
    /* and so titled in the SVG, with the path in words */
    assert_non_null(strstr(page, "Days waiting for Child in Need plan (mean) against workers "
                                 "of social workers"));
    free(csv);
    free(page);
}

static void calibrate_page_gives_each_estimate_then_the_forecast(void **state)
{
    (void)state;
    char out[PATH_MAX];
    pathf(out, "%s/calibrate", g->dir);
    careflow("calibrate", "calibrate", "scenarios/hampshire-calibrate.yaml", "--samples", "4",
             "--reps", "2", "--out", out, "--quiet", NULL);
    char *page = check_page(out), p[PATH_MAX];
    pathf(p, "%s/calibrate.csv", out);
    char *csv = slurp(p, NULL);
    assert_non_null(csv);
    int rows = 0;
    for (const char *l = strchr(csv, '\n') + 1; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char name[128], label[256], esc[600], want[800], est[64];
        double e;
        assert_int_equal(sscanf(l, "%127[^,],%255[^,],%lf", name, label, &e), 3);
        html_esc(label, strlen(label), esc, sizeof esc);
        grouped(e, fabs(e) >= 100 || e == floor(e) ? 0 : fabs(e) >= 10 ? 1 : 2, est, sizeof est);
        snprintf(want, sizeof want, "%s: %s (95%% interval", esc, est);
        if (!strstr(page, want)) {
            fprintf(stderr, "test_report: no \"%s\"\n", want);
            fail();
        }
        rows++;
    }
    assert_true(rows >= 1);
    assert_non_null(strstr(page, "The forecast in brief")); /* the calibrated run's page */
    /* the posterior plots by their parameter's label and path, not "parameter: 1" */
    assert_null(strstr(page, "of parameter: "));
    {
        char name[128], label[256], esc[600], want[1024];
        const char *l = strchr(csv, '\n') + 1;
        assert_int_equal(sscanf(l, "%127[^,],%255[^,],", name, label), 2);
        html_esc(label, strlen(label), esc, sizeof esc);
        snprintf(want, sizeof want, "Prior and posterior of %s (%s)", esc, name);
        if (!strstr(page, want))
            fprintf(stderr, "test_report: no \"%s\"\n", want);
        assert_non_null(strstr(page, want));
    }
    free(csv);
    free(page);
}

/* A scenario whose texts try to break the page: a title with markup, an ASSUMPTION
 * comment with markup, a --set; --no-plots. */
static void hostile_text_is_escaped_and_no_plots_said(void **state)
{
    (void)state;
    char y[PATH_MAX], out[PATH_MAX];
    pathf(y, "%s/hostile.yaml", g->dir);
    FILE *f = fopen(y, "w");
    assert_non_null(f);
    fputs("version: 1\n"
          "name: hostile\n"
          "title: \"<script>alert(1)</script> & <img src=https://x.invalid/a.png>\"\n"
          "start: 2020-01-01\n"
          "horizon_days: 365\n"
          "replications: 3\n"
          "seed: 7\n"
          "stages:\n"
          "  assessment:\n"
          "    # ASSUMPTION: <b>thirty</b> days & \"more\"\n"
          "    duration: {dist: gamma, mean: 30, sd: 10}\n"
          "    next: {exit: 1.0}\n"
          "arrivals:\n"
          "  - {name: referrals, to: assessment, per_year: 200,\n"
          "     age: {dist: uniform, min: 0, max: 18}}\n",
          f);
    assert_int_equal(fclose(f), 0);
    pathf(out, "%s/hostile-out", g->dir);
    careflow("hostile", "run", y, "--set", "arrivals.referrals.per_year=250", "--no-plots",
             "--out", out, "--quiet", NULL);
    char *page = check_page(out);
    assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img"));
    assert_non_null(strstr(page, "# ASSUMPTION: &lt;b&gt;thirty&lt;/b&gt; days &amp; "
                                 "&quot;more&quot;\n    duration: {dist: gamma"));
    assert_non_null(strstr(page, "--set arrivals.referrals.per_year=250"));
    assert_non_null(strstr(page, "--no-plots was given"));
    assert_int_equal(count(page, "<svg"), 0);
    free(page);
}

/* ---- the browser ------------------------------------------------------------------- */

static int have_chromium(void)
{
    char o[PATH_MAX], e[PATH_MAX];
    pathf(o, "%s/which.out", g->dir);
    pathf(e, "%s/which.err", g->dir);
    char *argv[] = {"sh", "-c", "command -v chromium", NULL};
    return run(o, e, argv) == 0;
}

/* Loads page in headless Chromium: a screenshot of the first screen (its size into
 * *shot), the DOM (must hold the h1's end), and the console messages (into *console,
 * how many). */
static void browse(const char *page, long *shot, int *console, int *dom_ok, int expect_bad)
{
    char url[PATH_MAX + 8], png[PATH_MAX], prof[PATH_MAX], o[PATH_MAX], e[PATH_MAX],
        shot_arg[PATH_MAX + 16], prof_arg[PATH_MAX + 20];
    snprintf(url, sizeof url, "file://%s", page);
    pathf(png, "%s.png", page);
    pathf(prof, "%s/chromium-profile", g->dir);
    pathf(o, "%s.dom", page);
    pathf(e, "%s.log", page);
    snprintf(shot_arg, sizeof shot_arg, "--screenshot=%s", png);
    snprintf(prof_arg, sizeof prof_arg, "--user-data-dir=%s", prof);
    char *shot_argv[] = {"timeout", "120", "chromium", "--headless=new", "--no-sandbox",
                         "--disable-gpu", prof_arg, shot_arg, "--window-size=1200,900",
                         "--enable-logging=stderr", "--v=0", url, NULL};
    unlink(png);
    assert_int_equal(run(o, e, shot_argv), 0);
    struct stat st;
    *shot = stat(png, &st) == 0 ? (long)st.st_size : 0;
    char *log = slurp(e, NULL);
    assert_non_null(log);
    *console = count(log, ":CONSOLE") + count(log, "Uncaught") + count(log, "Refused to");
    if (*console && !expect_bad)
        fprintf(stderr, "test_report: %s: console:\n%s\n", page, log);
    free(log);
    char *dom_argv[] = {"timeout", "120", "chromium", "--headless=new", "--no-sandbox",
                        "--disable-gpu", prof_arg, "--dump-dom", url, NULL};
    assert_int_equal(run(o, e, dom_argv), 0);
    char *dom = slurp(o, NULL);
    assert_non_null(dom);
    *dom_ok = strstr(dom, "</h1>") != NULL && strstr(dom, "</footer>") != NULL;
    free(dom);
}

static void chromium_loads_every_report(void **state)
{
    (void)state;
    if (!have_chromium()) {
        fprintf(stderr, "test_report: chromium is not installed (apt-get install chromium): "
                        "browser checks skipped\n");
        skip();
    }
    static const char *const sets[] = {"run",   "compare",   "sens",       "backtest",
                                       "sweep", "calibrate", "hostile-out"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char page[PATH_MAX];
        long shot;
        int console, dom_ok;
        pathf(page, "%s/%s/report.html", g->dir, sets[i]);
        browse(page, &shot, &console, &dom_ok, 0);
        fprintf(stderr, "test_report: %s: screenshot %ld bytes, %d console messages\n",
                sets[i], shot, console);
        assert_int_equal(console, 0);
        assert_true(dom_ok);
        if (strcmp(sets[i], "hostile-out")) /* a page with plots and tables */
            assert_true(shot > SHOT_MIN_BYTES);
        else
            assert_true(shot > 0);
    }
}

/* The browser check can fail: a page with a script error, blank. */
static void chromium_check_catches_a_broken_page(void **state)
{
    (void)state;
    if (!have_chromium())
        skip();
    char page[PATH_MAX];
    pathf(page, "%s/broken.html", g->dir);
    FILE *f = fopen(page, "w");
    assert_non_null(f);
    fputs("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>b</title>"
          "</head><body><script>no_such_function()</script></body></html>\n",
          f);
    assert_int_equal(fclose(f), 0);
    long shot;
    int console, dom_ok;
    browse(page, &shot, &console, &dom_ok, 1);
    assert_true(console > 0);
    assert_false(dom_ok);           /* no h1, no footer */
    assert_true(shot < SHOT_MIN_BYTES); /* a blank page */
}

/* ---- main -------------------------------------------------------------------------- */

static int rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int setup(void **state)
{
    (void)state;
    g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    const char *bin = getenv("CAREFLOW");
    if (!bin || !*bin)
        bin = "build/careflow";
    if (!realpath(bin, g->bin)) {
        fprintf(stderr, "test_report: cannot find the binary %s (set CAREFLOW)\n", bin);
        return -1;
    }
    pathf(g->dir, "%s/careflow-report-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(g->dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (g && g->dir[0])
        rm_rf(g->dir);
    free(g);
    g = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_page_answers_first_with_the_csv_figures),
        cmocka_unit_test(run_page_of_one_replication_says_there_is_no_interval),
        cmocka_unit_test(compare_page_and_terminal_give_the_verdict),
        cmocka_unit_test(sensitivity_page_names_the_leading_parameter),
        cmocka_unit_test(backtest_page_scores_against_the_baselines),
        cmocka_unit_test(sweep_page_gives_the_answer_of_sweep_answer_csv),
        cmocka_unit_test(calibrate_page_gives_each_estimate_then_the_forecast),
        cmocka_unit_test(hostile_text_is_escaped_and_no_plots_said),
        cmocka_unit_test(chromium_loads_every_report),
        cmocka_unit_test(chromium_check_catches_a_broken_page),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
