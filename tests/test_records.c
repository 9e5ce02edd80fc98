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
#include <sys/stat.h>
#include <unistd.h>

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


/* cin/cin-2022.xml (ReferenceDate 2022-03-31) and cin-2023.xml (2023-03-31):
 *   101: referral 2021-01-04, assessment 01-06..02-15 (factors 3B, 4B), CIN plan
 *        02-15..05-03, closed 05-03: referral ends when the assessment starts (next
 *        assessment), the assessment when the plan starts (next cin), the plan at
 *        closure, nothing after it in the referral: exit;
 *   201: NFA, closed the day it came: referral [09-10, 09-10], exit;
 *   202: unborn (ExpectedPersonBirthDate), NFA, no closure: referral [R, R], exit;
 *   203: in both censuses (the 2023 one wins): assessment 11-02..11-25 and S47
 *        11-20..ICPC 12-08 overlap: one assessment stay 11-02..12-08, next cp (starts
 *        12-08); cp 2021-12-08..2022-09-30, next cin (the plan starting 09-30), cin
 *        open; factor 11A -> cse_risk, disability AUT -> disabled;
 *   204: open referral, nothing started: referral open;
 *   205: assessment 2023-03-03 not authorised: referral to 03-03, assessment open.
 * Extract: the latest date, 2023-03-03. */
static void cin_census(void **state)
{
    const char *paths[] = {D "cin"};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(rs->n_stays, 12);
    stay_is(rs, 0, "101", "referral", "2021-01-04", "2021-01-06", "assessment");
    stay_is(rs, 1, "101", "assessment", "2021-01-06", "2021-02-15", "cin");
    stay_is(rs, 2, "101", "cin", "2021-02-15", "2021-05-03", "exit");
    stay_is(rs, 3, "201", "referral", "2021-09-10", "2021-09-10", "exit");
    stay_is(rs, 4, "202", "referral", "2022-02-01", "2022-02-01", "exit");
    stay_is(rs, 5, "203", "referral", "2021-11-01", "2021-11-02", "assessment");
    stay_is(rs, 6, "203", "assessment", "2021-11-02", "2021-12-08", "cp");
    stay_is(rs, 7, "203", "cp", "2021-12-08", "2022-09-30", "cin");
    stay_is(rs, 8, "203", "cin", "2022-09-30", NULL, NULL);
    stay_is(rs, 9, "204", "referral", "2022-03-20", NULL, NULL);
    stay_is(rs, 10, "205", "referral", "2023-03-01", "2023-03-03", "assessment");
    stay_is(rs, 11, "205", "assessment", "2023-03-03", NULL, NULL);
    assert_int_equal(rs->extract, day("2023-03-03"));
    assert_int_equal(child(rs, "202")->dob, day("2022-04-20"));
    assert_int_equal(child(rs, "202")->sex, 0);
    assert_int_equal(child(rs, "203")->sex, 'F');
    assert_true(has_flag(rs, child(rs, "203"), "cse_risk"));
    assert_true(has_flag(rs, child(rs, "203"), "disabled"));
    assert_true(has_flag(rs, child(rs, "101"), "domestic_abuse"));
    assert_true(has_flag(rs, child(rs, "101"), "mental_health"));
    assert_false(has_flag(rs, child(rs, "101"), "disabled")); /* NONE */
    assert_int_equal(rs->stays[6].line, 35); /* 2023's 203: its Assessments element */
    /* complete from the earliest end of a closed chain: 101's referral stay ended
     * 2021-01-06, but its chain (assessment, plan) closed 2021-05-03, inside the 2022
     * census's year (from 2021-04-01); cp's only chain is still open: its earliest end */
    assert_int_equal(rs->observed_from[rec_stage_index(rs, "referral")], day("2021-05-03"));
    assert_int_equal(rs->observed_from[rec_stage_index(rs, "assessment")],
                     day("2021-05-03"));
    assert_int_equal(rs->observed_from[rec_stage_index(rs, "cp")], day("2022-09-30"));
    rec_free(rs);
    /* the 2022 census alone: 203's plan still open there */
    const char *y22[] = {D "cin/cin-2022.xml"};
    rs = read_ok(y22, 1, 0, 0);
    assert_int_equal(rs->n_stays, 9);
    stay_is(rs, 7, "203", "cp", "2021-12-08", NULL, NULL);
    rec_free(rs);
}

/* 903 and CIN census together: child 101 is joined (CHILD == LAchildID): its three
 * census stays and two periods of care, one child. */
