#define _XOPEN_SOURCE 700 /* nftw (files.h) */
/* test_compare.c: `careflow compare`'s hand-on outputs, end to end through the built
 * binary ($CAREFLOW, default build/careflow) in a mkdtemp() folder.
 *
 * Each scenario gets a folder holding what `careflow run` writes for it, and the base's
 * files are `careflow run`'s byte for byte (same seed and replications: common random
 * numbers), as are an alternative's when it lends or borrows no costs; a scenario that
 * borrows costs for the comparison keeps only its own in its folder. The top
 * manifest.json names every scenario with its SHA-256. compare_timeseries.csv keeps
 * its stage rows first and adds each pool's utilisation and caseload per worker after
 * them; a scenario compared with itself differs by 0 everywhere. Folders are named
 * deterministically (compare_folders), and a later comparison into the same --out
 * replaces an earlier one's folders but refuses to replace a folder it never wrote
 * (a run's set). Alternatives sharing a name are keyed on their folders. When gnuplot
 * is installed the plots named in docs/outputs.md are drawn, and the page names the
 * scenarios by title and its figures in words. The terminal verdict is checked from
 * compare.csv files written here (report_compare_verdict). */
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
#include <fcntl.h>
#include <ctype.h>

#include <cmocka.h>

#include "files.h"
#include "models/commands/compare.h"
#include "models/commands/report.h"
#include "sim/err.h"
#include "sim/mem.h"
#include "sim/sha256.h"

static char g_dir[PATH_MAX]; /* the mkdtemp() folder */
static char g_bin[PATH_MAX]; /* the binary, absolute */

#define BASE "scenarios/hampshire-baseline.yaml"
#define ALT "scenarios/hampshire-innovation.yaml"
#define STAFFED "scenarios/council-staffed.yaml"
#define COUNCIL "scenarios/council.yaml"

/* Runs careflow with the NULL-terminated arguments, stdout and stderr to files in the
 * test folder; returns its exit status. */
static int careflow(const char *first, ...)
{
    char *argv[32], o[PATH_MAX + 16], e[PATH_MAX + 16];
    int n = 0;
    va_list ap;
    argv[n++] = g_bin;
    argv[n++] = (char *)first;
    va_start(ap, first);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 31)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    snprintf(o, sizeof o, "%s/out.txt", g_dir);
    snprintf(e, sizeof e, "%s/err.txt", g_dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != 0) {
        char *s = files_slurp(e);
        fprintf(stderr, "test_compare: careflow %s exited %d: %s\n", first, rc, s ? s : "");
        free(s);
    }
    return rc;
}

static void path(char *buf, const char *a, const char *b)
{
    if (snprintf(buf, PATH_MAX, "%s/%s", a, b) >= PATH_MAX)
        fail_msg("path too long: %s/%s", a, b);
}

static int exists(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    path(p, dir, name);
    return stat(p, &st) == 0;
}

/* dir_a/name and dir_b/name have the same bytes */
static void assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char *a = files_read_in(dir_a, name), *b = files_read_in(dir_b, name);
    if (!a || !b)
        fail_msg("%s missing in %s or %s", name, dir_a, dir_b);
    if (strcmp(a, b) != 0)
        fail_msg("%s/%s differs from %s/%s", dir_a, name, dir_b, name);
    free(a);
    free(b);
}

static int have_gnuplot(void)
{
    return system("gnuplot --version >/dev/null 2>&1") == 0;
}

/* ---- the cases ---------------------------------------------------------------------- */

