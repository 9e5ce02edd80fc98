/* test_rng.c: PCG32 against the reference generator's published output, the open
 * interval of rng_uniform (including its two edge words), uniformity, and stream
 * derivation by name. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/rng.h"

#define PCG_MULT 6364136223846793005ULL

/* pcg32-demo.c from pcg-c-basic prints, for pcg32_srandom_r(&rng, 42u, 54u):
 * "32bit: 0xa15c02b7 0x7b47f409 0xba1d3330 0x83d2f293 0xbfa4784b 0xcbed606e". */
static void pcg32_reference_demo(void **state)
{
    static const uint32_t want[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                     0x83d2f293, 0xbfa4784b, 0xcbed606e};
    rng_t r;
    rng_seed(&r, 42u, 54u);
    for (int i = 0; i < 6; i++) assert_int_equal(rng_u32(&r), want[i]);
}

/* The output function depends only on bits 27..63 of the old state. With bits 41..58
 * set and the rest of 27..63 clear, the rotation is 0 and the xorshift gives all ones;
 * with them all clear it gives 0. Choosing inc (odd) to step between two such states
 * forces two consecutive outputs, i.e. the extreme 53-bit words. */
static void uniform_edge_words(void **state)
{
    const uint64_t ones = ((1ULL << 18) - 1) << 41;
    rng_t r = {.state = ones, .inc = (ones | 1u) - ones * PCG_MULT};
    assert_true(r.inc & 1u);
    rng_t probe = r;
    assert_int_equal(rng_u32(&probe), 0xffffffffu);
    assert_int_equal(rng_u32(&probe), 0xffffffffu);
    double u = rng_uniform(&r);
    assert_true(u < 1.0);                  /* the top word must not round up to 1 */
    assert_true(u > 1.0 - 0x1.0p-52);

    rng_t z = {.state = 0, .inc = 1}; /* states 0 then 1: outputs 0, 0 */
    probe = z;
    assert_int_equal(rng_u32(&probe), 0u);
    assert_int_equal(rng_u32(&probe), 0u);
    u = rng_uniform(&z);
    assert_true(u > 0.0); /* the all-zero word is never returned as 0 */
    assert_true(isfinite(log(u)));
}

/* 1e6 draws: all strictly inside (0, 1), mean within 5 standard errors of 1/2, and a
 * chi-square over 100 equal bins below the 0.999 point of chi2(99) (148.23). */
static void uniform_open_and_uniform(void **state)
{
    enum { N = 1000000, BINS = 100 };
    long bins[BINS] = {0};
    rng_t r;
    rng_seed(&r, 2024u, 7u);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        double u = rng_uniform(&r);
        assert_true(u > 0.0 && u < 1.0);
        sum += u;
        bins[(int)(u * BINS)]++;
    }
    double se = sqrt(1.0 / 12.0 / N);
    assert_true(fabs(sum / N - 0.5) < 5.0 * se);
    double chi2 = 0.0, e = (double)N / BINS;
    for (int b = 0; b < BINS; b++) chi2 += (bins[b] - e) * (bins[b] - e) / e;
    assert_true(chi2 < 148.23);
}

/* Stream names: each row differs from the base (7, 1, 2, 3) in one word. */
static const struct {
    uint64_t seed, a, b, c;
} other_names[] = {
    {8, 1, 2, 3}, {7, 0, 2, 3}, {7, 1, 3, 3}, {7, 1, 2, 4},
    {7, 2, 1, 3}, /* swapped words are a different name */
    {7, 1, 2, 3ULL | (1ULL << 63)},
};

static void derive_same_name_same_draws(void **state)
{
    rng_t r1, r2;
    rng_derive(&r1, 7, 1, 2, 3);
    rng_derive(&r2, 7, 1, 2, 3);
    for (int i = 0; i < 1000; i++) assert_int_equal(rng_u32(&r1), rng_u32(&r2));
}

