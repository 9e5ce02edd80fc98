/* test_episodes.c: `careflow run --episodes`, the simulated case records, checked
 * against identities of the records themselves, not against numbers copied from the
 * code's output:
 * - a stay is open on the horizon's last day exactly when its child is in that stage
 *   at the horizon, so the open stays of each stage number replication 1's final_stock
 *   (replications.csv, computed by the model's own stock counter);
 * - a child goes from a stay straight to its next stage: every closed stay's `next`
 *   is exit or a stay of that child in that stage starting on its end;
 * - SSDA903: the placement episodes of a period of care join up (DEC of one = DECOM of
 *   the next, REC X1) and reassemble into exactly the care stays of the episodes file;
 *   a return per year shows an episode open on 31 March again the next year, with no
 *   DEC yet; DD/MM/YYYY and ISO files hold the same rows;
 * - the records are byte-identical at 1 and 2 threads, and asking for them changes no
 *   other output byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define MAXF 20
#define SCN "scenarios/council.yaml"

typedef struct row {
    int n;             /* fields */
    char *f[MAXF];     /* fields (into the line's own copy) */
    char *line;        /* the copy */
} row_t;

typedef struct table {
    int n;             /* rows, header excluded */
    row_t hdr;         /* the header row */
    row_t *r;          /* [n] */
} table_t;

