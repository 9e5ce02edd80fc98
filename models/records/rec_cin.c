/* rec_cin.c: the CIN census reader (the DfE children in need census XML:
 * Message > Header > CollectionDetails, Message > Children > Child > ChildIdentifiers,
 * ChildCharacteristics, CINdetails*).
 *
 * libxml2 parses each file whole with XML_PARSE_NONET (no network), without entity
 * substitution or DTD loading, and without printing; a text is read from an element's
 * own text and CDATA children only, so an entity reference adds nothing (no expansion
 * bomb). libxml2 gives the line and column of a parse error (not well-formed XML),
 * but only lines of elements (xmlGetLineNo): every message about an element's content
 * says column 1 of that element's line. A Message whose Collection is not CIN is
 * refused (another DfE collection).
 *
 * Each CINdetails (one referral of a child) becomes stays in `referral`, `assessment`,
 * `cin` and `cp` (docs/records.md, "CIN census", gives the rules and why), gathered
 * here as a group (struct rec__cin) and merged once every file is read
 * (rec__finish_cin): the same referral (child + CINreferralDate) in several censuses
 * counts once, the latest census (ReferenceDate, else Year-03-31, else the file read
 * last) winning. Children's dates of birth, sex and flags are set as files are read. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models/records/rec_int.h"
#include "sim/cal.h"
#include "sim/err.h"
#include "sim/mem.h"

/* The census stages, in the order a tie of `next` prefers them (the more intensive
 * first), and their names. */
enum { S_REF, S_ASS, S_CIN, S_CP, S_N };
static const char *const stage_names[S_N] = {"referral", "assessment", "cin", "cp"};
static const int prefer[S_N] = {0, 1, 2, 3}; /* higher wins a tie */

#define NEXT_EXIT (-1)
#define NEXT_OPEN (-2)

typedef struct cin_stay {
    long start;     /* first day */
    long end;       /* last day or REC_OPEN */
    uint32_t line;  /* element line */
    int8_t stage;   /* S_* */
    int8_t next;    /* S_*, NEXT_EXIT or NEXT_OPEN */
} cin_stay_t;

typedef struct cin_group {
    uint32_t child; /* child index */
    uint32_t file;  /* file index */
    uint32_t order; /* groups in reading order, for ties */
    long referral;  /* CINreferralDate */
    long rank;      /* census date: ReferenceDate, Year-03-31, or LONG_MIN */
    size_t first;   /* its stays: stays[first .. first + n) */
    size_t n;       /* how many */
} cin_group_t;

struct rec__cin {
    cin_group_t *g;     /* referrals read */
    size_t n_g;         /* how many */
    size_t cap_g;       /* allocated */
    cin_stay_t *st;     /* their stays */
    size_t n_st;        /* how many */
    size_t cap_st;      /* allocated */
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *t = mem_reallocarray(*p, c, size);
    if (!t)
        return SIM_ENOMEM;
    *p = t;
    *cap = c;
    return 0;
}

