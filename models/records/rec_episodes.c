/* rec_episodes.c: the careflow episodes CSV reader (one row per stay of a child in a
 * stage: `child,stage,start,end,next,dob,flags` with optional `sex` and `reason`, and
 * `age` in place of `dob`). Columns are found by name (any order, names in any case;
 * other columns are ignored). Each row becomes one stay through the builder
 * (rec_int.h); a closed stay with an empty `next` gets REC__INFER, settled when every
 * file is read. A child's date of birth and sex are those of its first row that gives
 * them. Any defect is reported at the field's line and character column. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/records/rec_int.h"
#include "sim/csv.h"
#include "sim/err.h"

enum { C_CHILD, C_STAGE, C_START, C_END, C_NEXT, C_DOB, C_AGE, C_FLAGS, C_SEX, C_N };
static const char *const col_names[C_N] = {"child", "stage", "start", "end", "next",
                                           "dob",   "age",   "flags", "sex"};

/* One row (fields fl[0..n)) into a stay; 0 (added or skipped) or a code. */
static int row(rec__b_t *b, uint32_t f, const csv_field_t *fl, int n, const int *col,
               int *styles)
{
    char clip[SIM_ERR_CLIP + 1];
    const csv_field_t *v[C_N];
    long line = fl[0].line;
    int rc = rec__fields(b, f, fl, n, col, col_names, C_N, v);
    if (rc <= 0)
        return rc;
#define BAD(kind, fld, ...)                                                              \
    do {                                                                                 \
        rc = rec__defect(b, kind, f, (fld)->line, (fld)->col, __VA_ARGS__);              \
        return rc < 0 ? rc : 0;                                                          \
    } while (0)
    if (!v[C_CHILD]->len)
        BAD(REC_D_BAD_FIELD, v[C_CHILD], "child is empty");
    const char *stage = v[C_STAGE]->s;
    if (!rec__is_slug(stage) || !strcmp(stage, "exit"))
        BAD(REC_D_BAD_FIELD, v[C_STAGE],
            "stage '%s' is not a stage name (lower-case letters, digits, '_' and '-'; "
            "'exit' is reserved)",
            sim_err_clip(clip, sizeof clip, stage));
    long start, end = REC_OPEN, dob = REC_NO_DOB;
    if (!v[C_START]->len)
        BAD(REC_D_BAD_DATE, v[C_START], "start is empty");
    rc = rec__date(b, &styles[C_START], v[C_START]->s, f, line, v[C_START]->col, "start",
                   &start);
    if (rc != 1)
        return rc < 0 ? rc : 0;
    rc = rec__date(b, &styles[C_END], v[C_END]->s, f, line, v[C_END]->col, "end", &end);
    if (rc < 0 || rc == 2)
        return rc < 0 ? rc : 0;
    if (end != REC_OPEN && end < start)
        BAD(REC_D_END_BEFORE_START, v[C_END], "end %s is before start %s", v[C_END]->s,
            v[C_START]->s);
    int next = REC__INFER;
    const char *nx = v[C_NEXT]->s;
    if (end == REC_OPEN) {
        if (*nx)
            BAD(REC_D_BAD_FIELD, v[C_NEXT], "next '%s' is given for a stay with no end",
                sim_err_clip(clip, sizeof clip, nx));
        next = REC_NONE;
    } else if (!strcmp(nx, "exit"))
        next = REC_EXIT;
    else if (*nx && !rec__is_slug(nx))
        BAD(REC_D_BAD_FIELD, v[C_NEXT], "next '%s' is not a stage name or 'exit'",
            sim_err_clip(clip, sizeof clip, nx));
    if (v[C_DOB] && v[C_DOB]->len) {
        rc = rec__date(b, &styles[C_DOB], v[C_DOB]->s, f, line, v[C_DOB]->col, "dob", &dob);
        if (rc != 1)
            return rc < 0 ? rc : 0;
    } else if (v[C_AGE] && v[C_AGE]->len) {
        char *e;
        double age = strtod(v[C_AGE]->s, &e);
        if (*e || !(age >= 0 && age < 150))
            BAD(REC_D_BAD_FIELD, v[C_AGE], "age '%s' is not a number of years from 0 to 150",
                sim_err_clip(clip, sizeof clip, v[C_AGE]->s));
        dob = start - lround(age * 365.25);
    } else {
        const csv_field_t *w = v[C_DOB] ? v[C_DOB] : v[C_AGE];
        BAD(REC_D_NO_DOB, w, "child '%s' has no %s", sim_err_clip(clip, sizeof clip,
                                                               v[C_CHILD]->s),
            v[C_DOB] ? "dob" : "age");
    }
    char sex = 0;
    if (v[C_SEX]) {
        const char *s = v[C_SEX]->s;
        if (!strcmp(s, "M") || !strcmp(s, "m") || !strcmp(s, "1"))
            sex = 'M';
        else if (!strcmp(s, "F") || !strcmp(s, "f") || !strcmp(s, "2"))
            sex = 'F';
        else if (*s && strcmp(s, "U") && strcmp(s, "0") && strcmp(s, "9"))
            BAD(REC_D_BAD_FIELD, v[C_SEX], "sex '%s' is not M, F or empty",
                sim_err_clip(clip, sizeof clip, s));
    }
    uint64_t flags = 0;
    char buf[80];
    for (const char *p = v[C_FLAGS]->s; *p;) {
        const char *q = strchr(p, ';');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        int bit;
        if (len >= sizeof buf || (memcpy(buf, p, len), buf[len] = 0, !rec__is_slug(buf)))
            BAD(REC_D_BAD_FIELD, v[C_FLAGS],
                "flags '%s' is not a ';'-separated list of flag names",
                sim_err_clip(clip, sizeof clip, v[C_FLAGS]->s));
        if ((rc = rec__flag(b, buf, f, line, v[C_FLAGS]->col, &bit)) < 0)
            return rc;
        if (bit < 0)
            return 0; /* too many flags, counted: the row is skipped */
        flags |= (uint64_t)1 << bit;
        p += len + (q != NULL);
    }
    /* the row is kept: only now are its stage names added (a skipped row's `next`
     * must not leave a stage with no stays in the set) */
    int st;
    uint32_t c;
    if (next == REC__INFER && *nx) { /* named (not exit, which set REC_EXIT) */
        if ((rc = rec__stage(b, nx, &next)) < 0)
            return rc;
        if (next < 0)
            BAD(REC_D_BAD_FIELD, v[C_NEXT], "more than %d stages", REC__MAX_STAGES);
    }
    if ((rc = rec__stage(b, stage, &st)) < 0)
        return rc;
    if (st < 0)
        BAD(REC_D_BAD_FIELD, v[C_STAGE], "more than %d stages", REC__MAX_STAGES);
    if ((rc = rec__child(b, v[C_CHILD]->s, v[C_CHILD]->len, f, (uint32_t)line, &c)) < 0)
        return rc;
    rec_child_t *ch = &b->rs->children[c];
    if (ch->dob == REC_NO_DOB)
        ch->dob = dob;
    if (!ch->sex)
        ch->sex = sex;
    ch->flags |= flags;
    return rec__add(b, c, st, next, start, end, f, (uint32_t)line, (uint32_t)v[C_START]->col);
#undef BAD
}

