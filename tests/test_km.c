/* test_km.c: Kaplan-Meier against the textbook example (Freireich et al.'s 6-MP
 * leukaemia remission times, as in Kleinbaum and Klein, "Survival Analysis", ch. 2, and
 * Collett, "Modelling Survival Data in Medical Research"; the same figures as R's
 * survfit on the gehan data), the uncensored placebo arm (where KM is the empirical
 * survival function), the log-log band worked by hand, quantiles with the midpoint rule,
 * delayed entry (left truncation) worked by hand and against the identity that
 * truncating every observation at e gives the full estimate divided by S just before e,
 * and bad input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/err.h"
#include "sim/km.h"

/* 6-MP arm: weeks in remission, + = censored. */
static const double mp_t[] = {6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16,
                              17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const unsigned char mp_e[] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1,
                                     0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
#define MP_N (sizeof mp_t / sizeof mp_t[0])

/* Published: time, at risk, events, S, Greenwood SE (to 4 places). */
static const struct {
    double t;
    long n, d;
    double s, se;
} mp_pub[] = {
    {6, 21, 3, 0.8571, 0.0764},  {7, 17, 1, 0.8067, 0.0869},  {10, 15, 1, 0.7529, 0.0963},
    {13, 12, 1, 0.6902, 0.1068}, {16, 11, 1, 0.6275, 0.1141}, {22, 7, 1, 0.5378, 0.1282},
    {23, 6, 1, 0.4482, 0.1346},
};

static void six_mp_published(void **state)
{
    km_t k;
    assert_int_equal(km_fit(mp_t, mp_e, MP_N, &k), 0);
    assert_int_equal(k.n, 21);
    assert_int_equal(k.n_events, 9);
    assert_int_equal(k.m, 7);
    assert_true(k.t_max == 35.0);
    for (int i = 0; i < 7; i++) {
        assert_true(k.t[i] == mp_pub[i].t);
        assert_int_equal(k.at_risk[i], mp_pub[i].n);
        assert_int_equal(k.events[i], mp_pub[i].d);
        assert_true(fabs(k.s[i] - mp_pub[i].s) < 5e-5);
        assert_true(fabs(sqrt(k.var[i]) - mp_pub[i].se) < 5e-5);
        /* the step function between event times */
        assert_true(fabs(km_surv(&k, mp_pub[i].t + 0.5) - mp_pub[i].s) < 5e-5);
        assert_true(fabs(km_se(&k, mp_pub[i].t) - mp_pub[i].se) < 5e-5);
    }
    assert_true(km_surv(&k, 5.99) == 1.0);
    assert_true(km_se(&k, 0.0) == 0.0);
    assert_true(fabs(km_surv(&k, 100) - 0.4482) < 5e-5);
    /* median 23 weeks (Kleinbaum and Klein); the log-log interval's lower limit is
     * 13 and the upper is not reached (R: survfit(..., conf.type = "log-log")) */
    double lo, hi;
    assert_true(km_quantile(&k, 0.5, 0.95, &lo, &hi) == 23.0);
    assert_true(lo == 13.0);
    assert_true(isinf(hi));
    /* the 25th percentile: first S <= 0.75 is at 13 */
    assert_true(km_quantile(&k, 0.25, 0.95, NULL, NULL) == 13.0);
    /* S never falls to 0.4: the 60th percentile is not reached */
    assert_true(isinf(km_quantile(&k, 0.6, 0.95, NULL, NULL)));
    km_free(&k);
}

/* The log-log band at t = 6 by hand: S = 18/21, Var = S^2 * 3/(21*18),
 * se = sqrt(Var) / (S |log S|), limits S^exp(+-1.959964 se): (0.6197, 0.9516). */
static void six_mp_band_by_hand(void **state)
{
    km_t k;
    assert_int_equal(km_fit(mp_t, mp_e, MP_N, &k), 0);
    double s = 18.0 / 21.0, var = s * s * 3.0 / (21.0 * 18.0);
    double se = sqrt(var) / (s * fabs(log(s)));
    double want_lo = pow(s, exp(1.959963984540054 * se));
    double want_hi = pow(s, exp(-1.959963984540054 * se));
    double lo, hi;
    km_band(&k, 6.0, 0.95, &lo, &hi);
    assert_true(fabs(lo - want_lo) < 1e-9 && fabs(hi - want_hi) < 1e-9);
    assert_true(fabs(lo - 0.6197) < 5e-4 && fabs(hi - 0.9516) < 5e-4);
    km_band(&k, 1.0, 0.95, &lo, &hi); /* before any event: S = 1, no width */
    assert_true(lo == 1.0 && hi == 1.0);
    km_free(&k);
}

/* Placebo arm, no censoring: KM is the empirical survival function; median 8 weeks. */
static void placebo_uncensored(void **state)
{
    static const double t[] = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8,
                               8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
    unsigned char e[21];
    for (int i = 0; i < 21; i++)
        e[i] = 1;
    km_t k;
    assert_int_equal(km_fit(t, e, 21, &k), 0);
    for (int i = 0; i < 21; i++) {
        int le = 0;
        for (int j = 0; j < 21; j++)
            le += t[j] <= t[i];
        assert_true(fabs(km_surv(&k, t[i]) - (21.0 - le) / 21.0) < 1e-12);
    }
    assert_true(km_surv(&k, 23) == 0.0);
    assert_true(km_quantile(&k, 0.5, 0.95, NULL, NULL) == 8.0);
    km_free(&k);
}

/* Times 1, 2, 2+, 3: an event and a censoring tied at 2 (the censored one is at risk
 * at 2): S(1) = 3/4, S(2) = 3/4 * 2/3 = 1/2, S(3) = 0; Greenwood at 2:
 * (1/2)^2 (1/(4*3) + 1/(3*2)) = 1/16. S equals 1/2 on [2, 3): median (2 + 3) / 2. */
static void tie_and_midpoint(void **state)
{
    static const double t[] = {3, 2, 1, 2};
    static const unsigned char e[] = {1, 0, 1, 1};
    km_t k;
    assert_int_equal(km_fit(t, e, 4, &k), 0);
    assert_int_equal(k.m, 3);
    assert_true(fabs(k.s[0] - 0.75) < 1e-15 && fabs(k.s[1] - 0.5) < 1e-15 && k.s[2] == 0.0);
    assert_int_equal(k.at_risk[1], 3);
    assert_true(fabs(k.var[1] - 1.0 / 16.0) < 1e-15);
    assert_true(km_quantile(&k, 0.5, 0.95, NULL, NULL) == 2.5);
    km_free(&k);
}

/* Delayed entry by hand. (entry, time, event):
 *   A (0, 2, 1), B (0, 5, 0), C (3, 4, 1), D (1, 6, 1), E (4, 7, 0), F (2, 3, 1).
 * At risk at t: entry <= t <= time.
 *   t = 2: A, B, D, F (C enters at 3, E at 4): n 4, d 1, S = 3/4;
 *   t = 3: B, C, D, F (A ended at 2):          n 4, d 1, S = 9/16;
 *   t = 4: B, C, D, E (F ended at 3):          n 4, d 1, S = 27/64;
 *   t = 6: D, E (B censored at 5, C ended):    n 2, d 1, S = 27/128.
 * Greenwood at 3: (9/16)^2 (1/(4 3) + 1/(4 3)) = 27/512. Ignoring the entries instead
 * puts all six at risk at 2 (S = 5/6): the test fails if entry is not used. */
static void delayed_entry_by_hand(void **state)
{
    static const double t[] = {2, 5, 4, 6, 7, 3}, en[] = {0, 0, 3, 1, 4, 2};
    static const unsigned char e[] = {1, 0, 1, 1, 0, 1};
    static const double want_s[] = {3.0 / 4, 9.0 / 16, 27.0 / 64, 27.0 / 128};
    static const double want_t[] = {2, 3, 4, 6};
    static const long want_n[] = {4, 4, 4, 2};
    km_t k;
    assert_int_equal(km_fit_entry(t, en, e, 6, &k), 0);
    assert_int_equal(k.m, 4);
    assert_int_equal(k.n, 6);
    assert_int_equal(k.n_late, 4);
    for (int i = 0; i < 4; i++) {
        assert_true(k.t[i] == want_t[i]);
        assert_int_equal(k.at_risk[i], want_n[i]);
        assert_true(fabs(k.s[i] - want_s[i]) < 1e-15);
    }
    assert_true(fabs(k.var[1] - 27.0 / 512) < 1e-15);
    km_free(&k);
    /* entry NULL and all-zero entries are plain Kaplan-Meier */
    static const double zero[6] = {0};
    km_t a, b;
    assert_int_equal(km_fit_entry(t, zero, e, 6, &a), 0);
    assert_int_equal(km_fit(t, e, 6, &b), 0);
    assert_int_equal(a.m, b.m);
    for (int i = 0; i < a.m; i++)
        assert_true(a.s[i] == b.s[i] && a.at_risk[i] == b.at_risk[i]);
    assert_int_equal(a.n_late, 0);
    km_free(&a);
    km_free(&b);
    /* an entry after its time, negative or not finite */
    double bad[] = {0, 0, 5, 1, 4, 2};
    assert_int_equal(km_fit_entry(t, bad, e, 6, &k), SIM_EINVAL);
    bad[2] = -1;
    assert_int_equal(km_fit_entry(t, bad, e, 6, &k), SIM_EINVAL);
    bad[2] = NAN;
    assert_int_equal(km_fit_entry(t, bad, e, 6, &k), SIM_EINVAL);
}

/* Truncating the 6-MP arm at 10 weeks (only those still in remission at 10 kept, each
 * entering at 10): every risk set from 10 on is the full data's, so S_trunc(t) =
 * S(t) / S(10-) with S(10-) = S(9) = 0.8067 (the published step at 7), for t >= 10. */
static void six_mp_truncated_at_10(void **state)
{
    km_t full, tr;
    assert_int_equal(km_fit(mp_t, mp_e, MP_N, &full), 0);
    double t[MP_N], en[MP_N];
    unsigned char e[MP_N];
    size_t n = 0;
    for (size_t i = 0; i < MP_N; i++)
        if (mp_t[i] >= 10) {
            t[n] = mp_t[i];
            en[n] = 10;
            e[n++] = mp_e[i];
        }
    assert_int_equal(km_fit_entry(t, en, e, n, &tr), 0);
    double s10 = km_surv(&full, 9.999);
    assert_true(fabs(s10 - 0.8067) < 5e-5);
    assert_true(tr.t[0] == 10.0); /* the event at the entry time counts */
    for (int i = 0; i < tr.m; i++)
        assert_true(fabs(tr.s[i] - km_surv(&full, tr.t[i]) / s10) < 1e-12);
    assert_int_equal(tr.m, 5); /* events at 10, 13, 16, 22, 23 */
    km_free(&full);
    km_free(&tr);
}

static void empty_and_bad(void **state)
{
    km_t k;
    assert_int_equal(km_fit(NULL, NULL, 0, &k), 0);
    assert_int_equal(k.m, 0);
    assert_true(km_surv(&k, 10) == 1.0);
    assert_true(isinf(km_quantile(&k, 0.5, 0.95, NULL, NULL)));
    km_free(&k);
    double bad[] = {1, -1};
    unsigned char e[] = {1, 1};
    assert_int_equal(km_fit(bad, e, 2, &k), SIM_EINVAL);
    bad[1] = NAN;
    assert_int_equal(km_fit(bad, e, 2, &k), SIM_EINVAL);
    /* all censored: S stays 1 */
    double c[] = {5, 7};
    unsigned char z[] = {0, 0};
    assert_int_equal(km_fit(c, z, 2, &k), 0);
    assert_int_equal(k.m, 0);
    assert_true(k.t_max == 7.0);
    km_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(six_mp_published),
        cmocka_unit_test(six_mp_band_by_hand),
        cmocka_unit_test(placebo_uncensored),
        cmocka_unit_test(tie_and_midpoint),
        cmocka_unit_test(delayed_entry_by_hand),
        cmocka_unit_test(six_mp_truncated_at_10),
        cmocka_unit_test(empty_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