static void joined(void **state)
{
    const char *paths[] = {D "ssda903", D "cin"};
    rec_set_t *rs = read_ok(paths, 2, 0, 0);
    assert_int_equal(rs->n_stays, 18);
    assert_int_equal(rs->n_children, 9); /* 101-104, 201-205 */
    assert_string_equal(rs->children[0].id, "101");
    stay_is(rs, 0, "101", "referral", "2021-01-04", "2021-01-06", "assessment");
    stay_is(rs, 1, "101", "assessment", "2021-01-06", "2021-02-15", "cin");
    /* the census closes the CIN plan the day the 903 period of care begins: the plan
     * went on to care, as a careflow episode with an empty next would */
    stay_is(rs, 2, "101", "cin", "2021-02-15", "2021-05-03", "care");
    stay_is(rs, 3, "101", "care", "2021-05-03", "2022-02-10", "exit");
    stay_is(rs, 4, "101", "care", "2022-10-01", NULL, NULL);
    assert_int_equal(rs->extract, day("2023-03-03"));
    /* pathway order, whatever order the files were read in */
    assert_int_equal(rec_stage_index(rs, "referral"), 0);
    assert_true(rec_stage_index(rs, "assessment") < rec_stage_index(rs, "cin"));
    assert_int_equal(rec_stage_index(rs, "care"), rs->n_stages - 1);
    rec_free(rs);
}

/* rec_cut of the 903 set at 2022-06-01: stays starting later dropped (101's re-entry,
 * 103), ends later open again (102's period; 104's second period, begun 2022-05-20);
 * 104's first ends 2022-05-20 and stays closed. */
static void cut(void **state)
{
    const char *paths[] = {D "ssda903"};
    rec_set_t *rs = read_ok(paths, 1, 0, 0), *c = NULL;
    assert_int_equal(rec_cut(rs, day("2022-06-01"), &c), 0);
    assert_int_equal(c->n_stays, 4);
    stay_is(c, 0, "101", "care", "2021-05-03", "2022-02-10", "exit");
    stay_is(c, 1, "102", "care", "2022-01-15", NULL, NULL);
    stay_is(c, 2, "104", "care", "2022-04-05", "2022-05-20", "care");
    stay_is(c, 3, "104", "care", "2022-05-20", NULL, NULL);
    assert_int_equal(c->first, day("2021-05-03"));
    assert_int_equal(c->extract, day("2022-06-01"));
    /* complete from the earliest end the cut still shows (101's, 2022-02-10); the whole
     * set's earliest end is the same, 104's 2022-05-20 being later */
    assert_int_equal(c->observed_from[0], day("2022-02-10"));
    assert_int_equal(rs->observed_from[0], day("2022-02-10"));
    assert_int_equal(c->n_children, rs->n_children); /* indices kept */
    assert_int_equal(rec_stage_index(c, "care"), 0);
    assert_int_equal(rec_stage_index(c, "cp"), -1);
    assert_int_equal(rec_flag_index(c, "uasc"), rec_flag_index(rs, "uasc"));
    rec_free(c);
    rec_free(rs);
    /* as_of: the same cut while reading (children without stays then dropped) */
    rs = read_ok(paths, 1, 0, day("2022-06-01"));
    assert_int_equal(rs->n_stays, 4);
    stay_is(rs, 1, "102", "care", "2022-01-15", NULL, NULL);
    stay_is(rs, 3, "104", "care", "2022-05-20", NULL, NULL);
    assert_int_equal(rs->n_children, 3); /* 101, 102, 104 */
    rec_free(rs);
}


/* Each defect refused at its FILE:LINE:COL (columns counted by hand in the fixture:
 * e.g. "BD1,cin,2023-13-01": start begins at character 9; an empty field's column is
 * the comma that ends it), and under --lenient counted with the row skipped or
 * repaired. */
