/* harness.c: the loader's fuzz harnesses (see harness.h for what each checks). */
#include "tests/fuzz/harness.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/records/records.h"
#include "models/scenario/scenario.h"
#include "sim/mem.h"

/* The fixed scenario the "set" harness overrides: small, valid, and using every part
 * a --set path can reach (maps, list items by name and by type, by_type costs,
 * steps, adjust, uncertain). */
static const char base_yaml[] =
    "version: 1\n"
    "name: fuzz-base\n"
    "title: \"Fuzz base: three stages, a pool, costs, strands, uncertain\"\n"
    "start: 2024-04-01\n"
    "horizon_days: 730\n"
    "warmup_days: 30\n"
    "report_every_days: month\n"
    "replications: 2\n"
    "seed: 3\n"
    "max_age: 18\n"
    "stages:\n"
    "  assessment:\n"
    "    duration: {dist: gamma, mean: 30, sd: 10}\n"
    "    next: {exit: 0.5, cin: 0.4, cp: 0.1}\n"
    "    adjust:\n"
    "      - when: {age: [12, 18], flag: risk, history_min: 1}\n"
    "        odds: {cp: 1.5}\n"
    "  cin:\n"
    "    title: Child in Need plan\n"
    "    duration: {dist: lognormal, mean: 180, sd: 120}\n"
    "    next: {exit: 1}\n"
    "  cp:\n"
    "    title: Child Protection plan\n"
    "    duration: {dist: empirical, cdf: [[0, 0], [100, 0.5], [400, 1]]}\n"
    "    next: {cin: 0.5, exit: 0.5}\n"
    "arrivals:\n"
    "  - name: referrals\n"
    "    to: assessment\n"
    "    per_year: 1000\n"
    "    trend_per_year: 0.02\n"
    "    profile:\n"
    "      - {from: 2024-10-01, multiplier: 1.2}\n"
    "    age: {dist: uniform, min: 0, max: 18}\n"
    "    flags: {risk: 0.3}\n"
    "initial:\n"
    "  assessment: 82\n"
    "  cin: {count: 222, elapsed: fresh}\n"
    "pools:\n"
    "  teams:\n"
    "    workers: [{from: 2024-04-01, value: 20}, {from: 2025-01-01, value: 22}]\n"
    "    absence: 0.05\n"
    "    caseload_cap: 20\n"
    "    serves: {cin: 1.0, cp: 1.5}\n"
    "    priority: [cp, cin]\n"
    "observed:\n"
    "  - {stages: [assessment, cin, cp], date: 2025-03-31, value: 400, source: \"made up\"}\n"
    "  - {stages: cp, metric: entries, from: 2024-07-01, to: 2024-09-30, value: 25}\n"
    "costs:\n"
    "  currency: GBP\n"
    "  pools:\n"
    "    teams: {per_worker_year: 40000}\n"
    "  stages:\n"
    "    cp:\n"
    "      by_type:\n"
    "        - {type: home, share: 0.8, per_child_day: 10}\n"
    "        - {type: away, share: 0.2, per_child_day: 50}\n"
    "strands:\n"
    "  - {type: pa, pool: teams, pas: 4, start: 2024-06-01}\n"
    "  - {type: edge_of_care, name: edge, workers: 2, odds: {cp: 0.8}, stages: [cp]}\n"
    "uncertain:\n"
    "  - {path: pools.teams.absence, dist: uniform, min: 0.01, max: 0.1}\n"
    "  - {path: stages.cin.duration.dist, dist: choice, values: [lognormal, gamma]}\n";

