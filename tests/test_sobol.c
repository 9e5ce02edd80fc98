/* test_sobol.c: the plain sequence against scipy's points for Joe and Kuo's numbers
 * (near the start, and far enough on that every dimension uses its recurrence), the
 * one-point-per-interval property of every dimension and the (0,m,2)-net of the first
 * two, scrambled and plain; the scramble's determinism, seed dependence and
 * independence of the number of dimensions; the bounds of sobol_init and the end of the
 * sequence. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sobol.h"

#define NCOLS 6
#define NSEEDS (sizeof seeds / sizeof seeds[0])

/* The coordinates (1-based dimensions) the scipy tables below quote. */
static const int cols[NCOLS] = {1, 2, 3, 10, 100, 1024};

/* scipy 1.10.1 (Debian python3-scipy), whose _sobol_direction_numbers.npz holds Joe and
 * Kuo's new-joe-kuo-6.21201:
 *   from scipy.stats import qmc
 *   s = qmc.Sobol(1024, scramble=False).random(16)
 * columns cols[] of s. */
static const double scipy_first16[NCOLS][16] = {
    {0.0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125, 0.1875, 0.6875, 0.9375, 0.4375,
     0.3125, 0.8125, 0.5625, 0.0625},
    {0.0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625, 0.3125, 0.8125, 0.0625, 0.5625,
     0.1875, 0.6875, 0.4375, 0.9375},
    {0.0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375, 0.9375, 0.4375, 0.6875, 0.1875,
     0.3125, 0.8125, 0.0625, 0.5625},
    {0.0, 0.5, 0.75, 0.25, 0.625, 0.125, 0.375, 0.875, 0.3125, 0.8125, 0.5625, 0.0625,
     0.9375, 0.4375, 0.1875, 0.6875},
    {0.0, 0.5, 0.75, 0.25, 0.875, 0.375, 0.125, 0.625, 0.9375, 0.4375, 0.1875, 0.6875,
     0.0625, 0.5625, 0.8125, 0.3125},
    {0.0, 0.5, 0.75, 0.25, 0.875, 0.375, 0.125, 0.625, 0.0625, 0.5625, 0.8125, 0.3125,
     0.9375, 0.4375, 0.1875, 0.6875},
};

/* The whole point in one number: sum over j of (j + 1) x_j, x_j = u_j 2^32 (exact: the
 * largest sum is below 2^53). */
static uint64_t point_sum(const double *u, int dims)
{
    uint64_t sum = 0;
    for (int j = 0; j < dims; j++) sum += (uint64_t)(j + 1) * (uint64_t)(u[j] * 0x1.0p32);
    return sum;
}

/* point_sum of each of the 16 points above over all 1024 dimensions, from
 * qmc.Sobol(1024, scramble=False, bits=32).random(16) * 2**32. */
static const uint64_t scipy_first16_sums[16] = {
    0x0,             0x4010000000000, 0x4006700000000, 0x4019900000000,
    0x3f33b40000000, 0x3fc6740000000, 0x41cbec0000000, 0x3f79ec0000000,
    0x3fc32e0000000, 0x3f056e0000000, 0x407ab60000000, 0x4032960000000,
    0x40e8560000000, 0x400bb60000000, 0x4026b60000000, 0x3fef560000000,
};

/* Points far enough on that their Gray codes (0xffff, 0x1ffff) use direction numbers
 * 1..16 and 1..17, past every degree s (at most 13), so the recurrence is checked in
 * all 1024 dimensions: e = qmc.Sobol(1024, scramble=False, bits=32); e.fast_forward(i);
 * e.random(1) * 2**32, as columns cols[] and as point_sum. */
static const struct {
    uint32_t index;
    uint32_t x[NCOLS];
    uint64_t sum;
} scipy_far[] = {
    {1000, {0x38400000, 0x18c00000, 0x84c00000, 0x11c00000, 0x2fc00000, 0xb6c00000},
     0x3e55d58000000},
    {0xaaaa, {0xffff0000, 0x10000, 0xb0ff0000, 0xf7570000, 0xb9cd0000, 0xce7d0000},
     0x401fc09980000},
    {0x15555, {0xffff8000, 0x80018000, 0x587f8000, 0xfd6d8000, 0x3b0a8000, 0xfca98000},
     0x3ef0d52b70000},
};

