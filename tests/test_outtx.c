/* test_outtx.c: the output transaction (sim/outtx.h), in process: a set appears whole
 * or not at all, the lock, leftovers of dead runs, symlinks never followed, the
 * checks before the swap, and both ways of swapping. Each case works in its own
 * mkdtemp() folder, removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/err.h"
#include "sim/outtx.h"

static const char *const owned[] = {"a.csv", "b.csv", "plots", NULL};

typedef struct dir {
    char root[PATH_MAX]; /* the case's folder */
    char out[PATH_MAX];  /* root/out: the output folder */
} dir_t;

static void pathf(char *buf, const dir_t *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, const dir_t *d, const char *fmt, ...)
{
    char rel[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    snprintf(buf, PATH_MAX, "%.2000s/%.2000s", d->root, rel);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* The text of root/rel, or "" if missing (a static buffer). */
static const char *get(const dir_t *d, const char *rel)
{
    static char text[4096];
    char path[PATH_MAX];
    pathf(path, d, "%s", rel);
    FILE *f = fopen(path, "r");
    text[0] = '\0';
    if (!f)
        return text;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static int present(const dir_t *d, const char *rel)
{
    char path[PATH_MAX];
    struct stat st;
    pathf(path, d, "%s", rel);
    return lstat(path, &st) == 0;
}

/* Entries of root whose name starts with prefix. */
static int count_prefix(const dir_t *d, const char *prefix)
{
    DIR *dd = opendir(d->root);
    struct dirent *e;
    int n = 0;
    assert_non_null(dd);
    while ((e = readdir(dd)) != NULL)
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(dd);
    return n;
}

static int writer(FILE *f, void *ctx)
{
    fputs(ctx, f);
    return 0;
}

/* A whole transaction into out writing a.csv and b.csv with the given texts. */
static int write_set_to(const char *out, const char *a, const char *b, int no_exchange)
{
    outtx_t tx;
    char err[512];
    int rc = outtx_begin(&tx, out, "test", owned, err, sizeof err);
    if (rc)
        return rc;
    tx.no_exchange = no_exchange;
    if (!(rc = outtx_write(&tx, "a.csv", writer, (void *)a, err, sizeof err)) &&
        !(rc = outtx_write(&tx, "b.csv", writer, (void *)b, err, sizeof err)))
        rc = outtx_commit(&tx, err, sizeof err);
    outtx_abort(&tx);
    return rc;
}

/* write_set_to the case's output folder. */
static int write_set(const dir_t *d, const char *a, const char *b, int no_exchange)
{
    return write_set_to(d->out, a, b, no_exchange);
}

static int setup(void **state)
{
    dir_t *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->root, sizeof d->root, "%s/careflow-outtx-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(d->root))
        return -1;
    snprintf(d->out, sizeof d->out, "%.4000s/out", d->root);
    *state = d;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    dir_t *d = *state;
    nftw(d->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
    return 0;
}

/* ---- cases ------------------------------------------------------------------------- */

static void new_set_appears_whole(void **state)
{
    dir_t *d = *state;
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
    assert_string_equal(get(d, "out/b.csv"), "b1\n");
    assert_int_equal(count_prefix(d, ".out.new-"), 0);
    assert_int_equal(count_prefix(d, ".out.old-"), 0);
    assert_true(present(d, ".out.lock"));
}

static void replaces_old_set_both_ways(void **state)
{
    dir_t *d = *state;
    char path[PATH_MAX];
    for (int no_exchange = 0; no_exchange < 2; no_exchange++) {
        assert_int_equal(write_set(d, "a1\n", "b1\n", no_exchange), 0);
        pathf(path, d, "out/plots"); /* owned, not in the new set: goes */
        assert_int_equal(mkdir(path, 0755), 0);
        pathf(path, d, "out/nested"); /* foreign: kept */
        assert_int_equal(mkdir(path, 0755), 0);
        pathf(path, d, "out/nested/x");
        put(path, "x\n");
        assert_int_equal(write_set(d, "a2\n", "b2\n", no_exchange), 0);
        assert_string_equal(get(d, "out/a.csv"), "a2\n");
        assert_string_equal(get(d, "out/b.csv"), "b2\n");
        assert_false(present(d, "out/plots"));
        assert_string_equal(get(d, "out/nested/x"), "x\n");
        assert_int_equal(count_prefix(d, ".out.old-"), 0);
        pathf(path, d, "out/nested/x");
        unlink(path);
        pathf(path, d, "out/nested");
        rmdir(path);
    }
}

static void failed_file_leaves_old_set(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512];
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    tx.fail_at = 2;
    assert_int_equal(outtx_write(&tx, "a.csv", writer, "a2\n", err, sizeof err), 0);
    assert_int_equal(outtx_write(&tx, "b.csv", writer, "b2\n", err, sizeof err), SIM_EIO);
    assert_non_null(strstr(err, "b.csv"));
    outtx_abort(&tx);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
    assert_string_equal(get(d, "out/b.csv"), "b1\n");
    assert_int_equal(count_prefix(d, ".out.new-"), 0);
}

static void empty_file_is_refused(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512];
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    assert_int_equal(outtx_write(&tx, "a.csv", writer, "", err, sizeof err), 0);
    assert_int_equal(outtx_commit(&tx, err, sizeof err), SIM_EIO);
    assert_non_null(strstr(err, "a.csv is empty"));
    outtx_abort(&tx);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
}

static void second_transaction_is_busy(void **state)
{
    dir_t *d = *state;
    outtx_t a, b;
    char err[512];
    assert_int_equal(outtx_begin(&a, d->out, "test", owned, err, sizeof err), 0);
    assert_int_equal(outtx_begin(&b, d->out, "test", owned, err, sizeof err), SIM_EBUSY);
    assert_non_null(strstr(err, "another careflow is writing"));
    outtx_abort(&b); /* harmless: b holds nothing */
    outtx_abort(&a);
    assert_int_equal(outtx_begin(&b, d->out, "test", owned, err, sizeof err), 0); /* released */
    outtx_abort(&b);
}

static void symlink_in_staging_is_not_followed(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], target[PATH_MAX], link[PATH_MAX];
    pathf(target, d, "victim");
    put(target, "precious\n");
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    snprintf(link, sizeof link, "%s/a.csv", outtx_dir(&tx));
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(outtx_write(&tx, "a.csv", writer, "evil\n", err, sizeof err), SIM_EIO);
    outtx_abort(&tx);
    assert_string_equal(get(d, "victim"), "precious\n");
    assert_false(present(d, "out"));
}

static void leftovers_are_cleaned(void **state)
{
    dir_t *d = *state;
    char path[PATH_MAX];
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    /* a dead run's incomplete set, a complete old set with a foreign folder, and an
     * old-style temporary in OUT */
    pathf(path, d, ".out.new-AAAAAA");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, d, ".out.new-AAAAAA/a.csv");
    put(path, "half");
    pathf(path, d, ".out.old-BBBBBB");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, d, ".out.old-BBBBBB/a.csv");
    put(path, "a0\n");
    pathf(path, d, ".out.old-BBBBBB/sens");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, d, "out/.a.csv.tmp.4242");
    put(path, "half");
    pathf(path, d, ".other.new-CCCCCC"); /* another folder's: not ours */
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(write_set(d, "a2\n", "b2\n", 0), 0);
    assert_int_equal(count_prefix(d, ".out.new-"), 0);
    assert_int_equal(count_prefix(d, ".out.old-"), 0);
    assert_false(present(d, "out/.a.csv.tmp.4242"));
    assert_true(present(d, "out/sens")); /* carried from the old set */
    assert_true(present(d, ".other.new-CCCCCC"));
    assert_string_equal(get(d, "out/a.csv"), "a2\n");
}