/* compare's folders hold run's files, byte for byte where run's scenario is the same */
static void base_folder_is_careflow_run(void **state)
{
    (void)state;
    char cmp[PATH_MAX], run[PATH_MAX], run_alt[PATH_MAX], b[PATH_MAX], a[PATH_MAX];
    path(cmp, g_dir, "cmp");
    path(run, g_dir, "run-base");
    path(run_alt, g_dir, "run-alt");
    assert_int_equal(careflow("compare", BASE, ALT, "--reps", "3", "--seed", "11",
                              "--no-plots", "--quiet", "--out", cmp, NULL), 0);
    assert_int_equal(careflow("run", BASE, "--reps", "3", "--seed", "11", "--no-plots",
                              "--quiet", "--out", run, NULL), 0);
    assert_int_equal(careflow("run", ALT, "--reps", "3", "--seed", "11", "--no-plots",
                              "--quiet", "--out", run_alt, NULL), 0);
    path(b, cmp, "hampshire-baseline");
    path(a, cmp, "hampshire-innovation");
    /* the base prices nothing itself: compare lends it the alternative's placement
     * prices for compare.csv, and its folder leaves them out, as run does */
    static const char *const files[] = {"summary.csv", "timeseries.csv", "replications.csv",
                                        "fit.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        assert_same_file(b, run, files[i]);
        assert_same_file(a, run_alt, files[i]);
    }
    assert_false(exists(b, "costs.csv"));
    assert_false(exists(run, "costs.csv"));
    assert_same_file(a, run_alt, "costs.csv");
    assert_true(exists(b, "manifest.json"));
    assert_true(exists(a, "manifest.json"));
    /* no plots or page in a scenario's folder: the comparison's are at the top */
    assert_false(exists(b, "plots"));
    assert_false(exists(b, "report.html"));
    /* compare.csv did price the base: its cost rows have a base_mean */
    char *csv = files_read_in(cmp, "compare.csv");
    assert_non_null(csv);
    assert_non_null(strstr(csv, "\ncomponent_cost_per_year,placement,1"));
    free(csv);
}

/* the top manifest.json: every scenario's path, folder and SHA-256 */
static void manifest_lists_every_scenario(void **state)
{
    (void)state;
    char cmp[PATH_MAX], want[256];
    path(cmp, g_dir, "cmp"); /* from the case before */
    char *m = files_read_in(cmp, "manifest.json");
    assert_non_null(m);
    static const char *const scs[] = {BASE, ALT};
    static const char *const folders[] = {"hampshire-baseline", "hampshire-innovation"};
    for (int i = 0; i < 2; i++) {
        char hex[65];
        assert_int_equal(sha256_file_hex(scs[i], hex), 0);
        snprintf(want, sizeof want, "\"scenario\": \"%s\",\n  \"scenario_sha256\": \"%s\"",
                 scs[i], hex);
        if (!strstr(m, want))
            fail_msg("manifest.json lacks %s", want);
        snprintf(want, sizeof want, "\"folder\": \"%s\"", folders[i]);
        assert_non_null(strstr(m, want));
    }
    assert_non_null(strstr(m, "\"command\": \"compare\""));
    assert_non_null(strstr(m, "\"seed\": 11,"));
    assert_non_null(strstr(m, "\"replications\": 3,"));
    assert_non_null(strstr(m, "\"command_line\": "));
    assert_non_null(strstr(m, "\"wall_seconds\": "));
    assert_non_null(strstr(m, "\"events\": "));
    assert_non_null(strstr(m, "\"careflow_version\": "));
    free(m);
}

/* a scenario with a pool compared with itself: two folders (the second NAME-2), the
 * pool rows after every stage row, and no difference anywhere */
static void itself_differs_by_nothing(void **state)
{
    (void)state;
    char cmp[PATH_MAX];
    path(cmp, g_dir, "self");
    assert_int_equal(careflow("compare", STAFFED, STAFFED, "--reps", "3", "--no-plots",
                              "--quiet", "--out", cmp, NULL), 0);
    assert_true(exists(cmp, "anyshire/summary.csv"));
    assert_true(exists(cmp, "anyshire-2/summary.csv"));
    char d1[PATH_MAX], d2[PATH_MAX];
    path(d1, cmp, "anyshire");
    path(d2, cmp, "anyshire-2");
    assert_same_file(d1, d2, "summary.csv");

    char *ts = files_read_in(cmp, "compare_timeseries.csv");
    assert_non_null(ts);
    int pool_rows = 0, cpw = 0, util = 0, stage_after_pool = 0;
    char *save = NULL;
    for (char *line = strtok_r(ts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "day,", 4))
            continue;
        char *f[13];
        int n = 0;
        for (char *p = line; n < 13; n++) {
            f[n] = p;
            char *c = strchr(p, ',');
            if (!c) {
                n++;
                break;
            }
            *c = '\0';
            p = c + 1;
        }
        assert_int_equal(n, 13);
        int is_pool = !strcmp(f[3], "utilisation") || !strcmp(f[3], "caseload_per_worker");
        if (is_pool) {
            pool_rows++;
            cpw += !strcmp(f[3], "caseload_per_worker");
            util += !strcmp(f[3], "utilisation");
            assert_string_equal(f[2], "social_workers");
        } else if (pool_rows) {
            stage_after_pool++;
        }
        for (int k = 7; k < 13; k++) /* diff_mean and its percentiles */
            if (strcmp(f[k], "0"))
                fail_msg("%s,%s on day %s: %s is not 0", f[2], f[3], f[0], f[k]);
        assert_string_equal(f[5], f[6]); /* base_mean = alt_mean */
    }
    assert_true(cpw > 0);
    assert_int_equal(cpw, util);
    assert_int_equal(stage_after_pool, 0);
    free(ts);
}

