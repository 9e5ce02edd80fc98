/* test_csv.c: the RFC 4180 reader (sim/csv) on RFC 4180's own examples, the edges
 * around them (missing final line break, empty fields, blank lines, a lone CR, UTF-8
 * columns, CSV_TRIM) and every malformed case it names, each from a memory buffer and
 * from a FILE; plus a failing FILE, a failing allocator at every allocation, and the
 * limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/csv.h"
#include "sim/err.h"
#include "sim/mem.h"

/* Renders every record of the reader as "LINE:COL=TEXT" fields joined by '|' (a quoted
 * field's TEXT in <>), records ended by ';'; a failure appends "!LINE:COL:WHY". */
static void render(csv_t *r, char *out, size_t len)
{
    const csv_field_t *f;
    size_t used = 0;
    int n;

    out[0] = '\0';
    while ((n = csv_next(r, &f)) > 0) {
        for (int k = 0; k < n; k++)
            used += (size_t)snprintf(out + used, len - used, "%s%ld:%ld=%s%s%s",
                                     k ? "|" : "", f[k].line, f[k].col,
                                     f[k].quoted ? "<" : "", f[k].s, f[k].quoted ? ">" : "");
        used += (size_t)snprintf(out + used, len - used, ";");
        assert_true(used < len);
    }
    assert_null(f);
    if (n < 0) {
        long line, col;
        const char *why = csv_why(r, &line, &col);

        snprintf(out + used, len - used, "!%ld:%ld:%s", line, col, why);
        assert_int_equal(csv_next(r, &f), n); /* a failure is sticky */
    }
}

static void render_mem(const char *in, size_t len, const csv_opts_t *o, char *out, size_t n)
{
    csv_t *r;

    assert_int_equal(csv_open_mem(&r, in, len, o), 0);
    render(r, out, n);
    csv_close(r);
}

static void render_file(const char *in, size_t len, const csv_opts_t *o, char *out, size_t n)
{
    FILE *f = tmpfile();
    csv_t *r;

    assert_non_null(f);
    assert_int_equal(fwrite(in, 1, len, f), len);
    rewind(f);
    assert_int_equal(csv_open_file(&r, f, o), 0);
    render(r, out, n);
    csv_close(r);
    fclose(f);
}

#define T CSV_TRIM
#define B CSV_SKIP_BLANK