static void swap_cut_short_is_rolled_forward(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], path[PATH_MAX];
    /* OUT renamed away and the process killed before the new set came in */
    pathf(path, d, ".out.old-DDDDDD");
    assert_int_equal(mkdir(path, 0755), 0);
    pathf(path, d, ".out.old-DDDDDD/a.csv");
    put(path, "a0\n");
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    assert_string_equal(get(d, "out/a.csv"), "a0\n"); /* a complete set is OUT again */
    outtx_abort(&tx);
    assert_string_equal(get(d, "out/a.csv"), "a0\n");
}

/* A sibling folder out.old-2024 has the lock file .out.old-2024.lock and the staging
 * folder .out.old-2024.new-XXXXXX, which look like out's .out.old-* but are not. Once
 * the lock file became `out` (a regular file: every later run failed "Not a
 * directory"). */
static void sibling_lock_is_not_ours(void **state)
{
    dir_t *d = *state;
    char sib[PATH_MAX], path[PATH_MAX];
    pathf(sib, d, "out.old-2024");
    assert_int_equal(write_set_to(sib, "s1\n", "s1\n", 0), 0);
    assert_true(present(d, ".out.old-2024.lock"));
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
    assert_true(present(d, ".out.old-2024.lock"));
    assert_int_equal(write_set(d, "a2\n", "b2\n", 0), 0);
    assert_string_equal(get(d, "out/a.csv"), "a2\n");
    assert_string_equal(get(d, "out.old-2024/a.csv"), "s1\n");
    /* a file with a transaction folder's very name is not one either */
    pathf(path, d, ".out.old-EEEEEE");
    put(path, "not a set\n");
    assert_int_equal(write_set(d, "a3\n", "b3\n", 0), 0);
    assert_string_equal(get(d, ".out.old-EEEEEE"), "not a set\n");
    assert_string_equal(get(d, "out/a.csv"), "a3\n");
}