/* the pools of an alternative the base lacks: the alternative's side only */
static void pool_only_in_the_alternative(void **state)
{
    (void)state;
    char cmp[PATH_MAX];
    path(cmp, g_dir, "council");
    int plots = have_gnuplot();
    if (plots)
        assert_int_equal(careflow("compare", COUNCIL, STAFFED, "--reps", "3", "--quiet",
                                  "--out", cmp, NULL), 0);
    else
        assert_int_equal(careflow("compare", COUNCIL, STAFFED, "--reps", "3", "--quiet",
                                  "--no-plots", "--out", cmp, NULL), 0);
    char *ts = files_read_in(cmp, "compare_timeseries.csv");
    assert_non_null(ts);
    /* no base value, so no difference */
    char *row = strstr(ts, ",social_workers,caseload_per_worker,anyshire,,");
    assert_non_null(row);
    assert_non_null(strstr(row, ",,,,,,\n"));
    free(ts);
    assert_true(exists(cmp, "council/summary.csv"));
    assert_false(exists(cmp, "council/costs.csv")); /* council prices nothing itself */
    assert_true(exists(cmp, "anyshire/costs.csv"));
    if (!plots) {
        fprintf(stderr, "test_compare: gnuplot is not installed: plot names not checked\n");
        return;
    }
    static const char *const names[] = {"costs", "waiting-anyshire", "caseloads-anyshire",
                                        "diffs-anyshire", "diff-anyshire-cin"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "plots/%s.png", names[i]);
        if (!exists(cmp, p))
            fail_msg("%s/%s not drawn", cmp, p);
        snprintf(p, sizeof p, "plots/%s.svg", names[i]);
        assert_true(exists(cmp, p));
    }
    /* every title names the scenarios it shows */
    static const struct {
        const char *file, *title;
    } titles[] = {
        {"plots/costs.svg", "anyshire minus council (base): change in cost per year"},
        {"plots/waiting-anyshire.svg", "anyshire against council (base): children waiting"},
        {"plots/caseloads-anyshire.svg", "anyshire against council (base): weighted cases"},
        {"plots/diffs-anyshire.svg", "anyshire minus council (base): change in children open"},
        {"plots/diff-anyshire-cin.svg", "anyshire minus council (base)"},
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        char *svg = files_read_in(cmp, titles[i].file);
        assert_non_null(svg);
        if (!strstr(svg, titles[i].title))
            fail_msg("%s: no title '%s'", titles[i].file, titles[i].title);
        free(svg);
    }
    /* the page shows them and names each folder */
    char *page = files_read_in(cmp, "report.html");
    assert_non_null(page);
    /* by the scenarios' titles, not their slugs */
    const char *costs = strstr(page, "Change in cost per year by component");
    const char *waiting = strstr(page, "Children waiting for a worker in each served");
    const char *caseload = strstr(page, "Weighted cases per available worker");
    const char *stocks = strstr(page, "Change in children open in every stage");
    assert_non_null(strstr(page, "intervals: Anyshire (synthetic council) with social workers "
                                 "and costs minus Anyshire (synthetic council): children"));
    assert_non_null(strstr(page, "<h1>Comparison: Anyshire (synthetic council) with social "
                                 "workers and costs against Anyshire (synthetic council)"));
    assert_null(strstr(page, "<figcaption>anyshire"));
    assert_true(costs && waiting && caseload && stocks);
    assert_true(costs < waiting && waiting < caseload && caseload < stocks);
    assert_non_null(strstr(page, "<a href=\"council/summary.csv\">"));
    assert_non_null(strstr(page, "<a href=\"anyshire/costs.csv\">"));
    free(page);
}

/* the page is for a committee: stages by title and figures in words in the stage table;
 * All figures rounded to 4 significant figures (compare.csv keeps every digit), no alt
 * column with one alternative, and a print style that wraps wide tables onto A4 */
