/* rec_write.c: see rec_write.h.
 *
 * Where things are: the log; dates and the children's details (one stream per child);
 * the careflow episodes CSV; collection years; SSDA903 (a period of care split into
 * placement episodes, then the Header, Episodes and UASC writers, whole or per year);
 * the CIN census XML (libxml2's xmlTextWriter).
 *
 * Invariants of the SSDA903 episodes: for each stay in `care` (a period of care), its
 * episodes are consecutive in the array, the first has RNE S, each but the last ends
 * (DEC) on the day the next starts (DECOM) with REC X1, and the last ends with the
 * period (DEC = the stay's end, REC a reason for leaving care) or is open. Placement
 * changes come from a Poisson process run forward from the period's start, so what a
 * return on an earlier 31 March shows is exactly this list cut at that date.
 *
 * Streams, all rng_derive(seed, SALT, child, start day): SALT_CHILD (start 0) the
 * child's sex, ethnicity, UPN and motherhood; SALT_PERIOD a period of care; SALT_CIN a
 * CIN episode's codes and dates. The model's own streams are never touched. */
#include "models/records/rec_write.h"

#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cal.h"
#include "sim/err.h"
#include "sim/fmt.h"
#include "sim/mem.h"
#include "sim/rng.h"

#define SALT_CHILD UINT64_C(0x903C0001)
#define SALT_PERIOD UINT64_C(0x903C0002)
#define SALT_CIN UINT64_C(0x903C0003)

#define PLACE_MOVES_PER_YEAR 0.45 /* placement changes per year in care */
#define LEGAL_CHANGES_PER_YEAR 0.15 /* legal status changes alone per year */

/* ---------------------------------------------------------------------------------- */
/* The log                                                                              */

int recw_log_add(recw_log_t *l, const recw_stay_t *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        recw_stay_t *ns = mem_reallocarray(l->stays, cap, sizeof *ns);
        if (!ns) return SIM_ENOMEM;
        l->stays = ns;
        l->cap = cap;
    }
    l->stays[l->n++] = *s;
    return 0;
}

static int cmp_stay(const void *a, const void *b)
{
    const recw_stay_t *x = a, *y = b;
    if (x->child != y->child) return x->child < y->child ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->stage != y->stage) return x->stage < y->stage ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

void recw_log_sort(recw_log_t *l)
{
    if (l->n > 1) qsort(l->stays, l->n, sizeof *l->stays, cmp_stay);
}

void recw_log_free(recw_log_t *l)
{
    mem_free(l->stays);
    memset(l, 0, sizeof *l);
}

/* ---------------------------------------------------------------------------------- */
/* Dates, draws, the children's details                                                 */

static void put_date(FILE *f, long day, recw_dates_t style)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    if (style == RECW_DMY) fprintf(f, "%02d/%02d/%04d", d, m, y);
    else fprintf(f, "%04d-%02d-%02d", y, m, d);
}

static void iso(long day, char out[11])
{
    cal_format(day, out);
}

/* A code drawn from a table of (code, weight) with weights summing to about 1. */
typedef struct code_p {
    const char *code; /* the code written */
    double p;         /* its share */
} code_p_t;

static const char *draw_code(rng_t *r, const code_p_t *t, int n)
{
    double u = rng_uniform(r), acc = 0, total = 0;
    for (int i = 0; i < n; i++) total += t[i].p;
    u *= total;
    for (int i = 0; i < n - 1; i++) {
        acc += t[i].p;
        if (u < acc) return t[i].code;
    }
    return t[n - 1].code;
}

#define DRAW(r, t) draw_code((r), (t), (int)(sizeof(t) / sizeof((t)[0])))

/* Ethnicity codes of the DfE returns, shares roughly those of children in need. */
static const code_p_t ETHNIC[] = {
    {"WBRI", .70}, {"WOTH", .05}, {"WIRI", .005}, {"MWBC", .03}, {"MWBA", .01},
    {"MWAS", .01}, {"MOTH", .03}, {"AIND", .015}, {"APKN", .025}, {"ABAN", .01},
    {"AOTH", .01}, {"BCRB", .015}, {"BAFR", .03}, {"BOTH", .01}, {"CHNE", .003},
    {"OOTH", .02}, {"REFU", .005}, {"NOBT", .032},
};

