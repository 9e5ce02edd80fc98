/* scenario.h: a scenario in memory, as the loader (load.c) builds it from YAML and the
 * model (model.c) simulates it. Everything is checked by the loader: the model may
 * assume every index is in range, every probability row sums to 1, every dist_t is
 * initialised.
 *
 * Times are simulation days. Day t is the END of calendar date start + t: day 0 is the
 * snapshot at the end of the start date, a stock observed at date D is the state at
 * the end of D (day D - start), a month-end report is the end of the month's last
 * day, and anything `from` a date begins at the start of that date (the end of the
 * day before: day D - start - 1). Dates are kept as calendar day numbers (sim/cal.h)
 * only where they are printed. The scenario owns all
 * its memory; scenario_free() releases it. */
#ifndef MODELS_SCENARIO_H
#define MODELS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"
#include "sim/sa.h"

#define SCN_MAX_STAGES 64 /* stages fit a uint64_t bit set (observed stage sets) */
#define SCN_MAX_FLAGS 64  /* flags fit a uint64_t bit set */
#define SCN_MAX_BY_AGE 16 /* items of one stage's `duration: {by_age: ...}` */
#define SCN_EXIT (-1)     /* routing target: the reserved sink `exit` */

/* Conditions on a child (`when:`); every given condition must hold. */
typedef struct scn_when {
    double age_min, age_max; /* years, [min, max); -INFINITY / INFINITY when absent */
    uint64_t flags_all;      /* bits that must be set (`flag`) */
    uint64_t flags_none;     /* bits that must be clear (`not_flag`) */
    int history_min;         /* previous episodes at least this (0 when absent) */
} scn_when_t;

/* One `adjust:` entry: for matching children, multiply target weights by odds. */
typedef struct scn_adjust {
    scn_when_t when;
    int n;        /* targets listed */
    int *target;  /* index into next[] of the stage (not a stage index) */
    double *odds; /* multiplier, >= 0 */
} scn_adjust_t;

/* One item of a stage's `duration: {by_age: [...]}`. */
typedef struct scn_age_dur {
    double age_min;        /* years at entry: the item holds ages in [age_min, age_max) */
    double age_max;
    dist_t dist;           /* the duration of a child entering at such an age */
} scn_age_dur_t;

typedef struct scn_stage {
    char *name;            /* as in YAML, unique */
    char *title;           /* `title`, or the name */
    int open_case;         /* counts in `all` */
    dist_t duration;       /* time from allocation to leaving; unused (kind DIST_KIND_N)
                            * when n_by_age > 0: use scenario_stage_duration() */
    int n_by_age;          /* items of `duration: {by_age: ...}`, or 0 */
    scn_age_dur_t *by_age; /* [n_by_age] in YAML order (the first holding the age wins);
                            * together they cover ages [0, max_age) */
    int n_next;            /* routing targets */
    int *next_stage;       /* stage index or SCN_EXIT */
    double *next_p;        /* probabilities, sum to 1 */
    int n_adjust;
    scn_adjust_t *adjust;  /* in YAML order; applied one after another */
    /* filled by the loader from `pools` and `arrivals`: */
    int pool;              /* pool serving this stage, or -1 */
    double weight;         /* case weight in that pool */
    int prio;              /* priority level in that pool (0 = first served) */
    int is_entry;          /* some arrival stream enters here (episodes count from it) */
} scn_stage_t;

/* A piecewise-constant function of time: value[i] from day[i] (ascending) onwards;
 * before day[0] the default the owner documents. */
typedef struct scn_steps {
    int n;
    double *day;
    double *value;
} scn_steps_t;

typedef struct scn_mix {
    double weight;  /* normalised to sum 1 by the loader */
    uint64_t flags; /* flags set together */
} scn_mix_t;

