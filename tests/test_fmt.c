/* test_fmt.c: the number formatter and the CSV/JSON field writers (sim/fmt.h), as
 * tables of input and expected text. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/fmt.h"

/* What f writes for one input, as a string (caller frees). */
static char *capture_num(double x)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    assert_non_null(f);
    fmt_num(f, x);
    assert_int_equal(fclose(f), 0);
    return s;
}

static char *capture_str(void (*w)(FILE *, const char *), const char *in)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    assert_non_null(f);
    w(f, in);
    assert_int_equal(fclose(f), 0);
    return s;
}

static void numbers_have_ten_digits_and_nan_is_empty(void **state)
{
    static const struct {
        double x;
        const char *want;
    } cases[] = {
        {0.0, "0"},          {-0.0, "0"},
        {1.0 / 3, "0.3333333333"}, {-2.5, "-2.5"},
        {1e300, "1e+300"},   {123456789012.0, "1.23456789e+11"},
        {42, "42"},          {1e-7, "1e-07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = capture_num(cases[i].x), buf[32];
        assert_string_equal(s, cases[i].want);
        assert_string_equal(fmt_num_str(buf, sizeof buf, cases[i].x), cases[i].want);
        free(s);
    }
    char *s = capture_num(NAN), buf[8] = "junk";
    assert_string_equal(s, "");
    assert_string_equal(fmt_num_str(buf, sizeof buf, NAN), "");
    free(s);
    s = capture_num(INFINITY);
    assert_string_equal(s, "inf");
    free(s);
}

static void csv_fields_quote_only_when_they_must(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"cin", "cin"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = capture_str(fmt_field, cases[i].in);
        assert_string_equal(s, cases[i].want);
        free(s);
    }
}

static void json_strings_are_escaped_and_valid_utf8(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "\"plain\""},
        {"q\"b\\", "\"q\\\"b\\\\\""},
        {"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
        {"\x01", "\"\\u0001\""},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},           /* 2 bytes kept */
        {"\xe2\x82\xac", "\"\xe2\x82\xac\""},          /* euro sign kept */
        {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},  /* 4 bytes kept */
        {"\xff", "\"\\ufffd\""},                       /* never valid */
        {"\xc3", "\"\\ufffd\""},                       /* cut short */
        {"\xc0\xaf", "\"\\ufffd\\ufffd\""},            /* overlong */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = capture_str(fmt_json_str, cases[i].in);
        assert_string_equal(s, cases[i].want);
        free(s);
    }
    char *s = capture_str(fmt_json_str, NULL);
    assert_string_equal(s, "\"\"");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_have_ten_digits_and_nan_is_empty),
        cmocka_unit_test(csv_fields_quote_only_when_they_must),
        cmocka_unit_test(json_strings_are_escaped_and_valid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