/* What the records say about a child beyond its stays. */
typedef struct child_info {
    int sex;            /* 1 male, 2 female (the returns' codes) */
    const char *ethnic; /* ETHNIC code */
    char upn[14];       /* a synthetic UPN (LA number 999: none such) or UN1 */
    int mother;         /* female: 1 if she is a mother, else 0; male: -1 (blank) */
    long mc_dob;        /* her child's birth date when mother */
} child_info_t;

static void child_info(uint64_t seed, uint32_t child, long dob, long extract,
                       child_info_t *ci)
{
    rng_t r;
    rng_derive(&r, seed, SALT_CHILD, child, 0);
    ci->sex = rng_uniform(&r) < 0.52 ? 1 : 2; /* slightly more boys, as in the returns */
    ci->ethnic = DRAW(&r, ETHNIC);
    uint32_t a = rng_u32(&r), b = rng_u32(&r);
    int y, m, d;
    cal_to_ymd(dob, &y, &m, &d);
    if (extract - dob < 5 * 365)
        snprintf(ci->upn, sizeof ci->upn, "UN1");
    else
        snprintf(ci->upn, sizeof ci->upn, "%c999%04u%02u%03u", 'A' + (int)(a % 26),
                 (unsigned)(b % 10000), (unsigned)((y + 5) % 100), (unsigned)((a >> 8) % 1000));
    ci->mother = -1;
    ci->mc_dob = 0;
    if (ci->sex == 2) {
        double u = rng_uniform(&r);
        long age16 = dob + 16 * 365;
        ci->mother = u < 0.01 && extract > age16 ? 1 : 0;
        if (ci->mother) ci->mc_dob = age16 + (long)(rng_uniform(&r) * (double)(extract - age16));
    }
}

/* ---------------------------------------------------------------------------------- */
/* careflow episodes CSV                                                                */

static void put_flags(FILE *f, uint64_t fl, const recw_meta_t *m)
{
    int first = 1;
    for (int i = 0; i < m->n_flags && i < 64; i++)
        if (fl >> i & 1) {
            if (!first) fputc(';', f);
            fputs(m->flags[i], f);
            first = 0;
        }
}

int recw_episodes(FILE *f, const recw_log_t *l, const recw_meta_t *m)
{
    fputs("child,stage,start,end,next,dob,flags,sex,reason\n", f);
    for (size_t i = 0; i < l->n; i++) {
        const recw_stay_t *s = &l->stays[i];
        child_info_t ci;
        child_info(m->seed, s->child, s->dob, m->extract, &ci);
        fprintf(f, "%u,", s->child);
        fmt_field(f, m->stages[s->stage]);
        fputc(',', f);
        put_date(f, s->start, m->dates);
        fputc(',', f);
        if (s->end != REC_OPEN) put_date(f, s->end, m->dates);
        fputc(',', f);
        if (s->next == REC_EXIT) fputs("exit", f);
        else if (s->next >= 0) fmt_field(f, m->stages[s->next]);
        fputc(',', f);
        put_date(f, s->dob, m->dates);
        fputc(',', f);
        /* flag names are YAML keys: plain words, never a comma or quote */
        put_flags(f, s->flags, m);
        fprintf(f, ",%c,%s\n", ci.sex == 1 ? 'M' : 'F', s->aged_out ? "aged_out" : "");
    }
    return ferror(f) ? SIM_EIO : 0;
}

/* ---------------------------------------------------------------------------------- */
/* Collection years                                                                     */

static long year_first(int y) { return cal_from_ymd(y - 1, 4, 1); }
static long year_last(int y) { return cal_from_ymd(y, 3, 31); }

int recw_years(long first, long extract, int *y0, int *y1)
{
    int y, m, d;
    cal_to_ymd(first, &y, &m, &d);
    int a = m >= 4 ? y + 1 : y; /* the year holding `first` */
    if (year_first(a) < first) a++; /* it started before the records: partial */
    cal_to_ymd(extract, &y, &m, &d);
    int b = m >= 4 ? y : y - 1; /* the last year ending on or before extract */
    if (year_last(b + 1) <= extract) b++;
    *y0 = a;
    *y1 = b;
    return b >= a ? b - a + 1 : 0;
}

/* ---------------------------------------------------------------------------------- */
/* SSDA903                                                                              */