static const uint64_t seeds[] = {1, 2, 20240607};

/* The scrambling stream of seed k. */
static rng_t scramble_rng(uint64_t seed)
{
    rng_t r;
    rng_derive(&r, seed, 0x50b01, 0, 0);
    return r;
}

/* Coordinate as its 32 bits, checking it is a multiple of 2^-32 in [0, 1). */
static uint32_t bits_of(double u)
{
    assert_true(u >= 0.0 && u < 1.0);
    double x = u * 0x1.0p32;
    assert_true(x == floor(x));
    return (uint32_t)x;
}

/* The first n points of s as bits, point-major: n * dims words, caller frees. */
static uint32_t *draw_bits(sobol_t *s, int n)
{
    size_t d = (size_t)s->dims;
    uint32_t *x = malloc((size_t)n * d * sizeof *x);
    double *u = malloc(d * sizeof *u);
    assert_non_null(x);
    assert_non_null(u);
    for (int i = 0; i < n; i++) {
        assert_int_equal(sobol_next(s, u), 0);
        for (size_t j = 0; j < d; j++) x[(size_t)i * d + j] = bits_of(u[j]);
    }
    free(u);
    return x;
}

static void plain_first16_match_scipy(void **state)
{
    sobol_t s;
    double u[SOBOL_MAX_DIMS];
    assert_int_equal(sobol_init(&s, SOBOL_MAX_DIMS, NULL), 0);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(sobol_next(&s, u), 0);
        for (int c = 0; c < NCOLS; c++) assert_true(u[cols[c] - 1] == scipy_first16[c][i]);
        assert_true(point_sum(u, SOBOL_MAX_DIMS) == scipy_first16_sums[i]);
        assert_int_equal(s.index, i + 1);
    }
    sobol_free(&s);
}

/* With dims = cols[c], the last coordinate is still dimension cols[c]'s. */
static void plain_fewer_dims_same_columns(void **state)
{
    double u[SOBOL_MAX_DIMS];
    for (int c = 0; c < NCOLS; c++) {
        sobol_t s;
        assert_int_equal(sobol_init(&s, cols[c], NULL), 0);
        for (int i = 0; i < 16; i++) {
            assert_int_equal(sobol_next(&s, u), 0);
            assert_true(u[cols[c] - 1] == scipy_first16[c][i]);
        }
        sobol_free(&s);
    }
}

static void plain_far_points_match_scipy(void **state)
{
    sobol_t s;
    double u[SOBOL_MAX_DIMS];
    assert_int_equal(sobol_init(&s, SOBOL_MAX_DIMS, NULL), 0);
    uint32_t i = 0;
    for (size_t t = 0; t < sizeof scipy_far / sizeof scipy_far[0]; t++) {
        for (; i <= scipy_far[t].index; i++) assert_int_equal(sobol_next(&s, u), 0);
        for (int c = 0; c < NCOLS; c++)
            assert_int_equal(bits_of(u[cols[c] - 1]), scipy_far[t].x[c]);
        assert_true(point_sum(u, SOBOL_MAX_DIMS) == scipy_far[t].sum);
    }
    sobol_free(&s);
}

/* For m = 0..mmax, the first 2^m values of every dimension have distinct top m bits. */
static void check_intervals(const uint32_t *x, int dims, int mmax)
{
    unsigned char *seen = malloc((size_t)1 << mmax);
    assert_non_null(seen);
    for (int m = 0; m <= mmax; m++) {
        size_t n = (size_t)1 << m;
        for (int j = 0; j < dims; j++) {
            memset(seen, 0, n);
            for (size_t i = 0; i < n; i++) {
                uint32_t cell = m ? x[i * (size_t)dims + (size_t)j] >> (32 - m) : 0;
                assert_int_equal(seen[cell], 0);
                seen[cell] = 1;
            }
        }
    }
    free(seen);
}

