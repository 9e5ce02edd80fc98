/* test_fuzz_regressions.c: every input the fuzzers found (tests/fuzz/regressions/),
 * replayed through the same harness code (tests/fuzz/harness.c) in the normal build.
 *
 * tests/fuzz/regressions/HARNESS/NAME is one input of harness HARNESS ("load",
 * "include", "set", "csv", "records", "initial"; harness.h says what its bytes mean). Each is run in a child
 * process, so a reproducer that crashes is reported by name and the rest still run.
 * One case per harness, named after it: it fails if any of its inputs crashes the
 * loader or breaks its contract (an error that is not one "FILE:LINE:COL: error:"
 * line, a scenario not freed, ...).
 *
 * tests/fuzz/regressions/OPEN lists, one "HARNESS/NAME" a line (then a tab and the
 * finding; "#" starts a comment), the reproducers whose loader fix has not landed:
 * they are replayed and printed ("open: ..."), but do not fail the test until their
 * line is removed. One that passes is printed "fixed: ... (remove its line from
 * OPEN)". See tests/fuzz/README.md. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/mem.h"
#include "tests/fuzz/harness.h"

#define REG_DIR "tests/fuzz/regressions"
#define OPEN_FILE REG_DIR "/OPEN"

/* Reads a whole file into a new buffer (*len bytes, NUL after them). NULL on failure. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            uint8_t *nb = mem_realloc(buf, cap = 2 * cap + 4096 + 1);
            if (!nb)
                break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            int ok = !ferror(f);
            fclose(f);
            if (!ok) {
                mem_free(buf);
                return NULL;
            }
            buf[n] = 0;
            *len = n;
            return buf;
        }
    }
    fclose(f);
    mem_free(buf);
    return NULL;
}

/* Is "harness/name" listed at the start of a line of OPEN? */
static int is_open(const char *open, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = open; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, id, n) && (p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || !p[n]))
            return 1;
    return 0;
}

/* Replays one input in a child. Returns 0 if the contract held, else -1 with the reason
 * printed (the violation, or the signal that killed the child). */
static int replay(const char *harness, const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* cmocka's handlers would turn a crash into a test failure inside the child,
         * which would then run on as a second test runner: crash for real instead */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        harness_t h = {.mode = harness};
        char why[2 * HARNESS_ERRLEN];
        size_t len;
        uint8_t *data = slurp(path, &len);
        int rc = -1;
        if (!data)
            snprintf(why, sizeof why, "cannot read the file");
        else if (harness_init(&h, harness, why, sizeof why) == 0)
            rc = harness_run(&h, data, len, why, sizeof why);
        harness_cleanup(&h);
        mem_free(data);
        if (rc < 0)
            printf("    %s: %s\n", path, why);
        fflush(stdout);
        _exit(rc < 0);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    if (WIFSIGNALED(st)) {
        printf("    %s: crashed with signal %d\n", path, WTERMSIG(st));
        return -1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Replays every input of one harness; fails on any failure not listed in OPEN. */
static void replay_all(const char *harness)
{
    char dir[256], path[512], id[300];
    struct dirent **ents;
    size_t open_len;
    uint8_t *open = slurp(OPEN_FILE, &open_len); /* NULL: nothing open */
    int failed = 0, n_inputs = 0;

    snprintf(dir, sizeof dir, "%s/%s", REG_DIR, harness);
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        fail_msg("cannot list %s (run the tests from the repository's top folder)", dir);
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
            snprintf(id, sizeof id, "%s/%s", harness, ents[i]->d_name);
            int listed = open && is_open((const char *)open, id);
            int rc = replay(harness, path);
            n_inputs++;
            if (rc < 0 && listed)
                printf("    open: %s (listed in OPEN)\n", id);
            else if (rc == 0 && listed)
                printf("    fixed: %s passes (remove its line from OPEN)\n", id);
            else if (rc < 0)
                failed++;
        }
        free(ents[i]); /* scandir's memory */
    }
    free(ents);
    mem_free(open);
    printf("    %s: %d inputs replayed\n", harness, n_inputs);
    if (failed)
        fail_msg("%d input(s) of %s broke the loader's contract (see above)", failed, dir);
}

static void regressions_load(void **state)
{
    (void)state;
    replay_all("load");
}

static void regressions_include(void **state)
{
    (void)state;
    replay_all("include");
}

static void regressions_set(void **state)
{
    (void)state;
    replay_all("set");
}

static void regressions_csv(void **state)
{
    (void)state;
    replay_all("csv");
}

static void regressions_records(void **state)
{
    (void)state;
    replay_all("records");
}

static void regressions_initial(void **state)
{
    (void)state;
    replay_all("initial");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regressions_load),
        cmocka_unit_test(regressions_include),
        cmocka_unit_test(regressions_set),
        cmocka_unit_test(regressions_csv),
        cmocka_unit_test(regressions_records),
        cmocka_unit_test(regressions_initial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