typedef struct ep903 {
    uint32_t child;      /* the child's serial */
    uint32_t period;     /* index of its period (stay) in the log */
    long decom;          /* episode start */
    long dec;            /* episode end, or REC_OPEN */
    char rne[2];         /* reason for new episode: S, P, L, B */
    char ls[3];          /* legal status */
    char cin[3];         /* category of need */
    char place[3];       /* placement type */
    char provider[4];    /* placement provider */
    char rec[4];         /* reason episode ceased (X1 between episodes), "" open */
    char rpc[6];         /* reason for placement change, "" if none */
    char home_post[6];   /* home postcode district and sector (synthetic area ZZ) */
    char pl_post[6];     /* placement's */
    char urn[9];         /* Ofsted URN (SC + 6 digits) or XXXXXXX */
} ep903_t;

struct recw_903 {
    const recw_log_t *log; /* the stays (sorted), borrowed */
    recw_meta_t meta;      /* copied; its arrays borrowed */
    int uasc;              /* flag index of `uasc`, or -1 */
    size_t n;              /* episodes */
    ep903_t *ep;           /* sorted by child, decom */
};

static const code_p_t LS_FIRST[] = {{"V2", .40}, {"C1", .35}, {"L1", .07}, {"L2", .06},
                                    {"J2", .04}, {"C2", .08}};
static const code_p_t CIN_CODES[] = {{"N1", .65}, {"N2", .03}, {"N3", .03}, {"N4", .07},
                                     {"N5", .14}, {"N6", .02}, {"N7", .005}, {"N8", .055}};
static const code_p_t PLACE_YOUNG[] = {{"U1", .12}, {"U3", .05}, {"U4", .38}, {"U5", .12},
                                       {"U6", .15}, {"P1", .07}, {"K2", .06}, {"R1", .02},
                                       {"Z1", .03}};
static const code_p_t PLACE_OLD[] = {{"U1", .08}, {"U4", .25}, {"U5", .08}, {"U6", .12},
                                     {"K2", .20}, {"H5", .17}, {"P1", .04}, {"R1", .03},
                                     {"Z1", .03}};
static const code_p_t PROVIDER[] = {{"PR1", .50}, {"PR2", .03}, {"PR3", .02}, {"PR4", .38},
                                    {"PR5", .07}};
static const code_p_t RPC[] = {{"CARPL", .40}, {"CREQB", .12}, {"CREQO", .10},
                               {"CHILD", .08}, {"LAREQ", .12}, {"CLOSE", .05},
                               {"STAND", .03}, {"ALLEG", .02}, {"PLACE", .04}, {"OTHER", .04}};
static const code_p_t REC_YOUNG[] = {{"E11", .13}, {"E12", .12}, {"E4A", .28}, {"E13", .08},
                                     {"E41", .06}, {"E45", .06}, {"E46", .08}, {"E47", .05},
                                     {"E8", .10}, {"E3", .02}, {"E4B", .02}};
static const code_p_t REC_CHILD[] = {{"E4A", .38}, {"E13", .12}, {"E41", .07}, {"E45", .09},
                                     {"E46", .07}, {"E47", .05}, {"E8", .14}, {"E3", .03},
                                     {"E4B", .05}};
static const code_p_t REC_OLDER[] = {{"E4A", .30}, {"E13", .10}, {"E5", .18}, {"E6", .04},
                                     {"E8", .25}, {"E9", .03}, {"E3", .03}, {"E4B", .07}};
static const code_p_t REC_18[] = {{"E17", .30}, {"E5", .40}, {"E6", .10}, {"E8", .20}};
static const code_p_t REC_HOME[] = {{"E4A", .75}, {"E13", .15}, {"E4B", .10}};

static void setcode(char *dst, size_t n, const char *s) { snprintf(dst, n, "%s", s); }

/* A placement: type, provider, postcode district, URN. */
static void draw_placement(rng_t *r, ep903_t *e, double age, const char *home)
{
    const char *pl = age >= 15 ? DRAW(r, PLACE_OLD) : DRAW(r, PLACE_YOUNG);
    setcode(e->place, sizeof e->place, pl);
    if (!strcmp(pl, "P1")) setcode(e->provider, sizeof e->provider, "PR0");
    else setcode(e->provider, sizeof e->provider, DRAW(r, PROVIDER));
    if (!strcmp(pl, "P1")) setcode(e->pl_post, sizeof e->pl_post, home);
    else snprintf(e->pl_post, sizeof e->pl_post, "ZZ%u %u", 1 + rng_u32(r) % 9, rng_u32(r) % 10);
    if (pl[0] == 'K' || pl[0] == 'R')
        snprintf(e->urn, sizeof e->urn, "SC%06u", rng_u32(r) % 1000000);
    else setcode(e->urn, sizeof e->urn, "XXXXXXX");
}

