/* rec_903.c: the SSDA903 reader (the looked-after children return): Header
 * (CHILD,SEX,DOB,...), Episodes (CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,...)
 * and UASC (CHILD,...,DUC) files, each optionally with LA and YEAR columns, one set per
 * year, in any number of files and folders.
 *
 * Rows are gathered while the files are read (struct rec__903) and merged once every
 * file is read (rec__finish_903), since a later file may hold a later return of the
 * same episode:
 * - a row's return date (its rank) is YEAR-03-31 when the row has a YEAR, else the
 *   latest date in its file;
 * - the same episode (CHILD + DECOM) in several returns counts once: the row of the
 *   latest return wins (ties: the row read last). Two rows of one return that differ
 *   (DEC or REC) are a conflicting_duplicate;
 * - a child's sex and date of birth come from its Header row of the latest return;
 * - episodes of a child, by DECOM, form periods of care: an episode whose DEC is the
 *   next one's DECOM and whose REC is X1 continues into it; any other DEC ends the
 *   period; an episode without DEC leaves it open. Each period is one stay in stage
 *   `care`, its next settled later (REC__INFER: the child's stay starting on the day
 *   the period ends, else exit);
 * - a child in a UASC file carries flag `uasc`.
 * LA is read past (a set is one council's). */
#include <stdlib.h>
#include <string.h>

#include "models/records/rec_int.h"
#include "sim/cal.h"
#include "sim/csv.h"
#include "sim/err.h"
#include "sim/mem.h"

typedef struct hdr_row {
    uint32_t child;  /* child index */
    uint32_t file;   /* file index */
    uint32_t line;   /* row's line */
    long dob;        /* date of birth */
    long year;       /* YEAR-03-31, or LONG_MIN when the row has no YEAR */
    char sex;        /* 'M', 'F' or 0 */
} hdr_row_t;

typedef struct ep_row {
    uint32_t child;  /* child index */
    uint32_t file;   /* file index */
    uint32_t line;   /* row's line */
    uint32_t col;    /* DECOM's column */
    uint32_t order;  /* rows in reading order, for ties */
    long decom;      /* episode start */
    long dec;        /* episode end, or REC_OPEN */
    long rank;       /* return date: YEAR-03-31 or the file's latest date */
    char rec[8];     /* REC code, NUL-terminated ("" when none) */
    uint8_t dead;    /* 0, or 1 + the defect kind of a row skipped under --lenient whose
                      * key (CHILD, DECOM) is known: it still claims its episode for its
                      * return, so older returns' rows of the episode are dropped too */
} ep_row_t;

/* A return (a YEAR, or the folder of files without YEAR) and the kinds read for it. */
typedef struct ret_group {
    char *name;      /* "2023" (a YEAR) or a folder path */
    uint8_t kinds;   /* bit 1 << REC__903_HEADER, 1 << REC__903_EPISODES */
} ret_group_t;

struct rec__903 {
    hdr_row_t *hdr;    /* Header rows read */
    size_t n_hdr;      /* how many */
    size_t cap_hdr;    /* allocated */
    ep_row_t *ep;      /* Episodes rows read */
    size_t n_ep;       /* how many */
    size_t cap_ep;     /* allocated */
    uint32_t *uasc;    /* children named in UASC files */
    size_t n_uasc;     /* how many */
    size_t cap_uasc;   /* allocated */
    long *latest;      /* per file index: its latest date (LONG_MIN none) */
    size_t cap_latest; /* allocated */
    ret_group_t *grp;  /* returns seen, for the Header-without-Episodes warning */
    size_t n_grp;      /* how many */
    size_t cap_grp;    /* allocated */
    long years[32];    /* YEARs seen in the file being read (the first 32) */
    int n_years;       /* how many */
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    while (c <= n)
        c *= 2;
    void *t = mem_reallocarray(*p, c, size);
    if (!t)
        return SIM_ENOMEM;
    *p = t;
    *cap = c;
    return 0;
}

enum { K_CHILD, K_SEX, K_DOB, K_DECOM, K_DEC, K_REC, K_YEAR, K_DUC, K_N };
static const char *const key_names[K_N] = {"CHILD", "SEX", "DOB",  "DECOM",
                                           "DEC",   "REC", "YEAR", "DUC"};