static const struct {
    const char *path;  /* fixture */
    const char *at;    /* expected message start */
    rec_defect_t kind; /* counted under --lenient */
    size_t stays;      /* stays left under --lenient */
} defects[] = {
    {D "defects/bad-date.csv", D "defects/bad-date.csv:3:9: error: ", REC_D_BAD_DATE, 1},
    {D "defects/mixed-dates.csv", D "defects/mixed-dates.csv:3:9: error: ", REC_D_BAD_DATE, 1},
    {D "defects/end-before-start.csv", D "defects/end-before-start.csv:3:20: error: ",
     REC_D_END_BEFORE_START, 1},
    {D "defects/no-dob.csv", D "defects/no-dob.csv:3:22: error: ", REC_D_NO_DOB, 1},
    {D "defects/overlap.csv", D "defects/overlap.csv:3:9: error: ", REC_D_OVERLAP, 2},
    {D "defects/bad-field.csv", D "defects/bad-field.csv:3:5: error: ", REC_D_BAD_FIELD, 1},
    {D "defects/903-no-header", D "defects/903-no-header/episodes.csv:3:1: error: ",
     REC_D_UNKNOWN_CHILD, 1},
    {D "defects/903-duplicate", D "defects/903-duplicate/episodes.csv:3:5: error: ",
     REC_D_DUPLICATE, 1},
    {D "defects/cin-bad-date.xml", D "defects/cin-bad-date.xml:21:1: error: ",
     REC_D_BAD_DATE, 1},
    {D "defects/cin-no-dob.xml", D "defects/cin-no-dob.xml:11:1: error: ", REC_D_NO_DOB, 1},
};