/* The legal status after a change: care proceedings move on to a full care order,
 * then for young children perhaps a placement order. */
static const char *next_ls(rng_t *r, const char *ls, double age)
{
    if (!strcmp(ls, "L1") || !strcmp(ls, "L2")) return rng_uniform(r) < .7 ? "C1" : "V2";
    if (!strcmp(ls, "V2")) return "C1";
    if (!strcmp(ls, "C1")) return "C2";
    if (!strcmp(ls, "C2") && age < 6) return "E1";
    return ls;
}

static const char *end_reason(rng_t *r, const recw_stay_t *s)
{
    double age = (double)(s->end - s->dob) / CAL_DAYS_PER_YEAR;
    if (s->aged_out || age >= 17.9) return DRAW(r, REC_18);
    if (s->next >= 0) return DRAW(r, REC_HOME); /* back to a children's services stage */
    if (age < 5) return DRAW(r, REC_YOUNG);
    if (age < 15) return DRAW(r, REC_CHILD);
    return DRAW(r, REC_OLDER);
}

static int push_ep(recw_903_t *x, size_t *cap, const ep903_t *e)
{
    if (x->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        ep903_t *ne = mem_reallocarray(x->ep, nc, sizeof *ne);
        if (!ne) return SIM_ENOMEM;
        x->ep = ne;
        *cap = nc;
    }
    x->ep[x->n++] = *e;
    return 0;
}

/* One period of care (stay i) as its episodes. */
static int split_period(recw_903_t *x, size_t *cap, size_t i)
{
    const recw_stay_t *s = &x->log->stays[i];
    rng_t r;
    rng_derive(&r, x->meta.seed, SALT_PERIOD, s->child, (uint64_t)s->start);
    long stop = s->end != REC_OPEN ? s->end : x->meta.extract;
    int uasc = x->uasc >= 0 && (s->flags >> x->uasc & 1);
    ep903_t e;
    memset(&e, 0, sizeof e);
    e.child = s->child;
    e.period = (uint32_t)i;
    e.decom = s->start;
    setcode(e.rne, sizeof e.rne, "S");
    setcode(e.ls, sizeof e.ls, uasc ? "V2" : DRAW(&r, LS_FIRST));
    setcode(e.cin, sizeof e.cin, uasc ? "N8" : DRAW(&r, CIN_CODES));
    snprintf(e.home_post, sizeof e.home_post, "ZZ%u %u", 1 + rng_u32(&r) % 9, rng_u32(&r) % 10);
    draw_placement(&r, &e, (double)(s->start - s->dob) / CAL_DAYS_PER_YEAR, e.home_post);
    double rate = (PLACE_MOVES_PER_YEAR + LEGAL_CHANGES_PER_YEAR) / CAL_DAYS_PER_YEAR;
    long t = s->start;
    for (;;) {
        long gap = (long)ceil(-log(rng_uniform(&r)) / rate);
        if (gap < 1) gap = 1;
        long change = t + gap;
        if (change >= stop) break; /* the period ends (or the extract comes) first */
        ep903_t nx = e;
        e.dec = change;
        setcode(e.rec, sizeof e.rec, "X1");
        int rc = push_ep(x, cap, &e);
        if (rc) return rc;
        double age = (double)(change - s->dob) / CAL_DAYS_PER_YEAR;
        double u = rng_uniform(&r);
        const char *rne = u < PLACE_MOVES_PER_YEAR / (PLACE_MOVES_PER_YEAR + LEGAL_CHANGES_PER_YEAR)
                              ? (rng_uniform(&r) < .85 ? "P" : "B")
                              : "L";
        setcode(nx.rne, sizeof nx.rne, rne);
        nx.decom = change;
        nx.rpc[0] = '\0';
        if (rne[0] != 'P') {
            char ls[3];
            setcode(ls, sizeof ls, e.ls);
            setcode(nx.ls, sizeof nx.ls, next_ls(&r, ls, age));
        }
        if (rne[0] != 'L') {
            draw_placement(&r, &nx, age, nx.home_post);
            setcode(nx.rpc, sizeof nx.rpc, DRAW(&r, RPC));
        }
        e = nx;
        t = change;
    }
    if (s->end != REC_OPEN) {
        e.dec = s->end;
        setcode(e.rec, sizeof e.rec, end_reason(&r, s));
    } else {
        e.dec = REC_OPEN;
        e.rec[0] = '\0';
    }
    return push_ep(x, cap, &e);
}