/* ---- element access --------------------------------------------------------------- */

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNode *kid(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static xmlNode *next_kid(xmlNode *c, const char *name)
{
    for (c = c ? c->next : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

static uint32_t line_of(const xmlNode *n)
{
    long l = n ? xmlGetLineNo(n) : 1;
    return l < 1 ? 1 : l > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

/* The element's own text (text and CDATA children), blanks trimmed, into buf
 * (cut at len - 1 bytes). "" when n is NULL. */
static const char *text(const xmlNode *n, char *buf, size_t len)
{
    size_t k = 0;
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
            continue;
        for (const xmlChar *p = c->content; *p && k + 1 < len; p++)
            buf[k++] = (char)*p;
    }
    buf[k] = 0;
    size_t a = 0;
    while (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\n' || buf[a] == '\r')
        a++;
    while (k > a && (buf[k - 1] == ' ' || buf[k - 1] == '\t' || buf[k - 1] == '\n' ||
                     buf[k - 1] == '\r'))
        k--;
    buf[k] = 0;
    return buf + a;
}

typedef struct ctx {
    rec__b_t *b;    /* the builder */
    uint32_t f;     /* file index */
    long rank;      /* this census's date, or LONG_MIN */
    int style;      /* date style seen (the census is ISO; DD/MM/YYYY is tolerated) */
} ctx_t;

/* The date in child element `name` of n: 1 and *day, 0 absent or empty, 2 a defect
 * counted (lenient: skip what it belongs to), or a code. */
static int date_in(ctx_t *x, const xmlNode *n, const char *name, long *day)
{
    xmlNode *e = kid(n, name);
    char buf[128];
    const char *s = text(e, buf, sizeof buf);
    if (!e || !*s)
        return 0;
    int st = x->style;
    int rc = rec__date(x->b, &st, s, x->f, line_of(e), 1, name, day);
    if (rc == 1 && x->rank != LONG_MIN && *day > x->rank && strcmp(name, "PersonBirthDate") &&
        strcmp(name, "ExpectedPersonBirthDate")) {
        char ref[11];
        cal_format(x->rank, ref);
        rc = rec__defect(x->b, REC_D_AFTER_EXTRACT, x->f, line_of(e), 1,
                         "%s %s is after the census reference date %s", name, s, ref);
        return rc < 0 ? rc : 2;
    }
    return rc;
}

/* ---- one referral (CINdetails) -------------------------------------------------- */

/* Adds a factor's flag to the child (the small table of docs/records.md). */
static const char *factor_flag(const char *code)
{
    static const struct {
        const char *code, *flag;
    } t[] = {{"1A", "substance_misuse"}, {"1B", "substance_misuse"},
             {"1C", "substance_misuse"}, {"2A", "substance_misuse"},
             {"2B", "substance_misuse"}, {"2C", "substance_misuse"},
             {"3A", "domestic_abuse"},   {"3B", "domestic_abuse"},
             {"3C", "domestic_abuse"},   {"4A", "mental_health"},
             {"4B", "mental_health"},    {"4C", "mental_health"},
             {"9A", "uasc"},             {"11A", "cse_risk"},
             {"24A", "cce_risk"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(code, t[i].code))
            return t[i].flag;
    return NULL;
}

static int set_flag(ctx_t *x, uint32_t c, const char *flag, uint32_t line)
{
    int bit, rc = rec__flag(x->b, flag, x->f, line, 1, &bit);
    if (rc == 0 && bit >= 0)
        x->b->rs->children[c].flags |= (uint64_t)1 << bit;
    return rc;
}

static int push(struct rec__cin *p, int stage, long start, long end, uint32_t line)
{
    if (grow((void **)&p->st, &p->cap_st, p->n_st, sizeof *p->st) < 0)
        return SIM_ENOMEM;
    p->st[p->n_st++] = (cin_stay_t){.start = start, .end = end, .line = line,
                                    .stage = (int8_t)stage, .next = NEXT_OPEN};
    return 0;
}

static int cmp_cin_stay(const void *pa, const void *pb)
{
    const cin_stay_t *a = pa, *b = pb;
    if (a->stage != b->stage)
        return a->stage < b->stage ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Reads the start and end of one piece of work (an assessment, a plan); 1 read (with
 * end clamped to the closure), 0 skipped under --lenient, or a code. */
static int work(ctx_t *x, const xmlNode *e, const char *sname, const char *ename,
                long closure, long *start, long *end)
{
    int rc = date_in(x, e, sname, start);
    if (rc == 0)
        rc = rec__defect(x->b, REC_D_BAD_DATE, x->f, line_of(e), 1, "%s has no %s",
                         (const char *)e->name, sname);
    if (rc != 1)
        return rc < 0 ? rc : 0;
    *end = REC_OPEN;
    if (ename) {
        rc = date_in(x, e, ename, end);
        if (rc < 0 || rc == 2)
            return rc < 0 ? rc : 0;
        if (rc == 0)
            *end = REC_OPEN;
    }
    if (*end == REC_OPEN && closure != REC_OPEN)
        *end = closure; /* open work in a closed referral ends with it */
    if (*end != REC_OPEN && *end < *start) {
        char a[11], b[11];
        cal_format(*start, a);
        cal_format(*end, b);
        rc = rec__defect(x->b, REC_D_END_BEFORE_START, x->f, line_of(e), 1,
                         "%s ends %s, before it starts %s", (const char *)e->name, b, a);
        return rc < 0 ? rc : 0;
    }
    return 1;
}

static int details(ctx_t *x, struct rec__cin *p, uint32_t c, xmlNode *d)
{
    char buf[64];
    long ref, closure = REC_OPEN, s, e;
    int rc = date_in(x, d, "CINreferralDate", &ref);
    if (rc == 0)
        rc = rec__defect(x->b, REC_D_BAD_DATE, x->f, line_of(d), 1,
                         "CINdetails has no CINreferralDate");
    if (rc != 1)
        return rc < 0 ? rc : 0;
    rc = date_in(x, d, "CINclosureDate", &closure);
    if (rc < 0 || rc == 2)
        return rc < 0 ? rc : 0;
    if (rc == 0)
        closure = REC_OPEN;
    if (closure != REC_OPEN && closure < ref) {
        rc = rec__defect(x->b, REC_D_END_BEFORE_START, x->f, line_of(kid(d, "CINclosureDate")),
                         1, "CINclosureDate is before CINreferralDate");
        return rc < 0 ? rc : 0;
    }
    xmlNode *nfa_e = kid(d, "ReferralNFA");
    const char *nfa_s = text(nfa_e, buf, sizeof buf);
    int nfa = !strcmp(nfa_s, "true") || !strcmp(nfa_s, "1");
    if (!nfa && *nfa_s && strcmp(nfa_s, "false") && strcmp(nfa_s, "0")) {
        rc = rec__defect(x->b, REC_D_BAD_FIELD, x->f, line_of(nfa_e), 1,
                         "ReferralNFA '%s' is not true, false, 1 or 0", nfa_s);
        return rc < 0 ? rc : 0;
    }
    size_t first = p->n_st;
    if ((rc = push(p, S_REF, ref, REC_OPEN, line_of(d))) < 0)
        return rc;
    for (xmlNode *a = kid(d, "Assessments"); a; a = next_kid(a, "Assessments")) {
        if ((rc = work(x, a, "AssessmentActualStartDate", "AssessmentAuthorisationDate",
                       closure, &s, &e)) < 0)
            return rc;
        if (rc == 1 && (rc = push(p, S_ASS, s, e, line_of(a))) < 0)
            return rc;
        xmlNode *fs = kid(a, "FactorsIdentifiedAtAssessment");
        for (xmlNode *f = kid(fs, "AssessmentFactors"); f; f = next_kid(f, "AssessmentFactors")) {
            const char *flag = factor_flag(text(f, buf, sizeof buf));
            if (flag && (rc = set_flag(x, c, flag, line_of(f))) < 0)
                return rc;
        }
    }
    for (xmlNode *a = kid(d, "CINPlanDates"); a; a = next_kid(a, "CINPlanDates"))
        if ((rc = work(x, a, "CINPlanStartDate", "CINPlanEndDate", closure, &s, &e)) < 0 ||
            (rc == 1 && (rc = push(p, S_CIN, s, e, line_of(a))) < 0))
            return rc;
    for (xmlNode *a = kid(d, "ChildProtectionPlans"); a;
         a = next_kid(a, "ChildProtectionPlans"))
        if ((rc = work(x, a, "CPPstartDate", "CPPendDate", closure, &s, &e)) < 0 ||
            (rc == 1 && (rc = push(p, S_CP, s, e, line_of(a))) < 0))
            return rc;
    size_t plans_end = p->n_st;
    long first_plan = REC_OPEN; /* the start of the referral's first plan */
    for (size_t i = first; i < plans_end; i++)
        if ((p->st[i].stage == S_CIN || p->st[i].stage == S_CP) && p->st[i].start < first_plan)
            first_plan = p->st[i].start;
    for (xmlNode *a = kid(d, "Section47"); a; a = next_kid(a, "Section47")) {
        /* ends at its initial conference, else the next plan's start, else closure */
        if ((rc = work(x, a, "S47ActualStartDate", "DateOfInitialCPC", REC_OPEN, &s, &e)) < 0)
            return rc;
        if (rc == 0)
            continue;
        /* an enquiry begun once a plan is under way is work of the plans (a child on
         * a CIN plan enquired into and put on a CP plan moves cin -> cp), not a stay */
        if (first_plan != REC_OPEN && s >= first_plan)
            continue;
        if (e == REC_OPEN) {
            for (size_t i = first; i < plans_end; i++)
                if ((p->st[i].stage == S_CIN || p->st[i].stage == S_CP) &&
                    p->st[i].start >= s && p->st[i].start < e)
                    e = p->st[i].start;
            if (e == REC_OPEN && closure != REC_OPEN && closure >= s)
                e = closure;
        }
        if ((rc = push(p, S_ASS, s, e, line_of(a))) < 0)
            return rc;
    }
    /* merge overlapping (or touching) assessment work into one stay */
    cin_stay_t *w = p->st + first + 1;
    size_t n = p->n_st - first - 1;
    qsort(w, n, sizeof *w, cmp_cin_stay);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && w[i].stage == S_ASS && w[k - 1].stage == S_ASS &&
            (w[k - 1].end == REC_OPEN || w[i].start <= w[k - 1].end)) {
            if (w[k - 1].end != REC_OPEN && (w[i].end == REC_OPEN || w[i].end > w[k - 1].end))
                w[k - 1].end = w[i].end;
            continue;
        }
        w[k++] = w[i];
    }
    n = k;
    p->n_st = first + 1 + n;
    /* the referral ends when the first work starts, else at closure, else (NFA) at once */
    cin_stay_t *r = &p->st[first];
    long firstwork = REC_OPEN;
    for (size_t i = 0; i < n; i++)
        if (w[i].start < firstwork)
            firstwork = w[i].start;
    r->end = firstwork != REC_OPEN ? (firstwork > ref ? firstwork : ref)
             : closure != REC_OPEN ? closure
             : nfa                 ? ref
                                   : REC_OPEN;
    /* next: the stay of this referral starting first on or after the end */
    for (size_t i = 0; i <= n; i++) {
        cin_stay_t *t = &p->st[first + i];
        if (t->end == REC_OPEN)
            continue;
        t->next = NEXT_EXIT;
        long best = LONG_MAX;
        for (size_t j = 0; j < n; j++) {
            const cin_stay_t *u = &w[j];
            if (u == t || u->start < t->end)
                continue;
            if (u->start < best ||
                (u->start == best && t->next >= 0 && prefer[u->stage] > prefer[t->next])) {
                best = u->start;
                t->next = u->stage;
            }
        }
        /* none: the latest work begun during this stay and going on after it */
        long begun = LONG_MIN;
        for (size_t j = 0; j < n && best == LONG_MAX; j++) {
            const cin_stay_t *u = &w[j];
            if (u != t && u->start >= t->start && u->start < t->end && u->start > begun &&
                (u->end == REC_OPEN || u->end > t->end)) {
                begun = u->start;
                t->next = u->stage;
            }
        }
    }
    if ((rc = grow((void **)&p->g, &p->cap_g, p->n_g, sizeof *p->g)) < 0)
        return rc;
    p->g[p->n_g] = (cin_group_t){.child = c, .file = x->f, .order = (uint32_t)p->n_g,
                                 .referral = ref, .rank = x->rank, .first = first,
                                 .n = n + 1};
    p->n_g++;
    return 0;
}

/* ---- one child ------------------------------------------------------------------ */

static int one_child(ctx_t *x, struct rec__cin *p, xmlNode *ch)
{
    char buf[256], clip[SIM_ERR_CLIP + 1];
    rec__b_t *b = x->b;
    xmlNode *ids = kid(ch, "ChildIdentifiers");
    xmlNode *ide = kid(ids, "LAchildID");
    const char *id = text(ide, buf, sizeof buf);
    int rc;
    if (!*id) {
        rc = rec__defect(b, REC_D_BAD_FIELD, x->f, line_of(ide ? ide : ch), 1,
                         "Child has no LAchildID");
        return rc;
    }
    long dob = REC_NO_DOB;
    rc = date_in(x, ids, "PersonBirthDate", &dob);
    if (rc == 0)
        rc = date_in(x, ids, "ExpectedPersonBirthDate", &dob);
    if (rc < 0)
        return rc;
    if (rc != 1)
        dob = REC_NO_DOB;
    xmlNode *ge = kid(ids, "GenderCurrent");
    char gb[32];
    const char *g = text(ge, gb, sizeof gb);
    char sex = !strcmp(g, "1") ? 'M' : !strcmp(g, "2") ? 'F' : 0;
    if (!sex && *g && strcmp(g, "0") && strcmp(g, "9")) {
        rc = rec__defect(b, REC_D_BAD_FIELD, x->f, line_of(ge), 1,
                         "GenderCurrent '%s' is not 1, 2, 0 or 9",
                         sim_err_clip(clip, sizeof clip, g));
        if (rc < 0)
            return rc;
    }
    uint32_t c;
    if ((rc = rec__child(b, id, strlen(id), x->f, line_of(ch), &c)) < 0)
        return rc;
    if (dob != REC_NO_DOB && x->rank >= b->kids[c].dob_rank) {
        b->kids[c].dob_rank = x->rank;
        b->rs->children[c].dob = dob;
        if (sex)
            b->rs->children[c].sex = sex;
    } else if (!b->rs->children[c].sex)
        b->rs->children[c].sex = sex;
    xmlNode *dis = kid(kid(ch, "ChildCharacteristics"), "Disabilities");
    for (xmlNode *e = kid(dis, "Disability"); e; e = next_kid(e, "Disability")) {
        const char *v = text(e, gb, sizeof gb);
        if (*v && strcmp(v, "NONE") && (rc = set_flag(x, c, "disabled", line_of(e))) < 0)
            return rc;
    }
    for (xmlNode *d = kid(ch, "CINdetails"); d; d = next_kid(d, "CINdetails"))
        if ((rc = details(x, p, c, d)) < 0)
            return rc;
    return 0;
}

int rec__read_cin(rec__b_t *b, uint32_t f, const char *data, size_t len)
{
    struct rec__cin *p = b->pcin;
    if (!p && !(p = b->pcin = mem_calloc(1, sizeof *p)))
        return SIM_ENOMEM;
    if (len > INT_MAX)
        return rec__fail(b, f, 1, 1, "CIN census: a file of more than %d bytes", INT_MAX);
    xmlParserCtxtPtr px = xmlNewParserCtxt();
    if (!px)
        return SIM_ENOMEM;
    xmlDocPtr doc = xmlCtxtReadMemory(px, data, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    int rc = 0;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(px);
        char msg[256];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not well-formed XML");
        size_t k = strlen(msg);
        while (k && (msg[k - 1] == '\n' || msg[k - 1] == ' '))
            msg[--k] = 0;
        rc = rec__fail(b, f, e ? e->line : 1, e && e->int2 > 0 ? e->int2 : 1,
                       "XML: %s", msg);
        xmlFreeParserCtxt(px);
        return rc;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *coll = kid(kid(kid(root, "Header"), "CollectionDetails"), "Collection");
    char cb[64];
    const char *cs = text(coll, cb, sizeof cb);
    if (is(root, "Message") && coll && strcasecmp(cs, "CIN")) {
        /* a DfE Message of another collection (the school census, say) */
        char clip[SIM_ERR_CLIP + 1];
        rc = rec__fail(b, f, line_of(coll), 1,
                       "not a kind of file careflow reads: a Message of collection '%s', "
                       "not the children in need census (Collection CIN)",
                       sim_err_clip(clip, sizeof clip, cs));
        goto out;
    }
    if (!is(root, "Message") || !kid(root, "Children")) {
        rc = rec__fail(b, f, line_of(root), 1,
                       "not a kind of file careflow reads: XML whose root is not a CIN "
                       "census Message with Children");
        goto out;
    }
    ctx_t x = {.b = b, .f = f, .rank = LONG_MIN};
    xmlNode *cd = kid(kid(root, "Header"), "CollectionDetails");
    long rd;
    rc = date_in(&x, cd, "ReferenceDate", &rd);
    if (rc < 0)
        goto out;
    if (rc == 1)
        x.rank = rd;
    else {
        char yb[32];
        char *end;
        const char *ys = text(kid(cd, "Year"), yb, sizeof yb);
        long y = strtol(ys, &end, 10);
        if (*ys && !*end && y >= 1900 && y <= 9999)
            x.rank = cal_from_ymd((int)y, 3, 31);
    }
    rc = 0;
    for (xmlNode *ch = kid(kid(root, "Children"), "Child"); ch && rc == 0;
         ch = next_kid(ch, "Child"))
        rc = one_child(&x, p, ch);
out:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(px);
    return rc;
}

static int cmp_group(const void *pa, const void *pb)
{
    const cin_group_t *a = pa, *b = pb;
    if (a->child != b->child)
        return a->child < b->child ? -1 : 1;
    if (a->referral != b->referral)
        return a->referral < b->referral ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

int rec__finish_cin(rec__b_t *b)
{
    struct rec__cin *p = b->pcin;
    int idx[S_N] = {-1, -1, -1, -1}, rc;
    if (!p)
        return 0;
    if (p->n_g)
        qsort(p->g, p->n_g, sizeof *p->g, cmp_group);
    for (size_t i = 0; i < p->n_g; i++) {
        const cin_group_t *g = &p->g[i];
        if (i + 1 < p->n_g && p->g[i + 1].child == g->child &&
            p->g[i + 1].referral == g->referral)
            continue; /* a later census holds this referral */
        if (b->kids[g->child].dropped)
            continue;
        for (size_t k = 0; k < g->n; k++) {
            const cin_stay_t *s = &p->st[g->first + k];
            /* a referral's work that leads nowhere in the census is settled like any closed
             * stay: the child's stay in any file starting on its end (care), else exit */
            int next = s->next == NEXT_EXIT ? REC__INFER : s->next == NEXT_OPEN ? REC_NONE : -9;
            for (int t = 0; t < 2; t++) {
                int sg = t == 0 ? s->stage : s->next;
                if (sg < 0 || idx[sg] >= 0)
                    continue;
                if ((rc = rec__stage(b, stage_names[sg], &idx[sg])) < 0)
                    return rc;
                if (idx[sg] < 0)
                    return rec__fail(b, g->file, s->line, 1, "more than %d stages",
                                     REC__MAX_STAGES);
            }
            if (next == -9)
                next = idx[s->next];
            if ((rc = rec__add(b, g->child, idx[s->stage], next, s->start, s->end, g->file,
                               s->line, 1)) < 0)
                return rc;
        }
    }
    return 0;
}

int rec__cin_observed_from(rec__b_t *b)
{
    struct rec__cin *p = b->pcin;
    rec_set_t *rs = b->rs;
    if (!p || p->n_g == 0 || !rs->observed_from)
        return 0;
    /* the earliest census year's first day: the day after its date a year before */
    long year0 = LONG_MAX;
    for (size_t i = 0; i < p->n_g; i++) {
        if (p->g[i].rank == LONG_MIN)
            continue;
        int y, m, d;
        cal_to_ymd(p->g[i].rank, &y, &m, &d);
        if (m == 2 && d == 29)
            d = 28;
        long y0 = cal_from_ymd(y - 1, m, d) + 1;
        if (y0 < year0)
            year0 = y0;
    }
    if (year0 == LONG_MAX)
        return 0;
    unsigned char *cin_file = mem_calloc((size_t)rs->n_files + 1, 1);
    unsigned char *other = mem_calloc((size_t)rs->n_stages + 1, 1);
    if (!cin_file || !other) {
        mem_free(cin_file);
        mem_free(other);
        return SIM_ENOMEM;
    }
    for (size_t i = 0; i < p->n_g; i++)
        if (p->g[i].file < (uint32_t)rs->n_files)
            cin_file[p->g[i].file] = 1;
    for (size_t i = 0; i < rs->n_stays; i++)
        if (rs->stays[i].file >= (uint32_t)rs->n_files || !cin_file[rs->stays[i].file])
            other[rs->stays[i].stage] = 1;
    for (int k = 0; k < S_N; k++) {
        int s = rec_stage_index(rs, stage_names[k]);
        if (s >= 0 && !other[s] && rs->observed_from[s] < year0)
            rs->observed_from[s] = year0;
    }
    mem_free(cin_file);
    mem_free(other);
    return 0;
}

void rec__free_cin(rec__b_t *b)
{
    struct rec__cin *p = b->pcin;
    if (!p)
        return;
    mem_free(p->g);
    mem_free(p->st);
    mem_free(p);
    b->pcin = NULL;
}