static void page_reads_plainly(void **state)
{
    (void)state;
    char cmp[PATH_MAX];
    path(cmp, g_dir, "council"); /* from the case before */
    char *page = files_read_in(cmp, "report.html");
    assert_non_null(page);
    assert_non_null(strstr(page, "<td>children in the stage at the end</td>"));
    assert_non_null(strstr(page, "<td>entries a year</td>"));
    assert_null(strstr(page, "<td>final_stock</td>"));
    assert_null(strstr(page, "<td>entries_per_year</td>"));
    assert_non_null(strstr(page, "<th scope=\"row\">Child in Need plan</th>"));
    assert_null(strstr(page, "<th scope=\"col\">alt</th>"));
    assert_non_null(strstr(page, "overflow-wrap:anywhere"));
    const char *all = strstr(page, "Every paired difference");
    assert_non_null(all);
    const char *end = strstr(all, "</table>");
    assert_non_null(end);
    for (const char *p = strstr(all, "<td class=\"n\">"); p && p < end;
         p = strstr(p + 1, "<td class=\"n\">")) {
        /* a cell's number: at most 4 significant figures, or a whole number */
        const char *q = p + strlen("<td class=\"n\">"), *c = q;
        int sig = 0, dot = 0;
        if (*q == '-')
            q++;
        for (; isdigit((unsigned char)*q) || *q == '.'; q++) {
            dot |= *q == '.';
            sig += isdigit((unsigned char)*q) && (sig || *q != '0');
        }
        if (dot && sig > 4)
            fail_msg("All figures: %.20s has more than 4 significant figures", c);
    }
    char *csv = files_read_in(cmp, "compare.csv");
    assert_non_null(csv);
    assert_non_null(strstr(csv, "e-0")); /* the CSV keeps every digit */
    free(csv);
    free(page);
}

/* a later comparison into the same folder replaces the earlier one's folders */
static void earlier_folders_are_replaced(void **state)
{
    (void)state;
    char cmp[PATH_MAX];
    path(cmp, g_dir, "council"); /* council/ and anyshire/ from the case before */
    assert_true(exists(cmp, "anyshire"));
    assert_int_equal(careflow("compare", COUNCIL, COUNCIL, "--reps", "2", "--no-plots",
                              "--quiet", "--out", cmp, NULL), 0);
    assert_true(exists(cmp, "council/summary.csv"));
    assert_true(exists(cmp, "council-2/summary.csv"));
    assert_false(exists(cmp, "anyshire"));
    /* a folder that is not a comparison's is kept, as outtx keeps what it does not own */
    char p[PATH_MAX];
    path(p, cmp, "notes");
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(careflow("compare", COUNCIL, STAFFED, "--reps", "2", "--no-plots",
                              "--quiet", "--out", cmp, NULL), 0);
    assert_true(exists(cmp, "notes"));
    assert_true(exists(cmp, "anyshire/summary.csv"));
    assert_false(exists(cmp, "council-2"));
}

/* a `careflow run` set where a scenario's folder would go is kept: compare refuses
 * (exit 2, the folder named, nothing written) rather than replacing it */
static void run_folder_is_not_replaced(void **state)
{
    (void)state;
    char cmp[PATH_MAX], run[PATH_MAX];
    path(cmp, g_dir, "keep");
    path(run, cmp, "council");
    assert_int_equal(mkdir(cmp, 0755), 0);
    assert_int_equal(careflow("run", COUNCIL, "--reps", "3", "--no-plots", "--quiet",
                              "--out", run, NULL), 0);
    char *before = files_read_in(run, "manifest.json");
    assert_non_null(before);
    assert_int_equal(careflow("compare", COUNCIL, STAFFED, "--reps", "2", "--no-plots",
                              "--quiet", "--out", cmp, NULL), 2);
    char *e = files_read_in(g_dir, "err.txt");
    assert_non_null(e);
    if (!strstr(e, "careflow: error: ") || !strstr(e, "keep/council already exists"))
        fail_msg("no error naming the folder: %s", e);
    free(e);
    char *after = files_read_in(run, "manifest.json");
    assert_non_null(after);
    assert_string_equal(before, after); /* still the run's 3 replications */
    assert_false(exists(cmp, "compare.csv"));
    assert_false(exists(cmp, "anyshire"));
    free(before);
    free(after);
}