int recw_903_build(const recw_log_t *l, const recw_meta_t *m, recw_903_t **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    int care = -1;
    for (int s = 0; s < m->n_stages; s++)
        if (!strcmp(m->stages[s], "care")) care = s;
    if (care < 0)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "SSDA903 records are of the stage named 'care', and the scenario "
                           "has no stage named 'care'");
    recw_903_t *x = mem_calloc(1, sizeof *x);
    if (!x) return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
    x->log = l;
    x->meta = *m;
    x->uasc = -1;
    for (int i = 0; i < m->n_flags; i++)
        if (!strcmp(m->flags[i], "uasc")) x->uasc = i;
    size_t cap = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->stays[i].stage != care) continue;
        if (split_period(x, &cap, i) != 0) {
            recw_903_free(x);
            return sim_err_set(err, errlen, SIM_ENOMEM, "out of memory");
        }
    }
    *out = x;
    return 0;
}

void recw_903_free(recw_903_t *x)
{
    if (!x) return;
    mem_free(x->ep);
    mem_free(x);
}

/* Is episode e in year y's return (open at any time in the year, started by its end)?
 * year 0: always. */
static int ep_in_year(const ep903_t *e, int y)
{
    if (!y) return 1;
    return e->decom <= year_last(y) && (e->dec == REC_OPEN || e->dec >= year_first(y));
}

static void put_tail(FILE *f, const recw_903_t *x, int y)
{
    if (!y) return;
    fputc(',', f);
    fmt_field(f, x->meta.la ? x->meta.la : "");
    fprintf(f, ",%d", y);
}

int recw_903_header(FILE *f, const recw_903_t *x, int y)
{
    fprintf(f, "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB%s\n", y ? ",LA,YEAR" : "");
    long ref = y ? year_last(y) : x->meta.extract;
    for (size_t i = 0; i < x->n;) {
        uint32_t c = x->ep[i].child;
        int in = 0;
        size_t j = i;
        for (; j < x->n && x->ep[j].child == c; j++) in |= ep_in_year(&x->ep[j], y);
        if (in) {
            const recw_stay_t *s = &x->log->stays[x->ep[i].period];
            child_info_t ci;
            child_info(x->meta.seed, c, s->dob, x->meta.extract, &ci);
            fprintf(f, "%u,%d,", c, ci.sex);
            put_date(f, s->dob, x->meta.dates);
            fprintf(f, ",%s,%s,", ci.ethnic, ci.upn);
            if (ci.mother >= 0) fprintf(f, "%d", ci.mother == 1 && ci.mc_dob <= ref);
            fputc(',', f);
            if (ci.mother == 1 && ci.mc_dob <= ref) put_date(f, ci.mc_dob, x->meta.dates);
            put_tail(f, x, y);
            fputc('\n', f);
        }
        i = j;
    }
    return ferror(f) ? SIM_EIO : 0;
}

int recw_903_episodes(FILE *f, const recw_903_t *x, int y)
{
    fprintf(f, "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
               "HOME_POST,PL_POST,URN%s\n", y ? ",LA,YEAR" : "");
    long ref = y ? year_last(y) : x->meta.extract;
    for (size_t i = 0; i < x->n; i++) {
        const ep903_t *e = &x->ep[i];
        if (!ep_in_year(e, y)) continue;
        int ended = e->dec != REC_OPEN && e->dec <= ref;
        fprintf(f, "%u,", e->child);
        put_date(f, e->decom, x->meta.dates);
        fprintf(f, ",%s,%s,%s,%s,%s,", e->rne, e->ls, e->cin, e->place, e->provider);
        if (ended) put_date(f, e->dec, x->meta.dates);
        fprintf(f, ",%s,%s,%s,%s,%s", ended ? e->rec : "", e->rpc, e->home_post, e->pl_post,
                e->urn);
        put_tail(f, x, y);
        fputc('\n', f);
    }
    return ferror(f) ? SIM_EIO : 0;
}