/* The plain sequence too (seed row -1), so a wrong direction number cannot hide. */
static void one_point_per_interval_all_dims(void **state)
{
    enum { MMAX = 10 };
    for (int k = -1; k < (int)NSEEDS; k++) {
        sobol_t s;
        rng_t r;
        if (k >= 0) r = scramble_rng(seeds[k]);
        assert_int_equal(sobol_init(&s, SOBOL_MAX_DIMS, k >= 0 ? &r : NULL), 0);
        uint32_t *x = draw_bits(&s, 1 << MMAX);
        check_intervals(x, SOBOL_MAX_DIMS, MMAX);
        free(x);
        sobol_free(&s);
    }
}

/* Dimensions 1 and 2 have t = 0: for every m, the first 2^m points put one point in
 * each box [a/2^p, (a+1)/2^p) x [b/2^q, (b+1)/2^q), p + q = m. Drawn with 5 dimensions
 * so that the scrambled first two are those of a wider sequence. */
static void dims_1_2_are_0m2_nets(void **state)
{
    enum { MMAX = 12, DIMS = 5 };
    unsigned char *seen = malloc((size_t)1 << MMAX);
    assert_non_null(seen);
    for (int k = -1; k < (int)NSEEDS; k++) {
        sobol_t s;
        rng_t r;
        if (k >= 0) r = scramble_rng(seeds[k]);
        assert_int_equal(sobol_init(&s, DIMS, k >= 0 ? &r : NULL), 0);
        uint32_t *x = draw_bits(&s, 1 << MMAX);
        for (int m = 0; m <= MMAX; m++) {
            for (int p = 0; p <= m; p++) {
                int q = m - p;
                memset(seen, 0, (size_t)1 << m);
                for (size_t i = 0; i < (size_t)1 << m; i++) {
                    uint32_t a = p ? x[i * DIMS] >> (32 - p) : 0;
                    uint32_t b = q ? x[i * DIMS + 1] >> (32 - q) : 0;
                    uint32_t cell = (a << q) | b;
                    assert_int_equal(seen[cell], 0);
                    seen[cell] = 1;
                }
            }
        }
        free(x);
        sobol_free(&s);
    }
    free(seen);
}

/* Same rng state, same points; the rng passed is advanced, not kept. */
static void scrambled_same_seed_same_points(void **state)
{
    enum { N = 64 };
    rng_t r1 = scramble_rng(seeds[0]), r2 = scramble_rng(seeds[0]);
    sobol_t a, b;
    assert_int_equal(sobol_init(&a, SOBOL_MAX_DIMS, &r1), 0);
    assert_int_equal(sobol_init(&b, SOBOL_MAX_DIMS, &r2), 0);
    uint32_t *xa = draw_bits(&a, N), *xb = draw_bits(&b, N);
    assert_memory_equal(xa, xb, (size_t)N * SOBOL_MAX_DIMS * sizeof *xa);
    free(xa);
    free(xb);
    sobol_free(&a);
    sobol_free(&b);
}

/* Different seeds, and scrambled against plain: point 0 (the shifts) and point 1 differ
 * in almost every dimension (a coincidence has probability 2^-32 per word). */
static void scrambled_different_seeds_differ(void **state)
{
    enum { N = 2 };
    uint32_t *x[NSEEDS + 1];
    for (size_t k = 0; k <= NSEEDS; k++) {
        sobol_t s;
        rng_t r;
        if (k < NSEEDS) r = scramble_rng(seeds[k]);
        assert_int_equal(sobol_init(&s, SOBOL_MAX_DIMS, k < NSEEDS ? &r : NULL), 0);
        x[k] = draw_bits(&s, N);
        sobol_free(&s);
    }
    for (size_t k = 0; k <= NSEEDS; k++)
        for (size_t l = k + 1; l <= NSEEDS; l++) {
            int same = 0;
            for (size_t w = 0; w < (size_t)N * SOBOL_MAX_DIMS; w++)
                same += x[k][w] == x[l][w];
            assert_true(same < 4);
        }
    for (size_t k = 0; k <= NSEEDS; k++) free(x[k]);
}

/* The scramble is more than a shift: point 1 ^ point 0 is dimension j's first scrambled
 * direction number, the first column of L: top bit 1 (L has a unit diagonal), the bits
 * below random (a shift alone would leave 0x80000000 in every dimension). */
