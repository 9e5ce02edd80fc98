/* rng.c: PCG32 (O'Neill's minimal C implementation, XSH-RR 64/32) and stream naming.
 *
 * The generator is a 64-bit LCG whose output is permuted by an xorshift and a random
 * rotation; `inc` selects one of 2^63 streams and must stay odd. rng_seed and rng_u32
 * are pcg32_srandom_r and pcg32_random_r line for line, so the reference demo output
 * (seed 42, stream 54) is reproduced exactly. */
#include "sim/rng.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL /* 2^64 / phi, SplitMix64's increment */

void rng_seed(rng_t *r, uint64_t initstate, uint64_t initseq)
{
    r->state = 0u;
    r->inc = (initseq << 1u) | 1u;
    (void)rng_u32(r);
    r->state += initstate;
    (void)rng_u32(r);
}

/* rng_u32 and rng_uniform are inline in rng.h. */

/* SplitMix64's finaliser: a bijection of 64-bit words with good avalanche. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* For fixed b this is a bijection in a, and for fixed a a bijection in b, so two names
 * that differ in one word never collide at that step of a chain. */
uint64_t rng_hash(uint64_t a, uint64_t b)
{
    return mix64(mix64(a + GOLDEN) ^ b);
}

rng_family_t rng_family(uint64_t seed, uint64_t a, uint64_t b)
{
    /* Two chains with different starting words, so initstate and initseq are unrelated. */
    rng_family_t f;
    f.st = rng_hash(rng_hash(rng_hash(0x5354415445ULL, seed), a), b);
    f.sq = rng_hash(rng_hash(rng_hash(0x53455155454eULL, seed), a), b);
    return f;
}

void rng_derive_in(rng_t *r, rng_family_t f, uint64_t c)
{
    rng_seed(r, rng_hash(f.st, c), rng_hash(f.sq, c));
}

void rng_derive(rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    rng_derive_in(r, rng_family(seed, a, b), c);
}

uint64_t rng_hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64: offset basis and prime */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}
