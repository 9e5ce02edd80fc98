/* bench_records.c: how fast the record readers are (models/records/).
 *
 * Writes, in a folder of its own under /tmp, a careflow episodes CSV of ROWS rows
 * (ROWS / 4 children, four stays each: assessment -> cin -> cp -> cin, the last open
 * for one child in five) and an SSDA903 set of the same size (a Header row per child,
 * four Episodes rows each: three placement changes (X1) and an end), then times
 * rec_read on each (median of REPEATS runs in this process) and prints the peak
 * resident memory (getrusage). Usage: bench_records [ROWS] (default 1,000,000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/records/records.h"
#include "sim/cal.h"
#include "sim/progress.h"

#define REPEATS 3

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void date(long d, char out[11])
{
    cal_format(d, out);
}

static int write_sets(const char *dir, long rows)
{
    char p[512], a[11], b[11], c[11];
    long kids = rows / 4, base = cal_from_ymd(2015, 4, 1);
    snprintf(p, sizeof p, "%s/careflow/episodes.csv", dir);
    FILE *f = fopen(p, "w");
    if (!f)
        return -1;
    fputs("child,stage,start,end,next,dob,flags\n", f);
    static const char *const stages[] = {"assessment", "cin", "cp", "cin"};
    for (long k = 0; k < kids; k++) {
        long t = base + (k * 7) % 3000;
        date(t - 3000 - k % 5000, c);
        for (int s = 0; s < 4; s++) {
            date(t, a);
            long e = t + 20 + (k + s) % 200;
            date(e, b);
            int open = s == 3 && k % 5 == 0;
            fprintf(f, "C%ld,%s,%s,%s,%s,%s,%s\n", k, stages[s], a, open ? "" : b,
                    open ? "" : s == 3 ? "exit" : "", c, k % 3 ? "" : "domestic_abuse");
            t = e;
        }
    }
    if (fclose(f))
        return -1;
    snprintf(p, sizeof p, "%s/ssda903/header.csv", dir);
    FILE *h = fopen(p, "w");
    snprintf(p, sizeof p, "%s/ssda903/episodes.csv", dir);
    FILE *e = fopen(p, "w");
    if (!h || !e)
        return -1;
    fputs("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n", h);
    fputs("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n", e);
    for (long k = 0; k < kids; k++) {
        long t = base + (k * 7) % 3000;
        date(t - 3000 - k % 5000, c);
        fprintf(h, "%ld,%d,%s,WBRI,,,\n", 100000 + k, 1 + (int)(k % 2), c);
        for (int s = 0; s < 4; s++) {
            long n = t + 30 + (k + s) % 300;
            date(t, a);
            date(n, b);
            fprintf(e, "%ld,%s,P,C2,N1,U1,PR1,%s,%s\n", 100000 + k, a, b, s < 3 ? "X1" : "E13");
            t = n;
        }
    }
    return fclose(h) || fclose(e) ? -1 : 0;
}

static void time_read(const char *label, const char *path, long rows)
{
    double t[REPEATS];
    size_t stays = 0;
    for (int r = 0; r < REPEATS; r++) {
        rec_set_t *rs;
        char err[1024];
        const char *paths[] = {path};
        rec_opts_t o = {0};
        double s = progress_now();
        if (rec_read(paths, 1, &o, &rs, err, sizeof err)) {
            fprintf(stderr, "bench_records: %s\n", err);
            exit(1);
        }
        t[r] = progress_now() - s;
        stays = rs->n_stays;
        rec_free(rs);
    }
    qsort(t, REPEATS, sizeof *t, cmp_d);
    printf("  %-18s %ld rows -> %zu stays: median %.2f s (%.2f M rows/s)\n", label, rows, stays,
           t[REPEATS / 2], (double)rows / t[REPEATS / 2] / 1e6);
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 1000000;
    char dir[] = "/tmp/careflow-bench-records-XXXXXX", cmd[600];
    if (rows < 4 || !mkdtemp(dir))
        return 1;
    snprintf(cmd, sizeof cmd, "mkdir -p %s/careflow %s/ssda903", dir, dir);
    if (system(cmd) != 0 || write_sets(dir, rows) < 0) {
        fprintf(stderr, "bench_records: cannot write the records in %s\n", dir);
        return 1;
    }
    char p[600];
    snprintf(p, sizeof p, "%s/careflow", dir);
    time_read("careflow episodes", p, rows);
    snprintf(p, sizeof p, "%s/ssda903", dir);
    time_read("SSDA903", p, rows + rows / 4);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak resident memory %.0f MB\n", (double)ru.ru_maxrss / 1024.0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
