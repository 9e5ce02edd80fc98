/* test_cal.c: day numbers against known dates (Unix time / 86400), strict parsing,
 * round trips checked against the C library's gmtime_r, and month ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim/cal.h"

/* Day numbers: Unix timestamps of midnight UTC divided by 86400. */
static const struct {
    const char *date;
    long day;
} known[] = {
    {"1970-01-01", 0},        {"1969-12-31", -1},      {"2000-03-01", 11017},
    {"2000-01-01", 10957},    {"2000-02-29", 11016},   {"2016-02-29", 16860},
    {"2038-01-19", 24855},    {"1900-01-01", -25567},  {"1900-03-01", -25508},
    {"1000-01-01", -354285},  {"9999-12-31", 2932896}, {"1600-03-01", -135080},
};

static void known_day_numbers(void **state)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        long day = 12345;
        char buf[11];
        assert_int_equal(cal_parse(known[i].date, &day), 0);
        assert_int_equal(day, known[i].day);
        cal_format(known[i].day, buf);
        assert_string_equal(buf, known[i].date);
    }
}

/* Not dates, or not exactly "YYYY-MM-DD" with a year 1000..9999. */
static const char *const invalid[] = {
    "2015-02-29", "1900-02-29", "2100-02-29", "2000-02-30", "2000-04-31", "2000-13-01",
    "2000-00-10", "2000-01-00", "2000-01-32", "0999-12-31", "2000-1-01",  "2000-01-1",
    "2000-01-010", "2000-01-01x", "2000/01/01", " 2000-01-01", "2000-01-01 ", "",
    "+200-01-01", "2000-0a-01", "20000-01-01", "2000--01-01", "-200-01-01",
};

static void parse_rejects(void **state)
{
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        long day = 777;
        assert_int_equal(cal_parse(invalid[i], &day), SIM_EINVAL);
        assert_int_equal(day, 777); /* untouched */
    }
    assert_int_equal(cal_parse(NULL, NULL), SIM_EINVAL);
}

/* Every day from 0001-01-01 to 9999-12-31 and a stretch before year 0: to_ymd agrees with
 * gmtime_r, from_ymd inverts it, and consecutive days step by one calendar day. */
static void round_trip_against_gmtime(void **state)
{
    long first = cal_from_ymd(1, 1, 1) - 1000, last = cal_from_ymd(9999, 12, 31);
    int py = 0, pm = 0, pd = 0;
    for (long day = first; day <= last; day++) {
        int y, m, d;
        cal_to_ymd(day, &y, &m, &d);
        assert_int_equal(cal_from_ymd(y, m, d), day);
        if (day % 7 == 0) { /* gmtime is slow: check a sample of days */
            time_t t = (time_t)day * 86400;
            struct tm tm;
            assert_non_null(gmtime_r(&t, &tm));
            assert_int_equal(tm.tm_year + 1900, y);
            assert_int_equal(tm.tm_mon + 1, m);
            assert_int_equal(tm.tm_mday, d);
        }
        if (day > first) { /* the next day: d + 1, or the 1st of the next month */
            if (d != 1) {
                assert_true(y == py && m == pm && d == pd + 1);
            } else {
                assert_int_equal(m, pm == 12 ? 1 : pm + 1);
                assert_int_equal(y, pm == 12 ? py + 1 : py);
            }
        }
        py = y, pm = m, pd = d;
    }
}

static const struct {
    const char *date, *end;
} ends[] = {
    {"2016-02-10", "2016-02-29"}, {"2015-02-01", "2015-02-28"}, {"1900-02-15", "1900-02-28"},
    {"2000-02-01", "2000-02-29"}, {"2023-12-31", "2023-12-31"}, {"2023-04-01", "2023-04-30"},
    {"2024-01-31", "2024-01-31"}, {"1969-12-05", "1969-12-31"}, {"2024-11-30", "2024-11-30"},
};

static void month_ends(void **state)
{
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        long day, end;
        assert_int_equal(cal_parse(ends[i].date, &day), 0);
        assert_int_equal(cal_parse(ends[i].end, &end), 0);
        assert_int_equal(cal_month_end(day), end);
    }
    /* Over 40 years: the month end is in the same month and the next day is a 1st. */
    for (long day = cal_from_ymd(1990, 1, 1); day < cal_from_ymd(2030, 1, 1); day++) {
        int y, m, d, y2, m2, d2;
        long e = cal_month_end(day);
        cal_to_ymd(day, &y, &m, &d);
        cal_to_ymd(e, &y2, &m2, &d2);
        assert_true(y2 == y && m2 == m && d2 >= d && d2 >= 28);
        cal_to_ymd(e + 1, &y2, &m2, &d2);
        assert_int_equal(d2, 1);
    }
}

/* DD/MM/YYYY as spreadsheets write it, against cal_from_ymd; the Gregorian rules hold
 * (29/02 only in leap years), and nothing but D/M/YYYY is taken. */
static void parse_dmy(void **state)
{
    long d = 0;
    assert_int_equal(cal_parse_dmy("1/4/2023", &d), 0);
    assert_int_equal(d, cal_from_ymd(2023, 4, 1));
    assert_int_equal(cal_parse_dmy("29/02/2024", &d), 0);
    assert_int_equal(d, cal_from_ymd(2024, 2, 29));
    assert_int_equal(cal_parse_dmy("31/12/1999", &d), 0);
    assert_int_equal(d, cal_from_ymd(1999, 12, 31));
    static const char *const bad[] = {"29/02/2023", "31/04/2023", "00/01/2023", "1/13/2023",
                                      "1/1/999",    "1/1/0999",   "1/1/20230",  "001/1/2023",
                                      "1/1/2023 ",  "1-1-2023",   "",           "2023-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        d = 42;
        assert_int_equal(cal_parse_dmy(bad[i], &d), SIM_EINVAL);
        assert_int_equal(d, 42);
    }
}

static void format_out_of_range(void **state)
{
    char buf[11];
    cal_format(cal_from_ymd(10000, 1, 1), buf);
    assert_string_equal(buf, "####-##-##");
    cal_format(cal_from_ymd(0, 3, 1), buf);
    assert_string_equal(buf, "0000-03-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_day_numbers),
        cmocka_unit_test(parse_rejects),
        cmocka_unit_test(round_trip_against_gmtime),
        cmocka_unit_test(month_ends),
        cmocka_unit_test(format_out_of_range),
        cmocka_unit_test(parse_dmy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