/* With out present and the sibling's run paused before its commit (its lock file and
 * staging folder there), out's clean-up once failed "cannot clean what an earlier run
 * left". */
static void sibling_staging_is_not_ours(void **state)
{
    dir_t *d = *state;
    outtx_t s;
    char err[512], sib[PATH_MAX];
    pathf(sib, d, "out.old-2024");
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_int_equal(outtx_begin(&s, sib, "test", owned, err, sizeof err), 0);
    assert_int_equal(outtx_write(&s, "a.csv", writer, "s1\n", err, sizeof err), 0);
    assert_int_equal(write_set(d, "a2\n", "b2\n", 0), 0);
    assert_int_equal(outtx_commit(&s, err, sizeof err), 0);
    outtx_abort(&s);
    assert_string_equal(get(d, "out/a.csv"), "a2\n");
    assert_string_equal(get(d, "out.old-2024/a.csv"), "s1\n");
}

/* A set holds the marker naming its command; another command refuses it (its files
 * would be carried into the new set: a mix). Without a marker (an older careflow's
 * set), as before. */
static void another_commands_set_is_refused(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], path[PATH_MAX];
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_string_equal(get(d, "out/" OUTTX_MARKER), "test\n");
    assert_int_equal(outtx_begin(&tx, d->out, "other", owned, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, "holds the outputs of `careflow test`; give other its own --out"));
    assert_int_equal(count_prefix(d, ".out.new-"), 0);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
    assert_int_equal(write_set(d, "a2\n", "b2\n", 0), 0); /* the same command: replaced */
    assert_string_equal(get(d, "out/a.csv"), "a2\n");
    pathf(path, d, "out/" OUTTX_MARKER);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(outtx_begin(&tx, d->out, "other", owned, err, sizeof err), 0);
    outtx_abort(&tx);
}

/* A set nested in OUT (out/inner) written first: OUT then holds only the nested set and
 * its lock file, and may become a set around it. */
static void nested_set_may_come_first(void **state)
{
    dir_t *d = *state;
    char inner[PATH_MAX];
    pathf(inner, d, "out/inner");
    assert_int_equal(write_set_to(inner, "i1\n", "i1\n", 0), 0);
    assert_true(present(d, "out/.inner.lock"));
    assert_int_equal(write_set(d, "a1\n", "b1\n", 0), 0);
    assert_string_equal(get(d, "out/a.csv"), "a1\n");
    assert_string_equal(get(d, "out/inner/a.csv"), "i1\n");
    assert_int_equal(write_set_to(inner, "i2\n", "i2\n", 0), 0);
    assert_int_equal(write_set(d, "a2\n", "b2\n", 0), 0);
    assert_string_equal(get(d, "out/inner/a.csv"), "i2\n");
}

/* The open files of this process. */
static int open_fds(void)
{
    DIR *dd = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    assert_non_null(dd);
    while ((e = readdir(dd)) != NULL)
        n += e->d_name[0] != '.';
    closedir(dd);
    return n;
}

/* A set nested deeper than the check goes fails the commit and leaks no descriptor
 * (the folder 17 deep was opened and never closed). */
static void too_deep_a_set_leaks_nothing(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], rel[PATH_MAX] = "";
    int before = open_fds();
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    for (int i = 0; i < 18; i++) {
        strcat(rel, i ? "/p" : "plots");
        assert_int_equal(outtx_mkdir(&tx, rel, err, sizeof err), 0);
    }
    assert_int_equal(outtx_commit(&tx, err, sizeof err), SIM_EIO);
    outtx_abort(&tx);
    assert_int_equal(open_fds(), before);
    assert_false(present(d, "out"));
}