int rec__read_episodes(rec__b_t *b, uint32_t f, const char *data, size_t len)
{
    csv_opts_t opts = {.flags = CSV_SKIP_BLANK};
    csv_t *r;
    const csv_field_t *fl;
    int col[C_N], styles[C_N] = {0}, rc, n;
    if (csv_open_mem(&r, data, len, &opts) < 0)
        return SIM_ENOMEM;
    n = csv_next(r, &fl);
    rec__columns(fl, n, col_names, C_N, col);
    rc = n < 0 ? rec__csv_error(b, f, r, n) : 0;
    for (int k = 0; k < C_N && rc == 0; k++)
        if (col[k] < 0 && k != C_DOB && k != C_AGE && k != C_SEX)
            rc = rec__fail(b, f, 1, 1, "careflow episodes: the header row has no '%s' column",
                           col_names[k]);
    if (rc == 0 && col[C_DOB] < 0 && col[C_AGE] < 0)
        rc = rec__fail(b, f, 1, 1, "careflow episodes: the header row has neither 'dob' nor "
                                   "'age'");
    while (rc == 0 && (n = csv_next(r, &fl)) > 0)
        rc = row(b, f, fl, n, col, styles);
    if (rc == 0 && n < 0)
        rc = rec__csv_error(b, f, r, n);
    csv_close(r);
    return rc;
}