/* Calls back for each child of year y's return who carries flag uasc. */
static int uasc_rows(FILE *f, const recw_903_t *x, int y)
{
    int n = 0;
    if (x->uasc < 0) return 0;
    for (size_t i = 0; i < x->n;) {
        uint32_t c = x->ep[i].child;
        int in = 0;
        size_t j = i;
        for (; j < x->n && x->ep[j].child == c; j++) in |= ep_in_year(&x->ep[j], y);
        const recw_stay_t *s = &x->log->stays[x->ep[i].period];
        if (in && (s->flags >> x->uasc & 1)) {
            n++;
            if (f) {
                child_info_t ci;
                child_info(x->meta.seed, c, s->dob, x->meta.extract, &ci);
                int by, bm, bd;
                cal_to_ymd(s->dob, &by, &bm, &bd);
                if (bm == 2 && bd == 29) bd = 28;
                long duc = cal_from_ymd(by + 18, bm, bd); /* UASC status ends at 18 */
                fprintf(f, "%u,%d,", c, ci.sex);
                put_date(f, s->dob, x->meta.dates);
                fputc(',', f);
                put_date(f, duc, x->meta.dates);
                put_tail(f, x, y);
                fputc('\n', f);
            }
        }
        i = j;
    }
    return n;
}

int recw_903_has_uasc(const recw_903_t *x, int y) { return uasc_rows(NULL, x, y) > 0; }

int recw_903_uasc(FILE *f, const recw_903_t *x, int y)
{
    fprintf(f, "CHILD,SEX,DOB,DUC%s\n", y ? ",LA,YEAR" : "");
    uasc_rows(f, x, y);
    return ferror(f) ? SIM_EIO : 0;
}

/* ---------------------------------------------------------------------------------- */
/* CIN census                                                                           */

enum { CIN_REFERRAL, CIN_ASSESSMENT, CIN_PLAN, CIN_CP, CIN_N };
static const char *const cin_stage_names[CIN_N] = {"referral", "assessment", "cin", "cp"};

int recw_cin_usable(const recw_meta_t *m)
{
    for (int s = 0; s < m->n_stages; s++)
        for (int k = 0; k < CIN_N; k++)
            if (!strcmp(m->stages[s], cin_stage_names[k])) return 1;
    return 0;
}

static const code_p_t REF_SOURCE[] = {{"1A", .02}, {"1B", .01}, {"1C", .01}, {"1D", .01},
                                      {"2A", .04}, {"2B", .01}, {"3A", .18}, {"3B", .02},
                                      {"3C", .01}, {"3D", .01}, {"3E", .06}, {"3F", .05},
                                      {"4", .01}, {"5A", .07}, {"5B", .03}, {"5C", .01},
                                      {"5D", .01}, {"6", .01}, {"7", .02}, {"8", .03},
                                      {"9", .29}, {"10", .04}};

typedef struct xw {
    xmlTextWriterPtr w; /* the writer */
    int bad;            /* a call failed */
} xw_t;

static void xel(xw_t *x, const char *name, const char *text)
{
    if (xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0) x->bad = 1;
}

static void xdate(xw_t *x, const char *name, long day)
{
    char b[11];
    iso(day, b);
    xel(x, name, b);
}

static void xstart(xw_t *x, const char *name)
{
    if (xmlTextWriterStartElement(x->w, BAD_CAST name) < 0) x->bad = 1;
}

static void xend(xw_t *x)
{
    if (xmlTextWriterEndElement(x->w) < 0) x->bad = 1;
}

/* The factor identified at assessment written for each flag the census reader maps
 * back (one DfE code of the flag's group: docs/records.md's table). `disabled` goes in
 * ChildCharacteristics instead; other flags have no place in the census. */
static const struct {
    const char *flag, *code;
} CIN_FACTORS[] = {{"substance_misuse", "2A"}, {"domestic_abuse", "3A"},
                   {"mental_health", "4A"},    {"uasc", "9A"},
                   {"cse_risk", "11A"},        {"cce_risk", "24A"}};

/* 1 if the flags fl (bits into m->flags) hold flag `name`. */
static int has_flag(const recw_meta_t *m, uint64_t fl, const char *name)
{
    for (int i = 0; i < m->n_flags && i < 64; i++)
        if (!strcmp(m->flags[i], name)) return (int)(fl >> i & 1);
    return 0;
}

