/* bench_estimate.c: how fast `careflow estimate` and `careflow backtest` are.
 *
 * 1. Makes a careflow episodes CSV of about a million rows with `careflow run
 *    --episodes` (the CAREFLOW binary, default build/careflow) on a scenario written
 *    here: referral -> assessment -> cin / cp -> care, 60,000 referrals a year for
 *    eight years, in a folder of its own under /tmp; then times rec_read and
 *    est_estimate on it (one run each: a million rows take seconds) and prints the
 *    peak resident memory after each (getrusage: the peak so far, so the second
 *    figure includes the first).
 * 2. Times `careflow backtest` in this process (backtest_main) on the council's
 *    records (scenarios/data/council-episodes/episodes.csv) with two cutoffs, 20 replications,
 *    without plots, then with them (gnuplot, if found).
 * Prints figures; asserts nothing. Usage: bench_estimate [PER_YEAR] (default 60000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/commands/records_cmd.h"
#include "models/estimate/estimate.h"
#include "models/records/records.h"
#include "sim/cal.h"
#include "sim/progress.h"

static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static const char scenario_fmt[] =
    "version: 1\nname: bench-estimate\ntitle: \"bench_estimate records\"\n"
    "start: 2016-03-31\nend: 2024-03-31\nreplications: 1\nseed: 3\nmax_age: 18\n"
    "stages:\n"
    "  referral: {duration: {dist: gamma, mean: 20, sd: 10}, next: {assessment: 0.7, exit: 0.3}}\n"
    "  assessment: {duration: {dist: gamma, mean: 35, sd: 15}, next: {cin: 0.4, cp: 0.15, exit: 0.45}}\n"
    "  cin: {duration: {dist: lognormal, mean: 200, sd: 150}, next: {care: 0.05, exit: 0.95}}\n"
    "  cp: {duration: {dist: gamma, mean: 280, sd: 140}, next: {cin: 0.5, care: 0.1, exit: 0.4}}\n"
    "  care: {duration: {dist: lognormal, mean: 500, sd: 400}, next: {exit: 1}}\n"
    "arrivals:\n"
    "  - {name: referrals, to: referral, per_year: %ld, age: {dist: uniform, min: 0, max: 12},"
    " flags: {domestic_abuse: 0.3}}\n";

int main(int argc, char **argv)
{
    long per_year = argc > 1 ? atol(argv[1]) : 60000;
    const char *bin = getenv("CAREFLOW");
    if (!bin || !*bin)
        bin = "build/careflow";
    char dir[] = "/tmp/careflow-bench-estimate-XXXXXX", p[600], cmd[2048];
    if (per_year < 1 || !mkdtemp(dir))
        return 1;
    snprintf(p, sizeof p, "%s/s.yaml", dir);
    FILE *f = fopen(p, "w");
    if (!f || fprintf(f, scenario_fmt, per_year) < 0 || fclose(f))
        return 1;
    double t0 = progress_now();
    snprintf(cmd, sizeof cmd, "%s run %s --no-plots --quiet --threads 1 --out %s/o "
             "--episodes %s/eps.csv", bin, p, dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_estimate: %s failed\n", cmd);
        return 1;
    }
    double t_make = progress_now() - t0;
    snprintf(p, sizeof p, "%s/eps.csv", dir);
    long rows = -1;
    f = fopen(p, "r");
    for (int ch; f && (ch = getc(f)) != EOF;)
        rows += ch == '\n';
    if (f)
        fclose(f);
    printf("  records: %ld careflow episodes rows made by run --episodes in %.2f s\n", rows,
           t_make);

    const char *paths[] = {p};
    rec_opts_t ro = {0};
    rec_set_t *rs = NULL;
    char err[1024];
    t0 = progress_now();
    if (rec_read(paths, 1, &ro, &rs, err, sizeof err)) {
        fprintf(stderr, "bench_estimate: %s\n", err);
        return 1;
    }
    double t_read = progress_now() - t0, m_read = peak_mb();
    printf("  read:     %.2f s (%zu stays of %zu children), peak memory %.0f MB\n", t_read,
           rs->n_stays, rs->n_children, m_read);
    est_opts_t eo;
    est_result_t er;
    est_opts_default(&eo);
    eo.as_of = cal_from_ymd(2023, 3, 31);
    t0 = progress_now();
    if (est_estimate(rs, &eo, &er, err, sizeof err)) {
        fprintf(stderr, "bench_estimate: %s\n", err);
        return 1;
    }
    double t_est = progress_now() - t0;
    printf("  estimate: %.2f s as of 2023-03-31 (%ld open cases, %zu bytes of YAML), peak "
           "memory so far %.0f MB\n", t_est, er.n_open, er.yaml_len, peak_mb());
    est_result_free(&er);
    rec_free(rs);

    for (int plots = 0; plots < 2; plots++) {
        snprintf(p, sizeof p, "%s/bt%d", dir, plots);
        char *av[] = {"careflow", "backtest", "scenarios/data/council-episodes/episodes.csv",
                      "--cutoff", "2022-03-31", "--cutoff", "2023-03-31", "--reps", "20",
                      "--threads", "2", "--quiet", "--out", p, plots ? NULL : "--no-plots",
                      NULL};
        int ac = plots ? 14 : 15;
        t0 = progress_now();
        int rc = backtest_main(ac, av);
        printf("  backtest: council episodes, 2 cutoffs, 20 replications, 2 threads, %s: "
               "%.2f s%s\n", plots ? "with plots" : "no plots", progress_now() - t0,
               rc ? " (failed)" : "");
    }
    printf("  peak resident memory %.0f MB\n", peak_mb());
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