/* The fixed scenario the "csv" harness reads obs.csv with. */
static const char csv_yaml[] =
    "version: 1\n"
    "name: fuzz-csv\n"
    "start: 2024-04-01\n"
    "end: 2026-03-31\n"
    "stages:\n"
    "  assessment:\n"
    "    duration: {dist: gamma, mean: 30, sd: 10}\n"
    "    next: {exit: 0.5, cin: 0.4, cp: 0.1}\n"
    "  cin:\n"
    "    duration: {dist: exponential, mean: 180}\n"
    "  cp:\n"
    "    duration: {dist: fixed, value: 300}\n"
    "    next: {cin: 0.5, exit: 0.5}\n"
    "arrivals:\n"
    "  - {name: referrals, to: assessment, per_year: 1000}\n"
    "observed:\n"
    "  - {stages: [cin], date: 2025-03-31, value: 200}\n"
    "  - file: obs.csv\n";

/* The fixed scenario the "initial" harness reads open.csv with: two stages, one with
 * durations by age band, so an open case's start and age reach the residual-life
 * sampler's setup (the loader checks every row against the stages). */
static const char initial_yaml[] =
    "version: 1\n"
    "name: fuzz-initial\n"
    "start: 2024-04-01\n"
    "end: 2025-03-31\n"
    "stages:\n"
    "  assessment:\n"
    "    duration: {dist: gamma, mean: 30, sd: 10}\n"
    "    next: {exit: 0.5, cin: 0.5}\n"
    "  cin:\n"
    "    duration:\n"
    "      by_age:\n"
    "        - {age: [0, 10], dist: exponential, mean: 180}\n"
    "        - {age: [10, 18], dist: empirical, cdf: [[0, 0], [100, 0.5], [400, 1]]}\n"
    "arrivals:\n"
    "  - {name: referrals, to: assessment, per_year: 1000}\n"
    "initial:\n"
    "  file: open.csv\n";

/* Every file a harness may write, removed by harness_cleanup. */
static const char *const file_names[] = {"top.yaml",    "inc.yaml",    "base.yaml",
                                         "csv.yaml",    "obs.csv",     "records.dat",
                                         "initial.yaml", "open.csv",   NULL};