static void split(row_t *r, const char *line)
{
    r->line = strdup(line);
    assert_non_null(r->line);
    r->n = 0;
    char *p = r->line;
    for (;;) {
        assert_true(r->n < MAXF);
        r->f[r->n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    char *nl = strchr(r->f[r->n - 1], '\n');
    if (nl) *nl = '\0';
}

static void load(table_t *t, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char buf[4096];
    memset(t, 0, sizeof *t);
    assert_non_null(fgets(buf, sizeof buf, f));
    split(&t->hdr, buf);
    size_t cap = 0;
    while (fgets(buf, sizeof buf, f)) {
        if ((size_t)t->n == cap) {
            cap = cap ? 2 * cap : 1024;
            t->r = realloc(t->r, cap * sizeof *t->r);
            assert_non_null(t->r);
        }
        split(&t->r[t->n++], buf);
    }
    fclose(f);
}

static void table_free(table_t *t)
{
    for (int i = 0; i < t->n; i++) free(t->r[i].line);
    free(t->hdr.line);
    free(t->r);
    memset(t, 0, sizeof *t);
}

static int col(const table_t *t, const char *name)
{
    for (int i = 0; i < t->hdr.n; i++)
        if (!strcmp(t->hdr.f[i], name)) return i;
    fail_msg("no column %s", name);
    return -1;
}

static const char *bin(void)
{
    const char *b = getenv("CAREFLOW");
    return b && *b ? b : "build/careflow";
}

/* Runs careflow with `args` (a shell fragment); returns its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", bin(), args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *s = malloc(cap);
    while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n == cap - 1) s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s) s[n] = '\0';
    *len = n;
    return s;
}

static int same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

typedef struct dir {
    char path[64]; /* the temporary folder */
} dir_t;

static int setup(void **state)
{
    dir_t *d = calloc(1, sizeof *d);
    snprintf(d->path, sizeof d->path, "/tmp/careflow-test-episodes-XXXXXX");
    assert_non_null(mkdtemp(d->path));
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    dir_t *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->path);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

/* open stays per stage == replication 1's final_stock */
static void open_stays_are_final_stock(void **state)
{
    dir_t *d = *state;
    assert_int_equal(run("run %s --reps 2 --threads 2 --no-plots --quiet --out %s/o "
                         "--episodes %s/o/eps.csv", SCN, d->path, d->path), 0);
    char p[256];
    table_t e, r;
    snprintf(p, sizeof p, "%s/o/eps.csv", d->path);
    load(&e, p);
    snprintf(p, sizeof p, "%s/o/replications.csv", d->path);
    load(&r, p);
    int cs = col(&e, "stage"), ce = col(&e, "end"), cn = col(&e, "next");
    int checked = 0;
    for (int i = 0; i < r.n; i++) {
        if (strcmp(r.r[i].f[0], "1") || strcmp(r.r[i].f[1], "final_stock") ||
            !strcmp(r.r[i].f[2], "all"))
            continue;
        long open = 0;
        for (int k = 0; k < e.n; k++)
            if (!strcmp(e.r[k].f[cs], r.r[i].f[2]) && !e.r[k].f[ce][0]) {
                assert_string_equal(e.r[k].f[cn], ""); /* open: no next either */
                open++;
            }
        assert_int_equal(open, atol(r.r[i].f[3]));
        checked++;
    }
    assert_int_equal(checked, 5); /* referral, assessment, cin, cp, care */
    table_free(&e);
    table_free(&r);
}

/* every closed stay's next is exit or a stay of the child starting on its end */
static void next_is_the_following_stay(void **state)
{
    dir_t *d = *state;
    assert_int_equal(run("run %s --reps 1 --no-plots --quiet --out %s/o --episodes %s/e.csv",
                         SCN, d->path, d->path), 0);
    char p[256];
    table_t e;
    snprintf(p, sizeof p, "%s/e.csv", d->path);
    load(&e, p);
    int cc = col(&e, "child"), cs = col(&e, "stage"), cst = col(&e, "start");
    int ce = col(&e, "end"), cn = col(&e, "next"), cr = col(&e, "reason");
    long moves = 0, exits = 0, aged = 0;
    for (int i = 0; i < e.n; i++) {
        const row_t *a = &e.r[i];
        if (!a->f[ce][0]) continue;
        assert_true(strcmp(a->f[cst], a->f[ce]) <= 0); /* ISO dates sort as text */
        if (!strcmp(a->f[cn], "exit")) {
            exits++;
            aged += !strcmp(a->f[cr], "aged_out");
            continue;
        }
        assert_string_equal(a->f[cr], ""); /* aged out means exit */
        int found = 0, k0 = i;
        /* the child's rows are together (sorted by child, start, stage: a stay that
         * began and ended on one day may sort before the one that led to it) */
        while (k0 > 0 && !strcmp(e.r[k0 - 1].f[cc], a->f[cc])) k0--;
        for (int k = k0; k < e.n && !strcmp(e.r[k].f[cc], a->f[cc]) && !found; k++)
            found = k != i && !strcmp(e.r[k].f[cs], a->f[cn]) &&
                    !strcmp(e.r[k].f[cst], a->f[ce]);
        if (!found) fail_msg("row %d: child %s's %s stay ends %s for %s, which is missing",
                             i + 2, a->f[cc], a->f[cs], a->f[ce], a->f[cn]);
        moves++;
    }
    assert_true(moves > 1000 && exits > 1000 && aged > 0);
    table_free(&e);
}

/* the records do not depend on the thread count; asking for them changes nothing else */
static void threads_and_outputs_unchanged(void **state)
{
    dir_t *d = *state;
    for (int t = 1; t <= 2; t++)
        assert_int_equal(run("run %s --reps 3 --threads %d --no-plots --quiet --out %s/t%d "
                             "--episodes %s/t%d/x.csv --episodes-format ssda903 "
                             "--episodes-returns", SCN, t, d->path, t, d->path, t), 0);
    /* careflow: --episodes-returns is refused (usage, exit 2) */
    assert_int_equal(run("run %s --reps 3 --no-plots --quiet --out %s/u --episodes %s/u/x.csv "
                         "--episodes-returns", SCN, d->path, d->path), 2);
    for (int t = 1; t <= 2; t++)
        assert_int_equal(run("run %s --reps 3 --threads %d --no-plots --quiet --out %s/c%d "
                             "--episodes %s/c%d/x.csv", SCN, t, d->path, t, d->path, t), 0);
    assert_int_equal(run("run %s --reps 3 --threads 2 --no-plots --quiet --out %s/none", SCN,
                         d->path), 0);
    char a[256], b[256];
    const char *names[] = {"x.csv", "x-2021-episodes.csv", "x-2024-header.csv"};
    snprintf(a, sizeof a, "%s/c1/%s", d->path, names[0]);
    snprintf(b, sizeof b, "%s/c2/%s", d->path, names[0]);
    assert_true(same_file(a, b));
    for (int i = 1; i < 3; i++) {
        snprintf(a, sizeof a, "%s/t1/%s", d->path, names[i]);
        snprintf(b, sizeof b, "%s/t2/%s", d->path, names[i]);
        assert_true(same_file(a, b));
    }
    const char *outs[] = {"summary.csv", "replications.csv", "timeseries.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/c1/%s", d->path, outs[i]);
        snprintf(b, sizeof b, "%s/none/%s", d->path, outs[i]);
        assert_true(same_file(a, b));
    }
}