static void defects_refused_and_counted(void **state)
{
    for (size_t i = 0; i < sizeof defects / sizeof *defects; i++) {
        rec_opts_t o = {0};
        rec_set_t *rs = (rec_set_t *)1;
        char err[1024];
        const char *paths[] = {defects[i].path};
        assert_int_equal(rec_read(paths, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
        assert_null(rs);
        if (strncmp(err, defects[i].at, strlen(defects[i].at)))
            fail_msg("%s: got '%s'", defects[i].at, err);
        o.lenient = 1;
        rs = read_ok(paths, 1, 1, 0);
        assert_int_equal(rs->n_stays, defects[i].stays);
        for (int k = 0; k < REC_D_N; k++)
            assert_int_equal(rs->quality[k], k == (int)defects[i].kind);
        rec_free(rs);
    }
    /* the overlap repaired: the later stay starts at the earlier's end */
    const char *ov[] = {D "defects/overlap.csv"};
    rec_set_t *rs = read_ok(ov, 1, 1, 0);
    stay_is(rs, 1, "OV1", "cin", "2023-03-01", "2023-04-01", "exit");
    rec_free(rs);
    /* the duplicate: the row read last kept */
    const char *dup[] = {D "defects/903-duplicate"};
    rs = read_ok(dup, 1, 1, 0);
    stay_is(rs, 0, "111", "care", "2022-01-01", "2022-02-01", "exit");
    rec_free(rs);
}

/* All the defect fixtures at once under --lenient, and data_quality.csv. */
static void quality_csv(void **state)
{
    const char *paths[] = {D "defects"};
    rec_set_t *rs = read_ok(paths, 1, 1, 0);
    FILE *f = tmpfile();
    char buf[1024];
    assert_non_null(f);
    assert_int_equal(rec_write_quality(rs, f), 0);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_string_equal(buf, "kind,count,action\n"
                             "bad_date,3,row skipped; an SSDA903 "
                             "episode's rows in older returns too\n"
                             "end_before_start,1,row skipped; an SSDA903 "
                             "episode's rows in older returns too\n"
                             "no_date_of_birth,2,child's rows skipped\n"
                             "overlapping_stays,1,later stay starts at the earlier's end\n"
                             "bad_field,1,row skipped; an SSDA903 "
                             "episode's rows in older returns too\n"
                             "episode_without_header,1,row skipped\n"
                             "conflicting_duplicate,1,latest return kept\n"
                             "after_extract_date,0,row skipped\n");
    rec_free(rs);
}

/* Errors --lenient does not excuse: a file of no known kind, broken XML, a missing
 * path, a FIFO-free empty folder; hidden files (episodes/.notes.csv) are skipped. */
static void kinds_and_paths(void **state)
{
    char err[1024];
    rec_set_t *rs = NULL;
    rec_opts_t o = {.lenient = 1};
    const char *unk[] = {D "fatal/unknown.csv"};
    assert_int_equal(rec_read(unk, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    assert_null(rs);
    assert_true(!strncmp(err, D "fatal/unknown.csv:1:1: error: not a kind of file", 50));
    const char *xml[] = {D "fatal/broken.xml"};
    assert_int_equal(rec_read(xml, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    /* libxml2 reports where the input ended with tags still open: after line 2 */
    assert_true(!strncmp(err, D "fatal/broken.xml:3:", strlen(D "fatal/broken.xml:3:")));
    assert_non_null(strstr(err, ": error: XML: "));
    const char *none[] = {D "no-such-file.csv"};
    assert_int_equal(rec_read(none, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    assert_true(!strncmp(err, D "no-such-file.csv:1:1: error: cannot read", 40));
    /* hidden files skipped, and a README.txt beside the extract is not records (named
     * on the command line it would be refused, as unknown.csv is): episodes/ reads as
     * in careflow_episodes */
    const char *ep[] = {D "episodes"};
    rs = read_ok(ep, 1, 0, 0);
    assert_int_equal(rs->n_files, 2);
    assert_int_equal(rs->n_other_files, 1);
    rec_free(rs);
    const char *txt[] = {D "episodes/README.txt"};
    assert_int_equal(rec_read(txt, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    assert_true(!strncmp(err, D "episodes/README.txt:1:1: error: not a kind of file", 50));
    assert_true(rec_is_record_name("council-2024-episodes.CSV"));
    assert_true(rec_is_record_name("cin-2024.xml"));
    assert_false(rec_is_record_name("README.md"));
    assert_false(rec_is_record_name(".csv"));
}

/* ---- review of issue 10: edge cases and the defects found ------------------------ */

/* Writes text to a new temporary file; its path in path (PATH_MAX-free: 64 bytes). */
static void temp_file(char path[64], const char *suffix, const char *text)
{
    snprintf(path, 64, "/tmp/careflow-test-rec-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The calendar's rules (Gregorian: a leap year is divisible by 4, not by 100 unless by
 * 400), not the reader's: each date is read as a start in a one-row file. */
static void dates_follow_the_calendar(void **state)
{
    (void)state;
    static const struct {
        const char *date; /* as written in the file */
        const char *iso;  /* the day it must be, or NULL: a bad_date */
    } cases[] = {
        {"29/02/2024", "2024-02-29"}, {"29/02/2023", NULL},         {"29/02/2000", "2000-02-29"},
        {"29/02/1900", NULL},         {"31/04/2024", NULL},         {"30/04/2024", "2024-04-30"},
        {"31/12/2023", "2023-12-31"}, {"1/2/2024", "2024-02-01"},   {"00/01/2024", NULL},
        {"01/00/2024", NULL},         {"01/13/2024", NULL},         {"32/01/2024", NULL},
        {"1/1/999", NULL},            {"01/01/0999", NULL},         {"1/1/20245", NULL},
        {"001/01/2024", NULL},        {"1/1/2024 ", NULL},          {"2024-02-30", NULL},
        {"2023-02-29", NULL},         {"2024-2-01", NULL},          {"1/1/2024x", NULL},
        {"9999-12-31", "9999-12-31"}, {"1000-01-01", "1000-01-01"}, {"0999-12-31", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64], text[256], err[1024];
        /* the age column in place of dob: no second date column to agree with */
        snprintf(text, sizeof text, "child,stage,start,end,next,age,flags\n"
                                    "c,cin,\"%s\",,,5,\n", cases[i].date);
        temp_file(path, ".csv", text);
        const char *paths[] = {path};
        rec_opts_t o = {0};
        rec_set_t *rs = NULL;
        int rc = rec_read(paths, 1, &o, &rs, err, sizeof err);
        if (cases[i].iso) {
            if (rc != 0)
                fail_msg("'%s': %s", cases[i].date, err);
            assert_int_equal(rs->stays[0].start, day(cases[i].iso));
            rec_free(rs);
        } else {
            if (rc != SIM_EINVAL || !strstr(err, ":2:7: error: start '"))
                fail_msg("'%s' was read (%d: %s)", cases[i].date, rc, err);
            assert_null(rs);
        }
        unlink(path);
    }
}

/* A row skipped under --lenient adds nothing to the set: before the fix its `next`
 * stage ("phantom") stayed in rs->stages with no stay, and `estimate` wrote it into
 * the scenario as a stage of its own. */
static void skipped_row_adds_no_stage(void **state)
{
    (void)state;
    char path[64];
    temp_file(path, ".csv",
              "child,stage,start,end,next,dob,flags\n"
              "a,cin,2023-01-01,2023-06-01,exit,2015-01-01,\n"
              "b,cin,2023-02-01,2023-05-01,phantom,,\n"         /* no dob: skipped */
              "c,cin,2023-02-01,2023-01-01,ghost,2015-01-01,\n" /* end before start */
              "d,cin,2023-02-01,2023-03-01,spirit,2015-01-01,Bad Flag\n");
    const char *paths[] = {path};
    rec_set_t *rs = read_ok(paths, 1, 1, 0);
    assert_int_equal(rs->n_stages, 1);
    assert_string_equal(rs->stages[0], "cin");
    assert_int_equal(rec_stage_index(rs, "phantom"), -1);
    assert_int_equal(rs->n_stays, 1);
    assert_int_equal(rs->quality[REC_D_NO_DOB], 1);
    assert_int_equal(rs->quality[REC_D_END_BEFORE_START], 1);
    assert_int_equal(rs->quality[REC_D_BAD_FIELD], 1);
    rec_free(rs);
    unlink(path);
}

/* A lone SSDA903 Header file holds children but no stay: "no records", not undefined
 * behaviour (before the fix, order_stages passed memcpy a NULL stage list; UBSan's
 * `make asan` and the fuzzer's tests/fuzz/regressions/records/ reproducer show it). */
static void lone_header_file_is_no_records(void **state)
{
    (void)state;
    char path[64], err[1024];
    temp_file(path, ".csv", "CHILD,SEX,DOB,UPN\n101,1,12/07/2010,\n102,2,03/03/2008,\n");
    const char *paths[] = {path};
    rec_opts_t o = {0};
    rec_set_t *rs = NULL;
    assert_int_equal(rec_read(paths, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    assert_null(rs);
    assert_non_null(strstr(err, ":1:1: error: no records in the 1 file read"));
    unlink(path);
}

/* Every message of a defect names FILE:LINE:COL and shows a child id's control bytes
 * escaped, however long the id (the 903 duplicate message printed it whole). */
static void duplicate_message_clips_and_escapes_the_id(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec-dup-XXXXXX", hdr[128], eps[128], err[1024];
    assert_non_null(mkdtemp(dir));
    char id[600];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = 0;
    id[3] = '\x1b';
    snprintf(hdr, sizeof hdr, "%s/header.csv", dir);
    snprintf(eps, sizeof eps, "%s/episodes.csv", dir);
    FILE *f = fopen(hdr, "w");
    assert_non_null(f);
    fprintf(f, "CHILD,SEX,DOB,ETHNIC,YEAR\n%s,1,2010-01-01,WBRI,2023\n", id);
    fclose(f);
    f = fopen(eps, "w");
    assert_non_null(f);
    fprintf(f, "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,YEAR\n"
               "%s,2022-05-01,P,C2,N1,U1,PR1,2022-09-01,E11,2023\n"
               "%s,2022-05-01,P,C2,N1,U1,PR1,2022-10-01,E11,2023\n", id, id);
    fclose(f);
    const char *paths[] = {dir};
    rec_opts_t o = {0};
    rec_set_t *rs = NULL;
    assert_int_equal(rec_read(paths, 1, &o, &rs, err, sizeof err), SIM_EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s:3:", eps);
    if (strncmp(err, want, strlen(want)) || !strstr(err, ": error: the episode of child"))
        fail_msg("%s", err);
    for (const char *p = err; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_true(strlen(err) < 560); /* the 600-byte id clipped to 200, not printed whole */
    unlink(hdr);
    unlink(eps);
    rmdir(dir);
}

/* ---- a newcomer's findings (issue 10, third set) -------------------------------- */

/* A temporary folder with files: put(dir, "name", "text"); rm_tree removes it. */
static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void rm_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The error a strict read gives (SIM_EINVAL expected). */
static void read_err(const char *path, char *err, size_t len)
{
    rec_opts_t o = {0};
    rec_set_t *rs = NULL;
    const char *paths[] = {path};
    assert_int_equal(rec_read(paths, 1, &o, &rs, err, len), SIM_EINVAL);
    assert_null(rs);
}

static const char *hdr3 = "CHILD,SEX,DOB,ETHNIC,YEAR\n"
                          "201,1,2010-01-01,WBRI,2023\n"
                          "202,2,2011-01-01,WBRI,2023\n"
                          "203,1,2012-01-01,WBRI,2023\n";

/* Returns 2022 and 2023: child 201's episode, open in 2022, has a bad DEC in 2023 (the
 * row the 2023 return holds for it: the child left care, but the date is wrong). Under
 * --lenient the 2023 row is skipped, and the 2022 row must not stand in for it: child
 * 201 has no stay left (the set reads only what the latest return says, and that row
 * is unreadable). 203's 2023 row has a bad DECOM: its key is unknown, so it claims
 * nothing and 203's 2022 episode stands (open). 202 is read as usual: closed
 * 2022-06-01 (the 2023 row wins). bad_date counts 3: two rows skipped, one older row
 * dropped. data_quality_rows.csv lists them, with the strict reader's messages. */
static void lenient_latest_return_claims_its_episode(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec3-claim-XXXXXX", err[1024], p[100];
    assert_non_null(mkdtemp(dir));
    put(dir, "header.csv", hdr3);
    put(dir, "episodes-2022.csv", "CHILD,DECOM,RNE,DEC,REC,YEAR\n"
                                  "201,2022-01-10,S,,,2022\n"
                                  "202,2022-02-01,S,,,2022\n"
                                  "203,2022-03-01,S,,,2022\n");
    put(dir, "episodes-2023.csv", "CHILD,DECOM,RNE,DEC,REC,YEAR\n"
                                  "201,2022-01-10,S,2023-13-01,E11,2023\n"
                                  "202,2022-02-01,S,2022-06-01,E11,2023\n"
                                  "203,2022-03-XX,S,,,2023\n");
    const char *paths[] = {dir};
    rec_set_t *rs = read_ok(paths, 1, 1, 0);
    assert_int_equal(rs->n_stays, 2);
    stay_is(rs, 0, "202", "care", "2022-02-01", "2022-06-01", "exit");
    stay_is(rs, 1, "203", "care", "2022-03-01", NULL, NULL);
    assert_int_equal(rs->quality[REC_D_BAD_DATE], 3);
    assert_int_equal(rs->n_qrows, 3);
    /* the rows: in the order found; the first two as the strict reader reports them */
    snprintf(p, sizeof p, "%s/episodes-2023.csv", dir);
    FILE *f = tmpfile();
    char buf[4096], want[4096];
    assert_non_null(f);
    assert_int_equal(rec_write_quality_rows(rs, f), 0);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    /* DEC starts at character 18 of "201,2022-01-10,S,2023-13-01,..."; DECOM at 5 */
    snprintf(want, sizeof want,
             "kind,file,line,col,message\n"
             "bad_date,%s,2,18,DEC '2023-13-01' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n"
             "bad_date,%s,4,5,DECOM '2022-03-XX' is not a date (YYYY-MM-DD or DD/MM/YYYY)\n"
             "bad_date,%s/episodes-2022.csv,2,5,the episode of child '201' starting "
             "2022-01-10 is dropped from this older return: its row in a later return "
             "(%s:2) was skipped\n", p, p, dir, p);
    assert_string_equal(buf, want);
    rec_free(rs);
    /* the strict reader stops at the first, with the same message */
    read_err(dir, err, sizeof err);
    snprintf(want, sizeof want, "%s:2:18: error: DEC '2023-13-01' is not a date "
                                "(YYYY-MM-DD or DD/MM/YYYY)", p);
    assert_string_equal(err, want);
    rm_tree(dir);
}

/* At most REC_QROWS_KEPT defects are listed; the rest are counted. */
static void quality_rows_are_bounded(void **state)
{
    (void)state;
    char path[64];
    size_t extra = 7, n = REC_QROWS_KEPT + extra;
    char *text = malloc(n * 40 + 128);
    assert_non_null(text);
    size_t k = (size_t)sprintf(text, "child,stage,start,end,next,dob,flags\n"
                                     "G1,cin,2023-01-01,,,2015-01-01,\n");
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(text + k, "B%zu,cin,bad,,,2015-01-01,\n", i);
    temp_file(path, ".csv", text);
    free(text);
    const char *paths[] = {path};
    rec_set_t *rs = read_ok(paths, 1, 1, 0);
    assert_int_equal(rs->quality[REC_D_BAD_DATE], (long)n);
    assert_int_equal(rs->n_qrows, REC_QROWS_KEPT);
    assert_int_equal(rs->n_qrows_more, (long)extra);
    assert_int_equal(rs->qrows[REC_QROWS_KEPT - 1].line, REC_QROWS_KEPT + 2);
    rec_free(rs);
    unlink(path);
}

/* The SSDA903 modules careflow does not read start CHILD,SEX,DOB like a Header (their
 * columns are the DfE specification's): a Missing file with another date of birth
 * must not change the child's, and a Reviews file (with DECOM) is no Episodes file.
 * Both are skipped, counted and named. A Header file without DOB is told so. */
static void other_903_modules_skipped(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec3-mods-XXXXXX", err[1024];
    assert_non_null(mkdtemp(dir));
    put(dir, "a-header.csv", "CHILD,SEX,DOB\n301,1,2010-05-05\n"); /* a bare extract */
    put(dir, "b-episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"
                               "301,2022-04-01,S,C2,N1,U1,PR1,,\n");
    put(dir, "c-missing.csv", "CHILD,SEX,DOB,MISSING,MIS_START,MIS_END\n"
                              "301,1,2012-12-12,M,2022-06-01,2022-06-02\n");
    put(dir, "d-reviews.csv", "CHILD,SEX,DOB,DECOM,REVIEW,REVIEW_CODE\n"
                              "301,1,2010-05-05,2022-04-01,2022-05-01,PN1\n");
    put(dir, "e-oc3.csv", "CHILD,SEX,DOB,IN_TOUCH,ACTIV,ACCOM\n301,1,2010-05-05,YES,F2,S\n");
    put(dir, "f-prevperm.csv", "CHILD,SEX,DOB,PREV_PERM,LA_PERM,DATE_PERM\n"
                               "301,1,2010-05-05,Z1,,\n");
    const char *paths[] = {dir};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(child(rs, "301")->dob, day("2010-05-05"));
    assert_int_equal(rs->n_files, 2);
    assert_int_equal(rs->n_unused_903, 4);
    char want[600];
    snprintf(want, sizeof want, "%s/c-missing.csv", dir);
    assert_string_equal(rs->unused_903[0], want);
    snprintf(want, sizeof want, "%s/d-reviews.csv", dir);
    assert_string_equal(rs->unused_903[1], want);
    rec_free(rs);
    rm_tree(dir);
    char path[64];
    temp_file(path, ".csv", "CHILD,SEX,ETHNIC\n301,1,WBRI\n");
    read_err(path, err, sizeof err);
    assert_non_null(strstr(err, ":1:1: error: SSDA903 Header: the header row has no DOB column"));
    unlink(path);
}

/* Files not read are named (the first REC_NAMES_KEPT), and a return with a Header file
 * but no Episodes file (or the reverse) gives a warning. */
static void other_files_named_and_returns_checked(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec3-other-XXXXXX", want[600];
    assert_non_null(mkdtemp(dir));
    put(dir, "README.txt", "notes\n");
    put(dir, "header.csv", "CHILD,SEX,DOB,ETHNIC,YEAR\n401,1,2010-01-01,WBRI,2023\n"
                           "402,1,2010-01-01,WBRI,2024\n");
    put(dir, "episodes.csv", "CHILD,DECOM,RNE,DEC,REC,YEAR\n401,2022-01-10,S,,,2022\n"
                             "401,2022-01-10,S,,,2023\n");
    const char *paths[] = {dir};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(rs->n_other_files, 1);
    snprintf(want, sizeof want, "%s/README.txt", dir);
    assert_string_equal(rs->other_files[0], want);
    /* YEARs: Header 2023, 2024; Episodes 2022, 2023: 2024 lacks Episodes, 2022 Header */
    assert_int_equal(rs->n_warnings, 2);
    int h2024 = 0, e2022 = 0;
    for (int i = 0; i < rs->n_warnings; i++) {
        h2024 |= !strcmp(rs->warnings[i], "SSDA903 return 2024: a Header file but no "
                                          "Episodes file");
        e2022 |= !strcmp(rs->warnings[i], "SSDA903 return 2022: an Episodes file but no "
                                          "Header file");
    }
    assert_true(h2024 && e2022);
    rec_free(rs);
    rm_tree(dir);
}

/* careflow's own outputs are not records: an output set (its marker file) and the
 * open-cases and data_quality files estimate writes beside a scenario. Each of them
 * read would fail (open-cases.csv repeats the stays as starting stays). */
static void own_outputs_skipped(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec3-own-XXXXXX", sub[600];
    assert_non_null(mkdtemp(dir));
    put(dir, "episodes.csv", "child,stage,start,end,next,dob,flags\n"
                             "E1,cin,2023-01-01,,,2015-01-01,\n");
    put(dir, "open-cases.csv", "child,stage,start,dob,flags,history\n"
                               "E1,cin,2023-01-01,2015-01-01,,\n");
    put(dir, "data_quality.csv", "kind,count,action\nbad_date,0,row skipped\n");
    put(dir, "data_quality_rows.csv", "kind,file,line,col,message\n");
    snprintf(sub, sizeof sub, "%s/out", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    put(sub, ".careflow-set", "run\n");
    put(sub, "episodes.csv", "child,stage,start,end,next,dob,flags\n"
                             "E1,cin,2023-01-01,,,2015-01-01,\n");
    const char *paths[] = {dir};
    rec_set_t *rs = read_ok(paths, 1, 0, 0);
    assert_int_equal(rs->n_stays, 1);
    assert_int_equal(rs->n_files, 1);
    assert_int_equal(rs->n_own_outputs, 4);
    rec_free(rs);
    rm_tree(dir);
}

/* One history given twice (the same stay in two files) gets a hint; an overlap inside
 * one file does not. */
static void same_stay_twice_hinted(void **state)
{
    (void)state;
    char dir[] = "/tmp/careflow-test-rec3-twice-XXXXXX", err[1024];
    assert_non_null(mkdtemp(dir));
    const char *ep = "child,stage,start,end,next,dob,flags\n"
                     "146,assessment,2018-03-28,2018-04-20,exit,2010-01-01,\n";
    put(dir, "a.csv", ep);
    put(dir, "b.csv", ep);
    read_err(dir, err, sizeof err);
    assert_non_null(strstr(err, "is not over (the same stay in two files: are the same "
                                "records given twice, e.g. an episodes file and the "
                                "returns it was made from?)"));
    rm_tree(dir);
    char path[64];
    temp_file(path, ".csv", "child,stage,start,end,next,dob,flags\n"
                            "146,assessment,2018-03-28,2018-04-20,exit,2010-01-01,\n"
                            "146,assessment,2018-03-28,2018-04-20,exit,2010-01-01,\n");
    read_err(path, err, sizeof err);
    assert_non_null(strstr(err, "is not over"));
    assert_null(strstr(err, "two files"));
    unlink(path);
}

/* Messages that say what to do: a CSV saved with semicolons or tabs, a stray CSV in a
 * folder, an XML Message of another collection. */
static void messages_say_what_to_do(void **state)
{
    (void)state;
    char path[64], err[1024];
    temp_file(path, ".csv", "child;stage;start;end;next;dob;flags\n"
                            "A;cin;2023-01-01;;;2015-01-01;\n");
    read_err(path, err, sizeof err);
    assert_non_null(strstr(err, ":1:1: error: not a kind of file careflow reads"));
    assert_non_null(strstr(err, "save it as comma-separated CSV"));
    unlink(path);
    temp_file(path, ".csv", "CHILD\tSEX\tDOB\tETHNIC\n301\t1\t2010-05-05\tWBRI\n");
    read_err(path, err, sizeof err);
    assert_non_null(strstr(err, "save it as comma-separated CSV"));
    unlink(path);
    temp_file(path, ".csv", "name,budget\nfoo,1\n");
    read_err(path, err, sizeof err);
    assert_null(strstr(err, "move it out"));
    unlink(path);
    char dir[] = "/tmp/careflow-test-rec3-msg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    put(dir, "budget.csv", "name,budget\nfoo,1\n");
    read_err(dir, err, sizeof err);
    assert_non_null(strstr(err, "budget.csv:1:1: error: not a kind of file"));
    assert_non_null(strstr(err, "move it out of the folder, or give the record files by name"));
    rm_tree(dir);
    temp_file(path, ".xml", "<?xml version=\"1.0\"?>\n<Message>\n <Header>\n"
                            "  <CollectionDetails>\n   <Collection>SCHOOL CENSUS</Collection>\n"
                            "  </CollectionDetails>\n </Header>\n <Children/>\n</Message>\n");
    read_err(path, err, sizeof err);
    assert_non_null(strstr(err, ":5:1: error: not a kind of file careflow reads: a Message "
                                "of collection 'SCHOOL CENSUS'"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_follow_the_calendar),
        cmocka_unit_test(skipped_row_adds_no_stage),
        cmocka_unit_test(lone_header_file_is_no_records),
        cmocka_unit_test(duplicate_message_clips_and_escapes_the_id),
        cmocka_unit_test(careflow_episodes),
        cmocka_unit_test(ssda903_years),
        cmocka_unit_test(cin_census),
        cmocka_unit_test(joined),
        cmocka_unit_test(cut),
        cmocka_unit_test(defects_refused_and_counted),
        cmocka_unit_test(quality_csv),
        cmocka_unit_test(kinds_and_paths),
        cmocka_unit_test(lenient_latest_return_claims_its_episode),
        cmocka_unit_test(quality_rows_are_bounded),
        cmocka_unit_test(other_903_modules_skipped),
        cmocka_unit_test(other_files_named_and_returns_checked),
        cmocka_unit_test(own_outputs_skipped),
        cmocka_unit_test(same_stay_twice_hinted),
        cmocka_unit_test(messages_say_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