static const struct {
    const char *name;   /* what it probes */
    const char *in;     /* the input */
    size_t len;         /* its length if it holds a NUL, else 0 */
    unsigned flags;     /* opts.flags */
    size_t max_field;   /* opts.max_field */
    int max_fields;     /* opts.max_fields */
    const char *want;   /* render()'s output */
} cases[] = {
    /* RFC 4180 section 2, examples 1 to 7 */
    {"rfc_crlf", "aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n", 0, 0, 0, 0,
     "1:1=aaa|1:5=bbb|1:9=ccc;2:1=zzz|2:5=yyy|2:9=xxx;"},
    {"rfc_no_final_break", "aaa,bbb,ccc\r\nzzz,yyy,xxx", 0, 0, 0, 0,
     "1:1=aaa|1:5=bbb|1:9=ccc;2:1=zzz|2:5=yyy|2:9=xxx;"},
    {"rfc_header", "field_name,field_name,field_name\r\naaa,bbb,ccc\r\n", 0, 0, 0, 0,
     "1:1=field_name|1:12=field_name|1:23=field_name;2:1=aaa|2:5=bbb|2:9=ccc;"},
    {"rfc_spaces_are_text", "aaa, b ,ccc\n", 0, 0, 0, 0, "1:1=aaa|1:5= b |1:9=ccc;"},
    {"rfc_quoted", "\"aaa\",\"bbb\",\"ccc\"\r\nzzz,yyy,xxx", 0, 0, 0, 0,
     "1:1=<aaa>|1:7=<bbb>|1:13=<ccc>;2:1=zzz|2:5=yyy|2:9=xxx;"},
    {"rfc_embedded_crlf", "\"aaa\",\"b\r\nbb\",\"ccc\"\r\nzzz,yyy,xxx", 0, 0, 0, 0,
     "1:1=<aaa>|1:7=<b\r\nbb>|2:5=<ccc>;3:1=zzz|3:5=yyy|3:9=xxx;"},
    {"rfc_doubled_quote", "\"aaa\",\"b\"\"bb\",\"ccc\"", 0, 0, 0, 0,
     "1:1=<aaa>|1:7=<b\"bb>|1:15=<ccc>;"},
    {"embedded_lf_lines", "a,\"x\ny\nz\"\nb,c\n", 0, 0, 0, 0,
     "1:1=a|1:3=<x\ny\nz>;4:1=b|4:3=c;"},
    {"quoted_comma", "\"a,b\",c\n", 0, 0, 0, 0, "1:1=<a,b>|1:7=c;"},
    {"only_quotes", "\"\"\"\",\"\"\n", 0, 0, 0, 0, "1:1=<\">|1:6=<>;"},
    {"empty_fields", ",,\na,,b\n", 0, 0, 0, 0, "1:1=|1:2=|1:3=;2:1=a|2:3=|2:4=b;"},
    {"empty_input", "", 0, 0, 0, 0, ""},
    {"blank_line_is_a_record", "a\n\nb\n", 0, 0, 0, 0, "1:1=a;2:1=;3:1=b;"},
    {"blank_line_skipped", "a\n\r\n\nb", 0, B, 0, 0, "1:1=a;4:1=b;"},
    {"quoted_empty_not_blank", "a\n\"\"\n", 0, B, 0, 0, "1:1=a;2:1=<>;"},
    {"lone_cr_is_text", "a\rb,c\n", 0, 0, 0, 0, "1:1=a\rb|1:5=c;"},
    {"cr_at_end", "a,b\r", 0, 0, 0, 0, "1:1=a|1:3=b;"},
    {"utf8_columns", "\xc3\xa9t\xc3\xa9,x\n\"\xe2\x82\xac\",y", 0, 0, 0, 0,
     "1:1=\xc3\xa9t\xc3\xa9|1:5=x;2:1=<\xe2\x82\xac>|2:5=y;"},
    {"trim", "  a , \"b c\"  ,\tc\t\r\n", 0, T, 0, 0, "1:3=a|1:7=<b c>|1:16=c;"},
    {"trim_blank_line", "a\n  \t\nb\n", 0, T | B, 0, 0, "1:1=a;3:1=b;"},
    {"limit_exact", "abcd,ab\n", 0, 0, 4, 2, "1:1=abcd|1:6=ab;"},

    /* malformed */
    {"unclosed_quote", "a,\"bc", 0, 0, 0, 0, "!1:3:a quoted field is not closed"},
    {"unclosed_quote_lines", "x\ny,\"a\nb\nc", 0, 0, 0, 0,
     "1:1=x;!2:3:a quoted field is not closed"},
    {"text_after_quote", "\"a\"b,c", 0, 0, 0, 0, "!1:4:text after a closing quote"},
    {"space_after_quote", "\"a\" ,c", 0, 0, 0, 0, "!1:4:text after a closing quote"},
    {"space_before_quote", " \"a\",c", 0, 0, 0, 0,
     "!1:2:a quote inside a field that does not start with one"},
    {"stray_quote", "ok\nab\"c,d\n", 0, 0, 0, 0,
     "1:1=ok;!2:3:a quote inside a field that does not start with one"},
    {"nul_byte", "a,b\0c\n", 6, 0, 0, 0, "!1:4:a NUL byte"},
    {"nul_in_quotes", "x\n\"a\0\"", 7, 0, 0, 0, "1:1=x;!2:3:a NUL byte"},
    {"field_too_long", "abcd,abcde\n", 0, 0, 4, 0, "!1:6:a field longer than 4 bytes"},
    {"quoted_too_long", "\"ab\"\"cd\"", 0, 0, 4, 0, "!1:1:a field longer than 4 bytes"},
    {"too_many_fields", "a,b\nc,d,e\n", 0, 0, 0, 2,
     "1:1=a|1:3=b;!2:5:more than 2 fields in a record"},
};

static void rfc4180_cases(void **state)
{
    char got[512];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csv_opts_t o = {.max_field = cases[i].max_field,
                        .max_fields = cases[i].max_fields,
                        .flags = cases[i].flags};
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);

        render_mem(cases[i].in, len, &o, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s (memory): got \"%s\", want \"%s\"", cases[i].name, got,
                     cases[i].want);
        render_file(cases[i].in, len, &o, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s (FILE): got \"%s\", want \"%s\"", cases[i].name, got,
                     cases[i].want);
    }
}