/* Who a child is when it appears: age and flags. Shared by arrivals and initial. */
typedef struct scn_attrs {
    dist_t age;      /* years */
    int n_flag;      /* independent flags */
    int *flag;       /* flag index */
    double *flag_p;  /* probability of each */
    int n_mix;       /* joint profiles (`profiles:`), or 0 */
    scn_mix_t *mix;
} scn_attrs_t;

typedef struct scn_arrival {
    char *name;
    int to;                /* stage index */
    double rate;           /* per day at day 0, before trend and profile */
    int regular;           /* 1: fixed spacing; 0: Poisson */
    double trend;          /* compound growth per year (0.05 = +5%/year) */
    scn_steps_t profile;   /* multipliers by day (1 before the first step); a step
                            * `from` date D starts at day D - start - 1 */
    scn_attrs_t attrs;
} scn_arrival_t;

typedef struct scn_initial {
    int stage;             /* stage index */
    long count;            /* children open at day 0 */
    scn_attrs_t attrs;     /* ages (years at day 0) and flags; default: first arrival's */
    int fresh;             /* 1: `elapsed: fresh`; 0: equilibrium (default) */
    int steady;            /* 1: `steady`: count was computed by the loader from the
                            * traffic equations and Little's law at day 0 */
    char *source;          /* `source`: where the count comes from (may be NULL) */
} scn_initial_t;

/* One open case of `initial: {file: PATH}` (a row of the file). */
typedef struct scn_open {
    int stage;             /* stage index */
    double elapsed;        /* days in the stage by day 0: the scenario's start date minus
                            * the row's start date (>= 0) */
    double born;           /* day of birth, in days from day 0 (<= 0) */
    uint64_t flags;        /* flag bits */
    int history;           /* previous episodes (>= 0) */
    long row;              /* the row's number among the file's data rows (0-based):
                            * names the child's random stream */
} scn_open_t;

typedef struct scn_pool {
    char *name;
    scn_steps_t workers;   /* FTE by day (a plain number is one step at -infinity) */
    double absence;        /* share unavailable, [0, 1) */
    double caseload_cap;   /* weighted cases per available worker */
    int n_serves;
    int *serves;           /* stage indices */
    double *serves_weight; /* weight per served stage, > 0 */
    int n_levels;          /* priority levels: listed stages each one, then one shared
                            * FIFO level for the rest (1 level when no priority) */
} scn_pool_t;

typedef enum { SCN_OBS_STOCK, SCN_OBS_ENTRIES } scn_obs_metric_t;

typedef struct scn_observed {
    uint64_t stages;       /* bit set of stage indices */
    char *label;           /* stage names joined by '+', in the order given */
    scn_obs_metric_t metric;
    double day;            /* stock: the date (days from start) */
    double from, to;       /* entries: the window (from, to] in days: from the start of
                            * the `from` date to the end of the `to` date */
    long date;             /* calendar day printed in fit.csv (stock: date; entries: to) */
    double value;
    char *source;          /* may be NULL */
} scn_observed_t;

/* Unit costs. The model measures, for each cost item and each year of the window, a
 * quantity of the item's kind; the cost is quantity x rate. X(enum, name). */
#define SCN_COST_KIND_MAP(X)                                                           \
    X(SCN_COST_WORKER_YEARS, "worker_years") /* ref: pool; FTE x years */              \
    X(SCN_COST_CHILD_DAYS, "child_days")     /* ref: stage; children x days in it */   \
    X(SCN_COST_ACTIVE_YEARS, "active_years") /* ref: strand; years it runs */          \
    X(SCN_COST_PLACE_YEARS, "place_years")   /* ref: strand; places provided x years */ \
    X(SCN_COST_STARTS, "interventions")      /* ref: strand; interventions started */

#define SCN_ENUM(e, s) e,
typedef enum { SCN_COST_KIND_MAP(SCN_ENUM) SCN_COST_KIND_N } scn_cost_kind_t;
#undef SCN_ENUM
extern const char *const scn_cost_kind_names[SCN_COST_KIND_N];

