/* test_text.c: the identifier classes and the shell-quoted command line (sim/text.h).
 * The number reader is checked on a table at the edges of uint64_t (2^64 - 1 =
 * 18446744073709551615). The classes are checked on a table read off the scenario format's definitions; the
 * quoting is checked by the judge nobody here wrote: /bin/sh reads each joined line back
 * and must give the very words it was made from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/mem.h"
#include "tests/failalloc.h"
#include "sim/text.h"

static void names_and_slugs_by_table(void **state)
{
    (void)state;
    static const struct {
        const char *s; /* the text */
        int name;      /* [A-Za-z0-9_-]+ */
        int slug;      /* [a-z0-9][a-z0-9_-]* */
    } cases[] = {
        {"cin", 1, 1},          {"early_help", 1, 1},   {"a-b", 1, 1},
        {"9lives", 1, 1},       {"CP", 1, 0},           {"Care", 1, 0},
        {"_x", 1, 0},           {"-x", 1, 0},           {"", 0, 0},
        {"a b", 0, 0},          {"a.b", 0, 0},          {"caf\xc3\xa9", 0, 0},
        {"a\n", 0, 0},          {"x/y", 0, 0},          {"exit", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (text_is_name(cases[i].s) != cases[i].name ||
            text_is_slug(cases[i].s) != cases[i].slug)
            fail_msg("'%s': name %d slug %d, expected %d %d", cases[i].s,
                     text_is_name(cases[i].s), text_is_slug(cases[i].s), cases[i].name,
                     cases[i].slug);
    }
}

/* Has sh read `line` (as arguments of printf) back into exactly words[0..n)? */
static void sh_reads_back(char *const *words, int n)
{
    char *line = text_shell_join(n, words);
    assert_non_null(line);
    size_t cmdlen = strlen(line) + 32;
    char *cmd = mem_alloc(cmdlen);
    assert_non_null(cmd);
    snprintf(cmd, cmdlen, "printf '%%s\\0' %s", line);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[4096];
    size_t got = fread(buf, 1, sizeof buf, p);
    assert_int_equal(pclose(p), 0);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (off + len >= got || memcmp(buf + off, words[i], len) != 0 || buf[off + len])
            fail_msg("word %d ('%s') did not come back from: %s", i, words[i], line);
        off += len + 1;
    }
    assert_int_equal(off, got);
    mem_free(cmd);
    mem_free(line);
}

static void shell_reads_the_joined_line_back(void **state)
{
    (void)state;
    char *plain[] = {"careflow", "run", "scenarios/a.yaml", "--reps", "4",
                     "--set", "stages.cin.duration.mean=200", "x@y:1,2%+"};
    char *odd[] = {"it's", "", "two words", "$HOME", "`ls`", "a\"b", "back\\slash",
                   "new\nline", "*", "semi;colon", "'", "''", "tab\there", "!bang",
                   "caf\xc3\xa9"};
    sh_reads_back(plain, (int)(sizeof plain / sizeof *plain));
    sh_reads_back(odd, (int)(sizeof odd / sizeof *odd));
}

static void plain_words_are_left_unquoted(void **state)
{
    (void)state;
    char *w[] = {"careflow", "backtest", "data/", "--cutoff=2023-03-31"};
    char *line = text_shell_join(4, w);
    assert_string_equal(line, "careflow backtest data/ --cutoff=2023-03-31");
    mem_free(line);
    char *e[] = {"", "a b", "it's"};
    line = text_shell_join(3, e);
    assert_string_equal(line, "'' 'a b' 'it'\\''s'");
    mem_free(line);
    line = text_shell_join(0, e);
    assert_string_equal(line, "");
    mem_free(line);
}

/* Suggestions: the nearest name within the allowed distance (Damerau's optimal string
 * alignment: a swap of neighbours is one edit, so "cni" is 1 from "cin" and 2 from
 * "cp"), none when nothing is close, the closer of two. */