static int is_x1(const char *s) { return !strcmp(s, "X1"); }

/* periods of care reassemble into the care stays; returns repeat open episodes */
static void ssda903_reassembles(void **state)
{
    dir_t *d = *state;
    assert_int_equal(run("run %s --reps 1 --no-plots --quiet --out %s/o --episodes %s/e.csv",
                         SCN, d->path, d->path), 0);
    assert_int_equal(run("run %s --reps 1 --no-plots --quiet --out %s/o "
                         "--episodes %s/s/la.csv --episodes-format ssda903", SCN, d->path,
                         d->path), 0);
    char p[256];
    table_t e, x;
    snprintf(p, sizeof p, "%s/e.csv", d->path);
    load(&e, p);
    snprintf(p, sizeof p, "%s/s/la-episodes.csv", d->path);
    load(&x, p);
    int cc = col(&x, "CHILD"), cd = col(&x, "DECOM"), cdec = col(&x, "DEC");
    int cr = col(&x, "REC"), crne = col(&x, "RNE");
    int ec = col(&e, "child"), es = col(&e, "stage"), est = col(&e, "start"), ee = col(&e, "end");
    /* every period: S, then X1 links, ending at a non-X1 REC or open */
    int periods = 0, j = 0;
    for (int i = 0; i < x.n; i = j) {
        assert_string_equal(x.r[i].f[crne], "S");
        j = i;
        while (is_x1(x.r[j].f[cr])) {
            assert_true(j + 1 < x.n);
            assert_string_equal(x.r[j + 1].f[cc], x.r[j].f[cc]);
            assert_string_equal(x.r[j + 1].f[cd], x.r[j].f[cdec]);
            assert_string_not_equal(x.r[j + 1].f[crne], "S");
            j++;
        }
        /* the period is one care stay of the episodes file, start and end */
        int found = 0;
        for (int k = 0; k < e.n && !found; k++)
            found = !strcmp(e.r[k].f[es], "care") && !strcmp(e.r[k].f[ec], x.r[i].f[cc]) &&
                    !strcmp(e.r[k].f[est], x.r[i].f[cd]) &&
                    !strcmp(e.r[k].f[ee], x.r[j].f[cdec]);
        if (!found) fail_msg("episodes row %d: no care stay %s from %s to '%s'", i + 2,
                             x.r[i].f[cc], x.r[i].f[cd], x.r[j].f[cdec]);
        assert_true(x.r[j].f[cr][0] ? x.r[j].f[cdec][0] != 0 : x.r[j].f[cdec][0] == 0);
        periods++;
        j++;
    }
    int care = 0;
    for (int k = 0; k < e.n; k++) care += !strcmp(e.r[k].f[es], "care");
    assert_int_equal(periods, care);
    table_free(&e);
    table_free(&x);
}

