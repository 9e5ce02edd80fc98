/* records.c: the record set (records.h): reading paths into it, finishing it, cutting
 * it, and the builder the readers share (rec_int.h).
 *
 * Invariants of a finished set (rec_read, rec_cut): stays sorted by child, start,
 * stage, end; a child's stays in one stage never overlap (one ends on or before the
 * next starts); every start and end <= extract; an open stay has end REC_OPEN and next
 * REC_NONE, a closed one next >= 0 or REC_EXIT; every child has a date of birth, and
 * (rec_read) a stay: rec_cut keeps every child so indices hold, some then with none;
 * children are in order of first appearance in the files read (files in the order
 * given, folders in name order).
 *
 * Failure: rec_read returns a negative code with one line in err and frees all it
 * took; nothing is half made. */
#include "models/records/records.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "models/records/rec_int.h"
#include "sim/cal.h"
#include "sim/csv.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/input.h"
#include "sim/mem.h"
#include "sim/outtx.h"
#include "sim/text.h"

#define REC_ENUM_NAME(e, s, a) s,
#define REC_ENUM_ACTION(e, s, a) a,
const char *const rec_defect_names[REC_D_N] = {REC_DEFECT_MAP(REC_ENUM_NAME)};
const char *const rec_defect_actions[REC_D_N] = {REC_DEFECT_MAP(REC_ENUM_ACTION)};

#define MAX_DEPTH 32 /* folders within folders */

/* ---- the builder ---------------------------------------------------------------- */

static uint64_t hash_id(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static int rehash(rec__b_t *b, size_t cap)
{
    uint32_t *t = mem_calloc(cap, sizeof *t);
    if (!t)
        return SIM_ENOMEM;
    for (size_t i = 0; i < b->rs->n_children; i++) {
        const char *id = b->rs->children[i].id;
        size_t k = (size_t)hash_id(id, strlen(id)) & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = (uint32_t)(i + 1);
    }
    mem_free(b->hash);
    b->hash = t;
    b->hash_cap = cap;
    return 0;
}

int rec__child(rec__b_t *b, const char *id, size_t len, uint32_t file, uint32_t line,
               uint32_t *idx)
{
    rec_set_t *rs = b->rs;
    if (rs->n_children >= UINT32_MAX - 1)
        return SIM_ENOMEM;
    if ((rs->n_children + 1) * 2 > b->hash_cap) {
        int rc = rehash(b, b->hash_cap ? b->hash_cap * 2 : 1024);
        if (rc < 0)
            return rc;
    }
    size_t k = (size_t)hash_id(id, len) & (b->hash_cap - 1);
    for (; b->hash[k]; k = (k + 1) & (b->hash_cap - 1)) {
        const char *c = rs->children[b->hash[k] - 1].id;
        if (!strncmp(c, id, len) && c[len] == 0) {
            *idx = b->hash[k] - 1;
            return 0;
        }
    }
    if (rs->n_children == b->cap_children) {
        size_t cap = b->cap_children ? b->cap_children * 2 : 256;
        rec_child_t *c = mem_reallocarray(rs->children, cap, sizeof *c);
        if (!c)
            return SIM_ENOMEM;
        rs->children = c;
        rec__kid_t *kd = mem_reallocarray(b->kids, cap, sizeof *kd);
        if (!kd)
            return SIM_ENOMEM;
        b->kids = kd;
        b->cap_children = cap;
    }
    char *copy = mem_strndup(id, len);
    if (!copy)
        return SIM_ENOMEM;
    size_t i = rs->n_children++;
    rs->children[i] = (rec_child_t){.id = copy, .dob = REC_NO_DOB};
    b->kids[i] = (rec__kid_t){.dob_rank = LONG_MIN, .file = file, .line = line};
    b->hash[k] = (uint32_t)(i + 1);
    *idx = (uint32_t)i;
    return 0;
}

/* Finds name in names[0..n), or appends a copy (at most max). -1 in *idx: too many. */
static int intern(char ***names, int *n, int max, const char *name, int *idx)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp((*names)[i], name)) {
            *idx = i;
            return 0;
        }
    if (*n >= max) {
        *idx = -1;
        return 0;
    }
    char **t = mem_reallocarray(*names, (size_t)*n + 1, sizeof *t);
    if (!t)
        return SIM_ENOMEM;
    *names = t;
    if (!(t[*n] = mem_strdup(name)))
        return SIM_ENOMEM;
    *idx = (*n)++;
    return 0;
}

int rec__stage(rec__b_t *b, const char *name, int *idx)
{
    rec_set_t *rs = b->rs;
    return intern(&rs->stages, &rs->n_stages, REC__MAX_STAGES, name, idx);
}

int rec__flag(rec__b_t *b, const char *name, uint32_t file, long line, long col, int *bit)
{
    rec_set_t *rs = b->rs;
    int rc = intern(&rs->flags, &rs->n_flags, REC_MAX_FLAGS, name, bit);
    if (rc < 0 || *bit >= 0)
        return rc;
    return rec__defect(b, REC_D_BAD_FIELD, file, line, col,
                       "more than %d different flags: careflow keeps at most %d",
                       REC_MAX_FLAGS, REC_MAX_FLAGS);
}

int rec__add(rec__b_t *b, uint32_t child, int stage, int next, long start, long end,
             uint32_t file, uint32_t line, uint32_t col)
{
    if (b->n_stays == b->cap_stays) {
        size_t cap = b->cap_stays ? b->cap_stays * 2 : 1024;
        rec__stay_t *t = mem_reallocarray(b->stays, cap, sizeof *t);
        if (!t)
            return SIM_ENOMEM;
        b->stays = t;
        b->cap_stays = cap;
    }
    b->stays[b->n_stays++] = (rec__stay_t){
        .s = {.child = child, .stage = (int16_t)stage, .next = (int16_t)next,
              .start = start, .end = end, .file = file, .line = line},
        .col = col};
    return 0;
}