/* NULL options are the defaults; a NULL buffer is an empty input. */
static void defaults(void **state)
{
    char got[64];
    csv_t *r;
    const csv_field_t *f;

    render_mem("a,b", 3, NULL, got, sizeof got);
    assert_string_equal(got, "1:1=a|1:3=b;");
    assert_int_equal(csv_open_mem(&r, NULL, 5, NULL), 0);
    assert_int_equal(csv_next(r, &f), 0);
    assert_string_equal(csv_why(r, NULL, NULL), "");
    csv_close(r);
    csv_close(NULL);
}

/* A field of CSV_MAX_FIELD bytes is read; one more byte is refused. */
static void default_field_limit(void **state)
{
    size_t n = CSV_MAX_FIELD + 1;
    char *in = malloc(n + 1), got[128];

    assert_non_null(in);
    memset(in, 'x', n);
    in[n] = '\0';
    render_mem(in, n, NULL, got, sizeof got);
    assert_string_equal(got, "!1:1:a field longer than 1048576 bytes");
    {
        csv_t *r;
        const csv_field_t *f;

        assert_int_equal(csv_open_mem(&r, in, n - 1, NULL), 0);
        assert_int_equal(csv_next(r, &f), 1);
        assert_int_equal(f[0].len, CSV_MAX_FIELD);
        csv_close(r);
    }
    free(in);
}

/* A FILE that cannot be read (opened for writing) is SIM_EIO with errno's text. */
static void file_read_error(void **state)
{
    FILE *f = fopen("/dev/null", "w");
    csv_t *r;
    const csv_field_t *fields;
    long line, col;

    assert_non_null(f);
    assert_int_equal(csv_open_file(&r, f, NULL), 0);
    assert_int_equal(csv_next(r, &fields), SIM_EIO);
    assert_string_equal(csv_why(r, &line, &col), "cannot read: Bad file descriptor");
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    csv_close(r);
    fclose(f);
}

/* An allocator that fails request number `fail_at` (from 0) and counts live blocks. */
typedef struct {
    int calls;   /* allocation requests so far */
    int fail_at; /* the one that fails */
    int live;    /* blocks allocated and not freed */
} failing_t;

static void *failing_alloc(void *ud, void *ptr, size_t n)
{
    failing_t *fa = ud;
    void *p;

    if (n == 0) {
        if (ptr)
            fa->live--;
        free(ptr);
        return NULL;
    }
    if (fa->calls++ == fa->fail_at)
        return NULL;
    p = realloc(ptr, n);
    if (p && !ptr)
        fa->live++;
    return p;
}

/* Every allocation the reader makes, failed in turn: SIM_ENOMEM ("out of memory") and
 * nothing left allocated; with none failing, the whole input is read. */
static void out_of_memory_everywhere(void **state)
{
    static const char in[] = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r\n"
                             "\"a long quoted field, longer than the first buffer of "
                             "text, which holds two hundred and fifty-six bytes: so it "
                             "has to grow at least once while this field is read, and "
                             "then once more for good measure, as the test wants to "
                             "see a failing realloc as well as a failing malloc\"\n";
    int done = 0;

    for (int n = 0; !done && n < 100; n++) {
        failing_t fa = {0, n, 0};
        csv_t *r = NULL;
        const csv_field_t *f;
        int rc, records = 0;

        mem_set_allocator(failing_alloc, &fa);
        rc = csv_open_mem(&r, in, sizeof in - 1, NULL);
        if (rc == 0) {
            while ((rc = csv_next(r, &f)) > 0)
                records++;
            if (rc == SIM_ENOMEM)
                assert_string_equal(csv_why(r, NULL, NULL), "out of memory");
        }
        if (rc == 0) {
            assert_int_equal(records, 2);
            done = 1;
        } else {
            assert_int_equal(rc, SIM_ENOMEM);
        }
        csv_close(r);
        mem_set_allocator(NULL, NULL);
        assert_int_equal(fa.live, 0);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4180_cases),
        cmocka_unit_test(defaults),
        cmocka_unit_test(default_field_limit),
        cmocka_unit_test(file_read_error),
        cmocka_unit_test(out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