/* Committing a transaction never begun is refused, not a crash. */
static void commit_of_a_zeroed_tx_is_refused(void **state)
{
    outtx_t tx;
    char err[512];
    memset(&tx, 0, sizeof tx);
    assert_int_equal(outtx_commit(&tx, err, sizeof err), SIM_EINVAL);
    outtx_abort(&tx);
}

/* Swapping with two renames: the new set cannot come in; the old set is put back, or
 * (when that fails too) the message says where it is, and the next run makes it OUT
 * again. */
static void failed_swap_says_where_the_old_set_is(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512];
    assert_int_equal(write_set(d, "a1\n", "b1\n", 1), 0);
    for (int fail = 1; fail <= 2; fail++) {
        assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
        assert_int_equal(outtx_write(&tx, "a.csv", writer, "a2\n", err, sizeof err), 0);
        tx.no_exchange = 1;
        tx.fail_swap = fail;
        assert_int_equal(outtx_commit(&tx, err, sizeof err), SIM_EIO);
        outtx_abort(&tx);
        if (fail == 1) {
            assert_non_null(strstr(err, "left as it was"));
            assert_string_equal(get(d, "out/a.csv"), "a1\n");
            assert_int_equal(count_prefix(d, ".out.old-"), 0);
        } else {
            assert_null(strstr(err, "left as it was"));
            assert_non_null(strstr(err, "the earlier set is in "));
            assert_non_null(strstr(err, "/.out.old-"));
            assert_false(present(d, "out"));
            assert_int_equal(count_prefix(d, ".out.old-"), 1);
        }
    }
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), 0);
    assert_string_equal(get(d, "out/a.csv"), "a1\n"); /* put back by the clean-up */
    outtx_abort(&tx);
}

static void foreign_folder_is_refused(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], path[PATH_MAX];
    assert_int_equal(mkdir(d->out, 0755), 0);
    pathf(path, d, "out/notes.txt");
    put(path, "mine\n");
    assert_int_equal(outtx_begin(&tx, d->out, "test", owned, err, sizeof err), SIM_EINVAL);
    assert_string_equal(get(d, "out/notes.txt"), "mine\n");
    assert_int_equal(outtx_begin(&tx, d->root, "test", owned, err, sizeof err), SIM_EINVAL);
    assert_int_equal(outtx_begin(&tx, "/", "test", owned, err, sizeof err), SIM_EINVAL);
}

static void out_under_a_file_fails(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], path[PATH_MAX];
    pathf(path, d, "file");
    put(path, "x\n");
    pathf(path, d, "file/out");
    assert_int_equal(outtx_begin(&tx, path, "test", owned, err, sizeof err), SIM_EIO);
    assert_non_null(strstr(err, "Not a directory"));
}

static void missing_parent_is_created(void **state)
{
    dir_t *d = *state;
    outtx_t tx;
    char err[512], path[PATH_MAX];
    pathf(path, d, "x/y/out");
    assert_int_equal(outtx_begin(&tx, path, "test", owned, err, sizeof err), 0);
    assert_int_equal(outtx_mkdir(&tx, "plots", err, sizeof err), 0);
    assert_int_equal(outtx_write(&tx, "plots/p.svg", writer, "<svg/>", err, sizeof err), 0);
    assert_int_equal(outtx_write(&tx, "../escape", writer, "x", err, sizeof err), SIM_EINVAL);
    assert_int_equal(outtx_commit(&tx, err, sizeof err), 0);
    assert_int_equal(outtx_commit(&tx, err, sizeof err), SIM_EINVAL); /* once only */
    outtx_abort(&tx);
    assert_string_equal(get(d, "x/y/out/plots/p.svg"), "<svg/>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_set_appears_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(replaces_old_set_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_file_leaves_old_set, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(second_transaction_is_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(symlink_in_staging_is_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(leftovers_are_cleaned, setup, teardown),
        cmocka_unit_test_setup_teardown(swap_cut_short_is_rolled_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(sibling_lock_is_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(sibling_staging_is_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(another_commands_set_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(nested_set_may_come_first, setup, teardown),
        cmocka_unit_test_setup_teardown(too_deep_a_set_leaks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_of_a_zeroed_tx_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_swap_says_where_the_old_set_is, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(foreign_folder_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(out_under_a_file_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_parent_is_created, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