/* FactorsIdentifiedAtAssessment with the codes of the child's flags (none: nothing). */
static void cin_factors(xw_t *x, const recw_meta_t *m, uint64_t fl)
{
    int open = 0;
    for (size_t k = 0; k < sizeof CIN_FACTORS / sizeof *CIN_FACTORS; k++) {
        if (!has_flag(m, fl, CIN_FACTORS[k].flag)) continue;
        if (!open) xstart(x, "FactorsIdentifiedAtAssessment");
        open = 1;
        xel(x, "AssessmentFactors", CIN_FACTORS[k].code);
    }
    if (open) xend(x);
}

/* The CIN episode of the child's stays l->stays[run[0..n)] (a chain: each starts the day
 * the last ends, in the stage it named as its next). */
static void cin_episode(xw_t *x, const recw_log_t *l, const recw_meta_t *m, const int *kind,
                        const size_t *run, size_t n, long ref)
{
    const recw_stay_t *s0 = &l->stays[run[0]], *sl = &l->stays[run[n - 1]];
    rng_t r;
    rng_derive(&r, m->seed, SALT_CIN, s0->child, (uint64_t)s0->start);
    int closed = sl->end != REC_OPEN && sl->end <= ref;
    int nfa = kind[s0->stage] == CIN_REFERRAL && n == 1 && closed;
    xstart(x, "CINdetails");
    xdate(x, "CINreferralDate", s0->start);
    xel(x, "ReferralSource", DRAW(&r, REF_SOURCE));
    xel(x, "PrimaryNeedCode", DRAW(&r, CIN_CODES));
    if (closed) {
        xdate(x, "CINclosureDate", sl->end);
        int had_plan = 0;
        for (size_t i = 0; i < n; i++) had_plan |= kind[l->stays[run[i]].stage] >= CIN_PLAN;
        xel(x, "ReasonForClosure", nfa || !had_plan ? "RC8" : sl->aged_out ? "RC6" : "RC7");
    }
    /* the schema's order: every assessment, then CIN plans, then section 47s */
    for (int pass = CIN_ASSESSMENT; pass <= CIN_CP; pass++)
    for (size_t i = 0; i < n; i++) {
        const recw_stay_t *s = &l->stays[run[i]];
        long end = s->end != REC_OPEN && s->end <= ref ? s->end : REC_OPEN;
        if (kind[s->stage] != pass) continue;
        switch (kind[s->stage]) {
        case CIN_ASSESSMENT:
            xstart(x, "Assessments");
            xdate(x, "AssessmentActualStartDate", s->start);
            if (end != REC_OPEN) xdate(x, "AssessmentAuthorisationDate", end);
            cin_factors(x, m, s->flags);
            xend(x);
            break;
        case CIN_PLAN:
            xstart(x, "CINPlanDates");
            xdate(x, "CINPlanStartDate", s->start);
            if (end != REC_OPEN) xdate(x, "CINPlanEndDate", end);
            xend(x);
            break;
        case CIN_CP:
            xstart(x, "Section47");
            /* the enquiry ran in the days before the conference that made the plan,
             * within the stay the plan followed (an enquiry begun before the
             * assessment it belongs to would stretch that assessment back) */
            long s47 = s->start - 1 - (long)(rng_u32(&r) % 14);
            long from = i > 0 ? l->stays[run[i - 1]].start : s->start;
            xdate(x, "S47ActualStartDate", s47 > from ? s47 : from);
            xdate(x, "DateOfInitialCPC", s->start);
            xel(x, "ICPCnotRequired", "false");
            xend(x);
            break;
        default: break;
        }
    }
    xel(x, "ReferralNFA", nfa ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        const recw_stay_t *s = &l->stays[run[i]];
        if (kind[s->stage] != CIN_CP) continue;
        xstart(x, "ChildProtectionPlans");
        xdate(x, "CPPstartDate", s->start);
        if (s->end != REC_OPEN && s->end <= ref) xdate(x, "CPPendDate", s->end);
        xend(x);
    }
    xend(x);
}