/* The message of a defect or failure at file:line:col (each at least 1): SIM_EINVAL. */
static int vfail(rec__b_t *b, uint32_t file, long line, long col, const char *fmt,
                 va_list ap) __attribute__((format(printf, 5, 0)));
static int vfail(rec__b_t *b, uint32_t file, long line, long col, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return sim_err_at(b->err, b->errlen, SIM_EINVAL, b->rs->files[file], line < 1 ? 1 : line,
                      col < 1 ? 1 : col, "%s", msg);
}

/* Under --lenient: lists the defect (data_quality_rows.csv), at most REC_QROWS_KEPT. */
static int keep_qrow(rec__b_t *b, rec_defect_t kind, uint32_t file, long line, long col,
                     const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static int keep_qrow(rec__b_t *b, rec_defect_t kind, uint32_t file, long line, long col,
                     const char *fmt, va_list ap)
{
    rec_set_t *rs = b->rs;
    if (rs->n_qrows >= REC_QROWS_KEPT) {
        rs->n_qrows_more++;
        return 0;
    }
    if (rs->n_qrows == b->cap_qrows) {
        size_t cap = b->cap_qrows ? b->cap_qrows * 2 : 64;
        rec_qrow_t *t = mem_reallocarray(rs->qrows, cap, sizeof *t);
        if (!t)
            return SIM_ENOMEM;
        rs->qrows = t;
        b->cap_qrows = cap;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *m = mem_strdup(msg);
    if (!m)
        return SIM_ENOMEM;
    rs->qrows[rs->n_qrows++] = (rec_qrow_t){.kind = (uint8_t)kind, .file = file,
                                            .line = line < 1 ? 1 : line,
                                            .col = col < 1 ? 1 : col, .msg = m};
    return 0;
}

int rec__defect(rec__b_t *b, rec_defect_t kind, uint32_t file, long line, long col,
                const char *fmt, ...)
{
    va_list ap;
    if (b->o && b->o->lenient) {
        b->rs->quality[kind]++;
        va_start(ap, fmt);
        int rc = keep_qrow(b, kind, file, line, col, fmt, ap);
        va_end(ap);
        return rc;
    }
    va_start(ap, fmt);
    int rc = vfail(b, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

int rec__fail(rec__b_t *b, uint32_t file, long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(b, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- dates and names ------------------------------------------------------------ */

int rec__parse_date(const char *s, long *day)
{
    if (cal_parse(s, day) == 0)
        return REC__DS_ISO;
    return cal_parse_dmy(s, day) == 0 ? REC__DS_UK : REC__DS_NONE;
}

int rec__date(rec__b_t *b, int *style, const char *s, uint32_t file, long line, long col,
              const char *what, long *day)
{
    static const char *const names[] = {"", "YYYY-MM-DD", "DD/MM/YYYY"};
    char clip[SIM_ERR_CLIP + 1];
    int rc;
    if (!*s)
        return 0;
    int st = rec__parse_date(s, day);
    if (st == REC__DS_NONE)
        rc = rec__defect(b, REC_D_BAD_DATE, file, line, col,
                         "%s '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)", what,
                         sim_err_clip(clip, sizeof clip, s));
    else if (*style != REC__DS_NONE && st != *style)
        rc = rec__defect(b, REC_D_BAD_DATE, file, line, col,
                         "%s '%s' is written %s, but this column's earlier dates are %s",
                         what, sim_err_clip(clip, sizeof clip, s), names[st], names[*style]);
    else {
        *style = st;
        return 1;
    }
    return rc < 0 ? rc : 2;
}

int rec__is_slug(const char *s)
{
    return strlen(s) <= 64 && text_is_slug(s);
}

/* ---- CSV columns ---------------------------------------------------------------- */

/* Equal but for the case of ASCII letters? */
static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

void rec__columns(const csv_field_t *fl, int nf, const char *const *names, int n, int *col)
{
    for (int k = 0; k < n; k++)
        col[k] = -1;
    for (int i = 0; i < nf; i++)
        for (int k = 0; k < n; k++)
            if (col[k] < 0 && ieq(fl[i].s, names[k]))
                col[k] = i;
}

int rec__fields(rec__b_t *b, uint32_t f, const csv_field_t *fl, int nf, const int *col,
                const char *const *names, int n, const csv_field_t **v)
{
    for (int k = 0; k < n; k++) {
        v[k] = NULL;
        if (col[k] < 0)
            continue;
        if (col[k] >= nf) {
            int rc = rec__defect(b, REC_D_BAD_FIELD, f, fl[nf - 1].line, fl[nf - 1].col,
                                 "the row has %d field%s, but the header names %s in field "
                                 "%d", nf, nf == 1 ? "" : "s", names[k], col[k] + 1);
            return rc < 0 ? rc : 0;
        }
        v[k] = &fl[col[k]];
    }
    return 1;
}

int rec__csv_error(rec__b_t *b, uint32_t f, csv_t *r, int n)
{
    if (n != SIM_EINVAL)
        return n;
    long line, col;
    const char *why = csv_why(r, &line, &col);
    return rec__fail(b, f, line, col, "%s", why);
}

/* ---- reading files -------------------------------------------------------------- */

static int add_file(rec__b_t *b, const char *path, uint32_t *f)
{
    rec_set_t *rs = b->rs;
    if (rs->n_files == b->cap_files) {
        int cap = b->cap_files ? b->cap_files * 2 : 16;
        char **t = mem_reallocarray(rs->files, (size_t)cap, sizeof *t);
        if (!t)
            return SIM_ENOMEM;
        rs->files = t;
        b->cap_files = cap;
    }
    if (!(rs->files[rs->n_files] = mem_strdup(path)))
        return SIM_ENOMEM;
    *f = (uint32_t)rs->n_files++;
    return 0;
}

int rec__note(char ***list, int *n, const char *text)
{
    if (*n < REC_NAMES_KEPT) {
        if (!*list && !(*list = mem_calloc(REC_NAMES_KEPT, sizeof **list)))
            return SIM_ENOMEM;
        if (!((*list)[*n] = mem_strdup(text)))
            return SIM_ENOMEM;
    }
    (*n)++;
    return 0;
}

/* Kinds of file (classify). */
enum {
    K_UNKNOWN = 0,
    K_EPISODES = 1,   /* careflow episodes */
    K_UNUSED_903 = 2, /* an SSDA903 module careflow does not need */
    K_OWN_OUTPUT = 3, /* careflow's own open-cases or data_quality output */
    K_903 = 10        /* + REC__903_*: Header, Episodes, UASC */
};

/* Columns that name the SSDA903 modules careflow does not read (the DfE
 * specification's): Missing, Reviews, OC2, OC3, AD1, PlacedAdoption, PrevPerm. Each
 * such file also has CHILD, SEX and DOB, so without this check it would be read as a
 * Header file. */
static const char *const unused_903_cols[] = {
    "MISSING",     "MIS_START",          "MIS_END",          "REVIEW",      "REVIEW_CODE",
    "SDQ_SCORE",   "SDQ_REASON",         "CONVICTED",        "HEALTH_CHECK", "IMMUNISATIONS",
    "IN_TOUCH",    "ACTIV",              "ACCOM",            "DATE_INT",    "DATE_MATCH",
    "FOSTER_CARE", "NB_ADOPTR",          "SEX_ADOPTR",       "LS_ADOPTR",   "DATE_PLACED",
    "DATE_PLACED_CEASED", "REASON_PLACED_CEASED", "PREV_PERM", "LA_PERM",   "DATE_PERM"};

/* Does names[0..n) hold name (any case)? */
static int has_col(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (ieq(names[i], name))
            return 1;
    return 0;
}

/* The kind of a CSV from the names of its header row. */
static int classify(const char *const *c, int n)
{
#define H(x) has_col(c, n, x)
    if (H("child") && H("stage") && H("start") && H("dob") && H("flags") && H("history") &&
        !H("end"))
        return K_OWN_OUTPUT; /* open-cases.csv */
    if ((H("kind") && H("count") && H("action")) ||
        (H("kind") && H("file") && H("line") && H("col") && H("message")))
        return K_OWN_OUTPUT; /* data_quality.csv, data_quality_rows.csv */
    if (!H("child"))
        return K_UNKNOWN;
    if (H("stage") && H("start"))
        return K_EPISODES;
    for (size_t i = 0; i < sizeof unused_903_cols / sizeof *unused_903_cols; i++)
        if (H(unused_903_cols[i]))
            return K_UNUSED_903;
    if (H("DECOM") && (H("RNE") || H("LS") || H("PLACE")))
        return K_903 + REC__903_EPISODES;
    if (H("DUC"))
        return K_903 + REC__903_UASC;
    /* a Header: its other columns, or a bare CHILD,SEX,DOB extract (the modules that
     * also start so were recognised above by their own columns) */
    if (H("ETHNIC") || H("UPN") || H("MOTHER") || (H("SEX") && H("DOB") && !H("DECOM")))
        return K_903 + REC__903_HEADER;
    return K_UNKNOWN;
#undef H
}

/* The kind of a CSV from its header row (classify), or SIM_ENOMEM. */
static int csv_kind(const char *data, size_t len)
{
    csv_t *r;
    const csv_field_t *fl;
    if (csv_open_mem(&r, data, len, NULL) < 0)
        return SIM_ENOMEM;
    int n = csv_next(r, &fl), kind = K_UNKNOWN;
    if (n == SIM_ENOMEM)
        kind = SIM_ENOMEM;
    const char **names = n > 0 ? mem_calloc((size_t)n, sizeof *names) : NULL;
    if (n > 0 && !names)
        kind = SIM_ENOMEM;
    else if (n > 0) {
        for (int i = 0; i < n; i++)
            names[i] = fl[i].s;
        kind = classify(names, n);
    }
    mem_free(names);
    csv_close(r);
    return kind;
}

/* Does the first line, split on sep, name the columns of a kind careflow reads (a CSV
 * saved with semicolons or tabs)? */
static int splits_on(const char *data, size_t len, char sep)
{
    const char *names[64];
    char buf[2048];
    size_t k = 0;
    int n = 0;
    while (k < len && k + 1 < sizeof buf && data[k] != '\n' && data[k] != '\r') {
        buf[k] = data[k];
        k++;
    }
    buf[k] = 0;
    if (!memchr(buf, sep, k))
        return 0;
    for (char *p = buf; n < 64;) {
        char *e = strchr(p, sep);
        if (e)
            *e = 0;
        while (*p == ' ' || *p == '"')
            p++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == ' ' || p[l - 1] == '"'))
            p[--l] = 0;
        names[n++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    int kind = classify(names, n);
    return kind == K_EPISODES || kind > K_903;
}

static int read_file(rec__b_t *b, const char *path, int in_folder)
{
    int rs_unread = 0; /* K_UNUSED_903 or K_OWN_OUTPUT: a file that is not records */
    uint32_t f;
    input_t in;
    char why[256];
    int rc = add_file(b, path, &f);
    if (rc < 0)
        return rc;
    rc = input_read(path, REC__MAX_BYTES - b->bytes_read, &in, why, sizeof why);
    if (rc == SIM_ENOMEM)
        return rc;
    if (rc == SIM_ERANGE)
        return rec__fail(b, f, 1, 1, "cannot read the file: the records read come to more "
                                     "than %zu bytes", REC__MAX_BYTES);
    if (rc < 0)
        return sim_err_at(b->err, b->errlen, rc == SIM_EIO ? SIM_EIO : SIM_EINVAL, path, 1,
                          1, "cannot read the file: %s", why);
    b->bytes_read += in.len;
    const char *d = in.data;
    size_t len = in.len;
    if (len >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3)) {
        d += 3;
        len -= 3;
    }
    size_t k = 0;
    while (k < len && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r' || d[k] == '\n'))
        k++;
    if (k < len && d[k] == '<')
        rc = rec__read_cin(b, f, d, len);
    else {
        int kind = csv_kind(d, len);
        const char *hint = "";
        if (kind == K_UNKNOWN && (splits_on(d, len, ';') || splits_on(d, len, '\t')))
            hint = " (its first line splits into the columns careflow reads on ';' or a "
                   "tab: save it as comma-separated CSV)";
        else if (kind == K_UNKNOWN && in_folder)
            hint = " (found in a folder of records: move it out of the folder, or give "
                   "the record files by name)";
        if (kind < 0)
            rc = kind;
        else if (kind == K_EPISODES)
            rc = rec__read_episodes(b, f, d, len);
        else if (kind > K_903)
            rc = rec__read_903(b, f, d, len, kind - K_903);
        else if (kind == K_UNUSED_903 || kind == K_OWN_OUTPUT) {
            /* not records: forget the file (it is named in the lists, not in files) */
            rs_unread = kind;
        } else
            rc = rec__fail(b, f, 1, 1,
                           "not a kind of file careflow reads: the header row is none of "
                           "careflow episodes (child,stage,start,...), SSDA903 Header "
                           "(CHILD,SEX,DOB,ETHNIC,...), Episodes (CHILD,DECOM,RNE,LS,...) "
                           "or UASC (CHILD,...,DUC), and it is not CIN census XML%s",
                           hint);
    }
    input_free(&in);
    if (rc == 0 && rs_unread) {
        rec_set_t *rs = b->rs;
        mem_free(rs->files[--rs->n_files]);
        if (rs_unread == K_UNUSED_903)
            rc = rec__note(&rs->unused_903, &rs->n_unused_903, path);
        else
            rc = rec__note(&rs->own_outputs, &rs->n_own_outputs, path);
    }
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_path(rec__b_t *b, const char *path, int depth);

int rec_is_record_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && (!strcasecmp(name + n - 4, ".csv") || !strcasecmp(name + n - 4, ".xml"));
}

/* Is DIR/NAME a folder (followed through links)? */
static int is_dir_at(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
        return 1; /* let read_path report what it finds */
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_dir(rec__b_t *b, const char *path, int depth)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    {
        /* careflow's own output sets (run, compare, ...) hold the marker: not records */
        char mk[4096];
        struct stat st;
        if (snprintf(mk, sizeof mk, "%s/" OUTTX_MARKER, path) < (int)sizeof mk &&
            stat(mk, &st) == 0)
            return rec__note(&b->rs->own_outputs, &b->rs->n_own_outputs, path);
    }
    DIR *d = opendir(path);
    if (!d)
        return sim_err_at(b->err, b->errlen, SIM_EINVAL, path, 1, 1,
                          "cannot read the folder");
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, "." and ".." */
        if (!rec_is_record_name(e->d_name) && !is_dir_at(path, e->d_name)) {
            /* a README, a PDF, a script: not records */
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            char *p = mem_alloc(len);
            if (!p) {
                rc = SIM_ENOMEM;
                break;
            }
            snprintf(p, len, "%s/%s", path, e->d_name);
            rc = rec__note(&b->rs->other_files, &b->rs->n_other_files, p);
            mem_free(p);
            if (rc < 0)
                break;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **t = mem_reallocarray(names, cap, sizeof *t);
            if (!t) {
                rc = SIM_ENOMEM;
                break;
            }
            names = t;
        }
        if (!(names[n] = mem_strdup(e->d_name))) {
            rc = SIM_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *p = mem_alloc(len);
        if (!p) {
            rc = SIM_ENOMEM;
            break;
        }
        snprintf(p, len, "%s/%s", path, names[i]);
        rc = read_path(b, p, depth + 1);
        mem_free(p);
    }
    for (size_t i = 0; i < n; i++)
        mem_free(names[i]);
    mem_free(names);
    if (rc == SIM_ENOMEM)
        sim_err_set(b->err, b->errlen, rc, "out of memory");
    return rc;
}

static int read_path(rec__b_t *b, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (depth >= MAX_DEPTH)
            return sim_err_at(b->err, b->errlen, SIM_EINVAL, path, 1, 1,
                              "folders nested more than %d deep (a link loop?)", MAX_DEPTH);
        return read_dir(b, path, depth);
    }
    return read_file(b, path, depth > 0);
}

/* ---- finishing the set ---------------------------------------------------------- */

static int cmp_stay(const void *pa, const void *pb)
{
    const rec_stay_t *a = &((const rec__stay_t *)pa)->s, *b = &((const rec__stay_t *)pb)->s;
    if (a->child != b->child)
        return a->child < b->child ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->stage != b->stage)
        return a->stage < b->stage ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Removes stays marked with child UINT32_MAX. */
static void sweep(rec__b_t *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n_stays; i++)
        if (b->stays[i].s.child != UINT32_MAX)
            b->stays[k++] = b->stays[i];
    b->n_stays = k;
}

/* Children with no date of birth: a defect at their first record. */
static int check_dob(rec__b_t *b)
{
    rec_set_t *rs = b->rs;
    uint8_t *used = mem_calloc(rs->n_children + 1, 1);
    if (!used)
        return SIM_ENOMEM;
    for (size_t i = 0; i < b->n_stays; i++)
        used[b->stays[i].s.child] = 1;
    for (size_t i = 0; i < rs->n_children; i++) {
        if (rs->children[i].dob != REC_NO_DOB || b->kids[i].dropped || !used[i])
            continue;
        char clip[SIM_ERR_CLIP + 1];
        int rc = rec__defect(b, REC_D_NO_DOB, b->kids[i].file, b->kids[i].line, 1,
                             "child '%s' has no date of birth in any file read",
                             sim_err_clip(clip, sizeof clip, rs->children[i].id));
        if (rc < 0) {
            mem_free(used);
            return rc;
        }
        b->kids[i].dropped = 1;
    }
    mem_free(used);
    int any = 0;
    for (size_t i = 0; i < b->n_stays; i++)
        if (b->kids[b->stays[i].s.child].dropped) {
            b->stays[i].s.child = UINT32_MAX;
            any = 1;
        }
    if (any)
        sweep(b);
    return 0;
}

/* Overlapping stays of one child in one stage (stays sorted). */
static int check_overlap(rec__b_t *b)
{
    rec_set_t *rs = b->rs;
    long *maxend = mem_calloc((size_t)rs->n_stages + 1, sizeof *maxend);
    size_t *prev = mem_calloc((size_t)rs->n_stages + 1, sizeof *prev);
    int rc = 0, moved = 0, gone = 0;
    if (!maxend || !prev) {
        rc = SIM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < b->n_stays;) {
        size_t j = i;
        uint32_t c = b->stays[i].s.child;
        for (; j < b->n_stays && b->stays[j].s.child == c; j++)
            maxend[b->stays[j].s.stage] = LONG_MIN;
        for (size_t k = i; k < j; k++) {
            rec__stay_t *s = &b->stays[k];
            int g = s->s.stage;
            if (maxend[g] != LONG_MIN && s->s.start < maxend[g]) {
                const rec__stay_t *p = &b->stays[prev[g]];
                char clip[SIM_ERR_CLIP + 1], d1[11], d2[11];
                cal_format(p->s.start, d1);
                cal_format(s->s.start, d2);
                /* the same stay from two files: most likely one history given twice */
                int twice = p->s.start == s->s.start && p->s.end == s->s.end &&
                            p->s.file != s->s.file;
                rc = rec__defect(b, REC_D_OVERLAP, s->s.file, s->s.line, s->col,
                                 "child '%s' has a stay in '%s' starting %s while its stay "
                                 "starting %s (%s:%lu) is not over%s",
                                 sim_err_clip(clip, sizeof clip, rs->children[c].id),
                                 rs->stages[g], d2, d1, rs->files[p->s.file],
                                 (unsigned long)p->s.line,
                                 twice ? " (the same stay in two files: are the same records "
                                         "given twice, e.g. an episodes file and the returns "
                                         "it was made from?)"
                                       : "");
                if (rc < 0)
                    goto out;
                if (maxend[g] == REC_OPEN || (s->s.end != REC_OPEN && s->s.end < maxend[g])) {
                    s->s.child = UINT32_MAX; /* nothing of it is left */
                    gone = 1;
                    continue;
                }
                s->s.start = maxend[g];
                moved = 1;
            }
            if (maxend[g] == LONG_MIN || s->s.end > maxend[g]) {
                maxend[g] = s->s.end;
                prev[g] = k;
            }
        }
        i = j;
    }
    if (gone)
        sweep(b);
    if (moved)
        qsort(b->stays, b->n_stays, sizeof *b->stays, cmp_stay);
out:
    mem_free(maxend);
    mem_free(prev);
    return rc;
}

/* next of a closed stay with REC__INFER: the child's stay starting on its end. */
static void infer_next(rec__b_t *b)
{
    for (size_t i = 0; i < b->n_stays;) {
        size_t j = i;
        uint32_t c = b->stays[i].s.child;
        while (j < b->n_stays && b->stays[j].s.child == c)
            j++;
        for (size_t k = i; k < j; k++) {
            rec_stay_t *s = &b->stays[k].s;
            if (s->next != REC__INFER)
                continue;
            s->next = REC_EXIT;
            if (s->end == REC_OPEN)
                continue;
            size_t lo = i, hi = j; /* first stay of the child starting on or after end */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (b->stays[mid].s.start < s->end)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < j && b->stays[lo].s.start == s->end; lo++)
                if (lo != k) {
                    s->next = b->stays[lo].s.stage;
                    break;
                }
        }
        i = j;
    }
}

/* Drops children without stays, keeping order, and renumbers the stays' children. */
static int compact_children(rec__b_t *b)
{
    rec_set_t *rs = b->rs;
    uint32_t *map = mem_alloc((rs->n_children + 1) * sizeof *map);
    if (!map)
        return SIM_ENOMEM;
    for (size_t i = 0; i < rs->n_children; i++)
        map[i] = UINT32_MAX;
    for (size_t i = 0; i < b->n_stays; i++)
        map[b->stays[i].s.child] = 0;
    size_t k = 0;
    for (size_t i = 0; i < rs->n_children; i++) {
        if (map[i] == UINT32_MAX) {
            mem_free(rs->children[i].id);
            continue;
        }
        map[i] = (uint32_t)k;
        rs->children[k++] = rs->children[i];
    }
    rs->n_children = k;
    for (size_t i = 0; i < b->n_stays; i++)
        b->stays[i].s.child = map[b->stays[i].s.child];
    mem_free(map);
    return 0;
}

/* Applies the extract date: later starts dropped, later ends open. */
static void cut_stays(rec_stay_t *st, size_t *n, long date)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        rec_stay_t s = st[i];
        if (s.start > date)
            continue;
        if (s.end != REC_OPEN && s.end > date) {
            s.end = REC_OPEN;
            s.next = REC_NONE;
        }
        if (s.end == REC_OPEN)
            s.next = REC_NONE;
        st[k++] = s;
    }
    *n = k;
}

/* Puts the stages in pathway order (the names careflow's readers give, then any
 * others as first read), so an estimated scenario lists them as a planner reads a
 * pathway; every stay's stage and next follow. */
static int order_stages(rec__b_t *b)
{
    static const char *const pathway[] = {"referral", "early_help", "assessment",
                                          "cin",      "cp",         "care"};
    rec_set_t *rs = b->rs;
    int n = rs->n_stages, k = 0;
    if (n == 0)
        return 0; /* no stays (a lone Header file): nothing to order, and rs->stages NULL */
    int *to = mem_alloc(((size_t)n + 1) * sizeof *to);
    char **names = mem_alloc(((size_t)n + 1) * sizeof *names);
    if (!to || !names) {
        mem_free(to);
        mem_free(names);
        return SIM_ENOMEM;
    }
    for (int i = 0; i < n; i++)
        to[i] = -1;
    for (size_t p = 0; p < sizeof pathway / sizeof *pathway; p++)
        for (int i = 0; i < n; i++)
            if (to[i] < 0 && !strcmp(rs->stages[i], pathway[p]))
                to[i] = k++;
    for (int i = 0; i < n; i++)
        if (to[i] < 0)
            to[i] = k++;
    for (int i = 0; i < n; i++)
        names[to[i]] = rs->stages[i];
    memcpy(rs->stages, names, (size_t)n * sizeof *names);
    for (size_t i = 0; i < b->n_stays; i++) {
        rec_stay_t *st = &b->stays[i].s;
        st->stage = (int16_t)to[st->stage];
        if (st->next >= 0)
            st->next = (int16_t)to[st->next];
    }
    mem_free(to);
    mem_free(names);
    return 0;
}

/* The day the chain of stays from stays[i] ends: its next stays followed (within the
 * child's stays [a, b), read from the same file) to a stay leaving to exit; LONG_MAX
 * when the chain is still open or leads into another file or to a stay not in the
 * records (what keeps it listed there is not known). At most b - a links. */
static long chain_end(const rec_set_t *rs, size_t a, size_t b, size_t i)
{
    for (size_t step = a; step < b; step++) {
        const rec_stay_t *st = &rs->stays[i];
        if (st->end == REC_OPEN)
            return LONG_MAX;
        if (st->next < 0)
            return st->end;
        size_t j = b;
        for (size_t k = a; k < b; k++)
            if (k != i && rs->stays[k].start == st->end && rs->stays[k].stage == st->next &&
                rs->stays[k].file == st->file) {
                j = k;
                break;
            }
        if (j == b)
            return LONG_MAX;
        i = j;
    }
    return rs->stays[i].end == REC_OPEN ? LONG_MAX : rs->stays[i].end;
}

/* rs->observed_from (records.h): per stage, the earliest day a closed chain through one
 * of its stays ends (the chain: the stay and the next stays it led to, up to exit). An
 * extract lists what was open or ended since it began, so a chain that ended is listed
 * only if it ended since then; a stay itself may have ended long before (a census's
 * referral stay in a referral still open on a plan). With no closed chain, the earliest
 * end of a closed stay, else the earliest start. 0 or SIM_ENOMEM. */
static int set_observed_from(rec_set_t *rs)
{
    size_t ns = (size_t)rs->n_stages + 1;
    long *ends = mem_alloc(ns * sizeof *ends);
    long *starts = mem_alloc(ns * sizeof *starts);
    long *chains = mem_alloc(ns * sizeof *chains);
    if (!ends || !starts || !chains) {
        mem_free(ends);
        mem_free(starts);
        mem_free(chains);
        return SIM_ENOMEM;
    }
    for (int g = 0; g < rs->n_stages; g++)
        ends[g] = starts[g] = chains[g] = LONG_MAX;
    for (size_t a = 0; a < rs->n_stays;) {
        size_t b = a;
        while (b < rs->n_stays && rs->stays[b].child == rs->stays[a].child)
            b++;
        for (size_t i = a; i < b; i++) {
            const rec_stay_t *st = &rs->stays[i];
            if (st->end != REC_OPEN && st->end < ends[st->stage])
                ends[st->stage] = st->end;
            if (st->start < starts[st->stage])
                starts[st->stage] = st->start;
            long c = chain_end(rs, a, b, i);
            if (c < chains[st->stage])
                chains[st->stage] = c;
        }
        a = b;
    }
    for (int g = 0; g < rs->n_stages; g++)
        if (chains[g] != LONG_MAX)
            ends[g] = chains[g];
        else if (ends[g] == LONG_MAX)
            ends[g] = starts[g] == LONG_MAX ? rs->first : starts[g];
    mem_free(starts);
    mem_free(chains);
    mem_free(rs->observed_from);
    rs->observed_from = ends;
    return 0;
}

static int finish(rec__b_t *b, const char *first_path)
{
    rec_set_t *rs = b->rs;
    int rc;
    if ((rc = rec__finish_903(b)) < 0 || (rc = rec__finish_cin(b)) < 0)
        return rc;
    if ((rc = check_dob(b)) < 0 || (rc = order_stages(b)) < 0)
        return rc;
    if (b->n_stays)
        qsort(b->stays, b->n_stays, sizeof *b->stays, cmp_stay);
    if ((rc = check_overlap(b)) < 0)
        return rc;
    infer_next(b);
    long extract = LONG_MIN;
    for (size_t i = 0; i < b->n_stays; i++) {
        const rec_stay_t *s = &b->stays[i].s;
        if (s->start > extract)
            extract = s->start;
        if (s->end != REC_OPEN && s->end > extract)
            extract = s->end;
    }
    if (b->o && b->o->as_of)
        extract = b->o->as_of;
    if (b->n_stays == 0 && rs->n_files)
        return rec__fail(b, 0, 1, 1, "no records in the %d file%s read", rs->n_files,
                         rs->n_files == 1 ? "" : "s");
    if (b->n_stays == 0) {
        char why[512] = "";
        size_t l = 0;
        if (rs->n_other_files)
            l += (size_t)snprintf(why + l, sizeof why - l, "; %d other file%s, not named "
                                  "*.csv or *.xml", rs->n_other_files,
                                  rs->n_other_files == 1 ? "" : "s");
        if (rs->n_unused_903 && l < sizeof why)
            l += (size_t)snprintf(why + l, sizeof why - l, "; %d SSDA903 file%s careflow "
                                  "does not need", rs->n_unused_903,
                                  rs->n_unused_903 == 1 ? "" : "s");
        if (rs->n_own_outputs && l < sizeof why)
            snprintf(why + l, sizeof why - l, "; %d of careflow's own outputs",
                     rs->n_own_outputs);
        return sim_err_at(b->err, b->errlen, SIM_EINVAL, first_path, 1, 1,
                          "no files with records here%s%s%s", *why ? " (" : "",
                          *why ? why + 2 : "", *why ? ")" : "");
    }
    size_t k = 0; /* the cut, as cut_stays does */
    for (size_t i = 0; i < b->n_stays; i++) {
        rec_stay_t *s = &b->stays[i].s;
        if (s->start > extract)
            continue;
        if (s->end != REC_OPEN && s->end > extract)
            s->end = REC_OPEN;
        if (s->end == REC_OPEN)
            s->next = REC_NONE;
        b->stays[k++] = b->stays[i];
    }
    b->n_stays = k;
    rs->extract = extract;
    if ((rc = compact_children(b)) < 0)
        return rc;
    rs->stays = mem_reallocarray(NULL, b->n_stays + 1, sizeof *rs->stays);
    if (!rs->stays)
        return SIM_ENOMEM;
    rs->n_stays = b->n_stays;
    rs->first = LONG_MAX;
    for (size_t i = 0; i < rs->n_stays; i++) {
        rs->stays[i] = b->stays[i].s;
        if (rs->stays[i].start < rs->first)
            rs->first = rs->stays[i].start;
    }
    if (rs->n_stays == 0)
        return rec__fail(b, 0, 1, 1, "no records on or before the extract date");
    if ((rc = set_observed_from(rs)) < 0)
        return rc;
    return rec__cin_observed_from(b);
}

static void b_free(rec__b_t *b)
{
    rec__free_903(b);
    rec__free_cin(b);
    mem_free(b->kids);
    mem_free(b->hash);
    mem_free(b->stays);
}

int rec_read(const char *const *paths, int n_paths, const rec_opts_t *o, rec_set_t **out,
             char *err, size_t errlen)
{
    rec__b_t b = {.o = o, .err = err, .errlen = errlen};
    int rc = 0;
    *out = NULL;
    if (errlen)
        err[0] = 0;
    if (!(b.rs = mem_calloc(1, sizeof *b.rs)))
        return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    if (n_paths < 1)
        rc = sim_err_set(err, errlen, SIM_EINVAL, "no records given");
    for (int i = 0; i < n_paths && rc == 0; i++)
        rc = read_path(&b, paths[i], 0);
    if (rc == 0)
        rc = finish(&b, n_paths > 0 ? paths[0] : "");
    b_free(&b);
    if (rc < 0) {
        if (rc == SIM_ENOMEM)
            sim_err_set(err, errlen, rc, "out of memory");
        rec_free(b.rs);
        return rc;
    }
    *out = b.rs;
    return 0;
}

/* ---- the rest of the interface -------------------------------------------------- */

static char **dup_names(char *const *names, int n, int *ok)
{
    char **t = mem_calloc((size_t)n + 1, sizeof *t);
    if (!t) {
        *ok = 0;
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!(t[i] = mem_strdup(names[i])))
            *ok = 0;
    return t;
}

/* A list of kept names (at most REC_NAMES_KEPT of n) copied; NULL on failure. */
static int copy_kept(char ***dst, char *const *src, int n)
{
    int ok = 1;
    if (!src)
        return 0;
    *dst = dup_names(src, n < REC_NAMES_KEPT ? n : REC_NAMES_KEPT, &ok);
    return ok ? 0 : SIM_ENOMEM;
}

/* What rec_cut copies besides stays: the lists of files not read, the warnings and
 * the defects listed (the cut is of the same files). c's counts are set first so
 * rec_free frees what was copied. */
static int copy_lists(rec_set_t *c, const rec_set_t *rs)
{
    c->n_unused_903 = rs->n_unused_903;
    c->n_own_outputs = rs->n_own_outputs;
    c->n_warnings = rs->n_warnings;
    if (copy_kept(&c->other_files, rs->other_files, rs->n_other_files) < 0 ||
        copy_kept(&c->unused_903, rs->unused_903, rs->n_unused_903) < 0 ||
        copy_kept(&c->own_outputs, rs->own_outputs, rs->n_own_outputs) < 0 ||
        copy_kept(&c->warnings, rs->warnings, rs->n_warnings) < 0)
        return SIM_ENOMEM;
    if (rs->n_qrows) {
        if (!(c->qrows = mem_calloc(rs->n_qrows, sizeof *c->qrows)))
            return SIM_ENOMEM;
        for (size_t i = 0; i < rs->n_qrows; i++) {
            c->qrows[i] = rs->qrows[i];
            c->qrows[i].msg = NULL;
            c->n_qrows = i + 1;
            if (!(c->qrows[i].msg = mem_strdup(rs->qrows[i].msg)))
                return SIM_ENOMEM;
        }
    }
    c->n_qrows_more = rs->n_qrows_more;
    return 0;
}

int rec_cut(const rec_set_t *rs, long date, rec_set_t **out)
{
    rec_set_t *c = mem_calloc(1, sizeof *c);
    int ok = 1;
    *out = NULL;
    if (!c)
        return SIM_ENOMEM;
    c->n_stages = rs->n_stages;
    c->stages = dup_names(rs->stages, rs->n_stages, &ok);
    c->n_flags = rs->n_flags;
    c->flags = dup_names(rs->flags, rs->n_flags, &ok);
    c->n_files = rs->n_files;
    c->n_other_files = rs->n_other_files;
    c->files = dup_names(rs->files, rs->n_files, &ok);
    c->children = mem_calloc(rs->n_children + 1, sizeof *c->children);
    c->stays = mem_reallocarray(NULL, rs->n_stays + 1, sizeof *c->stays);
    if (!ok || !c->children || !c->stays) {
        rec_free(c);
        return SIM_ENOMEM;
    }
    c->n_children = rs->n_children;
    for (size_t i = 0; i < rs->n_children; i++) {
        c->children[i] = rs->children[i];
        if (!(c->children[i].id = mem_strdup(rs->children[i].id))) {
            rec_free(c);
            return SIM_ENOMEM;
        }
    }
    memcpy(c->stays, rs->stays, rs->n_stays * sizeof *c->stays);
    c->n_stays = rs->n_stays;
    cut_stays(c->stays, &c->n_stays, date);
    c->extract = date;
    c->first = c->n_stays ? LONG_MAX : rs->first;
    for (size_t i = 0; i < c->n_stays; i++)
        if (c->stays[i].start < c->first)
            c->first = c->stays[i].start;
    memcpy(c->quality, rs->quality, sizeof c->quality);
    if (copy_lists(c, rs) < 0 || set_observed_from(c) < 0) {
        rec_free(c);
        return SIM_ENOMEM;
    }
    /* an earlier extract holds no more history than the records it is cut from */
    for (int g = 0; g < c->n_stages && rs->observed_from; g++)
        if (rs->observed_from[g] > c->observed_from[g])
            c->observed_from[g] = rs->observed_from[g];
    *out = c;
    return 0;
}

int rec_stage_index(const rec_set_t *rs, const char *name)
{
    for (int i = 0; i < rs->n_stages; i++)
        if (!strcmp(rs->stages[i], name))
            return i;
    return -1;
}

int rec_flag_index(const rec_set_t *rs, const char *name)
{
    for (int i = 0; i < rs->n_flags; i++)
        if (!strcmp(rs->flags[i], name))
            return i;
    return -1;
}

int rec_write_quality(const rec_set_t *rs, FILE *f)
{
    fputs("kind,count,action\n", f);
    for (int k = 0; k < REC_D_N; k++) {
        fmt_field(f, rec_defect_names[k]);
        fprintf(f, ",%ld,", rs->quality[k]);
        fmt_field(f, rec_defect_actions[k]);
        fputc('\n', f);
    }
    return ferror(f) ? SIM_EIO : 0;
}

int rec_write_quality_rows(const rec_set_t *rs, FILE *f)
{
    fputs("kind,file,line,col,message\n", f);
    for (size_t i = 0; i < rs->n_qrows; i++) {
        const rec_qrow_t *q = &rs->qrows[i];
        fmt_field(f, rec_defect_names[q->kind]);
        fputc(',', f);
        fmt_field(f, q->file < (uint32_t)rs->n_files ? rs->files[q->file] : "");
        fprintf(f, ",%ld,%ld,", q->line, q->col);
        fmt_field(f, q->msg);
        fputc('\n', f);
    }
    return ferror(f) ? SIM_EIO : 0;
}

static void free_names(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n && i < REC_NAMES_KEPT; i++)
        mem_free(names[i]);
    mem_free(names);
}

void rec_free(rec_set_t *rs)
{
    if (!rs)
        return;
    free_names(rs->other_files, rs->n_other_files);
    free_names(rs->unused_903, rs->n_unused_903);
    free_names(rs->own_outputs, rs->n_own_outputs);
    free_names(rs->warnings, rs->n_warnings);
    for (size_t i = 0; i < rs->n_qrows; i++)
        mem_free(rs->qrows[i].msg);
    mem_free(rs->qrows);
    for (int i = 0; i < rs->n_stages; i++)
        mem_free(rs->stages[i]);
    mem_free(rs->stages);
    for (int i = 0; i < rs->n_flags; i++)
        mem_free(rs->flags[i]);
    mem_free(rs->flags);
    for (size_t i = 0; i < rs->n_children; i++)
        mem_free(rs->children[i].id);
    mem_free(rs->children);
    mem_free(rs->stays);
    mem_free(rs->observed_from);
    for (int i = 0; i < rs->n_files; i++)
        mem_free(rs->files[i]);
    mem_free(rs->files);
    mem_free(rs);
}