typedef struct scn_cost {
    char *component;       /* costs.csv `component`: pool, placement or strand */
    char *item;            /* costs.csv `item`: e.g. cin_teams, care, pa */
    scn_cost_kind_t kind;  /* what is measured */
    int ref;               /* the pool, stage or strand measured */
    double rate;           /* cost per unit of the quantity (per worker-year, ...) */
} scn_cost_t;

#define SCN_MAX_STRANDS 16 /* a child's strand marks fit a uint32_t, 2 bits each */
#define SCN_MAX_UNCERTAIN 200 /* uncertain parameters (a Sobol design uses 2 per one) */

/* Engagement levels of a child who takes up an intervention. */
enum { SCN_ENGAGE_WELL, SCN_ENGAGE_PARTLY, SCN_ENGAGE_NOT, SCN_ENGAGE_N };

/* A strand (intervention), compiled by its type's parser (models/strands/strand.h) into the
 * mechanisms the model applies. Every mechanism is optional:
 * - places: a child entering one of `stages` and matching `when` (and having one of
 *   `any_flags`, if given) is referred with probability refer_p, takes the offer up
 *   with probability takeup_p, and then needs a place: it starts at once if one is
 *   free, else waits (FIFO, while it stays in that stage) or is turned away. A place is
 *   held for `duration` days. A child who starts engages well, partly or not at all;
 *   its next exit from the stage where it was referred has its routing weights
 *   multiplied by odds^engage_effect[level], and the time left in that stay by
 *   dur_factor^engage_effect[level];
 * - pool: `covered` workers of the pool gain cap_gain of caseload capacity and have
 *   their absence cut by absence_cut;
 * - arrival: a share arrival_share of the stream's children is reached, and of those
 *   arrival_cut are averted (never enter).
 * Effects are scaled by the ramp: 0 before `start`, rising linearly to 1 at start +
 * ramp, 0 again from `stop` (places: their number is scaled). */
typedef struct scn_strand {
    char *name;            /* unique; the `stage` column of its output rows */
    const char *type;      /* its type's registry name (static) */
    double start, stop;    /* days: from the start of the start date to the start of
                            * the end date (-INFINITY / INFINITY when not given) */
    double ramp;           /* days from start to full effect (0: at once) */
    /* places */
    uint64_t stages;       /* referral on entering these stages (0: no places) */
    scn_when_t when;       /* eligibility: age, flags, history */
    uint64_t any_flags;    /* eligibility: at least one of these flags (0: no test) */
    double refer_p;        /* share of eligible entrants referred */
    double takeup_p;       /* share of those referred who start or wait */
    double places;         /* places at full ramp; INFINITY: unlimited */
    int turn_away;         /* 1: turned away when full; 0: wait for a place */
    dist_t duration;       /* days a place is held */
    double engage_p[SCN_ENGAGE_N];      /* shares engaging well, partly, not: sum 1 */
    double engage_effect[SCN_ENGAGE_N]; /* share of the odds effect each level gets */
    int n_odds;
    int *odds_stage;       /* routing target (stage index or SCN_EXIT) */
    double *odds;          /* its weight multiplier at full effect */
    double dur_factor;     /* the stay in the referral stage x dur_factor^effect (1: no
                            * change): from the start of the place on the time left */
    /* pool */
    int pool;              /* -1: none */
    double covered;        /* workers (FTE) covered */
    double cap_gain;       /* covered workers' caseload capacity x (1 + cap_gain) */
    double absence_cut;    /* covered workers' absence x (1 - absence_cut) */
    /* arrivals */
    int arrival;           /* -1: none */
    double arrival_share;  /* share of the stream's children it reaches */
    double arrival_cut;    /* share of those averted at full effect */
} scn_strand_t;

/* One uncertain parameter of `uncertain:` (for `careflow sensitivity`): a --set path
 * and the distribution of its value. */