int recw_cin(FILE *f, const recw_log_t *l, const recw_meta_t *m, int year)
{
    int kind[64];
    for (int s = 0; s < m->n_stages && s < 64; s++) {
        kind[s] = -1;
        for (int k = 0; k < CIN_N; k++)
            if (!strcmp(m->stages[s], cin_stage_names[k])) kind[s] = k;
    }
    long y0 = year_first(year), ref = year_last(year);
    size_t *run = mem_calloc(l->n ? l->n : 1, sizeof *run); /* one chain's stays */
    unsigned char *used = mem_calloc(l->n ? l->n : 1, 1);    /* stays already in a chain */
    xmlOutputBufferPtr ob = run && used ? xmlOutputBufferCreateFile(f, NULL) : NULL;
    if (!ob) {
        mem_free(run);
        mem_free(used);
        return SIM_ENOMEM;
    }
    xw_t x = {xmlNewTextWriter(ob), 0};
    if (!x.w) {
        xmlOutputBufferClose(ob);
        mem_free(run);
        mem_free(used);
        return SIM_ENOMEM;
    }
    xmlTextWriterSetIndent(x.w, 1);
    xmlTextWriterSetIndentString(x.w, BAD_CAST ""); /* one element a line, no padding */
    if (xmlTextWriterStartDocument(x.w, "1.0", "UTF-8", NULL) < 0) x.bad = 1;
    xstart(&x, "Message");
    xstart(&x, "Header");
    xstart(&x, "CollectionDetails");
    xel(&x, "Collection", "CIN");
    char yb[16];
    snprintf(yb, sizeof yb, "%d", year);
    xel(&x, "Year", yb);
    xdate(&x, "ReferenceDate", ref);
    xend(&x);
    xstart(&x, "Source");
    xel(&x, "SourceLevel", "L");
    xel(&x, "LEA", "999");
    xel(&x, "SoftwareCode", "careflow (synthetic)");
    xend(&x);
    xend(&x);
    xstart(&x, "Children");
    for (size_t i = 0; i < l->n && !x.bad;) {
        uint32_t c = l->stays[i].child;
        size_t j = i;
        while (j < l->n && l->stays[j].child == c) j++;
        /* the child's CIN episodes: chains of stays in the CIN stages, each starting
         * the day the last ended, in the stage it named as its next (found by those,
         * not by the log's order: stays of one day sort by stage, so cin, cp, cin on
         * one day would sort cin, cin, cp), up to a re-referral, cut at the reference
         * date */
        int opened = 0;
        for (size_t a = i; a < j; a++) {
            const recw_stay_t *s = &l->stays[a];
            if (used[a] || s->stage >= 64 || kind[s->stage] < 0 || s->start > ref) continue;
            size_t n = 0;
            run[n++] = a;
            used[a] = 1;
            for (;;) {
                const recw_stay_t *p = &l->stays[run[n - 1]];
                size_t b = j;
                if (p->end != REC_OPEN && p->next >= 0 && p->next < 64 &&
                    kind[p->next] > CIN_REFERRAL) /* a move into `referral`: a re-referral */
                    for (size_t k = a + 1; k < j && b == j; k++) {
                        const recw_stay_t *q = &l->stays[k];
                        if (!used[k] && q->stage == p->next && q->start == p->end &&
                            q->start <= ref)
                            b = k;
                    }
                if (b == j) break;
                run[n++] = b;
                used[b] = 1;
            }
            const recw_stay_t *last = &l->stays[run[n - 1]];
            int in_year = last->end == REC_OPEN || last->end >= y0;
            if (in_year) {
                if (!opened) {
                    child_info_t ci;
                    child_info(m->seed, c, s->dob, m->extract, &ci);
                    char id[16], sx[4];
                    snprintf(id, sizeof id, "%u", c);
                    snprintf(sx, sizeof sx, "%d", ci.sex);
                    xstart(&x, "Child");
                    xstart(&x, "ChildIdentifiers");
                    xel(&x, "LAchildID", id);
                    if (strcmp(ci.upn, "UN1")) xel(&x, "UPN", ci.upn);
                    else xel(&x, "UPNunknown", "UN1");
                    xdate(&x, "PersonBirthDate", s->dob);
                    xel(&x, "GenderCurrent", sx);
                    xend(&x);
                    xstart(&x, "ChildCharacteristics");
                    xel(&x, "Ethnicity", ci.ethnic);
                    if (has_flag(m, s->flags, "disabled")) {
                        xstart(&x, "Disabilities");
                        xel(&x, "Disability", "LD"); /* one code; any but NONE reads back */
                        xend(&x);
                    }
                    xend(&x);
                    opened = 1;
                }
                cin_episode(&x, l, m, kind, run, n, ref);
            }
        }
        if (opened) xend(&x);
        i = j;
    }
    if (xmlTextWriterEndDocument(x.w) < 0) x.bad = 1;
    xmlFreeTextWriter(x.w); /* flushes and closes ob (not f) */
    mem_free(run);
    mem_free(used);
    return x.bad || ferror(f) ? SIM_EIO : 0;
}