/* DD/MM/YYYY as YYYY-MM-DD (other text unchanged) */
static void dmy_to_iso(char *s)
{
    char out[4096], *o = out;
    for (const char *p = s; *p;) {
        if (strlen(p) >= 10 && p[2] == '/' && p[5] == '/') {
            o += sprintf(o, "%.4s-%.2s-%.2s", p + 6, p + 3, p);
            p += 10;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    strcpy(s, out);
}

static void returns_repeat_and_date_styles(void **state)
{
    dir_t *d = *state;
    assert_int_equal(run("run %s --reps 1 --no-plots --quiet --out %s/o --episodes %s/i/la.csv "
                         "--episodes-format ssda903 --episodes-returns", SCN, d->path, d->path),
                     0);
    assert_int_equal(run("run %s --reps 1 --no-plots --quiet --out %s/o --episodes %s/d/la.csv "
                         "--episodes-format ssda903 --episodes-returns --episodes-dates dmy",
                         SCN, d->path, d->path), 0);
    char p[256];
    /* the same rows in both date styles */
    const char *kinds[] = {"header", "episodes", "uasc"};
    for (int y = 2019; y <= 2024; y++)
        for (int k = 0; k < 3; k++) {
            size_t ni, nd;
            snprintf(p, sizeof p, "%s/i/la-%d-%s.csv", d->path, y, kinds[k]);
            char *iso = slurp(p, &ni);
            snprintf(p, sizeof p, "%s/d/la-%d-%s.csv", d->path, y, kinds[k]);
            char *dmy = slurp(p, &nd);
            assert_non_null(iso);
            assert_non_null(dmy);
            char *a = iso, *b = dmy, *na, *nb;
            for (; a && *a; a = na, b = nb) {
                na = strchr(a, '\n');
                nb = strchr(b, '\n');
                assert_non_null(na);
                assert_non_null(nb);
                *na++ = *nb++ = '\0';
                char line[4096];
                snprintf(line, sizeof line, "%s", b);
                assert_null(strchr(a, '/'));
                dmy_to_iso(line);
                assert_string_equal(line, a);
            }
            free(iso);
            free(dmy);
        }
    /* an episode begun by 31 March Y-1 and in year Y's return is in year Y-1's too,
     * open there */
    long repeated = 0;
    for (int y = 2020; y <= 2024; y++) {
        table_t a, b;
        snprintf(p, sizeof p, "%s/i/la-%d-episodes.csv", d->path, y);
        load(&b, p);
        snprintf(p, sizeof p, "%s/i/la-%d-episodes.csv", d->path, y - 1);
        load(&a, p);
        char ref[16];
        snprintf(ref, sizeof ref, "%d-03-31", y - 1);
        int cc = col(&b, "CHILD"), cd = col(&b, "DECOM"), cdec = col(&b, "DEC");
        int cyr = col(&b, "YEAR");
        for (int i = 0; i < b.n; i++) {
            assert_int_equal(atoi(b.r[i].f[cyr]), y);
            if (strcmp(b.r[i].f[cd], ref) > 0) continue;
            int found = 0;
            for (int k = 0; k < a.n && !found; k++)
                if (!strcmp(a.r[k].f[cc], b.r[i].f[cc]) && !strcmp(a.r[k].f[cd], b.r[i].f[cd])) {
                    found = 1;
                    assert_string_equal(a.r[k].f[cdec], ""); /* not ended by then */
                }
            assert_true(found);
            repeated++;
        }
        table_free(&a);
        table_free(&b);
    }
    assert_true(repeated > 500);
}

/* ssda903 for a scenario without `care`: a usage error before anything is written */
static void ssda903_needs_care(void **state)
{
    dir_t *d = *state;
    assert_int_equal(run("run scenarios/examples/three-stage.yaml --no-plots --quiet "
                         "--out %s/n --episodes %s/n.csv --episodes-format ssda903",
                         d->path, d->path), 2);
    char p[256];
    snprintf(p, sizeof p, "%s/n", d->path);
    assert_int_not_equal(access(p, F_OK), 0);
    /* and a file outside --out is written whole, with no temporaries left */
    assert_int_equal(run("run scenarios/examples/three-stage.yaml --reps 1 --no-plots "
                         "--quiet --out %s/m --episodes %s/sub/m.csv", d->path, d->path), 0);
    snprintf(p, sizeof p, "%s/sub/m.csv", d->path);
    assert_int_equal(access(p, F_OK), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s/sub | grep -v '^m.csv$')\"", d->path);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_stays_are_final_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(next_is_the_following_stay, setup, teardown),
        cmocka_unit_test_setup_teardown(threads_and_outputs_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(ssda903_reassembles, setup, teardown),
        cmocka_unit_test_setup_teardown(returns_repeat_and_date_styles, setup, teardown),
        cmocka_unit_test_setup_teardown(ssda903_needs_care, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