static int violation(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int violation(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static void path_of(const harness_t *h, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", h->dir, name);
}

/* Writes len bytes to the folder's file `name`. Returns 0 or -1 (why filled). */
static int write_file(const harness_t *h, const char *name, const void *data, size_t len,
                      char *why, size_t whylen)
{
    char path[128];
    path_of(h, name, path, sizeof path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return violation(why, whylen, "harness: cannot create %s", path);
    size_t put = len ? fwrite(data, 1, len, f) : 0;
    int bad = fclose(f) != 0 || put != len;
    return bad ? violation(why, whylen, "harness: cannot write %s", path) : 0;
}

int harness_known(const char *mode)
{
    return !strcmp(mode, "load") || !strcmp(mode, "include") || !strcmp(mode, "set") ||
           !strcmp(mode, "csv") || !strcmp(mode, "records") || !strcmp(mode, "initial");
}

int harness_init(harness_t *h, const char *mode, char *why, size_t whylen)
{
    h->mode = mode;
    h->dir[0] = 0;
    if (!harness_known(mode))
        return violation(why, whylen, "harness: unknown harness '%s'", mode);
    snprintf(h->dir, sizeof h->dir, "/tmp/careflow-fuzz-XXXXXX");
    if (!mkdtemp(h->dir)) {
        h->dir[0] = 0;
        return violation(why, whylen, "harness: cannot make a folder in /tmp");
    }
    if (!strcmp(mode, "set"))
        return write_file(h, "base.yaml", base_yaml, sizeof base_yaml - 1, why, whylen);
    if (!strcmp(mode, "csv"))
        return write_file(h, "csv.yaml", csv_yaml, sizeof csv_yaml - 1, why, whylen);
    if (!strcmp(mode, "initial"))
        return write_file(h, "initial.yaml", initial_yaml, sizeof initial_yaml - 1, why,
                          whylen);
    return 0;
}

void harness_cleanup(harness_t *h)
{
    char path[128];
    if (!h->dir[0])
        return;
    for (int i = 0; file_names[i]; i++) {
        path_of(h, file_names[i], path, sizeof path);
        unlink(path);
    }
    rmdir(h->dir);
    h->dir[0] = 0;
}

/* Does msg start "FILE:LINE:COL: error: " with FILE an existing file (or, with sets,
 * the pseudo-file "--set ...") and LINE, COL >= 1? */
static int well_marked(const char *msg, int with_sets)
{
    /* FILE may itself hold ':' (and even ": error: "), so try each ": error: " */
    for (const char *e = strstr(msg, ": error: "); e; e = strstr(e + 1, ": error: ")) {
        const char *p = e;
        long num[2];
        int ok = 1;
        for (int k = 1; k >= 0 && ok; k--) { /* COL, then LINE, read backwards */
            const char *d = p;
            while (d > msg && isdigit((unsigned char)d[-1]))
                d--;
            if (d == p || d == msg || d[-1] != ':' || p - d > 9) {
                ok = 0;
                break;
            }
            num[k] = strtol(d, NULL, 10);
            p = d - 1; /* at the ':' before the number */
        }
        if (!ok || p == msg || num[0] < 1 || num[1] < 1)
            continue;
        char file[HARNESS_ERRLEN];
        size_t n = (size_t)(p - msg);
        memcpy(file, msg, n);
        file[n] = 0;
        if (with_sets && !strncmp(file, "--set ", 6))
            return 1;
        if (access(file, F_OK) == 0)
            return 1;
    }
    return 0;
}

/* Copies s into out with control characters written \xNN, so a violation prints on
 * one line. */
static const char *escaped(const char *s, char *out, size_t len)
{
    size_t k = 0;
    for (; *s && k + 5 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            k += (size_t)snprintf(out + k, len - k, "\\x%02x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = 0;
    return out;
}

/* Checks scenario_load's contract on one result; frees sc. */
static int check(int rc, scenario_t *sc, const char *err, int with_sets, char *why,
                 size_t whylen)
{
    char esc[4 * HARNESS_ERRLEN];
    if (rc == 0) {
        if (!sc)
            return violation(why, whylen, "returned 0 without a scenario");
        scenario_free(sc);
        return 0;
    }
    if (sc) {
        scenario_free(sc);
        return violation(why, whylen, "returned %d but gave a scenario", rc);
    }
    if (rc > 0)
        return violation(why, whylen, "returned %d: neither 0 nor a negative code", rc);
    if (!memchr(err, 0, HARNESS_ERRLEN))
        return violation(why, whylen, "the message has no NUL within the buffer");
    if (!err[0])
        return violation(why, whylen, "failed (%d) with an empty message", rc);
    for (const char *p = err; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return violation(why, whylen, "the message is not one line of text (control "
                                          "character 0x%02x): %s",
                             (unsigned)(unsigned char)*p, escaped(err, esc, sizeof esc));
    if (!strcmp(err, "out of memory") || well_marked(err, with_sets))
        return 0;
    return violation(why, whylen,
                     "the message does not start FILE:LINE:COL: error: (FILE existing): %s",
                     escaped(err, esc, sizeof esc));
}

/* Loads `top` (a file of the folder) with the given --set arguments and checks. */
static int load_and_check(const harness_t *h, const char *top, const char *const *sets,
                          int n_sets, char *why, size_t whylen)
{
    char path[128], err[HARNESS_ERRLEN];
    scenario_t *sc = NULL;
    path_of(h, top, path, sizeof path);
    memset(err, 0x55, sizeof err); /* no NUL unless the loader writes one */
    int rc = scenario_load(path, sets, n_sets, &sc, err, sizeof err);
    return check(rc, sc, err, n_sets > 0, why, whylen);
}

static int run_set(harness_t *h, const uint8_t *data, size_t size, char *why,
                   size_t whylen)
{
    char *buf = mem_alloc(size + 1);
    const char *sets[HARNESS_MAX_SETS];
    int n = 0, rc;
    if (!buf)
        return violation(why, whylen, "harness: out of memory");
    memcpy(buf, data, size);
    buf[size] = 0;
    for (char *p = buf; n < HARNESS_MAX_SETS; p += strlen(p) + 1) {
        sets[n++] = p;
        if (p + strlen(p) == buf + size)
            break; /* the last piece */
    }
    rc = load_and_check(h, "base.yaml", sets, n, why, whylen);
    mem_free(buf);
    return rc;
}

/* "records": the bytes are one records file (its kind found from its content), read
 * strictly and then leniently; rec_read keeps the same contract as the loader. */
static int run_records(harness_t *h, const uint8_t *data, size_t size, char *why,
                       size_t whylen)
{
    char path[128], err[HARNESS_ERRLEN], esc[4 * HARNESS_ERRLEN];
    if (write_file(h, "records.dat", data, size, why, whylen) < 0)
        return -1;
    path_of(h, "records.dat", path, sizeof path);
    for (int lenient = 0; lenient < 2; lenient++) {
        rec_opts_t o = {.lenient = lenient};
        rec_set_t *rs = NULL;
        const char *paths[] = {path};
        memset(err, 0x55, sizeof err);
        int rc = rec_read(paths, 1, &o, &rs, err, sizeof err);
        if (rc == 0) {
            if (!rs)
                return violation(why, whylen, "rec_read returned 0 without a set");
            for (size_t i = 0; i < rs->n_stays; i++)
                if (rs->stays[i].child >= rs->n_children ||
                    rs->stays[i].stage < 0 || rs->stays[i].stage >= rs->n_stages ||
                    (i && rs->stays[i].child < rs->stays[i - 1].child) ||
                    rs->stays[i].start > rs->extract ||
                    (rs->stays[i].end != REC_OPEN && rs->stays[i].end < rs->stays[i].start))
                    return violation(why, whylen, "rec_read: stay %zu breaks the set's "
                                                  "invariants", i);
            rec_free(rs);
            continue;
        }
        if (rs)
            return violation(why, whylen, "rec_read returned %d but gave a set", rc);
        if (!memchr(err, 0, HARNESS_ERRLEN) || !err[0])
            return violation(why, whylen, "rec_read failed (%d) with no message", rc);
        for (const char *q = err; *q; q++)
            if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
                return violation(why, whylen, "rec_read: the message is not one line: %s",
                                 escaped(err, esc, sizeof esc));
        if (strcmp(err, "out of memory") && !well_marked(err, 0))
            return violation(why, whylen, "rec_read: the message does not start "
                                          "FILE:LINE:COL: error: %s",
                             escaped(err, esc, sizeof esc));
    }
    return 0;
}

int harness_run(harness_t *h, const uint8_t *data, size_t size, char *why, size_t whylen)
{
    if (!strcmp(h->mode, "load")) {
        if (write_file(h, "top.yaml", data, size, why, whylen) < 0)
            return -1;
        return load_and_check(h, "top.yaml", NULL, 0, why, whylen);
    }
    if (!strcmp(h->mode, "include")) {
        const uint8_t *nul = memchr(data, 0, size);
        size_t top = nul ? (size_t)(nul - data) : size;
        size_t rest = nul ? size - top - 1 : 0;
        if (write_file(h, "top.yaml", data, top, why, whylen) < 0 ||
            write_file(h, "inc.yaml", nul ? nul + 1 : data, rest, why, whylen) < 0)
            return -1;
        return load_and_check(h, "top.yaml", NULL, 0, why, whylen);
    }
    if (!strcmp(h->mode, "set"))
        return run_set(h, data, size, why, whylen);
    if (!strcmp(h->mode, "records"))
        return run_records(h, data, size, why, whylen);
    if (!strcmp(h->mode, "initial")) {
        if (write_file(h, "open.csv", data, size, why, whylen) < 0)
            return -1;
        return load_and_check(h, "initial.yaml", NULL, 0, why, whylen);
    }
    if (write_file(h, "obs.csv", data, size, why, whylen) < 0)
        return -1;
    return load_and_check(h, "csv.yaml", NULL, 0, why, whylen);
}