static void suggest_the_nearest_name(void **state)
{
    (void)state;
    const char *stages[] = {"assessment", "cin", "cp", NULL, "care"};
    char buf[96];
    assert_string_equal(text_suggest(buf, sizeof buf, "cni", stages, 5),
                        " (did you mean 'cin'?)");
    assert_string_equal(text_suggest(buf, sizeof buf, "assesment", stages, 5),
                        " (did you mean 'assessment'?)");
    assert_string_equal(text_suggest(buf, sizeof buf, "crae", stages, 5),
                        " (did you mean 'care'?)");
    assert_string_equal(text_suggest(buf, sizeof buf, "xyz", stages, 5), "");
    assert_string_equal(text_suggest(buf, sizeof buf, "referral", stages, 5), "");
    assert_string_equal(text_suggest(buf, sizeof buf, "cin", stages, 0), "");
}

/* Decimal integers as a command line gives them: digits only; 2^64 - 1 the largest. */
static void parse_u64_takes_digits_only(void **state)
{
    (void)state;
    static const struct {
        const char *s;   /* the text */
        uint64_t lo, hi; /* the range */
        int ok;          /* read? */
        uint64_t v;      /* the value when read */
    } cases[] = {
        {"0", 0, 10, 1, 0},
        {"007", 0, 10, 1, 7},
        {"10", 0, 10, 1, 10},
        {"11", 0, 10, 0, 0},
        {"0", 1, 10, 0, 0},
        {"18446744073709551615", 0, UINT64_MAX, 1, UINT64_MAX},
        {"18446744073709551616", 0, UINT64_MAX, 0, 0},
        {"99999999999999999999999", 0, UINT64_MAX, 0, 0},
        {"", 0, 10, 0, 0},
        {"-1", 0, UINT64_MAX, 0, 0},
        {"+1", 0, 10, 0, 0},
        {" 1", 0, 10, 0, 0},
        {"1 ", 0, 10, 0, 0},
        {"1.0", 0, 10, 0, 0},
        {"0x1", 0, 10, 0, 0},
        {"1e3", 0, 10000, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 12345;
        int rc = text_parse_u64(cases[i].s, cases[i].lo, cases[i].hi, &v);
        if ((rc == 0) != cases[i].ok || (rc == 0 && v != cases[i].v) || (rc != 0 && v != 12345))
            fail_msg("'%s': rc %d value %llu", cases[i].s, rc, (unsigned long long)v);
    }
}

/* A growing text holds exactly what was appended, across many reallocations; an append
 * that cannot get memory leaves it as it was, marks it, and every later one does nothing. */
static void text_buf_grows_and_fails_cleanly(void **state)
{
    (void)state;
    text_buf_t b = {0};
    char *want = calloc(1, 200000);
    assert_non_null(want);
    size_t n = 0;
    for (int i = 0; i < 20000; i++) {
        if (i % 3)
            text_buf_printf(&b, "%d,", i);
        else
            text_buf_put(&b, "ab\0cd", 2); /* n bytes, not up to a NUL */
        n += (size_t)(i % 3 ? sprintf(want + n, "%d,", i) : sprintf(want + n, "ab"));
    }
    assert_false(b.oom);
    assert_int_equal(b.len, n);
    assert_int_equal(strlen(b.s), n);
    assert_memory_equal(b.s, want, n + 1);
    /* the next growth fails: the text stays, marked, and later appends add nothing */
    failalloc_t a;
    failalloc_begin(&a, 1);
    while (!b.oom)
        text_buf_printf(&b, "%s", "0123456789abcdef0123456789abcdef");
    failalloc_end();
    size_t kept = b.len;
    assert_int_equal(strlen(b.s), kept);
    assert_memory_equal(b.s, want, n);
    text_buf_put(&b, "x", 1);
    text_buf_printf(&b, "y");
    assert_int_equal(b.len, kept);
    mem_free(b.s);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_slugs_by_table),
        cmocka_unit_test(shell_reads_the_joined_line_back),
        cmocka_unit_test(plain_words_are_left_unquoted),
        cmocka_unit_test(parse_u64_takes_digits_only),
        cmocka_unit_test(suggest_the_nearest_name),
        cmocka_unit_test(text_buf_grows_and_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