/* A family names (seed, a, b) once; member c is the stream rng_derive names (seed, a, b, c). */
static void family_member_is_derive(void **state)
{
    for (uint64_t c = 0; c < 100; c++) {
        rng_t r1, r2;
        rng_derive(&r1, 7, 1, 2, c);
        rng_derive_in(&r2, rng_family(7, 1, 2), c);
        for (int i = 0; i < 16; i++) assert_int_equal(rng_u32(&r1), rng_u32(&r2));
    }
}

/* Different names: the first draws differ, and the uniforms of the two streams are
 * uncorrelated (|corr| < 5 / sqrt(n)). */
static void derive_different_names_differ(void **state)
{
    enum { N = 100000 };
    for (size_t k = 0; k < sizeof other_names / sizeof other_names[0]; k++) {
        rng_t base, other;
        rng_derive(&base, 7, 1, 2, 3);
        rng_derive(&other, other_names[k].seed, other_names[k].a, other_names[k].b,
                   other_names[k].c);
        int same = 0;
        for (int i = 0; i < 4; i++) same += rng_u32(&base) == rng_u32(&other);
        assert_true(same < 4);
        double sxy = 0.0;
        for (int i = 0; i < N; i++)
            sxy += (rng_uniform(&base) - 0.5) * (rng_uniform(&other) - 0.5);
        double corr = sxy / N * 12.0;
        assert_true(fabs(corr) < 5.0 / sqrt((double)N));
    }
}

/* Consecutive names (child k = 0, 1, 2, ...) must not give shifted copies of one
 * stream: no first draw of one name appears among the first 64 draws of the next. */
static void derive_consecutive_not_shifted(void **state)
{
    for (uint64_t k = 0; k < 200; k++) {
        rng_t r1, r2;
        rng_derive(&r1, 99, 4, 5, k);
        rng_derive(&r2, 99, 4, 5, k + 1);
        uint32_t first = rng_u32(&r1);
        for (int i = 0; i < 64; i++) assert_true(rng_u32(&r2) != first);
    }
}

/* rng_hash is pure and avalanches: flipping any one input bit flips about half of the
 * 64 output bits (mean over 128 bits x 50 inputs within 32 +/- 1). */
static void hash_pure_and_avalanche(void **state)
{
    assert_true(rng_hash(1, 2) == rng_hash(1, 2));
    assert_true(rng_hash(1, 2) != rng_hash(2, 1));
    assert_true(rng_hash(0, 0) != 0);
    double flips = 0.0;
    int count = 0;
    rng_t r;
    rng_seed(&r, 5, 5);
    for (int t = 0; t < 50; t++) {
        uint64_t a = (uint64_t)rng_u32(&r) << 32 | rng_u32(&r);
        uint64_t b = (uint64_t)rng_u32(&r) << 32 | rng_u32(&r);
        uint64_t h = rng_hash(a, b);
        for (int bit = 0; bit < 64; bit++) {
            flips += __builtin_popcountll(h ^ rng_hash(a ^ (1ULL << bit), b));
            flips += __builtin_popcountll(h ^ rng_hash(a, b ^ (1ULL << bit)));
            count += 2;
        }
    }
    assert_true(fabs(flips / count - 32.0) < 1.0);
}

/* rng_hash_str is FNV-1a 64: the published test vectors of its authors. */
static void hash_str_fnv1a_vectors(void **state)
{
    assert_true(rng_hash_str("") == UINT64_C(0xcbf29ce484222325));
    assert_true(rng_hash_str("a") == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(rng_hash_str("foobar") == UINT64_C(0x85944171f73967e8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcg32_reference_demo),
        cmocka_unit_test(uniform_edge_words),
        cmocka_unit_test(uniform_open_and_uniform),
        cmocka_unit_test(derive_same_name_same_draws),
        cmocka_unit_test(family_member_is_derive),
        cmocka_unit_test(derive_different_names_differ),
        cmocka_unit_test(derive_consecutive_not_shifted),
        cmocka_unit_test(hash_pure_and_avalanche),
        cmocka_unit_test(hash_str_fnv1a_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