typedef struct scn_uncertain {
    char *path;            /* the --set PATH it sets; unique in the list */
    char *label;           /* for plots and tables: `label`, or the path */
    sa_param_t dist;       /* the distribution (choice: dist.weights points at weights) */
    int is_int;            /* values are written as integers (integer, or a choice of
                            * integers) */
    char **choices;        /* choice: [dist.n_choices] values as written */
    double *weights;       /* choice: [dist.n_choices] weights, or NULL (equal) */
    char *file;            /* where the item is written, for errors */
    int line, col;
} scn_uncertain_t;

/* A file the loader read: the scenario, an include or a CSV file. */
typedef struct scn_input {
    char *path;            /* as the loader named it (relative paths joined to the
                            * directory of the file that named it) */
    char sha256[65];       /* hex SHA-256 of the bytes read */
    long long bytes;       /* bytes read */
} scn_input_t;

struct scn_source; /* private: what the loader read, to vary the scenario (load.c) */

typedef struct scenario {
    char *path;            /* the file given on the command line */
    char *name;            /* slug */
    char *title;
    long start;            /* calendar day of day 0 */
    double horizon;        /* days */
    double warmup;         /* days */
    int report_monthly;    /* 1: each calendar month end; 0: every report_every days */
    double report_every;
    int replications;
    uint64_t seed;
    double max_age;        /* years */

    int n_stages;
    scn_stage_t *stages;
    int n_arrivals;
    scn_arrival_t *arrivals;
    int n_initial;
    scn_initial_t *initial;
    int n_open;
    scn_open_t *open;      /* `initial: {file:}` rows, by start date (oldest first, file
                            * order within a date) */
    int n_pools;
    scn_pool_t *pools;
    int n_observed;
    scn_observed_t *observed;
    int n_flags;
    char **flags;          /* flag names; index = bit */
    int n_strands;
    scn_strand_t *strands;
    int n_costs;
    scn_cost_t *costs;     /* cost items: pools, placements, then strands */
    char *currency;        /* costs.currency, for labels (default "GBP") */
    int n_uncertain;
    scn_uncertain_t *uncertain; /* `uncertain:`, in file order */
    int n_inputs;
    scn_input_t *inputs;   /* every file the loader read (the top file, includes, CSV
                            * files), in read order: for manifests and checkpoints */
    struct scn_source *source; /* private: the merged tree, CSV bytes and --set list
                                * (shared with scenarios varied from this one) */
} scenario_t;

/* Loads, merges includes, applies `--set PATH=VALUE` overrides (sets[0..n_sets)), and
 * checks a scenario. On success returns 0 and *out owns a new scenario. Otherwise *out
 * is NULL, nothing is left allocated, err holds one line without a newline and the
 * code is returned: SIM_EINVAL for a defect of the input ("FILE:LINE:COL: error:
 * MESSAGE"; its end survives when err is short), SIM_ENOMEM ("out of memory") or
 * SIM_EIO (a file could not be read). Reads only regular files (a FIFO or a device is
 * refused unread), at most 256 of them and 64 MiB in all; writes nothing. */
int scenario_load(const char *path, const char *const *sets, int n_sets, scenario_t **out,
                  char *err, size_t errlen);

/* The scenario that scenario_load(base->path, S, ...) would give, where S is base's
 * own --set list followed by sets[0..n_sets): built again from what the loader of
 * base read (its merged tree and CSV bytes), reading no file. Same results and errors
 * as scenario_load; *out lists base's inputs. Thread safe: several threads may vary
 * one base at once (base must outlive the calls, not the results). */
int scenario_vary(const scenario_t *base, const char *const *sets, int n_sets,
                  scenario_t **out, char *err, size_t errlen);

/* The merged tree the scenario was built from (its includes merged, before any --set;
 * models/scenario/ytree.h), or NULL when it was not loaded from a file. Lives as long
 * as sc; read only. */
