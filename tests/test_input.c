/* test_input.c: sim/input (reading one input file safely) and sim/utf8.
 *
 * - reads_and_hashes: a regular file's bytes, NUL-terminated, with the SHA-256 of
 *   exactly those bytes (as sha256_file_hex gives);
 * - refuses_what_is_not_a_file: a FIFO (at once, in a child under alarm(), where a
 *   plain read would wait for a writer forever), a directory, /dev/null (SIM_EINVAL,
 *   "not a regular file"), a missing path (SIM_EINVAL with the system's text);
 * - byte_limit: a file of max_bytes is read, one byte more is SIM_ERANGE;
 * - utf8_decoder: valid sequences, overlong forms, surrogates, above U+10FFFF,
 *   truncated sequences; counting characters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/err.h"
#include "sim/input.h"
#include "sim/sha256.h"
#include "sim/utf8.h"

static int setup(void **state)
{
    char *dir = strdup("/tmp/careflow-test-input-XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char *dir = *state, p[256];
    static const char *const names[] = {"f.txt", "fifo", "sub", "big"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    int rc = rmdir(dir);
    free(dir);
    return rc;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void reads_and_hashes(void **state)
{
    char p[256], hex[65], why[128];
    input_t in;
    snprintf(p, sizeof p, "%s/f.txt", (char *)*state);
    write_file(p, "a,b\n1,2\n", 8);
    assert_int_equal(input_read(p, 1000, &in, why, sizeof why), 0);
    assert_int_equal(in.len, 8);
    assert_memory_equal(in.data, "a,b\n1,2\n", 9); /* with its NUL */
    assert_int_equal(sha256_file_hex(p, hex), 0);
    assert_string_equal(in.sha256, hex);
    input_free(&in);
    assert_null(in.data);
    write_file(p, "", 0); /* empty: a valid read of 0 bytes */
    assert_int_equal(input_read(p, 1000, &in, why, sizeof why), 0);
    assert_int_equal(in.len, 0);
    assert_string_equal(in.data, "");
    input_free(&in);
}

static int read_fifo(const char *p)
{
    char why[128] = "";
    input_t in;
    int rc = input_read(p, 1000, &in, why, sizeof why);
    if (rc != SIM_EINVAL || strcmp(why, "not a regular file") != 0 || in.data) {
        fprintf(stderr, "fifo: rc %d, \"%s\"\n", rc, why);
        return 1;
    }
    return 0;
}

static void refuses_what_is_not_a_file(void **state)
{
    char p[256], why[128];
    input_t in;
    snprintf(p, sizeof p, "%s/fifo", (char *)*state);
    assert_int_equal(mkfifo(p, 0600), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(5);
        _exit(read_fifo(p));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("a FIFO was not refused at once (status %d)", status);

    snprintf(p, sizeof p, "%s/sub", (char *)*state);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(input_read(p, 1000, &in, why, sizeof why), SIM_EINVAL);
    assert_string_equal(why, "not a regular file");
    assert_null(in.data);
    if (access("/dev/null", R_OK) == 0) {
        assert_int_equal(input_read("/dev/null", 1000, &in, why, sizeof why), SIM_EINVAL);
        assert_string_equal(why, "not a regular file");
    }
    snprintf(p, sizeof p, "%s/missing", (char *)*state);
    assert_int_equal(input_read(p, 1000, &in, why, sizeof why), SIM_EINVAL);
    assert_true(why[0] != 0);
    assert_null(in.data);
}

static void byte_limit(void **state)
{
    char p[256], why[128], buf[5000];
    input_t in;
    memset(buf, 'x', sizeof buf);
    snprintf(p, sizeof p, "%s/big", (char *)*state);
    write_file(p, buf, 4097);
    assert_int_equal(input_read(p, 4097, &in, why, sizeof why), 0); /* at the limit */
    assert_int_equal(in.len, 4097);
    input_free(&in);
    assert_int_equal(input_read(p, 4096, &in, why, sizeof why), SIM_ERANGE);
    assert_string_equal(why, "larger than 4096 bytes");
    assert_null(in.data);
    assert_int_equal(input_read(p, 0, &in, why, sizeof why), SIM_ERANGE);
}

static void utf8_decoder(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len; /* expected utf8_len of the first sequence */
    } cases[] = {
        {"a", 1},
        {"\xc3\xa9", 2},          /* e acute */
        {"\xe2\x82\xac", 3},      /* euro sign */
        {"\xf0\x9f\x98\x80", 4},  /* U+1F600 */
        {"\xc0\xaf", 0},          /* overlong '/' */
        {"\xe0\x80\xaf", 0},      /* overlong, 3 bytes */
        {"\xed\xa0\x80", 0},      /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0},  /* above U+10FFFF */
        {"\xe2\x82", 0},          /* truncated */
        {"\x80", 0},              /* a lone continuation byte */
        {"\xff", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const unsigned char *u = (const unsigned char *)cases[i].s;
        if (utf8_len(u, strlen(cases[i].s)) != cases[i].len)
            fail_msg("case %zu: utf8_len %zu, expected %zu", i,
                     utf8_len(u, strlen(cases[i].s)), cases[i].len);
    }
    const char *mixed = "a\xc3\xa9\xe2\x82\xac\xff!"; /* a, e, euro, bad byte, ! */
    assert_int_equal(utf8_count(mixed, strlen(mixed)), 5);
    assert_int_equal(utf8_count("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reads_and_hashes, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_what_is_not_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(byte_limit, setup, teardown),
        cmocka_unit_test(utf8_decoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