static void note_date(struct rec__903 *p, uint32_t f, long day)
{
    if (day > p->latest[f])
        p->latest[f] = day;
}

/* One row of any of the three kinds; 0 (kept or skipped) or a code. */
static int row(rec__b_t *b, struct rec__903 *p, uint32_t f, int kind, const csv_field_t *fl,
               int n, const int *col, int *styles)
{
    char clip[SIM_ERR_CLIP + 1];
    const csv_field_t *v[K_N];
    long line = fl[0].line;
    int rc = rec__fields(b, f, fl, n, col, key_names, K_N, v);
    if (rc <= 0)
        return rc;
#define BAD(kd, fld, ...)                                                                \
    do {                                                                                 \
        rc = rec__defect(b, kd, f, (fld)->line, (fld)->col, __VA_ARGS__);                \
        return rc < 0 ? rc : 0;                                                          \
    } while (0)
    if (!v[K_CHILD]->len)
        BAD(REC_D_BAD_FIELD, v[K_CHILD], "CHILD is empty");
    long year = LONG_MIN;
    if (v[K_YEAR] && v[K_YEAR]->len) {
        char *e;
        long y = strtol(v[K_YEAR]->s, &e, 10);
        if (*e || y < 1900 || y > 9999)
            BAD(REC_D_BAD_FIELD, v[K_YEAR], "YEAR '%s' is not a year",
                sim_err_clip(clip, sizeof clip, v[K_YEAR]->s));
        year = cal_from_ymd((int)y, 3, 31);
        int seen = 0;
        for (int i = 0; i < p->n_years; i++)
            seen |= p->years[i] == y;
        if (!seen && p->n_years < (int)(sizeof p->years / sizeof *p->years))
            p->years[p->n_years++] = y;
    }
    uint32_t c;
    if (kind == REC__903_UASC) {
        if ((rc = rec__child(b, v[K_CHILD]->s, v[K_CHILD]->len, f, (uint32_t)line, &c)) < 0 ||
            (rc = grow((void **)&p->uasc, &p->cap_uasc, p->n_uasc, sizeof *p->uasc)) < 0)
            return rc;
        p->uasc[p->n_uasc++] = c;
        return 0;
    }
    if (kind == REC__903_HEADER) {
        long dob;
        char sex = 0;
        const char *s = v[K_SEX]->s;
        if (!strcmp(s, "1") || !strcmp(s, "M") || !strcmp(s, "m"))
            sex = 'M';
        else if (!strcmp(s, "2") || !strcmp(s, "F") || !strcmp(s, "f"))
            sex = 'F';
        else if (*s)
            BAD(REC_D_BAD_FIELD, v[K_SEX], "SEX '%s' is not 1 (male) or 2 (female)",
                sim_err_clip(clip, sizeof clip, s));
        if ((rc = rec__child(b, v[K_CHILD]->s, v[K_CHILD]->len, f, (uint32_t)line, &c)) < 0)
            return rc;
        if (!v[K_DOB]->len) {
            rc = rec__defect(b, REC_D_NO_DOB, f, line, v[K_DOB]->col,
                             "child '%s' has no DOB", sim_err_clip(clip, sizeof clip,
                                                                   v[K_CHILD]->s));
            if (rc == 0)
                b->kids[c].dropped = 1;
            return rc;
        }
        rc = rec__date(b, &styles[K_DOB], v[K_DOB]->s, f, line, v[K_DOB]->col, "DOB", &dob);
        if (rc != 1)
            return rc < 0 ? rc : 0;
        note_date(p, f, dob);
        if ((rc = grow((void **)&p->hdr, &p->cap_hdr, p->n_hdr, sizeof *p->hdr)) < 0)
            return rc;
        p->hdr[p->n_hdr++] = (hdr_row_t){.child = c, .file = f, .line = (uint32_t)line,
                                         .dob = dob, .year = year, .sex = sex};
        return 0;
    }
    long decom, dec = REC_OPEN;
    if (!v[K_DECOM]->len)
        BAD(REC_D_BAD_DATE, v[K_DECOM], "DECOM is empty");
    rc = rec__date(b, &styles[K_DECOM], v[K_DECOM]->s, f, line, v[K_DECOM]->col, "DECOM",
                   &decom);
    if (rc != 1)
        return rc < 0 ? rc : 0;
    /* from here on the episode's key (CHILD, DECOM) is known: a row skipped under
     * --lenient is kept as `dead`, to claim its episode for its return */
    int dead = 0;
    rc = rec__date(b, &styles[K_DEC], v[K_DEC]->s, f, line, v[K_DEC]->col, "DEC", &dec);
    if (rc < 0)
        return rc;
    if (rc == 2)
        dead = 1 + REC_D_BAD_DATE;
    else if (dec != REC_OPEN && dec < decom) {
        rc = rec__defect(b, REC_D_END_BEFORE_START, f, v[K_DEC]->line, v[K_DEC]->col,
                         "DEC %s is before DECOM %s", v[K_DEC]->s, v[K_DECOM]->s);
        if (rc < 0)
            return rc;
        dead = 1 + REC_D_END_BEFORE_START;
    } else if (v[K_REC]->len >= sizeof((ep_row_t *)0)->rec) {
        rc = rec__defect(b, REC_D_BAD_FIELD, f, v[K_REC]->line, v[K_REC]->col,
                         "REC '%s' is not a reason episode ceased code",
                         sim_err_clip(clip, sizeof clip, v[K_REC]->s));
        if (rc < 0)
            return rc;
        dead = 1 + REC_D_BAD_FIELD;
    }
    if ((rc = rec__child(b, v[K_CHILD]->s, v[K_CHILD]->len, f, (uint32_t)line, &c)) < 0 ||
        (rc = grow((void **)&p->ep, &p->cap_ep, p->n_ep, sizeof *p->ep)) < 0)
        return rc;
    ep_row_t *e = &p->ep[p->n_ep];
    *e = (ep_row_t){.child = c, .file = f, .line = (uint32_t)line,
                    .col = (uint32_t)v[K_DECOM]->col, .order = (uint32_t)p->n_ep,
                    .decom = decom, .dec = REC_OPEN, .rank = year, .dead = (uint8_t)dead};
    p->n_ep++;
    if (dead)
        return 0;
    e->dec = dec;
    note_date(p, f, decom);
    if (dec != REC_OPEN)
        note_date(p, f, dec);
    for (size_t i = 0; i < v[K_REC]->len; i++) {
        char ch = v[K_REC]->s[i];
        e->rec[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
    }
    return 0;
#undef BAD
}

static int note_groups(struct rec__903 *p, const char *path, int kind);

int rec__read_903(rec__b_t *b, uint32_t f, const char *data, size_t len, int kind)
{
    struct rec__903 *p = b->p903;
    if (!p && !(p = b->p903 = mem_calloc(1, sizeof *p)))
        return SIM_ENOMEM;
    if (grow((void **)&p->latest, &p->cap_latest, f, sizeof *p->latest) < 0)
        return SIM_ENOMEM;
    p->latest[f] = LONG_MIN;
    csv_opts_t opts = {.flags = CSV_SKIP_BLANK | CSV_TRIM};
    csv_t *r;
    const csv_field_t *fl;
    int col[K_N], styles[K_N] = {0}, rc = 0, n;
    if (csv_open_mem(&r, data, len, &opts) < 0)
        return SIM_ENOMEM;
    n = csv_next(r, &fl);
    rec__columns(fl, n, key_names, K_N, col);
    static const int need[][4] = {[REC__903_HEADER] = {K_CHILD, K_SEX, K_DOB, -1},
                                  [REC__903_EPISODES] = {K_CHILD, K_DECOM, K_DEC, K_REC},
                                  [REC__903_UASC] = {K_CHILD, -1, -1, -1}};
    static const char *const kinds[] = {"", "Header", "Episodes", "UASC"};
    if (n < 0)
        rc = rec__csv_error(b, f, r, n);
    for (int k = 0; k < 4 && rc == 0; k++)
        if (need[kind][k] >= 0 && col[need[kind][k]] < 0)
            rc = rec__fail(b, f, 1, 1, "SSDA903 %s: the header row has no %s column",
                           kinds[kind], key_names[need[kind][k]]);
    p->n_years = 0;
    while (rc == 0 && (n = csv_next(r, &fl)) > 0)
        rc = row(b, p, f, kind, fl, n, col, styles);
    if (rc == 0 && n < 0)
        rc = rec__csv_error(b, f, r, n);
    csv_close(r);
    if (rc == 0 && kind != REC__903_UASC)
        rc = note_groups(p, b->rs->files[f], kind);
    return rc;
}

/* The returns a file belongs to: each YEAR its rows hold, else its folder. */
static int note_groups(struct rec__903 *p, const char *path, int kind)
{
    char name[4096];
    int n = p->n_years ? p->n_years : 1;
    for (int i = 0; i < n; i++) {
        if (p->n_years)
            snprintf(name, sizeof name, "%ld", p->years[i]);
        else {
            const char *sl = strrchr(path, '/');
            snprintf(name, sizeof name, "%.*s", sl ? (int)(sl - path) : 1, sl ? path : ".");
        }
        size_t g = 0;
        while (g < p->n_grp && strcmp(p->grp[g].name, name))
            g++;
        if (g == p->n_grp) {
            if (grow((void **)&p->grp, &p->cap_grp, p->n_grp, sizeof *p->grp) < 0 ||
                !(p->grp[g].name = mem_strdup(name)))
                return SIM_ENOMEM;
            p->grp[g].kinds = 0;
            p->n_grp++;
        }
        p->grp[g].kinds |= (uint8_t)(1u << kind);
    }
    return 0;
}

static int cmp_ep(const void *pa, const void *pb)
{
    const ep_row_t *a = pa, *b = pb;
    if (a->child != b->child)
        return a->child < b->child ? -1 : 1;
    if (a->decom != b->decom)
        return a->decom < b->decom ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

int rec__finish_903(rec__b_t *b)
{
    struct rec__903 *p = b->p903;
    rec_set_t *rs = b->rs;
    int rc = 0;
    if (!p)
        return 0;
    /* sex and date of birth from each child's latest Header row */
    uint8_t *has_hdr = mem_calloc(rs->n_children + 1, 1);
    if (!has_hdr)
        return SIM_ENOMEM;
    for (size_t i = 0; i < p->n_hdr; i++) {
        const hdr_row_t *h = &p->hdr[i];
        long rank = h->year != LONG_MIN ? h->year : p->latest[h->file];
        has_hdr[h->child] = 1;
        if (rank >= b->kids[h->child].dob_rank) {
            b->kids[h->child].dob_rank = rank;
            rs->children[h->child].dob = h->dob;
            rs->children[h->child].sex = h->sex;
        }
    }
    /* episodes: the latest return of each, children without a header row refused */
    size_t k = 0;
    for (size_t i = 0; i < p->n_ep; i++) {
        ep_row_t *e = &p->ep[i];
        if (b->kids[e->child].dropped || (e->dead && !has_hdr[e->child]))
            continue;
        if (!has_hdr[e->child]) {
            char clip[SIM_ERR_CLIP + 1];
            rc = rec__defect(b, REC_D_UNKNOWN_CHILD, e->file, e->line, 1,
                             "child '%s' has episodes but no row in any SSDA903 Header file",
                             sim_err_clip(clip, sizeof clip, rs->children[e->child].id));
            if (rc < 0)
                goto out;
            continue;
        }
        if (e->rank == LONG_MIN)
            e->rank = p->latest[e->file];
        p->ep[k++] = *e;
    }
    p->n_ep = k;
    if (p->n_ep)
        qsort(p->ep, p->n_ep, sizeof *p->ep, cmp_ep);
    k = 0;
    for (size_t i = 0; i < p->n_ep; i++) {
        ep_row_t *e = &p->ep[i];
        if (k > 0 && p->ep[k - 1].child == e->child && p->ep[k - 1].decom == e->decom) {
            ep_row_t *old = &p->ep[k - 1];
            if (e->dead && !old->dead && old->rank == e->rank)
                continue; /* a skipped row beside a good one of its return */
            if (e->dead && !old->dead) {
                /* the latest return's row was skipped: the episode as an older return
                 * showed it (still open, say) must not stand in for it */
                char d[11], clip[SIM_ERR_CLIP + 1];
                cal_format(e->decom, d);
                rc = rec__defect(b, (rec_defect_t)(e->dead - 1), old->file, old->line,
                                 old->col, "the episode of child '%s' starting %s is "
                                 "dropped from this older return: its row in a later "
                                 "return (%s:%lu) was skipped",
                                 sim_err_clip(clip, sizeof clip, rs->children[e->child].id),
                                 d, rs->files[e->file], (unsigned long)e->line);
                if (rc < 0)
                    goto out;
                *old = *e;
                continue;
            }
            if (old->rank == e->rank && !old->dead &&
                (old->dec != e->dec || strcmp(old->rec, e->rec))) {
                char d[11], clip[SIM_ERR_CLIP + 1];
                cal_format(e->decom, d);
                rc = rec__defect(b, REC_D_DUPLICATE, e->file, e->line, e->col,
                                 "the episode of child '%s' starting %s is also at %s:%lu, "
                                 "in the same return, with another DEC or REC",
                                 sim_err_clip(clip, sizeof clip, rs->children[e->child].id),
                                 d, rs->files[old->file],
                                 (unsigned long)old->line);
                if (rc < 0)
                    goto out;
            }
            *old = *e; /* the later return (or the later row) wins */
            continue;
        }
        p->ep[k++] = *e;
    }
    p->n_ep = k;
    k = 0; /* the episodes claimed by skipped rows go */
    for (size_t i = 0; i < p->n_ep; i++)
        if (!p->ep[i].dead)
            p->ep[k++] = p->ep[i];
    p->n_ep = k;
    /* returns with a Header file but no Episodes file, or the reverse: a note */
    for (size_t g = 0; g < p->n_grp; g++) {
        uint8_t h = 1u << REC__903_HEADER, e = 1u << REC__903_EPISODES;
        if ((p->grp[g].kinds & (h | e)) == (h | e))
            continue;
        char w[4200];
        int year = p->grp[g].name[0] >= '0' && p->grp[g].name[0] <= '9' &&
                   !strchr(p->grp[g].name, '/');
        snprintf(w, sizeof w, "SSDA903 %s %s: %s file but no %s file", year ? "return" :
                 "files in", p->grp[g].name,
                 p->grp[g].kinds & h ? "a Header" : "an Episodes",
                 p->grp[g].kinds & h ? "Episodes" : "Header");
        if ((rc = rec__note(&rs->warnings, &rs->n_warnings, w)) < 0)
            goto out;
    }
    /* periods of care */
    int care = -1;
    if (p->n_ep && ((rc = rec__stage(b, "care", &care)) < 0 || care < 0)) {
        if (rc == 0)
            rc = rec__fail(b, p->ep[0].file, p->ep[0].line, 1, "more than %d stages",
                           REC__MAX_STAGES);
        goto out;
    }
    for (size_t i = 0; i < p->n_ep;) {
        size_t j = i;
        while (j + 1 < p->n_ep && p->ep[j + 1].child == p->ep[i].child &&
               p->ep[j].dec != REC_OPEN && p->ep[j + 1].decom == p->ep[j].dec &&
               !strcmp(p->ep[j].rec, "X1"))
            j++;
        const ep_row_t *e = &p->ep[i];
        if ((rc = rec__add(b, e->child, care, REC__INFER, e->decom, p->ep[j].dec, e->file,
                           e->line, e->col)) < 0)
            goto out;
        i = j + 1;
    }
    /* UASC children */
    if (p->n_uasc) {
        int bit;
        if ((rc = rec__flag(b, "uasc", 0, 1, 1, &bit)) < 0)
            goto out;
        for (size_t i = 0; bit >= 0 && i < p->n_uasc; i++)
            rs->children[p->uasc[i]].flags |= (uint64_t)1 << bit;
    }
out:
    mem_free(has_hdr);
    return rc;
}

void rec__free_903(rec__b_t *b)
{
    struct rec__903 *p = b->p903;
    if (!p)
        return;
    mem_free(p->hdr);
    mem_free(p->ep);
    mem_free(p->uasc);
    mem_free(p->latest);
    for (size_t g = 0; g < p->n_grp; g++)
        mem_free(p->grp[g].name);
    mem_free(p->grp);
    mem_free(p);
    b->p903 = NULL;
}