struct ytree_node;
const struct ytree_node *scenario_tree(const scenario_t *sc);
/* The same tree with the --set overrides of scenario_load applied (what `validate
 * --dump` prints); for a scenario from scenario_vary, scenario_tree's. */
const struct ytree_node *scenario_tree_as_set(const scenario_t *sc);

/* Frees the scenario and its share of what the loader kept. NULL is fine. */
void scenario_free(scenario_t *sc);

/* Index of a stage by name, or -1. */
int scenario_stage_index(const scenario_t *sc, const char *name);

/* The duration of a stay in stage st of a child aged `age` years on entering it: the
 * stage's one distribution, or the first by_age item holding the age (an age outside
 * every item, below 0 or from max_age on, takes the nearest item). */
const dist_t *scenario_stage_duration(const scn_stage_t *st, double age);

/* The mean stay in stage st of children whose ages at entry follow `age` (years): the
 * stage's mean, or for by_age the items' means weighted by the share of `age` in each
 * item's band (the bands' shares renormalised to sum 1; NaN when `age` puts no weight on
 * any band). */
double scenario_stage_mean_duration(const scn_stage_t *st, const dist_t *age);

/* The mean stay in stage st of children whose ages on entering it follow `age` (years),
 * cut short at max_age (they leave at max_age whatever stage they are in):
 * E[min(T_A, (max_age - A) days)] over A, with T_A the duration of a child entering at
 * age A (by_age items included). NaN if `age` has no finite quantiles. */
double scenario_stage_mean_stay(const scenario_t *sc, const scn_stage_t *st,
                                const dist_t *age);

/* The mean stay in stage s of the children its inflows bring (Little's law's W): the
 * arrival streams' ages, each weighted by the entries a day it sustains into s (the
 * traffic equations of that stream alone), through scenario_stage_mean_stay. A child's
 * age on entering s is taken as its age on arrival (time spent upstream is left out,
 * so the stay is a little long for stages far down the pathway). With no stream
 * reaching s: the first stream's ages (uniform 0 to max_age without streams). Sets
 * *stay (NaN: no by_age band holds the ages); returns 0 or SIM_ENOMEM. */
int scenario_stage_stay(const scenario_t *sc, int s, double *stay);

/* The traffic equations at day 0: rate[s] = the entries a day into stage s that the
 * arrival streams (their rates at day 0) sustain in the steady state, lam = a + P^T lam
 * over the stages the arrivals reach (0 for the others; rate has n_stages entries).
 * 0; 1 when they have no solution (*bad: a reached stage from which the routing never
 * reaches exit, or -1 for a singular system); SIM_ENOMEM. Little's law gives a stage's
 * steady stock: rate x its mean duration. */
int scenario_traffic(const scenario_t *sc, double *rate, int *bad);

/* Does a child of this age (years), flags and history match `when`? */
int scenario_when_matches(const scn_when_t *w, double age, uint64_t flags, int history);

/* Index of a pool, arrival stream or strand by name, or -1. */
int scenario_pool_index(const scenario_t *sc, const char *name);
int scenario_arrival_index(const scenario_t *sc, const char *name);
int scenario_strand_index(const scenario_t *sc, const char *name);

/* The strand's ramp at day t: 0 before start and from stop, then rising linearly
 * from 0 at start to 1 at start + ramp. */
double scenario_strand_ramp(const scn_strand_t *s, double t);

/* For `compare`: when dst prices no pool or placement, gives it src's pool and
 * placement costs (matched by pool and stage name; strands' costs belong to their
 * strands). Returns 0, or SIM_ENOMEM (dst keeps the items added so far). */
int scenario_adopt_costs(scenario_t *dst, const scenario_t *src);

/* Value of a step function at day t, or dflt before its first step. */
double scenario_steps_at(const scn_steps_t *s, double t, double dflt);

#endif