static void scramble_is_matrix_and_shift(void **state)
{
    rng_t r = scramble_rng(seeds[1]);
    sobol_t s;
    assert_int_equal(sobol_init(&s, SOBOL_MAX_DIMS, &r), 0);
    uint32_t *x = draw_bits(&s, 2);
    int plain = 0, zero_shift = 0;
    for (int j = 0; j < SOBOL_MAX_DIMS; j++) {
        uint32_t v1 = x[SOBOL_MAX_DIMS + j] ^ x[j];
        assert_true(v1 & 0x80000000u);
        plain += v1 == 0x80000000u;
        zero_shift += x[j] == 0;
    }
    assert_true(plain < 4);
    assert_true(zero_shift < 4);
    free(x);
    sobol_free(&s);
}

/* Draws go dimension by dimension, so the first d coordinates of a scrambled sequence
 * do not depend on how many dimensions it has (sim/sa.h splits one 2k-dimensional
 * point in two). */
static void scrambled_fewer_dims_same_columns(void **state)
{
    enum { N = 32, D = 10 };
    rng_t r1 = scramble_rng(seeds[2]), r2 = scramble_rng(seeds[2]);
    sobol_t wide, narrow;
    assert_int_equal(sobol_init(&wide, SOBOL_MAX_DIMS, &r1), 0);
    assert_int_equal(sobol_init(&narrow, D, &r2), 0);
    uint32_t *xw = draw_bits(&wide, N), *xn = draw_bits(&narrow, N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++)
            assert_int_equal(xn[i * D + j], xw[(size_t)i * SOBOL_MAX_DIMS + (size_t)j]);
    free(xw);
    free(xn);
    sobol_free(&wide);
    sobol_free(&narrow);
}

static void init_rejects_bad_dims(void **state)
{
    static const int bad[] = {0, -1, SOBOL_MAX_DIMS + 1, INT_MIN, INT_MAX};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        sobol_t s;
        rng_t r = scramble_rng(seeds[0]);
        assert_int_equal(sobol_init(&s, bad[k], NULL), SIM_EINVAL);
        assert_int_equal(sobol_init(&s, bad[k], &r), SIM_EINVAL);
        assert_null(s.v); /* nothing to free */
        assert_null(s.x);
    }
    static const int good[] = {1, SOBOL_MAX_DIMS};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        sobol_t s;
        assert_int_equal(sobol_init(&s, good[k], NULL), 0);
        assert_int_equal(s.dims, good[k]);
        assert_int_equal(s.index, 0);
        sobol_free(&s);
    }
}

/* The sequence ends after SOBOL_MAX_POINTS points: jump there by setting the read-only
 * index (a white-box shortcut past 2^32 draws). */
static void sequence_ends_at_max_points(void **state)
{
    sobol_t s;
    double u[3];
    assert_int_equal(sobol_init(&s, 3, NULL), 0);
    s.index = SOBOL_MAX_POINTS - 1;
    assert_int_equal(sobol_next(&s, u), 0);
    for (int j = 0; j < 3; j++) (void)bits_of(u[j]);
    assert_true(s.index == SOBOL_MAX_POINTS);
    assert_int_equal(sobol_next(&s, u), SIM_ERANGE);
    assert_int_equal(sobol_next(&s, u), SIM_ERANGE);
    assert_true(s.index == SOBOL_MAX_POINTS);
    sobol_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_first16_match_scipy),
        cmocka_unit_test(plain_fewer_dims_same_columns),
        cmocka_unit_test(plain_far_points_match_scipy),
        cmocka_unit_test(one_point_per_interval_all_dims),
        cmocka_unit_test(dims_1_2_are_0m2_nets),
        cmocka_unit_test(scrambled_same_seed_same_points),
        cmocka_unit_test(scrambled_different_seeds_differ),
        cmocka_unit_test(scramble_is_matrix_and_shift),
        cmocka_unit_test(scrambled_fewer_dims_same_columns),
        cmocka_unit_test(init_rejects_bad_dims),
        cmocka_unit_test(sequence_ends_at_max_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