/* compare_folders: a name, or NAME-2, NAME-3, ... when taken or one of the set's */
static void folder_names_are_deterministic(void **state)
{
    (void)state;
    static const struct {
        const char *names[4];
        int n;
        const char *want[4];
    } cases[] = {
        {{"a", "b"}, 2, {"a", "b"}},
        {{"a", "a", "a"}, 3, {"a", "a-2", "a-3"}},
        {{"a", "a", "a-2"}, 3, {"a", "a-2", "a-2-2"}},
        {{"plots", "x", "plots"}, 3, {"plots-2", "x", "plots-3"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char folders[4][COMPARE_FOLDER_MAX];
        assert_int_equal(compare_folders(cases[i].names, cases[i].n, folders), 0);
        for (int j = 0; j < cases[i].n; j++)
            assert_string_equal(folders[j], cases[i].want[j]);
    }
    char longname[COMPARE_FOLDER_MAX + 10];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *names[1] = {longname};
    char folders[1][COMPARE_FOLDER_MAX];
    assert_int_equal(compare_folders(names, 1, folders), SIM_EINVAL);
}

/* ---- the terminal verdict, from a compare.csv written here -------------------------- */

#define CMP_HEADER "metric,stage,base_mean,alt_mean,diff_mean,diff_ci95_low,diff_ci95_high," \
                   "unpaired_ci95_low,unpaired_ci95_high,replications,alt\n"

/* report_compare_verdict of csv (written as DIR/verdict/compare.csv) for the base and
 * alternatives given; the text, mem_free it. */
static char *verdict_of(const char *csv, const scenario_t *base, const scenario_t *const *alts,
                        int n_alts)
{
    char dir[PATH_MAX], p[PATH_MAX];
    path(dir, g_dir, "verdict");
    mkdir(dir, 0755);
    path(p, dir, "compare.csv");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    char *v = NULL;
    assert_int_equal(report_compare_verdict(dir, base, alts, n_alts, &v), 0);
    assert_non_null(v);
    return v;
}

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("no \"%s\" in:\n%s", want, text);
}

/* the waiting and open-case change is said whatever the stages are called (M/M/c has one
 * stage, `duty`, and no `care`); no care line without a care stage */
static void verdict_waiting_without_care(void **state)
{
    (void)state;
    scenario_t b = {.name = "mmc", .title = "Duty desk"}, a = {.name = "busy", .title = "Busier"};
    const scenario_t *alts[] = {&a};
    char *v = verdict_of(CMP_HEADER "final_stock,duty,1,2,1,0.5,1.5,0,2,3,busy\n"
                                    "final_stock,all,1,2,1,0.5,1.5,0,2,3,busy\n"
                                    "final_waiting,duty,1,3,2,1,3,0,4,3,busy\n"
                                    "final_waiting,all,1,3,2,1,3,0,4,3,busy\n",
                         &b, alts, 1);
    assert_has(v, "Busier against Duty desk: the scenarios have no costs, so no net cost.\n");
    assert_has(v, "Children waiting at the end 2 (95% interval 1 to 3)");
    assert_has(v, "children open at the end 1 (95% interval 0.50 to 1.50).\n");
    assert_null(strstr(v, "Care entries"));
    mem_free(v);
}

/* a negative benefit-cost ratio: the strands add to the other costs (never "saves £-") */
static void verdict_negative_ratio_adds(void **state)
{
    (void)state;
    scenario_t b = {.name = "b", .title = "Base"}, a = {.name = "a", .title = "Alt"};
    const scenario_t *alts[] = {&a};
    char *v = verdict_of(CMP_HEADER "net_cost_per_year,all,100,210,110,100,120,,,3,a\n"
                                    "strand_cost_per_year,all,0,100,100,90,110,,,3,a\n"
                                    "component_cost_per_year,placement,100,102,2,1,3,,,3,a\n"
                                    "benefit_cost_ratio,all,,-0.02,-0.02,-0.03,-0.01,,,3,a\n",
                         &b, alts, 1);
    assert_has(v, "each \xc2\xa3" "1 spent on the strands adds \xc2\xa3" "0.02 to other costs");
    assert_null(strstr(v, "-0.02 in other costs"));
    mem_free(v);
}

/* one replication: no interval, and the verdict says so rather than "spans zero" */
static void verdict_one_replication_has_no_interval(void **state)
{
    (void)state;
    scenario_t b = {.name = "b", .title = "Base"}, a = {.name = "a", .title = "Alt"};
    const scenario_t *alts[] = {&a};
    char *v = verdict_of(CMP_HEADER "net_cost_per_year,all,100,210,110,,,,,1,a\n"
                                    "final_waiting,all,1,3,2,,,,,1,a\n",
                         &b, alts, 1);
    assert_has(v, "one replication gives no interval");
    assert_has(v, "more replications");
    assert_null(strstr(v, "spans zero"));
    assert_null(strstr(v, "n/a"));
    mem_free(v);
}

/* many alternatives with long titles: every verdict whole (no fixed buffer cuts it) */
static void verdict_many_alternatives_whole(void **state)
{
    (void)state;
    enum { N = 40 };
    static char names[N][16], titles[N][160];
    scenario_t b = {.name = "b", .title = "Base"}, sc[N];
    const scenario_t *alts[N];
    size_t cap = 100000, at = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    at += (size_t)snprintf(csv, cap, CMP_HEADER);
    for (int j = 0; j < N; j++) {
        snprintf(names[j], sizeof names[j], "alt%d", j);
        snprintf(titles[j], sizeof titles[j], "Alternative %d, with a long title to fill the "
                 "terminal's verdict well past four thousand bytes", j);
        sc[j] = (scenario_t){.name = names[j], .title = titles[j]};
        alts[j] = &sc[j];
        at += (size_t)snprintf(csv + at, cap - at,
                               "net_cost_per_year,all,1,2,1,0.5,1.5,,,3,%s\n"
                               "final_waiting,all,1,3,2,1,3,0,4,3,%s\n", names[j], names[j]);
    }
    char *v = verdict_of(csv, &b, alts, N);
    assert_true(strlen(v) > 4096);
    char want[256];
    snprintf(want, sizeof want, "%s against Base: net cost", titles[N - 1]);
    assert_has(v, want);
    assert_has(v, "Children waiting at the end 2 (95% interval 1 to 3).\n");
    assert_int_equal(v[strlen(v) - 1], '\n');
    free(csv);
    mem_free(v);
}

/* three scenarios sharing a name: each alternative keyed on its folder (mmc-2, mmc-3)
 * in compare.csv, the plots and the verdict, none overwriting another's */
static void shared_names_stay_apart(void **state)
{
    (void)state;
    char cmp[PATH_MAX];
    const char *mmc = "scenarios/examples/mmc.yaml";
    path(cmp, g_dir, "mmc");
    int plots = have_gnuplot();
    assert_int_equal(careflow("compare", mmc, mmc, mmc, "--reps", "2", "--out", cmp,
                              plots ? NULL : "--no-plots", NULL), 0);
    char *csv = files_read_in(cmp, "compare.csv");
    assert_non_null(csv);
    assert_non_null(strstr(csv, ",mmc-2\n"));
    assert_non_null(strstr(csv, ",mmc-3\n"));
    free(csv);
    char *e = files_read_in(g_dir, "err.txt");
    assert_non_null(e);
    assert_has(e, "(mmc-2) against ");
    assert_has(e, "(mmc-3) against ");
    assert_has(e, "Children waiting at the end 0"); /* the same scenario: no change */
    free(e);
    if (!plots)
        return;
    assert_true(exists(cmp, "plots/waiting-mmc-2.svg"));
    assert_true(exists(cmp, "plots/waiting-mmc-3.svg"));
    assert_true(exists(cmp, "plots/diffs-mmc-3.svg"));
    char *page = files_read_in(cmp, "report.html");
    assert_non_null(page);
    assert_non_null(strstr(page, "waiting-mmc-3"));
    free(page);
}

/* ---- main ------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *bin = getenv("CAREFLOW");
    if (!bin || !*bin)
        bin = "build/careflow";
    if (!realpath(bin, g_bin)) {
        fprintf(stderr, "test_compare: cannot find the binary %s (set CAREFLOW)\n", bin);
        return -1;
    }
    snprintf(g_dir, sizeof g_dir, "%s/careflow-compare-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (g_dir[0])
        files_rm_tree(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_folder_is_careflow_run),
        cmocka_unit_test(manifest_lists_every_scenario),
        cmocka_unit_test(itself_differs_by_nothing),
        cmocka_unit_test(pool_only_in_the_alternative),
        cmocka_unit_test(page_reads_plainly),
        cmocka_unit_test(earlier_folders_are_replaced),
        cmocka_unit_test(run_folder_is_not_replaced),
        cmocka_unit_test(folder_names_are_deterministic),
        cmocka_unit_test(verdict_waiting_without_care),
        cmocka_unit_test(verdict_negative_ratio_adds),
        cmocka_unit_test(verdict_one_replication_has_no_interval),
        cmocka_unit_test(verdict_many_alternatives_whole),
        cmocka_unit_test(shared_names_stay_apart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
